//! `kiyome erase request|approve|cancel|execute|status`: dual-control crypto-erase.

use crate::Outcome;
use crate::cmd::keys::{StoreArg, officer_key};
use clap::Subcommand;
use std::path::PathBuf;

/// Arguments of `kiyome erase`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    store: StoreArg,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Request the erasure of a key (signed by the requesting officer).
    Request {
        /// Label or key id.
        key: String,
        /// The requesting officer's key file.
        #[arg(long)]
        officer_key: PathBuf,
        /// Reason (e.g. retention ended).
        #[arg(long, default_value = "retention period ended")]
        reason: String,
    },
    /// Approve a request (signed by a different officer: dual control).
    Approve {
        /// Label or key id.
        key: String,
        /// The approving officer's key file.
        #[arg(long)]
        officer_key: PathBuf,
    },
    /// Cancel a pending request (signed); the key becomes active again.
    Cancel {
        /// Label or key id.
        key: String,
        /// The cancelling officer's key file.
        #[arg(long)]
        officer_key: PathBuf,
    },
    /// Execute approved erasures whose waiting period has passed (all, or the keys named), in
    /// one root rotation; then check that each key is unrecoverable.
    Execute {
        /// Restrict to these keys (labels or ids).
        keys: Vec<String>,
        /// Print the erasure evidence as JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        certify: crate::cmd::cert::CertifyArgs,
    },
    /// List erasure requests.
    Status {
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
}

/// Runs `kiyome erase`.
pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let mut store = args.store.open()?;
    match args.cmd {
        Cmd::Request {
            key,
            officer_key: kf,
            reason,
        } => {
            let off = officer_key(&kf)?;
            store.request_erasure(&key, &off, &reason)?;
            println!(
                "erasure of {key} requested by {}; another officer must approve",
                off.name
            );
        }
        Cmd::Approve {
            key,
            officer_key: kf,
        } => {
            let off = officer_key(&kf)?;
            let at = store.approve_erasure(&key, &off)?;
            println!(
                "erasure of {key} approved by {}; executable from {at}",
                off.name
            );
        }
        Cmd::Cancel {
            key,
            officer_key: kf,
        } => {
            let off = officer_key(&kf)?;
            store.cancel_erasure(&key, &off)?;
            println!("erasure request for {key} cancelled by {}", off.name);
        }
        Cmd::Execute {
            keys,
            json,
            certify,
        } => {
            let out = store.execute_erasures(&keys)?;
            // Certificates (issue 9): issued for each verified erasure, key events logged.
            let certified =
                crate::cmd::cert::certify_erasures(&certify, &mut store, &out.evidence)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&out.evidence)?);
            }
            for ev in &out.evidence {
                let status = if ev.verified_unrecoverable {
                    "unrecoverable (verified)"
                } else {
                    "NOT VERIFIED"
                };
                eprintln!(
                    "erased {} ({}): {status}; root generation {} destroyed at {} ({}); {} container(s)",
                    ev.label,
                    ev.key_id,
                    ev.old_root_generation,
                    ev.destroyed_at,
                    ev.root_custody,
                    ev.containers.len()
                );
            }
            for (label, why) in &out.skipped {
                eprintln!("not erased {label}: {why}");
            }
            let all_verified = out.evidence.iter().all(|e| e.verified_unrecoverable);
            if !out.skipped.is_empty() || !all_verified || out.evidence.is_empty() || !certified {
                return Ok(Outcome::Flagged);
            }
        }
        Cmd::Status { json } => {
            let reqs = store.erasure_requests()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&reqs)?);
            } else {
                for r in reqs {
                    println!(
                        "{:<24} {:<10} requested by {} at {}{}",
                        r.label,
                        r.status,
                        r.requester,
                        r.requested_at,
                        match (&r.approver, &r.executable_at) {
                            (Some(a), Some(x)) => format!("; approved by {a}; executable from {x}"),
                            _ => String::new(),
                        }
                    );
                }
            }
        }
    }
    Ok(Outcome::Clean)
}
