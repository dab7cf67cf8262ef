//! Shared code of the kiyome fuzz targets: one function per parser entry point, and the
//! replay driver that runs a target over files on a stable toolchain.
//!
//! The targets call the public APIs directly, without the engine's `catch_unwind`, so that a
//! panic in any parser is a finding of the fuzzer, not a contained `internal.panic`.

use kiyome_core::{Budget, Ctx, Inspection, Kind, KindClass};
use kiyome_sanitize::Engine;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

/// The whole engine: sniffing, dispatch, nesting (what `kiyome inspect` does for a file).
pub fn inspect_any(data: &[u8]) {
    let report = Engine::default().inspect("fuzz-input", data);
    // The report must always serialise (deterministic JSON is part of the contract).
    let _ = serde_json_len(&report);
}

fn serde_json_len(report: &kiyome_core::FileReport) -> usize {
    kiyome_core::Report::new("inspect", vec![report.clone()])
        .to_json()
        .len()
}

/// Kind detection by content, with and without a claimed name.
pub fn sniff(data: &[u8]) {
    let _ = kiyome_core::sniff(data, None);
    let _ = kiyome_core::sniff(data, Some("fuzz.docx"));
}

/// Charset detection and decoding of plain text.
pub fn charset(data: &[u8]) {
    if let Some(cs) = kiyome_core::charset::detect_charset(data) {
        let _ = kiyome_core::charset::decode(data, cs);
    }
    let _ = kiyome_core::charset::decode_guess(data);
}

/// Runs one format crate's `inspect` on `data` as `kind`, under the default limits.
fn with_ctx(data: &[u8], kind: Kind, f: fn(&[u8], Kind, &Ctx<'_>, &mut Inspection)) {
    let engine = Engine::default();
    let budget = Budget::new(engine.limits());
    let ctx = Ctx::new(&budget, &engine);
    let mut out = Inspection::default();
    f(data, kind, &ctx, &mut out);
}

/// Picks a kind of `classes` from the first input byte; the rest is the file. This lets one
/// target reach every handler of a crate (a `.doc` parser fed OOXML bytes is a valid test too).
fn pick(data: &[u8], classes: &[KindClass]) -> Option<(Kind, Vec<u8>)> {
    let kinds: Vec<Kind> = Kind::ALL
        .iter()
        .copied()
        .filter(|k| classes.contains(&k.class()))
        .collect();
    let (first, rest) = data.split_first()?;
    let kind = *kinds.get(*first as usize % kinds.len().max(1))?;
    Some((kind, rest.to_vec()))
}

/// The PDF parser.
pub fn pdf_inspect(data: &[u8]) {
    with_ctx(data, Kind::Pdf, |d, k, c, o| {
        let _ = kiyome_pdf::inspect(d, k, c, o);
    });
}

/// OOXML, ODF, OLE and RTF handlers, the kind chosen by the first byte.
pub fn office_inspect(data: &[u8]) {
    use KindClass::*;
    if let Some((kind, rest)) = pick(data, &[Ooxml, Odf, Ole, Rtf]) {
        with_ctx(&rest, kind, |d, k, c, o| {
            let _ = kiyome_office::inspect(d, k, c, o);
        });
    }
}

/// Image handlers, the kind chosen by the first byte.
pub fn image_inspect(data: &[u8]) {
    if let Some((kind, rest)) = pick(data, &[KindClass::Image]) {
        with_ctx(&rest, kind, |d, k, c, o| {
            let _ = kiyome_image::inspect(d, k, c, o);
        });
    }
}

/// Archive handlers (zip, gzip, tar), the kind chosen by the first byte.
pub fn archive_inspect(data: &[u8]) {
    let kinds = [Kind::Zip, Kind::Gzip, Kind::Tar];
    if let Some((first, rest)) = data.split_first() {
        let kind = kinds[*first as usize % kinds.len()];
        with_ctx(rest, kind, |d, k, c, o| {
            let _ = kiyome_archive::inspect(d, k, c, o);
        });
    }
}

/// Mail handlers (EML, mbox), the kind chosen by the first byte.
pub fn mail_inspect(data: &[u8]) {
    if let Some((kind, rest)) = pick(data, &[KindClass::Mail]) {
        with_ctx(&rest, kind, |d, k, c, o| {
            let _ = kiyome_mail::inspect(d, k, c, o);
        });
    }
}

/// The CFF and Type 1 font-program pruners of the PDF redaction.
pub fn font_prune(data: &[u8]) {
    kiyome_redact::pdf::fuzzing::prune_font_program(data);
}

/// The content-stream re-encoder of the PDF redaction (input bytes for unchanged operations).
pub fn content_rawops(data: &[u8]) {
    kiyome_redact::pdf::fuzzing::content_rawops(data);
}

/// The crypto-erase container reader (and, in sealed mode, its tamper detection).
pub fn container_open(data: &[u8]) {
    kiyome_erase::container::fuzzing::container_open(data);
}

/// Stable replay driver: runs `target` on every file under the paths given as arguments
/// (files or directories, recursively). For per-kind targets each file is replayed once per
/// possible selector byte in 0..`selectors` (prefixed), so that every handler sees every file.
/// Prints each panicking input and exits 1 if any panicked.
pub fn replay(target: fn(&[u8]), selectors: u8) {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if args.is_empty() {
        eprintln!("usage: <target> FILE_OR_DIR...   (replays every file through the target)");
        std::process::exit(2);
    }
    let mut files = Vec::new();
    for a in &args {
        collect(a, &mut files);
    }
    files.sort();
    // Panics are reported below, once per input, not by the default hook.
    std::panic::set_hook(Box::new(|_| {}));
    let (mut runs, mut failed) = (0usize, Vec::new());
    for f in &files {
        let Ok(data) = std::fs::read(f) else { continue };
        let variants: Vec<Vec<u8>> = if selectors == 0 {
            vec![data]
        } else {
            (0..selectors)
                .map(|s| std::iter::once(s).chain(data.iter().copied()).collect())
                .collect()
        };
        for (i, v) in variants.iter().enumerate() {
            runs += 1;
            if catch_unwind(AssertUnwindSafe(|| target(v))).is_err() {
                failed.push(format!("{} (selector {i})", f.display()));
            }
        }
    }
    println!("replayed {runs} inputs from {} files: {} panicked", files.len(), failed.len());
    for f in &failed {
        println!("PANIC {f}");
    }
    if !failed.is_empty() {
        std::process::exit(1);
    }
}

fn collect(p: &Path, out: &mut Vec<PathBuf>) {
    if p.is_dir() {
        if let Ok(rd) = std::fs::read_dir(p) {
            for e in rd.flatten() {
                collect(&e.path(), out);
            }
        }
    } else if p.is_file() {
        out.push(p.to_path_buf());
    }
}

/// How many selector bytes reach every kind of a per-kind target (for [`replay`]).
pub fn selectors_for(classes: &[KindClass]) -> u8 {
    let n = Kind::ALL.iter().filter(|k| classes.contains(&k.class())).count();
    u8::try_from(n).unwrap_or(u8::MAX)
}
