//! PDF inspect and disarm throughput (issues 2 and 3) on real corpus files: a 117-page book
//! with object streams, a 1 MB paper with Type 1 fonts, a CJK file, an interactive form.
//! The side-by-side comparison with `qpdf in.pdf out.pdf` is `scripts/bench-pdf-vs-qpdf.sh`.
//! Skips with a notice when the shared corpus is absent.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kiyome_core::{Budget, Ctx, Inspection, Kind, Limits, NoNesting};
use kiyome_pdf::PdfOptions;

const FILES: &[&str] = &[
    "pdf-general/pymupdf__mupdf_explored.pdf",
    "pdf-general/pdfjs__tracemonkey.pdf",
    "pdf-cjk/pdfjs__issue6286.pdf",
    "pdf-general/qpdf__sample-form.pdf",
];

fn bench(c: &mut Criterion) {
    let Some(dir) = kiyome_core::corpus::shared_corpus("benches/pdf") else {
        return;
    };
    let limits = Limits::default();
    let mut g = c.benchmark_group("pdf");
    g.sample_size(10);
    for rel in FILES {
        let Ok(data) = std::fs::read(dir.join(rel)) else {
            eprintln!("NOTICE: {rel} missing, skipped");
            continue;
        };
        let name = rel.rsplit('/').next().unwrap_or(rel);
        g.throughput(Throughput::Bytes(data.len() as u64));
        g.bench_function(format!("inspect/{name}"), |b| {
            b.iter(|| {
                let budget = Budget::new(&limits);
                let ctx = Ctx::new(&budget, &NoNesting);
                let mut out = Inspection::default();
                let _ = kiyome_pdf::inspect(&data, Kind::Pdf, &ctx, &mut out);
                out.findings.len()
            })
        });
        let opts = PdfOptions::default();
        g.bench_function(format!("disarm/{name}"), |b| {
            b.iter(|| {
                let budget = Budget::new(&limits);
                let ctx = Ctx::new(&budget, &NoNesting);
                let mut out = Inspection::default();
                kiyome_pdf::disarm(&data, Kind::Pdf, &ctx, &opts, &mut out)
                    .map(|d| d.data.len())
                    .unwrap_or(0)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
