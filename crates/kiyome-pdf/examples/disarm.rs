//! Disarms one PDF: `cargo run --release -p kiyome-pdf --example disarm -- IN.pdf OUT.pdf`.
//! Prints the findings; exits 1 when the file is blocked. Used by
//! `scripts/bench-pdf-vs-qpdf.sh` to time disarm against `qpdf in.pdf out.pdf`.

use kiyome_core::{Budget, Ctx, Inspection, Kind, Limits, NoNesting};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(input), Some(output)) = (args.first(), args.get(1)) else {
        eprintln!("usage: disarm IN.pdf OUT.pdf");
        std::process::exit(2);
    };
    let data = match std::fs::read(input) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("{input}: {e}");
            std::process::exit(2);
        }
    };
    let budget = Budget::new(&Limits::default());
    let ctx = Ctx::new(&budget, &NoNesting);
    let mut out = Inspection::default();
    let r = kiyome_pdf::disarm(&data, Kind::Pdf, &ctx, &Default::default(), &mut out);
    for f in &out.findings {
        eprintln!(
            "{:?} {} {} {:?} {}",
            f.severity, f.code, f.location, f.action, f.detail
        );
    }
    match r {
        Ok(d) => {
            if let Err(e) = std::fs::write(output, &d.data) {
                eprintln!("{output}: {e}");
                std::process::exit(2);
            }
        }
        Err(e) => {
            eprintln!("blocked: {} ({e})", e.code());
            std::process::exit(1);
        }
    }
}
