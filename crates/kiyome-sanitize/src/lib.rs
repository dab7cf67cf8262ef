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

pub mod factors;
mod inspect;
pub mod policy;
pub mod policy_doc;
mod sanitize;
pub mod text;

pub use factors::FactorAction;
pub use inspect::all_codes;
pub use policy::{Mode, Policy, PolicyError};
pub use sanitize::{ENGINE_CODES, Sanitized};

use kiyome_core::Limits;

/// The engine: the policy and run-wide options, shared by every input of a run.
#[derive(Debug, Clone, Default)]
pub struct Engine {
    /// The policy (modes per kind, limits, per-format options).
    pub policy: Policy,
    /// `--mode`: overrides the policy's mode for every kind it does not block.
    pub mode: Option<Mode>,
    /// `--password`: the operator-supplied password for encrypted inputs.
    pub password: Option<String>,
    /// The mode of the container (archive, mail) being converted around the current file,
    /// which its members inherit (see [`Policy::mode_for_member`]).
    pub(crate) inherited: Option<Mode>,
}

impl Engine {
    /// An engine with the default policy and the given limits.
    pub fn new(limits: Limits) -> Self {
        Engine {
            policy: Policy {
                limits,
                ..Policy::default()
            },
            mode: None,
            password: None,
            inherited: None,
        }
    }

    /// An engine with a policy.
    pub fn with_policy(policy: Policy) -> Self {
        Engine {
            policy,
            mode: None,
            password: None,
            inherited: None,
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.policy.limits
    }
}
