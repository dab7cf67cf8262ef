//! The redaction plan: what to remove (terms, patterns, PII detectors, areas) and how (box
//! colour, whether to hide lengths). Plans are JSON so that a reviewer's selection can be
//! written once and replayed exactly.
//!
//! ```
//! use kiyome_redact::plan::{Category, Plan};
//! let mut plan = Plan::default();
//! plan.terms.push("山田太郎".into());
//! plan.pii.push(kiyome_redact::pii::Detector::JpMyNumber);
//! plan.validate().unwrap();
//! // Half-width, full-width and spaced forms all match; ranges index the original text.
//! let text = "氏名 山田　太郎 番号１２３４５６７８９０１８";
//! let m = plan.find_matches(text);
//! assert_eq!(&text[m[0].start..m[0].end], "山田　太郎");
//! assert_eq!(m[1].category, Category::Pii(kiyome_redact::pii::Detector::JpMyNumber));
//! ```

use crate::normalize::{Normalized, View, normalize_str};
use crate::pii::Detector;
use kiyome_core::Error;
use regex::Regex;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

/// Largest number of terms, patterns or areas in one plan (a plan is written by people).
pub const MAX_RULES: usize = 100_000;

/// A rectangle on one page, in PDF user-space points of the page's default coordinate system
/// (origin at the bottom left of the MediaBox, before /Rotate). For images, pixels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Area {
    /// 1-based page number (for images: 1).
    pub page: u32,
    /// Left edge.
    pub x0: f64,
    /// Bottom edge.
    pub y0: f64,
    /// Right edge.
    pub x1: f64,
    /// Top edge.
    pub y1: f64,
}

impl Area {
    /// Parses `PAGE:X0,Y0,X1,Y1` (coordinates in any order; they are normalised so that
    /// `x0 < x1`, `y0 < y1`).
    pub fn parse(s: &str) -> Result<Area, Error> {
        let bad = || {
            Error::unsupported(format!(
                "area `{s}`: expected PAGE:X0,Y0,X1,Y1 with a page ≥ 1 and four finite numbers"
            ))
        };
        let (page, rest) = s.split_once(':').ok_or_else(bad)?;
        let page: u32 = page.trim().parse().map_err(|_| bad())?;
        let nums: Vec<f64> = rest
            .split(',')
            .map(|n| n.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .map_err(|_| bad())?;
        let [a, b, c, d] = nums.as_slice() else {
            return Err(bad());
        };
        Area {
            page,
            x0: *a,
            y0: *b,
            x1: *c,
            y1: *d,
        }
        .normalized()
        .ok_or_else(bad)
    }

    /// The same area with ordered corners, or `None` when it is not a valid area.
    pub fn normalized(self) -> Option<Area> {
        let ok = self.page >= 1
            && [self.x0, self.y0, self.x1, self.y1]
                .iter()
                .all(|v| v.is_finite());
        ok.then(|| Area {
            page: self.page,
            x0: self.x0.min(self.x1),
            y0: self.y0.min(self.y1),
            x1: self.x0.max(self.x1),
            y1: self.y0.max(self.y1),
        })
    }
}

impl std::fmt::Display for Area {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{},{},{},{}",
            self.page, self.x0, self.y0, self.x1, self.y1
        )
    }
}

/// An RGB colour for the redaction boxes, components from 0 to 1 (default black).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Color(pub [f32; 3]);

impl Default for Color {
    fn default() -> Self {
        Color([0.0, 0.0, 0.0])
    }
}

impl Color {
    /// Parses `#RRGGBB`, `RRGGBB`, or one of `black`, `white`, `gray`.
    pub fn parse(s: &str) -> Result<Color, Error> {
        let bad = || Error::unsupported(format!("colour `{s}`: expected #RRGGBB"));
        match s.to_ascii_lowercase().as_str() {
            "black" => return Ok(Color([0.0; 3])),
            "white" => return Ok(Color([1.0; 3])),
            "gray" | "grey" => return Ok(Color([0.5; 3])),
            _ => {}
        }
        let h = s.strip_prefix('#').unwrap_or(s);
        if h.len() != 6 || !h.is_ascii() {
            return Err(bad());
        }
        let mut c = [0f32; 3];
        for (i, v) in c.iter_mut().enumerate() {
            let byte = u8::from_str_radix(h.get(i * 2..i * 2 + 2).ok_or_else(bad)?, 16)
                .map_err(|_| bad())?;
            *v = f32::from(byte) / 255.0;
        }
        Ok(Color(c))
    }
}

/// Why a piece of text is redacted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// A literal term (`--term`, `--terms-file`).
    Term,
    /// A regular expression (`--regex`).
    Regex,
    /// A PII detector.
    Pii(Detector),
    /// A redaction area (`--area`).
    Area,
}

