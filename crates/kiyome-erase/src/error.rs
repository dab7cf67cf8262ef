//! The crate's error type. Messages never contain key material.

use thiserror::Error;

/// Everything that can go wrong in containers, the key store and the erasure lifecycle.
#[derive(Debug, Error)]
pub enum Error {
    /// An I/O error reading or writing a stream or file.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The input does not start with the container magic.
    #[error("not a kiyome container (bad magic)")]
    BadMagic,
    /// The container uses a format version this build does not know.
    #[error("unsupported container version {0}")]
    UnsupportedVersion(u8),
    /// A header field is outside its allowed range.
    #[error("malformed container header: {0}")]
    MalformedHeader(&'static str),
    /// The key does not match the container (key commitment mismatch).
    #[error("wrong key: the key does not match this container")]
    WrongKey,
    /// The header authentication tag failed: a header field was changed.
    #[error("header changed: the container header failed authentication")]
    HeaderChanged,
    /// A chunk failed authentication (modified, reordered, dropped or cut).
    #[error("chunk {chunk} failed authentication: the container was modified, reordered or cut")]
    ChunkAuthFailed {
        /// Zero-based chunk index.
        chunk: u64,
    },
    /// The input ended before the final chunk.
    #[error("truncated: the container ends after chunk {chunk} without a final chunk")]
    Truncated {
        /// Number of chunks read before the end.
        chunk: u64,
    },
    /// Bytes follow the final chunk.
    #[error("trailing data after the final chunk")]
    TrailingData,
    /// SQLite error.
    #[error("key store: {0}")]
    Sql(#[from] rusqlite::Error),
    /// PKCS#11 error.
    #[error("PKCS#11: {0}")]
    Pkcs11(String),
    /// The key store or root custody is inconsistent or was tampered with.
    #[error("key store integrity: {0}")]
    Integrity(String),
    /// No key with that label or id.
    #[error("no key named {0:?} in the store")]
    UnknownKey(String),
    /// The key was crypto-erased; its containers can never be decrypted again.
    #[error(
        "key {label} ({key_id}) was crypto-erased at {erased_at}{}; its containers cannot be decrypted by anyone",
        certificate_id.as_ref().map(|c| format!(" (certificate {c})")).unwrap_or_default()
    )]
    KeyErased {
        /// Key id (hex).
        key_id: String,
        /// Key label.
        label: String,
        /// When the old root was destroyed.
        erased_at: String,
        /// Erasure certificate id, once issued.
        certificate_id: Option<String>,
    },
    /// The operation is not allowed in the key's current state.
    #[error("{0}")]
    State(String),
    /// Officer signature or identity problem.
    #[error("officer: {0}")]
    Officer(String),
    /// Invalid argument.
    #[error("invalid: {0}")]
    Invalid(String),
}

/// Shorthand result type.
pub type Result<T> = std::result::Result<T, Error>;
