//! The transparency ledger: an append-only RFC 6962/9162 Merkle-tree log of certificates, key
//! lifecycle events and contractor-certificate receipts, with Ed25519-signed tree heads.
//!
//! Directory layout (see docs/certificate-format.md):
//! - `ledger.json`: `{"format":"kiyome-ledger/1","log_id":…}` (canonical JSON);
//! - `entries.jsonl`: one canonical-JSON [`Entry`] per line; the Merkle leaf is the line's bytes
//!   without its newline;
//! - `heads.jsonl`: one compact JWS per line ([`TYP_TREE_HEAD`]), a head after every append.

use crate::issue::verify_jws;
use crate::jws::{KeyPair, PublicKeys, TYP_TREE_HEAD, unb64};
use crate::merkle::{self, Hash, Tree};
use crate::model::{Evidence, Timestamp};
use crate::{Error, Result, jcs};
use serde::{Deserialize, Serialize};
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

/// Value of the ledger's `format`.
pub const LEDGER_FORMAT: &str = "kiyome-ledger/1";
/// Value of a tree head's `format`.
pub const HEAD_FORMAT: &str = "kiyome-tree-head/1";

/// One ledger entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Entry {
    /// A signed certificate (or logical-deletion record).
    Certificate {
        /// Position in the log (= leaf index).
        seq: u64,
        /// The compact JWS.
        jws: String,
    },
    /// A key lifecycle event from the crypto-erase key store.
    KeyEvent {
        /// Position in the log.
        seq: u64,
        /// The event.
        event: KeyEvent,
    },
    /// The contractor's own certificate was received for an earlier certificate.
    ContractorReceipt {
        /// Position in the log.
        seq: u64,
        /// The receipt.
        receipt: ContractorReceipt,
    },
}

impl Entry {
    /// The entry's position.
    pub fn seq(&self) -> u64 {
        match self {
            Entry::Certificate { seq, .. }
            | Entry::KeyEvent { seq, .. }
            | Entry::ContractorReceipt { seq, .. } => *seq,
        }
    }
}

/// A key lifecycle event (created, first use, exported, destroyed…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyEvent {
    /// Key id in the key store.
    pub key_id: String,
    /// What happened, e.g. `created`, `first_use`, `exported`, `destroyed`.
    pub event: String,
    /// When.
    pub at: Timestamp,
    /// The key store the event comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_id: Option<String>,
    /// The key store's own sequence number of the event, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_seq: Option<u64>,
    /// Free-form details (never key material).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
}

/// Receipt of the contractor's certificate for an earlier certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContractorReceipt {
    /// The kiyome certificate it completes.
    pub certificate_id: String,
    /// The contractor's certificate reference number.
    pub reference: String,
    /// Date received.
    pub received_on: chrono::NaiveDate,
    /// Scans of the contractor's certificate, by hash.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
}

/// The signed statement "the log with this id had this root at this size".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TreeHead {
    /// Always [`HEAD_FORMAT`].
    pub format: String,
    /// Identifies the ledger, so heads of one log cannot stand in for another's.
    pub log_id: String,
    /// Number of entries.
    pub tree_size: u64,
    /// MTH of the entries, lower-case hex.
    pub root_hash: String,
    /// When it was signed.
    pub timestamp: Timestamp,
}

/// A tree head with its compact JWS.
#[derive(Debug, Clone)]
pub struct SignedHead {
    /// Compact JWS.
    pub jws: String,
    /// Payload.
    pub head: TreeHead,
}

impl SignedHead {
    /// Verifies the signature and parses the head.
    pub fn verify(jws: &str, keys: &PublicKeys) -> Result<Self> {
        let (_, payload) = keys.verify_compact(jws, TYP_TREE_HEAD)?;
        Self::from_payload(jws, &payload)
    }

    fn from_payload(jws: &str, payload: &[u8]) -> Result<Self> {
        let head: TreeHead = jcs::parse_canonical(payload, "tree head")?;
        if head.format != HEAD_FORMAT {
            return Err(Error::malformed("tree head", "unknown format"));
        }
        Ok(SignedHead {
            jws: jws.to_string(),
            head,
        })
    }

