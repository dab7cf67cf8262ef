//! The invisible OCR text layer of an image-PDF (opt-in: `[ocr] image_pdf_text_layer`).
//!
//! Each recognised word is written over its pixels in text render mode 3 (neither filled nor
//! stroked, ISO 32000-1 §9.3.6), so the page looks exactly like its image while viewers can
//! search and copy the text. The font is a Type0 font with Identity-H encoding whose CIDs are
//! numbered per document (1, 2, … for each distinct character), a ToUnicode CMap that maps
//! them back, a fixed width of one em, and no font program (nothing is ever drawn with it).
//! The horizontal scaling (`Tz`) of each word makes its advance span the word's box.

use crate::ocr::Word;
use crate::render::PageImage;
use std::collections::BTreeMap;
use std::fmt::Write;

/// A page's size in points and in pixels of its image.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dims {
    pub(crate) width_pt: f32,
    pub(crate) height_pt: f32,
    pub(crate) width_px: u32,
    pub(crate) height_px: u32,
}

impl From<&PageImage> for Dims {
    fn from(p: &PageImage) -> Dims {
        Dims {
            width_pt: p.width_pt,
            height_pt: p.height_pt,
            width_px: p.width_px,
            height_px: p.height_px,
        }
    }
}

/// Resource name of the layer's font on every page.
pub(crate) const FONT: &str = "/Fkiyome";

/// The characters of every layer, each with its CID.
pub(crate) struct LayerFont {
    cids: BTreeMap<char, u16>,
}

impl LayerFont {
    /// Numbers the distinct characters of all pages (at most 65 535; later ones are dropped).
    pub(crate) fn new(layers: &[Vec<Word>]) -> LayerFont {
        let mut cids = BTreeMap::new();
        for c in layers.iter().flatten().flat_map(|w| w.text.chars()) {
            let next = cids.len() + 1;
            if next <= u16::MAX as usize {
                cids.entry(c).or_insert(next as u16);
            }
        }
        LayerFont { cids }
    }

    /// Content-stream operators that place `words` (pixels of `page`) invisibly on the page.
    pub(crate) fn content(&self, words: &[Word], page: &Dims) -> String {
        let sx = page.width_pt as f64 / page.width_px.max(1) as f64;
        let sy = page.height_pt as f64 / page.height_px.max(1) as f64;
        let mut s = String::new();
        if words.is_empty() {
            return s;
        }
        s.push_str("BT 3 Tr\n");
        for w in words {
            let hex: String = w
                .text
                .chars()
                .filter_map(|c| self.cids.get(&c))
                .map(|cid| format!("{cid:04X}"))
                .collect();
            let n = hex.len() / 4;
            if n == 0 {
                continue;
            }
            let size = (w.height as f64 * sy).max(1.0);
            let width = w.width as f64 * sx;
            // Each glyph advances one em (DW 1000): scale so the word spans its box.
            let tz = (100.0 * width / (n as f64 * size)).clamp(1.0, 1000.0);
            let x = w.left as f64 * sx;
            // Baseline a fifth of the box above its bottom: roughly where ink sits.
            let y = page.height_pt as f64 - (w.top + w.height) as f64 * sy + 0.2 * size;
            let _ = writeln!(
                s,
                "{FONT} {} Tf {} Tz 1 0 0 1 {} {} Tm <{hex}> Tj",
                num(size),
                num(tz),
                num(x),
                num(y)
            );
        }
        s.push_str("ET\n");
        s
    }

    /// The font's objects, numbered from `first`: Type0 font (the one pages refer to), CID
    /// font, font descriptor, ToUnicode stream. Each is `(number, dictionary, stream data)`.
    pub(crate) fn objects(&self, first: usize) -> Vec<(usize, String, Option<Vec<u8>>)> {
        let (font, cid, desc, tounicode) = (first, first + 1, first + 2, first + 3);
        let cmap = self.to_unicode();
        vec![
            (
                font,
                format!(
                    "<< /Type /Font /Subtype /Type0 /BaseFont /KiyomeOCRText /Encoding /Identity-H /DescendantFonts [{cid} 0 R] /ToUnicode {tounicode} 0 R >>"
                ),
                None,
            ),
            (
                cid,
                format!(
                    "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /KiyomeOCRText /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor {desc} 0 R /DW 1000 /CIDToGIDMap /Identity >>"
                ),
                None,
            ),
            (
                desc,
                "<< /Type /FontDescriptor /FontName /KiyomeOCRText /Flags 4 /FontBBox [0 -200 1000 800] /ItalicAngle 0 /Ascent 800 /Descent -200 /CapHeight 700 /StemV 80 >>".to_string(),
                None,
            ),
            (
                tounicode,
                format!("<< /Length {} >>", cmap.len()),
                Some(cmap),
            ),
        ]
    }

    /// Number of objects [`LayerFont::objects`] returns.
    pub(crate) const OBJECTS: usize = 4;

    fn to_unicode(&self) -> Vec<u8> {
        let mut s = String::from(
            "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n/CMapName /KiyomeOCR-UCS def\n/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
        );
        let entries: Vec<(&char, &u16)> = self.cids.iter().collect();
        // At most 100 entries per bfchar block (PDF 1.7 §9.10.3 and the CMap spec).
        for chunk in entries.chunks(100) {
            let _ = writeln!(s, "{} beginbfchar", chunk.len());
            for (c, cid) in chunk {
                let mut units = [0u16; 2];
                let utf16: String = c
                    .encode_utf16(&mut units)
                    .iter()
                    .map(|u| format!("{u:04X}"))
                    .collect();
                let _ = writeln!(s, "<{cid:04X}> <{utf16}>");
            }
            s.push_str("endbfchar\n");
        }
        s.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
        s.into_bytes()
    }
}

fn num(v: f64) -> String {
    let r = (v * 100.0).round() / 100.0;
    if r.fract() == 0.0 {
        format!("{}", r as i64)
    } else {
        format!("{r}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &str, left: u32, top: u32) -> Word {
        Word {
            text: text.into(),
            left,
            top,
            width: 100,
            height: 20,
            line: (1, 1, 1),
        }
    }

    #[test]
    fn words_are_invisible_text_at_their_boxes_with_a_tounicode_map() {
        let page = PageImage {
            width_pt: 200.0,
            height_pt: 100.0,
            width_px: 400,
            height_px: 200,
            rgb: Vec::new(),
        };
        let layers = vec![vec![word("東京", 0, 0), word("都𠮟", 100, 50)]];
        let f = LayerFont::new(&layers);
        let c = f.content(&layers[0], &(&page).into());
        assert!(c.starts_with("BT 3 Tr\n") && c.ends_with("ET\n"), "{c}");
        // 20 px high at 0.5 pt/px: 10 pt; two glyphs of 10 pt over 50 pt: Tz 250.
        assert!(
            c.contains("/Fkiyome 10 Tf 250 Tz 1 0 0 1 0 92 Tm <00010002> Tj"),
            "{c}"
        );
        assert!(c.contains("<00030004> Tj"), "{c}");
        let objs = f.objects(10);
        assert_eq!(objs.len(), LayerFont::OBJECTS);
        let cmap = String::from_utf8(objs[3].2.clone().unwrap()).unwrap();
        assert!(cmap.contains("<0001> <6771>"), "{cmap}");
        // A character beyond the BMP maps to its surrogate pair.
        assert!(cmap.contains("<0004> <D842DF9F>"), "{cmap}");
        assert!(objs[1].1.contains("/CIDToGIDMap /Identity") && !objs[2].1.contains("FontFile"));
    }
}
