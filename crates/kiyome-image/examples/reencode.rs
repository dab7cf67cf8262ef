//! Re-encodes images without metadata: `reencode OUT_DIR FILE...`. Used by
//! `scripts/bench-image-vs-mat2.sh` to time kiyome's image disarm against mat2 on the same files.

use kiyome_core::{Budget, Ctx, Inspection, Limits, NoNesting, sniff};
use std::path::PathBuf;

fn main() {
    let mut args = std::env::args_os().skip(1);
    let Some(out_dir) = args.next().map(PathBuf::from) else {
        eprintln!("usage: reencode OUT_DIR FILE...");
        std::process::exit(2);
    };
    let (mut ok, mut blocked) = (0, 0);
    for f in args {
        let path = PathBuf::from(f);
        let Ok(data) = std::fs::read(&path) else {
            blocked += 1;
            continue;
        };
        let kind = sniff(&data, None).kind;
        let budget = Budget::new(&Limits::default());
        let ctx = Ctx::new(&budget, &NoNesting);
        let mut out = Inspection::default();
        match kiyome_image::disarm(&data, kind, &ctx, &Default::default(), &mut out) {
            Ok(d) => {
                let name = path.file_name().map(|n| n.to_owned()).unwrap_or_default();
                if std::fs::write(out_dir.join(name), d.data).is_ok() {
                    ok += 1;
                }
            }
            Err(_) => blocked += 1,
        }
    }
    eprintln!("re-encoded {ok}, blocked {blocked}");
}
