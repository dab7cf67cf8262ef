//! The leak check's own reading of PDF fonts (ISO 32000-1 §9.6–9.10): how a string splits
//! into character codes, what Unicode each code stands for (ToUnicode, the predefined
//! Japanese CMaps decoded with encoding_rs, simple-font encodings with /Differences), each
//! code's advance (for the covered-content geometry), and the reverse — how a term would be
//! written as this font's codes.
//!
//! Written apart from the redaction side's font code (which uses hayro-cmap) on purpose.

use super::lex::{Val, for_each_op};
use super::obj::{dict, get, name, num, num_of, resolve, stream_data};
use kiyome_pdf::rewrite::lopdf::{Dictionary, Document, Object};
use std::collections::HashMap;

/// Most ToUnicode entries read for one font (a bfrange can stand for 65 536 codes).
const MAX_MAP: usize = 200_000;
/// Most alternative codes kept per character in the reverse map.
const MAX_ALTS: usize = 8;

/// How bytes are decoded when there is no ToUnicode entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Native {
    /// Simple font: the encoding table.
    Table,
    /// 90ms-RKSJ, 90pv-RKSJ, 83pv-RKSJ, Add-RKSJ…: Shift_JIS.
    Sjis,
    /// EUC-H/V: EUC-JP.
    Euc,
    /// H/V (ISO-2022-JP row/cell): EUC-JP without the high bits.
    Jis,
    /// UniJIS-UCS2-*, UniJIS-UTF16-*: UTF-16BE.
    Utf16,
    /// UniJIS-UTF8-*.
    Utf8,
    /// Identity and unknown CMaps: nothing without ToUnicode.
    None,
}

/// One font as the leak check reads it.
#[derive(Debug, Clone)]
pub(crate) struct VFont {
    /// Type0 (composite) font.
    composite: bool,
    /// Codespace ranges: (bytes, low, high). Empty: one byte (simple) or two (Identity).
    codespace: Vec<(u8, u32, u32)>,
    native: Native,
    /// ToUnicode: (code length, code) → text.
    to_unicode: HashMap<(u8, u32), String>,
    /// Simple fonts: code → character from the encoding.
    table: HashMap<u8, char>,
    /// Simple fonts: (first char, widths); composite: (lo, hi, width) from /W.
    widths: Vec<f64>,
    first_char: u32,
    ranges: Vec<(u32, u32, f64)>,
    default_width: f64,
    /// Glyph space to text space scale (1/1000, or the Type3 /FontMatrix).
    scale: f64,
    /// Vertical writing (a -V CMap).
    pub vertical: bool,
    /// Ascent and descent in text space units per unit font size (FontDescriptor, else
    /// 0.8 and -0.2), as viewers lay out text boxes.
    pub ascent: f64,
    pub descent: f64,
    /// Embedded TrueType CID fonts: each code's ink box in text space units per unit font
    /// size (None: the glyph draws nothing), from the font program's glyph outlines.
    ink: Option<HashMap<u32, Option<[f64; 4]>>>,
}

fn hex_code(b: &[u8]) -> (u8, u32) {
    let mut v = 0u32;
    for &x in b.iter().take(4) {
        v = v << 8 | u32::from(x);
    }
    (b.len().min(4) as u8, v)
}

fn utf16(b: &[u8]) -> String {
    let units: Vec<u16> = b
        .chunks(2)
        .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
        .collect();
    String::from_utf16_lossy(&units)
}

