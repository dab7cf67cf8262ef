//! Glue to the crypto-erase engine (kiyome-erase): its `ErasureEvidence` becomes a
//! crypto-erase certificate, and its key lifecycle events become ledger entries.

use crate::ledger::{Entry, KeyEvent, Ledger};
use crate::model::*;
use crate::{Error, Result, Violation};
use kiyome_erase::{ErasureEvidence, Event};
use serde::{Deserialize, Serialize};

/// What the key store does not know and a certificate needs: who the organisation and the
/// people are. Kept as a JSON file and passed to `kiyome erase execute --certify`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// The issuing organisation.
    pub issuer: Issuer,
    /// The person performing the erasure.
    pub performer: Person,
    /// The second person validating it.
    #[serde(default)]
    pub validator: Option<Person>,
    /// 立会者.
    #[serde(default)]
    pub witness: Option<Witness>,
    /// Disposal class override; by default 機密性1 → class (3), otherwise class (2).
    /// (Class (1) data may only be physically destroyed, so a crypto-erase is refused.)
    #[serde(default)]
    pub disposal_class: Option<DisposalClass>,
    /// Attestation statement override.
    #[serde(default)]
    pub statement: Option<String>,
}

fn ts(s: &str, what: &str) -> Result<Timestamp> {
    let t = chrono::DateTime::parse_from_rfc3339(s)
        .map_err(|e| Error::malformed(format!("erasure evidence {what}"), e))?;
    Timestamp::from_unix(t.timestamp())
        .ok_or_else(|| Error::malformed("erasure evidence", "time out of range"))
}

