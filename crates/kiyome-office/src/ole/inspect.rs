//! The OLE inspect walk. Which parts are analysed depends on the streams present, not on the
//! kind the sniffer guessed, so a `.doc` renamed `.xls` is still read as Word.

use super::container::{Container, EntryInfo, display_path};
use super::{excel, native, ppt, props, word};
use kiyome_core::{Ctx, Error, Finding, Inspection, Kind, Severity};

/// Inspects an OLE compound file for dangerous factors and hidden information.
pub fn inspect(data: &[u8], kind: Kind, ctx: &Ctx<'_>, out: &mut Inspection) -> Result<(), Error> {
    let mut c = Container::open(data, ctx)?;
    if kind == Kind::OoxmlEncrypted || c.has_stream(&["EncryptedPackage"]) {
        out.add(
            Finding::new("ole.encrypted", Severity::Medium, "EncryptedPackage")
                .detail("OOXML document encrypted with a password (ECMA-376 agile/standard)"),
        );
        return Ok(());
    }
    vba_projects(&c, out);
    structure(&c, out);
    let entries = c.entries.clone();
    for e in &entries {
        ctx.budget.check_time()?;
        if e.is_stream && e.parts.len() == 1 {
            let doc = e.name() == "\u{5}DocumentSummaryInformation";
            if doc || e.name() == "\u{5}SummaryInformation" {
                summary(&mut c, e, doc, ctx, out);
            }
        }
        if !e.is_stream && is_object_storage(e) {
            embedded_object(&mut c, e, ctx, out)?;
        }
        if !e.is_stream && e.parts.len() == 1 && e.name().starts_with("__attach_version1.0_#") {
            msg_attachment(&mut c, e, ctx, out)?;
        }
    }
    if c.has_stream(&["WordDocument"]) {
        word_document(&mut c, ctx, out)?;
    }
    for (name, biff8) in [("Workbook", true), ("Book", false)] {
        if c.has_stream(&[name]) {
            let s = c.read_all(&[name.to_string()], ctx)?;
            workbook(&excel::scan(&s, biff8, ctx)?, name, out);
        }
    }
    if c.has_stream(&["PowerPoint Document"]) {
        let s = c.read_all(&["PowerPoint Document".to_string()], ctx)?;
        presentation(&ppt::scan(&s, ctx)?, ctx, out);
    }
    let is_document = ["WordDocument", "Workbook", "Book", "PowerPoint Document"]
        .iter()
        .any(|n| c.has_stream(&[n]));
    if !is_document {
        // The compound file of an embedded object (from RTF objdata, an ObjectPool or a
        // PowerPoint ExOleObjStg): its payload sits at the root.
        payload(&mut c, &[], "root", "object", ctx, out)?;
    }
    Ok(())
}

/// One `ole.vba` finding per VBA project, located at the storage that holds it.
fn vba_projects(c: &Container<'_>, out: &mut Inspection) {
    let mut roots: Vec<Vec<String>> = Vec::new();
    for e in &c.entries {
        let root = if !e.is_stream && super::is_vba_storage(e.name()) {
            // `Macros/VBA` and `_VBA_PROJECT_CUR/VBA`: report the outer storage once.
            let parent = &e.parts[..e.parts.len() - 1];
            if parent.last().is_some_and(|p| super::is_vba_storage(p)) {
                parent.to_vec()
            } else {
                e.parts.clone()
            }
        } else if e.is_stream && e.name().eq_ignore_ascii_case("_VBA_PROJECT") {
            e.parts[..e.parts.len() - 1].to_vec()
        } else {
            continue;
        };
        if !roots.iter().any(|r| root.starts_with(r)) {
            roots.retain(|r| !r.starts_with(&root));
            roots.push(root);
        }
    }
    for r in roots {
        let modules = c
            .entries
            .iter()
            .filter(|e| {
                e.is_stream
                    && e.is_under(&r)
                    && e.parts.len() >= 2
                    && e.parts[e.parts.len() - 2].eq_ignore_ascii_case("VBA")
                    && !super::is_vba_stream(e.name())
                    && !e.name().starts_with("__SRP_")
            })
            .count();
        out.add(
            Finding::new("ole.vba", Severity::High, display_path(&r))
                .detail(format!("VBA project with {modules} module stream(s)")),
        );
    }
}

