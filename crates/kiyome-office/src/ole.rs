//! OLE compound files: Word/Excel/PowerPoint 97-2003, Outlook `.msg`, encrypted OOXML
//! (`EncryptedPackage`) and other CFB files.
//!
//! [`inspect`] lists the directory under limits ([`container`]) and reports VBA projects,
//! Excel 4 macro sheets and Auto_Open names, DDE fields and links, embedded objects (each
//! handed back to the engine for nested inspection), encryption and summary properties.
//! [`disarm`] rebuilds a fresh compound file holding only the streams a document needs.

pub mod container;
mod disarm;
pub mod excel;
mod inspect;
pub mod native;
pub mod ppt;
pub mod props;
pub mod word;

use kiyome_core::{CodeInfo, Severity};
use serde::{Deserialize, Serialize};

pub use disarm::disarm_with;
pub use inspect::inspect;

const fn c(code: &'static str, severity: Severity, meaning: &'static str) -> CodeInfo {
    CodeInfo {
        code,
        severity,
        meaning,
    }
}

/// Finding codes raised by the OLE compound-file handler.
pub const CODES: &[CodeInfo] = &[
    c(
        "ole.vba",
        Severity::High,
        "A VBA project (VBA, Macros or _VBA_PROJECT_CUR storage, or a PowerPoint VBAInfo record): macros that can run code.",
    ),
    c(
        "ole.xlm_macro",
        Severity::High,
        "An Excel 4 (XLM) macro sheet or VB module sheet in a BIFF workbook, or an Auto_Open/Auto_Close defined name.",
    ),
    c(
        "ole.dde",
        Severity::High,
        "A DDE/DDEAUTO field or Excel DDE link (runs a program), or an INCLUDE field that loads a remote file.",
    ),
    c(
        "ole.object_pool",
        Severity::Medium,
        "A Word ObjectPool storage: the document carries embedded OLE objects.",
    ),
    c(
        "ole.embedded_object",
        Severity::Medium,
        "An embedded OLE object (Ole10Native package, CONTENTS stream or embedded document); inspected as a nested file.",
    ),
    c(
        "ole.equation_editor",
        Severity::High,
        "An Equation Editor 3.0 object (Equation Native stream), the target of CVE-2017-11882 and CVE-2018-0802.",
    ),
    c(
        "ole.linked_object",
        Severity::Medium,
        "A linked OLE object (\\x01Ole link flag or PowerPoint ExOleLink): content fetched from outside the file.",
    ),
    c(
        "ole.external_link",
        Severity::Medium,
        "An Excel external workbook reference (SupBook with a path).",
    ),
    c(
        "ole.encrypted",
        Severity::Medium,
        "The document is encrypted or obfuscated (Word fEncrypted, Excel FILEPASS, PowerPoint CryptSession, EncryptedPackage) and cannot be checked.",
    ),
    c(
        "ole.summary_properties",
        Severity::Info,
        "Summary property streams name people or organisations (author, last author, company, manager, title).",
    ),
    c(
        "ole.msg_attachment",
        Severity::Low,
        "An Outlook .msg attachment; its content is inspected as a nested file.",
    ),
    c(
        "ole.unknown_entry",
        Severity::Low,
        "A stream or storage that disarm does not know for this kind; it is not copied into the rebuilt file.",
    ),
];

/// What OLE disarm keeps or removes. Defaults are the safe choice.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OleOptions {
    /// Keep the summary property streams (author, company, title…) (default false: they are
    /// dropped; Office recreates them on the next save).
    pub keep_properties: bool,
}

impl From<&crate::OfficeOptions> for OleOptions {
    fn from(o: &crate::OfficeOptions) -> Self {
        OleOptions {
            keep_properties: o.keep_properties,
        }
    }
}

/// Disarms an OLE document under the crate-wide office options (see [`disarm_with`]).
pub fn disarm(
    data: &[u8],
    kind: kiyome_core::Kind,
    ctx: &kiyome_core::Ctx<'_>,
    opts: &crate::OfficeOptions,
    out: &mut kiyome_core::Inspection,
) -> Result<kiyome_core::Disarmed, kiyome_core::Error> {
    disarm_with(data, kind, ctx, &OleOptions::from(opts), out)
}

/// Names of storages that hold a VBA project, compared case-insensitively.
pub(crate) fn is_vba_storage(name: &str) -> bool {
    ["vba", "_vba_project_cur", "macros"]
        .iter()
        .any(|n| name.eq_ignore_ascii_case(n))
}

/// Names of streams that belong to a VBA project.
pub(crate) fn is_vba_stream(name: &str) -> bool {
    ["_vba_project", "project", "projectwm", "dir"]
        .iter()
        .any(|n| name.eq_ignore_ascii_case(n))
}
