//! Key material never leaks (issue 8: "never in logs, errors, reports or Debug output").
//!
//! The whole lifecycle runs through the binary — store and certification set-up, key creation,
//! encryption (file and pipe), decryption, failing decryptions, listings, the dual-control
//! erasure with its certificate, `cert show`/`render`, `ledger verify`, decryption of the
//! erased key — and everything it prints or writes is collected.
//!
//! The secrets are obtained *independently of kiyome-erase*, which offers no way to export a
//! key: this test reads the root file and the store's SQLite tables itself and unwraps the
//! hierarchy with its own AES-256-GCM code, following the wrapping format in
//! docs/erasure-model.md. That the recovered data keys are the real ones is proven by
//! decrypting the CLI's containers with them. Then every output is searched for every secret
//! (data keys, key-encryption keys, root keys, officer and certificate signing seeds) as raw
//! bytes, hex (either case, also its first half) and base64 (standard and URL-safe); the wrapped
//! data keys must not appear outside the store either; and the store file itself must hold no
//! unwrapped key.

use aes_gcm::aead::AeadInOut;
use aes_gcm::{Aes256Gcm, KeyInit};
use base64::Engine;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Everything the CLI printed, by command.
struct Run {
    dir: PathBuf,
    store: PathBuf,
    printed: Vec<(String, Vec<u8>)>,
}

impl Run {
    fn p(&self, n: &str) -> String {
        self.dir.join(n).display().to_string()
    }
    /// Runs kiyome, keeps stdout and stderr, returns (exit code, stdout).
    fn run(&mut self, args: &[&str], stdin: Option<&[u8]>) -> (Option<i32>, Vec<u8>) {
        let mut c = Command::new(env!("CARGO_BIN_EXE_kiyome"));
        c.args(args)
            .env("KIYOME_STORE", &self.store)
            .env_remove("KIYOME_PKCS11_PIN")
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().unwrap();
        if let Some(d) = stdin {
            let mut si = child.stdin.take().unwrap();
            let d = d.to_vec();
            std::thread::spawn(move || si.write_all(&d).unwrap());
        }
        let o = child.wait_with_output().unwrap();
        let name = args.join(" ");
        self.printed
            .push((format!("{name} (stdout)"), o.stdout.clone()));
        self.printed.push((format!("{name} (stderr)"), o.stderr));
        (o.status.code(), o.stdout)
    }
    fn ok(&mut self, args: &[&str]) -> Vec<u8> {
        let (code, out) = self.run(args, None);
        assert_eq!(code, Some(0), "kiyome {args:?}");
        out
    }
}

fn gcm_unwrap(kek: &[u8; 32], blob: &[u8], aad: &[u8]) -> [u8; 32] {
    assert_eq!(
        blob.len(),
        60,
        "wrapped key = nonce 12 + ciphertext 32 + tag 16"
    );
    let mut buf: [u8; 32] = blob[12..44].try_into().unwrap();
    let tag: [u8; 16] = blob[44..].try_into().unwrap();
    let nonce: [u8; 12] = blob[..12].try_into().unwrap();
    Aes256Gcm::new(kek.into())
        .decrypt_inout_detached(&nonce.into(), aad, (&mut buf[..]).into(), &tag.into())
        .expect("independent unwrap");
    buf
}

/// The secrets of the store at one moment, recovered from the root file and the database.
#[derive(Default)]
struct Secrets {
    /// label → data key
    data_keys: BTreeMap<String, [u8; 32]>,
    /// label → wrapped data key as stored
    wrapped: BTreeMap<String, Vec<u8>>,
    keks: Vec<[u8; 32]>,
    roots: Vec<[u8; 32]>,
}

