//! Audit records (one JSON object per processed item) and the quarantine glue shared by
//! `kiyome sanitize`, `kiyome watch` and `kiyome release`: the record fields, an append-only
//! JSON-lines log written durably, the clock, the retention period and putting an original
//! into the quarantine store.
//!
//! Record fields (docs/gateway.md): `time`, `channel` (`mail` or `file`), `source` (sender,
//! or where a file came from), `message_id` (first) and `message_ids` (every message of an
//! mbox and every attached message), `name`, `sha256`, `size`, `kind`, `verdict`, `reason`,
//! `held`, `methods`, `output` (path, sha256, kind), `quarantine_sha256`, `findings`
//! (code, severity, action, location), `children`, `policy_version`, `policy_sha256`.

use anyhow::Context;
use kiyome_core::FileReport;
use kiyome_mail::quarantine::{Put, Store};
use kiyome_sanitize::Policy;
use serde_json::{Value, json};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

/// The environment variable that fixes "now" (RFC 3339), for tests and replays: quarantine
/// times, expiry, `purge` and audit times all use it.
pub const NOW_VAR: &str = "KIYOME_NOW";

/// The current time, or the time given in `KIYOME_NOW`.
pub fn now() -> anyhow::Result<chrono::DateTime<chrono::Utc>> {
    match std::env::var(NOW_VAR) {
        Ok(s) if !s.trim().is_empty() => chrono::DateTime::parse_from_rfc3339(s.trim())
            .map(|t| t.with_timezone(&chrono::Utc))
            .with_context(|| format!("{NOW_VAR}={s} is not an RFC 3339 time")),
        _ => Ok(chrono::Utc::now()),
    }
}

/// `now()` as the RFC 3339 text of a record, falling back to the system clock.
fn now_text() -> String {
    now()
        .unwrap_or_else(|_| chrono::Utc::now())
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The retention period: `--retention-days`, else the policy's `[quarantine] retention_days`.
pub fn retention_days(cli: Option<u32>, policy: &Policy) -> u32 {
    cli.unwrap_or(policy.quarantine.retention_days)
}

/// What the mail parser knows about an input: its senders and message ids (empty for files).
#[derive(Debug, Default, Clone)]
pub struct MailInfo {
    /// Sender of each top-level message.
    pub senders: Vec<String>,
    /// Id of every message, attached messages included.
    pub message_ids: Vec<String>,
}

impl MailInfo {
    /// Parses `data` of `kind` (no-op for kinds other than mail).
    pub fn of(data: &[u8], kind: kiyome_core::Kind) -> Option<MailInfo> {
        let env = kiyome_mail::envelopes(data, kind);
        if env.is_empty() {
            return None;
        }
        let mut senders: Vec<String> = Vec::new();
        for e in &env {
            if !e.from.is_empty() && !senders.contains(&e.from) {
                senders.push(e.from.clone());
            }
        }
        let mut ids = kiyome_mail::tree::message_ids(data, kind);
        for e in env {
            if !ids.contains(&e.message_id) {
                ids.push(e.message_id);
            }
        }
        Some(MailInfo {
            senders,
            message_ids: ids,
        })
    }
}

/// Puts an original into the quarantine (held PPAP messages under `mail.encrypted_attachment`,
/// blocked inputs under their reason) with every message id; returns its SHA-256.
pub fn quarantine(
    store: &Store,
    data: &[u8],
    name: &str,
    report: &FileReport,
    mail: Option<&MailInfo>,
    source: &str,
) -> anyhow::Result<String> {
    let reason = if kiyome_mail::holds_original(report) {
        "mail.encrypted_attachment".to_string()
    } else {
        report
            .reason
            .clone()
            .unwrap_or_else(|| "unspecified".into())
    };
    let ids = mail.map(|m| m.message_ids.clone()).unwrap_or_default();
    let entry = store.put_at(
        data,
        &Put {
            name,
            message_ids: &ids,
            reason: &reason,
            source,
            report: serde_json::to_value(report)?,
        },
        now()?,
    )?;
    Ok(entry.sha256)
}

/// One audit record. `fallback_source` names where a non-mail input came from.
pub fn record(
    report: &FileReport,
    name: &str,
    mail: Option<&MailInfo>,
    fallback_source: &str,
    quarantined: Option<&str>,
    policy: &Policy,
) -> Value {
    let findings: Vec<_> = report
        .findings
        .iter()
        .map(|f| json!({"code": f.code, "severity": f.severity, "action": f.action, "location": f.location}))
        .collect();
    let source = mail
        .and_then(|m| m.senders.first().cloned())
        .unwrap_or_else(|| fallback_source.to_string());
    json!({
        "time": now_text(),
        "channel": if mail.is_some() { "mail" } else { "file" },
        "source": source,
        "senders": mail.map(|m| m.senders.clone()).unwrap_or_default(),
        "message_id": mail.and_then(|m| m.message_ids.first().cloned()),
        "message_ids": mail.map(|m| m.message_ids.clone()).unwrap_or_default(),
        "name": name,
        "sha256": report.sha256,
        "size": report.size,
        "kind": report.kind,
        "verdict": report.verdict,
        "reason": report.reason,
        "held": kiyome_mail::holds_original(report),
        "methods": report.methods,
        "output": report.output.as_ref().map(|o| json!({"path": o.path, "sha256": o.sha256, "kind": o.kind})),
        "quarantine_sha256": quarantined,
        "findings": findings,
        "children": report.children.len(),
        "policy_version": policy.version,
        "policy_sha256": policy.sha256(),
    })
}

/// An append-only JSON-lines audit log; every line is flushed to disk before `append`
/// returns (a crash can tear only the last line).
pub struct Log {
    file: Mutex<File>,
}

impl Log {
    /// Opens (creating) the log at `path`, closing a line a crash left torn.
    pub fn open(path: &Path) -> anyhow::Result<Log> {
        if let Some(d) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(d).with_context(|| format!("cannot create {}", d.display()))?;
        }
        let mut file = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(path)
            .with_context(|| format!("cannot open audit log {}", path.display()))?;
        let len = file.metadata()?.len();
        if len > 0 {
            use std::io::{Read, Seek, SeekFrom};
            let mut last = [0u8; 1];
            file.seek(SeekFrom::Start(len - 1))?;
            file.read_exact(&mut last)?;
            if last[0] != b'\n' {
                file.write_all(b"\n")?;
            }
        }
        Ok(Log {
            file: Mutex::new(file),
        })
    }

    /// Appends one record as a line and syncs it.
    pub fn append(&self, rec: &Value) -> anyhow::Result<()> {
        let line = format!("{rec}\n");
        let mut f = self.file.lock().unwrap_or_else(|e| e.into_inner());
        f.write_all(line.as_bytes())?;
        f.sync_data()?;
        Ok(())
    }
}
