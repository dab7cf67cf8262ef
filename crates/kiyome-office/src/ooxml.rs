//! OOXML (Office Open XML, ECMA-376) inspection: relationships, parts and their content.
//!
//! Active content is found three ways, because an attacker controls all three: by
//! relationship type (`vbaProject`, `attachedTemplate`, `TargetMode="External"` …), by part
//! location (`xl/macrosheets/`, `embeddings/`, `activeX/` …) and by XML content (fields,
//! defined names, DDE links); see [`crate::ooxml_scan`].

use crate::opc::{Package, normalize};
use crate::xml::{self, Ev};
use crate::{Collector, ooxml_scan};
use kiyome_core::{Ctx, Error, Finding, Inspection, Kind, Severity};

/// One relationship from a `.rels` part.
#[derive(Debug, Clone)]
pub struct Rel {
    /// `Id`.
    pub id: String,
    /// The last segment of `Type` (`vbaProject`, `hyperlink`, `oleObject` …).
    pub kind: String,
    /// `Type` as written.
    pub full_type: String,
    /// `Target` as written.
    pub target: String,
    /// `TargetMode="External"`.
    pub external: bool,
    /// The `.rels` part it came from.
    pub rels_part: String,
    /// The internal part it points to, resolved against its source part.
    pub part: Option<String>,
}

/// The source part a `.rels` part describes: `word/_rels/document.xml.rels` →
/// `word/document.xml`, `_rels/.rels` → `` (the package).
pub fn rels_source(rels: &str) -> Option<String> {
    let rels = normalize(rels);
    let (dir, file) = match rels.rsplit_once('/') {
        Some((d, f)) => (d, f),
        None => ("", rels.as_str()),
    };
    let base = file.strip_suffix(".rels")?;
    let parent = if dir == "_rels" {
        ""
    } else {
        dir.strip_suffix("/_rels")?
    };
    Some(if parent.is_empty() {
        base.to_string()
    } else {
        format!("{parent}/{base}")
    })
}

/// Resolves a relative relationship target against its source part (RFC 3986 §5.2 rules,
/// as ECMA-376 Part 2 §9.3 requires); absolute targets start at the package root.
pub fn resolve_target(source: &str, target: &str) -> String {
    let target = percent_decode(&target.replace('\\', "/"));
    let target = target.split(['#', '?']).next().unwrap_or("");
    let mut parts: Vec<&str> = if target.starts_with('/') {
        Vec::new()
    } else {
        let mut p: Vec<&str> = source.split('/').collect();
        p.pop();
        p
    };
    for seg in target.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

/// Decodes `%XX` escapes (part names in targets are IRIs, ECMA-376 Part 2 §9.1.1).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c == b'%'
            && let Some(h) = b.get(i + 1..i + 3)
            && let Ok(v) = u8::from_str_radix(&String::from_utf8_lossy(h), 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(c);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Reads all relationships of the package; DTDs in `.rels` parts are reported.
pub fn read_rels(
    pkg: &mut Package<'_>,
    ctx: &Ctx<'_>,
    col: &mut Collector,
) -> Result<Vec<Rel>, Error> {
    let mut rels = Vec::new();
    for name in pkg.names() {
        if !name.to_ascii_lowercase().ends_with(".rels") {
            continue;
        }
        let Some(source) = rels_source(&name) else {
            continue;
        };
        let data = pkg.read(&name, ctx)?;
        let info = xml::scan(&data, &name, ctx, |ev| {
            if let Ev::Start(el, _) = ev
                && el.local() == "Relationship"
            {
                let target = el.attr("Target").unwrap_or_default().trim().to_string();
                let external = el
                    .attr("TargetMode")
                    .is_some_and(|m| m.eq_ignore_ascii_case("External"));
                let full_type = el.attr("Type").unwrap_or_default().to_string();
                let kind = full_type.rsplit('/').next().unwrap_or_default().to_string();
                let part = (!external).then(|| resolve_target(&source, &target));
                rels.push(Rel {
                    id: el.attr("Id").unwrap_or_default().to_string(),
                    kind,
                    full_type,
                    target,
                    external,
                    rels_part: name.clone(),
                    part,
                });
            }
            Ok(())
        })?;
        dtd_finding(&info, &name, "ooxml.xml_dtd", col);
    }
    Ok(rels)
}

/// The main document part: the target of the package's `officeDocument` relationship.
pub fn main_part(rels: &[Rel]) -> Option<&str> {
    rels.iter()
        .find(|r| r.rels_part == "_rels/.rels" && r.kind == "officeDocument" && !r.external)
        .and_then(|r| r.part.as_deref())
}

/// Reports a DTD or unexpanded custom entity references in one part.
pub(crate) fn dtd_finding(info: &xml::XmlInfo, part: &str, code: &str, col: &mut Collector) {
    if info.doctype.is_some() || info.custom_refs > 0 {
        let what = if info.declares_entities {
            "DTD with entity or external declarations"
        } else if info.doctype.is_some() {
            "DTD"
        } else {
            "references to undeclared entities"
        };
        let sev = if info.risky_dtd || info.declares_entities || info.custom_refs > 0 {
            Severity::Medium
        } else {
            Severity::Low
        };
        col.add(Finding::new(code, sev, part).detail(format!(
            "{what}; {} custom entity references left unexpanded",
            info.custom_refs
        )));
    }
}

/// Scheme and host of an external target, never its path or query (which may hold tokens).
pub fn describe_target(target: &str) -> String {
    let t = target.trim();
    if t.starts_with("\\\\") || t.starts_with("//") {
        let host = t
            .trim_start_matches(['\\', '/'])
            .split(['\\', '/'])
            .next()
            .unwrap_or("");
        return format!("UNC path \\\\{host}\\…");
    }
    match t.split_once(':') {
        Some((scheme, rest))
            if scheme.len() > 1
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c)) =>
        {
            let host = rest
                .trim_start_matches('/')
                .split(['/', '\\', '?', '#'])
                .next()
                .unwrap_or("");
            let host: String = host
                .rsplit('@')
                .next()
                .unwrap_or("")
                .chars()
                .take(64)
                .collect();
            format!("{}://{host}", scheme.to_ascii_lowercase())
        }
        Some((drive, _)) if drive.len() == 1 => "local path".into(),
        _ => "relative path outside the package".into(),
    }
}

