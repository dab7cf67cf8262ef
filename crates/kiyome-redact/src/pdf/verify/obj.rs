//! Small object helpers of the leak check (reference resolution, numbers, stream data).
//! Flate is inflated here directly (flate2, bounded); other filters go through lopdf's
//! bounded decoder.

use kiyome_pdf::rewrite::lopdf::{Dictionary, Document, Object};
use std::io::Read;

/// Deepest chain of references followed.
const MAX_REFS: usize = 32;

pub(crate) fn resolve<'a>(doc: &'a Document, mut o: &'a Object) -> &'a Object {
    for _ in 0..MAX_REFS {
        match o {
            Object::Reference(id) => match doc.objects.get(id) {
                Some(x) => o = x,
                None => return &Object::Null,
            },
            _ => return o,
        }
    }
    &Object::Null
}

pub(crate) fn dict<'a>(doc: &'a Document, o: &'a Object) -> Option<&'a Dictionary> {
    match resolve(doc, o) {
        Object::Dictionary(d) => Some(d),
        Object::Stream(s) => Some(&s.dict),
        _ => None,
    }
}

pub(crate) fn get<'a>(doc: &'a Document, d: &'a Dictionary, key: &[u8]) -> &'a Object {
    d.get(key).map(|o| resolve(doc, o)).unwrap_or(&Object::Null)
}

pub(crate) fn name<'a>(doc: &'a Document, d: &'a Dictionary, key: &[u8]) -> Option<&'a [u8]> {
    match get(doc, d, key) {
        Object::Name(n) => Some(n),
        _ => None,
    }
}

pub(crate) fn num(o: &Object) -> Option<f64> {
    match o {
        Object::Integer(i) => Some(*i as f64),
        Object::Real(r) if r.is_finite() => Some(f64::from(*r)),
        _ => None,
    }
}

pub(crate) fn num_of(doc: &Document, d: &Dictionary, key: &[u8]) -> Option<f64> {
    num(get(doc, d, key))
}

/// Six numbers (a matrix or rectangle-like array), resolving references.
pub(crate) fn numbers(doc: &Document, o: &Object) -> Vec<f64> {
    match resolve(doc, o) {
        Object::Array(a) => a.iter().filter_map(|x| num(resolve(doc, x))).collect(),
        _ => Vec::new(),
    }
}

/// Inflates zlib (or, when the header is damaged, raw deflate) data, at most `max` bytes.
/// A damaged stream yields what was decoded before the damage (what viewers show); an
/// empty stream is empty, not unreadable.
pub(crate) fn inflate(data: &[u8], max: usize) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut z = flate2::read::ZlibDecoder::new(data).take(max as u64 + 1);
    let ok = z.read_to_end(&mut out).is_ok();
    if !ok && out.is_empty() {
        let mut d = flate2::read::DeflateDecoder::new(data).take(max as u64 + 1);
        let _ = d.read_to_end(&mut out);
        if out.is_empty() {
            return None;
        }
    }
    (out.len() <= max).then_some(out)
}

/// The decoded data of a stream object (None when it cannot be decoded within `max`).
pub(crate) fn stream_data(doc: &Document, o: &Object, max: usize) -> Option<Vec<u8>> {
    let Object::Stream(s) = resolve(doc, o) else {
        return None;
    };
    let filters: Vec<&[u8]> = match get(doc, &s.dict, b"Filter") {
        Object::Name(n) => vec![n.as_slice()],
        Object::Array(a) => a
            .iter()
            .filter_map(|x| match resolve(doc, x) {
                Object::Name(n) => Some(n.as_slice()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let predictor = dict(doc, s.dict.get(b"DecodeParms").unwrap_or(&Object::Null))
        .and_then(|p| num_of(doc, p, b"Predictor"))
        .unwrap_or(1.0);
    match filters.as_slice() {
        [] => (s.content.len() <= max).then(|| s.content.clone()),
        [b"FlateDecode" | b"Fl"] if predictor <= 1.0 => {
            if s.content.is_empty() {
                Some(Vec::new())
            } else {
                inflate(&s.content, max)
            }
        }
        _ => s.decompressed_content_with_limit(max).ok(),
    }
}
