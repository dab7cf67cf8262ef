//! gzip (RFC 1952): every member decoded under the limits, the original name read from the
//! header, trailing data and quines reported.

use crate::zipread::read_capped;
use kiyome_core::{Ctx, Error, Finding, Inspection, Severity};

/// The decoded content of a gzip file.
pub(crate) struct Gunzipped {
    /// All members concatenated.
    pub data: Vec<u8>,
    /// The name of the first member's original file (FNAME), if any.
    pub name: Option<String>,
    /// Members decoded.
    pub members: usize,
    /// Offset of trailing non-gzip data, if any.
    pub trailing: Option<usize>,
}

/// FNAME from a member header at `d` (RFC 1952 §2.3.1).
fn header_name(d: &[u8]) -> Option<String> {
    let flg = *d.get(3)?;
    if flg & 0x08 == 0 {
        return None;
    }
    let mut p = 10usize;
    if flg & 0x04 != 0 {
        let xlen = u16::from_le_bytes([*d.get(10)?, *d.get(11)?]) as usize;
        p += 2 + xlen;
    }
    let rest = d.get(p..)?;
    let end = rest.iter().take(1024).position(|b| *b == 0)?;
    // FNAME is ISO 8859-1 by the RFC; CP932 names are common in Japan, so try UTF-8 first.
    let (name, _) = crate::names::decode_name(&rest[..end], false);
    Some(name)
}

/// Decodes every member of a gzip file under the limits.
pub(crate) fn gunzip(d: &[u8], ctx: &Ctx<'_>) -> Result<Gunzipped, Error> {
    let mut out = Gunzipped {
        data: Vec::new(),
        name: header_name(d),
        members: 0,
        trailing: None,
    };
    let mut rest = d;
    while rest.starts_with(&[0x1F, 0x8B]) {
        ctx.budget.check_time()?;
        let mut dec = flate2::bufread::GzDecoder::new(rest);
        let member = read_capped(&mut dec, d.len() as u64, ctx)?;
        out.data.extend_from_slice(&member);
        ctx.limits()
            .check_ratio(d.len() as u64, out.data.len() as u64)?;
        out.members += 1;
        let left = dec.into_inner();
        if left.len() >= rest.len() {
            break; // no progress: a broken header
        }
        rest = left;
    }
    if out.members == 0 {
        return Err(Error::parse("gzip", "no gzip member"));
    }
    if !rest.is_empty() {
        out.trailing = Some(d.len() - rest.len());
    }
    Ok(out)
}

/// The inner file's name: FNAME, or the outer name without `.gz` (`.tgz` becomes `.tar`).
pub(crate) fn inner_name(g: &Gunzipped) -> String {
    match &g.name {
        Some(n) if !n.is_empty() => n.clone(),
        _ => "content".into(),
    }
}

/// Inspects a gzip file: its content goes back to the engine.
pub(crate) fn inspect(d: &[u8], ctx: &Ctx<'_>, out: &mut Inspection) -> Result<(), Error> {
    let g = gunzip(d, ctx)?;
    report_trailing(d, &g, out);
    polyglot(d, out);
    if crate::is_quine(&g.data) {
        out.add(
            Finding::new("archive.quine", Severity::Medium, "gzip content")
                .detail("the decompressed content is identical to an enclosing file: a gzip quine"),
        );
        return Ok(());
    }
    out.children
        .push(ctx.inspect_nested(&inner_name(&g), &g.data));
    Ok(())
}

/// A gzip whose header fields or trailer also hold a zip central directory (corkami's
/// hello.zip.gz): zip tools and gzip tools see different files.
pub(crate) fn polyglot(d: &[u8], out: &mut Inspection) {
    let tail = &d[d.len().saturating_sub(65_557)..];
    if let Some(i) = tail.windows(4).rposition(|w| w == b"PK\x05\x06")
        && tail.len() - i >= 22
        && d.windows(4).any(|w| w == b"PK\x01\x02")
    {
        out.add(
            Finding::new("archive.polyglot", Severity::Medium, "file")
                .detail("the gzip file is also a zip archive (gzip/zip polyglot)"),
        );
    }
}

pub(crate) fn report_trailing(d: &[u8], g: &Gunzipped, out: &mut Inspection) {
    if let Some(t) = g.trailing {
        let rest = d.get(t..).unwrap_or_default();
        if rest.iter().all(|b| *b == 0) {
            return; // tape padding
        }
        let zip = rest
            .windows(4)
            .any(|w| w == b"PK\x05\x06" || w == b"PK\x03\x04");
        out.add(
            Finding::new(
                "archive.trailing_data",
                Severity::Medium,
                format!("offset {t}"),
            )
            .detail(format!(
                "{} bytes after the last gzip member{}",
                rest.len(),
                if zip {
                    ": a zip archive (gzip/zip polyglot)"
                } else {
                    ""
                }
            )),
        );
    }
}
