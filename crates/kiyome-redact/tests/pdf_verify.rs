//! The PDF leak check, one generated document per check: each holds exactly one kind of
//! leak (and a clean twin holds none), and each assertion names the check that must find
//! it (its location), so the test fails when that check is removed.

use kiyome_core::{Budget, Ctx, Kind, Limits, NoNesting};
use kiyome_pdf::rewrite::lopdf::{self, Dictionary, Object, Stream, dictionary};
use kiyome_redact::{LeakReport, Plan};

const NAME: &str = "山田太郎";

/// A one-page document builder (MediaBox 300 × 200): fonts F1 (Identity-H, ToUnicode for
/// 山 田 太 郎 様 and a space), F2 (Helvetica, WinAnsi) and whatever a test adds.
struct Doc {
    doc: lopdf::Document,
    resources: Dictionary,
    annots: Vec<Object>,
}

fn to_unicode(pairs: &[(u16, &str)]) -> Vec<u8> {
    let mut s = String::from(
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n\
         1 begincodespacerange <0000> <FFFF> endcodespacerange\n",
    );
    s.push_str(&format!("{} beginbfchar\n", pairs.len()));
    for (code, text) in pairs {
        let hex: String = text.encode_utf16().map(|u| format!("{u:04X}")).collect();
        s.push_str(&format!("<{code:04X}> <{hex}>\n"));
    }
    s.push_str("endbfchar endcmap CMapName currentdict /CMap defineresource pop end end\n");
    s.into_bytes()
}

impl Doc {
    fn new() -> Doc {
        let mut doc = lopdf::Document::with_version("1.7");
        let tu = doc.add_object(Stream::new(
            Dictionary::new(),
            to_unicode(&[
                (0x12, "山"),
                (0x13, "田"),
                (0x14, "太"),
                (0x15, "郎"),
                (0x16, "様"),
                (0x03, " "),
            ]),
        ));
        let cid = doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "CIDFontType2", "BaseFont" => "Kiyome-Test",
            "CIDSystemInfo" => dictionary! { "Registry" => Object::string_literal("Adobe"),
                "Ordering" => Object::string_literal("Identity"), "Supplement" => 0 },
            "DW" => 1000,
        });
        let f1 = doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "Type0", "BaseFont" => "Kiyome-Test",
            "Encoding" => "Identity-H", "DescendantFonts" => vec![cid.into()], "ToUnicode" => tu,
        });
        let f2 = doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
            "Encoding" => "WinAnsiEncoding",
        });
        let resources = dictionary! { "Font" => dictionary! { "F1" => f1, "F2" => f2 } };
        Doc {
            doc,
            resources,
            annots: Vec::new(),
        }
    }

    fn font(&mut self, name: &str, font: Dictionary) {
        let id = self.doc.add_object(font);
        if let Ok(Object::Dictionary(f)) = self.resources.get_mut(b"Font") {
            f.set(name, id);
        }
    }

    fn resource(&mut self, cat: &str, name: &str, obj: Object) {
        let id = self.doc.add_object(obj);
        if !self.resources.has(cat.as_bytes()) {
            self.resources.set(cat, Dictionary::new());
        }
        if let Ok(Object::Dictionary(d)) = self.resources.get_mut(cat.as_bytes()) {
            d.set(name, id);
        }
    }

    fn build(mut self, content: &[u8]) -> Vec<u8> {
        let pages_id = self.doc.new_object_id();
        let content_id = self
            .doc
            .add_object(Stream::new(Dictionary::new(), content.to_vec()));
        let mut page = dictionary! {
            "Type" => "Page", "Parent" => pages_id, "MediaBox" => vec![0.into(), 0.into(), 300.into(), 200.into()],
            "Contents" => content_id, "Resources" => self.resources.clone(),
        };
        if !self.annots.is_empty() {
            page.set("Annots", self.annots.clone());
        }
        let page_id = self.doc.add_object(page);
        self.doc.objects.insert(
            pages_id,
            Object::Dictionary(
                dictionary! { "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1 },
            ),
        );
        let catalog = self
            .doc
            .add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        self.doc.trailer.set("Root", catalog);
        let mut out = Vec::new();
        self.doc.save_to(&mut out).expect("save");
        out
    }
}

fn verify(data: &[u8], terms: &[&str]) -> LeakReport {
    let plan = Plan {
        terms: terms.iter().map(|t| t.to_string()).collect(),
        ..Plan::default()
    };
    let budget = Budget::new(&Limits::default());
    let ctx = Ctx::new(&budget, &NoNesting);
    kiyome_redact::verify(data, Kind::Pdf, &plan, &ctx).expect("verify")
}

