//! Redaction, metadata scrub and leak verification for OOXML (Word, Excel, PowerPoint) and
//! OpenDocument packages.
//!
//! The package is rebuilt by kiyome-office's disarm (macros, ActiveX, external relationships,
//! DDE fields and embedded objects go, relationships and content types are rebuilt so nothing
//! dangles) with a [`PartHook`](kiyome_office::PartHook) that also
//! - drops parts that only carry hidden information ([`scrub`]): comments and their people,
//!   custom XML, thumbnails, printer settings, speaker notes, revision logs, `meta.xml`;
//! - rewrites XML parts: tracked changes accepted, comment anchors, session identifiers
//!   (rsid, paraId) and hidden runs removed, properties reset;
//! - strips metadata from embedded JPEG/PNG images losslessly;
//! - replaces every match of the plan with the mask character ([`redact`]).
//!
//! [`verify`] then re-opens the output independently and looks for the plan's terms in every
//! part (in several encodings) and for hidden information that should be gone.

mod hidden;
mod redact;
mod scrub;
pub(crate) mod verify;

pub use redact::MASK;
pub use verify::{verify, verify_with};

use crate::plan::Plan;
use crate::report::RedactionReport;
use kiyome_core::{Ctx, Disarmed, Error, Inspection, Kind, NoNesting};
use kiyome_office::OfficeOptions;
use serde::{Deserialize, Serialize};

/// What the Office/ODF scrub removes beyond what is always removed (properties, comments,
/// tracked changes, session ids, custom XML, thumbnails…). The defaults are what a document
/// published (公開) or provided (提供) needs: nothing the reader cannot see stays in the file.
/// Each is also a `--keep-…`/`--remove-…` flag of `kiyome scrub` and `kiyome redact`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScrubOptions {
    /// Remove hidden text: Word runs with `w:vanish`/`w:specVanish` or a hidden character
    /// style (default true; false reports it only).
    pub remove_hidden_text: bool,
    /// Remove PowerPoint speaker notes (default true).
    pub remove_notes: bool,
    /// Remove Word runs coloured white with nothing coloured behind them (no run, paragraph,
    /// cell or page fill, not in a styled table or a text box), which no reader sees on the
    /// white page (default true). White text that may be visible is only reported.
    pub remove_invisible_text: bool,
    /// Empty Excel sheets that are hidden or very hidden: cells and the parts only they use
    /// (drawings, tables, comments) go; the sheet stays, hidden, so references stay valid
    /// (default true).
    pub remove_hidden_sheets: bool,
    /// Remove the cells of hidden Excel rows and columns (filtered-out rows and collapsed
    /// groups included); formulas elsewhere keep their cached values (default true).
    pub remove_hidden_cells: bool,
}

impl Default for ScrubOptions {
    fn default() -> Self {
        ScrubOptions {
            remove_hidden_text: true,
            remove_notes: true,
            remove_invisible_text: true,
            remove_hidden_sheets: true,
            remove_hidden_cells: true,
        }
    }
}

impl ScrubOptions {
    /// Everything hidden is kept and only reported (what `false` on every option gives).
    pub fn keep_all() -> Self {
        ScrubOptions {
            remove_hidden_text: false,
            remove_notes: false,
            remove_invisible_text: false,
            remove_hidden_sheets: false,
            remove_hidden_cells: false,
        }
    }
}

/// Scrubs and redacts an OOXML or ODF package: the package is rebuilt without hidden
/// information, and every match of `plan` in its text is replaced by [`MASK`]. What was
/// removed goes to `report`. The caller verifies the output (see [`verify`]).
pub fn redact(
    data: &[u8],
    kind: Kind,
    plan: &Plan,
    opts: &ScrubOptions,
    ctx: &Ctx<'_>,
    report: &mut RedactionReport,
) -> Result<Disarmed, Error> {
    let mut hook = scrub::Hook::new(data, kind, plan, opts, ctx)?;
    // Embedded objects are removed, never sanitized and kept: an embedded workbook has its own
    // properties, comments and revisions that this pass would not see.
    let inner = Ctx {
        nested: &NoNesting,
        ..*ctx
    };
    let office = OfficeOptions {
        keep_web_hyperlinks: true,
        keep_properties: false,
        keep_comments: false,
        embedded_objects: kiyome_office::EmbeddedObjects::Remove,
    };
    let mut out = Inspection::default();
    let disarmed = kiyome_office::disarm_with(data, kind, &inner, &office, &mut out, &mut hook)?;
    for f in out.findings {
        report.removed(f);
    }
    hook.finish(report);
    Ok(disarmed)
}

/// Scrubs only (no text rules): [`redact`] with an empty plan.
pub fn scrub(
    data: &[u8],
    kind: Kind,
    opts: &ScrubOptions,
    ctx: &Ctx<'_>,
    report: &mut RedactionReport,
) -> Result<Disarmed, Error> {
    redact(data, kind, &Plan::default(), opts, ctx, report)
}
