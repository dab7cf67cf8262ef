//! OpenDocument disarm: a fresh package without `Basic/`, `Scripts/`, `Dialogs/` and binary
//! OLE objects; event listeners, script links and external links removed from every XML
//! part; personal metadata dropped; the manifest rebuilt to list exactly what is left;
//! `mimetype` first and stored (ODF 1.3 Part 2 §3.3).

use crate::odf::{is_binary_object, is_external_href, is_macro_part, is_script_link};
use crate::ooxml::{describe_target, is_web_link};
use crate::opc::{Package, PackageWriter};
use crate::xml::{self, Edit, El};
use crate::{Collector, OfficeOptions, PartHook};
use kiyome_core::{Action, Ctx, Disarmed, Error, Finding, Inspection, Kind, Severity};
use std::collections::HashSet;

/// `meta.xml` elements that name people or carry user-defined data.
const PERSONAL_META: &[&str] = &[
    "initial-creator",
    "creator",
    "printed-by",
    "user-defined",
    "keyword",
    "description",
    "template",
    "auto-reload",
    "hyperlink-behaviour",
];

/// Disarms an OpenDocument package.
pub fn disarm(
    data: &[u8],
    kind: Kind,
    ctx: &Ctx<'_>,
    opts: &OfficeOptions,
    out: &mut Inspection,
    hook: &mut dyn PartHook,
) -> Result<Disarmed, Error> {
    let mut col = Collector::default();
    let r = rebuild(data, kind, ctx, opts, &mut col, hook);
    col.flush(out);
    r
}

fn removed(col: &mut Collector, code: &str, sev: Severity, loc: &str, detail: &str) {
    col.add(
        Finding::new(code, sev, loc)
            .detail(detail)
            .action(Action::Removed),
    );
}

fn rebuild(
    data: &[u8],
    kind: Kind,
    ctx: &Ctx<'_>,
    opts: &OfficeOptions,
    col: &mut Collector,
    hook: &mut dyn PartHook,
) -> Result<Disarmed, Error> {
    let mut pkg = Package::open(data, ctx, "odf")?;
    if !pkg.duplicates.is_empty() {
        return Err(Error::parse("odf", "duplicate member names"));
    }
    let manifest = if pkg.has("META-INF/manifest.xml") {
        pkg.read("META-INF/manifest.xml", ctx)?
    } else {
        return Err(Error::parse("odf", "missing META-INF/manifest.xml"));
    };
    if pkg.entries.iter().any(|e| e.encrypted)
        || String::from_utf8_lossy(&manifest).contains("encryption-data")
    {
        return Err(Error::Encrypted {
            format: "odf",
            detail: "encrypted members cannot be checked".into(),
        });
    }
    let mimetype = if pkg.has("mimetype") {
        pkg.read("mimetype", ctx)?
    } else {
        return Err(Error::parse("odf", "missing mimetype"));
    };
    let mut w = PackageWriter::new();
    w.add("mimetype", &mimetype, true)?;
    let mut kept: HashSet<String> = HashSet::new();
    for name in pkg.names() {
        ctx.budget.check_time()?;
        let l = name.to_ascii_lowercase();
        if name == "mimetype" || l == "meta-inf/manifest.xml" {
            continue;
        }
        if is_macro_part(&name) || l.starts_with("basic/") || l.starts_with("dialogs/") {
            if is_macro_part(&name) {
                removed(
                    col,
                    "odf.macro",
                    Severity::High,
                    &name,
                    "macro module removed",
                );
            }
            continue;
        }
        if is_binary_object(&name) {
            removed(
                col,
                "odf.ole_object",
                Severity::Medium,
                &name,
                "embedded OLE object removed; its preview image is kept",
            );
            continue;
        }
        if l.starts_with("meta-inf/") && l != "meta-inf/manifest.xml" {
            // documentsignatures.xml, macrosignatures.xml: invalid after any change.
            continue;
        }
        if let Some(f) = hook.drop_part(&name) {
            col.add(f);
            continue;
        }
        let bytes = pkg.read(&name, ctx)?;
        let bytes = if l.ends_with(".xml") {
            rewrite_part(&name, &bytes, ctx, opts, col)?
        } else {
            bytes
        };
        let bytes = hook.rewrite_part(&name, bytes, ctx)?;
        w.add(&name, &bytes, false)?;
        kept.insert(name);
    }
    w.add(
        "META-INF/manifest.xml",
        &rebuild_manifest(&manifest, &kept, ctx)?,
        false,
    )?;
    Ok(Disarmed {
        data: w.finish()?,
        kind,
    })
}

