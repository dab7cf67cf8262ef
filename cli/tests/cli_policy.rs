//! `kiyome policy show` and `--policy FILE`: the effective policy is printed with comments and
//! loads back; a custom policy changes a verdict; a bad policy file is a usage error (exit 2)
//! whose message names the key.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn kiyome(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kiyome"))
        .args(args)
        .current_dir(kiyome_core::corpus::repo_root())
        .output()
        .expect("run kiyome")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn write(dir: &Path, name: &str, body: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).expect("write policy");
    p
}

#[test]
fn policy_show_prints_every_section_commented_and_loads_back() {
    let out = kiyome(&["policy", "show"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(
        shown.starts_with("# kiyome effective policy (sha256 "),
        "{shown}"
    );
    for section in [
        "[modes]",
        "[factors]",
        "[limits]",
        "[mail]",
        "[pdf]",
        "[image]",
        "[archive]",
        "[office]",
        "[image_pdf]",
        "[libreoffice]",
    ] {
        assert!(shown.contains(&format!("\n{section}\n")), "no {section}");
    }
    assert!(
        shown.contains("# Largest input file accepted, in bytes.\nmax_input_bytes = 268435456\n")
    );
    assert!(shown.contains("embedded_objects = \"sanitize\""));
    assert!(
        shown.contains("\"ooxml.comments\"               keep"),
        "{shown}"
    );

    // What it prints is a policy file that gives the same policy (same hash).
    let dir = tempfile::tempdir().expect("temp dir");
    let p = write(dir.path(), "shown.toml", &shown);
    let again = kiyome(&["policy", "show", "--policy", p.to_str().expect("utf-8")]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
    assert_eq!(text(&again.stdout), shown);
}

#[test]
fn policy_show_reflects_a_custom_policy() {
    let dir = tempfile::tempdir().expect("temp dir");
    let p = write(
        dir.path(),
        "p.toml",
        "version = \"city-3\"\n[factors]\n\"ooxml.comments\" = \"remove\"\n\"pdf.uri\" = \"remove\"\n",
    );
    let out = kiyome(&["policy", "show", "--policy", p.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(shown.contains("version = \"city-3\""));
    assert!(shown.contains("\"ooxml.comments\" = \"remove\""), "{shown}");
    assert!(
        shown.contains("\"pdf.uri\"                      remove"),
        "{shown}"
    );
    let default = text(&kiyome(&["policy", "show"]).stdout);
    assert_ne!(shown.lines().next(), default.lines().next(), "same sha256");
}

fn sanitize(policy: Option<&Path>, input: &str, out: &Path) -> (Option<i32>, Value) {
    let mut args = vec![
        "sanitize",
        "--json",
        "--out",
        out.to_str().expect("utf-8"),
        input,
    ];
    if let Some(p) = policy {
        args.extend(["--policy", p.to_str().expect("utf-8")]);
    }
    let o = kiyome(&args);
    let report: Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&o.stderr)));
    (o.status.code(), report)
}

#[test]
fn a_custom_policy_changes_the_verdict() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = "test-corpus/files/pptx_unc_hyperlink.pptx";
    let (code, report) = sanitize(None, input, &dir.path().join("a"));
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["files"][0]["verdict"], "released");

    let p = write(
        dir.path(),
        "strict.toml",
        "[factors]\n\"ooxml.external_relationship\" = \"block\"\n",
    );
    let (code, report) = sanitize(Some(&p), input, &dir.path().join("b"));
    assert_eq!(code, Some(1), "{report}");
    let file = &report["files"][0];
    assert_eq!(file["verdict"], "blocked");
    assert_eq!(file["reason"], "ooxml.external_relationship");
    assert!(
        !dir.path()
            .join("b")
            .join("pptx_unc_hyperlink.pptx")
            .exists(),
        "a blocked file was written"
    );
    assert_ne!(report["policy_sha256"], Value::Null);

    // A mode for one kind: the same file, text only.
    let p = write(dir.path(), "text.toml", "[modes]\npptx = \"text\"\n");
    let (code, report) = sanitize(Some(&p), input, &dir.path().join("c"));
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["files"][0]["output"]["kind"], "text");
}

/// Runs `sanitize` with a policy file holding `body`; it must be refused before any input is
/// touched: exit 2, nothing written, and stderr naming the problem.
fn refused(body: &str, expect: &[&str]) {
    let dir = tempfile::tempdir().expect("temp dir");
    let p = write(dir.path(), "bad.toml", body);
    let out_dir = dir.path().join("out");
    let o = kiyome(&[
        "sanitize",
        "--out",
        out_dir.to_str().expect("utf-8"),
        "--policy",
        p.to_str().expect("utf-8"),
        "test-corpus/files/plain_ascii.txt",
    ]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{body}: {err}");
    assert!(
        err.contains("invalid policy") && err.contains("ポリシーが不正です"),
        "{err}"
    );
    for e in expect {
        assert!(err.contains(e), "{body}: stderr lacks `{e}`: {err}");
    }
    assert!(
        !out_dir.exists(),
        "{body}: output written under a refused policy"
    );
    // `policy show` refuses it the same way.
    let o = kiyome(&["policy", "show", "--policy", p.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_bad_policy_file_is_a_usage_error_naming_the_key() {
    refused("defualt_mode = \"text\"\n", &["defualt_mode"]);
    refused("[office]\nkeep_comment = false\n", &["keep_comment"]);
    refused("default_mode = \"shred\"\n", &["shred"]);
    refused("[pdf]\nkeep_forms = \"yes\"\n", &["keep_forms"]);
    refused("[modes]\njpg = \"text\"\n", &["[modes] \"jpg\""]);
    refused(
        "[factors]\n\"pdf.url\" = \"remove\"\n",
        &["\"pdf.url\"", "no finding code"],
    );
    refused("[factors]\n\"pdf.uri\" = \"delete\"\n", &["delete"]);
    refused("[image]\njpeg_quality = 0\n", &["jpeg_quality"]);
    refused("[limits]\nmax_depth = 0\n", &["max_depth"]);
    refused("not toml [", &["invalid policy"]);
}

#[test]
fn no_policy_can_release_a_dangerous_factor() {
    refused(
        "[factors]\n\"pdf.javascript\" = \"keep\"\n",
        &["pdf.javascript", "high", "can never release"],
    );
    refused(
        "[factors]\n\"ooxml.external_relationship\" = \"keep\"\n",
        &["ooxml.external_relationship", "medium"],
    );
    refused("[factors]\nooxml = \"keep\"\n", &["can never release"]);
    refused(
        "[pdf]\nallowed_uri_schemes = [\"https\", \"file\"]\n",
        &["allowed_uri_schemes", "`file`"],
    );
    refused(
        "[factors]\n\"ooxml.tracked_changes\" = \"remove\"\n",
        &["cannot remove ooxml.tracked_changes"],
    );
}
