//! `kiyome sanitize --mode image-pdf` (issue 4) on generated inputs and fixtures:
//! - non-embedded Japanese CID fonts (MS-Mincho, MS-Gothic) render real glyphs with the IPA
//!   fonts (compared with `pdftoppm`, which finds the same fonts through fontconfig), and are
//!   refused, naming the font packages, on a machine without CJK fonts (`KIYOME_FONT_DIRS=`);
//! - Office/RTF convert through LibreOffice in bubblewrap; without LibreOffice or bubblewrap
//!   (simulated by `PATH`) those kinds are blocked naming the Debian packages, while PDF and
//!   images still convert;
//! - the per-page time limit blocks a page that renders too long (`limit.page_time`);
//! - the resolution and JPEG quality of the policy are applied.

mod common;

use common::pixels::{self, Grey};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A small PDF written by hand: `objects` are the bodies of objects 1.. (1 must be the
/// catalog); streams are given as (dictionary without /Length, data).
enum Obj {
    Dict(String),
    Stream(String, Vec<u8>),
}

fn pdf(objects: &[Obj]) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        match o {
            Obj::Dict(d) => out.extend_from_slice(d.as_bytes()),
            Obj::Stream(d, data) => {
                let d = d.trim_end_matches(">>");
                out.extend_from_slice(
                    format!("{d} /Length {} >>\nstream\n", data.len()).as_bytes(),
                );
                out.extend_from_slice(data);
                out.extend_from_slice(b"\nendstream");
            }
        }
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// A 300×160 pt page with 日本語 in MS-Mincho and ゴシック in MS-Gothic, both Type 0 fonts
/// with CIDFontType2 descendants of Adobe-Japan1, encoded UniJIS-UCS2-H, not embedded.
fn cjk_pdf() -> Vec<u8> {
    let content = b"BT /F1 40 Tf 20 95 Td <65E5672C8A9E> Tj ET\nBT /F2 40 Tf 20 25 Td <30B430B730C330AF> Tj ET\n".to_vec();
    let font = |name: &str, desc: usize| {
        Obj::Dict(format!(
            "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{name} /CIDSystemInfo << /Registry (Adobe) /Ordering (Japan1) /Supplement 6 >> /FontDescriptor {desc} 0 R /DW 1000 >>"
        ))
    };
    pdf(&[
        Obj::Dict("<< /Type /Catalog /Pages 2 0 R >>".into()),
        Obj::Dict("<< /Type /Pages /Kids [3 0 R] /Count 1 >>".into()),
        Obj::Dict("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 160] /Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> /Contents 4 0 R >>".into()),
        Obj::Stream("<< >>".into(), content),
        Obj::Dict("<< /Type /Font /Subtype /Type0 /BaseFont /MS-Mincho /Encoding /UniJIS-UCS2-H /DescendantFonts [7 0 R] >>".into()),
        Obj::Dict("<< /Type /Font /Subtype /Type0 /BaseFont /MS-Gothic /Encoding /UniJIS-UCS2-H /DescendantFonts [8 0 R] >>".into()),
        font("MS-Mincho", 9),
        font("MS-Gothic", 10),
        Obj::Dict("<< /Type /FontDescriptor /FontName /MS-Mincho /Flags 6 /FontBBox [0 -141 1000 859] /ItalicAngle 0 /Ascent 859 /Descent -141 /CapHeight 700 /StemV 80 >>".into()),
        Obj::Dict("<< /Type /FontDescriptor /FontName /MS-Gothic /Flags 4 /FontBBox [0 -141 1000 859] /ItalicAngle 0 /Ascent 859 /Descent -141 /CapHeight 700 /StemV 80 >>".into()),
    ])
}

/// The same page with each glyph drawn as a box, as tofu looks.
fn tofu_pdf() -> Vec<u8> {
    let mut content = String::from("2 w\n");
    for (y, n) in [(95, 3), (25, 4)] {
        for k in 0..n {
            content.push_str(&format!("{} {} 34 34 re S\n", 23 + 40 * k, y - 2));
        }
    }
    pdf(&[
        Obj::Dict("<< /Type /Catalog /Pages 2 0 R >>".into()),
        Obj::Dict("<< /Type /Pages /Kids [3 0 R] /Count 1 >>".into()),
        Obj::Dict("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 160] /Contents 4 0 R >>".into()),
        Obj::Stream("<< >>".into(), content.into_bytes()),
    ])
}

/// A page of `n` small filled and stroked curves: slow to render on purpose.
fn heavy_pdf(n: usize) -> Vec<u8> {
    let mut content = String::new();
    for i in 0..n {
        let (x, y) = (((i * 37) % 580) as i64, ((i * 53) % 780) as i64);
        content.push_str(&format!(
            "{} {} {} rg {x} {y} m {} {} {} {} {} {} c h f\n",
            (i % 7) as f32 / 7.0,
            (i % 5) as f32 / 5.0,
            (i % 3) as f32 / 3.0,
            x + 40,
            y + 90,
            x + 80,
            y - 30,
            x + 15,
            y + 25
        ));
    }
    pdf(&[
        Obj::Dict("<< /Type /Catalog /Pages 2 0 R >>".into()),
        Obj::Dict("<< /Type /Pages /Kids [3 0 R] /Count 1 >>".into()),
        Obj::Dict("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>".into()),
        Obj::Stream("<< >>".into(), content.into_bytes()),
    ])
}

struct Out {
    report: Value,
    dir: tempfile::TempDir,
}

impl Out {
    fn file(&self, i: usize) -> &Value {
        &self.report["files"][i]
    }

    fn output(&self, i: usize) -> Option<PathBuf> {
        self.file(i)["output"]["path"].as_str().map(PathBuf::from)
    }

    /// The detail of the finding that blocked file `i`.
    fn reason_detail(&self, i: usize) -> String {
        let f = self.file(i);
        let reason = f["reason"].as_str().unwrap_or("");
        common::all_findings(f)
            .into_iter()
            .filter(|x| x["code"] == reason)
            .filter_map(|x| x["detail"].as_str())
            .collect::<Vec<_>>()
            .join(" | ")
    }
}

fn sanitize(inputs: &[&Path], env: &[(&str, &str)], extra: &[&str]) -> Out {
    let dir = tempfile::tempdir().expect("scratch");
    let mut cmd = Command::new(common::kiyome());
    cmd.args(["sanitize", "--mode", "image-pdf", "--json"])
        .args(extra)
        .arg("--out")
        .arg(dir.path().join("out"))
        .args(inputs);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run kiyome");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    Out { report, dir }
}

fn write(dir: &Path, name: &str, data: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, data).expect("write input");
    p
}

