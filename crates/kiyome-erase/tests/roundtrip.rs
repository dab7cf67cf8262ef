//! Property: decrypt(encrypt(x)) = x for sizes around chunk boundaries and any chunk size.

use kiyome_erase::container::{self, Backend, Header, dangerous};
use kiyome_erase::{DataKey, KeyId};
use proptest::prelude::*;

/// A reader returning at most `step` bytes per call, like a pipe.
struct Trickle<'a>(&'a [u8], usize);
impl std::io::Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.0.len().min(buf.len()).min(self.1);
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]
    #[test]
    fn roundtrip_around_chunk_boundaries(
        chunk in prop_oneof![Just(64u32), Just(100u32), Just(4096u32)],
        chunks in 0usize..4,
        delta in -2i64..=2,
        step in 1usize..5000,
        seed in any::<u8>(),
    ) {
        let n = (chunks as i64 * chunk as i64 + delta).max(0) as usize;
        let data: Vec<u8> = (0..n).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect();
        let key = DataKey::generate().unwrap();
        let id = KeyId::generate().unwrap();
        let mut c = Vec::new();
        let sealed = container::encrypt(&key, id, chunk, &mut Trickle(&data, step), &mut c).unwrap();
        prop_assert_eq!(sealed.plaintext_len, n as u64);
        prop_assert_eq!(sealed.container_len, c.len() as u64);
        // The recorded file hash is the hash of exactly the bytes written (`sha256sum FILE`).
        {
            use sha2::Digest;
            prop_assert_eq!(&sealed.container_sha256, &hex::encode(sha2::Sha256::digest(&c)));
        }
        let chunks_written = if n == 0 { 1 } else { n.div_ceil(chunk as usize) };
        prop_assert_eq!(c.len(), container::HEADER_LEN + n + 16 * chunks_written);
        let mut r = Trickle(&c, step);
        let h = Header::read_from(&mut r).unwrap();
        prop_assert_eq!(h.key_id, id);
        prop_assert_eq!(h.sha256_hex(), sealed.header_sha256);
        let mut out = Vec::new();
        container::decrypt(&key, &h, &mut r, &mut out).unwrap();
        prop_assert_eq!(out, data);
    }

    /// The accelerated and the portable chunk cipher write the same container for the same
    /// salt, and each opens what the other wrote.
    #[test]
    fn backends_write_identical_containers(
        chunk in prop_oneof![Just(64u32), Just(1000u32), Just(65536u32)],
        n in 0usize..300_000,
        seed in any::<u8>(),
    ) {
        let Some(fast) = Backend::accelerated() else {
            eprintln!("NOTE: no accelerated AES-GCM on this CPU; nothing to compare");
            return Ok(());
        };
        let data: Vec<u8> = (0..n).map(|i| (i as u8).wrapping_mul(13).wrapping_add(seed)).collect();
        let key = DataKey::generate().unwrap();
        let id = KeyId::generate().unwrap();
        let salt = [seed; 32];
        let mut a = Vec::new();
        let mut b = Vec::new();
        let sa = dangerous::encrypt_with_salt_using(Backend::Portable, &key, id, chunk, &salt, &mut &data[..], &mut a).unwrap();
        let sb = dangerous::encrypt_with_salt_using(fast, &key, id, chunk, &salt, &mut &data[..], &mut b).unwrap();
        prop_assert!(a == b, "containers differ (n = {}, chunk = {})", n, chunk);
        prop_assert_eq!(sa.container_sha256, sb.container_sha256);
        for (open_with, c) in [(fast, &a), (Backend::Portable, &b)] {
            let mut r = &c[..];
            let h = Header::read_from(&mut r).unwrap();
            let mut out = Vec::new();
            container::decrypt_using(open_with, &key, &h, &mut r, &mut out).unwrap();
            prop_assert!(out == data);
        }
    }

    #[test]
    fn any_single_byte_change_is_detected(pos in 0usize..400, bit in 0u8..8) {
        let key = DataKey::from_bytes([7; 32]);
        let data = [0x55u8; 200];
        let mut c = Vec::new();
        container::encrypt(&key, KeyId([1; 16]), 64, &mut &data[..], &mut c).unwrap();
        let pos = pos % c.len();
        c[pos] ^= 1 << bit;
        let mut r = &c[..];
        let res = Header::read_from(&mut r).and_then(|h| container::decrypt(&key, &h, &mut r, &mut Vec::new()));
        prop_assert!(res.is_err(), "flip at {} undetected", pos);
    }
}
