//! Certificates through the binary (issue 9): automatic certification of a crypto-erase,
//! certification afterwards from the stored evidence, the human forms (`cert show`,
//! `cert render --pdf` read back with pdftotext), the register (`cert list`, `overdue`,
//! `export --csv`), `ledger verify` on a tampered ledger, and signing-key rotation.

use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

struct Env {
    _tmp: tempfile::TempDir,
    d: PathBuf,
}

impl Env {
    fn new() -> Env {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path().to_path_buf();
        Env { _tmp: tmp, d }
    }
    fn p(&self, name: &str) -> String {
        self.d.join(name).display().to_string()
    }
    /// Runs kiyome with `KIYOME_STORE` = `store` (relative to the test dir).
    fn run(&self, store: &str, args: &[&str], stdin: Option<&[u8]>) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_kiyome"));
        c.args(args)
            .current_dir(&self.d)
            .env("KIYOME_STORE", self.d.join(store))
            .env_remove("KIYOME_PKCS11_PIN")
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().expect("spawn kiyome");
        if let Some(data) = stdin {
            let mut si = child.stdin.take().unwrap();
            let data = data.to_vec();
            std::thread::spawn(move || si.write_all(&data).unwrap());
        }
        child.wait_with_output().unwrap()
    }
    fn ok(&self, store: &str, args: &[&str]) -> String {
        let o = self.run(store, args, None);
        assert!(
            o.status.success(),
            "kiyome {args:?} failed: {}\n{}{}",
            o.status,
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }
    fn code(&self, store: &str, args: &[&str]) -> (Option<i32>, String, String) {
        let o = self.run(store, args, None);
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    }

    /// A store with officers alice and bob and no waiting period.
    fn store(&self, store: &str) {
        self.ok(store, &["keys", "init", "--erase-wait", "0"]);
        for o in ["alice", "bob"] {
            let kf = self.p(&format!("{store}.{o}.key"));
            self.ok(store, &["keys", "officer", "add", o, "--key-file", &kf]);
        }
    }
    fn key(&self, store: &str, label: &str) {
        self.ok(
            store,
            &[
                "keys",
                "create",
                label,
                "--series",
                "介護認定",
                "--owner",
                "福祉課",
                "--class",
                "2",
                "--retention-end",
                "2025-03-31",
            ],
        );
    }
    /// request by alice, approve by bob.
    fn request_approve(&self, store: &str, label: &str) {
        let alice = self.p(&format!("{store}.alice.key"));
        let bob = self.p(&format!("{store}.bob.key"));
        self.ok(store, &["erase", "request", label, "--officer-key", &alice]);
        let (code, _, err) =
            self.code(store, &["erase", "approve", label, "--officer-key", &alice]);
        assert_eq!(code, Some(2), "the requester cannot approve: {err}");
        assert!(err.contains("dual control"), "{err}");
        self.ok(store, &["erase", "approve", label, "--officer-key", &bob]);
    }
    fn profile(&self) -> String {
        let p = self.p("profile.json");
        std::fs::write(
            &p,
            r#"{"issuer": {"organisation": "○○市", "department": "総務部情報政策課"},
 "performer": {"name": "山田 太郎", "title": "主任", "organisation": "○○市 情報政策課"},
 "validator": {"name": "佐藤 花子", "title": "係長", "organisation": "○○市 情報政策課"}}"#,
        )
        .unwrap();
        p
    }
}

fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

fn sha256_file(p: &Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(p).unwrap()))
}

/// The certificate id in a line `issued KYC-… (…)`.
fn issued_id(stdout: &str) -> String {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("issued "))
        .and_then(|l| l.split(' ').next())
        .unwrap_or_else(|| panic!("no certificate issued: {stdout}"))
        .to_string()
}

