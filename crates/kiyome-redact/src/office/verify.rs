//! The independent leak check for OOXML and ODF packages (`kiyome verify`).
//!
//! It shares no code with the scrub and redaction passes except the plan's matcher: every
//! member of the zip is decompressed and
//! - **bytes**: each term is looked for as UTF-8, UTF-16LE/BE, Shift_JIS and EUC-JP (as given,
//!   NFKC and full-width) and, in XML parts, as numeric character references (`&#x5C71;`);
//! - **text**: the text of every XML part, grouped by paragraph, shared string, cell or
//!   defined name (so a term split over several runs is found), and every attribute value,
//!   go through the plan's terms, patterns and PII detectors;
//! - **structure**: no document properties, comments, tracked changes, session identifiers
//!   (rsid, paraId), hidden runs, speaker notes, custom XML, thumbnails, printer settings or
//!   embedded objects remain, and pictures carry no metadata.

use super::ScrubOptions;
use crate::image::{is_image_bytes, metadata_leaks};
use crate::normalize::{View, normalize_str};
use crate::plan::{Category, Plan, salted_hash};
use crate::report::{Leak, LeakReport};
use kiyome_core::{Ctx, Error, Kind, KindClass, sniff};
use kiyome_office::opc::Package;
use kiyome_office::xml::{self, Ev};
use regex::bytes::{Regex, RegexBuilder};

/// Byte patterns shorter than this are not searched in binary parts (pictures), where two or
/// four random bytes match by chance.
const MIN_BINARY_PATTERN: usize = 6;

/// Elements whose text is matched as one string: paragraphs and headings (Word, DrawingML,
/// ODF), shared and inline strings, cells, defined names, chart values.
pub(crate) const GROUPS: &[&str] = &[
    "p",
    "h",
    "si",
    "is",
    "c",
    "definedName",
    "v",
    "f",
    "instrText",
];

