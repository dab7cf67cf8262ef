//! The kiyome container: streaming AES-256-GCM in fixed chunks (STREAM construction).
//!
//! Layout (all integers big-endian; see `docs/container-format.md` for the normative text and
//! test vectors):
//!
//! ```text
//! header (112 bytes)
//!   0  8  magic 89 4B 59 4D 0D 0A 1A 0A  ("\x89KYM\r\n\x1a\n": catches text-mode mangling)
//!   8  1  format version = 1
//!   9  1  suite = 1 (AES-256-GCM, HKDF-SHA-256)
//!  10  2  reserved = 0
//!  12  4  chunk size C (plaintext bytes per chunk, 64 ..= 16 MiB)
//!  16 16  key id
//!  32 32  salt (random per container)
//!  64 32  key commitment  = HKDF-Expand(PRK, "kiyome/v1/commit" || key id, 32)
//!  96 16  header tag      = GCM tag of (header_key, nonce 0^12, aad = bytes 0..96, empty)
//! chunks: C bytes of ciphertext + 16-byte tag each; the last one 0..=C bytes + tag
//!   nonce(i) = 00 00 00 || i (u64) || last-flag (01 on the final chunk, else 00)
//! PRK = HKDF-Extract(salt, data key); payload/header keys = HKDF-Expand(PRK, label, 32)
//! ```
//!
//! The per-container key derived from a random 256-bit salt means no data key ever encrypts
//! under two equal nonces, whatever the number of containers (GCM's nonce-reuse limit does
//! not apply to the data key itself). The commitment makes the container bind exactly one key
//! (GCM alone is not key-committing: partitioning-oracle attacks).

use crate::error::{Error, Result};
use crate::secret::{DataKey, KeyId};
use aes_gcm::aead::AeadInOut;
use aes_gcm::{Aes256Gcm, KeyInit};
use hkdf::Hkdf;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use zeroize::Zeroizing;

/// Magic bytes at the start of every container.
pub const MAGIC: [u8; 8] = *b"\x89KYM\r\n\x1a\n";
/// The only format version this build writes and reads.
pub const VERSION: u8 = 1;
/// Suite 1: AES-256-GCM with HKDF-SHA-256 per-container keys.
pub const SUITE: u8 = 1;
/// Header length in bytes.
pub const HEADER_LEN: usize = 112;
/// Tag length of every chunk.
pub const TAG_LEN: usize = 16;
/// Default plaintext chunk size (64 KiB).
pub const DEFAULT_CHUNK: u32 = 64 * 1024;
/// Smallest allowed chunk size (small chunks keep the test vectors short).
pub const MIN_CHUNK: u32 = 64;
/// Largest allowed chunk size: bounds the decryptor's memory (16 MiB + tag).
pub const MAX_CHUNK: u32 = 16 * 1024 * 1024;

/// A parsed, not yet authenticated, container header.
#[derive(Clone, Debug)]
pub struct Header {
    /// The data key this container was written under.
    pub key_id: KeyId,
    /// Plaintext bytes per chunk.
    pub chunk_size: u32,
    bytes: [u8; HEADER_LEN],
}

impl Header {
    /// Reads and range-checks the 112-byte header. Authentication happens in [`decrypt`],
    /// once the key is known.
    pub fn read_from<R: Read + ?Sized>(input: &mut R) -> Result<Header> {
        let mut bytes = [0u8; HEADER_LEN];
        let n = read_full(input, &mut bytes)?;
        let avail = n.min(MAGIC.len());
        if bytes[..avail] != MAGIC[..avail] || n == 0 {
            return Err(Error::BadMagic);
        }
        if n < HEADER_LEN {
            return Err(Error::Truncated { chunk: 0 });
        }
        Self::parse(bytes)
    }

