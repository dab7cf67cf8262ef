//! `inspect`: the dangerous-factor check for PDF.

use crate::collect::Collector;
use crate::load::{Loaded, load};
use crate::scan::{Scan, scan};
use crate::walk::walk;
use kiyome_core::{Ctx, Error, Finding, Inspection, Kind, Severity};
use lopdf::Object;
use lopdf::xref::XrefRecovery;

/// Raw keywords and the finding each must produce (the pdfid agreement set and a few more).
const RAW_MAP: &[(&str, &str, Severity)] = &[
    ("JS", "pdf.javascript", Severity::Medium),
    ("JavaScript", "pdf.javascript", Severity::Medium),
    ("OpenAction", "pdf.open_action", Severity::Medium),
    ("AA", "pdf.additional_actions", Severity::Medium),
    ("Launch", "pdf.launch", Severity::Medium),
    ("EmbeddedFile", "pdf.embedded_file", Severity::Medium),
    ("EmbeddedFiles", "pdf.embedded_file", Severity::Medium),
    ("XFA", "pdf.xfa", Severity::Medium),
    ("RichMedia", "pdf.rich_media", Severity::Medium),
    ("GoToR", "pdf.goto_remote", Severity::Medium),
    ("GoToE", "pdf.goto_remote", Severity::Medium),
    ("SubmitForm", "pdf.submit_form", Severity::Medium),
    ("ImportData", "pdf.import_data", Severity::Medium),
    ("AcroForm", "pdf.acroform", Severity::Low),
    ("ObjStm", "pdf.object_streams", Severity::Low),
    ("JBIG2Decode", "pdf.jbig2", Severity::Low),
];

/// Inspects `data` (detected as PDF) for dangerous factors and hidden information.
///
/// Findings gathered before an error are kept in `out`; an unparseable file returns the
/// parse error (the engine reports `parse.failed` and blocks it) but still carries every
/// finding of the raw keyword pass.
pub fn inspect(data: &[u8], kind: Kind, ctx: &Ctx<'_>, out: &mut Inspection) -> Result<(), Error> {
    let _ = kind;
    let mut col = Collector::default();
    let raw = scan(data, ctx);
    if let Ok(s) = &raw {
        escapes(s, &mut col);
    }
    let loaded = load(data, ctx, None);
    let structural = match &loaded {
        Ok(l) => structure(l, ctx, &mut col, out),
        Err(_) => Ok(()),
    };
    let parsed = matches!(&loaded, Ok(l) if !l.locked);
    if let Ok(s) = &raw {
        revisions(s, loaded.as_ref().ok(), data, &mut col);
        fallback(s, parsed, &mut col);
    }
    col.finish(out);
    raw?;
    loaded?;
    structural
}

fn structure(
    l: &Loaded,
    ctx: &Ctx<'_>,
    col: &mut Collector,
    out: &mut Inspection,
) -> Result<(), Error> {
    let doc = &l.doc;
    if l.encrypted {
        let method = doc
            .encryption_state
            .as_ref()
            .map(|s| format!("(V{} R{})", s.version(), s.revision()))
            .unwrap_or_default();
        if l.locked {
            col.add(
                Finding::new("pdf.encrypted", Severity::Medium, "trailer /Encrypt")
                    .detail("a user password is needed; only unencrypted names could be checked"),
            );
        } else {
            col.add(
                Finding::new("pdf.encrypted", Severity::Low, "trailer /Encrypt").detail(format!(
                    "opens with the empty user password {method}; inspected decrypted"
                )),
            );
        }
    }
    if let Some(r) = doc.xref_recovery {
        let what = match r {
            XrefRecovery::Reconstructed => "rebuilt by scanning for objects",
            _ => "an offset pointed elsewhere and was corrected",
        };
        col.add(Finding::new("pdf.repaired_xref", Severity::Low, "xref").detail(what));
    }
    let embedded = walk(doc, ctx, col)?;
    crate::load::check_stream_sizes(doc, doc.objects.keys(), ctx, false)?;
    // Declared image sizes: a reader allocates them whatever the stream's size (dimension bomb).
    for (loc, e) in crate::pixels::oversized(doc, ctx)? {
        col.add(Finding::from_error(&e, loc));
    }
    let max = usize::try_from(ctx.limits().max_stream_bytes).unwrap_or(usize::MAX);
    for e in embedded {
        ctx.budget.check_time()?;
        let Some(Object::Stream(s)) = doc.objects.get(&e.id) else {
            continue;
        };
        match s.decompressed_content_with_limit(max) {
            Ok(bytes) => {
                ctx.budget.consume(bytes.len() as u64)?;
                ctx.limits()
                    .check_ratio(s.content.len() as u64, bytes.len() as u64)?;
                out.children.push(ctx.inspect_nested(&e.name, &bytes));
            }
            Err(err) => col.add(
                Finding::new(
                    "pdf.embedded_file",
                    Severity::Medium,
                    format!("obj {}", e.id.0),
                )
                .detail(format!(
                    "embedded file {} could not be decoded: {err}",
                    e.name
                )),
            ),
        }
    }
    Ok(())
}

