//! The SQLite key store: opening, crash recovery, keys, encryption and decryption.

use crate::container::{self, Header, Sealed};
use crate::custody::{Custody, FileRoot, Pkcs11Root};
use crate::error::{Error, Result};
use crate::evidence::Event;
use crate::schema;
use crate::secret::{self, DataKey, KeyId};
use crate::tree::{self, Tree, set_meta};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// Where the root of the key hierarchy is kept.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum CustodyConfig {
    /// A root key file (mode 0600), replaced atomically at every erasure.
    File {
        /// Path of the root file.
        path: PathBuf,
    },
    /// A PKCS#11 token; the PIN is supplied at open time, never stored.
    Pkcs11 {
        /// Path of the PKCS#11 module (e.g. `/usr/lib/softhsm/libsofthsm2.so`).
        module: PathBuf,
        /// Token label.
        token: String,
    },
}

/// Confidentiality class (機密性) of the guideline.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub enum Class {
    /// 機密性1
    C1,
    /// 機密性2
    C2,
    /// 機密性3
    C3,
}

impl Class {
    /// Parses `1`, `2`, `3` or `機密性N`.
    pub fn parse(s: &str) -> Option<Class> {
        match s.trim_start_matches("機密性") {
            "1" => Some(Class::C1),
            "2" => Some(Class::C2),
            "3" => Some(Class::C3),
            _ => None,
        }
    }
    fn from_i64(n: i64) -> Result<Class> {
        Class::parse(&n.to_string()).ok_or_else(|| Error::Integrity("bad class".into()))
    }
    fn as_i64(self) -> i64 {
        match self {
            Class::C1 => 1,
            Class::C2 => 2,
            Class::C3 => 3,
        }
    }
}

impl std::fmt::Display for Class {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "機密性{}", self.as_i64())
    }
}

/// What `kiyome keys create` asks for.
#[derive(Clone, Debug)]
pub struct KeySpec {
    /// Unique label.
    pub label: String,
    /// Record series (文書分類).
    pub record_series: String,
    /// Owner (担当課).
    pub owner: String,
    /// Confidentiality class.
    pub class: Class,
    /// Retention end date, `YYYY-MM-DD`.
    pub retention_end: String,
}

/// Lifecycle state of a key.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum KeyState {
    /// Usable.
    Active,
    /// An erasure request exists (requested or approved, not yet executed).
    ErasurePending,
    /// The re-keyed store is committed; the old root is being destroyed (crash recovery
    /// finishes this state on the next open).
    Erasing,
    /// Erased: unrecoverable from this store and from every earlier copy of it.
    Erased,
}

impl KeyState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            KeyState::Active => "active",
            KeyState::ErasurePending => "erasure_pending",
            KeyState::Erasing => "erasing",
            KeyState::Erased => "erased",
        }
    }
    fn parse(s: &str) -> Result<KeyState> {
        Ok(match s {
            "active" => KeyState::Active,
            "erasure_pending" => KeyState::ErasurePending,
            "erasing" => KeyState::Erasing,
            "erased" => KeyState::Erased,
            _ => return Err(Error::Integrity(format!("unknown key state {s:?}"))),
        })
    }
}

/// A key's record (never the key itself).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct KeyInfo {
    /// Key id, hex.
    pub key_id: String,
    /// Label.
    pub label: String,
    /// Record series.
    pub record_series: String,
    /// Owner.
    pub owner: String,
    /// Confidentiality class.
    pub class: Class,
    /// Retention end, `YYYY-MM-DD`.
    pub retention_end: String,
    /// State.
    pub state: KeyState,
    /// Creation time.
    pub created_at: String,
    /// First encryption (None: never used).
    pub first_use_at: Option<String>,
    /// When the old root was destroyed (erased keys).
    pub erased_at: Option<String>,
    /// Certificate id (set by `kiyome cert`).
    pub certificate_id: Option<String>,
    /// Reasons of the legal holds in force.
    pub holds: Vec<String>,
    /// Number of containers recorded.
    pub containers: u64,
    #[serde(skip)]
    pub(crate) slot: u64,
}

