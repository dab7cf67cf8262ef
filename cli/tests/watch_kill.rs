//! The gateway kill test (issue 5, "Done when"): a producer drops a few hundred files into the
//! spool (write, then rename) while `kiyome watch` runs and is killed with SIGKILL and
//! restarted at random moments. Afterwards every input is accounted for exactly once
//! (released to --out or quarantined), and nothing is left half-written.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const INPUTS: usize = 300;

/// xorshift: deterministic "random" moments without a dependency; the seed is printed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn input(i: usize) -> (String, Vec<u8>) {
    match i % 3 {
        0 => (
            format!("m{i:04}.eml"),
            format!(
                "From: sender{i}@example.jp\r\nTo: staff@city.example.lg.jp\r\nSubject: report {i}\r\nMessage-ID: <m{i}@example.jp>\r\n\r\nbody {i} see https://example.jp/{i}\r\n"
            )
            .into_bytes(),
        ),
        1 => (format!("n{i:04}.txt"), format!("note number {i}\n").into_bytes()),
        _ => {
            let mut mz = b"MZ\x90\x00".to_vec();
            mz.extend_from_slice(format!("payload {i}").as_bytes());
            (format!("x{i:04}.exe"), mz)
        }
    }
}

fn watcher(dirs: &Dirs, once: bool) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kiyome"));
    c.arg("watch")
        .arg("--in")
        .arg(&dirs.spool)
        .arg("--out")
        .arg(&dirs.out)
        .arg("--quarantine")
        .arg(&dirs.q)
        .args(["--interval-ms", "10", "--health-secs", "1"]);
    if once {
        c.arg("--once");
    }
    c.stdout(Stdio::null()).stderr(Stdio::null());
    c
}

struct Dirs {
    spool: PathBuf,
    out: PathBuf,
    q: PathBuf,
}

#[test]
fn watch_survives_sigkill_and_accounts_for_every_input_exactly_once() {
    let tmp = tempfile::tempdir().unwrap();
    let dirs = Dirs {
        spool: tmp.path().join("in"),
        out: tmp.path().join("out"),
        q: tmp.path().join("q"),
    };
    fs::create_dir_all(&dirs.spool).unwrap();
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(42)
        | 1;
    eprintln!("watch kill test seed {seed}");
    let mut rng = Rng(seed);
    let spool = dirs.spool.clone();
    let producer = std::thread::spawn(move || {
        let mut r = Rng(seed ^ 0x9E37_79B9_7F4A_7C15);
        for i in 0..INPUTS {
            let (name, data) = input(i);
            // The write-then-rename protocol: a half-written file is never visible.
            let tmp = spool.join(format!("{name}.tmp"));
            fs::write(&tmp, &data).unwrap();
            fs::rename(&tmp, spool.join(&name)).unwrap();
            if r.below(10) == 0 {
                std::thread::sleep(Duration::from_millis(r.below(30)));
            }
        }
    });
    let start = Instant::now();
    let mut kills = 0;
    while !producer.is_finished() || kills < 20 {
        let mut child = watcher(&dirs, false).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(5 + rng.below(120)));
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        kills += 1;
        assert!(
            start.elapsed() < Duration::from_secs(240),
            "kill loop too slow"
        );
    }
    producer.join().unwrap();
    let status = watcher(&dirs, true).status().unwrap();
    assert!(
        status.code().is_some_and(|c| c == 0 || c == 1),
        "final run: {status}"
    );
    eprintln!("{kills} SIGKILLs");
    check(&dirs);
}

fn ready_files(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

fn check(dirs: &Dirs) {
    // Nothing left in the spool or in processing.
    let left: Vec<String> = ready_files(&dirs.spool);
    assert!(left.is_empty(), "left in spool: {left:?}");
    let processing = ready_files(&dirs.spool.join(".kiyome/processing"));
    assert!(processing.is_empty(), "left in processing: {processing:?}");
    // One audit record per input.
    let journal = fs::read_to_string(dirs.spool.join(".kiyome/journal.jsonl")).unwrap();
    let mut by_name: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for line in journal.lines() {
        let Ok(v) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if v["type"] == "audit" {
            by_name
                .entry(v["name"].as_str().unwrap().to_string())
                .or_default()
                .push(v);
        }
    }
    let expected: BTreeSet<String> = (0..INPUTS).map(|i| input(i).0).collect();
    let got: BTreeSet<String> = by_name.keys().cloned().collect();
    assert_eq!(
        got, expected,
        "inputs without (or with unexpected) audit records"
    );
    let dup: Vec<_> = by_name
        .iter()
        .filter(|(_, v)| v.len() != 1)
        .map(|(k, v)| (k, v.len()))
        .collect();
    assert!(dup.is_empty(), "accounted for more than once: {dup:?}");
    // Outputs: complete, matching their recorded hash, one per released input, no temp files.
    let outs = ready_files(&dirs.out);
    assert!(
        !outs.iter().any(|n| n.ends_with(".tmp")),
        "temp files in out: {outs:?}"
    );
    let mut released = 0;
    let store = kiyome_mail::quarantine::Store::open(&dirs.q, 14).unwrap();
    for (name, recs) in &by_name {
        let r = &recs[0];
        let (_, original) = input(name[1..5].parse().unwrap());
        assert_eq!(
            r["sha256"],
            kiyome_core::sha256_hex(&original),
            "{name}: recorded hash"
        );
        if r["verdict"] == "released" {
            released += 1;
            let path = PathBuf::from(r["output"]["path"].as_str().unwrap());
            let data = fs::read(&path).unwrap_or_else(|e| panic!("{name}: output {path:?}: {e}"));
            assert_eq!(
                r["output"]["sha256"],
                kiyome_core::sha256_hex(&data),
                "{name}: half-written output"
            );
        } else {
            let e = store
                .get(r["sha256"].as_str().unwrap())
                .unwrap()
                .unwrap_or_else(|| panic!("{name}: not quarantined"));
            assert!(e.names.contains(name));
            assert_eq!(store.original(&e).unwrap(), original);
        }
    }
    assert_eq!(
        outs.len(),
        released,
        "outputs vs released records: {outs:?}"
    );
    assert_eq!(
        store.list().unwrap().len(),
        INPUTS - released,
        "quarantine entries"
    );
    for sub in ["entries", "objects"] {
        let mut stack = vec![dirs.q.join(sub)];
        while let Some(d) = stack.pop() {
            for e in fs::read_dir(&d).unwrap().flatten() {
                let n = e.file_name().to_string_lossy().into_owned();
                assert!(!n.ends_with(".tmp"), "temp file left in quarantine: {n}");
                if e.file_type().unwrap().is_dir() {
                    stack.push(e.path());
                }
            }
        }
    }
    eprintln!(
        "{} inputs: {released} released, {} quarantined",
        INPUTS,
        INPUTS - released
    );
}
