//! Office/ODF redaction and scrub on the generated fixtures (`test-corpus/files/redact_*`):
//! every planted secret is gone from every part, the rest of the text is unchanged, and the
//! independent verifier passes the output while it fails the input.

use kiyome_core::{Budget, Ctx, Kind, Limits, NoNesting, sniff};
use kiyome_office::opc::Package;
use kiyome_redact::office::{self, ScrubOptions};
use kiyome_redact::pii::Detector;
use kiyome_redact::{Plan, RedactionReport};

fn fixture(name: &str) -> Vec<u8> {
    let p = kiyome_core::corpus::fixtures_dir().join(name);
    std::fs::read(&p)
        .unwrap_or_else(|e| panic!("{}: {e} (run cargo run -p kiyome-fixtures)", p.display()))
}

fn plan() -> Plan {
    Plan {
        terms: vec!["山田太郎".into()],
        pii: vec![Detector::JpMyNumber, Detector::Email],
        ..Plan::default()
    }
}

/// Every member of a package, decompressed.
fn parts(data: &[u8]) -> Vec<(String, Vec<u8>)> {
    let b = Budget::new(&Limits::default());
    let ctx = Ctx::new(&b, &NoNesting);
    let mut pkg = Package::open(data, &ctx, "ooxml").unwrap();
    pkg.names()
        .into_iter()
        .map(|n| {
            let d = pkg.read(&n, &ctx).unwrap();
            (n, d)
        })
        .collect()
}

fn run(name: &str, plan: &Plan) -> (Kind, Vec<u8>, RedactionReport) {
    let data = fixture(name);
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
    assert_eq!(out.kind, kind);
    (kind, out.data, report)
}

/// Secrets planted in every fixture (see test-corpus/src/redaction.rs) that must be gone from
/// every part's bytes after redaction with [`plan`].
const SECRETS: &[&str] = &[
    "山田",
    "鈴木花子",
    "清目市役所",
    "秘密",
    "123456789018",
    "1234 5678",
    "ヤマダタロウ",
    "rsidR",
    "paraId",
    "yamada.taro",
    "suzuki",
    "SUZUKI",
    "kojin.dotm",
    "市民課長",
    "officeooo:rsid",
];

fn assert_gone(name: &str, out: &[u8]) {
    for (part, bytes) in parts(out) {
        for s in SECRETS {
            assert!(
                !bytes.windows(s.len()).any(|w| w == s.as_bytes()),
                "{name}: {s} survives in {part}"
            );
        }
        // The photo's GPS block ("N"/"E" refs in an Exif APP1) must be gone.
        assert!(
            !bytes.windows(6).any(|w| w == b"Exif\0\0"),
            "{name}: EXIF survives in {part}"
        );
    }
}

fn text_of(out: &[u8], part: &str) -> String {
    let (_, d) = parts(out)
        .into_iter()
        .find(|(n, _)| n == part)
        .unwrap_or_else(|| panic!("no {part}"));
    String::from_utf8(d).unwrap()
}

fn verify(kind: Kind, data: &[u8], plan: &Plan) -> kiyome_redact::LeakReport {
    let b = Budget::new(&Limits::default());
    let ctx = Ctx::new(&b, &NoNesting);
    office::verify(data, kind, plan, &ctx).unwrap()
}

#[test]
fn docx_split_name_mynumber_comments_revisions_hidden_text_and_properties_are_gone() {
    let name = "redact_docx_hidden_info.docx";
    let p = plan();
    let before = verify(Kind::Docx, &fixture(name), &p);
    assert!(!before.is_clean());
    let (kind, out, report) = run(name, &p);
    assert_gone(name, &out);
    let doc = text_of(&out, "word/document.xml");
    // The split name (山 | 田 | field result 太郎) is masked char by char; the rest stays.
    for keep in [
        "申請者は",
        "さんです。",
        "個人番号",
        "審査は完了しました。",
        "受付番号は",
        "第2026号",
        "です。",
        "公開する本文。",
    ] {
        assert!(doc.contains(keep), "lost {keep}");
    }
    assert!(doc.contains("■"), "no mask in the body");
    assert!(!doc.contains("隠し文字"), "hidden run survives");
    assert!(!doc.contains("削除された"), "deleted text survives");
    assert!(!doc.contains("commentReference"));
    assert_eq!(
        report.term_hits,
        vec![2],
        "body and header hits: {report:?}"
    );
    let after = verify(kind, &out, &p);
    assert!(after.is_clean(), "{:?}", after.leaks);
}

