//! A bounded ZIP reader of kiyome's own (APPNOTE.TXT 6.3.10).
//!
//! Nothing declared in the archive is trusted: the central directory is read with an entry
//! cap; every local header is checked against its central entry; entry data spans are checked
//! for overlap (the zbsm.zip construction, where thousands of entries share one compressed
//! kernel and "unpack" to hundreds of gigabytes); members are inflated in 64 KiB steps under
//! the per-stream, ratio and shared budget limits, whatever sizes they declare.

use kiyome_core::{Ctx, Error, LimitKind};
use std::io::Read;

/// One central-directory entry, validated against its local header.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Position in the central directory.
    pub index: usize,
    /// The raw name bytes.
    pub raw_name: Vec<u8>,
    /// The decoded name.
    pub name: String,
    /// The charset the name was decoded from.
    pub charset: &'static str,
    /// General-purpose flags.
    pub flags: u16,
    /// Compression method (for AES entries, the real method from the 0x9901 extra field).
    pub method: u16,
    /// Whether the entry is encrypted, and how.
    pub encryption: Option<&'static str>,
    /// CRC-32 from the central directory.
    pub crc: u32,
    /// Declared compressed size.
    pub csize: u64,
    /// Declared uncompressed size.
    pub usize: u64,
    /// Offset of the local header (after correcting for prepended data).
    pub local: u64,
    /// Offset of the member data, when the local header is valid.
    pub data_start: Option<u64>,
    /// The local header names a different file than the central directory.
    pub name_mismatch: bool,
}

impl Entry {
    /// A directory entry (name ends with a slash and holds no data).
    pub fn is_dir(&self) -> bool {
        (self.raw_name.ends_with(b"/") || self.raw_name.ends_with(b"\\")) && self.usize == 0
    }
}

/// The parsed directory of a zip.
#[derive(Debug, Default)]
pub struct Directory {
    /// Entries in central-directory order.
    pub entries: Vec<Entry>,
    /// Bytes before the first local header that the central directory's offsets imply.
    pub prefix: u64,
    /// The EOCD declares more entries than were found.
    pub declared_entries: u64,
}

fn u16le(d: &[u8], o: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        d.get(o..o.checked_add(2)?)?.try_into().ok()?,
    ))
}
fn u32le(d: &[u8], o: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        d.get(o..o.checked_add(4)?)?.try_into().ok()?,
    ))
}
fn u64le(d: &[u8], o: usize) -> Option<u64> {
    Some(u64::from_le_bytes(
        d.get(o..o.checked_add(8)?)?.try_into().ok()?,
    ))
}

fn rfind(d: &[u8], sig: &[u8]) -> Option<usize> {
    let start = d.len().saturating_sub(65_535 + 22);
    d[start..]
        .windows(sig.len())
        .rposition(|w| w == sig)
        .map(|p| p + start)
}

