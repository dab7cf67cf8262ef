//! JPEG: a bounded marker-segment walk (ITU T.81 Annex B) and the metadata it reveals.

use crate::{be16, exif};
use kiyome_core::{Ctx, Error, Finding, Inspection, Severity};
use std::ops::Range;

/// Most marker segments accepted in one JPEG.
const MAX_SEGMENTS: usize = 100_000;

/// One piece of a JPEG stream.
#[derive(Debug, Clone)]
pub(crate) enum Part {
    /// A marker segment: the marker byte, the whole segment (from 0xFF) and its payload.
    Segment {
        marker: u8,
        whole: Range<usize>,
        payload: Range<usize>,
    },
    /// Entropy-coded data after SOS (including RSTn markers).
    Entropy(Range<usize>),
}

/// The parsed layout of a JPEG stream.
#[derive(Debug, Default)]
pub(crate) struct Layout {
    pub parts: Vec<Part>,
    /// Offset just after EOI, when the stream has one.
    pub end: Option<usize>,
}

/// Splits a JPEG into segments and entropy-coded data, without trusting anything.
pub(crate) fn parse(d: &[u8], ctx: Option<&Ctx<'_>>) -> Result<Layout, Error> {
    if !d.starts_with(&[0xFF, 0xD8]) {
        return Err(Error::parse("jpeg", "no SOI marker"));
    }
    let mut l = Layout::default();
    let mut p = 2usize;
    while l.parts.len() < MAX_SEGMENTS {
        if l.parts.len() % 1024 == 1023
            && let Some(c) = ctx
        {
            c.budget.check_time()?;
        }
        // Fill bytes (0xFF) may precede a marker (B.1.1.2).
        while d.get(p) == Some(&0xFF) && d.get(p + 1) == Some(&0xFF) {
            p += 1;
        }
        let (Some(&0xFF), Some(&marker)) = (d.get(p), d.get(p + 1)) else {
            return Ok(l); // truncated: no EOI
        };
        if marker == 0xD9 {
            l.end = Some(p + 2);
            return Ok(l);
        }
        if (0xD0..=0xD7).contains(&marker) || marker == 0x01 || marker == 0xD8 {
            l.parts.push(Part::Segment {
                marker,
                whole: p..p + 2,
                payload: p + 2..p + 2,
            });
            p += 2;
            continue;
        }
        let Some(len) = be16(d, p + 2) else {
            return Ok(l);
        };
        let len = len as usize;
        if len < 2 || p + 2 + len > d.len() {
            return Ok(l);
        }
        let whole = p..p + 2 + len;
        l.parts.push(Part::Segment {
            marker,
            whole: whole.clone(),
            payload: p + 4..p + 2 + len,
        });
        p = whole.end;
        if marker == 0xDA {
            // Entropy-coded data runs to the next marker that is not a stuffed 0xFF00 or RSTn.
            let start = p;
            let mut q = p;
            loop {
                match d.get(q..).and_then(|s| s.iter().position(|b| *b == 0xFF)) {
                    None => {
                        l.parts.push(Part::Entropy(start..d.len()));
                        return Ok(l);
                    }
                    Some(i) => {
                        q += i;
                        match d.get(q + 1) {
                            Some(0x00) | Some(0xD0..=0xD7) | Some(0xFF) => q += 1,
                            Some(_) => break,
                            None => {
                                l.parts.push(Part::Entropy(start..d.len()));
                                return Ok(l);
                            }
                        }
                    }
                }
            }
            l.parts.push(Part::Entropy(start..q));
            p = q;
        }
    }
    Err(Error::limit(
        kiyome_core::LimitKind::Objects,
        MAX_SEGMENTS as u64,
        MAX_SEGMENTS as u64,
    ))
}

fn is_sof(m: u8) -> bool {
    matches!(m, 0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF)
}

