//! What redaction does to non-text content, judged by rendering with pdftoppm (the box
//! taken out again so that what is under it shows) and by decoding the images:
//! vector paths and shadings crossing an area are clipped out of it, image XObject and
//! inline image pixels inside it are overwritten (and the image re-encoded), annotation
//! appearance streams are redacted like page content.

mod pdfgen;

use kiyome_pdf::rewrite::lopdf::content::{Content, Operation};
use kiyome_pdf::rewrite::lopdf::{Dictionary, Document, Object, Stream, dictionary};
use kiyome_redact::{Area, Color, Plan};
use pdfgen::*;

/// A gray rendering at 72 dpi: (width, height, pixels), row 0 at the top.
struct Gray {
    w: usize,
    h: usize,
    px: Vec<u8>,
}

impl Gray {
    /// The pixel at PDF point (x, y) of an A4 page (origin bottom left).
    fn at(&self, x: usize, y: usize) -> u8 {
        self.px[(self.h - 1 - y) * self.w + x]
    }
}

fn render(data: &[u8]) -> Option<Gray> {
    let tool = kiyome_core::corpus::peer_tool("pdftoppm")?;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("r.pdf");
    std::fs::write(&p, data).unwrap();
    let prefix = dir.path().join("r");
    run(
        &tool,
        &[
            "-r",
            "72",
            "-f",
            "1",
            "-l",
            "1",
            "-gray",
            "-aa",
            "no",
            "-aaVector",
            "no",
            p.to_str().unwrap(),
            prefix.to_str().unwrap(),
        ],
    );
    let f = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "pgm"))
        .unwrap();
    let b = std::fs::read(f).unwrap();
    // P5\n<w> <h>\n255\n<data>
    let mut fields = Vec::new();
    let mut i = 0;
    while fields.len() < 4 {
        while b[i].is_ascii_whitespace() {
            i += 1;
        }
        let s = i;
        while !b[i].is_ascii_whitespace() {
            i += 1;
        }
        fields.push(String::from_utf8_lossy(&b[s..i]).into_owned());
    }
    let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    Some(Gray {
        w,
        h,
        px: b[i + 1..].to_vec(),
    })
}

/// The output with the redaction boxes (the last `q … rg … re f … Q` group of page 1)
/// taken out, so a rendering shows what is under them.
fn without_boxes(data: &[u8]) -> Vec<u8> {
    let mut doc = Document::load_mem(data).unwrap();
    let pid = doc.get_pages()[&1];
    let mut ops = page_ops(data, 1);
    let start = ops.iter().rposition(|o| o.operator == "q").unwrap();
    assert!(
        ops[start..].iter().any(|o| o.operator == "re"),
        "no box group at the end"
    );
    ops.truncate(start);
    let body = Content { operations: ops }.encode().unwrap();
    let c = doc.add_object(Object::Stream(Stream::new(Dictionary::new(), body)));
    if let Some(Object::Dictionary(p)) = doc.objects.get_mut(&pid) {
        p.set("Contents", c);
    }
    save(&mut doc)
}

fn one_page(content: &str, res: Dictionary, doc: &mut Document) -> Vec<u8> {
    document(doc, vec![(content.as_bytes().to_vec(), res)])
}

fn area_plan(a: &str) -> Plan {
    Plan {
        areas: vec![Area::parse(a).unwrap()],
        box_color: Color([0.0, 1.0, 0.0]),
        ..Plan::default()
    }
}

