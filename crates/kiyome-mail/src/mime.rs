//! MIME messages (`.eml`), Apple `.emlx` and mbox mailboxes into the [`Mail`] model.
//!
//! mail-parser does the MIME tree, transfer decoding, charsets (with `full_encoding`:
//! ISO-2022-JP, CP932, EUC-JP through encoding_rs), RFC 2047 and RFC 2231. Around it, our own
//! bounded code: mbox splitting, the emlx byte count, x-uuencode parts and uuencode blocks in
//! text bodies, and the checks that turn oddities into `mail.malformed`.

use crate::model::{Headers, Mail, Mailbox, Part, PartKind, safe_name};
use crate::uuencode;
use kiyome_core::{Ctx, Error, LimitKind};
use mail_parser::{Address, HeaderValue, MessageParser, MimeHeaders, PartType};

/// Most parts handled in one message; more is treated as a part bomb.
const MAX_PARTS: usize = 2_000;

/// Parses one RFC 5322 message (after any mbox/emlx framing is removed).
pub fn parse_message(data: &[u8], ctx: &Ctx<'_>) -> Result<Mail, Error> {
    ctx.budget.check_time()?;
    let msg = MessageParser::default()
        .parse(data)
        .ok_or_else(|| Error::parse("eml", "no message headers or body"))?;
    let mut mail = Mail {
        headers: headers(&msg),
        ..Mail::default()
    };
    if msg.parts.len() > MAX_PARTS {
        return Err(Error::limit(
            LimitKind::Entries,
            msg.parts.len() as u64,
            MAX_PARTS as u64,
        ));
    }
    check_structure(data, &msg, &mut mail.malformed);
    let mut attachment_no = 0usize;
    for (i, part) in msg.parts.iter().enumerate() {
        ctx.budget.check_time()?;
        let id = i as u32;
        let location = format!("part {}", i);
        if part.is_encoding_problem {
            mail.malformed.push(format!(
                "{location}: transfer encoding could not be decoded"
            ));
        }
        let is_attachment = msg.attachments.contains(&id);
        let cte = part
            .content_transfer_encoding()
            .unwrap_or("")
            .to_ascii_lowercase();
        let ctype = part
            .content_type()
            .map(|c| match c.subtype() {
                Some(s) => format!("{}/{}", c.ctype(), s),
                None => c.ctype().to_string(),
            })
            .unwrap_or_default()
            .to_ascii_lowercase();
        match &part.body {
            PartType::Multipart(_) => {}
            PartType::Text(t) | PartType::Html(t)
                if !is_attachment && !cte.contains("uuencode") =>
            {
                ctx.budget.consume(t.len() as u64)?;
                let kind = if matches!(part.body, PartType::Html(_)) {
                    PartKind::Html
                } else {
                    PartKind::Text
                };
                let (text, blocks) = uuencode::extract(t, ctx)?;
                mail.parts.push(Part::body(kind, location.clone(), text));
                for (n, (name, bytes)) in blocks.into_iter().enumerate() {
                    let mut p = Part::attachment(
                        format!("{location} uuencode block {}", n + 1),
                        safe_name(&name, &format!("uuencoded-{}", n + 1)),
                        "application/octet-stream".into(),
                        bytes,
                    );
                    p.uuencoded = true;
                    mail.parts.push(p);
                }
            }
            body => {
                attachment_no += 1;
                let raw: Vec<u8> = match body {
                    PartType::Text(t) | PartType::Html(t) => t.as_bytes().to_vec(),
                    PartType::Binary(b) | PartType::InlineBinary(b) => b.to_vec(),
                    // A nested message parsed in place (7bit/8bit) shares its parent's buffer:
                    // `raw_message` is the whole outer message and the root part's offsets say
                    // where the nested one lies. Taking all of it made every rebuilt message
                    // with an attached message contain itself (limit.depth on re-inspection).
                    PartType::Message(m) => m
                        .parts
                        .first()
                        .and_then(|root| {
                            m.raw_message
                                .get(root.offset_header as usize..root.offset_end as usize)
                        })
                        .unwrap_or(&m.raw_message)
                        .to_vec(),
                    PartType::Multipart(_) => Vec::new(),
                };
                ctx.budget.consume(raw.len() as u64)?;
                let is_message = matches!(body, PartType::Message(_));
                let default_name = if is_message {
                    format!("attached-message-{attachment_no}.eml")
                } else {
                    format!("attachment-{attachment_no}")
                };
                let name = safe_name(part.attachment_name().unwrap_or(""), &default_name);
                if cte.contains("uuencode") {
                    // Content-Transfer-Encoding: x-uuencode (not a MIME encoding mail-parser
                    // decodes): the part body is one uuencode block.
                    let text = String::from_utf8_lossy(&raw).into_owned();
                    let (_, blocks) = uuencode::extract(&text, ctx)?;
                    if blocks.is_empty() {
                        // Nothing to decode: an empty part (mikel/mail's error_emails fixture)
                        // or text without a `begin` line. Parsers disagree on what it holds.
                        let what = if text.trim().is_empty() {
                            "is empty"
                        } else {
                            "has no valid uuencode block"
                        };
                        mail.malformed
                            .push(format!("{location}: x-uuencode part {what}"));
                    }
                    for (n, (bname, bytes)) in blocks.into_iter().enumerate() {
                        let shown = if bname.is_empty() {
                            name.clone()
                        } else {
                            bname
                        };
                        let mut p = Part::attachment(
                            format!("{location} uuencode block {}", n + 1),
                            safe_name(&shown, &default_name),
                            ctype.clone(),
                            bytes,
                        );
                        p.uuencoded = true;
                        mail.parts.push(p);
                    }
                    continue;
                }
                mail.parts.push(Part::attachment(
                    format!("attachment {attachment_no} ({location})"),
                    name,
                    if is_message && ctype.is_empty() {
                        "message/rfc822".into()
                    } else {
                        ctype
                    },
                    raw,
                ));
            }
        }
    }
    Ok(mail)
}

