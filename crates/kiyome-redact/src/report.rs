//! What a redaction did ([`RedactionReport`]) and what a leak check found ([`LeakReport`]).
//!
//! Neither ever holds the redacted text: terms appear as salted hashes
//! ([`crate::plan::salted_hash`]), matches only as counts per page or part and category.

use crate::plan::{Category, Plan, salted_hash};
use kiyome_core::{Action, Finding, Severity};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Counts for one page (PDF: `page 3`) or part (Office: the member name; images: `image`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartCounts {
    /// The page or part.
    pub part: String,
    /// Text matches removed.
    pub hits: u64,
    /// Areas applied.
    pub areas: u64,
    /// Matches (and areas) by category name (`term`, `regex`, `area`, detector names).
    pub categories: BTreeMap<String, u64>,
}

/// The report of one redaction (or scrub).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RedactionReport {
    /// The salt of [`RedactionReport::term_hashes`] (hex).
    pub salt: String,
    /// One salted hash per term of the plan, in plan order.
    pub term_hashes: Vec<String>,
    /// Matches removed per term, aligned with `term_hashes`.
    pub term_hits: Vec<u64>,
    /// Number of regular expressions in the plan (their text is not reported either).
    pub regexes: usize,
    /// PII detectors applied.
    pub pii: Vec<String>,
    /// Whether lengths were masked (`--mask-length`).
    pub mask_length: bool,
    /// Whether kept text was moved to whole points (`--hide-positions`).
    #[serde(default)]
    pub hide_positions: bool,
    /// Per page or part, in document order; parts without hits or areas are omitted.
    pub parts: Vec<PartCounts>,
    /// Totals by category.
    pub categories: BTreeMap<String, u64>,
    /// Everything removed, converted or kept besides the matches: metadata, outlines,
    /// annotations, attachments, scripts, unused glyphs… (findings with their actions).
    pub removed: Vec<Finding>,
}

impl RedactionReport {
    /// An empty report for `plan`, hashing its terms with `salt`.
    pub fn new(plan: &Plan, salt: &str) -> Self {
        RedactionReport {
            salt: salt.to_string(),
            term_hashes: plan.terms.iter().map(|t| salted_hash(t, salt)).collect(),
            term_hits: vec![0; plan.terms.len()],
            regexes: plan.regexes.len(),
            pii: plan.pii.iter().map(|d| d.name().to_string()).collect(),
            mask_length: plan.mask_length,
            hide_positions: plan.hide_positions,
            ..RedactionReport::default()
        }
    }

    fn part_mut(&mut self, part: &str) -> &mut PartCounts {
        // Parts arrive in document order, so the last one is almost always the one wanted.
        let pos = self.parts.iter().rposition(|p| p.part == part);
        let idx = match pos {
            Some(i) => i,
            None => {
                self.parts.push(PartCounts {
                    part: part.to_string(),
                    ..PartCounts::default()
                });
                self.parts.len() - 1
            }
        };
        &mut self.parts[idx]
    }

    /// Records one removed match in `part`.
    pub fn record_hit(&mut self, part: &str, category: Category, rule: usize) {
        if category == Category::Term
            && let Some(n) = self.term_hits.get_mut(rule)
        {
            *n += 1;
        }
        let name = category.name().to_string();
        *self.categories.entry(name.clone()).or_default() += 1;
        let p = self.part_mut(part);
        p.hits += 1;
        *p.categories.entry(name).or_default() += 1;
    }

    /// Records one area applied in `part`.
    pub fn record_area(&mut self, part: &str) {
        *self.categories.entry("area".into()).or_default() += 1;
        let p = self.part_mut(part);
        p.areas += 1;
        *p.categories.entry("area".into()).or_default() += 1;
    }

    /// Records something removed besides the matches.
    pub fn removed(&mut self, f: Finding) {
        self.removed.push(f);
    }

    /// Total matches removed.
    pub fn total_hits(&self) -> u64 {
        self.parts.iter().map(|p| p.hits).sum()
    }
}

