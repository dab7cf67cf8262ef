//! The quarantine: originals of blocked or held inputs, kept for a retention period.
//!
//! Layout under the quarantine directory:
//! ```text
//! objects/ab/ab12…ef        the original bytes, named by their SHA-256 (content-addressed)
//! entries/ab12…ef.json      metadata: names, message ids, reason, times, report
//! ```
//! Every file is written atomically (temporary file in the same directory, fsync, rename,
//! fsync of the directory), so a crash leaves either the old state or the new one. The same
//! content quarantined twice is stored once; its entry gathers the names and message ids.
//! Used by `kiyome quarantine`, `kiyome release`, `kiyome watch` and `kiyome sanitize
//! --quarantine DIR`.

use serde::{Deserialize, Serialize};
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Default retention: 14 days.
pub const DEFAULT_RETENTION_DAYS: u32 = 14;

/// Quarantine options of the sanitize policy (`[quarantine]` in the policy TOML).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QuarantineOptions {
    /// Days an original is kept after it was (last) quarantined or released (default 14);
    /// `--retention-days` on the command line wins over it.
    pub retention_days: u32,
}

impl Default for QuarantineOptions {
    fn default() -> Self {
        QuarantineOptions {
            retention_days: DEFAULT_RETENTION_DAYS,
        }
    }
}

/// Metadata of one quarantined original.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// SHA-256 of the original (its id in the store).
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// Names the original arrived under (file names or paths), oldest first.
    pub names: Vec<String>,
    /// Message ids of the mail it is (or came with), for `kiyome release MESSAGE-ID`.
    #[serde(default)]
    pub message_ids: Vec<String>,
    /// Why it was quarantined (a finding code, or `mail.encrypted_attachment` for a hold).
    pub reason: String,
    /// Where it came from (`sanitize`, `watch`, a sender address…).
    #[serde(default)]
    pub source: String,
    /// When it was (last) quarantined, RFC 3339 UTC.
    pub time: String,
    /// Unix seconds after which `purge` removes it.
    pub expires_unix: i64,
    /// When it was released (`kiyome quarantine release` / `kiyome release`), if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub released: Option<String>,
    /// The report of the run that quarantined it.
    #[serde(default)]
    pub report: serde_json::Value,
}

/// What to record when putting an original into the quarantine.
#[derive(Debug, Clone, Default)]
pub struct Put<'a> {
    /// The name it arrived under.
    pub name: &'a str,
    /// The ids of the messages it is or carries (each message of an mbox, attached
    /// messages), for mail; empty otherwise.
    pub message_ids: &'a [String],
    /// The reason code.
    pub reason: &'a str,
    /// Where it came from.
    pub source: &'a str,
    /// The report (any JSON value, normally a `FileReport`).
    pub report: serde_json::Value,
}

/// A quarantine directory.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
    retention_days: u32,
}

impl Store {
    /// Opens (creating if needed) the store at `root`, keeping originals `retention_days`.
    pub fn open(root: impl Into<PathBuf>, retention_days: u32) -> io::Result<Store> {
        let root = root.into();
        fs::create_dir_all(root.join("objects"))?;
        fs::create_dir_all(root.join("entries"))?;
        Ok(Store {
            root,
            retention_days,
        })
    }

    /// Removes temporary files that a killed writer left behind (`.*.tmp` under `objects/`
    /// and `entries/`). Call it only when no other process writes to this store.
    pub fn cleanup_temp(&self) -> io::Result<usize> {
        let mut removed = 0;
        let mut dirs = vec![self.root.join("entries"), self.root.join("objects")];
        while let Some(d) = dirs.pop() {
            for e in fs::read_dir(&d)?.flatten() {
                let p = e.path();
                let name = e.file_name().to_string_lossy().into_owned();
                if e.file_type().is_ok_and(|t| t.is_dir()) {
                    dirs.push(p);
                } else if name.starts_with('.') && name.ends_with(".tmp") {
                    fs::remove_file(&p)?;
                    removed += 1;
                }
            }
        }
        Ok(removed)
    }

