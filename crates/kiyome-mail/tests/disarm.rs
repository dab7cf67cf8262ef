//! `disarm` against a fake engine: what the rebuilt message keeps, drops and says.

mod common;

use kiyome_core::{Action, Inspection, Kind};
use kiyome_mail::{HtmlMode, MailOptions, PpapAction};

fn mail(parts: &str) -> Vec<u8> {
    format!(
        "From: =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <yamada@example.jp>\r\nTo: a@example.jp, \"B, C\" <b@example.jp>\r\n\
         Subject: =?ISO-2022-JP?B?GyRCMnE1RBsoQg==?=\r\nDate: Mon, 16 Nov 2026 09:30:00 +0900\r\n\
         Message-ID: <m1@example.jp>\r\nIn-Reply-To: <m0@example.jp>\r\nReferences: <m0@example.jp>\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n{parts}--b--\r\n"
    )
    .into_bytes()
}

fn part(ctype: &str, disp: &str, body: &str) -> String {
    format!("--b\r\nContent-Type: {ctype}\r\n{disp}\r\n{body}\r\n")
}

fn run(data: &[u8], opts: &MailOptions) -> (String, Inspection) {
    common::with_ctx(|ctx| {
        let mut out = Inspection::default();
        let d = kiyome_mail::disarm(data, Kind::Eml, ctx, opts, &mut out).unwrap();
        assert_eq!(d.kind, Kind::Eml);
        (String::from_utf8(d.data).unwrap(), out)
    })
}

fn decode_body(msg: &str) -> String {
    use base64::Engine as _;
    // The first base64 block after the text/plain part header.
    let start = msg.find("text/plain").unwrap();
    let body = &msg[start..];
    let b = body.split("\r\n\r\n").nth(1).unwrap();
    let b64: String = b.lines().take_while(|l| !l.starts_with("--")).collect();
    String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(b64.trim())
            .unwrap(),
    )
    .unwrap()
}

#[test]
fn kept_headers_notice_and_blocked_attachment() {
    let data = mail(
        &(part(
            "text/plain; charset=utf-8",
            "",
            "hello http://evil.example.com/x",
        ) + &part(
            "application/octet-stream",
            "Content-Disposition: attachment; filename=\"run.exe\"\r\n",
            "MZ\u{90}\0binary",
        ) + &part(
            "application/vnd.ms-word.document.macroEnabled.12",
            "Content-Disposition: attachment; filename=\"a.docm\"\r\n",
            "PK fake docm",
        )),
    );
    let (out, ins) = run(&data, &MailOptions::default());
    for h in [
        "Message-ID: <m1@example.jp>",
        "In-Reply-To: <m0@example.jp>",
        "References: <m0@example.jp>",
        "\"B, C\" <b@example.jp>",
        "Date: Mon, 16 Nov 2026 09:30:00 +0900",
    ] {
        assert!(out.contains(h), "missing {h}:\n{out}");
    }
    assert!(
        out.contains("Subject: =?utf-8?b?"),
        "Japanese subject re-encoded as UTF-8"
    );
    assert!(
        !out.contains("run.exe\""),
        "blocked attachment must not be attached"
    );
    assert!(
        out.contains("filename=\"a.docx\""),
        "docm released as docx by the engine"
    );
    let body = decode_body(&out);
    assert!(body.contains("添付「run.exe」: 削除"), "{body}");
    assert!(body.contains("(kind.executable)"), "{body}");
    assert!(body.contains("「a.docm」 →「a.docx」"), "{body}");
    assert!(body.contains("hxxp://evil[.]example[.]com/x"), "{body}");
    assert!(!body.contains("http://evil"), "{body}");
    assert_eq!(ins.children.len(), 2);
    assert!(
        ins.findings
            .iter()
            .any(|f| f.code == "mail.link" && f.action == Action::Neutralized)
    );
}

#[test]
fn html_only_body_becomes_text_and_sanitized_mode_adds_escaped_html() {
    let html = "<p>Hi <b>there</b></p><script>bad()</script><img src=\"https://t.example/p.gif\" width=1 height=1>";
    let data = mail(&part("text/html; charset=utf-8", "", html));
    let (out, ins) = run(&data, &MailOptions::default());
    assert!(!out.to_ascii_lowercase().contains("text/html"));
    let body = decode_body(&out);
    assert!(
        body.contains("Hi there") && !body.contains("bad()"),
        "{body}"
    );
    for code in [
        "mail.html_body",
        "mail.active_content",
        "mail.remote_content",
    ] {
        assert!(
            ins.findings
                .iter()
                .any(|f| f.code == code && f.action != Action::Reported),
            "{code}"
        );
    }
    let opts = MailOptions {
        html: HtmlMode::Sanitized,
        ..MailOptions::default()
    };
    let (out, _) = run(&data, &opts);
    assert!(out.contains("multipart/alternative") && out.contains("text/html"));
}

#[test]
fn ppap_zip_is_held_or_removed_by_policy() {
    use base64::Engine as _;
    let zip = kiyome_mail::ppap::encrypted_zip(&[("a.txt", b"secret")], "pw");
    let b64 = base64::engine::general_purpose::STANDARD.encode(&zip);
    let data = mail(
        &(part("text/plain", "", "see zip")
            + &part(
                "application/zip",
                "Content-Disposition: attachment; filename=\"a.zip\"\r\nContent-Transfer-Encoding: base64\r\n",
                &b64,
            )),
    );
    let (out, ins) = run(&data, &MailOptions::default());
    assert!(!out.contains("a.zip\""));
    assert!(decode_body(&out).contains("kiyome release m1@example.jp"));
    let mut report = kiyome_core::FileReport::new("x", &data, &kiyome_core::sniff(&data, None));
    report.findings = ins.findings.clone();
    assert!(kiyome_mail::holds_original(&report));
    let (out, ins) = run(
        &data,
        &MailOptions {
            ppap: PpapAction::Drop,
            ..MailOptions::default()
        },
    );
    assert!(!decode_body(&out).contains("a.zip"));
    report.findings = ins.findings;
    assert!(!kiyome_mail::holds_original(&report));
}

#[test]
fn header_injection_in_a_display_name_cannot_add_headers() {
    let data = b"From: \"x\r\n y\" <a@example.jp>\r\nSubject: =?utf-8?q?a=0D=0ABcc:_victim@example.jp?=\r\n\r\nbody\r\n";
    let (out, _) = run(data, &MailOptions::default());
    assert!(
        !out.lines()
            .any(|l| l.to_ascii_lowercase().starts_with("bcc:")),
        "{out}"
    );
}
