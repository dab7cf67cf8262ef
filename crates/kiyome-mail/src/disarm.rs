//! `disarm`: rebuilds a message from the parsed model, never from the raw input.

use crate::build::{self, OutAttachment, OutMessage};
use crate::inspect::{report_html, report_links};
use crate::links::{Link, defang_text};
use crate::model::{Mail, PartKind};
use crate::notice::{self, Outcome};
use crate::{HtmlMode, MailOptions, PpapAction, at, html, load, ppap};
use kiyome_core::{Action, Ctx, Disarmed, Error, FileReport, Finding, Inspection, Kind, Severity};

/// Detail prefix of the finding that marks a held PPAP attachment.
const HELD: &str = "held for release";

/// Rebuilds a message or mailbox: valid MIME with the kept headers, a notice, plain-text
/// bodies with defanged links, and attachments sanitized through `ctx.sanitize_nested`.
/// What was removed or converted is recorded in `out` with its action.
pub fn disarm(
    data: &[u8],
    kind: Kind,
    ctx: &Ctx<'_>,
    opts: &MailOptions,
    out: &mut Inspection,
) -> Result<Disarmed, Error> {
    let mails = load(data, kind, ctx)?;
    if kind == Kind::Mbox {
        let mut mbox = Vec::new();
        for (prefix, mail) in &mails {
            // Each message of a mailbox is held under its own id; there is no single original.
            let raw = build::raw_eml(mail);
            let rebuilt = rebuild(prefix, mail, &raw, ctx, opts, out)?;
            mbox.extend_from_slice(b"From MAILER-DAEMON Thu Jan  1 00:00:00 1970\r\n");
            mbox.extend_from_slice(&rebuilt);
            mbox.extend_from_slice(b"\r\n");
        }
        return Ok(Disarmed {
            data: mbox,
            kind: Kind::Mbox,
        });
    }
    let (prefix, mail) = mails
        .first()
        .ok_or_else(|| Error::parse("eml", "no message"))?;
    let data = rebuild(prefix, mail, data, ctx, opts, out)?;
    Ok(Disarmed {
        data,
        kind: Kind::Eml,
    })
}

/// Whether sanitizing this input held an attachment (PPAP), so that the caller must keep the
/// original in the quarantine under the message id for `kiyome release`. Attached messages
/// count too: a PPAP zip inside a message/rfc822 attachment is held like a top-level one
/// (the walk follows only mail children, whose originals are part of this input's bytes).
pub fn holds_original(report: &FileReport) -> bool {
    let held_here = report
        .findings
        .iter()
        .any(|f| f.code == "mail.encrypted_attachment" && f.detail.starts_with(HELD));
    held_here
        || report
            .children
            .iter()
            .filter(|c| c.kind.class() == kiyome_core::KindClass::Mail || c.kind == Kind::Msg)
            .any(holds_original)
}

