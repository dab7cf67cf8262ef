//! GIF, WebP, BMP and TIFF container walks, and the HEIF/AVIF/JXL refusal.

use crate::{exif, jpeg::contains, le16, le32};
use kiyome_core::{Ctx, Error, Finding, Inspection, Kind, Severity};

/// Most GIF blocks (extensions and frames) walked.
const MAX_BLOCKS: usize = 200_000;

/// Skips GIF data sub-blocks from `p`; returns the offset after the terminator and the bytes
/// of the first sub-block.
fn sub_blocks(d: &[u8], mut p: usize) -> Option<(usize, &[u8])> {
    let mut first: Option<&[u8]> = None;
    loop {
        let n = *d.get(p)? as usize;
        if n == 0 {
            return Some((p + 1, first.unwrap_or_default()));
        }
        let b = d.get(p + 1..p + 1 + n)?;
        first.get_or_insert(b);
        p += 1 + n;
    }
}

/// GIF (GIF89a spec): comment, application and plain-text extensions, frames, trailer.
pub(crate) fn gif(d: &[u8], ctx: &Ctx<'_>, out: &mut Inspection) -> Result<Vec<(u64, u64)>, Error> {
    let w = le16(d, 6).unwrap_or(0) as u64;
    let h = le16(d, 8).unwrap_or(0) as u64;
    let mut dims = vec![(w, h)];
    let packed = d.get(10).copied().unwrap_or(0);
    let mut p = 13usize;
    if packed & 0x80 != 0 {
        p += 3 << ((packed & 7) + 1);
    }
    let mut frames = 0usize;
    let truncated = |out: &mut Inspection| {
        out.add(
            Finding::new("image.malformed_metadata", Severity::Low, "end of file")
                .detail("no GIF trailer (truncated)"),
        )
    };
    for n in 0..MAX_BLOCKS {
        if n % 1024 == 1023 {
            ctx.budget.check_time()?;
        }
        let loc = format!("block at offset {p}");
        match d.get(p) {
            Some(0x3B) => {
                if frames > 1 {
                    out.add(
                        Finding::new("image.animation", Severity::Info, "frames")
                            .detail(format!("{frames} frames")),
                    );
                }
                crate::trailing(d, p + 1, ctx, out);
                return Ok(dims);
            }
            Some(0x21) => {
                let label = d.get(p + 1).copied().unwrap_or(0);
                let Some((next, first)) = sub_blocks(d, p + 2) else {
                    truncated(out);
                    return Ok(dims);
                };
                match label {
                    0xFE => out.add(
                        Finding::new("image.comment", Severity::Info, loc)
                            .detail(format!("comment extension, {} bytes", next - p)),
                    ),
                    0x01 => out.add(
                        Finding::new("image.comment", Severity::Info, loc)
                            .detail("plain text extension"),
                    ),
                    0xFF => {
                        let id = String::from_utf8_lossy(
                            first.get(..first.len().min(11)).unwrap_or_default(),
                        )
                        .into_owned();
                        match id.as_str() {
                            "NETSCAPE2.0" | "ANIMEXTS1.0" => {}
                            "XMP DataXMP" => out.add(
                                Finding::new("image.xmp", Severity::Info, loc)
                                    .detail("XMP application extension"),
                            ),
                            "ICCRGBG1012" => {
                                out.add(Finding::new("image.icc_profile", Severity::Info, loc))
                            }
                            _ => out.add(
                                Finding::new("image.unknown_segment", Severity::Low, loc).detail(
                                    format!("application extension '{}'", id.escape_default()),
                                ),
                            ),
                        }
                    }
                    _ => {}
                }
                p = next;
            }
            Some(0x2C) => {
                frames += 1;
                let fw = le16(d, p + 5).unwrap_or(0) as u64;
                let fh = le16(d, p + 7).unwrap_or(0) as u64;
                dims.push((fw, fh));
                let flags = d.get(p + 9).copied().unwrap_or(0);
                let mut q = p + 10;
                if flags & 0x80 != 0 {
                    q += 3 << ((flags & 7) + 1);
                }
                let Some((next, _)) = sub_blocks(d, q + 1) else {
                    truncated(out);
                    return Ok(dims);
                };
                p = next;
            }
            _ => {
                truncated(out);
                return Ok(dims);
            }
        }
    }
    Err(Error::limit(
        kiyome_core::LimitKind::Objects,
        MAX_BLOCKS as u64,
        MAX_BLOCKS as u64,
    ))
}

