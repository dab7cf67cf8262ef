//! Image re-encode throughput: `kiyome_image::disarm` over the decodable images of the shared
//! corpus (images-metadata) and the project's fixtures. Run: `cargo bench -p kiyome-benches --bench image`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kiyome_core::{Budget, Ctx, Inspection, KindClass, Limits, NoNesting, corpus, sniff};

fn inputs() -> Vec<(String, Vec<u8>, kiyome_core::Kind)> {
    let mut dirs = vec![corpus::fixtures_dir()];
    if let Some(c) = corpus::shared_corpus("bench image") {
        dirs.push(c.join("images-metadata"));
    }
    let mut v = Vec::new();
    for d in dirs {
        for p in corpus::files_under(&d) {
            let Ok(data) = std::fs::read(&p) else {
                continue;
            };
            let kind = sniff(&data, None).kind;
            if kind.class() != KindClass::Image {
                continue;
            }
            // Only files that disarm successfully are timed (blocked ones cost little).
            let b = Budget::new(&Limits::default());
            let ctx = Ctx::new(&b, &NoNesting);
            let ok = kiyome_image::disarm(
                &data,
                kind,
                &ctx,
                &Default::default(),
                &mut Inspection::default(),
            )
            .is_ok();
            if ok {
                v.push((p.display().to_string(), data, kind));
            }
        }
    }
    v
}

fn bench(c: &mut Criterion) {
    let files = inputs();
    let bytes: u64 = files.iter().map(|f| f.1.len() as u64).sum();
    let mut g = c.benchmark_group("image_disarm");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function(format!("{}_files", files.len()), |b| {
        b.iter(|| {
            for (_, data, kind) in &files {
                let budget = Budget::new(&Limits::default());
                let ctx = Ctx::new(&budget, &NoNesting);
                let mut out = Inspection::default();
                let _ = kiyome_image::disarm(data, *kind, &ctx, &Default::default(), &mut out);
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
