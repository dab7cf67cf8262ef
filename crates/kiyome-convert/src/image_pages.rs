//! A raster image as one page: decoded under pixel limits, orientation applied.

use crate::render::PageImage;
use kiyome_core::{Error, LimitKind, Limits};

/// Decodes `data` into one page. The page size is the image at `dpi` (so that printing the
/// page reproduces the image's pixels one to one at that resolution).
pub fn image_page(data: &[u8], dpi: f32, limits: &Limits) -> Result<PageImage, Error> {
    let mut reader = image::ImageReader::new(std::io::Cursor::new(data))
        .with_guessed_format()
        .map_err(|e| Error::parse("image", e.to_string()))?;
    let mut il = image::Limits::default();
    let side = (limits.max_pixels as f64).sqrt().min(u32::MAX as f64) as u32;
    il.max_image_width = Some(side.max(1).saturating_mul(4));
    il.max_image_height = Some(side.max(1).saturating_mul(4));
    il.max_alloc = Some(limits.max_pixels.saturating_mul(4));
    reader.limits(il);
    let (w, h) = reader
        .into_dimensions()
        .map_err(|e| Error::parse("image", e.to_string()))?;
    if w as u64 * h as u64 > limits.max_pixels {
        return Err(Error::limit(
            LimitKind::Pixels,
            w as u64 * h as u64,
            limits.max_pixels,
        ));
    }
    let mut reader = image::ImageReader::new(std::io::Cursor::new(data))
        .with_guessed_format()
        .map_err(|e| Error::parse("image", e.to_string()))?;
    let mut il = image::Limits::default();
    il.max_alloc = Some(limits.max_pixels.saturating_mul(8));
    reader.limits(il);
    let img = reader
        .decode()
        .map_err(|e| Error::parse("image", e.to_string()))?;
    let rgb = img.to_rgb8();
    let (w, h) = (rgb.width(), rgb.height());
    let pt = |px: u32| px as f32 * 72.0 / dpi.max(1.0);
    Ok(PageImage {
        width_pt: pt(w),
        height_pt: pt(h),
        width_px: w,
        height_px: h,
        rgb: rgb.into_raw(),
    })
}
