//! `kiyome redact`, `scrub` and `verify` on Office, ODF and image files: exit codes, the
//! output written only when it verifies, and verify failing the input (exit 1) while it passes
//! the output (exit 0).

mod common;

use serde_json::Value;
use std::path::Path;
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
fn redact_docx_writes_a_verified_output_and_verify_fails_the_input() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.docx");
    let input = fixture("redact_docx_hidden_info.docx");
    let terms = ["--term", "山田太郎", "--pii", "jp-mynumber"];
    let mut a = vec!["verify", input.as_str()];
    a.extend(terms);
    assert_eq!(
        kiyome(&a).status.code(),
        Some(1),
        "the input must fail verify"
    );
    let mut a = vec!["redact", input.as_str(), "--out", s(&out), "--json"];
    a.extend(terms);
    let r = kiyome(&a);
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    let j = json(&r);
    assert_eq!(j["files"][0]["verdict"], "released");
    // The report never carries the term itself.
    assert!(!String::from_utf8_lossy(&r.stdout).contains("山田"));
    assert!(out.is_file());
    let mut a = vec!["verify", s(&out)];
    a.extend(terms);
    let v = kiyome(&a);
    assert_eq!(
        v.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&v.stdout),
        String::from_utf8_lossy(&v.stderr)
    );
}

#[test]
fn scrub_odt_and_jpeg_exit_0_and_their_outputs_verify() {
    let dir = tempfile::tempdir().unwrap();
    for (name, ext) in [
        ("redact_odt_hidden_info.odt", "odt"),
        ("jpeg_gps_exif.jpg", "jpg"),
    ] {
        let out = dir.path().join(format!("out.{ext}"));
        let input = fixture(name);
        assert_eq!(
            kiyome(&["verify", input.as_str()]).status.code(),
            Some(1),
            "{name}: hidden information must fail verify"
        );
        let r = kiyome(&["scrub", input.as_str(), "--out", s(&out)]);
        assert_eq!(
            r.status.code(),
            Some(0),
            "{name}: {}",
            String::from_utf8_lossy(&r.stderr)
        );
        assert_eq!(
            kiyome(&["verify", s(&out)]).status.code(),
            Some(0),
            "{name}"
        );
    }
}
