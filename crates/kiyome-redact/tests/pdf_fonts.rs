//! Fonts after redaction: the kanji of a removed name are gone from the ToUnicode map, from
//! /W and from the embedded TrueType program (checked with ttf-parser on the extracted
//! program), while the glyphs still drawn — including the ones the name shares with kept
//! text — stay; peers (qpdf --check, pdffonts, pdftotext) accept the output.

mod pdfgen;

use kiyome_pdf::rewrite::lopdf::{Document, Object, ObjectId, dictionary};
use pdfgen::*;

const KEPT: &str = "申請者：田中花子様と同行";
const NAME: &str = "山田太郎";

/// Page 1: "申請者：山田太郎様", then a line with 田中花子 (田 is shared with the name);
/// page 2 draws the same font vertically (Identity-V, same ToUnicode and program).
fn fixture() -> (Vec<u8>, CidFont) {
    let font = CidFont::new(IPA_GOTHIC, &format!("{KEPT}{NAME}連絡先"));
    let mut doc = Document::with_version("1.7");
    let h = font.add(&mut doc, false);
    let v = {
        let Some(Object::Dictionary(fd)) = doc.objects.get(&h).cloned() else {
            panic!()
        };
        let mut fd = fd.clone();
        fd.set("Encoding", "Identity-V");
        doc.add_object(fd)
    };
    let p1 = format!(
        "BT /F1 14 Tf 72 760 Td {} Tj ET\nBT /F1 14 Tf 72 730 Td {} Tj ET\n",
        font.hex("申請者：山田太郎様"),
        font.hex(KEPT)
    );
    let p2 = format!(
        "BT /F2 16 Tf 500 760 Td {} Tj ET\n",
        font.hex("連絡先山田太郎")
    );
    let res = |k: &str, f: ObjectId| dictionary! { "Font" => dictionary! { k => f } };
    let data = document(
        &mut doc,
        vec![
            (p1.into_bytes(), res("F1", h)),
            (p2.into_bytes(), res("F2", v)),
        ],
    );
    (data, font)
}

fn type0_fonts(doc: &Document) -> Vec<ObjectId> {
    doc.objects
        .iter()
        .filter(|(_, o)| matches!(o, Object::Dictionary(d) if matches!(d.get(b"Subtype"), Ok(Object::Name(n)) if n == b"Type0")))
        .map(|(id, _)| *id)
        .collect()
}

#[test]
fn removed_kanji_leave_tounicode_widths_and_outlines() {
    let (input, font) = fixture();
    let (out, r) = redact(&input, &terms(&[NAME]));
    assert!(
        r.report
            .removed
            .iter()
            .any(|f| f.code == "redact.font_unused_glyphs"),
        "{:#?}",
        r.report.removed
    );
    let doc = Document::load_mem(&out).unwrap();
    let fonts = type0_fonts(&doc);
    assert_eq!(fonts.len(), 2);
    let gone: Vec<char> = "山太郎".chars().collect();
    let kept: Vec<char> = "申請者田中花子様連絡先".chars().collect();
    for f in &fonts {
        let Some(Object::Dictionary(fd)) = doc.objects.get(f) else {
            panic!()
        };
        // ToUnicode: no mapping to a removed kanji, every kept one still there.
        let tu = fd.get(b"ToUnicode").unwrap().as_reference().unwrap();
        let text = String::from_utf8_lossy(&stream_data(&doc, tu)).to_uppercase();
        for c in &gone {
            let u = format!("<{:04X}>", *c as u32);
            assert!(!text.contains(&u), "ToUnicode still maps {c}: {text}");
        }
        for c in &kept {
            let u = format!("<{:04X}>", *c as u32);
            assert!(text.contains(&u), "ToUnicode lost {c}");
        }
        // /W: only kept CIDs.
        let Object::Array(desc) = deref(&doc, fd.get(b"DescendantFonts").unwrap()) else {
            panic!()
        };
        let Object::Dictionary(cf) = deref(&doc, &desc[0]) else {
            panic!()
        };
        let Object::Array(w) = deref(&doc, cf.get(b"W").unwrap()) else {
            panic!()
        };
        let mut w_cids = Vec::new();
        let mut i = 0;
        while i < w.len() {
            let first = w[i].as_i64().unwrap();
            let Object::Array(list) = &w[i + 1] else {
                panic!("W uses arrays")
            };
            w_cids.extend((0..list.len() as i64).map(|k| first + k));
            i += 2;
        }
        for c in &gone {
            assert!(!w_cids.contains(&i64::from(font.cids[c])), "/W keeps {c}");
        }
        for c in &kept {
            assert!(w_cids.contains(&i64::from(font.cids[c])), "/W lost {c}");
        }
        // The program: removed glyphs have no outline, kept ones do; no cmap entry or
        // glyph name for the removed ones.
        let Object::Dictionary(fdesc) = deref(&doc, cf.get(b"FontDescriptor").unwrap()) else {
            panic!()
        };
        let ff = fdesc.get(b"FontFile2").unwrap().as_reference().unwrap();
        let prog = stream_data(&doc, ff);
        let face = ttf_parser::Face::parse(&prog, 0).expect("pruned program parses");
        struct Sink(usize);
        impl ttf_parser::OutlineBuilder for Sink {
            fn move_to(&mut self, _: f32, _: f32) {
                self.0 += 1
            }
            fn line_to(&mut self, _: f32, _: f32) {
                self.0 += 1
            }
            fn quad_to(&mut self, _: f32, _: f32, _: f32, _: f32) {
                self.0 += 1
            }
            fn curve_to(&mut self, _: f32, _: f32, _: f32, _: f32, _: f32, _: f32) {
                self.0 += 1
            }
            fn close(&mut self) {}
        }
        for c in &gone {
            let g = ttf_parser::GlyphId(font.cids[c]);
            assert!(
                face.outline_glyph(g, &mut Sink(0)).is_none(),
                "outline of {c} kept"
            );
            assert!(face.glyph_index(*c).is_none(), "cmap maps {c}");
            assert!(face.glyph_name(g).is_none(), "glyph name of {c} kept");
        }
        for c in &kept {
            let g = ttf_parser::GlyphId(font.cids[c]);
            assert!(
                face.outline_glyph(g, &mut Sink(0)).is_some(),
                "outline of {c} lost"
            );
        }
        // The original program held them all.
        let orig = ttf_parser::Face::parse(&font.data, 0).unwrap();
        assert!(
            orig.outline_glyph(ttf_parser::GlyphId(font.cids[&'山']), &mut Sink(0))
                .is_some()
        );
        assert!(prog.len() < font.data.len());
    }
    qpdf_check(&out);
    if let Some(t) = pdftotext(&out, &[]) {
        let t = squash(&t);
        assert!(
            !t.contains("山田太郎") && !t.contains('山') && !t.contains('郎'),
            "{t}"
        );
        for k in ["申請者：", "様", "田中花子様と同行", "連絡先"] {
            assert!(t.contains(k), "{k} lost: {t}");
        }
    }
    if let Some(pdffonts) = kiyome_core::corpus::peer_tool("pdffonts") {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("o.pdf");
        std::fs::write(&p, &out).unwrap();
        let listing = run(&pdffonts, &[p.to_str().unwrap()]);
        assert!(listing.contains("CID TrueType"), "{listing}");
        assert!(!listing.to_lowercase().contains("error"), "{listing}");
    }
}

