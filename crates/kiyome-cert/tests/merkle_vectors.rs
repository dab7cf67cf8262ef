//! The Merkle tree against the RFC 6962 test data used by certificate-transparency
//! implementations, and against a naive implementation written from the RFC text.

use kiyome_cert::merkle::*;

const LEAVES: [&[u8]; 8] = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
];

const ROOTS: [&str; 8] = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

fn tree(n: usize) -> Tree {
    let mut t = Tree::new();
    for l in &LEAVES[..n] {
        t.push(leaf_hash(l));
    }
    t
}

fn hexes(v: &[Hash]) -> Vec<String> {
    v.iter().map(hex::encode).collect()
}

#[test]
fn roots_match_the_rfc6962_test_data() {
    let t = tree(8);
    assert_eq!(
        hex::encode(t.root(0).unwrap()),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    for n in 1..=8 {
        assert_eq!(
            hex::encode(t.root(n as u64).unwrap()),
            ROOTS[n - 1],
            "size {n}"
        );
    }
}

#[test]
fn proofs_match_the_rfc6962_test_data() {
    let t = tree(8);
    assert_eq!(
        hexes(&t.inclusion_proof(0, 8).unwrap()),
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ]
    );
    assert_eq!(
        hexes(&t.inclusion_proof(5, 8).unwrap()),
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ]
    );
    assert!(t.consistency_proof(1, 1).unwrap().is_empty());
    assert_eq!(
        hexes(&t.consistency_proof(1, 8).unwrap()),
        hexes(&t.inclusion_proof(0, 8).unwrap())
    );
    assert_eq!(
        hexes(&t.consistency_proof(6, 8).unwrap()),
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ]
    );
    assert_eq!(
        hexes(&t.consistency_proof(2, 5).unwrap()),
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ]
    );
}

// Naive MTH and PATH straight from RFC 6962 §2.1 and §2.1.1, over explicit slices.
fn naive_mth(d: &[Hash]) -> Hash {
    match d.len() {
        0 => empty_root(),
        1 => d[0],
        n => {
            let mut k = 1;
            while k * 2 < n {
                k *= 2;
            }
            node_hash(&naive_mth(&d[..k]), &naive_mth(&d[k..]))
        }
    }
}

fn naive_path(m: usize, d: &[Hash]) -> Vec<Hash> {
    let n = d.len();
    if n <= 1 {
        return vec![];
    }
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    if m < k {
        let mut p = naive_path(m, &d[..k]);
        p.push(naive_mth(&d[k..]));
        p
    } else {
        let mut p = naive_path(m - k, &d[k..]);
        p.push(naive_mth(&d[..k]));
        p
    }
}

#[test]
fn agrees_with_naive_implementation_and_every_proof_verifies() {
    let leaves: Vec<Hash> = (0..70u32).map(|i| leaf_hash(&i.to_be_bytes())).collect();
    let mut t = Tree::new();
    for l in &leaves {
        t.push(*l);
    }
    for n in 0..=leaves.len() {
        let root = t.root(n as u64).unwrap();
        assert_eq!(root, naive_mth(&leaves[..n]), "root {n}");
        for m in 0..n {
            let p = t.inclusion_proof(m as u64, n as u64).unwrap();
            assert_eq!(p, naive_path(m, &leaves[..n]));
            assert!(verify_inclusion(m as u64, n as u64, &leaves[m], &p, &root));
            // A wrong index, a wrong leaf or a changed proof element must fail.
            assert!(!verify_inclusion(
                m as u64,
                n as u64,
                &leaves[(m + 1) % leaves.len()],
                &p,
                &root
            ));
            if n > 1 {
                assert!(!verify_inclusion(
                    ((m + 1) % n) as u64,
                    n as u64,
                    &leaves[m],
                    &p,
                    &root
                ));
                let mut bad = p.clone();
                bad[0][0] ^= 1;
                assert!(!verify_inclusion(
                    m as u64, n as u64, &leaves[m], &bad, &root
                ));
            }
        }
        for m in 0..=n {
            let p = t.consistency_proof(m as u64, n as u64).unwrap();
            let old = t.root(m as u64).unwrap();
            assert!(
                verify_consistency(m as u64, n as u64, &old, &root, &p),
                "consistency {m}->{n}"
            );
            if m > 0 && m < n {
                let mut wrong = root;
                wrong[0] ^= 1;
                assert!(!verify_consistency(m as u64, n as u64, &old, &wrong, &p));
                assert!(!verify_consistency(m as u64, n as u64, &wrong, &root, &p));
                let mut bad = p.clone();
                bad[0][31] ^= 1;
                assert!(!verify_consistency(m as u64, n as u64, &old, &root, &bad));
            }
        }
    }
}
