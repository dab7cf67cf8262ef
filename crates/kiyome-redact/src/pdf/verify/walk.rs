//! The leak check's own pass over every content stream a page draws: the page content, the
//! Form XObjects it paints and the appearance streams of its annotations.
//!
//! It records, per page, what the text and covered-content checks need and nothing more:
//! - the **text of each line**, decoded through the fonts ([`super::vfont`]), and per line
//!   and font the **raw codes** shown (for the glyph-code scan);
//! - **every string** operand (shows, marked-content property lists) as raw bytes;
//! - **geometry**: approximate glyph boxes (font size × advance, ascent 0.8, descent 0.2),
//!   opaque filled rectangles (re and four-corner paths, solid colour, alpha 1, clipped to
//!   the current clip's box) and image unit squares, each with its drawing order.
//!
//! A minimal graphics state (ISO 32000-1 §8.4, §9.3, §9.4): CTM, clip box, fill colour
//! space, fill alpha, text state. Bounded by the number of operations, the form depth and the
//! number of glyphs recorded.

use super::geo::{ID, M, R, mul, pt};
use super::lex::{Op, Val, for_each_op};
use super::obj::{dict, get, num, numbers, resolve, stream_data};
use super::vfont::VFont;
use kiyome_pdf::rewrite::lopdf::{Dictionary, Document, Object, ObjectId};
use std::collections::HashMap;

/// Deepest Form XObject nesting followed.
const MAX_DEPTH: usize = 12;
/// Most glyphs, fills and images recorded for one page (beyond, the geometry is incomplete
/// and reported as such).
const MAX_SHAPES: usize = 2_000_000;
/// Most points kept for one path.
const MAX_PATH_POINTS: usize = 10_000;

/// A glyph's box on the page.
#[derive(Debug, Clone)]
pub(crate) struct Glyph {
    pub bbox: R,
    pub seq: u64,
    /// The glyph stands for white space only (it draws no ink and reads as a space).
    pub blank: bool,
}

/// An opaque filled rectangle on the page.
#[derive(Debug, Clone)]
pub(crate) struct Fill {
    pub r: R,
    pub seq: u64,
}

/// Where an image's samples are.
#[derive(Debug, Clone)]
pub(crate) enum ImgSrc {
    XObject(ObjectId),
    Inline(Val, Vec<u8>),
    /// A direct stream (rare); its samples are not checked.
    Unknown,
}

/// An image drawn: its unit square is mapped to the page by `ctm`.
#[derive(Debug, Clone)]
pub(crate) struct Img {
    pub ctm: M,
    pub seq: u64,
    pub src: ImgSrc,
}

/// What one page draws.
#[derive(Debug, Default)]
pub(crate) struct PageOut {
    /// (location, text) per line of text.
    pub lines: Vec<(String, String)>,
    /// (location, font index, codes) per line and font.
    pub code_lines: Vec<(String, usize, Vec<u8>)>,
    /// (location, font index when one was set, bytes) of every string operand.
    pub strings: Vec<(String, Option<usize>, Vec<u8>)>,
    /// (location, fonts used, decoded bytes) of each content stream, first use only.
    pub raw: Vec<(String, Vec<usize>, Vec<u8>)>,
    pub glyphs: Vec<Glyph>,
    pub fills: Vec<Fill>,
    pub images: Vec<Img>,
    /// (location, reason) of what could not be read.
    pub unreadable: Vec<(String, String)>,
    /// The geometry stopped at [`MAX_SHAPES`].
    pub truncated: bool,
}

#[derive(Debug, Clone)]
struct Gs {
    ctm: M,
    clip: Option<R>,
    fill_pattern: bool,
    alpha_ok: bool,
    font: Option<usize>,
    size: f64,
    tc: f64,
    tw: f64,
    th: f64,
    tl: f64,
    ts: f64,
}

impl Gs {
    fn new(ctm: M) -> Gs {
        Gs {
            ctm,
            clip: None,
            fill_pattern: false,
            alpha_ok: true,
            font: None,
            size: 0.0,
            tc: 0.0,
            tw: 0.0,
            th: 1.0,
            tl: 0.0,
            ts: 0.0,
        }
    }
}