fn ipa_installed() -> bool {
    let found = Path::new("/usr/share/fonts/opentype/ipafont-gothic").is_dir()
        || Path::new("/usr/share/fonts/truetype/fonts-japanese-gothic.ttf").exists();
    if !found {
        assert!(
            !kiyome_core::corpus::is_ci(),
            "fonts-ipafont is missing under CI: run scripts/install-deps.sh"
        );
        eprintln!("NOTICE: fonts-ipafont not installed; CJK rendering test skipped");
    }
    found
}

#[test]
fn non_embedded_japanese_cid_fonts_render_real_glyphs_with_the_ipa_fonts() {
    let (Some(pdftoppm), Some(pdfimages)) = (
        kiyome_core::corpus::peer_tool("pdftoppm"),
        kiyome_core::corpus::peer_tool("pdfimages"),
    ) else {
        return;
    };
    if !ipa_installed() {
        return;
    }
    let work = tempfile::tempdir().expect("scratch");
    let input = write(work.path(), "cjk-noembed.pdf", &cjk_pdf());
    let tofu = write(work.path(), "tofu.pdf", &tofu_pdf());
    let out = sanitize(&[&input], &[], &[]);
    assert_eq!(out.file(0)["verdict"], "released", "{}", out.report);
    let output = out.output(0).expect("output");
    let want = pixels::pdftoppm(&pdftoppm, &input, 150, &work.path().join("ref")).expect("poppler");
    let boxes = pixels::pdftoppm(&pdftoppm, &tofu, 150, &work.path().join("tofu")).expect("tofu");
    let got = pixels::pdfimages(&pdfimages, &output, &work.path().join("img")).expect("images");
    assert_eq!((want.len(), got.len(), boxes.len()), (1, 1, 1));
    let (want, got, boxes) = (&want[0], &got[0], &boxes[0]);
    assert_eq!(
        (got.w, got.h),
        (625, 334),
        "300×160 pt at 150 dpi, partial pixels counted"
    );
    // Each line of text, in pixels at 150 dpi: the Mincho line at y 95 pt, the Gothic one at
    // y 25 pt (PDF y grows upwards).
    let lines = [
        (0, 334 - (95 + 40) * 150 / 72, 625, 334 - 85 * 150 / 72),
        (0, 334 - (25 + 40) * 150 / 72, 625, 334 - 15 * 150 / 72),
    ];
    for (i, &(x0, y0, x1, y1)) in lines.iter().enumerate() {
        let region = |g: &Grey| {
            let mut px = Vec::new();
            for y in y0..y1 {
                px.extend_from_slice(&g.px[y * g.w + x0..y * g.w + x1]);
            }
            Grey {
                w: x1 - x0,
                h: y1 - y0,
                px,
            }
        };
        let (w, g, t) = (region(want), region(got), region(boxes));
        let ink = g.ink(128);
        assert!(
            ink > 1500,
            "line {i}: only {ink} dark pixels: the glyphs are blank"
        );
        let to_poppler = w.mean_diff(&g).expect("same size");
        let to_tofu = t.mean_diff(&g).expect("same size");
        // The glyphs are distinct characters, not one repeated box: the ink per glyph cell
        // differs.
        let cell = |k: usize| {
            let cw = 40 * 150 / 72;
            let x = 20 * 150 / 72 + k * cw;
            (0..g.h)
                .flat_map(|y| g.px[y * g.w + x..y * g.w + x + cw].to_vec())
                .filter(|&p| p < 128)
                .count()
        };
        let cells: Vec<usize> = (0..3).map(cell).collect();
        eprintln!(
            "line {i}: {ink} dark pixels, mean difference {to_poppler:.2} to pdftoppm, {to_tofu:.2} to tofu, ink per glyph {cells:?}"
        );
        assert!(
            cells[0] != cells[1] || cells[1] != cells[2],
            "line {i}: identical glyph cells {cells:?} (tofu)"
        );
        assert!(to_tofu > 15.0, "line {i}: looks like tofu ({to_tofu:.2})");
        if i == 1 {
            // MS-Gothic: poppler substitutes IPA Gothic too; the renderings agree.
            assert!(to_poppler < 4.0, "line {i}: {to_poppler:.2} to pdftoppm");
        } else {
            // MS-Mincho: kiyome draws IPA Mincho, poppler (fontconfig) a Gothic face: the
            // same characters in another style, further apart than anti-aliasing alone.
            assert!(to_poppler < 15.0, "line {i}: {to_poppler:.2} to pdftoppm");
        }
    }
}

