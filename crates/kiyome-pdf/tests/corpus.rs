//! The shared corpus's PDFs (`../shared/corpus/pdf-*`): no panic, every file released or
//! blocked with a reason; every released output re-inspects clean, passes `qpdf --check`, counts
//! 0 active keywords in pdfid, keeps its page count, and — for inputs without active content —
//! keeps the text pdftotext extracts.

mod common;

use common::*;
use kiyome_pdf::PdfOptions;
use std::time::{Duration, Instant};

/// Inputs whose text pdftotext reads differently for a reason that is not kiyome's error.
const KNOWN_TEXT_DIFF: &[&str] = &[
    // The last revision frees object 4 (the page content); poppler still reads the freed
    // object, qpdf and kiyome follow the cross-reference data (ISO 32000-1 §7.5.4).
    "qpdf__incremental-3.pdf",
];

fn corpus_pdfs(test: &str) -> Option<Vec<std::path::PathBuf>> {
    let dir = kiyome_core::corpus::shared_corpus(test)?;
    let mut files = Vec::new();
    for cat in [
        "pdf-active",
        "pdf-cjk",
        "pdf-general",
        "pdf-malformed",
        "pdf-redaction",
    ] {
        files.extend(kiyome_core::corpus::files_under(&dir.join(cat)));
    }
    assert!(
        files.len() >= 150,
        "expected the 154 corpus PDFs, found {}",
        files.len()
    );
    Some(files)
}

#[test]
fn corpus_pdfs_disarm_to_outputs_that_independent_tools_accept() {
    let test = "corpus_pdfs_disarm_to_outputs_that_independent_tools_accept";
    let Some(files) = corpus_pdfs(test) else {
        return;
    };
    let qpdf = tool("qpdf", test);
    let pdfid = tool("pdfid", test);
    let totext = tool("pdftotext", test);
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut released, mut blocked, mut text_checked) = (0, Vec::new(), 0);
    let mut problems = Vec::new();
    for path in &files {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let data = std::fs::read(path).expect("read corpus file");
        let t = Instant::now();
        let (before, _) = inspect(&data);
        let (_, r) = disarm(&data, &PdfOptions::default());
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "{name}: too slow ({:?})",
            t.elapsed()
        );
        let out = match r {
            Ok(o) => o.data,
            Err(e) => {
                blocked.push(format!("{name}: {}", e.code()));
                continue;
            }
        };
        released += 1;
        let (again, r2) = inspect(&out);
        if let Err(e) = r2 {
            problems.push(format!("{name}: output does not parse: {e}"));
            continue;
        }
        if !dangerous(&again).is_empty() {
            problems.push(format!("{name}: output still has {:?}", dangerous(&again)));
        }
        let input = temp_pdf(dir.path(), "in.pdf", &data);
        let output = temp_pdf(dir.path(), "out.pdf", &out);
        // Page counts: qpdf's reading of the input is the reference (lopdf counts the pages
        // of a looping tree more than once); a file qpdf finds errors in has no reference.
        let expected = match &qpdf {
            Some(q) if qpdf_code(q, &input) == Some(2) => None,
            Some(q) => qpdf_pages(q, &input),
            None => pages(&data),
        };
        if expected.is_some() && pages(&out) != expected {
            problems.push(format!("{name}: pages {expected:?} -> {:?}", pages(&out)));
        }
        if let Some(q) = &qpdf
            && let Err(e) = qpdf_check(q, &output)
        {
            // Stream data is copied as it is: a stream the input already damaged keeps qpdf's
            // complaint about it, but the output must never be worse than the input.
            // Exit codes by badness: 0 clean, 3 warnings, 2 errors.
            let rank = |c: Option<i32>| match c {
                Some(0) => 0,
                Some(3) => 1,
                _ => 2,
            };
            let input_code = qpdf_code(q, &input);
            let output_code = qpdf_code(q, &output);
            if rank(input_code) == 0 || rank(output_code) > rank(input_code) {
                problems.push(format!(
                    "{name}: qpdf --check: {}",
                    e.lines().last().unwrap_or("")
                ));
            } else {
                eprintln!(
                    "  qpdf: {name} output {output_code:?}, input {input_code:?} (damaged stream data kept)"
                );
            }
        }
        if let Some(p) = &pdfid {
            let c = pdfid_counts(p, &output);
            for k in ACTIVE {
                if c.get(*k).copied().unwrap_or(0) > 0 {
                    problems.push(format!("{name}: pdfid counts {k} in the output"));
                }
            }
        }
        // Text must survive for inputs without active content (nothing Medium/High found).
        if let Some(tt) = &totext
            && dangerous(&before).is_empty()
            && !path.to_string_lossy().contains("pdf-malformed")
        {
            let a = pdftotext(tt, &input);
            if a.is_some() {
                text_checked += 1;
                if a != pdftotext(tt, &output) && !KNOWN_TEXT_DIFF.contains(&name.as_str()) {
                    problems.push(format!("{name}: pdftotext output differs"));
                }
            }
        }
    }
    eprintln!(
        "{} corpus PDFs: {released} released, {} blocked, {text_checked} text-compared",
        files.len(),
        blocked.len()
    );
    for b in &blocked {
        eprintln!("  blocked {b}");
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn corpus_pdfs_inspect_without_panic_within_time() {
    let Some(files) = corpus_pdfs("corpus_pdfs_inspect_without_panic_within_time") else {
        return;
    };
    for path in &files {
        let data = std::fs::read(path).expect("read corpus file");
        let t = Instant::now();
        let _ = inspect(&data);
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "{}: {:?}",
            path.display(),
            t.elapsed()
        );
    }
}
