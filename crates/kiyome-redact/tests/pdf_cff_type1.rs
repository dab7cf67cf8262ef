//! CFF and Type 1 programs after redaction: the glyphs used only by removed text leave the
//! embedded program — charstring, charset entry (the CID, or the glyph name), FDSelect entry,
//! built-in encoding entry, and the subroutines only they called — while every kept glyph
//! draws exactly as before.
//!
//! Fixture fonts are written by fontTools (`tests/fonts/make_fonts.py`), so the pruner reads
//! programs it did not write. Checks: ttf-parser reads the pruned CFF (CIDs, names, encoding,
//! outlines of kept glyphs identical), fontTools reads every pruned program (outlines, subrs,
//! Font DICTs, encoding), `qpdf --check`, pdftotext, and pdftoppm renders the output exactly
//! like the same output with the original program put back.

mod pdfgen;

use kiyome_core::corpus::{find_peer_tool, is_ci, peer_tool};
use kiyome_pdf::rewrite::lopdf::{Dictionary, Document, Object, ObjectId, Stream, dictionary};
use pdfgen::{compressed, document, qpdf_check, redact, run, terms};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;

const CID_CFF: &[u8] = include_bytes!("fonts/cid.cff");
const CID_OTF: &[u8] = include_bytes!("fonts/cid.otf");
const T1C_CFF: &[u8] = include_bytes!("fonts/t1c.cff");
const T1_PFA: &[u8] = include_bytes!("fonts/t1.pfa");
const T1_LENGTHS: &str = include_str!("fonts/t1.lengths");

/// CIDs of the fixture CID font.
const CIDS: &[(char, u16)] = &[
    ('山', 1200),
    ('田', 1300),
    ('太', 1400),
    ('郎', 1500),
    ('市', 1600),
    ('所', 1700),
    ('花', 7000),
    ('子', 7100),
];

fn cid_of(c: char) -> u16 {
    CIDS.iter().find(|(x, _)| *x == c).expect("char in font").1
}

fn to_unicode(entries: &[(u32, char)], bytes: usize) -> Vec<u8> {
    let w = bytes * 2;
    let mut s = format!(
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def /CMapType 2 def\n\
         1 begincodespacerange <{}> <{}> endcodespacerange\n{} beginbfchar\n",
        "00".repeat(bytes),
        "FF".repeat(bytes),
        entries.len()
    );
    for (c, ch) in entries {
        s.push_str(&format!("<{c:0w$X}> <{:04X}>\n", *ch as u32));
    }
    s.push_str("endbfchar\nendcmap CMapName currentdict /CMap defineresource pop end end\n");
    s.into_bytes()
}

fn text_page(font: ObjectId, lines: &[String]) -> (Vec<u8>, Dictionary) {
    let mut c = String::from("BT /F1 24 Tf\n");
    for (i, l) in lines.iter().enumerate() {
        c.push_str(&format!("1 0 0 1 72 {} Tm {l} Tj\n", 760 - 60 * i as i64));
    }
    c.push_str("ET\n");
    (
        c.into_bytes(),
        dictionary! { "Font" => dictionary! { "F1" => font } },
    )
}

