//! The printable bilingual certificate: an A4 PDF written with lopdf, with a Japanese font
//! (IPAGothic from fonts-ipafont by default) subsetted by `subsetter` and embedded as a
//! CIDFontType2 with Identity-H encoding, CIDToGIDMap Identity and a ToUnicode CMap, so that
//! the text prints anywhere and can be extracted (pdftotext) and searched.

use crate::bundle::VerifiedBundle;
use crate::{Error, Result, labels, view};
use lopdf::{Dictionary, Document, Object, Stream, StringFormat, dictionary};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

/// Where the Japanese font is looked for (after `$KIYOME_JP_FONT`).
pub const FONT_CANDIDATES: &[&str] = &[
    "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf",
    "/usr/share/fonts/truetype/fonts-japanese-gothic.ttf",
    "/usr/share/fonts/opentype/ipafont-mincho/ipam.ttf",
    "/usr/share/fonts/truetype/ipafont/ipag.ttf",
];

/// Reads the Japanese font: `$KIYOME_JP_FONT`, else the first of [`FONT_CANDIDATES`];
/// fails with a message naming the Debian package to install.
pub fn load_font() -> Result<Vec<u8>> {
    let mut tried: Vec<PathBuf> = Vec::new();
    if let Some(p) = std::env::var_os("KIYOME_JP_FONT") {
        tried.push(PathBuf::from(p));
    }
    tried.extend(FONT_CANDIDATES.iter().map(PathBuf::from));
    for p in &tried {
        if let Ok(b) = std::fs::read(p) {
            return Ok(b);
        }
    }
    Err(Error::FontMissing(
        tried
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
    ))
}

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 48.0;
const LABEL_W: f32 = 190.0;

struct Run {
    page: usize,
    x: f32,
    y: f32,
    size: f32,
    text: String,
}

struct Layout<'f> {
    face: &'f ttf_parser::Face<'f>,
    runs: Vec<Run>,
    rules: Vec<(usize, f32)>,
    page: usize,
    y: f32,
}

impl Layout<'_> {
    fn width(&self, s: &str, size: f32) -> f32 {
        let upem = f32::from(self.face.units_per_em().max(1));
        s.chars()
            .map(|c| {
                let g = self.face.glyph_index(c).unwrap_or(ttf_parser::GlyphId(0));
                f32::from(self.face.glyph_hor_advance(g).unwrap_or(0))
            })
            .sum::<f32>()
            * size
            / upem
    }

    // Greedy wrap by characters (Japanese has no spaces), preferring breaks after spaces.
    fn wrap(&self, s: &str, size: f32, max: f32) -> Vec<String> {
        let mut lines = Vec::new();
        let mut cur = String::new();
        for c in s.chars() {
            let mut next = cur.clone();
            next.push(c);
            if self.width(&next, size) > max && !cur.is_empty() {
                match cur.rfind(' ').filter(|&i| i > cur.len() / 2) {
                    Some(i) => {
                        let rest = cur[i + 1..].to_string();
                        cur.truncate(i);
                        lines.push(std::mem::take(&mut cur));
                        cur = rest;
                    }
                    None => lines.push(std::mem::take(&mut cur)),
                }
                cur.push(c);
            } else {
                cur = next;
            }
        }
        if !cur.is_empty() || lines.is_empty() {
            lines.push(cur);
        }
        lines
    }

    fn need(&mut self, h: f32) {
        if self.y - h < MARGIN + 30.0 {
            self.page += 1;
            self.y = PAGE_H - MARGIN;
        }
    }

    fn text(&mut self, x: f32, size: f32, s: &str) {
        self.runs.push(Run {
            page: self.page,
            x,
            y: self.y,
            size,
            text: s.to_string(),
        });
    }

    fn row(&mut self, label: &str, value: &str) {
        let (ls, vs) = (7.5, 8.5);
        let l = self.wrap(label, ls, LABEL_W - 6.0);
        let v = self.wrap(value, vs, PAGE_W - 2.0 * MARGIN - LABEL_W);
        let n = l.len().max(v.len());
        self.need(n as f32 * 11.0 + 2.0);
        let top = self.y;
        for (i, t) in l.iter().enumerate() {
            self.y = top - 9.0 - i as f32 * 11.0;
            self.text(MARGIN + 4.0, ls, t);
        }
        for (i, t) in v.iter().enumerate() {
            self.y = top - 9.0 - i as f32 * 11.0;
            self.text(MARGIN + LABEL_W, vs, t);
        }
        self.y = top - n as f32 * 11.0 - 3.0;
    }
}