fn headers(msg: &mail_parser::Message<'_>) -> Headers {
    Headers {
        subject: msg.subject().map(clean_text),
        from: mailboxes(msg.from()),
        to: mailboxes(msg.to()),
        cc: mailboxes(msg.cc()),
        date: msg.date().map(|d| d.to_rfc822()),
        message_id: msg.message_id().map(|s| s.trim().to_string()),
        in_reply_to: ids(msg.in_reply_to()),
        references: ids(msg.references()),
    }
}

/// Decoded header text with line breaks and other controls removed (header injection).
fn clean_text(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}

fn mailboxes(addr: Option<&Address<'_>>) -> Vec<Mailbox> {
    let Some(addr) = addr else {
        return Vec::new();
    };
    addr.iter()
        .take(500)
        .map(|a| Mailbox {
            name: a.name().map(clean_text).filter(|s| !s.is_empty()),
            addr: a.address().map(clean_text).filter(|s| !s.is_empty()),
        })
        .collect()
}

fn ids(v: &HeaderValue<'_>) -> Vec<String> {
    let list: Vec<String> = match v {
        HeaderValue::Text(t) => vec![t.to_string()],
        HeaderValue::TextList(l) => l.iter().map(|s| s.to_string()).collect(),
        _ => Vec::new(),
    };
    list.into_iter()
        .map(|s| clean_text(&s))
        .filter(|s| !s.is_empty())
        .take(100)
        .collect()
}

/// Structural checks mail-parser tolerates silently: a multipart whose boundary never
/// appears, or whose closing delimiter is missing (RFC 2046 §5.1.1); header lines without a
/// colon.
fn check_structure(data: &[u8], msg: &mail_parser::Message<'_>, malformed: &mut Vec<String>) {
    for (i, part) in msg.parts.iter().enumerate() {
        if let (PartType::Multipart(children), Some(ct)) = (&part.body, part.content_type()) {
            match ct.attribute("boundary") {
                None => malformed.push(format!("part {i}: multipart without a boundary")),
                Some(b) => {
                    let close = format!("--{b}--");
                    if !contains(data, close.as_bytes()) {
                        malformed.push(format!("part {i}: multipart not closed by its boundary"));
                    }
                    if children.is_empty() {
                        malformed.push(format!("part {i}: multipart without parts"));
                    }
                }
            }
        }
    }
    let end = find_header_end(data);
    let head = &data[..end];
    for line in head.split(|b| *b == b'\n').take(2_000) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() || line[0] == b' ' || line[0] == b'\t' || line.starts_with(b"From ") {
            continue;
        }
        if !line.contains(&b':') {
            malformed.push("header line without a colon".into());
            break;
        }
    }
}