/// A Type0 / CIDFontType0 font over `program` (FontFile3 /CIDFontType0C or /OpenType).
/// Page 1 shows 山田太郎, 花子, 市所; page 2 山田市所.
fn cid_doc(program: &[u8], subtype: &str) -> Vec<u8> {
    let mut doc = Document::with_version("1.7");
    let ff = doc.add_object(compressed(
        dictionary! { "Subtype" => subtype },
        program.to_vec(),
    ));
    let desc = doc.add_object(dictionary! {
        "Type" => "FontDescriptor", "FontName" => "KIYOME+KiyomeCID", "Flags" => 4,
        "FontBBox" => vec![0.into(), (-120).into(), 1000.into(), 880.into()],
        "ItalicAngle" => 0, "Ascent" => 880, "Descent" => -120, "CapHeight" => 700,
        "StemV" => 80, "FontFile3" => ff,
    });
    let cidfont = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "CIDFontType0", "BaseFont" => "KIYOME+KiyomeCID",
        "CIDSystemInfo" => dictionary! {
            "Registry" => Object::string_literal("Adobe"),
            "Ordering" => Object::string_literal("Japan1"), "Supplement" => 6 },
        "FontDescriptor" => desc, "DW" => 1000,
    });
    let entries: Vec<(u32, char)> = CIDS.iter().map(|(c, g)| (u32::from(*g), *c)).collect();
    let tu = doc.add_object(compressed(Dictionary::new(), to_unicode(&entries, 2)));
    let font = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type0", "BaseFont" => "KIYOME+KiyomeCID",
        "Encoding" => "Identity-H", "DescendantFonts" => vec![cidfont.into()], "ToUnicode" => tu,
    });
    let hex = |s: &str| -> String {
        let h: String = s.chars().map(|c| format!("{:04X}", cid_of(c))).collect();
        format!("<{h}>")
    };
    let p1 = text_page(font, &[hex("山田太郎"), hex("花子"), hex("市所")]);
    let p2 = text_page(font, &[hex("山田市所")]);
    document(&mut doc, vec![p1, p2])
}

/// A simple font over a Type1C (`type1c`) or Type 1 program. Page 1 shows ABCDE and Á,
/// page 2 ABE and Á. The Type1C font has /Differences; the Type 1 font uses its built-in
/// encoding.
fn simple_doc(program: &[u8], type1c: bool) -> Vec<u8> {
    let mut doc = Document::with_version("1.7");
    let ff = if type1c {
        doc.add_object(compressed(
            dictionary! { "Subtype" => "Type1C" },
            program.to_vec(),
        ))
    } else {
        let l: Vec<i64> = T1_LENGTHS
            .split_whitespace()
            .map(|v| v.parse().unwrap())
            .collect();
        doc.add_object(compressed(
            dictionary! { "Length1" => l[0], "Length2" => l[1], "Length3" => l[2] },
            program.to_vec(),
        ))
    };
    let key = if type1c { "FontFile3" } else { "FontFile" };
    let mut desc = dictionary! {
        "Type" => "FontDescriptor", "FontName" => "KIYOME+KiyomeT1", "Flags" => 32,
        "FontBBox" => vec![0.into(), (-200).into(), 1000.into(), 800.into()],
        "ItalicAngle" => 0, "Ascent" => 800, "Descent" => -200, "CapHeight" => 700,
        "StemV" => 80,
    };
    desc.set(key, ff);
    let desc = doc.add_object(desc);
    let entries: Vec<(u32, char)> = vec![
        (65, 'A'),
        (66, 'B'),
        (67, 'C'),
        (68, 'D'),
        (69, 'E'),
        (193, 'Á'),
    ];
    let tu = doc.add_object(compressed(Dictionary::new(), to_unicode(&entries, 1)));
    let widths: Vec<Object> = (65..=193).map(|_| Object::Integer(600)).collect();
    let mut font = dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "KIYOME+KiyomeT1",
        "FirstChar" => 65, "LastChar" => 193, "Widths" => widths,
        "FontDescriptor" => desc, "ToUnicode" => tu,
    };
    if type1c {
        font.set(
            "Encoding",
            dictionary! { "Type" => "Encoding", "Differences" => vec![
                65.into(), Object::Name(b"A".to_vec()), Object::Name(b"B".to_vec()),
                Object::Name(b"C".to_vec()), Object::Name(b"D".to_vec()),
                Object::Name(b"E".to_vec()), 193.into(), Object::Name(b"Aacute".to_vec()),
            ] },
        );
    }
    let font = doc.add_object(font);
    let p1 = text_page(font, &["(ABCDE)".into(), "<C1>".into()]);
    let p2 = text_page(font, &["(ABE)".into(), "<C1>".into()]);
    document(&mut doc, vec![p1, p2])
}

