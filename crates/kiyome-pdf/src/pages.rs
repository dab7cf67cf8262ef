//! Rebuilding the page tree as one flat /Pages node (ISO 32000-1 §7.7.3).
//!
//! Hostile and damaged files loop their page tree, give nodes the wrong /Type, or leave
//! /Parent dangling; readers disagree about such trees, which is itself an attack surface.
//! The disarmed file gets a fresh tree: the leaves found by a cycle-safe depth-first walk, in
//! order, each with its inheritable attributes (Resources, MediaBox, CropBox, Rotate) copied
//! down and /Parent pointing at the single new root.

use crate::load::dict_of;
use kiyome_core::{Ctx, Error, LimitKind};
use lopdf::{Dictionary, Document, Object, ObjectId};
use std::collections::HashSet;

const INHERITED: &[&[u8]] = &[b"Resources", b"MediaBox", b"CropBox", b"Rotate"];

/// Inheritable attributes collected on the way down: (key, value).
type Inherited = Vec<(Vec<u8>, Object)>;

/// Replaces the catalog's page tree by a flat one. Returns the number of pages.
pub(crate) fn flatten(doc: &mut Document, ctx: &Ctx<'_>) -> Result<usize, Error> {
    let Ok(Object::Reference(root)) = doc.trailer.get(b"Root").cloned() else {
        return Err(Error::parse("pdf", "the trailer names no catalog"));
    };
    let Some(top) = doc.objects.get(&root).and_then(|c| match c {
        Object::Dictionary(d) => d.get(b"Pages").ok().cloned(),
        _ => None,
    }) else {
        return Err(Error::parse("pdf", "the catalog has no page tree"));
    };
    let max_pages = ctx.limits().max_pages as usize;
    let mut pages: Vec<(ObjectId, Inherited)> = Vec::new();
    // Intermediate nodes are visited once (that ends every loop); a leaf page listed twice is
    // kept twice, as readers show it, and copied below so that each has its own /Parent.
    let mut seen = HashSet::new();
    // (node, attributes inherited from its ancestors)
    let mut stack: Vec<(Object, Inherited)> = vec![(top, Vec::new())];
    while let Some((node, inherited)) = stack.pop() {
        let Object::Reference(id) = node else {
            continue;
        };
        let Some(d) = dict_of(doc, &node) else {
            continue;
        };
        let is_node = matches!(
            d.get(b"Kids")
                .ok()
                .and_then(|k| crate::load::resolve(doc, k)),
            Some(Object::Array(_))
        );
        if is_node && !seen.insert(id) {
            continue;
        }
        if (seen.len() + pages.len()).is_multiple_of(256) {
            ctx.budget.check_time()?;
        }
        let mut inh = inherited.clone();
        for key in INHERITED {
            if let Ok(v) = d.get(key) {
                inh.retain(|(k, _)| k.as_slice() != *key);
                inh.push((key.to_vec(), v.clone()));
            }
        }
        match d
            .get(b"Kids")
            .ok()
            .and_then(|k| crate::load::resolve(doc, k))
        {
            Some(Object::Array(kids)) => {
                for k in kids.iter().rev() {
                    stack.push((k.clone(), inh.clone()));
                }
            }
            _ => {
                pages.push((id, inh));
                if pages.len() > max_pages {
                    return Err(Error::limit(
                        LimitKind::Pages,
                        pages.len() as u64,
                        max_pages as u64,
                    ));
                }
            }
        }
    }
    for (id, _) in &pages {
        check_contents(doc, *id)?;
    }
    let new_root: ObjectId = (doc.max_id.saturating_add(1), 0);
    doc.max_id = new_root.0;
    let mut kids = Vec::with_capacity(pages.len());
    let mut used = HashSet::new();
    for (id, inh) in &mut pages {
        if !used.insert(*id) {
            // The same page object listed again: a shallow copy of it under a new number.
            let Some(copy) = doc.objects.get(id).cloned() else {
                continue;
            };
            doc.max_id = doc.max_id.saturating_add(1);
            let new_id = (doc.max_id, 0);
            doc.objects.insert(new_id, copy);
            *id = new_id;
        }
        let Some(obj) = doc.objects.get_mut(id) else {
            continue;
        };
        let d: &mut Dictionary = match obj {
            Object::Dictionary(d) => d,
            _ => continue,
        };
        d.set("Type", Object::Name(b"Page".to_vec()));
        d.set("Parent", Object::Reference(new_root));
        d.remove(b"Kids");
        for (k, v) in inh {
            if !d.has(k) {
                d.set(k.clone(), v.clone());
            }
        }
        if !d.has(b"MediaBox") {
            // US Letter, the conventional default of readers for a missing MediaBox.
            d.set(
                "MediaBox",
                Object::Array(vec![0.into(), 0.into(), 612.into(), 792.into()]),
            );
        }
        if !d.has(b"Resources") {
            d.set("Resources", Object::Dictionary(Dictionary::new()));
        }
        kids.push(Object::Reference(*id));
    }
    let n = kids.len();
    let mut tree = Dictionary::new();
    tree.set("Type", Object::Name(b"Pages".to_vec()));
    tree.set("Kids", Object::Array(kids));
    tree.set("Count", Object::Integer(n as i64));
    doc.objects.insert(new_root, Object::Dictionary(tree));
    if let Some(Object::Dictionary(cat)) = doc.objects.get_mut(&root) {
        cat.set("Pages", Object::Reference(new_root));
    }
    Ok(n)
}

/// A page's content streams may only use general-purpose filters: an image codec on a content
/// stream (a JBIG2 "bomb" posing as page content) is malformed, and readers differ on it.
fn check_contents(doc: &Document, page: ObjectId) -> Result<(), Error> {
    let Some(Object::Dictionary(d)) = doc.objects.get(&page) else {
        return Ok(());
    };
    let refs: Vec<&Object> = match d.get(b"Contents") {
        Ok(Object::Array(a)) => a.iter().collect(),
        Ok(o) => vec![o],
        Err(_) => Vec::new(),
    };
    for r in refs {
        let Some(Object::Stream(s)) = crate::load::resolve(doc, r) else {
            continue;
        };
        for f in crate::actions::filters(&s.dict) {
            if !matches!(
                f.as_slice(),
                b"FlateDecode"
                    | b"Fl"
                    | b"LZWDecode"
                    | b"LZW"
                    | b"ASCII85Decode"
                    | b"A85"
                    | b"ASCIIHexDecode"
                    | b"AHx"
                    | b"RunLengthDecode"
                    | b"RL"
                    | b"Crypt"
            ) {
                return Err(Error::parse(
                    "pdf",
                    format!(
                        "page content stream uses the image filter /{}",
                        String::from_utf8_lossy(&f)
                    ),
                ));
            }
        }
    }
    Ok(())
}
