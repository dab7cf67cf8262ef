//! Disarm: archives rebuilt from their sanitized members, with safe unique UTF-8 names.
//!
//! zip → a fresh zip (deflate, UTF-8 names with the flag set, fixed timestamps, no comments
//! or extra fields); gzip → a fresh gzip of the sanitized content; tar → a fresh tar (the
//! kind the user expects), regular files only, owner and times zeroed.

use crate::names::Namer;
use crate::{AncestorGuard, ArchiveOptions, Conversion, gz, tar, zip_inspect};
use kiyome_core::{Action, Ctx, Disarmed, Error, Finding, Inspection, Kind, Severity};
use std::collections::HashMap;
use std::io::Write;

/// One member that survived sanitizing.
struct Kept {
    name: String,
    data: Vec<u8>,
}

/// Results of members already sanitized, by content hash: identical members (42.zip-style
/// fan-out) are sanitized once and their decompression cost charged again.
type Cache = HashMap<String, (kiyome_core::FileReport, Option<Disarmed>, u64)>;

/// Members left out of the rebuilt archive: original name and reason code.
type Removed = Vec<(String, String)>;

/// Sanitizes one member through the engine; records its report, a removal or a rename.
fn sanitize_member(
    original: &str,
    bytes: &[u8],
    index: usize,
    ctx: &Ctx<'_>,
    (namer, cache, removed): (&mut Namer, &mut Cache, &mut Removed),
    out: &mut Inspection,
) -> Result<Option<Kept>, Error> {
    let hash = kiyome_core::sha256_hex(bytes);
    let (report, result) = match cache.get(&hash) {
        Some((r, d, cost)) => {
            ctx.budget.consume(*cost)?;
            let mut r = r.clone();
            r.path = original.to_string();
            r.children.clear();
            (r, d.clone())
        }
        None => {
            let before = ctx.budget.used();
            let (r, d) = ctx.sanitize_nested(original, bytes);
            let cost = ctx.budget.used().saturating_sub(before);
            let mut light = r.clone();
            light.children.clear();
            cache.insert(hash, (light, d.clone(), cost));
            (r, d)
        }
    };
    // Why it was blocked: the reason code and the detail of the finding that gave it.
    let reason = report.reason.clone().map(|code| {
        match report
            .findings
            .iter()
            .find(|f| f.code == code && !f.detail.is_empty())
        {
            Some(f) => format!("{code}\t{}", f.detail),
            None => code,
        }
    });
    out.children.push(report);
    match result {
        Some(d) => {
            let name = namer.name(original, d.kind, index);
            if name != original {
                out.add(
                    Finding::new("archive.renamed", Severity::Low, original)
                        .action(Action::Neutralized)
                        .detail(format!("written as '{name}'")),
                );
            }
            Ok(Some(Kept { name, data: d.data }))
        }
        None => {
            removed.push((
                original.to_string(),
                reason.unwrap_or_else(|| "unsupported".into()),
            ));
            out.add(
                Finding::new("archive.member_removed", Severity::Low, original)
                    .action(Action::Removed)
                    .detail("member blocked; left out of the rebuilt archive"),
            );
            Ok(None)
        }
    }
}

/// Marks the structural findings gathered so far as handled by the rebuild.
fn mark_handled(out: &mut Inspection, from: usize) {
    for f in out.findings.iter_mut().skip(from) {
        if f.action == Action::Reported {
            f.action = match f.code.as_str() {
                "archive.path_traversal"
                | "archive.absolute_path"
                | "archive.duplicate_name"
                | "archive.backslash_name"
                | "archive.control_characters" => Action::Neutralized,
                "archive.legacy_name_charset" => Action::Converted,
                _ => Action::Removed,
            };
        }
    }
}

