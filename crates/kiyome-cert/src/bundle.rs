//! The certificate file handed out and archived: the signed certificate plus its inclusion
//! proof in the ledger and the signed tree head it leads to, so that a third party holding
//! only the organisation's public keys can check offline both the signature and that the
//! certificate is recorded in the ledger.

use crate::issue::{SignedCertificate, verify_jws};
use crate::jws::PublicKeys;
use crate::ledger::{Appended, Entry, Ledger, SignedHead, parse_hash};
use crate::merkle;
use crate::{Error, Result, jcs};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Value of [`Bundle::format`].
pub const BUNDLE_FORMAT: &str = "kiyome-certificate-bundle/1";

/// A certificate file (`*.kcert.json`), written as canonical JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    /// Always [`BUNDLE_FORMAT`].
    pub format: String,
    /// The certificate, a compact JWS.
    pub jws: String,
    /// Where the certificate is in the ledger.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ledger: Option<Inclusion>,
}

/// Position of a certificate in the ledger, with proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inclusion {
    /// Ledger id.
    pub log_id: String,
    /// Leaf index (the entry's `seq`).
    pub leaf_index: u64,
    /// Tree size of the head the proof leads to.
    pub tree_size: u64,
    /// RFC 9162 inclusion proof, lower-case hex hashes.
    pub inclusion_proof: Vec<String>,
    /// The signed tree head (compact JWS).
    pub tree_head: String,
}

impl Bundle {
    /// Builds the bundle of a certificate just appended to a ledger.
    pub fn new(cert: &SignedCertificate, log_id: &str, appended: &Appended) -> Self {
        Bundle {
            format: BUNDLE_FORMAT.into(),
            jws: cert.jws.clone(),
            ledger: Some(Inclusion {
                log_id: log_id.into(),
                leaf_index: appended.seq,
                tree_size: appended.head.head.tree_size,
                inclusion_proof: appended.proof.iter().map(hex::encode).collect(),
                tree_head: appended.head.jws.clone(),
            }),
        }
    }

    /// The file bytes: canonical JSON and a final newline.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut v = jcs::to_canonical(self)?;
        v.push(b'\n');
        Ok(v)
    }

    /// Parses a bundle file; any byte that is not exactly the canonical form is refused.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
        let b: Bundle = jcs::parse_canonical(body, "certificate bundle")?;
        if b.format != BUNDLE_FORMAT {
            return Err(Error::malformed("certificate bundle", "unknown format"));
        }
        Ok(b)
    }
}

/// A verified certificate file.
#[derive(Debug, Clone)]
pub struct VerifiedBundle {
    /// The verified certificate.
    pub certificate: SignedCertificate,
    /// The verified ledger position and tree head, when the bundle carries one.
    pub position: Option<(Inclusion, SignedHead)>,
}

/// Verifies a certificate file offline: the certificate's signature and rules, then (when
/// present) the tree head's signature and the inclusion proof of the certificate's ledger
/// entry, rebuilt from the certificate itself, up to the head's root.
pub fn verify_bundle(bytes: &[u8], keys: &PublicKeys) -> Result<VerifiedBundle> {
    let b = Bundle::parse(bytes)?;
    let certificate = verify_jws(&b.jws, keys)?;
    let Some(inc) = b.ledger else {
        return Ok(VerifiedBundle {
            certificate,
            position: None,
        });
    };
    let head = SignedHead::verify(&inc.tree_head, keys)?;
    if head.head.log_id != inc.log_id || head.head.tree_size != inc.tree_size {
        return Err(Error::verify(
            "tree head does not match the stated ledger position",
        ));
    }
    let entry = Entry::Certificate {
        seq: inc.leaf_index,
        jws: b.jws.clone(),
    };
    let leaf = merkle::leaf_hash(&jcs::to_canonical(&entry)?);
    let proof = inc
        .inclusion_proof
        .iter()
        .map(|h| parse_hash(h))
        .collect::<Result<Vec<_>>>()?;
    if !merkle::verify_inclusion(inc.leaf_index, inc.tree_size, &leaf, &proof, &head.root()?) {
        return Err(Error::verify(
            "inclusion proof does not lead to the signed tree head (not in the ledger)",
        ));
    }
    Ok(VerifiedBundle {
        certificate,
        position: Some((inc, head)),
    })
}

/// Verifies a certificate file against a ledger directory as well: the whole ledger verifies,
/// it holds this certificate at the stated position, and it extends the bundle's tree head
/// (so the ledger was not rolled back or rewritten since the certificate was issued).
pub fn verify_bundle_with_ledger(
    bytes: &[u8],
    keys: &PublicKeys,
    dir: &Path,
) -> Result<VerifiedBundle> {
    let vb = verify_bundle(bytes, keys)?;
    let Some((inc, head)) = &vb.position else {
        return Err(Error::verify("the certificate carries no ledger position"));
    };
    crate::ledger::verify(dir, keys, Some(&head.jws))?;
    let ledger = Ledger::open(dir)?;
    match ledger.entries().get(inc.leaf_index as usize) {
        Some(Entry::Certificate { jws, .. }) if *jws == vb.certificate.jws => Ok(vb),
        _ => Err(Error::verify(format!(
            "the ledger does not hold this certificate at entry {}",
            inc.leaf_index
        ))),
    }
}