impl Category {
    /// The name used in reports: `term`, `regex`, `area` or the detector's name.
    pub fn name(self) -> &'static str {
        match self {
            Category::Term => "term",
            Category::Regex => "regex",
            Category::Area => "area",
            Category::Pii(d) => d.name(),
        }
    }
}

/// One match of the plan in a text: a byte range of the *original* text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Match {
    /// Start byte (inclusive) in the original text.
    pub start: usize,
    /// End byte (exclusive) in the original text.
    pub end: usize,
    /// What matched.
    pub category: Category,
    /// For [`Category::Term`] and [`Category::Regex`]: the index of the term or pattern in
    /// the plan.
    pub rule: usize,
}

/// A redaction plan. Serialised as JSON (`--plan FILE`); every field is optional there.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Plan {
    /// Literal terms, matched after NFKC normalisation, case-insensitively, ignoring white
    /// space inside the text.
    pub terms: Vec<String>,
    /// Regular expressions (Rust `regex` syntax), matched on the NFKC text.
    pub regexes: Vec<String>,
    /// PII detectors.
    pub pii: Vec<Detector>,
    /// Areas to clear.
    pub areas: Vec<Area>,
    /// Hide the length of removed text too: removals widen to whole words (Latin text) or
    /// the whole line (CJK text, which has no word delimiter).
    pub mask_length: bool,
    /// Hide the removed width below the box's precision too (PDF): the kept text after a
    /// removal on a line moves forward to the next whole point, as the box edges are whole
    /// points, so no distance in the output tells the width more finely than 1 pt. The rest
    /// of the line then moves by under 1 pt. Off by default: the rest of the page stays
    /// exactly where it was, and positions then reveal the width as precisely as the box.
    pub hide_positions: bool,
    /// The colour of the boxes drawn where content was removed.
    pub box_color: Color,
    /// The salt of the term hashes in reports (hex). Set it to replay a plan with the same
    /// hashes; when absent the CLI draws a random one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub salt: Option<String>,
    /// Compiled patterns, filled on first use; leave it at its default
    /// (`..Plan::default()`). It is rebuilt when the rules change.
    #[serde(skip)]
    pub cache: MatchCache,
}

/// The compiled form of a plan's terms and patterns (internal; see [`Plan::cache`]).
#[derive(Debug, Clone, Default)]
pub struct MatchCache(OnceLock<Compiled>);

#[derive(Debug, Clone)]
struct Compiled {
    source_terms: Vec<String>,
    source_regexes: Vec<String>,
    terms: Vec<String>,
    regexes: Vec<Regex>,
}

impl Compiled {
    fn build(plan: &Plan) -> Compiled {
        Compiled {
            source_terms: plan.terms.clone(),
            source_regexes: plan.regexes.clone(),
            terms: plan
                .terms
                .iter()
                .map(|t| normalize_str(t, View::Terms))
                .collect(),
            // Invalid patterns were refused by `validate`; one that slipped through is
            // skipped (never compiled) rather than failing here.
            regexes: plan
                .regexes
                .iter()
                .filter_map(|r| build_regex(r).ok())
                .collect(),
        }
    }

    fn current(&self, plan: &Plan) -> bool {
        self.source_terms == plan.terms && self.source_regexes == plan.regexes
    }
}

impl Plan {
    /// Reads a plan from JSON.
    pub fn from_json(json: &str) -> Result<Plan, Error> {
        let plan: Plan = serde_json::from_str(json)
            .map_err(|e| Error::parse("plan", format!("redaction plan JSON: {e}")))?;
        plan.validate()?;
        Ok(plan)
    }

    /// The plan as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Adds the terms of a terms file: one term per line, blank lines and lines starting with
    /// `#` ignored, surrounding white space trimmed.
    pub fn add_terms_file(&mut self, text: &str) {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        for line in text.lines() {
            let t = line.trim();
            if !t.is_empty() && !t.starts_with('#') {
                self.terms.push(t.to_string());
            }
        }
        self.cache = MatchCache::default();
    }

    /// Merges another plan into this one (rules appended, flags or-ed; the other plan's
    /// colour and salt win when this one has the defaults).
    pub fn merge(&mut self, other: Plan) {
        self.terms.extend(other.terms);
        self.regexes.extend(other.regexes);
        for d in other.pii {
            if !self.pii.contains(&d) {
                self.pii.push(d);
            }
        }
        self.areas.extend(other.areas);
        self.mask_length |= other.mask_length;
        self.hide_positions |= other.hide_positions;
        if self.box_color == Color::default() {
            self.box_color = other.box_color;
        }
        if self.salt.is_none() {
            self.salt = other.salt;
        }
        self.cache = MatchCache::default();
    }

