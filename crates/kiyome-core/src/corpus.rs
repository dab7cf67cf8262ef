//! Finding the shared real-world corpus from tests.
//!
//! The corpus lives beside the repository (`../shared/corpus/`) and is never copied into it.
//! `KIYOME_CORPUS` overrides the location. Tests that need it call [`shared_corpus`]: under CI
//! (`CI=true`) a missing corpus fails the test; elsewhere the test is skipped with a notice.

use std::path::PathBuf;

/// The shared corpus directory, if present.
pub fn shared_corpus_dir() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("KIYOME_CORPUS") {
        let p = PathBuf::from(p);
        return p.is_dir().then_some(p);
    }
    // crates/<name> or cli/ → repository root → ../shared/corpus
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    for up in here.ancestors().skip(1).take(4) {
        let c = up.join("shared").join("corpus");
        if c.join("MANIFEST.tsv").is_file() {
            return Some(c);
        }
    }
    None
}

/// The corpus directory for a test named `test`: `Some(dir)`, or `None` after printing a
/// skip notice. Panics under CI when the corpus is missing.
pub fn shared_corpus(test: &str) -> Option<PathBuf> {
    match shared_corpus_dir() {
        Some(d) => Some(d),
        None if std::env::var("CI").map(|v| v == "true").unwrap_or(false) => {
            panic!("{test}: the shared corpus (../shared/corpus) is missing under CI")
        }
        None => {
            eprintln!("NOTICE: {test} skipped: shared corpus not found (set KIYOME_CORPUS)");
            None
        }
    }
}

/// The project's own generated fixtures (`test-corpus/files/`).
pub fn fixtures_dir() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.ancestors()
        .map(|a| a.join("test-corpus").join("files"))
        .find(|p| p.is_dir())
        .unwrap_or_else(|| PathBuf::from("test-corpus/files"))
}

/// Every file under `dir`, sorted, recursively.
pub fn files_under(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        if let Ok(rd) = std::fs::read_dir(&d) {
            for e in rd.flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.is_file() {
                    out.push(p);
                }
            }
        }
    }
    out.sort();
    out
}
