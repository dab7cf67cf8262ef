//! Writing MIME: the rebuilt message, and MIME conversions of parsed `.msg` messages.
//!
//! Everything written is 7-bit ASCII with CRLF line ends and lines under 78 characters:
//! headers carrying non-ASCII text use RFC 2047 `B` encoded-words in UTF-8 (each word at
//! most 75 characters, split on character boundaries, folded between words); file names use
//! RFC 2231 `filename*` with continuations; bodies are base64. The boundary contains `=_`,
//! which cannot occur in base64 or encoded-words, so no body can close a part early.

use crate::model::{Headers, Mail, Mailbox, PartKind};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;

/// One attachment of a message being written.
#[derive(Debug, Clone)]
pub struct OutAttachment {
    /// File name (any Unicode).
    pub name: String,
    /// MIME type.
    pub content_type: String,
    /// The bytes.
    pub data: Vec<u8>,
}

/// A message to write.
#[derive(Debug, Clone, Default)]
pub struct OutMessage {
    /// Kept headers.
    pub headers: Headers,
    /// Extra unstructured headers (`X-Kiyome-…`), ASCII.
    pub extra: Vec<(String, String)>,
    /// The plain-text body.
    pub text: String,
    /// An HTML alternative, if any.
    pub html: Option<String>,
    /// Attachments.
    pub attachments: Vec<OutAttachment>,
}

/// Writes `m` as a MIME message.
pub fn write(m: &OutMessage) -> Vec<u8> {
    let mut s = String::new();
    let h = &m.headers;
    address_header(&mut s, "From", &h.from);
    address_header(&mut s, "To", &h.to);
    address_header(&mut s, "Cc", &h.cc);
    if let Some(d) = h.date.as_deref().and_then(valid_date) {
        s.push_str(&format!("Date: {d}\r\n"));
    }
    if let Some(subj) = &h.subject {
        text_header(&mut s, "Subject", subj);
    }
    if let Some(id) = h.message_id.as_deref().filter(|i| valid_msg_id(i)) {
        s.push_str(&format!("Message-ID: <{id}>\r\n"));
    }
    id_list_header(&mut s, "In-Reply-To", &h.in_reply_to);
    id_list_header(&mut s, "References", &h.references);
    for (k, v) in &m.extra {
        text_header(&mut s, k, v);
    }
    s.push_str("MIME-Version: 1.0\r\n");
    let text_part = leaf("text/plain; charset=\"utf-8\"", None, m.text.as_bytes());
    let body_part = match &m.html {
        Some(html) => {
            let b = boundary(&[m.text.as_bytes(), html.as_bytes()], "alt");
            multipart(
                "alternative",
                &b,
                &[
                    text_part,
                    leaf("text/html; charset=\"utf-8\"", None, html.as_bytes()),
                ],
            )
        }
        None => text_part,
    };
    if m.attachments.is_empty() {
        s.push_str(&body_part);
        return s.into_bytes();
    }
    let mut parts = vec![body_part];
    for a in &m.attachments {
        parts.push(attachment_part(a));
    }
    let mut seed: Vec<&[u8]> = vec![m.text.as_bytes()];
    seed.extend(m.attachments.iter().map(|a| a.data.as_slice()));
    let b = boundary(&seed, "mix");
    s.push_str(&multipart("mixed", &b, &parts));
    s.into_bytes()
}

/// A faithful MIME rendering of a parsed message (HTML and attachments included), used to
/// pass `.msg` embedded messages on as `.eml` for recursive sanitization.
pub fn raw_eml(mail: &Mail) -> Vec<u8> {
    let mut out = OutMessage {
        headers: mail.headers.clone(),
        ..OutMessage::default()
    };
    for p in &mail.parts {
        match p.kind {
            PartKind::Text => out.text.push_str(&p.text),
            PartKind::Html if out.html.is_none() => out.html = Some(p.text.clone()),
            PartKind::Html => out.attachments.push(OutAttachment {
                name: "body.html".into(),
                content_type: "text/html".into(),
                data: p.text.as_bytes().to_vec(),
            }),
            PartKind::Attachment => out.attachments.push(OutAttachment {
                name: p.name.clone(),
                content_type: p.content_type.clone(),
                data: p.data.clone(),
            }),
        }
    }
    write(&out)
}

fn boundary(seed: &[&[u8]], tag: &str) -> String {
    let mut all = Vec::new();
    for s in seed {
        all.extend_from_slice(&s[..s.len().min(4096)]);
        all.extend_from_slice(&(s.len() as u64).to_le_bytes());
    }
    let h = kiyome_core::sha256_hex(&all);
    format!("=_kiyome_{tag}_{}", &h[..24])
}

