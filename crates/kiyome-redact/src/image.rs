//! Metadata scrub, area redaction and leak verification for standalone images (and the image
//! helpers the Office code uses for pictures inside documents).
//!
//! - JPEG and PNG lose their metadata **losslessly**: segments and chunks are dropped, the
//!   compressed pixels are copied byte for byte ([`kiyome_image::strip_jpeg_metadata`],
//!   [`kiyome_image::strip_png_metadata`]);
//! - other kinds (GIF, BMP, TIFF, WebP) are decoded and re-encoded, which keeps only pixels;
//! - `--area` rectangles are in **pixels** of the picture as shown (EXIF orientation applied,
//!   origin top left, `page` 1); the pixels are filled with the plan's box colour and the image
//!   re-encoded. Inside a document, `page` N names the N-th picture of the package in member
//!   name order (`word/media/image1.png` before `word/media/image2.png`).
//!
//! [`verify`] re-inspects the output with kiyome-image's own walker: any EXIF, GPS, XMP, IPTC,
//! comment, ICC profile, thumbnail, maker note or timestamp left is a leak, as is a term of
//! the plan in the bytes.

use crate::office::verify::BytePatterns;
use crate::plan::{Area, Color, Plan};
use crate::report::{LeakReport, RedactionReport};
use kiyome_core::{Action, Ctx, Disarmed, Error, Finding, Inspection, Kind, Severity, sniff};
use kiyome_image::image::{DynamicImage, GenericImageView, Rgba};
use kiyome_image::{ImageOptions, decode, encode};

/// Image findings that mean metadata is still present.
const METADATA_CODES: &[&str] = &[
    "image.exif",
    "image.gps",
    "image.xmp",
    "image.iptc",
    "image.comment",
    "image.icc_profile",
    "image.thumbnail",
    "image.maker_note",
    "image.timestamp",
];

/// Whether `data` starts like a JPEG, PNG, GIF, BMP, TIFF or WebP file.
pub(crate) fn is_image_bytes(data: &[u8]) -> bool {
    data.starts_with(&[0xFF, 0xD8, 0xFF])
        || data.starts_with(b"\x89PNG\r\n\x1a\n")
        || data.starts_with(b"GIF8")
        || data.starts_with(b"II*\0")
        || data.starts_with(b"MM\0*")
        || (data.starts_with(b"RIFF") && data.get(8..12) == Some(b"WEBP"))
}

/// Lossless metadata removal for JPEG and PNG; `None` for other kinds (kept as they are inside
/// documents, re-encoded when standalone).
pub(crate) fn strip_lossless(data: &[u8]) -> Option<Result<Vec<u8>, Error>> {
    if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(kiyome_image::strip_jpeg_metadata(data))
    } else if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(kiyome_image::strip_png_metadata(data))
    } else {
        None
    }
}

/// A picture inside a document that is neither JPEG nor PNG: kept as it is when it carries no
/// metadata, otherwise decoded and re-encoded in its own format (which keeps only pixels).
pub(crate) fn reencode_if_metadata(
    name: &str,
    data: Vec<u8>,
    ctx: &Ctx<'_>,
    col: &mut kiyome_office::Collector,
) -> Result<Vec<u8>, Error> {
    let kind = kind_of(&data);
    let mut seen = Inspection::default();
    kiyome_image::inspect(&data, kind, ctx, &mut seen)?;
    if !seen
        .findings
        .iter()
        .any(|f| METADATA_CODES.contains(&f.code.as_str()))
    {
        return Ok(data);
    }
    let mut ins = Inspection::default();
    let d = kiyome_image::disarm(&data, kind, ctx, &ImageOptions::default(), &mut ins)?;
    col.add(
        Finding::new("scrub.image_metadata", Severity::Info, name)
            .detail("image metadata removed; picture re-encoded")
            .action(Action::Converted),
    );
    Ok(d.data)
}

fn kind_of(data: &[u8]) -> Kind {
    sniff(data, None).kind
}

/// Fills `areas` (pixels, clamped to the picture) with `color` and re-encodes the image in
/// its own format. The result has no metadata (the encoder writes none).
pub(crate) fn apply_areas(
    data: &[u8],
    areas: &[Area],
    color: Color,
    ctx: &Ctx<'_>,
) -> Result<Vec<u8>, Error> {
    let kind = kind_of(data);
    let mut img = decode(data, kind, ctx)?;
    fill(&mut img, areas, color);
    ctx.budget.check_time()?;
    encode(&img, kind, &ImageOptions::default())
}

