//! OOXML disarm: a fresh package holding only allowed parts, with every relationship part
//! and `[Content_Types].xml` rebuilt so that nothing dangles.
//!
//! Parts are removed by what they are (VBA project, XLM macro sheet, ActiveX, customUI,
//! signature, external-link part, altChunk target, embedded object that cannot be sanitized),
//! then everything no longer reachable from the package relationships is left out. XML parts
//! are rewritten: elements referring to a dropped relationship are removed (hyperlinks made
//! inert), DDE/INCLUDE fields are reduced to their cached result, Auto_Open names and DDE
//! formulas are removed, DTDs are dropped.

use crate::ooxml::{self, Rel, describe_target, is_web_link, nested_name};
use crate::ooxml_rewrite::rewrite_part;
use crate::opc::{Package, PackageWriter, normalize};
use crate::xml::{self, Ev};
use crate::{Collector, EmbeddedObjects, OfficeOptions, PartHook};
use kiyome_core::{Action, Ctx, Disarmed, Error, Finding, Inspection, Kind, Severity, sniff};
use std::collections::{HashMap, HashSet};

/// The main-part content type of each macro-free kind a macro-enabled one becomes.
fn main_content_type(kind: Kind) -> Option<&'static str> {
    Some(match kind {
        Kind::Docx => {
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
        }
        Kind::Dotx => {
            "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"
        }
        Kind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        Kind::Xltx => {
            "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml"
        }
        Kind::Pptx => {
            "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"
        }
        Kind::Potx => {
            "application/vnd.openxmlformats-officedocument.presentationml.template.main+xml"
        }
        Kind::Ppsx => {
            "application/vnd.openxmlformats-officedocument.presentationml.slideshow.main+xml"
        }
        _ => return None,
    })
}

pub(crate) fn removed(col: &mut Collector, code: &str, sev: Severity, loc: &str, detail: &str) {
    col.add(
        Finding::new(code, sev, loc)
            .detail(detail)
            .action(Action::Removed),
    );
}

/// Whether a part holds comments or their authors (Word, Excel incl. threaded comments,
/// PowerPoint classic and modern comments).
fn is_comment_part(lower: &str) -> bool {
    let file = lower.rsplit('/').next().unwrap_or(lower);
    (lower.starts_with("word/") && (file.starts_with("comments") || file == "people.xml"))
        || (lower.starts_with("xl/") && file.starts_with("comments") && file.ends_with(".xml"))
        || lower.starts_with("xl/threadedcomments/")
        || lower.starts_with("xl/persons/")
        || lower.starts_with("ppt/comments/")
        || lower == "ppt/commentauthors.xml"
        || lower == "ppt/authors.xml"
}

/// Whether a VML drawing only holds Excel note boxes (`x:ClientData ObjectType="Note"`), so
/// that it goes with the comments.
fn is_note_drawing(lower: &str, data: &[u8]) -> bool {
    if !(lower.starts_with("xl/drawings/") && lower.ends_with(".vml")) {
        return false;
    }
    let text = String::from_utf8_lossy(data);
    let types: Vec<&str> = text
        .split("ObjectType=\"")
        .skip(1)
        .map(|t| t.split('"').next().unwrap_or(""))
        .collect();
    !types.is_empty() && types.iter().all(|t| *t == "Note")
}

