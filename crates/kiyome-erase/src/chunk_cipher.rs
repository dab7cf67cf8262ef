//! The chunk cipher of the container: AES-256-GCM from one of two implementations that must
//! produce the same bytes.
//!
//! - **accelerated**: `graviola` (pure Rust with inline assembly, no C toolchain): AES-NI /
//!   VAES with GHASH stitched into the AES rounds. About four times the throughput of the
//!   portable code on the same core. Used where the CPU has what it needs (x86-64: AES,
//!   PCLMULQDQ, BMI1, ADX, AVX, AVX2; aarch64: NEON, AES, PMULL, SHA2), detected at run time.
//! - **portable**: RustCrypto `aes-gcm`, on every CPU. It is also the reference: the test
//!   suite encrypts the same input under both and requires identical containers, and the
//!   published test vectors are checked under both.
//!
//! `KIYOME_AEAD=portable` forces the portable implementation (for a comparison, or where an
//! operator's policy admits only that one). The header tag, key wrapping and everything outside
//! the bulk chunks always use `aes-gcm`.

use crate::error::{Error, Result};
use aes_gcm::aead::AeadInOut;
use aes_gcm::{Aes256Gcm, KeyInit};

/// Which AES-256-GCM implementation seals and opens the chunks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// `graviola`, where the CPU supports it.
    Accelerated,
    /// RustCrypto `aes-gcm`.
    Portable,
}

impl Backend {
    /// The accelerated backend if this CPU can run it.
    pub fn accelerated() -> Option<Backend> {
        cpu_supports_accelerated().then_some(Backend::Accelerated)
    }

    /// The backend used by default: accelerated where available, unless `KIYOME_AEAD=portable`.
    pub fn detect() -> Backend {
        let forced = std::env::var("KIYOME_AEAD").is_ok_and(|v| v.eq_ignore_ascii_case("portable"));
        if forced {
            Backend::Portable
        } else {
            Backend::accelerated().unwrap_or(Backend::Portable)
        }
    }

    /// A short name for reports and benchmarks.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Accelerated => "graviola",
            Backend::Portable => "aes-gcm",
        }
    }
}

#[cfg(target_arch = "x86_64")]
fn cpu_supports_accelerated() -> bool {
    // What graviola checks before it runs (it asserts otherwise); checked here first so that an
    // older CPU falls back instead of aborting.
    std::is_x86_feature_detected!("aes")
        && std::is_x86_feature_detected!("pclmulqdq")
        && std::is_x86_feature_detected!("bmi1")
        && std::is_x86_feature_detected!("adx")
        && std::is_x86_feature_detected!("avx")
        && std::is_x86_feature_detected!("avx2")
}

