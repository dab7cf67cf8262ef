//! Advance widths of simple fonts that have no /Widths: the standard 14 fonts (ISO 32000-1
//! §9.6.2.2; their names and the aliases readers accept for them, such as `Arial,Bold`), and
//! any other font without /Widths, which readers draw with the metrics of the standard font
//! its descriptor flags describe (fixed pitch → Courier, serif → Times, else Helvetica; bold
//! and italic from the flags or the name), as poppler does.
//!
//! A code's width is that of its glyph name — from /Differences, else the base encoding
//! (/BaseEncoding or the /Encoding name), else the font's built-in encoding (StandardEncoding
//! for the Latin fonts, their own for Symbol and ZapfDingbats) — and /MissingWidth for a name
//! the font does not have. Measuring these glyphs 0 wide made the box over removed text 0 wide
//! and moved the rest of the line.

use super::fonts::resolve;
use super::glyphnames::{MAC_ROMAN_ENCODING, STANDARD_ENCODING, WIN_ANSI_ENCODING};
use super::std14::{FONTS, Std14};
use kiyome_pdf::rewrite::lopdf::{Dictionary, Document, Object, ObjectId};
use std::collections::BTreeMap;

/// Names readers accept for the standard fonts (ISO 32000-1 §9.6.2.2 and the aliases
/// Acrobat, poppler and MuPDF map: the TrueType names of the same designs).
const ALIASES: &[(&str, &str)] = &[
    ("Arial", "Helvetica"),
    ("ArialMT", "Helvetica"),
    ("Arial,Bold", "Helvetica-Bold"),
    ("Arial-Bold", "Helvetica-Bold"),
    ("Arial-BoldMT", "Helvetica-Bold"),
    ("Arial,Italic", "Helvetica-Oblique"),
    ("Arial-Italic", "Helvetica-Oblique"),
    ("Arial-ItalicMT", "Helvetica-Oblique"),
    ("Arial,BoldItalic", "Helvetica-BoldOblique"),
    ("Arial-BoldItalic", "Helvetica-BoldOblique"),
    ("Arial-BoldItalicMT", "Helvetica-BoldOblique"),
    ("Helvetica,Bold", "Helvetica-Bold"),
    ("Helvetica,Italic", "Helvetica-Oblique"),
    ("Helvetica-Italic", "Helvetica-Oblique"),
    ("Helvetica,BoldItalic", "Helvetica-BoldOblique"),
    ("Helvetica-BoldItalic", "Helvetica-BoldOblique"),
    ("CourierNew", "Courier"),
    ("CourierNewPSMT", "Courier"),
    ("Courier,Bold", "Courier-Bold"),
    ("CourierNew,Bold", "Courier-Bold"),
    ("CourierNew-Bold", "Courier-Bold"),
    ("CourierNewPS-BoldMT", "Courier-Bold"),
    ("Courier,Italic", "Courier-Oblique"),
    ("CourierNew,Italic", "Courier-Oblique"),
    ("CourierNew-Italic", "Courier-Oblique"),
    ("CourierNewPS-ItalicMT", "Courier-Oblique"),
    ("Courier,BoldItalic", "Courier-BoldOblique"),
    ("CourierNew,BoldItalic", "Courier-BoldOblique"),
    ("CourierNew-BoldItalic", "Courier-BoldOblique"),
    ("CourierNewPS-BoldItalicMT", "Courier-BoldOblique"),
    ("TimesNewRoman", "Times-Roman"),
    ("TimesNewRomanPS", "Times-Roman"),
    ("TimesNewRomanPSMT", "Times-Roman"),
    ("TimesNewRoman,Bold", "Times-Bold"),
    ("TimesNewRoman-Bold", "Times-Bold"),
    ("TimesNewRomanPS-Bold", "Times-Bold"),
    ("TimesNewRomanPS-BoldMT", "Times-Bold"),
    ("TimesNewRoman,Italic", "Times-Italic"),
    ("TimesNewRoman-Italic", "Times-Italic"),
    ("TimesNewRomanPS-Italic", "Times-Italic"),
    ("TimesNewRomanPS-ItalicMT", "Times-Italic"),
    ("TimesNewRoman,BoldItalic", "Times-BoldItalic"),
    ("TimesNewRoman-BoldItalic", "Times-BoldItalic"),
    ("TimesNewRomanPS-BoldItalic", "Times-BoldItalic"),
    ("TimesNewRomanPS-BoldItalicMT", "Times-BoldItalic"),
    ("Symbol,Bold", "Symbol"),
    ("Symbol,Italic", "Symbol"),
    ("Symbol,BoldItalic", "Symbol"),
    ("SymbolMT", "Symbol"),
];