/// Structural markers: ObjectPool, Equation Editor, OLE links, encryption streams.
fn structure(c: &Container<'_>, out: &mut Inspection) {
    for e in &c.entries {
        let name = e.name();
        if !e.is_stream && name == "ObjectPool" {
            let n = c
                .entries
                .iter()
                .filter(|x| {
                    !x.is_stream && x.parts.len() == e.parts.len() + 1 && x.is_under(&e.parts)
                })
                .count();
            out.add(
                Finding::new("ole.object_pool", Severity::Medium, e.display())
                    .detail(format!("{n} embedded object storage(s)")),
            );
        }
        if e.is_stream && name.eq_ignore_ascii_case("Equation Native") {
            out.add(
                Finding::new("ole.equation_editor", Severity::High, e.display())
                    .detail("Equation Editor 3.0 native data"),
            );
        }
        if e.is_stream && e.parts.len() == 1 && name == "EncryptedSummary" {
            out.add(
                Finding::new("ole.encrypted", Severity::Medium, e.display())
                    .detail("PowerPoint encrypted summary stream"),
            );
        }
    }
}

/// Storages that hold one embedded object: ObjectPool children (Word), `MBD…` (Excel).
fn is_object_storage(e: &EntryInfo) -> bool {
    let n = e.parts.len();
    (n >= 2 && e.parts[n - 2] == "ObjectPool")
        || (e.name().starts_with("MBD") && e.name().len() == 11)
}

fn summary(c: &mut Container<'_>, e: &EntryInfo, doc: bool, ctx: &Ctx<'_>, out: &mut Inspection) {
    let Ok(bytes) = c.read(&e.parts, 1 << 20, ctx) else {
        return;
    };
    let found = props::read(&bytes, doc);
    if !found.is_empty() {
        let d: Vec<String> = found.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        out.add(
            Finding::new("ole.summary_properties", Severity::Info, e.display())
                .detail(d.join("; ")),
        );
    }
}

/// The user-visible type of an object, from its `\x01CompObj` stream ([MS-OLEDS] 2.3.8).
fn comp_obj_type(c: &mut Container<'_>, e: &EntryInfo, ctx: &Ctx<'_>) -> Option<String> {
    let mut p = e.parts.clone();
    p.push("\u{1}CompObj".into());
    let b = c.read(&p, 4096, ctx).ok()?;
    let mut r = native::Reader::new(&b);
    r.take(28)?;
    let len = r.u32()? as usize;
    let s = r.take(len.min(256))?;
    let s = s.split(|&x| x == 0).next().unwrap_or(s);
    Some(native::ansi_name(s))
}

fn child(e: &EntryInfo, name: &str) -> Vec<String> {
    let mut p = e.parts.clone();
    p.push(name.to_string());
    p
}

/// Reports one embedded object and hands its content to the engine.
fn embedded_object(
    c: &mut Container<'_>,
    e: &EntryInfo,
    ctx: &Ctx<'_>,
    out: &mut Inspection,
) -> Result<(), Error> {
    let class = comp_obj_type(c, e, ctx).unwrap_or_default();
    let loc = e.display();
    let detail = match payload(c, &e.parts, &loc, &class, ctx, out)? {
        Some(d) => d,
        None => {
            // An embedded OLE2 document lives in the object storage itself: copy that
            // subtree into a compound file of its own and inspect it as one.
            let sub = c.rebuild(&e.parts, e.clsid, &|_| true, ctx)?;
            out.children.push(ctx.inspect_nested(&loc, &sub));
            format!("embedded object {class}")
        }
    };
    out.add(Finding::new("ole.embedded_object", Severity::Medium, loc).detail(detail));
    Ok(())
}

