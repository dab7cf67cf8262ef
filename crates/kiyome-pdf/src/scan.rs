//! The raw keyword layer: counts PDF names in the file bytes, and in the decompressed content
//! of object streams, the way `pdfid` does (names compared after `#xx` escapes are decoded).
//!
//! It needs no parser, so it still reports a keyword that sits in an older revision, in an
//! object no reference reaches, or in a file lopdf cannot load at all.

use kiyome_core::{Ctx, Error};
use std::collections::BTreeMap;
use std::io::Read;

/// The names counted (without the leading slash).
pub(crate) const KEYWORDS: &[&str] = &[
    "JS",
    "JavaScript",
    "AA",
    "OpenAction",
    "Launch",
    "EmbeddedFile",
    "EmbeddedFiles",
    "XFA",
    "RichMedia",
    "AcroForm",
    "GoToR",
    "GoToE",
    "SubmitForm",
    "ImportData",
    "ObjStm",
    "Encrypt",
    "JBIG2Decode",
];

/// Most obfuscated names remembered for the report.
const MAX_ESCAPES: usize = 16;

/// What the raw pass saw.
#[derive(Debug, Default)]
pub(crate) struct Scan {
    /// Keyword → occurrences in the file bytes, outside stream data.
    pub raw: BTreeMap<&'static str, usize>,
    /// Keyword → byte patterns inside stream data (random matches in compressed data, or
    /// names in uncompressed streams).
    pub in_streams: BTreeMap<&'static str, usize>,
    /// Keyword → occurrences in decompressed object streams.
    pub objstm: BTreeMap<&'static str, usize>,
    /// Names that spell a letter or digit with a `#xx` escape: (as written, decoded).
    pub escaped: Vec<(String, String)>,
    /// Number of escaped names found (all of them, not only those remembered).
    pub escaped_count: usize,
    /// Occurrences of `startxref` (one per revision, two in a linearized file).
    pub startxref: usize,
}

impl Scan {
    /// Occurrences of `keyword` as a name: in the bytes outside streams and in object streams.
    pub(crate) fn count(&self, keyword: &str) -> usize {
        self.raw.get(keyword).copied().unwrap_or(0) + self.objstm.get(keyword).copied().unwrap_or(0)
    }

