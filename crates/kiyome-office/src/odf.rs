//! OpenDocument (ODF 1.2/1.3, OASIS) inspection: macros, event listeners, OLE objects,
//! encryption, links and hidden information.

use crate::Collector;
use crate::ooxml::{describe_target, dtd_finding, is_web_link};
use crate::opc::Package;
use crate::xml::{self, Ev};
use kiyome_core::{Ctx, Error, Finding, Inspection, Kind, Severity};

/// Whether a member is a macro module: anything under `Scripts/` and anything under
/// `Basic/` except the library index files (`script-lc.xml`, `script-lb.xml`, `dialog-*`).
pub fn is_macro_part(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    if l.starts_with("scripts/") {
        return true;
    }
    if let Some(rest) = l.strip_prefix("basic/") {
        let file = rest.rsplit('/').next().unwrap_or(rest);
        return !(file.ends_with("-lc.xml") || file.ends_with("-lb.xml") || file.is_empty());
    }
    false
}

/// Whether a member is a binary embedded object (`Object 1`, a CFB/OLE stream), as opposed
/// to an ODF sub-document directory (`Object 1/content.xml`) or a preview image.
pub fn is_binary_object(name: &str) -> bool {
    !name.contains('/') && name.starts_with("Object ")
}

/// Whether an `xlink:href` calls a script (`vnd.sun.star.script:`, `macro:`).
pub fn is_script_link(href: &str) -> bool {
    let l = href.trim().to_ascii_lowercase();
    l.starts_with("vnd.sun.star.script:") || l.starts_with("macro:") || l.starts_with("javascript:")
}

/// Whether an `xlink:href` points outside the package.
pub fn is_external_href(href: &str) -> bool {
    let h = href.trim();
    if h.is_empty() || h.starts_with('#') {
        return false;
    }
    let inner = h.strip_prefix("./").unwrap_or(h);
    !(inner.starts_with("Pictures/")
        || inner.starts_with("Object ")
        || inner.starts_with("ObjectReplacements/")
        || inner.starts_with("Media/")
        || !inner.contains(':')
            && !inner.starts_with("..")
            && !inner.starts_with('/')
            && !inner.starts_with("\\\\"))
}

/// Members the manifest marks as encrypted.
fn manifest(
    pkg: &mut Package<'_>,
    ctx: &Ctx<'_>,
    col: &mut Collector,
) -> Result<Vec<String>, Error> {
    let mut encrypted = Vec::new();
    if !pkg.has("META-INF/manifest.xml") {
        return Ok(encrypted);
    }
    let data = pkg.read("META-INF/manifest.xml", ctx)?;
    let mut current = String::new();
    let info = xml::scan(&data, "META-INF/manifest.xml", ctx, |ev| {
        if let Ev::Start(el, _) = ev {
            match el.local() {
                "file-entry" => current = el.attr("full-path").unwrap_or("").to_string(),
                "encryption-data" => encrypted.push(current.clone()),
                _ => {}
            }
        }
        Ok(())
    })?;
    dtd_finding(&info, "META-INF/manifest.xml", "odf.xml_dtd", col);
    Ok(encrypted)
}

const META: &[&str] = &[
    "initial-creator",
    "creator",
    "printed-by",
    "user-defined",
    "title",
    "subject",
    "description",
    "keyword",
    "template",
    "auto-reload",
];

