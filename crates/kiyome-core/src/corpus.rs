//! Finding the shared real-world corpus from tests.
//!
//! The corpus lives beside the repository (`../shared/corpus/`) and is never copied into it.
//! `KIYOME_CORPUS` overrides the location. Tests that need it call [`shared_corpus`]: under CI
//! (`CI=true`) a missing corpus fails the test; elsewhere the test is skipped with a notice.
//!
//! Independent peer tools (pdfid, olevba, qpdf, exiftool…) are found by [`peer_tool`] with one
//! convention for every test: `$KIYOME_PEERS_BIN`, then `$KIYOME_VENV/bin`, then the
//! repository's `.venv/bin` (created by `scripts/install-deps.sh`), then `PATH`.

use std::path::{Path, PathBuf};

/// Whether we run under CI (`CI=true`), where missing corpora and peer tools are failures.
pub fn is_ci() -> bool {
    std::env::var("CI").map(|v| v == "true").unwrap_or(false)
}

/// The repository root (the directory holding `test-corpus/` and the workspace `Cargo.toml`).
pub fn repo_root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.ancestors()
        .find(|a| a.join("test-corpus").is_dir() && a.join("Cargo.toml").is_file())
        .map(Path::to_path_buf)
        .unwrap_or(here)
}

/// Looks a peer tool up without printing anything: `$KIYOME_PEERS_BIN/<name>`,
/// `$KIYOME_VENV/bin/<name>`, `<repo>/.venv/bin/<name>`, then every directory of `PATH`.
pub fn find_peer_tool(name: &str) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    if let Some(d) = std::env::var_os("KIYOME_PEERS_BIN") {
        dirs.push(PathBuf::from(d));
    }
    if let Some(v) = std::env::var_os("KIYOME_VENV") {
        dirs.push(PathBuf::from(v).join("bin"));
    }
    dirs.push(repo_root().join(".venv").join("bin"));
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    dirs.into_iter().map(|d| d.join(name)).find(|p| p.is_file())
}

/// The peer tool `name` for a test: `Some(path)`, or `None` after printing a skip notice.
/// Panics under CI, where `scripts/install-deps.sh` must have installed it.
pub fn peer_tool(name: &str) -> Option<PathBuf> {
    match find_peer_tool(name) {
        Some(p) => Some(p),
        None if is_ci() => panic!(
            "peer tool `{name}` is missing under CI: run scripts/install-deps.sh \
             (looked in $KIYOME_PEERS_BIN, $KIYOME_VENV/bin, .venv/bin and PATH)"
        ),
        None => {
            eprintln!(
                "NOTICE: peer tool `{name}` not found; test skipped \
                 (run scripts/install-deps.sh or set KIYOME_PEERS_BIN)"
            );
            None
        }
    }
}

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
        None if is_ci() => {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peer_lookup_falls_back_to_path() {
        // `sh` is on PATH on every machine we run on; a made-up name is found nowhere.
        assert!(find_peer_tool("sh").is_some());
        assert!(find_peer_tool("kiyome-no-such-peer-tool").is_none());
    }

    #[test]
    fn repo_root_holds_the_fixtures() {
        assert!(repo_root().join("test-corpus").is_dir());
    }
}
