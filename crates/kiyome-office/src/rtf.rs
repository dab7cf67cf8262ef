//! RTF: embedded and linked objects (`\object`, `\objdata` decoded as OLE1 with Package
//! payloads and OLE2 blobs handed back for nested inspection), `\objupdate`, DDE and remote
//! INCLUDE fields, `\bin`; disarm rebuilds the file without them; [`rtf_text`] extracts the
//! visible text (Shift_JIS `\'xx`, `\uN`).

mod disarm;
pub mod lexer;
pub mod scan;
mod text;

use crate::ole::native::{self, CFB_MAGIC};
use kiyome_core::{CodeInfo, Ctx, Error, Finding, Inspection, Kind, Severity};
use serde::{Deserialize, Serialize};

pub use disarm::disarm_with;
pub use text::rtf_text;

const fn c(code: &'static str, severity: Severity, meaning: &'static str) -> CodeInfo {
    CodeInfo {
        code,
        severity,
        meaning,
    }
}

/// Finding codes raised by the RTF handler.
pub const CODES: &[CodeInfo] = &[
    c(
        "rtf.object",
        Severity::High,
        "An embedded or linked OLE object (\\object / \\objdata); detail is its class. Package, Equation.3, OLE2Link and undecodable objects are high, others medium.",
    ),
    c(
        "rtf.objupdate",
        Severity::High,
        "\\objupdate: Word refreshes the object when the document opens, starting its server without a click.",
    ),
    c(
        "rtf.dde",
        Severity::High,
        "A DDE/DDEAUTO field (runs a program) or an INCLUDETEXT/INCLUDEPICTURE/IMPORT field with a remote or UNC path.",
    ),
    c(
        "rtf.bin",
        Severity::Low,
        "\\bin raw binary data (an obfuscation vector); medium when it is part of object data.",
    ),
];

/// What RTF disarm does. Defaults are the safe choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RtfOptions {
    /// Replace a removed object by its `\result` (the picture Word shows for it) (default
    /// true; false drops the object's place entirely).
    pub keep_object_pictures: bool,
}

impl Default for RtfOptions {
    fn default() -> Self {
        RtfOptions {
            keep_object_pictures: true,
        }
    }
}

/// Disarms an RTF document under the crate-wide office options (see [`disarm_with`];
/// object pictures are kept, as [`RtfOptions::default`] says).
pub fn disarm(
    data: &[u8],
    kind: Kind,
    ctx: &Ctx<'_>,
    _opts: &crate::OfficeOptions,
    out: &mut Inspection,
) -> Result<kiyome_core::Disarmed, Error> {
    disarm_with(data, kind, ctx, &RtfOptions::default(), out)
}

/// Classes that are attack vectors by themselves: Packager (drops any file), Equation
/// Editor (CVE-2017-11882), OLE2Link (CVE-2017-0199, fetches a remote document).
fn dangerous_class(class: &str) -> bool {
    let c = class.to_ascii_lowercase();
    c.is_empty() || c == "package" || c.starts_with("equation") || c == "ole2link"
}

/// Inspects an RTF document.
pub fn inspect(data: &[u8], _kind: Kind, ctx: &Ctx<'_>, out: &mut Inspection) -> Result<(), Error> {
    let a = scan::analyze(data, ctx)?;
    for (i, o) in a.objects.iter().enumerate() {
        let loc = format!("object {} at byte {}", i + 1, o.span.0);
        let ole1 = native::parse_ole1(&o.data).filter(|x| x.format_id == 1 || x.format_id == 2);
        let class = ole1
            .as_ref()
            .map(|x| x.class_name.clone())
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| o.class.trim().to_string());
        let mut detail = if class.is_empty() {
            "unknown class".to_string()
        } else {
            class.clone()
        };
        let mut sev = if dangerous_class(&class) {
            Severity::High
        } else {
            Severity::Medium
        };
        if let Some(l) = o
            .link
            .or(ole1.as_ref().filter(|x| x.format_id == 1).map(|_| "link"))
        {
            detail.push_str(&format!(", {l}"));
            if let Some(x) = ole1.as_ref().filter(|x| !x.topic.is_empty()) {
                detail.push_str(&format!(
                    " to {}",
                    x.topic.chars().take(80).collect::<String>()
                ));
            }
            sev = Severity::High;
        }
        if o.data.is_empty() {
            detail.push_str(", no object data");
        } else if ole1.is_none() {
            detail.push_str(", object data is not an OLE1 object");
        }
        if let Some(x) = &ole1 {
            if x.class_name.eq_ignore_ascii_case("Package")
                && let Some(p) = native::parse_package(x.native, false)
            {
                detail.push_str(&format!(", file {}", p.name));
                out.children
                    .push(ctx.inspect_nested(&format!("{loc}/{}", p.name), p.data));
            } else if x.native.starts_with(CFB_MAGIC) {
                out.children
                    .push(ctx.inspect_nested(&format!("{loc}/{class}"), x.native));
            }
        } else if o.data.starts_with(CFB_MAGIC) {
            out.children
                .push(ctx.inspect_nested(&format!("{loc}/objdata"), &o.data));
        }
        out.add(Finding::new("rtf.object", sev, &loc).detail(detail));
        if o.update {
            out.add(
                Finding::new("rtf.objupdate", Severity::High, &loc)
                    .detail("object refreshed on open"),
            );
        }
    }
    for f in &a.fields {
        let sev = if f.dde.keyword.starts_with("DDE") {
            Severity::High
        } else {
            Severity::Medium
        };
        out.add(
            Finding::new("rtf.dde", sev, format!("field at byte {}", f.span.0))
                .detail(format!("{} {}", f.dde.keyword, f.dde.target)),
        );
    }
    let (inside, outside): (Vec<_>, Vec<_>) = a.bins.iter().partition(|b| b.in_object);
    if !inside.is_empty() {
        out.add(
            Finding::new(
                "rtf.bin",
                Severity::Medium,
                format!("byte {}", inside[0].span.0),
            )
            .detail(format!("{} \\bin run(s) inside object data", inside.len())),
        );
    }
    if !outside.is_empty() {
        let bytes: usize = outside.iter().map(|b| b.raw.1 - b.raw.0).sum();
        out.add(
            Finding::new(
                "rtf.bin",
                Severity::Low,
                format!("byte {}", outside[0].span.0),
            )
            .detail(format!("{} \\bin run(s), {bytes} bytes", outside.len())),
        );
    }
    Ok(())
}
