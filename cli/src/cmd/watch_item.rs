//! The spool of `kiyome watch`: claiming, crash-safe finishing, the journal and audit records.

use super::watch::Stats;
use anyhow::Context;
use kiyome_core::{Kind, Verdict};
use kiyome_mail::quarantine::{Store, write_atomic};
use kiyome_sanitize::Engine;
use serde_json::json;
use std::collections::HashSet;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// A claimed input: `processing/ID__NAME`.
#[derive(Debug, Clone)]
pub struct Item {
    /// Unique id of this item (claim time and a counter).
    pub id: String,
    /// The name it arrived under.
    pub name: String,
    /// Its path in `processing/`.
    pub path: PathBuf,
}

/// What happened to an item.
pub struct Done {
    /// Released (an output was written).
    pub released: bool,
    /// An attachment was held (the original is also in the quarantine).
    pub held: bool,
}

/// The spool directories, the quarantine, and the journal.
pub struct Spool {
    input: PathBuf,
    out: PathBuf,
    processing: PathBuf,
    done: PathBuf,
    journal_path: PathBuf,
    store: Store,
    journaled: Mutex<HashSet<String>>,
    journal: Mutex<fs::File>,
    counter: AtomicU64,
}

/// Whether a spool entry is a complete file ready to be claimed (write-then-rename protocol:
/// producers write dot-files or `*.tmp`/`*.part` and rename them when complete).
pub fn is_ready_name(name: &str) -> bool {
    !(name.starts_with('.') || name.ends_with(".tmp") || name.ends_with(".part"))
}

