//! kiyome-office: inspection and disarm of OOXML (Word/Excel/PowerPoint), OpenDocument,
//! OLE compound files (legacy Office, Outlook `.msg`, encrypted OOXML) and RTF.
//!
//! The OOXML/ODF side lives in `opc`, `xml`, `ooxml*` and `odf*`; OLE and RTF in `ole*` and
//! `rtf*`. [`inspect`] and [`disarm`] dispatch by [`Kind`].
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod odf;
mod odf_disarm;
pub mod ole;
pub mod ooxml;
mod ooxml_disarm;
mod ooxml_rewrite;
mod ooxml_scan;
pub mod opc;
pub mod rtf;
pub mod xml;

use kiyome_core::{CodeInfo, Ctx, Disarmed, Error, Finding, Inspection, Kind, KindClass, Severity};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

const fn c(code: &'static str, severity: Severity, meaning: &'static str) -> CodeInfo {
    CodeInfo {
        code,
        severity,
        meaning,
    }
}

use Severity::{High, Info, Low, Medium};

/// Finding codes raised by the OOXML and ODF handlers of this crate.
pub const CODES: &[CodeInfo] = &[
    c(
        "ooxml.vba_project",
        High,
        "The package carries a VBA project (`vbaProject.bin`): macros.",
    ),
    c(
        "ooxml.xlm_macro_sheet",
        High,
        "The workbook has an Excel 4.0 (XLM) macro sheet.",
    ),
    c(
        "ooxml.auto_open_name",
        High,
        "The workbook defines an Auto_Open/Auto_Close/Auto_Activate-style name that runs a macro on open or close.",
    ),
    c(
        "ooxml.activex",
        High,
        "The document carries ActiveX controls.",
    ),
    c(
        "ooxml.ole_embedding",
        Medium,
        "The document embeds an OLE object or package (inspected as a child); Low when it is a document kiyome rebuilds (macro-free OOXML, ODF, RTF, PDF, an image, or Word/Excel/PowerPoint 97-2003 of their own class) and its own inspection found nothing dangerous.",
    ),
    c(
        "ooxml.attached_template",
        Medium,
        "The document loads an attached template from outside the file (template injection).",
    ),
    c(
        "ooxml.external_relationship",
        Medium,
        "A relationship or field points outside the package (remote image, linked object, external workbook, file:// or UNC link, INCLUDE field); web hyperlinks are Low.",
    ),
    c(
        "ooxml.dde",
        High,
        "A DDE/DDEAUTO field or DDE link that can start a program.",
    ),
    c(
        "ooxml.custom_ui",
        Medium,
        "The package customises the ribbon (`customUI`), whose callbacks call macros.",
    ),
    c(
        "ooxml.alt_chunk",
        Medium,
        "The document imports an altChunk (HTML/MHT/RTF/another document) that Word converts when opening.",
    ),
    c(
        "ooxml.encrypted",
        Medium,
        "Members of the package are encrypted and cannot be checked.",
    ),
    c("ooxml.comments", Info, "The document has comments."),
    c(
        "ooxml.tracked_changes",
        Info,
        "The document has tracked changes (insertions/deletions or revision logs).",
    ),
    c(
        "ooxml.hidden_text",
        Info,
        "The document has hidden text (`w:vanish`) or hidden slides.",
    ),
    c(
        "ooxml.hidden_sheet",
        Info,
        "The workbook has hidden or very hidden sheets.",
    ),
    c(
        "ooxml.properties",
        Info,
        "Document properties (core/app/custom) hold author, organisation or other metadata.",
    ),
    c(
        "ooxml.xml_dtd",
        Medium,
        "An XML part declares a DTD or entities (XXE, billion laughs); entities are never expanded.",
    ),
    c(
        "ooxml.signature",
        Info,
        "The package is digitally signed (signer identity; disarm invalidates the signature).",
    ),
    c(
        "ooxml.duplicate_part",
        Medium,
        "Two members have the same part name; readers disagree on which one counts.",
    ),
    c(
        "ooxml.package_anomaly",
        Low,
        "The package structure is irregular (missing content types, dangling relationships).",
    ),
    c(
        "odf.macro",
        High,
        "The document carries Basic or script macros (`Basic/`, `Scripts/`).",
    ),
    c(
        "odf.event_listener",
        High,
        "The document binds scripts to events (`office:event-listeners`).",
    ),
    c(
        "odf.ole_object",
        Medium,
        "The document embeds an OLE object or sub-document (inspected as a child).",
    ),
    c(
        "odf.encrypted",
        Medium,
        "Members of the package are encrypted (`manifest:encryption-data`) and cannot be checked.",
    ),
    c(
        "odf.metadata",
        Info,
        "`meta.xml` holds author, dates, editing statistics or user-defined metadata.",
    ),
    c(
        "odf.tracked_changes",
        Info,
        "The document has tracked changes.",
    ),
    c(
        "odf.annotations",
        Info,
        "The document has annotations (comments).",
    ),
    c(
        "odf.external_link",
        Medium,
        "An object, image or section is linked from outside the package (file, UNC or web address).",
    ),
    c(
        "odf.xml_dtd",
        Medium,
        "An XML part declares a DTD or entities (XXE, billion laughs); entities are never expanded.",
    ),
    c(
        "odf.duplicate_part",
        Medium,
        "Two members have the same name; readers disagree on which one counts.",
    ),
];

