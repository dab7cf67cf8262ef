//! PDF text in reading order, on generated Japanese PDFs (issue 4): horizontal lines top to
//! bottom and left to right whatever the drawing order, vertical writing (縦書き) in columns
//! from right to left, CID fonts through ToUnicode (Identity-H/V) and through the predefined
//! CMaps 90ms-RKSJ-H and UniJIS-UCS2-H/V (embedded or not), and no control characters but
//! newline and tab in the output. Where poppler is installed, `pdftotext` reads the same text.

mod common;

use common::{JaFont, embeddable_font, hex, one_page};
use kiyome_core::{Budget, Limits};

fn text(pdf: &[u8]) -> String {
    kiyome_convert::pdftext::pdf_text(pdf, None, &Budget::new(&Limits::default())).unwrap()
}

/// `pdftotext` of the same PDF, without spaces and line ends, when poppler is installed.
fn poppler(pdf: &[u8]) -> Option<String> {
    let tool = kiyome_core::corpus::peer_tool("pdftotext")?;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("t.pdf");
    std::fs::write(&p, pdf).unwrap();
    let out = std::process::Command::new(tool)
        .arg("-q")
        .arg(&p)
        .arg("-")
        .output()
        .unwrap();
    Some(
        String::from_utf8_lossy(&out.stdout)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect(),
    )
}

fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn assert_clean(s: &str) {
    assert!(
        !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t'),
        "control characters in {s:?}"
    );
    assert!(
        !s.contains(['\u{202e}', '\u{feff}']),
        "format characters in {s:?}"
    );
}

const MAP: &[(u16, &str)] = &[
    (1, "東"),
    (2, "京"),
    (3, "都"),
    (4, "大"),
    (5, "阪"),
    (6, "府"),
    (7, "市"),
    (8, "役"),
    (9, "所"),
    (10, "\u{7}"),
    (11, "\u{202e}"),
];

#[test]
fn horizontal_lines_come_top_to_bottom_and_left_to_right_whatever_the_drawing_order() {
    let content = format!(
        "BT /F1 20 Tf 1 0 0 1 72 700 Tm {l2a} Tj ET\n\
         BT /F1 20 Tf 1 0 0 1 72 750 Tm {l1} Tj ET\n\
         BT /F1 20 Tf 1 0 0 1 152 700 Tm {l2b} Tj ET\n\
         BT /F1 20 Tf 1 0 0 1 400 750 Tm {cell} Tj ET\n\
         BT /F1 20 Tf 1 0 0 1 112 650 Tm {c} Tj 1 0 0 1 92 650 Tm {b} Tj 1 0 0 1 72 650 Tm {a} Tj ET\n",
        l2a = hex(&[7, 8, 9]),
        l1 = hex(&[1, 2, 3]),
        l2b = hex(&[4, 5, 6, 10, 11]),
        cell = hex(&[4]),
        a = hex(&[1]),
        b = hex(&[2]),
        c = hex(&[3]),
    );
    let pdf = one_page(
        content.as_bytes(),
        JaFont::Identity {
            vertical: false,
            map: MAP,
        },
    );
    let t = text(&pdf);
    assert_clean(&t);
    // A gap of an em is a space; a gap of many (a table cell) is a tab.
    assert_eq!(t, "東京都\t大\n市役所 大阪府\n東京都\n");
    if let Some(p) = poppler(&pdf) {
        // poppler reads the far cell as a block of its own and keeps the control and bidi
        // characters: the same characters, in another order.
        let sorted = |s: &str| {
            let mut v: Vec<char> = squeeze(&kiyome_convert::text::clean(s)).chars().collect();
            v.sort();
            v
        };
        assert_eq!(sorted(&p), sorted(&t));
    }
}

#[test]
fn vertical_columns_come_right_to_left_and_top_to_bottom() {
    // The left column is drawn first; 縦書き reads the right one first.
    let content = format!(
        "BT /F1 20 Tf 1 0 0 1 470 780 Tm {left} Tj ET\n\
         BT /F1 20 Tf 1 0 0 1 500 780 Tm {right} Tj ET\n\
         BT /F1 20 Tf 1 0 0 1 440 780 Tm {third} Tj ET\n",
        left = hex(&[4, 5, 6]),
        right = hex(&[1, 2, 3]),
        third = hex(&[7, 8, 9]),
    );
    let pdf = one_page(
        content.as_bytes(),
        JaFont::Identity {
            vertical: true,
            map: MAP,
        },
    );
    let t = text(&pdf);
    assert_clean(&t);
    assert_eq!(t, "東京都\n大阪府\n市役所\n");
    if let Some(p) = poppler(&pdf) {
        assert_eq!(p, squeeze(&t));
    }
}

/// Shift_JIS bytes of `s` as a PDF literal string (octal escapes).
fn sjis(s: &str) -> String {
    let (b, _, _) = encoding_rs::SHIFT_JIS.encode(s);
    let esc: String = b.iter().map(|x| format!("\\{x:03o}")).collect();
    format!("({esc})")
}

fn ucs2(s: &str) -> String {
    let codes: Vec<u16> = s.encode_utf16().collect();
    hex(&codes)
}

#[test]
fn predefined_japanese_cmaps_decode_without_tounicode_embedded_or_not() {
    let program = embeddable_font();
    let cases: [(&str, String, &str); 3] = [
        (
            "90ms-RKSJ-H",
            sjis("東京都千代田区 abc"),
            "東京都千代田区 abc\n",
        ),
        ("UniJIS-UCS2-H", ucs2("住民票の写し"), "住民票の写し\n"),
        ("UniJIS-UCS2-V", ucs2("縦書きの文書"), "縦書きの文書\n"),
    ];
    for (cmap, string, want) in &cases {
        let content = format!("BT /F1 24 Tf 1 0 0 1 100 700 Tm {string} Tj ET\n");
        for embedded in [false, true] {
            if embedded && program.is_none() {
                continue;
            }
            let font = JaFont::Predefined {
                cmap,
                program: if embedded { program.as_deref() } else { None },
            };
            let pdf = one_page(content.as_bytes(), font);
            let t = text(&pdf);
            assert_clean(&t);
            assert_eq!(&t, want, "{cmap}, embedded: {embedded}");
            if let Some(p) = poppler(&pdf) {
                assert_eq!(p, squeeze(want), "pdftotext, {cmap}, embedded: {embedded}");
            }
        }
    }
}

#[test]
fn fake_bold_drawn_twice_is_read_once() {
    // The same line drawn again 0.3 pt to the right (a common fake bold).
    let content = format!(
        "BT /F1 20 Tf 1 0 0 1 72 700 Tm {s} Tj ET\nBT /F1 20 Tf 1 0 0 1 72.3 700 Tm {s} Tj ET\n",
        s = hex(&[1, 2, 3])
    );
    let pdf = one_page(
        content.as_bytes(),
        JaFont::Identity {
            vertical: false,
            map: MAP,
        },
    );
    assert_eq!(text(&pdf), "東京都\n");
}
