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
        check_contents(doc, *id, ctx)?;
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
///
/// The decoded content is then lexed ([`content_damage`]): a string or inline image that runs
/// to the end of the content is damage readers resolve differently, so it blocks.
fn check_contents(doc: &Document, page: ObjectId, ctx: &Ctx<'_>) -> Result<(), Error> {
    let Some(Object::Dictionary(d)) = doc.objects.get(&page) else {
        return Ok(());
    };
    let refs: Vec<&Object> = match d.get(b"Contents") {
        Ok(Object::Array(a)) => a.iter().collect(),
        Ok(o) => vec![o],
        Err(_) => Vec::new(),
    };
    let mut content = Vec::new();
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
        ctx.budget.check_time()?;
        let max = ctx.limits().max_stream_bytes;
        // Damaged filter data is reported by the stream check of the writer; here only the
        // content of streams that decode is lexed.
        let data = match crate::decode::decode_strict(&s.dict, &s.content, max) {
            Ok(Some(d)) => d,
            Ok(None) => s.content.clone(),
            Err(_) => continue,
        };
        content.extend_from_slice(&data);
        // Streams of one page are concatenated with white space between (§7.8.2).
        content.push(b'\n');
        if content.len() as u64 > max {
            return Err(Error::limit(
                LimitKind::StreamSize,
                content.len() as u64,
                max,
            ));
        }
    }
    if let Some(why) = content_damage(&content) {
        return Err(Error::parse(
            "pdf",
            format!("page content of obj {} {}: {why}", page.0, page.1),
        ));
    }
    Ok(())
}

/// Lexes content-stream bytes (§7.2, §8.9.7) far enough to find damage that makes the rest
/// of the page ambiguous: a literal or hex string, or an inline image (`BI … ID … EI`), that
/// is still open at the end of the content. Returns what is wrong, if anything.
pub(crate) fn content_damage(c: &[u8]) -> Option<&'static str> {
    let delim = |b: u8| b"()<>[]{}/%".contains(&b) || is_white(b);
    let mut i = 0;
    while let Some(&b) = c.get(i) {
        match b {
            _ if is_white(b) => i += 1,
            b'%' => {
                while c.get(i).is_some_and(|&x| x != b'\n' && x != b'\r') {
                    i += 1;
                }
            }
            b'(' => {
                let mut depth = 0usize;
                loop {
                    match c.get(i) {
                        None => return Some("a string is not closed"),
                        Some(b'\\') => i += 2,
                        Some(b'(') => {
                            depth += 1;
                            i += 1;
                        }
                        Some(b')') => {
                            depth -= 1;
                            i += 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        Some(_) => i += 1,
                    }
                }
            }
            b'<' if c.get(i + 1) == Some(&b'<') => i += 2,
            b'<' => match c.get(i..).and_then(|r| r.iter().position(|&x| x == b'>')) {
                Some(n) => i += n + 1,
                None => return Some("a hex string is not closed"),
            },
            _ if delim(b) => i += 1,
            _ => {
                let start = i;
                while c.get(i).is_some_and(|&x| !delim(x)) {
                    i += 1;
                }
                if c.get(start..i) == Some(b"ID") {
                    // One white-space byte, then binary data up to an `EI` token.
                    i += 1;
                    loop {
                        let Some(rest) = c.get(i..) else {
                            return Some("an inline image has no EI");
                        };
                        let Some(n) = rest.windows(2).position(|w| w == b"EI") else {
                            return Some("an inline image has no EI");
                        };
                        let at = i + n;
                        let before = at == 0 || c.get(at - 1).is_some_and(|&x| is_white(x));
                        let after = c.get(at + 2).is_none_or(|&x| delim(x));
                        i = at + 2;
                        if before && after {
                            break;
                        }
                    }
                }
            }
        }
    }
    None
}

fn is_white(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | 0)
}

#[cfg(test)]
mod tests {
    use super::content_damage;

    #[test]
    fn open_strings_and_inline_images_are_damage() {
        assert_eq!(
            content_damage(b"BT (a (nested) \\) string) Tj ET <414243> Tj"),
            None
        );
        assert_eq!(
            content_damage(b"q BI /W 1 /H 1 /BPC 8 /CS /G ID \x00EIx EI Q"),
            None
        );
        assert!(content_damage(b"BT (never closed Tj ET").is_some());
        assert!(content_damage(b"<4142").is_some());
        assert!(content_damage(b"BI /W 1 /H 1 ID \x00\x01\x02").is_some());
        assert_eq!(content_damage(b"% comment (\n0 0 m"), None);
    }
}
