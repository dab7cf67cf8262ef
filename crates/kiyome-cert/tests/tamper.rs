//! Tamper evidence: flipping any byte of a certificate file or of any ledger file is
//! detected, and so are deleted, reordered and truncated entries and a rolled-back ledger.

mod common;

use kiyome_cert::bundle::{Bundle, verify_bundle, verify_bundle_with_ledger};
use kiyome_cert::issue;
use kiyome_cert::jws::PublicKeys;
use kiyome_cert::ledger::{self, Entry, KeyEvent, Ledger};
use std::fs;
use std::path::Path;

const MASKS: [u8; 2] = [0x01, 0x80];

struct Fixture {
    _tmp: tempfile::TempDir,
    ledger: std::path::PathBuf,
    bundles: Vec<Vec<u8>>,
    keys: PublicKeys,
}

fn fixture() -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ledger");
    let key = common::fixed_key();
    let mut l = Ledger::create(&dir).unwrap();
    let mut bundles = Vec::new();
    for (i, c) in [common::disposal(), common::crypto_erase()]
        .into_iter()
        .enumerate()
    {
        let signed = issue::sign(issue::validate(c).unwrap().validated(), &key).unwrap();
        let jws = signed.jws.clone();
        let a = l
            .append(
                |seq| Entry::Certificate { seq, jws },
                &key,
                common::ts(&format!("2026-11-22T01:00:0{}Z", 2 * i)),
            )
            .unwrap();
        bundles.push(Bundle::new(&signed, l.log_id(), &a).to_bytes().unwrap());
        if i == 0 {
            let event = KeyEvent {
                key_id: "k-0001".into(),
                event: "destroyed".into(),
                at: common::ts("2026-11-22T01:00:00Z"),
                store_id: None,
                store_seq: Some(7),
                details: None,
            };
            l.append(
                |seq| Entry::KeyEvent { seq, event },
                &key,
                common::ts("2026-11-22T01:00:01Z"),
            )
            .unwrap();
        }
    }
    let mut keys = PublicKeys::default();
    keys.insert(&key.public()).unwrap();
    Fixture {
        _tmp: tmp,
        ledger: dir,
        bundles,
        keys,
    }
}

#[test]
fn untouched_fixture_verifies() {
    let f = fixture();
    for b in &f.bundles {
        verify_bundle(b, &f.keys).unwrap();
        verify_bundle_with_ledger(b, &f.keys, &f.ledger).unwrap();
    }
    let r = ledger::verify(&f.ledger, &f.keys, None).unwrap();
    assert_eq!((r.entries, r.certificates, r.heads), (3, 2, 3));
}

#[test]
fn every_byte_of_every_certificate_file_is_protected() {
    let f = fixture();
    for b in &f.bundles {
        for i in 0..b.len() {
            for m in MASKS {
                let mut t = b.clone();
                t[i] ^= m;
                assert!(
                    verify_bundle(&t, &f.keys).is_err(),
                    "flip {m:#04x} at byte {i} of a certificate went unnoticed"
                );
            }
        }
    }
}

fn flip_every_byte(f: &Fixture, name: &str) {
    let path = f.ledger.join(name);
    let orig = fs::read(&path).unwrap();
    assert!(!orig.is_empty());
    // One flip per byte (the certificate-file test tries two masks per byte).
    for i in 0..orig.len() {
        let mut t = orig.clone();
        t[i] ^= 0x01;
        fs::write(&path, &t).unwrap();
        assert!(
            ledger::verify(&f.ledger, &f.keys, None).is_err(),
            "flip at byte {i} of {name} went unnoticed"
        );
    }
    fs::write(&path, &orig).unwrap();
    ledger::verify(&f.ledger, &f.keys, None).unwrap();
}

#[test]
fn every_byte_of_the_entries_file_is_protected() {
    flip_every_byte(&fixture(), "entries.jsonl");
}