/// Every encoded form of the plan's terms, as one case-insensitive byte regex.
pub(crate) struct BytePatterns {
    list: Vec<(usize, &'static str, Vec<u8>)>,
    all: Option<Regex>,
    long: Option<Regex>,
    hashes: Vec<String>,
}

fn to_fullwidth(c: char) -> char {
    match c {
        '!'..='~' => char::from_u32(c as u32 - 0x21 + 0xFF01).unwrap_or(c),
        ' ' => '\u{3000}',
        _ => c,
    }
}

impl BytePatterns {
    /// The patterns of `plan`'s terms; hashes are salted with `salt`.
    pub(crate) fn new(plan: &Plan, salt: &str) -> Self {
        let mut list: Vec<(usize, &'static str, Vec<u8>)> = Vec::new();
        for (i, term) in plan.terms.iter().enumerate() {
            let nfkc = normalize_str(term, View::Patterns).trim().to_string();
            let full: String = nfkc.chars().map(to_fullwidth).collect();
            let mut forms = vec![term.trim().to_string(), nfkc, full];
            forms.sort();
            forms.dedup();
            for form in forms.iter().filter(|f| !f.is_empty()) {
                list.push((i, "utf-8", form.as_bytes().to_vec()));
                list.push((
                    i,
                    "utf-16be",
                    form.encode_utf16().flat_map(u16::to_be_bytes).collect(),
                ));
                list.push((
                    i,
                    "utf-16le",
                    form.encode_utf16().flat_map(u16::to_le_bytes).collect(),
                ));
                for (name, enc) in [
                    ("shift_jis", encoding_rs::SHIFT_JIS),
                    ("euc-jp", encoding_rs::EUC_JP),
                ] {
                    let (bytes, _, unmappable) = enc.encode(form);
                    if !unmappable {
                        list.push((i, name, bytes.into_owned()));
                    }
                }
                // Numeric character references, as XML writers may emit for any character.
                if !form.is_ascii() {
                    let hex: String = form
                        .chars()
                        .map(|c| format!("&#x{:x};", c as u32))
                        .collect();
                    let dec: String = form.chars().map(|c| format!("&#{};", c as u32)).collect();
                    list.push((i, "xml-hex-ref", hex.into_bytes()));
                    list.push((i, "xml-dec-ref", dec.into_bytes()));
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
            list,
        }
    }

    /// Adds a `verify.bytes` leak for every term found in `hay` (`binary`: only patterns of at
    /// least [`MIN_BINARY_PATTERN`] bytes).
    pub(crate) fn scan(&self, hay: &[u8], loc: &str, binary: bool, r: &mut LeakReport) {
        let re = if binary { &self.long } else { &self.all };
        let Some(re) = re else { return };
        for m in re.find_iter(hay).take(16) {
            let got = m.as_bytes();
            if let Some(p) = self.list.iter().find(|p| p.2.eq_ignore_ascii_case(got)) {
                r.add(Leak {
                    code: "verify.bytes".into(),
                    location: format!("{loc} ({})", p.1),
                    category: "term".into(),
                    term_hash: self.hashes.get(p.0).cloned(),
                    detail: String::new(),
                });
            }
        }
    }
}

/// What the structural check looks for in an OOXML or ODF part name.
fn part_leak(name: &str, odf: bool) -> Option<(&'static str, &'static str)> {
    let l = name.to_ascii_lowercase();
    let file = l.rsplit('/').next().unwrap_or(&l);
    if odf {
        return match () {
            _ if file == "meta.xml" => Some(("verify.metadata", "meta.xml")),
            _ if file == "settings.xml" => Some(("verify.metadata", "settings.xml")),
            _ if l.starts_with("thumbnails/") => Some(("verify.metadata", "thumbnail")),
            _ if l.starts_with("objectreplacements/") => None,
            _ if l.starts_with("basic/") || l.starts_with("scripts/") => {
                Some(("verify.attachments", "macros"))
            }
            _ => None,
        };
    }
    if l == "docprops/custom.xml" {
        return Some(("verify.metadata", "custom properties"));
    }
    if l.starts_with("docprops/thumbnail") {
        return Some(("verify.metadata", "thumbnail"));
    }
    if l.starts_with("customxml/") {
        return Some(("verify.metadata", "custom XML part"));
    }
    if l.contains("/printersettings/") {
        return Some(("verify.metadata", "printer settings"));
    }
    if l.contains("comments")
        || l.ends_with("/people.xml")
        || l.starts_with("xl/persons/")
        || l == "ppt/commentauthors.xml"
        || l == "ppt/authors.xml"
    {
        return Some(("verify.comments", "comments part"));
    }
    if l.starts_with("ppt/notesslides/") || l.starts_with("ppt/notesmasters/") {
        return Some(("verify.notes", "speaker notes"));
    }
    if l.starts_with("xl/revisions/") {
        return Some(("verify.tracked_changes", "revision log"));
    }
    if l.contains("/embeddings/") || l.contains("/activex/") || l.contains("vbaproject") {
        return Some(("verify.attachments", "embedded object or macros"));
    }
    None
}

/// What the structural check looks for in an element.
fn element_leak(local: &str, odf: bool) -> Option<&'static str> {
    if odf {
        return match local {
            "tracked-changes" | "change-start" | "change-end" | "changed-region" => {
                Some("verify.tracked_changes")
            }
            "annotation" | "annotation-end" => Some("verify.comments"),
            _ => None,
        };
    }
    match local {
        "ins" | "del" | "moveFrom" | "moveTo" | "delText" | "rPrChange" | "pPrChange"
        | "sectPrChange" | "tblPrChange" | "trPrChange" | "tcPrChange" => {
            Some("verify.tracked_changes")
        }
        "commentReference" | "commentRangeStart" | "commentRangeEnd" => Some("verify.comments"),
        "rsids" | "rsid" => Some("verify.session_ids"),
        "docVars" | "attachedTemplate" | "absPath" | "mailMerge" => Some("verify.metadata"),
        _ => None,
    }
}

/// Checks an OOXML or ODF package against `plan` and for hidden information (everything
/// [`ScrubOptions::default`] removes).
pub fn verify(data: &[u8], kind: Kind, plan: &Plan, ctx: &Ctx<'_>) -> Result<LeakReport, Error> {
    verify_with(data, kind, plan, &ScrubOptions::default(), ctx)
}

/// [`verify`] for an output scrubbed with `opts`: what the options keep (hidden text,
/// speaker notes, hidden sheets or cells, invisible text) is not a leak.
pub fn verify_with(
    data: &[u8],
    kind: Kind,
    plan: &Plan,
    opts: &ScrubOptions,
    ctx: &Ctx<'_>,
) -> Result<LeakReport, Error> {
    let odf = kind.class() == KindClass::Odf;
    let mut r = LeakReport::default();
    let salt = plan.salt.clone().unwrap_or_default();
    let patterns = BytePatterns::new(plan, &salt);
    let mut pkg = Package::open(data, ctx, if odf { "odf" } else { "ooxml" })?;
    for c in [
        "bytes:utf-8,utf-16be,utf-16le,shift_jis,euc-jp,xml-refs",
        "text",
        "metadata",
        "comments",
        "revisions",
        "session ids",
        "hidden text",
        "embedded objects",
    ] {
        r.ran(c);
    }
    if !odf && opts.remove_hidden_cells {
        r.ran("hidden rows and columns");
    }
    if !odf && opts.remove_invisible_text {
        r.ran("invisible text");
    }
    let hidden_sheets = if !odf && opts.remove_hidden_sheets {
        r.ran("hidden sheets");
        super::hidden::hidden_sheet_parts(&mut pkg, ctx)?.0
    } else {
        Default::default()
    };
    let checks = Checks {
        odf,
        opts,
        hidden_sheet: false,
    };
    for name in pkg.names() {
        ctx.budget.check_time()?;
        if let Some((code, what)) = part_leak(&name, odf)
            && (code != "verify.notes" || opts.remove_notes)
        {
            r.structural(code, name.clone(), what);
        }
        let bytes = match pkg.read(&name, ctx) {
            Ok(b) => b,
            Err(e) => {
                r.structural("verify.unreadable", name.clone(), e.code());
                continue;
            }
        };
        let l = name.to_ascii_lowercase();
        if is_image_bytes(&bytes) {
            let k = sniff(&bytes, Some(&name)).kind;
            if metadata_leaks(&bytes, k, &name, ctx, &mut r).is_err() {
                r.structural("verify.unreadable", name.clone(), "picture");
            }
            patterns.scan(&bytes, &name, true, &mut r);
            continue;
        }
        let is_xml = l.ends_with(".xml") || l.ends_with(".rels") || l.ends_with(".vml");
        patterns.scan(&bytes, &name, !is_xml, &mut r);
        let checks = Checks {
            hidden_sheet: hidden_sheets.contains(&l),
            ..checks
        };
        if is_xml && let Err(e) = check_xml(&bytes, &name, &checks, plan, &salt, ctx, &mut r) {
            if e.limit_kind().is_some() {
                return Err(e);
            }
            // Legacy VML is often not well-formed (Office reads it leniently); its bytes were
            // scanned above, which is all that can be checked.
            if !l.ends_with(".vml") {
                r.structural("verify.unreadable", name.clone(), e.code());
            }
        }
    }
    Ok(r)
}

fn text_leaks(plan: &Plan, text: &str, loc: &str, salt: &str, r: &mut LeakReport) {
    for m in plan.find_matches(text) {
        r.add(Leak {
            code: "verify.text".into(),
            location: loc.to_string(),
            category: m.category.name().to_string(),
            term_hash: (m.category == Category::Term)
                .then(|| plan.terms.get(m.rule).map(|t| salted_hash(t, salt)))
                .flatten(),
            detail: String::new(),
        });
    }
}

/// What the structural check of one part looks for.
#[derive(Clone, Copy)]
struct Checks<'o> {
    odf: bool,
    opts: &'o ScrubOptions,
    /// The part is the worksheet of a hidden sheet (which must have no cells).
    hidden_sheet: bool,
}

/// Word runs that are certainly invisible: coloured white directly, with no style, shading
/// or highlight of their own or on their paragraph, outside tables, text boxes and drawings,
/// on a page without a background. A strict subset of what the scrub removes, found by its
/// own walk.
#[derive(Default)]
struct InvisibleRuns {
    background: bool,
    boxes: u32,
    tables: u32,
    /// For each open paragraph: has a style or shading.
    paras: Vec<bool>,
    /// For the open run: (white, disqualified).
    run: Option<(bool, bool)>,
}

impl InvisibleRuns {
    fn start(&mut self, el: &kiyome_office::xml::El, parent: Option<&str>, empty: bool) {
        let local = el.local();
        match local {
            "background" => self.background = true,
            "txbxContent" | "pict" | "drawing" | "object" | "AlternateContent" if !empty => {
                self.boxes += 1
            }
            "tbl" if !empty => self.tables += 1,
            "p" if !empty => self.paras.push(false),
            "r" if !empty => self.run = Some((false, false)),
            _ => {}
        }
        if parent == Some("pPr")
            && matches!(local, "pStyle" | "shd")
            && let Some(p) = self.paras.last_mut()
        {
            *p = true;
        }
        if parent == Some("rPr")
            && let Some((white, bad)) = self.run.as_mut()
        {
            match local {
                "color" => {
                    *white = el
                        .attr("val")
                        .is_some_and(|v| v.eq_ignore_ascii_case("FFFFFF"))
                }
                "rStyle" | "shd" | "highlight" => *bad = true,
                _ => {}
            }
        }
    }