#[test]
fn xlsx_shared_inline_formula_and_numeric_cells_are_masked_and_formula_removed() {
    let name = "redact_xlsx_hidden_info.xlsx";
    let p = plan();
    let (kind, out, _) = run(name, &p);
    assert_gone(name, &out);
    let sheet = text_of(&out, "xl/worksheets/sheet1.xml");
    // The hidden row 3 (with its formula) is emptied by default.
    assert!(
        !sheet.contains("<f>\"") && sheet.contains(r#"<row r="3" hidden="1"></row>"#),
        "{sheet}"
    );
    assert!(sheet.contains("t=\"inlineStr\""), "{sheet}");
    let sst = text_of(&out, "xl/sharedStrings.xml");
    assert!(
        sst.contains("氏名：") && sst.contains("住所は公開"),
        "{sst}"
    );
    let after = verify(kind, &out, &p);
    assert!(after.is_clean(), "{:?}", after.leaks);
}

#[test]
fn xlsx_hidden_row_kept_by_policy_is_redacted_like_the_rest() {
    let name = "redact_xlsx_hidden_info.xlsx";
    let data = fixture(name);
    let p = plan();
    let b = Budget::new(&Limits::default());
    let ctx = Ctx::new(&b, &NoNesting);
    let mut report = RedactionReport::new(&p, "00");
    let opts = ScrubOptions {
        remove_hidden_cells: false,
        ..ScrubOptions::default()
    };
    let out = office::redact(&data, Kind::Xlsx, &p, &opts, &ctx, &mut report).unwrap();
    assert_gone(name, &out.data);
    let sheet = text_of(&out.data, "xl/worksheets/sheet1.xml");
    assert!(sheet.contains("<f>1+1</f>"), "{sheet}");
}

#[test]
fn pptx_runs_masked_notes_and_comments_removed() {
    let name = "redact_pptx_hidden_info.pptx";
    let p = plan();
    let (kind, out, _) = run(name, &p);
    assert_gone(name, &out);
    let names: Vec<String> = parts(&out).into_iter().map(|(n, _)| n).collect();
    assert!(
        !names
            .iter()
            .any(|n| n.contains("notes") || n.contains("comment")),
        "{names:?}"
    );
    let slide = text_of(&out, "ppt/slides/slide1.xml");
    assert!(
        slide.contains("担当：") && slide.contains("を確認"),
        "{slide}"
    );
    let pres = text_of(&out, "ppt/presentation.xml");
    assert!(!pres.contains("notesMasterId"), "{pres}");
    let after = verify(kind, &out, &p);
    assert!(after.is_clean(), "{:?}", after.leaks);
}

#[test]
fn odt_spans_masked_changes_accepted_annotations_meta_and_thumbnail_removed() {
    let name = "redact_odt_hidden_info.odt";
    let p = plan();
    let before = verify(Kind::Odt, &fixture(name), &p);
    assert!(!before.is_clean());
    let (kind, out, _) = run(name, &p);
    assert_gone(name, &out);
    let names: Vec<String> = parts(&out).into_iter().map(|(n, _)| n).collect();
    assert!(
        !names
            .iter()
            .any(|n| n == "meta.xml" || n == "settings.xml" || n.starts_with("Thumbnails/")),
        "{names:?}"
    );
    let content = text_of(&out, "content.xml");
    for keep in [
        "申請者は",
        "さんです。",
        "受付番号は第2026号です。",
        "審査は完了しました。",
    ] {
        assert!(content.contains(keep), "lost {keep}: {content}");
    }
    assert!(!content.contains("office:value=\"1"), "{content}");
    let after = verify(kind, &out, &p);
    assert!(after.is_clean(), "{:?}", after.leaks);
}

#[test]
fn scrub_alone_removes_hidden_information_and_keeps_all_visible_text() {
    let name = "redact_docx_hidden_info.docx";
    let data = fixture(name);
    let b = Budget::new(&Limits::default());
    let ctx = Ctx::new(&b, &NoNesting);
    let mut report = RedactionReport::new(&Plan::default(), "00");
    let out = office::scrub(
        &data,
        Kind::Docx,
        &ScrubOptions::default(),
        &ctx,
        &mut report,
    )
    .unwrap();
    let doc = text_of(&out.data, "word/document.xml");
    assert!(doc.contains("申請者は山") && doc.contains("太郎"));
    assert!(!doc.contains("削除された") && !doc.contains("隠し文字"));
    let codes: Vec<&str> = report.removed.iter().map(|f| f.code.as_str()).collect();
    for c in [
        "ooxml.comments",
        "ooxml.tracked_changes",
        "ooxml.hidden_text",
        "ooxml.properties",
        "scrub.session_ids",
        "scrub.image_metadata",
        "scrub.custom_xml",
        "scrub.office_thumbnail",
    ] {
        assert!(codes.contains(&c), "{c} not reported: {codes:?}");
    }
    let after = verify(Kind::Docx, &out.data, &Plan::default());
    assert!(after.is_clean(), "{:?}", after.leaks);
}

#[test]
fn an_area_on_page_1_of_a_document_fills_its_first_picture() {
    let name = "redact_docx_hidden_info.docx";
    let p = Plan {
        areas: vec![kiyome_redact::Area::parse("1:0,0,8,8").unwrap()],
        ..Plan::default()
    };
    let (_, out, report) = run(name, &p);
    assert_eq!(report.categories.get("area"), Some(&1), "{report:?}");
    let (_, pic) = parts(&out)
        .into_iter()
        .find(|(n, _)| n == "word/media/image1.jpeg")
        .unwrap();
    let img = kiyome_image::image::load_from_memory(&pic)
        .unwrap()
        .to_rgb8();
    // JPEG is lossy: the filled corner is near black, the far corner keeps its colour.
    let [r, g, b] = img.get_pixel(3, 3).0;
    assert!(r < 24 && g < 24 && b < 24, "{:?}", img.get_pixel(3, 3));
    let far = img.get_pixel(30, 22).0;
    assert!(far.iter().any(|c| *c > 60), "{far:?}");
    assert!(!pic.windows(4).any(|w| w == b"Exif"));
}