fn fill(img: &mut DynamicImage, areas: &[Area], color: Color) {
    let (w, h) = img.dimensions();
    let [r, g, b] = color.0.map(|c| (c.clamp(0.0, 1.0) * 255.0).round() as u8);
    for a in areas {
        let Some(a) = a.normalized() else { continue };
        let clamp = |v: f64, max: u32| -> u32 { v.floor().clamp(0.0, max as f64) as u32 };
        let (x0, x1) = (clamp(a.x0, w), clamp(a.x1.ceil(), w));
        let (y0, y1) = (clamp(a.y0, h), clamp(a.y1.ceil(), h));
        let mut rgba = img.to_rgba8();
        for y in y0..y1 {
            for x in x0..x1 {
                rgba.put_pixel(x, y, Rgba([r, g, b, 255]));
            }
        }
        *img = match img {
            DynamicImage::ImageLuma8(_) | DynamicImage::ImageLumaA8(_) => {
                DynamicImage::ImageRgba8(rgba).to_luma8().into()
            }
            DynamicImage::ImageRgb8(_) => DynamicImage::ImageRgba8(rgba).to_rgb8().into(),
            _ => DynamicImage::ImageRgba8(rgba),
        };
    }
}

/// Scrubs and redacts a standalone image: areas filled and re-encoded, metadata removed
/// (losslessly for JPEG/PNG when no area applies). Text rules cannot see pixels: they only
/// matter for metadata, which goes entirely.
pub fn redact(
    data: &[u8],
    kind: Kind,
    plan: &Plan,
    ctx: &Ctx<'_>,
    report: &mut RedactionReport,
) -> Result<Disarmed, Error> {
    if let Some(a) = plan.areas.iter().find(|a| a.page != 1) {
        return Err(Error::unsupported(format!(
            "area on page {} of an image (an image has one page)",
            a.page
        )));
    }
    let mut seen = Inspection::default();
    kiyome_image::inspect(data, kind, ctx, &mut seen)?;
    if let Some(f) = seen.findings.iter().find(|f| f.severity.is_dangerous()) {
        // GPS is Medium in inspect but exactly what scrub removes; everything else dangerous
        // (trailing data, unsupported format, limits) is left to the caller as an error.
        if f.code != "image.gps" && f.code != "image.trailing_data" {
            return Err(Error::unsupported(format!(
                "image with {} ({})",
                f.code, f.detail
            )));
        }
    }
    let mut bytes = data.to_vec();
    if !plan.areas.is_empty() {
        bytes = apply_areas(&bytes, &plan.areas, plan.box_color, ctx)?;
        for _ in &plan.areas {
            report.record_area("image");
        }
        report.removed(
            Finding::new("redact.image_area", Severity::Info, "image")
                .detail(format!(
                    "{} areas filled; image re-encoded",
                    plan.areas.len()
                ))
                .action(Action::Converted),
        );
    }
    let out = match strip_lossless(&bytes) {
        Some(r) => r?,
        None => {
            let mut ins = Inspection::default();
            let d = kiyome_image::disarm(&bytes, kind, ctx, &ImageOptions::default(), &mut ins)?;
            for f in ins.findings {
                report.removed(f);
            }
            d.data
        }
    };
    for f in seen.findings {
        if METADATA_CODES.contains(&f.code.as_str()) || f.code == "image.trailing_data" {
            report.removed(f.action(Action::Removed));
        }
    }
    Ok(Disarmed { data: out, kind })
}

/// Checks a standalone image: no metadata left (kiyome-image's walker), no term of the plan in
/// its bytes.
pub fn verify(data: &[u8], kind: Kind, plan: &Plan, ctx: &Ctx<'_>) -> Result<LeakReport, Error> {
    let mut r = LeakReport::default();
    metadata_leaks(data, kind, "image", ctx, &mut r)?;
    r.ran("bytes");
    let salt = plan.salt.clone().unwrap_or_default();
    BytePatterns::new(plan, &salt).scan(data, "image", true, &mut r);
    Ok(r)
}

/// Adds a `verify.image_metadata` leak for each kind of metadata still in the picture `data`.
pub(crate) fn metadata_leaks(
    data: &[u8],
    kind: Kind,
    loc: &str,
    ctx: &Ctx<'_>,
    r: &mut LeakReport,
) -> Result<(), Error> {
    r.ran("image metadata");
    let mut ins = Inspection::default();
    // The metadata walk only: decoding the pixels again would find nothing about metadata
    // (and doubled the cost of every scrubbed picture).
    kiyome_image::inspect_metadata(data, kind, ctx, &mut ins)?;
    for f in ins.findings {
        if METADATA_CODES.contains(&f.code.as_str()) || f.code == "image.trailing_data" {
            r.structural("verify.image_metadata", loc, f.code.clone());
        }
    }
    Ok(())
}
