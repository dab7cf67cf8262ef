//! The structural pass: every object lopdf loaded (objects inside object streams included) is
//! examined, and every dictionary nested directly inside it, so an action is found wherever it
//! sits — catalog, page, annotation, field, outline item or a /Next chain — without following
//! references at all (no cycle can trap the walk). Only embedded-file streams are reached by
//! reference, one hop, de-duplicated by object id.

use crate::PdfOptions;
use crate::actions::{Act, annot_subtype, classify, filters, is_media_annot, known_filter};
use crate::collect::Collector;
use crate::load::{dict_of, name, obj_loc, resolve};
use kiyome_core::{Ctx, Error, Finding, Severity};
use lopdf::{Dictionary, Document, Object, ObjectId};
use std::collections::{BTreeMap, BTreeSet};

/// Deepest direct nesting examined (lopdf's parser stops at 100).
const MAX_DEPTH: usize = 128;

/// An embedded file found by the walk: the stream holding it and a display name.
pub(crate) struct Embedded {
    pub id: ObjectId,
    pub name: String,
}

/// Aggregated facts that are reported once per document.
#[derive(Default)]
struct Tally {
    annots: usize,
    subtypes: BTreeSet<String>,
    jbig2: Vec<String>,
    jpx: Vec<String>,
    objstm: Vec<String>,
}

struct Walker<'a, 'c> {
    doc: &'a Document,
    opts: PdfOptions,
    col: &'c mut Collector,
    tally: Tally,
    embedded: BTreeMap<ObjectId, String>,
}

