//! Shared fixtures: a fixed key and fixed certificates.
#![allow(dead_code)]

use kiyome_cert::jws::{KeyPair, unb64};
use kiyome_cert::model::*;

/// RFC 8037 Appendix A.1's Ed25519 private key (d), so anyone can redo the test vector.
pub const RFC8037_D: &str = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";

pub fn fixed_key() -> KeyPair {
    let d: [u8; 32] = unb64(RFC8037_D, "d").unwrap().try_into().unwrap();
    KeyPair::from_seed(&d)
}

pub fn ts(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

pub fn date(s: &str) -> chrono::NaiveDate {
    s.parse().unwrap()
}

fn person(name: &str) -> Person {
    Person {
        name: name.into(),
        title: "主任 / Chief".into(),
        organisation: "○○市 情報政策課".into(),
        location: Some("○○市役所 本庁舎3階".into()),
        phone: Some("000-000-0000".into()),
    }
}

/// A class (2) HDD physically destroyed by a contractor: the fixed certificate of the test
/// vector.
pub fn disposal() -> Certificate {
    Certificate {
        format: FORMAT.into(),
        certificate_id: "KYC-20190501-00000001".into(),
        record_kind: RecordKind::Sanitization,
        issued_at: ts("2019-05-01T01:00:00Z"),
        issuer: Issuer {
            organisation: "○○市".into(),
            department: Some("総務部情報政策課".into()),
        },
        disposal_class: DisposalClass::Class2,
        performer: person("山田 太郎"),
        media: Media {
            make: "Example Corp".into(),
            model: "HDD-1000".into(),
            serial_number: "SN-0001".into(),
            property_number: Some("R01-0001".into()),
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
            method_details: Some("穿孔後に破砕 \"4 holes\" then shredded\n".into()),
            tool: None,
            tool_version: None,
            verification_method: "目視確認 / visual inspection".into(),
            post_classification: "なし / unclassified".into(),
            notes: None,
            flash_overwrite_justification: None,
            performed_at: ts("2019-04-30T20:00:00Z"),
        },
        destination: Destination {
            kind: DestinationKind::Disposed,
            details: None,
        },
        attestation: Attestation {
            statement: "上記のとおり消去したことを証明します。 I attest that the sanitization above was performed.".into(),
            date: date("2019-05-01"),
        },
        validation: Some(Validation {
            person: person("佐藤 花子"),
            date: date("2019-05-01"),
        }),
        witness: Some(Witness {
            name: "鈴木 一郎".into(),
            title: "主事".into(),
            organisation: "○○市 情報政策課".into(),
        }),
        contractor: Some(Contractor {
            name: "株式会社○○リサイクル".into(),
            contract_number: Some("R1-契約-77".into()),
            certificate_reference: None,
            certificate_due: Some(date("2019-05-31")),
        }),
        lease: None,
        evidence: vec![Evidence {
            sha256: "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824".into(),
            file_name: "破砕写真.jpg".into(),
            description: Some("破砕後 / after shredding".into()),
        }],
        crypto_erase: None,
        logical_deletion_reasons: Vec::new(),
    }
}

/// A kiyome crypto-erase of two containers.
pub fn crypto_erase() -> Certificate {
    let mut c = disposal();
    c.certificate_id = "KYC-20261122-00000002".into();
    c.record_kind = RecordKind::CryptoErase;
    c.media.media_type = MediaType::Virtual;
    c.contractor = None;
    c.witness = None;
    c.sanitization.method = Method::CryptographicErase;
    c.sanitization.method_type = MethodType::Purge;
    c.sanitization.method_used = "鍵の破棄 / key destruction".into();
    c.destination.kind = DestinationKind::InternalReuse;
    c.crypto_erase = Some(CryptoErase {
        key_id: "k-0001".into(),
        key_label: Some("住民税 2020".into()),
        series: Some("tax-2020".into()),
        owner: Some("税務課".into()),
        algorithm: "AES-256-GCM".into(),
        strength_bits: 256,
        key_created_at: ts("2020-04-01T00:00:00Z"),
        key_first_use_at: ts("2020-04-01T00:05:00Z"),
        data_first_written_at: ts("2020-04-01T00:05:00Z"),
        key_destroyed_at: ts("2026-11-22T01:00:00Z"),
        root_custody: "pkcs11:token=kiyome;object=root".into(),
        containers: vec![ContainerRef {
            id: "c-0001".into(),
            sha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855".into(),
            size: None,
        }],
        earlier_copies_useless_from: ts("2026-11-22T01:00:00Z"),
        requester: "山田 太郎".into(),
        approver: "佐藤 花子".into(),
        approval_signatures: Vec::new(),
        ever_exported: false,
    });
    c
}
