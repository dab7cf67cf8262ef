//! Dimension bombs: images whose declared size is beyond `Limits::max_pixels`.
//!
//! A PDF image costs its reader `width × height` pixels of memory however small the stream
//! is: a few kilobytes of JBIG2 (whose generic-region coding compresses an all-white page to
//! almost nothing) or of Flate can declare a 100 000 × 100 000 bitmap, and a viewer or
//! converter that renders the page allocates gigabytes (pdf.js `bomb_giant.pdf`). Inspect
//! never decodes pixels, so it judges the declared sizes, the same limit the raster handler
//! applies to image headers:
//! - every image XObject: `/Width × /Height` (ISO 32000-1, 8.9.5, Table 89);
//! - every JBIG2Decode stream, whatever it claims to be: the page information segment
//!   (T.88 7.4.8) and the region segment information field of every region segment
//!   (T.88 7.4.1), read by walking the segment headers of the embedded stream (T.88 7.2,
//!   PDF embedding per ISO 32000-1 7.4.7: no file header, segments back to back).
//!
//! Inline images (`BI … ID … EI` in content streams) are not covered here: they are limited to
//! 4 KB of data by the specification's recommendation but not their declared size.

use crate::actions::filters;
use crate::load::{obj_loc, resolve};
use kiyome_core::{Ctx, Error, LimitKind};
use lopdf::{Dictionary, Document, Object};
use std::io::Read;

/// Most JBIG2 segment headers read from one stream.
const MAX_SEGMENTS: usize = 4096;
/// JBIG2 page information segment type (T.88 7.3, Table 2).
const PAGE_INFORMATION: u8 = 48;
/// Segment types whose data begins with a region segment information field (T.88 7.4.1):
/// text (6, 7), halftone (22, 23), generic (36, 38, 39) and generic refinement (40, 42, 43)
/// regions, intermediate and immediate.
const REGION_TYPES: &[u8] = &[6, 7, 22, 23, 36, 38, 39, 40, 42, 43];

/// A size one JBIG2 segment declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Jbig2Size {
    /// Segment type (48 = page information, others = region segments).
    pub kind: u8,
    /// Width in pixels.
    pub width: u64,
    /// Height in pixels (`None` for a striped page of unknown height, 0xFFFFFFFF).
    pub height: Option<u64>,
}

/// Every image whose declared pixel count exceeds the limit: `(location, limit error)`.
/// The only error returned is the time budget running out.
pub(crate) fn oversized(doc: &Document, ctx: &Ctx<'_>) -> Result<Vec<(String, Error)>, Error> {
    let max = ctx.limits().max_pixels;
    let max_stream = ctx.limits().max_stream_bytes;
    let mut found = Vec::new();
    for (n, (&id, obj)) in doc.objects.iter().enumerate() {
        if n.is_multiple_of(256) {
            ctx.budget.check_time()?;
        }
        let Object::Stream(s) = obj else {
            continue;
        };
        let loc = obj_loc(doc, id);
        if let Some((w, h)) = image_size(doc, &s.dict) {
            let px = w.saturating_mul(h);
            if px > max {
                found.push((
                    format!("{loc} (image {w}×{h})"),
                    Error::limit(LimitKind::Pixels, px, max),
                ));
                continue;
            }
        }
        let Some(data) = jbig2_data(&s.dict, &s.content, max_stream) else {
            continue;
        };
        let worst = jbig2_sizes(&data)
            .into_iter()
            .filter_map(|z| z.height.map(|h| (z.width.saturating_mul(h), z)))
            .max_by_key(|(px, _)| *px);
        if let Some((px, z)) = worst
            && px > max
        {
            let what = if z.kind == PAGE_INFORMATION {
                "page"
            } else {
                "region"
            };
            found.push((
                format!("{loc} (JBIG2 {what} {}×{})", z.width, z.height.unwrap_or(0)),
                Error::limit(LimitKind::Pixels, px, max),
            ));
        }
    }
    Ok(found)
}

