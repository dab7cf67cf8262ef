//! Redaction through every font kind the interpreter reads — Type3, simple fonts with
//! /Differences, predefined Japanese CMaps (90ms-RKSJ-H, UniJIS-UCS2-H) — and through the
//! structures a page draws from: a Form XObject shared by two pages, hidden optional
//! content, thumbnails; PII detectors and patterns end to end; `--mask-length` by word and
//! by line; and the refusal when the output fails verification.

mod pdfgen;

use kiyome_pdf::rewrite::lopdf::{Dictionary, Document, Object, dictionary};
use kiyome_redact::pii::Detector;
use kiyome_redact::{Area, Plan};
use pdfgen::*;

fn shown_bytes(data: &[u8], page: u32) -> Vec<u8> {
    let mut v = Vec::new();
    for op in page_ops(data, page) {
        for o in &op.operands {
            match o {
                Object::String(b, _) => v.extend(b.clone()),
                Object::Array(a) => {
                    for x in a {
                        if let Object::String(b, _) = x {
                            v.extend(b.clone());
                        }
                    }
                }
                _ => {}
            }
        }
    }
    v
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn type3(doc: &mut Document) -> kiyome_pdf::rewrite::lopdf::ObjectId {
    let proc_ = |doc: &mut Document, body: &str| {
        doc.add_object(compressed(Dictionary::new(), body.as_bytes().to_vec()))
    };
    let a = proc_(doc, "1000 0 0 0 800 800 d1 0 0 800 800 re f");
    let b = proc_(doc, "1000 0 0 0 800 800 d1 0 0 m 800 0 l 400 800 l f");
    let c = proc_(doc, "1000 0 0 0 800 800 d1 400 400 m 800 400 l 400 800 l f");
    let tu = doc.add_object(compressed(
        Dictionary::new(),
        b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n1 begincodespacerange <00> <FF> endcodespacerange\n3 beginbfchar <41> <7533> <42> <7530> <43> <69D8> endbfchar\nendcmap CMapName currentdict /CMap defineresource pop end end".to_vec(),
    ));
    doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type3",
        "FontBBox" => vec![0.into(), 0.into(), 800.into(), 800.into()],
        "FontMatrix" => vec![0.001.into(), 0.into(), 0.into(), 0.001.into(), 0.into(), 0.into()],
        "CharProcs" => dictionary! { "sq" => a, "tri" => b, "wedge" => c },
        "Encoding" => dictionary! { "Type" => "Encoding", "Differences" => vec![65.into(), "sq".into(), "tri".into(), "wedge".into()] },
        "FirstChar" => 65, "LastChar" => 67, "Widths" => vec![1000.into(), 1000.into(), 1000.into()],
        "Resources" => dictionary! {}, "ToUnicode" => tu,
    })
}

#[test]
fn type3_glyphs_and_their_procedures_go() {
    let mut doc = Document::with_version("1.7");
    let f = type3(&mut doc);
    let input = document(
        &mut doc,
        vec![(
            b"BT /T3 20 Tf 100 700 Td (ABCA) Tj ET".to_vec(),
            dictionary! { "Font" => dictionary! { "T3" => f } },
        )],
    );
    // A = 申, B = 田, C = 様 (ToUnicode): "申田様申" loses 田様.
    let (out, _) = redact(&input, &terms(&["田様"]));
    let shown = shown_bytes(&out, 1);
    assert_eq!(shown, b"AA", "{}", String::from_utf8_lossy(&shown));
    let doc = Document::load_mem(&out).unwrap();
    let font = doc.objects.values().find_map(|o| match o {
        Object::Dictionary(d) if matches!(d.get(b"Subtype"), Ok(Object::Name(n)) if n == b"Type3") => Some(d.clone()),
        _ => None,
    }).unwrap();
    let Object::Dictionary(cp) = deref(&doc, font.get(b"CharProcs").unwrap()) else {
        panic!()
    };
    assert!(
        !cp.has(b"tri") && !cp.has(b"wedge"),
        "procedures of removed glyphs stay"
    );
    assert!(cp.has(b"sq"));
    let Object::Array(w) = deref(&doc, font.get(b"Widths").unwrap()) else {
        panic!()
    };
    assert_eq!(
        w.iter().map(|o| o.as_i64().unwrap()).collect::<Vec<_>>(),
        vec![1000, 0, 0]
    );
    qpdf_check(&out);
    if let Some(t) = pdftotext(&out, &[]) {
        assert!(
            !t.contains('田') && !t.contains('様') && t.contains('申'),
            "{t}"
        );
    }
}

