//! `kiyome redact` on PDF through the CLI: `--terms-file`, `--save-plan` and `--plan`
//! replay (same plan, same salt → the same output bytes and report hashes), `--mask-length`,
//! and the refusal when the output fails the leak check (`redact.verify_failed`: exit 1,
//! nothing written).

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

const FIXTURE: &str = "test-corpus/files/redact_japanese_pii.pdf";

#[test]
fn terms_file_save_plan_and_plan_replay_give_the_same_output() {
    let dir = tempfile::tempdir().unwrap();
    let terms = dir.path().join("terms.txt");
    // Shift_JIS, with a comment line: the file's charset is detected.
    // "# 氏名\n山田太郎\n旧住所大阪府\n" in Shift_JIS.
    let sjis: &[u8] = &[
        35, 32, 142, 129, 150, 188, 10, 142, 82, 147, 99, 145, 190, 152, 89, 10, 139, 140, 143, 90,
        143, 138, 145, 229, 141, 227, 149, 123, 10,
    ];
    std::fs::write(&terms, sjis).unwrap();
    let out1 = dir.path().join("a.pdf");
    let plan = dir.path().join("plan.json");
    let r = kiyome(&[
        "redact",
        FIXTURE,
        "--out",
        s(&out1),
        "--terms-file",
        s(&terms),
        "--pii",
        "jp-mynumber",
        "--save-plan",
        s(&plan),
        "--json",
    ]);
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    let j = json(&r);
    let saved: Value = serde_json::from_slice(&std::fs::read(&plan).unwrap()).unwrap();
    assert_eq!(
        saved["terms"],
        serde_json::json!(["山田太郎", "旧住所大阪府"])
    );
    assert_eq!(saved["pii"], serde_json::json!(["jp-mynumber"]));
    assert!(saved["salt"].as_str().is_some_and(|s| !s.is_empty()));
    // Replay: the plan alone reproduces the run.
    let out2 = dir.path().join("b.pdf");
    let r2 = kiyome(&[
        "redact",
        FIXTURE,
        "--out",
        s(&out2),
        "--plan",
        s(&plan),
        "--json",
    ]);
    assert_eq!(
        r2.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r2.stderr)
    );
    let j2 = json(&r2);
    assert_eq!(
        std::fs::read(&out1).unwrap(),
        std::fs::read(&out2).unwrap(),
        "replay differs"
    );
    assert_eq!(
        j["redaction"]["terms"], j2["redaction"]["terms"],
        "term hashes differ"
    );
    let hashes = j["redaction"]["terms"].to_string();
    assert!(
        !hashes.contains("山田"),
        "a term in clear in the report: {hashes}"
    );
    // The output verifies with the same terms.
    let v = kiyome(&[
        "verify",
        s(&out2),
        "--terms-file",
        s(&terms),
        "--pii",
        "jp-mynumber",
    ]);
    assert_eq!(
        v.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&v.stdout)
    );
}

#[test]
fn mask_length_and_hide_positions_from_the_command_line_are_saved_in_the_plan() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.pdf");
    let plan = dir.path().join("p.json");
    let r = kiyome(&[
        "redact",
        FIXTURE,
        "--out",
        s(&out),
        "--term",
        "山田太郎",
        "--mask-length",
        "--hide-positions",
        "--save-plan",
        s(&plan),
    ]);
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    let saved: Value = serde_json::from_slice(&std::fs::read(&plan).unwrap()).unwrap();
    assert_eq!(saved["mask_length"], Value::Bool(true));
    assert_eq!(saved["hide_positions"], Value::Bool(true));
    // Without the flag the plan says so.
    let r = kiyome(&[
        "redact",
        FIXTURE,
        "--out",
        s(&out),
        "--term",
        "山田太郎",
        "--save-plan",
        s(&plan),
    ]);
    assert_eq!(r.status.code(), Some(0));
    let saved: Value = serde_json::from_slice(&std::fs::read(&plan).unwrap()).unwrap();
    assert_eq!(saved["hide_positions"], Value::Bool(false));
}

/// A one-page PDF whose image samples spell `secret` (redaction does not read samples;
/// the verifier scans every stream).
fn leaky_pdf(secret: &str) -> Vec<u8> {
    let samples = format!("....{secret}....").repeat(4);
    let content = "BT /F1 12 Tf 72 700 Td (Hello) Tj ET q 100 0 0 1 72 600 cm /Im Do Q";
    let objs = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> /XObject << /Im 6 0 R >> >> /Contents 4 0 R >>".to_string(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len() + 1),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_string(),
        format!(
            "<< /Type /XObject /Subtype /Image /Width {} /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8 /Length {} >>\nstream\n{samples}\nendstream",
            samples.len(),
            samples.len()
        ),
    ];
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objs.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objs.len() + 1).as_bytes());
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objs.len() + 1
        )
        .as_bytes(),
    );
    out
}

#[test]
fn a_leaking_output_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.pdf");
    std::fs::write(&input, leaky_pdf("KIYOME-SECRET-NAME")).unwrap();
    let out = dir.path().join("out.pdf");
    let r = kiyome(&[
        "redact",
        s(&input),
        "--out",
        s(&out),
        "--term",
        "KIYOME-SECRET-NAME",
        "--json",
    ]);
    assert_eq!(
        r.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    assert!(!out.exists(), "a leaking output was written");
    let j = json(&r);
    let codes: Vec<&str> = j["files"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"redact.verify_failed"), "{codes:?}");
    // The same file without the term in its samples is redacted fine.
    let clean = dir.path().join("clean.pdf");
    std::fs::write(&clean, leaky_pdf("harmless-pixels")).unwrap();
    let r = kiyome(&["redact", s(&clean), "--out", s(&out), "--term", "Hello"]);
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    assert!(out.is_file());
}
