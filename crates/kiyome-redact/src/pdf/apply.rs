//! Deciding what goes and rewriting the content streams.
//!
//! **Text.** Glyphs are grouped into lines (content order, same baseline; vertical writing:
//! same column), the plan is matched on each line's Unicode text — across Tj/TJ pieces and
//! text objects — and the glyphs under a match, or whose box meets an area, are removed
//! (with `mask_length`, widened to whole words, or to the whole line for CJK text).
//!
//! **No glyph-position leak.** From a show operation that loses a glyph to the next line
//! operator, text is written in *absolute mode*: every remaining run of glyphs is placed by
//! its own `Tm` and TJ adjustments next to removed glyphs are dropped. Glyph advances never
//! move the line matrix, so at the next `Td`, `TD`, `T*`, `Tm`, `'` or `"` the line matrix is
//! restored by replaying the input's own line operators since the text object began (or its
//! last `Tm`), and the lines after are written as they were. With `hide_positions`, the kept text after a removal on a line (in any text
//! object of the line) moves forward to the next whole point along the line, as the box
//! edges are whole points: no distance in the output says more about the removed width than
//! the box does. Without it, kept text stays exactly where it was.
//!
//! **Images, paths, hidden layers.** Image pixels inside areas (and under removed invisible
//! text, the OCR layer of a scan) are overwritten, inline images in their operator; paths
//! wholly inside an area are removed, paths and shadings crossing one are clipped out of it;
//! content of optional-content groups hidden by default is removed.
//!
//! **Boxes** are drawn as page content (`q … re f Q`) after the page's own content.

use super::geom::{Matrix, Rect, apply as apply_m, invert, mul};
use super::interp::{GlyphRec, Interp, StreamKey};
use super::prune::{CodeUse, FontUse};
use crate::plan::{Area, Plan};
use crate::report::RedactionReport;
use kiyome_core::{Action, Ctx, Error, Finding, Severity};
use kiyome_pdf::rewrite::lopdf::content::{Content, Operation};
use kiyome_pdf::rewrite::lopdf::{Dictionary, Document, Object, ObjectId, Stream, StringFormat};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// The outcome of the decisions, before rewriting.
struct Decisions {
    /// Removed glyphs, keyed by (stream, op, piece, byte start).
    removed: HashSet<(usize, usize, usize, usize)>,
    /// Boxes per page.
    boxes: BTreeMap<usize, Vec<Rect>>,
    /// Ops to drop per stream.
    drop_ops: HashMap<usize, BTreeSet<usize>>,
    /// BDC ops whose /ActualText, /Alt, /E go.
    strip_props: HashMap<usize, BTreeSet<usize>>,
    /// Images to overwrite: image object → page-space rectangles in image space.
    image_areas: BTreeMap<ObjectId, Vec<(Matrix, Rect)>>,
    /// Inline images to overwrite: (stream, op) → placements and zones.
    inline_areas: BTreeMap<(usize, usize), Vec<(Matrix, Rect)>>,
    /// Paths and shadings to clip: stream → first op → clip.
    clips: HashMap<usize, BTreeMap<usize, ClipRec>>,
    /// Kept glyphs moved along their line (page space), keyed like `removed`.
    shift: HashMap<(usize, usize, usize, usize), (f64, f64)>,
}

/// A path (construction ops `first..paint`) or shading (`sh`, first == paint) painted with
/// the redaction areas cut out: each hole is a quadrilateral in the stream's user space, cut
/// by its own even-odd clip with `outer` (successive clips intersect, so overlapping holes
/// stay holes).
struct ClipRec {
    paint: usize,
    /// The path also sets a clip: it is re-applied after the painting.
    clips: bool,
    outer: [(f64, f64); 4],
    holes: Vec<[(f64, f64); 4]>,
}

