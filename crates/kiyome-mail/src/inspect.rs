//! `inspect`: the dangerous-factor check of a message, changing nothing.

use crate::links::{Link, find_urls, parse_link};
use crate::model::{Mail, PartKind};
use crate::{at, html, load, ppap};
use kiyome_core::{Ctx, Error, Finding, Inspection, Kind, Severity};
use std::collections::BTreeSet;

/// Inspects a message or mailbox (already detected as `kind`): HTML bodies, remote content,
/// links, active content, attachments (each inspected by the engine as a child report),
/// PPAP zips, uuencode blocks and malformed structure.
pub fn inspect(data: &[u8], kind: Kind, ctx: &Ctx<'_>, out: &mut Inspection) -> Result<(), Error> {
    for (prefix, mail) in load(data, kind, ctx)? {
        inspect_mail(&prefix, &mail, ctx, out)?;
    }
    Ok(())
}

pub(crate) fn inspect_mail(
    prefix: &str,
    mail: &Mail,
    ctx: &Ctx<'_>,
    out: &mut Inspection,
) -> Result<(), Error> {
    for m in &mail.malformed {
        out.add(
            Finding::new("mail.malformed", Severity::Low, at(prefix, "structure"))
                .detail(m.clone()),
        );
    }
    for part in &mail.parts {
        ctx.budget.check_time()?;
        let loc = at(prefix, &part.location);
        match part.kind {
            PartKind::Text => {
                let links: Vec<Link> = find_urls(&part.text)
                    .into_iter()
                    .map(|(s, e)| parse_link(&part.text[s..e]))
                    .collect();
                report_links(&loc, &links, out);
            }
            PartKind::Html => {
                out.add(Finding::new("mail.html_body", Severity::Low, loc.clone()));
                let scan = html::scan(&part.text, true);
                report_html(&loc, &scan, out);
            }
            PartKind::Attachment => {
                out.add(
                    Finding::new("mail.attachment", Severity::Info, loc.clone()).detail(format!(
                        "{} ({}, {} bytes)",
                        part.name,
                        if part.content_type.is_empty() {
                            "no type"
                        } else {
                            &part.content_type
                        },
                        part.data.len()
                    )),
                );
                if part.uuencoded {
                    out.add(
                        Finding::new("mail.uuencode", Severity::Medium, loc.clone())
                            .detail(format!("uuencoded file {}", part.name)),
                    );
                }
                if ppap::is_encrypted_zip(&part.data) {
                    out.add(
                        Finding::new("mail.encrypted_attachment", Severity::Medium, loc.clone())
                            .detail(format!("password-protected zip {}", part.name)),
                    );
                }
                out.children
                    .push(ctx.inspect_nested(&at(prefix, &part.name), &part.data));
            }
        }
    }
    Ok(())
}

/// Findings for what an HTML scan saw (used by inspect and, with other actions, by disarm).
pub(crate) fn report_html(loc: &str, scan: &html::HtmlScan, out: &mut Inspection) {
    report_links(loc, &scan.links, out);
    let mut seen = BTreeSet::new();
    for (l, tiny) in &scan.remote {
        let what = if *tiny {
            "tracking pixel"
        } else {
            "remote resource"
        };
        let detail = format!("{what} {}", l.detail());
        if seen.insert(detail.clone()) {
            out.add(
                Finding::new("mail.remote_content", Severity::Medium, loc.to_string())
                    .detail(detail),
            );
        }
    }
    let active: BTreeSet<&String> = scan.active.iter().collect();
    for a in active {
        out.add(
            Finding::new("mail.active_content", Severity::High, loc.to_string()).detail(a.clone()),
        );
    }
}

/// One `mail.link` per distinct scheme and host.
pub(crate) fn report_links(loc: &str, links: &[Link], out: &mut Inspection) {
    let mut seen = BTreeSet::new();
    for l in links {
        if l.scheme.is_empty() && l.host.is_empty() {
            continue; // a fragment or relative reference leads nowhere in a mail
        }
        if seen.insert(l.detail()) {
            out.add(Finding::new("mail.link", l.severity(), loc.to_string()).detail(l.detail()));
        }
    }
}