fn scan_part(
    name: &str,
    data: &[u8],
    ctx: &Ctx<'_>,
    col: &mut Collector,
    meta: &mut Vec<String>,
) -> Result<(), Error> {
    let is_meta = name.ends_with("meta.xml");
    let mut in_meta: Option<(String, bool)> = None;
    let info = xml::scan(data, name, ctx, |ev| {
        match ev {
            Ev::Start(el, empty) => {
                let local = el.local();
                match local {
                    "event-listener" => col.add(
                        Finding::new("odf.event_listener", Severity::High, name).detail(format!(
                            "{} event",
                            el.attr("event-name")
                                .unwrap_or("?")
                                .chars()
                                .take(40)
                                .collect::<String>()
                        )),
                    ),
                    "execute-macro" => col.add(
                        Finding::new("odf.event_listener", Severity::High, name)
                            .detail("execute-macro"),
                    ),
                    "object-ole" => col.add(Finding::new("odf.ole_object", Severity::Medium, name)),
                    "changed-region" => {
                        col.add(Finding::new("odf.tracked_changes", Severity::Info, name))
                    }
                    "annotation" => col.add(Finding::new("odf.annotations", Severity::Info, name)),
                    _ => {}
                }
                if let Some(href) = el.attr("xlink:href").or(el.attr("href")) {
                    if is_script_link(href) {
                        col.add(
                            Finding::new("odf.event_listener", Severity::High, name)
                                .detail(format!("{local} calls a script")),
                        );
                    } else if is_external_href(href) {
                        let link = local == "a" && is_web_link(href);
                        if !link {
                            col.add(
                                Finding::new("odf.external_link", Severity::Medium, name)
                                    .detail(format!("{local} → {}", describe_target(href))),
                            );
                        }
                    }
                }
                if is_meta && !empty && META.contains(&local) {
                    let label = if local == "user-defined" {
                        format!(
                            "user-defined:{}",
                            el.attr("name")
                                .unwrap_or("")
                                .chars()
                                .take(40)
                                .collect::<String>()
                        )
                    } else {
                        local.to_string()
                    };
                    in_meta = Some((label, false));
                }
            }
            Ev::Text(t) => {
                if let Some((_, seen)) = in_meta.as_mut() {
                    *seen |= !t.trim().is_empty();
                }
            }
            Ev::End(_) => {
                if let Some((label, true)) = in_meta.take() {
                    meta.push(label);
                }
            }
        }
        Ok(())
    })?;
    dtd_finding(&info, name, "odf.xml_dtd", col);
    Ok(())
}

/// Inspects an OpenDocument package.
pub fn inspect(data: &[u8], _kind: Kind, ctx: &Ctx<'_>, out: &mut Inspection) -> Result<(), Error> {
    let mut col = Collector::default();
    let r = inspect_into(data, ctx, out, &mut col);
    col.flush(out);
    r
}

fn inspect_into(
    data: &[u8],
    ctx: &Ctx<'_>,
    out: &mut Inspection,
    col: &mut Collector,
) -> Result<(), Error> {
    let mut pkg = Package::open(data, ctx, "odf")?;
    for d in &pkg.duplicates {
        col.add(Finding::new(
            "odf.duplicate_part",
            Severity::Medium,
            d.as_str(),
        ));
    }
    let encrypted = manifest(&mut pkg, ctx, col)?;
    if !encrypted.is_empty() {
        col.add(
            Finding::new("odf.encrypted", Severity::Medium, "META-INF/manifest.xml")
                .detail(format!("{} encrypted members", encrypted.len())),
        );
    }
    let mut meta = Vec::new();
    for name in pkg.names() {
        ctx.budget.check_time()?;
        let n = name.as_str();
        if encrypted.iter().any(|e| e == n) || pkg.entry(n).is_some_and(|e| e.encrypted) {
            continue;
        }
        if is_macro_part(n) {
            col.add(Finding::new("odf.macro", Severity::High, n));
            continue;
        }
        if is_binary_object(n) {
            col.add(
                Finding::new("odf.ole_object", Severity::Medium, n)
                    .detail("embedded object inspected as a child"),
            );
            let bytes = pkg.read(n, ctx)?;
            out.children.push(ctx.inspect_nested(n, &bytes));
            continue;
        }
        let l = n.to_ascii_lowercase();
        if l.ends_with(".xml")
            && !l.starts_with("meta-inf/")
            && !l.starts_with("configurations2/")
            && !l.starts_with("basic/")
            && !l.starts_with("dialogs/")
        {
            let bytes = pkg.read(n, ctx)?;
            match scan_part(n, &bytes, ctx, col, &mut meta) {
                Ok(()) => {}
                // One broken part: report it (default deny) and keep checking the others.
                Err(e @ Error::Parse { .. }) => col.add(Finding::from_error(&e, n)),
                Err(e) => return Err(e),
            }
        }
    }
    if !meta.is_empty() {
        meta.sort();
        meta.dedup();
        col.add(Finding::new("odf.metadata", Severity::Info, "meta.xml").detail(meta.join(", ")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macro_parts_exclude_library_indexes() {
        assert!(is_macro_part("Basic/Standard/Module1.xml"));
        assert!(is_macro_part("Scripts/python/x.py"));
        assert!(!is_macro_part("Basic/script-lc.xml"));
        assert!(!is_macro_part("Basic/Standard/script-lb.xml"));
    }

    #[test]
    fn hrefs_inside_and_outside_the_package() {
        assert!(!is_external_href("./Object 1"));
        assert!(!is_external_href("Pictures/1.png"));
        assert!(is_external_href("http://example.com/a.png"));
        assert!(is_external_href("../secret.odt"));
        assert!(is_external_href("file:///etc/passwd"));
        assert!(is_script_link(
            "vnd.sun.star.script:Standard.Module1.Main?language=Basic"
        ));
    }
}
