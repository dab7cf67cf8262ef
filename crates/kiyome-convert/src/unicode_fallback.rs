//! Unicode values for glyphs hayro cannot map, as poppler finds them.
//!
//! Two cases seen in real Japanese (and other) PDFs:
//! - a CID font with **no ToUnicode map** under Identity-H/V or a predefined CMap such as
//!   90ms-RKSJ-H, whose CIDSystemInfo names a character collection (Adobe-Japan1, -GB1,
//!   -CNS1, -Korea1): code → CID by the encoding CMap, CID → Unicode by the collection's UCS2
//!   map (poppler's CIDToUnicode tables). hayro does this only for fonts it substitutes, not
//!   for embedded ones;
//! - a **ToUnicode map hayro's parser rejects** as a whole for one malformed entry (an empty
//!   destination `<>`): the map is read again without those entries.
//!
//! Glyphs reach the text device without their font dictionary, so fonts are matched by name
//! (BaseFont without the subset tag). A name two different fonts share maps to nothing: a
//! wrong guess is worse than no text.

use hayro::hayro_interpret::hayro_cmap::{self, BfString, CMap, CMapName, CidFamily};
use hayro::hayro_syntax::Pdf;
use hayro::hayro_syntax::object::{Array, Dict, Name, Object, Stream, String as PdfString};
use std::collections::HashMap;
use std::sync::Arc;

enum Fallback {
    /// Encoding CMap (code → CID) and the collection's UCS2 map (CID → Unicode).
    Cid { encoding: CMap, ucs2: Box<CMap> },
    /// A repaired ToUnicode map (code → Unicode).
    ToUnicode(CMap),
}

impl Fallback {
    fn unicode(&self, code: u32) -> Option<BfString> {
        match self {
            Fallback::Cid { encoding, ucs2 } => {
                let cid = (1..=4u8).find_map(|n| encoding.lookup_cid_code(code, n))?;
                ucs2.lookup_bf_string(cid)
            }
            Fallback::ToUnicode(m) => m.lookup_bf_string(code),
        }
    }
}

/// A fallback and what identifies it (encoding and collection, or the map's bytes).
type Keyed = (Vec<u8>, Arc<Fallback>);

/// The fallbacks of one document, by font name.
#[derive(Default)]
pub(crate) struct Fallbacks {
    by_name: HashMap<String, Option<Keyed>>,
}

fn strip_subset(name: &str) -> &str {
    match name.split_once('+') {
        Some((tag, rest)) if tag.len() == 6 && tag.bytes().all(|b| b.is_ascii_uppercase()) => rest,
        _ => name,
    }
}

fn parse_cmap(data: &[u8]) -> Option<CMap> {
    CMap::parse(data, hayro_cmap::load_embedded)
}

/// The ToUnicode map without its entries whose destination is empty (`<>`).
fn repaired_to_unicode(data: &[u8]) -> Option<CMap> {
    let text = String::from_utf8_lossy(data);
    if !text.contains("<>") {
        return None;
    }
    let mut kept = String::with_capacity(text.len());
    let mut removed = 0usize;
    for line in text.lines() {
        if line.trim_end().ends_with("<>") && line.trim_start().starts_with('<') {
            removed += 1;
            continue;
        }
        kept.push_str(line);
        kept.push('\n');
    }
    // The entry counts before `beginbfchar` no longer match; the parser reads up to
    // `endbfchar` regardless.
    (removed > 0).then(|| parse_cmap(kept.as_bytes())).flatten()
}