/// Whether an external target is an ordinary web or mail link (Low rather than Medium).
pub fn is_web_link(target: &str) -> bool {
    let t = target.trim().to_ascii_lowercase();
    t.starts_with("http://") || t.starts_with("https://") || t.starts_with("mailto:")
}

/// Classifies one relationship into findings.
fn classify_rel(r: &Rel, col: &mut Collector) {
    let loc = r.rels_part.as_str();
    let k = r.kind.as_str();
    if r.external {
        let what = describe_target(&r.target);
        match k {
            "attachedTemplate" => {
                col.add(Finding::new("ooxml.attached_template", Severity::Medium, loc).detail(what))
            }
            "hyperlink" if is_web_link(&r.target) => col.add(
                Finding::new("ooxml.external_relationship", Severity::Low, loc).detail(format!(
                    "hyperlink to {}",
                    what.split("://").next().unwrap_or("")
                )),
            ),
            _ => col.add(
                Finding::new("ooxml.external_relationship", Severity::Medium, loc)
                    .detail(format!("{k} → {what}")),
            ),
        }
        return;
    }
    match k {
        "vbaProject" | "vbaProjectSignature" => col.add(
            Finding::new("ooxml.vba_project", Severity::High, loc)
                .detail(format!("{k} relationship to {}", r.target)),
        ),
        "xlMacrosheet" | "xlIntlMacrosheet" => col.add(
            Finding::new("ooxml.xlm_macro_sheet", Severity::High, loc)
                .detail(format!("{k} relationship to {}", r.target)),
        ),
        "control" | "activeXControlBinary" => {
            col.add(Finding::new("ooxml.activex", Severity::High, loc).detail(k.to_string()))
        }
        "aFChunk" => col.add(
            Finding::new("ooxml.alt_chunk", Severity::Medium, loc)
                .detail(format!("altChunk part {}", r.target)),
        ),
        "extensibility" | "ui" => col.add(Finding::new("ooxml.custom_ui", Severity::Medium, loc)),
        _ => {}
    }
}

/// Whether a part belongs to a VBA project (`vbaProject.bin`, `vbaData.xml`, the VBA
/// signature parts).
pub fn is_vba_part(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    let f = l.rsplit('/').next().unwrap_or(&l);
    f == "vbaproject.bin" || f == "vbadata.xml" || f.starts_with("vbaprojectsignature")
}

/// Whether a part is an embedded object that is handed to the engine as a child.
pub fn is_embedding(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    l.contains("/embeddings/") && !l.contains("/_rels/")
}

/// Whether a part is an ActiveX control part.
pub fn is_activex(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    l.contains("/activex/")
}

/// Whether a part is an Excel 4.0 macro sheet.
pub fn is_macro_sheet(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    l.starts_with("xl/macrosheets/") && !l.contains("/_rels/")
}

/// Whether a part is the ribbon customisation.
pub fn is_custom_ui(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    l.starts_with("customui/") || l.starts_with("customui14/")
}

/// Whether a part is a digital signature.
pub fn is_signature(name: &str) -> bool {
    name.to_ascii_lowercase().starts_with("_xmlsignatures/")
}

fn is_xml_part(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    (l.ends_with(".xml") || l.ends_with(".vml")) && !is_signature(&l) || l == "[content_types].xml"
}

