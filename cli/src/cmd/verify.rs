//! `kiyome verify FILE [--term T]... [--terms-file F] [--regex R]... [--pii NAME]... [--json]`:
//! the independent leak check of a published file. Exit 0 clean, 1 a leak, 2 an error.

use crate::Outcome;
use crate::cmd::redact::{RuleArgs, RunReport, read_checked};
use anyhow::bail;
use kiyome_core::{
    Action, Budget, Ctx, FileReport, Finding, Limits, Method, NoNesting, Report, Severity,
};
use kiyome_redact::Plan;
use std::path::PathBuf;

/// Arguments of `kiyome verify`.
#[derive(clap::Args)]
pub struct Args {
    /// The file to check.
    file: PathBuf,
    #[command(flatten)]
    rules: RuleArgs,
    /// The salt for the term hashes in the report (to compare with a redaction report).
    #[arg(long, value_name = "HEX")]
    salt: Option<String>,
    /// Also write the JSON report to this file.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    json: bool,
}

/// Runs `kiyome verify`.
pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let mut plan = Plan::default();
    args.rules.apply(&mut plan)?;
    plan.salt = args.salt.clone();
    plan.validate().map_err(|e| anyhow::anyhow!("{e}"))?;
    let limits = Limits::default();
    let data = read_checked(&args.file, None, &limits)?;
    let name = args.file.to_string_lossy().into_owned();
    let det = kiyome_core::sniff(&data, Some(&name));
    let mut file = FileReport::new(name.clone(), &data, &det);
    file.methods.push(Method::LeakVerification);
    if !kiyome_redact::is_supported(det.kind) {
        bail!(
            "cannot verify {} files yet (redact.unsupported_kind)",
            det.kind
        );
    }
    let budget = Budget::new(&limits);
    let ctx = Ctx::new(&budget, &NoNesting);
    let leaks = match kiyome_redact::verify(&data, det.kind, &plan, &ctx) {
        Ok(l) => l,
        Err(e) => bail!("cannot verify {name}: {e} ({})", e.code()),
    };
    file.findings.extend(leaks.findings(Action::Reported));
    if !leaks.is_clean() {
        file.findings.push(
            Finding::new("redact.verify_failed", Severity::Medium, name.clone())
                .detail(format!("{} leaks", leaks.leaks.len()))
                .action(Action::Blocked),
        );
        file.block("redact.verify_failed");
    }
    file.normalize();
    let run = RunReport {
        report: Report::new("verify", vec![file]),
        redaction: None,
        verification: Some(leaks),
    };
    run.finish(args.report.as_deref(), args.json)
}