impl KeyInfo {
    /// The state as shown to people and in JSON (`active`, `erasure_pending`, …).
    pub fn state_str(&self) -> &'static str {
        self.state.as_str()
    }
}

/// The key store. Opening it runs crash recovery (see `docs/erasure-model.md`).
pub struct Store {
    pub(crate) conn: Connection,
    pub(crate) custody: Box<dyn Custody>,
    pub(crate) store_id: [u8; 16],
    lock_path: PathBuf,
}

const KEY_COLS: &str = "key_id, label, record_series, owner, class, retention_end, state, created_at, \
    first_use_at, erased_at, certificate_id, slot, \
    (SELECT COUNT(*) FROM containers c WHERE c.key_id = keys.key_id)";

fn open_custody(
    cfg: &CustodyConfig,
    store_id: &str,
    pin: Option<&str>,
    create: bool,
) -> Result<Box<dyn Custody>> {
    Ok(match cfg {
        CustodyConfig::File { path } => Box::new(FileRoot::open(path, store_id, create)?),
        CustodyConfig::Pkcs11 { module, token } => {
            let pin = pin.ok_or_else(|| {
                Error::Invalid("the PKCS#11 token needs a PIN (set KIYOME_PKCS11_PIN)".into())
            })?;
            let id = hex::decode(store_id).map_err(|_| Error::Integrity("store id".into()))?;
            Box::new(Pkcs11Root::open(module, token, pin, &id)?)
        }
    })
}