/// Root-storage classes Office activates as its own documents (Word, Excel, PowerPoint,
/// Microsoft Graph), and the nil class many embedded `.doc`/`.xls` files carry. Any other
/// class (Package, Equation Editor, a third-party server) runs another program when the
/// object is opened, so a compound file of such a class is not a document embedding.
const DOCUMENT_CLASSES: &[&str] = &[
    "00000000-0000-0000-0000-000000000000",
    "00020900-0000-0000-c000-000000000046", // Word 6/95
    "00020906-0000-0000-c000-000000000046", // Word.Document.8
    "00020810-0000-0000-c000-000000000046", // Excel.Sheet.5
    "00020811-0000-0000-c000-000000000046", // Excel.Chart.5
    "00020820-0000-0000-c000-000000000046", // Excel.Sheet.8
    "00020821-0000-0000-c000-000000000046", // Excel.Chart.8
    "00020803-0000-0000-c000-000000000046", // MSGraph.Chart.8
    "64818d10-4f9b-11cf-86ea-00aa00b929e8", // PowerPoint.Show.8
    "64818d11-4f9b-11cf-86ea-00aa00b929e8", // PowerPoint.Slide.8
];

fn clsid_text(b: &[u8; 16]) -> String {
    let h: Vec<String> = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        h[0..4].concat(),
        h[4..6].concat(),
        h[6..8].concat(),
        h[8..10].concat(),
        h[10..16].concat()
    )
}

/// Whether an embedded file of `kind` is a document kiyome rebuilds and checks like any
/// input, so that once its own inspection finds nothing dangerous the embedding itself is
/// no dangerous factor: macro-free OOXML, ODF, RTF, PDF, decodable images, and Word, Excel
/// and PowerPoint 97-2003 compound files whose root class is one Office opens as that
/// document. Everything else (OLE packages, Equation Editor objects, executables…) is.
pub fn is_document_embedding(kind: Kind, data: &[u8], ctx: &Ctx<'_>) -> bool {
    use kiyome_core::KindClass;
    match kind.class() {
        KindClass::Ooxml => !kind.is_macro_enabled() && kind != Kind::Xlsb,
        KindClass::Odf | KindClass::Rtf | KindClass::Pdf => true,
        KindClass::Image => matches!(
            kind,
            Kind::Jpeg | Kind::Png | Kind::Gif | Kind::Bmp | Kind::Tiff | Kind::Webp
        ),
        KindClass::Ole if matches!(kind, Kind::Doc | Kind::Xls | Kind::Ppt) => {
            crate::ole::container::Container::open(data, ctx)
                .is_ok_and(|c| DOCUMENT_CLASSES.contains(&clsid_text(&c.root_clsid).as_str()))
        }
        _ => false,
    }
}

/// The finding for an embedded part, given its inspected report: Low when it is a
/// [document embedding](is_document_embedding) whose inspection found nothing dangerous,
/// Medium otherwise.
pub fn embedding_finding(
    part: &str,
    child: &kiyome_core::FileReport,
    data: &[u8],
    ctx: &Ctx<'_>,
) -> Finding {
    if !child.has_dangerous() && is_document_embedding(child.kind, data, ctx) {
        Finding::new("ooxml.ole_embedding", Severity::Low, part).detail(format!(
            "embedded {} inspected as a child: nothing dangerous",
            child.kind
        ))
    } else {
        Finding::new("ooxml.ole_embedding", Severity::Medium, part)
            .detail(format!("embedded {} inspected as a child", child.kind))
    }
}

/// The name under which an embedded part is handed to the engine: `.bin` is dropped because
/// it claims an executable kind, and every OLE embedding is named `oleObjectN.bin`.
pub fn nested_name(part: &str) -> &str {
    match part.len().checked_sub(4) {
        Some(i)
            if part
                .get(i..)
                .is_some_and(|e| e.eq_ignore_ascii_case(".bin")) =>
        {
            part.get(..i).unwrap_or(part)
        }
        _ => part,
    }
}

/// Inspects an OOXML package.
pub fn inspect(data: &[u8], kind: Kind, ctx: &Ctx<'_>, out: &mut Inspection) -> Result<(), Error> {
    let mut col = Collector::default();
    let r = inspect_into(data, kind, ctx, out, &mut col);
    col.flush(out);
    r
}

