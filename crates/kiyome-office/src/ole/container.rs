//! A bounded view of an OLE compound file (MS-CFB) on top of the `cfb` crate.
//!
//! `cfb` 0.16 validates FAT chains (no sector pointed to twice, no chain back to its start)
//! and the directory tree (no loops), so walking it terminates. What it does not bound is the
//! cost of deep storage nesting (every entry's path is rebuilt from its parent's) and the size
//! a directory entry claims for a stream; both are bounded here before anything is read.

use kiyome_core::{Ctx, Error, LimitKind};
use std::io::{Cursor, Read, Write};

/// Deepest storage nesting accepted. Real documents nest three or four levels (ObjectPool →
/// object → storage); a chain of thousands of nested storages is an attack on path building.
const MAX_STORAGE_DEPTH: usize = 32;

/// One directory entry, as listed by [`Container::open`].
#[derive(Debug, Clone)]
pub struct EntryInfo {
    /// Path components from the root, e.g. `["ObjectPool", "_1234", "\u{1}Ole10Native"]`.
    pub parts: Vec<String>,
    /// Whether this is a stream (otherwise a storage).
    pub is_stream: bool,
    /// Stream length claimed by the directory entry.
    pub len: u64,
    /// CLSID of a storage (nil for streams and most storages).
    pub clsid: [u8; 16],
}

impl EntryInfo {
    /// The entry's name (last path component).
    pub fn name(&self) -> &str {
        self.parts.last().map(String::as_str).unwrap_or("")
    }

    /// The path as shown in reports: components joined by `/`, control characters escaped.
    pub fn display(&self) -> String {
        display_path(&self.parts)
    }

    /// Whether `prefix` is a (non-strict) prefix of this entry's path.
    pub fn is_under(&self, prefix: &[String]) -> bool {
        self.parts.len() >= prefix.len() && self.parts[..prefix.len()] == *prefix
    }
}

/// Renders path components for a report (`\x01Ole10Native` style escapes for control bytes).
pub fn display_path(parts: &[String]) -> String {
    let mut s = String::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            s.push('/');
        }
        for ch in p.chars().take(64) {
            if ch.is_control() {
                s.push_str(&format!("\\x{:02x}", ch as u32));
            } else {
                s.push(ch);
            }
        }
    }
    s
}

/// An opened compound file with its directory listed under limits.
pub struct Container<'d> {
    cf: cfb::CompoundFile<Cursor<&'d [u8]>>,
    /// Every entry except the root, in preorder.
    pub entries: Vec<EntryInfo>,
    /// CLSID of the root storage.
    pub root_clsid: [u8; 16],
    size: u64,
}

impl<'d> Container<'d> {
    /// Opens `data` and lists its directory, counting entries against `max_entries`.
    pub fn open(data: &'d [u8], ctx: &Ctx<'_>) -> Result<Self, Error> {
        let cf = cfb::CompoundFile::open(Cursor::new(data))
            .map_err(|e| Error::parse("ole", format!("compound file: {e}")))?;
        let max = ctx.limits().max_entries;
        let mut entries = Vec::new();
        let root_clsid = *cf.root_entry().clsid().as_bytes();
        for (n, e) in cf.walk().enumerate() {
            if n.is_multiple_of(256) {
                ctx.budget.check_time()?;
            }
            if n as u64 >= max {
                return Err(Error::limit(LimitKind::Entries, n as u64 + 1, max));
            }
            if e.is_root() {
                continue;
            }
            let parts: Vec<String> = e
                .path()
                .components()
                .filter_map(|c| match c {
                    std::path::Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
                    _ => None,
                })
                .collect();
            if parts.len() > MAX_STORAGE_DEPTH {
                return Err(Error::limit(
                    LimitKind::Depth,
                    parts.len() as u64,
                    MAX_STORAGE_DEPTH as u64,
                ));
            }
            entries.push(EntryInfo {
                parts,
                is_stream: e.is_stream(),
                len: e.len(),
                clsid: *e.clsid().as_bytes(),
            });
        }
        Ok(Container {
            cf,
            entries,
            root_clsid,
            size: data.len() as u64,
        })
    }

    /// Whether a stream exists at these path components.
    pub fn has_stream(&self, parts: &[&str]) -> bool {
        self.find(parts).is_some_and(|e| e.is_stream)
    }