#[test]
fn non_embedded_japanese_fonts_without_a_system_cjk_font_are_blocked_naming_the_packages() {
    let work = tempfile::tempdir().expect("scratch");
    let input = write(work.path(), "cjk-noembed.pdf", &cjk_pdf());
    let latin = test_fixture("pdf_clean.pdf");
    let out = sanitize(&[&input, &latin], &[("KIYOME_FONT_DIRS", "")], &[]);
    let f = out.file(0);
    assert_eq!(f["verdict"], "blocked", "{}", out.report);
    assert_eq!(f["reason"], "unsupported");
    let detail = out.reason_detail(0);
    assert!(
        detail.contains("fonts-ipafont") && detail.contains("fonts-noto-cjk"),
        "{detail}"
    );
    assert!(
        detail.contains("MS-Mincho") || detail.contains("MS-Gothic"),
        "{detail}"
    );
    assert!(
        out.dir
            .path()
            .join("out")
            .read_dir()
            .map(|d| d.count())
            .unwrap_or(0)
            <= 1,
        "nothing of the blocked file is written"
    );
    // A PDF with Latin text only still converts without any system font.
    assert_eq!(out.file(1)["verdict"], "released", "{}", out.report);
}

fn test_fixture(name: &str) -> PathBuf {
    let p = kiyome_core::corpus::fixtures_dir().join(name);
    assert!(p.is_file(), "fixture {name} missing");
    p
}

/// A directory of symlinks to the given tools only: a `PATH` on which the others are missing.
fn path_with(dir: &Path, tools: &[&str]) -> String {
    std::fs::create_dir_all(dir).expect("bin dir");
    for t in tools {
        if let Some(real) = kiyome_core::corpus::find_peer_tool(t) {
            std::os::unix::fs::symlink(real, dir.join(t)).expect("symlink");
        }
    }
    dir.display().to_string()
}