#[test]
fn rendering_of_kept_glyphs_is_unchanged_by_pruning() {
    // pdftoppm of a page whose only text stays: identical before and after (the font lost
    // the glyphs of page 2 only, and page 1 shares the font).
    let Some(pdftoppm) = kiyome_core::corpus::peer_tool("pdftoppm") else {
        return;
    };
    let (input, _) = fixture();
    let plan = kiyome_redact::Plan {
        areas: vec![kiyome_redact::Area::parse("2:480,600,530,800").unwrap()],
        ..kiyome_redact::Plan::default()
    };
    let (out, _) = redact(&input, &plan);
    let dir = tempfile::tempdir().unwrap();
    let render = |data: &[u8], name: &str| {
        let p = dir.path().join(format!("{name}.pdf"));
        std::fs::write(&p, data).unwrap();
        let prefix = dir.path().join(name);
        run(
            &pdftoppm,
            &[
                "-r",
                "72",
                "-f",
                "1",
                "-l",
                "1",
                "-gray",
                p.to_str().unwrap(),
                prefix.to_str().unwrap(),
            ],
        );
        let f = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| {
                p.file_name()
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .starts_with(&format!("{name}-"))
            })
            .unwrap();
        std::fs::read(f).unwrap()
    };
    let a = render(&input, "in");
    let b = render(&out, "out");
    assert_eq!(a, b, "page 1 renders differently after pruning");
}

#[test]
fn a_font_written_inline_in_the_resources_is_pruned_too() {
    let font = CidFont::new(IPA_GOTHIC, "申請者山田太郎様");
    let mut doc = Document::with_version("1.7");
    let id = font.add(&mut doc, false);
    let Some(Object::Dictionary(inline)) = doc.objects.remove(&id) else {
        panic!()
    };
    let p = format!(
        "BT /F1 14 Tf 72 760 Td {} Tj ET\n",
        font.hex("申請者山田太郎様")
    );
    let res = dictionary! { "Font" => dictionary! { "F1" => Object::Dictionary(inline) } };
    let input = document(&mut doc, vec![(p.into_bytes(), res)]);
    let (out, _) = redact(&input, &terms(&[NAME]));
    let doc = Document::load_mem(&out).unwrap();
    let tu = doc
        .objects
        .values()
        .find_map(|o| match o {
            Object::Dictionary(d) if d.has(b"ToUnicode") => {
                d.get(b"ToUnicode").unwrap().as_reference().ok()
            }
            _ => None,
        })
        .unwrap();
    let text = String::from_utf8_lossy(&stream_data(&doc, tu)).to_uppercase();
    assert!(
        !text.contains("<5C71>") && text.contains("<7533>"),
        "{text}"
    );
}
