//! kiyome-image: bounded inspection of raster images for hidden information and polyglot
//! tricks, re-encoding that drops every metadata chunk, and lossless metadata strippers.
//!
//! Inspection walks the container itself (JPEG segments, PNG chunks, GIF blocks, TIFF IFDs,
//! RIFF chunks) without trusting any length, then decodes the pixels with the `image` crate
//! under [`image::Limits`] so that a file no decoder can read is blocked (default deny).
//!
//! ```
//! use kiyome_core::{Budget, Ctx, Inspection, Kind, Limits, NoNesting};
//! let budget = Budget::new(&Limits::default());
//! let ctx = Ctx::new(&budget, &NoNesting);
//! let mut out = Inspection::default();
//! // A PNG signature and nothing else: truncated, so the decoder check fails.
//! kiyome_image::inspect(b"\x89PNG\r\n\x1a\n", Kind::Png, &ctx, &mut out).unwrap();
//! assert!(out.has("parse.failed"));
//! ```
#![forbid(unsafe_code)]

mod containers;
mod decode;
pub mod exif;
mod jpeg;
mod png;
mod strip;

pub use decode::{ImageOptions, disarm};
pub use strip::{strip_jpeg_metadata, strip_png_metadata};

use kiyome_core::{CodeInfo, Ctx, Error, Finding, Inspection, Kind, LimitKind, Severity};

const fn c(code: &'static str, severity: Severity, meaning: &'static str) -> CodeInfo {
    CodeInfo {
        code,
        severity,
        meaning,
    }
}

/// Finding codes raised by this crate.
pub const CODES: &[CodeInfo] = &[
    c(
        "image.exif",
        Severity::Info,
        "EXIF metadata (camera, dates, personal fields such as Artist or owner name).",
    ),
    c(
        "image.gps",
        Severity::Medium,
        "GPS information in EXIF or XMP: the picture reveals where it was taken.",
    ),
    c(
        "image.xmp",
        Severity::Info,
        "An XMP packet (authoring tool, history, people, sometimes location).",
    ),
    c(
        "image.iptc",
        Severity::Info,
        "IPTC or Photoshop resource metadata (author, caption, keywords).",
    ),
    c(
        "image.comment",
        Severity::Info,
        "A comment or text chunk (JPEG COM, PNG tEXt/zTXt/iTXt, GIF comment extension).",
    ),
    c(
        "image.icc_profile",
        Severity::Info,
        "An embedded ICC colour profile (its description can name a device or person).",
    ),
    c(
        "image.thumbnail",
        Severity::Info,
        "An embedded thumbnail, which may still show content cropped or edited out of the main image.",
    ),
    c(
        "image.maker_note",
        Severity::Info,
        "A camera maker note: vendor-specific, undocumented data (serial numbers, settings).",
    ),
    c(
        "image.timestamp",
        Severity::Info,
        "A modification timestamp chunk (PNG tIME).",
    ),
    c(
        "image.trailing_data",
        Severity::Medium,
        "Data after the image's end marker: a polyglot, an appended archive or video (Motion Photo); Low when it is only padding.",
    ),
    c(
        "image.unsupported_format",
        Severity::Medium,
        "HEIC/HEIF, AVIF or JPEG XL: kiyome cannot decode and rebuild it, so it is blocked.",
    ),
    c(
        "image.animation",
        Severity::Info,
        "Several frames or pages; re-encoding keeps the first frame (GIF, WebP) and says so.",
    ),
    c(
        "image.unknown_segment",
        Severity::Low,
        "A vendor APPn segment or an unknown ancillary chunk that no viewer needs.",
    ),
    c(
        "image.chunk_order",
        Severity::Low,
        "Chunks out of the order the specification requires (text before IHDR, two PLTE chunks): a parser-differential trick.",
    ),
    c(
        "image.crc_error",
        Severity::Low,
        "A PNG chunk whose CRC does not match its contents.",
    ),
    c(
        "image.malformed_metadata",
        Severity::Low,
        "Metadata whose structure is broken (IFD offsets out of range, cycles, truncation).",
    ),
    c(
        "image.reencoded",
        Severity::Info,
        "The image was decoded and re-encoded: only pixels survive.",
    ),
];

