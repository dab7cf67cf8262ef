//! Fonts as the redaction interpreter needs them: how a shown string splits into character
//! codes, each code's Unicode text, its advance (horizontal or vertical) and its box.
//!
//! Covered (ISO 32000-1 §9.6–9.10): simple fonts (Type1, TrueType, MMType1) with /Widths,
//! base encodings and /Differences; Type3 with /FontMatrix; Type0 composite fonts with
//! Identity-H/V, predefined CMaps (the Japanese RKSJ/EUC/UniJIS CMaps are embedded in
//! hayro-cmap) or embedded CMaps, /W and /DW, /W2 and /DW2 for vertical writing. Unicode comes
//! from /ToUnicode first, then from the encoding (simple fonts) or from the character
//! collection's UCS2 map (Adobe-Japan1 and the other predefined collections).

use hayro_cmap::{BfString, CMap, CMapName, CidFamily};
use kiyome_pdf::rewrite::lopdf::{Dictionary, Document, Object};

/// Largest /W or /Differences array walked.
const MAX_ARRAY: usize = 200_000;

/// One decoded character code of a shown string.
#[derive(Debug, Clone)]
pub(crate) struct Code {
    /// Byte range in the string.
    pub start: usize,
    /// End of that range.
    pub end: usize,
    /// The character code.
    pub code: u32,
    /// The CID (composite fonts; simple fonts: the code).
    pub cid: u32,
    /// Unicode text, when known.
    pub unicode: Option<String>,
    /// Horizontal advance in glyph space (thousandths of an em for non-Type3 fonts).
    pub w0: f64,
    /// Vertical advance (negative downwards), vertical writing only.
    pub w1: f64,
    /// Position vector (vertical writing): origin offset of the glyph.
    pub v: (f64, f64),
    /// A single-byte code 32, to which word spacing applies.
    pub is_space: bool,
}

enum Encoding {
    Simple(Box<[Option<String>; 256]>),
    Cid(Box<CMap>),
}

/// A font resource.
pub(crate) struct Font {
    encoding: Encoding,
    to_unicode: Option<CMap>,
    collection: Option<CMap>,
    first_char: u32,
    widths: Vec<f64>,
    missing_width: f64,
    cid_widths: Vec<(u32, u32, f64)>,
    default_width: f64,
    cid_vmetrics: Vec<(u32, u32, f64, f64, f64)>,
    dw2: (f64, f64),
    /// Vertical writing mode (Identity-V, …-V CMaps).
    pub vertical: bool,
    /// Glyph space to text space (1/1000 for everything but Type3).
    pub matrix: [f64; 6],
    /// Top of the glyph box, glyph space.
    pub ascent: f64,
    /// Bottom of the glyph box, glyph space.
    pub descent: f64,
    /// Whether every code has a Unicode value we could determine (or a .notdef-like empty).
    pub is_type3: bool,
}

fn num(o: &Object) -> Option<f64> {
    match o {
        Object::Integer(i) => Some(*i as f64),
        Object::Real(r) => Some(f64::from(*r)),
        _ => None,
    }
}

