//! Fixtures for the mail area: Japanese mail with a macro document, HTML mail with a
//! tracking pixel and a `javascript:` link, PPAP (encrypted zip), a shortcut attachment, a
//! uuencoded executable, and a clean Japanese control.

use crate::fixture::Fixture;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use encoding_rs::ISO_2022_JP;
use std::io::Write;

/// ISO-2022-JP bytes of `s`.
fn jis(s: &str) -> Vec<u8> {
    ISO_2022_JP.encode(s).0.into_owned()
}

/// `=?ISO-2022-JP?B?…?=` as Japanese mailers write it.
fn jis_word(s: &str) -> String {
    format!("=?ISO-2022-JP?B?{}?=", B64.encode(jis(s)))
}

fn b64_lines(data: &[u8]) -> String {
    let e = B64.encode(data);
    e.as_bytes()
        .chunks(76)
        .map(|c| String::from_utf8_lossy(c).into_owned() + "\r\n")
        .collect()
}

fn head(subject: &str, extra: &str) -> String {
    format!(
        "From: {} <yamada@example.jp>\r\nTo: soumu@city.example.lg.jp\r\nSubject: {}\r\n\
         Date: Mon, 16 Nov 2026 09:30:00 +0900\r\nMessage-ID: <{}@example.jp>\r\n\
         MIME-Version: 1.0\r\n{extra}",
        jis_word("山田太郎"),
        jis_word(subject),
        kiyome_core::sha256_hex(subject.as_bytes())
            .get(..16)
            .unwrap_or("id"),
    )
}

/// A multipart/mixed message: an ISO-2022-JP text body and attachments
/// `(RFC 2231 ISO-2022-JP name?, plain name, content type, bytes)`.
fn with_attachments(subject: &str, body: &str, atts: &[(&str, &str, &[u8])]) -> Vec<u8> {
    let b = "----=_Part_kiyome_fixture";
    let mut m = head(
        subject,
        &format!("Content-Type: multipart/mixed; boundary=\"{b}\"\r\n\r\n"),
    )
    .into_bytes();
    m.extend_from_slice(
        format!("--{b}\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit\r\n\r\n")
            .as_bytes(),
    );
    m.extend_from_slice(&jis(body));
    m.extend_from_slice(b"\r\n");
    for (name, ctype, data) in atts {
        let disp = if name.is_ascii() {
            format!("attachment; filename=\"{name}\"")
        } else {
            // RFC 2231 with the charset Japanese mailers use.
            let enc: String = jis(name).iter().map(|b| format!("%{b:02X}")).collect();
            format!("attachment;\r\n filename*=ISO-2022-JP''{enc}")
        };
        m.extend_from_slice(
            format!(
                "--{b}\r\nContent-Type: {ctype}\r\nContent-Disposition: {disp}\r\nContent-Transfer-Encoding: base64\r\n\r\n{}",
                b64_lines(data)
            )
            .as_bytes(),
        );
    }
    m.extend_from_slice(format!("--{b}--\r\n").as_bytes());
    m
}

fn docm() -> Vec<u8> {
    crate::office::fixtures()
        .into_iter()
        .find(|f| f.name.ends_with(".docm"))
        .map(|f| f.bytes)
        .unwrap_or_default()
}

fn encrypted_zip() -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        // A fixed salt keeps the fixture deterministic (never do this for real data).
        .with_aes_encryption_and_salt(b"ppap-2026", zip::AesSalt::Aes256([7u8; 16]));
    if w.start_file("見積書.txt", opts).is_ok() {
        let _ = w.write_all("お見積り金額: 1,000,000円\n".as_bytes());
    }
    w.finish().map(|c| c.into_inner()).unwrap_or_default()
}

/// A Windows shortcut header ([MS-SHLLINK] 2.1: size 0x4C, the LinkCLSID).
fn lnk() -> Vec<u8> {
    let mut v = vec![
        0x4C, 0, 0, 0, 0x01, 0x14, 0x02, 0, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46,
    ];
    v.resize(0x4C, 0);
    v.extend_from_slice(b"C:\\Windows\\System32\\cmd.exe /c calc\0");
    v
}

