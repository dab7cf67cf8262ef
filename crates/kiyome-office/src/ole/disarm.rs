//! OLE disarm: a fresh compound file with only the top-level streams the document needs.
//!
//! Word 97-2003 keeps its macros in `Macros` and its objects in `ObjectPool`; nothing in the
//! `WordDocument` stream must change when they go (Word 97's FIB has no "has macros" flag:
//! the fHasMacros-style bits belong to Word 6/95's FIB), and a field that pointed into the
//! ObjectPool shows its cached result instead. Excel's and PowerPoint's macros and objects
//! are woven into the Workbook and PowerPoint Document streams (macro sheets, ExOleObjStg),
//! which cannot be rewritten safely here, so those cases are blocked with a reason.

use super::container::{Container, EntryInfo};
use super::{OleOptions, excel, ppt, word};
use kiyome_core::{Action, Ctx, Disarmed, Error, Finding, Inspection, Kind, Severity};

/// Rebuilds an OLE document without VBA projects, embedded objects and unknown storages.
pub fn disarm_with(
    data: &[u8],
    kind: Kind,
    ctx: &Ctx<'_>,
    opts: &OleOptions,
    out: &mut Inspection,
) -> Result<Disarmed, Error> {
    let mut c = Container::open(data, ctx)?;
    if kind == Kind::OoxmlEncrypted || c.has_stream(&["EncryptedPackage"]) {
        return Err(encrypted("OOXML EncryptedPackage"));
    }
    let (main, allowed, out_kind): (&str, &[&str], Kind) = if c.has_stream(&["WordDocument"]) {
        word_checks(&mut c, ctx)?;
        (
            "WordDocument",
            &["WordDocument", "0Table", "1Table", "Data"],
            Kind::Doc,
        )
    } else if c.has_stream(&["Workbook"]) || c.has_stream(&["Book"]) {
        excel_checks(&mut c, ctx)?;
        ("Workbook", &["Workbook", "Book"], Kind::Xls)
    } else if c.has_stream(&["PowerPoint Document"]) {
        ppt_checks(&mut c, ctx)?;
        (
            "PowerPoint Document",
            &["PowerPoint Document", "Current User", "Pictures"],
            Kind::Ppt,
        )
    } else {
        return Err(Error::unsupported(format!(
            "disarm of {kind} compound files (only Word, Excel and PowerPoint 97-2003 documents are rebuilt)"
        )));
    };
    let keep = |e: &EntryInfo| -> bool {
        let top = e.parts.first().map(String::as_str).unwrap_or("");
        allowed.contains(&top)
            || top == "\u{1}CompObj"
            || (opts.keep_properties
                && (top == "\u{5}SummaryInformation" || top == "\u{5}DocumentSummaryInformation"))
    };
    for e in c.entries.iter().filter(|e| e.parts.len() == 1 && !keep(e)) {
        out.add(removed_finding(e, main));
    }
    let rebuilt = c.rebuild(&[], c.root_clsid, &keep, ctx)?;
    Ok(Disarmed {
        data: rebuilt,
        kind: out_kind,
    })
}

fn encrypted(what: &str) -> Error {
    Error::Encrypted {
        format: "ole",
        detail: format!("{what}; supply the decrypted file"),
    }
}

fn removed_finding(e: &EntryInfo, main: &str) -> Finding {
    let name = e.name();
    let (code, sev, what) = if super::is_vba_storage(name) {
        ("ole.vba", Severity::High, "VBA project removed")
    } else if name == "ObjectPool" || name.starts_with("MBD") {
        (
            if name == "ObjectPool" {
                "ole.object_pool"
            } else {
                "ole.embedded_object"
            },
            Severity::Medium,
            "embedded objects removed; their cached pictures remain",
        )
    } else if name.starts_with('\u{5}') {
        (
            "ole.summary_properties",
            Severity::Info,
            "summary properties removed",
        )
    } else {
        (
            "ole.unknown_entry",
            Severity::Low,
            "not needed by the document",
        )
    };
    Finding::new(code, sev, e.display())
        .detail(format!("{what} (kept: {main} and its companion streams)"))
        .action(Action::Removed)
}

fn word_checks(c: &mut Container<'_>, ctx: &Ctx<'_>) -> Result<(), Error> {
    let wd = c.read_all(&["WordDocument".to_string()], ctx)?;
    let fib = word::parse_fib(&wd).ok_or_else(|| Error::parse("doc", "no FIB"))?;
    if fib.encrypted || fib.obfuscated {
        return Err(encrypted("encrypted Word document"));
    }
    let table = if fib.table1 { "1Table" } else { "0Table" };
    let t = if c.has_stream(&[table]) {
        c.read_all(&[table.to_string()], ctx)?
    } else {
        Vec::new()
    };
    let mut fields = word::text(&wd, &t, &fib)
        .map(|s| word::dde_fields(&s))
        .unwrap_or_default();
    fields.extend(word::dde_fields(&word::utf16(&wd)));
    fields.extend(word::dde_fields(&encoding_rs::WINDOWS_1252.decode(&wd).0));
    if let Some(f) = fields.first() {
        return Err(Error::unsupported(format!(
            "removing a {} field from a Word 97-2003 document (its text cannot be rewritten safely); use text or image-pdf mode",
            f.keyword
        )));
    }
    Ok(())
}

fn excel_checks(c: &mut Container<'_>, ctx: &Ctx<'_>) -> Result<(), Error> {
    let (name, biff8) = if c.has_stream(&["Workbook"]) {
        ("Workbook", true)
    } else {
        ("Book", false)
    };
    let s = c.read_all(&[name.to_string()], ctx)?;
    let g = excel::scan(&s, biff8, ctx)?;
    if g.encrypted {
        return Err(encrypted("encrypted Excel workbook (FILEPASS)"));
    }
    let reason = if !g.macro_sheets.is_empty() {
        Some("Excel 4 macro sheets inside a BIFF workbook stream")
    } else if !g.auto_names.is_empty() {
        Some("Auto_Open-style defined names inside a BIFF workbook stream")
    } else if !g.dde_links.is_empty() {
        Some("DDE links inside a BIFF workbook stream")
    } else if !g.external_links.is_empty() {
        Some("external workbook references inside a BIFF workbook stream")
    } else {
        None
    };
    match reason {
        Some(r) => Err(Error::unsupported(format!(
            "disarm of {r} (they cannot be removed without rewriting the workbook); use text or image-pdf mode"
        ))),
        None => Ok(()),
    }
}

fn ppt_checks(c: &mut Container<'_>, ctx: &Ctx<'_>) -> Result<(), Error> {
    if c.has_stream(&["EncryptedSummary"]) {
        return Err(encrypted("encrypted PowerPoint presentation"));
    }
    let s = c.read_all(&["PowerPoint Document".to_string()], ctx)?;
    let scan = ppt::scan(&s, ctx)?;
    if scan.encrypted {
        return Err(encrypted("encrypted PowerPoint presentation"));
    }
    if scan.vba || !scan.storages.is_empty() || scan.links > 0 || scan.broken > 0 {
        return Err(Error::unsupported(
            "disarm of PowerPoint 97-2003 with a VBA project or OLE objects (stored inside the PowerPoint Document stream); use image-pdf mode",
        ));
    }
    Ok(())
}