/// `/Width` and `/Height` of an image XObject.
fn image_size(doc: &Document, d: &Dictionary) -> Option<(u64, u64)> {
    if crate::load::name(d, b"Subtype") != Some(b"Image") {
        return None;
    }
    let int = |key: &[u8]| match resolve(doc, d.get(key).ok()?)? {
        Object::Integer(i) => u64::try_from(*i).ok(),
        // A real where an integer belongs: readers truncate it.
        Object::Real(r) if *r >= 0.0 => Some(*r as u64),
        _ => None,
    };
    Some((int(b"Width")?, int(b"Height")?))
}

/// The JBIG2 segment data of a stream whose filter chain contains JBIG2Decode: the raw
/// content when it is the first filter, the inflated content (at most `max` bytes) when only
/// Flate precedes it; `None` otherwise.
fn jbig2_data<'a>(
    d: &Dictionary,
    content: &'a [u8],
    max: u64,
) -> Option<std::borrow::Cow<'a, [u8]>> {
    let f = filters(d);
    let at = f.iter().position(|n| n.as_slice() == b"JBIG2Decode")?;
    let before = f.get(..at)?;
    if before.is_empty() {
        return Some(std::borrow::Cow::Borrowed(content));
    }
    if !before
        .iter()
        .all(|n| matches!(n.as_slice(), b"FlateDecode" | b"Fl"))
    {
        return None;
    }
    let mut data = content.to_vec();
    for _ in before {
        let mut out = Vec::new();
        // Damaged data still yields what inflated before the damage, which is where the
        // segment headers are.
        let _ = flate2::read::ZlibDecoder::new(data.as_slice())
            .take(max)
            .read_to_end(&mut out);
        data = out;
    }
    Some(std::borrow::Cow::Owned(data))
}

/// The page and region sizes declared by the segments of an embedded JBIG2 stream, in order,
/// up to the first header that cannot be read.
pub(crate) fn jbig2_sizes(d: &[u8]) -> Vec<Jbig2Size> {
    let mut sizes = Vec::new();
    let mut p = 0usize;
    for _ in 0..MAX_SEGMENTS {
        let Some((kind, data, len)) = segment_header(d, p) else {
            break;
        };
        if kind == PAGE_INFORMATION || REGION_TYPES.contains(&kind) {
            let (Some(w), Some(h)) = (be32(d, data), be32(d, data.saturating_add(4))) else {
                break;
            };
            sizes.push(Jbig2Size {
                kind,
                width: u64::from(w),
                // A striped page may leave its height open (T.88 7.4.8.2).
                height: (kind != PAGE_INFORMATION || h != u32::MAX).then_some(u64::from(h)),
            });
        }
        // An immediate generic region may have an unknown data length (T.88 7.2.7); its end
        // is found only by decoding, so no later header can be located.
        let Some(len) = len else {
            break;
        };
        match data.checked_add(len) {
            Some(next) if next < d.len() => p = next,
            _ => break,
        }
    }
    sizes
}

/// Reads the segment header at `p` (T.88 7.2.2–7.2.7): the segment type, where its data
/// starts and its data length (`None` when unknown).
fn segment_header(d: &[u8], p: usize) -> Option<(u8, usize, Option<usize>)> {
    let number = be32(d, p)?;
    let flags = *d.get(p.checked_add(4)?)?;
    let kind = flags & 0x3F;
    let wide_page = flags & 0x40 != 0;
    let mut q = p.checked_add(5)?;
    let first = *d.get(q)?;
    let refs = match first >> 5 {
        // Long form: a 29-bit count, then one retention bit per segment plus one.
        7 => {
            let n = (be32(d, q)? & 0x1FFF_FFFF) as usize;
            q = q
                .checked_add(4)?
                .checked_add(n.checked_add(1)?.div_ceil(8))?;
            n
        }
        n @ 0..=4 => {
            q = q.checked_add(1)?;
            n as usize
        }
        _ => return None, // 5 and 6 are not allowed
    };
    // Referred-to segment numbers are 1, 2 or 4 bytes wide depending on this segment's number.
    let width = match number {
        0..=256 => 1,
        257..=65536 => 2,
        _ => 4,
    };
    q = q.checked_add(refs.checked_mul(width)?)?;
    q = q.checked_add(if wide_page { 4 } else { 1 })?;
    let len = be32(d, q)?;
    let data = q.checked_add(4)?;
    if data > d.len() {
        return None;
    }
    Some((kind, data, (len != u32::MAX).then_some(len as usize)))
}

