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

/// Every member of a zip package, decompressed and concatenated with its name.
fn unzipped(path: &Path) -> Vec<u8> {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut out = Vec::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        out.extend_from_slice(f.name().unwrap().as_bytes());
        f.read_to_end(&mut out).unwrap();
    }
    out
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn scrub_and_redact_flags_keep_or_remove_hidden_content() {
    let dir = tempfile::tempdir().unwrap();
    let run = |cmd: &str, input: &str, out: &str, flags: &[&str]| {
        let out = dir.path().join(out);
        let mut a = vec![cmd, input, "--out", s(&out)];
        if cmd == "redact" {
            a.extend(["--term", "山田太郎"]);
        }
        a.extend(flags);
        let o = kiyome(&a);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{cmd} {flags:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        unzipped(&out)
    };
    let docx = fixture("redact_docx_hidden_info.docx");
    let hidden = "隠し文字";
    assert!(!contains(&run("scrub", &docx, "a.docx", &[]), hidden));
    assert!(contains(
        &run("scrub", &docx, "b.docx", &["--keep-hidden-text"]),
        hidden
    ));
    assert!(contains(
        &run("redact", &docx, "c.docx", &["--keep-hidden"]),
        hidden
    ));
    // The last flag wins; --keep-hidden is overridden per kind.
    assert!(!contains(
        &run(
            "scrub",
            &docx,
            "d.docx",
            &["--keep-hidden-text", "--remove-hidden-text"]
        ),
        hidden
    ));
    assert!(!contains(
        &run(
            "redact",
            &docx,
            "e.docx",
            &["--keep-hidden", "--remove-hidden-text"]
        ),
        hidden
    ));

    let xlsx = fixture("redact_xlsx_hidden_info.xlsx");
    assert!(!contains(&run("scrub", &xlsx, "a.xlsx", &[]), "<f>1+1</f>"));
    assert!(contains(
        &run("scrub", &xlsx, "b.xlsx", &["--keep-hidden-cells"]),
        "<f>1+1</f>"
    ));

    let pptx = fixture("redact_pptx_hidden_info.pptx");
    assert!(!contains(
        &run("scrub", &pptx, "a.pptx", &[]),
        "notesSlides/"
    ));
    assert!(contains(
        &run("scrub", &pptx, "b.pptx", &["--keep-notes"]),
        "notesSlides/"
    ));
    // Notes kept by the flag are not a leak for scrub, but `kiyome verify` reports them.
    let o = kiyome(&["verify", s(&dir.path().join("b.pptx"))]);
    assert_eq!(o.status.code(), Some(1), "verify reports kept notes");
}