pub(crate) fn resolve<'a>(doc: &'a Document, mut o: &'a Object) -> &'a Object {
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

fn dict<'a>(doc: &'a Document, o: &'a Object) -> Option<&'a Dictionary> {
    match resolve(doc, o) {
        Object::Dictionary(d) => Some(d),
        Object::Stream(s) => Some(&s.dict),
        _ => None,
    }
}

fn get<'a>(doc: &'a Document, d: &'a Dictionary, key: &[u8]) -> &'a Object {
    d.get(key).map(|o| resolve(doc, o)).unwrap_or(&Object::Null)
}

fn name<'a>(doc: &'a Document, d: &'a Dictionary, key: &[u8]) -> Option<&'a [u8]> {
    match get(doc, d, key) {
        Object::Name(n) => Some(n),
        _ => None,
    }
}

pub(crate) fn stream_bytes(doc: &Document, o: &Object, max: usize) -> Option<Vec<u8>> {
    match resolve(doc, o) {
        Object::Stream(s) => {
            if s.dict.has(b"Filter") {
                s.decompressed_content_with_limit(max).ok()
            } else {
                Some(s.content.clone())
            }
        }
        _ => None,
    }
}

fn parse_cmap(data: &[u8]) -> Option<CMap> {
    CMap::parse(data, hayro_cmap::load_embedded)
}

fn predefined(name: &[u8]) -> Option<CMap> {
    match name {
        b"Identity-H" => Some(CMap::identity_h()),
        b"Identity-V" => Some(CMap::identity_v()),
        other => {
            let data = hayro_cmap::load_embedded(CMapName::from_bytes(other))?;
            parse_cmap(data)
        }
    }
}

fn bf_text(b: BfString) -> String {
    match b {
        BfString::Char(c) => c.to_string(),
        BfString::String(s) => s,
    }
}

/// Unicode values that carry no text (broken ToUnicode maps write these).
fn useful(s: String) -> Option<String> {
    let t: String = s
        .chars()
        .filter(|c| !matches!(*c as u32, 0xFFFE | 0xFFFF | 0xFFFD | 0xFDD0..=0xFDEF | 0))
        .collect();
    (!t.is_empty()).then_some(t)
}

impl Font {
    /// Reads a font dictionary. `max` bounds decompression of embedded CMaps.
    pub(crate) fn load(doc: &Document, fd: &Dictionary, max: usize) -> Font {
        let subtype = name(doc, fd, b"Subtype").unwrap_or(b"");
        let to_unicode = fd
            .get(b"ToUnicode")
            .ok()
            .and_then(|o| stream_bytes(doc, o, max))
            .and_then(|d| parse_cmap(&d));
        let mut f = Font {
            encoding: Encoding::Simple(Box::new(std::array::from_fn(|_| None))),
            to_unicode,
            collection: None,
            first_char: 0,
            widths: Vec::new(),
            missing_width: 0.0,
            cid_widths: Vec::new(),
            default_width: 1000.0,
            cid_vmetrics: Vec::new(),
            dw2: (880.0, -1000.0),
            vertical: false,
            matrix: [0.001, 0.0, 0.0, 0.001, 0.0, 0.0],
            ascent: 880.0,
            descent: -120.0,
            is_type3: subtype == b"Type3",
        };
        if subtype == b"Type0" {
            f.load_type0(doc, fd, max);
        } else {
            f.load_simple(doc, fd);
        }
        f
    }

    fn descriptor(&mut self, doc: &Document, desc: Option<&Dictionary>) {
        if let Some(d) = desc {
            if let Some(a) = num(get(doc, d, b"Ascent")).filter(|a| *a > 0.0) {
                self.ascent = a;
            }
            if let Some(x) = num(get(doc, d, b"Descent")).filter(|x| *x < 0.0) {
                self.descent = x;
            }
            if let Some(m) = num(get(doc, d, b"MissingWidth")) {
                self.missing_width = m;
            }
        }
        // Glyphs may reach beyond Ascent/Descent; a box that covers the whole em square at
        // least hides accents and descenders too.
        self.ascent = self.ascent.max(800.0);
        self.descent = self.descent.min(-200.0);
    }

    fn load_simple(&mut self, doc: &Document, fd: &Dictionary) {
        if self.is_type3 {
            if let Object::Array(m) = get(doc, fd, b"FontMatrix") {
                let v: Vec<f64> = m.iter().filter_map(|o| num(resolve(doc, o))).collect();
                if let [a, b, c, d, e, g] = v.as_slice() {
                    self.matrix = [*a, *b, *c, *d, *e, *g];
                }
            }
            if let Object::Array(bb) = get(doc, fd, b"FontBBox") {
                let v: Vec<f64> = bb.iter().filter_map(|o| num(resolve(doc, o))).collect();
                if let [_, y0, _, y1] = v.as_slice() {
                    self.ascent = y0.max(*y1);
                    self.descent = y0.min(*y1);
                }
            }
        } else {
            let desc = fd.get(b"FontDescriptor").ok().and_then(|o| dict(doc, o));
            self.descriptor(doc, desc);
        }
        self.first_char = num(get(doc, fd, b"FirstChar"))
            .map(|v| v.clamp(0.0, 255.0) as u32)
            .unwrap_or(0);
        match get(doc, fd, b"Widths") {
            Object::Array(w) if !w.is_empty() => {
                self.widths = w
                    .iter()
                    .take(256)
                    .map(|o| num(resolve(doc, o)).unwrap_or(0.0))
                    .collect();
            }
            // No /Widths (the standard 14 fonts, and broken files): readers use the
            // standard fonts' metrics (§9.6.2.2), so the boxes and positions must too.
            _ if !self.is_type3 => {
                let flags = fd
                    .get(b"FontDescriptor")
                    .ok()
                    .and_then(|o| dict(doc, o))
                    .and_then(|d| num(get(doc, d, b"Flags")))
                    .unwrap_or(0.0) as i64;
                self.first_char = 0;
                self.widths = super::stdwidths::widths(doc, fd, flags, self.missing_width);
            }
            _ => {}
        }
        let mut table: Box<[Option<String>; 256]> = Box::new(std::array::from_fn(|_| None));
        let enc = fd.get_font_encoding(doc).ok();
        for (code, slot) in table.iter_mut().enumerate() {
            let from_cmap = self
                .to_unicode
                .as_ref()
                .and_then(|c| c.lookup_bf_string(code as u32))
                .map(bf_text)
                .and_then(useful);
            *slot = from_cmap.or_else(|| {
                let e = enc.as_ref()?;
                let s = Document::decode_text(e, &[code as u8]).ok()?;
                useful(s)
            });
        }
        // Type3 and symbolic fonts often have no ToUnicode and no meaningful encoding: codes
        // stay unmapped, which the redactor reports rather than guessing.
        if self.is_type3 && self.to_unicode.is_none() && !fd.has(b"Encoding") {
            table = Box::new(std::array::from_fn(|_| None));
        }
        self.encoding = Encoding::Simple(table);
    }

    fn load_type0(&mut self, doc: &Document, fd: &Dictionary, max: usize) {
        let cmap = match get(doc, fd, b"Encoding") {
            Object::Name(n) => predefined(n),
            Object::Stream(_) => fd
                .get(b"Encoding")
                .ok()
                .and_then(|o| stream_bytes(doc, o, max))
                .and_then(|d| parse_cmap(&d)),
            _ => None,
        }
        .unwrap_or_else(CMap::identity_h);
        self.vertical = matches!(
            cmap.metadata().writing_mode,
            Some(hayro_cmap::WritingMode::Vertical)
        ) || matches!(get(doc, fd, b"Encoding"), Object::Name(n) if n.ends_with(b"-V"));
        let desc_font = match get(doc, fd, b"DescendantFonts") {
            Object::Array(a) => a.first().and_then(|o| dict(doc, o)),
            _ => None,
        };
        if let Some(cf) = desc_font {
            let desc = cf.get(b"FontDescriptor").ok().and_then(|o| dict(doc, o));
            self.descriptor(doc, desc);
            if let Some(dw) = num(get(doc, cf, b"DW")) {
                self.default_width = dw;
            }
            if let Object::Array(w) = get(doc, cf, b"W") {
                self.cid_widths = parse_w(doc, w);
            }
            if let Object::Array(d) = get(doc, cf, b"DW2") {
                let v: Vec<f64> = d.iter().filter_map(|o| num(resolve(doc, o))).collect();
                if let [vy, w1] = v.as_slice() {
                    self.dw2 = (*vy, *w1);
                }
            }
            if let Object::Array(w) = get(doc, cf, b"W2") {
                self.cid_vmetrics = parse_w2(doc, w);
            }
            if let Some(d) = cf.get(b"CIDSystemInfo").ok().and_then(|o| dict(doc, o)) {
                let reg = match get(doc, d, b"Registry") {
                    Object::String(s, _) => s.as_slice(),
                    _ => b"",
                };
                let ord = match get(doc, d, b"Ordering") {
                    Object::String(s, _) => s.as_slice(),
                    _ => b"",
                };
                let fam = CidFamily::from_registry_ordering(reg, ord);
                self.collection = fam
                    .ucs2_cmap()
                    .and_then(|n| hayro_cmap::load_embedded(n).and_then(parse_cmap));
            }
        }
        // The encoding CMap's own collection (e.g. 90ms-RKSJ-H → Adobe-Japan1).
        if self.collection.is_none()
            && let Some(cc) = &cmap.metadata().character_collection
        {
            self.collection = cc
                .family
                .ucs2_cmap()
                .and_then(|n| hayro_cmap::load_embedded(n).and_then(parse_cmap));
        }
        self.encoding = Encoding::Cid(Box::new(cmap));
    }

    fn simple_width(&self, code: u32) -> f64 {
        code.checked_sub(self.first_char)
            .and_then(|i| self.widths.get(i as usize))
            .copied()
            .unwrap_or(self.missing_width)
    }

    fn cid_width(&self, cid: u32) -> f64 {
        find_range(&self.cid_widths, cid).unwrap_or(self.default_width)
    }

    fn cid_vertical(&self, cid: u32, w0: f64) -> (f64, (f64, f64)) {
        for (a, b, w1, vx, vy) in &self.cid_vmetrics {
            if (*a..=*b).contains(&cid) {
                return (*w1, (*vx, *vy));
            }
        }
        (self.dw2.1, (w0 / 2.0, self.dw2.0))
    }

    /// Splits a shown string into codes with their Unicode text and metrics.
    pub(crate) fn decode(&self, bytes: &[u8]) -> Vec<Code> {
        let mut out = Vec::with_capacity(bytes.len());
        match &self.encoding {
            Encoding::Simple(table) => {
                for (i, &b) in bytes.iter().enumerate() {
                    let code = u32::from(b);
                    out.push(Code {
                        start: i,
                        end: i + 1,
                        code,
                        cid: code,
                        unicode: table.get(b as usize).cloned().flatten(),
                        w0: self.simple_width(code),
                        w1: 0.0,
                        v: (0.0, 0.0),
                        is_space: b == 32,
                    });
                }
            }
            Encoding::Cid(cmap) => {
                let mut i = 0;
                while i < bytes.len() {
                    // The code length is the shortest for which the CMap has a mapping
                    // (codespace ranges are not exposed; this is what readers do in effect).
                    let mut found = None;
                    for len in 1..=4usize {
                        let Some(chunk) = bytes.get(i..i + len) else {
                            break;
                        };
                        let code = chunk.iter().fold(0u32, |a, &b| (a << 8) | u32::from(b));
                        if let Some(cid) = cmap.lookup_cid_code(code, len as u8) {
                            found = Some((len, code, cid));
                            break;
                        }
                    }
                    let (len, code, cid) = found.unwrap_or_else(|| {
                        // Unmapped: take two bytes (or what is left) as CID 0.
                        let len = 2.min(bytes.len() - i);
                        let code = bytes[i..i + len]
                            .iter()
                            .fold(0u32, |a, &b| (a << 8) | u32::from(b));
                        (len, code, 0)
                    });
                    let unicode = self
                        .to_unicode
                        .as_ref()
                        .and_then(|c| c.lookup_bf_string(code))
                        .map(bf_text)
                        .and_then(useful)
                        .or_else(|| {
                            self.collection
                                .as_ref()
                                .and_then(|c| c.lookup_bf_string(cid))
                                .map(bf_text)
                                .and_then(useful)
                        });
                    let w0 = self.cid_width(cid);
                    let (w1, v) = if self.vertical {
                        self.cid_vertical(cid, w0)
                    } else {
                        (0.0, (0.0, 0.0))
                    };
                    out.push(Code {
                        start: i,
                        end: i + len,
                        code,
                        cid,
                        unicode,
                        w0,
                        w1,
                        v,
                        is_space: len == 1 && code == 32,
                    });
                    i += len;
                }
            }
        }
        out
    }
}

fn find_range(ranges: &[(u32, u32, f64)], cid: u32) -> Option<f64> {
    let idx = ranges.partition_point(|r| r.1 < cid);
    ranges
        .get(idx)
        .filter(|r| r.0 <= cid && cid <= r.1)
        .map(|r| r.2)
}

/// /W: `c [w1 w2 …]` or `c_first c_last w` (ISO 32000-1 §9.7.4.3).
pub(crate) fn parse_w(doc: &Document, w: &[Object]) -> Vec<(u32, u32, f64)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < w.len().min(MAX_ARRAY) {
        let Some(first) = num(resolve(doc, &w[i])) else {
            break;
        };
        let first = first.max(0.0) as u32;
        match w.get(i + 1).map(|o| resolve(doc, o)) {
            Some(Object::Array(list)) => {
                for (k, o) in list.iter().enumerate().take(MAX_ARRAY) {
                    if let Some(v) = num(resolve(doc, o)) {
                        let c = first.saturating_add(k as u32);
                        out.push((c, c, v));
                    }
                }
                i += 2;
            }
            Some(o) => {
                let last = num(o).map(|l| l.max(0.0) as u32).unwrap_or(first);
                if let Some(v) = w.get(i + 2).and_then(|o| num(resolve(doc, o))) {
                    out.push((first, last.max(first), v));
                }
                i += 3;
            }
            None => break,
        }
    }
    out.sort_by_key(|r| (r.0, r.1));
    out
}