/// Whether a leak with `code` has a location containing `at`.
fn has(r: &LeakReport, code: &str, at: &str) -> bool {
    r.leaks
        .iter()
        .any(|l| l.code == code && l.location.contains(at))
}

fn show(hex: &str) -> Vec<u8> {
    format!("BT /F1 20 Tf 1 0 0 1 40 100 Tm <{hex}> Tj ET\n").into_bytes()
}

#[test]
fn clean_document_has_no_leak() {
    // A black background drawn before the text, a name that is not the term.
    let pdf = Doc::new().build(b"0 g 30 90 200 40 re f 1 g BT /F1 20 Tf 40 100 Td <0016> Tj ET");
    let r = verify(&pdf, &[NAME, "Secret"]);
    assert!(r.is_clean(), "{:#?}", r.leaks);
}

#[test]
fn hex_identity_h_text_is_decoded_through_the_font_and_as_glyph_codes() {
    let pdf = Doc::new().build(&show("0012001300140015"));
    let r = verify(&pdf, &[NAME]);
    assert!(
        has(&r, "verify.text", "page 1 (text through fonts)"),
        "{:#?}",
        r.leaks
    );
    assert!(
        has(&r, "verify.bytes", "glyph codes of font /F1"),
        "{:#?}",
        r.leaks
    );
    assert!(verify(&Doc::new().build(&show("00120016")), &[NAME]).is_clean());
}

#[test]
fn a_name_split_over_tj_pieces_and_text_objects_on_one_line_is_found() {
    let pdf = Doc::new().build(
        b"BT /F1 20 Tf 40 100 Td [<0012> 120 <0013>] TJ ET BT /F1 20 Tf 1 0 0 1 80 100 Tm <00140015> Tj ET",
    );
    let r = verify(&pdf, &[NAME]);
    assert!(
        has(&r, "verify.text", "page 1 (text through fonts)"),
        "{:#?}",
        r.leaks
    );
    // The same pieces on two lines far apart are not one name.
    let pdf = Doc::new().build(
        b"BT /F1 20 Tf 40 150 Td <00120013> Tj ET BT /F1 20 Tf 1 0 0 1 40 20 Tm <0016> Tj ET BT /F1 20 Tf 1 0 0 1 200 80 Tm <00140015> Tj ET",
    );
    let r = verify(&pdf, &[NAME]);
    assert!(
        !has(&r, "verify.text", "text through fonts"),
        "{:#?}",
        r.leaks
    );
}

#[test]
fn a_term_wrapped_onto_the_next_line_is_found() {
    let pdf =
        Doc::new().build(b"BT /F1 20 Tf 40 150 Td <00160012> Tj 0 -24 Td <001300140015> Tj ET");
    let r = verify(&pdf, &[NAME]);
    assert!(has(&r, "verify.text", "wrapped"), "{:#?}", r.leaks);
}

#[test]
fn a_word_hyphenated_at_the_line_end_is_found() {
    let pdf =
        Doc::new().build(b"BT /F2 12 Tf 40 150 Td (an in-) Tj 0 -14 Td (terpreter runs) Tj ET");
    let r = verify(&pdf, &["interpreter"]);
    assert!(has(&r, "verify.text", "hyphenated"), "{:#?}", r.leaks);
    let pdf = Doc::new().build(b"BT /F2 12 Tf 40 150 Td (an in) Tj 0 -14 Td (other line) Tj ET");
    assert!(verify(&pdf, &["interpreter"]).is_clean());
}

#[test]
fn actual_text_in_an_inline_property_list_is_read_as_utf16() {
    let hex: String = NAME.encode_utf16().map(|u| format!("{u:04X}")).collect();
    let content =
        format!("/Span <</ActualText <FEFF{hex}>>> BDC BT /F1 20 Tf 40 100 Td <0016> Tj ET EMC");
    let r = verify(&Doc::new().build(content.as_bytes()), &[NAME]);
    assert!(has(&r, "verify.text", "page 1 (string)"), "{:#?}", r.leaks);
    let clean = "/Span <</ActualText <FEFF69D8>>> BDC BT /F1 20 Tf 40 100 Td <0016> Tj ET EMC";
    assert!(verify(&Doc::new().build(clean.as_bytes()), &[NAME]).is_clean());
}

