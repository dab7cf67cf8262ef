//! The committed fixtures are exactly what the generator writes: it runs twice into fresh
//! directories (the output must be deterministic) and both runs must equal, byte for byte,
//! `test-corpus/files/` and `test-corpus/MANIFEST.tsv`. A fixture edited by hand, a generator
//! change not followed by `cargo run -p kiyome-fixtures`, or a stray file all fail here.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn generate(into: &Path) {
    let out = Command::new(env!("CARGO_BIN_EXE_kiyome-fixtures"))
        .arg(into)
        .output()
        .expect("run kiyome-fixtures");
    assert!(
        out.status.success(),
        "generator failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every file under `root` (relative name → bytes).
fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).expect("read"));
            }
        }
    }
    out
}

fn committed() -> BTreeMap<String, Vec<u8>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut t: BTreeMap<String, Vec<u8>> = tree(&root.join("files"))
        .into_iter()
        .map(|(k, v)| (format!("files/{k}"), v))
        .collect();
    t.insert(
        "MANIFEST.tsv".into(),
        std::fs::read(root.join("MANIFEST.tsv")).expect("MANIFEST.tsv"),
    );
    t
}

#[test]
fn generation_is_deterministic_and_matches_the_committed_fixtures() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    generate(a.path());
    generate(b.path());
    let (first, second) = (tree(a.path()), tree(b.path()));
    let differ: Vec<&String> = first
        .iter()
        .filter(|(k, v)| second.get(*k) != Some(v))
        .map(|(k, _)| k)
        .collect();
    assert!(
        differ.is_empty() && first.len() == second.len(),
        "two runs of the generator differ: {differ:?}"
    );
    let have = committed();
    let mut problems = Vec::new();
    for (name, bytes) in &first {
        match have.get(name) {
            None => problems.push(format!("{name}: generated but not committed")),
            Some(c) if c != bytes => problems.push(format!(
                "{name}: committed bytes differ from the generator ({} vs {} bytes)",
                c.len(),
                bytes.len()
            )),
            Some(_) => {}
        }
    }
    for name in have.keys().filter(|k| !first.contains_key(*k)) {
        problems.push(format!("{name}: committed but not generated"));
    }
    assert!(
        problems.is_empty(),
        "test-corpus is stale; run `cargo run -p kiyome-fixtures`:\n{}",
        problems.join("\n")
    );
    assert!(first.len() > 50, "only {} files generated", first.len());
}