/// Why a part is removed by what it is, if it is: its code, severity and what was done.
fn part_verdict(
    name: &str,
    opts: &OfficeOptions,
) -> Option<(&'static str, Severity, &'static str)> {
    let l = name.to_ascii_lowercase();
    Some(if ooxml::is_vba_part(name) {
        ("ooxml.vba_project", Severity::High, "part removed")
    } else if ooxml::is_macro_sheet(name) {
        ("ooxml.xlm_macro_sheet", Severity::High, "part removed")
    } else if ooxml::is_activex(name) {
        ("ooxml.activex", Severity::High, "part removed")
    } else if ooxml::is_custom_ui(name) {
        ("ooxml.custom_ui", Severity::Medium, "part removed")
    } else if ooxml::is_signature(name) {
        // Rebuilding changes the signed parts, so the signature no longer verifies; a stale
        // signature only misleads (and names its signer).
        (
            "ooxml.signature",
            Severity::Info,
            "digital signature removed: the rebuild invalidates it",
        )
    } else if l.starts_with("xl/externallinks/") {
        (
            "ooxml.external_relationship",
            Severity::Medium,
            "part removed",
        )
    } else if l == "docprops/custom.xml" && !opts.keep_properties {
        ("ooxml.properties", Severity::Info, "part removed")
    } else if !opts.keep_comments && is_comment_part(&l) {
        (
            "ooxml.comments",
            Severity::Info,
            "comments part removed ([office] keep_comments = false)",
        )
    } else {
        return None;
    })
}

/// Disarms an OOXML package.
pub fn disarm(
    data: &[u8],
    kind: Kind,
    ctx: &Ctx<'_>,
    opts: &OfficeOptions,
    out: &mut Inspection,
    hook: &mut dyn PartHook,
) -> Result<Disarmed, Error> {
    let mut col = Collector::default();
    let r = rebuild(data, kind, ctx, opts, out, &mut col, hook);
    col.flush(out);
    r
}

