//! `kiyome scrub INPUT --out FILE [--report FILE] [--json]`: metadata and hidden-information
//! removal only (properties, history, bookmarks, comments, attachments, scripts).

use crate::Outcome;
use crate::cmd::redact::run_redaction;
use kiyome_redact::Plan;
use std::path::PathBuf;

/// Arguments of `kiyome scrub`.
#[derive(clap::Args)]
pub struct Args {
    /// The file to scrub (never modified).
    input: PathBuf,
    /// Where to write the scrubbed file (atomically; refused when it is the input).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Also write the JSON report to this file.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    hidden: super::hidden_opts::HiddenArgs,
}

/// Runs `kiyome scrub`.
pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let run = run_redaction(
        "scrub",
        &args.input,
        &args.out,
        &Plan::default(),
        "",
        &args.hidden.options(),
    )?;
    run.finish(args.report.as_deref(), args.json)
}