#[test]
fn every_byte_of_the_heads_file_is_protected() {
    flip_every_byte(&fixture(), "heads.jsonl");
}

#[test]
fn every_byte_of_the_ledger_id_file_is_protected() {
    flip_every_byte(&fixture(), "ledger.json");
}

fn lines(p: &Path) -> Vec<String> {
    fs::read_to_string(p)
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

fn write_lines(p: &Path, l: &[String]) {
    fs::write(p, l.iter().map(|x| format!("{x}\n")).collect::<String>()).unwrap();
}

#[test]
fn deletion_reordering_and_truncation_are_detected() {
    let f = fixture();
    let e = f.ledger.join("entries.jsonl");
    let h = f.ledger.join("heads.jsonl");
    let (orig_e, orig_h) = (lines(&e), lines(&h));
    let cases: Vec<(&str, Vec<String>, Vec<String>)> = vec![
        (
            "delete middle entry",
            vec![orig_e[0].clone(), orig_e[2].clone()],
            orig_h.clone(),
        ),
        (
            "reorder entries",
            vec![orig_e[1].clone(), orig_e[0].clone(), orig_e[2].clone()],
            orig_h.clone(),
        ),
        ("truncate entries", orig_e[..2].to_vec(), orig_h.clone()),
        (
            "delete a head",
            orig_e.clone(),
            vec![orig_h[0].clone(), orig_h[2].clone()],
        ),
        (
            "reorder heads",
            orig_e.clone(),
            vec![orig_h[1].clone(), orig_h[0].clone(), orig_h[2].clone()],
        ),
        ("truncate heads", orig_e.clone(), orig_h[..2].to_vec()),
        (
            "duplicate an entry",
            [orig_e.clone(), vec![orig_e[2].clone()]].concat(),
            orig_h.clone(),
        ),
    ];
    for (name, ne, nh) in cases {
        write_lines(&e, &ne);
        write_lines(&h, &nh);
        assert!(
            ledger::verify(&f.ledger, &f.keys, None).is_err(),
            "{name} went unnoticed"
        );
    }
    // A consistent rollback (entries and heads both cut back to size 1) verifies on its own:
    // only a head kept from before — from a certificate, or published — reveals it.
    write_lines(&e, &orig_e[..1]);
    write_lines(&h, &orig_h[..1]);
    ledger::verify(&f.ledger, &f.keys, None).unwrap();
    assert!(ledger::verify(&f.ledger, &f.keys, Some(&orig_h[2])).is_err());
    assert!(verify_bundle_with_ledger(&f.bundles[1], &f.keys, &f.ledger).is_err());
    write_lines(&e, &orig_e);
    write_lines(&h, &orig_h);
    let r = ledger::verify(&f.ledger, &f.keys, Some(&orig_h[0])).unwrap();
    assert_eq!(r.consistent_with_known_head, Some(1));
}

#[test]
fn certificate_signed_by_an_unknown_key_is_refused() {
    let f = fixture();
    let other = kiyome_cert::jws::KeyPair::generate().unwrap();
    let signed = issue::sign(
        issue::validate(common::disposal()).unwrap().validated(),
        &other,
    )
    .unwrap();
    let b = Bundle {
        format: kiyome_cert::bundle::BUNDLE_FORMAT.into(),
        jws: signed.jws,
        ledger: None,
    };
    let err = verify_bundle(&b.to_bytes().unwrap(), &f.keys).unwrap_err();
    assert!(matches!(err, kiyome_cert::Error::UnknownKey(_)), "{err}");
}

#[test]
fn appending_refuses_an_unsigned_tail() {
    let f = fixture();
    let e = f.ledger.join("entries.jsonl");
    let mut l = lines(&e);
    l.push(r#"{"event":{"at":"2026-11-22T01:00:00Z","event":"x","key_id":"k"},"seq":3,"type":"key_event"}"#.into());
    write_lines(&e, &l);
    assert!(Ledger::open(&f.ledger).is_err());
}