impl VFont {
    /// Reads the font dictionary `fd`; stream data is decoded up to `max` bytes.
    pub(crate) fn load(doc: &Document, fd: &Dictionary, max: usize) -> VFont {
        let subtype = name(doc, fd, b"Subtype").unwrap_or(b"");
        let mut f = VFont {
            composite: subtype == b"Type0",
            codespace: Vec::new(),
            native: Native::Table,
            to_unicode: HashMap::new(),
            table: HashMap::new(),
            widths: Vec::new(),
            first_char: 0,
            ranges: Vec::new(),
            default_width: 500.0,
            scale: 0.001,
            vertical: false,
            ascent: 0.8,
            descent: -0.2,
            ink: None,
        };
        if f.composite {
            f.load_composite(doc, fd, max);
        } else {
            f.load_simple(doc, fd, subtype == b"Type3");
        }
        let desc = if f.composite {
            match get(doc, fd, b"DescendantFonts") {
                Object::Array(a) => a
                    .first()
                    .and_then(|o| dict(doc, o))
                    .and_then(|d| dict(doc, get(doc, d, b"FontDescriptor"))),
                _ => None,
            }
        } else {
            dict(doc, get(doc, fd, b"FontDescriptor"))
        };
        if subtype != b"Type3"
            && let Some(d) = desc
            && let (Some(a), Some(dsc)) = (num_of(doc, d, b"Ascent"), num_of(doc, d, b"Descent"))
            && a - dsc.min(0.0) >= 100.0
            && a - dsc.min(0.0) <= 3000.0
        {
            f.ascent = a / 1000.0;
            f.descent = dsc.min(0.0) / 1000.0;
        }
        if let Some(tu) = fd
            .get(b"ToUnicode")
            .ok()
            .and_then(|o| stream_data(doc, o, max))
        {
            f.read_to_unicode(&tu);
        }
        f
    }

    fn load_simple(&mut self, doc: &Document, fd: &Dictionary, type3: bool) {
        if type3 {
            let m = super::obj::numbers(doc, get(doc, fd, b"FontMatrix"));
            if m.len() == 6 && m[0].abs() > 1e-9 {
                self.scale = m[0].abs();
            }
        }
        self.first_char = num_of(doc, fd, b"FirstChar").unwrap_or(0.0).max(0.0) as u32;
        self.widths = super::obj::numbers(doc, get(doc, fd, b"Widths"));
        if let Some(desc) = dict(doc, get(doc, fd, b"FontDescriptor"))
            && let Some(w) = num_of(doc, desc, b"MissingWidth")
            && w > 0.0
        {
            self.default_width = w;
        }
        if type3 {
            self.default_width = 0.0;
        }
        let enc = get(doc, fd, b"Encoding");
        let (base, diffs): (&[u8], Option<&Vec<Object>>) = match enc {
            Object::Name(n) => (n, None),
            Object::Dictionary(d) => (
                name(doc, d, b"BaseEncoding").unwrap_or(b"StandardEncoding"),
                match get(doc, d, b"Differences") {
                    Object::Array(a) => Some(a),
                    _ => None,
                },
            ),
            _ => (b"StandardEncoding", None),
        };
        for b in 0u8..=255 {
            if let Some(c) = base_char(base, b) {
                self.table.insert(b, c);
            }
        }
        if let Some(diffs) = diffs {
            let mut code: i64 = 0;
            for o in diffs {
                match resolve(doc, o) {
                    Object::Integer(i) => code = *i,
                    Object::Name(n) => {
                        if let Ok(b) = u8::try_from(code) {
                            match glyph_char(n) {
                                Some(c) => self.table.insert(b, c),
                                None => self.table.remove(&b),
                            };
                        }
                        code += 1;
                    }
                    _ => {}
                }
            }
        }
    }

