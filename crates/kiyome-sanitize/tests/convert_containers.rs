//! Text-only extraction and image-PDF conversion of archives and mail, per member (issue 4):
//! a zip becomes a zip of converted members (nested zips recursively), with the members that
//! cannot be converted left out, listed in `_kiyome_removed.txt` and reported; a message is
//! rebuilt with plain-text bodies and converted attachments. Reports nest per member.

use kiyome_core::{FileReport, Kind, Limits, Verdict};
use kiyome_sanitize::{Engine, Mode, Policy};
use mail_parser::MimeHeaders;
use std::io::{Read, Write};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(kiyome_core::corpus::fixtures_dir().join(name)).expect("fixture")
}

fn zip(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in members {
        w.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn unzip(data: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(data)).expect("a zip");
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut v = Vec::new();
            f.read_to_end(&mut v).unwrap();
            (f.name().unwrap().into_owned(), v)
        })
        .collect()
}

fn engine(mode: Mode) -> Engine {
    let mut e = Engine::new(Limits::default());
    e.mode = Some(mode);
    e
}

fn child<'a>(r: &'a FileReport, name: &str) -> &'a FileReport {
    r.children
        .iter()
        .find(|c| c.path.ends_with(name))
        .unwrap_or_else(|| panic!("no child {name} in {:?}", r.children))
}

/// A PE header is enough for the sniffer to call it an executable.
const EXE: &[u8] = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00";

#[test]
fn a_zip_in_text_mode_is_a_zip_of_text_members_with_the_rest_listed() {
    let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode("住民の皆様へ\r\nお知らせ\r\n");
    let inner = zip(&[("b.txt", "内側の文書".as_bytes())]);
    let input = zip(&[
        ("a.txt", &sjis),
        (
            "page.html",
            b"<html><body><p>\xe6\x9c\xac\xe6\x97\xa5</p><script>x()</script></body></html>",
        ),
        ("inner.zip", &inner),
        ("photo.png", &fixture("clean_small.png")),
        ("setup.exe", EXE),
        ("report.pdf", &fixture("pdf_clean.pdf")),
    ]);
    let out = engine(Mode::Text).sanitize("in.zip", &input);
    let r = &out.report;
    assert_eq!(r.verdict, Verdict::Released, "{:?}", r.reason);
    assert_eq!(r.methods, vec![kiyome_core::Method::TextOnlyExtraction]);
    assert!(r.findings.iter().any(|f| f.code == "convert.text_only"));
    let output = out.output.expect("output");
    assert_eq!(output.kind, Kind::Zip);
    let members = unzip(&output.data);
    let names: Vec<&str> = members.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "a.txt",
            "page.html.txt",
            "inner.zip",
            "report.pdf.txt",
            "_kiyome_removed.txt"
        ]
    );
    let text = |n: &str| {
        let (_, d) = members.iter().find(|(m, _)| m == n).unwrap();
        String::from_utf8(d.clone()).expect("UTF-8")
    };
    assert_eq!(text("a.txt"), "住民の皆様へ\nお知らせ\n");
    assert_eq!(text("page.html.txt"), "本日\n");
    assert!(!text("report.pdf.txt").trim().is_empty());
    let nested = unzip(&members[2].1);
    assert_eq!(
        nested,
        vec![("b.txt".to_string(), "内側の文書".as_bytes().to_vec())]
    );
    let removed = text("_kiyome_removed.txt");
    assert!(removed.contains("photo.png\tunsupported\t"), "{removed}");
    assert!(removed.contains("OCR"), "{removed}");
    assert!(removed.contains("setup.exe\tkind.executable"), "{removed}");
    // Reports nest like disarm's: one per member, the nested zip's member under it.
    assert_eq!(r.children.len(), 6);
    assert_eq!(child(r, "photo.png").verdict, Verdict::Blocked);
    assert_eq!(
        child(r, "setup.exe").reason.as_deref(),
        Some("kind.executable")
    );
    let inner_r = child(r, "inner.zip");
    assert_eq!(inner_r.output.as_ref().map(|o| o.kind), Some(Kind::Zip));
    assert_eq!(
        inner_r.children[0].output.as_ref().map(|o| o.kind),
        Some(Kind::Text)
    );
    assert_eq!(
        child(r, "report.pdf").methods,
        vec![kiyome_core::Method::TextOnlyExtraction]
    );
}

#[test]
fn a_zip_whose_members_all_fail_is_blocked() {
    let input = zip(&[("photo.png", &fixture("clean_small.png"))]);
    let out = engine(Mode::Text).sanitize("in.zip", &input);
    assert_eq!(out.report.verdict, Verdict::Blocked);
    assert!(out.output.is_none());
    assert_eq!(out.report.children.len(), 1);
}

