//! Generates kiyome's own hostile fixtures into `test-corpus/files/` and writes
//! `test-corpus/MANIFEST.tsv` with the findings each fixture must produce.
//!
//! Run: `cargo run -p kiyome-fixtures` (from the repository root). Output is deterministic;
//! a test checks that the committed files match the generator.

mod fixture;
mod mail;
mod media;
mod office;
mod ole;
mod pdf;
mod redact;
mod redaction;

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
    v.extend(redact::fixtures());
    v.extend(office::fixtures());
    v.extend(ole::fixtures());
    v.extend(media::fixtures());
    v.extend(mail::fixtures());
    v.extend(redaction::fixtures());
    v.sort_by(|a, b| a.name.cmp(&b.name));
    v
}
