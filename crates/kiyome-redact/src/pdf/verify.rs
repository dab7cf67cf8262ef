//! The independent leak check for PDF (`kiyome verify`).
//!
//! It deliberately shares nothing with the redaction code path (the redaction interpreter,
//! its font code, lopdf's content parser, hayro-cmap): it has its own content tokeniser
//! ([`lex`]), font reading ([`vfont`]), content pass ([`walk`]), term matcher ([`fold`]) and
//! geometry ([`geo`], [`cover`], [`pixels`]); text is also extracted by hayro's interpreter
//! (through kiyome-convert, the text-only converter), and the file is scanned raw ([`raw`])
//! without the object loader. What it checks:
//! - **text**: every term, pattern and PII detector of the plan against the text a reader
//!   extracts (hayro), against every line every content stream draws decoded through its
//!   fonts (own pass), and against every string — objects and content-stream operands such
//!   as /ActualText, /Alt, /E — decoded as a PDF text string and through the current font;
//! - **bytes**: every term as UTF-8, UTF-16BE, UTF-16LE, Shift_JIS and EUC-JP (as given, NFKC,
//!   and in full-width form) in every decompressed stream and every string, in every raw
//!   stream of the file, and as each font's glyph codes in what the content shows;
//! - **covered content**: no glyph or image pixels under an opaque rectangle drawn later;
//! - **structure**: one revision, no Info/XMP, no outlines, no attachments, no scripts or
//!   actions other than links, no annotations other than links.

mod content;
mod cover;
mod fold;
mod geo;
mod lex;
mod obj;
mod pixels;
mod raw;
mod vfont;
mod walk;

use crate::normalize::{View, normalize_str};
use crate::plan::{Category, Plan, salted_hash};
use crate::report::{Leak, LeakReport};
use kiyome_core::{Ctx, Error};
use kiyome_pdf::rewrite::{self, lopdf};
use lopdf::{Dictionary, Document, Object};
use regex::bytes::{Regex, RegexBuilder};

/// Byte patterns shorter than this are not searched in binary streams (images, font
/// programs), where two or four random bytes match by chance.
const MIN_BINARY_PATTERN: usize = 6;

/// Checks `data` against `plan` and for hidden information.
pub fn verify(data: &[u8], plan: &Plan, ctx: &Ctx<'_>) -> Result<LeakReport, Error> {
    let mut r = LeakReport::default();
    let salt = plan.salt.clone().unwrap_or_default();
    let loaded = rewrite::load(data, ctx, None)?;
    r.ran("revisions");
    let startxrefs = count(data, b"startxref");
    let linearized =
        data.len() > 1024 && count(data.get(..1024).unwrap_or(&[]), b"/Linearized") > 0;
    if loaded.revisions > 1 || loaded.doc.trailer.has(b"Prev") || (startxrefs > 1 && !linearized) {
        r.structural(
            "verify.revisions",
            "xref",
            format!(
                "{} revisions ({} startxref)",
                loaded.revisions.max(startxrefs),
                startxrefs
            ),
        );
    }
    structure(&loaded.doc, ctx, &mut r)?;
    let patterns = BytePatterns::new(plan, &salt);
    let maps = gid_maps(&loaded.doc);
    scan_objects(&loaded.doc, plan, &patterns, &salt, &maps, ctx, &mut r)?;
    raw::scan(data, &patterns, &maps, ctx, &mut r)?;
    content::check(&loaded.doc, plan, &patterns, &salt, ctx, &mut r)?;
    text(data, plan, &salt, ctx, &mut r);
    Ok(r)
}

fn count(hay: &[u8], needle: &[u8]) -> usize {
    if needle.is_empty() {
        return 0;
    }
    hay.windows(needle.len()).filter(|w| *w == needle).count()
}

fn name_is(d: &Dictionary, key: &[u8], v: &[u8]) -> bool {
    matches!(d.get(key), Ok(Object::Name(n)) if n == v)
}

