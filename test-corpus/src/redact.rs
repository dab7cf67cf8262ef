//! Fixtures for redaction (黒塗り) and scrub: Japanese documents as a municipality publishes
//! them, with the names, My Numbers, phone numbers and addresses a redaction must remove, and
//! the hidden information a scrub must remove (properties, XMP, bookmarks, comments, an older
//! revision).
//!
//! The text is set in IPA Gothic (Debian `fonts-ipafont`), embedded as a subset CID font
//! (Identity-H for horizontal and Identity-V for vertical writing, 縦書き) with a ToUnicode
//! map, the way word processors export Japanese.

use crate::fixture::Fixture;
use lopdf::{Dictionary, Document, Object, Stream, StringFormat, dictionary};
use std::collections::BTreeMap;

const IPA_GOTHIC: &str = "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf";

/// Every redaction fixture.
pub fn fixtures() -> Vec<Fixture> {
    vec![Fixture {
        name: "redact_japanese_pii.pdf".into(),
        bytes: japanese_pii(),
        expect: vec![
            "pdf.metadata_info",
            "pdf.metadata_xmp",
            "pdf.outlines",
            "pdf.annotations",
            "pdf.incremental_update",
        ],
        dangerous: false,
        about: "Japanese application form (horizontal and vertical writing) with a name, My Number, phone, postal address, bookmarks, a comment, properties, XMP and an older revision",
        sanitize: "",
    }]
}

/// The lines of page 1 (horizontal). Line 5 is drawn in pieces (TJ pieces and two text
/// objects) by [`page1`].
pub const PAGE1: &[&str] = &[
    "申請者：山田太郎",
    "個人番号：1234 5678 9018",
    "電話：03-1234-5678",
    "住所：〒100-8914 東京都千代田区霞が関1-2-3",
    "",
    "個人番号（全角）：１２３４５６７８９０１８",
    "備考：本件は佐藤一郎が担当する。",
];

/// The columns of page 2 (vertical, right to left).
pub const PAGE2: &[&str] = &["申請者山田太郎様", "連絡先は山田花子", "山田太郎の隣の文字"];

struct Font {
    data: Vec<u8>,
    /// char → new glyph id (= CID).
    cids: BTreeMap<char, u16>,
    /// new glyph id → width (1000/em).
    widths: BTreeMap<u16, i64>,
}

fn build_font(text: &str) -> Font {
    let raw = std::fs::read(IPA_GOTHIC).unwrap_or_else(|e| {
        panic!("{IPA_GOTHIC}: {e} (install fonts-ipafont to regenerate the fixtures)")
    });
    let face = ttf_parser::Face::parse(&raw, 0).expect("IPA Gothic parses");
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
    let data = subsetter::subset(&raw, 0, &remapper).expect("subset IPA Gothic");
    Font { data, cids, widths }
}

fn hex(font: &Font, s: &str) -> Object {
    let mut b = Vec::new();
    for c in s.chars() {
        let cid = font.cids.get(&c).copied().unwrap_or(0);
        b.extend_from_slice(&cid.to_be_bytes());
    }
    Object::String(b, StringFormat::Hexadecimal)
}

fn utf16(s: &str) -> Object {
    let mut b = vec![0xFE, 0xFF];
    b.extend(s.encode_utf16().flat_map(u16::to_be_bytes));
    Object::String(b, StringFormat::Hexadecimal)
}

fn to_unicode(font: &Font) -> Vec<u8> {
    let mut s = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
         1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    let entries: Vec<(u16, char)> = font.cids.iter().map(|(c, g)| (*g, *c)).collect();
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
    s.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    s.into_bytes()
}

fn stream(dict: Dictionary, data: Vec<u8>) -> Object {
    let mut s = Stream::new(dict, data);
    let _ = s.compress();
    Object::Stream(s)
}

