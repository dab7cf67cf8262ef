//! Evidence of an executed erasure and the key lifecycle event log, both kept in the store
//! for the certificate and ledger code (`kiyome cert`, `kiyome ledger`).

use serde::{Deserialize, Serialize};

/// A signed officer action (erasure request or approval).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct OfficerSignature {
    /// Officer id (name registered with `kiyome keys officer add`).
    pub officer: String,
    /// The officer's Ed25519 public key, hex.
    pub public_key: String,
    /// When the action was signed (RFC 3339 UTC).
    pub signed_at: String,
    /// The exact message that was signed (UTF-8).
    pub message: String,
    /// Ed25519 signature over `message`, hex.
    pub signature: String,
}

/// A container encrypted under the erased key, as recorded at encryption time.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ContainerRef {
    /// Container id: SHA-256 of its 112-byte header, hex (unique per container because the
    /// header holds a random salt; computable from the first 112 bytes alone).
    pub header_sha256: String,
    /// SHA-256 of the whole container file (header and every chunk) as written, hex; `None`
    /// for containers recorded by a build that did not hash them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_sha256: Option<String>,
    /// Length of the container file in bytes (`None` as for `file_sha256`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_len: Option<u64>,
    /// When it was encrypted (RFC 3339 UTC).
    pub created_at: String,
    /// Plaintext length in bytes.
    pub plaintext_len: u64,
}

/// Everything a certificate of cryptographic erasure states about one key. Returned by
/// [`crate::Store::execute_erasures`] and kept in the store ([`crate::Store::evidence`]).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ErasureEvidence {
    /// Identifier of the erasure batch (one root rotation).
    pub erasure_id: String,
    /// Identifier of the key store.
    pub store_id: String,
    /// Key id, hex.
    pub key_id: String,
    /// Key label.
    pub label: String,
    /// Record series (文書分類).
    pub record_series: String,
    /// Owner (担当課).
    pub owner: String,
    /// Confidentiality class, e.g. `機密性2`.
    pub class: String,
    /// Always `AES-256-GCM`.
    pub algorithm: String,
    /// Always 256.
    pub strength_bits: u32,
    /// When the key was created.
    pub key_created_at: String,
    /// When the key first encrypted data (None: never used).
    pub first_use_at: Option<String>,
    /// When the re-keyed store was committed (the key's wrapped copy deleted).
    pub executed_at: String,
    /// When the old root was destroyed: the key has been unrecoverable since then.
    pub destroyed_at: String,
    /// `pkcs11:<token label>` or `file:<path>`.
    pub root_custody: String,
    /// Root generation destroyed by this erasure.
    pub old_root_generation: u64,
    /// Root generation the store uses after it.
    pub new_root_generation: u64,
    /// Copies of the store taken before this time cannot recover the key (= `destroyed_at`).
    pub earlier_copies_useless_from: String,
    /// Number of key-encryption keys replaced on the key's path (tree height).
    pub path_levels_rekeyed: u32,
    /// Containers encrypted under the key.
    pub containers: Vec<ContainerRef>,
    /// The signed request.
    pub requester: OfficerSignature,
    /// The signed approval by a different officer.
    pub approver: OfficerSignature,
    /// Waiting period between approval and execution, seconds.
    pub waiting_period_secs: u64,
    /// Whether the key was ever exported: always false (data keys are never exportable).
    pub key_ever_exported: bool,
    /// The post-erasure check: the current store could not unwrap the key and the old root no
    /// longer exists in custody.
    pub verified_unrecoverable: bool,
    /// True when the root destruction was completed by crash recovery.
    pub completed_by_recovery: bool,
}

/// One key lifecycle event, read by the ledger through [`crate::Store::events_since`].
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Event {
    /// Monotonic sequence number (starts at 1).
    pub seq: i64,
    /// RFC 3339 UTC.
    pub at: String,
    /// `key_created`, `first_use`, `hold`, `release`, `erase_requested`, `erase_approved`,
    /// `erase_cancelled`, `erase_executed`, `key_erased`, `officer_added`,
    /// `root_created`, `root_destroyed`.
    pub kind: String,
    /// Key id, when the event concerns a key.
    pub key_id: Option<String>,
    /// Officer id, when an officer acted.
    pub officer: Option<String>,
    /// Free-form JSON detail (never secrets).
    pub detail: String,
}
