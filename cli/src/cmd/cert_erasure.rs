//! Certificates of crypto-erasures: the store's certification settings (`kiyome erase init`),
//! automatic issuance when `kiyome erase execute` completes, and issuance afterwards from the
//! stored evidence (`kiyome cert issue --from-erasure`, `kiyome cert pending`).

use super::{issue_and_record, new_certificate_id};
use anyhow::{Context, bail};
use kiyome_cert::erasure::Profile;
use kiyome_cert::keyring::KeyRing;
use kiyome_cert::ledger::{Entry, Ledger};
use kiyome_cert::model::{RecordKind, Timestamp};
use kiyome_cert::register;
use kiyome_erase::{ErasureEvidence, Store};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Name of the store setting holding [`Settings`].
pub const SETTING: &str = "certification";

/// Where and how a store's erasures are certified, recorded once with `kiyome erase init` and
/// kept in the key store (no secrets: the signing key stays in its key ring).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Who the organisation and the people are (docs/certificate-format.md §8).
    pub profile: Profile,
    /// Certificate signing key ring directory.
    pub cert_keys: PathBuf,
    /// Ledger directory.
    pub ledger: PathBuf,
    /// Directory for the certificate files.
    pub cert_dir: PathBuf,
}

impl Settings {
    /// The settings recorded in the store, if any.
    pub fn of(store: &Store) -> anyhow::Result<Option<Settings>> {
        match store.setting(SETTING)? {
            None => Ok(None),
            Some(j) => Ok(Some(
                serde_json::from_str(&j).context("the store's certification settings")?,
            )),
        }
    }

    /// Checks that everything exists and can be used, then records the settings in the store.
    /// Paths are made absolute so that later commands work from any directory.
    pub fn record(mut self, store: &mut Store) -> anyhow::Result<Settings> {
        let abs = |p: &Path| -> anyhow::Result<PathBuf> {
            Ok(if p.is_absolute() {
                p.to_path_buf()
            } else {
                std::env::current_dir()?.join(p)
            })
        };
        self.cert_keys = abs(&self.cert_keys)?;
        self.ledger = abs(&self.ledger)?;
        self.cert_dir = abs(&self.cert_dir)?;
        let ring = KeyRing::open(&self.cert_keys).with_context(|| {
            format!(
                "no certificate key ring at {} (create one with `kiyome cert key generate --keys DIR`)",
                self.cert_keys.display()
            )
        })?;
        ring.active()?;
        open_or_create(&self.ledger)?;
        std::fs::create_dir_all(&self.cert_dir)
            .with_context(|| format!("cannot create {}", self.cert_dir.display()))?;
        store.set_setting(SETTING, Some(&serde_json::to_string(&self)?))?;
        Ok(self)
    }
}

/// Opens a ledger directory, creating it when it does not exist yet.
pub fn open_or_create(dir: &Path) -> anyhow::Result<Ledger> {
    Ok(if dir.join("ledger.json").exists() {
        Ledger::open(dir)?
    } else {
        Ledger::create(dir)?
    })
}

/// Options of `kiyome erase execute` that issue certificates with other settings than the
/// store's (all four together).
#[derive(clap::Args)]
pub struct CertifyArgs {
    /// Issue a crypto-erase certificate for each verified erasure, with this profile (JSON:
    /// issuer, performer, validator, witness; see docs/certificate-format.md). Without these
    /// options the settings recorded by `kiyome erase init` are used.
    #[arg(long, requires_all = ["cert_keys", "ledger", "cert_dir"])]
    certify: Option<PathBuf>,
    /// Certificate signing key ring.
    #[arg(long, requires = "certify")]
    cert_keys: Option<PathBuf>,
    /// Ledger directory (created if missing); key lifecycle events are appended too.
    #[arg(long, requires = "certify")]
    ledger: Option<PathBuf>,
    /// Directory for the certificate files (`<certificate id>.kcert.json`).
    #[arg(long, requires = "certify")]
    cert_dir: Option<PathBuf>,
}

impl CertifyArgs {
    /// The explicit settings, else the store's, else `None` (erasures stay uncertified).
    pub fn settings(&self, store: &Store) -> anyhow::Result<Option<Settings>> {
        let (Some(profile), Some(keys), Some(ledger), Some(dir)) =
            (&self.certify, &self.cert_keys, &self.ledger, &self.cert_dir)
        else {
            return Settings::of(store);
        };
        Ok(Some(Settings {
            profile: read_profile(profile)?,
            cert_keys: keys.clone(),
            ledger: ledger.clone(),
            cert_dir: dir.clone(),
        }))
    }
}