/// Renders the certificate as PDF bytes, using `font` (a TrueType/OpenType font with
/// Japanese glyphs).
pub fn render(vb: &VerifiedBundle, font: &[u8]) -> Result<Vec<u8>> {
    let face = ttf_parser::Face::parse(font, 0).map_err(|e| Error::Pdf(format!("font: {e}")))?;
    let c = &vb.certificate.certificate;
    let mut lay = Layout {
        face: &face,
        runs: Vec::new(),
        rules: Vec::new(),
        page: 0,
        y: PAGE_H - MARGIN,
    };
    let title = labels::record_kind(c.record_kind);
    for (i, part) in title.split(" / ").enumerate() {
        lay.y -= if i == 0 { 18.0 } else { 15.0 };
        let size = if i == 0 { 17.0 } else { 11.0 };
        let w = lay.width(part, size);
        lay.text((PAGE_W - w) / 2.0, size, part);
    }
    lay.y -= 12.0;
    let mut all = view::sections(c);
    all.push(view::record_section(vb));
    for s in &all {
        lay.need(40.0);
        lay.y -= 14.0;
        lay.text(MARGIN, 10.5, s.title);
        lay.y -= 4.0;
        let (p, y) = (lay.page, lay.y);
        lay.rules.push((p, y));
        for (l, v) in &s.rows {
            lay.row(l, v);
        }
    }
    lay.need(30.0);
    lay.y -= 16.0;
    lay.text(MARGIN, 7.0, "この書面は署名済み電子証明書の写しです。原本の検証: kiyome cert verify CERT --keys ORG.jwks");
    lay.y -= 10.0;
    lay.text(MARGIN, 7.0, "This paper is a copy of a signed electronic certificate. Verify the original with: kiyome cert verify CERT --keys ORG.jwks");
    let pages = lay.page + 1;
    let footer = vb.certificate.sha256();
    for p in 0..pages {
        lay.runs.push(Run {
            page: p,
            x: MARGIN,
            y: MARGIN - 10.0,
            size: 7.0,
            text: format!(
                "{}  SHA-256 {}  {}/{}",
                c.certificate_id,
                footer,
                p + 1,
                pages
            ),
        });
    }
    build(&face, font, &lay.runs, &lay.rules, pages)
}

