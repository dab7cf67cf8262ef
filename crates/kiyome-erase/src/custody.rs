//! Root custody: where the root of the key hierarchy lives, outside the key store.
//!
//! A root is identified by a *generation* number. Every erasure creates generation g+1, commits
//! the store to it, then destroys generation g (see `docs/erasure-model.md` for the ordering and
//! the crash recovery). Two custodians exist:
//! - [`FileRoot`]: a root key file (mode 0600) holding the live generations, always replaced
//!   atomically (write a temporary file, fsync, rename, fsync the directory);
//! - [`Pkcs11Root`]: AES-256 keys generated on a PKCS#11 token, sensitive and non-extractable;
//!   wrapping is AES-GCM performed by the token, destruction is `C_DestroyObject`.

use crate::error::{Error, Result};
use crate::secret::{self, DataKey};
use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::mechanism::Mechanism;
use cryptoki::mechanism::aead::GcmParams;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::types::AuthPin;
use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// The operations the key hierarchy needs from a root custodian.
pub trait Custody {
    /// `pkcs11:<token label>` or `file:<path>`, as written into erasure evidence.
    fn describe(&self) -> String;
    /// Creates root generation `generation`; durable when this returns.
    fn create(&mut self, generation: u64) -> Result<()>;
    /// Wraps the top key-encryption key under root `generation`.
    fn wrap(&mut self, generation: u64, key: &DataKey, aad: &[u8]) -> Result<Vec<u8>>;
    /// Unwraps the top key-encryption key with root `generation`.
    fn unwrap(&mut self, generation: u64, blob: &[u8], aad: &[u8]) -> Result<DataKey>;
    /// Destroys root `generation` (idempotent); durable when this returns.
    fn destroy(&mut self, generation: u64) -> Result<()>;
    /// The generations that currently exist.
    fn generations(&mut self) -> Result<Vec<u64>>;
}

/// A root key file: `kiyome-root v1`, a `store` line, then one `gen N HEX` line per live root.
pub struct FileRoot {
    path: PathBuf,
    store_id: String,
    roots: BTreeMap<u64, DataKey>,
}

impl FileRoot {
    /// Opens (or, with `create`, creates empty) the root file of store `store_id`.
    pub fn open(path: &Path, store_id: &str, create: bool) -> Result<FileRoot> {
        let mut r = FileRoot {
            path: path.to_path_buf(),
            store_id: store_id.to_string(),
            roots: BTreeMap::new(),
        };
        if create {
            if path.exists() {
                return Err(Error::Invalid(format!(
                    "root file {} already exists",
                    path.display()
                )));
            }
            r.save()?;
            return Ok(r);
        }
        r.reload()?;
        Ok(r)
    }

    /// Re-reads the file: another process may have rotated the root since this one opened it
    /// (the store's lock serializes rotations; a stale in-memory copy must never be written).
    fn reload(&mut self) -> Result<()> {
        let path = &self.path;
        let store_id = &self.store_id;
        let text = zeroize::Zeroizing::new(fs::read_to_string(path).map_err(|e| {
            Error::Integrity(format!("cannot read root file {}: {e}", path.display()))
        })?);
        let mut roots = BTreeMap::new();
        let mut lines = text.lines();
        if lines.next() != Some("kiyome-root v1") {
            return Err(Error::Integrity("root file: bad first line".into()));
        }
        if lines.next() != Some(&format!("store {store_id}")) {
            return Err(Error::Integrity(format!(
                "root file {} belongs to another key store",
                path.display()
            )));
        }
        for line in lines {
            let mut f = line.split(' ');
            let (Some("gen"), Some(g), Some(h), None) = (f.next(), f.next(), f.next(), f.next())
            else {
                return Err(Error::Integrity("root file: malformed line".into()));
            };
            let g: u64 = g
                .parse()
                .map_err(|_| Error::Integrity("root file: bad generation".into()))?;
            let bytes = zeroize::Zeroizing::new(
                hex::decode(h).map_err(|_| Error::Integrity("root file: bad key".into()))?,
            );
            roots.insert(g, DataKey::from_slice(&bytes)?);
        }
        self.roots = roots;
        Ok(())
    }

