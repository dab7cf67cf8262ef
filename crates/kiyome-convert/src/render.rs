//! Rendering PDF pages to pixels with hayro (pure Rust, `#![forbid(unsafe_code)]`), under
//! limits on pages and pixels, in parallel (one parsed document per worker thread, because
//! hayro's caches are not shareable across threads).

use crate::fonts;
use hayro::hayro_interpret::InterpreterSettings;
use hayro::hayro_syntax::Pdf;
use hayro::vello_cpu::color::palette::css::WHITE;
use hayro::{PixmapSettings, RenderCache, RenderSettings, render};
use kiyome_core::{Budget, Error, LimitKind};
use rayon::prelude::*;
use std::sync::Arc;

/// The largest side of a pixmap hayro can produce.
const MAX_SIDE: f32 = 65_535.0;

/// One rendered page: its size in PDF points (as displayed, rotation applied) and its pixels.
#[derive(Debug, Clone)]
pub struct PageImage {
    /// Width in points (1/72 inch).
    pub width_pt: f32,
    /// Height in points.
    pub height_pt: f32,
    /// Width in pixels.
    pub width_px: u32,
    /// Height in pixels.
    pub height_px: u32,
    /// RGB pixels, row-major, 3 bytes per pixel.
    pub rgb: Vec<u8>,
}

/// Opens a PDF with hayro (with an optional password).
fn open(data: &Arc<Vec<u8>>, password: Option<&str>) -> Result<Pdf, Error> {
    Pdf::new_with_password(data.clone(), password.unwrap_or("")).map_err(|e| match e {
        hayro::hayro_syntax::LoadPdfError::Decryption(d) => Error::Encrypted {
            format: "pdf",
            detail: format!("cannot decrypt for rendering ({d:?}); supply the password"),
        },
        hayro::hayro_syntax::LoadPdfError::Invalid => {
            Error::parse("pdf", "the renderer cannot read this PDF")
        }
    })
}

/// Number of pages hayro sees in the document.
pub fn page_count(data: &[u8], password: Option<&str>) -> Result<usize, Error> {
    let data = Arc::new(data.to_vec());
    Ok(open(&data, password)?.pages().len())
}

fn settings() -> InterpreterSettings {
    InterpreterSettings {
        font_resolver: Arc::new(fonts::resolve),
        ..Default::default()
    }
}

/// The scale (pixels per point) for `dpi`, reduced so that the page stays within the pixel
/// limit and hayro's maximum side.
fn scale_for(w_pt: f32, h_pt: f32, dpi: f32, max_pixels: u64) -> f32 {
    let mut scale = dpi / 72.0;
    let side = w_pt.max(h_pt).max(1.0);
    if side * scale > MAX_SIDE {
        scale = MAX_SIDE / side;
    }
    let px = (w_pt * scale) as f64 * (h_pt * scale) as f64;
    if px > max_pixels as f64 {
        scale *= (max_pixels as f64 / px).sqrt() as f32;
    }
    scale
}

/// Renders every page at `dpi` (reduced per page when needed to respect the pixel limit),
/// pages in parallel. Fails on the page limit, on encryption without the password, and when
/// the renderer cannot read the file.
pub fn render_pages(
    data: &[u8],
    password: Option<&str>,
    dpi: f32,
    budget: &Budget,
) -> Result<Vec<PageImage>, Error> {
    let limits = budget.limits().clone();
    let shared = Arc::new(data.to_vec());
    let count = open(&shared, password)?.pages().len();
    if count == 0 {
        return Err(Error::parse("pdf", "the document has no pages"));
    }
    if count as u64 > limits.max_pages as u64 {
        return Err(Error::limit(
            LimitKind::Pages,
            count as u64,
            limits.max_pages as u64,
        ));
    }
    let pw = password.map(str::to_owned);
    (0..count)
        .into_par_iter()
        .map_init(
            || open(&shared, pw.as_deref()),
            |doc, idx| {
                budget.check_time()?;
                let pdf = doc
                    .as_ref()
                    .map_err(|e| Error::parse("pdf", e.to_string()))?;
                let page = pdf
                    .pages()
                    .get(idx)
                    .ok_or_else(|| Error::parse("pdf", "page vanished"))?;
                let (w_pt, h_pt) = page.render_dimensions();
                if !(w_pt.is_finite() && h_pt.is_finite()) || w_pt < 1.0 || h_pt < 1.0 {
                    return Err(Error::parse(
                        "pdf",
                        format!("page {} has no usable size", idx + 1),
                    ));
                }
                let scale = scale_for(w_pt, h_pt, dpi, limits.max_pixels);
                let cache = RenderCache::new();
                let pixmap = render(
                    page,
                    &cache,
                    &settings(),
                    &RenderSettings::default(),
                    &PixmapSettings {
                        x_scale: scale,
                        y_scale: scale,
                        bg_color: WHITE,
                    },
                );
                let (w, h) = (pixmap.width() as u32, pixmap.height() as u32);
                let rgba =
                    pixmap.take_rgba8(hayro::vello_cpu::peniko::ImageAlphaType::AlphaPremultiplied);
                // The background is opaque white, so premultiplied equals straight alpha.
                let mut rgb = Vec::with_capacity((w * h * 3) as usize);
                for px in rgba.chunks_exact(4) {
                    rgb.extend_from_slice(&px[..3]);
                }
                Ok(PageImage {
                    width_pt: w_pt,
                    height_pt: h_pt,
                    width_px: w,
                    height_px: h,
                    rgb,
                })
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_respects_pixel_limit_and_max_side() {
        let s = scale_for(612.0, 792.0, 150.0, 100_000_000);
        assert!((s - 150.0 / 72.0).abs() < 1e-6);
        let s = scale_for(612.0, 792.0, 150.0, 10_000);
        assert!((612.0 * s) * (792.0 * s) <= 10_001.0);
        let s = scale_for(14_400.0, 100.0, 600.0, u64::MAX);
        assert!(14_400.0 * s <= MAX_SIDE + 0.5);
    }
}
