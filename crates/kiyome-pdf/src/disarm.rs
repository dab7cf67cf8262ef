//! `disarm`: removes every active or external factor and rebuilds the file as one revision
//! (principle 2, "rebuild, don't patch").
//!
//! Three steps: classify every object (which actions, annotations and embedded-file streams
//! go), clean every remaining dictionary in place (drop /AA, script and file keys, filter
//! /Annots, /A, /Next and /OpenAction), then write only what the catalog still reaches
//! ([`crate::write::rebuild`]).

use crate::PdfOptions;
use crate::actions::{Act, annot_subtype, classify, is_media_annot};
use crate::collect::Collector;
use crate::load::{load, name, obj_loc};
use kiyome_core::{Action, Ctx, Disarmed, Error, Finding, Inspection, Kind, LimitKind, Severity};
use lopdf::xref::XrefRecovery;
use lopdf::{Dictionary, Document, Object, ObjectId};
use std::collections::{HashMap, HashSet};

/// Deepest direct nesting cleaned; deeper input is refused rather than half-cleaned.
const MAX_DEPTH: u32 = 256;

type Why = (&'static str, Severity, String);

/// Disarms `data` (detected as PDF) under `opts`, recording every removal in `out` as a
/// finding with [`Action::Removed`]. Returns the rebuilt single-revision PDF.
///
/// Blocks (returns an error) when the file cannot be parsed, needs a user password that was
/// not supplied (`encrypted`), or holds a stream with a non-standard filter
/// (`pdf.unknown_filter`, reported as `unsupported`).
pub fn disarm(
    data: &[u8],
    kind: Kind,
    ctx: &Ctx<'_>,
    opts: &PdfOptions,
    out: &mut Inspection,
) -> Result<Disarmed, Error> {
    let _ = kind;
    let loaded = load(data, ctx, opts.password.as_deref())?;
    if loaded.locked {
        return Err(Error::Encrypted {
            format: "pdf",
            detail: "a user password is needed to open it (supply it with --password)".into(),
        });
    }
    // A dimension bomb would be copied as it is: the rebuilt file must not carry it either.
    if let Some((_, e)) = crate::pixels::oversized(&loaded.doc, ctx)?
        .into_iter()
        .next()
    {
        return Err(e);
    }
    let mut doc = loaded.doc;
    let mut col = Collector::default();
    if loaded.encrypted {
        col.add(
            Finding::new("pdf.encrypted", Severity::Low, "trailer /Encrypt")
                .detail("decrypted; written unencrypted")
                .action(Action::Removed),
        );
    }
    let revisions = if doc.xref_section_count > 0 {
        doc.revision_count()
    } else {
        1
    };
    if revisions > 1 {
        col.add(
            Finding::new("pdf.incremental_update", Severity::Info, "xref chain")
                .detail(format!("{revisions} revisions merged into one"))
                .action(Action::Removed),
        );
    }
    if doc.xref_recovery == Some(XrefRecovery::Reconstructed) {
        col.add(
            Finding::new("pdf.repaired_xref", Severity::Low, "xref")
                .detail("damaged cross-reference data; written afresh")
                .action(Action::Converted),
        );
    }
    let declared = declared_page_count(&doc);
    let result = clean(&mut doc, ctx, opts, &mut col)
        .and_then(|()| crate::pages::flatten(&mut doc, ctx))
        .and_then(|found| {
            if declared != Some(found as i64) {
                let declared = declared.map_or("no /Count".to_string(), |n| format!("/Count {n}"));
                col.add(
                    Finding::new("pdf.page_tree", Severity::Low, "page tree")
                        .detail(format!("{declared}, {found} page(s) found; rebuilt flat"))
                        .action(Action::Converted),
                );
            }
            crate::write::rebuild(&doc, ctx, &mut col)
        });
    col.finish(out);
    Ok(Disarmed {
        data: result?,
        kind: Kind::Pdf,
    })
}

/// The /Count of the catalog's page tree root, as the file declares it.
fn declared_page_count(doc: &Document) -> Option<i64> {
    let root = crate::load::dict_of(doc, doc.trailer.get(b"Root").ok()?)?;
    let pages = crate::load::dict_of(doc, root.get(b"Pages").ok()?)?;
    match crate::load::resolve(doc, pages.get(b"Count").ok()?)? {
        Object::Integer(n) => Some(*n),
        _ => None,
    }
}

/// Why an indirect object goes, if it does.
fn verdict(obj: &Object, opts: &PdfOptions) -> Option<Why> {
    let d = match obj {
        Object::Dictionary(d) => d,
        Object::Stream(s) => {
            if name(&s.dict, b"Type") == Some(b"EmbeddedFile") {
                return Some((
                    "pdf.embedded_file",
                    Severity::Medium,
                    "embedded file stream".into(),
                ));
            }
            &s.dict
        }
        _ => return None,
    };
    if let Some(act) = classify(d)
        && !act.kept(opts)
    {
        return act.finding(opts);
    }
    annot_verdict(d, opts)
}

fn annot_verdict(d: &Dictionary, opts: &PdfOptions) -> Option<Why> {
    let sub = annot_subtype(d)?;
    let s = String::from_utf8_lossy(sub);
    if sub == b"FileAttachment" {
        Some((
            "pdf.embedded_file",
            Severity::Medium,
            "FileAttachment annotation".into(),
        ))
    } else if is_media_annot(sub) {
        Some((
            "pdf.rich_media",
            Severity::Medium,
            format!("{s} annotation"),
        ))
    } else if sub == b"Widget" && !opts.keep_forms {
        Some(("pdf.acroform", Severity::Low, "form widget".into()))
    } else {
        None
    }
}

struct Cleaner<'a> {
    drop: &'a HashMap<ObjectId, Why>,
    goto: &'a HashSet<ObjectId>,
    opts: &'a PdfOptions,
    col: &'a mut Collector,
}

