//! The zip walk shared by inspect and disarm: structural findings, then each readable member
//! handed to a callback.

use crate::names::{check_name, collision_key};
use crate::zipread::{self, Entry};
use kiyome_core::{Ctx, Error, Finding, Inspection, LimitKind, Severity};
use std::collections::HashMap;

/// What the walk did not hand to the callback.
#[derive(Debug, Default)]
pub(crate) struct Skipped {
    /// Encrypted members left unread: no password, or a scheme the reader cannot decrypt
    /// (PKWARE strong encryption).
    pub encrypted: usize,
    /// Encrypted members the operator's password did not open (wrong password, or data that
    /// does not verify after decryption).
    pub wrong_password: usize,
    /// Members skipped for other reasons (method, damage, quine).
    pub other: usize,
}

/// Walks a zip: reports structure, and calls `each(entry, bytes, out)` for every member that
/// could be read. Errors are limits (the whole archive is blocked) or a broken directory.
pub(crate) fn walk(
    data: &[u8],
    ctx: &Ctx<'_>,
    password: Option<&str>,
    out: &mut Inspection,
    mut each: impl FnMut(&Entry, Vec<u8>, &mut Inspection) -> Result<(), Error>,
) -> Result<Skipped, Error> {
    let dir = zipread::read_directory(data, ctx)?;
    let mut skipped = Skipped::default();
    if (dir.entries.len() as u64) < dir.declared_entries && dir.declared_entries != 0xFFFF {
        out.add(
            Finding::new(
                "archive.damaged_member",
                Severity::Medium,
                "central directory",
            )
            .detail(format!(
                "{} entries declared, {} found",
                dir.declared_entries,
                dir.entries.len()
            )),
        );
    }
    let overlaps = zipread::overlapping(&dir);
    let declared: u64 = dir
        .entries
        .iter()
        .map(|e| e.usize)
        .fold(0, u64::saturating_add);
    if overlaps > 0 {
        out.add(
            Finding::new("archive.overlapping_entries", Severity::Medium, "central directory")
                .detail(format!(
                    "{overlaps} member(s) share compressed data; declared total {declared} bytes; nothing extracted"
                )),
        );
        if declared > ctx.limits().max_decompressed_bytes {
            return Err(Error::limit(
                LimitKind::DecompressedSize,
                declared,
                ctx.limits().max_decompressed_bytes,
            ));
        }
        return Err(Error::parse(
            "zip",
            "overlapping entries (a non-recursive zip bomb)",
        ));
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut legacy: Option<&'static str> = None;
    let mut enc_kinds: Vec<&'static str> = Vec::new();
    for e in &dir.entries {
        ctx.budget.check_time()?;
        let loc = e.name.clone();
        check_name(&e.name, &loc, out);
        if matches!(e.charset, "cp932" | "gbk" | "windows-1252") {
            legacy = Some(e.charset);
        }
        if e.name_mismatch {
            out.add(
                Finding::new("archive.name_mismatch", Severity::Medium, loc.clone())
                    .detail("local header and central directory name different files"),
            );
        }
        if e.is_dir() {
            continue;
        }
        let key = collision_key(&e.name);
        if let Some(first) = seen.insert(key, e.index) {
            out.add(
                Finding::new("archive.duplicate_name", Severity::Medium, loc.clone())
                    .detail(format!("same path as member #{first}")),
            );
        }
        if let Some(scheme) = e.encryption {
            if !enc_kinds.contains(&scheme) {
                enc_kinds.push(scheme);
            }
            if password.is_none() || scheme == "strong encryption" {
                skipped.encrypted += 1;
                continue;
            }
        }
        if !matches!(e.method, 0 | 8) {
            out.add(
                Finding::new("archive.unsupported_method", Severity::Medium, loc.clone())
                    .detail(format!("{} compression", zipread::method_name(e.method))),
            );
            skipped.other += 1;
            continue;
        }
        let bytes = match (e.encryption, password) {
            (Some(_), Some(pw)) => zipread::extract_with_password(data, e, pw, ctx),
            _ => zipread::extract(data, e, ctx),
        };
        let bytes = match bytes {
            Ok(b) => b,
            Err(err @ Error::LimitExceeded { .. }) => return Err(err),
            // ZipCrypto's check byte lets 1 wrong password in 256 through; the data then fails
            // to inflate or to match its CRC. Either way the password did not open the member.
            Err(err)
                if e.encryption.is_some() && !matches!(err, Error::Parse { format: "zip", .. }) =>
            {
                out.add(
                    Finding::new("archive.encrypted", Severity::Medium, loc).detail(format!(
                        "the supplied password does not open this member ({err})"
                    )),
                );
                skipped.wrong_password += 1;
                continue;
            }
            Err(err) => {
                let code = if matches!(err, Error::Encrypted { .. }) {
                    "archive.encrypted"
                } else {
                    "archive.damaged_member"
                };
                out.add(Finding::new(code, Severity::Medium, loc).detail(err.to_string()));
                skipped.other += 1;
                continue;
            }
        };
        // WinZip AE-2 members carry no CRC (the HMAC authenticates them); every other
        // member, ZipCrypto included, must match its CRC-32.
        if e.encryption != Some("AES") && zipread::crc32(&bytes) != e.crc {
            out.add(Finding::new(
                "archive.crc_mismatch",
                Severity::Low,
                loc.clone(),
            ));
        }
        if crate::is_quine(&bytes) {
            out.add(
                Finding::new("archive.quine", Severity::Medium, loc)
                    .detail("the member is identical to an enclosing archive: it contains itself"),
            );
            skipped.other += 1;
            continue;
        }
        each(e, bytes, out)?;
    }
    if !enc_kinds.is_empty() {
        let count = dir
            .entries
            .iter()
            .filter(|e| e.encryption.is_some())
            .count();
        let what = match password {
            None => "content not checked: no password supplied".to_string(),
            Some(_) if skipped.encrypted + skipped.wrong_password > 0 => format!(
                "{} could not be opened with the supplied password",
                skipped.encrypted + skipped.wrong_password
            ),
            Some(_) => "opened with the operator's password".to_string(),
        };
        out.add(
            Finding::new("archive.encrypted", Severity::Medium, "archive").detail(format!(
                "{count} encrypted member(s) ({}); {what}",
                enc_kinds.join(", ")
            )),
        );
    }
    if let Some(cs) = legacy {
        out.add(
            Finding::new(
                "archive.legacy_name_charset",
                Severity::Info,
                "member names",
            )
            .detail(format!("names decoded from {cs}")),
        );
    }
    Ok(skipped)
}

/// Inspects a zip; every readable member goes to the engine.
///
/// A member byte-identical to an earlier sibling is not inspected again (42.zip-style bombs
/// repeat one member many times at every level): its report is a copy of the sibling's
/// findings, and the decompressed bytes the sibling cost are charged to the budget again, so
/// the bomb still meets `limit.decompressed_size` — in milliseconds instead of minutes.
pub(crate) fn inspect(data: &[u8], ctx: &Ctx<'_>, out: &mut Inspection) -> Result<(), Error> {
    let mut done: HashMap<String, (usize, u64)> = HashMap::new();
    walk(data, ctx, None, out, |e, bytes, out| {
        let hash = kiyome_core::sha256_hex(&bytes);
        if let Some((child, cost)) = done.get(&hash).copied() {
            ctx.budget.consume(cost)?;
            if let Some(first) = out.children.get(child) {
                let mut copy = first.clone();
                copy.path = e.name.clone();
                copy.children.clear();
                copy.findings.push(
                    Finding::new("archive.duplicate_content", Severity::Info, e.name.clone())
                        .detail(format!(
                            "identical to '{}'; its findings are repeated here",
                            first.path
                        )),
                );
                out.children.push(copy);
            }
            return Ok(());
        }
        let before = ctx.budget.used();
        out.children.push(ctx.inspect_nested(&e.name, &bytes));
        done.insert(
            hash,
            (
                out.children.len() - 1,
                ctx.budget.used().saturating_sub(before),
            ),
        );
        Ok(())
    })?;
    Ok(())
}
