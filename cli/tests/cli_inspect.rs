//! Golden tests for `kiyome inspect`: exit codes, messages and the JSON report contract of
//! DESIGN.md ("CLI contract").

mod common;

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn kiyome(args: &[&str], cwd: &Path) -> Output {
    Command::new(common::kiyome())
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run kiyome")
}

fn root() -> std::path::PathBuf {
    kiyome_core::corpus::repo_root()
}

/// A minimal ELF header: executables are dangerous whatever their name.
fn write_elf(dir: &Path) -> std::path::PathBuf {
    let p = dir.join("invoice.pdf");
    let mut elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3e\0".to_vec();
    elf.resize(64, 0);
    std::fs::write(&p, elf).expect("write");
    p
}

#[test]
fn clean_file_exits_0_with_the_golden_human_report() {
    let out = kiyome(&["inspect", "test-corpus/files/plain_ascii.txt"], &root());
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "OK      test-corpus/files/plain_ascii.txt — text\n\n\
         inspect: 1 released/合格, 0 blocked/遮断\n"
    );
}

#[test]
fn dangerous_file_exits_1_and_names_the_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let elf = write_elf(dir.path());
    let out = kiyome(&["inspect", &elf.to_string_lossy()], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("BLOCKED"), "{text}");
    assert!(text.contains("kind.executable"), "{text}");
    assert!(text.contains("0 released/合格, 1 blocked/遮断"), "{text}");
}

#[test]
fn every_dangerous_fixture_exits_1() {
    let manifest = std::fs::read_to_string(root().join("test-corpus/MANIFEST.tsv")).expect("read");
    for row in manifest.lines().skip(1) {
        let cols: Vec<&str> = row.split('\t').collect();
        if cols.get(1) != Some(&"true") {
            continue;
        }
        let path = format!("test-corpus/files/{}", cols[0]);
        let out = kiyome(&["inspect", "--json", &path], &root());
        assert_eq!(
            out.status.code(),
            Some(1),
            "{path} should be flagged (exit 1)"
        );
    }
}

#[test]
fn missing_file_exits_2_with_a_bilingual_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = kiyome(&["inspect", "no-such-file.pdf"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no-such-file.pdf"), "{err}");
    assert!(err.contains("cannot read"), "English message: {err}");
    assert!(err.contains("読めません"), "Japanese message: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn usage_errors_exit_2() {
    let out = kiyome(&["inspect"], &root());
    assert_eq!(out.status.code(), Some(2));
    let out = kiyome(&["inspect", "--no-such-flag", "x"], &root());
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn json_report_has_every_field_of_the_contract() {
    let dir = tempfile::tempdir().expect("tempdir");
    let elf = write_elf(dir.path());
    let clean = root().join("test-corpus/files/plain_ascii.txt");
    let out = kiyome(
        &[
            "inspect",
            "--json",
            &clean.to_string_lossy(),
            &elf.to_string_lossy(),
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert_eq!(v["tool"], "kiyome");
    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(v["command"], "inspect");
    assert_eq!(v["summary"]["released"], 1);
    assert_eq!(v["summary"]["blocked"], 1);
    let files = v["files"].as_array().expect("files");
    assert_eq!(files.len(), 2, "one report per input, in input order");
    let registered = common::registered_codes();
    for f in files {
        let problems = common::report_problems(f, &registered);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(f["sha256"].as_str().map(str::len), Some(64));
        assert_eq!(f["methods"], serde_json::json!(["dangerous_factor_check"]));
    }
    let (c, e) = (&files[0], &files[1]);
    assert_eq!(c["path"], clean.to_string_lossy().as_ref());
    assert_eq!(c["verdict"], "released");
    assert_eq!(c["size"], std::fs::metadata(&clean).expect("stat").len());
    assert_eq!(e["verdict"], "blocked");
    assert_eq!(e["reason"], "kind.executable");
    assert_eq!(e["kind"], "elf");
    assert_eq!(e["claimed_kind"], "pdf");
    let codes = common::codes_of(e);
    assert!(
        codes.contains("kind.executable") && codes.contains("kind.mismatch"),
        "{codes:?}"
    );
    let f = &e["findings"][0];
    for key in ["code", "severity", "location", "action", "detail"] {
        assert!(f.get(key).is_some(), "finding lacks {key}: {f}");
    }
}

#[test]
fn json_report_is_deterministic() {
    let fixtures = root().join("test-corpus/files");
    let a = kiyome(&["inspect", "--json", &fixtures.to_string_lossy()], &root());
    let b = kiyome(&["inspect", "--json", &fixtures.to_string_lossy()], &root());
    assert_eq!(a.stdout, b.stdout, "two runs over the fixtures differ");
}
