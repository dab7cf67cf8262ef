//! Normalised views of a text with a map back to the original.
//!
//! Matching happens on a normalised copy of the text (NFKC, so that full- and half-width forms
//! are the same; dash look-alikes unified), but redaction must remove the *original*
//! characters. NFKC is not a per-character mapping (half-width katakana `ｶ` + `ﾞ` compose into
//! one `ガ`), so the text is cut into segments — a starter and the non-starters that follow it —
//! and each segment is normalised on its own; every normalised byte remembers the original
//! byte range of its segment.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::canonical_combining_class;

/// Which normalised view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum View {
    /// For literal terms: NFKC, lower case, dashes unified, white space removed (so that
    /// `山田 太郎`, `山田　太郎` and `山田太郎` are the same name).
    Terms,
    /// For patterns (regexes, PII detectors): NFKC, dashes unified, white space kept as one
    /// ASCII space per white-space character.
    Patterns,
}

/// A normalised text and, for each of its bytes' segments, the original byte range.
#[derive(Debug, Clone)]
pub(crate) struct Normalized {
    /// The normalised text.
    pub text: String,
    /// Sorted by the first field: (normalised start, original start, original end).
    spans: Vec<(usize, usize, usize)>,
}

/// Characters that are drawn as a dash or minus in Japanese documents and that NFKC leaves
/// alone: hyphen, non-breaking hyphen, figure dash, en/em dash, horizontal bar, minus sign,
/// katakana prolonged sound mark (often typed for a dash in phone numbers), small hyphen.
pub(crate) fn is_dash(c: char) -> bool {
    matches!(
        c,
        '\u{2010}'
            | '\u{2011}'
            | '\u{2012}'
            | '\u{2013}'
            | '\u{2014}'
            | '\u{2015}'
            | '\u{2212}'
            | '\u{30FC}'
            | '\u{FE63}'
            | '\u{FF0D}'
            | '\u{FF70}'
            | '\u{2500}'
    )
}

fn push_normalized(out: &mut String, seg: &str, view: View) {
    for c in seg.nfkc() {
        let c = if is_dash(c) { '-' } else { c };
        if c.is_whitespace() || c.is_control() {
            if view == View::Patterns {
                out.push(' ');
            }
            continue;
        }
        match view {
            View::Terms => out.extend(c.to_lowercase()),
            View::Patterns => out.push(c),
        }
    }
}

/// Normalises a term (or any text) for the given view, without a map.
pub(crate) fn normalize_str(s: &str, view: View) -> String {
    let mut out = String::with_capacity(s.len());
    push_normalized(&mut out, s, view);
    out
}

impl Normalized {
    /// Builds the view of `original`.
    pub(crate) fn new(original: &str, view: View) -> Self {
        let mut text = String::with_capacity(original.len());
        let mut spans = Vec::new();
        let mut iter = original.char_indices().peekable();
        while let Some((i, _)) = iter.next() {
            // Extend the segment over the non-starters that follow (combining marks, the
            // half-width voiced sound marks, whose decomposition starts with a non-starter).
            let mut end = original.len();
            while let Some(&(j, d)) = iter.peek() {
                if starts_with_nonstarter(d) {
                    iter.next();
                } else {
                    end = j;
                    break;
                }
            }
            let seg = original.get(i..end).unwrap_or("");
            let before = text.len();
            push_normalized(&mut text, seg, view);
            if text.len() > before {
                spans.push((before, i, end));
            }
        }
        Normalized { text, spans }
    }

    /// The original byte range covering normalised bytes `start..end` (`end > start`).
    pub(crate) fn original_range(&self, start: usize, end: usize) -> Option<(usize, usize)> {
        if end <= start || self.spans.is_empty() {
            return None;
        }
        let first = match self.spans.binary_search_by_key(&start, |s| s.0) {
            Ok(k) => k,
            Err(k) => k.checked_sub(1)?,
        };
        let last = match self.spans.binary_search_by_key(&(end - 1), |s| s.0) {
            Ok(k) => k,
            Err(k) => k.checked_sub(1)?,
        };
        let a = self.spans.get(first)?.1;
        let b = self.spans.get(last)?.2;
        Some((a, b))
    }
}

fn starts_with_nonstarter(c: char) -> bool {
    let mut nfkd = std::iter::once(c).nfkd();
    match nfkd.next() {
        Some(first) => canonical_combining_class(first) != 0 || is_kana_voicing(first),
        None => false,
    }
}

/// The (spacing and combining) kana voiced and semi-voiced sound marks: NFKC composes them
/// with the kana before them although the spacing forms have combining class 0.
fn is_kana_voicing(c: char) -> bool {
    matches!(c, '\u{3099}' | '\u{309A}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halfwidth_katakana_with_voicing_mark_maps_back_to_both_chars() {
        let s = "xｶﾞy";
        let n = Normalized::new(s, View::Terms);
        assert_eq!(n.text, "xガy");
        let (a, b) = n.original_range(1, 1 + 'ガ'.len_utf8()).unwrap();
        assert_eq!(&s[a..b], "ｶﾞ");
    }

    #[test]
    fn fullwidth_digits_and_spaces_normalise() {
        let s = "０３－１２３４　５６７８";
        assert_eq!(Normalized::new(s, View::Patterns).text, "03-1234 5678");
        assert_eq!(Normalized::new(s, View::Terms).text, "03-12345678");
    }

    #[test]
    fn ligature_expanding_to_several_chars_maps_to_one_original_char() {
        let s = "a\u{FB01}b"; // ﬁ
        let n = Normalized::new(s, View::Terms);
        assert_eq!(n.text, "afib");
        // Only the "i" half of the ligature still maps to the whole ligature.
        assert_eq!(n.original_range(2, 3), Some((1, 4)));
    }
}