#[test]
fn alt_text_of_a_properties_resource_is_read_as_pdfdocencoding() {
    // 0x93 is the fi ligature in PDFDocEncoding: "\x93nance plan" reads "ﬁnance plan".
    let mut d = Doc::new();
    d.resource(
        "Properties",
        "MC0",
        Object::Dictionary(dictionary! {
            "Alt" => Object::String(b"\x93nance plan".to_vec(), lopdf::StringFormat::Hexadecimal),
        }),
    );
    let pdf = d.build(b"/Figure /MC0 BDC 0 g 10 10 5 5 re f EMC");
    let r = verify(&pdf, &["finance plan"]);
    assert!(
        has(&r, "verify.text", "page 1 /Properties"),
        "{:#?}",
        r.leaks
    );
    assert!(verify(&pdf, &["budget plan"]).is_clean());
}

#[test]
fn glyph_codes_find_text_hidden_from_extraction_by_a_false_tounicode() {
    // Codes 1..5 draw S e c r t (Differences) but ToUnicode says "x": extractors (hayro,
    // the font decoding) read "xxxxxx", the page shows "Secret".
    let mut d = Doc::new();
    let tu = d.doc.add_object(Stream::new(
        Dictionary::new(),
        to_unicode(&[(1, "x"), (2, "x"), (3, "x"), (4, "x"), (5, "x")]),
    ));
    // A one-byte codespace for this font's ToUnicode.
    if let Ok(Object::Stream(s)) = d.doc.get_object_mut(tu) {
        let text = String::from_utf8_lossy(&s.content)
            .replace("<0000> <FFFF>", "<00> <FF>")
            .replace("<000", "<0");
        s.set_content(text.into_bytes());
    }
    let diffs: Vec<Object> = vec![
        1.into(),
        "S".into(),
        "e".into(),
        "c".into(),
        "r".into(),
        "t".into(),
    ];
    d.font(
        "F3",
        dictionary! {
            "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
            "Encoding" => dictionary! { "Type" => "Encoding", "Differences" => diffs },
            "ToUnicode" => tu,
        },
    );
    let pdf = d.build(b"BT /F3 20 Tf 40 100 Td <010203040205> Tj ET");
    let r = verify(&pdf, &["Secret"]);
    assert!(
        has(&r, "verify.bytes", "glyph codes of font /F3"),
        "{:#?}",
        r.leaks
    );
    assert!(
        !has(&r, "verify.text", ""),
        "the extractors read no text: {:#?}",
        r.leaks
    );
    assert!(verify(&pdf, &["Sector"]).is_clean());
}

#[test]
fn two_byte_codes_are_matched_only_on_code_boundaries() {
    // Codes 0100 1200 1300: the bytes hold 00 12 00 13 (山田) at an odd offset only.
    let mut d = Doc::new();
    let tu = d.doc.add_object(Stream::new(
        Dictionary::new(),
        to_unicode(&[
            (0x0100, "a"),
            (0x1200, "b"),
            (0x1300, "c"),
            (0x12, "山"),
            (0x13, "田"),
        ]),
    ));
    let cid = d.doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "CIDFontType2", "BaseFont" => "T2", "DW" => 1000,
    });
    d.font(
        "F4",
        dictionary! {
            "Type" => "Font", "Subtype" => "Type0", "BaseFont" => "T2", "Encoding" => "Identity-H",
            "DescendantFonts" => vec![cid.into()], "ToUnicode" => tu,
        },
    );
    let pdf = d.build(b"BT /F4 20 Tf 40 100 Td <010012001300> Tj ET");
    let r = verify(&pdf, &["山田"]);
    assert!(r.is_clean(), "{:#?}", r.leaks);
}

#[test]
fn text_under_a_box_drawn_later_is_covered_content() {
    let content = b"BT /F1 20 Tf 1 0 0 1 40 100 Tm <00120013> Tj ET 0 g 35 90 60 35 re f";
    let r = verify(&Doc::new().build(content), &[]);
    assert!(
        has(&r, "verify.covered_content", "page 1 at"),
        "{:#?}",
        r.leaks
    );
    let detail = &r.leaks[0].detail;
    assert!(detail.contains("2 glyphs"), "{detail}");
    // The same box drawn first (a background), or beside the text, or over a space only.
    for ok in [
        &b"0 g 35 90 60 35 re f 1 g BT /F1 20 Tf 1 0 0 1 40 100 Tm <00120013> Tj ET"[..],
        b"BT /F1 20 Tf 1 0 0 1 40 100 Tm <00120013> Tj ET 0 g 90 90 60 35 re f",
        b"BT /F1 20 Tf 1 0 0 1 40 100 Tm <00120003> Tj ET 0 g 62 90 18 35 re f",
        // Half-transparent: not opaque.
        b"BT /F1 20 Tf 1 0 0 1 40 100 Tm <00120013> Tj ET /GS1 gs 0 g 35 90 60 35 re f",
    ] {
        let mut d = Doc::new();
        d.resource(
            "ExtGState",
            "GS1",
            Object::Dictionary(dictionary! { "ca" => 0.5 }),
        );
        let r = verify(&d.build(ok), &[]);
        assert!(
            r.is_clean(),
            "{}: {:#?}",
            String::from_utf8_lossy(ok),
            r.leaks
        );
    }
    // A box as four lines (m l l l h) counts like re; inside a form too.
    let r = verify(
        &Doc::new().build(b"BT /F1 20 Tf 1 0 0 1 40 100 Tm <0012> Tj ET 0 0 0 rg 35 90 m 70 90 l 70 125 l 35 125 l h f"),
        &[],
    );
    assert!(
        has(&r, "verify.covered_content", "page 1"),
        "{:#?}",
        r.leaks
    );
}

