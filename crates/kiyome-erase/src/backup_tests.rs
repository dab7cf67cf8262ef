//! The backup test: an attacker holding a copy of the store taken before an erasure, plus the
//! current store and the current root, tries every key it can obtain against every wrapped blob
//! of the copy. The erased key must stay out of reach, while the same attack with a backup of
//! the old root (the declared limit) succeeds, showing the attack code works.

use crate::container::{self, Header};
use crate::secret::{self, DataKey};
use crate::store::{Class, CustodyConfig, KeySpec, Store};
use crate::tree::{self, Tree};
use rusqlite::Connection;
use std::path::Path;

fn spec(i: usize) -> KeySpec {
    KeySpec {
        label: format!("rec-{i:03}"),
        record_series: "戸籍".into(),
        owner: "市民課".into(),
        class: Class::C2,
        retention_end: "2030-03-31".into(),
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
    db: std::path::PathBuf,
    root: std::path::PathBuf,
    containers: Vec<Vec<u8>>,
}

fn fixture(n: usize) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("keys.db");
    let root = dir.path().join("keys.root");
    let mut store =
        Store::create(&db, CustodyConfig::File { path: root.clone() }, 0, None).unwrap();
    let specs: Vec<KeySpec> = (0..n).map(spec).collect();
    store.create_keys_bulk(&specs).unwrap();
    let containers = (0..n)
        .map(|i| {
            let mut c = Vec::new();
            let text = format!("record {i}: 住民票の写し");
            store
                .encrypt(&spec(i).label, &mut text.as_bytes(), &mut c, 64)
                .unwrap();
            c
        })
        .collect();
    Fixture {
        _dir: dir,
        store,
        db,
        root,
        containers,
    }
}

fn erase(store: &mut Store, dir: &Path, label: &str) {
    let a = store.add_officer(&format!("a-{label}")).unwrap();
    let b = store.add_officer(&format!("b-{label}")).unwrap();
    let _ = dir;
    store.request_erasure(label, &a, "retention ended").unwrap();
    store.approve_erasure(label, &b).unwrap();
    let out = store.execute_erasures(&[label.to_string()]).unwrap();
    assert_eq!(out.evidence.len(), 1);
    assert!(out.evidence[0].verified_unrecoverable);
}

fn opens(store: &mut Store, c: &[u8]) -> bool {
    store.decrypt(&mut &c[..], &mut Vec::new()).is_ok()
}

fn root_keys(path: &Path) -> Vec<DataKey> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter_map(|l| l.strip_prefix("gen "))
        .map(|l| DataKey::from_slice(&hex::decode(l.split(' ').nth(1).unwrap()).unwrap()).unwrap())
        .collect()
}

/// Every KEK the current store can unwrap legitimately (all of them).
fn current_keks(store: &mut Store) -> Vec<DataKey> {
    let rows: Vec<(u32, i64)> = store
        .conn
        .prepare("SELECT level, idx FROM kek")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut t = Tree::load(&store.conn, store.store_id).unwrap();
    rows.into_iter()
        .map(|(l, i)| {
            t.node(&store.conn, store.custody.as_mut(), l, i as u64)
                .unwrap()
        })
        .collect()
}

/// The attacker's closure over the old copy: every blob, every known key, every plausible AAD.
/// Returns every data key it could unwrap from the copy, by key id.
fn attack(copy: &Path, store_id: [u8; 16], mut known: Vec<DataKey>) -> Vec<(String, DataKey)> {
    let c = Connection::open(copy).unwrap();
    let keks: Vec<(u32, i64, Vec<u8>)> = c
        .prepare("SELECT level, idx, wrapped FROM kek")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let dks: Vec<(String, i64, Vec<u8>)> = c
        .prepare("SELECT key_id, slot, wrapped FROM keys WHERE wrapped IS NOT NULL")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut aads: Vec<(Vec<u8>, Vec<u8>)> = Vec::new(); // (aad, blob)
    for (l, i, b) in &keks {
        aads.push((tree::kek_aad(&store_id, *l, *i as u64), b.clone()));
        for g in 0..4 {
            aads.push((tree::top_aad(&store_id, g, *l), b.clone()));
        }
    }
    loop {
        let before = known.len();
        for (aad, blob) in &aads {
            for k in known.clone() {
                if let Ok(x) = secret::unwrap(&k, blob, aad)
                    && !known.contains(&x)
                {
                    known.push(x);
                }
            }
        }
        if known.len() == before {
            break;
        }
    }
    let mut out = Vec::new();
    for (id, slot, blob) in &dks {
        for k in &known {
            if let Ok(dk) = secret::unwrap(k, blob, &tree::dk_aad(&store_id, id, *slot as u64)) {
                out.push((id.clone(), dk));
            }
        }
    }
    out
}

