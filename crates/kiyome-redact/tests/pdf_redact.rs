//! PDF redaction end to end on the generated Japanese fixture, with independent checks:
//! kiyome's own verify, and — when installed — pdftotext, PyMuPDF, `qpdf --qdf` + a byte
//! scan, exiftool and `qpdf --check` (skipped with a notice when missing, failures under CI).

use kiyome_core::corpus::{fixtures_dir, peer_tool};
use kiyome_core::{Budget, Ctx, Kind, Limits, NoNesting};
use kiyome_pdf::rewrite::lopdf;
use kiyome_redact::pii::Detector;
use kiyome_redact::{Area, Plan};
use std::path::Path;
use std::process::Command;

const NAME: &str = "山田太郎";

fn fixture() -> Vec<u8> {
    std::fs::read(fixtures_dir().join("redact_japanese_pii.pdf")).expect("fixture")
}

fn plan() -> Plan {
    Plan {
        terms: vec![NAME.into(), "旧住所大阪府".into()],
        pii: vec![Detector::JpMyNumber, Detector::JpPhone, Detector::Email],
        ..Plan::default()
    }
}

fn redact(data: &[u8], plan: &Plan) -> kiyome_redact::Redacted {
    let budget = Budget::new(&Limits::default());
    let ctx = Ctx::new(&budget, &NoNesting);
    kiyome_redact::redact(data, Kind::Pdf, plan, "00", &ctx).expect("redact")
}

fn output(r: &kiyome_redact::Redacted) -> Vec<u8> {
    match &r.output {
        Some(o) => o.data.clone(),
        None => panic!("verification failed: {:#?}", r.verification.leaks),
    }
}