/// Inspects `data` (already detected as `kind`) for dangerous factors and hidden information.
pub fn inspect(data: &[u8], kind: Kind, ctx: &Ctx<'_>, out: &mut Inspection) -> Result<(), Error> {
    let bomb = walk(data, kind, ctx, out)?;
    if let Some(e) = &bomb {
        out.add(Finding::from_error(e, "header"));
    }
    if bomb.is_none()
        && decode::decodable(kind)
        && !out.has("image.unsupported_format")
        && let Err(e) = decode::decode(data, kind, ctx)
    {
        out.add(Finding::new("parse.failed", Severity::Medium, "pixels").detail(e.to_string()));
    }
    Ok(())
}

/// Walks the container of `kind`; returns the `limit.pixels` error when the header declares a
/// dimension bomb, so that the caller does not decode.
pub(crate) fn walk(
    data: &[u8],
    kind: Kind,
    ctx: &Ctx<'_>,
    out: &mut Inspection,
) -> Result<Option<Error>, Error> {
    ctx.budget.check_time()?;
    let dims = match kind {
        Kind::Jpeg => jpeg::inspect(data, ctx, out)?,
        Kind::Png => png::inspect(data, ctx, out)?,
        Kind::Gif => containers::gif(data, ctx, out)?,
        Kind::Webp => containers::webp(data, ctx, out)?,
        Kind::Bmp => containers::bmp(data, ctx, out)?,
        Kind::Tiff => containers::tiff(data, out),
        Kind::Heic | Kind::Avif | Kind::Jxl => {
            containers::unsupported(data, kind, out);
            return Ok(None);
        }
        _ => return Err(Error::unsupported(format!("{kind} is not an image kind"))),
    };
    let max = ctx.limits().max_pixels;
    for (w, h) in dims {
        let px = w.saturating_mul(h);
        if px > max {
            return Ok(Some(Error::limit(LimitKind::Pixels, px, max)));
        }
    }
    Ok(None)
}

/// Reports data after an image's end marker at `start`, sniffs it, and hands archives and
/// other documents back to the engine for inspection.
pub(crate) fn trailing(data: &[u8], start: usize, ctx: &Ctx<'_>, out: &mut Inspection) {
    let Some(rest) = data.get(start..) else {
        return;
    };
    if rest.is_empty() {
        return;
    }
    let loc = format!("offset {start}");
    let padding = rest.iter().all(|b| *b == 0 || *b == 0xFF) || rest == b"\r\n" || rest == b"\n";
    if padding && rest.len() <= 4096 {
        out.add(
            Finding::new("image.trailing_data", Severity::Low, loc).detail(format!(
                "{} bytes of padding after the end marker",
                rest.len()
            )),
        );
        return;
    }
    let det = kiyome_core::sniff(rest, None);
    let what = if rest.get(4..8) == Some(b"ftyp") {
        "an MP4/QuickTime video (Motion Photo)".to_string()
    } else if rest.starts_with(b"ID3") || rest.starts_with(&[0xFF, 0xFB]) {
        "MP3 audio".to_string()
    } else if det.kind == Kind::Unknown {
        "unrecognised data".to_string()
    } else {
        format!("a {} file", det.kind)
    };
    out.add(
        Finding::new("image.trailing_data", Severity::Medium, loc)
            .detail(format!("{} bytes after the end marker: {what}", rest.len())),
    );
    let nested = !matches!(
        det.kind,
        Kind::Unknown | Kind::Text | Kind::Empty | Kind::Csv
    );
    if nested {
        let name = format!("trailing-data.{}", det.kind.default_extension());
        out.children.push(ctx.inspect_nested(&name, rest));
    }
}

pub(crate) fn be16(d: &[u8], off: usize) -> Option<u16> {
    let b = d.get(off..off.checked_add(2)?)?;
    Some(u16::from_be_bytes([b[0], b[1]]))
}

pub(crate) fn be32(d: &[u8], off: usize) -> Option<u32> {
    let b = d.get(off..off.checked_add(4)?)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

pub(crate) fn le16(d: &[u8], off: usize) -> Option<u16> {
    let b = d.get(off..off.checked_add(2)?)?;
    Some(u16::from_le_bytes([b[0], b[1]]))
}

pub(crate) fn le32(d: &[u8], off: usize) -> Option<u32> {
    let b = d.get(off..off.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}
