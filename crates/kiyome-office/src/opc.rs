//! A bounded reader and writer for the ZIP packages behind OOXML (OPC) and ODF.
//!
//! Opening reads only the central directory; members are decompressed on demand, each held
//! to `max_stream_bytes` and `max_ratio`, and all of them together counted into the shared
//! budget. Names are normalised (no leading `/`, `\` → `/`) and looked up case-insensitively
//! as OPC part names are (ECMA-376 Part 2 §6.2.2.3).

use kiyome_core::{Ctx, Error, LimitKind};
use std::collections::HashMap;
use std::io::{Cursor, Read, Write};
use zip::ZipArchive;
use zip::write::SimpleFileOptions;

/// One member of the package.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Normalised name (no leading slash, forward slashes).
    pub name: String,
    /// Index in the zip central directory.
    index: usize,
    /// Declared decompressed size.
    pub size: u64,
    /// Compressed size.
    pub compressed: u64,
    /// Whether the member is encrypted (ZipCrypto/AES).
    pub encrypted: bool,
}

/// An opened package.
pub struct Package<'d> {
    zip: ZipArchive<Cursor<&'d [u8]>>,
    /// Members in central-directory order (directories left out).
    pub entries: Vec<Entry>,
    by_name: HashMap<String, usize>,
    /// Names that occur more than once (case-insensitively); only the first is used.
    pub duplicates: Vec<String>,
    format: &'static str,
}

/// Normalises a member name: forward slashes, no leading slash.
pub fn normalize(name: &str) -> String {
    name.replace('\\', "/").trim_start_matches('/').to_string()
}

impl<'d> Package<'d> {
    /// Opens `data` as a zip package; `format` names it in errors (`ooxml`, `odf`).
    pub fn open(data: &'d [u8], ctx: &Ctx<'_>, format: &'static str) -> Result<Self, Error> {
        let mut zip = ZipArchive::new(Cursor::new(data))
            .map_err(|e| Error::parse(format, format!("zip container: {e}")))?;
        let max = ctx.limits().max_entries;
        if zip.len() as u64 > max {
            return Err(Error::limit(LimitKind::Entries, zip.len() as u64, max));
        }
        let mut entries = Vec::new();
        let mut by_name = HashMap::new();
        let mut duplicates = Vec::new();
        for i in 0..zip.len() {
            ctx.budget.check_time()?;
            let f = zip
                .by_index_raw(i)
                .map_err(|e| Error::parse(format, format!("zip member {i}: {e}")))?;
            if f.is_dir() {
                continue;
            }
            let name = normalize(&String::from_utf8_lossy(f.name_raw()));
            let key = name.to_ascii_lowercase();
            let e = Entry {
                name: name.clone(),
                index: i,
                size: f.size(),
                compressed: f.compressed_size(),
                encrypted: f.encrypted(),
            };
            drop(f);
            if by_name.contains_key(&key) {
                duplicates.push(name);
                continue;
            }
            by_name.insert(key, entries.len());
            entries.push(e);
        }
        if zip.has_duplicate_names() && duplicates.is_empty() {
            duplicates.push("(raw duplicate)".into());
        }
        Ok(Package {
            zip,
            entries,
            by_name,
            duplicates,
            format,
        })
    }

    /// The member with this name (case-insensitive, leading `/` ignored).
    pub fn entry(&self, name: &str) -> Option<&Entry> {
        let key = normalize(name).to_ascii_lowercase();
        self.by_name.get(&key).and_then(|&i| self.entries.get(i))
    }

    /// Whether the member exists.
    pub fn has(&self, name: &str) -> bool {
        self.entry(name).is_some()
    }

    /// Names of all members, in order.
    pub fn names(&self) -> Vec<String> {
        self.entries.iter().map(|e| e.name.clone()).collect()
    }

    /// Decompresses one member under the stream, ratio and budget limits.
    pub fn read(&mut self, name: &str, ctx: &Ctx<'_>) -> Result<Vec<u8>, Error> {
        let e = self
            .entry(name)
            .cloned()
            .ok_or_else(|| Error::parse(self.format, format!("missing part {name}")))?;
        if e.encrypted {
            return Err(Error::Encrypted {
                format: self.format,
                detail: format!("member {} is encrypted", e.name),
            });
        }
        let limits = ctx.limits();
        limits.check_ratio(e.compressed, e.size)?;
        let f = self
            .zip
            .by_index(e.index)
            .map_err(|err| Error::parse(self.format, format!("{}: {err}", e.name)))?;
        // The declared size may lie: read at most one byte past the stream limit and check
        // what actually came out.
        let cap = limits.max_stream_bytes.saturating_add(1);
        let mut out = Vec::with_capacity(e.size.min(1 << 20) as usize);
        let mut r = f.take(cap);
        let mut chunk = [0u8; 64 * 1024];
        loop {
            let n = r
                .read(&mut chunk)
                .map_err(|err| Error::parse(self.format, format!("{}: {err}", e.name)))?;
            if n == 0 {
                break;
            }
            ctx.budget.consume(n as u64)?;
            ctx.budget.check_time()?;
            out.extend_from_slice(chunk.get(..n).unwrap_or_default());
            limits.check_ratio(e.compressed, out.len() as u64)?;
        }
        Ok(out)
    }
}

/// Builds a new zip package member by member.
pub struct PackageWriter {
    zip: zip::ZipWriter<Cursor<Vec<u8>>>,
}

impl Default for PackageWriter {
    fn default() -> Self {
        Self::new()
    }
}

fn werr(e: impl std::fmt::Display) -> Error {
    Error::Io(std::io::Error::other(e.to_string()))
}

impl PackageWriter {
    /// An empty package.
    pub fn new() -> Self {
        PackageWriter {
            zip: zip::ZipWriter::new(Cursor::new(Vec::new())),
        }
    }

    /// Adds a member, deflated, or stored when `stored` (ODF `mimetype` must be stored).
    pub fn add(&mut self, name: &str, data: &[u8], stored: bool) -> Result<(), Error> {
        let method = if stored {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        // A fixed timestamp keeps output deterministic (and leaks no processing time).
        let opts = SimpleFileOptions::default()
            .compression_method(method)
            .last_modified_time(zip::DateTime::default());
        self.zip.start_file(name, opts).map_err(werr)?;
        self.zip.write_all(data)?;
        Ok(())
    }

    /// Finishes the archive.
    pub fn finish(self) -> Result<Vec<u8>, Error> {
        Ok(self.zip.finish().map_err(werr)?.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiyome_core::{Budget, Limits, NoNesting};

    #[test]
    fn reads_members_case_insensitively_and_enforces_ratio() {
        let mut w = PackageWriter::new();
        w.add("/Word/Doc.xml", b"hello", false).unwrap();
        w.add("big.bin", &vec![0u8; 4 << 20], false).unwrap();
        let data = w.finish().unwrap();
        let b = Budget::new(&Limits::default());
        let ctx = Ctx::new(&b, &NoNesting);
        let mut p = Package::open(&data, &ctx, "ooxml").unwrap();
        assert_eq!(p.read("word/doc.xml", &ctx).unwrap(), b"hello");
        assert_eq!(p.read("big.bin", &ctx).unwrap_err().code(), "limit.ratio");
    }

    #[test]
    fn not_a_zip_is_a_parse_failure() {
        let b = Budget::new(&Limits::default());
        let ctx = Ctx::new(&b, &NoNesting);
        let e = Package::open(b"PK\x03\x04 truncated", &ctx, "ooxml").err();
        assert_eq!(e.map(|e| e.code()), Some("parse.failed"));
    }
}