fn rebuild(
    prefix: &str,
    mail: &Mail,
    original: &[u8],
    ctx: &Ctx<'_>,
    opts: &MailOptions,
    out: &mut Inspection,
) -> Result<Vec<u8>, Error> {
    let id = mail.id_or_hash(original);
    let mut items: Vec<Outcome> = Vec::new();
    let mut msg = OutMessage {
        headers: mail.headers.clone(),
        extra: vec![(
            "X-Kiyome".into(),
            format!("sanitized by kiyome {}", kiyome_core::VERSION),
        )],
        ..OutMessage::default()
    };
    for m in &mail.malformed {
        out.add(
            Finding::new("mail.malformed", Severity::Low, at(prefix, "structure"))
                .detail(m.clone())
                .action(Action::Converted),
        );
    }
    header_checks(mail, prefix, &mut items, out);

    let has_text = mail
        .parts
        .iter()
        .any(|p| p.kind == PartKind::Text && !p.text.trim().is_empty());
    let mut body = String::new();
    let mut links: Vec<Link> = Vec::new();
    let mut remote = 0usize;
    let mut active = false;
    for part in &mail.parts {
        ctx.budget.check_time()?;
        let loc = at(prefix, &part.location);
        match part.kind {
            PartKind::Text => {
                let (t, l) = text_with_links(&part.text, opts);
                let mut sub = Inspection::default();
                report_links(&loc, &l, &mut sub);
                let action = if opts.defang_links {
                    Action::Neutralized
                } else {
                    Action::Kept
                };
                for f in sub.findings {
                    out.add(f.action(action));
                }
                links.extend(l);
                push_body(&mut body, &t);
            }
            PartKind::Html => {
                let scan = html::scan(&part.text, opts.defang_links);
                let mut sub = Inspection::default();
                report_html(&loc, &scan, &mut sub);
                for f in sub.findings {
                    let action = if f.code == "mail.link" {
                        Action::Neutralized
                    } else {
                        Action::Removed
                    };
                    out.add(f.action(action));
                }
                remote += scan.remote.len();
                active |= !scan.active.is_empty();
                let converted = if has_text {
                    Action::Removed
                } else {
                    Action::Converted
                };
                out.add(
                    Finding::new("mail.html_body", Severity::Low, loc)
                        .action(converted)
                        .detail(if has_text {
                            "HTML alternative dropped; the plain-text body is kept"
                        } else {
                            "converted to plain text"
                        }),
                );
                if !has_text {
                    links.extend(scan.links.iter().cloned());
                    push_body(&mut body, &scan.text);
                }
                if !items.contains(&Outcome::HtmlConverted) {
                    items.push(Outcome::HtmlConverted);
                }
            }
            PartKind::Attachment => {
                attachment(prefix, part, &id, ctx, opts, &mut msg, &mut items, out)
            }
        }
    }
    if remote > 0 {
        items.push(Outcome::RemoteRemoved(remote));
    }
    if active {
        items.push(Outcome::ActiveRemoved);
    }
    let defanged = links
        .iter()
        .filter(|l| !l.scheme.is_empty() || !l.host.is_empty())
        .count();
    if defanged > 0 && opts.defang_links {
        items.push(Outcome::LinksDefanged(defanged));
    }
    msg.text = if opts.notice && !notice::already_noticed(&body, &items) {
        notice::render(&items)
    } else {
        String::new()
    };
    msg.text
        .push_str(&body.replace("\r\n", "\n").replace('\n', "\r\n"));
    if opts.html == HtmlMode::Sanitized {
        msg.html = Some(safe_html(&msg.text));
    }
    Ok(build::write(&msg))
}

fn text_with_links(text: &str, opts: &MailOptions) -> (String, Vec<Link>) {
    let (defanged, links) = defang_text(text);
    if opts.defang_links {
        (defanged, links)
    } else {
        (text.to_string(), links)
    }
}

fn push_body(body: &mut String, text: &str) {
    if !body.is_empty() && !body.ends_with("\n\n") {
        body.push_str("\n\n");
    }
    body.push_str(text);
}