/// Collects findings for one package, merging repeats of the same code at the same place
/// into one finding with a count, so that a document with 10 000 hyperlinks stays readable.
#[derive(Default)]
pub struct Collector {
    order: Vec<(String, String)>,
    items: HashMap<(String, String), (Finding, u64)>,
}

impl Collector {
    /// Adds a finding, merging with an earlier one of the same code and location.
    pub fn add(&mut self, f: Finding) {
        let key = (f.code.clone(), f.location.clone());
        match self.items.get_mut(&key) {
            Some((_, n)) => *n += 1,
            None => {
                self.order.push(key.clone());
                self.items.insert(key, (f, 1));
            }
        }
    }

    /// Whether a finding with this code was collected.
    pub fn has(&self, code: &str) -> bool {
        self.order.iter().any(|(c, _)| c == code)
    }

    /// Moves the findings into `out`, in first-seen order.
    pub fn flush(mut self, out: &mut Inspection) {
        for key in self.order {
            if let Some((mut f, n)) = self.items.remove(&key) {
                if n > 1 {
                    f.detail = if f.detail.is_empty() {
                        format!("{n} occurrences")
                    } else {
                        format!("{} ({n} occurrences)", f.detail)
                    };
                }
                out.add(f);
            }
        }
    }
}

/// Finding codes raised by the OLE compound-file handler (re-exported from [`ole::CODES`]).
pub const OLE_CODES: &[CodeInfo] = ole::CODES;

/// Finding codes raised by the RTF handler (re-exported from [`rtf::CODES`]).
pub const RTF_CODES: &[CodeInfo] = rtf::CODES;

/// What disarm of office documents keeps or removes. Defaults are the safe choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OfficeOptions {
    /// Keep http/https hyperlinks as clickable links (default true: they are only links; every
    /// other external relationship is removed regardless).
    pub keep_web_hyperlinks: bool,
    /// Keep document properties (core/app/custom metadata) (default false: they are replaced
    /// with empty properties, removing author and organisation names).
    pub keep_properties: bool,
    /// Keep comments (default true: they are visible content, reported as hidden information).
    /// When false, OOXML comment parts and their anchors, and ODF annotations, are removed.
    pub keep_comments: bool,
    /// What happens to embedded documents (OLE objects and packages inside OOXML, ODF
    /// sub-documents): sanitized recursively and kept when released (default), or always
    /// removed. Either way an embedding that cannot be sanitized is removed and its preview
    /// picture kept.
    pub embedded_objects: EmbeddedObjects,
}

