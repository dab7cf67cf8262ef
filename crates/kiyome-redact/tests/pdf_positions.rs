//! The glyph-position defence ("Story Beyond the Eye", PETS 2023): after a name is removed,
//! no distance that can be computed from the output's content stream — between any two glyph
//! edges on the line, box edges, or any operand (Td, Tm, TJ adjustments) — equals the width
//! of the removed text to 0.01 pt. Several widths, fonts (monospaced and proportional CID
//! fonts, Helvetica), sizes, pieces (one Tj, TJ with kerning, a separate text object), and
//! vertical writing. The defence is `--hide-positions` (`Plan::hide_positions`); without it,
//! kept text stays in place.

mod pdfgen;

use kiyome_pdf::rewrite::lopdf::{Document, Object, dictionary};
use pdfgen::*;
use std::collections::BTreeMap;

struct Case {
    font: &'static str,
    size: f64,
    x: f64,
    prefix: &'static str,
    name: &'static str,
    suffix: &'static str,
    /// 0: one Tj; 1: TJ pieces with kerning around the name; 2: suffix in its own BT.
    style: u8,
}

const CASES: &[Case] = &[
    Case {
        font: "F1",
        size: 10.5,
        x: 72.3,
        prefix: "氏名：",
        name: "山田太郎",
        suffix: "様（本人）",
        style: 0,
    },
    Case {
        font: "F2",
        size: 11.7,
        x: 71.9,
        prefix: "申請者：",
        name: "佐々木美咲",
        suffix: "様",
        style: 1,
    },
    Case {
        font: "F2",
        size: 9.3,
        x: 80.15,
        prefix: "担当",
        name: "高橋一",
        suffix: "が確認",
        style: 2,
    },
    Case {
        font: "F3",
        size: 12.2,
        x: 72.7,
        prefix: "Applicant: ",
        name: "Taro Yamada",
        suffix: " (self)",
        style: 0,
    },
    Case {
        font: "F3",
        size: 8.9,
        x: 90.05,
        prefix: "Dear ",
        name: "Wilhelmina",
        suffix: ", thanks",
        style: 1,
    },
    Case {
        font: "F3",
        size: 13.3,
        x: 60.4,
        prefix: "To ",
        name: "Mr Q. Public",
        suffix: " now",
        style: 2,
    },
];

struct Fonts {
    gothic: CidFont,
    pgothic: CidFont,
}

impl Fonts {
    fn show(&self, font: &str, s: &str) -> String {
        match font {
            "F1" | "F4" => self.gothic.hex(s),
            "F2" => self.pgothic.hex(s),
            _ => format!("({})", s.replace('(', "\\(").replace(')', "\\)")),
        }
    }
    /// Advance of `s` in 1/1000 em.
    fn width(&self, font: &str, s: &str) -> f64 {
        match font {
            "F1" => self.gothic.width(s),
            "F2" => self.pgothic.width(s),
            "F4" => 1000.0 * s.chars().count() as f64,
            _ => s.bytes().map(|b| helv_width(b) as f64).sum(),
        }
    }
    /// code → advance for decoding the output.
    fn table(&self, font: &str) -> (usize, BTreeMap<u32, f64>) {
        match font {
            "F1" | "F4" | "F2" => {
                let f = if font == "F2" {
                    &self.pgothic
                } else {
                    &self.gothic
                };
                let vertical = font == "F4";
                (
                    2,
                    f.widths
                        .iter()
                        .map(|(g, w)| (u32::from(*g), if vertical { 1000.0 } else { *w as f64 }))
                        .collect(),
                )
            }
            _ => (
                1,
                (32u32..127)
                    .map(|c| (c, helv_width(c as u8) as f64))
                    .collect(),
            ),
        }
    }
}