/// The one embedded program of `data`: its object, decoded bytes and stream dictionary.
fn program(data: &[u8]) -> (ObjectId, Vec<u8>, Dictionary) {
    let doc = Document::load_mem(data).expect("loads");
    let mut found = Vec::new();
    for o in doc.objects.values() {
        let Object::Dictionary(d) = o else { continue };
        for k in ["FontFile", "FontFile2", "FontFile3"] {
            if let Ok(Object::Reference(r)) = d.get(k.as_bytes()) {
                found.push(*r);
            }
        }
    }
    assert_eq!(found.len(), 1, "one font program");
    let id = found[0];
    let Some(Object::Stream(s)) = doc.objects.get(&id) else {
        panic!("program is not a stream")
    };
    (id, pdfgen::stream_data(&doc, id), s.dict.clone())
}

/// `out` with its program replaced by `original` (and the original /Length1–3).
fn with_program(out: &[u8], original: &[u8], lengths: &Dictionary) -> Vec<u8> {
    let (id, _, dict) = program(out);
    let mut doc = Document::load_mem(out).unwrap();
    let mut d = dict.clone();
    for k in ["Length1", "Length2", "Length3"] {
        d.remove(k.as_bytes());
        if let Ok(v) = lengths.get(k.as_bytes()) {
            d.set(k, v.clone());
        }
    }
    d.remove(b"Filter");
    doc.objects
        .insert(id, Object::Stream(Stream::new(d, original.to_vec())));
    pdfgen::save(&mut doc)
}

/// pdftoppm of one page (grey PGM), None when pdftoppm is missing outside CI.
fn render(data: &[u8], page: u32) -> Option<Vec<u8>> {
    let tool = peer_tool("pdftoppm")?;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("r.pdf");
    std::fs::write(&p, data).unwrap();
    let pg = page.to_string();
    let out = Command::new(tool)
        .args([
            "-r",
            "100",
            "-gray",
            "-f",
            &pg,
            "-l",
            &pg,
            p.to_str().unwrap(),
        ])
        .output()
        .expect("pdftoppm runs");
    assert!(out.status.success(), "pdftoppm failed");
    Some(out.stdout)
}

fn page_text(data: &[u8], page: u32) -> Option<String> {
    let pg = page.to_string();
    pdfgen::pdftotext(data, &["-f", &pg, "-l", &pg]).map(|s| pdfgen::squash(&s))
}

/// Peer checks shared by every font kind.
fn peers(input: &[u8], out: &[u8], removed: &[&str], kept_page1: &str) {
    qpdf_check(out);
    if let Some(t) = page_text(out, 1) {
        for r in removed {
            assert!(!t.contains(r), "page 1 still shows {r}: {t}");
        }
        assert!(t.contains(kept_page1), "page 1 lost {kept_page1}: {t}");
        assert_eq!(
            page_text(input, 2),
            page_text(out, 2),
            "page 2 text changed"
        );
    }
    if let Some(pdffonts) = peer_tool("pdffonts") {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.pdf");
        std::fs::write(&p, out).unwrap();
        let listing = run(&pdffonts, &[p.to_str().unwrap()]);
        assert!(listing.contains("KIYOME+"), "pdffonts: {listing}");
    }
    // The decisive rendering check: the pruned program draws every page exactly like the
    // original program does in the same output file.
    let (_, original, dict) = program(input);
    let restored = with_program(out, &original, &dict);
    for page in [1, 2] {
        let (Some(a), Some(b)) = (render(out, page), render(&restored, page)) else {
            return;
        };
        assert!(
            a == b,
            "page {page} renders differently with the pruned program"
        );
    }
    // Page 2 lost nothing at all.
    assert!(
        render(input, 2) == render(out, 2),
        "page 2 rendering changed"
    );
}

type Outline = Vec<String>;

struct Rec(Outline);