impl Store {
    /// Creates a new store at `path` (mode 0600) with its first root generation in custody.
    pub fn create(
        path: &Path,
        custody: CustodyConfig,
        erase_wait_secs: u64,
        pin: Option<&str>,
    ) -> Result<Store> {
        fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| Error::Invalid(format!("cannot create store {}: {e}", path.display())))?;
        let store_id: [u8; 16] = secret::random()?;
        let id_hex = hex::encode(store_id);
        let lock_path = lock_path(path);
        let lock = exclusive(&lock_path)?;
        let mut cust = open_custody(&custody, &id_hex, pin, true)?;
        let mut conn = Connection::open(path)?;
        schema::configure(&conn)?;
        cust.create(1)?;
        let tx = conn.transaction()?;
        tx.execute_batch(schema::SCHEMA)?;
        let cfg = serde_json::to_string(&custody).map_err(|e| Error::Invalid(e.to_string()))?;
        for (k, v) in [
            ("format", schema::FORMAT.to_string()),
            ("store_id", id_hex.clone()),
            ("custody", cfg),
            ("erase_wait_secs", erase_wait_secs.to_string()),
            ("height", "1".into()),
            ("next_slot", "0".into()),
            ("root_generation", "1".into()),
        ] {
            set_meta(&tx, k, &v)?;
        }
        let top = DataKey::generate()?;
        let blob = cust.wrap(1, &top, &tree::top_aad(&store_id, 1, 1))?;
        tx.execute(
            "INSERT INTO kek(level, idx, wrapped) VALUES (1, 0, ?1)",
            [blob],
        )?;
        let now = crate::now_rfc3339();
        tx.execute(
            "INSERT INTO roots(generation, created_at) VALUES (1, ?1)",
            [&now],
        )?;
        event(
            &tx,
            "root_created",
            None,
            None,
            &format!("{{\"generation\":1,\"custody\":{:?}}}", cust.describe()),
        )?;
        tx.commit()?;
        drop(lock);
        Ok(Store {
            conn,
            custody: cust,
            store_id,
            lock_path,
        })
    }

    /// Opens an existing store and completes or rolls back any interrupted erasure.
    pub fn open(path: &Path, pin: Option<&str>) -> Result<Store> {
        if !path.is_file() {
            return Err(Error::Invalid(format!(
                "no key store at {} (create one with `kiyome keys init`)",
                path.display()
            )));
        }
        let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        schema::configure(&conn)?;
        let get = |k: &str| -> Result<String> {
            conn.query_row("SELECT v FROM meta WHERE k = ?1", [k], |r| r.get(0))
                .map_err(|_| Error::Integrity(format!("not a kiyome key store (meta {k} missing)")))
        };
        if get("format")? != schema::FORMAT {
            return Err(Error::Integrity("unsupported key store format".into()));
        }
        schema::migrate(&conn)?;
        let id_hex = get("store_id")?;
        let cfg: CustodyConfig = serde_json::from_str(&get("custody")?)
            .map_err(|e| Error::Integrity(format!("custody config: {e}")))?;
        let store_id: [u8; 16] = hex::decode(&id_hex)
            .ok()
            .and_then(|v| v.try_into().ok())
            .ok_or_else(|| Error::Integrity("store id".into()))?;
        let custody = open_custody(&cfg, &id_hex, pin, false)?;
        let mut s = Store {
            conn,
            custody,
            store_id,
            lock_path: lock_path(path),
        };
        let lock = s.exclusive()?;
        s.recover()?;
        drop(lock);
        Ok(s)
    }

    /// Serializes the operations that change the KEK tree or custody across processes (an
    /// advisory lock on `<store>.lock`, released by the kernel if the process dies). SQLite
    /// alone is not enough: an erasure plans from the database, changes custody, then commits,
    /// and a concurrent writer in between would be overwritten.
    pub(crate) fn exclusive(&self) -> Result<fs::File> {
        exclusive(&self.lock_path)
    }

    /// The store id (hex).
    pub fn store_id(&self) -> String {
        hex::encode(self.store_id)
    }

    /// `pkcs11:<token>` or `file:<path>`.
    pub fn custody_description(&self) -> String {
        self.custody.describe()
    }

    /// The current root generation.
    pub fn root_generation(&self) -> Result<u64> {
        tree::meta_u64(&self.conn, "root_generation")
    }

    /// Height of the KEK tree (KEKs re-keyed per erasure).
    pub fn tree_height(&self) -> Result<u32> {
        Ok(tree::meta_u64(&self.conn, "height")? as u32)
    }

    /// Seconds between approval and the earliest execution of an erasure.
    pub fn erase_wait_secs(&self) -> Result<u64> {
        tree::meta_u64(&self.conn, "erase_wait_secs")
    }

    /// Creates one key.
    pub fn create_key(&mut self, spec: &KeySpec) -> Result<KeyInfo> {
        let id = self.create_keys_bulk(std::slice::from_ref(spec))?;
        let first = id
            .first()
            .ok_or_else(|| Error::Integrity("no key created".into()))?;
        self.key(&first.to_hex())
    }

    /// Creates many keys in one transaction (the bulk path used to build large stores).
    pub fn create_keys_bulk(&mut self, specs: &[KeySpec]) -> Result<Vec<KeyId>> {
        let _lock = self.exclusive()?;
        for s in specs {
            validate_spec(s)?;
        }
        let now = crate::now_rfc3339();
        let tx = self.conn.transaction()?;
        let mut tree = Tree::load(&tx, self.store_id)?;
        let mut slot = tree::meta_u64(&tx, "next_slot")?;
        let mut ids = Vec::with_capacity(specs.len());
        {
            let mut ins = tx.prepare_cached(
                "INSERT INTO keys(key_id, slot, label, record_series, owner, class, retention_end, state, created_at, wrapped)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'active', ?8, ?9)",
            )?;
            for s in specs {
                let leaf = tree.prepare_slot(&tx, self.custody.as_mut(), slot)?;
                let id = KeyId::generate()?;
                let hexid = id.to_hex();
                let dk = DataKey::generate()?;
                let blob = secret::wrap(&leaf, &dk, &tree::dk_aad(&self.store_id, &hexid, slot))?;
                ins.execute(params![
                    hexid,
                    slot as i64,
                    s.label,
                    s.record_series,
                    s.owner,
                    s.class.as_i64(),
                    s.retention_end,
                    now,
                    blob
                ])
                .map_err(|e| match e {
                    rusqlite::Error::SqliteFailure(f, _)
                        if f.code == rusqlite::ErrorCode::ConstraintViolation =>
                    {
                        Error::Invalid(format!("a key labelled {:?} already exists", s.label))
                    }
                    e => e.into(),
                })?;
                event(
                    &tx,
                    "key_created",
                    Some(&hexid),
                    None,
                    &serde_json::json!({
                    "label": s.label, "record_series": s.record_series, "owner": s.owner,
                    "class": s.class.to_string(), "retention_end": s.retention_end})
                    .to_string(),
                )?;
                ids.push(id);
                slot += 1;
            }
        }
        set_meta(&tx, "next_slot", &slot.to_string())?;
        tx.commit()?;
        Ok(ids)
    }

    /// Looks a key up by label or id.
    pub fn key(&self, name: &str) -> Result<KeyInfo> {
        let sql = format!("SELECT {KEY_COLS} FROM keys WHERE label = ?1 OR key_id = ?1");
        let k = self
            .conn
            .prepare_cached(&sql)?
            .query_row([name], row_to_key)
            .optional()?
            .ok_or_else(|| Error::UnknownKey(name.to_string()))??;
        self.with_holds(k)
    }

    fn with_holds(&self, mut k: KeyInfo) -> Result<KeyInfo> {
        let mut st = self.conn.prepare_cached(
            "SELECT reason FROM holds WHERE key_id = ?1 AND released_at IS NULL ORDER BY id",
        )?;
        k.holds = st
            .query_map([&k.key_id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(k)
    }

    /// All keys, by slot.
    pub fn list_keys(&self) -> Result<Vec<KeyInfo>> {
        let sql = format!("SELECT {KEY_COLS} FROM keys ORDER BY slot");
        let mut st = self.conn.prepare(&sql)?;
        let rows: Vec<Result<KeyInfo>> = st
            .query_map([], row_to_key)?
            .collect::<rusqlite::Result<_>>()?;
        rows.into_iter().map(|k| self.with_holds(k?)).collect()
    }

    /// Active keys whose retention ended on or before `date` (`YYYY-MM-DD`) and no hold.
    pub fn due(&self, date: &str) -> Result<Vec<KeyInfo>> {
        Ok(self
            .list_keys()?
            .into_iter()
            .filter(|k| {
                k.state == KeyState::Active
                    && k.retention_end.as_str() <= date
                    && k.holds.is_empty()
            })
            .collect())
    }

    /// Places a legal hold (訴訟ホールド) on a key: erasure is blocked until released.
    pub fn hold(&mut self, name: &str, reason: &str, officer: Option<&str>) -> Result<()> {
        let _lock = self.exclusive()?;
        let k = self.key(name)?;
        if matches!(k.state, KeyState::Erased | KeyState::Erasing) {
            return Err(Error::State(format!("key {} is already erased", k.label)));
        }
        let now = crate::now_rfc3339();
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO holds(key_id, reason, officer, placed_at) VALUES (?1, ?2, ?3, ?4)",
            params![k.key_id, reason, officer, now],
        )?;
        event(
            &tx,
            "hold",
            Some(&k.key_id),
            officer,
            &serde_json::json!({"reason": reason}).to_string(),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Releases every legal hold on a key.
    pub fn release(&mut self, name: &str, officer: Option<&str>) -> Result<usize> {
        let _lock = self.exclusive()?;
        let k = self.key(name)?;
        let now = crate::now_rfc3339();
        let tx = self.conn.transaction()?;
        let n = tx.execute(
            "UPDATE holds SET released_at = ?2, released_by = ?3 WHERE key_id = ?1 AND released_at IS NULL",
            params![k.key_id, now, officer],
        )?;
        if n > 0 {
            event(
                &tx,
                "release",
                Some(&k.key_id),
                officer,
                &format!("{{\"holds\":{n}}}"),
            )?;
        }
        tx.commit()?;
        Ok(n)
    }

    /// Unwraps a key's data key through the current store (the check that an erased key is
    /// unrecoverable calls this too).
    pub(crate) fn data_key(&mut self, k: &KeyInfo) -> Result<DataKey> {
        let wrapped: Option<Vec<u8>> = self.conn.query_row(
            "SELECT wrapped FROM keys WHERE key_id = ?1",
            [&k.key_id],
            |r| r.get(0),
        )?;
        let Some(blob) = wrapped else {
            return Err(erased_error(k));
        };
        let mut tree = Tree::load(&self.conn, self.store_id)?;
        let leaf = tree.node(
            &self.conn,
            self.custody.as_mut(),
            1,
            k.slot >> tree::FANOUT_BITS,
        )?;
        secret::unwrap(
            &leaf,
            &blob,
            &tree::dk_aad(&self.store_id, &k.key_id, k.slot),
        )
    }

    /// Tries to unwrap a key through the current store; `Ok(())` means it is recoverable.
    pub fn probe_key(&mut self, name: &str) -> Result<()> {
        let k = self.key(name)?;
        self.data_key(&k).map(|_| ())
    }

    /// Encrypts `input` under the key `name` into a container; sets first use and records the
    /// container.
    pub fn encrypt<R: Read + ?Sized, W: Write + Send + ?Sized>(
        &mut self,
        name: &str,
        input: &mut R,
        out: &mut W,
        chunk_size: u32,
    ) -> Result<Sealed> {
        let k = self.key(name)?;
        if k.state != KeyState::Active {
            return Err(Error::State(format!(
                "key {} is {}: new data may only be encrypted under an active key",
                k.label,
                k.state.as_str()
            )));
        }
        let dk = self.data_key(&k)?;
        let id = KeyId::parse(&k.key_id).ok_or_else(|| Error::Integrity("key id".into()))?;
        let now = crate::now_rfc3339();
        if k.first_use_at.is_none() {
            // First use is committed before the first byte is written, so "encrypted from the
            // first write" holds even if the process dies mid-stream.
            let tx = self.conn.transaction()?;
            tx.execute(
                "UPDATE keys SET first_use_at = ?2 WHERE key_id = ?1 AND first_use_at IS NULL",
                params![k.key_id, now],
            )?;
            event(&tx, "first_use", Some(&k.key_id), None, "{}")?;
            tx.commit()?;
        }
        let sealed = container::encrypt(&dk, id, chunk_size, input, out)?;
        self.conn.execute(
            "INSERT OR IGNORE INTO containers(header_sha256, key_id, created_at, plaintext_len, file_sha256, container_len) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                sealed.header_sha256,
                k.key_id,
                now,
                sealed.plaintext_len as i64,
                sealed.container_sha256,
                sealed.container_len as i64
            ],
        )?;
        Ok(sealed)
    }

    /// Decrypts a container, finding its key by the id in the header.
    pub fn decrypt<R: Read + ?Sized, W: Write + Send + ?Sized>(
        &mut self,
        input: &mut R,
        out: &mut W,
    ) -> Result<u64> {
        let header = Header::read_from(input)?;
        let k = self.key(&header.key_id.to_hex())?;
        if matches!(k.state, KeyState::Erased | KeyState::Erasing) {
            return Err(erased_error(&k));
        }
        let dk = self.data_key(&k)?;
        container::decrypt(&dk, &header, input, out)
    }

    /// Lifecycle events with a sequence number greater than `seq`, in order.
    pub fn events_since(&self, seq: i64) -> Result<Vec<Event>> {
        let mut st = self.conn.prepare(
            "SELECT seq, at, kind, key_id, officer, detail FROM events WHERE seq > ?1 ORDER BY seq",
        )?;
        let rows = st
            .query_map([seq], |r| {
                Ok(Event {
                    seq: r.get(0)?,
                    at: r.get(1)?,
                    kind: r.get(2)?,
                    key_id: r.get(3)?,
                    officer: r.get(4)?,
                    detail: r.get(5)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// A setting kept in the store by its user (e.g. the CLI's certification settings), or
    /// `None` when unset. Settings are plain text and never hold secrets.
    pub fn setting(&self, name: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT v FROM meta WHERE k = ?1",
                [format!("setting.{name}")],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Sets (or, with `None`, removes) a setting; the change is a lifecycle event.
    pub fn set_setting(&mut self, name: &str, value: Option<&str>) -> Result<()> {
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(Error::Invalid(format!("bad setting name {name:?}")));
        }
        let _lock = self.exclusive()?;
        let tx = self.conn.transaction()?;
        let k = format!("setting.{name}");
        match value {
            Some(v) => set_meta(&tx, &k, v)?,
            None => {
                tx.execute("DELETE FROM meta WHERE k = ?1", [&k])?;
            }
        }
        event(
            &tx,
            "setting_changed",
            None,
            None,
            &serde_json::json!({"setting": name, "set": value.is_some()}).to_string(),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Records the certificate issued for an erased key (used by `kiyome cert`).
    pub fn set_certificate_id(&mut self, key: &str, certificate_id: &str) -> Result<()> {
        let k = self.key(key)?;
        if k.state != KeyState::Erased {
            return Err(Error::State(format!("key {} is not erased", k.label)));
        }
        let _lock = self.exclusive()?;
        let tx = self.conn.transaction()?;
        tx.execute(
            "UPDATE keys SET certificate_id = ?2 WHERE key_id = ?1",
            params![k.key_id, certificate_id],
        )?;
        event(
            &tx,
            "certified",
            Some(&k.key_id),
            None,
            &serde_json::json!({"certificate_id": certificate_id}).to_string(),
        )?;
        tx.commit()?;
        Ok(())
    }
}

fn lock_path(db: &Path) -> PathBuf {
    let mut s = db.as_os_str().to_owned();
    s.push(".lock");
    PathBuf::from(s)
}

fn exclusive(path: &Path) -> Result<fs::File> {
    let f = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)?;
    f.lock()?;
    Ok(f)
}

fn erased_error(k: &KeyInfo) -> Error {
    Error::KeyErased {
        key_id: k.key_id.clone(),
        label: k.label.clone(),
        erased_at: k
            .erased_at
            .clone()
            .unwrap_or_else(|| "(erasure in progress)".into()),
        certificate_id: k.certificate_id.clone(),
    }
}

fn validate_spec(s: &KeySpec) -> Result<()> {
    if s.label.is_empty() || s.label.len() > 200 || s.label.chars().any(char::is_control) {
        return Err(Error::Invalid(format!("bad label {:?}", s.label)));
    }
    if KeyId::parse(&s.label).is_some() {
        return Err(Error::Invalid("a label must not look like a key id".into()));
    }
    chrono::NaiveDate::parse_from_str(&s.retention_end, "%Y-%m-%d").map_err(|_| {
        Error::Invalid(format!(
            "retention end {:?} is not YYYY-MM-DD",
            s.retention_end
        ))
    })?;
    Ok(())
}

fn row_to_key(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<KeyInfo>> {
    let class: i64 = r.get(4)?;
    let state: String = r.get(6)?;
    let slot: i64 = r.get(11)?;
    let count: i64 = r.get(12)?;
    let (class, state) = match (Class::from_i64(class), KeyState::parse(&state)) {
        (Ok(c), Ok(s)) => (c, s),
        (Err(e), _) | (_, Err(e)) => return Ok(Err(e)),
    };
    Ok(Ok(KeyInfo {
        key_id: r.get(0)?,
        label: r.get(1)?,
        record_series: r.get(2)?,
        owner: r.get(3)?,
        class,
        retention_end: r.get(5)?,
        state,
        created_at: r.get(7)?,
        first_use_at: r.get(8)?,
        erased_at: r.get(9)?,
        certificate_id: r.get(10)?,
        holds: Vec::new(),
        containers: count as u64,
        slot: slot as u64,
    }))
}

/// Appends a lifecycle event (inside the caller's transaction).
pub(crate) fn event(
    conn: &Connection,
    kind: &str,
    key_id: Option<&str>,
    officer: Option<&str>,
    detail: &str,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO events(at, kind, key_id, officer, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![crate::now_rfc3339(), kind, key_id, officer, detail])?;
    Ok(())
}