fn rebuild(
    data: &[u8],
    kind: Kind,
    ctx: &Ctx<'_>,
    opts: &OfficeOptions,
    out: &mut Inspection,
    col: &mut Collector,
    hook: &mut dyn PartHook,
) -> Result<Disarmed, Error> {
    let mut pkg = Package::open(data, ctx, "ooxml")?;
    if let Some(e) = pkg.entries.iter().find(|e| e.encrypted) {
        return Err(Error::Encrypted {
            format: "ooxml",
            detail: format!("member {} is encrypted", e.name),
        });
    }
    if !pkg.duplicates.is_empty() {
        // Which copy Office would read is not defined; refuse rather than guess.
        return Err(Error::parse("ooxml", "duplicate part names"));
    }
    let ct_data = pkg.read("[Content_Types].xml", ctx)?;
    let mut tmp = Collector::default();
    let rels = ooxml::read_rels(&mut pkg, ctx, &mut tmp)?;
    let out_kind = kind.macro_free();
    if ooxml::main_part(&rels).is_none() {
        return Err(Error::parse(
            "ooxml",
            "no officeDocument relationship in _rels/.rels",
        ));
    }

    if kind == Kind::Xlsb {
        xlsb_macros(&mut pkg, ctx, col)?;
    }

    // 1. Parts removed by what they are; embedded objects sanitized or removed.
    let mut gone: HashSet<String> = HashSet::new();
    let mut replaced: HashMap<String, Vec<u8>> = HashMap::new();
    for name in pkg.names() {
        ctx.budget.check_time()?;
        let lower = name.to_ascii_lowercase();
        if let Some((mut code, mut sev, what)) = part_verdict(&name, opts) {
            if lower.starts_with("xl/externallinks/")
                && pkg.read(&name, ctx)?.windows(7).any(|w| w == b"ddeLink")
            {
                (code, sev) = ("ooxml.dde", Severity::High);
            }
            removed(col, code, sev, &name, what);
            gone.insert(name);
        } else if let Some(f) = hook.drop_part(&name) {
            col.add(f);
            gone.insert(name);
        } else if !opts.keep_comments
            && lower.starts_with("xl/drawings/")
            && lower.ends_with(".vml")
            && is_note_drawing(&lower, &pkg.read(&name, ctx)?)
        {
            removed(
                col,
                "ooxml.comments",
                Severity::Info,
                &name,
                "note drawing removed with the comments",
            );
            gone.insert(name);
        } else if ooxml::is_embedding(&name) && opts.embedded_objects == EmbeddedObjects::Remove {
            removed(
                col,
                "ooxml.ole_embedding",
                Severity::Medium,
                &name,
                "embedded object removed ([office] embedded_objects = remove); its preview picture is kept",
            );
            gone.insert(name);
        } else if ooxml::is_embedding(&name) {
            let bytes = pkg.read(&name, ctx)?;
            let before = sniff(&bytes, Some(nested_name(&name))).kind;
            let (report, result) = ctx.sanitize_nested(nested_name(&name), &bytes);
            // An embedding that had nothing to remove (one sanitized before) is reported as
            // kept, so that a second pass over a released file finds nothing to do.
            let clean = !report.has_dangerous() && !report.changed_anything();
            out.children.push(report);
            match result {
                Some(d)
                    if clean
                        && d.kind == before
                        && ooxml::is_document_embedding(d.kind, &d.data, ctx) =>
                {
                    col.add(
                        Finding::new("ooxml.ole_embedding", Severity::Low, name.as_str())
                            .detail("embedded file sanitized: it had nothing to remove")
                            .action(Action::Kept),
                    );
                    replaced.insert(name, d.data);
                }
                // Kept only when it stays the same kind (a docm embedding would keep claiming
                // a macro-enabled program) and is a document Office opens as such.
                Some(d)
                    if d.kind == before && ooxml::is_document_embedding(d.kind, &d.data, ctx) =>
                {
                    col.add(
                        Finding::new("ooxml.ole_embedding", Severity::Medium, name.as_str())
                            .detail("embedded file sanitized")
                            .action(Action::Neutralized),
                    );
                    replaced.insert(name, d.data);
                }
                _ => {
                    removed(
                        col,
                        "ooxml.ole_embedding",
                        Severity::Medium,
                        &name,
                        "embedded object removed (not a document that could be sanitized); its preview picture is kept",
                    );
                    gone.insert(name);
                }
            }
        } else if opts.keep_comments && is_comment_part(&lower) {
            col.add(
                Finding::new("ooxml.comments", Severity::Info, name.as_str())
                    .detail("comments kept ([office] keep_comments)")
                    .action(Action::Kept),
            );
        } else if opts.keep_properties && lower.starts_with("docprops/") && lower.ends_with(".xml")
        {
            col.add(
                Finding::new("ooxml.properties", Severity::Info, name.as_str())
                    .detail("properties kept ([office] keep_properties)")
                    .action(Action::Kept),
            );
        }
    }
    for r in rels.iter().filter(|r| r.kind == "aFChunk") {
        if let Some(p) = r
            .part
            .as_ref()
            .and_then(|p| pkg.entry(p))
            .map(|e| e.name.clone())
            && gone.insert(p.clone())
        {
            removed(
                col,
                "ooxml.alt_chunk",
                Severity::Medium,
                &p,
                "altChunk part removed",
            );
        }
    }

    // 2. Relationships kept: internal ones to surviving parts; external web hyperlinks only.
    let names: HashMap<String, String> = pkg
        .names()
        .into_iter()
        .map(|n| (n.to_ascii_lowercase(), n))
        .collect();
    let canonical = |p: &str| names.get(&normalize(p).to_ascii_lowercase()).cloned();
    let mut keep_rel: HashMap<(String, String), bool> = HashMap::new();
    for r in &rels {
        let keep = if r.external {
            let web = r.kind == "hyperlink" && is_web_link(&r.target);
            if !(web && opts.keep_web_hyperlinks) {
                let code = if r.kind == "attachedTemplate" {
                    "ooxml.attached_template"
                } else {
                    "ooxml.external_relationship"
                };
                let (sev, act) = if r.kind == "hyperlink" {
                    (
                        if web { Severity::Low } else { Severity::Medium },
                        Action::Neutralized,
                    )
                } else {
                    (Severity::Medium, Action::Removed)
                };
                col.add(
                    Finding::new(code, sev, r.rels_part.as_str())
                        .detail(format!("{} → {}", r.kind, describe_target(&r.target)))
                        .action(act),
                );
            }
            if web && opts.keep_web_hyperlinks {
                col.add(
                    Finding::new(
                        "ooxml.external_relationship",
                        Severity::Low,
                        r.rels_part.as_str(),
                    )
                    .detail(format!(
                        "hyperlink to {} kept ([office] keep_web_hyperlinks)",
                        describe_target(&r.target).split("://").next().unwrap_or("")
                    ))
                    .action(Action::Kept),
                );
            }
            web && opts.keep_web_hyperlinks
        } else {
            r.part
                .as_deref()
                .and_then(canonical)
                .is_some_and(|p| !gone.contains(&p))
        };
        keep_rel.insert((r.rels_part.clone(), r.id.clone()), keep);
    }

    // 3. Reachability from the package relationships; orphans are left out.
    let mut by_source: HashMap<String, Vec<&Rel>> = HashMap::new();
    for r in &rels {
        if let Some(src) = ooxml::rels_source(&r.rels_part) {
            by_source
                .entry(src.to_ascii_lowercase())
                .or_default()
                .push(r);
        }
    }
    let mut reachable: Vec<String> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut queue = vec![String::new()];
    while let Some(src) = queue.pop() {
        for r in by_source
            .get(&src.to_ascii_lowercase())
            .into_iter()
            .flatten()
        {
            if keep_rel.get(&(r.rels_part.clone(), r.id.clone())) != Some(&true) || r.external {
                continue;
            }
            if let Some(p) = r.part.as_deref().and_then(canonical)
                && seen.insert(p.clone())
            {
                reachable.push(p.clone());
                queue.push(p);
            }
        }
    }
    let orphans = pkg
        .entries
        .iter()
        .filter(|e| {
            !seen.contains(&e.name)
                && !gone.contains(&e.name)
                && !e.name.to_ascii_lowercase().ends_with(".rels")
                && e.name != "[Content_Types].xml"
        })
        .count();
    if orphans > 0 {
        col.add(
            Finding::new("ooxml.package_anomaly", Severity::Low, "package")
                .detail(format!(
                    "{orphans} parts not reachable from any relationship left out"
                ))
                .action(Action::Removed),
        );
    }

    // 4. Write: content types, package rels, then parts in original order with their rels.
    let main = rels
        .iter()
        .find(|r| r.rels_part == "_rels/.rels" && r.kind == "officeDocument")
        .and_then(|r| r.part.as_deref().and_then(canonical));
    let kept: Vec<String> = pkg
        .names()
        .into_iter()
        .filter(|n| seen.contains(n))
        .collect();
    let mut w = PackageWriter::new();
    let new_main_ct = (out_kind != kind)
        .then(|| main_content_type(out_kind))
        .flatten();
    w.add(
        "[Content_Types].xml",
        &content_types(&ct_data, &kept, main.as_deref(), new_main_ct, ctx)?,
        false,
    )?;
    w.add(
        "_rels/.rels",
        &rels_xml(by_source.get(""), &keep_rel, hook),
        false,
    )?;
    for name in &kept {
        ctx.budget.check_time()?;
        let bytes = match replaced.remove(name) {
            Some(b) => b,
            None => pkg.read(name, ctx)?,
        };
        let dropped: HashSet<String> = by_source
            .get(&name.to_ascii_lowercase())
            .into_iter()
            .flatten()
            .filter(|r| keep_rel.get(&(r.rels_part.clone(), r.id.clone())) != Some(&true))
            .map(|r| r.id.clone())
            .collect();
        let l = name.to_ascii_lowercase();
        let bytes = if l.ends_with(".xml") || l.ends_with(".vml") {
            match rewrite_part(name, &bytes, &dropped, ctx, opts, col) {
                Ok(b) => b,
                // VML is parsed leniently by Office and not required to be well-formed.
                Err(Error::Parse { .. }) if l.ends_with(".vml") => bytes,
                Err(e) => return Err(e),
            }
        } else {
            bytes
        };
        let bytes = hook.rewrite_part(name, bytes, ctx)?;
        w.add(name, &bytes, false)?;
        if let Some(list) = by_source.get(&l).filter(|list| {
            list.iter()
                .any(|r| keep_rel.get(&(r.rels_part.clone(), r.id.clone())) == Some(&true))
        }) {
            let (dir, file) = name.rsplit_once('/').unwrap_or(("", name.as_str()));
            let rels_name = if dir.is_empty() {
                format!("_rels/{file}.rels")
            } else {
                format!("{dir}/_rels/{file}.rels")
            };
            w.add(&rels_name, &rels_xml(Some(list), &keep_rel, hook), false)?;
        }
    }
    Ok(Disarmed {
        data: w.finish()?,
        kind: out_kind,
    })
}