fn recover(store: &Path, root_file: &Path) -> Secrets {
    let mut s = Secrets::default();
    let text = std::fs::read_to_string(root_file).unwrap();
    let mut roots = BTreeMap::new();
    for l in text.lines().filter_map(|l| l.strip_prefix("gen ")) {
        let (g, h) = l.split_once(' ').unwrap();
        let k: [u8; 32] = hex::decode(h).unwrap().try_into().unwrap();
        roots.insert(g.parse::<u64>().unwrap(), k);
        s.roots.push(k);
    }
    let db =
        rusqlite::Connection::open_with_flags(store, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let meta = |k: &str| -> String {
        db.query_row("SELECT v FROM meta WHERE k = ?1", [k], |r| r.get(0))
            .unwrap()
    };
    let store_id = hex::decode(meta("store_id")).unwrap();
    let height: u32 = meta("height").parse().unwrap();
    let generation: u64 = meta("root_generation").parse().unwrap();
    let mut rows: Vec<(u32, u64, Vec<u8>)> = db
        .prepare("SELECT level, idx, wrapped FROM kek ORDER BY level DESC, idx")
        .unwrap()
        .query_map([], |r| {
            Ok((r.get(0)?, r.get::<_, i64>(1)? as u64, r.get(2)?))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut keks: BTreeMap<(u32, u64), [u8; 32]> = BTreeMap::new();
    rows.sort_by_key(|r| (std::cmp::Reverse(r.0), r.1));
    for (level, idx, blob) in rows {
        let k = if level == height {
            let mut aad = b"kiyome/top/v1".to_vec();
            aad.extend_from_slice(&store_id);
            aad.extend_from_slice(&generation.to_be_bytes());
            aad.extend_from_slice(&height.to_be_bytes());
            gcm_unwrap(&roots[&generation], &blob, &aad)
        } else {
            let mut aad = b"kiyome/kek/v1".to_vec();
            aad.extend_from_slice(&store_id);
            aad.extend_from_slice(&level.to_be_bytes());
            aad.extend_from_slice(&idx.to_be_bytes());
            gcm_unwrap(&keks[&(level + 1, idx >> 4)], &blob, &aad)
        };
        keks.insert((level, idx), k);
        s.keks.push(k);
    }
    let keys: Vec<(String, String, u64, Option<Vec<u8>>)> = db
        .prepare("SELECT label, key_id, slot, wrapped FROM keys")
        .unwrap()
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)? as u64, r.get(3)?))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for (label, key_id, slot, wrapped) in keys {
        let Some(blob) = wrapped else { continue };
        let mut aad = b"kiyome/dk/v1".to_vec();
        aad.extend_from_slice(&store_id);
        aad.extend_from_slice(key_id.as_bytes());
        aad.extend_from_slice(&slot.to_be_bytes());
        let dk = gcm_unwrap(&keks[&(1, slot >> 4)], &blob, &aad);
        s.data_keys.insert(label.clone(), dk);
        s.wrapped.insert(label, blob);
    }
    s
}

/// The encodings under which a secret could show up.
fn encodings(secret: &[u8]) -> Vec<Vec<u8>> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let b64u = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let hex = hex::encode(secret);
    vec![
        secret.to_vec(),
        hex.clone().into_bytes(),
        hex.to_uppercase().into_bytes(),
        hex.as_bytes()[..hex.len() / 2].to_vec(),
        b64.encode(secret).trim_end_matches('=').as_bytes().to_vec(),
        b64u.encode(secret).into_bytes(),
        // Rust's Debug of a byte array: "[1, 2, 3, …" (first 8 bytes suffice).
        format!("{:?}", &secret[..8])
            .trim_end_matches(']')
            .as_bytes()
            .to_vec(),
    ]
}

