//! Crash safety of erasure with the root on a PKCS#11 token (SoftHSM2): the kill loop of
//! `erase_crash_harness`, where the old root is destroyed by the token (`C_DestroyObject`).
//! Roots in custody are counted from the token's object files, without kiyome. Skips with a
//! notice when SoftHSM2 is missing, except under CI=true.
//!
//! Iterations: `KIYOME_CRASH_ITERS_PKCS11` (default 200).
//!
//! **Ignored by default, because SoftHSM2 itself is not crash-safe.** Run it with
//! `cargo test -p kiyome --test erase_crash_pkcs11 -- --ignored`. Measured on Debian's
//! softhsm2 (file object store; the `db` store is not built in): within a few dozen kills, a
//! process killed while SoftHSM2 rewrites its `token.object` leaves that file empty, and the
//! token — every root on it, so every key of the store — is gone (`pkcs11-tool`: "No slot with
//! token named … found"); killed object creations also leave empty `<uuid>.object` files that
//! the token ignores. The failure is SoftHSM2's, before kiyome's ordering is even tested; a
//! production token (a real HSM) must be transactional. kiyome's own crash ordering is tested
//! by `erase_crash.rs` with the root file, and the PKCS#11 erasure path by `erase_pkcs11.rs`.

#[path = "erase_crash_harness/mod.rs"]
mod harness;

use kiyome_erase::{CustodyConfig, Store};
use std::path::{Path, PathBuf};
use std::process::Command;

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";

/// Non-empty object files on the token (cheap, polled while kiyome runs). A SoftHSM2 process
/// killed while creating an object can leave an empty or partial `.object` file that the token
/// itself ignores, so this only signals that a new root is being made.
fn token_objects(dir: &Path) -> usize {
    let mut n = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            n += token_objects(&p);
        } else if p.extension().is_some_and(|x| x == "object")
            && p.file_name().is_some_and(|f| f != "token.object")
            && std::fs::metadata(&p).is_ok_and(|m| m.len() > 0)
        {
            n += 1;
        }
    }
    n
}

/// The secret keys the token holds, as OpenSC's pkcs11-tool (not kiyome) lists them.
fn token_keys(conf: &Path) -> (usize, String) {
    let o = Command::new("pkcs11-tool")
        .args([
            "--module",
            MODULE,
            "--token-label",
            "kiyome-crash",
            "--login",
            "--pin",
            "1234",
            "--list-objects",
            "--type",
            "secrkey",
        ])
        .env("SOFTHSM2_CONF", conf)
        .output()
        .expect("pkcs11-tool (Debian opensc) is needed for the PKCS#11 kill loop");
    if !o.status.success() {
        let mut files = Vec::new();
        list(conf.parent().unwrap(), &mut files);
        panic!(
            "pkcs11-tool: {}; files {files:?}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    (out.matches("Secret Key Object").count(), out)
}

fn list(dir: &Path, out: &mut Vec<String>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            list(&p, out);
        } else {
            let len = std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
            out.push(format!(
                "{} ({len} B)",
                p.file_name().unwrap().to_string_lossy()
            ));
        }
    }
}

#[test]
#[ignore = "SoftHSM2's file object store is destroyed by SIGKILL (see the module comment)"]
fn sigkill_during_erasure_with_a_pkcs11_root() {
    let available = Path::new(MODULE).exists()
        && Command::new("softhsm2-util")
            .arg("--version")
            .output()
            .is_ok();
    if !available {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "SoftHSM2 ({MODULE}, softhsm2-util) is required under CI"
        );
        eprintln!("NOTICE: SoftHSM2 not installed; PKCS#11 kill loop skipped");
        return;
    }
    let iters: usize = std::env::var("KIYOME_CRASH_ITERS_PKCS11")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().to_path_buf();
    let tokens = base.join("tokens");
    std::fs::create_dir(&tokens).unwrap();
    let conf = base.join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            tokens.display()
        ),
    )
    .unwrap();
    // This binary holds this one test, and the variable is set before any other thread of
    // it could read the environment; the child processes get it explicitly as well.
    unsafe { std::env::set_var("SOFTHSM2_CONF", &conf) };
    let o = Command::new("softhsm2-util")
        .args([
            "--init-token",
            "--free",
            "--label",
            "kiyome-crash",
            "--pin",
            "1234",
            "--so-pin",
            "5678",
        ])
        .env("SOFTHSM2_CONF", &conf)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let db = base.join("k.db");
    let mut store = Store::create(
        &db,
        CustodyConfig::Pkcs11 {
            module: PathBuf::from(MODULE),
            token: "kiyome-crash".into(),
        },
        0,
        Some("1234"),
    )
    .unwrap();
    assert_eq!(token_objects(&tokens), 1, "one root object on the token");
    assert_eq!(token_keys(&conf).0, 1, "one root key on the token");
    let (a, b) = (base.join("a.key"), base.join("b.key"));
    store.add_officer("a").unwrap().save(&a).unwrap();
    store.add_officer("b").unwrap().save(&b).unwrap();
    let t = tokens.clone();
    let (t2, conf2, conf3) = (tokens.clone(), conf.clone(), conf.clone());
    let custody = harness::Custody {
        open: Box::new(|db| {
            Store::open(db, Some("1234")).unwrap_or_else(|e| panic!("store does not open: {e}"))
        }),
        roots: Box::new(move || token_keys(&conf3).0),
        poll: Box::new(move || token_objects(&t)),
        env: vec![
            ("SOFTHSM2_CONF".into(), conf.display().to_string()),
            ("KIYOME_PKCS11_PIN".into(), "1234".into()),
        ],
        describe: Box::new(move || {
            let mut files = Vec::new();
            list(&t2, &mut files);
            let objs = token_keys(&conf2).1;
            format!("token files {files:?}; pkcs11-tool: {objs}")
        }),
    };
    let summary = harness::kill_loop(
        &db,
        store,
        &custody,
        iters + 60,
        iters,
        iters * 5 / 8,
        iters / 16,
        (a, b),
    );
    eprintln!("{summary}");
}