/// Reads a certificate profile file.
pub fn read_profile(path: &Path) -> anyhow::Result<Profile> {
    serde_json::from_slice(
        &std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?,
    )
    .with_context(|| format!("certificate profile {}", path.display()))
}

/// The certificate already in the ledger for this erased key of this store, if any: issuance
/// that was interrupted after the append (before the id reached the store) is not repeated.
fn already_certified(l: &Ledger, ev: &ErasureEvidence) -> anyhow::Result<Option<String>> {
    Ok(register::records(l)?.into_iter().find_map(|r| {
        let c = &r.certificate;
        let k = c.crypto_erase.as_ref()?;
        (k.key_id == ev.key_id
            && c.media.serial_number == ev.store_id
            && matches!(
                c.record_kind,
                RecordKind::CryptoErase | RecordKind::LogicalDeletion
            ))
        .then(|| c.certificate_id.clone())
    }))
}

/// Issues a certificate for each piece of evidence (skipping keys already certified in the
/// ledger), records each certificate id in the store, then appends the store's new key
/// lifecycle events to the ledger. Returns false when any certificate could not be issued (the
/// erasure then stays on the pending-certification list).
pub fn certify(
    s: &Settings,
    store: &mut Store,
    evidence: &[ErasureEvidence],
) -> anyhow::Result<bool> {
    let ring = KeyRing::open(&s.cert_keys)?;
    let mut ok = true;
    for ev in evidence {
        let existing = already_certified(&open_or_create(&s.ledger)?, ev)?;
        if let Some(id) = existing {
            store.set_certificate_id(&ev.key_id, &id)?;
            println!("{} ({}) was already certified: {id}", ev.label, ev.key_id);
            continue;
        }
        let id = new_certificate_id()?;
        let result =
            kiyome_cert::erasure::certificate(ev, &s.profile, id.clone(), Timestamp::now())
                .map_err(anyhow::Error::from)
                .and_then(|c| {
                    issue_and_record(
                        c,
                        &ring,
                        &s.ledger,
                        &s.cert_dir.join(format!("{id}.kcert.json")),
                    )
                });
        match result {
            Ok(line) => {
                println!("{line}");
                store.set_certificate_id(&ev.key_id, &id)?;
            }
            Err(e) => {
                ok = false;
                eprintln!(
                    "no certificate for {} ({}): {e:#}; it stays pending (kiyome cert pending)",
                    ev.label, ev.key_id
                );
            }
        }
    }
    log_key_events(&ring, &s.ledger, store)?;
    Ok(ok)
}

/// Appends every key-store lifecycle event not yet in the ledger.
pub fn log_key_events(ring: &KeyRing, ledger: &Path, store: &Store) -> anyhow::Result<()> {
    let mut l = open_or_create(ledger)?;
    let store_id = store.store_id();
    let since = kiyome_cert::erasure::last_store_seq(&l, &store_id);
    let key = ring.active()?;
    let events = store.events_since(i64::try_from(since).unwrap_or(i64::MAX))?;
    for e in &events {
        let event = kiyome_cert::erasure::key_event(&store_id, e)?;
        l.append(|seq| Entry::KeyEvent { seq, event }, &key, Timestamp::now())?;
    }
    eprintln!(
        "{} key lifecycle event(s) appended to the ledger",
        events.len()
    );
    Ok(())
}

/// The erasures to certify for `cert issue --from-erasure KEY` (one) or `--pending` (all).
pub fn select(store: &Store, key: Option<&str>) -> anyhow::Result<Vec<ErasureEvidence>> {
    let pending = store.pending_certification()?;
    let Some(name) = key else { return Ok(pending) };
    let k = store.key(name)?;
    let Some(ev) = store.evidence(name)? else {
        bail!(
            "key {} is {}, not erased: nothing to certify",
            k.label,
            k.state_str()
        )
    };
    if let Some(c) = &k.certificate_id {
        bail!("key {} is already certified: {c}", k.label);
    }
    Ok(vec![ev])
}

/// Prints the pending-certification list.
pub fn print_pending(list: &[ErasureEvidence], json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(list)?);
        return Ok(());
    }
    for ev in list {
        println!(
            "{:<24} {}  erased {}{}  {} container(s)",
            ev.label,
            ev.key_id,
            ev.destroyed_at,
            if ev.completed_by_recovery {
                " (completed by crash recovery)"
            } else {
                ""
            },
            ev.containers.len()
        );
    }
    eprintln!(
        "{} erasure(s) awaiting a certificate / 証明書未発行 {} 件",
        list.len(),
        list.len()
    );
    Ok(())
}
