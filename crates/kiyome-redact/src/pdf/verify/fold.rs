//! The leak check's own term matcher, independent of the plan's normaliser (which the
//! redaction side uses to decide what to remove): a text and every term are folded the same
//! way — NFKC, lower case, dash look-alikes to `-`, white space, controls and invisible
//! format characters dropped — and a term leaks when its folded form occurs in a folded text.

use regex::RegexSet;
use unicode_normalization::UnicodeNormalization;

/// Folds `s` for comparison.
pub(crate) fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.nfkc() {
        if c.is_whitespace()
            || c.is_control()
            || matches!(
                c,
                '\u{AD}' | '\u{200B}'..='\u{200F}' | '\u{2060}' | '\u{FEFF}'
            )
        {
            continue;
        }
        let c = match c {
            '\u{2010}'..='\u{2015}'
            | '\u{2212}'
            | '\u{30FC}'
            | '\u{FF70}'
            | '\u{FE63}'
            | '\u{FF0D}'
            | '\u{2500}'
            | '\u{2501}' => '-',
            _ => c,
        };
        out.extend(c.to_lowercase());
    }
    out
}

/// The plan's terms, folded, compiled into one set.
pub(crate) struct Terms {
    folded: Vec<String>,
    set: Option<RegexSet>,
}

impl Terms {
    pub(crate) fn new(terms: &[String]) -> Terms {
        let folded: Vec<String> = terms.iter().map(|t| fold(t)).collect();
        let pats: Vec<String> = folded
            .iter()
            .filter(|t| !t.is_empty())
            .map(|t| regex::escape(t))
            .collect();
        let set = if pats.is_empty() {
            None
        } else {
            regex::RegexSetBuilder::new(&pats)
                .size_limit(1 << 26)
                .build()
                .ok()
        };
        Terms { folded, set }
    }

    /// Whether there is any term.
    pub(crate) fn is_empty(&self) -> bool {
        self.folded.iter().all(String::is_empty)
    }

    /// Indices (into the plan's terms) of every term found in `text`.
    pub(crate) fn find(&self, text: &str) -> Vec<usize> {
        if self.is_empty() || text.is_empty() {
            return Vec::new();
        }
        let t = fold(text);
        let mut out = Vec::new();
        match &self.set {
            Some(set) => {
                let hit = set.matches(&t);
                if hit.matched_any() {
                    // The set numbers only non-empty terms; map back.
                    let mut k = 0;
                    for (i, f) in self.folded.iter().enumerate() {
                        if f.is_empty() {
                            continue;
                        }
                        if hit.matched(k) {
                            out.push(i);
                        }
                        k += 1;
                    }
                }
            }
            None => {
                for (i, f) in self.folded.iter().enumerate() {
                    if !f.is_empty() && t.contains(f.as_str()) {
                        out.push(i);
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_case_spaces_and_dashes_fold_together() {
        let t = Terms::new(&[
            "山田太郎".into(),
            "ABC-1".into(),
            "".into(),
            "03-1234".into(),
        ]);
        assert_eq!(t.find("申請者 山田　太郎 様"), vec![0]);
        assert_eq!(t.find("ａｂｃ－１"), vec![1]);
        assert_eq!(t.find("電話 03ー1234"), vec![3]);
        assert!(t.find("山田花子").is_empty());
    }
}
