//! Per-factor actions (`[factors]` in the policy): what sanitize does about one dangerous
//! factor or piece of hidden information, named by its finding code or a code prefix.
//!
//! ```toml
//! [factors]
//! "pdf.uri" = "remove"                      # every link action goes, web links too
//! "ooxml.external_relationship" = "block"   # never release a document that points outside
//! "ooxml.comments" = "remove"
//! "ole" = "block"                           # a prefix: every `ole.*` factor
//! ```
//!
//! - `block` works for every registered code: a file whose inspection or rebuild reports the
//!   factor is not released (reason: the factor's code).
//! - `remove` works for every Medium/High factor (disarm removes those anyway, or blocks the
//!   file when it cannot) and for the Low/Info factors in [`WIRED`] whose handler can remove
//!   them.
//! - `keep` works only for Low/Info factors in [`WIRED`] that the handler can keep. A policy
//!   can never keep a Medium or High factor: such a policy is refused when it is loaded, and
//!   the re-inspection of every output would block the file anyway.

use kiyome_core::{CodeInfo, Severity};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What sanitize does about one factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FactorAction {
    /// Remove (or neutralize) it from the rebuilt file.
    Remove,
    /// Never release a file that carries it.
    Block,
    /// Keep it in the rebuilt file (only Low/Info factors a handler can keep).
    Keep,
}

impl FactorAction {
    /// The name used in policy files and reports.
    pub fn name(self) -> &'static str {
        match self {
            FactorAction::Remove => "remove",
            FactorAction::Block => "block",
            FactorAction::Keep => "keep",
        }
    }
}

/// A factor whose keep/remove choice a handler implements, with what it does by default.
#[derive(Debug, Clone, Copy)]
pub struct Wired {
    /// The finding code.
    pub code: &'static str,
    /// Whether `keep` is implemented.
    pub keep: bool,
    /// Whether `remove` is implemented (beyond what disarm always removes).
    pub remove: bool,
    /// The section switch that gives the default, and what each choice does.
    pub note: &'static str,
}

const fn w(code: &'static str, keep: bool, remove: bool, note: &'static str) -> Wired {
    Wired {
        code,
        keep,
        remove,
        note,
    }
}

/// The factors whose keep/remove choice is wired into a disarm handler. The default of each
/// comes from the section switch named in its note; a `[factors]` entry overrides it.
pub const WIRED: &[Wired] = &[
    w(
        "pdf.uri",
        false,
        true,
        "default: links with the schemes of [pdf] allowed_uri_schemes are kept, all others removed; remove: every URI action goes",
    ),
    w(
        "pdf.acroform",
        true,
        true,
        "default: [pdf] keep_forms; keep: fields stay (without scripts or submit/reset/import actions); remove: the form and its widgets go",
    ),
    w(
        "ooxml.external_relationship",
        false,
        true,
        "default: web hyperlinks kept when [office] keep_web_hyperlinks, every other external relationship removed; remove: web hyperlinks made inert too",
    ),
    w(
        "odf.external_link",
        false,
        true,
        "default: web hyperlinks kept when [office] keep_web_hyperlinks, every other external link removed; remove: web hyperlinks removed too",
    ),
    w(
        "ooxml.comments",
        true,
        true,
        "default: [office] keep_comments; remove: comment parts and their anchors go",
    ),
    w(
        "odf.annotations",
        true,
        true,
        "default: [office] keep_comments; remove: office:annotation elements go",
    ),
    w(
        "ooxml.properties",
        true,
        true,
        "default: [office] keep_properties; remove: author, organisation and custom properties go",
    ),
    w(
        "odf.metadata",
        true,
        true,
        "default: [office] keep_properties; remove: meta.xml is replaced by an empty one",
    ),
    w(
        "ole.summary_properties",
        true,
        true,
        "default: [office] keep_properties; remove: the summary property streams go",
    ),
    w(
        "mail.html_body",
        true,
        true,
        "default: [mail] html; keep: a rebuilt HTML alternative of escaped text (`sanitized`); remove: plain text only (`text`)",
    ),
];

/// The wiring of `code`, if its keep/remove choice is implemented.
pub fn wired(code: &str) -> Option<&'static Wired> {
    WIRED.iter().find(|w| w.code == code)
}

/// Whether the `[factors]` key `key` (a code or a prefix) covers `code`.
pub fn covers(key: &str, code: &str) -> bool {
    let key = key.strip_suffix(".*").unwrap_or(key);
    code == key
        || code
            .strip_prefix(key)
            .is_some_and(|rest| rest.starts_with('.'))
}

/// The action for `code`: the entry with the longest key that covers it.
pub fn lookup(factors: &BTreeMap<String, FactorAction>, code: &str) -> Option<FactorAction> {
    factors
        .iter()
        .filter(|(k, _)| covers(k, code))
        .max_by_key(|(k, _)| k.len())
        .map(|(_, a)| *a)
}

