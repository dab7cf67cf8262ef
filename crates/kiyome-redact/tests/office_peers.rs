//! Second opinions on redacted and scrubbed Office/ODF outputs from independent tools:
//! LibreOffice converts every output to PDF (and pdftotext finds the kept text but none of the
//! secrets), python-docx / openpyxl / python-pptx open them, exiftool and `mat2 --show` find no
//! metadata left. Each test skips with a notice when its tool is missing, except under
//! `CI=true`.

use kiyome_core::corpus::{find_peer_tool, is_ci, peer_tool};
use kiyome_core::{Budget, Ctx, Limits, NoNesting, sniff};
use kiyome_redact::office::{self, ScrubOptions};
use kiyome_redact::pii::Detector;
use kiyome_redact::{Plan, RedactionReport};
use std::path::{Path, PathBuf};
use std::process::Command;

const FIXTURES: &[&str] = &[
    "redact_docx_hidden_info.docx",
    "redact_xlsx_hidden_info.xlsx",
    "redact_pptx_hidden_info.pptx",
    "redact_odt_hidden_info.odt",
];

fn plan() -> Plan {
    Plan {
        terms: vec!["山田太郎".into()],
        pii: vec![Detector::JpMyNumber, Detector::Email],
        ..Plan::default()
    }
}

/// Redacts (and, with an empty plan, scrubs) every fixture into `dir`; returns the paths.
fn outputs(dir: &Path, plan: &Plan, tag: &str) -> Vec<PathBuf> {
    let mut v = Vec::new();
    for name in FIXTURES {
        let data = std::fs::read(kiyome_core::corpus::fixtures_dir().join(name)).unwrap();
        let kind = sniff(&data, Some(name)).kind;
        let b = Budget::new(&Limits::default());
        let ctx = Ctx::new(&b, &NoNesting);
        let mut report = RedactionReport::new(plan, "00");
        let out = office::redact(
            &data,
            kind,
            plan,
            &ScrubOptions::default(),
            &ctx,
            &mut report,
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        let path = dir.join(format!("{tag}_{name}"));
        std::fs::write(&path, out.data).unwrap();
        v.push(path);
    }
    v
}

#[test]
fn libreoffice_converts_every_output_and_pdftotext_sees_kept_text_but_no_secret() {
    let Some(soffice) = peer_tool("soffice") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut outs = outputs(dir.path(), &plan(), "redacted");
    outs.extend(outputs(dir.path(), &Plan::default(), "scrubbed"));
    let pdf_dir = dir.path().join("pdf");
    let profile = dir.path().join("profile");
    // One soffice process for all of them: its start-up dominates the cost.
    let run = Command::new(&soffice)
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(&pdf_dir)
        .args(&outs)
        .output()
        .expect("run soffice");
    let pdftotext = find_peer_tool("pdftotext");
    for out in &outs {
        let stem = out.file_stem().unwrap().to_string_lossy().to_string();
        let pdf = pdf_dir.join(format!("{stem}.pdf"));
        assert!(
            pdf.is_file() && std::fs::metadata(&pdf).map(|m| m.len()).unwrap_or(0) > 500,
            "LibreOffice could not convert {}: {}",
            out.display(),
            String::from_utf8_lossy(&run.stderr)
        );
        let Some(p2t) = &pdftotext else { continue };
        let text = Command::new(p2t).arg(&pdf).arg("-").output().unwrap();
        let text = String::from_utf8_lossy(&text.stdout).replace([' ', '\n'], "");
        if stem.starts_with("redacted") {
            assert!(!text.contains("山田太郎"), "{stem}: name in the rendering");
            assert!(
                !text.contains("123456789018"),
                "{stem}: My Number in the rendering"
            );
        }
        for secret in ["秘密", "隠し文字", "削除された"] {
            assert!(!text.contains(secret), "{stem}: {secret} rendered");
        }
        if stem.ends_with("docx_hidden_info") {
            assert!(
                text.contains("申請者は") && text.contains("公開する本文"),
                "{stem}: {text}"
            );
        }
    }
}

fn python() -> Option<PathBuf> {
    // The venv of scripts/install-deps.sh (KIYOME_VENV or .venv), else the one on PATH; it
    // must have python-docx, openpyxl and python-pptx.
    let py = find_peer_tool("python").or_else(|| find_peer_tool("python3"))?;
    let ok = Command::new(&py)
        .args(["-c", "import docx, openpyxl, pptx"])
        .status()
        .is_ok_and(|s| s.success());
    ok.then_some(py)
}

#[test]
fn python_docx_openpyxl_and_python_pptx_open_every_output() {
    let Some(py) = python() else {
        assert!(
            !is_ci(),
            "python with python-docx/openpyxl/python-pptx is missing under CI"
        );
        eprintln!("NOTICE: python-docx/openpyxl/python-pptx not found; test skipped");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let outs = outputs(dir.path(), &plan(), "redacted");
    let script = r#"
import sys, docx, openpyxl, pptx
for p in sys.argv[1:]:
    if p.endswith('.docx'):
        d = docx.Document(p)
        text = '\n'.join(x.text for x in d.paragraphs)
        assert '申請者は' in text and '山田' not in text, text
    elif p.endswith('.xlsx'):
        wb = openpyxl.load_workbook(p)
        vals = [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row]
        assert not any('山田' in v or '123456789018' in v for v in vals), vals
        assert '鈴木' not in str(wb.properties.creator), wb.properties.creator
    elif p.endswith('.pptx'):
        pr = pptx.Presentation(p)
        text = ''.join(r.text for s in pr.slides for sh in s.shapes if sh.has_text_frame for para in sh.text_frame.paragraphs for r in para.runs)
        assert '担当' in text and '山田' not in text, text
        assert not any(s.has_notes_slide for s in pr.slides)
print('ok')
"#;
    let o = Command::new(&py)
        .arg("-c")
        .arg(script)
        .args(
            outs.iter()
                .filter(|p| !p.to_string_lossy().ends_with(".odt")),
        )
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "python readers failed: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn exiftool_and_mat2_find_no_metadata_left() {
    let Some(exiftool) = peer_tool("exiftool") else {
        return;
    };
    let Some(mat2) = peer_tool("mat2") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let outs = outputs(dir.path(), &Plan::default(), "scrubbed");
    for out in &outs {
        let o = Command::new(&exiftool).arg("-j").arg(out).output().unwrap();
        let j = String::from_utf8_lossy(&o.stdout);
        for field in [
            "\"Creator\"",
            "\"LastModifiedBy\"",
            "\"Company\"",
            "\"Manager\"",
            "\"Template\"",
            "\"TotalEditTime\"",
            "\"RevisionNumber\"",
            "\"Initial-creator\"",
            "\"InitialCreator\"",
            "\"EditingCycles\"",
            "鈴木",
        ] {
            assert!(
                !j.contains(field),
                "{}: exiftool still sees {field}: {j}",
                out.display()
            );
        }
        let o = Command::new(&mat2).arg("--show").arg(out).output().unwrap();
        let s =
            String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
        // mat2 prints a header line per file and one indented line per metadata item.
        let items: Vec<&str> = s
            .lines()
            .filter(|l| l.starts_with(' ') || l.starts_with('\t'))
            .filter(|l| !l.contains("No metadata found"))
            .collect();
        assert!(
            items.is_empty(),
            "{}: mat2 --show still lists {items:?}",
            out.display()
        );
    }
}