fn find_header_end(data: &[u8]) -> usize {
    let limit = data.len().min(256 * 1024);
    let d = &data[..limit];
    for i in 0..d.len() {
        if d[i..].starts_with(b"\n\n") || d[i..].starts_with(b"\n\r\n") {
            return i;
        }
    }
    limit
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// Strips Apple Mail's `.emlx` framing: a decimal byte count on the first line, the message,
/// then an XML property list (which is dropped).
pub fn strip_emlx(data: &[u8]) -> Option<&[u8]> {
    let nl = data.iter().take(24).position(|b| *b == b'\n')?;
    let count: usize = std::str::from_utf8(&data[..nl]).ok()?.trim().parse().ok()?;
    let rest = &data[nl + 1..];
    Some(&rest[..count.min(rest.len())])
}

/// Splits an mbox into messages at `From ` lines that follow an empty line (or start the
/// file), and undoes `>From ` quoting (mboxrd). Bounded by `max_entries`.
pub fn split_mbox(data: &[u8], max: u64) -> Result<Vec<Vec<u8>>, Error> {
    let mut messages: Vec<Vec<u8>> = Vec::new();
    let mut current: Option<Vec<u8>> = None;
    let mut prev_blank = true;
    for line in data.split_inclusive(|b| *b == b'\n') {
        let bare = line.strip_suffix(b"\n").unwrap_or(line);
        let bare = bare.strip_suffix(b"\r").unwrap_or(bare);
        if line.starts_with(b"From ") && prev_blank && looks_like_from_line(bare) {
            if let Some(m) = current.take() {
                messages.push(m);
            }
            if messages.len() as u64 >= max {
                return Err(Error::limit(
                    LimitKind::Entries,
                    messages.len() as u64 + 1,
                    max,
                ));
            }
            current = Some(Vec::new());
            prev_blank = false;
            continue;
        }
        prev_blank = bare.is_empty();
        let cur = current.get_or_insert_with(Vec::new);
        let unquoted = {
            let q = line.iter().take_while(|b| **b == b'>').count();
            q > 0 && line[q..].starts_with(b"From ")
        };
        if unquoted {
            cur.extend_from_slice(&line[1..]);
        } else {
            cur.extend_from_slice(line);
        }
    }
    if let Some(m) = current {
        messages.push(m);
    }
    messages.retain(|m| m.iter().any(|b| !b.is_ascii_whitespace()));
    Ok(messages)
}

/// An mbox separator carries a date: `From sender Mon Jan  1 00:00:00 2024`. Requiring a time
/// (`hh:mm`) keeps a body line such as `From me, hi` after a blank line from splitting a
/// message (mboxo writers do not quote it).
fn looks_like_from_line(line: &[u8]) -> bool {
    line.windows(3)
        .any(|w| w[0].is_ascii_digit() && w[1] == b':' && w[2].is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mbox_split_respects_blank_line_rule_and_unquotes() {
        let mbox = b"From a@b Mon Jan 1 00:00:00 2024\nSubject: one\n\nFrom me, hi\n>From quoted\n\nFrom c@d Mon Jan 1 00:00:00 2024\nSubject: two\n\nbody\n";
        let msgs = split_mbox(mbox, 10).unwrap();
        assert_eq!(msgs.len(), 2);
        let first = String::from_utf8(msgs[0].clone()).unwrap();
        assert!(first.contains("From me, hi\nFrom quoted\n"));
        assert!(split_mbox(mbox, 1).is_err());
    }

    fn parse(eml: &str) -> Mail {
        let budget = kiyome_core::Budget::new(&kiyome_core::Limits::default());
        let ctx = Ctx::new(&budget, &kiyome_core::NoNesting);
        parse_message(eml.as_bytes(), &ctx).unwrap()
    }

    fn x_uuencode_message(body: &str) -> String {
        format!(
            "From: a@example.jp\r\nSubject: s\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n\
Content-Type: text/plain\r\n\r\nsee attached\r\n--b\r\n\
Content-Type: application/msword; name=\"a.doc\"\r\n\
Content-Disposition: attachment; filename=\"a.doc\"\r\n\
Content-Transfer-Encoding: x-uuencode\r\n\r\n{body}\r\n--b--\r\n"
        )
    }

    #[test]
    fn x_uuencode_part_is_decoded_into_a_uuencoded_attachment() {
        let block = uuencode::encode("a.doc", b"\xD0\xCF\x11\xE0 ole").replace('\n', "\r\n");
        let mail = parse(&x_uuencode_message(&block));
        let att: Vec<&Part> = mail.parts.iter().filter(|p| p.uuencoded).collect();
        assert_eq!(att.len(), 1, "{:?}", mail.malformed);
        assert_eq!(att[0].data, b"\xD0\xCF\x11\xE0 ole");
        assert!(mail.malformed.is_empty(), "{:?}", mail.malformed);
    }

    #[test]
    fn empty_x_uuencode_part_is_malformed_not_a_uuencoded_file() {
        // mikel/mail content_transfer_encoding_x_uuencode.eml: the part has headers only.
        let mail = parse(&x_uuencode_message("\r\n"));
        assert!(!mail.parts.iter().any(|p| p.uuencoded));
        assert!(
            mail.malformed
                .iter()
                .any(|m| m.contains("x-uuencode part is empty")),
            "{:?}",
            mail.malformed
        );
    }

    #[test]
    fn emlx_count_bounds_the_message() {
        let d = b"11\nSubject: x\n<?xml plist";
        assert_eq!(strip_emlx(d).unwrap(), b"Subject: x\n");
        assert!(strip_emlx(b"no count").is_none());
    }
}
