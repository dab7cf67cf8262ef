//! `kiyome keys|encrypt|decrypt|erase` end to end through the binary: pipes, exit codes,
//! the erased-key message, tampering, and a store copy after an erasure.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn kiyome(store: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kiyome"));
    c.args(args)
        .env("KIYOME_STORE", store)
        .env_remove("KIYOME_PKCS11_PIN");
    c.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    c.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = c.spawn().expect("spawn kiyome");
    if let Some(data) = stdin {
        let mut si = child.stdin.take().unwrap();
        let data = data.to_vec();
        std::thread::spawn(move || si.write_all(&data).unwrap());
    }
    child.wait_with_output().unwrap()
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "failed: {}\n{}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn encrypt_decrypt_erase_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let store = d.join("keys.db");
    let s = store.as_path();
    ok(&kiyome(s, &["keys", "init", "--erase-wait", "0"], None));
    assert!(
        d.join("keys.db.root").is_file(),
        "default root file next to the store"
    );
    for l in ["A-1", "A-2"] {
        ok(&kiyome(
            s,
            &[
                "keys",
                "create",
                l,
                "--series",
                "介護",
                "--owner",
                "福祉課",
                "--class",
                "2",
                "--retention-end",
                "2025-03-31",
            ],
            None,
        ));
    }
    let alice = d.join("alice.key");
    let bob = d.join("bob.key");
    ok(&kiyome(
        s,
        &[
            "keys",
            "officer",
            "add",
            "alice",
            "--key-file",
            alice.to_str().unwrap(),
        ],
        None,
    ));
    ok(&kiyome(
        s,
        &[
            "keys",
            "officer",
            "add",
            "bob",
            "--key-file",
            bob.to_str().unwrap(),
        ],
        None,
    ));

    // stdin -> stdout, 200 KiB: several 64 KiB chunks.
    let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let c1 = kiyome(
        s,
        &["encrypt", "-", "--key", "A-1", "--out", "-"],
        Some(&data),
    );
    let c1 = {
        assert!(c1.status.success());
        c1.stdout
    };
    assert_eq!(&c1[..4], b"\x89KYM");
    let p = kiyome(s, &["decrypt", "-", "--out", "-"], Some(&c1));
    assert!(p.status.success());
    assert_eq!(p.stdout, data);

    // file -> file
    std::fs::write(d.join("b.txt"), "record two").unwrap();
    ok(&kiyome(
        s,
        &[
            "encrypt",
            d.join("b.txt").to_str().unwrap(),
            "--key",
            "A-2",
            "--out",
            d.join("b.kiy").to_str().unwrap(),
        ],
        None,
    ));
    ok(&kiyome(
        s,
        &[
            "decrypt",
            d.join("b.kiy").to_str().unwrap(),
            "--out",
            d.join("b.out").to_str().unwrap(),
        ],
        None,
    ));
    assert_eq!(
        std::fs::read_to_string(d.join("b.out")).unwrap(),
        "record two"
    );

    // A tampered container: exit 1, no output file left behind.
    let mut bad = c1.clone();
    let n = bad.len();
    bad[n - 100] ^= 0x40;
    std::fs::write(d.join("bad.kiy"), &bad).unwrap();
    let o = kiyome(
        s,
        &[
            "decrypt",
            d.join("bad.kiy").to_str().unwrap(),
            "--out",
            d.join("bad.out").to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("failed authentication"));
    assert!(
        !d.join("bad.out").exists(),
        "no partial plaintext left on failure"
    );

    let due = ok(&kiyome(
        s,
        &["keys", "due", "--date", "2026-01-01", "--json"],
        None,
    ));
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&due)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let copy = d.join("copy.db");
    std::fs::copy(s, &copy).unwrap();
    ok(&kiyome(
        s,
        &[
            "erase",
            "request",
            "A-1",
            "--officer-key",
            alice.to_str().unwrap(),
        ],
        None,
    ));
    let o = kiyome(
        s,
        &[
            "erase",
            "approve",
            "A-1",
            "--officer-key",
            alice.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("dual control"));
    ok(&kiyome(
        s,
        &[
            "erase",
            "approve",
            "A-1",
            "--officer-key",
            bob.to_str().unwrap(),
        ],
        None,
    ));
    let ev = ok(&kiyome(s, &["erase", "execute", "--json"], None));
    let ev: serde_json::Value = serde_json::from_str(&ev).unwrap();
    assert_eq!(ev[0]["label"], "A-1");
    assert_eq!(ev[0]["verified_unrecoverable"], true);
    assert!(ev[0]["root_custody"].as_str().unwrap().starts_with("file:"));

    // The erased key's container: exit 1 and a message naming the erasure.
    let o = kiyome(s, &["decrypt", "-", "--out", "-"], Some(&c1));
    assert_eq!(o.status.code(), Some(1));
    let msg = String::from_utf8_lossy(&o.stderr);
    assert!(
        msg.contains("A-1") && msg.contains("crypto-erased at 20"),
        "{msg}"
    );
    assert!(o.stdout.is_empty());
    // The other key still works.
    ok(&kiyome(
        s,
        &[
            "decrypt",
            d.join("b.kiy").to_str().unwrap(),
            "--out",
            d.join("b2.out").to_str().unwrap(),
        ],
        None,
    ));
    // The pre-erasure copy is useless with the current root.
    let o = kiyome(&copy, &["decrypt", "-", "--out", "-"], Some(&c1));
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("root generation 1 is missing"));
    let show = ok(&kiyome(s, &["keys", "show", "A-1", "--json"], None));
    let show: serde_json::Value = serde_json::from_str(&show).unwrap();
    assert_eq!(show["key"]["state"], "erased");
    assert_eq!(show["evidence"]["key_ever_exported"], false);
}