#[cfg(target_arch = "aarch64")]
fn cpu_supports_accelerated() -> bool {
    std::arch::is_aarch64_feature_detected!("neon")
        && std::arch::is_aarch64_feature_detected!("aes")
        && std::arch::is_aarch64_feature_detected!("pmull")
        && std::arch::is_aarch64_feature_detected!("sha2")
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
fn cpu_supports_accelerated() -> bool {
    false
}

/// An AES-256-GCM key ready for chunks (12-byte nonces, no associated data). Both
/// implementations wipe their expanded keys on drop.
pub(crate) enum ChunkCipher {
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    Accelerated(Box<graviola::aead::AesGcm>),
    Portable(Box<Aes256Gcm>),
}

impl ChunkCipher {
    pub(crate) fn new(key: &[u8; 32], backend: Backend) -> ChunkCipher {
        match backend {
            #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
            Backend::Accelerated if cpu_supports_accelerated() => {
                ChunkCipher::Accelerated(Box::new(graviola::aead::AesGcm::new(key)))
            }
            _ => ChunkCipher::Portable(Box::new(Aes256Gcm::new(key.into()))),
        }
    }

    /// Encrypts `buf` in place and returns its tag.
    pub(crate) fn seal(&self, nonce: &[u8; 12], buf: &mut [u8]) -> Result<[u8; 16]> {
        match self {
            #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
            ChunkCipher::Accelerated(c) => {
                let mut tag = [0u8; 16];
                c.encrypt(nonce, &[], buf, &mut tag);
                Ok(tag)
            }
            ChunkCipher::Portable(c) => c
                .encrypt_inout_detached(nonce.into(), &[], buf.into())
                .map(Into::into)
                .map_err(|_| Error::Integrity("chunk encryption failed".into())),
        }
    }

    /// Authenticates and decrypts `buf` in place. On failure the content of `buf` is
    /// unspecified (the accelerated code wipes it): callers that may retry keep the
    /// ciphertext elsewhere.
    pub(crate) fn open(&self, nonce: &[u8; 12], buf: &mut [u8], tag: &[u8; 16]) -> bool {
        match self {
            #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
            ChunkCipher::Accelerated(c) => c.decrypt(nonce, &[], buf, tag).is_ok(),
            ChunkCipher::Portable(c) => c
                .decrypt_inout_detached(nonce.into(), &[], buf.into(), tag.into())
                .is_ok(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ciphers() -> Vec<ChunkCipher> {
        let key = [0x42u8; 32];
        let mut v = vec![ChunkCipher::new(&key, Backend::Portable)];
        if let Some(b) = Backend::accelerated() {
            v.push(ChunkCipher::new(&key, b));
        }
        v
    }

    #[test]
    fn backends_agree_and_reject_forgeries() {
        let cs = ciphers();
        if cs.len() == 1 {
            eprintln!("NOTE: this CPU has no accelerated AES-GCM; only the portable one is tested");
        }
        // Lengths around the block (16), the 8-block stride (128) and the VAES widths.
        for len in [
            0usize, 1, 15, 16, 17, 127, 128, 129, 255, 256, 511, 1000, 4096, 65536,
        ] {
            let plain: Vec<u8> = (0..len).map(|i| (i * 7 + len) as u8).collect();
            let nonce = [len as u8; 12];
            let mut outs = Vec::new();
            for c in &cs {
                let mut b = plain.clone();
                let tag = c.seal(&nonce, &mut b).unwrap();
                outs.push((b, tag));
            }
            for w in outs.windows(2) {
                assert_eq!(w[0], w[1], "backends differ at length {len}");
            }
            let (ct, tag) = &outs[0];
            for c in &cs {
                let mut b = ct.clone();
                assert!(c.open(&nonce, &mut b, tag));
                assert_eq!(b, plain);
                let mut bad = *tag;
                bad[15] ^= 1;
                let mut b = ct.clone();
                assert!(!c.open(&nonce, &mut b, &bad));
                if len > 0 {
                    let mut b = ct.clone();
                    b[len / 2] ^= 0x80;
                    assert!(!c.open(&nonce, &mut b, tag));
                }
                let mut other = nonce;
                other[11] ^= 1;
                let mut b = ct.clone();
                assert!(!c.open(&other, &mut b, tag));
            }
        }
    }

    #[test]
    fn matches_the_nist_gcm_vector() {
        // Test case 14 of the GCM specification (McGrew & Viega): AES-256, zero key, zero
        // 96-bit IV, one zero block, no AAD.
        for b in [Some(Backend::Portable), Backend::accelerated()]
            .into_iter()
            .flatten()
        {
            let c = ChunkCipher::new(&[0u8; 32], b);
            let mut buf = [0u8; 16];
            let tag = c.seal(&[0u8; 12], &mut buf).unwrap();
            assert_eq!(
                hex::encode(buf),
                "cea7403d4d606b6e074ec5d3baf39d18",
                "{b:?}"
            );
            assert_eq!(
                hex::encode(tag),
                "d0d1c8a799996bf0265b98b5d48ab919",
                "{b:?}"
            );
        }
    }
}
