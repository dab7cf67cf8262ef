//! Metadata and hidden-information removal (プロパティ・しおり等の除去) on a disarmed
//! document.
//!
//! Removed: the trailer's /Info; XMP /Metadata on every object (catalog, pages, images, fonts);
//! /Outlines (しおり); every annotation except links, and the links' actions; /Thumb page
//! thumbnails; /PieceInfo, /LastModified, /SpiderInfo private data; article threads
//! (/Threads, page /B). Forms and attachments are already gone (disarm with
//! `keep_forms = false`).

use crate::report::RedactionReport;
use kiyome_core::{Action, Ctx, Error, Finding, LimitKind, Severity};
use kiyome_pdf::rewrite::lopdf::{Dictionary, Document, Object, ObjectId};
use std::collections::BTreeMap;

const MAX_DEPTH: u32 = 128;

#[derive(Default)]
struct Tally {
    /// code → (count, example location)
    seen: BTreeMap<&'static str, (u64, String)>,
}

impl Tally {
    fn hit(&mut self, code: &'static str, loc: &str) {
        let e = self.seen.entry(code).or_insert((0, loc.to_string()));
        e.0 += 1;
    }
}

/// Scrubs `doc` in place and records what went.
pub(crate) fn scrub(
    doc: &mut Document,
    ctx: &Ctx<'_>,
    report: &mut RedactionReport,
) -> Result<(), Error> {
    let mut t = Tally::default();
    if doc.trailer.remove(b"Info").is_some() {
        t.hit("pdf.metadata_info", "trailer /Info");
    }
    let root = match doc.trailer.get(b"Root") {
        Ok(Object::Reference(r)) => Some(*r),
        _ => None,
    };
    // Annotations that are not links are removed where they are listed (/Annots), which
    // leaves them unreachable; the writer then drops them.
    let annot_kinds: BTreeMap<ObjectId, bool> = doc
        .objects
        .iter()
        .filter_map(|(id, o)| match o {
            Object::Dictionary(d) if is_annotation(d) => Some((*id, is_link(d))),
            _ => None,
        })
        .collect();
    let ids: Vec<ObjectId> = doc.objects.keys().copied().collect();
    for (n, id) in ids.iter().enumerate() {
        if n % 256 == 0 {
            ctx.budget.check_time()?;
        }
        let loc = format!("obj {}", id.0);
        let is_root = Some(*id) == root;
        let Some(obj) = doc.objects.get_mut(id) else {
            continue;
        };
        // XMP streams are removed where they are referenced (/Metadata); a stream that is
        // itself /Type /Metadata is emptied too in case something else points at it.
        if let Object::Stream(s) = obj
            && matches!(s.dict.get(b"Type"), Ok(Object::Name(n)) if n == b"Metadata")
        {
            *obj = Object::Null;
            continue;
        }
        match obj {
            Object::Dictionary(d) => {
                if is_root {
                    catalog(d, &mut t, &loc);
                }
                clean_dict(d, &annot_kinds, &mut t, &loc, 0)?;
            }
            Object::Stream(s) => clean_dict(&mut s.dict, &annot_kinds, &mut t, &loc, 0)?,
            Object::Array(a) => {
                // An indirect /Annots array: every element an annotation.
                let all_annots = !a.is_empty()
                    && a.iter()
                        .all(|v| matches!(v, Object::Reference(r) if annot_kinds.contains_key(r)));
                if all_annots {
                    let before = a.len();
                    a.retain(|v| match v {
                        Object::Reference(r) => annot_kinds.get(r).copied().unwrap_or(false),
                        _ => false,
                    });
                    for _ in a.len()..before {
                        t.hit("pdf.annotations", &loc);
                    }
                }
                for v in a.iter_mut() {
                    clean_value(v, &annot_kinds, &mut t, &loc, 1)?;
                }
            }
            _ => {}
        }
    }
    for (code, (n, loc)) in t.seen {
        let severity = Severity::Info;
        let what = match code {
            "pdf.metadata_info" => {
                "document information dictionary (author, creator, producer, dates)"
            }
            "pdf.metadata_xmp" => "XMP metadata streams",
            "pdf.outlines" => "bookmarks (しおり)",
            "pdf.annotations" => "annotations and comments other than links",
            "scrub.link_action" => "link actions",
            "scrub.thumbnail" => "page thumbnails",
            "scrub.piece_info" => "application private data",
            "scrub.article_threads" => "article threads",
            _ => "hidden information",
        };
        report.removed(
            Finding::new(code, severity, loc)
                .detail(format!("{what}: {n} removed"))
                .action(Action::Removed),
        );
    }
    Ok(())
}