fn cid_fallback(font: &Dict<'_>) -> Option<(Vec<u8>, Fallback)> {
    let desc = font
        .get::<Array<'_>>(b"DescendantFonts")?
        .iter::<Dict<'_>>()
        .next()?;
    let (encoding, enc_key) = match font.get::<Object<'_>>(b"Encoding")? {
        Object::Name(n) => {
            let m = match &*n {
                b"Identity-H" => CMap::identity_h(),
                b"Identity-V" => CMap::identity_v(),
                other => parse_cmap(hayro_cmap::load_embedded(CMapName::from_bytes(other))?)?,
            };
            (m, n.to_vec())
        }
        Object::Stream(st) => {
            let data = st.decoded().ok()?;
            (parse_cmap(&data)?, data.to_vec())
        }
        _ => return None,
    };
    let family = encoding
        .metadata()
        .character_collection
        .as_ref()
        .map(|c| c.family.clone())
        .filter(|f| *f != CidFamily::AdobeIdentity)
        .or_else(|| {
            let info = desc.get::<Dict<'_>>(b"CIDSystemInfo")?;
            let reg = info.get::<PdfString<'_>>(b"Registry")?;
            let ord = info.get::<PdfString<'_>>(b"Ordering")?;
            Some(CidFamily::from_registry_ordering(&reg, &ord))
        })?;
    let ucs2_name = family.ucs2_cmap()?;
    let ucs2 = parse_cmap(hayro_cmap::load_embedded(ucs2_name)?)?;
    let mut key = enc_key;
    key.extend_from_slice(ucs2_name.to_bytes());
    Some((
        key,
        Fallback::Cid {
            encoding,
            ucs2: Box::new(ucs2),
        },
    ))
}

impl Fallbacks {
    /// Scans every font dictionary of `pdf` once.
    pub(crate) fn of(pdf: &Pdf) -> Fallbacks {
        let mut fb = Fallbacks::default();
        for obj in pdf.objects() {
            let Object::Dict(d) = obj else { continue };
            if d.get::<Name<'_>>(b"Type").as_deref() != Some(b"Font".as_slice()) {
                continue;
            }
            let found = match d.get::<Stream<'_>>(b"ToUnicode") {
                Some(s) => s.decoded().ok().and_then(|data| {
                    // Only a map hayro rejects is read again.
                    if parse_cmap(&data).is_some() {
                        return None;
                    }
                    repaired_to_unicode(&data).map(|m| (data.to_vec(), Fallback::ToUnicode(m)))
                }),
                None if d.get::<Name<'_>>(b"Subtype").as_deref() == Some(b"Type0".as_slice()) => {
                    cid_fallback(&d)
                }
                None => None,
            };
            let Some((key, f)) = found else { continue };
            let f = Arc::new(f);
            let mut names = vec![d.get::<Name<'_>>(b"BaseFont")];
            if let Some(desc) = d
                .get::<Array<'_>>(b"DescendantFonts")
                .and_then(|a| a.iter::<Dict<'_>>().next())
            {
                names.push(desc.get::<Name<'_>>(b"BaseFont"));
            }
            for n in names.into_iter().flatten() {
                let n = strip_subset(n.as_str()).to_string();
                match fb.by_name.get(&n) {
                    None => {
                        fb.by_name.insert(n, Some((key.clone(), f.clone())));
                    }
                    Some(Some((k, _))) if *k != key => {
                        fb.by_name.insert(n, None);
                    }
                    Some(_) => {}
                }
            }
        }
        fb
    }

    /// The Unicode value of `code` in the font named `name`, if a fallback knows it.
    pub(crate) fn unicode(&self, name: &str, code: u32) -> Option<BfString> {
        let (_, f) = self.by_name.get(strip_subset(name))?.as_ref()?;
        f.unicode(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tounicode_map_with_an_empty_destination_is_read_without_it() {
        let map = b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n\
1 begincodespacerange\n<0000> <ffff>\nendcodespacerange\n\
3 beginbfchar\n<0003> <>\n<03a3> <062d064e0628064a0628064a0020>\n<0041> <0041>\nendbfchar\n\
endcmap CMapName currentdict /CMap defineresource pop end end\n";
        let m = repaired_to_unicode(map).expect("repaired");
        assert!(matches!(
            m.lookup_bf_string(0x41),
            Some(BfString::Char('A'))
        ));
        match m.lookup_bf_string(0x03a3) {
            Some(BfString::String(s)) => assert_eq!(s, "حَبيبي "),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn subset_tags_are_stripped() {
        assert_eq!(strip_subset("KXRNCQ+AokinMincho"), "AokinMincho");
        assert_eq!(strip_subset("MS-Mincho"), "MS-Mincho");
        assert_eq!(strip_subset("abcdef+X"), "abcdef+X");
    }
}