/// One subpath, in page space.
#[derive(Debug, Default, Clone)]
struct Sub {
    pts: Vec<(f64, f64)>,
    curved: bool,
}

/// The walker: fonts are loaded once per document and shared by every page.
pub(crate) struct Walker<'a> {
    doc: &'a Document,
    max_stream: usize,
    pub fonts: Vec<VFont>,
    /// Font label (`/F1 obj 12`) per index.
    pub font_names: Vec<String>,
    font_ids: HashMap<ObjectId, usize>,
    ops_left: usize,
    seen_streams: std::collections::HashSet<ObjectId>,
    seq: u64,
    out: PageOut,
    // Line assembly.
    line: String,
    line_codes: Vec<(usize, Vec<u8>)>,
    line_at: Option<LineAt>,
    line_loc: String,
    /// The glyph just recorded: (index, text rendering matrix, width, ascent, descent).
    last_glyph: Option<(usize, M, f64, f64, f64)>,
}

/// Where the line being assembled stands: the last glyph's origin, the writing direction
/// (unit vector) and the font size on the page.
type LineAt = ((f64, f64), (f64, f64), f64);

fn same_line(prev: &LineAt, o: (f64, f64), size: f64) -> bool {
    let ((lx, ly), (dx, dy), lsize) = *prev;
    let (vx, vy) = (o.0 - lx, o.1 - ly);
    let along = vx * dx + vy * dy;
    let perp = (vx * dy - vy * dx).abs();
    let s = size.max(lsize).max(0.1);
    perp <= 0.35 * s && along >= -1.5 * s
}