/// A binary workbook (xlsb) with an Excel 4.0 macro sheet or an Auto_Open-style name is
/// blocked: its BIFF12 records refer to sheets and names by position ([MS-XLSB] BrtBundleSh,
/// BrtName and the ptgName/ptgRef3d tokens of every formula), so taking the macro sheet or
/// the name out cannot be done without renumbering every formula, and leaving the sheet
/// entry or the name behind gives a workbook Excel repairs or rejects. A VBA project alone
/// is removed like in any package (nothing in `workbook.bin` points at it).
fn xlsb_macros(pkg: &mut Package<'_>, ctx: &Ctx<'_>, col: &mut Collector) -> Result<(), Error> {
    let mut found = Collector::default();
    let mut what = Vec::new();
    for name in pkg.names() {
        if ooxml::is_macro_sheet(&name) {
            found.add(
                Finding::new("ooxml.xlm_macro_sheet", Severity::High, name.as_str())
                    .action(Action::Blocked),
            );
            if !what.contains(&"an Excel 4.0 macro sheet") {
                what.push("an Excel 4.0 macro sheet");
            }
        } else if name.eq_ignore_ascii_case("xl/workbook.bin") {
            let bytes = pkg.read(&name, ctx)?;
            let mut names = Collector::default();
            crate::ooxml_scan::xlsb_auto_open(&bytes, &name, &mut names);
            if names.has("ooxml.auto_open_name") {
                let mut tmp = Inspection::default();
                names.flush(&mut tmp);
                for mut f in tmp.findings {
                    f.action = Action::Blocked;
                    found.add(f);
                }
                what.push("an Auto_Open-style defined name");
            }
        }
    }
    if what.is_empty() {
        return Ok(());
    }
    let mut tmp = Inspection::default();
    found.flush(&mut tmp);
    tmp.findings.into_iter().for_each(|f| col.add(f));
    Err(Error::unsupported(format!(
        "removing {} from a binary workbook (xlsb), whose records refer to sheets and names by position; save it as .xlsx, or use --mode text or image-pdf",
        what.join(" and ")
    )))
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn rels_xml(
    list: Option<&Vec<&Rel>>,
    keep: &HashMap<(String, String), bool>,
    hook: &mut dyn PartHook,
) -> Vec<u8> {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">",
    );
    for r in list.into_iter().flatten() {
        if keep.get(&(r.rels_part.clone(), r.id.clone())) != Some(&true) {
            continue;
        }
        let ty = &r.full_type;
        let mode = if r.external {
            " TargetMode=\"External\""
        } else {
            ""
        };
        s.push_str(&format!(
            "<Relationship Id=\"{}\" Type=\"{}\" Target=\"{}\"{mode}/>",
            esc(&r.id),
            esc(ty),
            esc(&if r.external {
                hook.rewrite_external_target(&r.rels_part, &r.target)
            } else {
                r.target.clone()
            })
        ));
    }
    s.push_str("</Relationships>");
    s.into_bytes()
}