/// Reads the central directory.
pub fn read_directory(d: &[u8], ctx: &Ctx<'_>) -> Result<Directory, Error> {
    let eocd = rfind(d, b"PK\x05\x06")
        .ok_or_else(|| Error::parse("zip", "no end of central directory record"))?;
    let mut count = u16le(d, eocd + 10).unwrap_or(0) as u64;
    let mut cd_size = u32le(d, eocd + 12).unwrap_or(0) as u64;
    let mut cd_off = u32le(d, eocd + 16).unwrap_or(0) as u64;
    let mut cd_end = eocd as u64;
    // ZIP64 end of central directory locator just before the EOCD (APPNOTE 4.3.15).
    if eocd >= 20
        && d.get(eocd - 20..eocd - 16) == Some(b"PK\x06\x07")
        && let Some(z) = u64le(d, eocd - 12).and_then(|o| usize::try_from(o).ok())
        && d.get(z..z + 4) == Some(b"PK\x06\x06")
    {
        count = u64le(d, z + 32).unwrap_or(count);
        cd_size = u64le(d, z + 40).unwrap_or(cd_size);
        cd_off = u64le(d, z + 48).unwrap_or(cd_off);
        cd_end = z as u64;
    }
    let max = ctx.limits().max_entries;
    if count > max {
        return Err(Error::limit(LimitKind::Entries, count, max));
    }
    // Data prepended to the archive shifts every offset by the same amount.
    let actual_cd = cd_end.saturating_sub(cd_size);
    let prefix = actual_cd.saturating_sub(cd_off);
    let mut dir = Directory {
        prefix,
        declared_entries: count,
        ..Directory::default()
    };
    let mut p = (cd_off + prefix) as usize;
    while d.get(p..p + 4) == Some(b"PK\x01\x02") {
        if dir.entries.len() as u64 >= max {
            return Err(Error::limit(
                LimitKind::Entries,
                dir.entries.len() as u64 + 1,
                max,
            ));
        }
        if dir.entries.len() % 256 == 255 {
            ctx.budget.check_time()?;
        }
        let h = d
            .get(p..p + 46)
            .ok_or_else(|| Error::parse("zip", "truncated central directory"))?;
        let flags = u16le(h, 8).unwrap_or(0);
        let mut method = u16le(h, 10).unwrap_or(0);
        let crc = u32le(h, 16).unwrap_or(0);
        let mut csize = u32le(h, 20).unwrap_or(0) as u64;
        let mut usize_ = u32le(h, 24).unwrap_or(0) as u64;
        let nlen = u16le(h, 28).unwrap_or(0) as usize;
        let xlen = u16le(h, 30).unwrap_or(0) as usize;
        let clen = u16le(h, 32).unwrap_or(0) as usize;
        let mut local = u32le(h, 42).unwrap_or(0) as u64;
        let raw_name = d
            .get(p + 46..p + 46 + nlen)
            .ok_or_else(|| Error::parse("zip", "truncated name"))?
            .to_vec();
        let extra = d
            .get(p + 46 + nlen..p + 46 + nlen + xlen)
            .unwrap_or_default();
        let mut encryption = None;
        let mut unicode_path: Option<String> = None;
        let mut x = 0usize;
        while let (Some(id), Some(len)) = (u16le(extra, x), u16le(extra, x + 2)) {
            let body = extra.get(x + 4..x + 4 + len as usize).unwrap_or_default();
            match id {
                0x0001 => {
                    // ZIP64 extended information: only the fields that were 0xFFFFFFFF.
                    let mut o = 0;
                    if usize_ == 0xFFFF_FFFF {
                        usize_ = u64le(body, o).unwrap_or(usize_);
                        o += 8;
                    }
                    if csize == 0xFFFF_FFFF {
                        csize = u64le(body, o).unwrap_or(csize);
                        o += 8;
                    }
                    if local == 0xFFFF_FFFF {
                        local = u64le(body, o).unwrap_or(local);
                    }
                }
                0x9901 => {
                    encryption = Some("AES");
                    method = u16le(body, 5).unwrap_or(method);
                }
                0x7075 if body.len() > 5 => {
                    unicode_path = std::str::from_utf8(&body[5..]).ok().map(str::to_string);
                }
                _ => {}
            }
            x += 4 + len as usize;
        }
        if flags & 1 != 0 && encryption.is_none() {
            encryption = Some(if flags & 0x40 != 0 {
                "strong encryption"
            } else {
                "ZipCrypto"
            });
        }
        let (name, charset) = match unicode_path {
            Some(u) => (u, "utf-8 (extra field)"),
            None => crate::names::decode_name(&raw_name, flags & 0x800 != 0),
        };
        // Offsets are relative to the zip's start when data was prepended; some writers record
        // absolute offsets anyway, so the unshifted offset is tried when the shifted one fails.
        let mut lo = local.saturating_add(prefix);
        let (mut data_start, mut name_mismatch) = local_header(d, lo as usize, &raw_name);
        if prefix > 0 && (data_start.is_none() || name_mismatch) {
            let (s2, m2) = local_header(d, local as usize, &raw_name);
            if s2.is_some() && !m2 {
                (lo, data_start, name_mismatch) = (local, s2, m2);
            }
        }
        dir.entries.push(Entry {
            index: dir.entries.len(),
            raw_name,
            name,
            charset,
            flags,
            method,
            encryption,
            crc,
            csize,
            usize: usize_,
            local: lo,
            data_start,
            name_mismatch,
        });
        p += 46 + nlen + xlen + clen;
    }
    Ok(dir)
}

