//! `kiyome sanitize INPUT... --out DIR [--mode disarm|text|image-pdf] [--policy FILE]
//! [--report FILE] [--quarantine DIR [--retention-days N]] [--audit FILE] [--json]`.
//!
//! Inputs (files or directories, recursed) are processed in parallel on all cores. A released
//! file is written atomically under `--out` (same relative path; the extension follows the
//! output kind); nothing is written to `--out` for a blocked file, whose original goes to
//! `--quarantine` with its report. Inputs are never modified. `--audit FILE` appends one
//! audit record per input (JSON lines, the fields of `kiyome watch`'s journal).

use crate::{Outcome, human, io};
use anyhow::{Context, bail};
use kiyome_core::{FileReport, Kind, Report, Verdict};
use kiyome_sanitize::{Engine, Mode, Policy};
use rayon::prelude::*;
use std::collections::HashSet;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Arguments of `kiyome sanitize`.
#[derive(clap::Args)]
pub struct Args {
    /// Files or directories (recursed) to sanitize.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Directory for released outputs.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Mode for every kind the policy does not block: disarm (サニタイズ処理), text
    /// (テキストのみ抽出) or image-pdf (画像PDF変換). Default: the policy's modes.
    #[arg(long, value_name = "MODE")]
    mode: Option<Mode>,
    /// Policy file (TOML); see `kiyome policy show`.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Write the JSON report of the run to this file.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Copy originals of blocked files here, each with its report.
    #[arg(long, value_name = "DIR")]
    quarantine: Option<PathBuf>,
    /// Days the quarantine keeps originals (default: the policy's `[quarantine]
    /// retention_days`, 14).
    #[arg(long, value_name = "DAYS", requires = "quarantine")]
    retention_days: Option<u32>,
    /// Append one audit record per input to this file (JSON lines, fsynced).
    #[arg(long, value_name = "FILE")]
    audit: Option<PathBuf>,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// Password for encrypted inputs (PDF user password, encrypted zip), supplied by the
    /// operator. Without it, encrypted files are blocked.
    #[arg(long, value_name = "PASSWORD")]
    password: Option<String>,
}

/// Loads `--policy` or the default policy.
pub fn load_policy(path: Option<&Path>) -> anyhow::Result<Policy> {
    match path {
        None => Ok(Policy::default()),
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| {
                format!("cannot read policy {} / ポリシーを読めません", p.display())
            })?;
            Policy::from_toml(&text).map_err(|e| {
                anyhow::anyhow!("invalid policy {} / ポリシーが不正です: {e}", p.display())
            })
        }
    }
}

/// Runs `kiyome sanitize`.
pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let policy = load_policy(args.policy.as_deref())?;
    let mut engine = Engine::with_policy(policy);
    engine.mode = args.mode;
    engine.password = args.password.clone();
    let inputs = io::collect_inputs_with_roots(&args.inputs)?;
    guard_out_dir(&args.out, &inputs)?;
    std::fs::create_dir_all(&args.out).with_context(|| {
        format!(
            "cannot create {} / 出力先を作成できません",
            args.out.display()
        )
    })?;

    let progress = (!args.json && std::io::stderr().is_terminal()).then(|| {
        let pb = indicatif::ProgressBar::new(inputs.len() as u64);
        pb.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {elapsed} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        pb
    });
    let store = match &args.quarantine {
        Some(q) => Some(
            kiyome_mail::quarantine::Store::open(
                q,
                super::audit::retention_days(args.retention_days, &engine.policy),
            )
            .with_context(|| format!("cannot open quarantine {}", q.display()))?,
        ),
        None => None,
    };
    let audit = match &args.audit {
        Some(p) => Some(super::audit::Log::open(p)?),
        None => None,
    };
    let sinks = Sinks {
        store: store.as_ref(),
        audit: audit.as_ref(),
        audit_failed: false.into(),
    };
    let taken = Mutex::new(HashSet::new());
    let reports: Vec<FileReport> = inputs
        .par_iter()
        .map(|(path, rel)| {
            let r = sanitize_one(&engine, path, rel, &args, &sinks, &taken);
            if let Some(pb) = &progress {
                pb.inc(1);
            }
            r
        })
        .collect();
    if let Some(pb) = progress {
        pb.finish_and_clear();
    }
    let mut report = Report::new("sanitize", reports);
    report.mode = args.mode.map(|m| m.name().to_string());
    report.policy_sha256 = Some(engine.policy.sha256());
    if let Some(path) = &args.report {
        io::write_atomic(path, report.to_json().as_bytes())?;
    }
    if args.json {
        println!("{}", report.to_json());
    } else {
        human::print_report(&report);
    }
    if sinks
        .audit_failed
        .load(std::sync::atomic::Ordering::Relaxed)
    {
        bail!("some audit records could not be written / 監査記録を書き込めませんでした");
    }
    if report
        .files
        .iter()
        .any(|f| f.reason.as_deref() == Some("io.error"))
    {
        bail!(
            "some inputs could not be read or outputs not written / 読み書きできないファイルがあります"
        );
    }
    Ok(if report.summary.blocked > 0 {
        Outcome::Flagged
    } else {
        Outcome::Clean
    })
}