    /// Parses without checking the signature (for local bookkeeping only).
    fn unverified(jws: &str) -> Result<Self> {
        let p = jws
            .split('.')
            .nth(1)
            .ok_or_else(|| Error::malformed("tree head", "not a JWS"))?;
        Self::from_payload(jws, &unb64(p, "tree head")?)
    }

    /// The root hash as bytes.
    pub fn root(&self) -> Result<Hash> {
        parse_hash(&self.head.root_hash)
    }
}

/// Parses a lower-case hex SHA-256.
pub fn parse_hash(s: &str) -> Result<Hash> {
    if !crate::rules::is_sha256_hex(s) {
        return Err(Error::malformed("hash", "not 64 lower-case hex digits"));
    }
    let v = hex::decode(s).map_err(|e| Error::malformed("hash", e))?;
    v.try_into()
        .map_err(|_| Error::malformed("hash", "not 32 bytes"))
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Meta {
    format: String,
    log_id: String,
}

/// What an append returns: the position and the material for the certificate bundle.
#[derive(Debug, Clone)]
pub struct Appended {
    /// Leaf index of the new entry.
    pub seq: u64,
    /// The new signed head (tree size = seq + 1).
    pub head: SignedHead,
    /// Inclusion proof of the entry in that head.
    pub proof: Vec<Hash>,
}

/// An open ledger directory.
#[derive(Debug)]
pub struct Ledger {
    dir: PathBuf,
    log_id: String,
    entries: Vec<Entry>,
    tree: Tree,
    heads: Vec<SignedHead>,
    durable: bool,
    _lock: Option<fs::File>,
}

fn read_lines(path: &Path) -> Result<Vec<Vec<u8>>> {
    let f = match fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    let mut out = Vec::new();
    let mut r = BufReader::new(f);
    loop {
        let mut line = Vec::new();
        if r.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        if line.pop() != Some(b'\n') {
            return Err(Error::verify(format!(
                "{}: last line is not terminated (truncated write?)",
                path.display()
            )));
        }
        out.push(line);
    }
    Ok(out)
}

impl Ledger {
    /// Creates an empty ledger in `dir` with a fresh random log id.
    pub fn create(dir: &Path) -> Result<Self> {
        if dir.join("ledger.json").exists() {
            return Err(Error::State(format!(
                "a ledger already exists in {} (台帳は既に存在します)",
                dir.display()
            )));
        }
        fs::create_dir_all(dir)?;
        let mut id = [0u8; 16];
        getrandom::fill(&mut id).map_err(|e| Error::State(format!("no randomness: {e}")))?;
        let meta = Meta {
            format: LEDGER_FORMAT.into(),
            log_id: hex::encode(id),
        };
        fs::write(dir.join("ledger.json"), jcs::to_canonical(&meta)?)?;
        fs::File::create(dir.join("entries.jsonl"))?;
        fs::File::create(dir.join("heads.jsonl"))?;
        Self::open(dir)
    }

    /// Opens a ledger for reading and appending (an exclusive lock is held while it lives).
    /// Checks the structure: canonical entries in order, and the latest head's size and root
    /// equal to the entries (signatures are checked by [`verify`]).
    pub fn open(dir: &Path) -> Result<Self> {
        let meta_bytes = fs::read(dir.join("ledger.json")).map_err(|e| {
            Error::State(format!(
                "no ledger in {} (台帳がありません): {e}",
                dir.display()
            ))
        })?;
        let lock = fs::OpenOptions::new()
            .read(true)
            .open(dir.join("ledger.json"))?;
        lock.lock()?;
        let meta: Meta = jcs::parse_canonical(&meta_bytes, "ledger.json")?;
        if meta.format != LEDGER_FORMAT {
            return Err(Error::malformed("ledger.json", "unknown format"));
        }
        let mut ledger = Ledger {
            dir: dir.to_path_buf(),
            log_id: meta.log_id,
            entries: Vec::new(),
            tree: Tree::new(),
            heads: Vec::new(),
            durable: true,
            _lock: Some(lock),
        };
        for (i, line) in read_lines(&dir.join("entries.jsonl"))?.iter().enumerate() {
            let e: Entry = jcs::parse_canonical(line, &format!("ledger entry {i}"))?;
            if e.seq() != i as u64 {
                return Err(Error::verify(format!(
                    "entry on line {} carries seq {} (deleted or reordered entries)",
                    i + 1,
                    e.seq()
                )));
            }
            ledger.tree.push(merkle::leaf_hash(line));
            ledger.entries.push(e);
        }
        for line in read_lines(&dir.join("heads.jsonl"))? {
            let s = String::from_utf8(line).map_err(|e| Error::malformed("tree head", e))?;
            ledger.heads.push(SignedHead::unverified(&s)?);
        }
        ledger.check_latest_head()?;
        Ok(ledger)
    }

    fn check_latest_head(&self) -> Result<()> {
        let size = self.tree.size();
        match self.heads.last() {
            None if size == 0 => Ok(()),
            None => Err(Error::verify(format!(
                "{size} entries but no signed tree head"
            ))),
            Some(h) if h.head.tree_size != size => Err(Error::verify(format!(
                "latest signed tree head covers {} entries but the ledger holds {size} (truncated or extended without signature)",
                h.head.tree_size
            ))),
            Some(h) if Some(h.root()?) != self.tree.root(size) => Err(Error::verify(
                "entries do not match the latest signed tree head's root (modified)",
            )),
            Some(h) if h.head.log_id != self.log_id => {
                Err(Error::verify("tree head belongs to another ledger"))
            }
            Some(_) => Ok(()),
        }
    }

    /// Whether each append is synced to disk before returning (default true). Turning it off
    /// is only for bulk imports and benchmarks: a crash may then lose the latest entries.
    pub fn set_durable(&mut self, durable: bool) {
        self.durable = durable;
    }

    /// The ledger's id.
    pub fn log_id(&self) -> &str {
        &self.log_id
    }

    /// The entries, in order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The signed heads, oldest first.
    pub fn heads(&self) -> &[SignedHead] {
        &self.heads
    }

    /// The Merkle tree over the entries.
    pub fn tree(&self) -> &Tree {
        &self.tree
    }

    /// Appends an entry built by `make(seq)`, signs a new tree head and returns the inclusion
    /// proof. The entry line is written and synced before the head, so a crash leaves an
    /// unsigned tail that [`Ledger::open`] refuses rather than a head without its entry.
    pub fn append(
        &mut self,
        make: impl FnOnce(u64) -> Entry,
        key: &KeyPair,
        now: Timestamp,
    ) -> Result<Appended> {
        let seq = self.tree.size();
        let entry = make(seq);
        if entry.seq() != seq {
            return Err(Error::State("entry built with the wrong seq".into()));
        }
        let mut line = jcs::to_canonical(&entry)?;
        let leaf = merkle::leaf_hash(&line);
        line.push(b'\n');
        append_line(&self.dir.join("entries.jsonl"), &line, self.durable)?;
        self.tree.push(leaf);
        self.entries.push(entry);
        let size = seq + 1;
        let root = self.tree.root(size).unwrap_or_else(merkle::empty_root);
        let head = TreeHead {
            format: HEAD_FORMAT.into(),
            log_id: self.log_id.clone(),
            tree_size: size,
            root_hash: hex::encode(root),
            timestamp: now,
        };
        let jws = key.sign_compact(TYP_TREE_HEAD, &jcs::to_canonical(&head)?)?;
        let mut hl = jws.clone().into_bytes();
        hl.push(b'\n');
        append_line(&self.dir.join("heads.jsonl"), &hl, self.durable)?;
        let head = SignedHead { jws, head };
        self.heads.push(head.clone());
        let proof = self.tree.inclusion_proof(seq, size).unwrap_or_default();
        Ok(Appended { seq, head, proof })
    }
}

fn append_line(path: &Path, line: &[u8], durable: bool) -> Result<()> {
    let mut f = fs::OpenOptions::new().append(true).open(path)?;
    f.write_all(line)?;
    if durable {
        f.sync_data()?;
    }
    Ok(())
}

/// The result of a full ledger verification.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    /// Ledger id.
    pub log_id: String,
    /// Entries checked.
    pub entries: u64,
    /// Certificates among them (each signature and rule set checked).
    pub certificates: u64,
    /// Signed heads checked.
    pub heads: u64,
    /// The latest root, hex.
    pub root_hash: String,
    /// Size of the externally known head checked for consistency, if any.
    pub consistent_with_known_head: Option<u64>,
}

