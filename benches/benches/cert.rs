//! Certificates (issue 9): certificates issued per second (validated, signed, appended to the
//! ledger with a signed tree head, synced to disk, bundle built), and the time to verify a
//! ledger of 10^5 certificates completely (every certificate and every tree head signature,
//! every root recomputed).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kiyome_cert::bundle::Bundle;
use kiyome_cert::issue;
use kiyome_cert::jws::{KeyPair, PublicKeys};
use kiyome_cert::ledger::{self, Entry, Ledger};
use kiyome_cert::model::*;
use std::time::Duration;

fn ts(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap_or_else(Timestamp::now)
}

fn certificate(i: u64) -> Certificate {
    let person = |name: &str| Person {
        name: name.into(),
        title: "主任".into(),
        organisation: "○○市 情報政策課".into(),
        location: Some("○○市役所".into()),
        phone: Some("000-000-0000".into()),
    };
    Certificate {
        format: FORMAT.into(),
        certificate_id: format!("KYC-BENCH-{i:08}"),
        record_kind: RecordKind::Sanitization,
        issued_at: ts("2026-11-22T01:00:00Z"),
        issuer: Issuer {
            organisation: "○○市".into(),
            department: Some("総務部情報政策課".into()),
        },
        disposal_class: DisposalClass::Class2,
        performer: person("山田 太郎"),
        media: Media {
            make: "Example Corp".into(),
            model: "HDD-1000".into(),
            serial_number: format!("SN-{i:08}"),
            property_number: Some(format!("R08-{i:06}")),
            media_type: MediaType::Hdd,
            source: Some("PC-123".into()),
            classification: "機密性2".into(),
            backed_up: BackedUp::No,
            backup_location: None,
        },
        sanitization: Sanitization {
            method_type: MethodType::Destruct,
            method: Method::PhysicalDestruction,
            method_used: "破砕 / shredding".into(),
            method_details: None,
            tool: None,
            tool_version: None,
            verification_method: "目視確認 / visual inspection".into(),
            post_classification: "なし / unclassified".into(),
            notes: None,
            flash_overwrite_justification: None,
            performed_at: ts("2026-11-21T05:00:00Z"),
        },
        destination: Destination {
            kind: DestinationKind::Disposed,
            details: None,
        },
        attestation: Attestation {
            statement: "上記のとおり消去したことを証明します。".into(),
            date: chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap_or_default(),
        },
        validation: Some(Validation {
            person: person("佐藤 花子"),
            date: chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap_or_default(),
        }),
        witness: None,
        contractor: Some(Contractor {
            name: "株式会社○○リサイクル".into(),
            contract_number: None,
            certificate_reference: None,
            certificate_due: chrono::NaiveDate::from_ymd_opt(2026, 12, 31),
        }),
        lease: None,
        evidence: vec![Evidence {
            sha256: "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824".into(),
            file_name: "photo.jpg".into(),
            description: None,
        }],
        crypto_erase: None,
        logical_deletion_reasons: Vec::new(),
    }
}

fn issue_one(l: &mut Ledger, key: &KeyPair, i: u64) -> Vec<u8> {
    let v = issue::validate(certificate(i)).expect("valid bench certificate");
    let signed = issue::sign(v.validated(), key).expect("sign");
    let jws = signed.jws.clone();
    let a = l
        .append(|seq| Entry::Certificate { seq, jws }, key, Timestamp::now())
        .expect("append");
    Bundle::new(&signed, l.log_id(), &a)
        .to_bytes()
        .expect("bundle")
}

fn bench(c: &mut Criterion) {
    let key = KeyPair::from_seed(&[7u8; 32]);
    let mut keys = PublicKeys::default();
    keys.insert(&key.public()).expect("key");
    let tmp = tempfile::tempdir().expect("tempdir");

    let mut g = c.benchmark_group("cert");
    g.throughput(Throughput::Elements(1));
    let mut l = Ledger::create(&tmp.path().join("issue")).expect("ledger");
    let mut i = 0;
    g.bench_function("issue_signed_appended_synced", |b| {
        b.iter(|| {
            i += 1;
            issue_one(&mut l, &key, i)
        })
    });
    l.set_durable(false);
    g.bench_function("issue_signed_appended_unsynced", |b| {
        b.iter(|| {
            i += 1;
            issue_one(&mut l, &key, i)
        })
    });
    g.finish();

    let n: u64 = std::env::var("KIYOME_BENCH_LEDGER")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tmp.path().join("big");
    let mut big = Ledger::create(&dir).expect("ledger");
    big.set_durable(false);
    for i in 0..n {
        issue_one(&mut big, &key, i);
    }
    drop(big);
    let mut g = c.benchmark_group("ledger");
    g.sample_size(10);
    g.warm_up_time(Duration::from_millis(100));
    g.measurement_time(Duration::from_secs(1));
    g.throughput(Throughput::Elements(n));
    g.bench_function(format!("verify_{n}_entries"), |b| {
        b.iter(|| ledger::verify(&dir, &keys, None).expect("verifies"))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
