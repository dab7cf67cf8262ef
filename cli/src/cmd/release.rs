//! `kiyome release MESSAGE-ID --password … --out DIR [--quarantine DIR]`: releases the
//! password-protected zip (PPAP) held from a message, once the operator has received the
//! password separately. The zip is opened with the password and every member goes through
//! the normal sanitize pipeline; only what the pipeline releases is written. Zips of attached
//! messages (message/rfc822) are found too; every zip is opened before anything is written,
//! so a wrong password releases nothing.

use crate::{Outcome, io};
use anyhow::{Context, bail};
use kiyome_core::{Budget, Ctx, FileReport, Kind, NoNesting, Report, Verdict, sniff};
use kiyome_mail::quarantine::Store;
use kiyome_sanitize::Engine;
use std::path::PathBuf;
use zeroize::Zeroizing;

/// Arguments of `kiyome release`.
#[derive(clap::Args)]
pub struct Args {
    /// The Message-ID of the held message (as in the notice; `<…>` optional). It may name an
    /// attached message, a message of an mbox, or the original's SHA-256 (then every held
    /// zip of it is released).
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
    /// Days the original is kept after the release, at least (default: the policy's
    /// `[quarantine] retention_days`, 14).
    #[arg(long, value_name = "DAYS")]
    retention_days: Option<u32>,
    /// Append one audit record per released member to this file (JSON lines).
    #[arg(long, value_name = "FILE")]
    audit: Option<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// Runs `kiyome release`.
pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let password = Zeroizing::new(match (&args.password, &args.password_file) {
        (Some(p), _) => p.clone(),
        (None, Some(f)) => std::fs::read_to_string(f)
            .with_context(|| format!("cannot read {}", f.display()))?
            .lines()
            .next()
            .unwrap_or("")
            .to_string(),
        (None, None) => bail!("give --password or --password-file / パスワードを指定してください"),
    });
    if !args.quarantine.is_dir() {
        bail!(
            "no quarantine at {} / 隔離領域がありません (try --quarantine DIR)",
            args.quarantine.display()
        );
    }
    let policy = super::sanitize::load_policy(args.policy.as_deref())?;
    let retention = super::audit::retention_days(args.retention_days, &policy);
    let store = Store::open(&args.quarantine, retention)?;
    let Some(entry) = store.get(&args.message_id)? else {
        bail!(
            "no held message {} in {} / 保留中のメールが見つかりません (see `kiyome quarantine list`)",
            args.message_id,
            args.quarantine.display()
        );
    };
    let original = store.original(&entry)?;
    let engine = Engine::with_policy(policy);
    let kind = match sniff(&original, entry.names.first().map(|s| s.as_str())).kind {
        Kind::Msg => Kind::Msg,
        k if k.class() == kiyome_core::KindClass::Mail => k,
        _ => Kind::Eml,
    };
    let budget = Budget::new(engine.limits());
    let ctx = Ctx::new(&budget, &NoNesting);
    let zips = kiyome_mail::tree::encrypted_zips(&original, kind, &ctx)
        .map_err(|e| anyhow::anyhow!("cannot parse the held message: {e}"))?;
    // The zips of the message named (and of the messages attached to it); a hash or a
    // prefix names the whole original.
    let key = kiyome_mail::tree::normalize_id(&args.message_id);
    let by_id = zips.iter().any(|z| z.chain.iter().any(|c| c == key));
    let chosen: Vec<_> = zips
        .iter()
        .filter(|z| !by_id || z.chain.iter().any(|c| c == key))
        .collect();
    if chosen.is_empty() {
        bail!(
            "the message {} holds no password-protected zip / 保留中のZIPがありません",
            args.message_id
        );
    }
    // Every zip is opened before anything is written: a wrong password releases nothing.
    let mut opened = Vec::new();
    for z in &chosen {
        let members = kiyome_mail::ppap::decrypt_zip(&z.data, password.as_bytes(), &ctx)
            .map_err(|e| {
                anyhow::anyhow!(
                    "{} (message {}): {e}; nothing was released / ZIPを開けません。何も出力していません",
                    z.name,
                    z.message_id
                )
            })?;
        opened.push((z, members));
    }
    let audit = match &args.audit {
        Some(p) => Some(super::audit::Log::open(p)?),
        None => None,
    };
    let mail = super::audit::MailInfo::of(&original, kind);
    let mut reports: Vec<FileReport> = Vec::new();
    for (z, members) in opened {
        for m in members {
            let shown = format!("{}/{}", z.name, m.name);
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
            if let Some(log) = &audit {
                let mut rec = super::audit::record(
                    &report,
                    &report.path,
                    mail.as_ref(),
                    "release",
                    Some(&entry.sha256),
                    &engine.policy,
                );
                rec["type"] = "release".into();
                rec["released_from"] = z.message_id.clone().into();
                log.append(&rec)?;
            }
            reports.push(report);
        }
    }
    store.mark_released_at(&entry, super::audit::now()?)?;
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
