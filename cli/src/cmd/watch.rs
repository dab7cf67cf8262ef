//! `kiyome watch --in DIR --out DIR [--quarantine DIR]`: gateway mode.
//!
//! Files and mail dropped into the spool directory are sanitized as they arrive. Protocol
//! (see docs/gateway.md):
//! - producers write `NAME.tmp` (or a dot-file) in `--in` and rename it to `NAME` when
//!   complete; dot-files, `*.tmp` and `*.part` are never picked up;
//! - the watcher claims a file by renaming it into `IN/.kiyome/processing/ID__NAME` (atomic:
//!   one claimer wins), plans its output name (`ID__NAME.plan`), writes the output atomically,
//!   puts blocked or held originals into the quarantine, appends one audit record to
//!   `IN/.kiyome/journal.jsonl` (fsync), and finally moves the original to
//!   `IN/.kiyome/done/` (released) or deletes it (quarantined, the store holds it).
//! - on start, items left in `processing/` by a crash are finished first; every step is
//!   idempotent (same plan, same output bytes, content-addressed quarantine, journal checked
//!   by item id), so an input is never lost and never accounted for twice.

use super::watch_item::{Item, Spool};
use crate::Outcome;
use anyhow::Context;
use kiyome_sanitize::Engine;
use rayon::prelude::*;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Arguments of `kiyome watch`.
#[derive(clap::Args)]
pub struct Args {
    /// Spool directory to watch (producers write NAME.tmp, then rename to NAME).
    #[arg(long = "in", value_name = "DIR")]
    input: PathBuf,
    /// Directory for released outputs.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Quarantine store for blocked and held originals (default: IN/.kiyome/quarantine).
    #[arg(long, value_name = "DIR")]
    quarantine: Option<PathBuf>,
    /// Policy file (TOML).
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Days the quarantine keeps originals (default: the policy's `[quarantine]
    /// retention_days`, 14).
    #[arg(long, value_name = "DAYS")]
    retention_days: Option<u32>,
    /// Poll interval in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 500)]
    interval_ms: u64,
    /// Seconds between health/summary lines.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    health_secs: u64,
    /// Process what is pending, then exit (for cron and tests).
    #[arg(long)]
    once: bool,
}

/// Runs `kiyome watch`.
pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let policy = super::sanitize::load_policy(args.policy.as_deref())?;
    let engine = Engine::with_policy(policy);
    let qdir = args
        .quarantine
        .clone()
        .unwrap_or_else(|| args.input.join(".kiyome").join("quarantine"));
    let retention = super::audit::retention_days(args.retention_days, &engine.policy);
    let store = kiyome_mail::quarantine::Store::open(&qdir, retention)
        .with_context(|| format!("cannot open quarantine {}", qdir.display()))?;
    let spool = Spool::open(&args.input, &args.out, store)?;
    let started = Instant::now();
    let mut last_health = Instant::now();
    let mut stats = Stats::default();
    spool.log_event("start", &serde_json::json!({"in": args.input, "out": args.out, "quarantine": qdir, "retention_days": retention, "policy_version": engine.policy.version}));
    // Crash recovery first: whatever a previous run claimed is finished before new work.
    let recovered = spool.claimed()?;
    if !recovered.is_empty() {
        spool.log_event("recover", &serde_json::json!({"items": recovered.len()}));
        process(&engine, &spool, recovered, &mut stats);
    }
    loop {
        let batch = spool.claim_ready(256)?;
        let idle = batch.is_empty();
        process(&engine, &spool, batch, &mut stats);
        if last_health.elapsed() >= Duration::from_secs(args.health_secs) || (args.once && idle) {
            spool.health(&stats, started.elapsed())?;
            last_health = Instant::now();
        }
        if args.once && idle {
            break;
        }
        if idle {
            std::thread::sleep(Duration::from_millis(args.interval_ms));
        }
    }
    Ok(if stats.errors > 0 {
        Outcome::Flagged
    } else {
        Outcome::Clean
    })
}

/// Counters for the health line.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct Stats {
    /// Items finished.
    pub processed: u64,
    /// Released.
    pub released: u64,
    /// Blocked (quarantined).
    pub blocked: u64,
    /// Released with an attachment held (PPAP).
    pub held: u64,
    /// Items whose processing failed and will be retried.
    pub errors: u64,
}

fn process(engine: &Engine, spool: &Spool, items: Vec<Item>, stats: &mut Stats) {
    let results: Vec<anyhow::Result<super::watch_item::Done>> = items
        .par_iter()
        .map(|it| spool.finish(engine, it))
        .collect();
    for (it, r) in items.iter().zip(results) {
        match r {
            Ok(done) => {
                stats.processed += 1;
                if done.released {
                    stats.released += 1;
                } else {
                    stats.blocked += 1;
                }
                if done.held {
                    stats.held += 1;
                }
            }
            Err(e) => {
                stats.errors += 1;
                spool.log_event(
                    "error",
                    &serde_json::json!({"item": it.id, "name": it.name, "error": format!("{e:#}")}),
                );
            }
        }
    }
}
