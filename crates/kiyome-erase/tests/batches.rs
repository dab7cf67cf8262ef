//! Chunks are sealed and opened in parallel batches (about 4 MiB, at most 1024 chunks per
//! batch). With 64-byte chunks a batch is 1024 chunks = 65 536 bytes, so these sizes cross
//! batch boundaries exactly, by one byte and several times; the container must be the same
//! as a chunk-by-chunk sealing would make (a fixed salt gives a fixed container, checked
//! against an independent sequential sealing written here with aes-gcm directly) and every
//! cut, extension or flip must still be detected at the right chunk.

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{AeadInOut, KeyInit};
use hkdf::Hkdf;
use kiyome_erase::container::{self, Header, dangerous};
use kiyome_erase::{DataKey, Error, KeyId};
use sha2::Sha256;

const CHUNK: usize = 64;
const BATCH_BYTES: usize = 1024 * CHUNK;

fn key_bytes() -> [u8; 32] {
    std::array::from_fn(|i| i as u8 * 3)
}
fn key_id() -> KeyId {
    KeyId(std::array::from_fn(|i| 0x50 + i as u8))
}
fn plain(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 + i / 251) as u8).collect()
}

fn seal(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let sealed = dangerous::encrypt_with_salt(
        &DataKey::from_bytes(key_bytes()),
        key_id(),
        CHUNK as u32,
        &[9u8; 32],
        &mut &data[..],
        &mut out,
    )
    .unwrap();
    // The container hash runs beside the sealing of the next batch: it must still be the
    // SHA-256 of exactly the bytes written, across every batch boundary.
    use sha2::Digest as _;
    assert_eq!(
        sealed.container_sha256,
        hex::encode(Sha256::digest(&out)),
        "{} bytes",
        data.len()
    );
    out
}

fn open(data: &[u8]) -> Result<Vec<u8>, Error> {
    let mut r = data;
    let h = Header::read_from(&mut r)?;
    let mut out = Vec::new();
    container::decrypt(&DataKey::from_bytes(key_bytes()), &h, &mut r, &mut out)?;
    Ok(out)
}

/// The chunk part of the container, sealed one chunk at a time from the spec
/// (docs/container-format.md): payload key = HKDF-SHA256(salt, key, "kiyome/v1/payload"),
/// nonce = 00 00 00 || counter (u64 BE) || last-flag.
fn sequential_chunks(data: &[u8]) -> Vec<u8> {
    let hk = Hkdf::<Sha256>::new(Some(&[9u8; 32]), &key_bytes());
    let mut pk = [0u8; 32];
    hk.expand(b"kiyome/v1/payload", &mut pk).unwrap();
    let aead = Aes256Gcm::new(&pk.into());
    let mut out = Vec::new();
    let pieces: Vec<&[u8]> = if data.is_empty() {
        vec![&[][..]]
    } else {
        data.chunks(CHUNK).collect()
    };
    for (i, piece) in pieces.iter().enumerate() {
        let mut nonce = [0u8; 12];
        nonce[3..11].copy_from_slice(&(i as u64).to_be_bytes());
        nonce[11] = u8::from(i + 1 == pieces.len());
        let mut buf = piece.to_vec();
        let tag = aead
            .encrypt_inout_detached(&nonce.into(), &[], (&mut buf[..]).into())
            .unwrap();
        out.extend_from_slice(&buf);
        out.extend_from_slice(&tag);
    }
    out
}

const SIZES: &[usize] = &[
    0,
    1,
    CHUNK,
    BATCH_BYTES - 1,
    BATCH_BYTES,
    BATCH_BYTES + 1,
    2 * BATCH_BYTES,
    2 * BATCH_BYTES + CHUNK + 5,
    5 * BATCH_BYTES / 2,
];

#[test]
fn batched_sealing_equals_sequential_sealing_and_round_trips() {
    for &n in SIZES {
        let data = plain(n);
        let c = seal(&data);
        assert_eq!(
            c[container::HEADER_LEN..],
            sequential_chunks(&data)[..],
            "size {n}"
        );
        assert_eq!(open(&c).unwrap(), data, "size {n}");
    }
}

#[test]
fn cuts_extensions_and_flips_across_batches_are_detected() {
    let n = 2 * BATCH_BYTES + 100;
    let c = seal(&plain(n));
    let piece = CHUNK + 16;
    // Cut after exactly one or two whole batches of sealed chunks: the final chunk is gone.
    for batches in [1usize, 2] {
        let cut = container::HEADER_LEN + batches * 1024 * piece;
        assert!(
            matches!(open(&c[..cut]), Err(Error::Truncated { .. })),
            "cut after {batches} batches: {:?}",
            open(&c[..cut]).map(|v| v.len())
        );
    }
    // A byte appended after the final chunk.
    let mut longer = c.clone();
    longer.push(0);
    assert!(open(&longer).is_err());
    // A flip in chunk 1500 (second batch) names that chunk.
    let mut flipped = c.clone();
    flipped[container::HEADER_LEN + 1500 * piece + 3] ^= 1;
    assert!(matches!(
        open(&flipped),
        Err(Error::ChunkAuthFailed { chunk: 1500 })
    ));
    // Two chunks swapped across the batch boundary.
    let mut swapped = c.clone();
    let h = container::HEADER_LEN;
    let (a, b) = (h + 1023 * piece, h + 1024 * piece);
    let tmp = swapped[a..a + piece].to_vec();
    swapped.copy_within(b..b + piece, a);
    swapped[b..b + piece].copy_from_slice(&tmp);
    assert!(matches!(
        open(&swapped),
        Err(Error::ChunkAuthFailed { chunk: 1023 })
    ));
}
