//! PNG: a bounded chunk walk (PNG spec, 3rd edition, §5 and §11) and the metadata it reveals.

use crate::{be32, exif, jpeg::contains};
use kiyome_core::{Ctx, Error, Finding, Inspection, Severity};
use std::io::Read;
use std::ops::Range;

/// The PNG signature.
pub(crate) const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
/// Most chunks accepted in one PNG.
const MAX_CHUNKS: usize = 200_000;
/// Most bytes inflated from one zTXt/iTXt/iCCP chunk for inspection.
const MAX_TEXT_INFLATE: u64 = 4 << 20;

/// One chunk.
#[derive(Debug, Clone)]
pub(crate) struct Chunk {
    pub typ: [u8; 4],
    /// Length field through CRC.
    pub whole: Range<usize>,
    pub data: Range<usize>,
    pub crc_ok: bool,
}

/// The chunks of a PNG and the offset just after IEND (if any).
pub(crate) fn parse(d: &[u8], ctx: Option<&Ctx<'_>>) -> Result<(Vec<Chunk>, Option<usize>), Error> {
    if !d.starts_with(SIGNATURE) {
        return Err(Error::parse("png", "no PNG signature"));
    }
    let mut chunks = Vec::new();
    let mut p = SIGNATURE.len();
    while chunks.len() < MAX_CHUNKS {
        if chunks.len() % 1024 == 1023
            && let Some(c) = ctx
        {
            c.budget.check_time()?;
        }
        let Some(len) = be32(d, p) else {
            return Ok((chunks, None));
        };
        let len = len as usize;
        let Some(typ) = d.get(p + 4..p + 8) else {
            return Ok((chunks, None));
        };
        let typ = [typ[0], typ[1], typ[2], typ[3]];
        let data = p + 8..p.saturating_add(8).saturating_add(len);
        let Some(crc) = be32(d, data.end) else {
            return Ok((chunks, None)); // truncated
        };
        let mut h = flate2::Crc::new();
        h.update(d.get(p + 4..data.end).unwrap_or_default());
        let whole = p..data.end + 4;
        p = whole.end;
        chunks.push(Chunk {
            typ,
            whole,
            data,
            crc_ok: h.sum() == crc,
        });
        if &typ == b"IEND" {
            return Ok((chunks, Some(p)));
        }
    }
    Err(Error::limit(
        kiyome_core::LimitKind::Objects,
        MAX_CHUNKS as u64,
        MAX_CHUNKS as u64,
    ))
}

/// Inflates at most [`MAX_TEXT_INFLATE`] bytes of a zlib stream, counted in the budget.
fn inflate(z: &[u8], ctx: &Ctx<'_>) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    let mut dec = flate2::read::ZlibDecoder::new(z).take(MAX_TEXT_INFLATE);
    // A corrupt stream yields what was decoded before the error; that is enough to look at.
    let _ = dec.read_to_end(&mut out);
    ctx.budget.consume(out.len() as u64)?;
    Ok(out)
}

/// ImageMagick keeps EXIF in a text chunk "Raw profile type exif": a header line, a length
/// line and hex digits of "Exif\0\0" + TIFF.
fn raw_profile_exif(text: &[u8]) -> Option<Vec<u8>> {
    let s = std::str::from_utf8(text).ok()?;
    let mut lines = s.trim_start().splitn(3, '\n');
    let _name = lines.next()?;
    let _len = lines.next()?;
    let hex: Vec<u8> = lines
        .next()?
        .bytes()
        .filter(|b| b.is_ascii_hexdigit())
        .collect();
    let bytes: Vec<u8> = hex
        .chunks_exact(2)
        .filter_map(|p| u8::from_str_radix(std::str::from_utf8(p).ok()?, 16).ok())
        .collect();
    let start = if bytes.starts_with(b"Exif\0\0") { 6 } else { 0 };
    Some(bytes.get(start..)?.to_vec())
}

