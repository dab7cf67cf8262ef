//! kiyome-cert: signed erasure certificates (完了証明書), the transparency ledger and the
//! disposal register.
//!
//! A certificate is a [`model::Certificate`] — the fields of NIST SP 800-88 Rev.1 Appendix G
//! plus those of the MIC guideline (disposal class, methods ①–⑤, witness, contractor,
//! evidence, lease) and, for a crypto-erase, the key's history — checked by [`rules`],
//! serialised as canonical JSON ([`jcs`], RFC 8785) and signed as a compact JWS with Ed25519
//! ([`jws`], RFC 7515/8037). Each is appended to a Merkle-tree [`ledger`] (RFC 6962/9162)
//! whose signed tree heads and inclusion proofs let a third party check offline that no
//! certificate was altered or removed. See `docs/certificate-format.md`.
//!
//! ```no_run
//! use kiyome_cert::{issue, jws::KeyPair, ledger::{Entry, Ledger}, bundle::Bundle, model::*};
//! # fn certify(cert: Certificate) -> kiyome_cert::Result<()> {
//! let key = KeyPair::generate()?;
//! let mut ledger = Ledger::create(std::path::Path::new("ledger"))?;
//! let validated = issue::validate(cert)?;            // class/method rules, honesty rules
//! let signed = issue::sign(validated.validated(), &key)?;
//! let jws = signed.jws.clone();
//! let appended = ledger.append(|seq| Entry::Certificate { seq, jws }, &key, Timestamp::now())?;
//! let file = Bundle::new(&signed, ledger.log_id(), &appended).to_bytes()?;
//! # let _ = file; Ok(()) }
//! # fn main() {}
//! ```
#![forbid(unsafe_code)]

pub mod bundle;
pub mod erasure;
mod error;
pub mod issue;
pub mod jcs;
pub mod jws;
pub mod keyring;
pub mod labels;
pub mod ledger;
pub mod merkle;
pub mod model;
pub mod pdf;
pub mod register;
pub mod rules;
pub mod view;
pub mod wareki;

pub use error::{Error, Result, Violation};