fn clean(
    doc: &mut Document,
    ctx: &Ctx<'_>,
    opts: &PdfOptions,
    col: &mut Collector,
) -> Result<(), Error> {
    let mut drop = HashMap::new();
    let mut goto = HashSet::new();
    for (&id, obj) in &doc.objects {
        if let Some(why) = verdict(obj, opts) {
            drop.insert(id, why);
        } else {
            match obj {
                Object::Array(_) => {
                    goto.insert(id);
                }
                Object::Dictionary(d) if matches!(classify(d), None | Some(Act::GoTo)) => {
                    goto.insert(id);
                }
                _ => {}
            }
        }
    }
    let ids: Vec<ObjectId> = doc.objects.keys().copied().collect();
    let locs: Vec<String> = ids.iter().map(|&id| obj_loc(doc, id)).collect();
    let mut c = Cleaner {
        drop: &drop,
        goto: &goto,
        opts,
        col,
    };
    for (n, (id, loc)) in ids.iter().zip(locs).enumerate() {
        if n.is_multiple_of(256) {
            ctx.budget.check_time()?;
        }
        let Some(obj) = doc.objects.get_mut(id) else {
            continue;
        };
        if let Some((code, sev, detail)) = drop.get(id) {
            c.col.add(
                Finding::new(code, *sev, loc)
                    .detail(detail.clone())
                    .action(Action::Removed),
            );
            *obj = Object::Null;
            continue;
        }
        c.value(obj, &loc, 0)?;
    }
    Ok(())
}

