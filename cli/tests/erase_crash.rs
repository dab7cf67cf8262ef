//! Crash safety of erasure: `kiyome erase execute` is killed with SIGKILL at random moments,
//! hundreds of times, on a store with many keys. After every kill the store is opened (which
//! runs recovery) and the invariants of docs/erasure-model.md (G5) are checked:
//! every non-erased key decrypts its container, every erased key does not, no key is left
//! half-erased, and custody holds exactly the current root generation.
//!
//! Iterations: `KIYOME_CRASH_ITERS` (default 300).

use kiyome_erase::{Class, CustodyConfig, KeySpec, KeyState, Store};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*: deterministic, so a failing run can be replayed with the same seed.
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

fn root_generations(root: &Path) -> usize {
    std::fs::read_to_string(root)
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("gen "))
        .count()
}

fn execute(db: &Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_kiyome"))
        .args(["erase", "execute", "--store", db.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

#[test]
fn sigkill_during_erasure_leaves_the_store_before_or_after() {
    let iters: usize = std::env::var("KIYOME_CRASH_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let n_keys = 400usize;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    let root = dir.path().join("k.root");
    let mut store =
        Store::create(&db, CustodyConfig::File { path: root.clone() }, 0, None).unwrap();
    let specs: Vec<KeySpec> = (0..n_keys)
        .map(|i| KeySpec {
            label: format!("k{i}"),
            record_series: "s".into(),
            owner: "o".into(),
            class: Class::C2,
            retention_end: "2020-01-01".into(),
        })
        .collect();
    store.create_keys_bulk(&specs).unwrap();
    let containers: Vec<Vec<u8>> = (0..n_keys)
        .map(|i| {
            let mut c = Vec::new();
            store
                .encrypt(
                    &format!("k{i}"),
                    &mut format!("payload {i}").as_bytes(),
                    &mut c,
                    64,
                )
                .unwrap();
            c
        })
        .collect();
    let a = store.add_officer("a").unwrap();
    let b = store.add_officer("b").unwrap();
    drop(store);

    // Calibrate: how long does an uninterrupted execute take (process start included)?
    let mut s = Store::open(&db, None).unwrap();
    s.request_erasure("k0", &a, "calibrate").unwrap();
    s.approve_erasure("k0", &b).unwrap();
    drop(s);
    let t = Instant::now();
    assert!(execute(&db).wait().unwrap().success());
    let mut full = t.elapsed();
    let mut durations = vec![full];
    eprintln!("uninterrupted erase execute: {full:?}");

    let mut rng = Rng(0x6b69_796f_6d65);
    let (mut killed, mut finished, mut recovered, mut rolled_back) = (0, 0, 0, 0);
    let mut erased = vec![false; n_keys];
    let mut check_time = Duration::ZERO;
    erased[0] = true;
    for it in 0..iters {
        let mut s = Store::open(&db, None).unwrap();
        // Approve one more live key (requests left over from killed runs stay approved).
        let live: Vec<String> = s
            .list_keys()
            .unwrap()
            .into_iter()
            .filter(|k| k.state == KeyState::Active)
            .map(|k| k.label)
            .collect();
        let pick = &live[(rng.next() % live.len() as u64) as usize];
        s.request_erasure(pick, &a, "crash test").unwrap();
        s.approve_erasure(pick, &b).unwrap();
        let before_gen = s.root_generation().unwrap();
        drop(s);
        let mut was_killed = false;
        if it % 10 == 9 {
            // Every tenth run goes uninterrupted: it must finish (also completing what earlier
            // kills left approved) and its duration re-calibrates the kill window, because the
            // work per run grows with the approvals that killed runs leave behind and because
            // process start-up time varies from machine to machine.
            let t = Instant::now();
            assert!(
                execute(&db).wait().unwrap().success(),
                "iteration {it}: uninterrupted execute failed"
            );
            // The median, not the maximum: one slow outlier (a loaded machine) must not widen
            // the window until most runs finish before the kill.
            durations.push(t.elapsed());
            durations.sort();
            full = durations[durations.len() / 2];
            finished += 1;
        } else {
            let delay = Duration::from_micros(rng.next() % (full.as_micros() as u64 * 11 / 10 + 1));
            let mut child = execute(&db);
            std::thread::sleep(delay);
            match child.try_wait().unwrap() {
                Some(_) => finished += 1,
                None => {
                    child.kill().unwrap(); // SIGKILL
                    killed += 1;
                    was_killed = true;
                }
            }
            let _ = child.wait();
        }

        // Open = recovery; then check every invariant.
        let t_check = Instant::now();
        let mut s = Store::open(&db, None)
            .unwrap_or_else(|e| panic!("iteration {it}: store does not open: {e}"));
        assert_eq!(
            root_generations(&root),
            1,
            "iteration {it}: custody holds exactly the current root"
        );
        let gen_now = s.root_generation().unwrap();
        for (i, c) in containers.iter().enumerate() {
            let k = s.key(&format!("k{i}")).unwrap();
            assert_ne!(
                k.state,
                KeyState::Erasing,
                "iteration {it}: k{i} left half-erased"
            );
            let mut out = Vec::new();
            let res = s.decrypt(&mut &c[..], &mut out);
            if k.state == KeyState::Erased {
                assert!(res.is_err(), "iteration {it}: erased k{i} still decrypts");
                assert!(
                    s.probe_key(&k.label).is_err(),
                    "iteration {it}: erased k{i} unwraps"
                );
                if !erased[i] {
                    erased[i] = true;
                    let ev = s
                        .evidence(&k.label)
                        .unwrap()
                        .expect("evidence of an erased key");
                    assert!(ev.verified_unrecoverable);
                    if ev.completed_by_recovery {
                        recovered += 1;
                    }
                }
            } else {
                assert!(!erased[i], "iteration {it}: k{i} came back");
                res.unwrap_or_else(|e| panic!("iteration {it}: live k{i} fails: {e}"));
                assert_eq!(out, format!("payload {i}").as_bytes());
            }
        }
        check_time += t_check.elapsed();
        if was_killed && gen_now == before_gen {
            rolled_back += 1;
        }
    }
    let total = erased.iter().filter(|e| **e).count();
    eprintln!(
        "{iters} runs: {killed} killed, {finished} finished before the kill; {rolled_back} kills left the store before the erasure, \
         {recovered} erasures completed by recovery; {total} of {n_keys} keys erased; checking took {check_time:?}"
    );
    assert!(
        killed >= iters / 3,
        "most runs must actually be killed ({killed})"
    );
    assert!(
        total > iters / 10,
        "erasures must also get through ({total} keys erased)"
    );
}
