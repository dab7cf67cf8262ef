//! The kill loop shared by `erase_crash.rs` (root file) and `erase_crash_pkcs11.rs` (SoftHSM2
//! token).
//!
//! `kiyome erase execute` runs as a child process on a store of many keys and is killed with
//! SIGKILL, hundreds of times. Two kinds of kill:
//! - *random*: after a random delay across the whole run (process start, recovery, planning,
//!   commit, root destruction, evidence);
//! - *targeted*: as soon as the new root generation appears in custody (step 1 of the erasure,
//!   just before the commit), plus a random delay up to the measured rest of the run, so that
//!   kills land densely on both sides of the commit point.
//!
//! After each kill, **before** anything opens the store, the state on disk is classified by
//! reading the database and custody directly: nothing done yet; new root created but the
//! re-keyed store not committed (*before the commit point*); committed but the old root or the
//! record not finished (*after the commit point*); or complete. Then the store is opened (crash
//! recovery) and the invariants of docs/erasure-model.md are checked: custody holds exactly the
//! current root; no key is left `erasing`; a run killed before the commit point erased nothing
//! and left the root generation unchanged, one killed after it completed its whole batch
//! (evidence `completed_by_recovery`, verified unrecoverable); every erased key fails to
//! decrypt and to unwrap, never comes back, and awaits certification; every other key decrypts.
//! The run must observe hundreds of kills and both outcomes many times.

use kiyome_erase::{Class, KeySpec, KeyState, Store};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// xorshift64*: deterministic, so a failing run can be replayed with the same seed.
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// What a custodian-specific test provides.
pub struct Custody {
    /// Opens the store in this process (runs recovery).
    pub open: Box<dyn Fn(&Path) -> Store>,
    /// Number of root generations that exist in custody, read without kiyome.
    pub roots: Box<dyn Fn() -> usize>,
    /// A cheap indicator polled while the process runs: grows when a new root is being made.
    pub poll: Box<dyn Fn() -> usize>,
    /// Extra environment for the child process.
    pub env: Vec<(String, String)>,
    /// A description of custody for failure messages (e.g. the token's objects).
    pub describe: Box<dyn Fn() -> String>,
}

/// Where the state on disk was when the process died.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Nothing of the erasure reached the disk.
    Early,
    /// The new root exists in custody, the store is not committed to it.
    BeforeCommit,
    /// The store is committed; the old root or the record is not finished.
    AfterCommit,
    /// Everything done.
    Complete,
}

fn phase(db: &Path, before_gen: u64, roots: usize) -> Phase {
    // A read-write connection: a hot journal left by the killed process is rolled back here,
    // exactly as the next open of the store would do.
    let c = rusqlite::Connection::open(db).unwrap();
    let generation: u64 = c
        .query_row("SELECT v FROM meta WHERE k = 'root_generation'", [], |r| {
            r.get::<_, String>(0)
        })
        .unwrap()
        .parse()
        .unwrap();
    let destroying: i64 = c
        .query_row(
            "SELECT COUNT(*) FROM erasures WHERE status = 'destroying'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    match (generation == before_gen, roots, destroying) {
        (true, 1, _) => Phase::Early,
        (true, _, _) => Phase::BeforeCommit,
        (false, _, d) if d > 0 => Phase::AfterCommit,
        (false, _, _) => Phase::Complete,
    }
}