fn multipart(sub: &str, boundary: &str, parts: &[String]) -> String {
    let mut s = format!(
        "Content-Type: multipart/{sub};\r\n boundary=\"{boundary}\"\r\n\r\nThis is a MIME message.\r\n"
    );
    for p in parts {
        s.push_str(&format!("--{boundary}\r\n{p}\r\n"));
    }
    s.push_str(&format!("--{boundary}--\r\n"));
    s
}

fn leaf(ctype: &str, disposition: Option<String>, data: &[u8]) -> String {
    let mut s = format!("Content-Type: {ctype}\r\n");
    if let Some(d) = disposition {
        s.push_str(&d);
    }
    s.push_str("Content-Transfer-Encoding: base64\r\n\r\n");
    s.push_str(&base64_lines(data));
    s
}

fn attachment_part(a: &OutAttachment) -> String {
    let disposition = format!(
        "Content-Disposition: attachment;{}\r\n",
        filename_param(&a.name)
    );
    let ctype = if valid_ctype(&a.content_type) {
        a.content_type.as_str()
    } else {
        "application/octet-stream"
    };
    // An attached message is written as message/rfc822 only when it is already plain 7-bit
    // MIME with short lines (RFC 2046 §5.2.1 forbids base64 for message/rfc822).
    if ctype == "message/rfc822" {
        let seven_bit = a.data.iter().all(|b| *b < 0x80 && *b != 0)
            && a.data.split(|b| *b == b'\n').all(|l| l.len() < 990);
        if seven_bit {
            let body = String::from_utf8_lossy(&a.data)
                .replace("\r\n", "\n")
                .replace('\n', "\r\n");
            return format!(
                "Content-Type: message/rfc822\r\n{disposition}Content-Transfer-Encoding: 7bit\r\n\r\n{body}"
            );
        }
        return leaf("application/octet-stream", Some(disposition), &a.data);
    }
    leaf(ctype, Some(disposition), &a.data)
}

fn valid_ctype(ct: &str) -> bool {
    let mut it = ct.split('/');
    let tok = |t: &str| {
        !t.is_empty()
            && t.len() < 100
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    matches!((it.next(), it.next(), it.next()), (Some(a), Some(b), None) if tok(a) && tok(b))
        && !ct.starts_with("multipart/")
}

/// `filename="x.pdf"` for plain ASCII names, RFC 2231 `filename*0*=utf-8''…` otherwise.
fn filename_param(name: &str) -> String {
    let plain = name.len() < 60
        && name
            .bytes()
            .all(|b| (0x20..0x7F).contains(&b) && b != b'"' && b != b'\\');
    if plain {
        return format!("\r\n filename=\"{name}\"");
    }
    let mut enc = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            enc.push(b as char);
        } else {
            enc.push_str(&format!("%{b:02X}"));
        }
    }
    // Continuations of at most ~60 characters, never splitting a %XX escape.
    let mut chunks = Vec::new();
    let mut cur = String::new();
    let mut chars = enc.chars().peekable();
    while let Some(c) = chars.next() {
        cur.push(c);
        if c == '%' {
            cur.extend(chars.next());
            cur.extend(chars.next());
        }
        if cur.len() >= 45 {
            chunks.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        chunks.push(cur);
    }
    let mut s = String::new();
    for (i, c) in chunks.iter().enumerate() {
        let prefix = if i == 0 { "utf-8''" } else { "" };
        let sep = if i + 1 < chunks.len() { ";" } else { "" };
        s.push_str(&format!("\r\n filename*{i}*={prefix}{c}{sep}"));
    }
    s
}

fn base64_lines(data: &[u8]) -> String {
    let enc = B64.encode(data);
    let mut s = String::with_capacity(enc.len() + enc.len() / 38 + 2);
    for chunk in enc.as_bytes().chunks(76) {
        s.push_str(std::str::from_utf8(chunk).unwrap_or(""));
        s.push_str("\r\n");
    }
    s
}