/// Builds the crypto-erase certificate for one executed erasure. Refuses (with
/// `rule.not_verified`) when the engine could not verify that the key is unrecoverable.
pub fn certificate(
    ev: &ErasureEvidence,
    profile: &Profile,
    certificate_id: String,
    now: Timestamp,
) -> Result<Certificate> {
    if !ev.verified_unrecoverable {
        return Err(Error::Rules(vec![Violation {
            code: "rule.not_verified",
            ja: "鍵が復元不能であることを確認できませんでした".into(),
            en: "the erasure engine could not verify that the key is unrecoverable".into(),
        }]));
    }
    let created = ts(&ev.key_created_at, "key_created_at")?;
    let first_use = match &ev.first_use_at {
        Some(s) => ts(s, "first_use_at")?,
        None => created,
    };
    let mut containers = Vec::new();
    let mut first_write: Option<Timestamp> = None;
    for c in &ev.containers {
        let at = ts(&c.created_at, "container created_at")?;
        first_write = Some(first_write.map_or(at, |f| f.min(at)));
        // The id is the SHA-256 of the container's header (how the key store knows it); the
        // hash is that of the whole container file, recorded by the engine as it wrote it.
        let Some(sha256) = c.file_sha256.clone() else {
            return Err(Error::Rules(vec![Violation {
                code: "rule.containers",
                ja: format!(
                    "コンテナ {} のファイルハッシュが記録されていません",
                    c.header_sha256
                ),
                en: format!(
                    "the file hash of container {} was not recorded (encrypted by an older build)",
                    c.header_sha256
                ),
            }]));
        };
        containers.push(ContainerRef {
            id: c.header_sha256.clone(),
            sha256,
            size: c.container_len,
        });
    }
    let class = profile
        .disposal_class
        .unwrap_or(if ev.class.ends_with('1') {
            DisposalClass::Class3
        } else {
            DisposalClass::Class2
        });
    let today = crate::register::jst_date(now);
    Ok(Certificate {
        format: FORMAT.into(),
        certificate_id,
        record_kind: RecordKind::CryptoErase,
        issued_at: now,
        issuer: profile.issuer.clone(),
        disposal_class: class,
        performer: profile.performer.clone(),
        media: Media {
            make: "kiyome".into(),
            model: "暗号化コンテナ / encrypted containers".into(),
            serial_number: ev.store_id.clone(),
            property_number: None,
            media_type: MediaType::Virtual,
            source: Some(ev.owner.clone()),
            classification: ev.class.clone(),
            backed_up: BackedUp::Unknown,
            backup_location: None,
        },
        sanitization: Sanitization {
            method_type: MethodType::Purge,
            method: Method::CryptographicErase,
            method_used: "データ鍵の破棄(ルート鍵の更新) / data-key destruction by root rotation".into(),
            method_details: Some(format!(
                "erasure {}; root generation {} destroyed, now {}; {} key-encryption levels re-keyed; waiting period {} s{}",
                ev.erasure_id,
                ev.old_root_generation,
                ev.new_root_generation,
                ev.path_levels_rekeyed,
                ev.waiting_period_secs,
                if ev.completed_by_recovery { "; completed by crash recovery" } else { "" }
            )),
            tool: Some("kiyome".into()),
            tool_version: Some(env!("CARGO_PKG_VERSION").into()),
            verification_method: "消去後に鍵の復号を試行し失敗、旧ルート鍵の不在を確認 / unwrap attempted after erasure and failed; old root absent from custody".into(),
            post_classification: "なし / unclassified".into(),
            notes: None,
            flash_overwrite_justification: None,
            performed_at: ts(&ev.executed_at, "executed_at")?,
        },
        destination: Destination {
            kind: DestinationKind::Other,
            details: Some("コンテナは残存するが復号不能 / containers remain in place, undecryptable".into()),
        },
        attestation: Attestation {
            statement: profile.statement.clone().unwrap_or_else(|| {
                "上記の鍵を破棄し、対象データが復号不能となったことを証明します。 I attest that the key above was destroyed and the data it protected can no longer be decrypted.".into()
            }),
            date: today,
        },
        validation: profile.validator.clone().map(|person| Validation { person, date: today }),
        witness: profile.witness.clone(),
        contractor: None,
        lease: None,
        evidence: Vec::new(),
        crypto_erase: Some(CryptoErase {
            key_id: ev.key_id.clone(),
            key_label: Some(ev.label.clone()),
            series: Some(ev.record_series.clone()),
            owner: Some(ev.owner.clone()),
            algorithm: ev.algorithm.clone(),
            strength_bits: ev.strength_bits,
            key_created_at: created,
            key_first_use_at: first_use,
            data_first_written_at: first_write.unwrap_or(first_use),
            key_destroyed_at: ts(&ev.destroyed_at, "destroyed_at")?,
            root_custody: ev.root_custody.clone(),
            containers,
            earlier_copies_useless_from: ts(&ev.earlier_copies_useless_from, "earlier_copies_useless_from")?,
            requester: ev.requester.officer.clone(),
            approver: ev.approver.officer.clone(),
            approval_signatures: vec![ev.requester.signature.clone(), ev.approver.signature.clone()],
            ever_exported: ev.key_ever_exported,
        }),
        logical_deletion_reasons: Vec::new(),
    })
}

/// The highest key-store sequence number of `store_id` already in the ledger (0 if none).
pub fn last_store_seq(ledger: &Ledger, store_id: &str) -> u64 {
    ledger
        .entries()
        .iter()
        .filter_map(|e| match e {
            Entry::KeyEvent { event, .. } if event.store_id.as_deref() == Some(store_id) => {
                event.store_seq
            }
            _ => None,
        })
        .max()
        .unwrap_or(0)
}

/// Converts a key-store event into a ledger key event.
pub fn key_event(store_id: &str, e: &Event) -> Result<KeyEvent> {
    Ok(KeyEvent {
        key_id: e.key_id.clone().unwrap_or_default(),
        event: e.kind.clone(),
        at: ts(&e.at, "event time")?,
        store_id: Some(store_id.into()),
        store_seq: u64::try_from(e.seq).ok(),
        details: match (&e.officer, e.detail.is_empty()) {
            (Some(o), true) => Some(format!("officer {o}")),
            (Some(o), false) => Some(format!("officer {o}; {}", e.detail)),
            (None, false) => Some(e.detail.clone()),
            (None, true) => None,
        },
    })
}