/// Applies `plan` to the pages `pages` of `doc`.
pub(crate) fn apply(
    doc: &mut Document,
    pages: &[ObjectId],
    plan: &Plan,
    ctx: &Ctx<'_>,
    report: &mut RedactionReport,
) -> Result<(FontUse, HashSet<ObjectId>), Error> {
    let mut it = Interp::run(doc, pages, ctx)?;
    let mut d = decide(&it, plan, report);
    overwrite_inline(doc, &mut it, &mut d, plan, ctx, report)?;
    let unmapped: u64 = it.unmapped.values().sum();
    if unmapped > 0 && plan.has_text_rules() {
        report.removed(
            Finding::new("redact.unmapped_glyphs", Severity::Info, "content")
                .detail(format!(
                    "{unmapped} glyphs without a Unicode mapping could not be searched for terms"
                ))
                .action(Action::Reported),
        );
    }
    let mut fonts = FontUse::default();
    for g in &it.glyphs {
        if let Some(f) = g.font {
            let kept = !d.removed.contains(&(g.stream, g.op, g.piece, g.start))
                && !d.drop_ops.get(&g.stream).is_some_and(|s| s.contains(&g.op));
            let e = fonts
                .codes
                .entry(f)
                .or_default()
                .entry(g.code)
                .or_insert(CodeUse {
                    len: g.code_len,
                    cid: g.cid,
                    unicode: g.text.clone(),
                    kept: false,
                });
            e.kept |= kept;
        }
    }
    super::images::overwrite(doc, &d.image_areas, plan, ctx, report)?;
    rewrite(doc, pages, &it, &d, plan)?;
    let forms = it
        .streams
        .iter()
        .filter_map(|s| match s.key {
            StreamKey::Form(id) => Some(id),
            StreamKey::Page(_) => None,
        })
        .collect();
    Ok((fonts, forms))
}

/// Overwrites the pixels of inline images inside areas in their operators; an inline image
/// whose encoding cannot be rewritten is dropped (`redact.inline_image_dropped`).
fn overwrite_inline(
    doc: &Document,
    it: &mut Interp,
    d: &mut Decisions,
    plan: &Plan,
    ctx: &Ctx<'_>,
    report: &mut RedactionReport,
) -> Result<(), Error> {
    for ((stream, op), zones) in &d.inline_areas {
        let Some(operation) = it.streams.get_mut(*stream).and_then(|s| s.ops.get_mut(*op)) else {
            continue;
        };
        let done = match operation.operands.first() {
            Some(Object::Stream(s)) => {
                let mut full = super::inline::expand(s);
                let cs = full.dict.get(b"ColorSpace").ok().cloned();
                let comps = super::images::components(doc, cs.as_ref());
                match super::images::overwrite_stream(
                    &mut full,
                    comps,
                    zones,
                    plan.box_color.0,
                    ctx,
                    false,
                )? {
                    Some(how) => {
                        operation.operands = vec![Object::Stream(super::inline::abbreviate(&full))];
                        Some(how)
                    }
                    None => None,
                }
            }
            _ => None,
        };
        match done {
            Some(how) => report.removed(
                Finding::new("redact.image_area", Severity::Info, "inline image")
                    .detail(how)
                    .action(Action::Removed),
            ),
            None => {
                d.drop_ops.entry(*stream).or_default().insert(*op);
                report.removed(
                    Finding::new("redact.inline_image_dropped", Severity::Info, "inline image")
                        .detail("inline image inside an area in an encoding kiyome does not rewrite: removed")
                        .action(Action::Removed),
                );
            }
        }
    }
    Ok(())
}

fn same_line(a: &GlyphRec, b: &GlyphRec) -> bool {
    if a.stream != b.stream || a.seq != b.seq || a.vertical != b.vertical || a.page != b.page {
        return false;
    }
    let tol = a.size.max(b.size).max(1.0) * 0.5;
    if a.vertical {
        (a.origin.0 - b.origin.0).abs() <= tol && b.origin.1 <= a.origin.1 + tol
    } else {
        (a.origin.1 - b.origin.1).abs() <= tol && b.origin.0 >= a.origin.0 - a.size.max(1.0) * 2.0
    }
}

/// The page-space move that puts `g`'s origin on the next whole point along its writing
/// direction (right for horizontal text, down for vertical, along the baseline when the
/// text is rotated).
fn quantised_shift(g: &GlyphRec) -> (f64, f64) {
    let trm = mul(&g.tm, &g.ctm);
    let (dx, dy) = if g.vertical {
        (-trm[2], -trm[3])
    } else {
        (trm[0], trm[1])
    };
    let n = (dx * dx + dy * dy).sqrt();
    if !n.is_finite() || n < 1e-9 {
        return (0.0, 0.0);
    }
    let (ux, uy) = (dx / n, dy / n);
    let t = g.origin.0 * ux + g.origin.1 * uy;
    let step = t.ceil() - t;
    if step < 1e-6 || !step.is_finite() {
        return (0.0, 0.0);
    }
    (step * ux, step * uy)
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3000..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF
        | 0xFF00..=0xFFEF | 0x20000..=0x3FFFF | 0x3190..=0x31FF | 0xAC00..=0xD7AF)
}

