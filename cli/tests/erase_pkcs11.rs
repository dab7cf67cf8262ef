//! Root custody on a PKCS#11 token (SoftHSM2): erasure destroys the old root on the token, the
//! root is sensitive and never extractable (checked independently with OpenSC's pkcs11-tool),
//! and a store copy is useless afterwards. Skips with a notice when SoftHSM2 is missing, except
//! under CI=true.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";

fn available() -> bool {
    let ok = Path::new(MODULE).exists()
        && Command::new("softhsm2-util")
            .arg("--version")
            .output()
            .is_ok();
    if !ok {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("SoftHSM2 ({MODULE}, softhsm2-util) is required under CI");
        }
        eprintln!("NOTICE: SoftHSM2 not installed; PKCS#11 root custody test skipped");
    }
    ok
}

struct Hsm {
    _dir: tempfile::TempDir,
    conf: PathBuf,
    base: PathBuf,
}

impl Hsm {
    fn new() -> Hsm {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().to_path_buf();
        std::fs::create_dir(base.join("tokens")).unwrap();
        let conf = base.join("softhsm2.conf");
        std::fs::write(
            &conf,
            format!(
                "directories.tokendir = {}/tokens\nobjectstore.backend = file\nlog.level = ERROR\n",
                base.display()
            ),
        )
        .unwrap();
        let o = Command::new("softhsm2-util")
            .args([
                "--init-token",
                "--free",
                "--label",
                "kiyome-test",
                "--pin",
                "1234",
                "--so-pin",
                "5678",
            ])
            .env("SOFTHSM2_CONF", &conf)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        Hsm {
            _dir: dir,
            conf,
            base,
        }
    }

    fn kiyome(&self, store: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_kiyome"));
        c.args(args)
            .env("KIYOME_STORE", store)
            .env("KIYOME_PKCS11_PIN", "1234")
            .env("SOFTHSM2_CONF", &self.conf)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().unwrap();
        if let Some(d) = stdin {
            child.stdin.take().unwrap().write_all(d).unwrap();
        }
        child.wait_with_output().unwrap()
    }

    /// Independent view of the token: OpenSC's pkcs11-tool.
    fn list_objects(&self) -> Option<String> {
        let o = Command::new("pkcs11-tool")
            .args([
                "--module",
                MODULE,
                "--token-label",
                "kiyome-test",
                "--login",
                "--pin",
                "1234",
                "--list-objects",
            ])
            .env("SOFTHSM2_CONF", &self.conf)
            .output()
            .ok()?;
        Some(String::from_utf8_lossy(&o.stdout).into_owned())
    }
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "{}\n{}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn pkcs11_root_is_rotated_and_destroyed_on_the_token() {
    if !available() {
        return;
    }
    let h = Hsm::new();
    let s = h.base.join("keys.db");
    ok(&h.kiyome(
        &s,
        &[
            "keys",
            "init",
            "--pkcs11-module",
            MODULE,
            "--token",
            "kiyome-test",
            "--erase-wait",
            "0",
        ],
        None,
    ));
    for l in ["P-1", "P-2"] {
        ok(&h.kiyome(
            &s,
            &[
                "keys",
                "create",
                l,
                "--series",
                "s",
                "--owner",
                "o",
                "--class",
                "1",
                "--retention-end",
                "2025-01-01",
            ],
            None,
        ));
    }
    let (a, b) = (h.base.join("a.key"), h.base.join("b.key"));
    ok(&h.kiyome(
        &s,
        &[
            "keys",
            "officer",
            "add",
            "a",
            "--key-file",
            a.to_str().unwrap(),
        ],
        None,
    ));
    ok(&h.kiyome(
        &s,
        &[
            "keys",
            "officer",
            "add",
            "b",
            "--key-file",
            b.to_str().unwrap(),
        ],
        None,
    ));
    let c1 = h
        .kiyome(
            &s,
            &["encrypt", "-", "--key", "P-1", "--out", "-"],
            Some(b"one"),
        )
        .stdout;
    let c2 = h
        .kiyome(
            &s,
            &["encrypt", "-", "--key", "P-2", "--out", "-"],
            Some(b"two"),
        )
        .stdout;
    let copy = h.base.join("copy.db");
    std::fs::copy(&s, &copy).unwrap();

    if let Some(objs) = h.list_objects() {
        assert_eq!(objs.matches("kiyome-root/").count(), 1, "{objs}");
        assert!(
            objs.contains("never extractable") && objs.contains("sensitive"),
            "{objs}"
        );
        assert!(objs.contains("/1"), "generation 1 on the token: {objs}");
    } else if std::env::var("CI").as_deref() == Ok("true") {
        panic!("pkcs11-tool (opensc) is required under CI");
    }

    ok(&h.kiyome(
        &s,
        &[
            "erase",
            "request",
            "P-1",
            "--officer-key",
            a.to_str().unwrap(),
        ],
        None,
    ));
    ok(&h.kiyome(
        &s,
        &[
            "erase",
            "approve",
            "P-1",
            "--officer-key",
            b.to_str().unwrap(),
        ],
        None,
    ));
    let ev: serde_json::Value =
        serde_json::from_str(&ok(&h.kiyome(&s, &["erase", "execute", "--json"], None))).unwrap();
    assert_eq!(ev[0]["root_custody"], "pkcs11:kiyome-test");
    assert_eq!(ev[0]["verified_unrecoverable"], true);
    assert_eq!(
        (
            ev[0]["old_root_generation"].as_u64(),
            ev[0]["new_root_generation"].as_u64()
        ),
        (Some(1), Some(2))
    );

    if let Some(objs) = h.list_objects() {
        assert_eq!(
            objs.matches("kiyome-root/").count(),
            1,
            "old root destroyed on the token: {objs}"
        );
        assert!(objs.contains("/2") && !objs.contains("/1\n"), "{objs}");
    }
    let o = h.kiyome(&s, &["decrypt", "-", "--out", "-"], Some(&c1));
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("crypto-erased"));
    assert_eq!(
        h.kiyome(&s, &["decrypt", "-", "--out", "-"], Some(&c2))
            .stdout,
        b"two"
    );
    // The copy refers to generation 1, which the token no longer has.
    let o = h.kiyome(&copy, &["decrypt", "-", "--out", "-"], Some(&c2));
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("root generation 1 is missing"));
}
