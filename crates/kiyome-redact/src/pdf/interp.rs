//! The redaction interpreter: runs a page's content (and the Form XObjects it draws) and
//! records every glyph with its code, Unicode text, text matrix and box, every image and
//! path with its placement, and marked-content spans (/ActualText, optional content).
//!
//! It only reads; [`super::apply`] rewrites the streams from what it records. Operators are
//! tokenised by lopdf's content parser; the graphics and text state follow ISO 32000-1 §8.4,
//! §9.3 and §9.4.4 (glyph displacement, horizontal and vertical).

use super::fonts::Font;
use super::geom::{IDENTITY, Matrix, Rect, apply, mul};
use kiyome_core::{Ctx, Error, LimitKind};
use kiyome_pdf::rewrite::lopdf::content::{Content, Operation};
use kiyome_pdf::rewrite::lopdf::{Dictionary, Document, Object, ObjectId};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// Deepest Form XObject nesting followed.
const MAX_FORM_DEPTH: usize = 12;
/// Most glyphs recorded for one document.
const MAX_GLYPHS: usize = 5_000_000;

/// Which stream a record belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum StreamKey {
    /// The (concatenated) content of page `n` (0-based).
    Page(usize),
    /// A Form XObject.
    Form(ObjectId),
}

/// A parsed content stream.
pub(crate) struct Parsed {
    pub key: StreamKey,
    pub ops: Vec<Operation>,
    /// The decoded bytes `ops` were parsed from (see [`super::rawops`]).
    pub src: Vec<u8>,
    /// The numbers of each text operation as a reader reads them from `src` (see
    /// [`super::exactnum`]); `None` where lopdf's `f32` values are used.
    pub nums: Vec<Option<Vec<f64>>>,
}

/// Operators whose numbers place text.
fn text_positioning(op: &str) -> bool {
    matches!(
        op,
        "Tm" | "Td" | "TD" | "TL" | "Tc" | "Tw" | "Tz" | "Tf" | "TJ" | "\"" | "'"
    )
}

/// The numbers lopdf read for an operation, arrays flattened, in order.
fn flat_numbers(objs: &[Object], out: &mut Vec<f64>) {
    for o in objs {
        match o {
            Object::Integer(i) => out.push(*i as f64),
            Object::Real(r) => out.push(f64::from(*r)),
            Object::Array(a) => flat_numbers(a, out),
            _ => {}
        }
    }
}

/// [`Parsed::nums`] for `ops` parsed from `src`: each text operation's numbers read from its
/// own bytes, kept only where they agree with lopdf's (count, and value to `f32` precision).
pub(crate) fn text_numbers(ops: &[Operation], src: &[u8]) -> Vec<Option<Vec<f64>>> {
    let spans = super::rawops::spans(src);
    if spans.len() != ops.len() {
        return vec![None; ops.len()];
    }
    ops.iter()
        .zip(&spans)
        .map(|(op, span)| {
            if !text_positioning(&op.operator) {
                return None;
            }
            let exact = super::exactnum::numbers(src.get(span.clone())?)?;
            // A TJ array nested in the array is not read as numbers in order (malformed).
            let nested = op.operands.iter().any(|o| {
                matches!(o, Object::Array(a) if a.iter().any(|x| matches!(x, Object::Array(_))))
            });
            if nested {
                return None;
            }
            let mut lo = Vec::new();
            flat_numbers(&op.operands, &mut lo);
            let agree = exact.len() == lo.len()
                && exact
                    .iter()
                    .zip(&lo)
                    .all(|(a, b)| (a - b).abs() <= 1e-5 * a.abs().max(1.0));
            agree.then_some(exact)
        })
        .collect()
}

/// One glyph drawn.
#[derive(Debug, Clone)]
pub(crate) struct GlyphRec {
    /// Index into [`Interp::streams`].
    pub stream: usize,
    /// The show operation.
    pub op: usize,
    /// Which operand string (TJ array index; 0 for Tj and '; 2 for ").
    pub piece: usize,
    /// Byte range of the code in that string.
    pub start: usize,
    /// End of the byte range.
    pub end: usize,
    /// Unicode text, if known.
    pub text: Option<String>,
    /// Box on the page (default user space of the page).
    pub bbox: Rect,
    /// Text matrix at the glyph's start (in the stream's user space).
    pub tm: Matrix,
    /// The glyph's origin on the page, and the direction of writing (vertical or not).
    pub origin: (f64, f64),
    /// Vertical writing.
    pub vertical: bool,
    /// Font size on the page (for line grouping).
    pub size: f64,
    /// Text rendering mode 3 (invisible, e.g. the OCR layer of a scan).
    pub invisible: bool,
    /// Which invocation of the stream (a Form drawn twice has two).
    pub seq: usize,
    /// The font resource object, when indirect.
    pub font: Option<ObjectId>,
    /// The character code.
    pub code: u32,
    /// Its length in bytes.
    pub code_len: u8,
    /// The CID (composite fonts; simple fonts: the code).
    pub cid: u32,
    /// The current transformation matrix (user space → page).
    pub ctm: Matrix,
    /// Page index.
    pub page: usize,
}