    /// The store's directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn object_path(&self, sha: &str) -> PathBuf {
        let dir = sha.get(..2).unwrap_or("00");
        self.root.join("objects").join(dir).join(sha)
    }

    fn entry_path(&self, sha: &str) -> PathBuf {
        self.root.join("entries").join(format!("{sha}.json"))
    }

    /// Stores `data` with its metadata (merging with an existing entry for the same bytes)
    /// and returns the entry.
    pub fn put(&self, data: &[u8], put: &Put<'_>) -> io::Result<Entry> {
        self.put_at(data, put, chrono::Utc::now())
    }

    /// [`Store::put`] at a given time (tests).
    pub fn put_at(
        &self,
        data: &[u8],
        put: &Put<'_>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> io::Result<Entry> {
        let sha = kiyome_core::sha256_hex(data);
        let obj = self.object_path(&sha);
        if !obj.is_file() || fs::metadata(&obj)?.len() != data.len() as u64 {
            write_atomic(&obj, data)?;
        }
        let mut entry = self.get(&sha)?.unwrap_or_else(|| Entry {
            sha256: sha.clone(),
            size: data.len() as u64,
            names: Vec::new(),
            message_ids: Vec::new(),
            reason: String::new(),
            source: String::new(),
            time: String::new(),
            expires_unix: 0,
            released: None,
            report: serde_json::Value::Null,
        });
        if !entry.names.iter().any(|n| n == put.name) {
            entry.names.push(put.name.to_string());
        }
        for mid in put.message_ids.iter().filter(|m| !m.is_empty()) {
            if !entry.message_ids.contains(mid) {
                entry.message_ids.push(mid.clone());
            }
        }
        entry.reason = put.reason.to_string();
        entry.source = put.source.to_string();
        entry.time = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        entry.expires_unix = now.timestamp() + i64::from(self.retention_days) * 86_400;
        entry.report = put.report.clone();
        self.save(&entry)?;
        Ok(entry)
    }

    fn save(&self, entry: &Entry) -> io::Result<()> {
        let json = serde_json::to_vec_pretty(entry).map_err(io::Error::other)?;
        write_atomic(&self.entry_path(&entry.sha256), &json)
    }

    /// The entry for a SHA-256 (or a unique prefix of at least 8 hex digits) or a message id.
    pub fn get(&self, key: &str) -> io::Result<Option<Entry>> {
        let key = crate::tree::normalize_id(key);
        // A message without a Message-ID is known by `sha256:<hex>` of the original.
        let key = key.strip_prefix("sha256:").unwrap_or(key);
        let exact = self.entry_path(key);
        if key.len() == 64 && exact.is_file() {
            return read_entry(&exact).map(Some);
        }
        let mut found = Vec::new();
        for e in self.list()? {
            let by_prefix = key.len() >= 8 && e.sha256.starts_with(key);
            if by_prefix || e.message_ids.iter().any(|m| m == key) {
                found.push(e);
            }
        }
        found.sort_by(|a, b| b.time.cmp(&a.time));
        Ok(found.into_iter().next())
    }

    /// Every entry, newest first. Entries that cannot be read are skipped.
    pub fn list(&self) -> io::Result<Vec<Entry>> {
        let mut out = Vec::new();
        for e in fs::read_dir(self.root.join("entries"))? {
            let p = e?.path();
            if p.extension().is_some_and(|x| x == "json")
                && let Ok(entry) = read_entry(&p)
            {
                out.push(entry);
            }
        }
        out.sort_by(|a, b| b.time.cmp(&a.time).then(a.sha256.cmp(&b.sha256)));
        Ok(out)
    }

    /// The original bytes of an entry, checked against its hash.
    pub fn original(&self, entry: &Entry) -> io::Result<Vec<u8>> {
        let data = fs::read(self.object_path(&entry.sha256))?;
        if kiyome_core::sha256_hex(&data) != entry.sha256 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "quarantined original does not match its hash",
            ));
        }
        Ok(data)
    }

    /// Records that an entry was released. It stays until it expires, and at least the
    /// store's retention period from now: the original of a release is kept for an audit.
    pub fn mark_released(&self, entry: &Entry) -> io::Result<Entry> {
        self.mark_released_at(entry, chrono::Utc::now())
    }

    /// [`Store::mark_released`] at a given time (tests, `KIYOME_NOW`).
    pub fn mark_released_at(
        &self,
        entry: &Entry,
        now: chrono::DateTime<chrono::Utc>,
    ) -> io::Result<Entry> {
        let mut e = entry.clone();
        e.released = Some(now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        let keep_until = now.timestamp() + i64::from(self.retention_days) * 86_400;
        e.expires_unix = e.expires_unix.max(keep_until);
        self.save(&e)?;
        Ok(e)
    }

    /// The retention period of this store, in days.
    pub fn retention_days(&self) -> u32 {
        self.retention_days
    }

    /// Removes every entry expired at `now` (unix seconds); returns what was removed.
    pub fn purge(&self, now: i64) -> io::Result<Vec<Entry>> {
        let mut removed = Vec::new();
        for e in self.list()? {
            if e.expires_unix <= now {
                // The original first: an entry without an object is harmless, the reverse
                // would keep an original nobody can see.
                match fs::remove_file(self.object_path(&e.sha256)) {
                    Ok(()) => {}
                    Err(err) if err.kind() == io::ErrorKind::NotFound => {}
                    Err(err) => return Err(err),
                }
                fs::remove_file(self.entry_path(&e.sha256))?;
                removed.push(e);
            }
        }
        Ok(removed)
    }
}

