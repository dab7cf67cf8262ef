//! kiyome-erase: cryptographic erasure (暗号化消去) for records kept encrypted from their
//! first write.
//!
//! Three parts:
//! - [`container`]: a streaming AES-256-GCM container (STREAM construction, fixed chunks,
//!   authenticated header, key commitment), specified in `docs/container-format.md`;
//! - [`Store`]: an SQLite key store holding one 256-bit data key per record, wrapped under a
//!   16-ary tree of key-encryption keys whose root lives outside the store ([`custody`]: a
//!   PKCS#11 token or a root key file);
//! - the erasure lifecycle (request → approval by a different officer → waiting period →
//!   execution) that re-keys the erased keys' paths and destroys the old root, so that copies
//!   of the store taken earlier become useless. The model is in `docs/erasure-model.md`.
//!
//! ```no_run
//! use kiyome_erase::{Store, CustodyConfig, KeySpec, Class};
//! # fn main() -> Result<(), kiyome_erase::Error> {
//! let mut store = Store::create("keys.db".as_ref(), CustodyConfig::File { path: "keys.root".into() }, 0, None)?;
//! let key = store.create_key(&KeySpec {
//!     label: "2024-戸籍-001".into(), record_series: "戸籍".into(), owner: "市民課".into(),
//!     class: Class::C3, retention_end: "2034-03-31".into(),
//! })?;
//! let mut out = Vec::new();
//! store.encrypt(&key.key_id, &mut &b"record"[..], &mut out, kiyome_erase::container::DEFAULT_CHUNK)?;
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]

pub mod chunk_cipher;
pub mod container;
pub mod custody;
mod error;
pub mod evidence;
mod lifecycle;
pub mod officer;
mod schema;
mod secret;
mod store;
mod tree;

#[cfg(test)]
mod backup_tests;

pub use error::Error;
pub use evidence::{ContainerRef, ErasureEvidence, Event, OfficerSignature};
pub use lifecycle::{ErasureOutcome, ErasureRequestView};
pub use officer::OfficerKey;
pub use secret::{DataKey, KeyId};
pub use store::{Class, CustodyConfig, KeyInfo, KeySpec, KeyState, Store};

/// The AEAD every container and wrap uses.
pub const ALGORITHM: &str = "AES-256-GCM";
/// Strength of the data keys in bits.
pub const STRENGTH_BITS: u32 = 256;

/// The current time as RFC 3339 UTC with seconds precision (`2026-01-02T03:04:05Z`).
pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