/// Validates the local header at `lo`; returns the data offset and whether its name differs.
fn local_header(d: &[u8], lo: usize, central_name: &[u8]) -> (Option<u64>, bool) {
    if d.get(lo..lo + 4) != Some(b"PK\x03\x04") {
        return (None, false);
    }
    let (Some(nlen), Some(xlen)) = (u16le(d, lo + 26), u16le(d, lo + 28)) else {
        return (None, false);
    };
    let name = d.get(lo + 30..lo + 30 + nlen as usize);
    let start = lo as u64 + 30 + nlen as u64 + xlen as u64;
    (Some(start), name != Some(central_name))
}

/// Pairs of entries whose data spans overlap (reported once per archive).
pub fn overlapping(dir: &Directory) -> usize {
    let mut spans: Vec<(u64, u64)> = dir
        .entries
        .iter()
        .filter_map(|e| e.data_start.map(|s| (e.local, s.saturating_add(e.csize))))
        .collect();
    spans.sort_unstable();
    spans.windows(2).filter(|w| w[0].1 > w[1].0).count()
}

/// The human name of a compression method.
pub fn method_name(m: u16) -> String {
    match m {
        0 => "stored".into(),
        8 => "deflate".into(),
        9 => "Deflate64".into(),
        12 => "bzip2".into(),
        14 => "LZMA".into(),
        93 => "Zstandard".into(),
        95 => "xz".into(),
        98 => "PPMd".into(),
        other => format!("method {other}"),
    }
}

/// Reads a whole stream under the limits: `max_stream_bytes`, the compression ratio against
/// `compressed`, the shared decompressed budget and the deadline. Never trusts declared sizes.
pub fn read_capped(mut r: impl Read, compressed: u64, ctx: &Ctx<'_>) -> Result<Vec<u8>, Error> {
    let limits = ctx.limits();
    let mut out = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::parse("deflate", e.to_string())),
        };
        ctx.budget.consume(n as u64)?;
        ctx.budget.check_time()?;
        let total = out.len() as u64 + n as u64;
        limits.check_ratio(compressed, total)?;
        out.extend_from_slice(buf.get(..n).unwrap_or_default());
    }
    Ok(out)
}

/// The member data of `e`, decompressed under the limits. Encrypted and unsupported members
/// are errors; callers check those first.
pub fn extract(d: &[u8], e: &Entry, ctx: &Ctx<'_>) -> Result<Vec<u8>, Error> {
    let start = e
        .data_start
        .ok_or_else(|| Error::parse("zip", "bad local header"))? as usize;
    let end = start
        .checked_add(usize::try_from(e.csize).unwrap_or(usize::MAX))
        .filter(|end| *end <= d.len())
        .ok_or_else(|| {
            Error::parse(
                "zip",
                format!("member data of {} runs past the end", e.name),
            )
        })?;
    let raw = &d[start..end];
    let data = match e.method {
        0 => {
            ctx.budget.consume(raw.len() as u64)?;
            raw.to_vec()
        }
        8 => read_capped(flate2::read::DeflateDecoder::new(raw), e.csize, ctx)?,
        m => {
            return Err(Error::unsupported(format!(
                "zip compression {}",
                method_name(m)
            )));
        }
    };
    Ok(data)
}

/// CRC-32 of `data` (the zip and gzip checksum).
pub fn crc32(data: &[u8]) -> u32 {
    let mut c = flate2::Crc::new();
    c.update(data);
    c.sum()
}

/// Decrypts and decompresses a member with the operator's password, through the `zip` crate
/// (ZipCrypto and WinZip AES), under the same caps. Only called after [`read_directory`] and
/// [`overlapping`] accepted the structure.
pub fn extract_with_password(
    d: &[u8],
    e: &Entry,
    password: &str,
    ctx: &Ctx<'_>,
) -> Result<Vec<u8>, Error> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(d))
        .map_err(|x| Error::parse("zip", x.to_string()))?;
    let f = z
        .by_index_decrypt(e.index, password.as_bytes())
        .map_err(|x| match x {
            zip::result::ZipError::InvalidPassword => Error::Encrypted {
                format: "zip",
                detail: "the supplied password does not open this member".into(),
            },
            other => Error::parse("zip", other.to_string()),
        })?;
    if f.name_raw() != e.raw_name.as_slice() {
        return Err(Error::parse(
            "zip",
            "central directory order differs between readers",
        ));
    }
    read_capped(f, e.csize, ctx)
}