/// One leak found by `verify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leak {
    /// A `verify.*` code (see [`crate::CODES`]).
    pub code: String,
    /// Where (page, object, part, encoding).
    pub location: String,
    /// What leaked: `term`, a detector's name, or `structure` for structural checks.
    pub category: String,
    /// For terms: the salted hash of the term found (never the term).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub term_hash: Option<String>,
    /// Detail (never the matched text).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

/// The result of an independent leak check.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeakReport {
    /// The checks that ran (`text`, `bytes:utf-16be`, `revisions`, `metadata`…).
    pub checks: Vec<String>,
    /// Leaks found; empty means the file passed.
    pub leaks: Vec<Leak>,
}

/// Most leaks listed per code: a failing file says where, not everything.
const LEAKS_PER_CODE: usize = 50;

impl LeakReport {
    /// Whether no leak was found.
    pub fn is_clean(&self) -> bool {
        self.leaks.is_empty()
    }

    /// Notes that a check ran.
    pub fn ran(&mut self, check: impl Into<String>) {
        let c = check.into();
        if !self.checks.contains(&c) {
            self.checks.push(c);
        }
    }

    /// Adds a leak (past [`LEAKS_PER_CODE`] of one code, later ones are dropped; the file
    /// fails either way).
    pub fn add(&mut self, leak: Leak) {
        let n = self.leaks.iter().filter(|l| l.code == leak.code).count();
        if n < LEAKS_PER_CODE && !self.leaks.contains(&leak) {
            self.leaks.push(leak);
        }
    }

    /// Adds a structural leak (no term involved).
    pub fn structural(
        &mut self,
        code: &str,
        location: impl Into<String>,
        detail: impl Into<String>,
    ) {
        self.add(Leak {
            code: code.to_string(),
            location: location.into(),
            category: "structure".into(),
            term_hash: None,
            detail: detail.into(),
        });
    }

    /// The leaks as report findings (severity Medium: a failed verification blocks).
    pub fn findings(&self, action: Action) -> Vec<Finding> {
        self.leaks
            .iter()
            .map(|l| {
                let mut detail = l.category.clone();
                if let Some(h) = &l.term_hash {
                    detail.push_str(&format!(" {h}"));
                }
                if !l.detail.is_empty() {
                    detail.push_str(&format!(": {}", l.detail));
                }
                Finding::new(&l.code, Severity::Medium, l.location.clone())
                    .detail(detail)
                    .action(action)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_part_category_and_term_without_the_text() {
        let plan = Plan {
            terms: vec!["山田太郎".into(), "佐藤".into()],
            ..Plan::default()
        };
        let mut r = RedactionReport::new(&plan, "00ff");
        r.record_hit("page 1", Category::Term, 1);
        r.record_hit("page 1", Category::Term, 1);
        r.record_hit("page 2", Category::Pii(crate::pii::Detector::JpPhone), 0);
        r.record_area("page 2");
        assert_eq!(r.term_hits, vec![0, 2]);
        assert_eq!(r.parts.len(), 2);
        assert_eq!(r.parts[1].categories.get("jp-phone"), Some(&1));
        assert_eq!(r.categories.get("area"), Some(&1));
        assert_eq!(r.total_hits(), 3);
        let json = serde_json::to_string(&r).unwrap();
        assert!(!json.contains("山田") && !json.contains("佐藤"));
        let back: RedactionReport = serde_json::from_str(&json).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    fn leak_report_caps_per_code_and_maps_to_blocking_findings() {
        let mut l = LeakReport::default();
        assert!(l.is_clean());
        for i in 0..80 {
            l.structural("verify.revisions", format!("xref {i}"), "");
        }
        assert_eq!(l.leaks.len(), LEAKS_PER_CODE);
        let f = l.findings(Action::Blocked);
        assert!(f.iter().all(|f| f.severity.is_dangerous()));
    }
}