impl<'a> Walker<'a> {
    pub(crate) fn new(doc: &'a Document, max_stream: usize, max_ops: usize) -> Walker<'a> {
        Walker {
            doc,
            max_stream,
            fonts: Vec::new(),
            font_names: Vec::new(),
            font_ids: HashMap::new(),
            ops_left: max_ops,
            seen_streams: Default::default(),
            seq: 0,
            out: PageOut::default(),
            line: String::new(),
            line_codes: Vec::new(),
            line_at: None,
            line_loc: String::new(),
            last_glyph: None,
        }
    }

    /// Walks page `n` (1-based, for locations) with page object `page`.
    pub(crate) fn page(&mut self, n: usize, page: ObjectId) -> PageOut {
        self.out = PageOut::default();
        let doc = self.doc;
        let Some(pd) = doc.objects.get(&page).and_then(|o| dict(doc, o)) else {
            return std::mem::take(&mut self.out);
        };
        let res = inherited(doc, pd, b"Resources");
        let loc = format!("page {n}");
        // Contents: one stream or an array, concatenated (§7.8.2).
        let mut content = Vec::new();
        let streams: Vec<&Object> = match pd.get(b"Contents").map(|o| resolve(doc, o)) {
            Ok(Object::Array(a)) => a.iter().collect(),
            Ok(o @ Object::Stream(_)) => vec![o],
            _ => Vec::new(),
        };
        for s in streams {
            match stream_data(doc, s, self.max_stream) {
                Some(d) => {
                    content.extend_from_slice(&d);
                    content.push(b'\n');
                }
                None => self
                    .out
                    .unreadable
                    .push((loc.clone(), "page content stream cannot be decoded".into())),
            }
        }
        let mut gs = Gs::new(ID);
        self.run(&content, res, &mut gs, &loc, 0, true, None);
        self.annotations(pd, &loc);
        self.flush_line();
        std::mem::take(&mut self.out)
    }

    fn annotations(&mut self, pd: &'a Dictionary, loc: &str) {
        let doc = self.doc;
        let annots: Vec<&Object> = match pd.get(b"Annots").map(|o| resolve(doc, o)) {
            Ok(Object::Array(a)) => a.iter().take(10_000).collect(),
            _ => return,
        };
        for (k, a) in annots.into_iter().enumerate() {
            let Some(ad) = dict(doc, a) else { continue };
            let Some(ap) = dict(doc, get(doc, ad, b"AP")) else {
                continue;
            };
            let flags = num(get(doc, ad, b"F")).unwrap_or(0.0) as i64;
            let shown = flags & (2 | 32) == 0; // Hidden, NoView
            let state = match get(doc, ad, b"AS") {
                Object::Name(n) => Some(n.as_slice()),
                _ => None,
            };
            let rect = R::around(&{
                let r = numbers(doc, get(doc, ad, b"Rect"));
                if r.len() == 4 {
                    vec![(r[0], r[1]), (r[2], r[3])]
                } else {
                    Vec::new()
                }
            });
            for (key, v) in ap.iter() {
                let v = resolve(doc, v);
                // /N, /R, /D: a stream, or a dictionary of states.
                let mut forms: Vec<(&Object, bool)> = Vec::new();
                match v {
                    Object::Stream(_) => forms.push((v, key.as_slice() == b"N")),
                    Object::Dictionary(states) => {
                        for (sk, sv) in states.iter() {
                            let on = key.as_slice() == b"N" && state == Some(sk.as_slice());
                            forms.push((resolve(doc, sv), on));
                        }
                    }
                    _ => {}
                }
                for (f, on) in forms {
                    let Object::Stream(s) = f else { continue };
                    let id = match ap.get(key) {
                        Ok(Object::Reference(id)) => Some(*id),
                        _ => None,
                    };
                    let aloc = format!(
                        "{loc} annotation {} /{}",
                        k + 1,
                        String::from_utf8_lossy(key)
                    );
                    let geom = shown && on;
                    let ctm = if geom {
                        rect.and_then(|r| appearance_matrix(doc, &s.dict, &r))
                    } else {
                        None
                    };
                    let Some(data) = stream_data(doc, f, self.max_stream) else {
                        self.out
                            .unreadable
                            .push((aloc, "appearance stream cannot be decoded".into()));
                        continue;
                    };
                    let res = dict(doc, get(doc, &s.dict, b"Resources"));
                    let mut gs = Gs::new(ctm.unwrap_or(ID));
                    self.flush_line();
                    self.run(&data, res, &mut gs, &aloc, 1, ctm.is_some(), id);
                    self.flush_line();
                }
            }
        }
    }

    fn shape_room(&mut self) -> bool {
        let n = self.out.glyphs.len() + self.out.fills.len() + self.out.images.len();
        if n >= MAX_SHAPES {
            self.out.truncated = true;
            return false;
        }
        true
    }

    #[allow(clippy::too_many_arguments)]
    fn run(
        &mut self,
        data: &[u8],
        res: Option<&'a Dictionary>,
        gs: &mut Gs,
        loc: &str,
        depth: usize,
        geom: bool,
        stream_id: Option<ObjectId>,
    ) {
        let doc = self.doc;
        let mut stack: Vec<Gs> = Vec::new();
        let mut tm = ID;
        let mut tlm = ID;
        let mut path: Vec<Sub> = Vec::new();
        let mut pending_clip = false;
        let mut used_fonts: Vec<usize> = Vec::new();
        let mut stopped = false;
        let res_get = |cat: &[u8], key: &[u8]| -> Option<&'a Object> {
            let r = res?;
            let c = dict(doc, r.get(cat).ok()?)?;
            c.get(key).ok().map(|o| resolve(doc, o))
        };
        let result = for_each_op(data, usize::MAX, |op: Op<'_>| {
            if self.ops_left == 0 {
                stopped = true;
                return false;
            }
            self.ops_left -= 1;
            // Every string operand, anywhere (shows, property lists, unknown operators).
            for a in &op.args {
                collect_strings(a, &mut |s| {
                    self.out
                        .strings
                        .push((loc.to_string(), gs.font, s.to_vec()))
                });
            }
            match op.name {
                b"q" if stack.len() < 256 => stack.push(gs.clone()),
                b"Q" => {
                    if let Some(g) = stack.pop() {
                        *gs = g;
                    }
                }
                b"cm" => {
                    if let Some(m) = six(&op.args) {
                        gs.ctm = mul(&m, &gs.ctm);
                    }
                }
                b"gs" => {
                    if let Some(Val::Name(n)) = op.args.first()
                        && let Some(Object::Dictionary(g)) = res_get(b"ExtGState", n)
                    {
                        if let Some(ca) = num(get(doc, g, b"ca")) {
                            gs.alpha_ok = ca >= 0.999;
                        }
                        if let Ok(sm) = g.get(b"SMask")
                            && !matches!(resolve(doc, sm), Object::Name(n) if n == b"None")
                        {
                            gs.alpha_ok = false;
                        }
                        if let Object::Name(bm) = get(doc, g, b"BM")
                            && !matches!(bm.as_slice(), b"Normal" | b"Compatible")
                        {
                            gs.alpha_ok = false;
                        }
                    }
                }
                b"cs" => {
                    gs.fill_pattern = match op.args.first() {
                        Some(Val::Name(n)) if n == b"Pattern" => true,
                        Some(Val::Name(n)) => match res_get(b"ColorSpace", n) {
                            Some(Object::Array(a)) => {
                                matches!(a.first().map(|o| resolve(doc, o)), Some(Object::Name(k)) if k == b"Pattern")
                            }
                            Some(Object::Name(k)) => k == b"Pattern",
                            _ => false,
                        },
                        _ => false,
                    };
                }
                b"scn" if matches!(op.args.last(), Some(Val::Name(_))) => gs.fill_pattern = true,
                b"g" | b"rg" | b"k" => gs.fill_pattern = false,
                // Paths.
                b"m" => {
                    if let Some([x, y]) = nums::<2>(&op.args) {
                        path.push(Sub {
                            pts: vec![pt(&gs.ctm, x, y)],
                            curved: false,
                        });
                    }
                }
                b"l" | b"c" | b"v" | b"y" => {
                    let n: Vec<f64> = op.args.iter().filter_map(Val::num).collect();
                    if path.is_empty() {
                        path.push(Sub::default());
                    }
                    if let Some(sub) = path.last_mut() {
                        if op.name != b"l" {
                            sub.curved = true;
                        }
                        for p in n.chunks(2) {
                            if let [x, y] = p
                                && sub.pts.len() < MAX_PATH_POINTS
                            {
                                sub.pts.push(pt(&gs.ctm, *x, *y));
                            }
                        }
                    }
                }
                b"re" => {
                    if let Some([x, y, w, h]) = nums::<4>(&op.args) {
                        let m = &gs.ctm;
                        path.push(Sub {
                            pts: vec![
                                pt(m, x, y),
                                pt(m, x + w, y),
                                pt(m, x + w, y + h),
                                pt(m, x, y + h),
                            ],
                            curved: false,
                        });
                    }
                }
                b"h" => {}
                b"W" | b"W*" => pending_clip = true,
                b"f" | b"F" | b"f*" | b"B" | b"B*" | b"b" | b"b*" | b"S" | b"s" | b"n" => {
                    let fills = !matches!(op.name, b"S" | b"s" | b"n");
                    if fills && geom && !gs.fill_pattern && gs.alpha_ok {
                        let rects: Vec<R> = path.iter().filter_map(rect_of).collect();
                        let disjoint = rects.len() == path.len()
                            && rects.iter().enumerate().all(|(i, a)| {
                                rects.iter().skip(i + 1).all(|b| a.inter(b).is_none())
                            });
                        if disjoint {
                            for r in rects {
                                let r = match gs.clip {
                                    Some(c) => r.inter(&c),
                                    None => Some(r),
                                };
                                if let Some(r) = r
                                    && self.shape_room()
                                {
                                    self.seq += 1;
                                    self.out.fills.push(Fill { r, seq: self.seq });
                                }
                            }
                        }
                    }
                    if pending_clip {
                        let all: Vec<(f64, f64)> =
                            path.iter().flat_map(|s| s.pts.iter().copied()).collect();
                        if let Some(b) = R::around(&all) {
                            gs.clip = Some(match gs.clip {
                                Some(c) => c.inter(&b).unwrap_or(R {
                                    x0: 0.0,
                                    y0: 0.0,
                                    x1: 0.0,
                                    y1: 0.0,
                                }),
                                None => b,
                            });
                        }
                        pending_clip = false;
                    }
                    path.clear();
                }
                // Text.
                b"BT" => {
                    tm = ID;
                    tlm = ID;
                }
                b"Tf" => {
                    if let (Some(Val::Name(n)), Some(sz)) =
                        (op.args.first(), op.args.get(1).and_then(Val::num))
                    {
                        gs.size = sz;
                        gs.font = self.font(res, n);
                        if let Some(f) = gs.font
                            && !used_fonts.contains(&f)
                        {
                            used_fonts.push(f);
                        }
                    }
                }
                b"Tc" => gs.tc = op.args.first().and_then(Val::num).unwrap_or(gs.tc),
                b"Tw" => gs.tw = op.args.first().and_then(Val::num).unwrap_or(gs.tw),
                b"Tz" => {
                    gs.th = op
                        .args
                        .first()
                        .and_then(Val::num)
                        .map_or(gs.th, |v| v / 100.0)
                }
                b"TL" => gs.tl = op.args.first().and_then(Val::num).unwrap_or(gs.tl),
                b"Ts" => gs.ts = op.args.first().and_then(Val::num).unwrap_or(gs.ts),
                b"Td" | b"TD" => {
                    if let Some([x, y]) = nums::<2>(&op.args) {
                        if op.name == b"TD" {
                            gs.tl = -y;
                        }
                        tlm = mul(&[1.0, 0.0, 0.0, 1.0, x, y], &tlm);
                        tm = tlm;
                    }
                }
                b"Tm" => {
                    if let Some(m) = six(&op.args) {
                        tlm = m;
                        tm = m;
                    }
                }
                b"T*" => {
                    tlm = mul(&[1.0, 0.0, 0.0, 1.0, 0.0, -gs.tl], &tlm);
                    tm = tlm;
                }
                b"Tj" | b"'" | b"\"" | b"TJ" => {
                    if op.name != b"Tj" && op.name != b"TJ" {
                        if op.name == b"\""
                            && let Some([aw, ac]) = nums::<2>(&op.args)
                        {
                            gs.tw = aw;
                            gs.tc = ac;
                        }
                        tlm = mul(&[1.0, 0.0, 0.0, 1.0, 0.0, -gs.tl], &tlm);
                        tm = tlm;
                    }
                    let items: Vec<&Val> = match (op.name, op.args.last()) {
                        (b"TJ", Some(Val::Arr(a))) => a.iter().collect(),
                        (_, Some(v @ Val::Str(_))) => vec![v],
                        _ => Vec::new(),
                    };
                    for it in items {
                        match it {
                            Val::Str(s) => self.show(s, gs, &mut tm, loc, geom),
                            Val::Num(n) => {
                                let d = -n / 1000.0 * gs.size;
                                let vertical = gs
                                    .font
                                    .and_then(|f| self.fonts.get(f))
                                    .is_some_and(|f| f.vertical);
                                // A kern that pulls the next glyph back means the previous
                                // one does not fill its advance (CJK punctuation squeezed).
                                if !vertical && *n > 0.0 {
                                    self.narrow_last(*n / 1000.0);
                                }
                                let t = if vertical {
                                    [1.0, 0.0, 0.0, 1.0, 0.0, d]
                                } else {
                                    [1.0, 0.0, 0.0, 1.0, d * gs.th, 0.0]
                                };
                                tm = mul(&t, &tm);
                            }
                            _ => {}
                        }
                    }
                }
                // Marked content with a property list: /ActualText, /Alt, /E… are strings.
                b"BDC" | b"DP" => {
                    if let Some(Val::Name(n)) = op.args.get(1)
                        && let Some(p) = res_get(b"Properties", n)
                    {
                        let mut found: Vec<Vec<u8>> = Vec::new();
                        object_strings(doc, p, 0, &mut found);
                        for s in found {
                            self.out
                                .strings
                                .push((format!("{loc} /Properties"), None, s));
                        }
                    }
                }
                b"Do" => {
                    if let Some(Val::Name(n)) = op.args.first()
                        && let Some(r) = res
                        && let Some(xd) = dict(doc, r.get(b"XObject").unwrap_or(&Object::Null))
                        && let Ok(o) = xd.get(n)
                    {
                        let id = match o {
                            Object::Reference(id) => Some(*id),
                            _ => None,
                        };
                        if let Object::Stream(s) = resolve(doc, o) {
                            match get(doc, &s.dict, b"Subtype") {
                                Object::Name(st) if st == b"Image" && geom && self.shape_room() => {
                                    self.seq += 1;
                                    self.out.images.push(Img {
                                        ctm: gs.ctm,
                                        seq: self.seq,
                                        src: id.map_or(ImgSrc::Unknown, ImgSrc::XObject),
                                    });
                                }
                                Object::Name(st) if st == b"Form" => {
                                    // Run right here, so its shapes keep the drawing order.
                                    if let Some(id) = id {
                                        let m = six_obj(doc, get(doc, &s.dict, b"Matrix"))
                                            .unwrap_or(ID);
                                        self.form(id, &m, gs.clone(), res, loc, depth, geom);
                                    }
                                }
                                _ => {}
                            }
                        }
                    }
                }
                b"BI" if geom && self.shape_room() => {
                    self.seq += 1;
                    let dict = op.args.first().cloned().unwrap_or(Val::Other);
                    let data = if op.data.len() <= 4 << 20 {
                        op.data.to_vec()
                    } else {
                        Vec::new()
                    };
                    self.out.images.push(Img {
                        ctm: gs.ctm,
                        seq: self.seq,
                        src: ImgSrc::Inline(dict, data),
                    });
                }
                _ => {}
            }
            true
        });
        if stopped {
            self.out.unreadable.push((
                loc.to_string(),
                "too many content operations to check".into(),
            ));
        } else if let Err(e) = result {
            self.out
                .unreadable
                .push((loc.to_string(), format!("content: {e}")));
        }
        let first_use = stream_id.is_none_or(|id| self.seen_streams.insert(id));
        if first_use {
            self.out
                .raw
                .push((loc.to_string(), used_fonts, data.to_vec()));
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn form(
        &mut self,
        id: ObjectId,
        m: &M,
        mut gs: Gs,
        parent_res: Option<&'a Dictionary>,
        loc: &str,
        depth: usize,
        geom: bool,
    ) {
        if depth >= MAX_DEPTH {
            self.out
                .unreadable
                .push((loc.to_string(), "Form XObjects nested too deeply".into()));
            return;
        }
        let doc = self.doc;
        let Some(Object::Stream(s)) = doc.objects.get(&id) else {
            return;
        };
        gs.ctm = mul(m, &gs.ctm);
        let b = numbers(doc, get(doc, &s.dict, b"BBox"));
        if b.len() == 4
            && let Some(bb) = R::mapped(b[0], b[1], b[2], b[3], &gs.ctm)
        {
            gs.clip = Some(match gs.clip {
                Some(c) => c.inter(&bb).unwrap_or(R {
                    x0: 0.0,
                    y0: 0.0,
                    x1: 0.0,
                    y1: 0.0,
                }),
                None => bb,
            });
        }
        let floc = format!("{loc} form obj {}", id.0);
        let Some(data) = stream_data(doc, &Object::Reference(id), self.max_stream) else {
            self.out
                .unreadable
                .push((floc, "form stream cannot be decoded".into()));
            return;
        };
        // A form without resources uses its parent's (§7.8.3, deprecated but common).
        let res = dict(doc, get(doc, &s.dict, b"Resources"));
        let res = res.or(parent_res);
        self.run(&data, res, &mut gs, &floc, depth + 1, geom, Some(id));
    }

    fn font(&mut self, res: Option<&Dictionary>, name: &[u8]) -> Option<usize> {
        let doc = self.doc;
        let fonts = dict(doc, res?.get(b"Font").ok()?)?;
        let o = fonts.get(name).ok()?;
        let label = format!("/{}", String::from_utf8_lossy(name));
        if let Object::Reference(id) = o {
            if let Some(&i) = self.font_ids.get(id) {
                return Some(i);
            }
            let fd = dict(doc, o)?;
            self.fonts.push(VFont::load(doc, fd, self.max_stream));
            self.font_names.push(format!("{label} obj {}", id.0));
            self.font_ids.insert(*id, self.fonts.len() - 1);
            return Some(self.fonts.len() - 1);
        }
        let fd = dict(doc, o)?;
        if self.fonts.len() > 10_000 {
            return None;
        }
        self.fonts.push(VFont::load(doc, fd, self.max_stream));
        self.font_names.push(label);
        Some(self.fonts.len() - 1)
    }

    fn show(&mut self, s: &[u8], gs: &Gs, tm: &mut M, loc: &str, geom: bool) {
        let Some(fi) = gs.font else {
            return;
        };
        let font = &self.fonts[fi];
        let vertical = font.vertical;
        let codes = font.codes(s);
        let mut at = 0usize;
        for (code, len) in codes {
            let raw = &s[at..at + len];
            at += len;
            let font = &self.fonts[fi];
            let text = font.text(code, raw);
            let adv = font.advance(code);
            let space = font.is_space(code, len);
            let (ascent, descent) = (font.ascent, font.descent);
            let (identity, ink) = (font.identity(), font.ink(code));
            // Text rendering matrix (§9.4.4).
            let trm = mul(
                &[gs.size * gs.th, 0.0, 0.0, gs.size, 0.0, gs.ts],
                &mul(tm, &gs.ctm),
            );
            let origin = pt(&trm, 0.0, 0.0);
            let scale = (trm[0] * trm[3] - trm[1] * trm[2]).abs().sqrt();
            let dir = if vertical {
                (-trm[2], -trm[3])
            } else {
                (trm[0], trm[1])
            };
            let dl = (dir.0 * dir.0 + dir.1 * dir.1).sqrt().max(1e-9);
            let dir = (dir.0 / dl, dir.1 / dl);
            let cur = (origin, dir, scale);
            if !self
                .line_at
                .as_ref()
                .is_some_and(|p| same_line(p, origin, scale))
                || self.line_loc != loc
            {
                self.flush_line();
                self.line_loc = loc.to_string();
            }
            self.line_at = Some(cur);
            let blank = text
                .as_ref()
                .is_some_and(|t| t.chars().all(char::is_whitespace));
            match text {
                Some(t) => self.line.push_str(&t),
                None => self.line.push('\u{FFFC}'),
            }
            match self.line_codes.iter_mut().find(|(f, _)| *f == fi) {
                Some((_, v)) => v.extend_from_slice(raw),
                None => self.line_codes.push((fi, raw.to_vec())),
            }
            // A glyph that starts inside the previous one's advance on the same line (kerned
            // or absolutely placed CJK punctuation) ends that one's box.
            if let Some((_, ltrm, lw, _, _)) = self.last_glyph
                && let Some(back) = super::geo::inv(&ltrm)
            {
                let (u, v) = pt(&back, origin.0, origin.1);
                if !vertical && v.abs() < 0.3 && u > 0.0 && u < lw {
                    self.narrow_last(lw - u);
                }
            }
            // The glyph's ink, when the font program tells it (CID TrueType, the CID is the
            // code for Identity CMaps), else its advance × ascent–descent.
            let ink = if identity && !vertical { ink } else { None };
            let blank = blank || matches!(ink, Some(None));
            if geom && self.shape_room() {
                let w = adv.max(0.3);
                let b = if let Some(Some([x0, y0, x1, y1])) = ink {
                    R::mapped(x0, y0, x1, y1, &trm)
                } else if vertical {
                    R::mapped(-0.5, -1.0, 0.5, 0.0, &trm)
                } else {
                    R::mapped(0.0, descent, w, ascent, &trm)
                };
                if let Some(bbox) = b {
                    self.seq += 1;
                    self.last_glyph = Some((self.out.glyphs.len(), trm, w, ascent, descent));
                    self.out.glyphs.push(Glyph {
                        bbox,
                        seq: self.seq,
                        blank,
                    });
                }
            }
            let extra = gs.tc + if space { gs.tw } else { 0.0 };
            let t = if vertical {
                [1.0, 0.0, 0.0, 1.0, 0.0, -(adv * gs.size + extra)]
            } else {
                [1.0, 0.0, 0.0, 1.0, (adv * gs.size + extra) * gs.th, 0.0]
            };
            *tm = mul(&t, tm);
        }
    }

    /// Takes `by` (text space units per unit font size) off the width of the glyph just
    /// recorded.
    fn narrow_last(&mut self, by: f64) {
        if let Some((i, trm, w, asc, desc)) = self.last_glyph.take()
            && let Some(g) = self.out.glyphs.get_mut(i)
            && let Some(b) = R::mapped(0.0, desc, (w - by).max(0.05), asc, &trm)
        {
            g.bbox = b;
        }
    }

    fn flush_line(&mut self) {
        if !self.line.is_empty() {
            self.out
                .lines
                .push((self.line_loc.clone(), std::mem::take(&mut self.line)));
        }
        for (f, codes) in self.line_codes.drain(..) {
            self.out.code_lines.push((self.line_loc.clone(), f, codes));
        }
        self.line_at = None;
    }
}

/// A page attribute, inherited through the page tree (§7.7.3.4).
fn inherited<'a>(doc: &'a Document, page: &'a Dictionary, key: &[u8]) -> Option<&'a Dictionary> {
    let mut d = page;
    for _ in 0..64 {
        if let Ok(o) = d.get(key) {
            return dict(doc, o);
        }
        d = dict(doc, d.get(b"Parent").ok()?)?;
    }
    None
}

/// The matrix that draws an appearance stream into its annotation's rectangle (§12.5.5).
fn appearance_matrix(doc: &Document, form: &Dictionary, rect: &R) -> Option<M> {
    let m = six_obj(doc, get(doc, form, b"Matrix")).unwrap_or(ID);
    let b = numbers(doc, get(doc, form, b"BBox"));
    if b.len() != 4 {
        return None;
    }
    let bb = R::mapped(b[0], b[1], b[2], b[3], &m)?;
    let (w, h) = (bb.x1 - bb.x0, bb.y1 - bb.y0);
    if w.abs() < 1e-9 || h.abs() < 1e-9 {
        return None;
    }
    let sx = (rect.x1 - rect.x0) / w;
    let sy = (rect.y1 - rect.y0) / h;
    let a = [sx, 0.0, 0.0, sy, rect.x0 - bb.x0 * sx, rect.y0 - bb.y0 * sy];
    Some(mul(&m, &a))
}

/// The last `N` operands as numbers.
fn nums<const N: usize>(args: &[Val]) -> Option<[f64; N]> {
    let mut out = [0.0; N];
    if args.len() < N {
        return None;
    }
    for (o, a) in out.iter_mut().zip(&args[args.len() - N..]) {
        *o = a.num()?;
    }
    Some(out)
}

fn six(args: &[Val]) -> Option<M> {
    nums::<6>(args)
}

fn six_obj(doc: &Document, o: &Object) -> Option<M> {
    let v = numbers(doc, o);
    (v.len() == 6).then(|| [v[0], v[1], v[2], v[3], v[4], v[5]])
}

/// A subpath that is an axis-aligned rectangle in page space.
fn rect_of(s: &Sub) -> Option<R> {
    if s.curved {
        return None;
    }
    let mut p = s.pts.clone();
    if p.len() == 5 && near(p[0], p[4]) {
        p.pop();
    }
    if p.len() != 4 {
        return None;
    }
    for i in 0..4 {
        let (a, b) = (p[i], p[(i + 1) % 4]);
        let tol = 0.01;
        if (a.0 - b.0).abs() > tol && (a.1 - b.1).abs() > tol {
            return None;
        }
    }
    R::around(&p).filter(|r| r.area() > 0.0)
}

fn near(a: (f64, f64), b: (f64, f64)) -> bool {
    (a.0 - b.0).abs() < 0.01 && (a.1 - b.1).abs() < 0.01
}

fn collect_strings(v: &Val, f: &mut impl FnMut(&[u8])) {
    match v {
        Val::Str(s) => f(s),
        Val::Arr(a) => a.iter().for_each(|x| collect_strings(x, f)),
        Val::Dict(d) => d.iter().for_each(|(_, x)| collect_strings(x, f)),
        _ => {}
    }
}

/// Strings inside a (resource) object, a few levels deep.
fn object_strings(doc: &Document, o: &Object, depth: usize, out: &mut Vec<Vec<u8>>) {
    if depth > 8 || out.len() > 10_000 {
        return;
    }
    match o {
        Object::String(s, _) => out.push(s.clone()),
        Object::Array(a) => a
            .iter()
            .for_each(|x| object_strings(doc, x, depth + 1, out)),
        Object::Dictionary(d) => d
            .iter()
            .for_each(|(_, x)| object_strings(doc, x, depth + 1, out)),
        Object::Reference(_) => object_strings(doc, resolve(doc, o), depth + 1, out),
        _ => {}
    }
}
