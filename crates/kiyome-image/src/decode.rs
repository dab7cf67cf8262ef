//! Decoding under limits and re-encoding (サニタイズ処理 for images): only pixels survive.

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader};
use kiyome_core::{Action, Ctx, Disarmed, Error, Finding, Inspection, Kind, Severity};
use serde::{Deserialize, Serialize};
use std::io::Cursor;

/// Options for image disarm (embedded in the engine's policy under `[image]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ImageOptions {
    /// JPEG quality used when re-encoding JPEGs, 1–100 (default 90).
    pub jpeg_quality: u8,
}

impl Default for ImageOptions {
    fn default() -> Self {
        ImageOptions { jpeg_quality: 90 }
    }
}

/// Whether kiyome can decode (and so re-encode) this kind.
pub(crate) fn decodable(kind: Kind) -> bool {
    format(kind).is_some()
}

fn format(kind: Kind) -> Option<ImageFormat> {
    Some(match kind {
        Kind::Jpeg => ImageFormat::Jpeg,
        Kind::Png => ImageFormat::Png,
        Kind::Gif => ImageFormat::Gif,
        Kind::Bmp => ImageFormat::Bmp,
        Kind::Tiff => ImageFormat::Tiff,
        Kind::Webp => ImageFormat::WebP,
        _ => return None,
    })
}

fn limits(ctx: &Ctx<'_>) -> image::Limits {
    let max_px = ctx.limits().max_pixels;
    let side = max_px.min(u32::MAX as u64) as u32;
    let mut l = image::Limits::default();
    l.max_image_width = Some(side);
    l.max_image_height = Some(side);
    // Room for the decoded pixels at up to 8 bytes each, plus decoder scratch; never above 2 GiB.
    l.max_alloc = Some(
        max_px
            .saturating_mul(8)
            .saturating_add(64 << 20)
            .min(2 << 30),
    );
    l
}

fn img_err(e: image::ImageError) -> Error {
    match e {
        image::ImageError::Limits(l) => Error::parse("image", format!("decoder limit: {l}")),
        other => Error::parse("image", other.to_string()),
    }
}

/// Decodes `data` of `kind` under the context's pixel and allocation limits, applying the
/// EXIF orientation so that coordinates are those of the picture as shown.
pub fn decode(data: &[u8], kind: Kind, ctx: &Ctx<'_>) -> Result<DynamicImage, Error> {
    let fmt = format(kind).ok_or_else(|| Error::unsupported(format!("decoding {kind}")))?;
    let mut reader = ImageReader::with_format(Cursor::new(data), fmt);
    reader.limits(limits(ctx));
    let mut dec = reader.into_decoder().map_err(img_err)?;
    let (w, h) = dec.dimensions();
    let px = w as u64 * h as u64;
    if px > ctx.limits().max_pixels {
        return Err(Error::limit(
            kiyome_core::LimitKind::Pixels,
            px,
            ctx.limits().max_pixels,
        ));
    }
    ctx.budget.consume(dec.total_bytes())?;
    let orientation = dec
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(dec).map_err(img_err)?;
    img.apply_orientation(orientation);
    ctx.budget.check_time()?;
    Ok(img)
}

/// Encodes `img` as `kind` without any metadata (JPEG at `opts.jpeg_quality` with 4:2:0
/// colour, WebP lossless).
pub fn encode(img: &DynamicImage, kind: Kind, opts: &ImageOptions) -> Result<Vec<u8>, Error> {
    encode_as(img, kind, opts, crate::Subsampling::default())
}