impl Spool {
    /// Opens the spool, creating its state directories, repairing a torn last journal line
    /// and removing temporary files a killed run left in `--out`.
    pub fn open(input: &Path, out: &Path, store: Store) -> anyhow::Result<Spool> {
        let state = input.join(".kiyome");
        let processing = state.join("processing");
        let done = state.join("done");
        for d in [&processing, &done, &out.to_path_buf()] {
            fs::create_dir_all(d).with_context(|| format!("cannot create {}", d.display()))?;
        }
        let journal_path = state.join("journal.jsonl");
        let mut journaled = HashSet::new();
        let existing = fs::read(&journal_path).unwrap_or_default();
        for line in existing.split(|b| *b == b'\n') {
            // A line torn by a crash is not valid JSON and is ignored; its item is redone.
            if let Ok(v) = serde_json::from_slice::<serde_json::Value>(line)
                && let Some(id) = v["item"].as_str()
                && v["type"] == "audit"
            {
                journaled.insert(id.to_string());
            }
        }
        let mut journal = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&journal_path)
            .with_context(|| format!("cannot open {}", journal_path.display()))?;
        if !existing.is_empty() && !existing.ends_with(b"\n") {
            journal.write_all(b"\n")?;
        }
        for e in fs::read_dir(out)?.flatten() {
            let n = e.file_name().to_string_lossy().into_owned();
            if n.starts_with(".kiyome-") && n.ends_with(".tmp") {
                let _ = fs::remove_file(e.path());
            }
        }
        for e in fs::read_dir(&processing)?.flatten() {
            let n = e.file_name().to_string_lossy().into_owned();
            if n.starts_with('.') && n.ends_with(".tmp") {
                let _ = fs::remove_file(e.path());
            }
        }
        store.cleanup_temp()?;
        Ok(Spool {
            input: input.to_path_buf(),
            out: out.to_path_buf(),
            processing,
            done,
            journal_path,
            store,
            journaled: Mutex::new(journaled),
            journal: Mutex::new(journal),
            counter: AtomicU64::new(0),
        })
    }

    /// Items a previous run claimed but did not finish.
    pub fn claimed(&self) -> anyhow::Result<Vec<Item>> {
        let mut items = Vec::new();
        let mut orphans = false;
        for e in fs::read_dir(&self.processing)?.flatten() {
            let n = e.file_name().to_string_lossy().into_owned();
            if let Some(item) = n.strip_suffix(".plan") {
                // A plan outlives its item only when a crash came between the item leaving
                // processing/ (its last step) and the plan's removal: the item is finished.
                if !self.processing.join(item).exists() {
                    let _ = fs::remove_file(e.path());
                    orphans = true;
                }
                continue;
            }
            if n.starts_with('.') {
                continue;
            }
            if let Some((id, name)) = n.split_once("__") {
                items.push(Item {
                    id: id.to_string(),
                    name: name.to_string(),
                    path: e.path(),
                });
            }
        }
        if orphans {
            sync_dir(&self.processing);
        }
        items.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(items)
    }

    /// Claims up to `max` complete files from the spool by renaming them into `processing/`.
    pub fn claim_ready(&self, max: usize) -> anyhow::Result<Vec<Item>> {
        let mut names: Vec<String> = fs::read_dir(&self.input)?
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| is_ready_name(n))
            .collect();
        names.sort();
        names.truncate(max);
        let mut items = Vec::new();
        for name in names {
            let n = self.counter.fetch_add(1, Ordering::Relaxed);
            let now = chrono::Utc::now();
            let id = format!(
                "{}-{}-{n:06}",
                now.format("%Y%m%dT%H%M%S%.6fZ"),
                std::process::id()
            );
            let path = self.processing.join(format!("{id}__{name}"));
            // rename(2) is atomic: a file is either still in the spool or claimed, never both.
            match fs::rename(self.input.join(&name), &path) {
                Ok(()) => items.push(Item { id, name, path }),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e).context(format!("cannot claim {name}")),
            }
        }
        if !items.is_empty() {
            sync_dir(&self.processing);
            sync_dir(&self.input);
        }
        Ok(items)
    }

    /// Finishes one claimed item; idempotent, so a crash at any point is repaired by calling
    /// it again for the same item.
    pub fn finish(&self, engine: &Engine, it: &Item) -> anyhow::Result<Done> {
        let data =
            fs::read(&it.path).with_context(|| format!("cannot read {}", it.path.display()))?;
        let result = engine.sanitize(&it.name, &data);
        let mut report = result.report;
        let held = kiyome_mail::holds_original(&report);
        let mail = super::audit::MailInfo::of(&data, report.kind);
        let mut output_path = None;
        if let (Some(out), Verdict::Released) = (&result.output, report.verdict) {
            let dest = self.plan_output(it, report.kind, out.kind)?;
            let tmp = self.out.join(format!(".kiyome-{}.tmp", it.id));
            write_tmp_then_rename(&tmp, &dest, &out.data)?;
            if let Some(o) = &mut report.output {
                o.path = dest.to_string_lossy().into_owned();
            }
            output_path = Some(dest);
        }
        let quarantined = if report.verdict == Verdict::Blocked || held {
            Some(super::audit::quarantine(
                &self.store,
                &data,
                &it.name,
                &report,
                mail.as_ref(),
                "watch",
            )?)
        } else {
            None
        };
        self.audit(engine, it, &report, mail.as_ref(), quarantined.as_deref())?;
        // Last step: the original leaves processing/. Released originals are kept in done/
        // (for the operator's retention); quarantined ones live in the store.
        if output_path.is_some() && quarantined.is_none() {
            fs::rename(&it.path, self.done.join(format!("{}__{}", it.id, it.name)))?;
        } else {
            fs::remove_file(&it.path)?;
        }
        let _ = fs::remove_file(self.plan_path(it));
        sync_dir(&self.processing);
        Ok(Done {
            released: report.verdict == Verdict::Released,
            held,
        })
    }

    fn plan_path(&self, it: &Item) -> PathBuf {
        self.processing.join(format!("{}__{}.plan", it.id, it.name))
    }

    /// The output path of an item, chosen once and recorded, so that a redo after a crash
    /// writes the same file instead of a second copy.
    fn plan_output(&self, it: &Item, in_kind: Kind, out_kind: Kind) -> anyhow::Result<PathBuf> {
        let plan = self.plan_path(it);
        if let Ok(p) = fs::read_to_string(&plan) {
            return Ok(PathBuf::from(p));
        }
        let base = output_name(&it.name, in_kind, out_kind);
        let mut dest = self.out.join(&base);
        if dest.exists() {
            dest = self.out.join(format!("{}~{}", it.id, base));
        }
        write_atomic(&plan, dest.to_string_lossy().as_bytes())?;
        Ok(dest)
    }

    fn audit(
        &self,
        engine: &Engine,
        it: &Item,
        report: &kiyome_core::FileReport,
        mail: Option<&super::audit::MailInfo>,
        quarantined: Option<&str>,
    ) -> anyhow::Result<()> {
        let mut seen = self.journaled.lock().unwrap_or_else(|e| e.into_inner());
        if seen.contains(&it.id) {
            return Ok(());
        }
        let mut rec = super::audit::record(
            report,
            &it.name,
            mail,
            &format!("spool:{}", self.input.display()),
            quarantined,
            &engine.policy,
        );
        rec["type"] = "audit".into();
        rec["item"] = it.id.clone().into();
        let line = format!("{rec}\n");
        let mut j = self.journal.lock().unwrap_or_else(|e| e.into_inner());
        j.write_all(line.as_bytes())?;
        j.sync_data()?;
        seen.insert(it.id.clone());
        print!("{line}");
        let _ = std::io::stdout().flush();
        Ok(())
    }

    /// Writes a non-audit event line (start, recover, error) to stdout.
    pub fn log_event(&self, event: &str, data: &serde_json::Value) {
        let rec = json!({
            "type": event,
            "time": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "data": data,
        });
        println!("{rec}");
    }

    /// The periodic health/summary line.
    pub fn health(&self, stats: &Stats, uptime: Duration) -> anyhow::Result<()> {
        let pending = fs::read_dir(&self.input)?
            .flatten()
            .filter(|e| is_ready_name(&e.file_name().to_string_lossy()))
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .count();
        let processing = self.claimed()?.len();
        self.log_event(
            "health",
            &json!({"uptime_s": uptime.as_secs(), "stats": stats, "pending": pending,
                    "processing": processing, "journal": self.journal_path}),
        );
        Ok(())
    }
}

/// The output file name: the input name, with the extension of the output kind when it
/// changed (`a.docm` → `a.docx`, `mail.msg` → `mail.eml`).
fn output_name(name: &str, in_kind: Kind, out_kind: Kind) -> String {
    if in_kind == out_kind || Kind::from_file_name(name) == Some(out_kind) {
        return name.to_string();
    }
    let ext = out_kind.default_extension();
    match name.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => format!("{stem}.{ext}"),
        _ => format!("{name}.{ext}"),
    }
}

fn write_tmp_then_rename(tmp: &Path, dest: &Path, data: &[u8]) -> anyhow::Result<()> {
    let r = (|| -> std::io::Result<()> {
        let mut f = fs::File::create(tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
        fs::rename(tmp, dest)
    })();
    if r.is_err() {
        let _ = fs::remove_file(tmp);
    }
    r.with_context(|| format!("cannot write {}", dest.display()))?;
    if let Some(d) = dest.parent() {
        sync_dir(d);
    }
    Ok(())
}

fn sync_dir(d: &Path) {
    if let Ok(f) = fs::File::open(d) {
        let _ = f.sync_all();
    }
}