/// Whether `needle` occurs in `hay` (the sanity checks; the scan uses an index).
fn find(hay: &[u8], needle: &[u8]) -> bool {
    needle.len() <= hay.len() && hay.windows(needle.len()).any(|w| w == needle)
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn no_key_material_in_any_output_report_or_the_store() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().to_path_buf();
    let mut r = Run {
        store: d.join("keys.db"),
        dir: d.clone(),
        printed: Vec::new(),
    };
    let root_file = d.join("keys.db.root");
    r.ok(&["keys", "init", "--erase-wait", "0"]);
    r.ok(&["cert", "key", "generate", "--keys", &r.p("cert-keys")]);
    std::fs::write(
        d.join("profile.json"),
        r#"{"issuer":{"organisation":"○○市"},
            "performer":{"name":"山田 太郎","title":"主任","organisation":"○○市"},
            "validator":{"name":"佐藤 花子","title":"係長","organisation":"○○市"}}"#,
    )
    .unwrap();
    r.ok(&["erase", "init", "--profile", &r.p("profile.json")]);
    for o in ["alice", "bob"] {
        let kf = r.p(&format!("{o}.key"));
        r.ok(&["keys", "officer", "add", o, "--key-file", &kf]);
    }
    // 18 keys: a tree of height 2 (slots of 16 under each level-1 KEK).
    let fillers: Vec<String> = (3..=18).map(|i| format!("L-{i}")).collect();
    for l in ["L-1", "L-2"]
        .into_iter()
        .chain(fillers.iter().map(String::as_str))
    {
        r.ok(&[
            "keys",
            "create",
            l,
            "--series",
            "s",
            "--owner",
            "o",
            "--class",
            "2",
            "--retention-end",
            "2025-01-01",
            "--json",
        ]);
    }
    let plain: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(d.join("p.bin"), &plain).unwrap();
    r.ok(&[
        "encrypt",
        &r.p("p.bin"),
        "--key",
        "L-1",
        "--out",
        &r.p("one.kiy"),
    ]);
    let (code, two) = r.run(
        &["encrypt", "-", "--key", "L-2", "--out", "-"],
        Some(&plain),
    );
    assert_eq!(code, Some(0));
    r.ok(&["decrypt", &r.p("one.kiy"), "--out", &r.p("one.out")]);
    let (code, back) = r.run(&["decrypt", "-", "--out", "-"], Some(&two));
    assert_eq!((code, back == plain), (Some(0), true));
    // Failing decryptions print errors: tampered, cut, wrong magic.
    let mut bad = two.clone();
    bad[2000] ^= 1;
    assert_eq!(
        r.run(&["decrypt", "-", "--out", "-"], Some(&bad)).0,
        Some(1)
    );
    assert_eq!(
        r.run(&["decrypt", "-", "--out", "-"], Some(&two[..5000])).0,
        Some(1)
    );
    assert_eq!(
        r.run(&["decrypt", "-", "--out", "-"], Some(b"not a container"))
            .0,
        Some(1)
    );
    r.ok(&["keys", "list", "--json"]);
    r.ok(&["keys", "show", "L-1", "--json"]);
    r.ok(&["keys", "officer", "list"]);

    // The secrets while both keys are live; the recovered data keys must open the containers.
    let before = recover(&r.store, &root_file);
    for (label, c) in [
        ("L-1", std::fs::read(d.join("one.kiy")).unwrap()),
        ("L-2", two.clone()),
    ] {
        let key = kiyome_erase::DataKey::from_bytes(before.data_keys[label]);
        let mut rd = &c[..];
        let h = kiyome_erase::container::Header::read_from(&mut rd).unwrap();
        let mut out = Vec::new();
        kiyome_erase::container::decrypt(&key, &h, &mut rd, &mut out)
            .expect("the independently unwrapped key is the real data key");
        assert_eq!(out, plain);
    }
    assert_eq!(before.keks.len(), 3, "top KEK and two level-1 KEKs");
    assert_eq!(before.roots.len(), 1);
    assert_eq!(before.data_keys.len(), 18);

    r.ok(&[
        "erase",
        "request",
        "L-1",
        "--officer-key",
        &r.p("alice.key"),
    ]);
    r.ok(&["erase", "approve", "L-1", "--officer-key", &r.p("bob.key")]);
    let out = r.ok(&["erase", "execute", "--json"]);
    let id = String::from_utf8_lossy(&out)
        .lines()
        .find_map(|l| {
            l.strip_prefix("issued ")
                .map(|s| s.split(' ').next().unwrap().to_string())
        })
        .expect("certificate issued");
    let cert = r.p(&format!("certificates/{id}.kcert.json"));
    r.ok(&["cert", "show", &cert, "--keys", &r.p("cert-keys")]);
    r.ok(&["cert", "show", &cert, "--keys", &r.p("cert-keys"), "--json"]);
    r.ok(&[
        "cert",
        "render",
        &cert,
        "--keys",
        &r.p("cert-keys"),
        "--pdf",
        &r.p("c.pdf"),
    ]);
    r.ok(&[
        "ledger",
        "verify",
        &r.p("ledger"),
        "--keys",
        &r.p("cert-keys"),
        "--json",
    ]);
    r.ok(&[
        "cert",
        "export",
        "--ledger",
        &r.p("ledger"),
        "--csv",
        &r.p("reg.csv"),
    ]);
    r.ok(&["keys", "show", "L-1", "--json"]);
    r.ok(&["erase", "status", "--json"]);
    assert_eq!(
        r.run(&["decrypt", &r.p("one.kiy"), "--out", "-"], None).0,
        Some(1)
    );
    let after = recover(&r.store, &root_file);
    assert!(!after.data_keys.contains_key("L-1"), "erased key gone");
    assert_eq!(after.data_keys["L-2"], before.data_keys["L-2"]);

    // Secret → name, every encoding.
    let mut secrets: Vec<(String, Vec<u8>)> = Vec::new();
    for s in [&before, &after] {
        for (l, k) in &s.data_keys {
            secrets.push((format!("data key {l}"), k.to_vec()));
        }
        for (i, k) in s.keks.iter().enumerate() {
            secrets.push((format!("KEK #{i}"), k.to_vec()));
        }
        for (i, k) in s.roots.iter().enumerate() {
            secrets.push((format!("root #{i}"), k.to_vec()));
        }
    }
    let seed_of = |f: &str| -> Vec<u8> {
        let t = std::fs::read_to_string(d.join(f)).unwrap();
        hex::decode(t.lines().find_map(|l| l.strip_prefix("secret ")).unwrap()).unwrap()
    };
    secrets.push(("officer alice seed".into(), seed_of("alice.key")));
    secrets.push(("officer bob seed".into(), seed_of("bob.key")));
    let mut ring = Vec::new();
    files(&d.join("cert-keys"), &mut ring);
    for f in ring
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "ed25519"))
    {
        secrets.push((
            format!("signing seed {}", f.display()),
            std::fs::read(f).unwrap(),
        ));
    }
    let wrapped: Vec<(String, Vec<u8>)> = before
        .wrapped
        .iter()
        .chain(&after.wrapped)
        .map(|(l, b)| (format!("wrapped data key {l}"), b.clone()))
        .collect();

    // Where to look: everything printed, and every file written, except the files whose job
    // is to hold a secret (root file, officer key files, the signing key ring).
    let mut places: Vec<(String, Vec<u8>)> = r.printed.clone();
    let mut all = Vec::new();
    files(&d, &mut all);
    let mut store_files = Vec::new();
    for f in all {
        let name = f.display().to_string();
        let holds_secret =
            f == root_file || name.ends_with(".key") || f.starts_with(d.join("cert-keys"));
        if holds_secret {
            continue;
        }
        let bytes = std::fs::read(&f).unwrap();
        if f.starts_with(&r.store) || name.starts_with(&format!("{}-", r.store.display())) {
            store_files.push((name, bytes));
        } else {
            places.push((name, bytes));
        }
    }
    assert!(places.iter().any(|(n, _)| n.ends_with(".kcert.json")));
    assert!(places.iter().any(|(n, _)| n.ends_with("entries.jsonl")));
    assert!(places.iter().any(|(n, _)| n.ends_with("c.pdf")));
    assert!(store_files.iter().any(|(n, _)| n.ends_with("keys.db")));

    // One pass over each place, looking every 8-byte window up among the needles' prefixes.
    let scan = |needles: &[(String, Vec<u8>)],
                places: &[(String, Vec<u8>)],
                leaks: &mut Vec<String>| {
        let mut index: std::collections::HashMap<&[u8], Vec<(&str, &[u8])>> = Default::default();
        for (what, secret) in needles {
            for enc in encodings(secret) {
                let enc: &'static [u8] = Box::leak(enc.into_boxed_slice());
                index.entry(&enc[..8]).or_default().push((what, enc));
            }
        }
        for (place, bytes) in places {
            for (i, w) in bytes.windows(8).enumerate() {
                for (what, enc) in index.get(w).into_iter().flatten() {
                    if bytes[i..].starts_with(enc) {
                        leaks.push(format!("{what} in {place}"));
                    }
                }
            }
        }
    };
    // Control: the scan does find a secret planted in an output, in each form.
    for enc in encodings(&before.data_keys["L-2"]) {
        let planted = [(
            "planted".to_string(),
            [b"..".as_slice(), &enc, b".."].concat(),
        )];
        let mut found = Vec::new();
        scan(&secrets, &planted, &mut found);
        assert!(!found.is_empty(), "the scan misses {enc:?}");
    }
    let mut leaks = Vec::new();
    let all_needles: Vec<(String, Vec<u8>)> = secrets.iter().chain(&wrapped).cloned().collect();
    scan(&all_needles, &places, &mut leaks);
    // The store holds wrapped keys only: no unwrapped secret in it, in any encoding.
    scan(&secrets, &store_files, &mut leaks);
    leaks.sort();
    leaks.dedup();
    assert!(
        leaks.is_empty(),
        "key material leaked:\n{}",
        leaks.join("\n")
    );
    // The scan itself finds what it looks for: the live wrapped keys are in the store ...
    assert!(
        after
            .wrapped
            .values()
            .all(|b| store_files.iter().any(|(_, s)| find(s, b))),
        "the scan cannot even find the wrapped keys in the store"
    );
    // ... and the erased key's wrapped copy is not (secure_delete overwrote it).
    assert!(
        !store_files
            .iter()
            .any(|(_, s)| find(s, &before.wrapped["L-1"])),
        "the erased key's wrapped copy is still in the store file"
    );
    eprintln!(
        "scanned {} outputs and {} store file(s) for {} secrets and {} wrapped keys: no leak",
        places.len(),
        store_files.len(),
        secrets.len(),
        wrapped.len()
    );
}