/// [`encode`], with the chroma subsampling a JPEG is written with (a disarmed JPEG keeps its
/// source's).
fn encode_as(
    img: &DynamicImage,
    kind: Kind,
    opts: &ImageOptions,
    subsampling: crate::Subsampling,
) -> Result<Vec<u8>, Error> {
    use image::codecs::*;
    let mut buf = Vec::new();
    let res = match kind {
        Kind::Jpeg => {
            // JPEG has no alpha and no 16-bit samples: flatten to 8-bit grey or RGB (without a
            // copy when the pixels already are).
            let params = crate::JpegParams {
                quality: opts.jpeg_quality,
                subsampling,
                optimize: false,
            };
            let (w, h) = (img.width(), img.height());
            return if img.color().has_color() {
                match img.as_rgb8() {
                    Some(rgb) => crate::encode_jpeg(rgb.as_raw(), w, h, false, &params),
                    None => crate::encode_jpeg(img.to_rgb8().as_raw(), w, h, false, &params),
                }
            } else {
                match img.as_luma8() {
                    Some(l) => crate::encode_jpeg(l.as_raw(), w, h, true, &params),
                    None => crate::encode_jpeg(img.to_luma8().as_raw(), w, h, true, &params),
                }
            };
        }
        Kind::Png => img.write_with_encoder(png::PngEncoder::new(&mut buf)),
        Kind::Gif => {
            let mut enc = gif::GifEncoder::new(&mut buf);
            let frame = image::Frame::new(img.to_rgba8());
            enc.encode_frame(frame)
        }
        Kind::Bmp => {
            let enc = bmp::BmpEncoder::new(&mut buf);
            if img.color().has_alpha() {
                img.to_rgba8().write_with_encoder(enc)
            } else {
                img.to_rgb8().write_with_encoder(enc)
            }
        }
        Kind::Tiff => {
            let mut cur = Cursor::new(Vec::new());
            let enc = tiff::TiffEncoder::new(&mut cur);
            let r = match img {
                DynamicImage::ImageLuma8(_)
                | DynamicImage::ImageRgb8(_)
                | DynamicImage::ImageRgba8(_) => img.write_with_encoder(enc),
                _ if img.color().has_alpha() => img.to_rgba8().write_with_encoder(enc),
                _ => img.to_rgb8().write_with_encoder(enc),
            };
            buf = cur.into_inner();
            r
        }
        Kind::Webp => {
            let enc = webp::WebPEncoder::new_lossless(&mut buf);
            if img.color().has_alpha() {
                img.to_rgba8().write_with_encoder(enc)
            } else {
                img.to_rgb8().write_with_encoder(enc)
            }
        }
        _ => return Err(Error::unsupported(format!("encoding {kind}"))),
    };
    res.map_err(|e| Error::parse("image", format!("re-encoding failed: {e}")))?;
    Ok(buf)
}

/// Disarms an image: decodes it under pixel limits, applies the EXIF orientation, and
/// re-encodes it in the same format without any metadata or trailing data. Everything the
/// container walk found is recorded as removed. HEIC/AVIF/JXL and dimension bombs are errors
/// (blocked). An animated GIF or WebP keeps its first frame, and the report says so.
pub fn disarm(
    data: &[u8],
    kind: Kind,
    ctx: &Ctx<'_>,
    opts: &ImageOptions,
    out: &mut Inspection,
) -> Result<Disarmed, Error> {
    let mut seen = Inspection::default();
    let bomb = crate::walk(data, kind, ctx, &mut seen)?;
    if let Some(e) = bomb {
        return Err(e);
    }
    if !decodable(kind) || seen.has("image.unsupported_format") {
        for f in seen.findings {
            let dangerous = f.severity.is_dangerous();
            out.add(if dangerous {
                f.action(Action::Blocked)
            } else {
                f
            });
        }
        return Err(Error::unsupported(format!("{kind} cannot be re-encoded")));
    }
    let img = decode(data, kind, ctx)?;
    let subsampling = if kind == Kind::Jpeg {
        crate::jpeg::source_subsampling(data)
    } else {
        crate::Subsampling::default()
    };
    let bytes = encode_as(&img, kind, opts, subsampling)?;
    for f in seen.findings {
        let action = if f.code == "image.animation" {
            Action::Converted
        } else {
            Action::Removed
        };
        let f = if f.code == "image.animation" {
            f.detail("only the first frame is kept")
        } else {
            f
        };
        out.add(f.action(action));
    }
    // Nested reports of trailing data are not kept: the trailing data itself is gone.
    out.add(
        Finding::new("image.reencoded", Severity::Info, "pixels")
            .action(Action::Converted)
            .detail(format!(
                "{}×{} {:?} re-encoded as {kind}",
                img.width(),
                img.height(),
                img.color()
            )),
    );
    Ok(Disarmed { data: bytes, kind })
}