/// Examines every object of `doc`; returns the embedded files to hand to the engine.
pub(crate) fn walk(
    doc: &Document,
    ctx: &Ctx<'_>,
    col: &mut Collector,
) -> Result<Vec<Embedded>, Error> {
    let mut w = Walker {
        doc,
        opts: PdfOptions::default(),
        col,
        tally: Tally::default(),
        embedded: BTreeMap::new(),
    };
    for (n, (&id, obj)) in doc.objects.iter().enumerate() {
        if n.is_multiple_of(256) {
            ctx.budget.check_time()?;
        }
        let loc = obj_loc(doc, id);
        if let Object::Stream(s) = obj {
            w.stream(id, &s.dict, &loc);
        }
        w.visit(obj, &loc, 0);
    }
    w.document_level();
    let t = std::mem::take(&mut w.tally);
    let summary = |v: &[String]| -> String {
        let mut s = v.iter().take(5).cloned().collect::<Vec<_>>().join(", ");
        if v.len() > 5 {
            s.push_str(", …");
        }
        s
    };
    if t.annots > 0 {
        let subtypes: Vec<String> = t.subtypes.into_iter().collect();
        w.col.add(
            Finding::new("pdf.annotations", Severity::Info, "pages").detail(format!(
                "{} annotations: {}",
                t.annots,
                subtypes.join(", ")
            )),
        );
    }
    for (code, v, what) in [
        ("pdf.jbig2", &t.jbig2, "JBIG2Decode streams"),
        ("pdf.jpx", &t.jpx, "JPXDecode streams"),
        ("pdf.object_streams", &t.objstm, "object streams"),
    ] {
        if let Some(first) = v.first() {
            w.col.add(
                Finding::new(code, Severity::Low, first.clone()).detail(format!(
                    "{} {what}: {}",
                    v.len(),
                    summary(v)
                )),
            );
        }
    }
    Ok(w.embedded
        .into_iter()
        .map(|(id, name)| Embedded { id, name })
        .collect())
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A file name from a file specification (/UF, then /F), as text.
pub(crate) fn spec_name(d: &Dictionary) -> Option<String> {
    for key in [b"UF".as_slice(), b"F".as_slice()] {
        if let Ok(o @ Object::String(..)) = d.get(key) {
            return lopdf::decode_text_string(o).ok();
        }
    }
    None
}

impl Walker<'_, '_> {
    fn add(&mut self, code: &str, sev: Severity, loc: &str, detail: impl Into<String>) {
        self.col
            .add(Finding::new(code, sev, loc.to_string()).detail(detail));
    }

    fn stream(&mut self, id: ObjectId, d: &Dictionary, loc: &str) {
        match name(d, b"Type") {
            Some(b"ObjStm") => self.tally.objstm.push(loc.to_string()),
            Some(b"EmbeddedFile") => {
                self.embedded
                    .entry(id)
                    .or_insert_with(|| format!("obj {}", id.0));
            }
            _ => {}
        }
        for f in filters(d) {
            match f.as_slice() {
                b"JBIG2Decode" => self.tally.jbig2.push(loc.to_string()),
                b"JPXDecode" => self.tally.jpx.push(loc.to_string()),
                other if !known_filter(other) => self.add(
                    "pdf.unknown_filter",
                    Severity::Medium,
                    loc,
                    format!("filter /{}", lossy(other)),
                ),
                _ => {}
            }
        }
    }

    fn visit(&mut self, obj: &Object, path: &str, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        match obj {
            Object::Dictionary(d) => self.dict(d, path, depth),
            Object::Stream(s) => self.dict(&s.dict, path, depth),
            Object::Array(a) => {
                for (i, v) in a.iter().enumerate() {
                    if matches!(v, Object::Dictionary(_) | Object::Array(_)) {
                        self.visit(v, &format!("{path}[{i}]"), depth + 1);
                    }
                }
            }
            _ => {}
        }
    }

    fn dict(&mut self, d: &Dictionary, path: &str, depth: usize) {
        self.examine(d, path);
        for (k, v) in d.iter() {
            if matches!(v, Object::Dictionary(_) | Object::Array(_)) {
                self.visit(v, &format!("{path} /{}", lossy(k)), depth + 1);
            }
        }
    }

    fn examine(&mut self, d: &Dictionary, path: &str) {
        let doc = self.doc;
        if let Some(act) = classify(d)
            && let Some((code, sev, detail)) = act.finding(&self.opts)
        {
            self.add(code, sev, path, detail);
        }
        if let Ok(aa) = d.get(b"AA") {
            let triggers: Vec<String> = dict_of(doc, aa)
                .map(|a| a.iter().map(|(k, _)| lossy(k)).collect())
                .unwrap_or_default();
            let owner = owner_of(d);
            self.add(
                "pdf.additional_actions",
                Severity::Medium,
                path,
                format!("{owner} triggers: {}", triggers.join(", ")),
            );
        }
        if let Ok(oa) = d.get(b"OpenAction") {
            let (sev, what) = match resolve(doc, oa) {
                Some(Object::Dictionary(a)) => match classify(a) {
                    None | Some(Act::GoTo) | Some(Act::Benign(_)) => {
                        (Severity::Low, "goes to a page".to_string())
                    }
                    Some(act) => match act.finding(&self.opts) {
                        Some((_, s, detail)) => (s.max(Severity::Medium), detail),
                        None => (Severity::Medium, "runs an action".into()),
                    },
                },
                _ => (Severity::Low, "goes to a destination".into()),
            };
            self.add("pdf.open_action", sev, path, what);
        }
        if let Ok(js) = d.get(b"JavaScript")
            && !matches!(js, Object::Name(_))
        {
            self.add(
                "pdf.javascript",
                Severity::High,
                path,
                "document-level JavaScript name tree",
            );
        }
        if let Ok(ef) = d.get(b"EmbeddedFiles")
            && !matches!(ef, Object::Name(_))
        {
            self.add(
                "pdf.embedded_file",
                Severity::Medium,
                path,
                "EmbeddedFiles name tree",
            );
        }
        if let Ok(ef) = d.get(b"EF") {
            let fname = spec_name(d).unwrap_or_default();
            self.add(
                "pdf.embedded_file",
                Severity::Medium,
                path,
                format!("file specification {fname}"),
            );
            if let Some(efd) = dict_of(doc, ef) {
                for (_, v) in efd.iter() {
                    if let Object::Reference(id) = v
                        && matches!(doc.objects.get(id), Some(Object::Stream(_)))
                    {
                        let shown = if fname.is_empty() {
                            format!("obj {}", id.0)
                        } else {
                            fname.clone()
                        };
                        self.embedded.insert(*id, shown);
                    }
                }
            }
        }
        if d.has(b"XFA") {
            self.add("pdf.xfa", Severity::Medium, path, "XFA form");
        }
        if d.has(b"Collection") {
            self.add("pdf.portfolio", Severity::Medium, path, "PDF portfolio");
        }
        if let Ok(af) = d.get(b"AcroForm") {
            let fields = dict_of(doc, af)
                .and_then(|a| a.get(b"Fields").ok())
                .and_then(|f| resolve(doc, f))
                .and_then(|f| f.as_array().ok())
                .map(|f| f.len())
                .unwrap_or(0);
            self.add(
                "pdf.acroform",
                Severity::Low,
                path,
                format!("{fields} top-level fields"),
            );
        }
        if let Some(sub) = annot_subtype(d) {
            self.tally.annots += 1;
            self.tally.subtypes.insert(lossy(sub));
            if sub == b"FileAttachment" {
                self.add(
                    "pdf.embedded_file",
                    Severity::Medium,
                    path,
                    "FileAttachment annotation",
                );
            } else if is_media_annot(sub) {
                self.add(
                    "pdf.rich_media",
                    Severity::Medium,
                    path,
                    format!("{} annotation", lossy(sub)),
                );
            }
        }
    }

    /// Catalog- and trailer-level facts: metadata, outlines.
    fn document_level(&mut self) {
        let doc = self.doc;
        if let Some(info) = doc.trailer.get(b"Info").ok().and_then(|i| dict_of(doc, i)) {
            let keys: Vec<String> = info.iter().map(|(k, _)| lossy(k)).collect();
            self.add(
                "pdf.metadata_info",
                Severity::Info,
                "trailer /Info",
                format!("entries: {}", keys.join(", ")),
            );
        }
        let Some(cat) = doc.trailer.get(b"Root").ok().and_then(|r| dict_of(doc, r)) else {
            return;
        };
        if cat.has(b"Metadata") {
            self.add(
                "pdf.metadata_xmp",
                Severity::Info,
                "catalog /Metadata",
                "XMP packet",
            );
        }
        if let Some(o) = cat.get(b"Outlines").ok().and_then(|o| dict_of(doc, o))
            && o.has(b"First")
        {
            self.add(
                "pdf.outlines",
                Severity::Info,
                "catalog /Outlines",
                "bookmarks present",
            );
        }
    }
}

/// What kind of object carries an /AA, for the report.
fn owner_of(d: &Dictionary) -> &'static str {
    match (name(d, b"Type"), annot_subtype(d)) {
        (Some(b"Catalog"), _) => "document",
        (Some(b"Page"), _) => "page",
        (_, Some(b"Widget")) => "form field widget",
        (_, Some(_)) => "annotation",
        _ if d.has(b"FT") => "form field",
        _ => "object",
    }
}