fn by_name(name: &str) -> Option<&'static Std14> {
    FONTS.iter().find(|f| f.name == name)
}

/// The standard font a /BaseFont names (a subset tag `ABCDEF+` apart), if any.
pub(crate) fn standard(base_font: &[u8]) -> Option<&'static Std14> {
    let s = std::str::from_utf8(base_font).ok()?;
    let s = match s.split_once('+') {
        Some((tag, rest)) if tag.len() == 6 && tag.bytes().all(|b| b.is_ascii_uppercase()) => rest,
        _ => s,
    };
    by_name(s).or_else(|| {
        ALIASES
            .iter()
            .find(|(alias, _)| *alias == s)
            .and_then(|(_, real)| by_name(real))
    })
}

/// The standard font whose metrics stand in for another font without /Widths: fixed pitch
/// (flag 1) → Courier, serif (flag 2) → Times, else Helvetica; bold from ForceBold (flag 19)
/// or the name, italic from the Italic flag (7) or the name.
fn substitute(base_font: &[u8], flags: i64) -> &'static Std14 {
    let name = String::from_utf8_lossy(base_font).to_ascii_lowercase();
    let bold = flags & (1 << 18) != 0 || name.contains("bold") || name.contains("black");
    let italic = flags & (1 << 6) != 0 || name.contains("italic") || name.contains("oblique");
    let family = if flags & 1 != 0 {
        0
    } else if flags & 2 != 0 {
        8
    } else {
        4
    };
    // FONTS orders each family regular, bold, oblique/italic, bold oblique/italic.
    let i = family + usize::from(bold) + 2 * usize::from(italic);
    &FONTS[i]
}

/// The width of glyph `name` in `font`.
pub(crate) fn glyph_width(font: &Std14, name: &[u8]) -> Option<f64> {
    font.widths
        .binary_search_by(|(n, _)| n.as_bytes().cmp(name))
        .ok()
        .map(|i| f64::from(font.widths[i].1))
}

/// /Differences: code → glyph name.
pub(crate) fn differences(doc: &Document, fd: &Dictionary) -> BTreeMap<u32, Vec<u8>> {
    let mut out = BTreeMap::new();
    let enc = match fd.get(b"Encoding").map(|o| resolve(doc, o)) {
        Ok(Object::Dictionary(d)) => d,
        _ => return out,
    };
    if let Ok(Object::Array(a)) = enc.get(b"Differences").map(|o| resolve(doc, o)) {
        let mut code = 0u32;
        for o in a.iter().take(4096) {
            match resolve(doc, o) {
                Object::Integer(i) => code = (*i).clamp(0, 255) as u32,
                Object::Name(n) => {
                    out.insert(code, n.clone());
                    code = code.saturating_add(1);
                }
                _ => {}
            }
        }
    }
    out
}