/// One image drawn.
#[derive(Debug, Clone)]
pub(crate) struct ImageRec {
    pub stream: usize,
    pub op: usize,
    /// The image XObject (None: inline image).
    pub xobject: Option<ObjectId>,
    /// Image space (unit square) to page.
    pub ctm: Matrix,
    pub page: usize,
}

/// One path painted.
#[derive(Debug, Clone)]
pub(crate) struct PathRec {
    pub stream: usize,
    /// First construction operator.
    pub first: usize,
    /// The painting operator.
    pub paint: usize,
    pub bbox: Rect,
    /// The path also sets a clip (W/W*): never removed, only clipped.
    pub clips: bool,
    /// A shading painted with `sh` (`first == paint`), which fills the whole clip region.
    pub shading: bool,
    /// User space → page.
    pub ctm: Matrix,
    pub page: usize,
}

/// A marked-content sequence.
#[derive(Debug, Clone)]
pub(crate) struct SpanRec {
    pub stream: usize,
    pub begin: usize,
    pub end: usize,
    /// Optional content hidden by default: everything inside goes.
    pub hidden: bool,
    /// The span has /ActualText (or /Alt, /E) in its properties.
    pub has_text: bool,
}

#[derive(Clone)]
struct GState {
    ctm: Matrix,
    font: Option<Rc<Font>>,
    font_id: Option<ObjectId>,
    fs: f64,
    tc: f64,
    tw: f64,
    th: f64,
    tl: f64,
    rise: f64,
    tr: i64,
}

impl Default for GState {
    fn default() -> Self {
        GState {
            ctm: IDENTITY,
            font: None,
            font_id: None,
            fs: 0.0,
            tc: 0.0,
            tw: 0.0,
            th: 1.0,
            tl: 0.0,
            rise: 0.0,
            tr: 0,
        }
    }
}

/// Everything recorded for a document.
#[derive(Default)]
pub(crate) struct Interp {
    pub streams: Vec<Parsed>,
    pub glyphs: Vec<GlyphRec>,
    pub images: Vec<ImageRec>,
    pub paths: Vec<PathRec>,
    pub spans: Vec<SpanRec>,
    /// Image XObjects and Form XObjects hidden by optional content: (stream, op).
    pub hidden_do: Vec<(usize, usize)>,
    /// Form XObjects already parsed: key → stream index.
    forms: HashMap<ObjectId, usize>,
    fonts: HashMap<ObjectId, Rc<Font>>,
    seq: usize,
    /// Glyphs without Unicode, per font object (or 0 0 for direct fonts).
    pub unmapped: HashMap<Option<ObjectId>, u64>,
    hidden_ocgs: HashSet<ObjectId>,
}

fn num(o: &Object) -> f64 {
    match o {
        Object::Integer(i) => *i as f64,
        Object::Real(r) => f64::from(*r),
        _ => 0.0,
    }
}

fn resolve<'a>(doc: &'a Document, mut o: &'a Object) -> &'a Object {
    for _ in 0..8 {
        match o {
            Object::Reference(id) => match doc.objects.get(id) {
                Some(x) => o = x,
                None => return &Object::Null,
            },
            _ => return o,
        }
    }
    &Object::Null
}

fn dict_of<'a>(doc: &'a Document, o: &'a Object) -> Option<&'a Dictionary> {
    match resolve(doc, o) {
        Object::Dictionary(d) => Some(d),
        Object::Stream(s) => Some(&s.dict),
        _ => None,
    }
}

fn matrix_of(ops: &[Object]) -> Option<Matrix> {
    if ops.len() < 6 {
        return None;
    }
    let m = [
        num(&ops[0]),
        num(&ops[1]),
        num(&ops[2]),
        num(&ops[3]),
        num(&ops[4]),
        num(&ops[5]),
    ];
    m.iter().all(|v| v.is_finite()).then_some(m)
}

