//! Hostile packages: truncated, bit-flipped and lying zips never panic, hang or allocate
//! without bound in inspect or disarm; they end in a finding or an error.

use kiyome_core::corpus::{files_under, fixtures_dir};
use kiyome_core::{Budget, Ctx, Inspection, Kind, KindClass, Limits, NoNesting, sniff};
use kiyome_office::OfficeOptions;
use std::time::{Duration, Instant};

fn run_both(data: &[u8], kind: Kind) {
    let b = Budget::new(&Limits::default());
    let ctx = Ctx::new(&b, &NoNesting);
    let mut out = Inspection::default();
    let _ = kiyome_office::inspect(data, kind, &ctx, &mut out);
    let mut out = Inspection::default();
    let _ = kiyome_office::disarm(data, kind, &ctx, &OfficeOptions::default(), &mut out);
}

fn office_fixtures() -> Vec<(Vec<u8>, Kind)> {
    files_under(&fixtures_dir())
        .into_iter()
        .filter_map(|p| {
            let d = std::fs::read(&p).ok()?;
            let k = sniff(&d, Some(&p.to_string_lossy())).kind;
            matches!(k.class(), KindClass::Ooxml | KindClass::Odf).then_some((d, k))
        })
        .collect()
}

#[test]
fn truncations_and_bit_flips_of_every_fixture_are_survived() {
    let fx = office_fixtures();
    assert!(fx.len() >= 9);
    let start = Instant::now();
    let mut runs = 0;
    for (data, kind) in &fx {
        let step = (data.len() / 40).max(1);
        for cut in (0..data.len()).step_by(step) {
            run_both(data.get(..cut).unwrap_or_default(), *kind);
            let mut m = data.clone();
            // Deterministic corruption: flip a byte every `step` bytes from `cut`.
            for i in (cut..m.len()).step_by(step.max(7)) {
                if let Some(b) = m.get_mut(i) {
                    *b ^= 0x5A;
                }
            }
            run_both(&m, *kind);
            runs += 2;
        }
    }
    assert!(runs > 500);
    assert!(
        start.elapsed() < Duration::from_secs(120),
        "too slow: {:?}",
        start.elapsed()
    );
}

#[test]
fn end_of_central_directory_lying_about_entry_count_is_bounded() {
    // An EOCD record claiming 65 535 entries and a central directory past the end.
    let mut eocd = b"PK\x05\x06\0\0\0\0\xff\xff\xff\xff".to_vec();
    eocd.extend_from_slice(&0x7fff_ffffu32.to_le_bytes());
    eocd.extend_from_slice(&0u32.to_le_bytes());
    eocd.extend_from_slice(&0u16.to_le_bytes());
    let mut data = b"PK\x03\x04".to_vec();
    data.extend_from_slice(&eocd);
    let b = Budget::new(&Limits::default());
    let ctx = Ctx::new(&b, &NoNesting);
    let mut out = Inspection::default();
    let e = kiyome_office::inspect(&data, Kind::Docx, &ctx, &mut out).expect_err("must fail");
    assert_eq!(e.code(), "parse.failed");
}

#[test]
fn oversized_member_is_refused_without_decompressing_it() {
    // A 5 MiB part with a 1 MiB stream limit: refused from its declared size, and what is
    // counted into the budget stays under the limit (the reader itself also stops one byte
    // past the limit when a declared size lies).
    let mut w = kiyome_office::opc::PackageWriter::new();
    w.add("[Content_Types].xml", b"<Types/>", false)
        .expect("add");
    w.add("word/document.xml", &vec![b' '; 5 << 20], false)
        .expect("add");
    let data = w.finish().expect("zip");
    let limits = Limits {
        max_stream_bytes: 1 << 20,
        ..Limits::default()
    };
    let b = Budget::new(&limits);
    let ctx = Ctx::new(&b, &NoNesting);
    let mut pkg = kiyome_office::opc::Package::open(&data, &ctx, "ooxml").expect("open");
    let e = pkg.read("word/document.xml", &ctx).expect_err("limit");
    assert!(e.code().starts_with("limit."), "{e}");
    assert!(b.used() <= (2 << 20), "read {} bytes", b.used());
}
