//! Generates kiyome's own hostile fixtures into `test-corpus/files/` and writes
//! `test-corpus/MANIFEST.tsv` with the findings each fixture must produce.
//!
//! Run: `cargo run -p kiyome-fixtures` (from the repository root). Output is deterministic;
//! a test checks that the committed files match the generator.

mod fixture;
mod images;
mod mail;
mod media;
mod office;
mod office_active;
mod ole;
mod pdf;
mod pdf_forms;
mod redact;
mod redaction;
mod sanitize;
mod scripts;

use fixture::Fixture;
use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let root = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    let fixtures = all();
    fixture::write_all(&root, &fixtures)?;
    eprintln!(
        "wrote {} fixtures to {}",
        fixtures.len(),
        root.join("files").display()
    );
    Ok(())
}

/// Every fixture, from every area.
pub fn all() -> Vec<Fixture> {
    let mut v = Vec::new();
    v.extend(pdf::fixtures());
    v.extend(pdf_forms::fixtures());
    v.extend(redact::fixtures());
    v.extend(office::fixtures());
    v.extend(office_active::fixtures());
    v.extend(ole::fixtures());
    v.extend(media::fixtures());
    v.extend(images::fixtures());
    v.extend(mail::fixtures());
    v.extend(redaction::fixtures());
    v.extend(scripts::fixtures());
    v.sort_by(|a, b| a.name.cmp(&b.name));
    for f in &mut v {
        f.sanitize = sanitize::outcome(&f.name).unwrap_or_else(|| {
            panic!(
                "fixture {} has no sanitize outcome in test-corpus/src/sanitize.rs",
                f.name
            )
        });
    }
    v
}
