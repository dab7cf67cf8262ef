//! `kiyome keys …`: create the key store, manage keys, legal holds and officers.

use crate::Outcome;
use anyhow::Context;
use clap::Subcommand;
use kiyome_erase::{Class, CustodyConfig, KeyInfo, KeySpec, OfficerKey, Store};
use std::path::{Path, PathBuf};

/// The key store location shared by `keys`, `encrypt`, `decrypt` and `erase`.
#[derive(clap::Args, Clone)]
pub struct StoreArg {
    /// Key store file (default: $KIYOME_STORE).
    #[arg(long, value_name = "PATH", global = true)]
    pub store: Option<PathBuf>,
}

impl StoreArg {
    /// The store path from `--store` or `KIYOME_STORE`.
    pub fn path(&self) -> anyhow::Result<PathBuf> {
        self.store
            .clone()
            .or_else(|| std::env::var_os("KIYOME_STORE").map(PathBuf::from))
            .context("no key store: pass --store PATH or set KIYOME_STORE")
    }

    /// Opens the store (running crash recovery); the PKCS#11 PIN comes from `KIYOME_PKCS11_PIN`.
    pub fn open(&self) -> anyhow::Result<Store> {
        let path = self.path()?;
        let pin = std::env::var("KIYOME_PKCS11_PIN").ok();
        Ok(Store::open(&path, pin.as_deref())?)
    }
}