#[test]
fn simple_font_with_differences_is_matched_and_pruned() {
    let mut doc = Document::with_version("1.7");
    // Codes 1..4 draw T a r o through /Differences; the rest is WinAnsi.
    let f = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
        "Encoding" => dictionary! { "Type" => "Encoding", "BaseEncoding" => "WinAnsiEncoding",
            "Differences" => vec![1.into(), "T".into(), "a".into(), "r".into(), "o".into(), 5.into(), "Y".into()] },
        "FirstChar" => 1, "LastChar" => 126,
        "Widths" => (1..=126).map(|c| Object::Integer(if c < 32 { 600 } else { helv_width(c as u8) })).collect::<Vec<_>>(),
    });
    let input = document(
        &mut doc,
        vec![(
            b"BT /F1 12 Tf 72 700 Td (Name: \x01\x02\x03\x04 \x05amada) Tj ET".to_vec(),
            dictionary! { "Font" => dictionary! { "F1" => f } },
        )],
    );
    let (out, r) = redact(&input, &terms(&["Taro"]));
    assert_eq!(r.report.term_hits[0], 1);
    let shown = shown_bytes(&out, 1);
    assert!(
        !contains(&shown, b"\x01") && !contains(&shown, b"\x04"),
        "{shown:?}"
    );
    assert!(contains(&shown, b"\x05amada") && contains(&shown, b"Name:"));
    let doc = Document::load_mem(&out).unwrap();
    let font = doc
        .objects
        .values()
        .find_map(|o| match o {
            Object::Dictionary(d) if d.has(b"Widths") => Some(d.clone()),
            _ => None,
        })
        .unwrap();
    let Object::Dictionary(enc) = deref(&doc, font.get(b"Encoding").unwrap()) else {
        panic!()
    };
    let Object::Array(diff) = deref(&doc, enc.get(b"Differences").unwrap()) else {
        panic!()
    };
    let names: Vec<&[u8]> = diff.iter().filter_map(|o| o.as_name().ok()).collect();
    assert_eq!(
        names,
        vec![b"Y".as_slice()],
        "only the kept code's name stays"
    );
    if let Some(t) = pdftotext(&out, &[]) {
        assert!(!t.contains("Taro") && t.contains("Yamada"), "{t}");
    }
}

/// A non-embedded Adobe-Japan1 font with a predefined CMap.
fn predefined(doc: &mut Document, cmap: &str) -> kiyome_pdf::rewrite::lopdf::ObjectId {
    let desc = doc.add_object(dictionary! {
        "Type" => "FontDescriptor", "FontName" => "MS-Mincho", "Flags" => 6,
        "FontBBox" => vec![0.into(), (-141).into(), 1000.into(), 859.into()],
        "ItalicAngle" => 0, "Ascent" => 859, "Descent" => -141, "CapHeight" => 700, "StemV" => 80,
    });
    let cid = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "CIDFontType0", "BaseFont" => "MS-Mincho",
        "CIDSystemInfo" => dictionary! { "Registry" => Object::string_literal("Adobe"),
            "Ordering" => Object::string_literal("Japan1"), "Supplement" => 2 },
        "FontDescriptor" => desc, "DW" => 1000,
    });
    doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type0", "BaseFont" => "MS-Mincho",
        "Encoding" => cmap, "DescendantFonts" => vec![cid.into()],
    })
}

