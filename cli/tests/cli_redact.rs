//! `kiyome redact`, `scrub` and `verify`: exit codes (0 clean, 1 blocked or leak, 2 usage
//! error), no output for refused inputs, the input never modified, the JSON report contract.

mod common;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn kiyome(args: &[&str]) -> Output {
    Command::new(common::kiyome())
        .args(args)
        .current_dir(kiyome_core::corpus::repo_root())
        .output()
        .expect("run kiyome")
}

fn fixture(name: &str) -> String {
    format!("test-corpus/files/{name}")
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn scrub_merges_revisions_removes_info_and_passes_verify_while_input_fails_it() {
    let dir = tempfile::tempdir().unwrap();
    let out: PathBuf = dir.path().join("out.pdf");
    let input = fixture("pdf_js_incremental_update.pdf");
    let before = std::fs::read(kiyome_core::corpus::repo_root().join(&input)).unwrap();
    let r = kiyome(&["scrub", &input, "--out", s(&out), "--json"]);
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    let j = json(&r);
    assert_eq!(j["command"], "scrub");
    assert_eq!(j["files"][0]["verdict"], "released");
    let codes: Vec<&str> = j["files"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    for c in [
        "pdf.metadata_info",
        "pdf.incremental_update",
        "pdf.javascript",
    ] {
        assert!(codes.contains(&c), "{c} missing in {codes:?}");
    }
    assert!(j["verification"]["leaks"].as_array().unwrap().is_empty());
    assert!(out.is_file());
    let v = kiyome(&["verify", s(&out)]);
    assert_eq!(
        v.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&v.stdout)
    );
    let v = kiyome(&["verify", &input, "--json"]);
    assert_eq!(v.status.code(), Some(1));
    let leaks: Vec<String> = json(&v)["verification"]["leaks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["code"].as_str().unwrap().to_string())
        .collect();
    assert!(leaks.contains(&"verify.revisions".to_string()), "{leaks:?}");
    assert!(leaks.contains(&"verify.metadata".to_string()), "{leaks:?}");
    let after = std::fs::read(kiyome_core::corpus::repo_root().join(&input)).unwrap();
    assert_eq!(before, after, "the input was modified");
}

#[test]
fn unsupported_kind_is_refused_with_a_reason_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.bin");
    let r = kiyome(&[
        "redact",
        &fixture("clean_members.zip"),
        "--out",
        s(&out),
        "--term",
        "x",
        "--json",
    ]);
    assert_eq!(r.status.code(), Some(1));
    let j = json(&r);
    assert_eq!(j["files"][0]["verdict"], "blocked");
    assert_eq!(j["files"][0]["reason"], "redact.unsupported_kind");
    assert!(!out.exists(), "a refused file must not be written");
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o.pdf");
    let pdf = fixture("pdf_clean.pdf");
    // Nothing to redact.
    assert_eq!(
        kiyome(&["redact", &pdf, "--out", s(&out)]).status.code(),
        Some(2)
    );
    // Unknown detector, bad area, bad regex.
    for extra in [
        ["--pii", "jp-unknown"],
        ["--area", "0:1,2,3,4"],
        ["--regex", "("],
    ] {
        let mut a = vec!["redact", pdf.as_str(), "--out", s(&out)];
        a.extend(extra);
        assert_eq!(kiyome(&a).status.code(), Some(2), "{extra:?}");
    }
    assert!(!out.exists());
    // The output may not be the input.
    let copy = dir.path().join("in.pdf");
    std::fs::copy(kiyome_core::corpus::repo_root().join(&pdf), &copy).unwrap();
    let before = std::fs::read(&copy).unwrap();
    assert_eq!(
        kiyome(&["scrub", s(&copy), "--out", s(&copy)])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(std::fs::read(&copy).unwrap(), before);
    // Unreadable input.
    assert_eq!(
        kiyome(&["verify", s(&dir.path().join("missing.pdf"))])
            .status
            .code(),
        Some(2)
    );
}
