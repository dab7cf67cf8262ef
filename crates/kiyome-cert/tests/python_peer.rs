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

fn run_py(py: &PathBuf, jwks: &std::path::Path, args: &[String]) -> (bool, String) {
    let out = Command::new(py)
        .arg(script())
        .arg(jwks)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

/// The Python verifier checks kiyome's RFC 9162 consistency proofs between every pair of
/// signed tree heads of a ledger, refuses altered proofs, swapped or foreign heads, and a
/// ledger whose head timestamps go back.
#[test]
fn python_verifier_checks_consistency_proofs_and_head_timestamps() {
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
    let n = 11u64;
    for i in 0..n {
        let mut c = common::disposal();
        c.certificate_id = format!("KYC-CONS-{i}");
        let signed = issue::sign(issue::validate(c).unwrap().validated(), &key).unwrap();
        let jws = signed.jws.clone();
        // Strictly later heads: one minute apart.
        let t = common::ts(&format!("2026-11-22T00:{:02}:00Z", i));
        l.append(|seq| Entry::Certificate { seq, jws }, &key, t)
            .unwrap();
    }
    let heads: Vec<String> = l.heads().iter().map(|h| h.jws.clone()).collect();
    let doc = |old: usize, new: usize, proof: Vec<String>| -> serde_json::Value {
        serde_json::json!({"old_head": heads[old], "new_head": heads[new], "proof": proof})
    };
    let proof_hex = |m: u64, k: u64| -> Vec<String> {
        l.tree()
            .consistency_proof(m, k)
            .unwrap()
            .iter()
            .map(hex::encode)
            .collect()
    };
    // Every pair of heads (head i has tree size i + 1), proofs made by kiyome.
    let mut args = vec!["--ledger".to_string(), dir.display().to_string()];
    let mut pairs = 0;
    for a in 0..heads.len() {
        for b in a..heads.len() {
            let p = tmp.path().join(format!("cons-{a}-{b}.json"));
            let d = doc(a, b, proof_hex(a as u64 + 1, b as u64 + 1));
            std::fs::write(&p, serde_json::to_vec(&d).unwrap()).unwrap();
            args.extend(["--consistency".into(), p.display().to_string()]);
            pairs += 1;
        }
    }
    let (ok, out) = run_py(&py, &jwks, &args);
    assert!(ok, "python verifier failed: {out}");
    assert_eq!(out.matches("OK consistency").count(), pairs, "{out}");
    assert!(out.contains(&format!("OK ledger {n} entries")), "{out}");

    // Refusals: every hash of a proof altered in turn; heads swapped; a proof for other sizes.
    let write = |name: &str, v: &serde_json::Value| -> Vec<String> {
        let p = tmp.path().join(name);
        std::fs::write(&p, serde_json::to_vec(v).unwrap()).unwrap();
        vec!["--consistency".into(), p.display().to_string()]
    };
    let good = proof_hex(5, 11);
    assert!(good.len() > 1);
    for i in 0..good.len() {
        let mut bad = good.clone();
        let mut b = hex::decode(&bad[i]).unwrap();
        b[i % 32] ^= 1;
        bad[i] = hex::encode(b);
        let (ok, out) = run_py(&py, &jwks, &write("bad.json", &doc(4, 10, bad)));
        assert!(!ok, "altered proof hash {i} accepted: {out}");
    }
    let (ok, _) = run_py(
        &py,
        &jwks,
        &write("short.json", &doc(4, 10, good[1..].to_vec())),
    );
    assert!(!ok, "a shortened proof was accepted");
    let (ok, _) = run_py(&py, &jwks, &write("swap.json", &doc(10, 4, good.clone())));
    assert!(!ok, "swapped heads were accepted");
    let (ok, _) = run_py(&py, &jwks, &write("other.json", &doc(5, 10, good.clone())));
    assert!(!ok, "a proof for other tree sizes was accepted");

    // A head signed with an earlier time than the one before it: both verifiers refuse.
    let dir2 = tmp.path().join("backwards");
    let mut l2 = Ledger::create(&dir2).unwrap();
    for (i, t) in ["2026-11-22T10:00:00Z", "2026-11-22T09:00:00Z"]
        .iter()
        .enumerate()
    {
        let mut c = common::disposal();
        c.certificate_id = format!("KYC-BACK-{i}");
        let signed = issue::sign(issue::validate(c).unwrap().validated(), &key).unwrap();
        let jws = signed.jws.clone();
        l2.append(|seq| Entry::Certificate { seq, jws }, &key, common::ts(t))
            .unwrap();
    }
    drop(l2); // release the ledger lock before verifying
    let (ok, out) = run_py(&py, &jwks, &["--ledger".into(), dir2.display().to_string()]);
    assert!(!ok && out.contains("timestamps go back"), "{out}");
    let mut keys = kiyome_cert::jws::PublicKeys::default();
    keys.insert(&key.public()).unwrap();
    assert!(kiyome_cert::ledger::verify(&dir2, &keys, None).is_err());
}
