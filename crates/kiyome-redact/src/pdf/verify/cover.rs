//! Covered content: live text or image pixels under an opaque filled rectangle drawn later —
//! the black box over text that anyone can lift off, or over part of a scanned page.
//!
//! A glyph counts as covered when [`COVERED_SHARE`] of its box (the ink box from a TrueType
//! program, else advance × ascent–descent, as viewers lay out text) lies inside the
//! rectangle moved in by [`EDGE`]: it is then hidden, yet extractable. A neighbour that a box
//! only overlaps at its edge (a box rounded outwards, tight CJK punctuation, a form field
//! drawn over the tip of its arrow) is not counted. Glyphs of white space are not counted. An image counts when any pixel centre lies inside the rectangle moved in by
//! [`EDGE`] and the pixels there are not all the same value (a box over pixels that were
//! overwritten with one colour hides nothing; one over a photo or a scan does). Images that
//! cannot be decoded under a box are reported too: they cannot be shown to be clean.

use super::geo::R;
use super::pixels;
use super::walk::{Fill, Glyph, Img};
use kiyome_pdf::rewrite::lopdf::Document;
use std::collections::HashMap;

/// Grid cell size for the glyph index, in points.
const CELL: f64 = 36.0;
/// A box edge is rounded outwards to whole points by writers (kiyome's own boxes are): the
/// outermost point of a box may cover pixels that lie outside the redacted area.
pub(crate) const EDGE: f64 = 1.0;
/// Share of a glyph's box that must be under a box for the glyph to count as covered.
const COVERED_SHARE: f64 = 0.8;
/// Fills smaller than this (in pt²) cover no glyph worth reporting.
const MIN_FILL_AREA: f64 = 1.0;
/// Most glyph–fill comparisons per page.
const MAX_TESTS: u64 = 50_000_000;

/// One covered-content finding.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Covered {
    /// The opaque rectangle (page space).
    pub by: R,
    /// What is under it (`N glyphs`, `image pixels`, `image (cannot be decoded: …)`).
    pub what: String,
    /// The box of what is under it (the union of the covered glyphs, or the image).
    pub at: R,
}

fn cells(r: &R) -> Option<(i64, i64, i64, i64)> {
    let c = |v: f64| (v / CELL).floor().clamp(-1e6, 1e6) as i64;
    let (a, b, x, y) = (c(r.x0), c(r.y0), c(r.x1), c(r.y1));
    ((x - a + 1) * (y - b + 1) <= 4096).then_some((a, b, x, y))
}

fn union(a: Option<R>, b: &R) -> R {
    match a {
        None => *b,
        Some(a) => R {
            x0: a.x0.min(b.x0),
            y0: a.y0.min(b.y0),
            x1: a.x1.max(b.x1),
            y1: a.y1.max(b.y1),
        },
    }
}

/// Checks one page. `max_pixels` bounds the samples decoded per image.
pub(crate) fn check(
    doc: &Document,
    glyphs: &[Glyph],
    fills: &[Fill],
    images: &[Img],
    max_pixels: u64,
) -> (Vec<Covered>, bool) {
    let mut out = Vec::new();
    let mut complete = true;
    // Glyph index.
    let mut grid: HashMap<(i64, i64), Vec<usize>> = HashMap::new();
    let mut big: Vec<usize> = Vec::new();
    for (i, g) in glyphs.iter().enumerate() {
        match cells(&g.bbox) {
            Some((a, b, x, y)) => {
                for cx in a..=x {
                    for cy in b..=y {
                        grid.entry((cx, cy)).or_default().push(i);
                    }
                }
            }
            None => big.push(i),
        }
    }
    let mut tests = 0u64;
    let mut reported = vec![false; glyphs.len()];
    for f in fills.iter().filter(|f| f.r.area() >= MIN_FILL_AREA) {
        let Some(inner) = f.r.shrunk(EDGE) else {
            continue;
        };
        let mut under = 0usize;
        let mut at: Option<R> = None;
        let mut candidates: Vec<usize> = big.clone();
        match cells(&f.r) {
            Some((a, b, x, y)) => {
                for cx in a..=x {
                    for cy in b..=y {
                        if let Some(v) = grid.get(&(cx, cy)) {
                            candidates.extend(v);
                        }
                    }
                }
            }
            // A fill larger than the grid covers: every glyph is a candidate.
            None => candidates = (0..glyphs.len()).collect(),
        }
        candidates.sort_unstable();
        candidates.dedup();
        for i in candidates {
            tests += 1;
            if tests > MAX_TESTS {
                complete = false;
                break;
            }
            let g = &glyphs[i];
            if g.seq >= f.seq || reported[i] || g.blank {
                continue;
            }
            let a = g.bbox.area();
            if a > 0.0
                && let Some(x) = g.bbox.inter(&inner)
                && x.area() >= COVERED_SHARE * a
            {
                reported[i] = true;
                under += 1;
                at = Some(union(at, &g.bbox));
            }
        }
        if let Some(at) = at {
            out.push(Covered {
                by: f.r,
                what: format!("{under} glyphs"),
                at,
            });
        }
        for img in images.iter().filter(|i| i.seq < f.seq) {
            let Some(ib) = R::mapped(0.0, 0.0, 1.0, 1.0, &img.ctm) else {
                continue;
            };
            let Some(region) = ib.inter(&inner) else {
                continue;
            };
            let what = match pixels::uniform_under(doc, img, &region, max_pixels) {
                Ok(true) => continue,
                Ok(false) => "image pixels that are not one colour".to_string(),
                Err(e) => format!("an image that cannot be checked ({e})"),
            };
            out.push(Covered {
                by: f.r,
                what,
                at: ib,
            });
        }
    }
    (out, complete)
}
