//! Inline images (`BI … ID … EI`, ISO 32000-1 §8.9.7).
//!
//! lopdf's content parser decodes only unfiltered inline images with a device colour space;
//! the others become a bare `BI` without data, which would be lost (or written as a broken
//! operator) when the stream is rewritten. [`recover`] finds every inline image in the raw
//! content and gives those operators back their dictionary and encoded data, so that a
//! rewritten stream keeps them byte for byte. [`expand`] and [`abbreviate`] translate between
//! the inline abbreviations and the full names the image code works with.

use kiyome_core::Error;
use kiyome_pdf::rewrite::lopdf::content::{Content, Operation};
use kiyome_pdf::rewrite::lopdf::{Dictionary, Object, Stream};

/// Most inline images recovered in one stream.
const MAX_IMAGES: usize = 100_000;

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | 0x0C | 0)
}

fn is_delim(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

/// Skips a literal string starting at `i` (on the `(`); returns the index after it.
pub(crate) fn skip_string(d: &[u8], mut i: usize) -> usize {
    let mut depth = 0usize;
    while i < d.len() {
        match d[i] {
            b'\\' => i += 1,
            b'(' => depth += 1,
            b')' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    d.len()
}

/// Every inline image of `data` in order: (dictionary source between `BI` and `ID`, data).
fn scan(data: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < data.len() && out.len() < MAX_IMAGES {
        let b = data[i];
        if is_ws(b) {
            i += 1;
        } else if b == b'%' {
            while i < data.len() && data[i] != b'\n' && data[i] != b'\r' {
                i += 1;
            }
        } else if b == b'(' {
            i = skip_string(data, i);
        } else if b == b'<' && data.get(i + 1) != Some(&b'<') {
            while i < data.len() && data[i] != b'>' {
                i += 1;
            }
            i += 1;
        } else if is_delim(b) {
            i += 1;
            if b == b'/' {
                while i < data.len() && !is_ws(data[i]) && !is_delim(data[i]) {
                    i += 1;
                }
            }
        } else {
            let s = i;
            while i < data.len() && !is_ws(data[i]) && !is_delim(data[i]) {
                i += 1;
            }
            if &data[s..i] == b"BI" {
                match image_at(data, i) {
                    Some((dict, body, next)) => {
                        out.push((dict, body));
                        i = next;
                    }
                    None => break,
                }
            }
        }
    }
    out
}

/// Parses one inline image whose `BI` ends at `i`: the dictionary up to `ID`, then the data
/// up to white space + `EI` + white space (the rule lopdf applies when it skips one).
fn image_at(data: &[u8], mut i: usize) -> Option<(Vec<u8>, Vec<u8>, usize)> {
    let dict_start = i;
    loop {
        while i < data.len() && is_ws(data[i]) {
            i += 1;
        }
        if i >= data.len() {
            return None;
        }
        if data[i] == b'(' {
            i = skip_string(data, i);
            continue;
        }
        if data.get(i..i + 2) == Some(b"ID") && data.get(i + 2).is_none_or(|c| is_ws(*c)) {
            break;
        }
        i += 1;
        while i < data.len() && !is_ws(data[i]) && !is_delim(data[i]) {
            i += 1;
        }
    }
    let dict = data[dict_start..i].to_vec();
    let mut start = i + 2;
    if data.get(start) == Some(&b'\r') && data.get(start + 1) == Some(&b'\n') {
        start += 2;
    } else if data.get(start).is_some_and(|c| is_ws(*c)) {
        start += 1;
    }
    let rest = data.get(start..)?;
    let end = rest
        .windows(3)
        .enumerate()
        .find(|&(k, w)| {
            is_ws(w[0]) && &w[1..] == b"EI" && rest.get(k + 3).is_none_or(|c| is_ws(*c))
        })
        .map(|(k, _)| k)?;
    Some((dict, rest[..end].to_vec(), start + end + 3))
}

/// Gives every bare `BI` (one lopdf could not decode) its dictionary and data back.
/// Operators it decoded are left alone. Fails when the images of the raw stream and the
/// operators do not line up, which would otherwise lose an image.
pub(crate) fn recover(raw: &[u8], ops: &mut [Operation]) -> Result<(), Error> {
    let bare = ops
        .iter()
        .any(|o| o.operator == "BI" && o.operands.is_empty());
    if !bare {
        return Ok(());
    }
    let found = scan(raw);
    let n_ops = ops.iter().filter(|o| o.operator == "BI").count();
    if found.len() != n_ops {
        return Err(Error::parse(
            "pdf",
            format!(
                "content stream: {} inline images found, {} parsed; cannot rewrite it safely",
                found.len(),
                n_ops
            ),
        ));
    }
    for (op, (dict_src, body)) in ops.iter_mut().filter(|o| o.operator == "BI").zip(found) {
        if !op.operands.is_empty() {
            continue;
        }
        let mut src = b"<<".to_vec();
        src.extend_from_slice(&dict_src);
        src.extend_from_slice(b">> x");
        let dict = Content::decode(&src)
            .ok()
            .and_then(|c| c.operations.into_iter().next())
            .and_then(|o| match o.operands.into_iter().next() {
                Some(Object::Dictionary(d)) => Some(d),
                _ => None,
            })
            .ok_or_else(|| Error::parse("pdf", "inline image dictionary"))?;
        op.operands = vec![Object::Stream(Stream::new(dict, body))];
    }
    Ok(())
}

const KEYS: &[(&[u8], &str)] = &[
    (b"BPC", "BitsPerComponent"),
    (b"CS", "ColorSpace"),
    (b"D", "Decode"),
    (b"DP", "DecodeParms"),
    (b"F", "Filter"),
    (b"H", "Height"),
    (b"IM", "ImageMask"),
    (b"I", "Interpolate"),
    (b"W", "Width"),
];

const NAMES: &[(&[u8], &str)] = &[
    (b"G", "DeviceGray"),
    (b"RGB", "DeviceRGB"),
    (b"CMYK", "DeviceCMYK"),
    (b"I", "Indexed"),
    (b"AHx", "ASCIIHexDecode"),
    (b"A85", "ASCII85Decode"),
    (b"LZW", "LZWDecode"),
    (b"Fl", "FlateDecode"),
    (b"RL", "RunLengthDecode"),
    (b"CCF", "CCITTFaxDecode"),
    (b"DCT", "DCTDecode"),
];

fn expand_value(o: &Object) -> Object {
    match o {
        Object::Name(n) => NAMES
            .iter()
            .find(|(a, _)| *a == n.as_slice())
            .map(|(_, f)| Object::Name(f.as_bytes().to_vec()))
            .unwrap_or_else(|| o.clone()),
        Object::Array(a) => Object::Array(a.iter().map(expand_value).collect()),
        _ => o.clone(),
    }
}

/// The inline image as an image XObject-like stream with full key and value names.
pub(crate) fn expand(s: &Stream) -> Stream {
    let mut d = Dictionary::new();
    for (k, v) in s.dict.iter() {
        let key = KEYS
            .iter()
            .find(|(a, _)| *a == k.as_slice())
            .map(|(_, f)| f.as_bytes().to_vec())
            .unwrap_or_else(|| k.clone());
        d.set(key, expand_value(v));
    }
    Stream::new(d, s.content.clone())
}

/// An unfiltered (or Flate) image stream written back as an inline image, its data in
/// ASCIIHex on top (so no `EI` can appear inside it).
pub(crate) fn abbreviate(s: &Stream) -> Stream {
    let mut d = Dictionary::new();
    for (k, v) in s.dict.iter() {
        if matches!(
            k.as_slice(),
            b"Length" | b"Filter" | b"DecodeParms" | b"Type" | b"Subtype"
        ) {
            continue;
        }
        d.set(k.clone(), v.clone());
    }
    let flate = matches!(s.dict.get(b"Filter"), Ok(Object::Name(n)) if n == b"FlateDecode");
    let hex_name = Object::Name(b"ASCIIHexDecode".to_vec());
    if flate {
        d.set(
            "Filter",
            Object::Array(vec![hex_name, Object::Name(b"FlateDecode".to_vec())]),
        );
    } else {
        d.set("Filter", hex_name);
    }
    let mut hex = Vec::with_capacity(s.content.len() * 2 + 1);
    for (i, b) in s.content.iter().enumerate() {
        if i > 0 && i % 64 == 0 {
            hex.push(b'\n');
        }
        hex.extend_from_slice(format!("{b:02X}").as_bytes());
    }
    hex.push(b'>');
    Stream::new(d, hex)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filtered_inline_images_are_recovered_in_order() {
        let raw = b"q (BI in a string) Tj BI /W 2 /H 1 /BPC 8 /CS /G ID \x01\x02\nEI Q BI /W 1 /H 1 /CS /RGB /BPC 8 /F /AHx ID 112233> EI\n0 0 m";
        let mut ops = crate::pdf::interp::parse_ops(raw).unwrap();
        let before: Vec<usize> = ops
            .iter()
            .filter(|o| o.operator == "BI")
            .map(|o| o.operands.len())
            .collect();
        assert_eq!(before, vec![1, 0]);
        recover(raw, &mut ops).unwrap();
        let bi: Vec<&Operation> = ops.iter().filter(|o| o.operator == "BI").collect();
        let Object::Stream(s) = &bi[1].operands[0] else {
            panic!()
        };
        assert_eq!(s.content, b"112233>");
        let full = expand(s);
        assert!(matches!(full.dict.get(b"Filter"), Ok(Object::Name(n)) if n == b"ASCIIHexDecode"));
        assert!(matches!(full.dict.get(b"ColorSpace"), Ok(Object::Name(n)) if n == b"DeviceRGB"));
        // Re-encoded, the stream parses again with both images.
        let enc = Content { operations: ops }.encode().unwrap();
        let again = crate::pdf::interp::parse_ops(&enc).unwrap();
        assert_eq!(again.iter().filter(|o| o.operator == "BI").count(), 2);
        assert!(again.iter().any(|o| o.operator == "m"));
    }
}
