//! The content checks of the leak check, on the leak check's own content pass
//! ([`super::walk`]):
//! - **text through the fonts**: each line of text every content stream draws, decoded
//!   through its fonts, against the terms (own matcher, [`super::fold`]) and the patterns;
//! - **strings**: every string operand (shows, /ActualText, /Alt, /E in property lists,
//!   inline or in /Properties) decoded as a text string (UTF-16BE with BOM, PDFDocEncoding,
//!   UTF-8), through the current font, and scanned raw in every encoding;
//! - **glyph codes**: each term written as each font's codes (reverse ToUnicode / CMap /
//!   encoding, one- and two-byte codes) searched in the codes each line shows and in the raw
//!   decoded stream;
//! - **covered content** ([`super::cover`]).

use super::cover;
use super::fold::Terms;
use super::vfont::VFont;
use super::walk::Walker;
use super::{BytePatterns, decode_text_forms, match_leak, term_leak, to_fullwidth};
use crate::plan::{Category, Plan, salted_hash};
use crate::report::{Leak, LeakReport};
use kiyome_core::{Ctx, Error};
use kiyome_pdf::rewrite::lopdf::Document;
use regex::bytes::{Regex, RegexBuilder};
use unicode_normalization::UnicodeNormalization;

/// Most content operations interpreted for one document.
const MAX_OPS: usize = 50_000_000;

/// One font's glyph-code patterns: a quick combined regex and one per term.
struct FontPat {
    any: Option<Regex>,
    per_term: Vec<(usize, Regex)>,
    /// Codes are exactly two bytes: matches must start on an even offset of a line.
    two_byte: bool,
}

fn escape(b: &[u8]) -> String {
    b.iter().map(|x| format!("\\x{x:02X}")).collect()
}

fn term_forms(term: &str) -> Vec<Vec<char>> {
    let nfkc: String = term.nfkc().collect();
    let full: String = nfkc.chars().map(to_fullwidth).collect();
    let mut forms: Vec<Vec<char>> = [term.to_string(), nfkc, full]
        .iter()
        .map(|f| {
            f.chars()
                .filter(|c| !c.is_whitespace())
                .collect::<Vec<char>>()
        })
        .filter(|f| !f.is_empty())
        .collect();
    forms.sort();
    forms.dedup();
    forms
}

impl FontPat {
    fn new(font: &VFont, terms: &[String]) -> FontPat {
        let mut per_term = Vec::new();
        let mut alts_all = Vec::new();
        for (i, t) in terms.iter().enumerate() {
            let mut alts = Vec::new();
            for form in term_forms(t) {
                if form.len() < 2 {
                    continue; // one code matches everywhere by chance
                }
                let mut seq = String::new();
                let mut ok = true;
                for c in form {
                    let mut a = font.alternatives(c);
                    for v in c.to_lowercase().chain(c.to_uppercase()) {
                        if v != c {
                            a.extend(font.alternatives(v));
                        }
                    }
                    a.sort();
                    a.dedup();
                    if a.is_empty() {
                        ok = false;
                        break;
                    }
                    let parts: Vec<String> = a.iter().map(|x| escape(x)).collect();
                    seq.push_str(&format!("(?:{})", parts.join("|")));
                }
                if ok {
                    alts.push(seq);
                }
            }
            if alts.is_empty() {
                continue;
            }
            let src = format!("(?-u:{})", alts.join("|"));
            if let Ok(re) = RegexBuilder::new(&src)
                .unicode(false)
                .size_limit(1 << 22)
                .build()
            {
                per_term.push((i, re));
                alts_all.push(src);
            }
        }
        let any = (!alts_all.is_empty())
            .then(|| {
                RegexBuilder::new(&alts_all.join("|"))
                    .unicode(false)
                    .size_limit(1 << 26)
                    .build()
                    .ok()
            })
            .flatten();
        FontPat {
            any,
            per_term,
            two_byte: font.two_byte(),
        }
    }

    /// Terms found in `hay` (aligned on code boundaries when `aligned` and two-byte).
    fn find(&self, hay: &[u8], aligned: bool) -> Vec<usize> {
        let Some(any) = &self.any else {
            return Vec::new();
        };
        if !any.is_match(hay) {
            return Vec::new();
        }
        let mut out = Vec::new();
        for (t, re) in &self.per_term {
            let mut at = 0;
            while let Some(m) = re.find_at(hay, at) {
                if !(aligned && self.two_byte) || m.start() % 2 == 0 {
                    out.push(*t);
                    break;
                }
                at = m.start() + 1;
            }
        }
        out
    }
}

fn glyph_leak(loc: &str, font: &str, plan: &Plan, salt: &str, term: usize) -> Leak {
    Leak {
        code: "verify.bytes".into(),
        location: format!("{loc} (glyph codes of font {font})"),
        category: "term".into(),
        term_hash: plan.terms.get(term).map(|t| salted_hash(t, salt)),
        detail: String::new(),
    }
}

fn text_leaks(
    text: &str,
    loc: &str,
    what: &str,
    terms: &Terms,
    plan: &Plan,
    salt: &str,
    r: &mut LeakReport,
) {
    for t in terms.find(text) {
        r.add(match_leak(loc, what, Category::Term, t, plan, salt));
    }
    if !plan.regexes.is_empty() || !plan.pii.is_empty() {
        for m in plan.find_matches(text) {
            if m.category != Category::Term {
                r.add(match_leak(loc, what, m.category, m.rule, plan, salt));
            }
        }
    }
}