/// Arguments of `kiyome keys`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    store: StoreArg,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Create a key store (root in a file by default, or on a PKCS#11 token).
    Init {
        /// Root key file (default: the store path + `.root`).
        #[arg(long, conflicts_with = "pkcs11_module")]
        root_file: Option<PathBuf>,
        /// PKCS#11 module holding the root (PIN from KIYOME_PKCS11_PIN).
        #[arg(long, requires = "token")]
        pkcs11_module: Option<PathBuf>,
        /// Label of the PKCS#11 token.
        #[arg(long)]
        token: Option<String>,
        /// Waiting period between approval and execution of an erasure, seconds.
        #[arg(long, default_value_t = 3 * 86400)]
        erase_wait: u64,
    },
    /// Create a data key for one record.
    Create {
        /// Unique label of the key (e.g. the record's file number).
        label: String,
        /// Record series (文書分類).
        #[arg(long)]
        series: String,
        /// Owner (担当課).
        #[arg(long)]
        owner: String,
        /// Confidentiality class: 1, 2 or 3 (機密性).
        #[arg(long)]
        class: String,
        /// Retention end date, YYYY-MM-DD (保存期間満了日).
        #[arg(long)]
        retention_end: String,
        /// Print the key record as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List keys.
    List {
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Show one key (by label or id), with its erasure evidence once erased.
    Show {
        /// Label or key id.
        key: String,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Active keys whose retention has ended (and no legal hold).
    Due {
        /// Reference date, YYYY-MM-DD (default: today, UTC).
        #[arg(long)]
        date: Option<String>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Place a legal hold: erasure is blocked until released.
    Hold {
        /// Label or key id.
        key: String,
        /// Reason (case number, request).
        #[arg(long)]
        reason: String,
        /// Officer placing the hold.
        #[arg(long)]
        officer: Option<String>,
    },
    /// Release every legal hold on a key.
    Release {
        /// Label or key id.
        key: String,
        /// Officer releasing the hold.
        #[arg(long)]
        officer: Option<String>,
    },
    /// Records officers and their signing keys.
    #[command(subcommand)]
    Officer(OfficerCmd),
}

#[derive(Subcommand)]
enum OfficerCmd {
    /// Register an officer and write their Ed25519 signing key file (mode 0600).
    Add {
        /// Officer id.
        name: String,
        /// Where to write the private key file.
        #[arg(long)]
        key_file: PathBuf,
    },
    /// List officers and public keys.
    List,
}

/// Runs `kiyome keys`.
pub fn run(args: Args) -> anyhow::Result<Outcome> {
    match args.cmd {
        Cmd::Init {
            root_file,
            pkcs11_module,
            token,
            erase_wait,
        } => {
            let path = args.store.path()?;
            let cfg = match (pkcs11_module, token) {
                (Some(module), Some(token)) => CustodyConfig::Pkcs11 { module, token },
                _ => CustodyConfig::File {
                    path: root_file.unwrap_or_else(|| default_root(&path)),
                },
            };
            let pin = std::env::var("KIYOME_PKCS11_PIN").ok();
            let store = Store::create(&path, cfg, erase_wait, pin.as_deref())?;
            println!(
                "created key store {} (id {}), root custody {}",
                path.display(),
                store.store_id(),
                store.custody_description()
            );
            if store.custody_description().starts_with("file:") {
                eprintln!(
                    "note: the root is a file. Never back it up or copy it: a store copy plus an old root file recovers erased keys. Prefer a PKCS#11 token."
                );
            }
        }
        Cmd::Create {
            label,
            series,
            owner,
            class,
            retention_end,
            json,
        } => {
            let class = Class::parse(&class).context("class must be 1, 2 or 3 (機密性)")?;
            let mut store = args.store.open()?;
            let k = store.create_key(&KeySpec {
                label,
                record_series: series,
                owner,
                class,
                retention_end,
            })?;
            if json {
                println!("{}", serde_json::to_string_pretty(&k)?);
            } else {
                println!("created key {} ({})", k.label, k.key_id);
            }
        }
        Cmd::List { json } => print_keys(&args.store.open()?.list_keys()?, json)?,
        Cmd::Due { date, json } => {
            let date = date.unwrap_or_else(chrono_today);
            let due = args.store.open()?.due(&date)?;
            print_keys(&due, json)?;
        }
        Cmd::Show { key, json } => {
            let store = args.store.open()?;
            let k = store.key(&key)?;
            let ev = store.evidence(&key)?;
            if json {
                let v = serde_json::json!({"key": k, "evidence": ev});
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                print_keys(std::slice::from_ref(&k), false)?;
                println!(
                    "  created {}  first use {}",
                    k.created_at,
                    k.first_use_at.as_deref().unwrap_or("never")
                );
                if let Some(ev) = ev {
                    println!(
                        "  erased {} (root generation {} destroyed, custody {}); copies of the store made before then are useless",
                        ev.destroyed_at, ev.old_root_generation, ev.root_custody
                    );
                }
            }
        }
        Cmd::Hold {
            key,
            reason,
            officer,
        } => {
            args.store.open()?.hold(&key, &reason, officer.as_deref())?;
            println!("legal hold placed on {key}: erasure blocked");
        }
        Cmd::Release { key, officer } => {
            let n = args.store.open()?.release(&key, officer.as_deref())?;
            println!("released {n} hold(s) on {key}");
        }
        Cmd::Officer(OfficerCmd::Add { name, key_file }) => {
            if key_file.exists() {
                anyhow::bail!(
                    "{} exists; refusing to overwrite a key file",
                    key_file.display()
                );
            }
            let mut store = args.store.open()?;
            let key = store.add_officer(&name)?;
            key.save(&key_file)?;
            println!(
                "officer {name} registered; public key {}; private key in {}",
                key.public_hex(),
                key_file.display()
            );
        }
        Cmd::Officer(OfficerCmd::List) => {
            for (n, pk) in args.store.open()?.officers()? {
                println!("{n:<24} {pk}");
            }
        }
    }
    Ok(Outcome::Clean)
}

fn default_root(store: &Path) -> PathBuf {
    let mut s = store.as_os_str().to_owned();
    s.push(".root");
    PathBuf::from(s)
}

fn chrono_today() -> String {
    // `now_rfc3339` starts with the UTC date.
    kiyome_erase::now_rfc3339().chars().take(10).collect()
}

fn print_keys(keys: &[KeyInfo], json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(keys)?);
        return Ok(());
    }
    for k in keys {
        let hold = if k.holds.is_empty() {
            String::new()
        } else {
            format!("  HOLD: {}", k.holds.join("; "))
        };
        println!(
            "{:<24} {} {:<15} {} {:<10} retention {}  {}/{}{hold}",
            k.label,
            k.key_id,
            k.state_str(),
            k.class,
            k.containers,
            k.retention_end,
            k.record_series,
            k.owner
        );
    }
    Ok(())
}

/// Loads an officer key file.
pub fn officer_key(path: &Path) -> anyhow::Result<OfficerKey> {
    Ok(OfficerKey::load(path)?)
}
