//! The shared-corpus PDFs whose CFF and Type 1 fonts lose glyphs under an area redaction
//! (they were refused with `redact.font_not_subset` before these programs were pruned): each
//! is now redacted, `qpdf --check` passes, fontTools reads every pruned CFF and Type 1
//! program, and pdftoppm renders the first pages exactly like the same output with the
//! input's programs put back — so no kept glyph changed.

mod pdfgen;

use kiyome_core::corpus::{find_peer_tool, is_ci, peer_tool, shared_corpus};
use kiyome_core::{Budget, Ctx, Limits, NoNesting};
use kiyome_pdf::rewrite::lopdf::{Dictionary, Document, Object, Stream};
use kiyome_redact::{Area, Plan};
use std::collections::BTreeMap;
use std::process::Command;

const FILES: &[&str] = &[
    "pdf-cjk/pdfjs__issue13147.pdf",
    "pdf-cjk/pdfjs__issue14438.pdf",
    "pdf-cjk/pdfjs__issue5010.pdf",
    "pdf-redaction/pdfjs__prefilled_f1040.pdf",
    "pdf-redaction/pypdf__outlines-with-invalid-destinations.pdf",
    "pdf-redaction/sample-files__mistitled_outlines_example.pdf",
    "pdf-general/pdfjs__tracemonkey.pdf",
    "pdf-general/pymupdf__mupdf_explored.pdf",
];

/// Pages compared per file.
const PAGES: u32 = 3;

fn num(o: &Object) -> f64 {
    match o {
        Object::Integer(i) => *i as f64,
        Object::Real(r) => f64::from(*r),
        _ => 0.0,
    }
}

/// Page 1's MediaBox (inherited through the page tree).
fn media_box(doc: &Document) -> [f64; 4] {
    let mut id = doc.get_pages()[&1];
    for _ in 0..32 {
        let Ok(d) = doc.get_dictionary(id) else { break };
        if let Ok(o) = d.get(b"MediaBox") {
            let o = match o {
                Object::Reference(r) => doc.get_object(*r).unwrap_or(o),
                o => o,
            };
            if let Object::Array(a) = o
                && a.len() == 4
            {
                return [num(&a[0]), num(&a[1]), num(&a[2]), num(&a[3])];
            }
        }
        match d.get(b"Parent") {
            Ok(Object::Reference(p)) => id = *p,
            _ => break,
        }
    }
    [0.0, 0.0, 612.0, 792.0]
}

type Programs = BTreeMap<(Vec<u8>, String, Vec<u8>), (Vec<u8>, Dictionary)>;

/// Embedded programs by (FontName, FontFile key, /Subtype): bytes and stream dictionary.
fn programs(doc: &Document) -> Programs {
    let mut out = Programs::new();
    let mut seen: BTreeMap<(Vec<u8>, String, Vec<u8>), usize> = BTreeMap::new();
    for o in doc.objects.values() {
        let Object::Dictionary(d) = o else { continue };
        let Ok(Object::Name(name)) = d.get(b"FontName") else {
            continue;
        };
        for k in ["FontFile", "FontFile2", "FontFile3"] {
            let Ok(Object::Reference(r)) = d.get(k.as_bytes()) else {
                continue;
            };
            let Some(Object::Stream(s)) = doc.objects.get(r) else {
                continue;
            };
            let sub = match s.dict.get(b"Subtype") {
                Ok(Object::Name(n)) => n.clone(),
                _ => Vec::new(),
            };
            let key = (name.clone(), k.to_string(), sub);
            *seen.entry(key.clone()).or_default() += 1;
            let data = s
                .decompressed_content()
                .unwrap_or_else(|_| s.content.clone());
            out.insert(key, (data, s.dict.clone()));
        }
    }
    // Two different programs under one name cannot be matched: left out.
    out.retain(|k, _| seen[k] == 1);
    out
}

/// `out` with every program replaced by the input's program of the same font.
fn with_input_programs(out: &[u8], input: &Programs) -> (Vec<u8>, usize) {
    let mut doc = Document::load_mem(out).expect("output loads");
    let mut swaps = Vec::new();
    for o in doc.objects.values() {
        let Object::Dictionary(d) = o else { continue };
        let Ok(Object::Name(name)) = d.get(b"FontName") else {
            continue;
        };
        for k in ["FontFile", "FontFile2", "FontFile3"] {
            if let Ok(Object::Reference(r)) = d.get(k.as_bytes())
                && let Some(Object::Stream(s)) = doc.objects.get(r)
            {
                let sub = match s.dict.get(b"Subtype") {
                    Ok(Object::Name(n)) => n.clone(),
                    _ => Vec::new(),
                };
                if let Some((data, dict)) = input.get(&(name.clone(), k.to_string(), sub)) {
                    let mut nd = s.dict.clone();
                    nd.remove(b"Filter");
                    nd.remove(b"DecodeParms");
                    for l in ["Length1", "Length2", "Length3"] {
                        nd.remove(l.as_bytes());
                        if let Ok(Object::Integer(v)) = dict.get(l.as_bytes()) {
                            nd.set(l, *v);
                        }
                    }
                    swaps.push((*r, Stream::new(nd, data.clone())));
                }
            }
        }
    }
    let n = swaps.len();
    for (id, s) in swaps {
        doc.objects.insert(id, Object::Stream(s));
    }
    (pdfgen::save(&mut doc), n)
}