impl ttf_parser::OutlineBuilder for Rec {
    fn move_to(&mut self, x: f32, y: f32) {
        self.0.push(format!("M{x} {y}"));
    }
    fn line_to(&mut self, x: f32, y: f32) {
        self.0.push(format!("L{x} {y}"));
    }
    fn quad_to(&mut self, a: f32, b: f32, x: f32, y: f32) {
        self.0.push(format!("Q{a} {b} {x} {y}"));
    }
    fn curve_to(&mut self, a: f32, b: f32, c: f32, d: f32, x: f32, y: f32) {
        self.0.push(format!("C{a} {b} {c} {d} {x} {y}"));
    }
    fn close(&mut self) {
        self.0.push("Z".into());
    }
}

/// CID (or name) → outline, read by ttf-parser from a bare CFF.
fn ttf_glyphs(cff: &[u8]) -> BTreeMap<String, Outline> {
    let t = ttf_parser::cff::Table::parse(cff).expect("ttf-parser reads the CFF");
    let mut out = BTreeMap::new();
    for g in 0..t.number_of_glyphs() {
        let id = ttf_parser::GlyphId(g);
        let key = match t.glyph_cid(id) {
            Some(cid) => format!("cid{cid}"),
            None => t.glyph_name(id).expect("glyph name").to_string(),
        };
        let mut r = Rec(Vec::new());
        let _ = t.outline(id, &mut r);
        assert!(out.insert(key.clone(), r.0).is_none(), "{key} twice");
    }
    out
}

fn python() -> Option<PathBuf> {
    let py = find_peer_tool("python").or_else(|| find_peer_tool("python3"));
    let ok = py.as_ref().is_some_and(|p| {
        Command::new(p)
            .args(["-c", "import fontTools"])
            .status()
            .is_ok_and(|s| s.success())
    });
    match (ok, is_ci()) {
        (true, _) => py,
        (false, true) => {
            panic!("python with fontTools is missing under CI (scripts/install-deps.sh)")
        }
        (false, false) => {
            eprintln!("NOTICE: fontTools not found; fontTools checks skipped");
            None
        }
    }
}

/// fontTools' reading of a program (tests/fonts/dump_font.py).
fn fonttools(kind: &str, data: &[u8]) -> Option<serde_json::Value> {
    let py = python()?;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("font.bin");
    std::fs::write(&p, data).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fonts/dump_font.py");
    let out = Command::new(py)
        .args([script, kind, p.to_str().unwrap()])
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "fontTools cannot read the {kind} program: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).expect("json"))
}