/// The content of an object storage (`parts`; empty for the root of an object's own
/// compound file): a linked object's flag, a Packager payload, a CONTENTS/Package stream.
/// Returns a description when a payload was found and handed to the engine.
pub(super) fn payload(
    c: &mut Container<'_>,
    parts: &[String],
    loc: &str,
    class: &str,
    ctx: &Ctx<'_>,
    out: &mut Inspection,
) -> Result<Option<String>, Error> {
    let find = |c: &Container<'_>, n: &str| -> Option<Vec<String>> {
        c.entries
            .iter()
            .find(|x| {
                x.is_stream
                    && x.parts.len() == parts.len() + 1
                    && x.is_under(parts)
                    && x.name().eq_ignore_ascii_case(n)
            })
            .map(|x| x.parts.clone())
    };
    if let Some(p) = find(c, "\u{1}Ole") {
        // [MS-OLEDS] 2.3.3 OLEStream: Flags bit 0 = linked object (the OLE2Link of
        // CVE-2017-0199 carries a URL moniker here).
        let b = c.read(&p, 64, ctx).unwrap_or_default();
        if b.get(4).is_some_and(|f| f & 1 != 0) {
            out.add(
                Finding::new("ole.linked_object", Severity::Medium, loc)
                    .detail(format!("linked object {class}")),
            );
        }
    }
    if let Some(p) = find(c, "\u{1}Ole10Native") {
        let raw = c.read_all(&p, ctx)?;
        return Ok(Some(match native::parse_package(&raw, true) {
            Some(pk) => {
                out.children
                    .push(ctx.inspect_nested(&format!("{loc}/{}", pk.name), pk.data));
                format!("package {}", pk.name)
            }
            None => {
                let body = raw.get(4..).unwrap_or(&[]);
                out.children
                    .push(ctx.inspect_nested(&format!("{loc}/Ole10Native"), body));
                format!("native data of {class}")
            }
        }));
    }
    for n in ["CONTENTS", "Package"] {
        if let Some(p) = find(c, n) {
            let raw = c.read_all(&p, ctx)?;
            out.children
                .push(ctx.inspect_nested(&format!("{loc}/{n}"), &raw));
            return Ok(Some(format!("{class} {n} stream")));
        }
    }
    Ok(None)
}

/// An Outlook attachment ([MS-OXMSG] 2.2.2): `PidTagAttachDataBinary` or an embedded message.
fn msg_attachment(
    c: &mut Container<'_>,
    e: &EntryInfo,
    ctx: &Ctx<'_>,
    out: &mut Inspection,
) -> Result<(), Error> {
    let mut name = String::new();
    for (id, wide) in [
        ("3707001F", true),
        ("3704001F", true),
        ("3001001F", true),
        ("3707001E", false),
        ("3704001E", false),
    ] {
        let p = child(e, &format!("__substg1.0_{id}"));
        if let Ok(b) = c.read(&p, 2048, ctx) {
            name = if wide {
                word::utf16(&b)
            } else {
                native::ansi_name(&b)
            };
            name = name
                .trim_end_matches('\0')
                .chars()
                .filter(|c| !c.is_control())
                .take(120)
                .collect();
            if !name.is_empty() {
                break;
            }
        }
    }
    let loc = e.display();
    let data = child(e, "__substg1.0_37010102");
    let emb = child(e, "__substg1.0_3701000D");
    if c.entries.iter().any(|x| x.is_stream && x.parts == data) {
        let b = c.read_all(&data, ctx)?;
        let shown = if name.is_empty() {
            "attachment".to_string()
        } else {
            name.clone()
        };
        out.children
            .push(ctx.inspect_nested(&format!("{loc}/{}", native::base_name(&shown)), &b));
    } else if c.entries.iter().any(|x| !x.is_stream && x.parts == emb) {
        let sub = c.rebuild(&emb, [0; 16], &|_| true, ctx)?;
        out.children
            .push(ctx.inspect_nested(&format!("{loc}/embedded.msg"), &sub));
    }
    out.add(Finding::new("ole.msg_attachment", Severity::Low, loc).detail(name));
    Ok(())
}