/// WebP (RIFF container, RFC 9649): VP8X/VP8/VP8L dimensions, EXIF, XMP, ICCP, ANIM.
pub(crate) fn webp(
    d: &[u8],
    ctx: &Ctx<'_>,
    out: &mut Inspection,
) -> Result<Vec<(u64, u64)>, Error> {
    let riff_end = (le32(d, 4).unwrap_or(0) as usize)
        .saturating_add(8)
        .min(d.len());
    let mut dims = Vec::new();
    let mut p = 12usize;
    let mut n = 0usize;
    while p + 8 <= riff_end {
        n += 1;
        if n.is_multiple_of(1024) {
            ctx.budget.check_time()?;
        }
        let fourcc = d.get(p..p + 4).unwrap_or_default();
        let size = le32(d, p + 4).unwrap_or(0) as usize;
        let body = d
            .get(p + 8..(p + 8).saturating_add(size).min(d.len()))
            .unwrap_or_default();
        let loc = format!("{} chunk at offset {p}", String::from_utf8_lossy(fourcc));
        match fourcc {
            b"VP8X" => {
                let w = 1
                    + (u32::from_le_bytes([
                        body.get(4).copied().unwrap_or(0),
                        body.get(5).copied().unwrap_or(0),
                        body.get(6).copied().unwrap_or(0),
                        0,
                    ]) as u64);
                let h = 1
                    + (u32::from_le_bytes([
                        body.get(7).copied().unwrap_or(0),
                        body.get(8).copied().unwrap_or(0),
                        body.get(9).copied().unwrap_or(0),
                        0,
                    ]) as u64);
                dims.push((w, h));
            }
            b"VP8 " => {
                let w = (le16(body, 6).unwrap_or(0) & 0x3FFF) as u64;
                let h = (le16(body, 8).unwrap_or(0) & 0x3FFF) as u64;
                dims.push((w, h));
            }
            b"VP8L" => {
                let bits = le32(body, 1).unwrap_or(0);
                dims.push((
                    (bits & 0x3FFF) as u64 + 1,
                    ((bits >> 14) & 0x3FFF) as u64 + 1,
                ));
            }
            b"EXIF" => {
                let t = if body.starts_with(b"Exif\0\0") {
                    &body[6..]
                } else {
                    body
                };
                let info = exif::walk(t, true);
                exif::report(&info, &loc, out);
            }
            b"XMP " => {
                if exif::xmp_has_gps(body) && !out.has("image.gps") {
                    out.add(
                        Finding::new("image.gps", Severity::Medium, loc.clone())
                            .detail("GPS present: location coordinates in XMP"),
                    );
                }
                out.add(
                    Finding::new("image.xmp", Severity::Info, loc)
                        .detail(format!("XMP packet, {} bytes", body.len())),
                );
            }
            b"ICCP" => out.add(Finding::new("image.icc_profile", Severity::Info, loc)),
            b"ANIM" => out
                .add(Finding::new("image.animation", Severity::Info, loc).detail("animated WebP")),
            b"ALPH" | b"ANMF" => {}
            _ => out.add(
                Finding::new("image.unknown_segment", Severity::Low, loc)
                    .detail(format!("unknown chunk, {} bytes", body.len())),
            ),
        }
        p = p
            .saturating_add(8)
            .saturating_add(size)
            .saturating_add(size & 1);
    }
    crate::trailing(d, riff_end, ctx, out);
    Ok(dims)
}

/// BMP: dimensions, colour-space profile (embedded or *linked*: a path to a file), data past
/// the declared file size.
pub(crate) fn bmp(d: &[u8], ctx: &Ctx<'_>, out: &mut Inspection) -> Result<Vec<(u64, u64)>, Error> {
    let declared = le32(d, 2).unwrap_or(0) as usize;
    let dib = le32(d, 14).unwrap_or(0);
    let (w, h) = if dib == 12 {
        (
            le16(d, 18).unwrap_or(0) as u64,
            le16(d, 20).unwrap_or(0) as u64,
        )
    } else {
        let w = le32(d, 18).unwrap_or(0) as i32;
        let h = le32(d, 22).unwrap_or(0) as i32;
        (w.unsigned_abs() as u64, h.unsigned_abs() as u64)
    };
    if dib >= 108 {
        let cs = d.get(70..74).unwrap_or_default();
        if cs == b"KNIL" || cs == b"LINK" {
            out.add(
                Finding::new("image.icc_profile", Severity::Medium, "BITMAPV5HEADER")
                    .detail("linked colour profile: the file names an external profile path"),
            );
        } else if cs == b"DEBM" || cs == b"MBED" {
            out.add(Finding::new(
                "image.icc_profile",
                Severity::Info,
                "BITMAPV5HEADER",
            ));
        }
    }
    if declared >= 26 && declared < d.len() {
        crate::trailing(d, declared, ctx, out);
    }
    Ok(vec![(w, h)])
}

/// TIFF files (and TIFF-based camera raw): the IFD chain with cycle detection.
pub(crate) fn tiff(d: &[u8], out: &mut Inspection) -> Vec<(u64, u64)> {
    if d.starts_with(b"II+\0") || d.starts_with(b"MM\0+") {
        out.add(
            Finding::new("unsupported", Severity::Medium, "header")
                .detail("BigTIFF is not supported"),
        );
        return Vec::new();
    }
    let info = exif::walk(d, false);
    exif::report_as(&info, "TIFF", true, out);
    if info.pages > 1 {
        out.add(
            Finding::new("image.animation", Severity::Info, "TIFF")
                .detail(format!("{} pages", info.pages)),
        );
    }
    info.dims
}

/// HEIC/HEIF, AVIF and JPEG XL: blocked; an EXIF block is still reported when one can be found
/// cheaply (the `Exif\0\0` marker or a TIFF header in the first 16 MiB).
pub(crate) fn unsupported(d: &[u8], kind: Kind, out: &mut Inspection) {
    out.add(
        Finding::new("image.unsupported_format", Severity::Medium, "file")
            .detail(format!("{kind} cannot be decoded and rebuilt by kiyome")),
    );
    let scan = &d[..d.len().min(16 << 20)];
    let tiff_at = scan
        .windows(8)
        .position(|w| w == b"II*\0\x08\0\0\0" || w == b"MM\0*\0\0\0\x08");
    if let Some(pos) = tiff_at {
        let info = exif::walk(&scan[pos..], true);
        if info.entries > 0 {
            exif::report(&info, &format!("Exif item at offset {pos}"), out);
        }
    } else if contains(scan, b"Exif\0\0") {
        out.add(Finding::new("image.exif", Severity::Info, "Exif item"));
    }
}