/// `--mask-length`: a removal widens to its whole word (Latin: up to white space or a
/// visible gap) or, when the removed text or its neighbours are CJK (which has no word
/// delimiter), to the whole line.
fn widen(glyphs: &[GlyphRec], line: std::ops::Range<usize>, removed: &mut [bool]) {
    if !line.clone().any(|i| removed[i]) {
        return;
    }
    let text = |i: usize| glyphs[i].text.as_deref().unwrap_or("");
    let space = |i: usize| {
        let t = text(i);
        !t.is_empty() && t.chars().all(char::is_whitespace)
    };
    let cjk = line.clone().any(|i| {
        let near = (i > line.start && removed[i - 1]) || (i + 1 < line.end && removed[i + 1]);
        (removed[i] || near) && text(i).chars().any(is_cjk)
    });
    if cjk {
        for i in line {
            removed[i] = true;
        }
        return;
    }
    // Word boundaries: a space glyph, or a visible gap between two glyphs.
    let gap = |a: usize, b: usize| {
        let (p, g) = (&glyphs[a], &glyphs[b]);
        let d = if g.vertical {
            p.bbox.y0 - g.bbox.y1
        } else {
            g.bbox.x0 - p.bbox.x1
        };
        d > g.size.max(1.0) * 0.2
    };
    let seeds: Vec<usize> = line.clone().filter(|i| removed[*i] && !space(*i)).collect();
    for s in seeds {
        let mut i = s;
        while i > line.start && !space(i - 1) && !gap(i - 1, i) {
            i -= 1;
            removed[i] = true;
        }
        let mut j = s;
        while j + 1 < line.end && !space(j + 1) && !gap(j, j + 1) {
            j += 1;
            removed[j] = true;
        }
    }
}

fn area_rect(a: &Area) -> Rect {
    Rect {
        x0: a.x0,
        y0: a.y0,
        x1: a.x1,
        y1: a.y1,
    }
}