fn build() -> (Vec<u8>, Fonts) {
    let all: String = CASES
        .iter()
        .map(|c| format!("{}{}{}", c.prefix, c.name, c.suffix))
        .collect::<String>()
        + "縦書きの山田太郎様です";
    let fonts = Fonts {
        gothic: CidFont::new(IPA_GOTHIC, &all),
        pgothic: CidFont::new(IPA_PGOTHIC, &all),
    };
    let mut doc = Document::with_version("1.7");
    let f1 = fonts.gothic.add(&mut doc, false);
    let f2 = fonts.pgothic.add(&mut doc, false);
    let f3 = helvetica(&mut doc);
    let f4 = fonts.gothic.add(&mut doc, true);
    let mut c = String::new();
    let mut y = 780.0;
    for k in CASES {
        let (p, n, s) = (
            fonts.show(k.font, k.prefix),
            fonts.show(k.font, k.name),
            fonts.show(k.font, k.suffix),
        );
        let f = k.font;
        let sz = k.size;
        let x = k.x;
        match k.style {
            0 => c.push_str(&format!(
                "BT /{f} {sz} Tf {x} {y} Td {} Tj ET\n",
                fonts.show(f, &format!("{}{}{}", k.prefix, k.name, k.suffix))
            )),
            1 => c.push_str(&format!(
                "BT /{f} {sz} Tf {x} {y} Td [{p} -37 {n} 23 {s}] TJ ET\n"
            )),
            _ => {
                let adv = (fonts.width(f, k.prefix) + fonts.width(f, k.name)) * sz / 1000.0;
                c.push_str(&format!("BT /{f} {sz} Tf {x} {y} Td [{p} {n}] TJ ET\nBT /{f} {sz} Tf 1 0 0 1 {:.4} {y} Tm {s} Tj ET\n", x + adv));
            }
        }
        y -= 40.0;
    }
    // Vertical: a column at x = 500 from y = 700 down, 13.3 pt.
    c.push_str(&format!(
        "BT /F4 13.3 Tf 500.3 700.45 Td {} Tj ET\n",
        fonts.show("F4", "縦書きの山田太郎様です")
    ));
    let res =
        dictionary! { "Font" => dictionary! { "F1" => f1, "F2" => f2, "F3" => f3, "F4" => f4 } };
    (document(&mut doc, vec![(c.into_bytes(), res)]), fonts)
}

fn num(o: &Object) -> f64 {
    match o {
        Object::Integer(i) => *i as f64,
        Object::Real(r) => f64::from(*r),
        _ => f64::NAN,
    }
}

/// Glyphs (font, start x, start y, end x, end y), operand numbers, boxes.
type Layout = (Vec<(String, f64, f64, f64, f64)>, Vec<f64>, Vec<[f64; 4]>);