fn be32(d: &[u8], off: usize) -> Option<u32> {
    let b = d.get(off..off.checked_add(4)?)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An embedded JBIG2 stream: a page information segment of `w`×`h` and an immediate
    /// generic region segment of the same size with a few bytes of (unchecked) coded data.
    pub(crate) fn jbig2_page(w: u32, h: u32) -> Vec<u8> {
        let mut v = Vec::new();
        // Segment 0: page information, no referred-to segments, page 1, 19 bytes of data.
        v.extend(0u32.to_be_bytes());
        v.extend([PAGE_INFORMATION, 0x00, 0x01]);
        v.extend(19u32.to_be_bytes());
        v.extend(w.to_be_bytes());
        v.extend(h.to_be_bytes());
        v.extend([0; 8]); // resolutions
        v.extend([0x01, 0x00, 0x00]); // flags, striping
        // Segment 1: immediate generic region (38), 26 bytes of data.
        v.extend(1u32.to_be_bytes());
        v.extend([38, 0x00, 0x01]);
        v.extend(26u32.to_be_bytes());
        v.extend(w.to_be_bytes());
        v.extend(h.to_be_bytes());
        v.extend([0; 8]); // x, y
        v.extend([0x00]); // external combination operator
        v.extend([0x00]); // generic region flags
        v.extend([0x03, 0xFF, 0xFD, 0xFF, 0x02, 0xFE, 0xFE, 0xFE]); // AT pixels
        v.extend([0xFF, 0xAC]);
        v
    }

    #[test]
    fn jbig2_page_and_region_sizes_are_read_from_segment_headers() {
        let sizes = jbig2_sizes(&jbig2_page(100_000, 100_000));
        assert_eq!(
            sizes,
            vec![
                Jbig2Size {
                    kind: 48,
                    width: 100_000,
                    height: Some(100_000)
                },
                Jbig2Size {
                    kind: 38,
                    width: 100_000,
                    height: Some(100_000)
                },
            ]
        );
    }

    #[test]
    fn striped_page_of_unknown_height_is_not_a_size() {
        let sizes = jbig2_sizes(&jbig2_page(2480, u32::MAX));
        assert_eq!(sizes[0].height, None);
        // The region that follows still declares its own height.
        assert_eq!(sizes[1].height, Some(u64::from(u32::MAX)));
    }

    #[test]
    fn long_form_referred_to_segments_are_skipped() {
        // Segment 300 (two-byte references) referring to 9 segments in the long form.
        let mut v = Vec::new();
        v.extend(300u32.to_be_bytes());
        v.extend([36]); // intermediate generic region
        v.extend((0xE000_0000u32 | 9).to_be_bytes());
        v.extend([0, 0]); // (9 + 1) retention bits → 2 bytes
        v.extend([0; 18]); // nine 2-byte segment numbers
        v.extend([1]); // page
        v.extend(18u32.to_be_bytes());
        v.extend(640u32.to_be_bytes());
        v.extend(480u32.to_be_bytes());
        v.extend([0; 10]);
        let sizes = jbig2_sizes(&v);
        assert_eq!(sizes.len(), 1);
        assert_eq!((sizes[0].width, sizes[0].height), (640, Some(480)));
    }

    #[test]
    fn truncated_or_garbage_segments_end_the_walk_without_panicking() {
        let v = jbig2_page(100, 100);
        for n in 0..v.len() {
            let _ = jbig2_sizes(&v[..n]);
        }
        assert!(jbig2_sizes(&[0xFF; 64]).is_empty());
    }
}