fn rewrite_part(
    name: &str,
    data: &[u8],
    ctx: &Ctx<'_>,
    opts: &OfficeOptions,
    col: &mut Collector,
) -> Result<Vec<u8>, Error> {
    let meta = name.ends_with("meta.xml") && !opts.keep_properties;
    let mut notes: Vec<(&'static str, Severity, Action, String)> = Vec::new();
    let decide = |el: &El| -> Edit {
        let local = el.local();
        match local {
            "event-listeners" => {
                notes.push((
                    "odf.event_listener",
                    Severity::High,
                    Action::Removed,
                    "event listeners removed".into(),
                ));
                return Edit::Drop;
            }
            "event-listener" => {
                notes.push((
                    "odf.event_listener",
                    Severity::High,
                    Action::Removed,
                    "event listener removed".into(),
                ));
                return Edit::Drop;
            }
            "execute-macro" => {
                notes.push((
                    "odf.event_listener",
                    Severity::High,
                    Action::Removed,
                    "macro call removed".into(),
                ));
                return Edit::Unwrap;
            }
            "object-ole" => return Edit::Drop,
            "annotation" | "annotation-end" if !opts.keep_comments => {
                notes.push((
                    "odf.annotations",
                    Severity::Info,
                    Action::Removed,
                    "annotation removed".into(),
                ));
                return Edit::Drop;
            }
            "annotation" => {
                notes.push((
                    "odf.annotations",
                    Severity::Info,
                    Action::Kept,
                    "annotation kept ([office] keep_comments)".into(),
                ));
            }
            _ => {}
        }
        if meta && PERSONAL_META.contains(&local) {
            notes.push((
                "odf.metadata",
                Severity::Info,
                Action::Removed,
                "personal metadata removed".into(),
            ));
            return Edit::Drop;
        }
        for (k, v) in &el.attrs {
            if xml::local(k) != "href" {
                continue;
            }
            if is_script_link(v) {
                notes.push((
                    "odf.event_listener",
                    Severity::High,
                    Action::Neutralized,
                    format!("{local} script link removed"),
                ));
                return Edit::RemoveAttrs(vec![k.clone()]);
            }
            if is_external_href(v) {
                let web = local == "a" && is_web_link(v);
                if web && opts.keep_web_hyperlinks {
                    notes.push((
                        "odf.external_link",
                        Severity::Low,
                        Action::Kept,
                        format!(
                            "web hyperlink to {} kept ([office] keep_web_hyperlinks)",
                            describe_target(v).split("://").next().unwrap_or("")
                        ),
                    ));
                    continue;
                }
                notes.push((
                    "odf.external_link",
                    Severity::Medium,
                    Action::Removed,
                    format!("{local} → {}", describe_target(v)),
                ));
                return if local == "a" {
                    Edit::RemoveAttrs(vec![k.clone()])
                } else {
                    Edit::Drop
                };
            }
        }
        Edit::Keep
    };
    let (bytes, dtd) = xml::rewrite(data, name, ctx, decide)?;
    for (code, sev, act, d) in notes {
        col.add(Finding::new(code, sev, name).detail(d).action(act));
    }
    if dtd {
        removed(
            col,
            "odf.xml_dtd",
            Severity::Medium,
            name,
            "DTD and entity references removed",
        );
    }
    Ok(bytes)
}

/// The manifest with only the entries that are still in the package (and their directories).
fn rebuild_manifest(data: &[u8], kept: &HashSet<String>, ctx: &Ctx<'_>) -> Result<Vec<u8>, Error> {
    let dirs: HashSet<String> = kept
        .iter()
        .flat_map(|k| {
            let mut v = Vec::new();
            let mut p = k.as_str();
            while let Some((d, _)) = p.rsplit_once('/') {
                v.push(format!("{d}/"));
                p = d;
            }
            v
        })
        .collect();
    let (bytes, _) = xml::rewrite(data, "META-INF/manifest.xml", ctx, |el| {
        if el.local() == "file-entry" {
            let p = el.attr("full-path").unwrap_or("");
            let keep = p == "/" || kept.contains(p) || dirs.contains(p);
            if !keep {
                return Edit::Drop;
            }
        }
        Edit::Keep
    })?;
    Ok(bytes)
}