/// The optional-content groups hidden in the default configuration (/OCProperties /D /OFF,
/// or everything not /ON when /BaseState is /OFF).
pub(crate) fn hidden_ocgs(doc: &Document) -> HashSet<ObjectId> {
    let mut out = HashSet::new();
    let Ok(Object::Reference(root)) = doc.trailer.get(b"Root") else {
        return out;
    };
    let Some(cat) = doc.objects.get(root).and_then(|o| dict_of(doc, o)) else {
        return out;
    };
    let Some(ocp) = cat.get(b"OCProperties").ok().and_then(|o| dict_of(doc, o)) else {
        return out;
    };
    let Some(d) = ocp.get(b"D").ok().and_then(|o| dict_of(doc, o)) else {
        return out;
    };
    let ids = |key: &[u8]| -> Vec<ObjectId> {
        match d.get(key).map(|o| resolve(doc, o)) {
            Ok(Object::Array(a)) => a
                .iter()
                .filter_map(|o| match o {
                    Object::Reference(r) => Some(*r),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    };
    let base_off = matches!(d.get(b"BaseState"), Ok(Object::Name(n)) if n == b"OFF");
    if base_off {
        let on: HashSet<ObjectId> = ids(b"ON").into_iter().collect();
        if let Ok(Object::Array(all)) = ocp.get(b"OCGs").map(|o| resolve(doc, o)) {
            for o in all {
                if let Object::Reference(r) = o
                    && !on.contains(r)
                {
                    out.insert(*r);
                }
            }
        }
    }
    out.extend(ids(b"OFF"));
    out
}

/// Whether an optional-content dictionary (OCG or OCMD) is hidden by default.
fn oc_hidden(doc: &Document, o: &Object, hidden: &HashSet<ObjectId>) -> bool {
    if hidden.is_empty() {
        return false;
    }
    if let Object::Reference(r) = o
        && hidden.contains(r)
    {
        return true;
    }
    let Some(d) = dict_of(doc, o) else {
        return false;
    };
    // An OCMD: visible per /P (default AnyOn) over /OCGs.
    if matches!(d.get(b"Type"), Ok(Object::Name(n)) if n == b"OCMD") {
        let groups: Vec<ObjectId> = match d.get(b"OCGs") {
            Ok(Object::Reference(r)) if !matches!(doc.objects.get(r), Some(Object::Array(_))) => {
                vec![*r]
            }
            Ok(o) => match resolve(doc, o) {
                Object::Array(a) => a
                    .iter()
                    .filter_map(|x| match x {
                        Object::Reference(r) => Some(*r),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        };
        if groups.is_empty() {
            return false;
        }
        let off = groups.iter().filter(|g| hidden.contains(g)).count();
        let policy = match d.get(b"P") {
            Ok(Object::Name(n)) => n.clone(),
            _ => b"AnyOn".to_vec(),
        };
        return match policy.as_slice() {
            b"AllOn" => off > 0,
            b"AnyOff" => off == 0,
            b"AllOff" => off < groups.len(),
            _ => off == groups.len(),
        };
    }
    false
}

struct Frame<'a> {
    stream: usize,
    resources: Option<&'a Dictionary>,
    page: usize,
    depth: usize,
    seq: usize,
}

impl Interp {
    /// Runs every page of `doc`.
    pub(crate) fn run(doc: &Document, pages: &[ObjectId], ctx: &Ctx<'_>) -> Result<Interp, Error> {
        let mut it = Interp {
            hidden_ocgs: hidden_ocgs(doc),
            ..Interp::default()
        };
        let max = usize::try_from(ctx.limits().max_stream_bytes).unwrap_or(usize::MAX);
        for (n, &pid) in pages.iter().enumerate() {
            ctx.budget.check_time()?;
            let Some(page) = doc.objects.get(&pid).and_then(|o| dict_of(doc, o)) else {
                continue;
            };
            let mut content = Vec::new();
            let parts: Vec<&Object> = match page.get(b"Contents").map(|o| resolve(doc, o)) {
                Ok(Object::Array(a)) => a.iter().collect(),
                Ok(o @ Object::Stream(_)) => vec![o],
                _ => Vec::new(),
            };
            for p in parts {
                if let Object::Stream(s) = resolve(doc, p) {
                    let data = decoded(s, max)?;
                    ctx.budget.consume(data.len() as u64)?;
                    content.extend_from_slice(&data);
                    content.push(b'\n');
                }
            }
            let mut ops = parse_ops(&content)?;
            super::inline::recover(&content, &mut ops)?;
            let idx = it.streams.len();
            let nums = text_numbers(&ops, &content);
            it.streams.push(Parsed {
                key: StreamKey::Page(n),
                ops,
                src: content,
                nums,
            });
            let resources = page.get(b"Resources").ok().and_then(|o| dict_of(doc, o));
            it.seq += 1;
            let frame = Frame {
                stream: idx,
                resources,
                page: n,
                depth: 0,
                seq: it.seq,
            };
            it.exec(doc, &frame, GState::default(), ctx, max)?;
            it.annotations(doc, page, &frame, ctx, max)?;
        }
        Ok(it)
    }

    /// Runs the appearance streams (/AP /N, /R, /D and their states) of the page's
    /// annotations as forms placed per ISO 32000-1 §12.5.5: the form's /BBox, transformed by
    /// its /Matrix, is mapped onto the annotation's /Rect.
    fn annotations(
        &mut self,
        doc: &Document,
        page: &Dictionary,
        frame: &Frame<'_>,
        ctx: &Ctx<'_>,
        max: usize,
    ) -> Result<(), Error> {
        let Ok(Object::Array(annots)) = page.get(b"Annots").map(|o| resolve(doc, o)) else {
            return Ok(());
        };
        for a in annots {
            let Some(ad) = dict_of(doc, a) else { continue };
            let rect = match ad.get(b"Rect").map(|o| resolve(doc, o)) {
                Ok(Object::Array(r)) if r.len() == 4 => {
                    let v: Vec<f64> = r.iter().map(|o| num(resolve(doc, o))).collect();
                    Rect {
                        x0: v[0].min(v[2]),
                        y0: v[1].min(v[3]),
                        x1: v[0].max(v[2]),
                        y1: v[1].max(v[3]),
                    }
                }
                _ => continue,
            };
            let Some(ap) = ad.get(b"AP").ok().and_then(|o| dict_of(doc, o)) else {
                continue;
            };
            let mut forms: Vec<ObjectId> = Vec::new();
            for key in [b"N".as_slice(), b"R", b"D"] {
                match ap.get(key) {
                    Ok(Object::Reference(r)) => match doc.objects.get(r) {
                        Some(Object::Stream(_)) => forms.push(*r),
                        Some(Object::Dictionary(states)) => {
                            forms.extend(states.iter().filter_map(|(_, v)| v.as_reference().ok()))
                        }
                        _ => {}
                    },
                    Ok(Object::Dictionary(states)) => {
                        forms.extend(states.iter().filter_map(|(_, v)| v.as_reference().ok()))
                    }
                    _ => {}
                }
            }
            for id in forms {
                let Some(Object::Stream(s)) = doc.objects.get(&id) else {
                    continue;
                };
                let matrix = match s.dict.get(b"Matrix") {
                    Ok(Object::Array(m)) => matrix_of(m).unwrap_or(IDENTITY),
                    _ => IDENTITY,
                };
                let bbox = match s.dict.get(b"BBox").map(|o| resolve(doc, o)) {
                    Ok(Object::Array(b)) if b.len() == 4 => {
                        let v: Vec<f64> = b.iter().map(num).collect();
                        Rect::transformed(v[0], v[1], v[2], v[3], &matrix)
                    }
                    _ => continue,
                };
                let (bw, bh) = (bbox.x1 - bbox.x0, bbox.y1 - bbox.y0);
                let (sx, sy) = (
                    if bw.abs() > 1e-9 {
                        (rect.x1 - rect.x0) / bw
                    } else {
                        1.0
                    },
                    if bh.abs() > 1e-9 {
                        (rect.y1 - rect.y0) / bh
                    } else {
                        1.0
                    },
                );
                let place = [
                    sx,
                    0.0,
                    0.0,
                    sy,
                    rect.x0 - bbox.x0 * sx,
                    rect.y0 - bbox.y0 * sy,
                ];
                let gs = GState {
                    ctm: place,
                    ..GState::default()
                };
                self.run_form(doc, frame, &gs, id, ctx, max)?;
            }
        }
        Ok(())
    }

    fn font(
        &mut self,
        doc: &Document,
        res: Option<&Dictionary>,
        name: &[u8],
        max: usize,
    ) -> (Option<Rc<Font>>, Option<ObjectId>) {
        let Some(fonts) = res
            .and_then(|r| r.get(b"Font").ok())
            .and_then(|o| dict_of(doc, o))
        else {
            return (None, None);
        };
        let Ok(fo) = fonts.get(name) else {
            return (None, None);
        };
        let id = match fo {
            Object::Reference(r) => Some(*r),
            _ => None,
        };
        if let Some(id) = id
            && let Some(f) = self.fonts.get(&id)
        {
            return (Some(f.clone()), Some(id));
        }
        let Some(fd) = dict_of(doc, fo) else {
            return (None, id);
        };
        let f = Rc::new(Font::load(doc, fd, max));
        if let Some(id) = id {
            self.fonts.insert(id, f.clone());
        }
        (Some(f), id)
    }

    fn exec(
        &mut self,
        doc: &Document,
        frame: &Frame<'_>,
        start: GState,
        ctx: &Ctx<'_>,
        max: usize,
    ) -> Result<(), Error> {
        let mut gs = start;
        let mut stack: Vec<GState> = Vec::new();
        // Text state as readers keep it (ISO 32000-1 §9.4.2, in poppler's arithmetic so that
        // positions agree to the bit: docs/poppler-glyph-positions.md): the matrix set by Tm,
        // the line start in text space, and `tm`, whose translation is the current point.
        let mut tm = IDENTITY;
        let mut text_mat = IDENTITY;
        let mut line = (0.0f64, 0.0f64);
        let move_to = |m: &Matrix, (x, y): (f64, f64)| -> Matrix {
            [
                m[0],
                m[1],
                m[2],
                m[3],
                m[0] * x + m[2] * y + m[4],
                m[1] * x + m[3] * y + m[5],
            ]
        };
        let mut path_first: Option<usize> = None;
        let mut path_box: Option<Rect> = None;
        let mut clips = false;
        let mut cur = (0.0f64, 0.0f64);
        // (begin op, hidden, has_text)
        let mut marked: Vec<(usize, bool, bool)> = Vec::new();
        let n_ops = self.streams.get(frame.stream).map_or(0, |s| s.ops.len());
        for i in 0..n_ops {
            if i % 2048 == 0 {
                ctx.budget.check_time()?;
            }
            let Some(op) = self
                .streams
                .get(frame.stream)
                .and_then(|s| s.ops.get(i))
                .cloned()
            else {
                break;
            };
            let o = &op.operands;
            // The k-th number of the operation (arrays flattened) as a reader reads it.
            let exact = self
                .streams
                .get(frame.stream)
                .and_then(|s| s.nums.get(i))
                .and_then(|v| v.clone());
            let pn = |k: usize, lo: Option<&Object>| -> f64 {
                exact
                    .as_ref()
                    .and_then(|v| v.get(k).copied())
                    .unwrap_or_else(|| lo.map_or(0.0, num))
            };
            match op.operator.as_str() {
                "q" if stack.len() < 256 => stack.push(gs.clone()),
                "Q" => {
                    if let Some(g) = stack.pop() {
                        gs = g;
                    }
                }
                "cm" => {
                    if let Some(m) = matrix_of(o) {
                        gs.ctm = mul(&m, &gs.ctm);
                    }
                }
                "BT" => {
                    tm = IDENTITY;
                    text_mat = IDENTITY;
                    line = (0.0, 0.0);
                }
                "Tf" => {
                    if let (Some(Object::Name(n)), Some(size)) = (o.first(), o.get(1)) {
                        let (f, id) = self.font(doc, frame.resources, n, max);
                        gs.font = f;
                        gs.font_id = id;
                        gs.fs = pn(0, Some(size));
                    }
                }
                "Tc" => gs.tc = pn(0, o.first()),
                "Tw" => gs.tw = pn(0, o.first()),
                "Tz" => {
                    gs.th = 0.01
                        * if o.is_empty() {
                            100.0
                        } else {
                            pn(0, o.first())
                        }
                }
                "TL" => gs.tl = pn(0, o.first()),
                "Ts" => gs.rise = o.first().map_or(0.0, num),
                "Tr" => {
                    gs.tr = match o.first() {
                        Some(Object::Integer(v)) => *v,
                        _ => 0,
                    }
                }
                "Td" | "TD" => {
                    let (tx, ty) = (pn(0, o.first()), pn(1, o.get(1)));
                    if op.operator == "TD" {
                        gs.tl = -ty;
                    }
                    line = (line.0 + tx, ty + line.1);
                    tm = move_to(&text_mat, line);
                }
                "Tm" => {
                    if let Some(m) = matrix_of(o) {
                        let m = if exact.as_ref().is_some_and(|v| v.len() == 6) {
                            [
                                pn(0, None),
                                pn(1, None),
                                pn(2, None),
                                pn(3, None),
                                pn(4, None),
                                pn(5, None),
                            ]
                        } else {
                            m
                        };
                        text_mat = m;
                        line = (0.0, 0.0);
                        tm = move_to(&text_mat, line);
                    }
                }
                "T*" => {
                    line = (line.0, line.1 - gs.tl);
                    tm = move_to(&text_mat, line);
                }
                "Tj" | "'" | "\"" | "TJ" => {
                    if op.operator == "'" || op.operator == "\"" {
                        if op.operator == "\"" && o.len() >= 2 {
                            gs.tw = pn(0, o.first());
                            gs.tc = pn(1, o.get(1));
                        }
                        line = (line.0, line.1 - gs.tl);
                        tm = move_to(&text_mat, line);
                    }
                    let pieces: Vec<(usize, &Object)> = match op.operator.as_str() {
                        "TJ" => match o.first() {
                            Some(Object::Array(a)) => a.iter().enumerate().collect(),
                            _ => Vec::new(),
                        },
                        "\"" => o.get(2).map(|x| vec![(2, x)]).unwrap_or_default(),
                        _ => o.first().map(|x| vec![(0, x)]).unwrap_or_default(),
                    };
                    // Numbers of a TJ array, counted for `pn`.
                    let mut k = 0usize;
                    for (piece, obj) in pieces {
                        match obj {
                            Object::String(bytes, _) => {
                                self.show(frame, i, piece, bytes, &gs, &mut tm)?;
                            }
                            other => {
                                let adj = match other {
                                    Object::Integer(_) | Object::Real(_) if op.operator == "TJ" => {
                                        k += 1;
                                        pn(k - 1, Some(other))
                                    }
                                    _ => num(other),
                                };
                                let vertical = gs.font.as_ref().is_some_and(|f| f.vertical);
                                let d = -adj * 0.001 * gs.fs;
                                let t = if vertical {
                                    [1.0, 0.0, 0.0, 1.0, 0.0, d]
                                } else {
                                    [1.0, 0.0, 0.0, 1.0, d * gs.th, 0.0]
                                };
                                tm = mul(&t, &tm);
                            }
                        }
                    }
                }
                "Do" => {
                    if let Some(Object::Name(n)) = o.first() {
                        self.do_xobject(doc, frame, &gs, n, i, ctx, max)?;
                    }
                }
                "BI" => self.images.push(ImageRec {
                    stream: frame.stream,
                    op: i,
                    xobject: None,
                    ctm: gs.ctm,
                    page: frame.page,
                }),
                "m" | "l" | "c" | "v" | "y" | "re" | "h" => {
                    if path_first.is_none() {
                        path_first = Some(i);
                        path_box = None;
                        clips = false;
                    }
                    let pts: Vec<(f64, f64)> = match op.operator.as_str() {
                        "re" if o.len() >= 4 => {
                            let (x, y, w, h) = (num(&o[0]), num(&o[1]), num(&o[2]), num(&o[3]));
                            cur = (x, y);
                            vec![(x, y), (x + w, y), (x, y + h), (x + w, y + h)]
                        }
                        "h" => Vec::new(),
                        _ => {
                            let v: Vec<f64> = o.iter().map(num).collect();
                            let p: Vec<(f64, f64)> =
                                v.chunks_exact(2).map(|c| (c[0], c[1])).collect();
                            if let Some(last) = p.last() {
                                cur = *last;
                            }
                            p
                        }
                    };
                    let _ = cur;
                    for (x, y) in pts {
                        let (px, py) = apply(&gs.ctm, x, y);
                        let r = Rect {
                            x0: px,
                            y0: py,
                            x1: px,
                            y1: py,
                        };
                        path_box = Some(path_box.map_or(r, |b| b.union(&r)));
                    }
                }
                "W" | "W*" => clips = true,
                "sh" => self.paths.push(PathRec {
                    stream: frame.stream,
                    first: i,
                    paint: i,
                    bbox: Rect {
                        x0: f64::NEG_INFINITY,
                        y0: f64::NEG_INFINITY,
                        x1: f64::INFINITY,
                        y1: f64::INFINITY,
                    },
                    clips: false,
                    shading: true,
                    ctm: gs.ctm,
                    page: frame.page,
                }),
                "S" | "s" | "f" | "F" | "f*" | "B" | "B*" | "b" | "b*" | "n" => {
                    if let (Some(first), Some(bbox)) = (path_first, path_box)
                        && op.operator != "n"
                    {
                        self.paths.push(PathRec {
                            stream: frame.stream,
                            first,
                            paint: i,
                            bbox,
                            clips,
                            shading: false,
                            ctm: gs.ctm,
                            page: frame.page,
                        });
                    }
                    path_first = None;
                    path_box = None;
                    clips = false;
                }
                "BMC" => marked.push((i, false, false)),
                "BDC" => {
                    let tag_oc = matches!(o.first(), Some(Object::Name(n)) if n == b"OC");
                    let props: Option<&Dictionary> = match o.get(1) {
                        Some(Object::Dictionary(d)) => Some(d),
                        Some(Object::Name(n)) => frame
                            .resources
                            .and_then(|r| r.get(b"Properties").ok())
                            .and_then(|p| dict_of(doc, p))
                            .and_then(|p| p.get(n).ok())
                            .and_then(|x| dict_of(doc, x)),
                        _ => None,
                    };
                    let hidden = tag_oc
                        && match o.get(1) {
                            Some(Object::Name(n)) => frame
                                .resources
                                .and_then(|r| r.get(b"Properties").ok())
                                .and_then(|p| dict_of(doc, p))
                                .and_then(|p| p.get(n).ok())
                                .is_some_and(|x| oc_hidden(doc, x, &self.hidden_ocgs)),
                            _ => false,
                        };
                    let has_text =
                        props.is_some_and(|p| p.has(b"ActualText") || p.has(b"Alt") || p.has(b"E"));
                    let parent_hidden = marked.last().is_some_and(|m| m.1);
                    marked.push((i, hidden || parent_hidden, has_text));
                }
                "EMC" => {
                    if let Some((begin, hidden, has_text)) = marked.pop()
                        && (hidden || has_text)
                    {
                        self.spans.push(SpanRec {
                            stream: frame.stream,
                            begin,
                            end: i,
                            hidden,
                            has_text,
                        });
                    }
                }
                _ => {}
            }
        }
        // Unclosed hidden spans run to the end of the stream.
        for (begin, hidden, has_text) in marked {
            if hidden || has_text {
                self.spans.push(SpanRec {
                    stream: frame.stream,
                    begin,
                    end: n_ops.saturating_sub(1),
                    hidden,
                    has_text,
                });
            }
        }
        Ok(())
    }

    fn show(
        &mut self,
        frame: &Frame<'_>,
        op: usize,
        piece: usize,
        bytes: &[u8],
        gs: &GState,
        tm: &mut Matrix,
    ) -> Result<(), Error> {
        let Some(font) = gs.font.clone() else {
            return Ok(());
        };
        let m = font.matrix;
        for c in font.decode(bytes) {
            if self.glyphs.len() >= MAX_GLYPHS {
                return Err(Error::limit(
                    LimitKind::Objects,
                    self.glyphs.len() as u64,
                    MAX_GLYPHS as u64,
                ));
            }
            let fs = gs.fs;
            // Text space → page: Tm × CTM; glyph box in text space (§9.4.4).
            let trm = mul(tm, &gs.ctm);
            let (bx0, by0, bx1, by1) = if font.vertical {
                let (vx, vy) = c.v;
                (
                    (-vx) * m[0] * fs,
                    (font.descent - vy) * m[3] * fs,
                    (c.w0 - vx) * m[0] * fs,
                    (font.ascent - vy) * m[3] * fs,
                )
            } else {
                (
                    0.0,
                    font.descent * m[3] * fs + gs.rise,
                    c.w0 * m[0] * fs * gs.th,
                    font.ascent * m[3] * fs + gs.rise,
                )
            };
            let bbox = Rect::transformed(bx0, by0, bx1, by1, &trm);
            let origin = apply(&trm, 0.0, 0.0);
            let size = {
                let (ox, oy) = apply(&trm, 0.0, 0.0);
                let (ux, uy) = apply(&trm, 0.0, fs);
                ((ux - ox).powi(2) + (uy - oy).powi(2)).sqrt()
            };
            if c.unicode.is_none() {
                *self.unmapped.entry(gs.font_id).or_default() += 1;
            }
            self.glyphs.push(GlyphRec {
                stream: frame.stream,
                op,
                piece,
                start: c.start,
                end: c.end,
                text: c.unicode.clone(),
                bbox,
                tm: *tm,
                origin,
                vertical: font.vertical,
                size,
                invisible: gs.tr == 3 || gs.tr == 7,
                seq: frame.seq,
                font: gs.font_id,
                code: c.code,
                code_len: (c.end - c.start).min(4) as u8,
                cid: c.cid,
                ctm: gs.ctm,
                page: frame.page,
            });
            // Char spacing, then word spacing, added in that order (as readers do).
            let spaced = |adv: f64| {
                let a = adv + gs.tc;
                if c.is_space { a + gs.tw } else { a }
            };
            let t = if font.vertical {
                [1.0, 0.0, 0.0, 1.0, 0.0, spaced(c.w1 * m[3] * fs)]
            } else {
                [1.0, 0.0, 0.0, 1.0, spaced(c.w0 * m[0] * fs) * gs.th, 0.0]
            };
            *tm = mul(&t, tm);
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn do_xobject(
        &mut self,
        doc: &Document,
        frame: &Frame<'_>,
        gs: &GState,
        name: &[u8],
        op: usize,
        ctx: &Ctx<'_>,
        max: usize,
    ) -> Result<(), Error> {
        let Some(xo) = frame
            .resources
            .and_then(|r| r.get(b"XObject").ok())
            .and_then(|x| dict_of(doc, x))
            .and_then(|x| x.get(name).ok())
        else {
            return Ok(());
        };
        let Object::Reference(id) = xo else {
            return Ok(());
        };
        let Some(Object::Stream(s)) = doc.objects.get(id) else {
            return Ok(());
        };
        if let Ok(oc) = s.dict.get(b"OC")
            && oc_hidden(doc, oc, &self.hidden_ocgs)
        {
            self.hidden_do.push((frame.stream, op));
            return Ok(());
        }
        match s.dict.get(b"Subtype") {
            Ok(Object::Name(n)) if n == b"Image" => {
                self.images.push(ImageRec {
                    stream: frame.stream,
                    op,
                    xobject: Some(*id),
                    ctm: gs.ctm,
                    page: frame.page,
                });
            }
            Ok(Object::Name(n)) if n == b"Form" => {
                self.run_form(doc, frame, gs, *id, ctx, max)?;
            }
            _ => {}
        }
        Ok(())
    }
}

impl Interp {
    /// Runs Form XObject `id` drawn with graphics state `gs` (its /Matrix applies on top).
    fn run_form(
        &mut self,
        doc: &Document,
        frame: &Frame<'_>,
        gs: &GState,
        id: ObjectId,
        ctx: &Ctx<'_>,
        max: usize,
    ) -> Result<(), Error> {
        let Some(Object::Stream(s)) = doc.objects.get(&id) else {
            return Ok(());
        };
        if frame.depth >= MAX_FORM_DEPTH {
            return Err(Error::limit(
                LimitKind::Depth,
                frame.depth as u64 + 1,
                MAX_FORM_DEPTH as u64,
            ));
        }
        let idx = match self.forms.get(&id) {
            Some(i) => *i,
            None => {
                let data = decoded(s, max)?;
                ctx.budget.consume(data.len() as u64)?;
                let mut ops = parse_ops(&data)?;
                super::inline::recover(&data, &mut ops)?;
                let idx = self.streams.len();
                let nums = text_numbers(&ops, &data);
                self.streams.push(Parsed {
                    key: StreamKey::Form(id),
                    ops,
                    src: data,
                    nums,
                });
                self.forms.insert(id, idx);
                idx
            }
        };
        let matrix = match s.dict.get(b"Matrix") {
            Ok(Object::Array(a)) => matrix_of(a).unwrap_or(IDENTITY),
            _ => IDENTITY,
        };
        let mut inner = gs.clone();
        inner.ctm = mul(&matrix, &gs.ctm);
        let resources = s
            .dict
            .get(b"Resources")
            .ok()
            .and_then(|o| dict_of(doc, o))
            .or(frame.resources);
        self.seq += 1;
        let f = Frame {
            stream: idx,
            resources,
            page: frame.page,
            depth: frame.depth + 1,
            seq: self.seq,
        };
        self.exec(doc, &f, inner, ctx, max)
    }
}

/// The decoded data of a stream, bounded.
pub(crate) fn decoded(
    s: &kiyome_pdf::rewrite::lopdf::Stream,
    max: usize,
) -> Result<Vec<u8>, Error> {
    if s.dict.has(b"Filter") {
        s.decompressed_content_with_limit(max)
            .map_err(|e| Error::parse("pdf", format!("content stream: {e}")))
    } else {
        Ok(s.content.clone())
    }
}

/// Tokenises a content stream.
pub(crate) fn parse_ops(data: &[u8]) -> Result<Vec<Operation>, Error> {
    Content::decode(data)
        .map(|c| c.operations)
        .map_err(|e| Error::parse("pdf", format!("content stream: {e}")))
}