fn sandbox_available() -> bool {
    let ok = ["soffice", "bwrap", "prlimit"]
        .iter()
        .all(|t| kiyome_core::corpus::find_peer_tool(t).is_some());
    if !ok {
        assert!(
            !kiyome_core::corpus::is_ci(),
            "LibreOffice/bubblewrap missing under CI: run scripts/install-deps.sh"
        );
        eprintln!("NOTICE: LibreOffice or bubblewrap missing; office conversion test skipped");
    }
    ok
}

#[test]
fn office_and_rtf_convert_through_the_sandbox() {
    let Some(pdfinfo) = kiyome_core::corpus::peer_tool("pdfinfo") else {
        return;
    };
    if !sandbox_available() {
        return;
    }
    let inputs = [
        test_fixture("docx_clean_control.docx"),
        test_fixture("xlsx_clean_control.xlsx"),
        test_fixture("rtf_japanese_clean.rtf"),
        test_fixture("utf8_japanese.txt"),
    ];
    let refs: Vec<&Path> = inputs.iter().map(PathBuf::as_path).collect();
    let out = sanitize(&refs, &[], &[]);
    for (i, input) in inputs.iter().enumerate() {
        let f = out.file(i);
        assert_eq!(f["verdict"], "released", "{}: {}", input.display(), f);
        assert_eq!(f["output"]["kind"], "pdf");
        let pages = pixels::page_sizes(&pdfinfo, &out.output(i).unwrap()).expect("pdfinfo");
        assert!(!pages.is_empty());
    }
}

#[test]
fn without_libreoffice_or_bubblewrap_office_kinds_are_blocked_naming_the_packages() {
    let work = tempfile::tempdir().expect("scratch");
    let inputs = [
        test_fixture("docx_clean_control.docx"),
        test_fixture("rtf_japanese_clean.rtf"),
        test_fixture("pdf_clean.pdf"),
        test_fixture("clean_small.png"),
    ];
    let refs: Vec<&Path> = inputs.iter().map(PathBuf::as_path).collect();
    for (missing, tools, package) in [
        (
            "LibreOffice",
            &["bwrap", "prlimit"][..],
            "libreoffice-writer-nogui",
        ),
        ("bubblewrap", &["soffice", "prlimit"][..], "bubblewrap"),
    ] {
        let path = path_with(&work.path().join(missing), tools);
        let out = sanitize(&refs, &[("PATH", path.as_str())], &[]);
        for i in 0..2 {
            let f = out.file(i);
            assert_eq!(f["verdict"], "blocked", "{missing} missing: {f}");
            assert_eq!(f["reason"], "unsupported", "{f}");
            let d = out.reason_detail(i);
            assert!(
                d.contains(package) && d.contains("Debian"),
                "{missing} missing: {d}"
            );
        }
        for i in 2..4 {
            assert_eq!(
                out.file(i)["verdict"],
                "released",
                "{missing} missing: PDF and images still convert: {}",
                out.file(i)
            );
        }
    }
}

fn policy(dir: &Path, text: &str) -> PathBuf {
    let p = dir.join("policy.toml");
    std::fs::write(&p, text).expect("policy");
    p
}

#[test]
fn a_page_past_the_per_page_time_limit_blocks_the_file() {
    let work = tempfile::tempdir().expect("scratch");
    let input = write(work.path(), "heavy.pdf", &heavy_pdf(60_000));
    let pol = policy(work.path(), "[limits]\nmax_page_ms = 1\n");
    let start = std::time::Instant::now();
    let out = sanitize(&[&input], &[], &["--policy", pol.to_str().unwrap()]);
    let f = out.file(0);
    assert_eq!(f["verdict"], "blocked", "{f}");
    assert_eq!(f["reason"], "limit.page_time", "{f}");
    eprintln!("blocked after {:?}", start.elapsed());
    // With the default limit the same page renders.
    let out = sanitize(&[&input], &[], &[]);
    assert_eq!(out.file(0)["verdict"], "released", "{}", out.file(0));
}