#[test]
fn paths_and_shadings_crossing_an_area_are_clipped_out_of_it() {
    let mut doc = Document::with_version("1.7");
    let sh = doc.add_object(dictionary! {
        "ShadingType" => 2, "ColorSpace" => "DeviceGray",
        "Coords" => vec![0.into(), 0.into(), 595.into(), 0.into()],
        "Function" => dictionary! { "FunctionType" => 2, "Domain" => vec![0.into(), 1.into()],
            "C0" => vec![0.2.into()], "C1" => vec![0.6.into()], "N" => 1 },
    });
    // A filled rectangle and a thick stroke cross the area; the shading fills a clip that
    // crosses it too (a path that both clips and paints).
    let content = "0 g 100 500 200 100 re f\n0 G 8 w 100 450 m 400 450 l S\n\
                   q 100 300 300 80 re W f /Sh1 sh Q\n";
    let res = dictionary! { "Shading" => dictionary! { "Sh1" => sh } };
    let input = one_page(content, res, &mut doc);
    let (out, r) = redact(&input, &area_plan("1:150,320,250,560"));
    assert!(
        r.report
            .removed
            .iter()
            .any(|f| f.code == "redact.path_area")
    );
    qpdf_check(&out);
    let (Some(a), Some(b)) = (render(&input), render(&without_boxes(&out))) else {
        return;
    };
    for (x, y) in [(160, 550), (240, 520), (200, 450), (160, 340), (240, 370)] {
        assert!(a.at(x, y) < 200, "input paints ({x},{y})");
        assert_eq!(
            b.at(x, y),
            255,
            "({x},{y}) inside the area is still painted"
        );
    }
    // Outside the area nothing changed.
    for y in 280..620 {
        for x in 80..420 {
            if (149..=251).contains(&x) && (319..=561).contains(&y) {
                continue;
            }
            assert_eq!(a.at(x, y), b.at(x, y), "({x},{y}) changed outside the area");
        }
    }
}

fn rgb_image(doc: &mut Document, w: i64, h: i64, rgb: [u8; 3]) -> Object {
    let data: Vec<u8> = (0..w * h).flat_map(|_| rgb).collect();
    compressed(
        dictionary! { "Type" => "XObject", "Subtype" => "Image", "Width" => w, "Height" => h,
        "ColorSpace" => "DeviceRGB", "BitsPerComponent" => 8 },
        data,
    )
    .pipe(|o| Object::Reference(doc.add_object(o)))
}

trait Pipe: Sized {
    fn pipe<T>(self, f: impl FnOnce(Self) -> T) -> T {
        f(self)
    }
}
impl<T> Pipe for T {}

#[test]
fn image_xobject_pixels_inside_the_area_are_overwritten() {
    let mut doc = Document::with_version("1.7");
    let img = rgb_image(&mut doc, 100, 100, [200, 30, 30]);
    let content = "q 100 0 0 100 100 500 cm /Im1 Do Q\n";
    let input = one_page(
        content,
        dictionary! { "XObject" => dictionary! { "Im1" => img.clone() } },
        &mut doc,
    );
    let (out, r) = redact(&input, &area_plan("1:120,520,150,560"));
    assert!(
        r.report
            .removed
            .iter()
            .any(|f| f.code == "redact.image_area")
    );
    let doc = Document::load_mem(&out).unwrap();
    let (_, s) = doc
        .objects
        .iter()
        .find_map(|(id, o)| match o {
            Object::Stream(s) if matches!(s.dict.get(b"Subtype"), Ok(Object::Name(n)) if n == b"Image") => Some((*id, s)),
            _ => None,
        })
        .unwrap();
    let px = s.decompressed_content().unwrap();
    // Image row 0 is the top (page y = 600); the area is columns 20..50, rows 40..80.
    let at = |col: usize, row: usize| &px[(row * 100 + col) * 3..(row * 100 + col) * 3 + 3];
    assert_eq!(at(30, 60), &[0, 255, 0], "inside the area");
    assert_eq!(at(5, 5), &[200, 30, 30], "outside the area");
    assert_eq!(at(60, 60), &[200, 30, 30], "outside the area");
    if let Some(g) = render(&without_boxes(&out)) {
        assert_ne!(
            g.at(130, 540),
            render(&input).unwrap().at(130, 540),
            "pixels under the box unchanged"
        );
    }
}

