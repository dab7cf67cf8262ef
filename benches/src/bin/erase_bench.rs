//! Erasure latency against the number of keys in the store.
//!
//! `kiyome-erase-bench DIR N [ERASURES]`: builds (or reuses) a store of N keys in DIR through
//! the bulk path, then times `execute_erasures` for ERASURES single-key erasures (request and
//! approval are not timed: they are separate officer actions). Prints one JSON line.

use kiyome_erase::{Class, CustodyConfig, KeySpec, Store};
use std::path::PathBuf;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: kiyome-erase-bench DIR N [ERASURES]";
    let dir = PathBuf::from(args.get(1).ok_or(usage)?);
    let n: usize = args.get(2).ok_or(usage)?.parse()?;
    let m: usize = args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(20);
    std::fs::create_dir_all(&dir)?;
    let db = dir.join(format!("bench-{n}.db"));
    let root = dir.join(format!("bench-{n}.db.root"));
    let t = Instant::now();
    let mut store = if db.exists() {
        Store::open(&db, None)?
    } else {
        let mut s = Store::create(&db, CustodyConfig::File { path: root }, 0, None)?;
        let batch = 50_000;
        let mut done = 0;
        while done < n {
            let specs: Vec<KeySpec> = (done..n.min(done + batch))
                .map(|i| KeySpec {
                    label: format!("b{i}"),
                    record_series: "bench".into(),
                    owner: "bench".into(),
                    class: Class::C2,
                    retention_end: "2020-01-01".into(),
                })
                .collect();
            s.create_keys_bulk(&specs)?;
            done += specs.len();
        }
        s
    };
    let build_secs = t.elapsed().as_secs_f64();
    let a = store.add_officer(&format!("a{}", std::process::id()))?;
    let b = store.add_officer(&format!("b{}", std::process::id()))?;
    let mut times = Vec::new();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..m {
        // A pseudo-random live key, spread over the whole tree.
        let label = loop {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let l = format!("b{}", x % n as u64);
            if store.key(&l)?.state_str() == "active" {
                break l;
            }
        };
        store.request_erasure(&label, &a, "bench")?;
        store.approve_erasure(&label, &b)?;
        let t = Instant::now();
        let out = store.execute_erasures(std::slice::from_ref(&label))?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        assert!(out.evidence.len() == 1 && out.evidence[0].verified_unrecoverable);
    }
    times.sort_by(f64::total_cmp);
    let pct = |p: f64| times[((times.len() - 1) as f64 * p).round() as usize];
    println!(
        "{{\"keys\":{n},\"tree_height\":{},\"build_s\":{build_secs:.1},\"store_mb\":{:.0},\"erasures\":{m},\"median_ms\":{:.2},\"p90_ms\":{:.2},\"max_ms\":{:.2}}}",
        store.tree_height()?,
        std::fs::metadata(&db)?.len() as f64 / 1e6,
        pct(0.5),
        pct(0.9),
        pct(1.0)
    );
    Ok(())
}