/// Positions (x, y) of every glyph start and end in the output, per font, and every number
/// an operand carries (scaled to points where it is a TJ adjustment).
fn positions(data: &[u8], fonts: &Fonts) -> Layout {
    let ops = page_ops(data, 1);
    let mut glyphs = Vec::new();
    let mut numbers = Vec::new();
    let mut boxes = Vec::new();
    let (mut font, mut fs) = (String::new(), 0.0);
    let mut tm = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];
    let mut tlm = tm;
    for op in ops {
        let o = &op.operands;
        match op.operator.as_str() {
            "BT" => {
                tm = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];
                tlm = tm;
            }
            "Tf" => {
                font = String::from_utf8_lossy(o[0].as_name().unwrap()).into_owned();
                fs = num(&o[1]);
            }
            "Td" => {
                numbers.extend(o.iter().map(num));
                tlm[4] += num(&o[0]);
                tlm[5] += num(&o[1]);
                tm = tlm;
            }
            "Tm" => {
                for (i, v) in o.iter().enumerate() {
                    tm[i] = num(v);
                }
                numbers.extend([tm[4], tm[5]]);
                tlm = tm;
            }
            "re" => boxes.push([
                num(&o[0]),
                num(&o[1]),
                num(&o[0]) + num(&o[2]),
                num(&o[1]) + num(&o[3]),
            ]),
            "Tj" | "TJ" => {
                let (len, table) = fonts.table(&font);
                let vertical = font == "F4";
                let items: Vec<Object> = match (&op.operator[..], &o[0]) {
                    ("TJ", Object::Array(a)) => a.clone(),
                    _ => vec![o[0].clone()],
                };
                for it in items {
                    match it {
                        Object::String(b, _) => {
                            for chunk in b.chunks(len) {
                                let code = chunk.iter().fold(0u32, |a, &x| (a << 8) | u32::from(x));
                                let w = table.get(&code).copied().unwrap_or(1000.0) * fs / 1000.0;
                                let (x0, y0) = (tm[4], tm[5]);
                                if vertical {
                                    tm[5] -= w;
                                } else {
                                    tm[4] += w;
                                }
                                glyphs.push((font.clone(), x0, y0, tm[4], tm[5]));
                            }
                        }
                        other => {
                            let a = num(&other);
                            numbers.push(a);
                            numbers.push(a * fs / 1000.0);
                            if vertical {
                                tm[5] += a * fs / 1000.0;
                            } else {
                                tm[4] -= a * fs / 1000.0;
                            }
                        }
                    }
                }
            }
            "Tw" | "Tc" | "TL" | "TD" => numbers.extend(o.iter().map(num)),
            _ => {}
        }
    }
    (glyphs, numbers, boxes)
}

fn check(
    widths: &[(f64, bool, f64)],
    data: &[u8],
    fonts: &Fonts,
    strict_fraction: bool,
) -> Vec<String> {
    let (glyphs, numbers, boxes) = positions(data, fonts);
    let mut bad = Vec::new();
    for &(w, vertical, line) in widths {
        // Every coordinate along the line: glyph edges and box edges on that line; the
        // distances that can encode the removed width are the ones across a box.
        let mut coords: Vec<f64> = Vec::new();
        let mut spans: Vec<(f64, f64)> = Vec::new();
        for (_, x0, y0, x1, y1) in &glyphs {
            if vertical && (x0 - line).abs() < 1.0 {
                coords.extend([*y0, *y1]);
            } else if !vertical && (y0 - line).abs() < 1.0 {
                coords.extend([*x0, *x1]);
            }
        }
        for b in &boxes {
            if vertical && b[0] <= line && line <= b[2] {
                coords.extend([b[1], b[3]]);
                spans.push((b[1], b[3]));
            } else if !vertical && b[1] <= line && line <= b[3] {
                coords.extend([b[0], b[2]]);
                spans.push((b[0], b[2]));
            }
        }
        if strict_fraction {
            assert!(!spans.is_empty(), "no box on line {line}");
        } else {
            // The input has no box: the name's own extent is the span.
            spans.push((f64::NEG_INFINITY, f64::INFINITY));
        }
        for (lo, hi) in &spans {
            for a in coords.iter().filter(|a| **a <= lo + 1.0 || !lo.is_finite()) {
                for b in coords.iter().filter(|b| **b >= hi - 1.0 || !hi.is_finite()) {
                    if ((a - b).abs() - w).abs() < 0.01 {
                        bad.push(format!(
                            "distance {a}..{b} across the box = removed width {w}"
                        ));
                    }
                }
            }
        }
        for n in &numbers {
            if (n.abs() - w).abs() < 0.01 {
                bad.push(format!("operand {n} = removed width {w}"));
            }
        }
        // The box edge itself is whole points: it cannot say more than that.
        if strict_fraction {
            for b in &boxes {
                for v in b {
                    assert_eq!(v.fract(), 0.0, "box edge {v} not on a whole point");
                }
            }
        }
    }
    bad
}

