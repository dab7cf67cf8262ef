//! The erase engine's evidence becomes a valid crypto-erase certificate; an unverified
//! erasure gets none; an exported key gets an honest logical-deletion record; key-store
//! events become ledger key events.

use kiyome_cert::erasure::{Profile, certificate, key_event};
use kiyome_cert::issue::{self, Outcome};
use kiyome_cert::model::*;
use kiyome_erase::{ContainerRef, ErasureEvidence, Event, OfficerSignature};

fn officer(name: &str) -> OfficerSignature {
    OfficerSignature {
        officer: name.into(),
        public_key: "00".repeat(32),
        signed_at: "2026-11-20T00:00:00.123Z".into(),
        message: "erase k".into(),
        signature: "11".repeat(64),
    }
}

fn evidence() -> ErasureEvidence {
    ErasureEvidence {
        erasure_id: "e1".into(),
        store_id: "53f6e8a7d83bfbb8454ea7b66b734234".into(),
        key_id: "0bfca9f13f0e49d86f548f65ecb48050".into(),
        label: "rec-1".into(),
        record_series: "tax-2020".into(),
        owner: "税務課".into(),
        class: "機密性2".into(),
        algorithm: "AES-256-GCM".into(),
        strength_bits: 256,
        key_created_at: "2020-04-01T00:00:00.5Z".into(),
        first_use_at: Some("2020-04-01T00:05:00Z".into()),
        executed_at: "2026-11-22T05:05:56.373Z".into(),
        destroyed_at: "2026-11-22T05:05:56.373Z".into(),
        root_custody: "file:/tmp/store.db.root".into(),
        old_root_generation: 1,
        new_root_generation: 2,
        earlier_copies_useless_from: "2026-11-22T05:05:56.373Z".into(),
        path_levels_rekeyed: 4,
        containers: vec![ContainerRef {
            header_sha256: "77e7379d0391fa999af6130f60c14c3ab4275a847ea138e43d1c304e59e99fee"
                .into(),
            created_at: "2020-04-01T00:05:00Z".into(),
            plaintext_len: 15,
            file_sha256: Some(
                "5d1be7e9dda1ee8896be5b7e34a85ee16452a7b4b2da4f3c3d2a3f9e9d4b2a10".into(),
            ),
            container_len: Some(143),
        }],
        requester: officer("alice"),
        approver: officer("bob"),
        waiting_period_secs: 259200,
        key_ever_exported: false,
        verified_unrecoverable: true,
        completed_by_recovery: false,
    }
}

fn profile() -> Profile {
    serde_json::from_str(
        r#"{"issuer":{"organisation":"○○市"},
            "performer":{"name":"山田 太郎","title":"主任","organisation":"○○市"},
            "validator":{"name":"佐藤 花子","title":"係長","organisation":"○○市"}}"#,
    )
    .unwrap()
}

fn now() -> Timestamp {
    Timestamp::parse("2026-11-22T05:06:00Z").unwrap()
}

#[test]
fn verified_erasure_becomes_a_crypto_erase_certificate() {
    let c = certificate(&evidence(), &profile(), "KYC-1".into(), now()).unwrap();
    let k = c.crypto_erase.as_ref().unwrap();
    assert_eq!(k.key_created_at.to_string(), "2020-04-01T00:00:00Z");
    assert_eq!(k.data_first_written_at, k.key_first_use_at);
    assert_eq!(k.approval_signatures.len(), 2);
    // The container is named by its header hash and described by the hash of its whole file.
    let ev = evidence();
    assert_eq!(k.containers[0].id, ev.containers[0].header_sha256);
    assert_eq!(
        Some(&k.containers[0].sha256),
        ev.containers[0].file_sha256.as_ref()
    );
    assert_ne!(k.containers[0].id, k.containers[0].sha256);
    assert_eq!(k.containers[0].size, Some(143));
    assert_eq!(c.disposal_class, DisposalClass::Class2);
    assert!(matches!(
        issue::validate(c).unwrap(),
        Outcome::Certificate(_)
    ));
}

#[test]
fn unverified_erasure_gets_no_certificate() {
    let mut ev = evidence();
    ev.verified_unrecoverable = false;
    let err = certificate(&ev, &profile(), "KYC-1".into(), now()).unwrap_err();
    assert!(err.to_string().contains("rule.not_verified"), "{err}");
}

#[test]
fn exported_key_or_late_first_use_becomes_logical_deletion() {
    let mut ev = evidence();
    ev.key_ever_exported = true;
    let c = certificate(&ev, &profile(), "KYC-1".into(), now()).unwrap();
    assert!(matches!(
        issue::validate(c).unwrap(),
        Outcome::LogicalDeletion(..)
    ));
    let mut ev = evidence();
    ev.first_use_at = Some("2020-04-02T00:00:00Z".into());
    let c = certificate(&ev, &profile(), "KYC-1".into(), now()).unwrap();
    assert!(matches!(
        issue::validate(c).unwrap(),
        Outcome::LogicalDeletion(..)
    ));
}

#[test]
fn class1_crypto_erase_is_refused() {
    let mut p = profile();
    p.disposal_class = Some(DisposalClass::Class1);
    let c = certificate(&evidence(), &p, "KYC-1".into(), now()).unwrap();
    assert!(issue::validate(c).is_err());
}

#[test]
fn store_events_become_ledger_events() {
    let e = Event {
        seq: 12,
        at: "2026-11-22T05:05:56.373Z".into(),
        kind: "key_erased".into(),
        key_id: Some("k".into()),
        officer: Some("bob".into()),
        detail: String::new(),
    };
    let k = key_event("s", &e).unwrap();
    assert_eq!(
        (k.store_seq, k.store_id.as_deref(), k.event.as_str()),
        (Some(12), Some("s"), "key_erased")
    );
    assert_eq!(k.details.as_deref(), Some("officer bob"));
}

#[test]
fn a_container_without_a_recorded_file_hash_is_refused() {
    let mut ev = evidence();
    ev.containers[0].file_sha256 = None;
    let err = certificate(&ev, &profile(), "KYC-1".into(), now()).unwrap_err();
    assert!(err.to_string().contains("rule.containers"), "{err}");
}