fn spawn(db: &Path, env: &[(String, String)]) -> Child {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kiyome"));
    c.args(["erase", "execute", "--store", db.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, v) in env {
        c.env(k, v);
    }
    c.spawn().unwrap()
}

/// Polls custody until a new root generation appears or the child exits; returns when.
fn wait_new_root(child: &mut Child, poll: &dyn Fn() -> usize, t0: Instant) -> Option<Duration> {
    let base = poll();
    loop {
        if poll() > base {
            return Some(t0.elapsed());
        }
        if child.try_wait().unwrap().is_some() {
            return None;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Runs the loop: `iters` runs on a store of `n_keys` keys, made with `store` (already holding
/// officers "a" and "b"). Returns a summary line.
#[allow(clippy::too_many_arguments)] // a test driver: each argument is one knob of the loop
pub fn kill_loop(
    db: &Path,
    mut store: Store,
    custody: &Custody,
    n_keys: usize,
    iters: usize,
    min_kills: usize,
    min_each_side: usize,
    officers: (PathBuf, PathBuf),
) -> String {
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
    drop(store);
    let a = kiyome_erase::OfficerKey::load(&officers.0).unwrap();
    let b = kiyome_erase::OfficerKey::load(&officers.1).unwrap();

    let mut rng = Rng(0x6b69_796f_6d65);
    let mut erased = vec![false; n_keys];
    let mut durations: Vec<Duration> = Vec::new();
    // Time from "new root seen" to the end of an uninterrupted run.
    let mut tails: Vec<Duration> = Vec::new();
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    let (mut killed, mut check_time) = (0usize, Duration::ZERO);
    for it in 0..iters {
        let mut s = (custody.open)(db);
        let live: Vec<String> = s
            .list_keys()
            .unwrap()
            .into_iter()
            .filter(|k| k.state == KeyState::Active)
            .map(|k| k.label)
            .collect();
        assert!(!live.is_empty(), "iteration {it}: ran out of live keys");
        let pick = live[rng.below(live.len() as u64) as usize].clone();
        s.request_erasure(&pick, &a, "crash test").unwrap();
        s.approve_erasure(&pick, &b).unwrap();
        // The batch of this run: every approved request (kills before the commit leave theirs).
        let batch: Vec<usize> = s
            .list_keys()
            .unwrap()
            .into_iter()
            .filter(|k| k.state == KeyState::ErasurePending)
            .map(|k| k.label[1..].parse().unwrap())
            .collect();
        let before_gen = s.root_generation().unwrap();
        drop(s);

        let uninterrupted = durations.is_empty() || it % 10 == 9;
        let t0 = Instant::now();
        let mut child = spawn(db, &custody.env);
        let poll = &*custody.poll;
        let mut was_killed = false;
        if uninterrupted {
            // Every tenth run (and the first) goes uninterrupted: it must finish, and its
            // timings re-calibrate the kill windows (the work per run grows with the approvals
            // that killed runs leave behind, and the machine may be loaded).
            let seen = wait_new_root(&mut child, poll, t0);
            assert!(
                child.wait().unwrap().success(),
                "iteration {it}: execute failed"
            );
            let total = t0.elapsed();
            durations.push(total);
            if let Some(t) = seen {
                tails.push(total.saturating_sub(t));
            }
            *counts.entry("uninterrupted").or_default() += 1;
        } else {
            let full = median(&mut durations.clone());
            let targeted = it % 2 == 0 && !tails.is_empty();
            if targeted {
                let tail = median(&mut tails.clone());
                if wait_new_root(&mut child, poll, t0).is_some() {
                    let d = rng.below(tail.as_micros() as u64 * 9 / 10 + 1);
                    std::thread::sleep(Duration::from_micros(d));
                }
            } else {
                std::thread::sleep(Duration::from_micros(
                    rng.below(full.as_micros() as u64 * 19 / 20 + 1),
                ));
            }
            match child.try_wait().unwrap() {
                Some(_) => *counts.entry("finished before the kill").or_default() += 1,
                None => {
                    child.kill().unwrap(); // SIGKILL
                    was_killed = true;
                    killed += 1;
                }
            }
            let _ = child.wait();
        }

        // The state the process left, read before recovery touches it.
        let ph = phase(db, before_gen, (custody.roots)());
        if was_killed {
            *counts
                .entry(match ph {
                    Phase::Early => "killed early (nothing written)",
                    Phase::BeforeCommit => {
                        "killed before the commit point (new root, store not committed)"
                    }
                    Phase::AfterCommit => {
                        "killed after the commit point (old root or record pending)"
                    }
                    Phase::Complete => "killed after completion",
                })
                .or_default() += 1;
        } else {
            assert_eq!(
                ph,
                Phase::Complete,
                "iteration {it}: a finished run left {ph:?}"
            );
        }

        let t_check = Instant::now();
        let mut s = (custody.open)(db);
        assert_eq!(
            (custody.roots)(),
            1,
            "iteration {it} ({ph:?}): custody holds exactly the current root; {}",
            (custody.describe)()
        );
        let gen_now = s.root_generation().unwrap();
        let keys = s.list_keys().unwrap();
        assert!(
            keys.iter().all(|k| k.state != KeyState::Erasing),
            "iteration {it}: a key was left half-erased"
        );
        match ph {
            Phase::Early | Phase::BeforeCommit => {
                assert_eq!(gen_now, before_gen, "iteration {it} ({ph:?}): root moved");
                for &i in &batch {
                    assert_eq!(
                        keys[i].state,
                        KeyState::ErasurePending,
                        "iteration {it} ({ph:?}): k{i} changed state"
                    );
                }
            }
            Phase::AfterCommit | Phase::Complete => {
                assert!(
                    gen_now > before_gen,
                    "iteration {it} ({ph:?}): root did not move"
                );
                for &i in &batch {
                    assert_eq!(
                        keys[i].state,
                        KeyState::Erased,
                        "iteration {it} ({ph:?}): k{i}"
                    );
                    let ev = s.evidence(&keys[i].label).unwrap().expect("evidence");
                    assert!(
                        ev.verified_unrecoverable,
                        "iteration {it}: k{i} not verified"
                    );
                    assert_eq!(
                        ev.completed_by_recovery,
                        ph == Phase::AfterCommit,
                        "iteration {it} ({ph:?}): k{i} completed_by_recovery"
                    );
                }
            }
        }
        // Decrypt: the batch, its siblings under the same leaf KEK (re-wrapped by the
        // erasure), a random sample — and every key every 25 runs and at the end.
        let full_sweep = it % 25 == 24 || it + 1 == iters;
        let mut check: Vec<usize> = if full_sweep {
            (0..n_keys).collect()
        } else {
            let mut v = Vec::new();
            for &i in &batch {
                let leaf = i / 16 * 16;
                v.extend(leaf..(leaf + 16).min(n_keys));
            }
            v.extend((0..12).map(|_| rng.below(n_keys as u64) as usize));
            v
        };
        check.sort();
        check.dedup();
        for i in check {
            let k = &keys[i];
            let mut out = Vec::new();
            let res = s.decrypt(&mut &containers[i][..], &mut out);
            if k.state == KeyState::Erased {
                assert!(res.is_err(), "iteration {it}: erased k{i} still decrypts");
                assert!(
                    s.probe_key(&k.label).is_err(),
                    "iteration {it}: erased k{i} unwraps"
                );
                erased[i] = true;
            } else {
                assert!(!erased[i], "iteration {it}: k{i} came back");
                res.unwrap_or_else(|e| panic!("iteration {it}: live k{i} fails: {e}"));
                assert_eq!(out, format!("payload {i}").as_bytes());
            }
        }
        let n_erased = keys.iter().filter(|k| k.state == KeyState::Erased).count();
        assert_eq!(
            s.pending_certification().unwrap().len(),
            n_erased,
            "iteration {it}: every erased key awaits its certificate"
        );
        check_time += t_check.elapsed();
        drop(s);
    }
    let get = |k: &str| counts.get(k).copied().unwrap_or(0);
    let before = get("killed before the commit point (new root, store not committed)");
    let after = get("killed after the commit point (old root or record pending)");
    let summary = format!(
        "{iters} runs, {killed} killed; {counts:#?}; {} keys erased; execute median {:?}; checks {check_time:?}",
        erased.iter().filter(|e| **e).count(),
        median(&mut durations)
    );
    assert!(killed >= min_kills, "only {killed} kills landed: {summary}");
    assert!(
        before >= min_each_side && after >= min_each_side,
        "kills must land on both sides of the commit point (≥ {min_each_side} each): {summary}"
    );
    summary
}