fn page1(font: &Font) -> Vec<u8> {
    let mut c = String::new();
    let mut y = 760.0;
    for (i, line) in PAGE1.iter().enumerate() {
        if i == 0 {
            // The name carries /ActualText too, as tagged exports write it.
            let (label, name) = line.split_at(line.find('山').unwrap_or(0));
            c.push_str(&format!(
                "BT /F1 14 Tf 72 {y} Td {} Tj /Span << /ActualText {} >> BDC {} Tj EMC ET\n",
                obj_str(&hex(font, label)),
                obj_str(&utf16(name)),
                obj_str(&hex(font, name)),
            ));
        } else if line.is_empty() {
            // A name split over TJ pieces, with kerning, and over two text objects.
            c.push_str(&format!(
                "BT /F1 14 Tf 72 {y} Td [{} -50 {} 20 {}] TJ ET\nBT /F1 14 Tf 170.42 {y} Td {} Tj ET\n",
                obj_str(&hex(font, "代理人：")),
                obj_str(&hex(font, "山田")),
                obj_str(&hex(font, "太")),
                obj_str(&hex(font, "郎　様（続柄：子）")),
            ));
        } else {
            c.push_str(&format!(
                "BT /F1 14 Tf 72 {y} Td {} Tj ET\n",
                obj_str(&hex(font, line))
            ));
        }
        y -= 28.0;
    }
    c.push_str(&format!(
        "BT /F3 11 Tf 72 {y} Td (Email: taro.yamada@city.example.lg.jp  Card: 4111 1111 1111 1111) Tj ET\n"
    ));
    // A drawn signature-like path and a table rule.
    c.push_str("0 0 1 RG 2 w 400 500 m 450 520 l 480 490 l S\n0 g 72 480 m 540 480 l S\n");
    c.into_bytes()
}

fn page2(font: &Font) -> Vec<u8> {
    let mut c = String::new();
    let mut x = 520.0;
    for col in PAGE2 {
        c.push_str(&format!(
            "BT /F2 16 Tf {x} 760 Td {} Tj ET\n",
            obj_str(&hex(font, col))
        ));
        x -= 32.0;
    }
    c.into_bytes()
}

fn obj_str(o: &Object) -> String {
    match o {
        Object::String(b, _) => {
            let h: String = b.iter().map(|x| format!("{x:02X}")).collect();
            format!("<{h}>")
        }
        _ => String::new(),
    }
}

fn japanese_pii() -> Vec<u8> {
    let all: String =
        PAGE1.concat() + &PAGE2.concat() + "代理人：山田太郎　様（続柄：子）旧住所大阪府";
    let font = build_font(&all);
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let ff = doc.add_object(stream(
        dictionary! { "Length1" => font.data.len() as i64 },
        font.data.clone(),
    ));
    let desc = doc.add_object(dictionary! {
        "Type" => "FontDescriptor", "FontName" => "KIYOME+IPAGothic", "Flags" => 4,
        "FontBBox" => vec![0.into(), (-141).into(), 1000.into(), 859.into()],
        "ItalicAngle" => 0, "Ascent" => 859, "Descent" => -141, "CapHeight" => 700,
        "StemV" => 80, "FontFile2" => ff,
    });
    let mut w = Vec::new();
    for (g, wd) in &font.widths {
        w.push(Object::Integer(i64::from(*g)));
        w.push(Object::Array(vec![Object::Integer(*wd)]));
    }
    let cidfont = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "CIDFontType2", "BaseFont" => "KIYOME+IPAGothic",
        "CIDSystemInfo" => dictionary! {
            "Registry" => Object::string_literal("Adobe"),
            "Ordering" => Object::string_literal("Identity"), "Supplement" => 0 },
        "FontDescriptor" => desc, "DW" => 1000, "W" => w, "CIDToGIDMap" => "Identity",
    });
    let tu = doc.add_object(stream(Dictionary::new(), to_unicode(&font)));
    let f1 = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type0", "BaseFont" => "KIYOME+IPAGothic",
        "Encoding" => "Identity-H", "DescendantFonts" => vec![cidfont.into()], "ToUnicode" => tu,
    });
    let f2 = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type0", "BaseFont" => "KIYOME+IPAGothic",
        "Encoding" => "Identity-V", "DescendantFonts" => vec![cidfont.into()], "ToUnicode" => tu,
    });
    let widths: Vec<Object> = (32..=126).map(|_| Object::Integer(600)).collect();
    let f3 = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Courier",
        "Encoding" => "WinAnsiEncoding", "FirstChar" => 32, "LastChar" => 126, "Widths" => widths,
    });
    let resources = doc.add_object(dictionary! {
        "Font" => dictionary! { "F1" => f1, "F2" => f2, "F3" => f3 },
    });
    // Revision 1 also shows where the applicant lived before; revision 2 (an incremental
    // update) replaces the content without it, but the old stream stays in the file.
    let mut old = page1(&font);
    old.extend_from_slice(
        format!(
            "BT /F1 14 Tf 72 300 Td {} Tj ET\n",
            obj_str(&hex(&font, "旧住所大阪府"))
        )
        .as_bytes(),
    );
    let c1 = doc.add_object(stream(Dictionary::new(), old));
    let c2 = doc.add_object(stream(Dictionary::new(), page2(&font)));
    let note = doc.add_object(dictionary! {
        "Type" => "Annot", "Subtype" => "Text",
        "Rect" => vec![500.into(), 700.into(), 520.into(), 720.into()],
        "Contents" => utf16("山田太郎さんの個人番号を確認済み"), "T" => utf16("担当：佐藤一郎"),
    });
    let p1 = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        "Resources" => resources, "Contents" => c1, "Annots" => vec![note.into()],
    });
    let p2 = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        "Resources" => resources, "Contents" => c2,
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => vec![p1.into(), p2.into()], "Count" => 2,
        }),
    );
    let outlines_id = doc.new_object_id();
    let item = doc.add_object(dictionary! {
        "Title" => utf16("山田太郎の申請書"), "Parent" => outlines_id,
        "Dest" => vec![p1.into(), "Fit".into()],
    });
    doc.objects.insert(
        outlines_id,
        Object::Dictionary(dictionary! {
            "Type" => "Outlines", "First" => item, "Last" => item, "Count" => 1,
        }),
    );
    let xmp = "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\
<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\
<rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\">\
<dc:creator><rdf:Seq><rdf:li>山田太郎</rdf:li></rdf:Seq></dc:creator><xmp:CreatorTool>Kiyome Office 2026</xmp:CreatorTool>\
</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end=\"w\"?>";
    let meta = doc.add_object(Object::Stream(Stream::new(
        dictionary! { "Type" => "Metadata", "Subtype" => "XML" },
        xmp.as_bytes().to_vec(),
    )));
    let catalog = doc.add_object(dictionary! {
        "Type" => "Catalog", "Pages" => pages_id, "Outlines" => outlines_id,
        "PageMode" => "UseOutlines", "Metadata" => meta,
    });
    let info = doc.add_object(dictionary! {
        "Author" => utf16("山田太郎"), "Creator" => Object::string_literal("Kiyome Office 2026"),
        "Producer" => Object::string_literal("Kiyome PDF Library 9.1"),
        "Title" => utf16("申請書"),
        "Company" => utf16("霞が関市役所 市民課"),
    });
    doc.trailer.set("Root", catalog);
    doc.trailer.set("Info", info);
    let mut first = Vec::new();
    doc.save_to(&mut first).expect("write fixture");
    append_update(first, c1, &page1(&font))
}

