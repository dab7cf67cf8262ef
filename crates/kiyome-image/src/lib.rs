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
mod jpegenc;
mod png;
mod strip;

pub use decode::{ImageOptions, decode, disarm, encode};
/// The `image` crate this crate decodes with (its `DynamicImage` is in [`decode`]'s signature).
pub use image;
pub use jpegenc::{JpegParams, Subsampling, encode_jpeg};
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
        "A comment or text chunk (JPEG COM, PNG tEXt/zTXt/iTXt, GIF comment extension, EXIF UserComment or XPComment with text).",
    ),
    c(
        "image.icc_profile",
        Severity::Info,
        "An embedded ICC colour profile (its description can name a device or person).",
    ),
    c(
        "image.thumbnail",
        Severity::Info,
        "An embedded thumbnail or Multi-Picture Format image, which may still show content cropped or edited out of the main image.",
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

/// [`inspect`] without decoding the pixels: the container and metadata walk only (with the
/// dimension-bomb check of the header). For leak checks of outputs, which look for metadata;
/// whether the pixels decode says nothing about it.
pub fn inspect_metadata(
    data: &[u8],
    kind: Kind,
    ctx: &Ctx<'_>,
    out: &mut Inspection,
) -> Result<(), Error> {
    if let Some(e) = walk(data, kind, ctx, out)? {
        out.add(Finding::from_error(&e, "header"));
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

#[cfg(test)]
mod tests {
    use super::*;
    use kiyome_core::{Budget, Limits, NoNesting};

    /// A real 16×16 JPEG with a Google Camera Motion Photo XMP packet after SOI.
    fn motion_photo_jpeg() -> Vec<u8> {
        let img = image::RgbImage::from_pixel(16, 16, image::Rgb([200, 30, 30]));
        let mut jpg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new(&mut jpg)
            .encode_image(&img)
            .unwrap();
        let xmp = b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta><rdf:Description \
GCamera:MotionPhoto=\"1\" GCamera:MicroVideoOffset=\"40\"/></x:xmpmeta>";
        let mut out = jpg[..2].to_vec();
        out.extend([0xFF, 0xE1]);
        out.extend(((xmp.len() + 2) as u16).to_be_bytes());
        out.extend(xmp);
        out.extend(&jpg[2..]);
        out
    }

    /// The start of an MP4 file: an `ftyp` box and an `mdat` box.
    fn mp4() -> Vec<u8> {
        let mut v = Vec::new();
        v.extend(24u32.to_be_bytes());
        v.extend(*b"ftypmp42\0\0\0\0isommp42");
        v.extend(16u32.to_be_bytes());
        v.extend(*b"mdatsecretvideo!");
        v
    }

    fn ctx_run<T>(f: impl FnOnce(&Ctx<'_>) -> T) -> T {
        let budget = Budget::new(&Limits::default());
        let ctx = Ctx::new(&budget, &NoNesting);
        f(&ctx)
    }

    #[test]
    fn motion_photo_video_after_eoi_is_medium_trailing_data_and_sanitize_drops_it() {
        let mut data = motion_photo_jpeg();
        data.extend(mp4());
        let out = ctx_run(|ctx| {
            let mut out = Inspection::default();
            inspect(&data, Kind::Jpeg, ctx, &mut out).unwrap();
            out
        });
        let t = out
            .findings
            .iter()
            .find(|f| f.code == "image.trailing_data")
            .expect("trailing data found");
        assert_eq!(t.severity, Severity::Medium);
        assert!(t.detail.contains("MP4"), "{}", t.detail);
        let clean = ctx_run(|ctx| {
            let mut out = Inspection::default();
            disarm(&data, Kind::Jpeg, ctx, &ImageOptions::default(), &mut out).unwrap()
        });
        assert!(clean.data.ends_with(&[0xFF, 0xD9]));
        assert!(!jpeg::contains(&clean.data, b"ftyp"));
        assert!(!jpeg::contains(&clean.data, b"MotionPhoto"));
    }

    fn small_jpeg(rgb: [u8; 3]) -> Vec<u8> {
        let img = image::RgbImage::from_pixel(8, 8, image::Rgb(rgb));
        let mut jpg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new(&mut jpg)
            .encode_image(&img)
            .unwrap();
        jpg
    }

    /// A primary JPEG whose APP2 MPF index declares `second` right after its EOI, plus `extra`.
    fn mpf_jpeg(second: &[u8], declared_gap: usize, extra: &[u8]) -> Vec<u8> {
        let primary = small_jpeg([10, 200, 10]);
        let app2_len = 2 + 4 + 26 + 32;
        // The index's offsets count from its TIFF header: SOI, marker, length, "MPF\0".
        let base = 2 + 2 + 2 + 4;
        let second_at = primary.len() + 2 + app2_len + declared_gap - base;
        let mut t = b"II*\0".to_vec();
        t.extend(8u32.to_le_bytes());
        t.extend(1u16.to_le_bytes());
        t.extend(0xB002u16.to_le_bytes());
        t.extend(7u16.to_le_bytes());
        t.extend(32u32.to_le_bytes());
        t.extend(26u32.to_le_bytes());
        t.extend(0u32.to_le_bytes());
        for (size, off) in [(0u32, 0u32), (second.len() as u32, second_at as u32)] {
            t.extend(0x2002_0000u32.to_le_bytes());
            t.extend(size.to_le_bytes());
            t.extend(off.to_le_bytes());
            t.extend([0; 4]);
        }
        let mut out = primary[..2].to_vec();
        out.extend([0xFF, 0xE2]);
        out.extend((app2_len as u16).to_be_bytes());
        out.extend(b"MPF\0");
        out.extend(t);
        out.extend(&primary[2..]);
        out.extend(second);
        out.extend(extra);
        out
    }

    fn inspect_jpeg(data: &[u8]) -> Inspection {
        ctx_run(|ctx| {
            let mut out = Inspection::default();
            inspect(data, Kind::Jpeg, ctx, &mut out).unwrap();
            out
        })
    }

    #[test]
    fn mpf_secondary_image_where_the_index_says_is_a_hidden_image_not_trailing_data() {
        let data = mpf_jpeg(&small_jpeg([0, 0, 255]), 0, b"");
        let out = inspect_jpeg(&data);
        assert!(!out.has("image.trailing_data"), "{:?}", out.findings);
        assert!(
            out.findings.iter().any(|f| f.code == "image.thumbnail"
                && f.detail.contains("Multi-Picture")
                && f.location.starts_with("offset")),
            "{:?}",
            out.findings
        );
        assert_eq!(out.children.len(), 1, "the secondary image is inspected");
    }

    #[test]
    fn data_after_the_mpf_images_or_where_the_index_does_not_point_is_trailing_data() {
        let second = small_jpeg([0, 0, 255]);
        // A zip appended after a genuine secondary image.
        let out = inspect_jpeg(&mpf_jpeg(&second, 0, b"PK\x03\x04 appended archive"));
        let t: Vec<_> = out
            .findings
            .iter()
            .filter(|f| f.code == "image.trailing_data")
            .collect();
        assert_eq!(t.len(), 1, "{:?}", out.findings);
        assert_eq!(t[0].severity, Severity::Medium);
        // An index that points 7 bytes past where the data really is explains nothing.
        let out = inspect_jpeg(&mpf_jpeg(&second, 7, b""));
        assert!(
            out.findings
                .iter()
                .any(|f| f.code == "image.trailing_data" && f.severity == Severity::Medium),
            "{:?}",
            out.findings
        );
    }

    #[test]
    fn motion_photo_xmp_without_the_video_is_not_trailing_data() {
        // Apache Tika's testJPEG_MotionPhoto.jpg / testJPEG_MicroVideo.jpg are such stubs: the
        // XMP declares a video, but the file ends at EOI.
        let data = motion_photo_jpeg();
        let out = ctx_run(|ctx| {
            let mut out = Inspection::default();
            inspect(&data, Kind::Jpeg, ctx, &mut out).unwrap();
            out
        });
        assert!(out.has("image.xmp"));
        assert!(!out.has("image.trailing_data"), "{:?}", out.findings);
    }
}