fn build(
    face: &ttf_parser::Face<'_>,
    font: &[u8],
    runs: &[Run],
    rules: &[(usize, f32)],
    pages: usize,
) -> Result<Vec<u8>> {
    let mut remap = subsetter::GlyphRemapper::new();
    let mut to_unicode: BTreeMap<u16, char> = BTreeMap::new();
    let mut widths: BTreeMap<u16, u32> = BTreeMap::new();
    let upem = u32::from(face.units_per_em().max(1));
    for r in runs {
        for ch in r.text.chars() {
            let g = face.glyph_index(ch).unwrap_or(ttf_parser::GlyphId(0));
            let new = remap.remap(g.0);
            to_unicode.entry(new).or_insert(ch);
            widths.insert(
                new,
                u32::from(face.glyph_hor_advance(g).unwrap_or(0)) * 1000 / upem,
            );
        }
    }
    let subset =
        subsetter::subset(font, 0, &remap).map_err(|e| Error::Pdf(format!("subset: {e}")))?;
    let mut doc = Document::with_version("1.7");
    let name = "KIYOME+IPAGothic";
    let mut ff = Stream::new(
        dictionary! { "Length1" => subset.len() as i64 },
        deflate(&subset)?,
    );
    ff.dict.set("Filter", "FlateDecode");
    let ff = doc.add_object(ff);
    let bb = face.global_bounding_box();
    let k = 1000.0 / upem as f32;
    let sc = |v: i16| (f32::from(v) * k) as i64;
    let desc = doc.add_object(dictionary! {
        "Type" => "FontDescriptor", "FontName" => Object::Name(name.into()), "Flags" => 4,
        "FontBBox" => vec![sc(bb.x_min).into(), sc(bb.y_min).into(), sc(bb.x_max).into(), sc(bb.y_max).into()],
        "ItalicAngle" => 0, "Ascent" => sc(face.ascender()), "Descent" => sc(face.descender()),
        "CapHeight" => sc(face.capital_height().unwrap_or(face.ascender())), "StemV" => 80,
        "FontFile2" => ff,
    });
    let w: Vec<Object> = widths
        .iter()
        .flat_map(|(g, w)| {
            [
                Object::Integer(i64::from(*g)),
                Object::Array(vec![Object::Integer(i64::from(*w))]),
            ]
        })
        .collect();
    let cid = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "CIDFontType2", "BaseFont" => Object::Name(name.into()),
        "CIDSystemInfo" => dictionary! { "Registry" => Object::string_literal("Adobe"),
            "Ordering" => Object::string_literal("Identity"), "Supplement" => 0 },
        "FontDescriptor" => desc, "W" => w, "DW" => 1000, "CIDToGIDMap" => "Identity",
    });
    let tu = doc.add_object(Stream::new(Dictionary::new(), cmap(&to_unicode)));
    let f1 = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type0", "BaseFont" => Object::Name(name.into()),
        "Encoding" => "Identity-H", "DescendantFonts" => vec![cid.into()], "ToUnicode" => tu,
    });
    let pages_id = doc.new_object_id();
    let mut kids = Vec::new();
    for p in 0..pages {
        let mut content = String::from("0.2 0.2 0.2 RG 0.6 w\n");
        content.push_str(&format!(
            "{MARGIN} {m} {w} {h} re S\n",
            m = MARGIN - 20.0,
            w = PAGE_W - 2.0 * MARGIN,
            h = PAGE_H - 2.0 * MARGIN + 30.0
        ));
        for (_, y) in rules.iter().filter(|r| r.0 == p) {
            content.push_str(&format!("{MARGIN} {y} m {} {y} l S\n", PAGE_W - MARGIN));
        }
        content.push_str("0 g\n");
        for r in runs.iter().filter(|r| r.page == p) {
            let mut hexs = String::new();
            for ch in r.text.chars() {
                let g = face.glyph_index(ch).unwrap_or(ttf_parser::GlyphId(0));
                hexs.push_str(&format!("{:04X}", remap.get(g.0).unwrap_or(0)));
            }
            content.push_str(&format!(
                "BT /F1 {} Tf {:.2} {:.2} Td <{hexs}> Tj ET\n",
                r.size, r.x, r.y
            ));
        }
        let mut cs = Stream::new(Dictionary::new(), deflate(content.as_bytes())?);
        cs.dict.set("Filter", "FlateDecode");
        let cs = doc.add_object(cs);
        let page = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id,
            "MediaBox" => vec![0.into(), 0.into(), Object::Real(PAGE_W), Object::Real(PAGE_H)],
            "Resources" => dictionary! { "Font" => dictionary! { "F1" => f1 } },
            "Contents" => cs,
        });
        kids.push(Object::Reference(page));
    }
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => kids, "Count" => pages as i64,
        }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out)
        .map_err(|e| Error::Pdf(e.to_string()))?;
    let _ = StringFormat::Literal;
    Ok(out)
}

fn deflate(data: &[u8]) -> Result<Vec<u8>> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data)?;
    Ok(e.finish()?)
}

// A ToUnicode CMap (PDF 32000-1 §9.10.3) mapping 2-byte CIDs to UTF-16BE.
fn cmap(map: &BTreeMap<u16, char>) -> Vec<u8> {
    let mut s = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    let items: Vec<_> = map.iter().collect();
    for chunk in items.chunks(100) {
        s.push_str(&format!("{} beginbfchar\n", chunk.len()));
        for (g, c) in chunk {
            let mut buf = [0u16; 2];
            let u: String = c
                .encode_utf16(&mut buf)
                .iter()
                .map(|x| format!("{x:04X}"))
                .collect();
            s.push_str(&format!("<{g:04X}> <{u}>\n"));
        }
        s.push_str("endbfchar\n");
    }
    s.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    s.into_bytes()
}