    fn parse(bytes: [u8; HEADER_LEN]) -> Result<Header> {
        if bytes[8] != VERSION {
            return Err(Error::UnsupportedVersion(bytes[8]));
        }
        if bytes[9] != SUITE {
            return Err(Error::MalformedHeader("unknown suite"));
        }
        if bytes[10..12] != [0, 0] {
            return Err(Error::MalformedHeader("reserved bytes are not zero"));
        }
        let chunk_size = u32::from_be_bytes([bytes[12], bytes[13], bytes[14], bytes[15]]);
        if !(MIN_CHUNK..=MAX_CHUNK).contains(&chunk_size) {
            return Err(Error::MalformedHeader("chunk size out of range"));
        }
        let mut id = [0u8; 16];
        id.copy_from_slice(&bytes[16..32]);
        Ok(Header {
            key_id: KeyId(id),
            chunk_size,
            bytes,
        })
    }

    /// The raw header bytes.
    pub fn as_bytes(&self) -> &[u8; HEADER_LEN] {
        &self.bytes
    }

    /// SHA-256 of the header, lowercase hex: the container's identity in the key store.
    pub fn sha256_hex(&self) -> String {
        hex::encode(Sha256::digest(self.bytes))
    }
}

/// What [`encrypt`] wrote.
#[derive(Clone, Debug)]
pub struct Sealed {
    /// SHA-256 of the header (hex), recorded in the key store as the container id.
    pub header_sha256: String,
    /// SHA-256 of every byte written (header and chunks), hex: the hash of the container file,
    /// which anyone can recompute with `sha256sum`.
    pub container_sha256: String,
    /// Plaintext bytes consumed.
    pub plaintext_len: u64,
    /// Container bytes written (header included).
    pub container_len: u64,
}

struct Keys {
    payload: Aes256Gcm,
    header: Aes256Gcm,
    commitment: Zeroizing<[u8; 32]>,
}

fn derive(key: &DataKey, salt: &[u8], key_id: &KeyId) -> Result<Keys> {
    let hk = Hkdf::<Sha256>::new(Some(salt), key.expose());
    let mut commitment = Zeroizing::new([0u8; 32]);
    let mut payload = Zeroizing::new([0u8; 32]);
    let mut header = Zeroizing::new([0u8; 32]);
    let bad = |_| Error::Integrity("HKDF expand failed".into());
    hk.expand_multi_info(&[b"kiyome/v1/commit", &key_id.0], &mut commitment[..])
        .map_err(bad)?;
    hk.expand(b"kiyome/v1/payload", &mut payload[..])
        .map_err(bad)?;
    hk.expand(b"kiyome/v1/header", &mut header[..])
        .map_err(bad)?;
    Ok(Keys {
        payload: Aes256Gcm::new((&*payload).into()),
        header: Aes256Gcm::new((&*header).into()),
        commitment,
    })
}

fn header_tag(keys: &Keys, authenticated: &[u8]) -> Result<[u8; TAG_LEN]> {
    let tag = keys
        .header
        .encrypt_inout_detached(&[0u8; 12].into(), authenticated, (&mut [][..]).into())
        .map_err(|_| Error::Integrity("header tag".into()))?;
    Ok(tag.into())
}

fn nonce(counter: u64, last: bool) -> [u8; 12] {
    let mut n = [0u8; 12];
    n[3..11].copy_from_slice(&counter.to_be_bytes());
    n[11] = u8::from(last);
    n
}

/// Chunks per batch for a chunk (or sealed piece) of `len` bytes: about 4 MiB per batch, at
/// least one chunk.
fn batch_chunks(len: usize) -> usize {
    ((4 << 20) / len.max(1)).clamp(1, 1024)
}