/// Runs the content checks on every page of `doc`.
pub(super) fn check(
    doc: &Document,
    plan: &Plan,
    patterns: &BytePatterns,
    salt: &str,
    ctx: &Ctx<'_>,
    r: &mut LeakReport,
) -> Result<(), Error> {
    for c in [
        "content-text",
        "content-strings",
        "glyph-codes",
        "covered-content",
    ] {
        r.ran(c);
    }
    let max = usize::try_from(ctx.limits().max_stream_bytes).unwrap_or(usize::MAX);
    let terms = Terms::new(&plan.terms);
    let rules = plan.has_text_rules();
    let mut walker = Walker::new(doc, max, MAX_OPS);
    let mut pats: Vec<Option<FontPat>> = Vec::new();
    let pages: Vec<_> = doc.get_pages().into_iter().collect();
    for (n, id) in pages {
        ctx.budget.check_time()?;
        let out = walker.page(n as usize, id);
        for (loc, why) in &out.unreadable {
            r.structural("verify.unreadable", loc.clone(), why.clone());
        }
        if out.truncated {
            r.structural(
                "verify.unreadable",
                format!("page {n}"),
                "too many glyphs and shapes for the covered-content check",
            );
        }
        let (covered, complete) = cover::check(
            doc,
            &out.glyphs,
            &out.fills,
            &out.images,
            ctx.limits().max_pixels,
        );
        for c in covered {
            r.structural(
                "verify.covered_content",
                format!("page {n} at {}", c.at),
                format!("{} under an opaque box at {}", c.what, c.by),
            );
        }
        if !complete {
            r.structural(
                "verify.unreadable",
                format!("page {n}"),
                "covered-content check stopped at its limit",
            );
        }
        if !rules {
            continue;
        }
        for (i, (loc, text)) in out.lines.iter().enumerate() {
            text_leaks(text, loc, "text through fonts", &terms, plan, salt, r);
            // A term wrapped onto the next line (Japanese breaks lines anywhere, with no
            // hyphen) is still the term to a reader.
            if let Some((next_loc, next)) = out.lines.get(i + 1)
                && next_loc == loc
            {
                let joined = format!("{text}{next}");
                text_leaks(
                    &joined,
                    loc,
                    "text through fonts, wrapped",
                    &terms,
                    plan,
                    salt,
                    r,
                );
                // A word hyphenated at the line end ("in-" / "terpreter") reads as one.
                let cut = text.trim_end();
                let bare = cut.trim_end_matches(['-', '\u{2010}', '\u{00AD}']);
                if bare.len() < cut.len() {
                    let joined = format!("{bare}{next}");
                    let what = "text through fonts, hyphenated";
                    text_leaks(&joined, loc, what, &terms, plan, salt, r);
                }
            }
        }
        for (loc, font, s) in &out.strings {
            for t in decode_text_forms(s) {
                text_leaks(&t, loc, "string", &terms, plan, salt, r);
            }
            if let Some(f) = font.and_then(|f| walker.fonts.get(f)) {
                let mut text = String::new();
                let mut at = 0;
                for (code, len) in f.codes(s) {
                    match f.text(code, &s[at..at + len]) {
                        Some(t) => text.push_str(&t),
                        None => text.push('\u{FFFC}'),
                    }
                    at += len;
                }
                text_leaks(&text, loc, "string through font", &terms, plan, salt, r);
            }
            for (term, enc) in patterns.find(s, false) {
                r.add(term_leak(
                    "verify.bytes",
                    &format!("{loc} string"),
                    patterns,
                    term,
                    enc,
                ));
            }
        }
        if plan.terms.is_empty() {
            continue;
        }
        while pats.len() < walker.fonts.len() {
            pats.push(None);
        }
        for (_, f, _) in &out.code_lines {
            pats[*f].get_or_insert_with(|| FontPat::new(&walker.fonts[*f], &plan.terms));
        }
        for (_, fonts, _) in &out.raw {
            for f in fonts {
                pats[*f].get_or_insert_with(|| FontPat::new(&walker.fonts[*f], &plan.terms));
            }
        }
        let none = FontPat {
            any: None,
            per_term: Vec::new(),
            two_byte: false,
        };
        let pat = |i: usize| -> &FontPat { pats[i].as_ref().unwrap_or(&none) };
        for (loc, f, codes) in &out.code_lines {
            for t in pat(*f).find(codes, true) {
                r.add(glyph_leak(loc, &walker.font_names[*f], plan, salt, t));
            }
        }
        for (loc, fonts, data) in &out.raw {
            for f in fonts {
                let p = pat(*f);
                // Raw stream bytes: only sequences of three bytes or more.
                for t in p.find(data, false) {
                    if let Some((_, re)) = p.per_term.iter().find(|(k, _)| *k == t)
                        && re.find_iter(data).any(|m| m.len() >= 3)
                    {
                        r.add(glyph_leak(
                            &format!("{loc} raw"),
                            &walker.font_names[*f],
                            plan,
                            salt,
                            t,
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}