fn container_opens_with(c: &[u8], dk: &DataKey) -> bool {
    let mut r = c;
    let h = Header::read_from(&mut r).unwrap();
    container::decrypt(dk, &h, &mut r, &mut Vec::new()).is_ok()
}

#[test]
fn backup_copy_cannot_recover_erased_key() {
    // 40 keys: a two-level tree, so the erased key has siblings and cousins.
    let mut f = fixture(40);
    let dir = f.db.parent().unwrap().to_path_buf();
    let copy = dir.join("copy.db");
    std::fs::copy(&f.db, &copy).unwrap();
    let victim = 17usize;
    erase(&mut f.store, &dir, &spec(victim).label);
    let victim_id = f.store.key(&spec(victim).label).unwrap().key_id;

    // The copy cannot even be opened: its root generation is gone from custody.
    let err = Store::open(&copy, None).err().expect("copy must not open");
    assert!(err.to_string().contains("root generation"), "{err}");

    // Copy + current root + every KEK of the current store: the victim stays out of reach.
    let mut known = root_keys(&f.root);
    known.extend(current_keks(&mut f.store));
    let got = attack(&copy, f.store.store_id, known);
    assert!(
        !got.iter().any(|(id, _)| id == &victim_id),
        "erased key recovered from the copy"
    );
    assert!(
        !got.iter()
            .any(|(_, dk)| container_opens_with(&f.containers[victim], dk))
    );
    // The attack is not vacuous: through unchanged subtrees it reaches exactly the keys outside
    // the victim's leaf (the victim's siblings were re-wrapped under a new leaf KEK, so their
    // copies in the old store are dead too; they stay live in the current store).
    let mut reached: Vec<u64> = got
        .iter()
        .map(|(id, _)| f.store.key(id).unwrap().slot)
        .collect();
    reached.sort_unstable();
    reached.dedup();
    let expected: Vec<u64> = (0..40).filter(|s| s >> 4 != victim as u64 >> 4).collect();
    assert_eq!(reached, expected);

    // The current store: the victim is unrecoverable, every other container still decrypts.
    assert!(!opens(&mut f.store, &f.containers[victim]));
    for (i, c) in f.containers.iter().enumerate() {
        if i != victim {
            assert!(opens(&mut f.store, c), "container {i} no longer decrypts");
        }
    }
}

#[test]
fn old_root_backup_defeats_erasure_declared_limit() {
    // The limit stated in docs/erasure-model.md: a store copy plus a backup of the *old root*
    // recovers the key. Root files must never be backed up (PKCS#11 roots cannot be).
    let mut f = fixture(5);
    let dir = f.db.parent().unwrap().to_path_buf();
    let copy = dir.join("copy.db");
    std::fs::copy(&f.db, &copy).unwrap();
    let old_root = root_keys(&f.root);
    erase(&mut f.store, &dir, &spec(2).label);
    let victim_id = f.store.key(&spec(2).label).unwrap().key_id;
    let got = attack(&copy, f.store.store_id, old_root);
    let dk = got
        .iter()
        .find(|(id, _)| id == &victim_id)
        .map(|(_, k)| k.clone());
    let dk = dk.expect("with the old root the copy yields the key: the attack code works");
    assert!(container_opens_with(&f.containers[2], &dk));
}

#[test]
fn batch_erasure_rotates_the_root_once_and_keeps_the_others() {
    let mut f = fixture(300); // height 3
    assert_eq!(f.store.tree_height().unwrap(), 3);
    let a = f.store.add_officer("a").unwrap();
    let b = f.store.add_officer("b").unwrap();
    let victims = [0usize, 1, 16, 255, 256, 299];
    for v in victims {
        f.store
            .request_erasure(&spec(v).label, &a, "batch")
            .unwrap();
        f.store.approve_erasure(&spec(v).label, &b).unwrap();
    }
    let g = f.store.root_generation().unwrap();
    let out = f.store.execute_erasures(&[]).unwrap();
    assert_eq!(out.evidence.len(), victims.len());
    assert_eq!(
        f.store.root_generation().unwrap(),
        g + 1,
        "one root rotation per batch"
    );
    assert!(
        out.evidence
            .iter()
            .all(|e| e.old_root_generation == g && e.verified_unrecoverable)
    );
    assert_eq!(root_keys(&f.root).len(), 1, "only the current root remains");
    for (i, c) in f.containers.iter().enumerate() {
        assert_eq!(
            opens(&mut f.store, c),
            !victims.contains(&i),
            "container {i}"
        );
    }
}
