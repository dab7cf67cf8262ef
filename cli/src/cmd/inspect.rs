//! `kiyome inspect FILE... [--json]`: the dangerous-factor check; changes nothing.

use crate::{Outcome, human, io};
use kiyome_core::{FileReport, Finding, Report, Severity, Verdict};
use kiyome_sanitize::Engine;
use rayon::prelude::*;
use std::path::PathBuf;

/// Arguments of `kiyome inspect`.
#[derive(clap::Args)]
pub struct Args {
    /// Files or directories (recursed) to inspect.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// Also write the JSON report to this file.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
}

/// Runs `kiyome inspect`.
pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let files = io::collect_inputs(&args.inputs)?;
    let engine = Engine::default();
    let reports: Vec<FileReport> = files
        .par_iter()
        .map(|path| {
            let name = path.to_string_lossy().into_owned();
            match io::read_input(path, engine.limits().max_input_bytes) {
                Ok(data) => engine.inspect(&name, &data),
                Err(e) => unreadable(&name, &e),
            }
        })
        .collect();
    let report = Report::new("inspect", reports);
    if let Some(path) = &args.report {
        io::write_atomic(path, report.to_json().as_bytes())?;
    }
    if args.json {
        println!("{}", report.to_json());
    } else {
        human::print_report(&report);
    }
    if report
        .files
        .iter()
        .any(|f| f.reason.as_deref() == Some("io.error"))
    {
        anyhow::bail!("some inputs could not be read");
    }
    Ok(if report.summary.blocked > 0 {
        Outcome::Flagged
    } else {
        Outcome::Clean
    })
}

/// The report for an input that could not be read at all.
pub fn unreadable(name: &str, err: &std::io::Error) -> FileReport {
    let det = kiyome_core::sniff(b"", Some(name));
    let mut r = FileReport::new(name, b"", &det);
    r.findings.push(
        Finding::new("io.error", Severity::High, name)
            .detail(err.to_string())
            .action(kiyome_core::Action::Blocked),
    );
    r.verdict = Verdict::Blocked;
    r.reason = Some("io.error".into());
    r
}