    fn load_composite(&mut self, doc: &Document, fd: &Dictionary, max: usize) {
        self.default_width = 1000.0;
        match get(doc, fd, b"Encoding") {
            Object::Name(n) => self.predefined(n),
            Object::Stream(_) => {
                self.native = Native::None;
                if let Some(data) = fd
                    .get(b"Encoding")
                    .ok()
                    .and_then(|o| stream_data(doc, o, max))
                {
                    self.read_codespace(&data);
                    let _ = for_each_op(&data, 1_000_000, |op| {
                        if op.name == b"usecmap"
                            && let Some(Val::Name(n)) = op.args.first()
                        {
                            let n = n.clone();
                            let keep = self.codespace.clone();
                            self.predefined(&n);
                            if !keep.is_empty() {
                                self.codespace = keep;
                            }
                        }
                        true
                    });
                }
                if let Ok(Object::Stream(s)) = fd.get(b"Encoding").map(|o| resolve(doc, o))
                    && matches!(num_of(doc, &s.dict, b"WMode"), Some(w) if w == 1.0)
                {
                    self.vertical = true;
                }
            }
            _ => self.native = Native::None,
        }
        let desc = match get(doc, fd, b"DescendantFonts") {
            Object::Array(a) => a.first().and_then(|o| dict(doc, o)),
            _ => None,
        };
        if let Some(d) = desc {
            self.ink = truetype_ink(doc, d, max);
            if let Some(w) = num_of(doc, d, b"DW") {
                self.default_width = w;
            }
            if let Object::Array(w) = get(doc, d, b"W") {
                self.ranges = parse_w(doc, w);
            }
        }
    }

    /// A predefined CMap by name (ISO 32000-1 §9.7.5.2): writing mode, codespace family
    /// and how its codes read as text.
    fn predefined(&mut self, n: &[u8]) {
        let s = String::from_utf8_lossy(n);
        self.vertical = s.ends_with("-V") || s == "V";
        self.native = if s.starts_with("Identity") {
            Native::None
        } else if s.contains("RKSJ") {
            Native::Sjis
        } else if s.starts_with("EUC") {
            Native::Euc
        } else if s == "H" || s == "V" {
            Native::Jis
        } else if s.contains("UCS2") || s.contains("UTF16") {
            Native::Utf16
        } else if s.contains("UTF8") {
            Native::Utf8
        } else {
            Native::None
        };
    }

    fn read_codespace(&mut self, data: &[u8]) {
        let mut cs = Vec::new();
        let _ = for_each_op(data, 1_000_000, |op| {
            if op.name == b"endcodespacerange" {
                for pair in op.args.chunks(2) {
                    if let [Val::Str(lo), Val::Str(hi)] = pair
                        && !lo.is_empty()
                        && lo.len() == hi.len()
                        && lo.len() <= 4
                    {
                        cs.push((lo.len() as u8, hex_code(lo).1, hex_code(hi).1));
                    }
                }
            }
            true
        });
        if !cs.is_empty() {
            self.codespace = cs;
        }
    }

    fn read_to_unicode(&mut self, data: &[u8]) {
        let mut map: HashMap<(u8, u32), String> = HashMap::new();
        let mut cs_seen = false;
        let _ = for_each_op(data, 1_000_000, |op| {
            match op.name {
                b"endcodespacerange" => cs_seen = true,
                b"endbfchar" => {
                    for pair in op.args.chunks(2) {
                        if let [Val::Str(src), Val::Str(dst)] = pair
                            && !src.is_empty()
                            && map.len() < MAX_MAP
                        {
                            map.insert(hex_code(src), utf16(dst));
                        }
                    }
                }
                b"endbfrange" => {
                    for t in op.args.chunks(3) {
                        let [Val::Str(lo), Val::Str(hi), dst] = t else {
                            continue;
                        };
                        if lo.is_empty() || lo.len() != hi.len() {
                            continue;
                        }
                        let (len, a) = hex_code(lo);
                        let (_, b) = hex_code(hi);
                        if b < a || b - a > 0xFFFF {
                            continue;
                        }
                        for (k, code) in (a..=b).enumerate() {
                            if map.len() >= MAX_MAP {
                                break;
                            }
                            let text = match dst {
                                Val::Str(d) if !d.is_empty() => {
                                    // The last byte pair counts up (§9.10.3).
                                    let mut d = d.clone();
                                    let n = d.len();
                                    let last = if n >= 2 {
                                        u32::from(u16::from_be_bytes([d[n - 2], d[n - 1]]))
                                    } else {
                                        u32::from(d[0])
                                    };
                                    let v = last.wrapping_add(k as u32);
                                    if n >= 2 {
                                        d[n - 2..].copy_from_slice(&(v as u16).to_be_bytes());
                                    } else {
                                        d[0] = v as u8;
                                    }
                                    utf16(&d)
                                }
                                Val::Arr(a) => match a.get(k) {
                                    Some(Val::Str(d)) => utf16(d),
                                    _ => continue,
                                },
                                _ => continue,
                            };
                            map.insert((len, code), text);
                        }
                    }
                }
                _ => {}
            }
            true
        });
        if !cs_seen && self.codespace.is_empty() && self.composite {
            // No codespace: the ToUnicode's own code lengths decide (below, in codes()).
        }
        self.to_unicode = map;
    }

