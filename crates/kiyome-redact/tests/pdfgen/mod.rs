//! Small PDF generator for the redaction tests: Japanese text in a subset-embedded IPA font
//! (CIDFontType2, Identity-H/V, ToUnicode), simple fonts, Type3 fonts, forms, images, so that
//! every fixture is built from code rather than committed as an opaque binary.
#![allow(dead_code)]

use kiyome_core::{Budget, Ctx, Kind, Limits, NoNesting};
use kiyome_pdf::rewrite::lopdf::{
    self, Dictionary, Document, Object, ObjectId, Stream, dictionary,
};
use kiyome_redact::Plan;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// IPA Gothic (monospaced kana/kanji) and IPA P Gothic (proportional).
pub const IPA_GOTHIC: &str = "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf";
/// Proportional IPA P Gothic.
pub const IPA_PGOTHIC: &str = "/usr/share/fonts/opentype/ipafont-gothic/ipagp.ttf";
/// IPA Mincho.
pub const IPA_MINCHO: &str = "/usr/share/fonts/opentype/ipafont-mincho/ipam.ttf";

/// A subset of an IPA font: CID = glyph id of the subset.
pub struct CidFont {
    pub data: Vec<u8>,
    pub cids: BTreeMap<char, u16>,
    pub widths: BTreeMap<u16, i64>,
}

impl CidFont {
    /// Subsets `path` to the characters of `text`.
    pub fn new(path: &str, text: &str) -> CidFont {
        let raw =
            std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e} (install fonts-ipafont)"));
        let face = ttf_parser::Face::parse(&raw, 0).expect("font parses");
        let upem = f64::from(face.units_per_em());
        let mut chars: Vec<char> = text.chars().filter(|c| !c.is_control()).collect();
        chars.sort();
        chars.dedup();
        let mut remapper = subsetter::GlyphRemapper::new();
        let mut cids = BTreeMap::new();
        let mut widths = BTreeMap::new();
        for c in chars {
            let Some(g) = face.glyph_index(c) else {
                continue;
            };
            let new = remapper.remap(g.0);
            cids.insert(c, new);
            let adv = f64::from(face.glyph_hor_advance(g).unwrap_or(0));
            widths.insert(new, (adv * 1000.0 / upem).round() as i64);
        }
        let data = subsetter::subset(&raw, 0, &remapper).expect("subset");
        CidFont { data, cids, widths }
    }

    /// The hex string showing `s`.
    pub fn hex(&self, s: &str) -> String {
        let mut h = String::from("<");
        for c in s.chars() {
            let cid = self
                .cids
                .get(&c)
                .copied()
                .unwrap_or_else(|| panic!("{c} not in font"));
            h.push_str(&format!("{cid:04X}"));
        }
        h.push('>');
        h
    }

    /// Width of `s` in text space units (1/1000 em).
    pub fn width(&self, s: &str) -> f64 {
        s.chars().map(|c| self.widths[&self.cids[&c]] as f64).sum()
    }

    /// Adds the Type0 font (and its CIDFont, descriptor, program, ToUnicode) to `doc`.
    pub fn add(&self, doc: &mut Document, vertical: bool) -> ObjectId {
        let ff = doc.add_object(compressed(
            dictionary! { "Length1" => self.data.len() as i64 },
            self.data.clone(),
        ));
        let desc = doc.add_object(dictionary! {
            "Type" => "FontDescriptor", "FontName" => "KIYOME+IPA", "Flags" => 4,
            "FontBBox" => vec![0.into(), (-141).into(), 1000.into(), 859.into()],
            "ItalicAngle" => 0, "Ascent" => 859, "Descent" => -141, "CapHeight" => 700,
            "StemV" => 80, "FontFile2" => ff,
        });
        let mut w = Vec::new();
        for (g, wd) in &self.widths {
            w.push(Object::Integer(i64::from(*g)));
            w.push(Object::Array(vec![Object::Integer(*wd)]));
        }
        let cidfont = doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "CIDFontType2", "BaseFont" => "KIYOME+IPA",
            "CIDSystemInfo" => dictionary! {
                "Registry" => Object::string_literal("Adobe"),
                "Ordering" => Object::string_literal("Identity"), "Supplement" => 0 },
            "FontDescriptor" => desc, "DW" => 1000, "W" => w, "CIDToGIDMap" => "Identity",
        });
        let tu = doc.add_object(compressed(Dictionary::new(), self.to_unicode()));
        doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "Type0", "BaseFont" => "KIYOME+IPA",
            "Encoding" => if vertical { "Identity-V" } else { "Identity-H" },
            "DescendantFonts" => vec![cidfont.into()], "ToUnicode" => tu,
        })
    }

    fn to_unicode(&self) -> Vec<u8> {
        let mut s = String::from(
            "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n\
             /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
             /CMapName /Adobe-Identity-UCS def /CMapType 2 def\n\
             1 begincodespacerange <0000> <FFFF> endcodespacerange\n",
        );
        let entries: Vec<(u16, char)> = self.cids.iter().map(|(c, g)| (*g, *c)).collect();
        for chunk in entries.chunks(100) {
            s.push_str(&format!("{} beginbfchar\n", chunk.len()));
            for (g, c) in chunk {
                let u: String = c
                    .encode_utf16(&mut [0; 2])
                    .iter()
                    .map(|u| format!("{u:04X}"))
                    .collect();
                s.push_str(&format!("<{g:04X}> <{u}>\n"));
            }
            s.push_str("endbfchar\n");
        }
        s.push_str("endcmap CMapName currentdict /CMap defineresource pop end end\n");
        s.into_bytes()
    }
}

