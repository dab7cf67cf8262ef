//! `kiyome redact INPUT --out FILE [--term T]... [--terms-file F] [--regex R]... [--pii NAME]...
//! [--area PAGE:X0,Y0,X1,Y1]... [--plan FILE] [--mask-length] [--box-color #RRGGBB]
//! [--report FILE] [--json]`: true redaction (黒塗り), always with the metadata scrub.
//!
//! Shared by `scrub` and `verify`: building the plan from arguments, running a redaction and
//! turning its result into a report.

use crate::{Outcome, human, io};
use anyhow::{Context, bail};
use kiyome_core::{
    Action, Budget, Ctx, FileReport, Finding, Limits, Method, NoNesting, OutputInfo, Report,
    Severity,
};
use kiyome_redact::pii::Detector;
use kiyome_redact::{Area, Color, LeakReport, Plan, RedactionReport};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Arguments of `kiyome redact`.
#[derive(clap::Args)]
pub struct Args {
    /// The file to redact (never modified).
    input: PathBuf,
    /// Where to write the redacted file (atomically; refused when it is the input).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    #[command(flatten)]
    rules: RuleArgs,
    #[command(flatten)]
    hidden: super::hidden_opts::HiddenArgs,
    /// A JSON redaction plan (terms, regexes, pii, areas, mask_length, hide_positions,
    /// box_color, salt);
    /// merged with the other options.
    #[arg(long, value_name = "FILE")]
    plan: Option<PathBuf>,
    /// Redaction areas, `PAGE:X0,Y0,X1,Y1` in PDF points (origin bottom left).
    #[arg(long = "area", value_name = "PAGE:X0,Y0,X1,Y1")]
    areas: Vec<String>,
    /// Hide the length of removed text too: boxes cover whole words (Latin) or lines (CJK).
    #[arg(long)]
    mask_length: bool,
    /// PDF: move the kept text after a removal to the next whole point along its line, so
    /// that no glyph position tells the removed width more finely than the box (1 pt); the
    /// rest of such a line moves by under 1 pt.
    #[arg(long)]
    hide_positions: bool,
    /// The colour of the redaction boxes (`#RRGGBB`, `black`, `white`, `gray`).
    #[arg(long, value_name = "COLOUR")]
    box_color: Option<String>,
    /// Also write the plan actually applied (with its salt) to this file, for replay.
    #[arg(long, value_name = "FILE")]
    save_plan: Option<PathBuf>,
    /// Also write the JSON report to this file.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    json: bool,
}

/// What to look for in text: shared by `redact` and `verify`.
#[derive(clap::Args)]
pub struct RuleArgs {
    /// A term to redact (matched after NFKC normalisation: full and half width alike).
    #[arg(long = "term", value_name = "T")]
    terms: Vec<String>,
    /// A file of terms, one per line (`#` starts a comment line).
    #[arg(long, value_name = "F")]
    terms_file: Option<PathBuf>,
    /// A regular expression to redact (Rust regex syntax, on the NFKC text).
    #[arg(long = "regex", value_name = "R")]
    regexes: Vec<String>,
    /// A PII detector: jp-mynumber, jp-corporate-number, jp-phone, jp-postal-code, email,
    /// credit-card.
    #[arg(long = "pii", value_name = "NAME")]
    pii: Vec<String>,
}

impl RuleArgs {
    /// Adds these rules to `plan`.
    pub fn apply(&self, plan: &mut Plan) -> anyhow::Result<()> {
        plan.terms.extend(self.terms.iter().cloned());
        if let Some(f) = &self.terms_file {
            let bytes = std::fs::read(f)
                .with_context(|| format!("cannot read terms file {}", f.display()))?;
            let (text, _) = kiyome_core::charset::decode_guess(&bytes);
            plan.add_terms_file(&text);
        }
        plan.regexes.extend(self.regexes.iter().cloned());
        for name in &self.pii {
            let d = Detector::from_name(name).with_context(|| {
                let all: Vec<&str> = Detector::ALL.iter().map(|d| d.name()).collect();
                format!(
                    "unknown PII detector `{name}` (try one of: {})",
                    all.join(", ")
                )
            })?;
            if !plan.pii.contains(&d) {
                plan.pii.push(d);
            }
        }
        Ok(())
    }
}

/// The JSON report of `redact`, `scrub` and `verify`: the common report plus what was removed
/// and what the leak check found.
#[derive(Serialize)]
pub struct RunReport {
    /// The common report (tool, version, command, summary, files).
    #[serde(flatten)]
    pub report: Report,
    /// What was removed (redact, scrub).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redaction: Option<RedactionReport>,
    /// The leak check.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification: Option<LeakReport>,
}

impl RunReport {
    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    /// Writes the report file, prints the report; returns the outcome by the verdict.
    pub fn finish(&self, report_file: Option<&Path>, json: bool) -> anyhow::Result<Outcome> {
        if let Some(p) = report_file {
            io::write_atomic(p, self.to_json().as_bytes())?;
        }
        if json {
            println!("{}", self.to_json());
        } else {
            human::print_report(&self.report);
            if let Some(r) = &self.redaction {
                print_redaction(r);
            }
            if let Some(v) = &self.verification {
                println!(
                    "  verify: {} checks, {} leaks / 漏えい",
                    v.checks.len(),
                    v.leaks.len()
                );
            }
        }
        Ok(if self.report.summary.blocked > 0 {
            Outcome::Flagged
        } else {
            Outcome::Clean
        })
    }
}