#[test]
fn inline_image_pixels_are_overwritten_and_undecodable_ones_dropped() {
    let mut doc = Document::with_version("1.7");
    // 1: unfiltered gray 10×10 at (100,500) 100 pt; 2: Flate RGB 10×10 at (300,500), both
    // half inside the area; 3: an AHx image outside the area survives the rewrite; 4: a
    // colour space from the resources (cannot be decoded here) inside the area is dropped.
    let gray: Vec<u8> = vec![40; 100];
    let mut fl = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut fl, &[10u8, 20, 200].repeat(100)).unwrap();
    let fl = fl.finish().unwrap();
    let mut c = b"q 100 0 0 100 100 500 cm BI /W 10 /H 10 /BPC 8 /CS /G ID ".to_vec();
    c.extend(&gray);
    c.extend(b"\nEI Q\nq 100 0 0 100 300 500 cm BI /W 10 /H 10 /BPC 8 /CS /RGB /F /Fl ID ");
    c.extend(&fl);
    c.extend(
        b"\nEI Q\nq 50 0 0 50 100 200 cm BI /W 2 /H 2 /BPC 8 /CS /G /F /AHx ID 00FF00FF> EI Q\n",
    );
    c.extend(b"q 20 0 0 20 160 520 cm BI /W 1 /H 1 /BPC 8 /CS /CS0 ID \x80\nEI Q\n");
    let res = dictionary! { "ColorSpace" => dictionary! { "CS0" => Object::Array(vec!["Indexed".into(), "DeviceRGB".into(), 255.into(), Object::string_literal(vec![0u8; 768])]) } };
    let input = document(&mut doc, vec![(c, res)]);
    let plan = Plan {
        areas: vec![Area::parse("1:150,500,350,560").unwrap()],
        ..Plan::default()
    };
    let (out, r) = redact(&input, &plan);
    assert!(
        r.report
            .removed
            .iter()
            .any(|f| f.code == "redact.inline_image_dropped"),
        "{:#?}",
        r.report.removed
    );
    let ops = page_ops(&out, 1);
    let images: Vec<&Operation> = ops.iter().filter(|o| o.operator == "BI").collect();
    assert_eq!(
        images.len(),
        3,
        "the undecodable one inside the area goes, the others stay"
    );
    // Decode the rewritten ones (ASCIIHex) from the content text.
    let odoc = Document::load_mem(&out).unwrap();
    let text = String::from_utf8_lossy(&odoc.get_page_content(odoc.get_pages()[&1])).into_owned();
    let hexes: Vec<String> = text
        .split(" ID ")
        .skip(1)
        .map(|s| {
            s.split('>')
                .next()
                .unwrap()
                .chars()
                .filter(|c| c.is_ascii_hexdigit())
                .collect()
        })
        .collect();
    assert_eq!(hexes.len(), 3);
    let bytes = |h: &str| -> Vec<u8> {
        let raw: Vec<u8> = (0..h.len() / 2)
            .map(|i| u8::from_str_radix(&h[i * 2..i * 2 + 2], 16).unwrap())
            .collect();
        // Rewritten images are Flate under the hex.
        let mut out = Vec::new();
        match std::io::Read::read_to_end(&mut flate2::read::ZlibDecoder::new(&raw[..]), &mut out) {
            Ok(_) => out,
            Err(_) => raw,
        }
    };
    let g = bytes(&hexes[0]);
    assert_eq!(g.len(), 100);
    // Columns 5..10 (x ≥ 150) of rows 4..10 (y < 560) are black now; column 0 unchanged.
    assert_eq!(g[6 * 10 + 7], 0);
    assert_eq!(g[6 * 10], 40);
    assert_eq!(g[10], 40, "row 1 is above the area (y > 560)");
    let rgb = bytes(&hexes[1]);
    assert_eq!(rgb.len(), 300);
    assert_eq!(
        &rgb[(6 * 10 + 2) * 3..(6 * 10 + 2) * 3 + 3],
        &[0, 0, 0],
        "x 320 is inside"
    );
    assert_eq!(
        &rgb[(6 * 10 + 7) * 3..(6 * 10 + 7) * 3 + 3],
        &[10, 20, 200],
        "x 370 is outside"
    );
    assert_eq!(
        bytes(&hexes[2]),
        vec![0, 255, 0, 255],
        "the image outside the area is kept as is"
    );
    qpdf_check(&out);
    if let (Some(a), Some(b)) = (render(&input), render(&out)) {
        for (x, y) in [(120, 520), (110, 250), (140, 210), (380, 520)] {
            assert_eq!(a.at(x, y), b.at(x, y), "({x},{y}) outside the area changed");
        }
    }
}

