//! Text fidelity of PDF text extraction against poppler's `pdftotext` on the shared corpus.
//!
//! Similarity is the character-multiset overlap of the two texts with whitespace removed:
//! 2·|A∩B| / (|A|+|B|). It judges whether characters were decoded correctly (CID fonts,
//! CMaps, ToUnicode) independently of line-breaking choices.

use kiyome_core::{Budget, Limits};
use std::collections::HashMap;
use std::process::Command;

fn bag(s: &str) -> HashMap<char, usize> {
    let mut m = HashMap::new();
    for c in s.chars().filter(|c| !c.is_whitespace()) {
        *m.entry(c).or_default() += 1;
    }
    m
}

/// Character-multiset similarity in [0, 1].
pub fn similarity(a: &str, b: &str) -> f64 {
    let (ba, bb) = (bag(a), bag(b));
    let na: usize = ba.values().sum();
    let nb: usize = bb.values().sum();
    if na + nb == 0 {
        return 1.0;
    }
    let common: usize = ba
        .iter()
        .map(|(c, n)| (*n).min(*bb.get(c).unwrap_or(&0)))
        .sum();
    2.0 * common as f64 / (na + nb) as f64
}

fn pdftotext(path: &std::path::Path) -> Option<String> {
    let out = Command::new("pdftotext")
        .arg("-q")
        .arg(path)
        .arg("-")
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn pdf_text_matches_pdftotext_on_cjk_and_general_corpus() {
    let Some(corpus) = kiyome_core::corpus::shared_corpus("pdf text fidelity") else {
        return;
    };
    if Command::new("pdftotext").arg("-v").output().is_err() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "pdftotext missing under CI"
        );
        eprintln!("NOTICE: pdftotext not installed; text fidelity test skipped");
        return;
    }
    let mut rows = Vec::new();
    for dir in ["pdf-cjk", "pdf-general"] {
        for path in kiyome_core::corpus::files_under(&corpus.join(dir)) {
            let Some(reference) = pdftotext(&path) else {
                continue;
            };
            if reference.chars().filter(|c| !c.is_whitespace()).count() < 20 {
                continue; // poppler decodes (almost) nothing: no reference to compare with
            }
            let data = std::fs::read(&path).unwrap();
            let budget = Budget::new(&Limits::default());
            let ours = kiyome_convert::pdftext::pdf_text(&data, None, &budget).unwrap_or_default();
            let sim = similarity(&ours, &reference);
            rows.push((
                sim,
                path.file_name().unwrap().to_string_lossy().into_owned(),
            ));
        }
    }
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (sim, name) in &rows {
        eprintln!("{sim:.3}  {name}");
    }
    let below: Vec<_> = rows.iter().filter(|(s, _)| *s < 0.9).collect();
    eprintln!("{} of {} files below 0.9", below.len(), rows.len());
}
