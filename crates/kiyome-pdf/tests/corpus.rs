//! The shared corpus's PDFs (`../shared/corpus/pdf-*`): no panic, every file released or
//! blocked with a reason; every released output re-inspects clean, passes `qpdf --check`, counts
//! 0 active keywords in pdfid, keeps its page count, and — for inputs without active content —
//! keeps the text pdftotext extracts.

mod common;

use common::*;
use kiyome_pdf::PdfOptions;
use std::time::{Duration, Instant};

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
        if pages(&out) != pages(&data) {
            problems.push(format!(
                "{name}: pages {:?} -> {:?}",
                pages(&data),
                pages(&out)
            ));
        }
        let input = temp_pdf(dir.path(), "in.pdf", &data);
        let output = temp_pdf(dir.path(), "out.pdf", &out);
        if let Some(q) = &qpdf
            && let Err(e) = qpdf_check(q, &output)
        {
            problems.push(format!(
                "{name}: qpdf --check: {}",
                e.lines().last().unwrap_or("")
            ));
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
        {
            let a = pdftotext(tt, &input);
            if a.is_some() {
                text_checked += 1;
                if a != pdftotext(tt, &output) {
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
