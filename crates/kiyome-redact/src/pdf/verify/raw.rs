//! A scan of the file's bytes that does not go through the object loader: every
//! `stream … endstream` found in the file is taken as it stands (Flate inflated here), and
//! the whole file is searched too. An object the loader skipped or could not read (damaged,
//! outside the cross-reference table, in a stream it rejected) is still searched.

use super::BytePatterns;
use super::obj::inflate;
use crate::report::LeakReport;
use kiyome_core::{Ctx, Error};

/// Most streams inflated by the raw scan.
const MAX_STREAMS: usize = 200_000;

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

fn has(hay: &[u8], needle: &[u8]) -> bool {
    find(hay, needle, 0).is_some()
}

/// Scans `data` raw; reports under `verify.bytes` with the byte offset.
pub(super) fn scan(
    data: &[u8],
    patterns: &BytePatterns,
    gid_maps: &std::collections::HashSet<u32>,
    ctx: &Ctx<'_>,
    r: &mut LeakReport,
) -> Result<(), Error> {
    r.ran("raw-streams");
    // The whole file, with the long patterns only: compressed data is random bytes.
    for (term, enc) in patterns.find(data, true) {
        r.add(super::term_leak(
            "verify.bytes",
            "file bytes",
            patterns,
            term,
            enc,
        ));
    }
    let max = usize::try_from(ctx.limits().max_stream_bytes).unwrap_or(usize::MAX);
    let mut at = 0usize;
    let mut n = 0usize;
    while let Some(k) = find(data, b"stream", at) {
        at = k + 6;
        // "endstream" also contains "stream"; a stream keyword ends a dictionary (">>").
        if k >= 3 && &data[k - 3..k] == b"end" {
            continue;
        }
        let head_start = k.saturating_sub(4096);
        let head = &data[head_start..k];
        let Some(dict_end) = rfind(head, b">>") else {
            continue;
        };
        if head[dict_end + 2..]
            .iter()
            .any(|b| !b.is_ascii_whitespace())
        {
            continue;
        }
        let mut s = k + 6;
        if data.get(s) == Some(&b'\r') {
            s += 1;
        }
        if data.get(s) == Some(&b'\n') {
            s += 1;
        }
        let Some(e) = find(data, b"endstream", s) else {
            break;
        };
        at = e + 9;
        n += 1;
        if n > MAX_STREAMS {
            break;
        }
        if n.is_multiple_of(64) {
            ctx.budget.check_time()?;
        }
        let obj_start = rfind(head, b" obj").map_or(0, |p| p + 4);
        let dict = &head[obj_start.min(dict_end)..dict_end];
        let body = &data[s..e];
        let binary = has(dict, b"/Image")
            || has(dict, b"/Length1")
            || has(dict, b"/Length2")
            || has(dict, b"/Type1C")
            || has(dict, b"/CIDFontType0C")
            || has(dict, b"/OpenType")
            || has(dict, b"/DCTDecode")
            || has(dict, b"/JPXDecode")
            || has(dict, b"/JBIG2Decode")
            || has(dict, b"/CCITTFaxDecode");
        let font = has(dict, b"/Length1")
            || has(dict, b"/Length2")
            || has(dict, b"/Type1C")
            || has(dict, b"/CIDFontType0C")
            || has(dict, b"/OpenType");
        let flate = has(dict, b"/FlateDecode") || has(dict, b"/Fl ") || has(dict, b"/Fl/");
        let decoded = if flate { inflate(body, max) } else { None };
        if let Some(d) = &decoded {
            ctx.budget.consume(d.len() as u64)?;
        }
        let bytes = decoded.as_deref().unwrap_or(body);
        // "N G obj" before the dictionary: a /CIDToGIDMap is glyph numbers, not text.
        let number = head[..obj_start.saturating_sub(4)]
            .rsplit(|b| b.is_ascii_whitespace())
            .nth(1)
            .and_then(|n| std::str::from_utf8(n).ok())
            .and_then(|n| n.parse::<u32>().ok());
        let font =
            font || super::raw_is_cmap(bytes) || number.is_some_and(|n| gid_maps.contains(&n));
        for (term, enc) in patterns.find_in(bytes, binary, font) {
            r.add(super::term_leak(
                "verify.bytes",
                &format!("raw stream at byte {k}"),
                patterns,
                term,
                enc,
            ));
        }
    }
    Ok(())
}
