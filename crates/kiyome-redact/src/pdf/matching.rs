//! Which glyphs the plan's text rules select: the plan is matched on the Unicode text of
//! each line (across Tj/TJ pieces and text objects), and across each line break to the next
//! line of the page, as a reader reads them: a word hyphenated at the line end (`in-` /
//! `terpreter`, with an ASCII hyphen, U+00AD soft hyphen or U+2010 hyphen) is one word, and
//! text without spaces (Japanese and Chinese break lines anywhere) runs on into the next line.
//! A match across a break removes its glyphs on both lines and the hyphen.

use super::interp::GlyphRec;
use crate::plan::Plan;
use crate::report::RedactionReport;
use std::ops::Range;

/// Characters that hyphenate a word at a line end.
const HYPHENS: [char; 3] = ['-', '\u{00AD}', '\u{2010}'];

/// A line's text and, for each glyph with text, its byte range in it and its index.
struct LineText {
    text: String,
    spans: Vec<(usize, usize, usize)>,
}

fn line_text(glyphs: &[GlyphRec], line: Range<usize>) -> LineText {
    let mut text = String::new();
    let mut spans = Vec::new();
    let mut prev: Option<&GlyphRec> = None;
    for gi in line {
        let g = &glyphs[gi];
        let Some(t) = &g.text else { continue };
        if let Some(p) = prev {
            // A visible gap becomes a space, so patterns do not join separate words.
            let gap = if g.vertical {
                p.bbox.y0 - g.bbox.y1
            } else {
                g.bbox.x0 - p.bbox.x1
            };
            if gap > g.size.max(1.0) * 0.3 && !text.ends_with(' ') {
                text.push(' ');
            }
        }
        let s = text.len();
        text.push_str(t);
        spans.push((s, text.len(), gi));
        prev = Some(g);
    }
    LineText { text, spans }
}

/// Marks in `removed` the glyphs of every match of `plan` on `lines` (ranges of `glyphs` in
/// content order), and records the hits in `report`.
pub(crate) fn select(
    glyphs: &[GlyphRec],
    lines: &[Range<usize>],
    plan: &Plan,
    report: &mut RedactionReport,
    removed: &mut [bool],
) {
    let part = |page: usize| format!("page {}", page + 1);
    let texts: Vec<LineText> = lines.iter().map(|l| line_text(glyphs, l.clone())).collect();
    for (line, lt) in lines.iter().zip(&texts) {
        let page = glyphs.get(line.start).map_or(0, |g| g.page);
        for m in plan.find_matches(&lt.text) {
            let mut any = false;
            for &(s, e, gi) in &lt.spans {
                if s < m.end && m.start < e {
                    removed[gi] = true;
                    any = true;
                }
            }
            if any {
                report.record_hit(&part(page), m.category, m.rule);
            }
        }
    }
    // Across each line break.
    for i in 0..texts.len().saturating_sub(1) {
        let (a, b) = (&texts[i], &texts[i + 1]);
        let page = |l: &Range<usize>| glyphs.get(l.start).map(|g| g.page);
        if a.spans.is_empty() || b.spans.is_empty() || page(&lines[i]) != page(&lines[i + 1]) {
            continue;
        }
        // The first line up to its last visible character: its spans that end there.
        let end = a.text.trim_end().len();
        let kept: Vec<(usize, usize, usize)> =
            a.spans.iter().copied().filter(|s| s.1 <= end).collect();
        let Some(&(_, last_end, _)) = kept.last() else {
            continue;
        };
        let head = &a.text[..last_end];
        // As written, and without the hyphen that ends the line.
        let bare = head.trim_end_matches(HYPHENS);
        let mut joins = vec![(head, Vec::new())];
        if bare.len() < head.len() {
            let hyphens: Vec<usize> = kept
                .iter()
                .filter(|s| s.0 >= bare.len())
                .map(|s| s.2)
                .collect();
            joins.push((bare, hyphens));
        }
        for (left, hyphens) in joins {
            let cut = left.len();
            let joined = format!("{left}{}", b.text);
            for m in plan.find_matches(&joined) {
                // Only matches that straddle the break: the others were found on their line.
                if !(m.start < cut && m.end > cut) {
                    continue;
                }
                for &(s, e, gi) in kept.iter().filter(|s| s.1 <= cut) {
                    if s < m.end && m.start < e {
                        removed[gi] = true;
                    }
                }
                for &(s, e, gi) in &b.spans {
                    if s + cut < m.end && m.start < e + cut {
                        removed[gi] = true;
                    }
                }
                for &gi in &hyphens {
                    removed[gi] = true;
                }
                report.record_hit(&part(page(&lines[i]).unwrap_or(0)), m.category, m.rule);
            }
        }
    }
}
