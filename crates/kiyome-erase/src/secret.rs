//! Secret key types and the AES-256-GCM wrap used at every level of the key hierarchy.
//!
//! Keys are `[u8; 32]` in types that zeroize on drop and print `[redacted]` when debugged.

use crate::error::{Error, Result};
use aes_gcm::aead::AeadInOut;
use aes_gcm::{Aes256Gcm, KeyInit};
use std::fmt;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// A 256-bit symmetric key (data key, key-encryption key, or root key in a file).
#[derive(Clone, Zeroize, ZeroizeOnDrop, PartialEq, Eq)]
pub struct DataKey([u8; 32]);

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey([redacted])")
    }
}

impl DataKey {
    /// A fresh key from the operating system's CSPRNG.
    pub fn generate() -> Result<Self> {
        let mut k = [0u8; 32];
        getrandom::fill(&mut k).map_err(|e| Error::Integrity(format!("OS CSPRNG failed: {e}")))?;
        Ok(DataKey(k))
    }

    /// Wraps raw bytes (test vectors, unwrapped material). The source should be zeroized by
    /// the caller.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        DataKey(bytes)
    }

    /// Builds a key from a slice of exactly 32 bytes.
    pub fn from_slice(bytes: &[u8]) -> Result<Self> {
        let arr: [u8; 32] = bytes
            .try_into()
            .map_err(|_| Error::Integrity("key material has the wrong length".into()))?;
        Ok(DataKey(arr))
    }

    /// The raw key bytes (crate-internal: keys are never exported).
    pub(crate) fn expose(&self) -> &[u8; 32] {
        &self.0
    }
}

/// A key identifier: 16 random bytes, shown as 32 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(pub [u8; 16]);

impl KeyId {
    /// A fresh random id.
    pub fn generate() -> Result<Self> {
        let mut k = [0u8; 16];
        getrandom::fill(&mut k).map_err(|e| Error::Integrity(format!("OS CSPRNG failed: {e}")))?;
        Ok(KeyId(k))
    }
    /// Parses 32 hex digits.
    pub fn parse(s: &str) -> Option<Self> {
        let v = hex::decode(s).ok()?;
        Some(KeyId(v.try_into().ok()?))
    }
    /// Lowercase hex.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}
impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({})", self.to_hex())
    }
}

/// Random bytes from the OS CSPRNG.
pub(crate) fn random<const N: usize>() -> Result<[u8; N]> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| Error::Integrity(format!("OS CSPRNG failed: {e}")))?;
    Ok(b)
}

/// Length of a wrapped key: nonce (12) + ciphertext (32) + tag (16).
pub(crate) const WRAPPED_LEN: usize = 60;

/// Wraps `key` under `kek` with AES-256-GCM, a random nonce, and `aad` binding the wrapped
/// key to its place in the hierarchy (so a wrapped blob cannot be moved to another slot).
pub(crate) fn wrap(kek: &DataKey, key: &DataKey, aad: &[u8]) -> Result<Vec<u8>> {
    let nonce: [u8; 12] = random()?;
    let cipher = Aes256Gcm::new(kek.expose().into());
    let mut buf = *key.expose();
    let tag = cipher
        .encrypt_inout_detached(&nonce.into(), aad, (&mut buf[..]).into())
        .map_err(|_| Error::Integrity("wrap failed".into()))?;
    let mut out = Vec::with_capacity(WRAPPED_LEN);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&buf);
    out.extend_from_slice(&tag);
    buf.zeroize();
    Ok(out)
}

/// Unwraps a blob produced by [`wrap`]; fails if the KEK or the binding is wrong.
pub(crate) fn unwrap(kek: &DataKey, blob: &[u8], aad: &[u8]) -> Result<DataKey> {
    if blob.len() != WRAPPED_LEN {
        return Err(Error::Integrity("wrapped key has the wrong length".into()));
    }
    let (nonce, rest) = blob.split_at(12);
    let (ct, tag) = rest.split_at(32);
    let nonce: [u8; 12] = nonce
        .try_into()
        .map_err(|_| Error::Integrity("nonce".into()))?;
    let tag: [u8; 16] = tag.try_into().map_err(|_| Error::Integrity("tag".into()))?;
    let mut buf: [u8; 32] = ct.try_into().map_err(|_| Error::Integrity("ct".into()))?;
    let cipher = Aes256Gcm::new(kek.expose().into());
    let r = cipher.decrypt_inout_detached(&nonce.into(), aad, (&mut buf[..]).into(), &tag.into());
    let key = DataKey(buf);
    buf.zeroize();
    r.map_err(|_| {
        Error::Integrity("unwrap failed: wrong key-encryption key or tampered blob".into())
    })?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_key_bytes() {
        let k = DataKey::from_bytes([0xab; 32]);
        let s = format!("{k:?}");
        assert_eq!(s, "DataKey([redacted])");
        assert!(!s.contains("ab"));
    }

    #[test]
    fn wrap_roundtrip_and_binding() {
        let kek = DataKey::generate().unwrap();
        let k = DataKey::generate().unwrap();
        let blob = wrap(&kek, &k, b"slot 1").unwrap();
        assert_eq!(unwrap(&kek, &blob, b"slot 1").unwrap(), k);
        assert!(
            unwrap(&kek, &blob, b"slot 2").is_err(),
            "blob moved to another slot"
        );
        let other = DataKey::generate().unwrap();
        assert!(unwrap(&other, &blob, b"slot 1").is_err(), "wrong KEK");
    }
}