fn decide(it: &Interp, plan: &Plan, report: &mut RedactionReport) -> Decisions {
    let mut d = Decisions {
        removed: HashSet::new(),
        boxes: BTreeMap::new(),
        drop_ops: HashMap::new(),
        strip_props: HashMap::new(),
        image_areas: BTreeMap::new(),
        shift: HashMap::new(),
        inline_areas: BTreeMap::new(),
        clips: HashMap::new(),
    };
    let key = |g: &GlyphRec| (g.stream, g.op, g.piece, g.start);
    let part = |page: usize| format!("page {}", page + 1);
    // Lines.
    let mut lines: Vec<std::ops::Range<usize>> = Vec::new();
    let mut start = 0;
    for i in 1..=it.glyphs.len() {
        let brk = match (it.glyphs.get(i - 1), it.glyphs.get(i)) {
            (Some(a), Some(b)) => !same_line(a, b),
            _ => true,
        };
        if brk {
            lines.push(start..i);
            start = i;
        }
    }
    let mut removed_idx: Vec<bool> = vec![false; it.glyphs.len()];
    if plan.has_text_rules() {
        super::matching::select(&it.glyphs, &lines, plan, report, &mut removed_idx);
    }
    // Areas.
    let mut areas_by_page: BTreeMap<usize, Vec<Rect>> = BTreeMap::new();
    for a in &plan.areas {
        let p = a.page.saturating_sub(1) as usize;
        areas_by_page.entry(p).or_default().push(area_rect(a));
        report.record_area(&part(p));
    }
    for (gi, g) in it.glyphs.iter().enumerate() {
        if let Some(areas) = areas_by_page.get(&g.page)
            && areas.iter().any(|a| a.intersects(&g.bbox))
        {
            removed_idx[gi] = true;
        }
    }
    if plan.mask_length {
        for line in &lines {
            widen(&it.glyphs, line.clone(), &mut removed_idx);
        }
    }
    // The glyph-position defence (`hide_positions`): kept text after a removal on the same
    // line moves to a whole point along the line, so its position tells nothing finer than
    // the box.
    for line in lines.iter().filter(|_| plan.hide_positions) {
        let mut after = false;
        let mut shift = (0.0, 0.0);
        for gi in line.clone() {
            if removed_idx[gi] {
                after = true;
                continue;
            }
            let g = &it.glyphs[gi];
            if after {
                shift = quantised_shift(g);
                after = false;
            }
            if shift != (0.0, 0.0) {
                d.shift.insert(key(g), shift);
            }
        }
    }
    // Boxes over removed text: one per run of removed glyphs on a line.
    for line in &lines {
        let mut cur: Option<(usize, Rect)> = None;
        for gi in line.clone() {
            let g = &it.glyphs[gi];
            if removed_idx[gi] && g.bbox.is_finite() {
                cur = Some(match cur {
                    Some((p, r)) => (p, r.union(&g.bbox)),
                    None => (g.page, g.bbox),
                });
            } else if let Some((p, r)) = cur.take() {
                d.boxes.entry(p).or_default().push(r);
            }
        }
        if let Some((p, r)) = cur {
            d.boxes.entry(p).or_default().push(r);
        }
    }
    for (p, rs) in &areas_by_page {
        d.boxes.entry(*p).or_default().extend(rs.iter().copied());
    }
    // Removed invisible text (the OCR layer over a scan) marks where the image shows it.
    let mut image_zones = areas_by_page.clone();
    for (gi, g) in it.glyphs.iter().enumerate() {
        if removed_idx[gi] {
            d.removed.insert(key(g));
            if g.invisible && g.bbox.is_finite() {
                image_zones.entry(g.page).or_default().push(g.bbox);
            }
        }
    }
    // Images.
    for img in &it.images {
        let Some(zones) = image_zones.get(&img.page) else {
            continue;
        };
        let bbox = Rect::transformed(0.0, 0.0, 1.0, 1.0, &img.ctm);
        let hits: Vec<Rect> = zones
            .iter()
            .filter(|z| z.intersects(&bbox))
            .copied()
            .collect();
        if hits.is_empty() {
            continue;
        }
        match img.xobject {
            Some(id) => {
                let e = d.image_areas.entry(id).or_default();
                for z in hits {
                    e.push((img.ctm, z));
                }
            }
            // Inline images: their pixels are overwritten in the operator itself.
            None => {
                let e = d.inline_areas.entry((img.stream, img.op)).or_default();
                for z in hits {
                    e.push((img.ctm, z));
                }
            }
        }
    }
    // Paths wholly inside an area are removed; paths and shadings that cross one are
    // clipped so that nothing of them is painted inside it.
    for p in &it.paths {
        let Some(areas) = areas_by_page.get(&p.page) else {
            continue;
        };
        let inside = !p.clips && !p.shading && areas.iter().any(|a| a.contains(&p.bbox));
        if !inside {
            let crossing: Vec<&Rect> = areas
                .iter()
                .filter(|a| p.shading || a.intersects(&p.bbox))
                .collect();
            let Some(inv) = invert(&p.ctm) else { continue };
            if crossing.is_empty() {
                continue;
            }
            let quad = |r: &Rect| {
                [
                    apply_m(&inv, r.x0, r.y0),
                    apply_m(&inv, r.x1, r.y0),
                    apply_m(&inv, r.x1, r.y1),
                    apply_m(&inv, r.x0, r.y1),
                ]
            };
            let big = Rect {
                x0: -1.0e5,
                y0: -1.0e5,
                x1: 1.0e5,
                y1: 1.0e5,
            };
            let e = d
                .clips
                .entry(p.stream)
                .or_default()
                .entry(p.first)
                .or_insert_with(|| ClipRec {
                    paint: p.paint,
                    clips: p.clips,
                    outer: quad(&big),
                    holes: Vec::new(),
                });
            e.holes.extend(crossing.into_iter().map(quad));
            report.removed(
                Finding::new("redact.path_area", Severity::Info, part(p.page))
                    .detail("vector content crossing a redaction area clipped out of it")
                    .action(Action::Removed),
            );
            continue;
        }
        {
            let set = d.drop_ops.entry(p.stream).or_default();
            for i in p.first..=p.paint {
                set.insert(i);
            }
            report.removed(
                Finding::new("redact.path_area", Severity::Info, part(p.page))
                    .detail("vector path inside a redaction area removed")
                    .action(Action::Removed),
            );
        }
    }
    // Hidden optional content.
    let mut hidden = 0u64;
    for s in &it.spans {
        if s.hidden {
            let set = d.drop_ops.entry(s.stream).or_default();
            for i in s.begin..=s.end {
                set.insert(i);
            }
            hidden += 1;
        }
    }
    for (stream, op) in &it.hidden_do {
        d.drop_ops.entry(*stream).or_default().insert(*op);
        hidden += 1;
    }
    if hidden > 0 {
        report.removed(
            Finding::new("scrub.hidden_layer", Severity::Info, "content")
                .detail(format!(
                    "{hidden} hidden optional-content sequences removed"
                ))
                .action(Action::Removed),
        );
    }
    // /ActualText (and /Alt, /E) of spans that held removed text would restore it.
    for s in &it.spans {
        if s.has_text
            && it.glyphs.iter().any(|g| {
                g.stream == s.stream
                    && g.op > s.begin
                    && g.op < s.end
                    && d.removed.contains(&key(g))
            })
        {
            d.strip_props.entry(s.stream).or_default().insert(s.begin);
        }
    }
    d
}

