//! Criterion benches of the crypto-erase crate: container throughput (in memory, 16 MiB) and
//! erasure latency on a store of 4000 keys. The side-by-side comparison with age and openssl,
//! and the 10^5 / 10^6 key stores, are in `scripts/bench-erase.sh`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kiyome_erase::container::{self, DEFAULT_CHUNK, Header};
use kiyome_erase::{Class, CustodyConfig, DataKey, KeyId, KeySpec, Store};
use std::hint::black_box;

fn throughput(c: &mut Criterion) {
    let data = vec![0x5au8; 16 << 20];
    let key = DataKey::generate().unwrap();
    let id = KeyId([1; 16]);
    let mut sealed = Vec::with_capacity(data.len() + (1 << 20));
    container::encrypt(&key, id, DEFAULT_CHUNK, &mut &data[..], &mut sealed).unwrap();
    let mut g = c.benchmark_group("container");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.sample_size(10);
    g.bench_function("encrypt_16MiB", |b| {
        let mut out = Vec::with_capacity(sealed.len());
        b.iter(|| {
            out.clear();
            container::encrypt(&key, id, DEFAULT_CHUNK, &mut &data[..], &mut out).unwrap();
            black_box(out.len())
        })
    });
    g.bench_function("decrypt_16MiB", |b| {
        let mut out = Vec::with_capacity(data.len());
        b.iter(|| {
            out.clear();
            let mut r = &sealed[..];
            let h = Header::read_from(&mut r).unwrap();
            container::decrypt(&key, &h, &mut r, &mut out).unwrap();
            black_box(out.len())
        })
    });
    g.finish();
}

fn erasure(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    let root = CustodyConfig::File {
        path: dir.path().join("k.root"),
    };
    let mut s = Store::create(&db, root, 0, None).unwrap();
    let n = 4000;
    let specs: Vec<KeySpec> = (0..n)
        .map(|i| KeySpec {
            label: format!("k{i}"),
            record_series: "s".into(),
            owner: "o".into(),
            class: Class::C1,
            retention_end: "2020-01-01".into(),
        })
        .collect();
    s.create_keys_bulk(&specs).unwrap();
    let a = s.add_officer("a").unwrap();
    let b = s.add_officer("b").unwrap();
    let mut next = 0;
    let mut g = c.benchmark_group("erasure");
    g.sample_size(20);
    // Each iteration erases a fresh key: bound the run so the 4000 keys suffice.
    g.warm_up_time(std::time::Duration::from_secs(1));
    g.measurement_time(std::time::Duration::from_secs(5));
    g.bench_function("execute_one_of_4000_keys", |bch| {
        bch.iter_custom(|iters| {
            let mut total = std::time::Duration::ZERO;
            for _ in 0..iters {
                let l = format!("k{}", next % n);
                next += 1;
                s.request_erasure(&l, &a, "bench").unwrap();
                s.approve_erasure(&l, &b).unwrap();
                let t = std::time::Instant::now();
                black_box(s.execute_erasures(&[l]).unwrap());
                total += t.elapsed();
            }
            total
        })
    });
    g.finish();
}

criterion_group!(benches, throughput, erasure);
criterion_main!(benches);