fn names(v: &serde_json::Value) -> BTreeSet<String> {
    v["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_string())
        .collect()
}

/// fontTools: exactly `kept` glyphs, each drawn as in the input.
fn fonttools_glyphs(input: &serde_json::Value, out: &serde_json::Value, kept: &[&str]) {
    let want: BTreeSet<String> = kept.iter().map(|s| s.to_string()).collect();
    assert_eq!(names(out), want, "glyphs left (fontTools)");
    for n in kept {
        assert_eq!(
            out["outlines"][n], input["outlines"][n],
            "{n} draws differently (fontTools)"
        );
        assert!(!out["outlines"][n].is_null());
    }
}

fn is_return(p: &serde_json::Value) -> bool {
    p.as_array()
        .is_some_and(|a| a.len() == 1 && a[0] == "return")
}

fn subrs(v: &serde_json::Value, key: &str, fd: Option<usize>) -> Vec<serde_json::Value> {
    let a = match fd {
        Some(k) => &v[key][k],
        None => &v[key],
    };
    a.as_array().cloned().unwrap_or_default()
}

fn cid_plan() -> kiyome_redact::Plan {
    terms(&["太郎", "花子"])
}

#[test]
fn cid_keyed_cff_loses_removed_cids_charset_fdselect_font_dict_and_subrs() {
    let input = cid_doc(CID_CFF, "CIDFontType0C");
    let (out, _) = redact(&input, &cid_plan());
    let (_, prog, _) = program(&out);
    // ttf-parser: only the kept CIDs are left, each with its original outline.
    let before = ttf_glyphs(CID_CFF);
    let after = ttf_glyphs(&prog);
    let kept: BTreeSet<String> = ["cid0", "cid1200", "cid1300", "cid1600", "cid1700"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(after.keys().cloned().collect::<BTreeSet<_>>(), kept);
    for k in &kept {
        assert_eq!(after[k], before[k], "{k} outline changed");
    }
    assert!(!after["cid1200"].is_empty());
    // The Font DICT only removed glyphs used is gone, its name with it.
    let find = |hay: &[u8], s: &str| hay.windows(s.len()).any(|w| w == s.as_bytes());
    assert!(find(CID_CFF, "KiyomeCID-Kana") && !find(&prog, "KiyomeCID-Kana"));
    peers(&input, &out, &["太郎", "花子", "太", "郎"], "山田");
    // fontTools: same glyphs and outlines; subroutines only removed glyphs called are bare
    // returns, the others unchanged, numbering kept.
    let (Some(fi), Some(fo)) = (fonttools("cff", CID_CFF), fonttools("cff", &prog)) else {
        return;
    };
    fonttools_glyphs(
        &fi,
        &fo,
        &[".notdef", "cid01200", "cid01300", "cid01600", "cid01700"],
    );
    assert_eq!(fo["fd_names"], serde_json::json!(["KiyomeCID-Kanji"]));
    assert!(fo["fd_select"].as_array().unwrap().iter().all(|f| f == 0));
    let (gi, go) = (
        subrs(&fi, "global_subrs", None),
        subrs(&fo, "global_subrs", None),
    );
    assert_eq!(go.len(), 2);
    assert_eq!(go[0], gi[0], "G0 (shared by kept glyphs) kept");
    assert!(
        !is_return(&gi[1]) && is_return(&go[1]),
        "G1 (太 郎 only) emptied"
    );
    let (li, lo) = (
        subrs(&fi, "local_subrs", Some(0)),
        subrs(&fo, "local_subrs", Some(0)),
    );
    assert_eq!(lo.len(), 3);
    assert_eq!(lo[0], li[0], "L0 (山) kept");
    assert!(is_return(&lo[1]), "L1 (太 only) emptied");
    assert_eq!(lo[2], li[2], "L2 (田, 郎) kept");
}

#[test]
fn opentype_cff_is_renumbered_with_its_metrics_and_cmap() {
    let input = cid_doc(CID_OTF, "OpenType");
    let (out, _) = redact(&input, &cid_plan());
    let (_, prog, _) = program(&out);
    let face = ttf_parser::Face::parse(&prog, 0).expect("ttf-parser reads the OpenType font");
    assert_eq!(face.number_of_glyphs(), 5);
    let cff = face.tables().cff.expect("CFF table");
    let cids: BTreeSet<u16> = (0..5)
        .filter_map(|g| cff.glyph_cid(ttf_parser::GlyphId(g)))
        .collect();
    assert_eq!(cids, BTreeSet::from([0, 1200, 1300, 1600, 1700]));
    for g in 0..5 {
        assert_eq!(face.glyph_hor_advance(ttf_parser::GlyphId(g)), Some(1000));
    }
    peers(&input, &out, &["太郎", "花子"], "山田");
    let (Some(fi), Some(fo)) = (fonttools("otf", CID_OTF), fonttools("otf", &prog)) else {
        return;
    };
    fonttools_glyphs(
        &fi,
        &fo,
        &[".notdef", "cid01200", "cid01300", "cid01600", "cid01700"],
    );
    assert_eq!(fo["glyph_order"].as_array().unwrap().len(), 5);
    assert!(is_return(&subrs(&fo, "global_subrs", None)[1]));
}

#[test]
fn type1c_loses_removed_names_encoding_entries_and_subrs() {
    let input = simple_doc(T1C_CFF, true);
    let (out, _) = redact(&input, &terms(&["CD"]));
    let (_, prog, _) = program(&out);
    let before = ttf_glyphs(T1C_CFF);
    let after = ttf_glyphs(&prog);
    let kept = [".notdef", "A", "B", "E", "acute", "Aacute"];
    assert_eq!(
        after.keys().cloned().collect::<BTreeSet<_>>(),
        kept.iter().map(|s| s.to_string()).collect()
    );
    for k in kept {
        assert_eq!(after[k], before[k], "{k} outline changed");
    }
    // The built-in encoding still maps the kept codes, and nothing else.
    let t = ttf_parser::cff::Table::parse(&prog).unwrap();
    let name = |c: u8| t.glyph_index(c).and_then(|g| t.glyph_name(g));
    assert_eq!(name(65), Some("A"));
    assert_eq!(name(193), Some("Aacute"));
    for c in [67, 68, 70] {
        assert!(
            name(c).is_none_or(|n| n == ".notdef"),
            "code {c}: {:?}",
            name(c)
        );
    }
    // Glyph names of removed glyphs are not in the String INDEX (C, D, F are standard
    // strings; the program holds no custom string for them either).
    peers(&input, &out, &["CD", "ABCDE"], "AB");
    let (Some(fi), Some(fo)) = (fonttools("cff", T1C_CFF), fonttools("cff", &prog)) else {
        return;
    };
    fonttools_glyphs(&fi, &fo, &kept);
    let enc = fo["encoding"].as_object().unwrap();
    for (code, n) in [("65", "A"), ("66", "B"), ("69", "E"), ("193", "Aacute")] {
        assert_eq!(enc[code], n);
    }
    assert!(!enc.values().any(|n| n == "C" || n == "D" || n == "F"));
    let (li, lo) = (
        subrs(&fi, "local_subrs", Some(0)),
        subrs(&fo, "local_subrs", Some(0)),
    );
    assert!(
        is_return(&lo[0]) && !is_return(&li[0]),
        "L0 (C only) emptied"
    );
    assert_eq!(lo[1], li[1], "L1 (A, D) kept");
    let (gi, go) = (
        subrs(&fi, "global_subrs", None),
        subrs(&fo, "global_subrs", None),
    );
    assert!(is_return(&go[0]), "G0 (D only) emptied");
    assert_eq!(go[1], gi[1], "G1 kept");
}

#[test]
fn type1_loses_charstrings_encoding_entries_and_subrs_and_is_reencrypted() {
    let input = simple_doc(T1_PFA, false);
    let (out, _) = redact(&input, &terms(&["CD"]));
    let (_, prog, dict) = program(&out);
    let len = |k: &[u8]| match dict.get(k) {
        Ok(Object::Integer(i)) => *i as usize,
        _ => panic!("no {}", String::from_utf8_lossy(k)),
    };
    let (l1, l2, l3) = (len(b"Length1"), len(b"Length2"), len(b"Length3"));
    assert_eq!(l1 + l2 + l3, prog.len(), "/Length1–3 add up");
    assert!(prog[..l1].ends_with(b"currentfile eexec\n"));
    assert!(prog[l1 + l2..].starts_with(b"0000") && prog.ends_with(b"cleartomark\n"));
    let clear = String::from_utf8_lossy(&prog[..l1]).into_owned();
    assert!(clear.contains("dup 65 /A put") && clear.contains("dup 193 /Aacute put"));
    for gone in ["/C put", "/D put", "/F put"] {
        assert!(
            !clear.contains(gone),
            "{gone} still in the cleartext encoding"
        );
    }
    peers(&input, &out, &["CD", "ABCDE"], "AB");
    let (Some(fi), Some(fo)) = (fonttools("type1", T1_PFA), fonttools("type1", &prog)) else {
        return;
    };
    fonttools_glyphs(&fi, &fo, &[".notdef", "A", "B", "E", "acute", "Aacute"]);
    let (li, lo) = (
        subrs(&fi, "local_subrs", Some(0)),
        subrs(&fo, "local_subrs", Some(0)),
    );
    assert_eq!(lo.len(), 8, "subr numbering kept");
    for k in [0, 1, 2, 3, 5, 6] {
        assert_eq!(lo[k], li[k], "subr {k} kept");
    }
    for k in [4, 7] {
        assert!(!is_return(&li[k]) && is_return(&lo[k]), "subr {k} emptied");
    }
    let enc = fo["encoding"].as_object().unwrap();
    assert!(!enc.values().any(|n| n == "C" || n == "D" || n == "F"));
}
