//! False positives of script detection by content: every text-like file of the shared corpus
//! and of `test-corpus/files/` (text, CSV, markup and mail, whatever its name) is run through
//! [`script_kind`]. Only files that are scripts on purpose may read as one: fixtures whose
//! manifest expects `kind.script`, and files whose name claims a script. The figure is printed
//! (it is quoted in docs/compatibility.md).

use kiyome_core::{KindClass, corpus, script_kind, sniff};
use std::path::{Path, PathBuf};

/// Fixture names whose manifest row expects `kind.script`.
fn expected_scripts() -> Vec<String> {
    let manifest = corpus::repo_root().join("test-corpus/MANIFEST.tsv");
    std::fs::read_to_string(manifest)
        .expect("test-corpus/MANIFEST.tsv")
        .lines()
        .skip(1)
        .filter_map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            (cols.len() > 2 && cols[2].split(',').any(|c| c == "kind.script"))
                .then(|| cols[0].to_string())
        })
        .collect()
}

fn text_like(files: &[PathBuf]) -> Vec<(PathBuf, String)> {
    files
        .iter()
        .filter_map(|p| {
            let data = std::fs::read(p).ok()?;
            let det = sniff(&data, p.file_name().and_then(|n| n.to_str()));
            let texty = det.charset.is_some()
                || matches!(
                    det.kind.class(),
                    KindClass::Text | KindClass::Markup | KindClass::Mail | KindClass::Script
                );
            texty.then(|| (p.clone(), kiyome_core::charset::decode_guess(&data).0))
        })
        .collect()
}

fn name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[test]
fn only_intended_scripts_read_as_scripts() {
    let mut files = corpus::files_under(&corpus::fixtures_dir());
    if let Some(shared) = corpus::shared_corpus("script false positives") {
        files.extend(
            corpus::files_under(&shared)
                .into_iter()
                .filter(|p| !matches!(name(p).as_str(), "MANIFEST.tsv" | "README.md")),
        );
    }
    let intended = expected_scripts();
    let texts = text_like(&files);
    let (mut detected, mut false_pos, mut missed) = (0, Vec::new(), Vec::new());
    for (path, text) in &texts {
        let n = name(path);
        let claims_script = kiyome_core::Kind::from_file_name(&n)
            .map(|k| k.class() == KindClass::Script)
            .unwrap_or(false);
        let want = intended.contains(&n) || claims_script;
        match script_kind(text) {
            Some(k) => {
                detected += 1;
                if !want {
                    false_pos.push(format!("{} read as {k}", path.display()));
                }
            }
            None if intended.contains(&n) => {
                // Shortcuts, HTA and WSF are recognised by sniff's markup and INI checks.
                let k = sniff(text.as_bytes(), None).kind;
                if k.class() != KindClass::Script && k.class() != KindClass::Shortcut {
                    missed.push(n);
                }
            }
            None => {}
        }
    }
    eprintln!(
        "script detection: {} text-like files, {detected} read as scripts, {} false positives, {} intended scripts missed",
        texts.len(),
        false_pos.len(),
        missed.len()
    );
    assert!(texts.len() > 30, "only {} text-like files", texts.len());
    assert!(
        false_pos.is_empty(),
        "false positives:\n{}",
        false_pos.join("\n")
    );
    assert!(missed.is_empty(), "intended scripts missed: {missed:?}");
}