/// Rebuilds an archive from its sanitized members. Blocked members are dropped and recorded;
/// when every member is blocked, or the archive is encrypted without a password, overlapping,
/// a quine or a bomb, the archive itself is blocked (an error).
pub fn disarm(
    data: &[u8],
    kind: Kind,
    ctx: &Ctx<'_>,
    opts: &ArchiveOptions,
    out: &mut Inspection,
) -> Result<Disarmed, Error> {
    let _guard = AncestorGuard::enter(data);
    let from = out.findings.len();
    let mut removed = Removed::new();
    let (bytes, total, kept_n) = match kind {
        Kind::Zip => {
            let mut namer = Namer::default();
            let mut cache = Cache::new();
            let mut kept = Vec::new();
            let mut total = 0usize;
            let skipped =
                zip_inspect::walk(data, ctx, opts.password.as_deref(), out, |e, bytes, out| {
                    total += 1;
                    kept.extend(sanitize_member(
                        &e.name,
                        &bytes,
                        e.index,
                        ctx,
                        (&mut namer, &mut cache, &mut removed),
                        out,
                    )?);
                    Ok(())
                })?;
            if skipped.encrypted + skipped.wrong_password > 0 {
                for f in out
                    .findings
                    .iter_mut()
                    .filter(|f| f.code == "archive.encrypted")
                {
                    f.action = Action::Blocked;
                }
                // Default deny: a member that was not opened was not checked, so the archive is
                // not released without it.
                let detail = match opts.password {
                    None => format!(
                        "{} encrypted member(s); no password supplied (use --password) / パスワード付きzipです",
                        skipped.encrypted
                    ),
                    Some(_) if skipped.wrong_password > 0 => format!(
                        "the supplied password does not open {} encrypted member(s) / パスワードが違います",
                        skipped.wrong_password
                    ),
                    Some(_) => format!(
                        "{} member(s) use PKWARE strong encryption, which kiyome cannot decrypt",
                        skipped.encrypted
                    ),
                };
                return Err(Error::Encrypted {
                    format: "zip",
                    detail,
                });
            }
            if out.has("archive.quine") {
                return Err(Error::unsupported("a zip quine"));
            }
            total += skipped.other;
            let n = kept.len();
            unreadable_members(out, from, &mut removed);
            if n > 0 {
                kept.extend(notice(opts, &removed, &mut namer));
            }
            (write_zip(&kept)?, total, n)
        }
        Kind::Gzip => {
            let g = gz::gunzip(data, ctx)?;
            gz::report_trailing(data, &g, out);
            gz::polyglot(data, out);
            if crate::is_quine(&g.data) {
                out.add(
                    Finding::new("archive.quine", Severity::Medium, "gzip content")
                        .action(Action::Blocked),
                );
                return Err(Error::unsupported("a gzip quine"));
            }
            let mut namer = Namer::default();
            let mut cache = Cache::new();
            let kept = sanitize_member(
                &gz::inner_name(&g),
                &g.data,
                0,
                ctx,
                (&mut namer, &mut cache, &mut removed),
                out,
            )?;
            let n = usize::from(kept.is_some());
            let bytes = match kept {
                Some(k) => write_gzip(&k)?,
                None => Vec::new(),
            };
            (bytes, 1, n)
        }
        Kind::Tar => {
            let members = tar::members(data, ctx, out)?;
            let mut namer = Namer::default();
            let mut cache = Cache::new();
            let mut kept = Vec::new();
            for (i, m) in members.iter().enumerate() {
                let bytes = data.get(m.data.clone()).unwrap_or_default();
                if crate::is_quine(bytes) {
                    out.add(
                        Finding::new("archive.quine", Severity::Medium, m.name.clone())
                            .action(Action::Blocked),
                    );
                    return Err(Error::unsupported("a tar quine"));
                }
                kept.extend(sanitize_member(
                    &m.name,
                    bytes,
                    i,
                    ctx,
                    (&mut namer, &mut cache, &mut removed),
                    out,
                )?);
            }
            let n = kept.len();
            if n > 0 {
                kept.extend(notice(opts, &removed, &mut namer));
            }
            (write_tar(&kept)?, members.len(), n)
        }
        other => return Err(Error::unsupported(format!("rebuilding {other} archives"))),
    };
    if total > 0 && kept_n == 0 {
        out.add(
            Finding::new("archive.member_removed", Severity::Medium, "archive")
                .action(Action::Blocked)
                .detail(format!("all {total} member(s) were blocked")),
        );
        return Err(Error::unsupported(
            "an archive whose every member was blocked",
        ));
    }
    mark_handled(out, from);
    Ok(Disarmed { data: bytes, kind })
}

