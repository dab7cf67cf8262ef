//! Measures script detection over arbitrary directories: every text-like file under the given
//! paths is sniffed without its name; each file read as a script is listed (and each that the
//! heuristics alone would flag although sniff recognises it as markup or mail), then a summary. Used to check the heuristics against prose and data beyond the corpora:
//! `cargo run -p kiyome-core --example script_scan -- /usr/share/doc`.

use kiyome_core::{KindClass, corpus, script_kind, sniff};

fn main() {
    let (mut texts, mut scripts, mut raw) = (0usize, 0usize, 0usize);
    for dir in std::env::args_os().skip(1) {
        for p in corpus::files_under(std::path::Path::new(&dir)) {
            let Ok(data) = std::fs::read(&p) else {
                continue;
            };
            let det = sniff(&data, None);
            if det.charset.is_none() && det.kind.class() != KindClass::Script {
                continue;
            }
            texts += 1;
            // What sniff decides (markup and mail are recognised first), and what the script
            // heuristics alone say of the whole text.
            if det.kind.class() == KindClass::Script {
                scripts += 1;
                println!("sniff {}\t{}", det.kind, p.display());
            } else if let Some(k) = script_kind(&kiyome_core::charset::decode_guess(&data).0) {
                raw += 1;
                println!("raw {k} (sniff: {})\t{}", det.kind, p.display());
            }
        }
    }
    println!(
        "{texts} text-like files: sniff reads {scripts} as scripts; the heuristics alone flag {raw} more"
    );
}
