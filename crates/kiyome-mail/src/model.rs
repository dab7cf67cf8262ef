//! The parsed form of a message, independent of where it came from (MIME, mbox, emlx, .msg).
//!
//! Every string here is already decoded to Unicode (charsets, RFC 2047 encoded-words, RFC 2231
//! parameters); every byte buffer is already transfer-decoded (base64, quoted-printable,
//! uuencode). The rebuilder writes only from this model, never from the raw input, so nothing
//! from the original message survives by accident (DESIGN.md: rebuild, don't patch).

/// One mailbox of an address header.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Mailbox {
    /// The display name, decoded.
    pub name: Option<String>,
    /// The address (`local@domain`), if one could be parsed.
    pub addr: Option<String>,
}

/// The headers kiyome keeps in a rebuilt message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Headers {
    /// Subject, decoded.
    pub subject: Option<String>,
    /// From.
    pub from: Vec<Mailbox>,
    /// To.
    pub to: Vec<Mailbox>,
    /// Cc.
    pub cc: Vec<Mailbox>,
    /// Date as an RFC 5322 date-time, when it parsed.
    pub date: Option<String>,
    /// Message-ID without angle brackets.
    pub message_id: Option<String>,
    /// In-Reply-To ids without angle brackets.
    pub in_reply_to: Vec<String>,
    /// References ids without angle brackets.
    pub references: Vec<String>,
}

/// What a body part or attachment is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartKind {
    /// A plain-text body.
    Text,
    /// An HTML body.
    Html,
    /// An attachment (or inline binary), including attached messages.
    Attachment,
}

/// One leaf of the message: a body or an attachment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// Body or attachment.
    pub kind: PartKind,
    /// Where in the message (`part 3`, `attachment 2`, `uuencode block 1`).
    pub location: String,
    /// The decoded text, for bodies.
    pub text: String,
    /// The attachment file name (sanitized: no path, no control characters).
    pub name: String,
    /// The declared content type (`application/pdf`).
    pub content_type: String,
    /// The decoded bytes, for attachments.
    pub data: Vec<u8>,
    /// Whether the attachment came from a uuencode block.
    pub uuencoded: bool,
}

impl Part {
    /// A text or HTML body.
    pub fn body(kind: PartKind, location: String, text: String) -> Self {
        Part {
            kind,
            location,
            text,
            name: String::new(),
            content_type: String::new(),
            data: Vec::new(),
            uuencoded: false,
        }
    }

    /// An attachment.
    pub fn attachment(location: String, name: String, content_type: String, data: Vec<u8>) -> Self {
        Part {
            kind: PartKind::Attachment,
            location,
            text: String::new(),
            name,
            content_type,
            data,
            uuencoded: false,
        }
    }
}

/// A parsed message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Mail {
    /// The headers that matter.
    pub headers: Headers,
    /// Bodies and attachments, in message order.
    pub parts: Vec<Part>,
    /// Structural problems found while parsing (each becomes a `mail.malformed` finding).
    pub malformed: Vec<String>,
}

impl Mail {
    /// The id used for the quarantine and the notice: the Message-ID, or `sha256:<hex>` of
    /// the original bytes when the message has none.
    pub fn id_or_hash(&self, original: &[u8]) -> String {
        match &self.headers.message_id {
            Some(id) if !id.is_empty() => id.clone(),
            _ => format!("sha256:{}", kiyome_core::sha256_hex(original)),
        }
    }
}

/// Makes an attacker-chosen attachment name safe to show and to use as a file name: no
/// directories (`../../x`), no control or bidi-override characters (`exe.pdf` spoofing with
/// U+202E), bounded length, never empty.
pub fn safe_name(raw: &str, fallback: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let mut s: String = base
        .chars()
        .filter(|c| {
            !c.is_control()
                && !matches!(*c as u32, 0x200B..=0x200F | 0x202A..=0x202E | 0x2066..=0x2069 | 0xFEFF)
        })
        .take(120)
        .collect();
    s = s.trim().trim_start_matches('.').to_string();
    if s.is_empty() {
        fallback.to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_name_strips_paths_controls_and_rtl_override() {
        assert_eq!(safe_name("../../etc/passwd", "x"), "passwd");
        assert_eq!(safe_name("C:\\a\\b.docm", "x"), "b.docm");
        assert_eq!(safe_name("invoice\u{202E}fdp.exe", "x"), "invoicefdp.exe");
        assert_eq!(safe_name("\u{0}\n", "attachment-1"), "attachment-1");
        assert_eq!(safe_name(".hidden", "x"), "hidden");
    }
}