/// Reads until `buf` is full or the input ends; returns the bytes read.
fn read_full<R: Read + ?Sized>(r: &mut R, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Hashes a written batch in the order it was written: each chunk, then its tag.
fn hash_batch(hash: &mut Sha256, data: &[u8], tags: &[[u8; TAG_LEN]], cs: usize) {
    for (j, tag) in tags.iter().enumerate() {
        let start = (j * cs).min(data.len());
        let end = (start + cs).min(data.len());
        hash.update(&data[start..end]);
        hash.update(tag);
    }
}

/// The two alternating buffers: (the one at `i`, the other).
fn pair<T>(two: &mut [T; 2], i: usize) -> (&mut T, &mut T) {
    let [a, b] = two;
    if i == 0 { (a, b) } else { (b, a) }
}

/// Encrypts `input` into a container written to `out`, in constant memory (one chunk).
pub fn encrypt<R: Read + ?Sized, W: Write + ?Sized>(
    key: &DataKey,
    key_id: KeyId,
    chunk_size: u32,
    input: &mut R,
    out: &mut W,
) -> Result<Sealed> {
    let salt: [u8; 32] = crate::secret::random()?;
    dangerous::encrypt_with_salt(key, key_id, chunk_size, &salt, input, out)
}

/// Operations that are unsafe to use outside tests, kept apart so review finds them.
pub mod dangerous {
    use super::*;

    /// Encrypts with a caller-chosen salt. Reusing a salt with the same key reuses GCM nonces
    /// and destroys confidentiality; this exists only to produce the published test vectors.
    pub fn encrypt_with_salt<R: Read + ?Sized, W: Write + ?Sized>(
        key: &DataKey,
        key_id: KeyId,
        chunk_size: u32,
        salt: &[u8; 32],
        input: &mut R,
        out: &mut W,
    ) -> Result<Sealed> {
        // The work is done in one non-generic function, compiled (and optimised) in this
        // crate: a generic body would instantiate the AES-GCM code in every caller's crate, at
        // the caller's optimisation level.
        let (mut input, mut out) = (input, out);
        seal(key, key_id, chunk_size, salt, &mut input, &mut out)
    }

    fn seal(
        key: &DataKey,
        key_id: KeyId,
        chunk_size: u32,
        salt: &[u8; 32],
        input: &mut dyn Read,
        out: &mut dyn Write,
    ) -> Result<Sealed> {
        if !(MIN_CHUNK..=MAX_CHUNK).contains(&chunk_size) {
            return Err(Error::Invalid(format!(
                "chunk size must be between {MIN_CHUNK} and {MAX_CHUNK}"
            )));
        }
        let keys = derive(key, salt, &key_id)?;
        let mut h = [0u8; HEADER_LEN];
        h[..8].copy_from_slice(&MAGIC);
        h[8] = VERSION;
        h[9] = SUITE;
        h[12..16].copy_from_slice(&chunk_size.to_be_bytes());
        h[16..32].copy_from_slice(&key_id.0);
        h[32..64].copy_from_slice(salt);
        h[64..96].copy_from_slice(&keys.commitment[..]);
        let tag = header_tag(&keys, &h[..96])?;
        h[96..].copy_from_slice(&tag);
        out.write_all(&h)?;
        let mut hash = Sha256::new();
        hash.update(h);

        let cs = chunk_size as usize;
        let batch = batch_chunks(cs);
        // A batch of chunks plus one byte of look-ahead: a chunk is final iff nothing follows
        // it. The chunks of a batch are independent (STREAM: own nonce each), so they are
        // sealed in parallel and written in order. Two batches alternate: while one is sealed,
        // the container hash runs over the one written before it (SHA-256 is sequential and
        // would otherwise wait for every batch); memory stays two batches (≤ 8 MiB, or two
        // chunks when chunks are larger).
        let mut bufs = [
            Zeroizing::new(vec![0u8; batch * cs + 1]),
            Zeroizing::new(vec![0u8; batch * cs + 1]),
        ];
        let mut tags = [vec![[0u8; TAG_LEN]; batch], vec![[0u8; TAG_LEN]; batch]];
        // The batch written but not yet hashed: (data length, chunks).
        let mut pending: Option<(usize, usize)> = None;
        let mut cur = 0usize;
        let mut filled = 0usize;
        let mut counter = 0u64;
        let (mut plain_total, mut written) = (0u64, HEADER_LEN as u64);
        loop {
            let (buf, prev_buf) = pair(&mut bufs, cur);
            let (tag_s, prev_tags) = pair(&mut tags, cur);
            filled += read_full(input, &mut buf[filled..])?;
            let more = filled == batch * cs + 1;
            let data_len = if more { batch * cs } else { filled };
            // At least one chunk: an empty input is one empty final chunk.
            let chunks = data_len.div_ceil(cs).max(1);
            let payload = &keys.payload;
            let prev = pending.take();
            let (_, sealed) = rayon::join(
                || {
                    if let Some((len, n)) = prev {
                        hash_batch(&mut hash, &prev_buf[..len], &prev_tags[..n], cs);
                    }
                },
                || -> std::result::Result<(), aes_gcm::Error> {
                    buf[..data_len]
                        .par_chunks_mut(cs)
                        .zip(tag_s[..chunks].par_iter_mut())
                        .enumerate()
                        .try_for_each(|(j, (chunk, tag))| {
                            let last = !more && j + 1 == chunks;
                            *tag = payload
                                .encrypt_inout_detached(
                                    &nonce(counter + j as u64, last).into(),
                                    &[],
                                    chunk.into(),
                                )?
                                .into();
                            Ok(())
                        })
                },
            );
            if data_len == 0 {
                tag_s[0] = payload
                    .encrypt_inout_detached(&nonce(counter, true).into(), &[], (&mut [][..]).into())
                    .map_err(|_| Error::Integrity("chunk encryption failed".into()))?
                    .into();
            }
            sealed.map_err(|_| Error::Integrity("chunk encryption failed".into()))?;
            for (j, tag) in tag_s[..chunks].iter().enumerate() {
                let start = j * cs;
                let end = (start + cs).min(data_len);
                out.write_all(&buf[start..end])?;
                out.write_all(tag)?;
                written += (end - start + TAG_LEN) as u64;
            }
            plain_total += data_len as u64;
            if !more {
                hash_batch(&mut hash, &buf[..data_len], &tag_s[..chunks], cs);
                break;
            }
            pending = Some((data_len, chunks));
            prev_buf[0] = buf[batch * cs];
            filled = 1;
            cur ^= 1;
            counter = counter
                .checked_add(batch as u64)
                .ok_or(Error::Invalid("too many chunks".into()))?;
        }
        out.flush()?;
        Ok(Sealed {
            header_sha256: hex::encode(Sha256::digest(h)),
            container_sha256: hex::encode(hash.finalize()),
            plaintext_len: plain_total,
            container_len: written,
        })
    }
}

/// Authenticates the header against `key`, then decrypts the chunks that follow it in `input`
/// to `out`, in constant memory. Plaintext of each chunk is written once that chunk has
/// authenticated; on error the output so far must be discarded (the CLI writes to a temporary
/// file and renames only on success).
pub fn decrypt<R: Read + ?Sized, W: Write + ?Sized>(
    key: &DataKey,
    header: &Header,
    input: &mut R,
    out: &mut W,
) -> Result<u64> {
    // Non-generic body, as for encryption.
    let (mut input, mut out) = (input, out);
    open(key, header, &mut input, &mut out)
}

fn open(key: &DataKey, header: &Header, input: &mut dyn Read, out: &mut dyn Write) -> Result<u64> {
    let b = &header.bytes;
    let keys = derive(key, &b[32..64], &header.key_id)?;
    // Constant-time comparison is not needed for the commitment (it is not a MAC over
    // attacker-chosen data); the header tag check below uses GCM's own constant-time compare.
    if keys.commitment[..] != b[64..96] {
        return Err(Error::WrongKey);
    }
    let mut tag = [0u8; TAG_LEN];
    tag.copy_from_slice(&b[96..]);
    keys.header
        .decrypt_inout_detached(
            &[0u8; 12].into(),
            &b[..96],
            (&mut [][..]).into(),
            &tag.into(),
        )
        .map_err(|_| Error::HeaderChanged)?;

    let n = header.chunk_size as usize + TAG_LEN;
    let batch = batch_chunks(n);
    // As in `encrypt`: a batch of chunks opened in parallel, one byte of look-ahead. Only
    // chunks that authenticated are written, in order, up to the first one that fails.
    let mut buf = Zeroizing::new(vec![0u8; batch * n + 1]);
    let mut ok = vec![false; batch];
    let mut filled = 0usize;
    let mut counter = 0u64;
    let mut total = 0u64;
    loop {
        filled += read_full(input, &mut buf[filled..])?;
        // Chunks known not to be final: every whole piece followed by more data.
        let nonfinal = if filled == batch * n + 1 {
            batch
        } else {
            (filled.saturating_sub(1)) / n
        };
        let payload = &keys.payload;
        buf[..nonfinal * n]
            .par_chunks_mut(n)
            .zip(ok[..nonfinal].par_iter_mut())
            .enumerate()
            .for_each(|(j, (piece, ok))| {
                let (body, tagb) = piece.split_at_mut(n - TAG_LEN);
                let mut t = [0u8; TAG_LEN];
                t.copy_from_slice(tagb);
                *ok = payload
                    .decrypt_inout_detached(
                        &nonce(counter + j as u64, false).into(),
                        &[],
                        body.into(),
                        &t.into(),
                    )
                    .is_ok();
            });
        for j in 0..nonfinal {
            let (body, tagb) = buf[j * n..(j + 1) * n].split_at_mut(n - TAG_LEN);
            if !ok[j] {
                let t: [u8; TAG_LEN] = tagb.try_into().map_err(|_| Error::BadMagic)?;
                // A full chunk that authenticates as final, followed by bytes: trailing data.
                let is_final = keys
                    .payload
                    .decrypt_inout_detached(
                        &nonce(counter, true).into(),
                        &[],
                        body.into(),
                        &t.into(),
                    )
                    .is_ok();
                buf.iter_mut().for_each(|x| *x = 0);
                return Err(if is_final {
                    Error::TrailingData
                } else {
                    Error::ChunkAuthFailed { chunk: counter }
                });
            }
            out.write_all(body)?;
            total += body.len() as u64;
            counter += 1;
        }
        if nonfinal == batch {
            buf[0] = buf[batch * n];
            filled = 1;
            continue;
        }
        // The input ended: what is left after the non-final chunks is the final chunk.
        buf.copy_within(nonfinal * n..filled, 0);
        filled -= nonfinal * n;
        // The input ended: this piece must be the final chunk.
        if filled < TAG_LEN {
            return Err(Error::Truncated { chunk: counter });
        }
        let (body, tagb) = buf[..filled].split_at_mut(filled - TAG_LEN);
        let t: [u8; TAG_LEN] = tagb.try_into().map_err(|_| Error::BadMagic)?;
        if keys
            .payload
            .decrypt_inout_detached(&nonce(counter, true).into(), &[], body.into(), &t.into())
            .is_ok()
        {
            out.write_all(body)?;
            total += body.len() as u64;
            out.flush()?;
            return Ok(total);
        }
        // A full-size piece that authenticates as non-final: the final chunk was cut off.
        if filled == n
            && keys
                .payload
                .decrypt_inout_detached(&nonce(counter, false).into(), &[], body.into(), &t.into())
                .is_ok()
        {
            body.iter_mut().for_each(|x| *x = 0);
            return Err(Error::Truncated { chunk: counter + 1 });
        }
        return Err(Error::ChunkAuthFailed { chunk: counter });
    }
}