/// Verifies a ledger completely, offline, with the public keys only: every entry canonical and
/// in sequence, every certificate's signature and rules, every tree head's signature, log id
/// and root against the entries, one head per entry in order, the latest head covering every
/// entry, and (with `known_head`, e.g. a head published earlier or taken from a certificate)
/// an RFC 9162 consistency proof from that head to the latest one — the check that catches a
/// ledger rolled back to an earlier state.
pub fn verify(dir: &Path, keys: &PublicKeys, known_head: Option<&str>) -> Result<VerifyReport> {
    let ledger = Ledger::open(dir)?;
    let mut certificates = 0;
    for e in &ledger.entries {
        if let Entry::Certificate { seq, jws } = e {
            verify_jws(jws, keys)
                .map_err(|err| Error::verify(format!("certificate at entry {seq}: {err}")))?;
            certificates += 1;
        }
    }
    let mut prev: Option<&TreeHead> = None;
    for (i, h) in ledger.heads.iter().enumerate() {
        let v = SignedHead::verify(&h.jws, keys)
            .map_err(|err| Error::verify(format!("tree head {i}: {err}")))?;
        let t = &v.head;
        if t.log_id != ledger.log_id {
            return Err(Error::verify(format!(
                "tree head {i} belongs to another ledger"
            )));
        }
        // One head per append: head i covers exactly i + 1 entries, so a removed or
        // reordered head is as visible as a removed entry.
        if t.tree_size != i as u64 + 1 {
            return Err(Error::verify(format!(
                "tree head {i} covers {} entries; expected {} (heads removed or reordered)",
                t.tree_size,
                i + 1
            )));
        }
        if prev.is_some_and(|p| t.timestamp < p.timestamp) {
            return Err(Error::verify(format!("tree head {i} goes back in time")));
        }
        if ledger.tree.root(t.tree_size) != Some(v.root()?) {
            return Err(Error::verify(format!(
                "tree head {i} (size {}) does not match the entries",
                t.tree_size
            )));
        }
        prev = Some(&h.head);
    }
    let size = ledger.tree.size();
    let root = ledger.tree.root(size).unwrap_or_else(merkle::empty_root);
    let consistent_with_known_head = match known_head {
        None => None,
        Some(jws) => Some(check_consistency(&ledger, jws, keys, size, &root)?),
    };
    Ok(VerifyReport {
        log_id: ledger.log_id.clone(),
        entries: size,
        certificates,
        heads: ledger.heads.len() as u64,
        root_hash: hex::encode(root),
        consistent_with_known_head,
    })
}

fn check_consistency(
    ledger: &Ledger,
    jws: &str,
    keys: &PublicKeys,
    size: u64,
    root: &Hash,
) -> Result<u64> {
    let known = SignedHead::verify(jws.trim(), keys)?;
    if known.head.log_id != ledger.log_id {
        return Err(Error::verify("the known head belongs to another ledger"));
    }
    let m = known.head.tree_size;
    let proof = ledger.tree.consistency_proof(m, size).ok_or_else(|| {
        Error::verify(format!(
            "the ledger holds {size} entries, fewer than the known head's {m} (truncated or rolled back)"
        ))
    })?;
    if !merkle::verify_consistency(m, size, &known.root()?, root, &proof) {
        return Err(Error::verify(format!(
            "the ledger is not an extension of the known head at size {m} (history rewritten)"
        )));
    }
    Ok(m)
}