fn read_entry(p: &Path) -> io::Result<Entry> {
    let data = fs::read(p)?;
    serde_json::from_slice(&data).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// Writes `data` to `path` atomically and durably: temporary file in the same directory,
/// fsync, rename, fsync of the directory.
pub fn write_atomic(path: &Path, data: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_get_by_hash_prefix_and_message_id_then_purge_expired() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), 14).unwrap();
        let t0 = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let put = Put {
            name: "a.eml",
            message_ids: &["m1@example.jp".to_string()],
            reason: "mail.encrypted_attachment",
            source: "test",
            report: serde_json::json!({"verdict": "blocked"}),
        };
        let e = store.put_at(b"original", &put, t0).unwrap();
        assert_eq!(e.sha256, kiyome_core::sha256_hex(b"original"));
        let again = store
            .put_at(
                b"original",
                &Put {
                    name: "b.eml",
                    message_ids: &["m2@x".to_string()],
                    ..put.clone()
                },
                t0,
            )
            .unwrap();
        assert_eq!(again.names, vec!["a.eml", "b.eml"]);
        assert_eq!(store.list().unwrap().len(), 1);
        assert_eq!(store.get("<m2@x>").unwrap().unwrap().sha256, e.sha256);
        assert_eq!(
            store.get(&e.sha256[..10]).unwrap().unwrap().sha256,
            e.sha256
        );
        assert!(store.get("nope@x").unwrap().is_none());
        assert_eq!(store.original(&e).unwrap(), b"original");
        // Not yet expired one second before the retention ends; gone after.
        assert!(store.purge(e.expires_unix - 1).unwrap().is_empty());
        assert_eq!(store.purge(e.expires_unix).unwrap().len(), 1);
        assert!(store.list().unwrap().is_empty());
        assert!(!store.object_path(&e.sha256).exists());
    }

    #[test]
    fn a_release_keeps_the_original_at_least_the_retention_from_then() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), 7).unwrap();
        let t0 = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let put = Put {
            name: "m.eml",
            reason: "mail.encrypted_attachment",
            ..Put::default()
        };
        let e = store.put_at(b"held", &put, t0).unwrap();
        assert_eq!(e.expires_unix, t0.timestamp() + 7 * 86_400);
        // Released on day 1: still kept until day 8; released on day 5: until day 12.
        let day =
            |d: i64| chrono::DateTime::from_timestamp(t0.timestamp() + d * 86_400, 0).unwrap();
        let r = store.mark_released_at(&e, day(1)).unwrap();
        assert_eq!(r.expires_unix, e.expires_unix + 86_400);
        let r = store.mark_released_at(&r, day(5)).unwrap();
        assert_eq!(r.expires_unix, t0.timestamp() + 12 * 86_400);
        assert_eq!(
            store.get(&e.sha256).unwrap().unwrap().expires_unix,
            r.expires_unix
        );
        assert!(r.released.is_some());
    }

    #[test]
    fn tampered_original_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), 1).unwrap();
        let e = store
            .put(
                b"abc",
                &Put {
                    name: "x",
                    reason: "r",
                    ..Put::default()
                },
            )
            .unwrap();
        fs::write(store.object_path(&e.sha256), b"abd").unwrap();
        assert!(store.original(&e).is_err());
    }
}