fn image_doc(pixels: &[u8]) -> Doc {
    let mut d = Doc::new();
    let img = Stream::new(
        dictionary! {
            "Type" => "XObject", "Subtype" => "Image", "Width" => 4, "Height" => 4,
            "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8,
        },
        pixels.to_vec(),
    );
    d.resource("XObject", "Im1", Object::Stream(img));
    d
}

#[test]
fn image_pixels_under_a_box_must_be_one_colour() {
    // The image fills 50..150 × 50..150; the box covers its top-left quarter (2 × 2 pixels).
    let content = b"q 100 0 0 100 50 50 cm /Im1 Do Q 0 g 50 100 50 50 re f";
    let mut px = vec![0u8; 16];
    for (i, p) in px.iter_mut().enumerate() {
        *p = if i % 4 < 2 && i / 4 < 2 {
            0
        } else {
            (i * 13) as u8
        };
    }
    let r = verify(&image_doc(&px).build(content), &[]);
    assert!(
        r.is_clean(),
        "overwritten pixels hide nothing: {:#?}",
        r.leaks
    );
    px[5] = 200; // row 1, column 1: under the box
    let r = verify(&image_doc(&px).build(content), &[]);
    assert!(
        has(&r, "verify.covered_content", "page 1"),
        "{:#?}",
        r.leaks
    );
    assert!(r.leaks[0].detail.contains("image pixels"), "{:#?}", r.leaks);
    // The image drawn after the box is not under it.
    let r = verify(
        &image_doc(&px).build(b"0 g 50 100 50 50 re f q 100 0 0 100 50 50 cm /Im1 Do Q"),
        &[],
    );
    assert!(r.is_clean(), "{:#?}", r.leaks);
}

#[test]
fn text_in_forms_and_annotation_appearances_is_read() {
    let mut d = Doc::new();
    let form_res = d.resources.clone();
    let form = Stream::new(
        dictionary! { "Type" => "XObject", "Subtype" => "Form",
        "BBox" => vec![0.into(), 0.into(), 300.into(), 200.into()], "Resources" => form_res.clone() },
        show("00120013").to_vec(),
    );
    d.resource("XObject", "Fm1", Object::Stream(form));
    let ap = d.doc.add_object(Stream::new(
        dictionary! { "Type" => "XObject", "Subtype" => "Form",
        "BBox" => vec![0.into(), 0.into(), 100.into(), 30.into()], "Resources" => form_res },
        b"BT /F1 20 Tf 0 5 Td <00140015> Tj ET".to_vec(),
    ));
    let annot = d.doc.add_object(dictionary! {
        "Type" => "Annot", "Subtype" => "Link",
        "Rect" => vec![10.into(), 10.into(), 110.into(), 40.into()],
        "AP" => dictionary! { "N" => ap },
    });
    d.annots.push(annot.into());
    let pdf = d.build(b"q /Fm1 Do Q");
    let r = verify(&pdf, &["山田", "太郎"]);
    assert!(has(&r, "verify.text", "form obj"), "{:#?}", r.leaks);
    assert!(has(&r, "verify.text", "annotation 1 /N"), "{:#?}", r.leaks);
}

#[test]
fn a_stream_outside_the_loaded_objects_is_scanned_raw() {
    let mut pdf = Doc::new().build(&show("0016"));
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut z, format!("(old text: {NAME})").as_bytes()).unwrap();
    let body = z.finish().unwrap();
    pdf.extend(
        format!(
            "\n99 0 obj\n<</Length {} /Filter /FlateDecode>>\nstream\n",
            body.len()
        )
        .as_bytes(),
    );
    pdf.extend(&body);
    pdf.extend(b"\nendstream\nendobj\n");
    let r = verify(&pdf, &[NAME]);
    assert!(
        has(&r, "verify.bytes", "raw stream at byte"),
        "{:#?}",
        r.leaks
    );
    assert!(verify(&pdf, &["佐藤"]).is_clean());
}