fn uuencode(name: &str, data: &[u8]) -> String {
    let enc = |v: u8| if v == 0 { '`' } else { (v + 32) as char };
    let mut s = format!("begin 644 {name}\r\n");
    for chunk in data.chunks(45) {
        s.push(enc(chunk.len() as u8));
        for g in chunk.chunks(3) {
            let b = [g[0], *g.get(1).unwrap_or(&0), *g.get(2).unwrap_or(&0)];
            s.push(enc(b[0] >> 2));
            s.push(enc(((b[0] & 3) << 4) | (b[1] >> 4)));
            s.push(enc(((b[1] & 0xF) << 2) | (b[2] >> 6)));
            s.push(enc(b[2] & 0x3F));
        }
        s.push_str("\r\n");
    }
    s + "`\r\nend\r\n"
}

/// Every mail fixture.
pub fn fixtures() -> Vec<Fixture> {
    let html = "<html><head><script>document.location='http://evil.example/'</script></head>\
        <body><p>ご確認ください。</p><a href=\"javascript:alert(document.cookie)\">請求書を見る</a>\
        <img src=\"http://track.example.net/open.gif?u=1234\" width=\"1\" height=\"1\"></body></html>";
    let html_mail = {
        let mut m = head(
            "請求書のご案内",
            "Content-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n",
        )
        .into_bytes();
        m.extend_from_slice(b64_lines(html.as_bytes()).as_bytes());
        m
    };
    let mut mz = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00".to_vec();
    mz.resize(256, 0);
    let uu_mail = {
        let mut m = head(
            "資料送付",
            "Content-Type: text/plain; charset=ISO-2022-JP\r\n\r\n",
        )
        .into_bytes();
        m.extend_from_slice(&jis("資料を送ります。\r\n"));
        m.extend_from_slice(uuencode("setup.exe", &mz).as_bytes());
        m
    };
    let clean = {
        let mut m = head(
            "会議のお知らせ①",
            "Content-Type: text/plain; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit\r\n\r\n",
        )
        .into_bytes();
        m.extend_from_slice(&jis(
            "各位\r\n\r\n来週月曜日の定例会議は第二会議室で行います。\r\n㈱サンプル 総務課\r\n",
        ));
        m
    };
    vec![
        Fixture::dangerous(
            "mail_iso2022jp_docm_attachment.eml",
            with_attachments(
                "【至急】請求書送付の件",
                "請求書を添付します。マクロを有効にしてください。\r\n",
                &[(
                    "請求書.docm",
                    "application/vnd.ms-word.document.macroEnabled.12",
                    &docm(),
                )],
            ),
            &["mail.attachment", "@macro"],
            "ISO-2022-JP mail (RFC 2047 subject, RFC 2231 file name) with a macro document attached",
        ),
        Fixture::dangerous(
            "mail_html_tracking_pixel_javascript_link.eml",
            html_mail,
            &[
                "mail.html_body",
                "mail.remote_content",
                "mail.link",
                "mail.active_content",
            ],
            "HTML mail with a script, a 1x1 tracking pixel and a javascript: link",
        ),
        Fixture::dangerous(
            "mail_ppap_encrypted_zip.eml",
            with_attachments(
                "見積書送付（パスワードは別途お送りします）",
                "見積書を送付します。パスワードは別メールでお送りします。\r\n",
                &[("見積書.zip", "application/zip", &encrypted_zip())],
            ),
            &["mail.encrypted_attachment"],
            "PPAP: password-protected zip whose password comes in a second mail",
        ),
        Fixture::dangerous(
            "mail_lnk_attachment.eml",
            with_attachments(
                "写真を送ります",
                "写真です。\r\n",
                &[("photo.jpg.lnk", "application/octet-stream", &lnk())],
            ),
            &["mail.attachment", "kind.shortcut"],
            "Windows shortcut attachment disguised as a photo",
        ),
        Fixture::dangerous(
            "mail_uuencode_exe.eml",
            uu_mail,
            &["mail.uuencode", "kind.executable"],
            "executable hidden as a uuencode block in a plain-text body",
        ),
        Fixture::clean(
            "mail_japanese_text_clean.eml",
            clean,
            "clean ISO-2022-JP text mail with CP932 characters (①, ㈱): a control",
        ),
    ]
}