    /// Rewrites the whole file atomically: temporary file (0600), fsync, rename, fsync dir.
    fn save(&self) -> Result<()> {
        let dir = match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = dir.join(format!(".{name}.tmp"));
        let mut text =
            zeroize::Zeroizing::new(format!("kiyome-root v1\nstore {}\n", self.store_id));
        for (g, k) in &self.roots {
            text.push_str(&format!("gen {g} {}\n", hex::encode(k.expose())));
        }
        let _ = fs::remove_file(&tmp);
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, &self.path)?;
        fs::File::open(&dir)?.sync_all()?;
        Ok(())
    }

    fn key(&self, generation: u64) -> Result<&DataKey> {
        self.roots.get(&generation).ok_or_else(|| {
            Error::Integrity(format!(
                "root generation {generation} is not in {}",
                self.path.display()
            ))
        })
    }
}

impl Custody for FileRoot {
    fn describe(&self) -> String {
        format!("file:{}", self.path.display())
    }
    fn create(&mut self, generation: u64) -> Result<()> {
        self.reload()?;
        self.roots.insert(generation, DataKey::generate()?);
        self.save()
    }
    fn wrap(&mut self, generation: u64, key: &DataKey, aad: &[u8]) -> Result<Vec<u8>> {
        secret::wrap(self.key(generation)?, key, aad)
    }
    fn unwrap(&mut self, generation: u64, blob: &[u8], aad: &[u8]) -> Result<DataKey> {
        if !self.roots.contains_key(&generation) {
            self.reload()?;
        }
        secret::unwrap(self.key(generation)?, blob, aad)
    }
    fn destroy(&mut self, generation: u64) -> Result<()> {
        self.reload()?;
        if self.roots.remove(&generation).is_some() {
            self.save()?;
        }
        Ok(())
    }
    fn generations(&mut self) -> Result<Vec<u64>> {
        self.reload()?;
        Ok(self.roots.keys().copied().collect())
    }
}

/// A PKCS#11 token holding the roots as non-extractable AES-256 keys.
pub struct Pkcs11Root {
    // Field order matters: the session must close before the library is finalized.
    session: Session,
    _ctx: Pkcs11,
    token: String,
    store_id: Vec<u8>,
}

fn p11(e: impl std::fmt::Display) -> Error {
    Error::Pkcs11(e.to_string())
}

impl Pkcs11Root {
    /// Loads `module`, finds the token labelled `token` and logs in with `pin`.
    pub fn open(module: &Path, token: &str, pin: &str, store_id: &[u8]) -> Result<Pkcs11Root> {
        let ctx = Pkcs11::new(module).map_err(p11)?;
        ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK))
            .map_err(p11)?;
        let mut found = None;
        for slot in ctx.get_slots_with_token().map_err(p11)? {
            if ctx.get_token_info(slot).map_err(p11)?.label().trim_end() == token {
                found = Some(slot);
                break;
            }
        }
        let slot = found.ok_or_else(|| Error::Pkcs11(format!("no token labelled {token:?}")))?;
        let session = ctx.open_rw_session(slot).map_err(p11)?;
        session
            .login(UserType::User, Some(&AuthPin::new(pin.into())))
            .map_err(p11)?;
        Ok(Pkcs11Root {
            session,
            _ctx: ctx,
            token: token.to_string(),
            store_id: store_id.to_vec(),
        })
    }

    fn label(&self, generation: u64) -> Vec<u8> {
        format!("kiyome-root/{}/{generation}", hex::encode(&self.store_id)).into_bytes()
    }

    fn find(&self, generation: Option<u64>) -> Result<Vec<ObjectHandle>> {
        let mut t = vec![
            Attribute::Class(ObjectClass::SECRET_KEY),
            Attribute::Id(self.store_id.clone()),
        ];
        if let Some(g) = generation {
            t.push(Attribute::Label(self.label(g)));
        }
        self.session.find_objects(&t).map_err(p11)
    }

    fn handle(&self, generation: u64) -> Result<ObjectHandle> {
        self.find(Some(generation))?
            .into_iter()
            .next()
            .ok_or_else(|| {
                Error::Integrity(format!(
                    "root generation {generation} is not on token {:?}",
                    self.token
                ))
            })
    }
}

