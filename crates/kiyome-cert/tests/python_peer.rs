//! Independent verification: a Python verifier written from docs/certificate-format.md alone
//! (`cryptography` for Ed25519) checks the test vector, certificate files with their
//! inclusion proofs, and a whole ledger; and rejects a tampered one. Skips with a notice when
//! Python or `cryptography` is missing, except under CI=true.

mod common;

use kiyome_cert::bundle::Bundle;
use kiyome_cert::issue;
use kiyome_cert::ledger::{Entry, Ledger};
use std::path::PathBuf;
use std::process::Command;

fn python() -> Option<PathBuf> {
    // The venv of scripts/install-deps.sh ($KIYOME_VENV or <repo>/.venv), then PATH.
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut candidates = Vec::new();
    if let Some(v) = std::env::var_os("KIYOME_VENV") {
        candidates.push(PathBuf::from(v).join("bin/python"));
    }
    candidates.push(repo.join(".venv/bin/python"));
    candidates.push(PathBuf::from("/work/venv/bin/python"));
    candidates.push(PathBuf::from("python3"));
    for p in candidates {
        let ok = Command::new(&p)
            .args(["-c", "import cryptography"])
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            return Some(p);
        }
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "python3 with the `cryptography` package is required under CI (pip install cryptography)"
        );
    }
    eprintln!("NOTICE: skipping the Python peer check: python3 with `cryptography` not found");
    None
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/verify_cert.py")
}

#[test]
fn python_verifier_accepts_vector_bundles_and_ledger_and_rejects_tampering() {
    let Some(py) = python() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let key = common::fixed_key();
    let jwks = tmp.path().join("org.jwks");
    std::fs::write(
        &jwks,
        serde_json::to_vec(&serde_json::json!({"keys": [key.jwk()]})).unwrap(),
    )
    .unwrap();
    let dir = tmp.path().join("ledger");
    let mut l = Ledger::create(&dir).unwrap();
    let mut args: Vec<String> = vec![
        "--jws".into(),
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/vectors/certificate.jws")
            .display()
            .to_string(),
    ];
    for i in 0..5 {
        let mut c = if i % 2 == 0 {
            common::disposal()
        } else {
            common::crypto_erase()
        };
        c.certificate_id = format!("KYC-TEST-{i}");
        let signed = issue::sign(issue::validate(c).unwrap().validated(), &key).unwrap();
        let jws = signed.jws.clone();
        let a = l
            .append(
                |seq| Entry::Certificate { seq, jws },
                &key,
                common::ts("2026-11-22T00:00:00Z"),
            )
            .unwrap();
        let p = tmp.path().join(format!("c{i}.kcert.json"));
        std::fs::write(&p, Bundle::new(&signed, l.log_id(), &a).to_bytes().unwrap()).unwrap();
        args.extend(["--bundle".into(), p.display().to_string()]);
    }
    args.extend(["--ledger".into(), dir.display().to_string()]);
    let out = Command::new(&py)
        .arg(script())
        .arg(&jwks)
        .args(&args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "python verifier failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.matches("OK bundle").count(), 5, "{stdout}");
    assert!(stdout.contains("OK ledger 5 entries"), "{stdout}");

    // The same verifier must refuse an altered certificate file (one byte of the payload).
    let p = tmp.path().join("c1.kcert.json");
    let mut b = std::fs::read(&p).unwrap();
    let pos = b.windows(4).position(|w| w == b"\"jws").unwrap() + 200;
    b[pos] = if b[pos] == b'A' { b'B' } else { b'A' };
    std::fs::write(&p, b).unwrap();
    let out = Command::new(&py)
        .arg(script())
        .arg(&jwks)
        .args(["--bundle", &p.display().to_string()])
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "python verifier accepted a tampered certificate"
    );
}
