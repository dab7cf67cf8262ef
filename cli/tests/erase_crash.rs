//! Crash safety of erasure with the root in a file: `kiyome erase execute` killed with SIGKILL
//! hundreds of times, on both sides of the commit point (see `erase_crash_harness`).
//!
//! Iterations: `KIYOME_CRASH_ITERS` (default 320).

#[path = "erase_crash_harness/mod.rs"]
mod harness;

use kiyome_erase::{CustodyConfig, Store};

#[test]
fn sigkill_during_erasure_leaves_the_store_before_or_after() {
    let iters: usize = std::env::var("KIYOME_CRASH_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(320);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    let root = dir.path().join("k.root");
    let mut store =
        Store::create(&db, CustodyConfig::File { path: root.clone() }, 0, None).unwrap();
    let (a, b) = (dir.path().join("a.key"), dir.path().join("b.key"));
    store.add_officer("a").unwrap().save(&a).unwrap();
    store.add_officer("b").unwrap().save(&b).unwrap();
    let count = move || {
        std::fs::read_to_string(&root)
            .unwrap()
            .lines()
            .filter(|l| l.starts_with("gen "))
            .count()
    };
    let custody = harness::Custody {
        open: Box::new(|db| {
            Store::open(db, None).unwrap_or_else(|e| panic!("store does not open: {e}"))
        }),
        roots: Box::new(count.clone()),
        poll: Box::new(count),
        env: Vec::new(),
        describe: Box::new(String::new),
    };
    // Hundreds of kills at the default; proportionally fewer when run shorter.
    let summary = harness::kill_loop(
        &db,
        store,
        &custody,
        iters + 80,
        iters,
        iters * 5 / 8,
        iters / 16,
        (a, b),
    );
    eprintln!("{summary}");
}