#[test]
fn predefined_japanese_cmaps_are_decoded_and_redacted() {
    let text = "申請者山田太郎様";
    let sjis = encoding_rs::SHIFT_JIS.encode(text).0.into_owned();
    let ucs2: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let hex = |b: &[u8]| {
        format!(
            "<{}>",
            b.iter().map(|x| format!("{x:02X}")).collect::<String>()
        )
    };
    let mut doc = Document::with_version("1.7");
    let f1 = predefined(&mut doc, "90ms-RKSJ-H");
    let f2 = predefined(&mut doc, "UniJIS-UCS2-H");
    let content = format!(
        "BT /F1 12 Tf 72 700 Td {} Tj ET BT /F2 12 Tf 72 650 Td {} Tj ET",
        hex(&sjis),
        hex(&ucs2)
    );
    let input = document(
        &mut doc,
        vec![(
            content.into_bytes(),
            dictionary! { "Font" => dictionary! { "F1" => f1, "F2" => f2 } },
        )],
    );
    let (out, r) = redact(&input, &terms(&["山田太郎"]));
    assert_eq!(r.report.term_hits[0], 2, "both lines");
    let shown = shown_bytes(&out, 1);
    let name_sjis = encoding_rs::SHIFT_JIS.encode("山田太郎").0.into_owned();
    let name_ucs2: Vec<u8> = "山田太郎"
        .encode_utf16()
        .flat_map(u16::to_be_bytes)
        .collect();
    assert!(!contains(&shown, &name_sjis) && !contains(&shown, &name_ucs2));
    for keep in ["申請者", "様"] {
        assert!(contains(&shown, &encoding_rs::SHIFT_JIS.encode(keep).0));
        assert!(contains(
            &shown,
            &keep
                .encode_utf16()
                .flat_map(u16::to_be_bytes)
                .collect::<Vec<u8>>()
        ));
    }
    // The neighbours of the name are whole: 者 and 様 each still one complete code.
    assert!(contains(&shown, &encoding_rs::SHIFT_JIS.encode("申請者").0));
}

#[test]
fn a_form_shared_by_two_pages_is_redacted_once_for_both() {
    let font = CidFont::new(IPA_GOTHIC, "共通欄：山田太郎印個別");
    let mut doc = Document::with_version("1.7");
    let f = font.add(&mut doc, false);
    let form = doc.add_object(compressed(
        dictionary! { "Type" => "XObject", "Subtype" => "Form",
        "BBox" => vec![0.into(), 0.into(), 300.into(), 30.into()],
        "Resources" => dictionary! { "Font" => dictionary! { "F1" => f } } },
        format!(
            "BT /F1 12 Tf 0 10 Td {} Tj ET",
            font.hex("共通欄：山田太郎印")
        )
        .into_bytes(),
    ));
    let res = || dictionary! { "XObject" => dictionary! { "Fm" => form }, "Font" => dictionary! { "F1" => f } };
    let p1 = format!(
        "q 1 0 0 1 72 700 cm /Fm Do Q BT /F1 12 Tf 72 600 Td {} Tj ET",
        font.hex("個別")
    );
    let p2 = "q 1 0 0 1 150 300 cm /Fm Do Q".to_string();
    let input = document(
        &mut doc,
        vec![(p1.into_bytes(), res()), (p2.into_bytes(), res())],
    );
    let (out, r) = redact(&input, &terms(&["山田太郎"]));
    assert!(
        r.report
            .parts
            .iter()
            .any(|p| p.part == "page 2" && p.hits > 0),
        "{:#?}",
        r.report.parts
    );
    if let Some(t1) = pdftotext(&out, &["-f", "1", "-l", "1"]) {
        let t2 = pdftotext(&out, &["-f", "2", "-l", "2"]).unwrap();
        for t in [&t1, &t2] {
            let t = squash(t);
            assert!(
                !t.contains("山田太郎") && t.contains("共通欄：") && t.contains('印'),
                "{t}"
            );
        }
        assert!(squash(&t1).contains("個別"));
    }
    // One form object, drawn by both pages.
    let doc = Document::load_mem(&out).unwrap();
    let forms = doc.objects.values().filter(|o| matches!(o, Object::Stream(s) if matches!(s.dict.get(b"Subtype"), Ok(Object::Name(n)) if n == b"Form"))).count();
    assert_eq!(forms, 1);
    // Each page got its box over the name.
    for p in [1, 2] {
        assert!(
            page_ops(&out, p).iter().any(|o| o.operator == "re"),
            "page {p} has no box"
        );
    }
}

