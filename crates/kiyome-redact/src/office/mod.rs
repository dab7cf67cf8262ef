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

mod redact;
mod scrub;
pub(crate) mod verify;

pub use redact::MASK;
pub use verify::verify;

use crate::plan::Plan;
use crate::report::RedactionReport;
use kiyome_core::{Ctx, Disarmed, Error, Inspection, Kind, NoNesting};
use kiyome_office::OfficeOptions;
use serde::{Deserialize, Serialize};

/// What the Office/ODF scrub removes beyond what is always removed. Defaults remove.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScrubOptions {
    /// Remove hidden text (Word `w:vanish` runs) (default true; false reports it only).
    pub remove_hidden_text: bool,
    /// Remove PowerPoint speaker notes (default true).
    pub remove_notes: bool,
}

impl Default for ScrubOptions {
    fn default() -> Self {
        ScrubOptions {
            remove_hidden_text: true,
            remove_notes: true,
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
