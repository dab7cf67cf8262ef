//! `kiyome release MESSAGE-ID --password … --out DIR [--quarantine DIR]`: releases the
//! password-protected zip (PPAP) held from a message, once the operator has received the
//! password separately. The zip is opened with the password and every member goes through
//! the normal sanitize pipeline; only what the pipeline releases is written.

use crate::{Outcome, io};
use anyhow::{Context, bail};
use kiyome_core::{Budget, Ctx, FileReport, Kind, NoNesting, Report, Verdict, sniff};
use kiyome_mail::model::PartKind;
use kiyome_mail::quarantine::{DEFAULT_RETENTION_DAYS, Store};
use kiyome_sanitize::Engine;
use std::path::PathBuf;

/// Arguments of `kiyome release`.
#[derive(clap::Args)]
pub struct Args {
    /// The Message-ID of the held message (as in the notice; `<…>` optional).
    message_id: String,
    /// The zip password (visible to other local users in the process list: prefer
    /// --password-file).
    #[arg(long, conflicts_with = "password_file")]
    password: Option<String>,
    /// A file whose first line is the zip password.
    #[arg(long, value_name = "FILE")]
    password_file: Option<PathBuf>,
    /// The quarantine directory.
    #[arg(long, value_name = "DIR", default_value = "quarantine")]
    quarantine: PathBuf,
    /// Directory for the released members.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Policy file (TOML).
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// Runs `kiyome release`.
pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let password = match (&args.password, &args.password_file) {
        (Some(p), _) => p.clone(),
        (None, Some(f)) => std::fs::read_to_string(f)
            .with_context(|| format!("cannot read {}", f.display()))?
            .lines()
            .next()
            .unwrap_or("")
            .to_string(),
        (None, None) => bail!("give --password or --password-file / パスワードを指定してください"),
    };
    let store = Store::open(&args.quarantine, DEFAULT_RETENTION_DAYS)?;
    let Some(entry) = store.get(&args.message_id)? else {
        bail!(
            "no held message {} in {} / 保留中のメールが見つかりません",
            args.message_id,
            args.quarantine.display()
        );
    };
    let original = store.original(&entry)?;
    let policy = super::sanitize::load_policy(args.policy.as_deref())?;
    let engine = Engine::with_policy(policy);
    let kind = match sniff(&original, entry.names.first().map(|s| s.as_str())).kind {
        Kind::Msg => Kind::Msg,
        k if k.class() == kiyome_core::KindClass::Mail => k,
        _ => Kind::Eml,
    };
    let budget = Budget::new(engine.limits());
    let ctx = Ctx::new(&budget, &NoNesting);
    let mails = kiyome_mail::load(&original, kind, &ctx)
        .map_err(|e| anyhow::anyhow!("cannot parse the held message: {e}"))?;
    let mut reports: Vec<FileReport> = Vec::new();
    let mut zips = 0;
    for (_, mail) in &mails {
        for part in mail.parts.iter().filter(|p| p.kind == PartKind::Attachment) {
            if !kiyome_mail::ppap::is_encrypted_zip(&part.data) {
                continue;
            }
            zips += 1;
            let members = kiyome_mail::ppap::decrypt_zip(&part.data, password.as_bytes(), &ctx)
                .map_err(|e| anyhow::anyhow!("{}: {e} / ZIPを開けません", part.name))?;
            for m in members {
                let shown = format!("{}/{}", part.name, m.name);
                let base = kiyome_mail::model::safe_name(&m.name, "member");
                let result = engine.sanitize(&base, &m.data);
                let mut report = result.report;
                report.path = shown;
                if let (Some(o), Verdict::Released) = (result.output, report.verdict) {
                    let dest = unique(args.out.join(super::quarantine::rename(&base, o.kind)));
                    io::write_atomic(&dest, &o.data)?;
                    if let Some(info) = &mut report.output {
                        info.path = dest.to_string_lossy().into_owned();
                    }
                }
                reports.push(report);
            }
        }
    }
    if zips == 0 {
        bail!(
            "the message {} holds no password-protected zip / 保留中のZIPがありません",
            args.message_id
        );
    }
    store.mark_released(&entry)?;
    let report = Report::new("release", reports);
    if args.json {
        println!("{}", report.to_json());
    } else {
        crate::human::print_report(&report);
    }
    Ok(if report.summary.blocked > 0 {
        Outcome::Flagged
    } else {
        Outcome::Clean
    })
}

fn unique(p: PathBuf) -> PathBuf {
    if !p.exists() {
        return p;
    }
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    (1..)
        .map(|i| p.with_file_name(format!("{i}~{name}")))
        .find(|c| !c.exists())
        .unwrap_or(p)
}
