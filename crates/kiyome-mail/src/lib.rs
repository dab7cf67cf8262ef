//! kiyome-mail: mail sanitization (メール無害化).
//!
//! Parses `.eml`, Apple `.emlx`, mbox and Outlook `.msg` into one model ([`model::Mail`]),
//! inspects it ([`inspect`]: HTML bodies, remote content, links, attachments through the
//! engine, PPAP zips, uuencode, malformed structure), and rebuilds it ([`disarm`]): a fresh,
//! valid MIME message with the headers that matter, a Japanese/English notice of what was
//! done, the HTML body as defanged plain text, and every attachment sanitized by the
//! engine's policy for its kind. [`quarantine`] is the store for originals.
//!
//! ```
//! use kiyome_core::{Budget, Ctx, Inspection, Kind, Limits, NoNesting};
//! let msg = b"From: a@example.jp\r\nTo: b@example.jp\r\nSubject: hi\r\n\r\nsee http://example.com\r\n";
//! let budget = Budget::new(&Limits::default());
//! let ctx = Ctx::new(&budget, &NoNesting);
//! let mut out = Inspection::default();
//! let rebuilt = kiyome_mail::disarm(msg, Kind::Eml, &ctx, &Default::default(), &mut out).unwrap();
//! let text = String::from_utf8(rebuilt.data).unwrap();
//! assert!(text.contains("Subject: hi"));
//! assert!(out.has("mail.link"));
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod build;
mod decode;
mod disarm;
pub mod html;
mod inspect;
pub mod links;
pub mod mime;
pub mod model;
pub mod msg;
mod notice;
pub mod ppap;
pub mod quarantine;
pub mod tree;
pub mod uuencode;

pub use disarm::{disarm, holds_original};
pub use inspect::inspect;

use kiyome_core::{CodeInfo, Ctx, Error, Kind, Severity};
use serde::{Deserialize, Serialize};

/// Finding codes raised by this crate.
pub const CODES: &[CodeInfo] = &[
    CodeInfo {
        code: "mail.attachment",
        severity: Severity::Info,
        meaning: "The message carries an attachment; its own report is nested under the message.",
    },
    CodeInfo {
        code: "mail.html_body",
        severity: Severity::Low,
        meaning: "The message has an HTML body (sanitize converts it to plain text).",
    },
    CodeInfo {
        code: "mail.remote_content",
        severity: Severity::Medium,
        meaning: "The HTML body loads remote content when displayed (images, tracking pixels, style URLs): the sender learns when and where it was read.",
    },
    CodeInfo {
        code: "mail.link",
        severity: Severity::Low,
        meaning: "The message contains a link (detail: scheme and host); script, file and UNC links are more severe.",
    },
    CodeInfo {
        code: "mail.active_content",
        severity: Severity::High,
        meaning: "The HTML body carries script, event handlers, frames, objects, forms or a meta refresh.",
    },
    CodeInfo {
        code: "mail.malformed",
        severity: Severity::Low,
        meaning: "The message structure is broken (missing boundaries, undecodable parts, bad header lines); parsers may disagree on what it contains.",
    },
    CodeInfo {
        code: "mail.encrypted_attachment",
        severity: Severity::Medium,
        meaning: "A password-protected zip is attached (PPAP): it cannot be checked; sanitize holds it until an operator releases it with the password.",
    },
    CodeInfo {
        code: "mail.uuencode",
        severity: Severity::Medium,
        meaning: "An attachment is hidden in the body as a uuencode block, invisible to MIME-only filters.",
    },
];

/// What happens to an HTML body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HtmlMode {
    /// Plain text only, links written out and defanged (default).
    #[default]
    Text,
    /// Plain text plus a rebuilt HTML alternative made only of escaped text and line breaks:
    /// no tags from the original, no links, no images.
    Sanitized,
}

