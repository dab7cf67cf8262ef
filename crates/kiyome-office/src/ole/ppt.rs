//! PowerPoint 97-2003 (`PowerPoint Document` stream, [MS-PPT]): records that carry a VBA
//! project, embedded or linked OLE objects, and encryption.
//!
//! PowerPoint stores its VBA project and every embedded object as an `ExOleObjStg` record
//! (usually zlib-compressed) holding a whole compound file, so the records are walked and
//! those storages handed back for nested inspection.

use kiyome_core::{Ctx, Error, LimitKind};
use std::io::Read;

const VBA_INFO_ATOM: u16 = 0x0400;
const EX_OLE_OBJ_STG: u16 = 0x1011;
const EX_OLE_LINK: u16 = 0x0FCE;
const CRYPT_SESSION: u16 = 0x2F14;

/// What the record walk found.
#[derive(Debug, Default)]
pub struct Scan {
    /// A VBAInfoAtom with fHasMacros or a persist reference: the presentation has a VBA
    /// project ([MS-PPT] 2.4.10; PowerPoint also writes the atom empty, with both zero).
    pub vba: bool,
    /// ExOleObjStg payloads (decompressed), with their stream offsets.
    pub storages: Vec<(usize, Vec<u8>)>,
    /// ExOleLinkContainer records (linked objects).
    pub links: usize,
    /// A CryptSession10Container: the presentation is encrypted.
    pub encrypted: bool,
    /// Payloads that could not be decompressed.
    pub broken: usize,
}

/// Walks every record (descending into containers, recVer 0xF) of the stream.
pub fn scan(stream: &[u8], ctx: &Ctx<'_>) -> Result<Scan, Error> {
    // An encrypted presentation's later records are ciphertext, so the walk may stop before
    // the CryptSession10Container; its header bytes are searched for directly as well.
    let mut s = Scan {
        encrypted: stream.windows(4).any(|w| w == [0x0F, 0x00, 0x14, 0x2F]),
        ..Scan::default()
    };
    let mut pos = 0usize;
    let max = ctx.limits().max_objects;
    let mut n: u64 = 0;
    while pos + 8 <= stream.len() {
        n += 1;
        if n > max {
            return Err(Error::limit(LimitKind::Objects, n, max));
        }
        if n.is_multiple_of(4096) {
            ctx.budget.check_time()?;
        }
        let h = &stream[pos..pos + 8];
        let ver_inst = u16::from_le_bytes([h[0], h[1]]);
        let ty = u16::from_le_bytes([h[2], h[3]]);
        let len = u32::from_le_bytes([h[4], h[5], h[6], h[7]]) as usize;
        let is_container = ver_inst & 0x000F == 0x000F;
        match ty {
            VBA_INFO_ATOM if !is_container => {
                let b = stream.get(pos + 8..pos + 16).unwrap_or(&[]);
                s.vba |= b.iter().any(|&x| x != 0);
            }
            EX_OLE_LINK => s.links += 1,
            CRYPT_SESSION => s.encrypted = true,
            EX_OLE_OBJ_STG if !is_container => {
                let body = stream.get(pos + 8..(pos + 8).saturating_add(len).min(stream.len()));
                let compressed = ver_inst >> 4 == 1;
                match body.map(|b| payload(b, compressed, ctx)) {
                    Some(Ok(Some(p))) if s.storages.len() < 256 => s.storages.push((pos, p)),
                    Some(Err(e)) => return Err(e),
                    _ => s.broken += 1,
                }
            }
            _ => {}
        }
        pos += 8;
        if !is_container {
            pos = pos.saturating_add(len);
        }
    }
    Ok(s)
}

/// The compound file inside an ExOleObjStg: raw, or a 4-byte decompressed size followed by
/// a zlib stream (recInstance 1). Decompression is bounded by the declared size and limits.
fn payload(b: &[u8], compressed: bool, ctx: &Ctx<'_>) -> Result<Option<Vec<u8>>, Error> {
    if !compressed {
        ctx.budget.consume(b.len() as u64)?;
        return Ok(Some(b.to_vec()));
    }
    let Some(size) = b
        .get(..4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    else {
        return Ok(None);
    };
    let size = u64::from(size);
    ctx.limits().check_ratio(b.len() as u64, size)?;
    ctx.budget.consume(size)?;
    let mut out = Vec::new();
    let dec = flate2::read::ZlibDecoder::new(&b[4..]);
    match dec.take(size).read_to_end(&mut out) {
        Ok(_) if !out.is_empty() => Ok(Some(out)),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiyome_core::{Budget, Limits, NoNesting};

    #[test]
    fn compressed_storage_is_inflated_and_vba_info_seen() {
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(b"inner-bytes").unwrap();
        let comp = z.finish().unwrap();
        let mut body = 11u32.to_le_bytes().to_vec();
        body.extend_from_slice(&comp);
        let mut s = Vec::new();
        s.extend_from_slice(&[0x0F, 0x00, 0xFF, 0x03, 20, 0, 0, 0]);
        s.extend_from_slice(&[
            0x20, 0x00, 0x00, 0x04, 12, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0,
        ]);
        s.extend_from_slice(&[0x10, 0x00, 0x11, 0x10]);
        s.extend_from_slice(&(body.len() as u32).to_le_bytes());
        s.extend_from_slice(&body);
        let b = Budget::new(&Limits::default());
        let ctx = Ctx::new(&b, &NoNesting);
        let r = scan(&s, &ctx).unwrap();
        assert!(r.vba);
        assert_eq!(r.storages[0].1, b"inner-bytes");
        for cut in 0..s.len() {
            let _ = scan(&s[..cut], &ctx);
        }
    }
}
