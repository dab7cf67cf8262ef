//! tar: a bounded header walk of kiyome's own (POSIX.1-1988 ustar, old v7 headers without
//! magic, GNU long names, pax `path` records), checking each header's checksum.

use crate::names::{check_name, collision_key};
use kiyome_core::{Ctx, Error, Finding, Inspection, LimitKind, Severity};
use std::collections::HashMap;

/// One regular file in a tar.
pub(crate) struct TarMember {
    /// The member path.
    pub name: String,
    /// Offset and length of its data.
    pub data: std::ops::Range<usize>,
}

fn field_str(b: &[u8]) -> String {
    let end = b.iter().position(|c| *c == 0).unwrap_or(b.len());
    crate::names::decode_name(&b[..end], false).0
}

/// Octal (or GNU base-256) numeric field.
fn number(b: &[u8]) -> Option<u64> {
    if b.first().is_some_and(|c| c & 0x80 != 0) {
        let mut v: u64 = 0;
        for (i, c) in b.iter().enumerate() {
            let c = if i == 0 { c & 0x7F } else { *c };
            v = v.checked_mul(256)?.checked_add(c as u64)?;
        }
        return Some(v);
    }
    let s: String = b
        .iter()
        .skip_while(|c| **c == b' ' || **c == 0)
        .take_while(|c| (b'0'..=b'7').contains(*c))
        .map(|c| *c as char)
        .collect();
    if s.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(&s, 8).ok()
}

fn checksum_ok(h: &[u8]) -> bool {
    let Some(stored) = number(&h[148..156]) else {
        return false;
    };
    let sum: u64 = h
        .iter()
        .enumerate()
        .map(|(i, b)| {
            if (148..156).contains(&i) {
                32
            } else {
                *b as u64
            }
        })
        .sum();
    stored == sum
}

/// Walks the headers; reports links, special files, name tricks and duplicates; returns the
/// regular files.
pub(crate) fn members(
    d: &[u8],
    ctx: &Ctx<'_>,
    out: &mut Inspection,
) -> Result<Vec<TarMember>, Error> {
    let mut files = Vec::new();
    let mut p = 0usize;
    let mut long_name: Option<String> = None;
    let mut seen: HashMap<String, usize> = HashMap::new();
    let max = ctx.limits().max_entries;
    let mut count = 0u64;
    while let Some(h) = d.get(p..p + 512) {
        ctx.budget.check_time()?;
        if h.iter().all(|b| *b == 0) {
            // End of archive: two zero blocks; anything but padding after them is hidden data.
            let rest = d.get(p..).unwrap_or_default();
            if rest.iter().any(|b| *b != 0) {
                out.add(
                    Finding::new(
                        "archive.trailing_data",
                        Severity::Medium,
                        format!("offset {p}"),
                    )
                    .detail("data after the end-of-archive blocks"),
                );
            }
            return Ok(files);
        }
        if !checksum_ok(h) {
            if p == 0 {
                return Err(Error::parse("tar", "bad header checksum"));
            }
            out.add(
                Finding::new(
                    "archive.damaged_member",
                    Severity::Medium,
                    format!("offset {p}"),
                )
                .detail("bad tar header checksum; the rest is not read"),
            );
            return Ok(files);
        }
        count += 1;
        if count > max {
            return Err(Error::limit(LimitKind::Entries, count, max));
        }
        let size = number(&h[124..136]).ok_or_else(|| Error::parse("tar", "bad size field"))?;
        let start = p + 512;
        let end = usize::try_from(size)
            .ok()
            .and_then(|s| start.checked_add(s))
            .filter(|e| *e <= d.len())
            .ok_or_else(|| {
                Error::parse("tar", format!("member at offset {p} runs past the end"))
            })?;
        let typ = h[156];
        let mut name = field_str(&h[0..100]);
        if &h[257..262] == b"ustar" {
            let prefix = field_str(&h[345..500]);
            if !prefix.is_empty() {
                name = format!("{prefix}/{name}");
            }
        }
        if let Some(n) = long_name.take() {
            name = n;
        }
        let body = &d[start..end];
        match typ {
            b'L' => long_name = Some(field_str(&body[..body.len().min(65_536)])),
            b'x' => long_name = pax_path(body).or(long_name),
            b'g' | b'5' | b'V' => {}
            b'1' | b'2' => {
                check_name(&name, &name, out);
                out.add(
                    Finding::new("archive.link", Severity::Medium, name.clone()).detail(format!(
                        "{} link to '{}'",
                        if typ == b'2' { "symbolic" } else { "hard" },
                        field_str(&h[157..257])
                    )),
                );
            }
            b'3' | b'4' | b'6' => {
                out.add(Finding::new(
                    "archive.special_file",
                    Severity::Medium,
                    name.clone(),
                ));
            }
            _ => {
                check_name(&name, &name, out);
                if let Some(first) = seen.insert(collision_key(&name), files.len()) {
                    out.add(
                        Finding::new("archive.duplicate_name", Severity::Medium, name.clone())
                            .detail(format!("same path as member #{first}")),
                    );
                }
                files.push(TarMember {
                    name,
                    data: start..end,
                });
            }
        }
        p = start + (end - start).div_ceil(512) * 512;
    }
    Ok(files)
}

/// The `path` record of a pax extended header ("LEN path=VALUE\n" records).
fn pax_path(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    text.lines().find_map(|l| {
        let (_, kv) = l.split_once(' ')?;
        kv.strip_prefix("path=").map(str::to_string)
    })
}

/// Inspects a tar: every regular file goes to the engine.
pub(crate) fn inspect(d: &[u8], ctx: &Ctx<'_>, out: &mut Inspection) -> Result<(), Error> {
    for m in members(d, ctx, out)? {
        let bytes = &d[m.data.clone()];
        if crate::is_quine(bytes) {
            out.add(Finding::new("archive.quine", Severity::Medium, m.name));
            continue;
        }
        out.children.push(ctx.inspect_nested(&m.name, bytes));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn octal_and_base256_sizes() {
        assert_eq!(number(b"00000000012\0"), Some(10));
        assert_eq!(number(&[0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]), Some(256));
        assert_eq!(number(b"        \0"), Some(0));
    }
}