/// The content type of a part at its conventional name (ECMA-376 Part 1 §11–13), for parts
/// the package's `[Content_Types].xml` leaves without one.
fn well_known_content_type(lower_name: &str) -> Option<&'static str> {
    Some(match lower_name {
        "word/document.xml" => {
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
        }
        "word/styles.xml" => {
            "application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"
        }
        "word/settings.xml" => {
            "application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"
        }
        "word/fonttable.xml" => {
            "application/vnd.openxmlformats-officedocument.wordprocessingml.fontTable+xml"
        }
        "word/websettings.xml" => {
            "application/vnd.openxmlformats-officedocument.wordprocessingml.webSettings+xml"
        }
        "word/numbering.xml" => {
            "application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"
        }
        "word/footnotes.xml" => {
            "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
        }
        "word/endnotes.xml" => {
            "application/vnd.openxmlformats-officedocument.wordprocessingml.endnotes+xml"
        }
        "docprops/core.xml" => "application/vnd.openxmlformats-package.core-properties+xml",
        "docprops/app.xml" => {
            "application/vnd.openxmlformats-officedocument.extended-properties+xml"
        }
        n if n.starts_with("word/theme/")
            || n.starts_with("xl/theme/")
            || n.starts_with("ppt/theme/") =>
        {
            "application/vnd.openxmlformats-officedocument.theme+xml"
        }
        _ => return None,
    })
}