    /// Splits `bytes` into (code, byte length) pairs.
    pub(crate) fn codes(&self, bytes: &[u8]) -> Vec<(u32, usize)> {
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            let n = self.code_len(&bytes[i..]).clamp(1, bytes.len() - i);
            out.push((hex_code(&bytes[i..i + n]).1, n));
            i += n;
        }
        out
    }

    fn code_len(&self, rest: &[u8]) -> usize {
        if !self.composite {
            return 1;
        }
        if !self.codespace.is_empty() {
            for len in 1..=4u8 {
                if rest.len() < len as usize {
                    break;
                }
                let v = hex_code(&rest[..len as usize]).1;
                if self
                    .codespace
                    .iter()
                    .any(|&(l, lo, hi)| l == len && lo <= v && v <= hi)
                {
                    return len as usize;
                }
            }
            return self
                .codespace
                .iter()
                .map(|c| c.0 as usize)
                .min()
                .unwrap_or(2);
        }
        let b = rest[0];
        match self.native {
            Native::Sjis => {
                if matches!(b, 0x81..=0x9F | 0xE0..=0xFC) {
                    2
                } else {
                    1
                }
            }
            Native::Euc => match b {
                0x8F => 3,
                0x8E | 0xA1..=0xFE => 2,
                _ => 1,
            },
            Native::Utf16 => 2 + 2 * usize::from((0xD8..=0xDB).contains(&b)),
            Native::Utf8 => match b {
                0xC0..=0xDF => 2,
                0xE0..=0xEF => 3,
                0xF0..=0xF7 => 4,
                _ => 1,
            },
            _ => 2,
        }
    }

    /// The text of one code (`raw` its bytes).
    pub(crate) fn text(&self, code: u32, raw: &[u8]) -> Option<String> {
        if let Some(t) = self.to_unicode.get(&(raw.len() as u8, code)) {
            return Some(t.clone());
        }
        let s = match self.native {
            Native::Table => {
                return raw
                    .first()
                    .and_then(|b| self.table.get(b))
                    .map(|c| c.to_string());
            }
            Native::Sjis => encoding_rs::SHIFT_JIS.decode_without_bom_handling(raw).0,
            Native::Euc => encoding_rs::EUC_JP.decode_without_bom_handling(raw).0,
            Native::Jis => {
                let hi: Vec<u8> = raw.iter().map(|b| b | 0x80).collect();
                std::borrow::Cow::Owned(
                    encoding_rs::EUC_JP
                        .decode_without_bom_handling(&hi)
                        .0
                        .into_owned(),
                )
            }
            Native::Utf16 => std::borrow::Cow::Owned(utf16(raw)),
            Native::Utf8 => String::from_utf8_lossy(raw),
            Native::None => return None,
        };
        (!s.contains('\u{FFFD}')).then(|| s.into_owned())
    }

    /// The ink box of a code, when the font program was read: `Some(None)` for a glyph that
    /// draws nothing.
    pub(crate) fn ink(&self, code: u32) -> Option<Option<[f64; 4]>> {
        self.ink.as_ref().map(|m| m.get(&code).copied().flatten())
    }

    /// The advance of a code in text space units per unit font size (horizontal) or the
    /// vertical advance (vertical writing).
    pub(crate) fn advance(&self, code: u32) -> f64 {
        let w = if self.vertical {
            1000.0
        } else if self.composite {
            self.ranges
                .iter()
                .find(|r| r.0 <= code && code <= r.1)
                .map_or(self.default_width, |r| r.2)
        } else {
            code.checked_sub(self.first_char)
                .and_then(|i| self.widths.get(i as usize))
                .copied()
                .unwrap_or(self.default_width)
        };
        w * self.scale
    }

    /// Whether this code is a single-byte 32 (word spacing applies, §9.3.3).
    pub(crate) fn is_space(&self, code: u32, len: usize) -> bool {
        len == 1 && code == 32
    }

    /// Every byte sequence this font may use to draw `c` (at most [`MAX_ALTS`]).
    pub(crate) fn alternatives(&self, c: char) -> Vec<Vec<u8>> {
        let mut out: Vec<Vec<u8>> = Vec::new();
        let s = c.to_string();
        for (&(len, code), t) in &self.to_unicode {
            if *t == s && out.len() < MAX_ALTS {
                out.push(code.to_be_bytes()[4 - len as usize..].to_vec());
            }
        }
        let mut buf = [0u8; 4];
        match self.native {
            Native::Table => {
                for (&b, &t) in &self.table {
                    if t == c && out.len() < MAX_ALTS {
                        out.push(vec![b]);
                    }
                }
            }
            Native::Sjis | Native::Euc | Native::Jis => {
                let enc = if self.native == Native::Sjis {
                    encoding_rs::SHIFT_JIS
                } else {
                    encoding_rs::EUC_JP
                };
                let (b, _, bad) = enc.encode(c.encode_utf8(&mut buf));
                if !bad {
                    let b = if self.native == Native::Jis {
                        b.iter().map(|x| x & 0x7F).collect()
                    } else {
                        b.into_owned()
                    };
                    out.push(b);
                }
            }
            Native::Utf16 => out.push(
                c.encode_utf16(&mut [0u16; 2])
                    .iter()
                    .flat_map(|u| u.to_be_bytes())
                    .collect(),
            ),
            Native::Utf8 => out.push(c.encode_utf8(&mut buf).as_bytes().to_vec()),
            Native::None => {}
        }
        out.sort();
        out.dedup();
        out
    }

    /// Whether codes are CIDs (the Identity-H/V CMaps).
    pub(crate) fn identity(&self) -> bool {
        self.composite && self.native == Native::None && self.codespace.is_empty()
    }

    /// Whether every code of this font is exactly two bytes (Identity and two-byte
    /// codespaces).
    pub(crate) fn two_byte(&self) -> bool {
        self.composite
            && if self.codespace.is_empty() {
                self.native == Native::None
            } else {
                self.codespace.iter().all(|c| c.0 == 2)
            }
    }
}

