//! Whole-certificate rules: honest logical deletion, method type, second-person validation,
//! contractor deadline, crypto-erase consistency.

mod common;

use kiyome_cert::issue::{self, Outcome};
use kiyome_cert::model::*;
use kiyome_cert::{Error, rules};

fn codes(c: &Certificate) -> Vec<&'static str> {
    rules::check(c).iter().map(|v| v.code).collect()
}

#[test]
fn fixtures_pass() {
    assert!(codes(&common::disposal()).is_empty());
    assert!(codes(&common::crypto_erase()).is_empty());
}

#[test]
fn key_used_after_data_was_written_becomes_logical_deletion() {
    let mut c = common::crypto_erase();
    if let Some(k) = c.crypto_erase.as_mut() {
        k.data_first_written_at = common::ts("2020-03-31T00:00:00Z");
    }
    match issue::validate(c).unwrap() {
        Outcome::LogicalDeletion(v, why) => {
            assert_eq!(v.certificate().record_kind, RecordKind::LogicalDeletion);
            assert_eq!(
                why.iter().map(|v| v.code).collect::<Vec<_>>(),
                ["rule.key_after_data"]
            );
            assert!(v.certificate().logical_deletion_reasons[0].starts_with("rule.key_after_data"));
        }
        Outcome::Certificate(_) => {
            panic!("a crypto-erase certificate was issued for data written before encryption")
        }
    }
}

#[test]
fn exported_key_becomes_logical_deletion() {
    let mut c = common::crypto_erase();
    if let Some(k) = c.crypto_erase.as_mut() {
        k.ever_exported = true;
    }
    assert!(matches!(
        issue::validate(c).unwrap(),
        Outcome::LogicalDeletion(..)
    ));
}

#[test]
fn other_failures_refuse_with_bilingual_messages() {
    let mut c = common::disposal();
    c.sanitization.method_type = MethodType::Clear;
    assert_eq!(codes(&c), ["rule.method_type"]);
    let mut c = common::disposal();
    c.validation.as_mut().unwrap().person.name = c.performer.name.clone();
    assert_eq!(codes(&c), ["rule.validator_is_performer"]);
    let mut c = common::disposal();
    c.contractor.as_mut().unwrap().certificate_due = None;
    assert_eq!(codes(&c), ["rule.contractor_deadline"]);
    let mut c = common::disposal();
    c.evidence[0].sha256 = "ABC".into();
    assert_eq!(codes(&c), ["rule.evidence_hash"]);
    let mut c = common::disposal();
    c.media.serial_number = " ".into();
    assert_eq!(codes(&c), ["rule.missing_field"]);
    let mut c = common::crypto_erase();
    c.sanitization.method = Method::PhysicalDestruction;
    c.sanitization.method_type = MethodType::Destruct;
    assert_eq!(codes(&c), ["rule.crypto_section"]);
    let mut c = common::crypto_erase();
    c.crypto_erase = None;
    assert_eq!(codes(&c), ["rule.crypto_section"]);
    let mut c = common::crypto_erase();
    c.crypto_erase.as_mut().unwrap().key_destroyed_at = common::ts("2019-01-01T00:00:00Z");
    assert_eq!(codes(&c), ["rule.key_times"]);
    // A broken crypto-erase that is also otherwise wrong is refused, not turned into a record.
    let mut c = common::crypto_erase();
    c.crypto_erase.as_mut().unwrap().ever_exported = true;
    c.crypto_erase.as_mut().unwrap().containers.clear();
    let err = issue::validate(c).unwrap_err();
    let Error::Rules(v) = &err else {
        panic!("{err}")
    };
    assert!(v.iter().all(|x| !x.ja.is_empty() && !x.en.is_empty()));
    assert!(err.to_string().contains("証明書を発行できません"));
    let mut c = common::disposal();
    c.sanitization.method = Method::Formatting;
    c.sanitization.method_type = MethodType::Clear;
    let err = issue::validate(c).unwrap_err().to_string();
    assert!(
        err.contains("フォーマットは消去方法として認められません")
            && err.contains("formatting is never"),
        "{err}"
    );
}

#[test]
fn flash_overwrite_needs_a_recorded_justification() {
    let mut c = common::disposal();
    c.disposal_class = DisposalClass::Class3;
    c.media.media_type = MediaType::Ssd;
    c.sanitization.method = Method::OverwriteOsAccessible;
    c.sanitization.method_type = MethodType::Clear;
    assert_eq!(codes(&c), ["rule.flash_overwrite"]);
    c.sanitization.flash_overwrite_justification = Some("  ".into());
    assert_eq!(codes(&c), ["rule.flash_overwrite"]);
    c.sanitization.flash_overwrite_justification = Some("再利用のため。機密性1のみ。".into());
    assert!(codes(&c).is_empty());
}
