//! The erasure lifecycle through the public API: dual control, legal holds, waiting period,
//! cancellation, evidence, events, refusal messages, file modes.

use kiyome_erase::{Class, CustodyConfig, Error, KeySpec, KeyState, Store};
use std::os::unix::fs::PermissionsExt;

fn spec(label: &str, end: &str) -> KeySpec {
    KeySpec {
        label: label.into(),
        record_series: "税務".into(),
        owner: "税務課".into(),
        class: Class::C3,
        retention_end: end.into(),
    }
}

fn new_store(wait: u64) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("k.root");
    let s = Store::create(
        &dir.path().join("k.db"),
        CustodyConfig::File { path: root },
        wait,
        None,
    )
    .unwrap();
    (dir, s)
}

#[test]
fn store_and_root_files_are_private() {
    let (dir, _s) = new_store(0);
    for f in ["k.db", "k.root"] {
        let mode = std::fs::metadata(dir.path().join(f))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600, "{f}");
    }
}

#[test]
fn dual_control_hold_cancel_and_execution() {
    let (_d, mut s) = new_store(0);
    s.create_key(&spec("r1", "2020-03-31")).unwrap();
    s.create_key(&spec("r2", "2040-03-31")).unwrap();
    let mut c1 = Vec::new();
    s.encrypt("r1", &mut &b"secret record"[..], &mut c1, 64)
        .unwrap();
    let mut c2 = Vec::new();
    s.encrypt("r2", &mut &b"other record"[..], &mut c2, 64)
        .unwrap();
    assert!(
        s.key("r1").unwrap().first_use_at.is_some(),
        "first use recorded"
    );
    assert_eq!(
        s.due("2026-01-01")
            .unwrap()
            .iter()
            .map(|k| k.label.as_str())
            .collect::<Vec<_>>(),
        ["r1"]
    );

    let alice = s.add_officer("alice").unwrap();
    let bob = s.add_officer("bob").unwrap();
    assert_eq!(format!("{alice:?}"), "OfficerKey(alice, [redacted])");

    // A legal hold blocks the request.
    s.hold("r1", "審査請求 2026-12", Some("alice")).unwrap();
    assert!(
        s.due("2026-01-01").unwrap().is_empty(),
        "held keys are not due"
    );
    assert!(matches!(
        s.request_erasure("r1", &alice, "x"),
        Err(Error::State(_))
    ));
    assert_eq!(s.release("r1", Some("bob")).unwrap(), 1);

    s.request_erasure("r1", &alice, "retention ended").unwrap();
    assert_eq!(s.key("r1").unwrap().state, KeyState::ErasurePending);
    // The requester cannot approve.
    let e = s.approve_erasure("r1", &alice).unwrap_err();
    assert!(e.to_string().contains("dual control"), "{e}");
    // Not approved yet: nothing executes.
    let out = s.execute_erasures(&[]).unwrap();
    assert!(out.evidence.is_empty());

    // Cancel, then request again.
    s.cancel_erasure("r1", &bob).unwrap();
    assert_eq!(s.key("r1").unwrap().state, KeyState::Active);
    s.request_erasure("r1", &alice, "retention ended").unwrap();
    s.approve_erasure("r1", &bob).unwrap();

    // A hold placed after approval still blocks execution.
    s.hold("r1", "litigation", None).unwrap();
    let out = s.execute_erasures(&[]).unwrap();
    assert!(out.evidence.is_empty());
    assert!(out.skipped[0].1.contains("legal hold"), "{:?}", out.skipped);
    s.release("r1", None).unwrap();

    let out = s.execute_erasures(&["r1".into()]).unwrap();
    let ev = &out.evidence[0];
    assert_eq!(
        (ev.label.as_str(), ev.algorithm.as_str(), ev.strength_bits),
        ("r1", "AES-256-GCM", 256)
    );
    assert_eq!(ev.class, "機密性3");
    assert_eq!(ev.requester.officer, "alice");
    assert_eq!(ev.approver.officer, "bob");
    assert!(ev.root_custody.starts_with("file:"));
    assert!(ev.verified_unrecoverable && !ev.key_ever_exported && !ev.completed_by_recovery);
    assert_eq!(ev.containers.len(), 1);
    assert_eq!(ev.earlier_copies_useless_from, ev.destroyed_at);
    assert!(ev.first_use_at.is_some());
    assert_eq!(
        s.evidence("r1").unwrap().as_ref(),
        Some(ev),
        "evidence kept in the store"
    );

    // Decrypting the erased key's container names the erasure.
    let k = s.key("r1").unwrap();
    assert_eq!(k.state, KeyState::Erased);
    let err = s.decrypt(&mut &c1[..], &mut Vec::new()).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("crypto-erased") && msg.contains(k.erased_at.as_deref().unwrap()),
        "{msg}"
    );
    assert!(matches!(s.probe_key("r1"), Err(Error::KeyErased { .. })));
    assert!(matches!(
        s.encrypt("r1", &mut &b"x"[..], &mut Vec::new(), 64),
        Err(Error::State(_))
    ));
    s.set_certificate_id("r1", "CERT-0001").unwrap();
    let msg = s
        .decrypt(&mut &c1[..], &mut Vec::new())
        .unwrap_err()
        .to_string();
    assert!(msg.contains("certificate CERT-0001"), "{msg}");

    // The other key still decrypts.
    let mut out2 = Vec::new();
    s.decrypt(&mut &c2[..], &mut out2).unwrap();
    assert_eq!(out2, b"other record");

    // Every lifecycle event is in the log, in order, readable incrementally.
    let kinds: Vec<String> = s
        .events_since(0)
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    for k in [
        "root_created",
        "key_created",
        "first_use",
        "officer_added",
        "hold",
        "release",
        "erase_requested",
        "erase_cancelled",
        "erase_approved",
        "erase_executed",
        "root_destroyed",
        "key_erased",
    ] {
        assert!(
            kinds.iter().any(|x| x == k),
            "event {k} missing from {kinds:?}"
        );
    }
    let all = s.events_since(0).unwrap();
    let later = s.events_since(all[all.len() - 3].seq).unwrap();
    assert_eq!(later.len(), 2);
}

