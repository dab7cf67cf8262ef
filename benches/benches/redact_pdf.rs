//! PDF redaction, scrub and leak verification (issue 6): the generated Japanese fixture
//! (names, My Numbers, phone numbers, horizontal and vertical text) with its plan, and two
//! corpus files (an English paper, a Chinese article) with terms from their own text. Each
//! `redact` includes the independent verify of its output, as `kiyome redact` does; `verify`
//! is timed alone on the redacted output. The side-by-side comparison with PyMuPDF
//! `apply_redactions`, mat2 and `exiftool -all=` is `scripts/bench-redact-pdf.sh`.
//! Corpus files are skipped with a notice when the shared corpus is absent.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kiyome_core::{Budget, Ctx, Kind, Limits, NoNesting};
use kiyome_redact::Plan;
use kiyome_redact::pii::Detector;

fn plan(terms: &[&str], pii: &[Detector]) -> Plan {
    Plan {
        terms: terms.iter().map(|t| t.to_string()).collect(),
        pii: pii.to_vec(),
        ..Plan::default()
    }
}

fn bench(c: &mut Criterion) {
    let mut inputs: Vec<(String, Vec<u8>, Plan)> = Vec::new();
    let fixture = kiyome_core::corpus::fixtures_dir().join("redact_japanese_pii.pdf");
    match std::fs::read(&fixture) {
        Ok(d) => inputs.push((
            "redact_japanese_pii.pdf".into(),
            d,
            plan(
                &["山田太郎", "旧住所大阪府"],
                &[Detector::JpMyNumber, Detector::JpPhone, Detector::Email],
            ),
        )),
        Err(_) => eprintln!("NOTICE: {} missing, skipped", fixture.display()),
    }
    if let Some(dir) = kiyome_core::corpus::shared_corpus("benches/redact_pdf") {
        for (rel, terms) in [
            (
                "pdf-general/pdfjs__tracemonkey.pdf",
                &["trace", "which"][..],
            ),
            ("pdf-cjk/pymupdf__test_4182.pdf", &["拟人", "产品"][..]),
        ] {
            match std::fs::read(dir.join(rel)) {
                Ok(d) => inputs.push((
                    rel.rsplit('/').next().unwrap_or(rel).into(),
                    d,
                    plan(terms, &[]),
                )),
                Err(_) => eprintln!("NOTICE: {rel} missing, skipped"),
            }
        }
    }
    let limits = Limits::default();
    let mut g = c.benchmark_group("redact_pdf");
    g.sample_size(10);
    for (name, data, plan) in &inputs {
        g.throughput(Throughput::Bytes(data.len() as u64));
        g.bench_function(format!("redact/{name}"), |b| {
            b.iter(|| {
                let budget = Budget::new(&limits);
                let ctx = Ctx::new(&budget, &NoNesting);
                kiyome_redact::redact(data, Kind::Pdf, plan, "00", &ctx)
                    .map(|r| r.output.map_or(0, |o| o.data.len()))
                    .unwrap_or(0)
            })
        });
        g.bench_function(format!("scrub/{name}"), |b| {
            b.iter(|| {
                let budget = Budget::new(&limits);
                let ctx = Ctx::new(&budget, &NoNesting);
                kiyome_redact::scrub(data, Kind::Pdf, &ctx)
                    .map(|r| r.output.map_or(0, |o| o.data.len()))
                    .unwrap_or(0)
            })
        });
        // verify alone, on the redacted output (or the input when redaction refuses it).
        let budget = Budget::new(&limits);
        let ctx = Ctx::new(&budget, &NoNesting);
        let out = kiyome_redact::redact(data, Kind::Pdf, plan, "00", &ctx)
            .ok()
            .and_then(|r| r.output.map(|o| o.data))
            .unwrap_or_else(|| data.clone());
        g.bench_function(format!("verify/{name}"), |b| {
            b.iter(|| {
                let budget = Budget::new(&limits);
                let ctx = Ctx::new(&budget, &NoNesting);
                kiyome_redact::verify(&out, Kind::Pdf, plan, &ctx)
                    .map(|v| v.leaks.len())
                    .unwrap_or(0)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