fn render(tool: &std::path::Path, data: &[u8], pages: u32) -> Vec<Vec<u8>> {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("r.pdf");
    std::fs::write(&p, data).unwrap();
    let prefix = dir.path().join("p");
    let last = pages.to_string();
    let st = Command::new(tool)
        .args(["-r", "72", "-gray", "-l", &last])
        .arg(&p)
        .arg(&prefix)
        .status()
        .expect("pdftoppm runs");
    assert!(st.success());
    let mut files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "pgm"))
        .collect();
    files.sort();
    files.iter().map(|f| std::fs::read(f).unwrap()).collect()
}

#[test]
fn corpus_cff_and_type1_fonts_are_pruned_and_kept_glyphs_render_unchanged() {
    let Some(root) = shared_corpus("redact PDF font corpus") else {
        return;
    };
    let pdftoppm = peer_tool("pdftoppm");
    let py = find_peer_tool("python").filter(|p| {
        Command::new(p)
            .args(["-c", "import fontTools"])
            .status()
            .is_ok_and(|s| s.success())
    });
    assert!(py.is_some() || !is_ci(), "fontTools missing under CI");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fonts/dump_font.py");
    for rel in FILES {
        let data = std::fs::read(root.join(rel)).expect("corpus file");
        let budget = Budget::new(&Limits::default());
        let ctx = Ctx::new(&budget, &NoNesting);
        let loaded = kiyome_pdf::rewrite::load(&data, &ctx, None).expect("input loads");
        let [x0, y0, x1, y1] = media_box(&loaded.doc);
        let (w, h) = (x1 - x0, y1 - y0);
        let plan = Plan {
            areas: vec![Area {
                page: 1,
                x0,
                y0: y0 + 0.4 * h,
                x1: x0 + 0.6 * w,
                y1,
            }],
            ..Plan::default()
        };
        let (out, _) = pdfgen::redact(&data, &plan);
        pdfgen::qpdf_check(&out);
        let before = programs(&loaded.doc);
        let out_doc = Document::load_mem(&out).unwrap();
        let after = programs(&out_doc);
        let mut pruned = 0;
        for (key, (prog, _)) in &after {
            let Some((orig, _)) = before.get(key) else {
                continue;
            };
            if orig == prog {
                continue;
            }
            pruned += 1;
            let kind = match (key.1.as_str(), key.2.as_slice()) {
                ("FontFile", _) => "type1",
                ("FontFile3", b"CIDFontType0C" | b"Type1C") => "cff",
                ("FontFile3", b"OpenType") => "otf",
                _ => continue,
            };
            if kind == "cff" {
                let t = ttf_parser::cff::Table::parse(prog);
                assert!(t.is_some(), "{rel}: ttf-parser cannot read a pruned CFF");
            }
            if let Some(py) = &py {
                let dir = tempfile::tempdir().unwrap();
                let f = dir.path().join("font.bin");
                std::fs::write(&f, prog).unwrap();
                let r = Command::new(py)
                    .args([script, kind])
                    .arg(&f)
                    .output()
                    .unwrap();
                assert!(
                    r.status.success(),
                    "{rel}: fontTools cannot read pruned {}: {}",
                    String::from_utf8_lossy(&key.0),
                    String::from_utf8_lossy(&r.stderr)
                );
            }
        }
        assert!(pruned > 0, "{rel}: no program was pruned");
        let Some(tool) = &pdftoppm else { continue };
        let (restored, swapped) = with_input_programs(&out, &before);
        assert!(swapped >= pruned, "{rel}: {swapped} programs put back");
        let a = render(tool, &out, PAGES);
        let b = render(tool, &restored, PAGES);
        assert_eq!(a.len(), b.len());
        for (i, (x, y)) in a.iter().zip(&b).enumerate() {
            assert!(x == y, "{rel}: page {} renders differently", i + 1);
        }
        eprintln!(
            "{rel}: redacted, {pruned} programs pruned, {} pages identical",
            a.len()
        );
    }
}
