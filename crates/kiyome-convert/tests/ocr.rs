//! OCR with tesseract (jpn+eng) in its sandbox, on pixels kiyome rendered or decoded itself
//! (issue 4): an image file's text in text mode, and the invisible text layer of an image-PDF
//! (opt-in), which `pdftotext` reads back while the page still shows only the image. Without
//! tesseract (outside CI) the tests print a notice and stop.

mod common;

use common::{JaFont, one_page};
use kiyome_convert::ocr::{self, OcrOptions};
use kiyome_convert::{ImagePdfOptions, PageImage};
use kiyome_core::{Budget, Kind, Limits};
use std::process::Command;

fn ocr_ready(opts: &OcrOptions) -> bool {
    match ocr::unavailable_reason(opts) {
        None => true,
        Some(r) => {
            assert!(
                !kiyome_core::corpus::is_ci(),
                "OCR unavailable under CI: {r}"
            );
            eprintln!("NOTICE: {r}; OCR test skipped");
            false
        }
    }
}

/// A page kiyome renders from a generated PDF: Japanese and Latin lines in a system font.
fn page() -> Option<PageImage> {
    if !kiyome_convert::cjk_available() {
        assert!(
            !kiyome_core::corpus::is_ci(),
            "no CJK font under CI (fonts-ipafont)"
        );
        eprintln!("NOTICE: no CJK system font; OCR test skipped");
        return None;
    }
    let ucs2 = |s: &str| common::hex(&s.encode_utf16().collect::<Vec<u16>>());
    let content = format!(
        "BT /F1 40 Tf 1 0 0 1 60 740 Tm {} Tj 1 0 0 1 60 680 Tm {} Tj ET\n",
        ucs2("東京都千代田区役所"),
        ucs2("Hello 2024")
    );
    let pdf = one_page(
        content.as_bytes(),
        JaFont::Predefined {
            cmap: "UniJIS-UCS2-H",
            program: None,
        },
    );
    let budget = Budget::new(&Limits::default());
    let mut pages = kiyome_convert::render_pages(&pdf, None, 150.0, &budget).unwrap();
    Some(pages.remove(0))
}

/// Share of the characters of `want` (spaces aside) found in `got`.
fn found(want: &str, got: &str) -> f64 {
    let mut pool: Vec<char> = got.chars().collect();
    let mut n = 0;
    let mut hit = 0;
    for c in want.chars().filter(|c| !c.is_whitespace()) {
        n += 1;
        if let Some(i) = pool.iter().position(|p| *p == c) {
            pool.swap_remove(i);
            hit += 1;
        }
    }
    hit as f64 / n as f64
}

#[test]
fn an_image_is_read_by_ocr_when_the_policy_asks() {
    let opts = OcrOptions {
        images: true,
        ..OcrOptions::default()
    };
    let Some(page) = page() else { return };
    if !ocr_ready(&opts) {
        return;
    }
    let mut png = Vec::new();
    image::RgbImage::from_raw(page.width_px, page.height_px, page.rgb.clone())
        .unwrap()
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let budget = Budget::new(&Limits::default());
    let text =
        kiyome_convert::text::extract(&png, Kind::Png, None, &Default::default(), &opts, &budget)
            .unwrap();
    assert!(found("東京都千代田区役所", &text) >= 0.8, "{text:?}");
    assert!(text.contains("Hello") && text.contains("2024"), "{text:?}");
    // Japanese words come without the spaces tesseract puts between them.
    assert!(!text.contains("東 京"), "{text:?}");
    // With OCR off, the same image is refused with what to set.
    let off = kiyome_convert::text::extract(
        &png,
        Kind::Png,
        None,
        &Default::default(),
        &OcrOptions::default(),
        &budget,
    )
    .unwrap_err();
    assert!(off.to_string().contains("[ocr] images = true"), "{off}");
}

fn peer(name: &str, args: &[&str], pdf: &[u8]) -> Option<(bool, String)> {
    let tool = kiyome_core::corpus::peer_tool(name)?;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("o.pdf");
    std::fs::write(&p, pdf).unwrap();
    let out = Command::new(tool)
        .args(args)
        .arg(&p)
        .args(if name == "pdftotext" {
            &["-"][..]
        } else {
            &[][..]
        })
        .output()
        .unwrap();
    Some((
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    ))
}

#[test]
fn the_opt_in_text_layer_is_invisible_text_that_pdftotext_reads() {
    let opts = OcrOptions {
        image_pdf_text_layer: true,
        ..OcrOptions::default()
    };
    let Some(page) = page() else { return };
    if !ocr_ready(&opts) {
        return;
    }
    let words = ocr::page_words(&page, Some(150.0), &opts).unwrap();
    assert!(words.len() >= 2, "{words:?}");
    let layers = vec![words];
    let iopts = ImagePdfOptions::default();
    let (with, _) = kiyome_convert::imagepdf::build_with_text(
        std::slice::from_ref(&page),
        &iopts,
        Some(&layers),
    )
    .unwrap();
    let (without, _) =
        kiyome_convert::imagepdf::build(std::slice::from_ref(&page), &iopts).unwrap();
    let s = String::from_utf8_lossy(&with);
    assert!(s.contains("3 Tr"), "text render mode 3 (invisible)");
    assert!(!String::from_utf8_lossy(&without).contains("/Font"));
    if let Some((ok, out)) = peer("qpdf", &["--check"], &with) {
        assert!(ok && !out.contains("WARNING"), "{out}");
    }
    if let Some((_, text)) = peer("pdftotext", &["-q"], &with) {
        assert!(found("東京都千代田区役所", &text) >= 0.8, "{text:?}");
        assert!(text.contains("Hello"), "{text:?}");
    }
    if let Some((_, text)) = peer("pdftotext", &["-q"], &without) {
        assert!(text.trim().is_empty(), "{text:?}");
    }
    if let Some((_, fonts)) = peer("pdffonts", &[], &with) {
        let rows: Vec<&str> = fonts
            .lines()
            .skip(2)
            .filter(|l| !l.trim().is_empty())
            .collect();
        assert_eq!(rows.len(), 1, "{fonts}");
        assert!(rows[0].starts_with("KiyomeOCRText"), "{fonts}");
    }
    // The page looks the same: rendering the two outputs gives the same pixels.
    let budget = Budget::new(&Limits::default());
    let a = kiyome_convert::render_pages(&with, None, 72.0, &budget).unwrap();
    let b = kiyome_convert::render_pages(&without, None, 72.0, &budget).unwrap();
    assert_eq!(a[0].rgb, b[0].rgb, "the text layer is visible");
}
