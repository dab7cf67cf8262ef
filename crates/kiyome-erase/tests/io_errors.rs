//! Encryption and decryption run as pipelines (reader, cipher, writer, hasher threads): an
//! input or output error at any point must come back as that error, without a hang, and
//! decryption must never write plaintext of a chunk that did not authenticate.

use kiyome_erase::container::{self, Header};
use kiyome_erase::{DataKey, Error, KeyId};
use std::io::{Read, Write};

/// A writer that fails once `limit` bytes have been accepted.
struct FailAfter {
    got: Vec<u8>,
    limit: usize,
}
impl Write for FailAfter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.got.len() >= self.limit {
            return Err(std::io::Error::other("disk full (test)"));
        }
        let n = buf.len().min(self.limit - self.got.len());
        self.got.extend_from_slice(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A reader that fails after `limit` bytes.
struct ReadFailAfter<'a>(&'a [u8], usize);
impl Read for ReadFailAfter<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.1 == 0 {
            return Err(std::io::Error::other("input gone (test)"));
        }
        let n = buf.len().min(self.0.len()).min(self.1);
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        self.1 -= n;
        Ok(n)
    }
}

fn data(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i % 253) as u8).collect()
}

fn is_test_io(e: &Error, text: &str) -> bool {
    matches!(e, Error::Io(io) if io.to_string().contains(text))
}

#[test]
fn output_errors_stop_encryption_at_any_point() {
    let key = DataKey::from_bytes([3; 32]);
    let d = data(20 << 20);
    for limit in [0usize, 50, 112, 4 << 20, (4 << 20) + 7, 15 << 20] {
        let mut w = FailAfter {
            got: Vec::new(),
            limit,
        };
        let err = container::encrypt(&key, KeyId([1; 16]), 65536, &mut &d[..], &mut w)
            .expect_err("the output failed");
        assert!(is_test_io(&err, "disk full"), "limit {limit}: {err:?}");
    }
}

#[test]
fn input_errors_stop_encryption_at_any_point() {
    let key = DataKey::from_bytes([3; 32]);
    let d = data(20 << 20);
    for limit in [0usize, 1, 65536, 4 << 20, 13 << 20] {
        let mut out = Vec::new();
        let err = container::encrypt(
            &key,
            KeyId([1; 16]),
            65536,
            &mut ReadFailAfter(&d, limit),
            &mut out,
        )
        .expect_err("the input failed");
        assert!(is_test_io(&err, "input gone"), "limit {limit}: {err:?}");
    }
}

#[test]
fn decryption_errors_and_partial_output() {
    let key = DataKey::from_bytes([5; 32]);
    let d = data(12 << 20);
    let mut c = Vec::new();
    container::encrypt(&key, KeyId([2; 16]), 65536, &mut &d[..], &mut c).unwrap();
    let open = |bytes: &[u8], w: &mut dyn FnMut() -> FailAfter| {
        let mut r = bytes;
        let h = Header::read_from(&mut r).unwrap();
        let mut out = w();
        let res = container::decrypt(&key, &h, &mut r, &mut out);
        (res, out.got)
    };
    // An output error mid-way is reported as such.
    for limit in [0usize, 1000, 5 << 20] {
        let (res, got) = open(&c, &mut || FailAfter {
            got: Vec::new(),
            limit,
        });
        let err = res.expect_err("the output failed");
        assert!(is_test_io(&err, "disk full"), "limit {limit}: {err:?}");
        assert_eq!(got[..], d[..got.len()]);
    }
    // A flipped byte in chunk 70 (the second batch): chunks 0..70 are written, nothing after.
    let piece = 65536 + 16;
    let mut bad = c.clone();
    bad[container::HEADER_LEN + 70 * piece + 100] ^= 1;
    let (res, got) = open(&bad, &mut || FailAfter {
        got: Vec::new(),
        limit: usize::MAX,
    });
    assert!(
        matches!(res, Err(Error::ChunkAuthFailed { chunk: 70 })),
        "{res:?}"
    );
    assert_eq!(got.len(), 70 * 65536);
    assert_eq!(got[..], d[..got.len()]);
    // An input error while reading the chunks.
    let mut r = ReadFailAfter(&c, 7 << 20);
    let h = Header::read_from(&mut r).unwrap();
    let err = container::decrypt(&key, &h, &mut r, &mut Vec::new()).expect_err("input failed");
    assert!(is_test_io(&err, "input gone"), "{err:?}");
}