/// Members the zip walk could not read (unsupported method, damage) join the removed list.
fn unreadable_members(out: &Inspection, from: usize, removed: &mut Removed) {
    for f in out.findings.iter().skip(from) {
        if matches!(
            f.code.as_str(),
            "archive.unsupported_method" | "archive.damaged_member"
        ) && f.location != "central directory"
        {
            removed.push((f.location.clone(), f.code.clone()));
        }
    }
}

/// Name of the member that lists what was removed.
pub const REMOVED_NOTICE: &str = "_kiyome_removed.txt";

/// The removed-members notice, when the options ask for one and something was removed.
fn notice(opts: &ArchiveOptions, removed: &Removed, namer: &mut Namer) -> Option<Kept> {
    let on = opts.removed_notice.unwrap_or(opts.converting.is_some());
    if !on || removed.is_empty() {
        return None;
    }
    let (ja, en) = match opts.converting {
        Some(Conversion::Text) => (
            "テキストのみ抽出（無害化）の際、次のファイルは変換できなかったため取り除かれました。",
            "These files could not be converted to text and were left out.",
        ),
        Some(Conversion::ImagePdf) => (
            "画像PDF変換（無害化）の際、次のファイルは変換できなかったため取り除かれました。",
            "These files could not be converted to image PDFs and were left out.",
        ),
        None => (
            "無害化の際、次のファイルは取り除かれました。",
            "These files were left out when the archive was sanitized.",
        ),
    };
    let mut text = format!(
        "kiyome {}\n{ja}\n{en}\n理由コードの意味 / reason codes: docs/findings.md\n\n",
        kiyome_core::VERSION
    );
    for (name, reason) in removed {
        // Names are shown as the archive gave them, minus control characters.
        let shown: String = name.chars().filter(|c| !c.is_control()).collect();
        let reason: String = reason
            .chars()
            .map(|c| if c == '\n' { ' ' } else { c })
            .filter(|c| *c == '\t' || !c.is_control())
            .collect();
        text.push_str(&format!("{shown}\t{reason}\n"));
    }
    let name = namer.name(REMOVED_NOTICE, Kind::Text, usize::MAX);
    Some(Kept {
        name,
        data: text.into_bytes(),
    })
}

fn zip_err(e: zip::result::ZipError) -> Error {
    Error::parse("zip", format!("writing: {e}"))
}

fn write_zip(kept: &[Kept]) -> Result<Vec<u8>, Error> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644)
        .large_file(kept.iter().any(|k| k.data.len() as u64 >= u32::MAX as u64));
    for k in kept {
        w.start_file(k.name.as_str(), opts).map_err(zip_err)?;
        w.write_all(&k.data)?;
    }
    Ok(w.finish().map_err(zip_err)?.into_inner())
}

fn write_gzip(k: &Kept) -> Result<Vec<u8>, Error> {
    let base = k.name.rsplit('/').next().unwrap_or(&k.name);
    let mut enc = flate2::GzBuilder::new()
        .filename(base.as_bytes())
        .mtime(0)
        .write(Vec::new(), flate2::Compression::default());
    enc.write_all(&k.data)?;
    Ok(enc.finish()?)
}

fn write_tar(kept: &[Kept]) -> Result<Vec<u8>, Error> {
    let mut b = ::tar::Builder::new(Vec::new());
    for k in kept {
        let mut h = ::tar::Header::new_gnu();
        h.set_size(k.data.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(0);
        h.set_uid(0);
        h.set_gid(0);
        h.set_entry_type(::tar::EntryType::Regular);
        b.append_data(&mut h, &k.name, k.data.as_slice())?;
    }
    Ok(b.into_inner()?)
}