/// The widths (glyph space, codes 0–255) of simple font `fd` that has no /Widths, with
/// `missing` (/MissingWidth) for glyphs the metrics do not name and `flags` the descriptor's
/// /Flags.
pub(crate) fn widths(doc: &Document, fd: &Dictionary, flags: i64, missing: f64) -> Vec<f64> {
    let base_font = match fd.get(b"BaseFont").map(|o| resolve(doc, o)) {
        Ok(Object::Name(n)) => n.as_slice(),
        _ => b"",
    };
    let font = standard(base_font).unwrap_or_else(|| substitute(base_font, flags));
    let base_name = match fd.get(b"Encoding").map(|o| resolve(doc, o)) {
        Ok(Object::Name(n)) => n.clone(),
        Ok(Object::Dictionary(e)) => match e.get(b"BaseEncoding").map(|o| resolve(doc, o)) {
            Ok(Object::Name(n)) => n.clone(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    // Symbol and ZapfDingbats are symbolic: a base encoding does not apply to them.
    let base: &[&str; 256] = match (font.builtin, base_name.as_slice()) {
        (Some(b), _) => b,
        (None, b"WinAnsiEncoding") => &WIN_ANSI_ENCODING,
        (None, b"MacRomanEncoding") => &MAC_ROMAN_ENCODING,
        (None, _) => &STANDARD_ENCODING,
    };
    let diffs = differences(doc, fd);
    (0..256u32)
        .map(|code| {
            let name: &[u8] = match diffs.get(&code) {
                Some(n) => n,
                None => base[code as usize].as_bytes(),
            };
            glyph_width(font, name)
                .or_else(|| {
                    // Files that encode the space as .notdef still mean a space (poppler).
                    (code == 32 && !diffs.contains_key(&code))
                        .then(|| glyph_width(font, b"space"))
                        .flatten()
                })
                .unwrap_or(missing)
        })
        .collect()
}

/// Writes /FirstChar 0, /LastChar 255 and /Widths into every simple font of `fonts` that has
/// no /Widths (Type3 apart), with the widths readers use for it ([`widths`]). Rendering does
/// not change (readers take these same metrics), but the output then states the advances
/// the redaction measured, for every reader and checker alike. Returns the fonts it wrote
/// widths into: their widths are public metrics that say nothing of the document, so pruning
/// keeps them whole — a /Widths of zeros but for the kept codes makes poppler draw the kept
/// glyphs of a substituted font up to 2 pixels (at 72 dpi) away from where it drew them.
pub(crate) fn make_explicit<'a>(
    doc: &mut Document,
    fonts: impl Iterator<Item = &'a ObjectId>,
) -> std::collections::HashSet<ObjectId> {
    let mut made = std::collections::HashSet::new();
    for id in fonts {
        let Some(Object::Dictionary(fd)) = doc.objects.get(id) else {
            continue;
        };
        let simple = matches!(
            fd.get(b"Subtype"),
            Ok(Object::Name(n)) if n == b"Type1" || n == b"TrueType" || n == b"MMType1"
        );
        let has = matches!(
            fd.get(b"Widths").map(|o| resolve(doc, o)),
            Ok(Object::Array(a)) if !a.is_empty()
        );
        if !simple || has {
            continue;
        }
        let desc = match fd.get(b"FontDescriptor").map(|o| resolve(doc, o)) {
            Ok(Object::Dictionary(d)) => Some(d),
            _ => None,
        };
        let number = |key: &[u8]| match desc.and_then(|d| d.get(key).ok()).map(|o| resolve(doc, o))
        {
            Some(Object::Integer(i)) => *i as f64,
            Some(Object::Real(r)) => f64::from(*r),
            _ => 0.0,
        };
        let (flags, missing) = (number(b"Flags") as i64, number(b"MissingWidth"));
        let w: Vec<Object> = widths(doc, fd, flags, missing)
            .into_iter()
            .map(|v| {
                if v.fract() == 0.0 {
                    Object::Integer(v as i64)
                } else {
                    Object::Real(v as f32)
                }
            })
            .collect();
        if let Some(Object::Dictionary(fd)) = doc.objects.get_mut(id) {
            fd.set("FirstChar", Object::Integer(0));
            fd.set("LastChar", Object::Integer(255));
            fd.set("Widths", Object::Array(w));
            made.insert(*id);
        }
    }
    made
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_names_aliases_and_subset_tags() {
        assert_eq!(standard(b"Helvetica").map(|f| f.name), Some("Helvetica"));
        assert_eq!(
            standard(b"ABCDEF+Arial,Bold").map(|f| f.name),
            Some("Helvetica-Bold")
        );
        assert_eq!(
            standard(b"TimesNewRomanPS-BoldItalicMT").map(|f| f.name),
            Some("Times-BoldItalic")
        );
        assert!(standard(b"MS-Mincho").is_none());
        assert!(standard(b"abcdef+Helvetica").is_none());
    }

    #[test]
    fn adobe_core14_widths() {
        // Values of Adobe's AFM files (URW's differ for /fraction).
        let h = standard(b"Helvetica").unwrap();
        assert_eq!(glyph_width(h, b"a"), Some(556.0));
        assert_eq!(glyph_width(h, b"fraction"), Some(167.0));
        assert_eq!(glyph_width(h, b"space"), Some(278.0));
        let t = standard(b"Times-Roman").unwrap();
        assert_eq!(glyph_width(t, b"m"), Some(778.0));
        assert_eq!(
            glyph_width(standard(b"Courier-Bold").unwrap(), b"W"),
            Some(600.0)
        );
        assert_eq!(glyph_width(h, b"nosuchglyph"), None);
        // Symbol's built-in encoding: code 0x61 is alpha.
        let s = standard(b"Symbol").unwrap();
        assert_eq!(s.builtin.unwrap()[0x61], "alpha");
        assert_eq!(glyph_width(s, b"alpha"), Some(631.0));
    }

    #[test]
    fn substitutes_follow_the_flags() {
        assert_eq!(substitute(b"Foo", 1).name, "Courier");
        assert_eq!(substitute(b"Foo-Bold", 2).name, "Times-Bold");
        assert_eq!(substitute(b"Foo", 32 | (1 << 6)).name, "Helvetica-Oblique");
        assert_eq!(
            substitute(b"Foo-BoldItalic", 0).name,
            "Helvetica-BoldOblique"
        );
    }
}
