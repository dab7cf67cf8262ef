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

pub use crate::chunk_cipher::Backend;
use crate::chunk_cipher::ChunkCipher;
use crate::error::{Error, Result};
use crate::secret::{DataKey, KeyId};
use aes_gcm::aead::AeadInOut;
use aes_gcm::{Aes256Gcm, KeyInit};
use hkdf::Hkdf;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::io::{IoSlice, Read, Write};
use std::sync::mpsc;
use zeroize::{Zeroize, Zeroizing};

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
    payload: ChunkCipher,
    header: Aes256Gcm,
    commitment: Zeroizing<[u8; 32]>,
}

fn derive(key: &DataKey, salt: &[u8], key_id: &KeyId, backend: Backend) -> Result<Keys> {
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
        payload: ChunkCipher::new(&payload, backend),
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

/// A batch buffer that held plaintext: wiped on drop, up to the furthest byte ever filled
/// (a small input does not pay for wiping the whole batch).
struct Wiped {
    buf: Vec<u8>,
    touched: usize,
}

impl Wiped {
    fn new(len: usize) -> Wiped {
        Wiped {
            buf: vec![0u8; len],
            touched: 0,
        }
    }

    /// Records that bytes `..end` may now hold plaintext.
    fn touch(&mut self, end: usize) {
        self.touched = self.touched.max(end.min(self.buf.len()));
    }
}

impl Drop for Wiped {
    fn drop(&mut self) {
        self.buf[..self.touched].zeroize();
    }
}

/// One batch of sealed chunks on its way to the output and the container hash.
struct Batch {
    /// Chunk bytes (`len` of them are sealed data), plus one byte of look-ahead.
    data: Wiped,
    tags: Vec<[u8; TAG_LEN]>,
    len: usize,
    chunks: usize,
}

impl Batch {
    /// Each chunk followed by its tag, in container order.
    fn pieces(&self, cs: usize) -> impl Iterator<Item = (&[u8], &[u8; TAG_LEN])> {
        self.tags[..self.chunks]
            .iter()
            .enumerate()
            .map(move |(j, tag)| {
                let start = (j * cs).min(self.len);
                let end = (start + cs).min(self.len);
                (&self.data.buf[start..end], tag)
            })
    }
}

/// Encrypts `input` into a container written to `out`, in constant memory (a few batches of
/// about 4 MiB), with the chunk cipher [`Backend::detect`] picks.
pub fn encrypt<R: Read + ?Sized, W: Write + Send + ?Sized>(
    key: &DataKey,
    key_id: KeyId,
    chunk_size: u32,
    input: &mut R,
    out: &mut W,
) -> Result<Sealed> {
    encrypt_using(Backend::detect(), key, key_id, chunk_size, input, out)
}

/// [`encrypt`] with a chosen chunk-cipher implementation (both write the same bytes).
pub fn encrypt_using<R: Read + ?Sized, W: Write + Send + ?Sized>(
    backend: Backend,
    key: &DataKey,
    key_id: KeyId,
    chunk_size: u32,
    input: &mut R,
    out: &mut W,
) -> Result<Sealed> {
    let salt: [u8; 32] = crate::secret::random()?;
    dangerous::encrypt_with_salt_using(backend, key, key_id, chunk_size, &salt, input, out)
}

/// Operations that are unsafe to use outside tests, kept apart so review finds them.
pub mod dangerous {
    use super::*;

    /// Encrypts with a caller-chosen salt. Reusing a salt with the same key reuses GCM nonces
    /// and destroys confidentiality; this exists only to produce the published test vectors.
    pub fn encrypt_with_salt<R: Read + ?Sized, W: Write + Send + ?Sized>(
        key: &DataKey,
        key_id: KeyId,
        chunk_size: u32,
        salt: &[u8; 32],
        input: &mut R,
        out: &mut W,
    ) -> Result<Sealed> {
        encrypt_with_salt_using(Backend::detect(), key, key_id, chunk_size, salt, input, out)
    }

    /// [`encrypt_with_salt`] with a chosen chunk-cipher implementation.
    pub fn encrypt_with_salt_using<R: Read + ?Sized, W: Write + Send + ?Sized>(
        backend: Backend,
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
        seal(backend, key, key_id, chunk_size, salt, &mut input, &mut out)
    }

    fn seal(
        backend: Backend,
        key: &DataKey,
        key_id: KeyId,
        chunk_size: u32,
        salt: &[u8; 32],
        input: &mut dyn Read,
        out: &mut (dyn Write + Send),
    ) -> Result<Sealed> {
        if !(MIN_CHUNK..=MAX_CHUNK).contains(&chunk_size) {
            return Err(Error::Invalid(format!(
                "chunk size must be between {MIN_CHUNK} and {MAX_CHUNK}"
            )));
        }
        let keys = derive(key, salt, &key_id, backend)?;
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
        let cs = chunk_size as usize;

        // Three stages run at once, each on its own thread: this one reads a batch and seals
        // its chunks (in parallel: every chunk has its own nonce); a writer writes the batch
        // before; a hasher runs SHA-256 (sequential by nature, and with a fast AES the most
        // expensive step) over the batch written before that. Batches circulate through a
        // fixed pool, so memory stays bounded (4 batches of about 4 MiB, or 4 chunks when
        // chunks are larger).
        let batch = batch_chunks(cs);
        let (to_write, write_rx) = mpsc::channel::<Batch>();
        let (to_hash, hash_rx) = mpsc::channel::<Batch>();
        let (to_pool, pool_rx) = mpsc::channel::<Batch>();
        for _ in 0..4 {
            let _ = to_pool.send(Batch {
                data: Wiped::new(batch * cs + 1),
                tags: vec![[0u8; TAG_LEN]; batch],
                len: 0,
                chunks: 0,
            });
        }
        std::thread::scope(|s| -> Result<Sealed> {
            let writer = s.spawn(move || -> Result<u64> {
                out.write_all(&h)?;
                let mut written = HEADER_LEN as u64;
                for b in write_rx {
                    written += write_pieces(out, &b, cs)?;
                    if to_hash.send(b).is_err() {
                        break;
                    }
                }
                out.flush()?;
                Ok(written)
            });
            let hasher = s.spawn(move || {
                let mut hash = Sha256::new();
                hash.update(h);
                for b in hash_rx {
                    for (data, tag) in b.pieces(cs) {
                        hash.update(data);
                        hash.update(tag);
                    }
                    let _ = to_pool.send(b);
                }
                hash.finalize()
            });
            // `to_write` moves into `seal_batches` and is dropped when it returns, which ends
            // the writer, then the hasher.
            let sealed = seal_batches(&keys, cs, batch, input, &pool_rx, to_write);
            let written = writer
                .join()
                .map_err(|_| Error::Integrity("container writer failed".into()))?;
            let digest = hasher
                .join()
                .map_err(|_| Error::Integrity("container hash failed".into()))?;
            // An output error stops the pipeline; report it rather than its echo here.
            let container_len = written?;
            let plaintext_len = sealed?;
            Ok(Sealed {
                header_sha256: hex::encode(Sha256::digest(h)),
                container_sha256: hex::encode(digest),
                plaintext_len,
                container_len,
            })
        })
    }

    /// Reads and seals batches from `input`, handing each to the writer; returns the plaintext
    /// length.
    fn seal_batches(
        keys: &Keys,
        cs: usize,
        batch: usize,
        input: &mut dyn Read,
        pool: &mpsc::Receiver<Batch>,
        to_write: mpsc::Sender<Batch>,
    ) -> Result<u64> {
        let stalled = || Error::Integrity("container writer stopped".into());
        let mut carry: Option<u8> = None;
        let mut counter = 0u64;
        let mut plain_total = 0u64;
        loop {
            // Every batch comes back through the pool once written and hashed; none coming
            // back means the writer stopped on an error, which its join reports.
            let mut b = pool.recv().map_err(|_| stalled())?;
            let mut filled = 0;
            if let Some(c) = carry.take() {
                b.data.buf[0] = c;
                filled = 1;
            }
            filled += read_full(input, &mut b.data.buf[filled..]).inspect_err(|_| {
                // Whatever a failed read left in the buffer is wiped too.
                b.data.touched = b.data.buf.len();
            })?;
            b.data.touch(filled);
            // A chunk is final iff nothing follows it: one byte of look-ahead decides.
            let more = filled == batch * cs + 1;
            let data_len = if more { batch * cs } else { filled };
            // At least one chunk: an empty input is one empty final chunk.
            let chunks = data_len.div_ceil(cs).max(1);
            let payload = &keys.payload;
            let Batch { data, tags, .. } = &mut b;
            if data_len == 0 {
                tags[0] = payload.seal(&nonce(counter, true), &mut [])?;
            } else {
                data.buf[..data_len]
                    .par_chunks_mut(cs)
                    .zip(tags[..chunks].par_iter_mut())
                    .enumerate()
                    .try_for_each(|(j, (chunk, tag))| -> Result<()> {
                        let last = !more && j + 1 == chunks;
                        *tag = payload.seal(&nonce(counter + j as u64, last), chunk)?;
                        Ok(())
                    })?;
            }
            if more {
                carry = Some(b.data.buf[batch * cs]);
            }
            b.len = data_len;
            b.chunks = chunks;
            plain_total += data_len as u64;
            to_write.send(b).map_err(|_| stalled())?;
            if !more {
                return Ok(plain_total);
            }
            counter = counter
                .checked_add(batch as u64)
                .ok_or(Error::Invalid("too many chunks".into()))?;
        }
    }
}

/// Writes every chunk of `b` followed by its tag, gathering them into few system calls
/// (`writev`); returns the bytes written.
fn write_pieces(out: &mut (dyn Write + Send), b: &Batch, cs: usize) -> Result<u64> {
    let mut total = 0u64;
    let mut slices: Vec<IoSlice<'_>> = Vec::with_capacity(128);
    let mut pieces = b.pieces(cs).peekable();
    while pieces.peek().is_some() {
        slices.clear();
        for (data, tag) in pieces.by_ref().take(64) {
            slices.push(IoSlice::new(data));
            slices.push(IoSlice::new(tag));
            total += (data.len() + TAG_LEN) as u64;
        }
        write_all_vectored(out, &mut slices)?;
    }
    Ok(total)
}

/// `Write::write_all_vectored`, which is not stable yet.
fn write_all_vectored(out: &mut (dyn Write + Send), mut bufs: &mut [IoSlice<'_>]) -> Result<()> {
    while !bufs.is_empty() {
        match out.write_vectored(bufs) {
            Ok(0) => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::WriteZero,
                    "failed to write the container",
                )
                .into());
            }
            Ok(n) => IoSlice::advance_slices(&mut bufs, n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Authenticates the header against `key`, then decrypts the chunks that follow it in `input`
/// to `out`, in constant memory. Plaintext of each chunk is written once that chunk has
/// authenticated; on error the output so far must be discarded (the CLI writes to a temporary
/// file and renames only on success).
pub fn decrypt<R: Read + ?Sized, W: Write + Send + ?Sized>(
    key: &DataKey,
    header: &Header,
    input: &mut R,
    out: &mut W,
) -> Result<u64> {
    decrypt_using(Backend::detect(), key, header, input, out)
}

/// [`decrypt`] with a chosen chunk-cipher implementation.
pub fn decrypt_using<R: Read + ?Sized, W: Write + Send + ?Sized>(
    backend: Backend,
    key: &DataKey,
    header: &Header,
    input: &mut R,
    out: &mut W,
) -> Result<u64> {
    // Non-generic body, as for encryption.
    let (mut input, mut out) = (input, out);
    open(backend, key, header, &mut input, &mut out)
}

fn open(
    backend: Backend,
    key: &DataKey,
    header: &Header,
    input: &mut dyn Read,
    out: &mut (dyn Write + Send),
) -> Result<u64> {
    let b = &header.bytes;
    let keys = derive(key, &b[32..64], &header.key_id, backend)?;
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

    let cs = header.chunk_size as usize;
    let batch = batch_chunks(cs + TAG_LEN);
    // This thread reads and opens; a writer thread writes the plaintext of the batch before.
    // Plaintext batches circulate through a pool of three (wiped when dropped).
    let (to_write, write_rx) = mpsc::channel::<Plain>();
    let (to_pool, pool_rx) = mpsc::channel::<Plain>();
    for _ in 0..3 {
        let _ = to_pool.send(Plain {
            data: Wiped::new(batch * cs),
            len: 0,
        });
    }
    std::thread::scope(|s| -> Result<u64> {
        let writer = s.spawn(move || -> Result<u64> {
            let mut total = 0u64;
            for p in write_rx {
                out.write_all(&p.data.buf[..p.len])?;
                total += p.len as u64;
                let _ = to_pool.send(p);
            }
            out.flush()?;
            Ok(total)
        });
        let opened = open_batches(&keys, cs, batch, input, &pool_rx, to_write);
        let written = writer
            .join()
            .map_err(|_| Error::Integrity("plaintext writer failed".into()))?;
        // A container error first (the output is to be discarded either way), unless it is
        // only the echo of the writer stopping on an output error.
        match (opened, written) {
            (Ok(_), Ok(w)) => Ok(w),
            (Err(Error::Integrity(m)), Err(we)) if m == WRITER_STOPPED => Err(we),
            (Err(e), _) | (Ok(_), Err(e)) => Err(e),
        }
    })
}

const WRITER_STOPPED: &str = "plaintext writer stopped";

/// A batch of authenticated plaintext on its way to the output.
struct Plain {
    data: Wiped,
    len: usize,
}

/// Opens one piece (chunk + tag) into `plain` (its length), leaving `piece` as it was, so that
/// a failed piece can be tried again under the other last-flag to name the error.
fn open_piece(keys: &Keys, nonce: &[u8; 12], piece: &[u8], plain: &mut [u8]) -> bool {
    let (body, tagb) = piece.split_at(piece.len() - TAG_LEN);
    let mut tag = [0u8; TAG_LEN];
    tag.copy_from_slice(tagb);
    plain.copy_from_slice(body);
    keys.payload.open(nonce, plain, &tag)
}

/// Reads and opens the chunks after the header, handing authenticated plaintext to the writer
/// in order, up to the first chunk that fails; returns the plaintext length.
fn open_batches(
    keys: &Keys,
    cs: usize,
    batch: usize,
    input: &mut dyn Read,
    pool: &mpsc::Receiver<Plain>,
    to_write: mpsc::Sender<Plain>,
) -> Result<u64> {
    let stalled = || Error::Integrity(WRITER_STOPPED.into());
    let n = cs + TAG_LEN;
    // As in `encrypt`: a batch of chunks opened in parallel, one byte of look-ahead. Each
    // chunk is opened into the plaintext batch, so the ciphertext stays for a second try that
    // names the error.
    let mut buf = vec![0u8; batch * n + 1];
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
        let mut p = pool.recv().map_err(|_| stalled())?;
        p.data.touch(nonfinal * cs);
        buf[..nonfinal * n]
            .par_chunks(n)
            .zip(p.data.buf[..nonfinal * cs].par_chunks_mut(cs))
            .zip(ok[..nonfinal].par_iter_mut())
            .enumerate()
            .for_each(|(j, ((piece, plain), ok))| {
                *ok = open_piece(keys, &nonce(counter + j as u64, false), piece, plain);
            });
        let good = ok[..nonfinal].iter().take_while(|&&o| o).count();
        if good < nonfinal {
            // Write what authenticated before the failure, then name the failure: a full
            // chunk that authenticates as final, followed by bytes, is trailing data.
            let at = counter + good as u64;
            let piece = &buf[good * n..(good + 1) * n];
            let mut scratch = Zeroizing::new(vec![0u8; cs]);
            let is_final = open_piece(keys, &nonce(at, true), piece, &mut scratch);
            p.len = good * cs;
            to_write.send(p).map_err(|_| stalled())?;
            return Err(if is_final {
                Error::TrailingData
            } else {
                Error::ChunkAuthFailed { chunk: at }
            });
        }
        p.len = nonfinal * cs;
        total += p.len as u64;
        counter += nonfinal as u64;
        to_write.send(p).map_err(|_| stalled())?;
        if nonfinal == batch {
            buf[0] = buf[batch * n];
            filled = 1;
            continue;
        }
        // The input ended: what is left after the non-final chunks must be the final chunk.
        buf.copy_within(nonfinal * n..filled, 0);
        filled -= nonfinal * n;
        if filled < TAG_LEN {
            return Err(Error::Truncated { chunk: counter });
        }
        let piece = &buf[..filled];
        let mut p = pool.recv().map_err(|_| stalled())?;
        let len = filled - TAG_LEN;
        p.data.touch(len);
        if open_piece(keys, &nonce(counter, true), piece, &mut p.data.buf[..len]) {
            p.len = len;
            total += len as u64;
            to_write.send(p).map_err(|_| stalled())?;
            return Ok(total);
        }
        // A full-size piece that authenticates as non-final: the final chunk was cut off.
        if filled == n && open_piece(keys, &nonce(counter, false), piece, &mut p.data.buf[..len]) {
            return Err(Error::Truncated { chunk: counter + 1 });
        }
        return Err(Error::ChunkAuthFailed { chunk: counter });
    }
}

/// The entry point of the `container_open` fuzz target (see `fuzz/README.md`); not an API.
#[doc(hidden)]
pub mod fuzzing {
    use super::*;

    /// First byte: bit 0 picks the chunk cipher (portable or accelerated), bit 1 the mode.
    /// Raw mode: the rest is read as a container under a fixed key; it must fail or succeed
    /// without a panic. Sealed mode: the next four bytes choose a chunk size (64..=512), a
    /// position and a bit; the rest is sealed, must open back to itself, and must fail to open
    /// once that bit is flipped or the container is cut short by the position's low byte.
    pub fn container_open(data: &[u8]) {
        let key = DataKey::from_bytes([0x11; 32]);
        let Some((&mode, rest)) = data.split_first() else {
            return;
        };
        let backend = if mode & 1 == 0 {
            Backend::Portable
        } else {
            Backend::accelerated().unwrap_or(Backend::Portable)
        };
        let open = |c: &[u8]| -> Result<Vec<u8>> {
            let mut r = c;
            let h = Header::read_from(&mut r)?;
            let mut out = Vec::new();
            decrypt_using(backend, &key, &h, &mut r, &mut out)?;
            Ok(out)
        };
        if mode & 2 == 0 {
            let _ = open(rest);
            return;
        }
        let mut ctl = [0u8; 4];
        let n = rest.len().min(4);
        ctl[..n].copy_from_slice(&rest[..n]);
        let plain = &rest[n..];
        let chunk = 64u32 << (ctl[0] % 4);
        let mut c = Vec::new();
        dangerous::encrypt_with_salt_using(
            backend,
            &key,
            KeyId([7; 16]),
            chunk,
            &[3; 32],
            &mut &plain[..],
            &mut c,
        )
        .expect("sealing into memory cannot fail");
        assert_eq!(open(&c).expect("a sealed container opens"), plain);
        let pos = usize::from(u16::from_be_bytes([ctl[1], ctl[2]])) % c.len();
        let mut flipped = c.clone();
        flipped[pos] ^= 1 << (ctl[3] % 8);
        assert!(open(&flipped).is_err(), "flipped bit {pos} undetected");
        let cut = 1 + usize::from(ctl[1]) % c.len();
        assert!(
            open(&c[..c.len() - cut]).is_err(),
            "cut of {cut} undetected"
        );
    }
}