fn word_document(c: &mut Container<'_>, ctx: &Ctx<'_>, out: &mut Inspection) -> Result<(), Error> {
    let wd = c.read_all(&["WordDocument".to_string()], ctx)?;
    let Some(fib) = word::parse_fib(&wd) else {
        return Err(Error::parse("doc", "WordDocument stream has no FIB"));
    };
    if fib.encrypted || fib.obfuscated {
        let how = if fib.obfuscated {
            "XOR-obfuscated"
        } else {
            "RC4/CryptoAPI-encrypted"
        };
        out.add(
            Finding::new("ole.encrypted", Severity::Medium, "WordDocument")
                .detail(format!("{how} Word document")),
        );
        return Ok(());
    }
    let table_name = if fib.table1 { "1Table" } else { "0Table" };
    let table = if c.has_stream(&[table_name]) {
        c.read_all(&[table_name.to_string()], ctx)?
    } else {
        Vec::new()
    };
    let mut fields = word::text(&wd, &table, &fib)
        .map(|t| word::dde_fields(&t))
        .unwrap_or_default();
    // Also scan the raw stream as UTF-16LE and as 8-bit text, so that a damaged or lying
    // piece table cannot hide a field (disarm checks the same way).
    fields.extend(word::dde_fields(&word::utf16(&wd)));
    fields.extend(word::dde_fields(&encoding_rs::WINDOWS_1252.decode(&wd).0));
    let mut seen = std::collections::HashSet::new();
    fields.retain(|f| seen.insert((f.keyword.clone(), f.target.clone())));
    for f in fields {
        let sev = if f.keyword.starts_with("DDE") {
            Severity::High
        } else {
            Severity::Medium
        };
        out.add(
            Finding::new("ole.dde", sev, "WordDocument")
                .detail(format!("{} field {}", f.keyword, f.target)),
        );
    }
    Ok(())
}

fn workbook(g: &excel::Globals, stream: &str, out: &mut Inspection) {
    if g.encrypted {
        out.add(
            Finding::new("ole.encrypted", Severity::Medium, stream)
                .detail("FILEPASS: encrypted or XOR-obfuscated workbook"),
        );
    }
    for (name, dt, vis) in &g.macro_sheets {
        let what = if *dt == 1 {
            "Excel 4 macro sheet"
        } else {
            "VB module sheet"
        };
        let hidden = match vis {
            1 => ", hidden",
            2 => ", very hidden",
            _ => "",
        };
        out.add(
            Finding::new(
                "ole.xlm_macro",
                Severity::High,
                format!("{stream} sheet {name}"),
            )
            .detail(format!("{what}{hidden}")),
        );
    }
    for n in &g.auto_names {
        out.add(
            Finding::new("ole.xlm_macro", Severity::High, format!("{stream} name"))
                .detail(format!("auto-run name {n}")),
        );
    }
    for l in &g.dde_links {
        out.add(
            Finding::new("ole.dde", Severity::High, format!("{stream} SupBook"))
                .detail(format!("DDE link {l}")),
        );
    }
    for l in &g.external_links {
        out.add(
            Finding::new(
                "ole.external_link",
                Severity::Medium,
                format!("{stream} SupBook"),
            )
            .detail(l.clone()),
        );
    }
}

fn presentation(s: &ppt::Scan, ctx: &Ctx<'_>, out: &mut Inspection) {
    let loc = "PowerPoint Document";
    if s.encrypted {
        out.add(
            Finding::new("ole.encrypted", Severity::Medium, loc)
                .detail("CryptSession10Container: encrypted presentation"),
        );
    }
    if s.vba {
        out.add(
            Finding::new("ole.vba", Severity::High, loc)
                .detail("VBAInfoAtom: presentation has a VBA project"),
        );
    }
    if s.links > 0 {
        out.add(
            Finding::new("ole.linked_object", Severity::Medium, loc)
                .detail(format!("{} linked object(s)", s.links)),
        );
    }
    for (off, bytes) in &s.storages {
        let name = format!("{loc}/ExOleObjStg@{off}");
        out.children.push(ctx.inspect_nested(&name, bytes));
        out.add(
            Finding::new("ole.embedded_object", Severity::Medium, name)
                .detail("ExOleObjStg storage (embedded object or VBA project)"),
        );
    }
    if s.broken > 0 {
        out.add(
            Finding::new("parse.failed", Severity::Medium, loc).detail(format!(
                "{} ExOleObjStg record(s) could not be decompressed",
                s.broken
            )),
        );
    }
}
