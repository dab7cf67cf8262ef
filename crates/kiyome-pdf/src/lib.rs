//! kiyome-pdf: bounded PDF inspection (dangerous-factor check) and disarm (single-revision
//! rebuild without active content).
//!
//! Two layers look at every file:
//! - a **structural** pass over the objects lopdf loads (including those inside object
//!   streams), which finds actions, annotations, forms, embedded files and metadata wherever
//!   they sit, following no reference chain without a visited set;
//! - a **raw keyword** pass over the file bytes and the decompressed object streams, the way
//!   `pdfid` counts names (with `#xx` escapes normalised), so that a keyword in an older
//!   revision, an unreachable object or a file lopdf cannot parse is still reported.
//!
//! [`disarm`] loads the file the same way, removes every active or external factor, and writes
//! a fresh single-revision file containing only the objects reachable from the catalog.
//!
//! ```
//! use kiyome_core::{Budget, Ctx, Inspection, Kind, Limits, NoNesting};
//! let pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R/OpenAction<</S/JavaScript/JS(app.alert(1))>>>>endobj\n\
//! 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";
//! let budget = Budget::new(&Limits::default());
//! let ctx = Ctx::new(&budget, &NoNesting);
//! let mut out = Inspection::default();
//! kiyome_pdf::inspect(pdf, Kind::Pdf, &ctx, &mut out).unwrap();
//! assert!(out.has("pdf.javascript"));
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod actions;
mod codes;
mod collect;
mod decode;
mod disarm;
mod inspect;
mod load;
mod pages;
mod pixels;
pub mod rewrite;
mod scan;
mod walk;
mod write;

pub use codes::CODES;
pub use disarm::disarm;
pub use inspect::inspect;

use serde::{Deserialize, Serialize};

/// What [`disarm`] keeps. The engine's TOML policy embeds this struct under `[pdf]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PdfOptions {
    /// URI schemes whose link actions are kept (lower case). Default: `http`, `https`,
    /// `mailto`; every other scheme (`file:`, UNC paths, `javascript:`, relative links…) is
    /// removed.
    pub allowed_uri_schemes: Vec<String>,
    /// User password for encrypted files (default none). Without it, a file that needs a
    /// non-empty user password is blocked as `encrypted`. The output is always unencrypted.
    #[serde(skip_serializing)]
    pub password: Option<String>,
    /// Keep AcroForm fields and their widgets, without scripts or submit/reset/import actions
    /// (default true). When false, the form and its widget annotations are removed.
    pub keep_forms: bool,
}

impl Default for PdfOptions {
    fn default() -> Self {
        PdfOptions {
            allowed_uri_schemes: vec!["http".into(), "https".into(), "mailto".into()],
            password: None,
            keep_forms: true,
        }
    }
}

impl PdfOptions {
    /// Whether a link with this (lower-case) scheme is kept.
    pub fn allows_scheme(&self, scheme: &str) -> bool {
        self.allowed_uri_schemes
            .iter()
            .any(|s| s.eq_ignore_ascii_case(scheme))
    }
}
