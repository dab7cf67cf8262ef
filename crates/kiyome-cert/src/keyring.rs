//! The organisation's signing key ring: a directory holding one secret per key and a public
//! index. Keys are rotated, never deleted: retired keys stay so that their public halves keep
//! verifying old certificates (`kiyome cert key export-public` exports them all).
//!
//! Layout: `keyring.json` (public: kid, x, created/retired times) and `<kid>.ed25519`
//! (the 32-byte seed, mode 0600).

use crate::jws::{JwkSet, KeyPair, PublicKeys, unb64};
use crate::model::Timestamp;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

const INDEX: &str = "keyring.json";

/// One key of the ring, public information only.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyInfo {
    /// RFC 7638 thumbprint.
    pub kid: String,
    /// Public key, base64url.
    pub x: String,
    /// When it was generated.
    pub created_at: Timestamp,
    /// When it was retired by a rotation (it no longer signs, still verifies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retired_at: Option<Timestamp>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Index {
    format: String,
    keys: Vec<KeyInfo>,
}

/// A key ring directory.
#[derive(Debug)]
pub struct KeyRing {
    dir: PathBuf,
    index: Index,
}

impl KeyRing {
    /// Creates a key ring with its first key. Refuses an existing ring.
    pub fn create(dir: &Path, now: Timestamp) -> Result<Self> {
        if dir.join(INDEX).exists() {
            return Err(Error::State(format!(
                "a key ring already exists in {} (鍵リングは既に存在します); use rotate",
                dir.display()
            )));
        }
        fs::create_dir_all(dir)?;
        let mut ring = KeyRing {
            dir: dir.to_path_buf(),
            index: Index {
                format: "kiyome-keyring/1".into(),
                keys: Vec::new(),
            },
        };
        ring.add(KeyPair::generate()?, now)?;
        Ok(ring)
    }

    /// Opens an existing key ring.
    pub fn open(dir: &Path) -> Result<Self> {
        let bytes = fs::read(dir.join(INDEX)).map_err(|e| {
            Error::State(format!(
                "no key ring in {} (鍵リングがありません): {e}; create one with `kiyome cert key generate`",
                dir.display()
            ))
        })?;
        let index: Index =
            serde_json::from_slice(&bytes).map_err(|e| Error::malformed(INDEX, e))?;
        Ok(KeyRing {
            dir: dir.to_path_buf(),
            index,
        })
    }

    /// Generates a new key, makes it the active one and retires the previous one.
    pub fn rotate(&mut self, now: Timestamp) -> Result<String> {
        for k in self.index.keys.iter_mut() {
            if k.retired_at.is_none() {
                k.retired_at = Some(now);
            }
        }
        let kp = KeyPair::generate()?;
        let kid = kp.kid().to_string();
        self.add(kp, now)?;
        Ok(kid)
    }

    /// Adds an existing key pair as the active key (used by `create`, `rotate` and tests with
    /// fixed keys).
    pub fn add(&mut self, kp: KeyPair, now: Timestamp) -> Result<()> {
        let path = self.dir.join(format!("{}.ed25519", kp.kid()));
        let mut opts = fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        let mut f = opts.open(&path)?;
        f.write_all(&kp.seed()[..])?;
        f.sync_all()?;
        self.index.keys.push(KeyInfo {
            kid: kp.kid().into(),
            x: crate::jws::b64(&kp.public()),
            created_at: now,
            retired_at: None,
        });
        self.save()
    }

    fn save(&self) -> Result<()> {
        let bytes = serde_json::to_vec_pretty(&self.index)
            .map_err(|e| Error::State(format!("cannot serialise key ring: {e}")))?;
        let tmp = self.dir.join(".keyring.json.tmp");
        fs::write(&tmp, bytes)?;
        fs::rename(tmp, self.dir.join(INDEX))?;
        Ok(())
    }

    /// All keys, oldest first.
    pub fn keys(&self) -> &[KeyInfo] {
        &self.index.keys
    }

    /// Loads the active (newest, not retired) signing key.
    pub fn active(&self) -> Result<KeyPair> {
        let info = self
            .index
            .keys
            .iter()
            .rev()
            .find(|k| k.retired_at.is_none())
            .ok_or_else(|| Error::State("the key ring has no active key".into()))?;
        let mut f = fs::File::open(self.dir.join(format!("{}.ed25519", info.kid)))?;
        let mut seed = zeroize::Zeroizing::new([0u8; 32]);
        f.read_exact(&mut seed[..])?;
        let kp = KeyPair::from_seed(&seed);
        if kp.kid() != info.kid {
            return Err(Error::State(format!(
                "secret of key {} does not match its public key",
                info.kid
            )));
        }
        Ok(kp)
    }

    /// The public keys (active and retired) as a JWK Set.
    pub fn jwk_set(&self) -> Result<JwkSet> {
        let mut keys = Vec::new();
        for k in &self.index.keys {
            let x: [u8; 32] = unb64(&k.x, "key ring")?
                .try_into()
                .map_err(|_| Error::malformed("key ring", "x is not 32 bytes"))?;
            keys.push(crate::jws::Jwk::from_public(&x));
        }
        Ok(JwkSet { keys })
    }

    /// The public keys (active and retired) for verification.
    pub fn public_keys(&self) -> Result<PublicKeys> {
        let bytes = serde_json::to_vec(&self.jwk_set()?)
            .map_err(|e| Error::State(format!("cannot serialise keys: {e}")))?;
        PublicKeys::from_json(&bytes)
    }
}