#[cfg(test)]
mod pdf_tests {
    use super::tests::jbig2_page;
    use kiyome_core::{Budget, Ctx, Inspection, Kind, Limits, NoNesting};

    /// A one-page PDF whose page content includes `stream_dict` + `data` as object 4.
    fn pdf_with_stream(stream_dict: &str, data: &[u8]) -> Vec<u8> {
        let mut v = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n\
2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n\
3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R>>endobj\n"
            .to_vec();
        v.extend(format!("4 0 obj<<{stream_dict}/Length {}>>stream\n", data.len()).bytes());
        v.extend(data);
        v.extend(b"\nendstream\nendobj\ntrailer<</Root 1 0 R>>\n%%EOF\n");
        v
    }

    fn inspect(pdf: &[u8]) -> Inspection {
        let budget = Budget::new(&Limits::default());
        let ctx = Ctx::new(&budget, &NoNesting);
        let mut out = Inspection::default();
        let _ = crate::inspect(pdf, Kind::Pdf, &ctx, &mut out);
        out
    }

    #[test]
    fn jbig2_stream_declaring_a_giant_page_is_a_pixel_bomb() {
        // pdf.js bomb_giant.pdf: JBIG2Decode content streams of 100 000 × 100 000 pixels.
        let pdf = pdf_with_stream("/Filter/JBIG2Decode", &jbig2_page(100_000, 100_000));
        let out = inspect(&pdf);
        assert!(out.has("limit.pixels"), "{:?}", out.findings);
        assert!(out.has("pdf.jbig2"));
    }

    #[test]
    fn jbig2_behind_flate_is_read_too() {
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&jbig2_page(100_000, 100_000)).unwrap();
        let pdf = pdf_with_stream("/Filter[/FlateDecode/JBIG2Decode]", &z.finish().unwrap());
        assert!(inspect(&pdf).has("limit.pixels"));
    }

    #[test]
    fn jbig2_scan_of_a_normal_page_is_not_a_bomb() {
        // A 300-dpi A4 page.
        let pdf = pdf_with_stream("/Filter/JBIG2Decode", &jbig2_page(2480, 3508));
        let out = inspect(&pdf);
        assert!(out.has("pdf.jbig2"));
        assert!(!out.has("limit.pixels"), "{:?}", out.findings);
    }

    #[test]
    fn image_xobject_declaring_too_many_pixels_is_a_bomb_whatever_its_filter() {
        let pdf = pdf_with_stream(
            "/Type/XObject/Subtype/Image/Width 60000/Height 60000/BitsPerComponent 1/ColorSpace/DeviceGray",
            b"x",
        );
        assert!(inspect(&pdf).has("limit.pixels"));
        let pdf = pdf_with_stream(
            "/Type/XObject/Subtype/Image/Width 640/Height 480/BitsPerComponent 8/ColorSpace/DeviceGray",
            b"x",
        );
        assert!(!inspect(&pdf).has("limit.pixels"));
    }

    #[test]
    fn disarm_refuses_a_pixel_bomb() {
        let pdf = pdf_with_stream("/Filter/JBIG2Decode", &jbig2_page(100_000, 100_000));
        let budget = Budget::new(&Limits::default());
        let ctx = Ctx::new(&budget, &NoNesting);
        let mut out = Inspection::default();
        let r = crate::disarm(
            &pdf,
            Kind::Pdf,
            &ctx,
            &crate::PdfOptions::default(),
            &mut out,
        );
        let Err(e) = r else {
            panic!("a pixel bomb was disarmed and released");
        };
        assert_eq!(e.code(), "limit.pixels");
    }
}
