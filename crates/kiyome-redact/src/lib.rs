//! kiyome-redact: true redaction (黒塗り), metadata scrub and an independent leak check.
//!
//! - [`plan`]: what to remove — terms (matched after NFKC normalisation), regular
//!   expressions, [`pii`] detectors, areas — as a replayable JSON plan;
//! - [`redact`], [`scrub`], [`verify`]: dispatch by the sniffed kind to the per-format code
//!   (PDF in [`pdf`], OOXML/ODF in [`office`], images in [`image`]); a kind without an
//!   applier is refused (`redact.unsupported_kind`), never passed through;
//! - [`report`]: counts per page/part and category, terms as salted hashes, and leak reports.
//!
//! Every redaction runs [`verify`] on its own output and hands out no bytes when it fails
//! ([`Redacted::output`] is `None`), so a leaking file cannot be written by mistake.
//!
//! ```
//! use kiyome_core::{Budget, Ctx, Kind, Limits, NoNesting};
//! use kiyome_redact::plan::Plan;
//! let budget = Budget::new(&Limits::default());
//! let ctx = Ctx::new(&budget, &NoNesting);
//! let plan = Plan { terms: vec!["secret".into()], ..Plan::default() };
//! // A kind without an applier is refused, not passed through.
//! let err = kiyome_redact::redact(b"{\\rtf1 secret}", Kind::Rtf, &plan, "salt", &ctx).unwrap_err();
//! assert_eq!(err.code(), "unsupported");
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod codes;
pub mod image;
mod normalize;
pub mod office;
pub mod pdf;
pub mod pii;
pub mod plan;
pub mod report;

pub use codes::CODES;
pub use plan::{Area, Category, Color, Match, Plan, merge_ranges, salted_hash};
pub use report::{Leak, LeakReport, PartCounts, RedactionReport};

use kiyome_core::{Action, Ctx, Disarmed, Error, Finding, Kind, KindClass, Severity};

/// The result of [`redact`] or [`scrub`].
#[derive(Debug, Clone)]
pub struct Redacted {
    /// The output, only when it passed [`verify`]. `None` means: do not write anything.
    pub output: Option<Disarmed>,
    /// What was removed.
    pub report: RedactionReport,
    /// The leak check of the output (run on every output).
    pub verification: LeakReport,
}

impl Redacted {
    /// Findings for the file report: removals, then leaks (blocking).
    pub fn findings(&self) -> Vec<Finding> {
        let mut f = self.report.removed.clone();
        for p in &self.report.parts {
            let cats: Vec<String> = p
                .categories
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect();
            f.push(
                Finding::new("redact.removed", Severity::Info, p.part.clone())
                    .detail(format!(
                        "{} matches, {} areas ({})",
                        p.hits,
                        p.areas,
                        cats.join(", ")
                    ))
                    .action(Action::Removed),
            );
        }
        f.extend(self.verification.findings(Action::Blocked));
        if !self.verification.is_clean() {
            f.push(
                Finding::new("redact.verify_failed", Severity::Medium, "output")
                    .detail("the redacted output failed the leak check; nothing was written")
                    .action(Action::Blocked),
            );
        }
        f
    }
}

/// Which per-format code handles `kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Applier {
    Pdf,
    Office,
    Image,
}

fn applier(kind: Kind) -> Result<Applier, Error> {
    match kind.class() {
        KindClass::Pdf => Ok(Applier::Pdf),
        KindClass::Ooxml | KindClass::Odf => Ok(Applier::Office),
        KindClass::Image => Ok(Applier::Image),
        _ => Err(Error::unsupported(format!(
            "redaction of {} files (redact.unsupported_kind)",
            kind.name()
        ))),
    }
}

/// Whether `kind` has a redaction applier (a kind without one is refused with
/// `redact.unsupported_kind`).
pub fn is_supported(kind: Kind) -> bool {
    applier(kind).is_ok()
}

/// Redacts `data` (of the sniffed `kind`) by `plan`, always scrubbing metadata and hidden
/// information too, then verifies the output independently. `salt` salts the term hashes of
/// the report.
///
/// Errors: the kind has no applier (`unsupported`), the plan is invalid, or the input cannot
/// be parsed within the limits. A verification failure is not an error: it yields a
/// [`Redacted`] without output.
pub fn redact(
    data: &[u8],
    kind: Kind,
    plan: &Plan,
    salt: &str,
    ctx: &Ctx<'_>,
) -> Result<Redacted, Error> {
    redact_with(
        data,
        kind,
        plan,
        &office::ScrubOptions::default(),
        salt,
        ctx,
    )
}

/// [`redact`] with the Office/ODF scrub options `opts` (what hidden content is removed or
/// only reported); the output is verified against the same options.
pub fn redact_with(
    data: &[u8],
    kind: Kind,
    plan: &Plan,
    opts: &office::ScrubOptions,
    salt: &str,
    ctx: &Ctx<'_>,
) -> Result<Redacted, Error> {
    plan.validate()?;
    let which = applier(kind)?;
    let mut report = RedactionReport::new(plan, salt);
    let out = match which {
        Applier::Pdf => pdf::redact(data, plan, ctx, &mut report)?,
        Applier::Office => office::redact(data, kind, plan, opts, ctx, &mut report)?,
        Applier::Image => image::redact(data, kind, plan, ctx, &mut report)?,
    };
    let verification = match which {
        Applier::Office => {
            plan.validate()?;
            office::verify_with(&out.data, out.kind, plan, opts, ctx)?
        }
        _ => verify(&out.data, out.kind, plan, ctx)?,
    };
    Ok(Redacted {
        output: verification.is_clean().then_some(out),
        report,
        verification,
    })
}

/// Removes metadata and hidden information only (`kiyome scrub`): [`redact`] with an empty
/// plan.
pub fn scrub(data: &[u8], kind: Kind, ctx: &Ctx<'_>) -> Result<Redacted, Error> {
    redact(data, kind, &Plan::default(), "", ctx)
}

/// The independent leak check (`kiyome verify`): the plan's terms and detectors must not be
/// found anywhere in the file, and no hidden information may remain. It shares no code with
/// the appliers except the plan's matcher.
pub fn verify(data: &[u8], kind: Kind, plan: &Plan, ctx: &Ctx<'_>) -> Result<LeakReport, Error> {
    plan.validate()?;
    match applier(kind)? {
        Applier::Pdf => pdf::verify(data, plan, ctx),
        Applier::Office => office::verify(data, kind, plan, ctx),
        Applier::Image => image::verify(data, kind, plan, ctx),
    }
}