fn structure(doc: &Document, ctx: &Ctx<'_>, r: &mut LeakReport) -> Result<(), Error> {
    for c in [
        "metadata",
        "outlines",
        "attachments",
        "javascript",
        "annotations",
    ] {
        r.ran(c);
    }
    if let Ok(info) = doc.trailer.get(b"Info") {
        let non_empty = match info {
            Object::Reference(id) => match doc.objects.get(id) {
                Some(Object::Dictionary(d)) => !d.is_empty(),
                _ => false,
            },
            Object::Dictionary(d) => !d.is_empty(),
            _ => false,
        };
        if non_empty {
            r.structural(
                "verify.metadata",
                "trailer /Info",
                "document information dictionary",
            );
        }
    }
    let root = match doc.trailer.get(b"Root") {
        Ok(Object::Reference(id)) => Some(*id),
        _ => None,
    };
    for (n, (id, obj)) in doc.objects.iter().enumerate() {
        if n % 256 == 0 {
            ctx.budget.check_time()?;
        }
        let loc = format!("obj {}", id.0);
        let d = match obj {
            Object::Dictionary(d) => d,
            Object::Stream(s) => &s.dict,
            _ => continue,
        };
        let mut stack: Vec<(&Dictionary, u32)> = vec![(d, 0)];
        while let Some((d, depth)) = stack.pop() {
            dict_checks(d, Some(*id) == root && depth == 0, &loc, r);
            if depth < 64 {
                for (_, v) in d.iter() {
                    match v {
                        Object::Dictionary(x) => stack.push((x, depth + 1)),
                        Object::Array(a) => {
                            for x in a {
                                if let Object::Dictionary(x) = x {
                                    stack.push((x, depth + 1));
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
        if let Object::Stream(s) = obj {
            if name_is(&s.dict, b"Type", b"Metadata") {
                r.structural("verify.metadata", loc.clone(), "XMP metadata stream");
            }
            if name_is(&s.dict, b"Type", b"EmbeddedFile") {
                r.structural("verify.attachments", loc.clone(), "embedded file stream");
            }
        }
    }
    Ok(())
}

fn dict_checks(d: &Dictionary, is_catalog: bool, loc: &str, r: &mut LeakReport) {
    if d.has(b"Metadata") {
        r.structural("verify.metadata", loc, "/Metadata (XMP)");
    }
    if is_catalog && d.has(b"Outlines") {
        r.structural("verify.outlines", loc, "/Outlines");
    }
    for key in [b"EmbeddedFiles".as_slice(), b"EF"] {
        if d.has(key) {
            r.structural(
                "verify.attachments",
                loc,
                format!("/{}", String::from_utf8_lossy(key)),
            );
        }
    }
    for key in [b"JS".as_slice(), b"OpenAction", b"AA"] {
        if d.has(key) {
            r.structural(
                "verify.javascript",
                loc,
                format!("/{}", String::from_utf8_lossy(key)),
            );
        }
    }
    if matches!(d.get(b"JavaScript"), Ok(v) if !matches!(v, Object::Name(_))) {
        r.structural("verify.javascript", loc, "/JavaScript name tree");
    }
    if let Ok(Object::Name(s)) = d.get(b"S")
        && (!d.has(b"Type") || name_is(d, b"Type", b"Action"))
        && is_action_type(s)
        && !matches!(s.as_slice(), b"URI" | b"GoTo")
    {
        r.structural(
            "verify.javascript",
            loc,
            format!("/{} action", String::from_utf8_lossy(s)),
        );
    }
    if let Ok(Object::Name(sub)) = d.get(b"Subtype")
        && d.has(b"Rect")
        && sub.as_slice() != b"Link"
        && (name_is(d, b"Type", b"Annot") || d.has(b"P") || d.has(b"Contents") || d.has(b"AP"))
        && !d.has(b"FontFile")
    {
        let code = if sub.as_slice() == b"FileAttachment" {
            "verify.attachments"
        } else {
            "verify.annotations"
        };
        r.structural(
            code,
            loc,
            format!("/{} annotation", String::from_utf8_lossy(sub)),
        );
    }
}

fn is_action_type(s: &[u8]) -> bool {
    matches!(
        s,
        b"GoTo"
            | b"GoToR"
            | b"GoToE"
            | b"GoTo3DView"
            | b"Launch"
            | b"Thread"
            | b"URI"
            | b"Sound"
            | b"Movie"
            | b"Hide"
            | b"Named"
            | b"SubmitForm"
            | b"ResetForm"
            | b"ImportData"
            | b"JavaScript"
            | b"SetOCGState"
            | b"Rendition"
            | b"Trans"
            | b"RichMediaExecute"
    )
}

/// Every term of the plan encoded every way a file may store it, compiled into one
/// byte-level alternation.
struct BytePatterns {
    /// (term index, encoding name, bytes)
    list: Vec<(usize, &'static str, Vec<u8>)>,
    all: Option<Regex>,
    long: Option<Regex>,
    hashes: Vec<String>,
    /// Per term: only ASCII after NFKC.
    ascii: Vec<bool>,
}

impl BytePatterns {
    fn new(plan: &Plan, salt: &str) -> Self {
        let mut list: Vec<(usize, &'static str, Vec<u8>)> = Vec::new();
        for (i, term) in plan.terms.iter().enumerate() {
            let nfkc = normalize_str(term, View::Patterns);
            let nfkc = nfkc.trim().to_string();
            let full: String = nfkc.chars().map(to_fullwidth).collect();
            let mut forms = vec![term.trim().to_string(), nfkc, full];
            forms.sort();
            forms.dedup();
            for form in forms.iter().filter(|f| !f.is_empty()) {
                list.push((i, "utf-8", form.as_bytes().to_vec()));
                let be: Vec<u8> = form.encode_utf16().flat_map(u16::to_be_bytes).collect();
                let le: Vec<u8> = form.encode_utf16().flat_map(u16::to_le_bytes).collect();
                list.push((i, "utf-16be", be));
                list.push((i, "utf-16le", le));
                for (name, enc) in [
                    ("shift_jis", encoding_rs::SHIFT_JIS),
                    ("euc-jp", encoding_rs::EUC_JP),
                ] {
                    let (bytes, _, unmappable) = enc.encode(form);
                    if !unmappable {
                        list.push((i, name, bytes.into_owned()));
                    }
                }
            }
        }
        list.sort();
        list.dedup();
        let build = |min: usize| -> Option<Regex> {
            let alts: Vec<String> = list
                .iter()
                .filter(|p| p.2.len() >= min)
                .map(|p| {
                    p.2.iter()
                        .map(|b| format!("\\x{b:02X}"))
                        .collect::<String>()
                })
                .collect();
            if alts.is_empty() {
                return None;
            }
            RegexBuilder::new(&format!("(?i-u){}", alts.join("|")))
                .unicode(false)
                .size_limit(1 << 26)
                .build()
                .ok()
        };
        BytePatterns {
            all: build(1),
            long: build(MIN_BINARY_PATTERN),
            hashes: plan.terms.iter().map(|t| salted_hash(t, salt)).collect(),
            ascii: plan
                .terms
                .iter()
                .map(|t| normalize_str(t, View::Patterns).is_ascii())
                .collect(),
            list,
        }
    }

    /// The (term index, encoding) of every pattern found in `hay`.
    fn find(&self, hay: &[u8], binary: bool) -> Vec<(usize, &'static str)> {
        self.find_in(hay, binary, false)
    }

    /// Like [`BytePatterns::find`]; in a font program or a CMap (`font`), terms written only
    /// in ASCII are not searched: glyph names, copyright notices and PostScript resource
    /// comments hold ordinary words.
    fn find_in(&self, hay: &[u8], binary: bool, font: bool) -> Vec<(usize, &'static str)> {
        let re = if binary { &self.long } else { &self.all };
        let Some(re) = re else { return Vec::new() };
        let mut out: Vec<(usize, &'static str)> = Vec::new();
        for m in re.find_iter(hay).take(if font { 4096 } else { 16 }) {
            let got = m.as_bytes();
            if let Some(p) = self.list.iter().find(|p| p.2.eq_ignore_ascii_case(got))
                && !(font && self.ascii.get(p.0).copied().unwrap_or(false))
                && !out.contains(&(p.0, p.1))
            {
                out.push((p.0, p.1));
            }
        }
        out
    }
}

fn to_fullwidth(c: char) -> char {
    match c {
        '!'..='~' => char::from_u32(c as u32 - 0x21 + 0xFF01).unwrap_or(c),
        ' ' => '\u{3000}',
        _ => c,
    }
}

fn is_font_program(d: &Dictionary) -> bool {
    d.has(b"Length1")
        || d.has(b"Length2")
        || matches!(d.get(b"Subtype"), Ok(Object::Name(n)) if matches!(n.as_slice(), b"Type1C" | b"CIDFontType0C" | b"OpenType"))
}

/// A CMap (ToUnicode or encoding): PostScript boilerplate (`%%DocumentNeededResources`,
/// `/CIDSystemInfo`…) holds ordinary English words; its mappings are hex numbers.
fn is_cmap(d: &Dictionary, bytes: &[u8]) -> bool {
    name_is(d, b"Type", b"CMap") || raw_is_cmap(bytes)
}

/// Whether decoded stream bytes are a CMap program.
fn raw_is_cmap(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(2048)];
    head.starts_with(b"%!PS-Adobe-3.0 Resource-CMap") || head.windows(9).any(|w| w == b"begincmap")
}

fn is_binary_stream(d: &Dictionary) -> bool {
    name_is(d, b"Subtype", b"Image")
        || d.has(b"Length1")
        || d.has(b"Length2")
        || name_is(d, b"Subtype", b"Type1C")
        || name_is(d, b"Subtype", b"CIDFontType0C")
        || name_is(d, b"Subtype", b"OpenType")
        || d.has(b"N") && !d.has(b"Type")
}

/// Object numbers of /CIDToGIDMap streams: arrays of two-byte glyph numbers, which read as
/// UTF-16 runs of letters when a font's glyphs follow ASCII order ("abcdef…"), not text.
fn gid_maps(doc: &Document) -> std::collections::HashSet<u32> {
    let mut out = std::collections::HashSet::new();
    for obj in doc.objects.values() {
        if let Object::Dictionary(d) = obj
            && let Ok(Object::Reference(id)) = d.get(b"CIDToGIDMap")
        {
            out.insert(id.0);
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn scan_objects(
    doc: &Document,
    plan: &Plan,
    patterns: &BytePatterns,
    salt: &str,
    gid_maps: &std::collections::HashSet<u32>,
    ctx: &Ctx<'_>,
    r: &mut LeakReport,
) -> Result<(), Error> {
    r.ran("bytes:utf-8,utf-16be,utf-16le,shift_jis,euc-jp");
    r.ran("strings");
    let max = usize::try_from(ctx.limits().max_stream_bytes).unwrap_or(usize::MAX);
    for (n, (id, obj)) in doc.objects.iter().enumerate() {
        if n % 64 == 0 {
            ctx.budget.check_time()?;
        }
        let loc = format!("obj {}", id.0);
        let mut strings: Vec<&[u8]> = Vec::new();
        let mut stack: Vec<(&Object, u32)> = vec![(obj, 0)];
        while let Some((o, depth)) = stack.pop() {
            match o {
                Object::String(s, _) => strings.push(s),
                Object::Array(a) if depth < 64 => stack.extend(a.iter().map(|x| (x, depth + 1))),
                Object::Dictionary(d) if depth < 64 => {
                    stack.extend(d.iter().map(|(_, x)| (x, depth + 1)))
                }
                Object::Stream(s) => stack.extend(s.dict.iter().map(|(_, x)| (x, depth + 1))),
                _ => {}
            }
        }
        for s in strings {
            for (term, enc) in patterns.find(s, false) {
                r.add(term_leak("verify.bytes", &loc, patterns, term, enc));
            }
            for text in decode_text_forms(s) {
                for m in plan.find_matches(&text) {
                    r.add(match_leak(&loc, "string", m.category, m.rule, plan, salt));
                }
            }
        }
        if let Object::Stream(s) = obj {
            let binary = is_binary_stream(&s.dict);
            let decoded = if s.dict.has(b"Filter") {
                match s.decompressed_content_with_limit(max) {
                    Ok(d) => Some(d),
                    Err(_) if binary => None,
                    Err(e) => {
                        r.structural("verify.unreadable", loc.clone(), format!("stream: {e}"));
                        None
                    }
                }
            } else {
                None
            };
            let bytes: &[u8] = decoded.as_deref().unwrap_or(&s.content);
            ctx.budget.consume(bytes.len() as u64)?;
            let structural =
                is_font_program(&s.dict) || is_cmap(&s.dict, bytes) || gid_maps.contains(&id.0);
            for (term, enc) in patterns.find_in(bytes, binary, structural) {
                r.add(term_leak("verify.bytes", &loc, patterns, term, enc));
            }
        }
    }
    Ok(())
}

fn term_leak(code: &str, loc: &str, p: &BytePatterns, term: usize, enc: &str) -> Leak {
    Leak {
        code: code.to_string(),
        location: format!("{loc} ({enc})"),
        category: "term".into(),
        term_hash: p.hashes.get(term).cloned(),
        detail: String::new(),
    }
}

fn match_leak(
    loc: &str,
    what: &str,
    category: Category,
    rule: usize,
    plan: &Plan,
    salt: &str,
) -> Leak {
    Leak {
        code: "verify.text".into(),
        location: format!("{loc} ({what})"),
        category: category.name().to_string(),
        term_hash: match category {
            Category::Term => plan.terms.get(rule).map(|t| salted_hash(t, salt)),
            _ => None,
        },
        detail: String::new(),
    }
}

/// The readings of a PDF text string (ISO 32000-1 §7.9.2.2): UTF-16BE with a BOM, UTF-8
/// with a BOM (PDF 2.0), otherwise PDFDocEncoding (Annex D.2) and, when the bytes are valid
/// UTF-8 that is not ASCII, UTF-8 too (which many producers write by mistake).
fn decode_text_forms(s: &[u8]) -> Vec<String> {
    if let Some(rest) = s.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = rest
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
            .collect();
        return vec![String::from_utf16_lossy(&units)];
    }
    if let Some(rest) = s.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return vec![String::from_utf8_lossy(rest).into_owned()];
    }
    let mut out = vec![s.iter().map(|&b| pdfdoc_char(b)).collect::<String>()];
    if !s.is_ascii()
        && let Ok(t) = std::str::from_utf8(s)
    {
        out.push(t.to_string());
    }
    out
}

/// PDFDocEncoding: Latin-1 except 0x18–0x1F and 0x80–0xA0 (Annex D.2).
fn pdfdoc_char(b: u8) -> char {
    const LOW: [char; 8] = ['˘', 'ˇ', 'ˆ', '˙', '˝', '˛', '˚', '˜'];
    const HIGH: [char; 33] = [
        '•', '†', '‡', '…', '—', '–', 'ƒ', '⁄', '‹', '›', '−', '‰', '„', '“', '”', '‘', '’', '‚',
        '™', 'ﬁ', 'ﬂ', 'Ł', 'Œ', 'Š', 'Ÿ', 'Ž', 'ı', 'ł', 'œ', 'š', 'ž', '\u{FFFD}', '€',
    ];
    match b {
        0x18..=0x1F => LOW[usize::from(b - 0x18)],
        0x80..=0xA0 => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

fn text(data: &[u8], plan: &Plan, salt: &str, ctx: &Ctx<'_>, r: &mut LeakReport) {
    r.ran("text");
    if !plan.has_text_rules() {
        return;
    }
    match kiyome_convert::pdftext::pdf_text(data, None, ctx.budget) {
        Ok(text) => {
            for m in plan.find_matches(&text) {
                r.add(match_leak(
                    "text",
                    "extracted",
                    m.category,
                    m.rule,
                    plan,
                    salt,
                ));
            }
        }
        Err(e) => r.structural("verify.unreadable", "text", e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_patterns_find_term_in_every_japanese_encoding() {
        let plan = Plan {
            terms: vec!["山田太郎".into()],
            ..Plan::default()
        };
        let p = BytePatterns::new(&plan, "");
        for (enc, bytes) in [
            ("utf-8", "山田太郎".as_bytes().to_vec()),
            (
                "utf-16be",
                "山田太郎"
                    .encode_utf16()
                    .flat_map(u16::to_be_bytes)
                    .collect(),
            ),
            (
                "shift_jis",
                encoding_rs::SHIFT_JIS.encode("山田太郎").0.into_owned(),
            ),
            (
                "euc-jp",
                encoding_rs::EUC_JP.encode("山田太郎").0.into_owned(),
            ),
        ] {
            let mut hay = b"xx(".to_vec();
            hay.extend(&bytes);
            let found = p.find(&hay, false);
            assert!(found.contains(&(0, enc)), "{enc}: {found:?}");
        }
        assert!(p.find("山田花子".as_bytes(), false).is_empty());
    }

    #[test]
    fn ascii_term_found_in_fullwidth_utf16() {
        let plan = Plan {
            terms: vec!["ABC-1".into()],
            ..Plan::default()
        };
        let p = BytePatterns::new(&plan, "");
        let hay: Vec<u8> = "ＡＢＣ－１"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert_eq!(p.find(&hay, false), vec![(0, "utf-16be")]);
    }
}
