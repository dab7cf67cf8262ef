//! SQLite schema and connection settings of the key store.

use rusqlite::Connection;

/// Store format version written into `meta`.
pub(crate) const FORMAT: &str = "kiyome-keystore v1";

pub(crate) const SCHEMA: &str = "
CREATE TABLE meta(k TEXT PRIMARY KEY, v TEXT NOT NULL);
-- The key-encryption-key tree. Row (height, 0) is the top KEK, wrapped by the root in custody;
-- every other row (level, idx) is wrapped by its parent (level + 1, idx / 16).
CREATE TABLE kek(level INTEGER NOT NULL, idx INTEGER NOT NULL, wrapped BLOB NOT NULL,
                 PRIMARY KEY(level, idx)) WITHOUT ROWID;
CREATE TABLE keys(
  key_id TEXT PRIMARY KEY, slot INTEGER NOT NULL UNIQUE, label TEXT NOT NULL UNIQUE,
  record_series TEXT NOT NULL, owner TEXT NOT NULL, class INTEGER NOT NULL,
  retention_end TEXT NOT NULL, state TEXT NOT NULL, created_at TEXT NOT NULL,
  first_use_at TEXT, wrapped BLOB, executed_at TEXT, erased_at TEXT, erasure_id TEXT,
  certificate_id TEXT);
CREATE INDEX keys_erasure ON keys(erasure_id) WHERE erasure_id IS NOT NULL;
CREATE TABLE holds(id INTEGER PRIMARY KEY AUTOINCREMENT, key_id TEXT NOT NULL, reason TEXT NOT NULL,
  officer TEXT, placed_at TEXT NOT NULL, released_at TEXT, released_by TEXT);
CREATE INDEX holds_key ON holds(key_id);
-- header_sha256 identifies a container (its header alone, salt included, is unique);
-- file_sha256 and container_len describe the whole container file as written.
CREATE TABLE containers(header_sha256 TEXT PRIMARY KEY, key_id TEXT NOT NULL,
  created_at TEXT NOT NULL, plaintext_len INTEGER NOT NULL, file_sha256 TEXT,
  container_len INTEGER);
CREATE INDEX containers_key ON containers(key_id);
CREATE TABLE officers(name TEXT PRIMARY KEY, public_key TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE requests(id INTEGER PRIMARY KEY AUTOINCREMENT, key_id TEXT NOT NULL,
  status TEXT NOT NULL, reason TEXT NOT NULL,
  requester TEXT NOT NULL, requested_at TEXT NOT NULL, request_msg TEXT NOT NULL, request_sig TEXT NOT NULL,
  approver TEXT, approved_at TEXT, approve_msg TEXT, approve_sig TEXT,
  cancelled_by TEXT, cancelled_at TEXT);
CREATE INDEX requests_key ON requests(key_id);
CREATE TABLE roots(generation INTEGER PRIMARY KEY, created_at TEXT NOT NULL,
  retired_at TEXT, destroyed_at TEXT);
CREATE TABLE erasures(erasure_id TEXT PRIMARY KEY, old_gen INTEGER NOT NULL, new_gen INTEGER NOT NULL,
  executed_at TEXT NOT NULL, status TEXT NOT NULL, destroyed_at TEXT, levels INTEGER NOT NULL);
CREATE TABLE evidence(key_id TEXT PRIMARY KEY, erasure_id TEXT NOT NULL, json TEXT NOT NULL);
CREATE TABLE events(seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, kind TEXT NOT NULL,
  key_id TEXT, officer TEXT, detail TEXT NOT NULL);
";

/// Brings a store written by an earlier build of format v1 up to the current schema (columns
/// added since are nullable, so old rows stay valid and say "unknown").
pub(crate) fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    let has_hash: bool = conn
        .prepare("SELECT 1 FROM pragma_table_info('containers') WHERE name = 'file_sha256'")?
        .exists([])?;
    if !has_hash {
        conn.execute_batch(
            "ALTER TABLE containers ADD COLUMN file_sha256 TEXT;
             ALTER TABLE containers ADD COLUMN container_len INTEGER;",
        )?;
    }
    Ok(())
}

/// Connection settings, applied on every open.
///
/// - `secure_delete=ON`: SQLite overwrites deleted content with zeros, so a deleted wrapped
///   key does not stay in free pages of the main file.
/// - `journal_mode=DELETE` (rollback journal, not WAL): a WAL file accumulates old and new
///   page images until a checkpoint and may be left behind; the rollback journal holds the
///   pre-transaction pages only for the duration of a transaction and is unlinked at commit.
///   Either way, old pages that reach the disk are only ever wrapped under roots that the
///   erasure destroys: the hierarchy, not the journal choice, is what makes them useless.
/// - `synchronous=FULL`: a committed erasure survives power loss (the crash-ordering argument
///   in `docs/erasure-model.md` needs the commit to be durable before the old root goes).
pub(crate) fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "secure_delete", "ON")?;
    let _: String = conn.query_row("PRAGMA journal_mode=DELETE", [], |r| r.get(0))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    Ok(())
}