#[test]
fn hidden_layers_and_thumbnails_are_removed() {
    let font = CidFont::new(IPA_GOTHIC, "表示非表示の注記");
    let mut doc = Document::with_version("1.7");
    let f = font.add(&mut doc, false);
    let ocg =
        doc.add_object(dictionary! { "Type" => "OCG", "Name" => Object::string_literal("memo") });
    let thumb = doc.add_object(compressed(
        dictionary! { "Width" => 2, "Height" => 2, "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8 },
        b"THMB".to_vec(),
    ));
    let content = format!(
        "BT /F1 12 Tf 72 700 Td {} Tj ET /OC /oc1 BDC BT /F1 12 Tf 72 650 Td {} Tj ET EMC",
        font.hex("表示"),
        font.hex("非表示の注記")
    );
    let res = dictionary! { "Font" => dictionary! { "F1" => f }, "Properties" => dictionary! { "oc1" => ocg } };
    let input = document(&mut doc, vec![(content.into_bytes(), res)]);
    // Hide the layer by default and give the page a thumbnail.
    let mut doc = Document::load_mem(&input).unwrap();
    let root = doc.trailer.get(b"Root").unwrap().as_reference().unwrap();
    if let Some(Object::Dictionary(c)) = doc.objects.get_mut(&root) {
        c.set("OCProperties", dictionary! { "OCGs" => vec![ocg.into()], "D" => dictionary! { "OFF" => vec![ocg.into()] } });
    }
    let pid = doc.get_pages()[&1];
    if let Some(Object::Dictionary(p)) = doc.objects.get_mut(&pid) {
        p.set("Thumb", thumb);
    }
    let input = save(&mut doc);
    let budget = kiyome_core::Budget::new(&kiyome_core::Limits::default());
    let ctx = kiyome_core::Ctx::new(&budget, &kiyome_core::NoNesting);
    let r = kiyome_redact::scrub(&input, kiyome_core::Kind::Pdf, &ctx).unwrap();
    let out = r.output.as_ref().expect("scrub verifies").data.clone();
    let codes: Vec<&str> = r.report.removed.iter().map(|f| f.code.as_str()).collect();
    assert!(
        codes.contains(&"scrub.hidden_layer") && codes.contains(&"scrub.thumbnail"),
        "{codes:?}"
    );
    let shown = shown_bytes(&out, 1);
    let hidden = font.hex("非表示");
    let hidden: Vec<u8> = (0..(hidden.len() - 2) / 2)
        .map(|i| u8::from_str_radix(&hidden[1 + i * 2..3 + i * 2], 16).unwrap())
        .collect();
    assert!(!contains(&shown, &hidden), "hidden text kept");
    assert!(
        !contains(&out, b"THMB")
            && !Document::load_mem(&out)
                .unwrap()
                .objects
                .values()
                .any(|o| matches!(o, Object::Dictionary(d) if d.has(b"Thumb")))
    );
    if let Some(t) = pdftotext(&out, &[]) {
        assert!(squash(&t).contains("表示") && !t.contains("注記"), "{t}");
    }
}

#[test]
fn patterns_and_detectors_end_to_end() {
    let font = CidFont::new(IPA_GOTHIC, "住所〒１００－８９１４東京都");
    let mut doc = Document::with_version("1.7");
    let f1 = font.add(&mut doc, false);
    let f2 = helvetica(&mut doc);
    let content = format!(
        "BT /F2 11 Tf 72 700 Td (Corporate number 7000012050002 filed) Tj ET\n\
         BT /F2 11 Tf 72 680 Td (Card 4111 1111 1111 1111 expires) Tj ET\n\
         BT /F2 11 Tf 72 660 Td (Case ID-4821 opened) Tj ET\n\
         BT /F1 11 Tf 72 640 Td {} Tj ET\n\
         BT /F2 11 Tf 72 620 Td (Not a card 4111 1111 1111 1112 and not a number 7000012050003) Tj ET\n",
        font.hex("住所〒１００－８９１４東京都")
    );
    let input = document(
        &mut doc,
        vec![(
            content.into_bytes(),
            dictionary! { "Font" => dictionary! { "F1" => f1, "F2" => f2 } },
        )],
    );
    let plan = Plan {
        regexes: vec![r"ID-[0-9]{4}".into()],
        pii: vec![
            Detector::JpCorporateNumber,
            Detector::JpPostalCode,
            Detector::CreditCard,
        ],
        ..Plan::default()
    };
    let (out, r) = redact(&input, &plan);
    for c in [
        "jp-corporate-number",
        "jp-postal-code",
        "credit-card",
        "regex",
    ] {
        assert_eq!(
            r.report.categories.get(c).copied().unwrap_or(0),
            1,
            "{c}: {:?}",
            r.report.categories
        );
    }
    if let Some(t) = pdftotext(&out, &[]) {
        let s = squash(&t);
        for gone in [
            "7000012050002",
            "4111111111111111",
            "ID-4821",
            "１００－８９１４",
        ] {
            assert!(!s.contains(gone), "{gone} in {t}");
        }
        for keep in [
            "Corporatenumber",
            "filed",
            "Card",
            "expires",
            "Case",
            "opened",
            "住所",
            "東京都",
            "4111111111111112",
            "7000012050003",
        ] {
            assert!(s.contains(keep), "{keep} lost: {t}");
        }
    }
}

#[test]
fn mask_length_widens_to_words_and_cjk_lines_and_areas() {
    let font = CidFont::new(IPA_GOTHIC, "申請者山田太郎様の件");
    let mut doc = Document::with_version("1.7");
    let f1 = font.add(&mut doc, false);
    let f2 = helvetica(&mut doc);
    let content = format!(
        "BT /F2 12 Tf 72 700 Td (Dear Mr Yamadasan, welcome) Tj ET\n\
         BT /F2 12 Tf 72 650 Td (keep this line, redact Secretword here) Tj ET\n\
         BT /F1 12 Tf 72 600 Td {} Tj ET\n",
        font.hex("申請者山田太郎様の件")
    );
    let input = document(
        &mut doc,
        vec![(
            content.into_bytes(),
            dictionary! { "Font" => dictionary! { "F1" => f1, "F2" => f2 } },
        )],
    );
    let mut plan = terms(&["Yamada", "山田"]);
    plan.mask_length = true;
    // An area that touches only the middle of "Secretword" removes the whole word.
    let x = 72.0
        + [b"keep this line, redact Sec".as_slice()]
            .iter()
            .map(|s| s.iter().map(|c| helv_width(*c) as f64).sum::<f64>())
            .sum::<f64>()
            * 12.0
            / 1000.0;
    plan.areas
        .push(Area::parse(&format!("1:{},648,{},660", x + 1.0, x + 3.0)).unwrap());
    let (out, _) = redact(&input, &plan);
    let t = pdftotext(&out, &[]).map(|t| squash(&t));
    let shown = shown_bytes(&out, 1);
    // Latin: the whole word around the match, not the rest of the line.
    assert!(!contains(&shown, b"Yamadasan,") && !contains(&shown, b"san"));
    assert!(
        contains(&shown, b"Dear Mr ") || contains(&shown, b"Mr"),
        "{}",
        String::from_utf8_lossy(&shown)
    );
    assert!(contains(&shown, b"welcome"));
    assert!(
        !contains(&shown, b"Secretword")
            && !contains(&shown, b"word")
            && !contains(&shown, b"Secret")
    );
    assert!(contains(&shown, b"redact") && contains(&shown, b"here"));
    // CJK: the whole line.
    let whole = font.hex("申請者");
    let whole: Vec<u8> = (0..(whole.len() - 2) / 2)
        .map(|i| u8::from_str_radix(&whole[1 + i * 2..3 + i * 2], 16).unwrap())
        .collect();
    assert!(!contains(&shown, &whole), "CJK line kept");
    if let Some(t) = t {
        assert!(
            t.contains("welcome")
                && t.contains("keepthisline")
                && !t.contains("申請者")
                && !t.contains("Secret"),
            "{t}"
        );
    }
}

#[test]
fn a_term_in_image_samples_makes_verification_fail_and_nothing_is_released() {
    // Redaction does not read image samples (it cannot OCR them); the verifier scans every
    // decompressed stream, so a term spelled in raw samples is caught: no output.
    let mut doc = Document::with_version("1.7");
    let f = helvetica(&mut doc);
    let samples = b"....KIYOME-SECRET-NAME....".repeat(4);
    let img = doc.add_object(compressed(
        dictionary! { "Type" => "XObject", "Subtype" => "Image", "Width" => samples.len() as i64, "Height" => 1,
            "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8 },
        samples,
    ));
    let input = document(
        &mut doc,
        vec![(
            b"BT /F1 12 Tf 72 700 Td (Hello) Tj ET q 100 0 0 1 72 600 cm /Im Do Q".to_vec(),
            dictionary! { "Font" => dictionary! { "F1" => f }, "XObject" => dictionary! { "Im" => img } },
        )],
    );
    let r = try_redact(&input, &terms(&["KIYOME-SECRET-NAME"])).unwrap();
    assert!(r.output.is_none(), "a leaking output was released");
    assert!(
        r.findings()
            .iter()
            .any(|f| f.code == "redact.verify_failed")
    );
    assert!(
        r.verification
            .leaks
            .iter()
            .any(|l| l.code == "verify.bytes"),
        "{:#?}",
        r.verification.leaks
    );
}