/// Inspects a PNG; returns the dimensions from IHDR.
pub(crate) fn inspect(
    d: &[u8],
    ctx: &Ctx<'_>,
    out: &mut Inspection,
) -> Result<Vec<(u64, u64)>, Error> {
    let (chunks, end) = parse(d, Some(ctx))?;
    let mut dims = Vec::new();
    let mut plte = 0;
    let mut gps = false;
    for (i, c) in chunks.iter().enumerate() {
        let name = String::from_utf8_lossy(&c.typ).into_owned();
        let loc = format!("{name} chunk at offset {}", c.whole.start);
        let data = d.get(c.data.clone()).unwrap_or_default();
        if !c.crc_ok {
            out.add(Finding::new("image.crc_error", Severity::Low, loc.clone()));
        }
        if i == 0 && &c.typ != b"IHDR" {
            out.add(
                Finding::new("image.chunk_order", Severity::Low, loc.clone())
                    .detail("first chunk is not IHDR"),
            );
        }
        let info = Severity::Info;
        match &c.typ {
            b"IHDR" => {
                let w = be32(data, 0).unwrap_or(0) as u64;
                let h = be32(data, 4).unwrap_or(0) as u64;
                dims.push((w, h));
            }
            b"PLTE" => {
                plte += 1;
                if plte == 2 {
                    out.add(
                        Finding::new("image.chunk_order", Severity::Low, loc)
                            .detail("second PLTE chunk: decoders disagree on which applies"),
                    );
                }
            }
            b"eXIf" => {
                let t = if data.starts_with(b"Exif\0\0") {
                    &data[6..]
                } else {
                    data
                };
                let inf = exif::walk(t, true);
                exif::report(&inf, &loc, out);
            }
            b"tEXt" | b"zTXt" | b"iTXt" => {
                let key_end = data
                    .iter()
                    .position(|b| *b == 0)
                    .unwrap_or(data.len().min(79));
                let key = String::from_utf8_lossy(&data[..key_end]).into_owned();
                let rest = data.get(key_end + 1..).unwrap_or_default();
                let text = match &c.typ {
                    b"zTXt" => inflate(rest.get(1..).unwrap_or_default(), ctx)?,
                    b"iTXt" => itxt_text(rest, ctx)?,
                    _ => rest.to_vec(),
                };
                if key == "XML:com.adobe.xmp" {
                    gps |= exif::xmp_has_gps(&text);
                    out.add(
                        Finding::new("image.xmp", info, loc)
                            .detail(format!("XMP packet, {} bytes", text.len())),
                    );
                } else if key.starts_with("Raw profile type") {
                    let lower = key.to_ascii_lowercase();
                    if (lower.ends_with("exif") || lower.ends_with("app1"))
                        && let Some(t) = raw_profile_exif(&text)
                    {
                        let inf = exif::walk(&t, true);
                        exif::report(&inf, &loc, out);
                    }
                    let code = if lower.ends_with("iptc") || lower.ends_with("8bim") {
                        "image.iptc"
                    } else if lower.ends_with("xmp") {
                        "image.xmp"
                    } else if lower.ends_with("icc") || lower.ends_with("icm") {
                        "image.icc_profile"
                    } else {
                        "image.exif"
                    };
                    out.add(Finding::new(code, info, loc).detail(format!("text chunk '{key}'")));
                } else {
                    out.add(
                        Finding::new("image.comment", info, loc)
                            .detail(format!("text chunk '{key}', {} bytes", text.len())),
                    );
                }
            }
            b"iCCP" => {
                out.add(
                    Finding::new("image.icc_profile", info, loc)
                        .detail(format!("{} bytes", data.len())),
                );
            }
            b"tIME" => out.add(Finding::new("image.timestamp", info, loc)),
            b"acTL" => {
                out.add(Finding::new("image.animation", info, loc).detail("animated PNG (APNG)"))
            }
            _ if c.typ[0].is_ascii_lowercase() && !KNOWN_ANCILLARY.contains(&&c.typ) => {
                let mut detail = format!("unknown ancillary chunk {name}, {} bytes", data.len());
                if contains(data, b"%PDF") || contains(data, b"PK\x03\x04") {
                    detail.push_str("; it contains another file's signature (polyglot)");
                }
                out.add(Finding::new("image.unknown_segment", Severity::Low, loc).detail(detail));
            }
            _ => {}
        }
    }
    if gps && !out.has("image.gps") {
        out.add(
            Finding::new("image.gps", Severity::Medium, "XMP")
                .detail("GPS present: location coordinates in XMP"),
        );
    }
    match end {
        Some(e) => crate::trailing(d, e, ctx, out),
        None => out.add(
            Finding::new("image.malformed_metadata", Severity::Low, "end of file")
                .detail("no IEND chunk (truncated PNG)"),
        ),
    }
    Ok(dims)
}

/// Ancillary chunks kiyome knows; they carry colour or layout, not hidden information, except
/// the text/time/EXIF ones handled above.
pub(crate) const KNOWN_ANCILLARY: &[&[u8; 4]] = &[
    b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"sBIT", b"bKGD", b"pHYs", b"hIST", b"sPLT", b"fcTL",
    b"fdAT", b"cICP", b"mDCV", b"cLLI", b"iCCP", b"tEXt", b"zTXt", b"iTXt", b"tIME", b"eXIf",
    b"acTL",
];

/// The text of an iTXt body after its keyword: compression flag, method, language, translated
/// keyword, then text (inflated when flagged).
fn itxt_text(rest: &[u8], ctx: &Ctx<'_>) -> Result<Vec<u8>, Error> {
    let flag = rest.first().copied().unwrap_or(0);
    let mut p = 2usize;
    for _ in 0..2 {
        match rest.get(p..).and_then(|s| s.iter().position(|b| *b == 0)) {
            Some(i) => p += i + 1,
            None => return Ok(Vec::new()),
        }
    }
    let body = rest.get(p..).unwrap_or_default();
    if flag == 1 {
        inflate(body, ctx)
    } else {
        Ok(body.to_vec())
    }
}
