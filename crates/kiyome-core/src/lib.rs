//! kiyome-core: the pieces every kiyome crate shares.
//!
//! - [`Limits`] and [`Budget`]: explicit bounds for parsing hostile input;
//! - [`sniff`]: kind detection by content, with the file name only as a claim (scripts too:
//!   [`script_kind`]);
//! - [`charset`]: Japanese-first charset detection for plain text;
//! - [`Report`], [`FileReport`], [`Finding`], [`Verdict`], [`Method`]: the report model;
//! - [`codes`]: the registry of dotted finding codes;
//! - [`Ctx`] and [`Nested`]: how format handlers recurse into embedded files.
//!
//! ```
//! use kiyome_core::{sniff, Kind};
//! let det = sniff(b"%PDF-1.7\n%...", Some("invoice.docx"));
//! assert_eq!(det.kind, Kind::Pdf);
//! assert!(det.is_mismatch());
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod budget;
pub mod charset;
pub mod codes;
mod context;
pub mod corpus;
mod error;
mod hash;
mod kind;
mod limits;
mod report;
mod script;
mod sniff;

pub use budget::Budget;
pub use charset::Charset;
pub use codes::CodeInfo;
pub use context::{Ctx, Disarmed, Inspection, Nested, NoNesting};
pub use error::Error;
pub use hash::sha256_hex;
pub use kind::{Kind, KindClass};
pub use limits::{LimitKind, Limits};
pub use report::{
    Action, FileReport, Finding, Method, OutputInfo, Report, Severity, Summary, Verdict,
};
pub use script::script_kind;
pub use sniff::{Detection, ooxml_kind_from_content_types, sniff};

/// The kiyome version, reported in every report.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
