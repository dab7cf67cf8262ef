//! `kiyome quarantine list|show|release|purge --dir DIR`: the store of blocked and held
//! originals (content-addressed, with report, message ids and retention). `purge` removes
//! the originals whose retention ended before now (`KIYOME_NOW` fixes "now" for tests).

use crate::{Outcome, io};
use anyhow::{Context, bail};
use kiyome_core::Verdict;
use kiyome_mail::quarantine::{DEFAULT_RETENTION_DAYS, Entry, Store};
use kiyome_sanitize::Engine;
use std::path::{Path, PathBuf};

/// Arguments of `kiyome quarantine`.
#[derive(clap::Args)]
pub struct Args {
    /// The quarantine directory.
    #[arg(long, value_name = "DIR", global = true, default_value = "quarantine")]
    dir: PathBuf,
    /// Print JSON.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    action: Action,
}

#[derive(clap::Subcommand)]
enum Action {
    /// List quarantined originals, newest first.
    List,
    /// Show one entry (by SHA-256, a prefix of 8+ hex digits, or a message id) with its report.
    Show {
        /// SHA-256, prefix or message id.
        id: String,
    },
    /// Re-run the original through the sanitize pipeline and write what is released to --out.
    Release {
        /// SHA-256, prefix or message id.
        id: String,
        /// Output directory.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Policy file (TOML).
        #[arg(long, value_name = "FILE")]
        policy: Option<PathBuf>,
        /// Days the original is kept after the release, at least (default: the policy's
        /// `[quarantine] retention_days`, 14).
        #[arg(long, value_name = "DAYS")]
        retention_days: Option<u32>,
    },
    /// Remove originals whose retention period has ended.
    Purge,
}

/// Runs `kiyome quarantine`.
pub fn run(args: Args) -> anyhow::Result<Outcome> {
    if !args.dir.is_dir() {
        bail!(
            "no quarantine at {} / 隔離領域がありません (try --dir DIR)",
            args.dir.display()
        );
    }
    let open = |days: u32| {
        Store::open(&args.dir, days).with_context(|| format!("cannot open {}", args.dir.display()))
    };
    let store = open(DEFAULT_RETENTION_DAYS)?;
    match args.action {
        Action::List => {
            let entries = store.list()?;
            if args.json {
                let brief: Vec<_> = entries.iter().map(summary).collect();
                println!("{}", serde_json::to_string_pretty(&brief)?);
            } else {
                for e in &entries {
                    let expires = chrono::DateTime::from_timestamp(e.expires_unix, 0)
                        .map(|t| t.format("%Y-%m-%d").to_string())
                        .unwrap_or_default();
                    println!(
                        "{}  {}  {:<28} {}  {}  expires {expires}{}",
                        &e.sha256[..16],
                        e.time,
                        e.reason,
                        e.names.join(", "),
                        e.message_ids.join(", "),
                        if e.released.is_some() {
                            "  released"
                        } else {
                            ""
                        }
                    );
                }
                println!("{} entries", entries.len());
            }
            Ok(Outcome::Clean)
        }
        Action::Show { id } => {
            let e = find(&store, &id)?;
            println!("{}", serde_json::to_string_pretty(&e)?);
            Ok(Outcome::Clean)
        }
        Action::Release {
            id,
            out,
            policy,
            retention_days,
        } => {
            let policy = super::sanitize::load_policy(policy.as_deref())?;
            let store = open(super::audit::retention_days(retention_days, &policy))?;
            let e = find(&store, &id)?;
            release_entry(&store, &e, &out, &Engine::with_policy(policy), args.json)
        }
        Action::Purge => {
            let removed = store.purge(super::audit::now()?.timestamp())?;
            if args.json {
                let brief: Vec<_> = removed.iter().map(summary).collect();
                println!("{}", serde_json::to_string_pretty(&brief)?);
            } else {
                println!(
                    "purged {} expired entries / 期限切れ {} 件を削除",
                    removed.len(),
                    removed.len()
                );
            }
            Ok(Outcome::Clean)
        }
    }
}

fn find(store: &Store, id: &str) -> anyhow::Result<Entry> {
    match store.get(id)? {
        Some(e) => Ok(e),
        None => bail!(
            "no quarantine entry {id} / 該当する隔離ファイルがありません (see `kiyome quarantine list`)"
        ),
    }
}

fn summary(e: &Entry) -> serde_json::Value {
    serde_json::json!({
        "sha256": e.sha256, "size": e.size, "names": e.names, "message_ids": e.message_ids,
        "reason": e.reason, "source": e.source, "time": e.time, "expires_unix": e.expires_unix,
        "released": e.released,
    })
}

/// Sanitizes the original again (a policy may have changed, or an engine update may now
/// handle it) and writes it to `out` only if the pipeline releases it.
fn release_entry(
    store: &Store,
    e: &Entry,
    out: &Path,
    engine: &Engine,
    json: bool,
) -> anyhow::Result<Outcome> {
    let data = store.original(e)?;
    let name = e.names.first().cloned().unwrap_or_else(|| e.sha256.clone());
    let result = engine.sanitize(&name, &data);
    let mut report = result.report;
    let released = match (result.output, report.verdict) {
        (Some(o), Verdict::Released) => {
            let base = Path::new(&name)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "released".into());
            let dest = out.join(rename(&base, o.kind));
            io::write_atomic(&dest, &o.data)?;
            if let Some(info) = &mut report.output {
                info.path = dest.to_string_lossy().into_owned();
            }
            store.mark_released_at(e, super::audit::now()?)?;
            true
        }
        _ => false,
    };
    let r = kiyome_core::Report::new("quarantine release", vec![report]);
    if json {
        println!("{}", r.to_json());
    } else {
        crate::human::print_report(&r);
    }
    Ok(if released {
        Outcome::Clean
    } else {
        Outcome::Flagged
    })
}

/// `a.docm` released as docx → `a.docx`.
pub fn rename(name: &str, kind: kiyome_core::Kind) -> String {
    if kiyome_core::Kind::from_file_name(name) == Some(kind) {
        return name.to_string();
    }
    let ext = kind.default_extension();
    match name.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => format!("{stem}.{ext}"),
        _ => format!("{name}.{ext}"),
    }
}
