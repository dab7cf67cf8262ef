//! Expectations: which finding codes and verdict each corpus file must get.
//!
//! Two sources, both plain TSV so that reviewers can read them:
//! - `test-corpus/MANIFEST.tsv` (written by the fixture generator): `name`, `dangerous`
//!   (`true` → must be blocked, `false` → must be released) and `expect` (comma-separated codes
//!   that must all be present); its `sanitize` column (what `kiyome sanitize` must do) is
//!   checked by `cli/tests/cli_sanitize.rs`;
//! - `test-corpus/shared-expectations.tsv` for the shared corpus: `path`, `verdict`
//!   (`blocked`, `released` or `-`), `codes`, `why` (the MANIFEST description it comes from).
//!
//! A `codes` cell is a comma-separated list of requirements, all of which must hold; a
//! requirement is one or more alternatives separated by `|`. An alternative is a code, a
//! prefix ending in `.*` (`limit.*`), or a family: `@macro` (the macro family used by the
//! olevba agreement check) or `@encrypted` (any encryption code). Codes may be found in the
//! file's own findings or in any nested report.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The macro family: a file where olevba finds VBA or XLM must carry one of these.
pub const MACRO_FAMILY: &[&str] = &[
    "ooxml.vba_project",
    "ooxml.xlm_macro_sheet",
    "ole.vba",
    "ole.xlm_macro",
    "odf.macro",
    "sylk.macro",
];

/// Every code that says "encrypted, contents not checked".
pub const ENCRYPTED_FAMILY: &[&str] = &[
    "encrypted",
    "pdf.encrypted",
    "ooxml.encrypted",
    "odf.encrypted",
    "ole.encrypted",
    "archive.encrypted",
    "mail.encrypted_attachment",
];

/// What one file must get.
#[derive(Debug, Clone)]
pub struct Expectation {
    /// `fixtures/<name>` or `shared/<path>`.
    pub label: String,
    /// Required verdict, if any.
    pub verdict: Option<String>,
    /// All of these requirements; each is satisfied by any of its alternatives.
    pub requirements: Vec<Vec<String>>,
    /// Where the expectation comes from.
    pub why: String,
}

fn parse_codes(cell: &str) -> Vec<Vec<String>> {
    cell.split(',')
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(|r| r.split('|').map(|a| a.trim().to_string()).collect())
        .collect()
}

/// Reads `test-corpus/MANIFEST.tsv`.
pub fn fixture_expectations(root: &Path) -> Vec<Expectation> {
    let text = std::fs::read_to_string(root.join("test-corpus/MANIFEST.tsv"))
        .expect("test-corpus/MANIFEST.tsv");
    let mut out = Vec::new();
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        let [name, dangerous, expect, _sha, about, ..] = cols.as_slice() else {
            panic!("malformed MANIFEST.tsv row: {line}");
        };
        out.push(Expectation {
            label: format!("fixtures/{name}"),
            verdict: Some(
                if *dangerous == "true" {
                    "blocked"
                } else {
                    "released"
                }
                .into(),
            ),
            requirements: parse_codes(expect),
            why: about.to_string(),
        });
    }
    out
}

/// Reads `test-corpus/shared-expectations.tsv` (lines starting with `#` are comments).
pub fn shared_expectations(root: &Path) -> Vec<Expectation> {
    let text = std::fs::read_to_string(root.join("test-corpus/shared-expectations.tsv"))
        .expect("test-corpus/shared-expectations.tsv");
    let mut out = Vec::new();
    for line in text.lines().skip(1) {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        let [path, verdict, codes, why, ..] = cols.as_slice() else {
            panic!("malformed shared-expectations.tsv row: {line}");
        };
        out.push(Expectation {
            label: format!("shared/{path}"),
            verdict: (*verdict != "-").then(|| verdict.to_string()),
            requirements: parse_codes(codes),
            why: why.to_string(),
        });
    }
    out
}

fn alternative_holds(alt: &str, codes: &BTreeSet<String>) -> bool {
    match alt {
        "@macro" => MACRO_FAMILY.iter().any(|c| codes.contains(*c)),
        "@encrypted" => ENCRYPTED_FAMILY.iter().any(|c| codes.contains(*c)),
        a if a.ends_with(".*") => {
            let prefix = &a[..a.len() - 1];
            codes.iter().any(|c| c.starts_with(prefix))
        }
        a => codes.contains(a),
    }
}

/// What is missing from `file` (a file report) for `exp`; empty when it is met.
pub fn unmet(exp: &Expectation, file: &Value) -> Vec<String> {
    let codes = super::codes_of(file);
    let mut missing = Vec::new();
    if let Some(v) = &exp.verdict
        && file["verdict"].as_str() != Some(v.as_str())
    {
        missing.push(format!(
            "verdict {} (reason {}), expected {v}",
            file["verdict"].as_str().unwrap_or("?"),
            file["reason"].as_str().unwrap_or("-")
        ));
    }
    for req in &exp.requirements {
        if !req.iter().any(|a| alternative_holds(a, &codes)) {
            missing.push(format!("no {}", req.join("|")));
        }
    }
    missing
}

/// Checks every expectation against the file reports by label; returns the failures as
/// `(label, what is missing, why it was expected, codes it got)`.
pub fn failures(
    expectations: &[Expectation],
    reports: &BTreeMap<String, Value>,
) -> Vec<(String, Vec<String>, String, String)> {
    let mut out = Vec::new();
    for exp in expectations {
        match reports.get(&exp.label) {
            None => out.push((
                exp.label.clone(),
                vec!["no report (file missing or the run failed)".into()],
                exp.why.clone(),
                String::new(),
            )),
            Some(file) => {
                let m = unmet(exp, file);
                if !m.is_empty() {
                    let got: Vec<String> = super::codes_of(file).into_iter().collect();
                    out.push((exp.label.clone(), m, exp.why.clone(), got.join(",")));
                }
            }
        }
    }
    out
}