#[test]
fn crypto_erase_is_certified_automatically_end_to_end() {
    let e = Env::new();
    e.store("keys.db");
    e.ok(
        "keys.db",
        &["cert", "key", "generate", "--keys", &e.p("cert-keys")],
    );
    // Recorded once; the ledger and certificate directory default to beside the store.
    let profile = e.profile();
    e.ok("keys.db", &["erase", "init", "--profile", &profile]);
    let cfg = json(&e.ok("keys.db", &["erase", "config"]));
    assert_eq!(cfg["ledger"], e.p("ledger"));
    assert_eq!(cfg["cert_dir"], e.p("certificates"));

    e.key("keys.db", "R7-介護-001");
    e.key("keys.db", "R7-介護-002");
    std::fs::write(e.d.join("a.txt"), "要介護認定の記録 ".repeat(20_000)).unwrap();
    std::fs::write(e.d.join("b.txt"), "another record").unwrap();
    for (f, k) in [("a", "R7-介護-001"), ("b", "R7-介護-002")] {
        e.ok(
            "keys.db",
            &[
                "encrypt",
                &e.p(&format!("{f}.txt")),
                "--key",
                k,
                "--out",
                &e.p(&format!("{f}.kiy")),
            ],
        );
    }
    e.request_approve("keys.db", "R7-介護-001");
    let out = e.ok("keys.db", &["erase", "execute"]);
    let id = issued_id(&out);
    let cert = e.d.join("certificates").join(format!("{id}.kcert.json"));
    assert!(cert.is_file(), "certificate file written: {out}");

    // The store knows the certificate; nothing is pending.
    let show = json(&e.ok("keys.db", &["keys", "show", "R7-介護-001", "--json"]));
    assert_eq!(show["key"]["state"], "erased");
    assert_eq!(show["key"]["certificate_id"], id.as_str());
    let erased_at = show["key"]["erased_at"].as_str().unwrap().to_string();
    assert_eq!(e.code("keys.db", &["cert", "pending"]).0, Some(0));

    // Verifiable offline with the public keys, and against the ledger.
    let jwks = e.p("org.jwks");
    e.ok(
        "keys.db",
        &[
            "cert",
            "key",
            "export-public",
            "--keys",
            &e.p("cert-keys"),
            "--out",
            &jwks,
        ],
    );
    let v = json(&e.ok(
        "keys.db",
        &[
            "cert",
            "verify",
            cert.to_str().unwrap(),
            "--keys",
            &jwks,
            "--ledger",
            &e.p("ledger"),
            "--json",
        ],
    ));
    assert_eq!(v["verified"], true);
    assert_eq!(v["certificate_id"], id.as_str());
    assert_eq!(v["record_kind"], "crypto_erase");
    let lv = e.ok(
        "keys.db",
        &["ledger", "verify", &e.p("ledger"), "--keys", &jwks],
    );
    assert!(lv.contains("ledger verified"), "{lv}");

    // What the certificate says about the key and its container.
    let c = json(&e.ok(
        "keys.db",
        &[
            "cert",
            "show",
            cert.to_str().unwrap(),
            "--keys",
            &jwks,
            "--json",
        ],
    ));
    let k = &c["crypto_erase"];
    assert_eq!(k["key_id"], show["key"]["key_id"]);
    assert_eq!(k["key_label"], "R7-介護-001");
    assert_eq!(k["requester"], "alice");
    assert_eq!(k["approver"], "bob");
    assert!(k["root_custody"].as_str().unwrap().starts_with("file:"));
    let containers = k["containers"].as_array().unwrap();
    assert_eq!(containers.len(), 1);
    let kiy = e.d.join("a.kiy");
    let bytes = std::fs::read(&kiy).unwrap();
    assert_eq!(
        containers[0]["sha256"],
        sha256_file(&kiy).as_str(),
        "the certificate carries the hash of the whole container file"
    );
    assert_eq!(
        containers[0]["id"],
        hex::encode(Sha256::digest(&bytes[..112])).as_str(),
        "the container id is the hash of its header"
    );
    assert_eq!(containers[0]["size"], bytes.len() as u64);

    // The ledger holds the certificate and the key's lifecycle events.
    let entries = std::fs::read_to_string(e.d.join("ledger/entries.jsonl")).unwrap();
    let events: Vec<String> = entries
        .lines()
        .map(json)
        .filter(|x| x["type"] == "key_event" && x["event"]["key_id"] == show["key"]["key_id"])
        .map(|x| x["event"]["event"].as_str().unwrap().to_string())
        .collect();
    for ev in [
        "key_created",
        "first_use",
        "erase_requested",
        "erase_approved",
        "erase_executed",
        "key_erased",
        "certified",
    ] {
        assert!(
            events.iter().any(|x| x == ev),
            "{ev} missing from {events:?}"
        );
    }

    // Decrypting the erased key's container fails, naming the erasure date and certificate.
    let (code, stdout, err) = e.code(
        "keys.db",
        &["decrypt", kiy.to_str().unwrap(), "--out", &e.p("a.out")],
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(stdout.is_empty());
    assert!(
        err.contains(&format!("crypto-erased at {erased_at}")) && err.contains(&id),
        "{err}"
    );
    assert!(!e.d.join("a.out").exists());
    // The other key is untouched.
    e.ok(
        "keys.db",
        &["decrypt", &e.p("b.kiy"), "--out", &e.p("b.out")],
    );
    assert_eq!(
        std::fs::read_to_string(e.d.join("b.out")).unwrap(),
        "another record"
    );
}

#[test]
fn erasures_without_certification_are_pending_then_certified_from_evidence() {
    let e = Env::new();
    e.store("s.db");
    e.ok("s.db", &["cert", "key", "generate", "--keys", &e.p("ck")]);
    e.key("s.db", "K-1");
    e.ok(
        "s.db",
        &["encrypt", "-", "--key", "K-1", "--out", &e.p("k1.kiy")],
    );
    e.request_approve("s.db", "K-1");
    let o = e.run("s.db", &["erase", "execute"], None);
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("no certificate issued"), "{err}");
    assert!(!String::from_utf8_lossy(&o.stdout).contains("issued "));

    let (code, out, _) = e.code("s.db", &["cert", "pending", "--json"]);
    assert_eq!(code, Some(1), "a pending certification is flagged");
    let pending = json(&out);
    assert_eq!(pending.as_array().unwrap().len(), 1);
    assert_eq!(pending[0]["label"], "K-1");

    // Without settings, the options must be given.
    let (code, _, err) = e.code("s.db", &["cert", "issue", "--from-erasure", "K-1"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("kiyome erase init"), "{err}");
    let profile = e.profile();
    let out = e.ok(
        "s.db",
        &[
            "cert",
            "issue",
            "--from-erasure",
            "K-1",
            "--profile",
            &profile,
            "--keys",
            &e.p("ck"),
            "--ledger",
            &e.p("l"),
            "--cert-dir",
            &e.p("certs"),
        ],
    );
    let id = issued_id(&out);
    let cert = e.d.join("certs").join(format!("{id}.kcert.json"));
    e.ok(
        "s.db",
        &[
            "cert",
            "verify",
            cert.to_str().unwrap(),
            "--keys",
            &e.p("ck"),
            "--ledger",
            &e.p("l"),
        ],
    );
    assert_eq!(e.code("s.db", &["cert", "pending"]).0, Some(0));
    // Certified once only.
    let (code, _, err) = e.code(
        "s.db",
        &[
            "cert",
            "issue",
            "--from-erasure",
            "K-1",
            "--profile",
            &profile,
            "--keys",
            &e.p("ck"),
            "--ledger",
            &e.p("l"),
            "--cert-dir",
            &e.p("certs"),
        ],
    );
    assert_eq!(code, Some(2));
    assert!(err.contains("already certified"), "{err}");
    let (code, _, err) = e.code("s.db", &["decrypt", &e.p("k1.kiy"), "--out", "-"]);
    assert_eq!(code, Some(1));
    assert!(err.contains(&id), "{err}");

    // Once the store is configured, `erase execute` also certifies what is still pending.
    e.ok(
        "s.db",
        &[
            "erase",
            "init",
            "--profile",
            &profile,
            "--cert-keys",
            &e.p("ck"),
            "--ledger",
            &e.p("l"),
            "--cert-dir",
            &e.p("certs"),
        ],
    );
    e.key("s.db", "K-2");
    e.ok(
        "s.db",
        &["encrypt", "-", "--key", "K-2", "--out", &e.p("k2.kiy")],
    );
    e.request_approve("s.db", "K-2");
    let out = e.ok("s.db", &["erase", "execute", "K-2"]);
    let id2 = issued_id(&out);
    assert_ne!(id, id2);
    let lv = e.ok(
        "s.db",
        &["ledger", "verify", &e.p("l"), "--keys", &e.p("ck")],
    );
    assert!(lv.contains("2 certificates"), "{lv}");
}

/// A disposal request from the template with a given serial, contractor due date and class.
fn disposal_request(e: &Env, name: &str, serial: &str, due: &str) -> String {
    let mut t = json(&e.ok("x.db", &["cert", "template"]));
    t["media"]["serial_number"] = serial.into();
    t["contractor"]["certificate_due"] = due.into();
    let p = e.p(name);
    std::fs::write(&p, serde_json::to_vec_pretty(&t).unwrap()).unwrap();
    p
}

fn issue(e: &Env, req: &str, keys: &str, out: &str) -> (String, String) {
    let line = e.ok(
        "x.db",
        &[
            "cert",
            "issue",
            req,
            "--keys",
            keys,
            "--ledger",
            &e.p("ledger"),
            "--out",
            out,
        ],
    );
    let id = issued_id(&line);
    let sha = line
        .split("sha256 ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .unwrap()
        .to_string();
    (id, sha)
}

#[test]
fn show_render_register_and_tampered_ledger() {
    let e = Env::new();
    let keys = e.p("keys");
    e.ok("x.db", &["cert", "key", "generate", "--keys", &keys]);
    let r1 = disposal_request(&e, "r1.json", "SN-AAA-1", "2026-01-31");
    let r2 = disposal_request(&e, "r2.json", "SN-BBB-2", "2099-12-31");
    let (id1, sha1) = issue(&e, &r1, &keys, &e.p("c1.kcert.json"));
    let (id2, _) = issue(&e, &r2, &keys, &e.p("c2.kcert.json"));

    // show: bilingual labels, the certificate hash and the ledger position.
    let show = e.ok(
        "x.db",
        &["cert", "show", &e.p("c1.kcert.json"), "--keys", &keys],
    );
    for s in [
        id1.as_str(),
        sha1.as_str(),
        "証明書ハッシュ / Certificate SHA-256",
        "台帳番号 / Ledger position",
        "SN-AAA-1",
        "令和",
    ] {
        assert!(show.contains(s), "{s} missing from cert show:\n{show}");
    }

    // render --pdf, read back by an independent reader.
    let pdf = e.p("c1.pdf");
    e.ok(
        "x.db",
        &[
            "cert",
            "render",
            &e.p("c1.kcert.json"),
            "--keys",
            &keys,
            "--pdf",
            &pdf,
        ],
    );
    if let Some(pdftotext) = kiyome_core::corpus::peer_tool("pdftotext") {
        let o = Command::new(pdftotext).args([&pdf, "-"]).output().unwrap();
        assert!(o.status.success());
        let text = String::from_utf8_lossy(&o.stdout);
        // The hash may be wrapped over lines by the layout: compare without whitespace.
        let flat: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        assert!(text.contains("令和"), "no 和暦 date in the PDF:\n{text}");
        assert!(
            flat.contains(&sha1),
            "certificate hash missing from the PDF:\n{text}"
        );
        assert!(flat.contains(&id1), "{text}");
    }

    // list with filters.
    let all = json(&e.ok(
        "x.db",
        &["cert", "list", "--ledger", &e.p("ledger"), "--json"],
    ));
    assert_eq!(all.as_array().unwrap().len(), 2);
    let one = json(&e.ok(
        "x.db",
        &[
            "cert",
            "list",
            "--ledger",
            &e.p("ledger"),
            "--serial",
            "BBB",
            "--json",
        ],
    ));
    assert_eq!(one.as_array().unwrap().len(), 1);
    assert_eq!(one[0]["certificate"]["certificate_id"], id2.as_str());
    let none = json(&e.ok(
        "x.db",
        &[
            "cert",
            "list",
            "--ledger",
            &e.p("ledger"),
            "--method",
            "cryptographic_erase",
            "--json",
        ],
    ));
    assert!(none.as_array().unwrap().is_empty());

    // overdue: only the first (due 2026-01-31) as of 2026-06-01; none as of 2026-01-01.
    let (code, out, _) = e.code(
        "x.db",
        &[
            "cert",
            "overdue",
            "--ledger",
            &e.p("ledger"),
            "--as-of",
            "2026-06-01",
        ],
    );
    assert_eq!(code, Some(1), "overdue certificates are flagged");
    assert!(out.contains(&id1) && !out.contains(&id2), "{out}");
    let (code, out, _) = e.code(
        "x.db",
        &[
            "cert",
            "overdue",
            "--ledger",
            &e.p("ledger"),
            "--as-of",
            "2026-01-01",
        ],
    );
    assert_eq!(code, Some(0), "{out}");
    // Receiving the contractor's certificate clears it.
    e.ok(
        "x.db",
        &[
            "cert",
            "receive",
            &id1,
            "--reference",
            "RC-2026-77",
            "--keys",
            &keys,
            "--ledger",
            &e.p("ledger"),
        ],
    );
    let (code, out, _) = e.code(
        "x.db",
        &[
            "cert",
            "overdue",
            "--ledger",
            &e.p("ledger"),
            "--as-of",
            "2026-06-01",
        ],
    );
    assert_eq!(code, Some(0), "{out}");

    // CSV export for Excel: BOM, CRLF, a header and one row per certificate.
    let csv = e.d.join("register.csv");
    e.ok(
        "x.db",
        &[
            "cert",
            "export",
            "--ledger",
            &e.p("ledger"),
            "--csv",
            csv.to_str().unwrap(),
        ],
    );
    let bytes = std::fs::read(&csv).unwrap();
    assert!(bytes.starts_with(b"\xef\xbb\xbf"), "UTF-8 BOM");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(text.ends_with("\r\n"));
    let rows: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(rows.len(), 3, "{text}");
    assert!(
        rows[1].contains(&id1) && rows[1].contains("SN-AAA-1"),
        "{text}"
    );
    assert!(rows[2].contains(&id2), "{text}");
    assert!(
        rows[1].contains("RC-2026-77"),
        "the receipt is in the register: {text}"
    );

    // The intact ledger verifies; one changed byte in an entry does not.
    let lv = e.ok(
        "x.db",
        &["ledger", "verify", &e.p("ledger"), "--keys", &keys],
    );
    assert!(lv.contains("3 entries"), "{lv}");
    let entries = e.d.join("ledger/entries.jsonl");
    let orig = std::fs::read(&entries).unwrap();
    let mut bad = orig.clone();
    let pos = orig
        .windows(8)
        .position(|w| w == b"RC-2026-")
        .expect("receipt entry");
    bad[pos + 3] = b'3';
    std::fs::write(&entries, &bad).unwrap();
    let (code, out, _) = e.code(
        "x.db",
        &["ledger", "verify", &e.p("ledger"), "--keys", &keys],
    );
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("LEDGER VERIFICATION FAILED"), "{out}");
    // A certificate checked against the tampered ledger fails too, and passes without it.
    let (code, _, _) = e.code(
        "x.db",
        &[
            "cert",
            "verify",
            &e.p("c1.kcert.json"),
            "--keys",
            &keys,
            "--ledger",
            &e.p("ledger"),
        ],
    );
    assert_ne!(code, Some(0));
    e.ok(
        "x.db",
        &["cert", "verify", &e.p("c1.kcert.json"), "--keys", &keys],
    );
    // A deleted last entry (truncation) is detected as well.
    let cut = orig.len()
        - 1
        - orig[..orig.len() - 1]
            .iter()
            .rev()
            .position(|b| *b == b'\n')
            .unwrap();
    std::fs::write(&entries, &orig[..cut + 1]).unwrap();
    let (code, out, _) = e.code(
        "x.db",
        &["ledger", "verify", &e.p("ledger"), "--keys", &keys],
    );
    assert_eq!(code, Some(1), "truncation undetected: {out}");
}

#[test]
fn rotated_keys_old_certificates_still_verify_new_ones_name_the_new_key() {
    let e = Env::new();
    let keys = e.p("keys");
    let old_kid = e.ok("x.db", &["cert", "key", "generate", "--keys", &keys]);
    let old_kid = old_kid.trim().to_string();
    let old_jwks = e.p("old.jwks");
    e.ok(
        "x.db",
        &[
            "cert",
            "key",
            "export-public",
            "--keys",
            &keys,
            "--out",
            &old_jwks,
        ],
    );
    let r = disposal_request(&e, "r.json", "SN-ROT-1", "2099-01-01");
    issue(&e, &r, &keys, &e.p("old.kcert.json"));

    let new_kid = e.ok("x.db", &["cert", "key", "rotate", "--keys", &keys]);
    let new_kid = new_kid.trim().to_string();
    assert_ne!(old_kid, new_kid);
    let list = e.ok("x.db", &["cert", "key", "list", "--keys", &keys]);
    assert!(
        list.lines()
            .any(|l| l.starts_with(&old_kid) && l.contains("retired")),
        "{list}"
    );
    let r2 = disposal_request(&e, "r2.json", "SN-ROT-2", "2099-01-01");
    issue(&e, &r2, &keys, &e.p("new.kcert.json"));
    let all_jwks = e.p("all.jwks");
    e.ok(
        "x.db",
        &[
            "cert",
            "key",
            "export-public",
            "--keys",
            &keys,
            "--out",
            &all_jwks,
        ],
    );

    let kid_of = |cert: &str, jwks: &str| -> (Option<i32>, String) {
        let (code, out, err) = e.code(
            "x.db",
            &["cert", "verify", &e.p(cert), "--keys", jwks, "--json"],
        );
        (
            code,
            if code == Some(0) {
                json(&out)["kid"].as_str().unwrap().to_string()
            } else {
                err
            },
        )
    };
    // The old certificate verifies with the old public key alone, and with the full set.
    assert_eq!(
        kid_of("old.kcert.json", &old_jwks),
        (Some(0), old_kid.clone())
    );
    assert_eq!(
        kid_of("old.kcert.json", &all_jwks),
        (Some(0), old_kid.clone())
    );
    // The new one names the new key, and the old key alone cannot verify it.
    assert_eq!(
        kid_of("new.kcert.json", &all_jwks),
        (Some(0), new_kid.clone())
    );
    let (code, _) = kid_of("new.kcert.json", &old_jwks);
    assert_ne!(code, Some(0), "verified with a key that did not sign it");
    // The ledger mixes both keys and verifies with the published set.
    let lv = e.ok(
        "x.db",
        &["ledger", "verify", &e.p("ledger"), "--keys", &all_jwks],
    );
    assert!(lv.contains("2 certificates"), "{lv}");
}
