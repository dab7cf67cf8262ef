//! The register (filters, overdue contractor certificates, CSV for Excel) and the printable
//! PDF (embedded Japanese font, extractable text, 和暦 dates), checked with poppler's
//! pdftotext and pdffonts as independent readers.

mod common;

use kiyome_cert::bundle::{Bundle, verify_bundle};
use kiyome_cert::issue;
use kiyome_cert::jws::PublicKeys;
use kiyome_cert::ledger::{ContractorReceipt, Entry, Ledger};
use kiyome_cert::model::*;
use kiyome_cert::register::{self, Filter};
use std::process::Command;

fn ledger_with(certs: Vec<Certificate>) -> (tempfile::TempDir, Ledger, Vec<Vec<u8>>) {
    let tmp = tempfile::tempdir().unwrap();
    let key = common::fixed_key();
    let mut l = Ledger::create(&tmp.path().join("l")).unwrap();
    let mut bundles = Vec::new();
    for c in certs {
        let s = issue::sign(issue::validate(c).unwrap().validated(), &key).unwrap();
        let jws = s.jws.clone();
        let a = l
            .append(
                |seq| Entry::Certificate { seq, jws },
                &key,
                common::ts("2026-11-22T00:00:00Z"),
            )
            .unwrap();
        bundles.push(Bundle::new(&s, l.log_id(), &a).to_bytes().unwrap());
    }
    (tmp, l, bundles)
}

#[test]
fn filters_overdue_and_receipts() {
    let mut odd = common::disposal();
    odd.certificate_id = "KYC-3".into();
    odd.media.serial_number = "=1+1".into();
    odd.disposal_class = DisposalClass::Class3;
    odd.contractor = None;
    let (_t, mut l, _) = ledger_with(vec![common::disposal(), common::crypto_erase(), odd]);
    let recs = register::records(&l).unwrap();
    assert_eq!(recs.len(), 3);
    let count = |f: Filter| recs.iter().filter(|r| f.matches(r)).count();
    assert_eq!(count(Filter::default()), 3);
    assert_eq!(
        count(Filter {
            class: Some(DisposalClass::Class3),
            ..Default::default()
        }),
        1
    );
    assert_eq!(
        count(Filter {
            method: Some(Method::CryptographicErase),
            ..Default::default()
        }),
        1
    );
    assert_eq!(
        count(Filter {
            serial: Some("sn-00".into()),
            ..Default::default()
        }),
        2
    );
    assert_eq!(
        count(Filter {
            contractor: Some("リサイクル".into()),
            ..Default::default()
        }),
        1
    );
    // performed 2019-04-30T20:00Z is 2019-05-01 in Japan.
    let d = common::date("2019-05-01");
    assert_eq!(
        count(Filter {
            from: Some(d),
            to: Some(d),
            ..Default::default()
        }),
        3
    );
    assert_eq!(
        count(Filter {
            to: Some(common::date("2019-04-30")),
            ..Default::default()
        }),
        0
    );

    let overdue = |l: &Ledger, day: &str| {
        register::records(l)
            .unwrap()
            .iter()
            .filter(|r| r.overdue(common::date(day)))
            .count()
    };
    assert_eq!(
        overdue(&l, "2019-05-31"),
        0,
        "due date itself is not overdue"
    );
    assert_eq!(overdue(&l, "2019-06-01"), 1);
    let receipt = ContractorReceipt {
        certificate_id: common::disposal().certificate_id,
        reference: "RC-2019-0042".into(),
        received_on: common::date("2019-06-03"),
        evidence: Vec::new(),
    };
    l.append(
        |seq| Entry::ContractorReceipt { seq, receipt },
        &common::fixed_key(),
        common::ts("2026-11-22T00:00:01Z"),
    )
    .unwrap();
    assert_eq!(overdue(&l, "2019-06-04"), 0, "a receipt settles it");

    let csv = register::csv(&register::records(&l).unwrap(), common::date("2019-06-04"));
    assert_eq!(&csv[..3], b"\xEF\xBB\xBF", "UTF-8 BOM for Excel");
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    assert_eq!(text.matches("\r\n").count(), 4, "header + 3 rows, CRLF");
    assert!(text.contains("\"株式会社○○リサイクル\"") && text.contains("RC-2019-0042"));
    assert!(
        text.contains("\"'=1+1\""),
        "formula cell neutralised: {text}"
    );
}

fn tool(name: &str) -> bool {
    let ok = Command::new(name).arg("-v").output().is_ok();
    if !ok {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{name} (poppler-utils) is required under CI");
        }
        eprintln!(
            "NOTICE: skipping PDF checks: {name} not installed (apt-get install poppler-utils)"
        );
    }
    ok
}

#[test]
fn printable_pdf_embeds_the_font_and_extracts_japanese() {
    let font = match kiyome_cert::pdf::load_font() {
        Ok(f) => f,
        Err(e) => {
            assert!(e.to_string().contains("fonts-ipafont"), "{e}");
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("{e}");
            }
            eprintln!("NOTICE: skipping: {e}");
            return;
        }
    };
    if !tool("pdftotext") || !tool("pdffonts") {
        return;
    }
    let (t, _l, bundles) = ledger_with(vec![common::disposal()]);
    let mut keys = PublicKeys::default();
    keys.insert(&common::fixed_key().public()).unwrap();
    let vb = verify_bundle(&bundles[0], &keys).unwrap();
    let pdf = kiyome_cert::pdf::render(&vb, &font).unwrap();
    let path = t.path().join("c.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let text = String::from_utf8(
        Command::new("pdftotext")
            .arg(&path)
            .arg("-")
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    for needle in [
        "データ消去完了証明書",
        "Certificate of Sanitization",
        "令和元年5月1日",
        "株式会社○○リサイクル",
        &vb.certificate.sha256(),
        "0 / 1",
    ] {
        let squeezed: String = text.split_whitespace().collect();
        assert!(
            squeezed.contains(&needle.replace(' ', "")),
            "{needle:?} not extracted from the PDF:\n{text}"
        );
    }
    let fonts =
        String::from_utf8(Command::new("pdffonts").arg(&path).output().unwrap().stdout).unwrap();
    let line = fonts
        .lines()
        .find(|l| l.contains("KIYOME+IPA"))
        .unwrap_or_else(|| panic!("{fonts}"));
    assert!(
        line.contains("CID TrueType") && line.contains("Identity-H"),
        "{line}"
    );
    assert!(
        line.contains("yes yes yes"),
        "embedded, subset, ToUnicode: {line}"
    );
}
