//! Disarms one OLE or RTF file: `cargo run -p kiyome-office --example ole_disarm IN OUT`.
//! Prints what was removed; exits 1 when the file is blocked.
use kiyome_core::{Budget, Ctx, Inspection, KindClass, Limits, NoNesting, sniff};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(input), Some(output)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: ole_disarm IN OUT");
        std::process::exit(2);
    };
    let data = std::fs::read(input).unwrap_or_default();
    let kind = sniff(&data, Some(input)).kind;
    let budget = Budget::new(&Limits::default());
    let ctx = Ctx::new(&budget, &NoNesting);
    let mut log = Inspection::default();
    let opts = kiyome_office::OfficeOptions::default();
    let r = match kind.class() {
        KindClass::Rtf => kiyome_office::rtf::disarm(&data, kind, &ctx, &opts, &mut log),
        _ => kiyome_office::ole::disarm(&data, kind, &ctx, &opts, &mut log),
    };
    for f in &log.findings {
        println!("{:?} {} {} {}", f.action, f.code, f.location, f.detail);
    }
    match r.and_then(|d| std::fs::write(output, d.data).map_err(Into::into)) {
        Ok(()) => {}
        Err(e) => {
            eprintln!("{input}: blocked: {e}");
            std::process::exit(1);
        }
    }
}
