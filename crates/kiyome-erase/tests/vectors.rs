//! The test vectors of `docs/container-format.md`: each success vector must encrypt to exactly
//! the bytes in the document and decrypt back; each failure vector must fail with the error
//! the document names.

use kiyome_erase::container::{self, Backend, Header, dangerous};
use kiyome_erase::{DataKey, Error, KeyId};

const DOC: &str = include_str!("../../../docs/container-format.md");

fn key() -> DataKey {
    DataKey::from_bytes(std::array::from_fn(|i| i as u8))
}
fn wrong_key() -> DataKey {
    DataKey::from_bytes(std::array::from_fn(|i| i as u8 + 1))
}
fn key_id() -> KeyId {
    KeyId(std::array::from_fn(|i| 0xa0 + i as u8))
}
fn salt() -> [u8; 32] {
    std::array::from_fn(|i| 0x20 + i as u8)
}
fn plaintext(n: usize) -> Vec<u8> {
    (0..n).map(|i| i as u8).collect()
}

/// Every chunk-cipher implementation this CPU can run: each must meet every vector.
fn backends() -> Vec<Backend> {
    let mut v = vec![Backend::Portable];
    v.extend(Backend::accelerated());
    v
}

fn seal(b: Backend, n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    dangerous::encrypt_with_salt_using(
        b,
        &key(),
        key_id(),
        64,
        &salt(),
        &mut &plaintext(n)[..],
        &mut out,
    )
    .unwrap();
    out
}

fn open_with(b: Backend, k: &DataKey, data: &[u8]) -> Result<Vec<u8>, Error> {
    let mut r = data;
    let h = Header::read_from(&mut r)?;
    let mut out = Vec::new();
    container::decrypt_using(b, k, &h, &mut r, &mut out)?;
    Ok(out)
}

/// The hex value of `field:` inside the block that follows `### Vector <name>` in the doc.
fn doc_field(name: &str, field: &str) -> String {
    let start = DOC
        .find(&format!("### Vector {name}\n"))
        .unwrap_or_else(|| panic!("vector {name} missing from the doc"));
    let rest = &DOC[start..];
    let line = rest
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{field}: ")))
        .unwrap_or_else(|| panic!("field {field} of {name} missing"));
    line.trim().to_string()
}