#[test]
fn waiting_period_delays_execution() {
    let (_d, mut s) = new_store(3600);
    s.create_key(&spec("r1", "2020-01-01")).unwrap();
    let a = s.add_officer("a").unwrap();
    let b = s.add_officer("b").unwrap();
    s.request_erasure("r1", &a, "x").unwrap();
    s.approve_erasure("r1", &b).unwrap();
    let out = s.execute_erasures(&[]).unwrap();
    assert!(out.evidence.is_empty());
    assert!(
        out.skipped[0].1.contains("waiting period"),
        "{:?}",
        out.skipped
    );
    assert!(s.probe_key("r1").is_ok());
}

#[test]
fn unregistered_or_mismatched_officer_keys_are_refused() {
    let (_d, mut s) = new_store(0);
    s.create_key(&spec("r1", "2020-01-01")).unwrap();
    let stranger = kiyome_erase::OfficerKey::generate("mallory").unwrap();
    assert!(matches!(
        s.request_erasure("r1", &stranger, "x"),
        Err(Error::Officer(_))
    ));
    let _real = s.add_officer("carol").unwrap();
    let forged = kiyome_erase::OfficerKey::generate("carol").unwrap();
    assert!(matches!(
        s.request_erasure("r1", &forged, "x"),
        Err(Error::Officer(_))
    ));
}

#[test]
fn concurrent_key_creation_and_erasure_do_not_corrupt_the_tree() {
    // Two handles on one store (as two processes would have): one creates keys (growing the
    // tree), the other executes erasures (re-keying paths, rotating the root). The store lock
    // must serialize them; without it an erasure planned before a tree growth would overwrite it.
    let (dir, mut s) = new_store(0);
    let db = dir.path().join("k.db");
    let mut cs = Vec::new();
    for i in 0..10 {
        s.create_key(&spec(&format!("c{i}"), "2020-01-01")).unwrap();
        let mut c = Vec::new();
        s.encrypt(
            &format!("c{i}"),
            &mut format!("p{i}").as_bytes(),
            &mut c,
            64,
        )
        .unwrap();
        cs.push(c);
    }
    let a = s.add_officer("a").unwrap();
    let b = s.add_officer("b").unwrap();
    for i in 0..5 {
        s.request_erasure(&format!("c{i}"), &a, "x").unwrap();
        s.approve_erasure(&format!("c{i}"), &b).unwrap();
    }
    drop(s);
    let db1 = db.clone();
    let creator = std::thread::spawn(move || {
        let mut s = Store::open(&db1, None).unwrap();
        for i in 0..120 {
            s.create_key(&spec(&format!("n{i}"), "2030-01-01")).unwrap();
        }
    });
    let db2 = db.clone();
    let eraser = std::thread::spawn(move || {
        let mut s = Store::open(&db2, None).unwrap();
        for i in 0..5 {
            let out = s.execute_erasures(&[format!("c{i}")]).unwrap();
            assert_eq!(out.evidence.len(), 1);
        }
    });
    creator.join().unwrap();
    eraser.join().unwrap();
    let mut s = Store::open(&db, None).unwrap();
    for (i, c) in cs.iter().enumerate() {
        let r = s.decrypt(&mut &c[..], &mut Vec::new());
        assert_eq!(r.is_ok(), i >= 5, "c{i}: {r:?}");
    }
    for i in 0..120 {
        s.probe_key(&format!("n{i}")).unwrap();
    }
    assert_eq!(s.tree_height().unwrap(), 2);
}