/// Where originals and audit records of a run go.
struct Sinks<'a> {
    store: Option<&'a kiyome_mail::quarantine::Store>,
    audit: Option<&'a super::audit::Log>,
    /// An audit record could not be written (the run then exits 2).
    audit_failed: std::sync::atomic::AtomicBool,
}

fn sanitize_one(
    engine: &Engine,
    path: &Path,
    rel: &Path,
    args: &Args,
    sinks: &Sinks<'_>,
    taken: &Mutex<HashSet<PathBuf>>,
) -> FileReport {
    let name = path.to_string_lossy().into_owned();
    let data = match io::read_input(path, engine.limits().max_input_bytes) {
        Ok(d) => d,
        Err(e) => {
            let report = super::inspect::unreadable(&name, &e);
            audit(engine, sinks, &report, None, None);
            return report;
        }
    };
    let result = engine.sanitize(&name, &data);
    let mut report = result.report;
    let mail = super::audit::MailInfo::of(&data, report.kind);
    match result.output {
        Some(out) if report.verdict == Verdict::Released => {
            let dest = unique(taken, args.out.join(output_rel(rel, report.kind, out.kind)));
            match io::write_atomic(&dest, &out.data) {
                Ok(()) => {
                    if let Some(o) = &mut report.output {
                        o.path = dest.to_string_lossy().into_owned();
                    }
                }
                Err(e) => {
                    report.findings.push(
                        kiyome_core::Finding::new(
                            "io.error",
                            kiyome_core::Severity::High,
                            "output",
                        )
                        .detail(format!("{e:#}"))
                        .action(kiyome_core::Action::Blocked),
                    );
                    report.block("io.error");
                }
            }
        }
        _ => {}
    }
    // Blocked originals are kept; so is a message whose PPAP zip was held (it is released
    // without it), for `kiyome release MESSAGE-ID --password …`.
    let keep = report.verdict == Verdict::Blocked || kiyome_mail::holds_original(&report);
    let mut quarantined = None;
    if keep && let Some(store) = sinks.store {
        match super::audit::quarantine(store, &data, &name, &report, mail.as_ref(), "sanitize") {
            Ok(sha) => quarantined = Some(sha),
            Err(e) => eprintln!("kiyome: warning: quarantine of {name} failed: {e:#}"),
        }
    }
    audit(
        engine,
        sinks,
        &report,
        mail.as_ref(),
        quarantined.as_deref(),
    );
    report
}