fn removed_widths(fonts: &Fonts) -> Vec<(f64, bool, f64)> {
    let mut v: Vec<(f64, bool, f64)> = Vec::new();
    let mut y = 780.0;
    for k in CASES {
        let mut w = fonts.width(k.font, k.name) * k.size / 1000.0;
        if k.style == 1 {
            // The kerning before the suffix belongs to the removed span's distance too.
            let n = fonts.width(k.font, k.name);
            v.push(((n - 23.0) * k.size / 1000.0, false, y));
            v.push(((n + 37.0) * k.size / 1000.0, false, y));
            w = (n + 37.0 - 23.0) * k.size / 1000.0;
        }
        v.push((w, false, y));
        y -= 40.0;
    }
    v.push((4.0 * 13.3, true, 500.3));
    v
}

/// The plan of the names with the position defence on (`--hide-positions`).
fn hiding(names: &[&str]) -> kiyome_redact::Plan {
    kiyome_redact::Plan {
        hide_positions: true,
        ..terms(names)
    }
}

#[test]
fn without_the_defence_kept_text_stays_exactly_where_it_was() {
    // The default keeps every kept glyph in place (rendering outside the boxes unchanged);
    // its positions then tell the removed width as precisely as the box does, which this
    // check finds.
    let (input, fonts) = build();
    let names: Vec<&str> = CASES.iter().map(|c| c.name).collect();
    let (out, _) = redact(&input, &terms(&names));
    let (before, _, _) = positions(&input, &fonts);
    let (after, _, _) = positions(&out, &fonts);
    for (_, x0, y0, _, _) in &after {
        assert!(
            before
                .iter()
                .any(|(_, bx, by, _, _)| (bx - x0).abs() < 1e-3 && (by - y0).abs() < 1e-3),
            "glyph at {x0},{y0} moved"
        );
    }
    assert!(!check(&removed_widths(&fonts), &out, &fonts, true).is_empty());
}

#[test]
fn input_does_leak_the_widths_this_test_looks_for() {
    // The check is real: on the input (the name still there) the distances exist.
    let (input, fonts) = build();
    let bad = check(&removed_widths(&fonts), &input, &fonts, false);
    assert!(bad.len() >= CASES.len(), "{bad:#?}");
}

#[test]
fn no_distance_in_the_output_equals_a_removed_width() {
    let (input, fonts) = build();
    let names: Vec<&str> = CASES.iter().map(|c| c.name).collect();
    let (out, _) = redact(&input, &hiding(&names));
    let bad = check(&removed_widths(&fonts), &out, &fonts, true);
    assert!(bad.is_empty(), "{bad:#?}");
    // And the text around the names stays.
    if let Some(t) = pdftotext(&out, &[]) {
        let t = squash(&t);
        for k in CASES {
            assert!(
                t.contains(&squash(k.suffix)) && t.contains(&squash(k.prefix)),
                "{} lost: {t}",
                k.suffix
            );
            assert!(!t.contains(&squash(k.name)));
        }
        assert!(t.contains("縦書きの") && t.contains("様です"), "{t}");
    }
}

#[test]
fn kept_text_after_a_removal_moves_less_than_a_point() {
    let (input, fonts) = build();
    let names: Vec<&str> = CASES.iter().map(|c| c.name).collect();
    let (out, _) = redact(&input, &hiding(&names));
    let (before, _, _) = positions(&input, &fonts);
    let (after, _, _) = positions(&out, &fonts);
    // Match suffix glyphs by order per line: every kept glyph is within 1 pt of where it was
    // (the same position before the removal, at most one point further after it).
    for (_, x0, y0, _, _) in &after {
        let near = before.iter().any(|(_, bx, by, _, _)| {
            (by - y0).abs() < 0.01 && (x0 - bx) >= -1e-3 && (x0 - bx) < 1.0 + 1e-3
                || (bx - x0).abs() < 0.01 && (y0 - by) <= 1e-3 && (by - y0) < 1.0 + 1e-3
        });
        assert!(near, "glyph at {x0},{y0} moved more than a point");
    }
}
