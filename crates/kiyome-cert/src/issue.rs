//! Issuing: validate, then sign. A [`Validated`] certificate can only be obtained from
//! [`validate`], and only a `Validated` one can be signed, so an unchecked certificate cannot
//! reach a signature.

use crate::jws::{KeyPair, PublicKeys, TYP_CERTIFICATE};
use crate::model::{Certificate, RecordKind};
use crate::rules::{self, LOGICAL_DELETION_CODES};
use crate::{Error, Result, Violation, jcs};
use sha2::{Digest, Sha256};

/// A certificate that passed every rule. Constructed only by [`validate`].
#[derive(Debug, Clone)]
pub struct Validated(Certificate);

impl Validated {
    /// The certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.0
    }
}

/// The outcome of validation.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// The certificate may be signed as it is.
    Certificate(Validated),
    /// A crypto-erase failed the honesty rules (key used after the data was written, or
    /// exported): an honest logical-deletion record was made instead, carrying the reasons.
    LogicalDeletion(Validated, Vec<Violation>),
}

impl Outcome {
    /// The record to sign, whichever kind it is.
    pub fn validated(&self) -> &Validated {
        match self {
            Outcome::Certificate(v) | Outcome::LogicalDeletion(v, _) => v,
        }
    }
}

/// Checks every rule. A crypto-erase whose only failures are the logical-deletion conditions
/// becomes a logical-deletion record; any other failure refuses with [`Error::Rules`].
pub fn validate(cert: Certificate) -> Result<Outcome> {
    let violations = rules::check(&cert);
    if violations.is_empty() {
        return Ok(Outcome::Certificate(Validated(cert)));
    }
    let honest = cert.record_kind == RecordKind::CryptoErase
        && violations
            .iter()
            .all(|v| LOGICAL_DELETION_CODES.contains(&v.code));
    if !honest {
        return Err(Error::Rules(violations));
    }
    let mut ld = cert;
    ld.record_kind = RecordKind::LogicalDeletion;
    ld.logical_deletion_reasons = violations
        .iter()
        .map(|v| format!("{}: {} / {}", v.code, v.ja, v.en))
        .collect();
    let again = rules::check(&ld);
    if !again.is_empty() {
        return Err(Error::Rules(again));
    }
    Ok(Outcome::LogicalDeletion(Validated(ld), violations))
}

/// A signed certificate: the compact JWS and what it says.
#[derive(Debug, Clone)]
pub struct SignedCertificate {
    /// Compact JWS (RFC 7515 §7.1).
    pub jws: String,
    /// The certificate (the JWS payload, parsed).
    pub certificate: Certificate,
    /// Key id that signed it.
    pub kid: String,
}

impl SignedCertificate {
    /// SHA-256 of the compact JWS bytes, lower-case hex: the "certificate hash" printed on
    /// paper forms to match them to the signed record.
    pub fn sha256(&self) -> String {
        hex::encode(Sha256::digest(self.jws.as_bytes()))
    }
}

/// Signs a validated certificate: canonical JSON payload, Ed25519 JWS.
pub fn sign(v: &Validated, key: &KeyPair) -> Result<SignedCertificate> {
    let payload = jcs::to_canonical(&v.0)?;
    let jws = key.sign_compact(TYP_CERTIFICATE, &payload)?;
    Ok(SignedCertificate {
        jws,
        certificate: v.0.clone(),
        kid: key.kid().to_string(),
    })
}

/// Verifies a compact JWS certificate against trusted keys: signature, header, canonical
/// payload, and that the certificate still satisfies the rules it was issued under.
pub fn verify_jws(jws: &str, keys: &PublicKeys) -> Result<SignedCertificate> {
    let (kid, payload) = keys.verify_compact(jws, TYP_CERTIFICATE)?;
    let certificate: Certificate = jcs::parse_canonical(&payload, "certificate")?;
    let violations = rules::check(&certificate);
    if !violations.is_empty() {
        return Err(Error::Rules(violations));
    }
    Ok(SignedCertificate {
        jws: jws.to_string(),
        certificate,
        kid,
    })
}
