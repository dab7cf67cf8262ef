//! `kiyome findings`: the registry of finding codes.

use crate::Outcome;

/// Arguments of `kiyome findings`.
#[derive(clap::Args)]
pub struct Args {
    /// Print the Markdown of docs/findings.md instead of a plain list.
    #[arg(long)]
    markdown: bool,
}

/// Runs `kiyome findings`.
pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let mut tables = kiyome_sanitize::all_codes();
    tables.push(("Redaction, scrub and verify", kiyome_redact::CODES));
    if args.markdown {
        print!("{}", kiyome_core::codes::markdown(&tables));
    } else {
        for (_, table) in &tables {
            for c in table.iter() {
                println!(
                    "{:<36} {:<7} {}",
                    c.code,
                    format!("{:?}", c.severity).to_lowercase(),
                    c.meaning
                );
            }
        }
    }
    Ok(Outcome::Clean)
}