impl Cleaner<'_> {
    fn removed(&mut self, code: &str, sev: Severity, path: &str, detail: impl Into<String>) {
        self.col.add(
            Finding::new(code, sev, path.to_string())
                .detail(detail)
                .action(Action::Removed),
        );
    }

    fn value(&mut self, obj: &mut Object, path: &str, depth: u32) -> Result<(), Error> {
        if depth > MAX_DEPTH {
            return Err(Error::limit(
                LimitKind::Depth,
                depth as u64,
                MAX_DEPTH as u64,
            ));
        }
        match obj {
            Object::Dictionary(d) => self.dict(d, path, depth),
            Object::Stream(s) => self.dict(&mut s.dict, path, depth),
            Object::Array(a) => {
                for (i, v) in a.iter_mut().enumerate() {
                    if matches!(v, Object::Dictionary(_) | Object::Array(_)) {
                        self.value(v, &format!("{path}[{i}]"), depth + 1)?;
                    }
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Whether a (direct or referenced) action value stays; records removals of direct ones.
    fn keep_action(&mut self, v: &Object, path: &str) -> bool {
        match v {
            Object::Reference(r) => !self.drop.contains_key(r),
            Object::Dictionary(a) => match classify(a) {
                Some(act) if !act.kept(self.opts) => {
                    if let Some((code, sev, detail)) = act.finding(self.opts) {
                        self.removed(code, sev, path, detail);
                    }
                    false
                }
                _ => true,
            },
            _ => true,
        }
    }

    fn dict(&mut self, d: &mut Dictionary, path: &str, depth: u32) -> Result<(), Error> {
        if d.remove(b"AA").is_some() {
            self.removed(
                "pdf.additional_actions",
                Severity::Medium,
                path,
                "additional actions",
            );
        }
        if d.remove(b"JS").is_some() {
            self.removed("pdf.javascript", Severity::High, path, "/JS entry");
        }
        if let Ok(oa) = d.get(b"OpenAction") {
            let keep = match oa {
                Object::Reference(r) => self.goto.contains(r) && !self.drop.contains_key(r),
                Object::Dictionary(a) => matches!(classify(a), None | Some(Act::GoTo)),
                _ => true,
            };
            if keep {
                // Even a plain page destination goes: the output must count no /OpenAction
                // (pdfid), and losing the initial view costs the reader nothing.
                d.remove(b"OpenAction");
                self.removed(
                    "pdf.open_action",
                    Severity::Low,
                    path,
                    "initial-view destination",
                );
            } else {
                let detail = match oa {
                    Object::Dictionary(a) => classify(a)
                        .and_then(|act| act.finding(self.opts))
                        .map(|f| f.2)
                        .unwrap_or_else(|| "not a page destination".into()),
                    _ => "not a page destination".into(),
                };
                d.remove(b"OpenAction");
                self.removed("pdf.open_action", Severity::Medium, path, detail);
            }
        }
        for key in [b"A".as_slice(), b"PA".as_slice()] {
            if let Ok(a) = d.get(key) {
                let a = a.clone();
                if !self.keep_action(&a, &format!("{path} /{}", String::from_utf8_lossy(key))) {
                    d.remove(key);
                }
            }
        }
        if let Ok(next) = d.get_mut(b"Next") {
            let next_path = format!("{path} /Next");
            let keep = match next {
                Object::Array(items) => {
                    let old = std::mem::take(items);
                    for it in old {
                        if self.keep_action(&it, &next_path) {
                            items.push(it);
                        }
                    }
                    !items.is_empty()
                }
                other => {
                    let o = other.clone();
                    self.keep_action(&o, &next_path)
                }
            };
            if !keep {
                d.remove(b"Next");
            }
        }
        if let Ok(Object::Array(annots)) = d.get_mut(b"Annots") {
            let old = std::mem::take(annots);
            let mut kept = Vec::with_capacity(old.len());
            for (i, a) in old.into_iter().enumerate() {
                let keep = match &a {
                    Object::Reference(r) => !self.drop.contains_key(r),
                    Object::Dictionary(ad) => match annot_verdict(ad, self.opts) {
                        Some((code, sev, detail)) => {
                            self.removed(code, sev, &format!("{path} /Annots[{i}]"), detail);
                            false
                        }
                        None => true,
                    },
                    Object::Null => false,
                    _ => true,
                };
                if keep {
                    kept.push(a);
                }
            }
            if let Ok(Object::Array(annots)) = d.get_mut(b"Annots") {
                *annots = kept;
            }
        }
        self.strip_keys(d, path);
        for (k, v) in d.iter_mut() {
            if matches!(v, Object::Dictionary(_) | Object::Array(_)) {
                let p = format!("{path} /{}", String::from_utf8_lossy(k));
                self.value(v, &p, depth + 1)?;
            }
        }
        Ok(())
    }

    /// Keys whose value is itself the factor: name trees of scripts and files, file data of
    /// file specifications, XFA, portfolios.
    fn strip_keys(&mut self, d: &mut Dictionary, path: &str) {
        let not_name =
            |d: &Dictionary, k: &[u8]| matches!(d.get(k), Ok(v) if !matches!(v, Object::Name(_)));
        if not_name(d, b"JavaScript") {
            d.remove(b"JavaScript");
            self.removed(
                "pdf.javascript",
                Severity::High,
                path,
                "document-level JavaScript name tree",
            );
        }
        if not_name(d, b"EmbeddedFiles") {
            d.remove(b"EmbeddedFiles");
            self.removed(
                "pdf.embedded_file",
                Severity::Medium,
                path,
                "EmbeddedFiles name tree",
            );
        }
        for (key, what) in [
            (b"EF".as_slice(), "file specification data"),
            (b"RF".as_slice(), "related files"),
            (b"AF".as_slice(), "associated files"),
        ] {
            if d.remove(key).is_some() {
                self.removed("pdf.embedded_file", Severity::Medium, path, what);
            }
        }
        if d.remove(b"XFA").is_some() {
            d.remove(b"NeedsRendering");
            self.removed("pdf.xfa", Severity::Medium, path, "XFA form");
        }
        if d.remove(b"Collection").is_some() {
            self.removed("pdf.portfolio", Severity::Medium, path, "PDF portfolio");
        }
        if !self.opts.keep_forms && d.remove(b"AcroForm").is_some() {
            self.removed("pdf.acroform", Severity::Low, path, "interactive form");
        }
    }
}