/// Appends an incremental update (ISO 32000-1 §7.5.6) that replaces object `id` by an
/// unfiltered stream holding `content`.
fn append_update(mut data: Vec<u8>, id: lopdf::ObjectId, content: &[u8]) -> Vec<u8> {
    let doc = Document::load_mem(&data).expect("reload fixture");
    let startxref = find_startxref(&data);
    let size = doc.max_id + 1;
    let offset = data.len();
    data.extend_from_slice(
        format!(
            "{} {} obj\n<< /Length {} >>\nstream\n",
            id.0,
            id.1,
            content.len()
        )
        .as_bytes(),
    );
    data.extend_from_slice(content);
    data.extend_from_slice(b"\nendstream\nendobj\n");
    let xref = data.len();
    data.extend_from_slice(
        format!(
            "xref\n0 1\n0000000000 65535 f \n{} 1\n{offset:010} 00000 n \ntrailer\n<< /Size {size} /Root {} 0 R /Info {} 0 R /Prev {startxref} >>\nstartxref\n{xref}\n%%EOF\n",
            id.0,
            root_of(&doc).0,
            info_of(&doc).0,
        )
        .as_bytes(),
    );
    data
}

fn root_of(doc: &Document) -> lopdf::ObjectId {
    doc.trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .expect("root")
}

fn info_of(doc: &Document) -> lopdf::ObjectId {
    doc.trailer
        .get(b"Info")
        .and_then(Object::as_reference)
        .expect("info")
}

fn find_startxref(data: &[u8]) -> usize {
    let pos = data
        .windows(9)
        .rposition(|w| w == b"startxref")
        .expect("startxref");
    let tail = &data[pos + 9..];
    let s: String = tail
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take_while(|b| b.is_ascii_digit())
        .map(|&b| b as char)
        .collect();
    s.parse().expect("startxref offset")
}