    /// Checks the plan: patterns compile, terms are not empty after normalisation, areas are
    /// valid, sizes are bounded.
    pub fn validate(&self) -> Result<(), Error> {
        let n = self.terms.len() + self.regexes.len() + self.areas.len();
        if n > MAX_RULES {
            return Err(Error::unsupported(format!(
                "a plan with {n} rules (at most {MAX_RULES})"
            )));
        }
        for (i, t) in self.terms.iter().enumerate() {
            if normalize_str(t, View::Terms).is_empty() {
                return Err(Error::unsupported(format!(
                    "term #{} is empty after normalisation",
                    i + 1
                )));
            }
        }
        for r in &self.regexes {
            build_regex(r)?;
        }
        for a in &self.areas {
            if a.normalized().is_none() {
                return Err(Error::unsupported(format!("area {a}")));
            }
        }
        if self.box_color.0.iter().any(|c| !(0.0..=1.0).contains(c)) {
            return Err(Error::unsupported("box colour outside 0..1".to_string()));
        }
        Ok(())
    }

    /// Whether the plan selects nothing to redact (scrub only).
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
            && self.regexes.is_empty()
            && self.pii.is_empty()
            && self.areas.is_empty()
    }

    /// Whether the plan has text rules (terms, patterns or detectors).
    pub fn has_text_rules(&self) -> bool {
        !(self.terms.is_empty() && self.regexes.is_empty() && self.pii.is_empty())
    }

    fn compiled(&self) -> std::borrow::Cow<'_, Compiled> {
        let c = self.cache.0.get_or_init(|| Compiled::build(self));
        if c.current(self) {
            std::borrow::Cow::Borrowed(c)
        } else {
            std::borrow::Cow::Owned(Compiled::build(self))
        }
    }

    /// Every match of the plan's terms, patterns and detectors in `text`, as byte ranges of
    /// `text` itself, sorted by start. Matches may overlap; see [`merge_ranges`].
    pub fn find_matches(&self, text: &str) -> Vec<Match> {
        let mut out = Vec::new();
        if !self.has_text_rules() || text.is_empty() {
            return out;
        }
        let c = self.compiled();
        if !c.terms.is_empty() {
            let view = Normalized::new(text, View::Terms);
            for (rule, term) in c.terms.iter().enumerate() {
                if term.is_empty() {
                    continue;
                }
                let mut from = 0;
                while let Some(pos) = view.text.get(from..).and_then(|t| t.find(term.as_str())) {
                    let s = from + pos;
                    if let Some((a, b)) = view.original_range(s, s + term.len()) {
                        out.push(Match {
                            start: a,
                            end: b,
                            category: Category::Term,
                            rule,
                        });
                    }
                    // Overlapping occurrences too ("aa" in "aaa" covers all three).
                    from = s + view.text[s..].chars().next().map_or(1, char::len_utf8);
                }
            }
        }
        if !c.regexes.is_empty() || !self.pii.is_empty() {
            let view = Normalized::new(text, View::Patterns);
            for (rule, re) in c.regexes.iter().enumerate() {
                for m in re.find_iter(&view.text) {
                    if let Some((a, b)) = view.original_range(m.start(), m.end()) {
                        out.push(Match {
                            start: a,
                            end: b,
                            category: Category::Regex,
                            rule,
                        });
                    }
                }
            }
            for d in &self.pii {
                for (s, e) in d.find_normalized(&view.text) {
                    if let Some((a, b)) = view.original_range(s, e) {
                        out.push(Match {
                            start: a,
                            end: b,
                            category: Category::Pii(*d),
                            rule: 0,
                        });
                    }
                }
            }
        }
        out.sort_by_key(|m| (m.start, m.end));
        out
    }

    /// The salted hashes of the plan's terms, in term order (see [`salted_hash`]).
    pub fn term_hashes(&self, salt: &str) -> Vec<String> {
        self.terms.iter().map(|t| salted_hash(t, salt)).collect()
    }
}

fn build_regex(r: &str) -> Result<Regex, Error> {
    regex::RegexBuilder::new(r)
        .size_limit(1 << 22)
        .dfa_size_limit(1 << 22)
        .build()
        .map_err(|e| Error::unsupported(format!("regular expression #: {e}")))
        .and_then(|re| {
            if re.is_match("") {
                Err(Error::unsupported(
                    "a regular expression that matches the empty string".to_string(),
                ))
            } else {
                Ok(re)
            }
        })
}