#[test]
fn a_zip_in_image_pdf_mode_is_a_zip_of_image_pdfs() {
    let input = zip(&[
        ("photo.png", &fixture("clean_small.png")),
        ("report.pdf", &fixture("pdf_clean.pdf")),
    ]);
    let out = engine(Mode::ImagePdf).sanitize("in.zip", &input);
    assert_eq!(out.report.verdict, Verdict::Released, "{:?}", out.report);
    assert_eq!(
        out.report.methods,
        vec![kiyome_core::Method::ImagePdfConversion]
    );
    let members = unzip(&out.output.unwrap().data);
    let names: Vec<&str> = members.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["photo.png.pdf", "report.pdf"]);
    for (n, d) in &members {
        assert!(d.starts_with(b"%PDF-"), "{n}");
        let s = String::from_utf8_lossy(d);
        assert!(!s.contains("/Font"), "{n} has a font");
    }
}

#[test]
fn the_policy_can_ask_for_text_per_kind_and_members_inherit_it() {
    let policy = Policy::from_toml("[modes]\nzip = \"text\"\n").unwrap();
    let engine = Engine::with_policy(policy);
    let input = zip(&[("note.html", b"<p>a&amp;b</p>".as_slice())]);
    let out = engine.sanitize("in.zip", &input);
    assert_eq!(out.report.verdict, Verdict::Released, "{:?}", out.report);
    let members = unzip(&out.output.unwrap().data);
    assert_eq!(
        members,
        vec![("note.html.txt".to_string(), b"a&b\n".to_vec())]
    );
    // Without the policy, the same zip is disarmed: the HTML member stays HTML.
    let out = Engine::new(Limits::default()).sanitize("in.zip", &input);
    let members = unzip(&out.output.unwrap().data);
    assert_eq!(members[0].0, "note.html");
}

fn mail(attachment_name: &str, attachment: &[u8]) -> Vec<u8> {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(attachment);
    format!(
        "From: a@example.jp\r\nTo: b@example.jp\r\nSubject: test\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n\
--b1\r\nContent-Type: multipart/alternative; boundary=\"b2\"\r\n\r\n\
--b2\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nplain body\r\n\
--b2\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>html <b>body</b></p>\r\n\
--b2--\r\n\
--b1\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\
Content-Disposition: attachment; filename=\"{attachment_name}\"\r\n\r\n{b64}\r\n--b1--\r\n"
    )
    .into_bytes()
}

#[test]
fn a_message_in_text_mode_has_a_plain_body_and_text_attachments() {
    let mut e = engine(Mode::Text);
    // Even when the policy would add a rebuilt HTML alternative, text mode writes none.
    e.policy.mail.html = kiyome_mail::HtmlMode::Sanitized;
    let out = e.sanitize("m.eml", &mail("report.pdf", &fixture("pdf_clean.pdf")));
    assert_eq!(out.report.verdict, Verdict::Released, "{:?}", out.report);
    let output = out.output.unwrap();
    assert_eq!(output.kind, Kind::Eml);
    let text = String::from_utf8_lossy(&output.data);
    assert!(!text.to_ascii_lowercase().contains("text/html"), "{text}");
    let parsed = mail_parser::MessageParser::default()
        .parse(&output.data)
        .expect("a message");
    assert!(parsed.body_text(0).unwrap().contains("plain body"));
    let names: Vec<_> = parsed
        .attachments()
        .map(|a| a.attachment_name().unwrap_or("").to_string())
        .collect();
    assert_eq!(names, ["report.pdf.txt"]);
    let att = child(&out.report, "report.pdf");
    assert_eq!(att.output.as_ref().map(|o| o.kind), Some(Kind::Text));
    assert!(
        out.report
            .findings
            .iter()
            .any(|f| f.code == "convert.text_only")
    );
}

#[test]
fn a_message_in_image_pdf_mode_has_image_pdf_attachments() {
    let out =
        engine(Mode::ImagePdf).sanitize("m.eml", &mail("photo.png", &fixture("clean_small.png")));
    assert_eq!(out.report.verdict, Verdict::Released, "{:?}", out.report);
    let data = &out.output.as_ref().unwrap().data;
    let parsed = mail_parser::MessageParser::default()
        .parse(data)
        .expect("a message");
    let names: Vec<_> = parsed
        .attachments()
        .map(|a| a.attachment_name().unwrap_or("").to_string())
        .collect();
    assert_eq!(names, ["photo.png.pdf"]);
    let att = child(&out.report, "photo.png");
    assert_eq!(att.output.as_ref().map(|o| o.kind), Some(Kind::Pdf));
    assert_eq!(att.methods, vec![kiyome_core::Method::ImagePdfConversion]);
}