    /// The entry at these path components.
    pub fn find(&self, parts: &[&str]) -> Option<&EntryInfo> {
        self.entries.iter().find(|e| {
            e.parts.len() == parts.len() && e.parts.iter().zip(parts).all(|(a, b)| a == b)
        })
    }

    /// Reads a whole stream, at most `cap` bytes (and never more than the file itself could
    /// hold), charging what is read to the budget.
    pub fn read(&mut self, parts: &[String], cap: u64, ctx: &Ctx<'_>) -> Result<Vec<u8>, Error> {
        let path: std::path::PathBuf = std::iter::once("/".to_string())
            .chain(parts.iter().cloned())
            .collect();
        let stream = self
            .cf
            .open_stream(&path)
            .map_err(|e| Error::parse("ole", format!("{}: {e}", display_path(parts))))?;
        let claimed = stream.len();
        // A stream cannot hold more bytes than the file it is stored in.
        let limit = cap.min(self.size).min(ctx.limits().max_stream_bytes);
        if claimed > limit && cap >= ctx.limits().max_stream_bytes {
            return Err(Error::limit(LimitKind::StreamSize, claimed, limit));
        }
        let want = claimed.min(limit);
        ctx.budget.consume(want)?;
        let mut buf = Vec::with_capacity(want as usize);
        stream
            .take(want)
            .read_to_end(&mut buf)
            .map_err(|e| Error::parse("ole", format!("{}: {e}", display_path(parts))))?;
        Ok(buf)
    }

    /// Reads a whole stream (bounded by the stream-size limit).
    pub fn read_all(&mut self, parts: &[String], ctx: &Ctx<'_>) -> Result<Vec<u8>, Error> {
        self.read(parts, ctx.limits().max_stream_bytes, ctx)
    }

    /// Copies the entries selected by `keep` into a fresh compound file. `prefix` is stripped
    /// from every path (so a sub-storage becomes the new root); the root CLSID is `root_clsid`.
    pub fn rebuild(
        &mut self,
        prefix: &[String],
        root_clsid: [u8; 16],
        keep: &dyn Fn(&EntryInfo) -> bool,
        ctx: &Ctx<'_>,
    ) -> Result<Vec<u8>, Error> {
        let werr = |e: std::io::Error| Error::parse("ole", format!("writing compound file: {e}"));
        // Version 3 (512-byte sectors), what Office 97-2003 writes and every reader accepts.
        let mut out =
            cfb::CompoundFile::create_with_version(cfb::Version::V3, Cursor::new(Vec::new()))
                .map_err(werr)?;
        out.set_storage_clsid("/", uuid_from(root_clsid))
            .map_err(werr)?;
        let selected: Vec<EntryInfo> = self
            .entries
            .iter()
            .filter(|e| e.parts.len() > prefix.len() && e.is_under(prefix) && keep(e))
            .cloned()
            .collect();
        for e in selected {
            ctx.budget.check_time()?;
            let rel: std::path::PathBuf = std::iter::once("/".to_string())
                .chain(e.parts[prefix.len()..].iter().cloned())
                .collect();
            // A kept entry whose parent storage was dropped is dropped with it.
            if let Some(parent) = rel.parent()
                && !out.is_storage(parent)
            {
                continue;
            }
            if e.is_stream {
                let bytes = self.read_all(&e.parts, ctx)?;
                let mut s = out.create_new_stream(&rel).map_err(werr)?;
                s.write_all(&bytes).map_err(werr)?;
            } else {
                out.create_storage(&rel).map_err(werr)?;
                out.set_storage_clsid(&rel, uuid_from(e.clsid))
                    .map_err(werr)?;
            }
        }
        // Storage timestamps are residual information (when the document and its objects
        // were made): the rebuilt file carries none, which also makes disarm deterministic.
        let storages: Vec<std::path::PathBuf> = out
            .walk()
            .filter(|e| e.is_storage())
            .map(|e| e.path().to_path_buf())
            .collect();
        for p in storages {
            out.set_created_time(&p, std::time::UNIX_EPOCH)
                .map_err(werr)?;
            out.set_modified_time(&p, std::time::UNIX_EPOCH)
                .map_err(werr)?;
        }
        out.flush().map_err(werr)?;
        Ok(out.into_inner().into_inner())
    }
}

fn uuid_from(b: [u8; 16]) -> uuid::Uuid {
    uuid::Uuid::from_bytes(b)
}