/// Inspects a JPEG; returns the frame dimensions found.
pub(crate) fn inspect(
    d: &[u8],
    ctx: &Ctx<'_>,
    out: &mut Inspection,
) -> Result<Vec<(u64, u64)>, Error> {
    let l = parse(d, Some(ctx))?;
    let mut dims = Vec::new();
    let mut xmp_gps = false;
    let mut mpf: Vec<(usize, usize)> = Vec::new();
    for part in &l.parts {
        let Part::Segment {
            marker,
            whole,
            payload,
        } = part
        else {
            continue;
        };
        let m = *marker;
        let seg = d.get(payload.clone()).unwrap_or_default();
        let loc = format!("APP{} at offset {}", m.wrapping_sub(0xE0), whole.start);
        match m {
            _ if is_sof(m) => {
                let h = be16(seg, 1).unwrap_or(0) as u64;
                let w = be16(seg, 3).unwrap_or(0) as u64;
                dims.push((w, h));
            }
            0xE0 if seg.starts_with(b"JFIF\0")
                // A JFIF thumbnail: Xthumbnail and Ythumbnail at payload offsets 12 and 13.
                && seg.get(12).copied().unwrap_or(0) > 0 && seg.get(13).copied().unwrap_or(0) > 0 =>
            {
                out.add(
                    Finding::new("image.thumbnail", Severity::Info, loc).detail("JFIF thumbnail"),
                );
            }
            // The JFIF header itself (no thumbnail) is standard, not a vendor segment: without
            // this arm every re-encoded JPEG would report it again on a second pass.
            0xE0 if seg.starts_with(b"JFIF\0") => {}
            0xE0 if seg.starts_with(b"JFXX\0") => {
                out.add(
                    Finding::new("image.thumbnail", Severity::Info, loc).detail("JFXX thumbnail"),
                );
            }
            0xE1 if seg.starts_with(b"Exif\0") => {
                let tiff = seg.get(6..).unwrap_or_default();
                let info = exif::walk(tiff, true);
                exif::report(&info, &format!("{loc} (Exif)"), out);
                if info.entries == 0 && info.problems.is_empty() {
                    out.add(
                        Finding::new("image.exif", Severity::Info, format!("{loc} (Exif)"))
                            .detail("empty EXIF block"),
                    );
                }
            }
            0xE1 if seg.starts_with(b"http://ns.adobe.com/") => {
                xmp_gps |= exif::xmp_has_gps(seg);
                let mut detail = format!("XMP packet, {} bytes", seg.len());
                if contains(seg, b"MicroVideo") || contains(seg, b"MotionPhoto") {
                    detail.push_str("; declares an embedded video (Motion Photo / MicroVideo)");
                }
                out.add(Finding::new("image.xmp", Severity::Info, loc).detail(detail));
            }
            0xE2 if seg.starts_with(b"ICC_PROFILE\0") => {
                out.add(
                    Finding::new("image.icc_profile", Severity::Info, loc)
                        .detail(format!("{} bytes", seg.len())),
                );
            }
            0xE2 if seg.starts_with(b"MPF\0") => {
                if mpf.is_empty() {
                    mpf = mpf_images(seg, payload.start);
                }
                out.add(
                    Finding::new("image.thumbnail", Severity::Info, loc)
                        .detail("Multi-Picture Format index: further images follow the main one"),
                );
            }
            0xED => {
                let what = if contains(seg, b"\x1C\x02") || contains(seg, b"8BIM\x04\x04") {
                    "Photoshop resources with IPTC"
                } else {
                    "Photoshop resources"
                };
                out.add(Finding::new("image.iptc", Severity::Info, loc).detail(what));
            }
            0xEE if seg.starts_with(b"Adobe") => {}
            0xFE => {
                out.add(
                    Finding::new(
                        "image.comment",
                        Severity::Info,
                        format!("COM at offset {}", whole.start),
                    )
                    .detail(format!("comment of {} bytes", seg.len())),
                );
            }
            0xE0..=0xEF => {
                let id: String = seg
                    .iter()
                    .take(16)
                    .take_while(|b| b.is_ascii_graphic() || **b == b' ')
                    .map(|b| *b as char)
                    .collect();
                out.add(
                    Finding::new("image.unknown_segment", Severity::Low, loc)
                        .detail(format!("vendor segment '{id}', {} bytes", seg.len())),
                );
            }
            _ => {}
        }
    }
    if xmp_gps && !out.has("image.gps") {
        out.add(
            Finding::new("image.gps", Severity::Medium, "XMP")
                .detail("GPS present: location coordinates in XMP"),
        );
    }
    match l.end {
        Some(end) => {
            let rest = secondary_images(d, end, &mpf, ctx, out);
            crate::trailing(d, rest, ctx, out)
        }
        None => out.add(
            Finding::new("image.malformed_metadata", Severity::Low, "end of file")
                .detail("no EOI marker (truncated JPEG)"),
        ),
    }
    Ok(dims)
}

/// Most Multi-Picture Format entries read.
const MAX_MPF_IMAGES: usize = 64;