fn audit(
    engine: &Engine,
    sinks: &Sinks<'_>,
    report: &FileReport,
    mail: Option<&super::audit::MailInfo>,
    quarantined: Option<&str>,
) {
    let Some(log) = sinks.audit else { return };
    let mut rec = super::audit::record(
        report,
        &report.path,
        mail,
        &format!("file:{}", report.path),
        quarantined,
        &engine.policy,
    );
    rec["type"] = "audit".into();
    if let Err(e) = log.append(&rec) {
        eprintln!(
            "kiyome: error: audit record for {} failed: {e:#}",
            report.path
        );
        sinks
            .audit_failed
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// The output path relative to `--out`: the input's relative path, with the extension of the
/// output kind when the kind changed (`a.docm` → `a.docx`), or the converted kind appended
/// (`a.pdf` → `a.pdf.txt` for text-only, `a.docx` → `a.docx.pdf` for image-PDF).
fn output_rel(rel: &Path, in_kind: Kind, out_kind: Kind) -> PathBuf {
    let claims = Kind::from_file_name(&rel.to_string_lossy());
    // The text of a CSV is written as .txt: under its own name a spreadsheet would open it
    // and evaluate any formula (DDE) it carries.
    let csv_as_text = claims == Some(Kind::Csv) && out_kind == Kind::Text;
    if !csv_as_text
        && claims
            .map(|c| out_kind.consistent_with_claim(c))
            .unwrap_or(false)
    {
        return rel.to_path_buf();
    }
    let ext = out_kind.default_extension();
    let same_family = in_kind.class() == out_kind.class();
    if same_family && rel.extension().is_some() {
        rel.with_extension(ext)
    } else {
        let mut s = rel.as_os_str().to_owned();
        s.push(format!(".{ext}"));
        PathBuf::from(s)
    }
}

/// Makes `p` unique among outputs of this run (`name~1.ext`, `name~2.ext`…).
fn unique(taken: &Mutex<HashSet<PathBuf>>, p: PathBuf) -> PathBuf {
    let mut set = taken.lock().unwrap_or_else(|e| e.into_inner());
    if set.insert(p.clone()) {
        return p;
    }
    let stem = p
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ext = p
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    for i in 1.. {
        let cand = p.with_file_name(format!("{stem}~{i}{ext}"));
        if set.insert(cand.clone()) {
            return cand;
        }
    }
    p
}

/// Refuses an output directory that is, or is inside, an input, so that outputs can never
/// overwrite or be mistaken for inputs.
fn guard_out_dir(out: &Path, inputs: &[(PathBuf, PathBuf)]) -> anyhow::Result<()> {
    let out_abs = absolute(out);
    for (p, _) in inputs {
        let p_abs = absolute(p);
        if p_abs.starts_with(&out_abs) {
            bail!(
                "--out {} contains the input {}; choose an empty directory elsewhere / 出力先に入力ファイルが含まれています",
                out.display(),
                p.display()
            );
        }
    }
    Ok(())
}

fn absolute(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| {
        std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_names_follow_the_output_kind() {
        assert_eq!(
            output_rel(Path::new("a/b.docm"), Kind::Docm, Kind::Docx),
            PathBuf::from("a/b.docx")
        );
        assert_eq!(
            output_rel(Path::new("b.jpg"), Kind::Jpeg, Kind::Jpeg),
            PathBuf::from("b.jpg")
        );
        assert_eq!(
            output_rel(Path::new("r.pdf"), Kind::Pdf, Kind::Text),
            PathBuf::from("r.pdf.txt")
        );
        assert_eq!(
            output_rel(Path::new("r.docx"), Kind::Docx, Kind::Pdf),
            PathBuf::from("r.docx.pdf")
        );
        assert_eq!(
            output_rel(Path::new("noext"), Kind::Pdf, Kind::Pdf),
            PathBuf::from("noext.pdf")
        );
        assert_eq!(
            output_rel(Path::new("dde.csv"), Kind::Csv, Kind::Text),
            PathBuf::from("dde.txt")
        );
        assert_eq!(
            output_rel(Path::new("dde.csv"), Kind::Csv, Kind::Csv),
            PathBuf::from("dde.csv")
        );
    }

    #[test]
    fn duplicate_outputs_get_suffixes() {
        let taken = Mutex::new(HashSet::new());
        assert_eq!(
            unique(&taken, PathBuf::from("o/a.pdf")),
            PathBuf::from("o/a.pdf")
        );
        assert_eq!(
            unique(&taken, PathBuf::from("o/a.pdf")),
            PathBuf::from("o/a~1.pdf")
        );
    }
}