fn run(tool: &Path, args: &[&str]) -> String {
    let out = Command::new(tool).args(args).output().expect("run peer");
    assert!(
        out.status.success(),
        "{} {args:?}: {}",
        tool.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn terms_and_pii_are_gone_and_the_output_verifies() {
    let input = fixture();
    let r = redact(&input, &plan());
    let out = output(&r);
    assert!(
        r.report.term_hits[0] >= 4,
        "name hits: {:?}",
        r.report.term_hits
    );
    assert!(r.report.categories.get("jp-mynumber").copied().unwrap_or(0) >= 2);
    assert!(r.report.categories.get("jp-phone").copied().unwrap_or(0) >= 1);
    // Verify again from scratch: clean.
    let budget = Budget::new(&Limits::default());
    let ctx = Ctx::new(&budget, &NoNesting);
    let v = kiyome_redact::verify(&out, Kind::Pdf, &plan(), &ctx).unwrap();
    assert!(v.is_clean(), "{:#?}", v.leaks);
    // And the input fails the same check.
    let v = kiyome_redact::verify(&input, Kind::Pdf, &plan(), &ctx).unwrap();
    for code in [
        "verify.text",
        "verify.metadata",
        "verify.outlines",
        "verify.revisions",
        "verify.annotations",
    ] {
        assert!(
            v.leaks.iter().any(|l| l.code == code),
            "{code} not found in input"
        );
    }
}

#[test]
fn no_spacing_value_in_the_output_equals_the_removed_width() {
    let r = redact(&fixture(), &plan());
    let out = output(&r);
    let doc = lopdf::Document::load_mem(&out).unwrap();
    // The name is four full-width glyphs at 14 pt: 56 pt wide, 4000 in TJ units.
    for (_, obj) in doc.objects.iter() {
        if let lopdf::Object::Stream(s) = obj {
            let Ok(data) = s.decompressed_content() else {
                continue;
            };
            let Ok(c) = lopdf::content::Content::decode(&data) else {
                continue;
            };
            for op in c.operations {
                let nums: Vec<f64> = match op.operator.as_str() {
                    "TJ" => match op.operands.first() {
                        Some(lopdf::Object::Array(a)) => a
                            .iter()
                            .filter_map(|o| o.as_float().ok().map(f64::from))
                            .collect(),
                        _ => vec![],
                    },
                    "Td" | "TD" | "Tw" | "Tc" => op
                        .operands
                        .iter()
                        .filter_map(|o| o.as_float().ok().map(f64::from))
                        .collect(),
                    _ => vec![],
                };
                for n in nums {
                    assert!(
                        (n.abs() - 4000.0).abs() > 0.5 && (n.abs() - 56.0).abs() > 0.01,
                        "{} carries {n}",
                        op.operator
                    );
                }
            }
        }
    }
}

#[test]
fn vertical_writing_removes_exactly_the_name() {
    let plan = Plan {
        terms: vec![NAME.into()],
        ..Plan::default()
    };
    let r = redact(&fixture(), &plan);
    let out = output(&r);
    let Some(pdftotext) = peer_tool("pdftotext") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("o.pdf");
    std::fs::write(&p, &out).unwrap();
    let text = run(
        &pdftotext,
        &["-f", "2", "-l", "2", p.to_str().unwrap(), "-"],
    );
    let t = squash(&text);
    assert!(!t.contains(NAME), "{text}");
    // Neighbours stay: 様, の隣の文字, 山田花子.
    for keep in ["様", "の隣の文字", "山田花子", "申請者", "連絡先は"] {
        assert!(t.contains(keep), "{keep} lost: {text}");
    }
}

#[test]
fn peers_find_nothing_and_text_outside_is_unchanged() {
    let input = fixture();
    let r = redact(&input, &plan());
    let out = output(&r);
    let dir = tempfile::tempdir().unwrap();
    let pin = dir.path().join("in.pdf");
    let pout = dir.path().join("out.pdf");
    std::fs::write(&pin, &input).unwrap();
    std::fs::write(&pout, &out).unwrap();
    let forbidden = [
        NAME,
        "1234 5678 9018",
        "03-1234-5678",
        "旧住所",
        "taro.yamada",
        "１２３４５６７８９０１８",
    ];
    if let Some(pdftotext) = peer_tool("pdftotext") {
        let before = run(&pdftotext, &["-layout", pin.to_str().unwrap(), "-"]);
        let after = run(&pdftotext, &["-layout", pout.to_str().unwrap(), "-"]);
        for f in forbidden {
            assert!(!squash(&after).contains(&squash(f)), "pdftotext finds {f}");
        }
        // Everything else survives: the words of the input minus the redacted ones.
        for keep in [
            "申請者：",
            "個人番号：",
            "電話：",
            "住所：〒100-8914",
            "備考：本件は佐藤一郎が担当する。",
            "代理人：",
            "様（続柄：子）",
        ] {
            assert!(
                squash(&before).contains(keep) && squash(&after).contains(keep),
                "{keep} lost:\n{after}"
            );
        }
    }
    if let Some(python) = pymupdf_python() {
        let script =
            "import sys,fitz\nd=fitz.open(sys.argv[1])\nprint(''.join(p.get_text() for p in d))";
        let text = run(&python, &["-c", script, pout.to_str().unwrap()]);
        for f in forbidden {
            assert!(!squash(&text).contains(&squash(f)), "PyMuPDF finds {f}");
        }
    }
    if let Some(qpdf) = peer_tool("qpdf") {
        let check = Command::new(&qpdf)
            .args(["--check", pout.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(
            check.status.success(),
            "qpdf --check: {}",
            String::from_utf8_lossy(&check.stdout)
        );
        let qdf = dir.path().join("qdf.pdf");
        run(
            &qpdf,
            &[
                "--qdf",
                "--object-streams=disable",
                pout.to_str().unwrap(),
                qdf.to_str().unwrap(),
            ],
        );
        let bytes = std::fs::read(&qdf).unwrap();
        for f in [NAME, "旧住所大阪府"] {
            for enc in [
                f.as_bytes().to_vec(),
                f.encode_utf16()
                    .flat_map(u16::to_be_bytes)
                    .collect::<Vec<u8>>(),
                encoding_rs::SHIFT_JIS.encode(f).0.into_owned(),
            ] {
                assert!(
                    !bytes.windows(enc.len()).any(|w| w == enc.as_slice()),
                    "qdf bytes hold {f}"
                );
            }
        }
        let text = String::from_utf8_lossy(&bytes);
        assert_eq!(text.matches("startxref").count(), 1, "one revision");
    }
    if let Some(exiftool) = peer_tool("exiftool") {
        let meta = run(&exiftool, &[pout.to_str().unwrap()]);
        for f in ["Kiyome Office", "Kiyome PDF Library", NAME, "霞が関市役所"] {
            assert!(!meta.contains(f), "exiftool shows {f}:\n{meta}");
        }
    }
}

#[test]
fn areas_remove_text_and_paths_inside_and_draw_the_box() {
    // The signature-like path at (400..480, 490..520) and nothing else.
    let plan = Plan {
        areas: vec![Area::parse("1:390,480,490,530").unwrap()],
        ..Plan::default()
    };
    let r = redact(&fixture(), &plan);
    let out = output(&r);
    assert!(
        r.report
            .removed
            .iter()
            .any(|f| f.code == "redact.path_area"),
        "{:#?}",
        r.report.removed
    );
    let doc = lopdf::Document::load_mem(&out).unwrap();
    let pages = doc.get_pages();
    let p1 = pages.get(&1).unwrap();
    let content = String::from_utf8_lossy(&doc.get_page_content(*p1)).into_owned();
    assert!(!content.contains("450 520 l"), "path kept");
    assert!(
        content.contains("390 480 100 50 re f"),
        "box missing: {content}"
    );
}

/// A Python with PyMuPDF: `$KIYOME_VENV`, the repository's `.venv`, then `/work/venv`.
fn pymupdf_python() -> Option<std::path::PathBuf> {
    let mut c: Vec<std::path::PathBuf> = Vec::new();
    if let Some(v) = std::env::var_os("KIYOME_VENV") {
        c.push(Path::new(&v).join("bin/python"));
    }
    c.push(kiyome_core::corpus::repo_root().join(".venv/bin/python"));
    c.push("/work/venv/bin/python".into());
    let found = c.into_iter().find(|p| {
        p.is_file()
            && Command::new(p)
                .args(["-c", "import fitz"])
                .output()
                .is_ok_and(|o| o.status.success())
    });
    if found.is_none() {
        assert!(
            !kiyome_core::corpus::is_ci(),
            "PyMuPDF missing under CI: run scripts/install-deps.sh"
        );
        eprintln!("NOTICE: PyMuPDF not found; its check is skipped (run scripts/install-deps.sh)");
    }
    found
}
