//! Reference documents that are generated from, or describe, the code must stay current.

use std::process::Command;

fn repo_file(rel: &str) -> String {
    let path = kiyome_core::corpus::repo_root().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn docs_findings_md_equals_kiyome_findings_markdown() {
    let out = Command::new(env!("CARGO_BIN_EXE_kiyome"))
        .args(["findings", "--markdown"])
        .output()
        .expect("run kiyome findings");
    assert!(out.status.success());
    let generated = String::from_utf8(out.stdout).expect("UTF-8");
    assert!(
        repo_file("docs/findings.md") == generated,
        "docs/findings.md is stale: run `cargo run -q -p kiyome -- findings --markdown > docs/findings.md`"
    );
}

#[test]
fn docs_limits_md_documents_every_limit_with_its_default() {
    let doc = repo_file("docs/limits.md");
    let defaults = serde_json::to_value(kiyome_core::Limits::default()).expect("serialize");
    let fields = defaults
        .as_object()
        .expect("Limits serializes as an object");
    for (name, value) in fields {
        let row = format!("| `{name}` | {value}");
        assert!(
            doc.lines().any(|l| l.starts_with(&row)),
            "docs/limits.md has no row starting `{row}` (field added or default changed?)"
        );
    }
    // …and no row for a field that no longer exists.
    for line in doc.lines().filter(|l| l.starts_with("| `")) {
        let name = line.split('`').nth(1).unwrap_or("");
        assert!(
            fields.contains_key(name),
            "docs/limits.md documents unknown limit `{name}`"
        );
    }
}
