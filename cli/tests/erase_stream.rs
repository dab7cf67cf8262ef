//! Constant memory for any size (issue 8): 4 GiB of generated data streamed through pipes,
//! test → `kiyome encrypt - --out -` → `kiyome decrypt - --out -` → test, nothing on disk. The
//! output's SHA-256 must equal the input's, and each process's peak resident set (`ru_maxrss`
//! from wait4(2), the kernel's high-water mark, and `VmHWM` sampled from /proc/<pid>/status
//! while it runs) must stay under 64 MiB. The test build runs the crypto at full speed because
//! kiyome-erase is built with opt-level 2 even in the dev profile (see Cargo.toml).
//!
//! Size: `KIYOME_STREAM_GIB` (default 4).

use kiyome_erase::{Class, CustodyConfig, KeySpec, Store};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

const LIMIT_KIB: i64 = 64 * 1024;
const BLOCK: usize = 1 << 20;

/// Peak RSS in KiB and whether the process exited successfully; reaps the child.
fn wait_rusage(child: &Child) -> (i64, bool) {
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is a plain C struct for which all-zero bytes is a valid value, and
    // wait4 only writes into the two pointers, which are valid for the duration of the call.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut ru) };
    assert_eq!(r, pid, "wait4: {}", std::io::Error::last_os_error());
    (
        ru.ru_maxrss,
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
    )
}

/// The largest `VmHWM` seen in /proc/<pid>/status until `stop` (KiB).
fn sample_hwm(pid: u32, stop: Arc<AtomicBool>, max: Arc<AtomicU64>) {
    while !stop.load(Ordering::Relaxed) {
        let kib = std::fs::read_to_string(format!("/proc/{pid}/status"))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("VmHWM:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            });
        if let Some(kib) = kib {
            max.fetch_max(kib, Ordering::Relaxed);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn four_gib_stream_through_pipes_in_constant_memory() {
    let gib: u64 = std::env::var("KIYOME_STREAM_GIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4);
    let total = gib << 30;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    let mut store = Store::create(
        &db,
        CustodyConfig::File {
            path: dir.path().join("k.root"),
        },
        0,
        None,
    )
    .unwrap();
    store
        .create_key(&KeySpec {
            label: "stream".into(),
            record_series: "s".into(),
            owner: "o".into(),
            class: Class::C2,
            retention_end: "2030-01-01".into(),
        })
        .unwrap();
    drop(store);

    let kiyome = |args: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_kiyome"));
        c.args(args)
            .arg("--store")
            .arg(&db)
            .stderr(Stdio::piped())
            .stdout(Stdio::piped());
        c
    };
    let t0 = Instant::now();
    let mut enc = kiyome(&["encrypt", "-", "--key", "stream", "--out", "-"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    let mut dec = kiyome(&["decrypt", "-", "--out", "-"])
        .stdin(Stdio::from(enc.stdout.take().unwrap()))
        .spawn()
        .unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let hwm: Vec<Arc<AtomicU64>> = (0..2).map(|_| Arc::new(AtomicU64::new(0))).collect();
    let samplers: Vec<_> = [enc.id(), dec.id()]
        .into_iter()
        .zip(&hwm)
        .map(|(pid, m)| {
            let (s, m) = (stop.clone(), m.clone());
            std::thread::spawn(move || sample_hwm(pid, s, m))
        })
        .collect();

    // Writer: 1 MiB blocks of pseudo-random bytes, each stamped with its index, so that
    // chunks differ and a reordering or repetition would change the hash.
    let mut input = enc.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let mut block = vec![0u8; BLOCK];
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for b in block.chunks_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            b.copy_from_slice(&x.to_le_bytes()[..b.len()]);
        }
        let mut h = Sha256::new();
        let mut sent = 0u64;
        let mut i = 0u64;
        while sent < total {
            block[..8].copy_from_slice(&i.to_le_bytes());
            let n = (total - sent).min(BLOCK as u64) as usize;
            h.update(&block[..n]);
            input.write_all(&block[..n]).unwrap();
            sent += n as u64;
            i += 1;
        }
        drop(input);
        hex::encode(h.finalize())
    });
    let mut output = dec.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut h = Sha256::new();
        let mut buf = vec![0u8; BLOCK];
        let mut got = 0u64;
        loop {
            let n = output.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
            got += n as u64;
        }
        (hex::encode(h.finalize()), got)
    });
    let stderr = |c: &mut Child| {
        let mut e = c.stderr.take().unwrap();
        std::thread::spawn(move || {
            let mut s = String::new();
            e.read_to_string(&mut s).unwrap();
            s
        })
    };
    let (enc_err, dec_err) = (stderr(&mut enc), stderr(&mut dec));

    let in_hash = writer.join().unwrap();
    let (out_hash, got) = reader.join().unwrap();
    let (enc_rss, enc_ok) = wait_rusage(&enc);
    let (dec_rss, dec_ok) = wait_rusage(&dec);
    stop.store(true, Ordering::Relaxed);
    for s in samplers {
        s.join().unwrap();
    }
    let elapsed = t0.elapsed();
    let (enc_err, dec_err) = (enc_err.join().unwrap(), dec_err.join().unwrap());
    eprintln!(
        "{gib} GiB through encrypt | decrypt in {elapsed:.1?} ({:.0} MiB/s); peak RSS (wait4) encrypt {enc_rss} KiB, decrypt {dec_rss} KiB; VmHWM sampled {} / {} KiB",
        total as f64 / (1 << 20) as f64 / elapsed.as_secs_f64(),
        hwm[0].load(Ordering::Relaxed),
        hwm[1].load(Ordering::Relaxed)
    );
    assert!(enc_ok, "encrypt failed: {enc_err}");
    assert!(dec_ok, "decrypt failed: {dec_err}");
    assert_eq!(got, total, "bytes out");
    assert_eq!(
        out_hash, in_hash,
        "SHA-256 of the output differs from the input's"
    );
    for (what, rss, hwm) in [("encrypt", enc_rss, &hwm[0]), ("decrypt", dec_rss, &hwm[1])] {
        let hwm = hwm.load(Ordering::Relaxed) as i64;
        assert!(
            rss > 0 && rss < LIMIT_KIB,
            "{what}: peak RSS {rss} KiB ≥ 64 MiB"
        );
        // The sampled high-water mark is a second reading of the same counter (it can differ
        // from ru_maxrss by a few pages); it must be under the limit too and must have been seen.
        assert!(hwm > 0 && hwm < LIMIT_KIB, "{what}: VmHWM {hwm} KiB");
    }
}