/// What disarm does with embedded documents.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EmbeddedObjects {
    /// Sanitize each embedded document by the engine's policy for its kind; keep the rebuilt
    /// one when it is released and of the same kind, remove it otherwise.
    #[default]
    Sanitize,
    /// Remove every embedded document; the preview picture stays in the host document.
    Remove,
}

impl Default for OfficeOptions {
    fn default() -> Self {
        OfficeOptions {
            keep_web_hyperlinks: true,
            keep_properties: false,
            keep_comments: true,
            embedded_objects: EmbeddedObjects::Sanitize,
        }
    }
}

/// Extra part-level edits applied while [`disarm_with`] rebuilds an OOXML or ODF package, so
/// that metadata scrubbing and redaction reuse disarm's relationship, content-type and
/// manifest bookkeeping instead of rebuilding packages a second time.
pub trait PartHook {
    /// Returns a finding (recorded with its action) when the part must be left out; every
    /// relationship to it is then dropped and the part disappears from the content types or
    /// the manifest.
    fn drop_part(&mut self, name: &str) -> Option<Finding> {
        let _ = name;
        None
    }

    /// Rewrites a kept part (XML or binary) after disarm's own rewrite.
    fn rewrite_part(&mut self, name: &str, data: Vec<u8>, ctx: &Ctx<'_>) -> Result<Vec<u8>, Error> {
        let _ = (name, ctx);
        Ok(data)
    }

    /// Rewrites the target of a kept external relationship (a web hyperlink) of the
    /// relationship part `rels_part` (OOXML only).
    fn rewrite_external_target(&mut self, rels_part: &str, target: &str) -> String {
        let _ = rels_part;
        target.to_string()
    }
}

/// A [`PartHook`] that changes nothing (plain disarm).
pub struct NoHook;

impl PartHook for NoHook {}

/// Inspects `data` (already detected as `kind`) for dangerous factors and hidden information.
pub fn inspect(data: &[u8], kind: Kind, ctx: &Ctx<'_>, out: &mut Inspection) -> Result<(), Error> {
    match kind.class() {
        KindClass::Rtf => rtf::inspect(data, kind, ctx, out),
        KindClass::Ole => ole::inspect(data, kind, ctx, out),
        KindClass::Ooxml => ooxml::inspect(data, kind, ctx, out),
        KindClass::Odf => odf::inspect(data, kind, ctx, out),
        _ => Err(Error::unsupported(format!(
            "inspection of {kind} is not implemented yet"
        ))),
    }
}

/// Rebuilds `data` (already detected as `kind`) without its active content, recording what
/// was removed in `out`.
pub fn disarm(
    data: &[u8],
    kind: Kind,
    ctx: &Ctx<'_>,
    opts: &OfficeOptions,
    out: &mut Inspection,
) -> Result<Disarmed, Error> {
    match kind.class() {
        KindClass::Rtf => rtf::disarm(data, kind, ctx, opts, out),
        KindClass::Ole => ole::disarm(data, kind, ctx, opts, out),
        KindClass::Ooxml => ooxml_disarm::disarm(data, kind, ctx, opts, out, &mut NoHook),
        KindClass::Odf => odf_disarm::disarm(data, kind, ctx, opts, out, &mut NoHook),
        _ => Err(Error::unsupported(format!(
            "disarm of {kind} is not implemented yet"
        ))),
    }
}

/// Disarms an OOXML or ODF package like [`disarm`], applying `hook` to every part: parts it
/// drops are left out with their relationships, parts it rewrites are written as it returns
/// them.
pub fn disarm_with(
    data: &[u8],
    kind: Kind,
    ctx: &Ctx<'_>,
    opts: &OfficeOptions,
    out: &mut Inspection,
    hook: &mut dyn PartHook,
) -> Result<Disarmed, Error> {
    match kind.class() {
        KindClass::Ooxml => ooxml_disarm::disarm(data, kind, ctx, opts, out, hook),
        KindClass::Odf => odf_disarm::disarm(data, kind, ctx, opts, out, hook),
        _ => Err(Error::unsupported(format!(
            "package rebuild of {kind} is not supported"
        ))),
    }
}