fn escapes(s: &Scan, col: &mut Collector) {
    if s.escaped_count == 0 {
        return;
    }
    let shown: Vec<String> = s
        .escaped
        .iter()
        .take(5)
        .map(|(raw, dec)| format!("{raw} = {dec}"))
        .collect();
    col.add(
        Finding::new("pdf.name_escape", Severity::Medium, "file bytes").detail(format!(
            "{} names spell letters with #xx escapes: {}",
            s.escaped_count,
            shown.join(", ")
        )),
    );
}

fn revisions(s: &Scan, loaded: Option<&Loaded>, data: &[u8], col: &mut Collector) {
    let from_doc = loaded
        .map(|l| &l.doc)
        .filter(|d| {
            d.xref_recovery != Some(XrefRecovery::Reconstructed) && d.xref_section_count > 0
        })
        .map(|d| d.revision_count());
    let n = from_doc.unwrap_or_else(|| {
        // Without a usable cross-reference chain, count `startxref` markers; a linearized file
        // has two in its first revision.
        let head = data.get(..1024.min(data.len())).unwrap_or_default();
        let linearized = head.windows(10).any(|w| w == b"Linearized");
        s.startxref.saturating_sub(usize::from(linearized)).max(1)
    });
    if n > 1 {
        col.add(
            Finding::new("pdf.incremental_update", Severity::Info, "xref chain")
                .detail(format!("{n} revisions")),
        );
    }
}

/// Adds a finding for every keyword the raw pass counted that the structural pass did not
/// explain: it sits in an older revision, an unreachable or broken object, a string, or a file
/// that could not be parsed. Default deny: it is still reported.
fn fallback(s: &Scan, parsed: bool, col: &mut Collector) {
    let place = if parsed {
        "outside the current document structure (older revision, unreachable object or string)"
    } else {
        "in a file whose objects could not be parsed"
    };
    for &(kw, code, sev) in RAW_MAP {
        if col.has(code) {
            continue;
        }
        let n = s.count(kw);
        let in_streams = s.count_in_streams(kw);
        if n > 0 {
            col.add(
                Finding::new(code, sev, "file bytes")
                    .detail(format!("/{kw} appears {n} times {place}")),
            );
        } else if in_streams > 0 {
            // pdfid counts these too; in a parsed file they are byte patterns inside
            // (usually compressed) stream data, not names, so they are reported as low.
            let sev = if parsed { Severity::Low } else { sev };
            col.add(Finding::new(code, sev, "stream data").detail(format!(
                "the bytes /{kw} occur {in_streams} times inside stream data (pdfid counts them; not a PDF name)"
            )));
        }
    }
    if !parsed && s.count("Encrypt") > 0 && !col.has("pdf.encrypted") {
        col.add(
            Finding::new("pdf.encrypted", Severity::Medium, "file bytes")
                .detail("/Encrypt appears in a file that could not be parsed"),
        );
    }
}