/// The images after the first that a Multi-Picture Format index (APP2 `MPF\0`, CIPA DC-007
/// 5.2) declares, as absolute `(offset, size)`. The index is a TIFF structure whose offsets
/// count from its own header, 4 bytes into the APP2 payload starting at `payload_start`; its
/// MP Entry tag (0xB002) holds 16 bytes per image: attributes, size, offset (0 for the
/// primary image), two dependent-image entry numbers.
fn mpf_images(seg: &[u8], payload_start: usize) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    let Some(t) = seg.get(4..) else {
        return found;
    };
    let le = if t.starts_with(b"II*\0") {
        true
    } else if t.starts_with(b"MM\0*") {
        false
    } else {
        return found;
    };
    let u16_at = |o: usize| {
        let b = t.get(o..o.checked_add(2)?)?;
        Some(if le {
            u16::from_le_bytes([b[0], b[1]])
        } else {
            u16::from_be_bytes([b[0], b[1]])
        })
    };
    let u32_at = |o: usize| {
        let b = t.get(o..o.checked_add(4)?)?;
        let a = [b[0], b[1], b[2], b[3]];
        Some(if le {
            u32::from_le_bytes(a)
        } else {
            u32::from_be_bytes(a)
        } as usize)
    };
    let base = payload_start.saturating_add(4);
    let Some(ifd) = u32_at(4) else {
        return found;
    };
    let n = u16_at(ifd).unwrap_or(0) as usize;
    for i in 0..n.min(MAX_MPF_IMAGES) {
        let e = ifd + 2 + 12 * i;
        if u16_at(e) != Some(0xB002) {
            continue;
        }
        let Some(count) = u32_at(e + 4) else {
            break;
        };
        let Some(values) = (if count <= 4 {
            Some(e + 8)
        } else {
            u32_at(e + 8)
        }) else {
            break;
        };
        for k in 0..(count / 16).min(MAX_MPF_IMAGES) {
            let m = values.saturating_add(16 * k);
            if let (Some(size), Some(off)) =
                (u32_at(m.saturating_add(4)), u32_at(m.saturating_add(8)))
                && off != 0
            {
                found.push((base.saturating_add(off), size));
            }
        }
        break;
    }
    found
}

/// Accounts for the secondary images of a Multi-Picture Format file that follow the primary
/// image's EOI at `end`, in order and exactly where the index says, each a JPEG of its own
/// (a camera's preview or the other eye of a stereo pair): they are hidden images
/// (`image.thumbnail`), inspected as nested files. Returns where unexplained data begins:
/// whatever the index does not account for (an appended archive or video, or an index that
/// lies about offsets) is left to [`crate::trailing`].
fn secondary_images(
    d: &[u8],
    end: usize,
    mpf: &[(usize, usize)],
    ctx: &Ctx<'_>,
    out: &mut Inspection,
) -> usize {
    let mut images = mpf.to_vec();
    images.sort_unstable();
    let mut pos = end;
    for (n, (start, size)) in images.into_iter().enumerate() {
        // Encoders may pad with zero bytes between images; anything else is not theirs.
        let gap_is_padding = d
            .get(pos..start)
            .is_some_and(|g| g.len() <= 4096 && g.iter().all(|b| *b == 0));
        let Some(img) = start.checked_add(size).and_then(|e| d.get(start..e)) else {
            break;
        };
        if !gap_is_padding || size < 4 || !img.starts_with(&[0xFF, 0xD8]) {
            break;
        }
        out.add(
            Finding::new("image.thumbnail", Severity::Info, format!("offset {start}")).detail(
                format!("Multi-Picture Format image {} of {size} bytes", n + 2),
            ),
        );
        out.children
            .push(ctx.inspect_nested(&format!("mpf-image-{}.jpg", n + 2), img));
        pos = start + size;
    }
    pos
}

pub(crate) fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// The chroma subsampling of the first frame of a three-component JPEG (4:2:0 when the
/// frame cannot be read or is laid out unusually), so that a re-encoded JPEG keeps the colour
/// resolution of its source.
pub(crate) fn source_subsampling(d: &[u8]) -> crate::Subsampling {
    let Ok(l) = parse(d, None) else {
        return crate::Subsampling::default();
    };
    for part in &l.parts {
        if let Part::Segment {
            marker, payload, ..
        } = part
            && is_sof(*marker)
        {
            let seg = d.get(payload.clone()).unwrap_or_default();
            // P, Y, X, Nf, then per component: id, H<<4|V, Tq.
            let comp = |i: usize| seg.get(6 + 3 * i + 1).map(|f| (f >> 4, f & 0x0F));
            return match (seg.get(5), comp(0), comp(1), comp(2)) {
                (Some(3), Some((h, v)), Some((1, 1)), Some((1, 1))) => {
                    crate::Subsampling::from_luma_factors(h, v)
                }
                _ => crate::Subsampling::default(),
            };
        }
    }
    crate::Subsampling::default()
}