/// What happens to a password-protected zip attachment (PPAP).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PpapAction {
    /// Removed from the message and held: the original message goes to the quarantine and
    /// `kiyome release MESSAGE-ID --password …` releases the attachment (default).
    #[default]
    Hold,
    /// Removed; the notice says so, nothing is held.
    Notice,
    /// Removed without a line in the notice (still in the report).
    Drop,
}

/// Mail options of the sanitize policy (`[mail]` in the policy TOML).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailOptions {
    /// HTML bodies: `text` (default) or `sanitized`.
    pub html: HtmlMode,
    /// Password-protected zips: `hold` (default), `notice` or `drop`.
    pub ppap: PpapAction,
    /// Write links as `hxxp://example[.]com` so they cannot be clicked (default true).
    pub defang_links: bool,
    /// Put the Japanese/English notice at the top of the body (default true).
    pub notice: bool,
}

impl Default for MailOptions {
    fn default() -> Self {
        MailOptions {
            html: HtmlMode::Text,
            ppap: PpapAction::Hold,
            defang_links: true,
            notice: true,
        }
    }
}

/// Parses the input into its messages: one for `.eml`/`.emlx`/`.msg`, each message of an
/// mbox. The location names the message inside an mbox (empty otherwise).
pub fn load(data: &[u8], kind: Kind, ctx: &Ctx<'_>) -> Result<Vec<(String, model::Mail)>, Error> {
    match kind {
        Kind::Msg => Ok(vec![(String::new(), msg::parse(data, ctx)?)]),
        Kind::Mbox => {
            let msgs = mime::split_mbox(data, ctx.limits().max_entries)?;
            let mut out = Vec::with_capacity(msgs.len());
            for (i, m) in msgs.iter().enumerate() {
                ctx.budget.check_time()?;
                out.push((format!("message {}", i + 1), mime::parse_message(m, ctx)?));
            }
            Ok(out)
        }
        Kind::Eml => {
            let body = mime::strip_emlx(data).unwrap_or(data);
            Ok(vec![(String::new(), mime::parse_message(body, ctx)?)])
        }
        other => Err(Error::unsupported(format!("{other} is not a mail kind"))),
    }
}

/// Who sent a message and its id, for audit records and the quarantine.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Envelope {
    /// The first From address (or display name when there is no address).
    pub from: String,
    /// The Message-ID (or `sha256:<hex>` of the input when it has none).
    pub message_id: String,
}

/// The envelope of the first message in a mail input, or `None` for other kinds or
/// unparseable input. Parses under default limits without recursing into attachments.
pub fn envelope(data: &[u8], kind: Kind) -> Option<Envelope> {
    envelopes(data, kind).into_iter().next()
}

/// The envelope of every top-level message of a mail input (each message of an mbox), in
/// order; empty for other kinds or unparseable input. Parses under default limits.
pub fn envelopes(data: &[u8], kind: Kind) -> Vec<Envelope> {
    if kind.class() != kiyome_core::KindClass::Mail && kind != Kind::Msg {
        return Vec::new();
    }
    let budget = kiyome_core::Budget::new(&kiyome_core::Limits::default());
    let ctx = Ctx::new(&budget, &kiyome_core::NoNesting);
    let Ok(mails) = load(data, kind, &ctx) else {
        return Vec::new();
    };
    mails
        .into_iter()
        .map(|(_, mail)| {
            let from = mail
                .headers
                .from
                .first()
                .and_then(|m| m.addr.clone().or_else(|| m.name.clone()))
                .unwrap_or_default();
            // The same id `disarm` names in the notice (an mbox message hashes its rebuild).
            let message_id = if kind == Kind::Mbox {
                mail.id_or_hash(&build::raw_eml(&mail))
            } else {
                mail.id_or_hash(data)
            };
            Envelope { from, message_id }
        })
        .collect()
}

/// `message 2: part 3` or just `part 3`.
pub(crate) fn at(prefix: &str, loc: &str) -> String {
    if prefix.is_empty() {
        loc.to_string()
    } else {
        format!("{prefix}: {loc}")
    }
}