fn content_types(
    data: &[u8],
    kept: &[String],
    main: Option<&str>,
    main_ct: Option<&str>,
    ctx: &Ctx<'_>,
) -> Result<Vec<u8>, Error> {
    let mut defaults: Vec<(String, String)> = Vec::new();
    let mut overrides: HashMap<String, String> = HashMap::new();
    xml::scan(data, "[Content_Types].xml", ctx, |ev| {
        if let Ev::Start(el, _) = ev {
            match el.local() {
                "Default" => {
                    let ext = el.attr("Extension").unwrap_or("").to_ascii_lowercase();
                    let ct = el.attr("ContentType").unwrap_or("").to_string();
                    // Defaults for the kinds of part disarm always removes (VBA projects,
                    // signatures) would only advertise what is no longer there.
                    let lc = ct.to_ascii_lowercase();
                    if !ext.is_empty()
                        && !lc.contains("vbaproject")
                        && !lc.contains("digital-signature")
                    {
                        defaults.push((ext, ct));
                    }
                }
                "Override" => {
                    let p = normalize(el.attr("PartName").unwrap_or(""));
                    // An Override without a content type (mat2's malformed_content_types.docx
                    // spells it `NotContentType`) is no override: the part gets its
                    // well-known type below, as Word does, instead of an empty one that
                    // LibreOffice refuses.
                    let ct = el.attr("ContentType").unwrap_or("").trim().to_string();
                    if !ct.is_empty() {
                        overrides.insert(p.to_ascii_lowercase(), ct);
                    }
                }
                _ => {}
            }
        }
        Ok(())
    })?;
    if !defaults.iter().any(|(e, _)| e == "rels") {
        defaults.push((
            "rels".into(),
            "application/vnd.openxmlformats-package.relationships+xml".into(),
        ));
    }
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">",
    );
    for (ext, ct) in &defaults {
        s.push_str(&format!(
            "<Default Extension=\"{}\" ContentType=\"{}\"/>",
            esc(ext),
            esc(ct)
        ));
    }
    for name in kept {
        let key = name.to_ascii_lowercase();
        let ext = key.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
        let ct = if main.is_some_and(|m| m == name) && main_ct.is_some() {
            main_ct.map(str::to_string)
        } else {
            overrides.get(&key).cloned()
        };
        let ct = match ct.or_else(|| well_known_content_type(&key).map(str::to_string)) {
            Some(ct) => ct,
            None if defaults.iter().any(|(e, _)| e == ext) => continue,
            // Every part must have a content type (ECMA-376 Part 2 §10.1.2.4).
            None if ext == "xml" => "application/xml".into(),
            None => "application/octet-stream".into(),
        };
        s.push_str(&format!(
            "<Override PartName=\"/{}\" ContentType=\"{}\"/>",
            esc(name),
            esc(&ct)
        ));
    }
    s.push_str("</Types>");
    Ok(s.into_bytes())
}