fn inspect_into(
    data: &[u8],
    kind: Kind,
    ctx: &Ctx<'_>,
    out: &mut Inspection,
    col: &mut Collector,
) -> Result<(), Error> {
    let mut pkg = Package::open(data, ctx, "ooxml")?;
    for d in &pkg.duplicates {
        col.add(Finding::new(
            "ooxml.duplicate_part",
            Severity::Medium,
            d.as_str(),
        ));
    }
    let encrypted: Vec<String> = pkg
        .entries
        .iter()
        .filter(|e| e.encrypted)
        .map(|e| e.name.clone())
        .collect();
    for e in &encrypted {
        col.add(
            Finding::new("ooxml.encrypted", Severity::Medium, e.as_str())
                .detail("zip-encrypted member"),
        );
    }
    if !pkg.has("[Content_Types].xml") {
        col.add(
            Finding::new(
                "ooxml.package_anomaly",
                Severity::Low,
                "[Content_Types].xml",
            )
            .detail("missing"),
        );
    }
    let rels = read_rels(&mut pkg, ctx, col)?;
    if main_part(&rels).is_none() {
        // No main document: Office refuses the file; what it would show is undefined.
        col.add(Finding::from_error(
            &Error::parse("ooxml", "no officeDocument relationship in _rels/.rels"),
            "_rels/.rels",
        ));
    }
    for r in &rels {
        classify_rel(r, col);
        if let Some(p) = &r.part
            && !pkg.has(p)
            && !r.target.is_empty()
        {
            col.add(
                Finding::new("ooxml.package_anomaly", Severity::Low, r.rels_part.as_str())
                    .detail("relationship to a missing part"),
            );
        }
    }
    let names = pkg.names();
    let mut scan = ooxml_scan::Scanner::default();
    for name in &names {
        ctx.budget.check_time()?;
        if encrypted.contains(name) {
            continue;
        }
        let n = name.as_str();
        if is_vba_part(n) {
            col.add(Finding::new("ooxml.vba_project", Severity::High, n));
        } else if is_macro_sheet(n) {
            col.add(Finding::new("ooxml.xlm_macro_sheet", Severity::High, n));
        } else if is_activex(n) {
            let dir = n.rsplit_once('/').map(|(d, _)| d).unwrap_or(n);
            col.add(Finding::new(
                "ooxml.activex",
                Severity::High,
                format!("{dir}/"),
            ));
        } else if is_custom_ui(n) {
            col.add(Finding::new("ooxml.custom_ui", Severity::Medium, n));
        } else if is_signature(n) {
            col.add(Finding::new(
                "ooxml.signature",
                Severity::Info,
                "_xmlsignatures/",
            ));
        } else if is_embedding(n) {
            let bytes = pkg.read(n, ctx)?;
            let child = ctx.inspect_nested(nested_name(n), &bytes);
            col.add(embedding_finding(n, &child, &bytes, ctx));
            out.children.push(child);
            continue;
        }
        if rels
            .iter()
            .any(|r| r.kind == "aFChunk" && r.part.as_deref() == Some(n))
        {
            let bytes = pkg.read(n, ctx)?;
            out.children.push(ctx.inspect_nested(n, &bytes));
            continue;
        }
        if is_xml_part(n) {
            let bytes = pkg.read(n, ctx)?;
            match scan.part(n, &bytes, ctx, col) {
                Ok(()) => {}
                // VML is HTML-like and often not well-formed; Office parses it leniently and
                // it carries no active content of its own (its links are relationships).
                Err(Error::Parse { .. }) if n.to_ascii_lowercase().ends_with(".vml") => {}
                // One broken part: report it (default deny) and keep checking the others.
                Err(e @ Error::Parse { .. }) => col.add(Finding::from_error(&e, n)),
                Err(e) => return Err(e),
            }
        } else if kind == Kind::Xlsb && n.eq_ignore_ascii_case("xl/workbook.bin") {
            let bytes = pkg.read(n, ctx)?;
            ooxml_scan::xlsb_auto_open(&bytes, n, col);
        }
    }
    scan.finish(col);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rels_sources_and_targets_resolve_like_opc() {
        assert_eq!(rels_source("_rels/.rels").as_deref(), Some(""));
        assert_eq!(
            rels_source("word/_rels/document.xml.rels").as_deref(),
            Some("word/document.xml")
        );
        assert_eq!(
            resolve_target("word/document.xml", "../customXml/item1.xml"),
            "customXml/item1.xml"
        );
        assert_eq!(
            resolve_target("xl/workbook.xml", "/xl/styles.xml"),
            "xl/styles.xml"
        );
        assert_eq!(resolve_target("", "word/document.xml"), "word/document.xml");
        assert_eq!(
            resolve_target("ppt/slides/s.xml", "../embeddings/Object%201.bin"),
            "ppt/embeddings/Object 1.bin"
        );
    }

    #[test]
    fn targets_are_described_without_paths() {
        assert_eq!(
            describe_target("\\\\evil\\share\\t.dotm"),
            "UNC path \\\\evil\\…"
        );
        assert_eq!(
            describe_target("https://user:pw@example.com/t.dotm?token=1"),
            "https://example.com"
        );
        assert_eq!(describe_target("file:///C:/x.doc"), "file://C:");
    }
}