fn real(v: f64) -> Object {
    // As precise as the operand type holds: readers snap glyph origins to fractions of a
    // pixel, so a rounded position can land a run on the neighbouring fraction.
    Object::Real(v as f32)
}

fn tm_op(m: &Matrix) -> Operation {
    Operation::new("Tm", m.iter().map(|v| real(*v)).collect())
}

/// The bytes of [`tm_op`] with every number as readers read it back to the bit (the
/// interpreter computes positions in their arithmetic: see `exactnum`).
fn tm_exact(m: &Matrix) -> Vec<u8> {
    let mut s: Vec<String> = m.iter().map(|v| super::exactnum::write(*v)).collect();
    s.push("Tm".into());
    s.join(" ").into_bytes()
}

/// The text matrix of `g` moved by the page-space `shift`.
fn shifted(g: &GlyphRec, shift: (f64, f64)) -> Matrix {
    let mut m = g.tm;
    if shift == (0.0, 0.0) {
        return m;
    }
    if let Some(inv) = invert(&g.ctm) {
        // A displacement: the linear part of the inverse CTM only.
        m[4] += inv[0] * shift.0 + inv[2] * shift.1;
        m[5] += inv[1] * shift.0 + inv[3] * shift.1;
    }
    m
}

/// One show operator split into kept runs: each run is (text matrix at its start, TJ array,
/// whether it starts where the operator starts: its first glyph kept and unmoved, no
/// adjustment before it).
fn runs_of(
    op_index: usize,
    op: &Operation,
    stream: usize,
    glyphs: &HashMap<(usize, usize), Vec<&GlyphRec>>,
    d: &Decisions,
) -> Vec<(Matrix, Vec<Object>, bool)> {
    let removed = &d.removed;
    let pieces: Vec<(usize, &Object)> = match op.operator.as_str() {
        "TJ" => match op.operands.first() {
            Some(Object::Array(a)) => a.iter().enumerate().collect(),
            _ => Vec::new(),
        },
        "\"" => op.operands.get(2).map(|x| vec![(2, x)]).unwrap_or_default(),
        _ => op
            .operands
            .first()
            .map(|x| vec![(0, x)])
            .unwrap_or_default(),
    };
    let gl = glyphs.get(&(stream, op_index));
    let mut runs: Vec<(Matrix, Vec<Object>)> = Vec::new();
    let mut open: Option<(Matrix, Vec<Object>)> = None;
    let mut pending: Vec<Object> = Vec::new();
    let mut open_shift = (0.0, 0.0);
    // Whether anything (a glyph, kept or not, or an adjustment) came before the first run.
    let mut anything_before = false;
    let mut first_at_start = None;
    for (piece, obj) in pieces {
        match obj {
            Object::String(bytes, fmt) => {
                let mut recs: Vec<&GlyphRec> = gl
                    .map(|v| v.iter().copied().filter(|g| g.piece == piece).collect())
                    .unwrap_or_default();
                recs.sort_by_key(|g| g.start);
                let mut cur: Vec<u8> = Vec::new();
                for g in recs {
                    let k = (stream, op_index, piece, g.start);
                    let gone = removed.contains(&k);
                    let shift = d.shift.get(&k).copied().unwrap_or((0.0, 0.0));
                    // A change of shift (only at a removal, in practice) starts a new run.
                    if !gone && open.is_some() && shift != open_shift {
                        if let Some((m, mut arr)) = open.take() {
                            if !cur.is_empty() {
                                arr.push(Object::String(std::mem::take(&mut cur), *fmt));
                            }
                            runs.push((m, arr));
                        }
                        pending.clear();
                    }
                    if gone {
                        if let Some((m, mut arr)) = open.take() {
                            if !cur.is_empty() {
                                arr.push(Object::String(std::mem::take(&mut cur), *fmt));
                            }
                            runs.push((m, arr));
                        }
                        pending.clear();
                        anything_before = true;
                        continue;
                    }
                    let b = bytes.get(g.start..g.end).unwrap_or(&[]);
                    match &mut open {
                        Some((_, arr)) => {
                            if !pending.is_empty() {
                                if !cur.is_empty() {
                                    arr.push(Object::String(std::mem::take(&mut cur), *fmt));
                                }
                                arr.append(&mut pending);
                            }
                            cur.extend_from_slice(b);
                        }
                        None => {
                            pending.clear();
                            first_at_start.get_or_insert(!anything_before && shift == (0.0, 0.0));
                            anything_before = true;
                            open = Some((shifted(g, shift), Vec::new()));
                            open_shift = shift;
                            cur.extend_from_slice(b);
                        }
                    }
                }
                if let Some((_, arr)) = &mut open
                    && !cur.is_empty()
                {
                    arr.push(Object::String(cur, *fmt));
                }
            }
            other => {
                if open.is_some() {
                    pending.push(other.clone());
                }
                anything_before = true;
            }
        }
    }
    if let Some(r) = open {
        runs.push(r);
    }
    let at_start = first_at_start.unwrap_or(false);
    runs.into_iter()
        .enumerate()
        .filter(|(_, r)| !r.1.is_empty())
        .map(|(k, (m, arr))| (m, arr, k == 0 && at_start))
        .collect()
}

