//! Inspect throughput (issue 2): `Engine::inspect` over a sample of the shared corpus (three
//! files of each category, so every format handler is exercised) and of the project's own
//! fixtures. Reports bytes/s per group. The side-by-side comparison with pdfid + olevba is
//! `scripts/bench-inspect.sh`.
//!
//! Run: `cargo bench -p kiyome-benches --bench inspect`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kiyome_core::corpus;
use kiyome_sanitize::Engine;
use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::PathBuf;

/// Up to `per_group` files of each top-level folder of `dir`, with their bytes.
fn sample(dir: &std::path::Path, per_group: usize) -> BTreeMap<String, Vec<(String, Vec<u8>)>> {
    let mut groups: BTreeMap<String, Vec<(String, Vec<u8>)>> = BTreeMap::new();
    for path in corpus::files_under(dir) {
        let rel = path.strip_prefix(dir).unwrap_or(&path).to_path_buf();
        let group = match rel.components().count() {
            1 => "fixtures".to_string(),
            _ => rel
                .components()
                .next()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .unwrap_or_default(),
        };
        if rel.to_string_lossy().ends_with(".tsv") || rel.to_string_lossy().ends_with(".md") {
            continue;
        }
        let entry = groups.entry(group).or_default();
        if entry.len() < per_group
            && let Ok(data) = std::fs::read(&path)
        {
            entry.push((rel.to_string_lossy().into_owned(), data));
        }
    }
    groups
}

fn bench_inspect(c: &mut Criterion) {
    let engine = Engine::default();
    let mut dirs: Vec<PathBuf> = vec![corpus::fixtures_dir()];
    if let Some(shared) = corpus::shared_corpus_dir() {
        dirs.push(shared);
    } else {
        eprintln!("NOTICE: shared corpus not found; benchmarking fixtures only");
    }
    for dir in dirs {
        for (group, files) in sample(&dir, 3) {
            let total: usize = files.iter().map(|(_, d)| d.len()).sum();
            let mut g = c.benchmark_group(format!("inspect/{group}"));
            g.throughput(Throughput::Bytes(total as u64));
            g.sample_size(10);
            g.bench_function(format!("{} files", files.len()), |b| {
                b.iter(|| {
                    for (name, data) in &files {
                        black_box(engine.inspect(name, black_box(data)));
                    }
                })
            });
            g.finish();
        }
    }
}

criterion_group!(benches, bench_inspect);
criterion_main!(benches);