    /// At an end tag: whether it closes the properties of an invisible run.
    fn end(&mut self, local: &str, parent: Option<&str>) -> bool {
        let mut found = false;
        match local {
            "rPr" if parent == Some("r") => {
                found = self.run.is_some_and(|(white, bad)| white && !bad)
                    && !self.background
                    && self.boxes == 0
                    && self.tables == 0
                    && !self.paras.iter().any(|p| *p);
            }
            "r" => self.run = None,
            "txbxContent" | "pict" | "drawing" | "object" | "AlternateContent" => {
                self.boxes = self.boxes.saturating_sub(1)
            }
            "tbl" => self.tables = self.tables.saturating_sub(1),
            "p" => {
                self.paras.pop();
            }
            _ => {}
        }
        found
    }
}

fn check_xml(
    data: &[u8],
    name: &str,
    checks: &Checks<'_>,
    plan: &Plan,
    salt: &str,
    ctx: &Ctx<'_>,
    r: &mut LeakReport,
) -> Result<(), Error> {
    let odf = checks.odf;
    let opts = checks.opts;
    let l = name.to_ascii_lowercase();
    let sheet = !odf && l.starts_with("xl/worksheets/") && opts.remove_hidden_cells;
    let mut hidden_cols: Vec<(u32, u32)> = Vec::new();
    let mut hidden_row = false;
    let mut cursor = super::hidden::CellCursor::default();
    let mut invisible = InvisibleRuns::default();
    let check_invisible = !odf && l.starts_with("word/") && opts.remove_invisible_text;
    let props = l == "docprops/core.xml"
        || l == "docprops/app.xml"
        || super::scrub::props_part(data).is_some();
    let word = l.starts_with("word/");
    let rules = plan.has_text_rules();
    let mut depth = 0u32;
    let mut names: Vec<String> = Vec::new();
    // Open text groups: (depth where the group element opened, its text).
    let mut groups: Vec<(usize, String)> = Vec::new();
    let mut loose = String::new();
    xml::scan(data, name, ctx, |ev| {
        match ev {
            Ev::Start(el, empty) => {
                let local = el.local();
                if props && depth >= 1 {
                    r.structural("verify.metadata", name, "document properties");
                }
                if let Some(code) = element_leak(local, odf) {
                    r.structural(code, name, local);
                }
                if checks.hidden_sheet && local == "c" {
                    r.structural("verify.hidden_cells", name, "cell of a hidden sheet");
                }
                if sheet {
                    let on = |v: Option<&str>| matches!(v, Some("1") | Some("true"));
                    match local {
                        "col" if on(el.attr("hidden")) => {
                            let min: u32 = el.attr("min").and_then(|v| v.parse().ok()).unwrap_or(1);
                            let max: u32 =
                                el.attr("max").and_then(|v| v.parse().ok()).unwrap_or(min);
                            hidden_cols.push((min, max));
                        }
                        "row" => {
                            cursor.row(el);
                            hidden_row = on(el.attr("hidden"));
                        }
                        "c" => {
                            let (c, _) = cursor.cell(el);
                            if hidden_row || hidden_cols.iter().any(|(a, b)| (*a..=*b).contains(&c))
                            {
                                r.structural(
                                    "verify.hidden_cells",
                                    name,
                                    "cell of a hidden row or column",
                                );
                            }
                        }
                        _ => {}
                    }
                }
                if check_invisible {
                    invisible.start(el, names.last().map(|s| xml::local(s)), empty);
                }
                if word
                    && opts.remove_hidden_text
                    && matches!(local, "vanish" | "specVanish")
                    && names.last().map(|s| xml::local(s)) == Some("rPr")
                    && names
                        .len()
                        .checked_sub(2)
                        .and_then(|i| names.get(i))
                        .map(|s| xml::local(s))
                        == Some("r")
                    && !matches!(el.attr("val"), Some("0") | Some("false") | Some("off"))
                {
                    r.structural("verify.hidden_text", name, "hidden run");
                }
                for (k, v) in &el.attrs {
                    if !odf && super::scrub::is_session_attr(k)
                        || odf && matches!(xml::local(k), "rsid" | "paragraph-rsid")
                    {
                        r.structural("verify.session_ids", name, xml::local(k).to_string());
                    }
                    if rules {
                        text_leaks(plan, v, &format!("{name} @{}", xml::local(k)), salt, r);
                    }
                }
                if !empty {
                    depth += 1;
                    names.push(el.name.clone());
                    if GROUPS.contains(&local) {
                        groups.push((names.len(), String::new()));
                    }
                }
            }
            Ev::End(n) => {
                if check_invisible {
                    let parent = names
                        .len()
                        .checked_sub(2)
                        .and_then(|i| names.get(i))
                        .map(|s| xml::local(s));
                    if invisible.end(xml::local(n), parent) {
                        r.structural("verify.invisible_text", name, "white run on a white page");
                    }
                }
                if groups.last().is_some_and(|g| g.0 == names.len())
                    && let Some((_, text)) = groups.pop()
                    && rules
                {
                    text_leaks(plan, &text, name, salt, r);
                }
                names.pop();
                depth = depth.saturating_sub(1);
                let _ = n;
            }
            Ev::Text(t) => match groups.last_mut() {
                Some((_, g)) => g.push_str(t),
                None => {
                    if rules && !t.trim().is_empty() {
                        loose.push_str(t);
                        loose.push('\n');
                    }
                }
            },
        }
        Ok(())
    })?;
    if rules {
        for line in loose.lines() {
            text_leaks(plan, line, name, salt, r);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaks(hay: &[u8], binary: bool) -> Vec<String> {
        let p = Plan {
            terms: vec!["山田".into()],
            ..Plan::default()
        };
        let mut r = LeakReport::default();
        BytePatterns::new(&p, "s").scan(hay, "x", binary, &mut r);
        r.leaks.into_iter().map(|l| l.location).collect()
    }

    #[test]
    fn terms_are_found_as_character_references_utf16_and_shift_jis() {
        assert_eq!(
            leaks("&#x5c71;&#x7530;".as_bytes(), false),
            vec!["x (xml-hex-ref)"]
        );
        let le: Vec<u8> = "山田".encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(leaks(&le, false), vec!["x (utf-16le)"]);
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode("山田");
        assert_eq!(leaks(&sjis, false), vec!["x (shift_jis)"]);
        // Four bytes are too short to count in a binary part.
        assert!(leaks(&le, true).is_empty());
    }
}
