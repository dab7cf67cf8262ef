//! Lossless metadata strippers: the pixels' compressed data is copied byte for byte, only the
//! metadata segments and chunks around it are dropped (for `kiyome scrub`, where re-encoding
//! would cost quality).

use crate::jpeg::{self, Part};
use crate::png;
use kiyome_core::Error;

/// Removes metadata from a JPEG without touching the compressed pixels: every APPn segment
/// except JFIF APP0 (its thumbnail zeroed) and Adobe APP14 (needed to interpret colour
/// transforms), every COM segment, and everything after EOI (appended files, MPF images,
/// Motion Photo videos). ICC profiles go too: a profile's description can name a device.
///
/// ```
/// // SOI, COM "hi", a minimal SOS without data, EOI, then an appended "zip".
/// let jpg = b"\xFF\xD8\xFF\xFE\x00\x04hi\xFF\xDA\x00\x02\xFF\xD9PK\x03\x04";
/// let clean = kiyome_image::strip_jpeg_metadata(jpg).unwrap();
/// assert_eq!(clean, b"\xFF\xD8\xFF\xDA\x00\x02\xFF\xD9");
/// ```
pub fn strip_jpeg_metadata(data: &[u8]) -> Result<Vec<u8>, Error> {
    let layout = jpeg::parse(data, None)?;
    if !layout
        .parts
        .iter()
        .any(|p| matches!(p, Part::Segment { marker: 0xDA, .. }))
    {
        return Err(Error::parse("jpeg", "no scan (SOS) segment"));
    }
    let mut out = Vec::with_capacity(data.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    for part in &layout.parts {
        match part {
            Part::Entropy(r) => out.extend_from_slice(data.get(r.clone()).unwrap_or_default()),
            Part::Segment {
                marker,
                whole,
                payload,
            } => {
                let seg = data.get(payload.clone()).unwrap_or_default();
                match *marker {
                    0xE0 if seg.starts_with(b"JFIF\0") && seg.len() >= 14 => {
                        // JFIF header without its thumbnail: Xthumbnail = Ythumbnail = 0.
                        out.extend_from_slice(&[0xFF, 0xE0, 0x00, 0x10]);
                        out.extend_from_slice(&seg[..12]);
                        out.extend_from_slice(&[0, 0]);
                    }
                    0xEE if seg.starts_with(b"Adobe") => {
                        out.extend_from_slice(data.get(whole.clone()).unwrap_or_default())
                    }
                    0xE0..=0xEF | 0xFE | 0xD8 => {}
                    _ => out.extend_from_slice(data.get(whole.clone()).unwrap_or_default()),
                }
            }
        }
    }
    out.extend_from_slice(&[0xFF, 0xD9]);
    Ok(out)
}

/// Chunks a stripped PNG keeps: critical chunks, colour and layout, animation.
const KEEP: &[&[u8; 4]] = &[
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"sBIT", b"bKGD",
    b"pHYs", b"hIST", b"cICP", b"mDCV", b"cLLI", b"acTL", b"fcTL", b"fdAT",
];

/// Removes metadata from a PNG without touching the image data: text chunks (tEXt, zTXt, iTXt,
/// including XMP), eXIf, tIME, iCCP (whose name field is free text), every unknown ancillary
/// chunk, and everything after IEND. Critical chunks must have valid CRCs; an unknown critical
/// chunk is an error because a decoder could not display the result anyway.
///
/// ```
/// let png = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../test-corpus/files/png_text_and_trailing.png"));
/// if let Ok(png) = png {
///     let clean = kiyome_image::strip_png_metadata(&png).unwrap();
///     assert!(!clean.windows(4).any(|w| w == b"tEXt"));
/// }
/// ```
pub fn strip_png_metadata(data: &[u8]) -> Result<Vec<u8>, Error> {
    let (chunks, end) = png::parse(data, None)?;
    if end.is_none() {
        return Err(Error::parse("png", "no IEND chunk (truncated PNG)"));
    }
    let mut out = Vec::with_capacity(data.len());
    out.extend_from_slice(png::SIGNATURE);
    let mut plte = false;
    for c in &chunks {
        let critical = c.typ[0].is_ascii_uppercase();
        if KEEP.contains(&&c.typ) {
            if !c.crc_ok {
                return Err(Error::parse(
                    "png",
                    format!("CRC mismatch in {} chunk", String::from_utf8_lossy(&c.typ)),
                ));
            }
            // A second PLTE is a parser-differential trick: keep the first, as libpng does.
            if &c.typ == b"PLTE" {
                if plte {
                    continue;
                }
                plte = true;
            }
            out.extend_from_slice(data.get(c.whole.clone()).unwrap_or_default());
        } else if critical {
            return Err(Error::unsupported(format!(
                "unknown critical PNG chunk {}",
                String::from_utf8_lossy(&c.typ).escape_default()
            )));
        }
    }
    if chunks.first().is_none_or(|c| &c.typ != b"IHDR") {
        // Text chunks before IHDR are dropped above; IHDR must still come first among the kept.
        let first_kept = out.get(12..16);
        if first_kept != Some(b"IHDR") {
            return Err(Error::parse("png", "IHDR is not the first chunk"));
        }
    }
    Ok(out)
}