    /// Occurrences of `keyword` inside stream data.
    pub(crate) fn count_in_streams(&self, keyword: &str) -> usize {
        self.in_streams.get(keyword).copied().unwrap_or(0)
    }
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Counts keywords in `data`, tokenised exactly as pdfid does: a word is a run of ASCII
/// letters and digits, and after a slash `#xx` adds the escaped byte. Hits inside stream data
/// (between the words `stream` and `endstream`) go to `in_streams`, the rest to `names`.
fn scan_names(
    data: &[u8],
    names: &mut BTreeMap<&'static str, usize>,
    in_streams: &mut BTreeMap<&'static str, usize>,
    scan: &mut Scan,
) {
    let mut i = 0;
    let mut inside = false;
    let mut decoded = Vec::with_capacity(64);
    while let Some(&b) = data.get(i) {
        if b.is_ascii_alphanumeric() {
            let start = i;
            while data.get(i).is_some_and(|c| c.is_ascii_alphanumeric()) {
                i += 1;
            }
            match data.get(start..i) {
                Some(b"stream") => inside = true,
                Some(b"endstream") => inside = false,
                _ => {}
            }
            continue;
        }
        if b != b'/' {
            i += 1;
            continue;
        }
        let start = i + 1;
        let mut j = start;
        decoded.clear();
        let mut obfuscated = false;
        while let Some(&c) = data.get(j) {
            if c.is_ascii_alphanumeric() {
                decoded.push(c);
                j += 1;
            } else if c == b'#'
                && let (Some(h), Some(l)) = (
                    data.get(j + 1).copied().and_then(hex),
                    data.get(j + 2).copied().and_then(hex),
                )
            {
                let x = h * 16 + l;
                obfuscated |= x.is_ascii_alphanumeric();
                decoded.push(x);
                j += 3;
            } else {
                break;
            }
        }
        if decoded.len() <= 16
            && let Some(k) = KEYWORDS.iter().find(|k| k.as_bytes() == decoded.as_slice())
        {
            let counts = if inside {
                &mut *in_streams
            } else {
                &mut *names
            };
            *counts.entry(k).or_insert(0) += 1;
        }
        if obfuscated && !inside {
            scan.escaped_count += 1;
            if scan.escaped.len() < MAX_ESCAPES {
                let raw = String::from_utf8_lossy(data.get(start..j).unwrap_or_default());
                let dec = String::from_utf8_lossy(&decoded);
                scan.escaped.push((format!("/{raw}"), format!("/{dec}")));
            }
        }
        i = j.max(i + 1);
    }
}

/// Whether `data` holds any byte pattern pdfid would count as one of the active keywords
/// (used to re-encode stream data that matches by chance).
pub(crate) fn pdfid_hit(data: &[u8]) -> bool {
    let mut s = Scan::default();
    let (mut a, mut b) = (BTreeMap::new(), BTreeMap::new());
    scan_names(data, &mut a, &mut b, &mut s);
    ACTIVE
        .iter()
        .any(|k| a.contains_key(k) || b.contains_key(k))
}

/// The keywords a disarmed file must not contain (pdfid's active set).
pub(crate) const ACTIVE: &[&str] = &[
    "JS",
    "JavaScript",
    "AA",
    "OpenAction",
    "Launch",
    "EmbeddedFile",
    "XFA",
    "RichMedia",
];

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// Runs the raw pass over `data`.
pub(crate) fn scan(data: &[u8], ctx: &Ctx<'_>) -> Result<Scan, Error> {
    let mut s = Scan::default();
    let (mut raw, mut in_streams) = (BTreeMap::new(), BTreeMap::new());
    scan_names(data, &mut raw, &mut in_streams, &mut s);
    s.raw = raw;
    s.in_streams = in_streams;
    let mut pos = 0;
    while let Some(p) = find(data, b"startxref", pos) {
        s.startxref += 1;
        pos = p + 9;
    }
    if s.raw.contains_key("ObjStm") || s.in_streams.contains_key("ObjStm") {
        scan_object_streams(data, ctx, &mut s)?;
    }
    Ok(s)
}

/// Finds every `stream … endstream` whose dictionary names /ObjStm and /FlateDecode, inflates
/// it under the limits and counts the keywords inside.
fn scan_object_streams(data: &[u8], ctx: &Ctx<'_>, s: &mut Scan) -> Result<(), Error> {
    let limits = ctx.limits();
    let mut counts = BTreeMap::new();
    let mut pos = 0;
    while let Some(p) = find(data, b"stream", pos) {
        ctx.budget.check_time()?;
        pos = p + 6;
        // "endstream" also contains "stream"; skip it.
        if p >= 3 && data.get(p - 3..p) == Some(b"end") {
            continue;
        }
        let dict_start = p.saturating_sub(1024);
        let head = data.get(dict_start..p).unwrap_or_default();
        let head_start = head
            .windows(3)
            .rposition(|w| w == b"obj")
            .map(|q| q + 3)
            .unwrap_or(0);
        let head = head.get(head_start..).unwrap_or_default();
        let (mut names, mut ignored) = (BTreeMap::new(), BTreeMap::new());
        let mut tmp = Scan::default();
        scan_names(head, &mut names, &mut ignored, &mut tmp);
        if !names.contains_key("ObjStm") || !contains(head, b"Fl") {
            continue;
        }
        let mut body_start = pos;
        if data.get(body_start) == Some(&b'\r') {
            body_start += 1;
        }
        if data.get(body_start) == Some(&b'\n') {
            body_start += 1;
        }
        let Some(end) = find(data, b"endstream", body_start) else {
            break;
        };
        let body = data.get(body_start..end).unwrap_or_default();
        let mut out = Vec::new();
        let dec = flate2::read::ZlibDecoder::new(body);
        // A damaged stream yields what inflated before the damage; that is still worth scanning.
        let _ = dec
            .take(limits.max_stream_bytes.saturating_add(1))
            .read_to_end(&mut out);
        ctx.budget.consume(out.len() as u64)?;
        limits.check_ratio(body.len() as u64, out.len() as u64)?;
        let mut in_inner = BTreeMap::new();
        scan_names(&out, &mut counts, &mut in_inner, s);
        pos = end + 9;
    }
    s.objstm = counts;
    Ok(())
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_names_count_and_are_flagged() {
        let mut s = Scan::default();
        let (mut c, mut i) = (BTreeMap::new(), BTreeMap::new());
        scan_names(
            b"<</S/J#61vaScript/JS(x)/Font#20Name 1>>",
            &mut c,
            &mut i,
            &mut s,
        );
        assert_eq!(c.get("JavaScript"), Some(&1));
        assert_eq!(c.get("JS"), Some(&1));
        assert_eq!(s.escaped_count, 1, "#20 is a space, not obfuscation");
        assert_eq!(s.escaped[0].1, "/JavaScript");
    }

    #[test]
    fn longer_names_do_not_match_their_prefix() {
        let mut s = Scan::default();
        let (mut c, mut i) = (BTreeMap::new(), BTreeMap::new());
        scan_names(b"/JSX /AAB /EmbeddedFiles", &mut c, &mut i, &mut s);
        assert!(!c.contains_key("JS") && !c.contains_key("AA"));
        assert_eq!(c.get("EmbeddedFiles"), Some(&1));
        assert!(!c.contains_key("EmbeddedFile"));
    }

    #[test]
    fn stream_data_hits_are_counted_apart_like_pdfid_would() {
        let mut s = Scan::default();
        let (mut c, mut i) = (BTreeMap::new(), BTreeMap::new());
        scan_names(
            b"1 0 obj<<>>stream\n\x87/JS\xc8\nendstream /AA",
            &mut c,
            &mut i,
            &mut s,
        );
        assert_eq!(
            i.get("JS"),
            Some(&1),
            "pdfid counts /JS followed by a binary byte"
        );
        assert_eq!(c.get("AA"), Some(&1));
        assert!(pdfid_hit(b"x/JS\xc8"));
        assert!(!pdfid_hit(b"/JSX"));
    }
}
