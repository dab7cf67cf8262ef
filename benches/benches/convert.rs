//! Image-PDF conversion throughput (issue 4): PDF → pages rendered at 150 dpi, encoded
//! (JPEG for photographic pages, lossless otherwise) and written as an image-only PDF, on
//! corpus files: a 14-page paper with Type 1 fonts, a CJK page, a scanned-image page and a
//! form. Pages render in parallel on `RAYON_NUM_THREADS` workers (all cores by default).
//! Throughput is in pages. The side-by-side comparison with a PyMuPDF pipeline doing the same
//! job is `scripts/bench-convert.sh`. Skips with a notice when the shared corpus is absent.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kiyome_convert::ImagePdfOptions;
use kiyome_core::{Budget, Limits};

const FILES: &[&str] = &[
    "pdf-general/pdfjs__tracemonkey.pdf",
    "pdf-cjk/pdfjs__issue6286.pdf",
    "pdf-general/pdfjs__bitmap-mmr.pdf",
    "pdf-general/qpdf__sample-form.pdf",
];

fn bench(c: &mut Criterion) {
    let Some(dir) = kiyome_core::corpus::shared_corpus("benches/convert") else {
        return;
    };
    let limits = Limits::default();
    let opts = ImagePdfOptions::default();
    let mut g = c.benchmark_group("image_pdf");
    g.sample_size(10);
    for rel in FILES {
        let Ok(data) = std::fs::read(dir.join(rel)) else {
            eprintln!("NOTICE: {rel} missing, skipped");
            continue;
        };
        let name = rel.rsplit('/').next().unwrap_or(rel);
        let pages = match kiyome_convert::page_count(&data, None) {
            Ok(n) => n as u64,
            Err(e) => {
                eprintln!("NOTICE: {rel} cannot be rendered ({e}), skipped");
                continue;
            }
        };
        g.throughput(Throughput::Elements(pages));
        g.bench_function(format!("from_pdf/{name}"), |b| {
            b.iter(|| {
                let budget = Budget::new(&limits);
                kiyome_convert::imagepdf::from_pdf(&data, None, &opts, &budget)
                    .map(|o| o.pdf.len())
                    .unwrap_or(0)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