#[test]
fn link_appearance_streams_are_redacted_like_page_content() {
    let font = CidFont::new(IPA_GOTHIC, "問合せ山田太郎まで");
    let mut doc = Document::with_version("1.7");
    let f1 = font.add(&mut doc, false);
    let ap = doc.add_object(compressed(
        dictionary! { "Type" => "XObject", "Subtype" => "Form",
        "BBox" => vec![0.into(), 0.into(), 200.into(), 20.into()],
        "Resources" => dictionary! { "Font" => dictionary! { "F1" => f1 } } },
        format!(
            "BT /F1 12 Tf 2 5 Td {} Tj ET 0 0 1 RG 150 2 m 190 18 l S\n",
            font.hex("問合せ山田太郎まで")
        )
        .into_bytes(),
    ));
    let link = doc.add_object(dictionary! {
        "Type" => "Annot", "Subtype" => "Link",
        "Rect" => vec![100.into(), 700.into(), 300.into(), 720.into()],
        "Border" => vec![0.into(), 0.into(), 0.into()],
        "AP" => dictionary! { "N" => ap },
    });
    let pages_id = doc.new_object_id();
    let c = doc.add_object(compressed(Dictionary::new(), b"BT ET".to_vec()));
    let p = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        "Resources" => dictionary! {}, "Contents" => c, "Annots" => vec![link.into()],
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(
            dictionary! { "Type" => "Pages", "Kids" => vec![p.into()], "Count" => 1 },
        ),
    );
    let cat = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", cat);
    let input = save(&mut doc);
    let mut plan = terms(&["山田太郎"]);
    // The area crosses the drawn line of the appearance (x 250..290 on the page).
    plan.areas.push(Area::parse("1:270,700,295,720").unwrap());
    let (out, r) = redact(&input, &plan);
    assert!(
        r.report.term_hits[0] >= 1,
        "the name in the appearance was not found"
    );
    let doc = Document::load_mem(&out).unwrap();
    let ap_data = doc
        .objects
        .values()
        .find_map(|o| match o {
            Object::Stream(s) if matches!(s.dict.get(b"Subtype"), Ok(Object::Name(n)) if n == b"Form") => {
                Some(s.decompressed_content().unwrap_or_else(|_| s.content.clone()))
            }
            _ => None,
        })
        .expect("the link keeps its appearance");
    let ops = Content::decode(&ap_data).unwrap().operations;
    let mut shown = Vec::new();
    for op in &ops {
        for o in &op.operands {
            match o {
                Object::String(b, _) => shown.extend(b.clone()),
                Object::Array(a) => a.iter().for_each(|x| {
                    if let Object::String(b, _) = x {
                        shown.extend(b.clone())
                    }
                }),
                _ => {}
            }
        }
    }
    let name = font.hex("山田太郎");
    let name: Vec<u8> = (0..(name.len() - 2) / 2)
        .map(|i| u8::from_str_radix(&name[1 + i * 2..3 + i * 2], 16).unwrap())
        .collect();
    assert!(
        !shown.windows(name.len()).any(|w| w == name.as_slice()),
        "the name is still shown"
    );
    let keep = font.hex("問合せ");
    let keep: Vec<u8> = (0..(keep.len() - 2) / 2)
        .map(|i| u8::from_str_radix(&keep[1 + i * 2..3 + i * 2], 16).unwrap())
        .collect();
    assert!(
        shown.windows(keep.len()).any(|w| w == keep.as_slice()),
        "kept text lost"
    );
    // The stroke crossing the area is clipped (its painting wrapped in an exclusion clip).
    assert!(
        ops.iter().any(|o| o.operator == "W*"),
        "path in the appearance not clipped"
    );
}
