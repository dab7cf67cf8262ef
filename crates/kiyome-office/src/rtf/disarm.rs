//! RTF disarm: the input is copied byte for byte except for the spans it removes:
//! `\object` groups become their `\result` (the picture Word shows), stray `\objdata`
//! destinations go, DDE-like fields become their `\fldrslt` text, `\bin` picture data is
//! rewritten as hex (the same picture without raw bytes) and other `\bin` runs go, and
//! anything after the end of the document group is dropped. The pass repeats until nothing
//! is left to remove, so an object hidden inside another object's result is caught too.

use super::RtfOptions;
use super::scan::{self, Analysis};
use kiyome_core::{Action, Ctx, Disarmed, Error, Finding, Inspection, Kind, Severity};

/// Most rounds of removal before giving up (each round removes the outermost layer).
const MAX_ROUNDS: usize = 8;

/// Rebuilds an RTF document without objects, DDE fields and `\bin` runs.
pub fn disarm_with(
    data: &[u8],
    _kind: Kind,
    ctx: &Ctx<'_>,
    opts: &RtfOptions,
    out: &mut Inspection,
) -> Result<Disarmed, Error> {
    if !data.trim_ascii_start().starts_with(b"{\\rt") {
        return Err(Error::parse("rtf", "no {\\rt header"));
    }
    let mut cur = data.trim_ascii_start().to_vec();
    for _ in 0..MAX_ROUNDS {
        ctx.budget.check_time()?;
        let a = scan::analyze(&cur, ctx)?;
        let edits = edits(&cur, &a, opts, out);
        if edits.is_empty() {
            return Ok(Disarmed {
                data: cur,
                kind: Kind::Rtf,
            });
        }
        cur = apply(&cur, edits);
    }
    Err(Error::unsupported(format!(
        "RTF objects nested more than {MAX_ROUNDS} levels inside each other's results"
    )))
}

type Edit = (usize, usize, Vec<u8>);

fn edits(d: &[u8], a: &Analysis, opts: &RtfOptions, out: &mut Inspection) -> Vec<Edit> {
    let mut e: Vec<Edit> = Vec::new();
    for o in &a.objects {
        let keep = match o.result {
            Some((s, t)) if opts.keep_object_pictures && s <= t => wrap(&d[s..t]),
            _ => Vec::new(),
        };
        let what = if o.class.trim().is_empty() {
            "object".to_string()
        } else {
            format!("object {}", o.class.trim())
        };
        out.add(
            Finding::new("rtf.object", Severity::High, format!("byte {}", o.span.0))
                .detail(if keep.is_empty() {
                    format!("{what} removed")
                } else {
                    format!("{what} replaced by its result picture")
                })
                .action(Action::Removed),
        );
        e.push((o.span.0, o.span.1, keep));
    }
    for f in &a.fields {
        let keep = f
            .result
            .map(|(s, t)| wrap(&d[s..t.max(s)]))
            .unwrap_or_default();
        out.add(
            Finding::new("rtf.dde", Severity::High, format!("byte {}", f.span.0))
                .detail(format!(
                    "{} field replaced by its result text",
                    f.dde.keyword
                ))
                .action(Action::Removed),
        );
        e.push((f.span.0, f.span.1, keep));
    }
    let mut converted = 0;
    for b in &a.bins {
        if b.in_object {
            continue;
        }
        let rep = if b.in_pict {
            converted += 1;
            hex(&d[b.raw.0..b.raw.1])
        } else {
            Vec::new()
        };
        e.push((b.span.0, b.span.1, rep));
    }
    if !a.bins.is_empty() {
        out.add(
            Finding::new("rtf.bin", Severity::Low, "document")
                .detail(format!(
                    "{} \\bin run(s): {converted} picture run(s) rewritten as hex, the rest removed",
                    a.bins.len()
                ))
                .action(Action::Neutralized),
        );
    }
    if let Some(end) = a.doc_end
        && end < d.len()
        && d[end..].iter().any(|c| !c.is_ascii_whitespace() && *c != 0)
    {
        out.add(
            Finding::new("rtf.bin", Severity::Low, format!("byte {end}"))
                .detail(format!(
                    "{} bytes after the end of the document removed",
                    d.len() - end
                ))
                .action(Action::Removed),
        );
        e.push((end, d.len(), Vec::new()));
    }
    e
}

fn wrap(inner: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(inner.len() + 2);
    v.push(b'{');
    v.extend_from_slice(inner);
    v.push(b'}');
    v
}

fn hex(raw: &[u8]) -> Vec<u8> {
    const H: &[u8; 16] = b"0123456789abcdef";
    let mut v = Vec::with_capacity(raw.len() * 2 + raw.len() / 64 + 2);
    for (i, b) in raw.iter().enumerate() {
        if i % 64 == 0 {
            v.push(b'\n');
        }
        v.push(H[(b >> 4) as usize]);
        v.push(H[(b & 15) as usize]);
    }
    v.push(b'\n');
    v
}

/// Applies non-overlapping edits; an edit inside an earlier (outer) one is dropped, since
/// the outer replacement already decided what survives of that span.
fn apply(d: &[u8], mut edits: Vec<Edit>) -> Vec<u8> {
    edits.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    let mut out = Vec::with_capacity(d.len());
    let mut pos = 0;
    for (s, e, rep) in edits {
        if s < pos {
            continue;
        }
        out.extend_from_slice(&d[pos..s]);
        out.extend_from_slice(&rep);
        pos = e;
    }
    out.extend_from_slice(&d[pos.min(d.len())..]);
    out
}