/// /W2: `c [w1y vx vy …]` or `c_first c_last w1y vx vy` (§9.7.4.3).
pub(crate) fn parse_w2(doc: &Document, w: &[Object]) -> Vec<(u32, u32, f64, f64, f64)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < w.len().min(MAX_ARRAY) {
        let Some(first) = num(resolve(doc, &w[i])) else {
            break;
        };
        let first = first.max(0.0) as u32;
        match w.get(i + 1).map(|o| resolve(doc, o)) {
            Some(Object::Array(list)) => {
                let v: Vec<f64> = list.iter().filter_map(|o| num(resolve(doc, o))).collect();
                for (k, t) in v.chunks_exact(3).enumerate() {
                    let c = first.saturating_add(k as u32);
                    out.push((c, c, t[0], t[1], t[2]));
                }
                i += 2;
            }
            Some(o) => {
                let last = num(o).map(|l| l.max(0.0) as u32).unwrap_or(first);
                let v: Vec<f64> = (2..5)
                    .filter_map(|k| w.get(i + k).and_then(|o| num(resolve(doc, o))))
                    .collect();
                if let [w1, vx, vy] = v.as_slice() {
                    out.push((first, last.max(first), *w1, *vx, *vy));
                }
                i += 5;
            }
            None => break,
        }
    }
    out
}