/// Ink boxes of an embedded TrueType CID font (CIDFontType2 with /FontFile2), keyed by CID
/// through /CIDToGIDMap (Identity or a stream of two-byte GIDs; §9.7.4.2).
fn truetype_ink(
    doc: &Document,
    cid_font: &Dictionary,
    max: usize,
) -> Option<HashMap<u32, Option<[f64; 4]>>> {
    if name(doc, cid_font, b"Subtype") != Some(b"CIDFontType2") {
        return None;
    }
    let desc = dict(doc, get(doc, cid_font, b"FontDescriptor"))?;
    let prog = stream_data(doc, desc.get(b"FontFile2").ok()?, max)?;
    let face = ttf_parser::Face::parse(&prog, 0).ok()?;
    let upem = f64::from(face.units_per_em()).max(1.0);
    let n = face.number_of_glyphs();
    let map: Option<Vec<u8>> = match cid_font.get(b"CIDToGIDMap").map(|o| resolve(doc, o)) {
        Ok(Object::Stream(_)) => Some(stream_data(doc, cid_font.get(b"CIDToGIDMap").ok()?, max)?),
        _ => None,
    };
    let mut out = HashMap::new();
    let cids: u32 = match &map {
        Some(m) => (m.len() / 2) as u32,
        None => u32::from(n),
    };
    for cid in 0..cids.min(65_536) {
        let gid = match &map {
            Some(m) => u16::from_be_bytes([m[2 * cid as usize], m[2 * cid as usize + 1]]),
            None => cid as u16,
        };
        if gid >= n {
            continue;
        }
        let b = face.glyph_bounding_box(ttf_parser::GlyphId(gid)).map(|r| {
            [
                f64::from(r.x_min) / upem,
                f64::from(r.y_min) / upem,
                f64::from(r.x_max) / upem,
                f64::from(r.y_max) / upem,
            ]
        });
        out.insert(cid, b);
    }
    Some(out)
}