fn is_annotation(d: &Dictionary) -> bool {
    d.has(b"Subtype")
        && d.has(b"Rect")
        && matches!(d.get(b"Type"), Ok(Object::Name(n)) if n == b"Annot")
        || (d.has(b"Rect")
            && matches!(d.get(b"Subtype"), Ok(Object::Name(n)) if is_annot_subtype(n)))
}

fn is_annot_subtype(n: &[u8]) -> bool {
    matches!(
        n,
        b"Text"
            | b"Link"
            | b"FreeText"
            | b"Line"
            | b"Square"
            | b"Circle"
            | b"Polygon"
            | b"PolyLine"
            | b"Highlight"
            | b"Underline"
            | b"Squiggly"
            | b"StrikeOut"
            | b"Stamp"
            | b"Caret"
            | b"Ink"
            | b"Popup"
            | b"FileAttachment"
            | b"Sound"
            | b"Movie"
            | b"Widget"
            | b"Screen"
            | b"PrinterMark"
            | b"TrapNet"
            | b"Watermark"
            | b"3D"
            | b"Redact"
            | b"Projection"
            | b"RichMedia"
    )
}

fn is_link(d: &Dictionary) -> bool {
    matches!(d.get(b"Subtype"), Ok(Object::Name(n)) if n == b"Link")
}

fn catalog(d: &mut Dictionary, t: &mut Tally, loc: &str) {
    if d.remove(b"Outlines").is_some() {
        t.hit("pdf.outlines", loc);
    }
    if matches!(d.get(b"PageMode"), Ok(Object::Name(n)) if n == b"UseOutlines" || n == b"UseThumbs")
    {
        d.set("PageMode", Object::Name(b"UseNone".to_vec()));
    }
    if d.remove(b"Threads").is_some() {
        t.hit("scrub.article_threads", loc);
    }
    if d.remove(b"SpiderInfo").is_some() {
        t.hit("scrub.piece_info", loc);
    }
}

fn clean_value(
    v: &mut Object,
    annots: &BTreeMap<ObjectId, bool>,
    t: &mut Tally,
    loc: &str,
    depth: u32,
) -> Result<(), Error> {
    if depth > MAX_DEPTH {
        return Err(Error::limit(
            LimitKind::Depth,
            u64::from(depth),
            u64::from(MAX_DEPTH),
        ));
    }
    match v {
        Object::Dictionary(d) => clean_dict(d, annots, t, loc, depth + 1),
        Object::Array(a) => {
            for x in a.iter_mut() {
                clean_value(x, annots, t, loc, depth + 1)?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn clean_dict(
    d: &mut Dictionary,
    annots: &BTreeMap<ObjectId, bool>,
    t: &mut Tally,
    loc: &str,
    depth: u32,
) -> Result<(), Error> {
    if d.remove(b"Metadata").is_some() {
        t.hit("pdf.metadata_xmp", loc);
    }
    for key in [b"PieceInfo".as_slice(), b"LastModified"] {
        if d.remove(key).is_some() {
            t.hit("scrub.piece_info", loc);
        }
    }
    if d.remove(b"Thumb").is_some() {
        t.hit("scrub.thumbnail", loc);
    }
    let is_page = matches!(d.get(b"Type"), Ok(Object::Name(n)) if n == b"Page");
    if is_page && d.remove(b"B").is_some() {
        t.hit("scrub.article_threads", loc);
    }
    if is_annotation(d) && is_link(d) {
        // Links stay as areas with a destination at most: no action, no comment text.
        for key in [b"A".as_slice(), b"PA", b"AA"] {
            if d.remove(key).is_some() {
                t.hit("scrub.link_action", loc);
            }
        }
        for key in [b"Contents".as_slice(), b"NM", b"T", b"RC", b"Subj"] {
            d.remove(key);
        }
    }
    if is_page && let Ok(Object::Array(list)) = d.get_mut(b"Annots") {
        let before = list.len();
        list.retain(|a| match a {
            Object::Reference(r) => annots.get(r).copied().unwrap_or(false),
            Object::Dictionary(ad) => is_link(ad),
            _ => false,
        });
        for _ in list.len()..before {
            t.hit("pdf.annotations", loc);
        }
        if list.is_empty() {
            d.remove(b"Annots");
        }
    }
    for (_, v) in d.iter_mut() {
        if matches!(v, Object::Dictionary(_) | Object::Array(_)) {
            clean_value(v, annots, t, loc, depth + 1)?;
        }
    }
    Ok(())
}