/// Unions overlapping or touching ranges; the result is sorted and disjoint.
pub fn merge_ranges(mut ranges: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    ranges.retain(|r| r.1 > r.0);
    ranges.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
    for (s, e) in ranges {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// The hash under which a term appears in reports: lower-case hex of
/// SHA-256(salt ‖ 0x00 ‖ NFKC-normalised term). The same term in full or half width hashes the
/// same; without the term, the hash does not reveal it (short, guessable terms such as a phone
/// number can still be confirmed by someone who guesses them and knows the salt).
pub fn salted_hash(term: &str, salt: &str) -> String {
    let mut h = Sha256::new();
    h.update(salt.as_bytes());
    h.update([0u8]);
    h.update(normalize_str(term, View::Terms).as_bytes());
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_terms(terms: &[&str]) -> Plan {
        Plan {
            terms: terms.iter().map(|t| t.to_string()).collect(),
            ..Plan::default()
        }
    }

    #[test]
    fn fullwidth_and_halfwidth_terms_match_each_other() {
        let p = plan_terms(&["ＡＢＣ商事", "ｶﾞｽ"]);
        let text = "abc商事 と ガス会社";
        let m = p.find_matches(text);
        let got: Vec<&str> = m.iter().map(|m| &text[m.start..m.end]).collect();
        assert_eq!(got, vec!["abc商事", "ガス"]);
    }

    #[test]
    fn term_matches_across_spaces_inserted_between_pieces() {
        let p = plan_terms(&["山田太郎"]);
        let text = "申請者 山田 太郎 様";
        let m = p.find_matches(text);
        assert_eq!(m.len(), 1);
        assert_eq!(&text[m[0].start..m[0].end], "山田 太郎");
    }

    #[test]
    fn overlapping_occurrences_are_all_found() {
        let p = plan_terms(&["aa"]);
        let m = p.find_matches("aaa");
        assert_eq!(
            merge_ranges(m.iter().map(|m| (m.start, m.end)).collect()),
            vec![(0, 3)]
        );
    }

    #[test]
    fn regex_and_pii_ranges_map_to_fullwidth_original() {
        let mut p = Plan::default();
        p.pii.push(Detector::JpPhone);
        p.regexes.push(r"ID-\d{3}".into());
        p.validate().unwrap();
        let text = "電話０３－１２３４－５６７８、ＩＤ－１２３";
        let m = p.find_matches(text);
        let got: Vec<(&str, &str)> = m
            .iter()
            .map(|m| (&text[m.start..m.end], m.category.name()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("０３－１２３４－５６７８", "jp-phone"),
                ("ＩＤ－１２３", "regex")
            ]
        );
    }

    #[test]
    fn plan_json_round_trips_and_rejects_unknown_fields() {
        let mut p = plan_terms(&["秘密"]);
        p.pii = vec![Detector::Email, Detector::JpMyNumber];
        p.areas.push(Area::parse("2:10,20,110,40").unwrap());
        p.mask_length = true;
        p.box_color = Color::parse("#FF0000").unwrap();
        let back = Plan::from_json(&p.to_json()).unwrap();
        assert_eq!(back.terms, p.terms);
        assert_eq!(back.pii, p.pii);
        assert_eq!(back.areas, p.areas);
        assert!(back.mask_length);
        assert_eq!(back.box_color, Color([1.0, 0.0, 0.0]));
        assert!(Plan::from_json(r#"{"term":["x"]}"#).is_err());
        assert!(Plan::from_json(r#"{"pii":["jp-unknown"]}"#).is_err());
    }

    #[test]
    fn invalid_rules_are_refused() {
        assert!(Area::parse("0:1,2,3,4").is_err());
        assert!(Area::parse("1:1,2,3").is_err());
        assert!(Area::parse("1:1,2,3,NaN").is_err());
        assert_eq!(
            Area::parse("1:100,200,10,20").unwrap(),
            Area {
                page: 1,
                x0: 10.0,
                y0: 20.0,
                x1: 100.0,
                y1: 200.0
            }
        );
        assert!(plan_terms(&["　 "]).validate().is_err());
        let mut p = Plan::default();
        p.regexes.push("(".into());
        assert!(p.validate().is_err());
        p.regexes = vec!["a*".into()];
        assert!(
            p.validate().is_err(),
            "a pattern matching nothing at all is refused"
        );
    }

    #[test]
    fn salted_hash_is_width_insensitive_and_salt_dependent() {
        assert_eq!(salted_hash("ＡＢＣ", "s"), salted_hash("abc", "s"));
        assert_ne!(salted_hash("abc", "s"), salted_hash("abc", "t"));
        assert_eq!(salted_hash("abc", "s").len(), 64);
    }

    #[test]
    fn terms_file_skips_comments_and_blank_lines() {
        let mut p = Plan::default();
        p.add_terms_file("\u{feff}# names\n山田太郎\n\n  佐藤花子  \r\n");
        assert_eq!(p.terms, vec!["山田太郎", "佐藤花子"]);
    }
}