fn print_redaction(r: &RedactionReport) {
    let total = r.total_hits();
    let areas: u64 = r.parts.iter().map(|p| p.areas).sum();
    println!("  redacted: {total} matches, {areas} areas / 黒塗り");
    for (cat, n) in &r.categories {
        println!("    {n:>5}  {cat}");
    }
}

/// Draws a random salt for the report's term hashes.
pub fn random_salt() -> String {
    let mut b = [0u8; 16];
    // A fixed salt is only a weaker hash, never a leak: fall back to zeros if the OS refuses.
    let _ = getrandom::fill(&mut b);
    hex::encode(b)
}

/// Reads the input, refusing an output path that is the input itself.
pub fn read_checked(input: &Path, out: Option<&Path>, limits: &Limits) -> anyhow::Result<Vec<u8>> {
    if let Some(out) = out {
        let same = match (std::fs::canonicalize(input), std::fs::canonicalize(out)) {
            (Ok(a), Ok(b)) => a == b,
            _ => input == out,
        };
        if same {
            bail!(
                "--out {} is the input: the input is never modified (choose another path)",
                out.display()
            );
        }
    }
    io::read_input(input, limits.max_input_bytes)
        .with_context(|| format!("cannot read {} / 入力を読めません", input.display()))
}

/// Runs a redaction (or scrub, with an empty plan) of `input` into `out` and reports it.
pub fn run_redaction(
    command: &str,
    input: &Path,
    out: &Path,
    plan: &Plan,
    salt: &str,
    opts: &kiyome_redact::office::ScrubOptions,
) -> anyhow::Result<RunReport> {
    let limits = Limits::default();
    let data = read_checked(input, Some(out), &limits)?;
    let name = input.to_string_lossy().into_owned();
    let det = kiyome_core::sniff(&data, Some(&name));
    let mut file = FileReport::new(name.clone(), &data, &det);
    file.methods.push(Method::MetadataRemoval);
    file.methods.push(Method::LeakVerification);
    if !plan.is_empty() {
        file.methods.push(Method::Redaction);
    }
    let budget = Budget::new(&limits);
    let ctx = Ctx::new(&budget, &NoNesting);
    let mut redaction = None;
    let mut verification = None;
    if !kiyome_redact::is_supported(det.kind) {
        file.findings.push(
            Finding::new("redact.unsupported_kind", Severity::Medium, name.clone())
                .detail(format!(
                    "{} files cannot be redacted or scrubbed yet; nothing was written",
                    det.kind
                ))
                .action(Action::Blocked),
        );
        file.block("redact.unsupported_kind");
    } else {
        let result = kiyome_redact::redact_with(&data, det.kind, plan, opts, salt, &ctx);
        match result {
            Ok(r) => {
                file.findings.extend(r.findings());
                match &r.output {
                    Some(o) => {
                        io::write_atomic(out, &o.data)?;
                        file.output = Some(OutputInfo {
                            path: out.to_string_lossy().into_owned(),
                            sha256: kiyome_core::sha256_hex(&o.data),
                            size: o.data.len() as u64,
                            kind: o.kind,
                        });
                    }
                    None => file.block("redact.verify_failed"),
                }
                redaction = Some(r.report);
                verification = Some(r.verification);
            }
            Err(e) => {
                file.findings.push(Finding::from_error(&e, name.clone()));
                file.block(e.code());
            }
        }
    }
    file.normalize();
    Ok(RunReport {
        report: Report::new(command, vec![file]),
        redaction,
        verification,
    })
}

/// Runs `kiyome redact`.
pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let mut plan = Plan::default();
    if let Some(p) = &args.plan {
        let text = std::fs::read_to_string(p)
            .with_context(|| format!("cannot read plan {}", p.display()))?;
        plan = Plan::from_json(&text).map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    args.rules.apply(&mut plan)?;
    for a in &args.areas {
        plan.areas
            .push(Area::parse(a).map_err(|e| anyhow::anyhow!("{e}"))?);
    }
    plan.mask_length |= args.mask_length;
    plan.hide_positions |= args.hide_positions;
    if let Some(c) = &args.box_color {
        plan.box_color = Color::parse(c).map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    if plan.is_empty() {
        bail!(
            "nothing to redact: give --term, --terms-file, --regex, --pii, --area or --plan \
             (use `kiyome scrub` to remove metadata only)"
        );
    }
    let salt = plan.salt.clone().unwrap_or_else(random_salt);
    plan.salt = Some(salt.clone());
    plan.validate().map_err(|e| anyhow::anyhow!("{e}"))?;
    if let Some(p) = &args.save_plan {
        io::write_atomic(p, plan.to_json().as_bytes())?;
    }
    let run = run_redaction(
        "redact",
        &args.input,
        &args.out,
        &plan,
        &salt,
        &args.hidden.options(),
    )?;
    run.finish(args.report.as_deref(), args.json)
}