#[test]
fn the_policy_sets_resolution_and_jpeg_quality() {
    let Some(pdfimages) = kiyome_core::corpus::peer_tool("pdfimages") else {
        return;
    };
    let work = tempfile::tempdir().expect("scratch");
    // A photographic page: the fixture photo.
    let photo = test_fixture("clean_small.jpg");
    let text = test_fixture("pdf_clean.pdf");
    let mut sizes = Vec::new();
    for (dpi, q) in [(72, 90), (150, 90), (150, 30)] {
        let pol = policy(
            work.path(),
            &format!("[image_pdf]\ndpi = {dpi}.0\njpeg_quality = {q}\n"),
        );
        let out = sanitize(&[&text, &photo], &[], &["--policy", pol.to_str().unwrap()]);
        assert_eq!(out.file(0)["verdict"], "released", "{}", out.file(0));
        assert_eq!(out.file(1)["verdict"], "released", "{}", out.file(1));
        let list = Command::new(&pdfimages)
            .arg("-list")
            .arg(out.output(0).unwrap())
            .output()
            .expect("pdfimages -list");
        let list = String::from_utf8_lossy(&list.stdout).into_owned();
        let row: Vec<&str> = list
            .lines()
            .nth(2)
            .unwrap_or("")
            .split_whitespace()
            .collect();
        // page num type width height color comp bpc enc interp object ID x-ppi y-ppi …
        assert_eq!(row.get(12), Some(&dpi.to_string().as_str()), "{list}");
        assert_eq!(row.get(8), Some(&"image"), "text page is lossless: {list}");
        let photo_pdf = std::fs::read(out.output(1).unwrap()).unwrap();
        let s = String::from_utf8_lossy(&photo_pdf);
        assert!(s.contains("/DCTDecode"), "a photo is stored as JPEG");
        sizes.push(photo_pdf.len());
    }
    assert!(
        sizes[2] < sizes[1],
        "quality 30 is smaller than quality 90: {sizes:?}"
    );
}

/// The opt-in invisible OCR layer through `kiyome sanitize`: the text comes back from the
/// rendered pixels (pdftotext reads it), one font is added and nothing else; off by default.
#[test]
fn the_policy_adds_an_invisible_ocr_text_layer_only_when_asked() {
    let (Some(pdftotext), Some(pdffonts)) = (
        kiyome_core::corpus::peer_tool("pdftotext"),
        kiyome_core::corpus::peer_tool("pdffonts"),
    ) else {
        return;
    };
    let jpn = kiyome_core::corpus::peer_tool("tesseract").is_some_and(|t| {
        Command::new(t).arg("--list-langs").output().is_ok_and(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l == "jpn")
        })
    });
    if !jpn || kiyome_core::corpus::peer_tool("bwrap").is_none() {
        assert!(
            !kiyome_core::corpus::is_ci(),
            "tesseract (jpn) or bubblewrap missing under CI: run scripts/install-deps.sh"
        );
        eprintln!("NOTICE: OCR unavailable; OCR layer test skipped");
        return;
    }
    let work = tempfile::tempdir().expect("scratch");
    let text = test_fixture("pdf_clean.pdf");
    let run = |pol: Option<&Path>| {
        let mut extra = vec![];
        if let Some(p) = pol {
            extra = vec!["--policy", p.to_str().unwrap()];
        }
        let out = sanitize(&[&text], &[], &extra);
        assert_eq!(out.file(0)["verdict"], "released", "{}", out.file(0));
        let pdf = out.output(0).unwrap();
        let t = Command::new(&pdftotext)
            .arg(&pdf)
            .arg("-")
            .output()
            .unwrap();
        let f = Command::new(&pdffonts).arg(&pdf).output().unwrap();
        let fonts = String::from_utf8_lossy(&f.stdout)
            .lines()
            .count()
            .saturating_sub(2);
        (String::from_utf8_lossy(&t.stdout).into_owned(), fonts, out)
    };
    let (plain, fonts, _) = run(None);
    assert!(plain.trim().is_empty(), "no text by default: {plain:?}");
    assert_eq!(fonts, 0, "no font by default");
    let pol = policy(work.path(), "[ocr]\nimage_pdf_text_layer = true\n");
    let (ocr, fonts, out) = run(Some(&pol));
    assert!(ocr.contains("fixture"), "OCR layer text: {ocr:?}");
    assert_eq!(fonts, 1, "the layer adds exactly one font");
    let detail = out.file(0)["findings"].to_string();
    assert!(detail.contains("invisible OCR text layer"), "{detail}");
}