impl Custody for Pkcs11Root {
    fn describe(&self) -> String {
        format!("pkcs11:{}", self.token)
    }
    fn create(&mut self, generation: u64) -> Result<()> {
        // Sensitive + non-extractable: the token never reveals the root, so no copy of it
        // can be made outside the token (the property that makes old store copies useless).
        let template = [
            Attribute::Class(ObjectClass::SECRET_KEY),
            Attribute::KeyType(KeyType::AES),
            Attribute::ValueLen(32.into()),
            Attribute::Token(true),
            Attribute::Private(true),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
            Attribute::Encrypt(true),
            Attribute::Decrypt(true),
            Attribute::Id(self.store_id.clone()),
            Attribute::Label(self.label(generation)),
        ];
        self.session
            .generate_key(&Mechanism::AesKeyGen, &template)
            .map_err(p11)?;
        Ok(())
    }
    fn wrap(&mut self, generation: u64, key: &DataKey, aad: &[u8]) -> Result<Vec<u8>> {
        let h = self.handle(generation)?;
        let mut iv: [u8; 12] = secret::random()?;
        let params = GcmParams::new(&mut iv, aad, 128.into()).map_err(p11)?;
        let ct = self
            .session
            .encrypt(&Mechanism::AesGcm(params), h, key.expose())
            .map_err(p11)?;
        let mut out = iv.to_vec();
        out.extend_from_slice(&ct);
        if out.len() != secret::WRAPPED_LEN {
            return Err(Error::Pkcs11(
                "token returned an unexpected GCM length".into(),
            ));
        }
        Ok(out)
    }
    fn unwrap(&mut self, generation: u64, blob: &[u8], aad: &[u8]) -> Result<DataKey> {
        if blob.len() != secret::WRAPPED_LEN {
            return Err(Error::Integrity(
                "wrapped top key has the wrong length".into(),
            ));
        }
        let h = self.handle(generation)?;
        let mut iv = [0u8; 12];
        iv.copy_from_slice(&blob[..12]);
        let params = GcmParams::new(&mut iv, aad, 128.into()).map_err(p11)?;
        let pt = zeroize::Zeroizing::new(
            self.session
                .decrypt(&Mechanism::AesGcm(params), h, &blob[12..])
                .map_err(|e| {
                    Error::Integrity(format!("token could not unwrap the top key: {e}"))
                })?,
        );
        DataKey::from_slice(&pt)
    }
    fn destroy(&mut self, generation: u64) -> Result<()> {
        for h in self.find(Some(generation))? {
            self.session.destroy_object(h).map_err(p11)?;
        }
        Ok(())
    }
    fn generations(&mut self) -> Result<Vec<u64>> {
        let prefix = format!("kiyome-root/{}/", hex::encode(&self.store_id));
        let mut out = Vec::new();
        for h in self.find(None)? {
            for a in self
                .session
                .get_attributes(h, &[AttributeType::Label])
                .map_err(p11)?
            {
                if let Attribute::Label(l) = a {
                    let l = String::from_utf8_lossy(&l).into_owned();
                    if let Some(g) = l.strip_prefix(&prefix).and_then(|g| g.parse().ok()) {
                        out.push(g);
                    }
                }
            }
        }
        out.sort_unstable();
        Ok(out)
    }
}
