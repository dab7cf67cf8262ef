//! Records officers' Ed25519 signing keys and the messages they sign.

use crate::error::{Error, Result};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use std::fmt;
use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// An officer's private signing key (zeroized on drop; Debug shows only the name).
pub struct OfficerKey {
    /// Officer id.
    pub name: String,
    key: SigningKey,
}

impl fmt::Debug for OfficerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OfficerKey({}, [redacted])", self.name)
    }
}

impl OfficerKey {
    /// A new key from the OS CSPRNG.
    pub fn generate(name: &str) -> Result<OfficerKey> {
        valid_name(name)?;
        let seed = zeroize::Zeroizing::new(crate::secret::random::<32>()?);
        Ok(OfficerKey {
            name: name.to_string(),
            key: SigningKey::from_bytes(&seed),
        })
    }

    /// Public key, hex.
    pub fn public_hex(&self) -> String {
        hex::encode(self.key.verifying_key().to_bytes())
    }

    /// Signs `msg`; returns the signature in hex.
    pub fn sign(&self, msg: &str) -> String {
        hex::encode(self.key.sign(msg.as_bytes()).to_bytes())
    }

    /// Writes the key file (mode 0600, refuses to overwrite).
    pub fn save(&self, path: &Path) -> Result<()> {
        let text = zeroize::Zeroizing::new(format!(
            "kiyome-officer v1\nname {}\nsecret {}\n",
            self.name,
            hex::encode(self.key.to_bytes())
        ));
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        Ok(())
    }

    /// Reads a key file written by [`OfficerKey::save`].
    pub fn load(path: &Path) -> Result<OfficerKey> {
        let text = zeroize::Zeroizing::new(fs::read_to_string(path)?);
        let mut lines = text.lines();
        let bad = || Error::Officer(format!("{} is not an officer key file", path.display()));
        if lines.next() != Some("kiyome-officer v1") {
            return Err(bad());
        }
        let name = lines
            .next()
            .and_then(|l| l.strip_prefix("name "))
            .ok_or_else(bad)?;
        let secret = lines
            .next()
            .and_then(|l| l.strip_prefix("secret "))
            .ok_or_else(bad)?;
        let bytes = zeroize::Zeroizing::new(hex::decode(secret).map_err(|_| bad())?);
        let seed: zeroize::Zeroizing<[u8; 32]> =
            zeroize::Zeroizing::new(bytes.as_slice().try_into().map_err(|_| bad())?);
        Ok(OfficerKey {
            name: name.to_string(),
            key: SigningKey::from_bytes(&seed),
        })
    }
}

/// Officer ids: 1–64 characters, no whitespace or control characters.
pub(crate) fn valid_name(name: &str) -> Result<()> {
    if name.is_empty()
        || name.chars().count() > 64
        || name.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(Error::Officer(format!("invalid officer id {name:?}")));
    }
    Ok(())
}

/// Verifies an Ed25519 signature strictly (rejects small-order keys and malleable signatures).
pub(crate) fn verify(public_hex: &str, msg: &str, sig_hex: &str) -> Result<()> {
    let bad = |what: &str| Error::Officer(format!("signature check failed: {what}"));
    let pk: [u8; 32] = hex::decode(public_hex)
        .ok()
        .and_then(|v| v.try_into().ok())
        .ok_or_else(|| bad("bad public key"))?;
    let sig: [u8; 64] = hex::decode(sig_hex)
        .ok()
        .and_then(|v| v.try_into().ok())
        .ok_or_else(|| bad("bad signature encoding"))?;
    let vk = VerifyingKey::from_bytes(&pk).map_err(|_| bad("bad public key"))?;
    vk.verify_strict(msg.as_bytes(), &Signature::from_bytes(&sig))
        .map_err(|_| bad("signature does not verify"))
}
