//! kiyome-office: inspection and disarm of OOXML (Word/Excel/PowerPoint), OpenDocument,
//! OLE compound files (legacy Office, Outlook `.msg`, encrypted OOXML) and RTF.
//!
//! The OOXML/ODF side lives in `opc`, `xml`, `ooxml*` and `odf*`; OLE and RTF in `ole*` and
//! `rtf*`. [`inspect`] and [`disarm`] dispatch by [`Kind`].
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod ole;
pub mod rtf;

use kiyome_core::{CodeInfo, Ctx, Disarmed, Error, Inspection, Kind, KindClass};
use serde::{Deserialize, Serialize};

/// Finding codes raised by the OOXML and ODF handlers of this crate.
pub const CODES: &[CodeInfo] = &[];

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
    pub keep_comments: bool,
}

impl Default for OfficeOptions {
    fn default() -> Self {
        OfficeOptions {
            keep_web_hyperlinks: true,
            keep_properties: false,
            keep_comments: true,
        }
    }
}

/// Inspects `data` (already detected as `kind`) for dangerous factors and hidden information.
pub fn inspect(data: &[u8], kind: Kind, ctx: &Ctx<'_>, out: &mut Inspection) -> Result<(), Error> {
    match kind.class() {
        KindClass::Rtf => rtf::inspect(data, kind, ctx, out),
        KindClass::Ole => ole::inspect(data, kind, ctx, out),
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
        _ => Err(Error::unsupported(format!(
            "disarm of {kind} is not implemented yet"
        ))),
    }
}
