//! `kiyome erase init|config|request|approve|cancel|execute|status`: dual-control crypto-erase
//! and its automatic certification.

use crate::Outcome;
use crate::cmd::cert::erasure::{CertifyArgs, Settings};
use crate::cmd::keys::{StoreArg, officer_key};
use clap::Subcommand;
use std::path::{Path, PathBuf};

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
    /// Record once how this store's erasures are certified: from then on `erase execute`
    /// issues a signed certificate for every completed erasure and appends it, and the key
    /// lifecycle events, to the ledger.
    Init {
        /// Certificate profile (JSON: issuer, performer, validator, witness; see
        /// docs/certificate-format.md §8).
        #[arg(long)]
        profile: PathBuf,
        /// Certificate signing key ring (default: `cert-keys` beside the store).
        #[arg(long)]
        cert_keys: Option<PathBuf>,
        /// Ledger directory, created if missing (default: `ledger` beside the store).
        #[arg(long)]
        ledger: Option<PathBuf>,
        /// Directory for certificate files, created if missing (default: `certificates`
        /// beside the store).
        #[arg(long)]
        cert_dir: Option<PathBuf>,
    },
    /// Show the certification settings recorded by `erase init`.
    Config,
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
        certify: CertifyArgs,
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
        Cmd::Init {
            profile,
            cert_keys,
            ledger,
            cert_dir,
        } => {
            let path = args.store.path()?;
            let beside = |name: &str| -> PathBuf {
                match path.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p.join(name),
                    _ => Path::new(".").join(name),
                }
            };
            let s = Settings {
                profile: crate::cmd::cert::erasure::read_profile(&profile)?,
                cert_keys: cert_keys.unwrap_or_else(|| beside("cert-keys")),
                ledger: ledger.unwrap_or_else(|| beside("ledger")),
                cert_dir: cert_dir.unwrap_or_else(|| beside("certificates")),
            }
            .record(&mut store)?;
            println!(
                "erasures of store {} are now certified automatically: keys {}, ledger {}, certificates in {}",
                store.store_id(),
                s.cert_keys.display(),
                s.ledger.display(),
                s.cert_dir.display()
            );
        }
        Cmd::Config => match Settings::of(&store)? {
            Some(s) => println!("{}", serde_json::to_string_pretty(&s)?),
            None => {
                eprintln!(
                    "erasures of this store are not certified automatically (set up with `kiyome erase init`)"
                );
                return Ok(Outcome::Flagged);
            }
        },
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
            // Certificates (issue 9): issued for every completed erasure without one, those
            // executed now and any left pending (certification failed, or crash recovery
            // completed the erasure), then the key lifecycle events are logged.
            let certified = match certify.settings(&store)? {
                Some(s) => {
                    let pending = store.pending_certification()?;
                    crate::cmd::cert::erasure::certify(&s, &mut store, &pending)?
                }
                None => {
                    if !out.evidence.is_empty() {
                        eprintln!(
                            "note: no certificate issued: this store has no certification settings (kiyome erase init); certify later with `kiyome cert issue --from-erasure KEY`"
                        );
                    }
                    true
                }
            };
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
