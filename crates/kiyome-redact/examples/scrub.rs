//! Scrubs files into a directory (used by `scripts/bench-scrub-office.sh`):
//! `scrub OUTDIR FILE...`. Office/ODF packages and images are scrubbed and verified like
//! `kiyome scrub` does; other kinds are skipped. Prints one line per refused file on stderr.

use kiyome_core::{Budget, Ctx, KindClass, Limits, NoNesting, sniff};
use kiyome_redact::office::{self, ScrubOptions};
use kiyome_redact::{Plan, RedactionReport, image};
use std::path::PathBuf;

fn main() {
    let mut args = std::env::args_os().skip(1);
    let Some(out_dir) = args.next().map(PathBuf::from) else {
        eprintln!("usage: scrub OUTDIR FILE...");
        std::process::exit(2);
    };
    let plan = Plan::default();
    let (mut ok, mut refused) = (0u32, 0u32);
    for path in args.map(PathBuf::from) {
        let Ok(data) = std::fs::read(&path) else {
            continue;
        };
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let kind = sniff(&data, Some(&name)).kind;
        let b = Budget::new(&Limits::default());
        let ctx = Ctx::new(&b, &NoNesting);
        let mut r = RedactionReport::new(&plan, "");
        let res = match kind.class() {
            KindClass::Ooxml | KindClass::Odf => {
                office::scrub(&data, kind, &ScrubOptions::default(), &ctx, &mut r)
                    .and_then(|o| office::verify(&o.data, o.kind, &plan, &ctx).map(|v| (o, v)))
            }
            KindClass::Image => image::redact(&data, kind, &plan, &ctx, &mut r)
                .and_then(|o| image::verify(&o.data, o.kind, &plan, &ctx).map(|v| (o, v))),
            _ => continue,
        };
        match res {
            Ok((o, v)) if v.is_clean() => {
                ok += 1;
                if std::fs::write(out_dir.join(&name), o.data).is_err() {
                    eprintln!("{name}: cannot write");
                }
            }
            Ok(_) => {
                refused += 1;
                eprintln!("{name}: verification failed");
            }
            Err(e) => {
                refused += 1;
                eprintln!("{name}: refused {}", e.code());
            }
        }
    }
    eprintln!("scrubbed {ok}, refused {refused}");
}
