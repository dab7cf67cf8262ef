//! `kiyome ledger …`: create, verify, and read heads and proofs of the transparency ledger.

use crate::Outcome;
use anyhow::{Context, bail};
use kiyome_cert::keyring::KeyRing;
use kiyome_cert::ledger::{self, Entry, KeyEvent, Ledger};
use kiyome_cert::model::Timestamp;
use serde_json::json;
use std::path::PathBuf;

/// Arguments of `kiyome ledger`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(clap::Subcommand)]
enum Cmd {
    /// Create an empty ledger directory.
    Init {
        /// Ledger directory.
        dir: PathBuf,
    },
    /// Verify the whole ledger offline: entries, certificates, signed tree heads, and
    /// (with --known-head) that it extends a head seen earlier.
    Verify {
        /// Ledger directory.
        dir: PathBuf,
        /// Public keys: JWK Set file or key ring directory.
        #[arg(long)]
        keys: PathBuf,
        /// A signed tree head kept from earlier (e.g. the output of `ledger head`).
        #[arg(long)]
        known_head: Option<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print the latest signed tree head (publish or keep it to detect rollbacks).
    Head {
        /// Ledger directory.
        dir: PathBuf,
    },
    /// Print the RFC 9162 consistency proof between two tree sizes.
    Consistency {
        /// Ledger directory.
        dir: PathBuf,
        /// Older size.
        #[arg(long)]
        from: u64,
        /// Newer size (default: current).
        #[arg(long)]
        to: Option<u64>,
    },
    /// Record a key lifecycle event by hand (crypto-erase records them automatically).
    Event {
        /// Ledger directory.
        dir: PathBuf,
        /// Key ring directory (signs the new tree head).
        #[arg(long)]
        keys: PathBuf,
        /// Key id in the key store.
        #[arg(long)]
        key_id: String,
        /// Event name (created, first_use, exported, destroyed…).
        #[arg(long)]
        event: String,
        /// Details.
        #[arg(long)]
        details: Option<String>,
    },
}

/// Runs `kiyome ledger`.
pub fn run(args: Args) -> anyhow::Result<Outcome> {
    match args.cmd {
        Cmd::Init { dir } => {
            let l = Ledger::create(&dir)?;
            println!("created ledger {} in {}", l.log_id(), dir.display());
            Ok(Outcome::Clean)
        }
        Cmd::Verify {
            dir,
            keys,
            known_head,
            json,
        } => {
            let keys = super::cert::public_keys(&keys)?;
            let known = match &known_head {
                Some(p) => Some(
                    std::fs::read_to_string(p)
                        .with_context(|| format!("cannot read {}", p.display()))?,
                ),
                None => None,
            };
            match ledger::verify(&dir, &keys, known.as_deref()) {
                Ok(r) => {
                    if json {
                        println!(
                            "{}",
                            serde_json::to_string_pretty(&json!({"verified": true, "report": r}))?
                        );
                    } else {
                        println!(
                            "ledger verified (台帳の検証に成功): {} entries, {} certificates, {} signed heads, root {}",
                            r.entries, r.certificates, r.heads, r.root_hash
                        );
                        if let Some(m) = r.consistent_with_known_head {
                            println!("consistent with the known head at size {m} (append-only)");
                        }
                    }
                    Ok(Outcome::Clean)
                }
                Err(e) => {
                    if json {
                        println!(
                            "{}",
                            serde_json::to_string_pretty(
                                &json!({"verified": false, "error": e.to_string()})
                            )?
                        );
                    } else {
                        println!("LEDGER VERIFICATION FAILED (台帳の検証に失敗): {e}");
                    }
                    Ok(Outcome::Flagged)
                }
            }
        }
        Cmd::Head { dir } => {
            let l = Ledger::open(&dir)?;
            match l.heads().last() {
                Some(h) => println!("{}", h.jws),
                None => bail!("the ledger is empty: no signed tree head yet"),
            }
            Ok(Outcome::Clean)
        }
        Cmd::Consistency { dir, from, to } => {
            let l = Ledger::open(&dir)?;
            let to = to.unwrap_or(l.tree().size());
            let proof = l.tree().consistency_proof(from, to).with_context(|| {
                format!(
                    "no proof from {from} to {to} (ledger size {})",
                    l.tree().size()
                )
            })?;
            println!(
                "{}",
                serde_json::to_string_pretty(&json!({
                    "first": from, "second": to,
                    "first_root": l.tree().root(from).map(hex::encode),
                    "second_root": l.tree().root(to).map(hex::encode),
                    "proof": proof.iter().map(hex::encode).collect::<Vec<_>>(),
                }))?
            );
            Ok(Outcome::Clean)
        }
        Cmd::Event {
            dir,
            keys,
            key_id,
            event,
            details,
        } => {
            let ring = KeyRing::open(&keys)?;
            let mut l = Ledger::open(&dir)?;
            let ev = KeyEvent {
                key_id,
                event,
                at: Timestamp::now(),
                store_id: None,
                store_seq: None,
                details,
            };
            let a = l.append(
                |seq| Entry::KeyEvent { seq, event: ev },
                &ring.active()?,
                Timestamp::now(),
            )?;
            println!("recorded as ledger entry {}", a.seq);
            Ok(Outcome::Clean)
        }
    }
}