/// Checks every `[factors]` entry against the registered codes; the error says which entry
/// is wrong and why.
pub fn validate(
    factors: &BTreeMap<String, FactorAction>,
    codes: &[&CodeInfo],
) -> Result<(), String> {
    for (key, action) in factors {
        let matching: Vec<&&CodeInfo> = codes.iter().filter(|c| covers(key, c.code)).collect();
        if matching.is_empty() {
            return Err(format!(
                "[factors] \"{key}\": no finding code is `{key}` or starts with `{key}.` (see `kiyome findings`)"
            ));
        }
        let refused: Vec<String> = match action {
            FactorAction::Block => Vec::new(),
            FactorAction::Remove => matching
                .iter()
                .filter(|c| !c.severity.is_dangerous() && !wired(c.code).is_some_and(|w| w.remove))
                .map(|c| c.code.to_string())
                .collect(),
            FactorAction::Keep => {
                if let Some(c) = matching.iter().find(|c| c.severity.is_dangerous()) {
                    return Err(format!(
                        "[factors] \"{key}\" = \"keep\": `{}` is a {} factor (危険因子); a policy can never release it — use \"remove\" or \"block\"",
                        c.code,
                        severity_name(c.severity)
                    ));
                }
                matching
                    .iter()
                    .filter(|c| !wired(c.code).is_some_and(|w| w.keep))
                    .map(|c| c.code.to_string())
                    .collect()
            }
        };
        if !refused.is_empty() {
            let can: Vec<&str> = WIRED
                .iter()
                .filter(|w| match action {
                    FactorAction::Keep => w.keep,
                    _ => w.remove,
                })
                .map(|w| w.code)
                .collect();
            let scope = match action {
                FactorAction::Keep => "only for",
                _ => "for every medium/high factor and for",
            };
            return Err(format!(
                "[factors] \"{key}\" = \"{}\": sanitize cannot {} {} (\"{}\" works {scope}: {}; \"block\" works for every code; hidden information is removed by `kiyome scrub`)",
                action.name(),
                action.name(),
                refused.join(", "),
                action.name(),
                can.join(", ")
            ));
        }
    }
    Ok(())
}

fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Info => "info",
        Severity::Low => "low",
        Severity::Medium => "medium",
        Severity::High => "high",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes() -> Vec<&'static CodeInfo> {
        crate::all_codes()
            .into_iter()
            .flat_map(|(_, t)| t.iter())
            .collect()
    }

    fn map(pairs: &[(&str, FactorAction)]) -> BTreeMap<String, FactorAction> {
        pairs.iter().map(|(k, a)| (k.to_string(), *a)).collect()
    }

    #[test]
    fn prefixes_cover_whole_segments_and_the_longest_key_wins() {
        assert!(covers("pdf", "pdf.uri"));
        assert!(covers("pdf.*", "pdf.uri"));
        assert!(covers("pdf.uri", "pdf.uri"));
        assert!(!covers("pdf.u", "pdf.uri"));
        assert!(!covers("pd", "pdf.uri"));
        let f = map(&[
            ("ooxml", FactorAction::Block),
            ("ooxml.comments", FactorAction::Keep),
        ]);
        assert_eq!(lookup(&f, "ooxml.comments"), Some(FactorAction::Keep));
        assert_eq!(lookup(&f, "ooxml.dde"), Some(FactorAction::Block));
        assert_eq!(lookup(&f, "odf.macro"), None);
    }

    #[test]
    fn no_policy_can_keep_a_dangerous_factor() {
        let all = codes();
        for c in all.iter().filter(|c| c.severity.is_dangerous()) {
            let e = validate(&map(&[(c.code, FactorAction::Keep)]), &all).unwrap_err();
            assert!(e.contains("can never release"), "{}: {e}", c.code);
        }
        // A prefix that covers one dangerous code is refused as a whole.
        let e = validate(&map(&[("ooxml", FactorAction::Keep)]), &all).unwrap_err();
        assert!(e.contains("can never release"), "{e}");
        // Every wired keep is a Low/Info code.
        for w in WIRED.iter().filter(|w| w.keep) {
            let c = all.iter().find(|c| c.code == w.code).expect("registered");
            assert!(!c.severity.is_dangerous(), "{}", w.code);
        }
    }

    #[test]
    fn unknown_codes_and_unwired_choices_are_refused_with_the_reason() {
        let all = codes();
        let e = validate(&map(&[("pdf.url", FactorAction::Remove)]), &all).unwrap_err();
        assert!(e.contains("no finding code"), "{e}");
        let e = validate(
            &map(&[("ooxml.tracked_changes", FactorAction::Remove)]),
            &all,
        )
        .unwrap_err();
        assert!(e.contains("cannot remove ooxml.tracked_changes"), "{e}");
        let e = validate(&map(&[("image.exif", FactorAction::Keep)]), &all).unwrap_err();
        assert!(e.contains("cannot keep image.exif"), "{e}");
        validate(
            &map(&[
                ("pdf.uri", FactorAction::Remove),
                ("pdf.javascript", FactorAction::Remove),
                ("ooxml.external_relationship", FactorAction::Block),
                ("limit", FactorAction::Block),
                ("ooxml.comments", FactorAction::Keep),
            ]),
            &all,
        )
        .unwrap();
    }

    #[test]
    fn every_wired_code_is_registered() {
        let all = codes();
        for w in WIRED {
            assert!(all.iter().any(|c| c.code == w.code), "{}", w.code);
        }
    }
}
