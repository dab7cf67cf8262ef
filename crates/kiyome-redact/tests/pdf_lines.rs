//! Lines after a removal keep the input's own positioning: absolute placement covers only the
//! rest of the line that lost glyphs; at the next line operator the line matrix is restored by
//! replaying the input's line operators, so readers place every later line from the input's
//! numbers (poppler snaps glyph origins to a quarter pixel: positions recomputed by kiyome
//! would move some lines by one). Operations that did not change keep the input's digits.

mod pdfgen;

use kiyome_pdf::rewrite::lopdf::{Document, dictionary};
use pdfgen::*;

const CONTENT: &str = "BT /F1 11 Tf 1 0 0 1 72.3 760.123456 Tm 13.7 TL \
    (Line one keeps its place) Tj 0 -14.35 Td (Secret Name here) Tj T* (Third line after) Tj \
    0.1 -14.2 TD (Fourth line) Tj (Fifth line) ' ET";

fn input() -> Vec<u8> {
    let mut doc = Document::with_version("1.7");
    let f = helvetica(&mut doc);
    let res = dictionary! { "Font" => dictionary! { "F1" => f } };
    document(&mut doc, vec![(CONTENT.as_bytes().to_vec(), res)])
}

fn content(data: &[u8]) -> String {
    let doc = Document::load_mem(data).expect("loads");
    let pid = doc.get_pages()[&1];
    String::from_utf8_lossy(&doc.get_page_content(pid)).into_owned()
}

/// pdftotext's word boxes: (word, the xMin/yMin/xMax/yMax attributes as printed).
fn words(data: &[u8]) -> Option<Vec<(String, String)>> {
    let xml = pdftotext(data, &["-bbox"])?;
    Some(
        xml.lines()
            .filter_map(|l| {
                let l = l.trim();
                let rest = l.strip_prefix("<word ")?;
                let (attrs, word) = rest.split_once('>')?;
                Some((
                    word.trim_end_matches("</word>").to_string(),
                    attrs.to_string(),
                ))
            })
            .collect(),
    )
}

fn numbers(attrs: &str) -> Vec<f64> {
    attrs
        .split('"')
        .skip(1)
        .step_by(2)
        .filter_map(|v| v.parse().ok())
        .collect()
}

/// The same words at the same boxes: exactly (as printed), except the words of `rest_of_line`
/// (the kept words after the removal on its line, placed absolutely) within 0.0001 pt.
fn same_boxes(a: &[(String, String)], b: &[(String, String)], rest_of_line: &[&str]) {
    assert_eq!(a.len(), b.len(), "{a:?}\n{b:?}");
    for ((wa, pa), (wb, pb)) in a.iter().zip(b) {
        assert_eq!(wa, wb);
        if pa == pb {
            continue;
        }
        assert!(
            rest_of_line.contains(&wa.as_str()),
            "{wa} moved: {pa} -> {pb}"
        );
        for (x, y) in numbers(pa).iter().zip(numbers(pb)) {
            assert!((x - y).abs() < 1e-4, "{wa} moved: {pa} -> {pb}");
        }
    }
}

#[test]
fn later_lines_are_drawn_from_the_inputs_own_line_operators() {
    let data = input();
    let (out, _) = redact(&data, &terms(&["Secret"]));
    let text = content(&out);
    // The line that lost a word is placed absolutely…
    assert!(!text.contains("Secret"), "{text}");
    // …and the lines after it are the input's operations, digits and all.
    for kept in [
        "760.123456 Tm",
        "(Third line after) Tj",
        "0.1 -14.2 TD",
        "(Fourth line) Tj",
        "(Fifth line) '",
    ] {
        assert!(text.contains(kept), "{kept:?} missing from:\n{text}");
    }
    // The replay restores the line matrix between the absolute run and the third line.
    let replay_at = text.find("(Third line after)").unwrap();
    let before = &text[..replay_at];
    let last_tm = before.rfind("760.123456 Tm").expect("replayed Tm");
    assert!(
        before[last_tm..].contains("0 -14.35 Td") && before[last_tm..].contains("T*"),
        "{text}"
    );
    // A reader places every kept word where it was, to pdftotext's six decimals.
    let (Some(a), Some(b)) = (words(&data), words(&out)) else {
        eprintln!("pdftotext missing: position check skipped");
        return;
    };
    let kept: Vec<_> = a.iter().filter(|(w, _)| w != "Secret").cloned().collect();
    same_boxes(&kept, &b, &["Name", "here"]);
    qpdf_check(&out);
}

#[test]
fn a_removal_on_the_last_line_needs_no_replay() {
    let data = input();
    let (out, _) = redact(&data, &terms(&["Fifth"]));
    let text = content(&out);
    assert!(!text.contains("Fifth"), "{text}");
    // Everything before the last line is untouched.
    for kept in [
        "(Line one keeps its place) Tj",
        "0 -14.35 Td",
        "(Third line after) Tj",
    ] {
        assert!(text.contains(kept), "{kept:?} missing from:\n{text}");
    }
    if let (Some(a), Some(b)) = (words(&data), words(&out)) {
        let kept: Vec<_> = a.iter().filter(|(w, _)| w != "Fifth").cloned().collect();
        same_boxes(&kept, &b[..], &["line"]);
    }
}