/// Most line operators replayed to restore a line matrix (see [`rewrite_ops`]).
const MAX_REPLAY: usize = 512;

fn rewrite_ops(
    stream: usize,
    ops: &[Operation],
    glyphs: &HashMap<(usize, usize), Vec<&GlyphRec>>,
    d: &Decisions,
) -> (Vec<Operation>, HashMap<usize, Vec<u8>>) {
    let mut exact: HashMap<usize, Vec<u8>> = HashMap::new();
    let drop = d.drop_ops.get(&stream);
    let strip = d.strip_props.get(&stream);
    // Show operations that lose (or move) a glyph.
    let affected = |i: usize| {
        glyphs.get(&(stream, i)).is_some_and(|gl| {
            gl.iter().any(|g| {
                let k = (stream, i, g.piece, g.start);
                d.removed.contains(&k) || d.shift.contains_key(&k)
            })
        })
    };
    let mut out = Vec::with_capacity(ops.len());
    let clips = d.clips.get(&stream);
    let mut skip_to = 0usize;
    // Absolute mode runs from an affected show operation to the next line-positioning
    // operator: glyph advances move the text position, never the line matrix, so a new line
    // does not depend on what was removed. There the line matrix is restored by replaying the
    // input's own line operators since the text object began (or its last Tm) — the input's
    // numbers, so readers compute the same positions as for the input — and the rest of the
    // text object is written as it was.
    let identity = || {
        Operation::new(
            "Tm",
            [1, 0, 0, 1, 0, 0]
                .map(Object::Integer)
                .into_iter()
                .collect(),
        )
    };
    let mut replay: Vec<Operation> = vec![identity()];
    let mut active = false;
    for (i, op) in ops.iter().enumerate() {
        if i < skip_to || drop.is_some_and(|s| s.contains(&i)) {
            continue;
        }
        if let Some(c) = clips.and_then(|m| m.get(&i))
            && let Some(range) = ops.get(i..=c.paint)
        {
            out.extend(clipped(range, c));
            skip_to = c.paint + 1;
            continue;
        }
        if strip.is_some_and(|s| s.contains(&i))
            && let Some(Object::Dictionary(props)) = op.operands.get(1)
        {
            let mut p = props.clone();
            for k in [b"ActualText".as_slice(), b"Alt", b"E"] {
                p.remove(k);
            }
            let mut o = op.operands.clone();
            o[1] = Object::Dictionary(p);
            out.push(Operation::new("BDC", o));
            continue;
        }
        if strip.is_some_and(|s| s.contains(&i)) && op.operator == "BDC" {
            // Named properties cannot be edited here: keep the tag, drop the link.
            out.push(Operation::new(
                "BMC",
                op.operands.first().cloned().into_iter().collect(),
            ));
            continue;
        }
        let name = op.operator.as_str();
        let shows = matches!(name, "Tj" | "TJ" | "'" | "\"");
        // A new line ends absolute mode: the line matrix as the input had it, then this
        // operator itself (for ' and ", which move to the next line and show).
        // (A text object with more line operators than MAX_REPLAY stays absolute to its end,
        // so that the replays cannot grow the stream quadratically.)
        if active
            && !affected(i)
            && replay.len() <= MAX_REPLAY
            && matches!(name, "Td" | "TD" | "T*" | "Tm" | "'" | "\"")
        {
            active = false;
            if name != "Tm" {
                out.extend(replay.iter().cloned());
            }
        }
        match name {
            "BT" => {
                replay = vec![identity()];
                active = false;
            }
            "ET" => active = false,
            "Tm" => replay = vec![op.clone()],
            "Td" | "TD" | "T*" | "TL" => replay.push(op.clone()),
            _ => {}
        }
        if !(shows && (active || affected(i))) {
            out.push(op.clone());
            if matches!(name, "'" | "\"") {
                replay.push(Operation::new("T*", vec![]));
            }
            continue;
        }
        // Absolute mode: each kept run at its own Tm; the implicit T* of ' and " goes to
        // the replay, their spacing operands become Tw and Tc. The first run of a Tj or TJ
        // that keeps its first glyph, reached from the input's own positioning, needs no Tm:
        // the text position is already the input's.
        let exact_start = !active && matches!(name, "Tj" | "TJ");
        active = true;
        if matches!(name, "'" | "\"") {
            replay.push(Operation::new("T*", vec![]));
        }
        if name == "\"" {
            if let Some(aw) = op.operands.first() {
                out.push(Operation::new("Tw", vec![aw.clone()]));
            }
            if let Some(ac) = op.operands.get(1) {
                out.push(Operation::new("Tc", vec![ac.clone()]));
            }
        }
        for (m, arr, at_start) in runs_of(i, op, stream, glyphs, d) {
            if !(at_start && exact_start) {
                exact.insert(out.len(), tm_exact(&m));
                out.push(tm_op(&m));
            }
            out.push(Operation::new("TJ", vec![Object::Array(arr)]));
        }
    }
    (out, exact)
}