fn header_checks(mail: &Mail, prefix: &str, items: &mut Vec<Outcome>, out: &mut Inspection) {
    let h = &mail.headers;
    for (name, list) in [("From", &h.from), ("To", &h.to), ("Cc", &h.cc)] {
        if list.iter().any(|m| build::mailbox(m).is_none()) {
            items.push(Outcome::HeaderDropped(name.into()));
            out.add(
                Finding::new("mail.malformed", Severity::Low, at(prefix, name))
                    .detail(format!(
                        "an address in {name} cannot be written validly and was left out"
                    ))
                    .action(Action::Removed),
            );
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn attachment(
    prefix: &str,
    part: &crate::model::Part,
    id: &str,
    ctx: &Ctx<'_>,
    opts: &MailOptions,
    msg: &mut OutMessage,
    items: &mut Vec<Outcome>,
    out: &mut Inspection,
) {
    let loc = at(prefix, &part.location);
    let name = part.name.clone();
    if part.uuencoded {
        out.add(
            Finding::new("mail.uuencode", Severity::Medium, loc.clone())
                .detail(format!("uuencoded file {name} extracted as an attachment"))
                .action(Action::Converted),
        );
        items.push(Outcome::Uuencode { name: name.clone() });
    }
    if ppap::is_encrypted_zip(&part.data) {
        out.children
            .push(ctx.inspect_nested(&at(prefix, &name), &part.data));
        let (detail, outcome) = match opts.ppap {
            // Inside an archive (or any container but a message) the top-level original that
            // is quarantined is not a message `kiyome release` could open: removed instead,
            // and the notice says why.
            PpapAction::Hold if !ctx.holdable => (
                format!(
                    "removed: {name} (an encrypted zip in a message inside another container cannot be held for kiyome release)"
                ),
                Some(Outcome::EncryptedRemoved { name: name.clone() }),
            ),
            PpapAction::Hold => (
                format!("{HELD}: {name}; original message quarantined under id {id}"),
                Some(Outcome::Held {
                    name: name.clone(),
                    id: id.to_string(),
                }),
            ),
            PpapAction::Notice => (
                format!("removed: {name}"),
                Some(Outcome::EncryptedRemoved { name: name.clone() }),
            ),
            PpapAction::Drop => (format!("dropped: {name}"), None),
        };
        out.add(
            Finding::new("mail.encrypted_attachment", Severity::Medium, loc)
                .detail(detail)
                .action(Action::Removed),
        );
        items.extend(outcome);
        return;
    }
    let (report, disarmed) = ctx.sanitize_attachment(&at(prefix, &name), &part.data);
    let reason = report.reason.clone();
    let removed = notice::removed_codes(&report);
    let changed = notice::changed(&report);
    out.children.push(report);
    match disarmed {
        Some(d) => {
            let new_name = rename_for(&name, d.kind);
            out.add(
                Finding::new("mail.attachment", Severity::Info, loc)
                    .detail(format!("{name}: sanitized as {}", d.kind))
                    .action(if new_name == name {
                        Action::Kept
                    } else {
                        Action::Converted
                    }),
            );
            items.push(Outcome::Released {
                name: name.clone(),
                new_name: new_name.clone(),
                removed,
                changed,
            });
            msg.attachments.push(OutAttachment {
                name: new_name,
                content_type: mime_type(d.kind).to_string(),
                data: d.data,
            });
        }
        None => {
            let reason = reason.unwrap_or_else(|| "unsupported".into());
            out.add(
                Finding::new("mail.attachment", Severity::Info, loc)
                    .detail(format!("{name}: blocked ({reason})"))
                    .action(Action::Removed),
            );
            items.push(Outcome::Blocked { name, reason });
        }
    }
}

/// `invoice.docm` sanitized as docx → `invoice.docx`; a name without a known extension keeps
/// its name and gains the output's extension.
fn rename_for(name: &str, kind: Kind) -> String {
    let ext = kind.default_extension();
    let claimed = Kind::from_file_name(name);
    if claimed == Some(kind) {
        return name.to_string();
    }
    if let Some(c) = claimed
        && c.class() != kind.class()
        && !kind.consistent_with_claim(c)
    {
        // A conversion (text-only, image-PDF): `report.pdf` → `report.pdf.txt`, as the CLI
        // names converted files, so two attachments never end up with one name.
        return format!("{name}.{ext}");
    }
    match name.rsplit_once('.') {
        Some((stem, old)) if !stem.is_empty() && old.len() <= 5 => format!("{stem}.{ext}"),
        _ => format!("{name}.{ext}"),
    }
}

/// The MIME type written for an output kind.
pub fn mime_type(kind: Kind) -> &'static str {
    match kind {
        Kind::Pdf => "application/pdf",
        Kind::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        Kind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Kind::Pptx => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        Kind::Odt => "application/vnd.oasis.opendocument.text",
        Kind::Ods => "application/vnd.oasis.opendocument.spreadsheet",
        Kind::Odp => "application/vnd.oasis.opendocument.presentation",
        Kind::Jpeg => "image/jpeg",
        Kind::Png => "image/png",
        Kind::Gif => "image/gif",
        Kind::Tiff => "image/tiff",
        Kind::Webp => "image/webp",
        Kind::Bmp => "image/bmp",
        Kind::Zip => "application/zip",
        Kind::Text | Kind::Empty => "text/plain",
        Kind::Csv => "text/csv",
        Kind::Eml => "message/rfc822",
        _ => "application/octet-stream",
    }
}

/// The sanitized-HTML alternative: the final plain text, HTML-escaped, with `<br>` line
/// breaks. Nothing from the original markup is carried over.
fn safe_html(text: &str) -> String {
    let mut s = String::from(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body><div style=\"white-space:pre-wrap;font-family:monospace\">",
    );
    for c in text.chars() {
        match c {
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '&' => s.push_str("&amp;"),
            '"' => s.push_str("&quot;"),
            '\r' => {}
            '\n' => s.push_str("<br>\r\n"),
            c => s.push(c),
        }
    }
    s.push_str("</div></body></html>\r\n");
    s
}