/// RFC 2047 `B` encoded-words in UTF-8, each at most 75 characters, split between characters.
pub fn encoded_words(text: &str) -> Vec<String> {
    const MAX_RAW: usize = 45; // 45 bytes → 60 base64 characters + 12 of framing ≤ 75
    let mut words = Vec::new();
    let mut cur = String::new();
    for c in text.chars() {
        if cur.len() + c.len_utf8() > MAX_RAW {
            words.push(format!("=?utf-8?b?{}?=", B64.encode(cur.as_bytes())));
            cur.clear();
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        words.push(format!("=?utf-8?b?{}?=", B64.encode(cur.as_bytes())));
    }
    words
}

fn needs_encoding(text: &str) -> bool {
    !text.bytes().all(|b| (0x20..0x7F).contains(&b))
        || text.contains("=?")
        || text.split(' ').any(|w| w.len() > 70)
}

/// An unstructured header (Subject, X-…): raw when short plain ASCII, else encoded-words.
fn text_header(s: &mut String, name: &str, value: &str) {
    let value: String = value
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if !needs_encoding(&value) {
        let mut line = format!("{name}:");
        let mut len = line.len();
        for w in value.split(' ').filter(|w| !w.is_empty()) {
            if len + 1 + w.len() > 76 {
                line.push_str("\r\n");
                len = 0;
            }
            line.push(' ');
            line.push_str(w);
            len += 1 + w.len();
        }
        s.push_str(&line);
        s.push_str("\r\n");
        return;
    }
    s.push_str(&format!("{name}:"));
    for w in encoded_words(&value) {
        s.push_str(&format!(" {w}\r\n"));
    }
}

fn address_header(s: &mut String, name: &str, list: &[Mailbox]) {
    let items: Vec<String> = list.iter().filter_map(mailbox).collect();
    if items.is_empty() {
        return;
    }
    s.push_str(&format!("{name}: {}\r\n", items.join(",\r\n ")));
}

/// `name <addr>` with the display name as atoms, a quoted string or encoded-words; `None`
/// for an address that cannot be written validly (it is then left out; the notice says so).
pub fn mailbox(m: &Mailbox) -> Option<String> {
    let addr = m.addr.as_deref().filter(|a| valid_addr(a))?;
    let Some(name) = m.name.as_deref().filter(|n| !n.trim().is_empty()) else {
        return Some(format!("<{addr}>"));
    };
    let name = name.trim();
    let shown = if name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b" !#$%&'*+-/=?^_`{|}~".contains(&b))
        && !name.contains("=?")
    {
        name.to_string()
    } else if !needs_encoding(name) {
        format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        encoded_words(name).join("\r\n ")
    };
    Some(format!("{shown} <{addr}>"))
}

fn dot_atom(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('.')
        && !s.ends_with('.')
        && !s.contains("..")
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~.".contains(&b))
}

fn valid_addr(a: &str) -> bool {
    match a.rsplit_once('@') {
        Some((local, domain)) => {
            dot_atom(local)
                && !domain.is_empty()
                && domain.len() < 255
                && domain.split('.').all(|l| {
                    !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                })
        }
        None => false,
    }
}

fn valid_msg_id(id: &str) -> bool {
    match id.split_once('@') {
        Some((l, r)) => dot_atom(l) && dot_atom(r) && id.len() < 900,
        None => false,
    }
}

fn id_list_header(s: &mut String, name: &str, ids: &[String]) {
    let ok: Vec<String> = ids
        .iter()
        .filter(|i| valid_msg_id(i))
        .map(|i| format!("<{i}>"))
        .collect();
    if !ok.is_empty() {
        s.push_str(&format!("{name}: {}\r\n", ok.join("\r\n ")));
    }
}

fn valid_date(d: &str) -> Option<String> {
    chrono::DateTime::parse_from_rfc2822(d.trim())
        .ok()
        .map(|t| t.to_rfc2822())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_words_are_short_and_split_on_characters() {
        let words = encoded_words(&"日本語の件名です".repeat(10));
        assert!(words.len() > 3);
        for w in &words {
            assert!(w.len() <= 75, "{w}");
            let inner = w.trim_start_matches("=?utf-8?b?").trim_end_matches("?=");
            let raw = B64.decode(inner).unwrap();
            assert!(String::from_utf8(raw).is_ok());
        }
    }

    #[test]
    fn mailbox_quotes_encodes_and_rejects() {
        let m = |n: &str, a: &str| Mailbox {
            name: Some(n.into()),
            addr: Some(a.into()),
        };
        assert_eq!(mailbox(&m("Taro", "t@ex.jp")).unwrap(), "Taro <t@ex.jp>");
        assert_eq!(
            mailbox(&m("Yamada, Taro", "t@ex.jp")).unwrap(),
            "\"Yamada, Taro\" <t@ex.jp>"
        );
        assert!(
            mailbox(&m("山田", "t@ex.jp"))
                .unwrap()
                .starts_with("=?utf-8?b?")
        );
        assert!(mailbox(&m("x", "not an address")).is_none());
        assert!(mailbox(&m("x", "a@b\r\nBcc: c@d")).is_none());
    }

    #[test]
    fn long_japanese_file_names_use_rfc2231_continuations() {
        let p = filename_param(&"長い日本語のファイル名".repeat(4));
        assert!(p.contains("filename*0*=utf-8''%E9%95%B7"));
        assert!(p.contains("filename*1*="));
        assert!(p.lines().all(|l| l.len() < 78));
    }
}