fn parse_w(doc: &Document, w: &[Object]) -> Vec<(u32, u32, f64)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < w.len() && out.len() < 100_000 {
        let Some(first) = num(resolve(doc, &w[i])) else {
            i += 1;
            continue;
        };
        let first = first.max(0.0) as u32;
        match w.get(i + 1).map(|o| resolve(doc, o)) {
            Some(Object::Array(a)) => {
                for (k, x) in a.iter().enumerate() {
                    if let Some(v) = num(resolve(doc, x)) {
                        let c = first.saturating_add(k as u32);
                        out.push((c, c, v));
                    }
                }
                i += 2;
            }
            Some(o) => {
                let last = num(o).unwrap_or(0.0).max(0.0) as u32;
                if let Some(v) = w.get(i + 2).and_then(|x| num(resolve(doc, x))) {
                    out.push((first, last, v));
                }
                i += 3;
            }
            None => break,
        }
    }
    out
}

/// The character of `b` in a base encoding (Appendix D). WinAnsi is windows-1252,
/// MacRoman is Mac OS Roman; StandardEncoding differs from ASCII in the quotes.
fn base_char(base: &[u8], b: u8) -> Option<char> {
    if b < 0x20 {
        return None;
    }
    let one = [b];
    let s = match base {
        b"WinAnsiEncoding" => {
            encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(&one)
                .0
        }
        b"MacRomanEncoding" => encoding_rs::MACINTOSH.decode_without_bom_handling(&one).0,
        _ => {
            return match b {
                0x27 => Some('\u{2019}'),
                0x60 => Some('\u{2018}'),
                0x20..=0x7E => Some(char::from(b)),
                _ => None,
            };
        }
    };
    s.chars().next().filter(|c| *c != '\u{FFFD}')
}