/// `range` (a path's construction and painting, or `sh`) painted with the holes cut out.
fn clipped(range: &[Operation], c: &ClipRec) -> Vec<Operation> {
    let pt = |p: (f64, f64)| vec![real(p.0), real(p.1)];
    let mut out = vec![Operation::new("q", vec![])];
    for hole in &c.holes {
        for quad in [&c.outer, hole] {
            out.push(Operation::new("m", pt(quad[0])));
            for p in &quad[1..] {
                out.push(Operation::new("l", pt(*p)));
            }
            out.push(Operation::new("h", vec![]));
        }
        out.push(Operation::new("W*", vec![]));
        out.push(Operation::new("n", vec![]));
    }
    let paint_only: Vec<Operation> = range
        .iter()
        .filter(|o| o.operator != "W" && o.operator != "W*")
        .cloned()
        .collect();
    out.extend(paint_only);
    out.push(Operation::new("Q", vec![]));
    if c.clips {
        // The clip the path also set still applies to what follows.
        let n = range.len().saturating_sub(1);
        out.extend(range[..n].iter().cloned());
        out.push(Operation::new("n", vec![]));
    }
    out
}

fn box_ops(boxes: &[Rect], plan: &Plan) -> Vec<u8> {
    let [r, g, b] = plan.box_color.0;
    let mut s = format!("q {r:.4} {g:.4} {b:.4} rg\n");
    for bx in boxes {
        if !bx.is_finite() {
            continue;
        }
        // Whole points outward: the box edge then says nothing finer about the width.
        let (x0, y0) = (bx.x0.floor(), bx.y0.floor());
        let (x1, y1) = (bx.x1.ceil(), bx.y1.ceil());
        s.push_str(&format!("{x0} {y0} {} {} re f\n", x1 - x0, y1 - y0));
    }
    s.push_str("Q\n");
    s.into_bytes()
}