/// A compressed stream object.
pub fn compressed(dict: Dictionary, data: Vec<u8>) -> Object {
    let mut s = Stream::new(dict, data);
    let _ = s.compress();
    Object::Stream(s)
}

/// Helvetica (not embedded) with WinAnsi and the standard widths of the ASCII letters used.
pub fn helvetica(doc: &mut Document) -> ObjectId {
    let widths: Vec<Object> = (32u8..=126)
        .map(|c| Object::Integer(helv_width(c)))
        .collect();
    doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding", "FirstChar" => 32, "LastChar" => 126, "Widths" => widths,
    })
}

/// Helvetica advance widths (AFM) of printable ASCII.
pub fn helv_width(c: u8) -> i64 {
    const W: [i64; 95] = [
        278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556,
        556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722,
        722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722,
        667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556,
        556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500,
        500, 334, 260, 334, 584,
    ];
    W.get(usize::from(c.saturating_sub(32)))
        .copied()
        .unwrap_or(0)
}

/// Builds a document from pages (content, resources) with a MediaBox of A4.
pub fn document(doc: &mut Document, pages: Vec<(Vec<u8>, Dictionary)>) -> Vec<u8> {
    let pages_id = doc.new_object_id();
    let mut kids = Vec::new();
    for (content, res) in pages {
        let c = doc.add_object(compressed(Dictionary::new(), content));
        let r = doc.add_object(res);
        let p = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
            "Resources" => r, "Contents" => c,
        });
        kids.push(Object::Reference(p));
    }
    let n = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => n }),
    );
    let cat = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", cat);
    save(doc)
}

/// Serialises `doc`.
pub fn save(doc: &mut Document) -> Vec<u8> {
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("save");
    out
}

/// Redacts with default limits and returns the verified output (panics when refused).
pub fn redact(data: &[u8], plan: &Plan) -> (Vec<u8>, kiyome_redact::Redacted) {
    let r = try_redact(data, plan).expect("redact");
    let out = match &r.output {
        Some(o) => o.data.clone(),
        None => panic!("verification failed: {:#?}", r.verification.leaks),
    };
    (out, r)
}

/// Redacts with default limits.
pub fn try_redact(data: &[u8], plan: &Plan) -> Result<kiyome_redact::Redacted, kiyome_core::Error> {
    let budget = Budget::new(&Limits::default());
    let ctx = Ctx::new(&budget, &NoNesting);
    kiyome_redact::redact(data, Kind::Pdf, plan, "00", &ctx)
}

/// A plan removing `terms`.
pub fn terms(t: &[&str]) -> Plan {
    Plan {
        terms: t.iter().map(|s| s.to_string()).collect(),
        ..Plan::default()
    }
}

/// Every operation of every content stream of `page` (1-based), decoded.
pub fn page_ops(data: &[u8], page: u32) -> Vec<lopdf::content::Operation> {
    let doc = Document::load_mem(data).expect("output loads");
    let pid = doc.get_pages()[&page];
    let content = doc.get_page_content(pid);
    lopdf::content::Content::decode(&content)
        .expect("content parses")
        .operations
}

/// Runs a peer tool, returning stdout (panics on failure).
pub fn run(tool: &Path, args: &[&str]) -> String {
    let out = Command::new(tool).args(args).output().expect("run peer");
    assert!(
        out.status.success(),
        "{} {args:?}: {}{}",
        tool.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// pdftotext of `data` (None when pdftotext is missing and not under CI).
pub fn pdftotext(data: &[u8], extra: &[&str]) -> Option<String> {
    let tool = kiyome_core::corpus::peer_tool("pdftotext")?;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("t.pdf");
    std::fs::write(&p, data).unwrap();
    let mut args: Vec<&str> = extra.to_vec();
    args.push(p.to_str().unwrap());
    args.push("-");
    Some(run(&tool, &args))
}

/// `qpdf --check` passes on `data` (skipped when qpdf is missing and not under CI).
pub fn qpdf_check(data: &[u8]) {
    let Some(qpdf) = kiyome_core::corpus::peer_tool("qpdf") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("q.pdf");
    std::fs::write(&p, data).unwrap();
    run(&qpdf, &["--check", p.to_str().unwrap()]);
}

/// White space removed.
pub fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The decoded data of object `id`'s stream.
pub fn stream_data(doc: &Document, id: ObjectId) -> Vec<u8> {
    match doc.objects.get(&id) {
        Some(Object::Stream(s)) => s
            .decompressed_content()
            .unwrap_or_else(|_| s.content.clone()),
        _ => panic!("obj {id:?} is not a stream"),
    }
}

/// Follows a reference.
pub fn deref<'a>(doc: &'a Document, o: &'a Object) -> &'a Object {
    match o {
        Object::Reference(r) => doc.objects.get(r).expect("dangling"),
        o => o,
    }
}