/// A glyph name's character (the common part of the Adobe Glyph List: letters, digits, ASCII
/// punctuation, accented Latin letters, `uniXXXX` and `uXXXX[XX]`).
pub(crate) fn glyph_char(n: &[u8]) -> Option<char> {
    let s = std::str::from_utf8(n).ok()?;
    let s = s.split('.').next().unwrap_or(s);
    if s.len() == 1 && s.as_bytes()[0].is_ascii_alphabetic() {
        return s.chars().next();
    }
    if let Some(h) = s.strip_prefix("uni").filter(|h| h.len() == 4) {
        return u32::from_str_radix(h, 16).ok().and_then(char::from_u32);
    }
    if let Some(h) = s.strip_prefix('u').filter(|h| (4..=6).contains(&h.len())) {
        return u32::from_str_radix(h, 16).ok().and_then(char::from_u32);
    }
    const NAMES: &[(&str, char)] = &[
        ("space", ' '),
        ("exclam", '!'),
        ("quotedbl", '"'),
        ("numbersign", '#'),
        ("dollar", '$'),
        ("percent", '%'),
        ("ampersand", '&'),
        ("quotesingle", '\''),
        ("quoteright", '\u{2019}'),
        ("quoteleft", '\u{2018}'),
        ("parenleft", '('),
        ("parenright", ')'),
        ("asterisk", '*'),
        ("plus", '+'),
        ("comma", ','),
        ("hyphen", '-'),
        ("minus", '\u{2212}'),
        ("period", '.'),
        ("slash", '/'),
        ("zero", '0'),
        ("one", '1'),
        ("two", '2'),
        ("three", '3'),
        ("four", '4'),
        ("five", '5'),
        ("six", '6'),
        ("seven", '7'),
        ("eight", '8'),
        ("nine", '9'),
        ("colon", ':'),
        ("semicolon", ';'),
        ("less", '<'),
        ("equal", '='),
        ("greater", '>'),
        ("question", '?'),
        ("at", '@'),
        ("bracketleft", '['),
        ("backslash", '\\'),
        ("bracketright", ']'),
        ("asciicircum", '^'),
        ("underscore", '_'),
        ("grave", '`'),
        ("braceleft", '{'),
        ("bar", '|'),
        ("braceright", '}'),
        ("asciitilde", '~'),
        ("endash", '\u{2013}'),
        ("emdash", '\u{2014}'),
        ("bullet", '\u{2022}'),
        ("quotedblleft", '\u{201C}'),
        ("quotedblright", '\u{201D}'),
        ("germandbls", 'ß'),
        ("ae", 'æ'),
        ("AE", 'Æ'),
        ("oslash", 'ø'),
        ("Oslash", 'Ø'),
        ("section", '§'),
        ("yen", '¥'),
    ];
    if let Some((_, c)) = NAMES.iter().find(|(k, _)| *k == s) {
        return Some(*c);
    }
    // Accented letters: base letter + accent name (eacute → é).
    const ACCENTS: &[(&str, char)] = &[
        ("acute", '\u{301}'),
        ("grave", '\u{300}'),
        ("circumflex", '\u{302}'),
        ("dieresis", '\u{308}'),
        ("tilde", '\u{303}'),
        ("ring", '\u{30A}'),
        ("cedilla", '\u{327}'),
        ("caron", '\u{30C}'),
    ];
    let mut chars = s.chars();
    let base = chars.next().filter(char::is_ascii_alphabetic)?;
    let rest = chars.as_str();
    let (_, mark) = ACCENTS.iter().find(|(k, _)| *k == rest)?;
    unicode_normalization::char::compose(base, *mark)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glyph_names() {
        assert_eq!(glyph_char(b"A"), Some('A'));
        assert_eq!(glyph_char(b"uni5C71"), Some('山'));
        assert_eq!(glyph_char(b"u1F600"), Some('😀'));
        assert_eq!(glyph_char(b"eacute"), Some('é'));
        assert_eq!(glyph_char(b"seven.oldstyle"), Some('7'));
        assert_eq!(glyph_char(b"g123"), None);
    }

    #[test]
    fn to_unicode_ranges_and_reverse_map() {
        let mut f = VFont {
            composite: true,
            codespace: Vec::new(),
            native: Native::None,
            to_unicode: HashMap::new(),
            table: HashMap::new(),
            widths: Vec::new(),
            first_char: 0,
            ranges: Vec::new(),
            default_width: 1000.0,
            scale: 0.001,
            vertical: false,
            ascent: 0.8,
            descent: -0.2,
            ink: None,
        };
        f.read_to_unicode(
            b"1 begincodespacerange <0000> <FFFF> endcodespacerange\n\
              2 beginbfchar <0012> <5C71> <0013> <7530> endbfchar\n\
              1 beginbfrange <0020> <0022> <592A> endbfrange\n\
              1 beginbfrange <0030> <0031> [<90CE> <0041>] endbfrange",
        );
        assert_eq!(f.text(0x12, &[0, 0x12]).as_deref(), Some("山"));
        assert_eq!(f.text(0x20, &[0, 0x20]).as_deref(), Some("太"));
        assert_eq!(f.text(0x21, &[0, 0x21]).as_deref(), Some("夫"));
        assert_eq!(f.text(0x30, &[0, 0x30]).as_deref(), Some("郎"));
        assert_eq!(f.alternatives('田'), vec![vec![0, 0x13]]);
        assert_eq!(f.codes(&[0, 0x12, 0, 0x13]), vec![(0x12, 2), (0x13, 2)]);
        f.native = Native::Sjis;
        assert_eq!(f.text(0x8E52, &[0x8E, 0x52]).as_deref(), Some("山"));
    }
}