fn rewrite(
    doc: &mut Document,
    pages: &[ObjectId],
    it: &Interp,
    d: &Decisions,
    plan: &Plan,
) -> Result<(), Error> {
    let mut glyphs: HashMap<(usize, usize), Vec<&GlyphRec>> = HashMap::new();
    let mut first_seq: HashMap<usize, usize> = HashMap::new();
    for g in &it.glyphs {
        // A Form drawn twice records its glyphs twice; the first drawing describes the
        // stream (removal is the union of both, via the key).
        let s = *first_seq.entry(g.stream).or_insert(g.seq);
        if s == g.seq {
            glyphs.entry((g.stream, g.op)).or_default().push(g);
        }
    }
    let touched: HashSet<usize> = d
        .removed
        .iter()
        .chain(d.shift.keys())
        .map(|k| k.0)
        .chain(d.drop_ops.keys().copied())
        .chain(d.strip_props.keys().copied())
        .chain(d.clips.keys().copied())
        .chain(d.inline_areas.keys().map(|k| k.0))
        .collect();
    for (si, parsed) in it.streams.iter().enumerate() {
        let page_box = match parsed.key {
            StreamKey::Page(p) => d.boxes.get(&p).filter(|b| !b.is_empty()),
            StreamKey::Form(_) => None,
        };
        if !touched.contains(&si) && page_box.is_none() {
            continue;
        }
        let (ops, exact) = if touched.contains(&si) {
            rewrite_ops(si, &parsed.ops, &glyphs, d)
        } else {
            (parsed.ops.clone(), HashMap::new())
        };
        // Unchanged operations keep the input's bytes (its numbers' digits); see rawops.
        let mut body = match super::rawops::encode_with(&ops, &parsed.ops, &parsed.src, &exact) {
            Some(b) => b,
            None => Content { operations: ops }
                .encode()
                .map_err(|e| Error::parse("pdf", format!("cannot encode content: {e}")))?,
        };
        match parsed.key {
            StreamKey::Page(p) => {
                let mut data = b"q\n".to_vec();
                data.append(&mut body);
                data.extend_from_slice(b"\nQ\n");
                if let Some(b) = page_box {
                    data.extend(box_ops(b, plan));
                }
                let mut st = Stream::new(Dictionary::new(), data);
                let _ = st.compress();
                let id = doc.add_object(Object::Stream(st));
                if let Some(pid) = pages.get(p)
                    && let Some(Object::Dictionary(pd)) = doc.objects.get_mut(pid)
                {
                    pd.set("Contents", Object::Reference(id));
                }
            }
            StreamKey::Form(fid) => {
                if let Some(Object::Stream(s)) = doc.objects.get_mut(&fid) {
                    s.dict.remove(b"Filter");
                    s.dict.remove(b"DecodeParms");
                    s.set_plain_content(body);
                    let _ = s.compress();
                }
            }
        }
    }
    Ok(())
}

/// Replaces the plan's matches in every string of the document outside content streams
/// (/ActualText, /Alt, /E, /T, /Contents, /Title, destination names…) by `■`, one per match.
/// Strings that are keys or binary by nature (/ID, encryption values, font registry names)
/// are left alone. The replacement is deterministic, so a named destination and the links
/// that name it stay consistent.
pub(crate) fn scrub_strings(doc: &mut Document, plan: &Plan, report: &mut RedactionReport) {
    if !plan.has_text_rules() {
        return;
    }
    const SKIP: &[&[u8]] = &[
        b"ID",
        b"O",
        b"U",
        b"OE",
        b"UE",
        b"Perms",
        b"Registry",
        b"Ordering",
        b"BaseFont",
        b"FontName",
        b"Panose",
        b"Style",
        b"CIDSet",
    ];
    let mut n = 0u64;
    for obj in doc.objects.values_mut() {
        let mut stack: Vec<&mut Object> = vec![obj];
        let mut steps = 0usize;
        while let Some(o) = stack.pop() {
            steps += 1;
            if steps > 100_000 {
                break;
            }
            match o {
                Object::String(bytes, _) => {
                    if let Some(new) = redact_text_string(bytes, plan) {
                        *o = Object::String(new, StringFormat::Hexadecimal);
                        n += 1;
                    }
                }
                Object::Array(a) => stack.extend(a.iter_mut()),
                Object::Dictionary(d) => {
                    for (k, v) in d.iter_mut() {
                        if !SKIP.contains(&k.as_slice()) {
                            stack.push(v);
                        }
                    }
                }
                Object::Stream(s) => {
                    for (k, v) in s.dict.iter_mut() {
                        if !SKIP.contains(&k.as_slice()) {
                            stack.push(v);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    if n > 0 {
        report.removed(
            Finding::new("redact.text_attribute", Severity::Info, "document")
                .detail(format!("{n} strings had matches removed"))
                .action(Action::Removed),
        );
    }
}

fn redact_text_string(bytes: &[u8], plan: &Plan) -> Option<Vec<u8>> {
    let text = if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = rest
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], c.get(1).copied().unwrap_or(0)]))
            .collect();
        String::from_utf16_lossy(&units)
    } else if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        String::from_utf8_lossy(rest).into_owned()
    } else {
        match std::str::from_utf8(bytes) {
            Ok(s) => s.to_string(),
            Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
        }
    };
    let ranges = crate::plan::merge_ranges(
        plan.find_matches(&text)
            .iter()
            .map(|m| (m.start, m.end))
            .collect(),
    );
    if ranges.is_empty() {
        return None;
    }
    let mut out = String::new();
    let mut pos = 0;
    for (s, e) in ranges {
        out.push_str(text.get(pos..s).unwrap_or(""));
        out.push('■');
        pos = e;
    }
    out.push_str(text.get(pos..).unwrap_or(""));
    let mut b = vec![0xFE, 0xFF];
    b.extend(out.encode_utf16().flat_map(u16::to_be_bytes));
    Some(b)
}
