//! kiyome-sanitize: the engine. It detects the kind of each input by content, dispatches it to
//! the format crate that handles that kind, contains failures, and recurses into nested files.
//!
//! ```
//! use kiyome_sanitize::Engine;
//! let engine = Engine::default();
//! let report = engine.inspect("note.txt", b"hello");
//! assert_eq!(report.verdict, kiyome_core::Verdict::Released);
//! ```
#![forbid(unsafe_code)]

mod inspect;
mod text;

pub use inspect::all_codes;

use kiyome_core::Limits;

/// The engine: limits and (later) policy, shared by every input of a run.
#[derive(Debug, Clone, Default)]
pub struct Engine {
    /// Limits applied to each top-level input.
    pub limits: Limits,
}

impl Engine {
    /// An engine with the given limits.
    pub fn new(limits: Limits) -> Self {
        Engine { limits }
    }
}