/// A failure vector: name, bytes, expected error.
type Case = (&'static str, Vec<u8>, fn(&Error) -> bool);

const CHUNK: usize = 64 + 16;
const H: usize = container::HEADER_LEN;

#[test]
fn success_vectors_match_the_document_byte_for_byte() {
    for b in backends() {
        for (name, n) in [
            ("empty", 0usize),
            ("three-chunks", 150),
            ("two-full-chunks", 128),
        ] {
            let c = seal(b, n);
            assert_eq!(
                hex::encode(&c),
                doc_field(name, "container"),
                "vector {name} ({})",
                b.name()
            );
            for o in backends() {
                assert_eq!(
                    open_with(o, &key(), &c).unwrap(),
                    plaintext(n),
                    "vector {name} decrypts ({})",
                    o.name()
                );
            }
        }
    }
}

/// The failure vectors of the document except wrong-key (which needs another key), built in
/// Rust from their descriptions.
fn failure_cases() -> Vec<Case> {
    let v = seal(Backend::Portable, 150); // chunks of 64, 64, 22 bytes
    let full = seal(Backend::Portable, 128);
    vec![
        ("truncated-header", v[..50].to_vec(), |e| {
            matches!(e, Error::Truncated { chunk: 0 })
        }),
        ("final-chunk-dropped", v[..H + 2 * CHUNK].to_vec(), |e| {
            matches!(e, Error::Truncated { chunk: 2 })
        }),
        ("no-chunk", v[..H].to_vec(), |e| {
            matches!(e, Error::Truncated { chunk: 0 })
        }),
        ("cut-inside-final-chunk", v[..v.len() - 5].to_vec(), |e| {
            matches!(e, Error::ChunkAuthFailed { chunk: 2 })
        }),
        (
            "chunks-reordered",
            {
                let mut x = v[..H].to_vec();
                x.extend_from_slice(&v[H + CHUNK..H + 2 * CHUNK]);
                x.extend_from_slice(&v[H..H + CHUNK]);
                x.extend_from_slice(&v[H + 2 * CHUNK..]);
                x
            },
            |e| matches!(e, Error::ChunkAuthFailed { chunk: 0 }),
        ),
        (
            "middle-chunk-dropped",
            {
                let mut x = v[..H + CHUNK].to_vec();
                x.extend_from_slice(&v[H + 2 * CHUNK..]);
                x
            },
            |e| matches!(e, Error::ChunkAuthFailed { chunk: 1 }),
        ),
        (
            "ciphertext-bit-flipped",
            {
                let mut x = v.clone();
                x[H + CHUNK + 3] ^= 1;
                x
            },
            |e| matches!(e, Error::ChunkAuthFailed { chunk: 1 }),
        ),
        (
            "header-changed",
            {
                let mut x = v.clone();
                x[14] = 0x00;
                x[15] = 0x80; // chunk size 64 -> 128
                x
            },
            |e| matches!(e, Error::HeaderChanged),
        ),
        (
            "trailing-data",
            {
                let mut x = full.clone();
                x.extend_from_slice(b"extra");
                x
            },
            |e| matches!(e, Error::TrailingData),
        ),
        (
            "bad-magic",
            {
                let mut x = v.clone();
                x[1] = b'k';
                x
            },
            |e| matches!(e, Error::BadMagic),
        ),
        (
            "unsupported-version",
            {
                let mut x = v.clone();
                x[8] = 2;
                x
            },
            |e| matches!(e, Error::UnsupportedVersion(2)),
        ),
        (
            "chunk-size-out-of-range",
            {
                let mut x = v.clone();
                x[12..16].copy_from_slice(&32u32.to_be_bytes());
                x
            },
            |e| matches!(e, Error::MalformedHeader(_)),
        ),
    ]
}

#[test]
fn failure_vectors_fail_with_the_named_error() {
    let v = seal(Backend::Portable, 150);
    for b in backends() {
        for (name, data, expect) in failure_cases() {
            let err = open_with(b, &key(), &data).expect_err(name);
            assert!(expect(&err), "vector {name} ({}): got {err:?}", b.name());
            let named = doc_field(name, "error");
            assert_eq!(
                format!("{err:?}"),
                named,
                "the doc names another error for {name}"
            );
        }
        let err = open_with(b, &wrong_key(), &v).expect_err("wrong key");
        assert!(matches!(err, Error::WrongKey), "wrong-key: {err:?}");
    }
    assert_eq!(doc_field("wrong-key", "error"), "WrongKey");
}

#[test]
fn error_messages_are_the_documented_ones() {
    // The user-facing text is part of the interface (operators search for it).
    assert_eq!(
        Error::WrongKey.to_string(),
        "wrong key: the key does not match this container"
    );
    assert_eq!(
        Error::TrailingData.to_string(),
        "trailing data after the final chunk"
    );
    assert_eq!(
        Error::Truncated { chunk: 2 }.to_string(),
        "truncated: the container ends after chunk 2 without a final chunk"
    );
}

/// Prints the vectors (run with `--ignored --nocapture` after a deliberate format change).
#[test]
#[ignore]
fn print_vectors() {
    for n in [0usize, 150, 128] {
        println!("{n}: {}", hex::encode(seal(Backend::Portable, n)));
    }
}

/// The names of the failure vectors in the document, in order.
fn doc_failure_names() -> Vec<String> {
    let section = &DOC[DOC.find("### Failure vectors").expect("failure section")..];
    section
        .lines()
        .filter_map(|l| l.strip_prefix("### Vector "))
        .map(str::to_string)
        .collect()
}

/// A Python with the `cryptography` package: `$KIYOME_VENV/bin/python`, then `python3`.
fn python() -> Option<std::path::PathBuf> {
    let mut c = Vec::new();
    if let Some(v) = std::env::var_os("KIYOME_VENV") {
        c.push(std::path::PathBuf::from(v).join("bin/python"));
    }
    c.push(concat!(env!("CARGO_MANIFEST_DIR"), "/../../.venv/bin/python").into());
    c.push("python3".into());
    c.into_iter().find(|p| {
        std::process::Command::new(p)
            .args(["-c", "import cryptography"])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// Second opinion: the independent Python implementation of the spec
/// (`scripts/container-vectors.py`, Python `cryptography`) produces the same success vectors
/// byte for byte and opens them; builds the same failure vectors from their descriptions; and
/// its reader, written from the "Reading" section, refuses every one with the error the
/// document names.
#[test]
fn independent_python_implementation_agrees() {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../scripts/container-vectors.py"
    );
    let Some(py) = python() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "python3 with the cryptography module is required under CI"
        );
        eprintln!("NOTICE: python3-cryptography unavailable, peer check skipped");
        return;
    };
    let out = std::process::Command::new(py).arg(script).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let field = |prefix: &str| -> String {
        text.lines()
            .find_map(|l| l.strip_prefix(prefix))
            .unwrap_or_else(|| panic!("{prefix:?} missing from the Python output"))
            .to_string()
    };
    for (name, n) in [
        ("empty", 0usize),
        ("three-chunks", 150),
        ("two-full-chunks", 128),
    ] {
        assert_eq!(
            field(&format!("{name}: ")),
            hex::encode(seal(Backend::Portable, n)),
            "vector {name}: Python and Rust differ"
        );
        assert_eq!(
            field(&format!("open {name}: ")),
            "ok",
            "Python opens {name}"
        );
    }
    let rust: std::collections::BTreeMap<&str, Vec<u8>> = failure_cases()
        .into_iter()
        .map(|(n, d, _)| (n, d))
        .chain([("wrong-key", seal(Backend::Portable, 150))])
        .collect();
    let names = doc_failure_names();
    assert_eq!(names.len(), rust.len(), "every failure vector is checked");
    for name in &names {
        assert_eq!(
            field(&format!("fail {name}: ")),
            hex::encode(&rust[name.as_str()]),
            "failure vector {name}: Python and Rust build different bytes"
        );
        assert_eq!(
            field(&format!("error {name}: ")),
            doc_field(name, "error"),
            "failure vector {name}: the Python reader names another error than the document"
        );
    }
}
