//! Removing glyphs from an embedded CFF program (FontFile3 /CIDFontType0C and /Type1C, and
//! the `CFF ` table of OpenType; Adobe TN #5176 "The Compact Font Format Specification").
//!
//! The program is parsed (bounded: INDEX counts and offsets checked against the data, every
//! structure read once) and written anew: header, Name INDEX, Top DICT with recomputed
//! offsets, a String INDEX holding only the strings still referred to, Global Subrs,
//! charset, Encoding, FDSelect, CharStrings, FDArray and the Private DICTs with their local
//! Subrs. Kept glyphs keep their charstrings byte for byte and subroutine numbers never
//! change, so every kept glyph draws exactly its original outline.
//!
//! Removed glyphs lose their charstring **and** their charset entry (the CID of a CID-keyed
//! font names the Adobe-Japan1 character; the glyph name of a Type1C font names it too) and,
//! in CID-keyed fonts, their FDSelect entry; Font DICTs no kept glyph uses go. Every
//! subroutine no kept glyph calls (analysed by [`super::charstr`]) is emptied to a bare
//! `return`, keeping the numbering. Glyph ids are compacted, except when a PDF font
//! addresses glyph ids directly (a non-CID-keyed CFF behind a CIDFont, where CID = GID):
//! removed glyphs then stay as empty `endchar` glyphs named `.notdef`.

use super::charstr::{Type2, Usage};
use super::glyphnames::{STANDARD_ENCODING, STANDARD_STRINGS};
use super::sfnt::Unsupported;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Most entries in one DICT.
const MAX_DICT_ENTRIES: usize = 512;
/// Most operands of one DICT operator.
const MAX_OPERANDS: usize = 48;

/// The glyphs PDF fonts can still reach in a program.
#[derive(Default, Debug, Clone)]
pub(crate) struct Keep {
    /// CIDs shown through a CIDFontType0 font (looked up in the charset of a CID-keyed
    /// program; used as glyph ids otherwise).
    pub cids: BTreeSet<u32>,
    /// Glyph ids addressed directly (a CIDFontType2 /CIDToGIDMap).
    pub gids: BTreeSet<u16>,
    /// Codes of simple fonts, looked up in the program's built-in encoding.
    pub codes: BTreeSet<u8>,
    /// Glyph names a simple font may pick for its kept codes.
    pub names: BTreeSet<Vec<u8>>,
    /// A CIDFontType0 font uses the program.
    pub by_cid: bool,
    /// A font addresses glyph ids directly.
    pub by_gid: bool,
    /// A simple font uses the program.
    pub by_name: bool,
}

/// A rewritten program.
#[derive(Debug)]
pub(crate) struct Pruned {
    pub data: Vec<u8>,
    /// Glyphs removed (or emptied).
    pub removed: usize,
    /// Old glyph id of each new glyph id.
    pub order: Vec<u16>,
}

fn bad(s: &str) -> Unsupported {
    Unsupported(s.to_string())
}

fn u16_at(d: &[u8], o: usize) -> Result<u16, Unsupported> {
    d.get(o..o + 2)
        .map(|b| u16::from_be_bytes([b[0], b[1]]))
        .ok_or_else(|| bad("truncated CFF structure"))
}

fn u8_at(d: &[u8], o: usize) -> Result<u8, Unsupported> {
    d.get(o)
        .copied()
        .ok_or_else(|| bad("truncated CFF structure"))
}

/// An INDEX at `pos`: its items and the position after it.
fn read_index(d: &[u8], pos: usize) -> Result<(Vec<&[u8]>, usize), Unsupported> {
    let count = u16_at(d, pos)? as usize;
    if count == 0 {
        return Ok((Vec::new(), pos + 2));
    }
    let off_size = u8_at(d, pos + 2)? as usize;
    if !(1..=4).contains(&off_size) {
        return Err(bad("CFF INDEX with a bad offset size"));
    }
    let offs_at = pos + 3;
    let base = offs_at + (count + 1) * off_size - 1;
    let mut offs = Vec::with_capacity(count + 1);
    for i in 0..=count {
        let b = d
            .get(offs_at + i * off_size..offs_at + (i + 1) * off_size)
            .ok_or_else(|| bad("truncated CFF INDEX"))?;
        let v = b.iter().fold(0usize, |a, x| (a << 8) | *x as usize);
        offs.push(v);
    }
    if offs[0] != 1 || offs.windows(2).any(|w| w[0] > w[1]) {
        return Err(bad("CFF INDEX offsets out of order"));
    }
    let end = base + offs[count];
    if end > d.len() {
        return Err(bad("CFF INDEX beyond the data"));
    }
    let items = offs
        .windows(2)
        .map(|w| &d[base + w[0]..base + w[1]])
        .collect();
    Ok((items, end))
}

fn write_index<T: AsRef<[u8]>>(items: &[T]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&(items.len() as u16).to_be_bytes());
    if items.is_empty() {
        return out;
    }
    let total: usize = 1 + items.iter().map(|i| i.as_ref().len()).sum::<usize>();
    let off_size = match total {
        0..=0xFF => 1,
        0x100..=0xFFFF => 2,
        0x1_0000..=0xFF_FFFF => 3,
        _ => 4,
    };
    out.push(off_size as u8);
    let mut o = 1usize;
    let put = |out: &mut Vec<u8>, v: usize| {
        out.extend_from_slice(&(v as u32).to_be_bytes()[4 - off_size..]);
    };
    put(&mut out, o);
    for i in items {
        o += i.as_ref().len();
        put(&mut out, o);
    }
    for i in items {
        out.extend_from_slice(i.as_ref());
    }
    out
}

/// One DICT operator with its operands (values for the integers, raw bytes for all).
#[derive(Debug, Clone)]
struct Entry {
    op: u16,
    ints: Vec<Option<i64>>,
    raw: Vec<Vec<u8>>,
}

/// Two-byte operators are 1200 + second byte.
fn parse_dict(d: &[u8]) -> Result<Vec<Entry>, Unsupported> {
    let mut out = Vec::new();
    let mut ints = Vec::new();
    let mut raw: Vec<Vec<u8>> = Vec::new();
    let mut i = 0;
    while i < d.len() {
        let b = d[i];
        let start = i;
        let v = match b {
            0..=21 => {
                let op = if b == 12 {
                    i += 1;
                    1200 + u16::from(u8_at(d, i)?)
                } else {
                    u16::from(b)
                };
                i += 1;
                out.push(Entry {
                    op,
                    ints: std::mem::take(&mut ints),
                    raw: std::mem::take(&mut raw),
                });
                if out.len() > MAX_DICT_ENTRIES {
                    return Err(bad("CFF DICT too long"));
                }
                continue;
            }
            28 => {
                i += 3;
                Some(i64::from(i16::from_be_bytes([
                    u8_at(d, start + 1)?,
                    u8_at(d, start + 2)?,
                ])))
            }
            29 => {
                i += 5;
                let b = d
                    .get(start + 1..start + 5)
                    .ok_or_else(|| bad("truncated DICT"))?;
                Some(i64::from(i32::from_be_bytes([b[0], b[1], b[2], b[3]])))
            }
            30 => {
                i += 1;
                loop {
                    let n = u8_at(d, i)?;
                    i += 1;
                    if n & 0x0F == 0x0F || n >> 4 == 0x0F {
                        break;
                    }
                }
                None
            }
            32..=246 => {
                i += 1;
                Some(i64::from(b) - 139)
            }
            247..=250 => {
                i += 2;
                Some((i64::from(b) - 247) * 256 + i64::from(u8_at(d, start + 1)?) + 108)
            }
            251..=254 => {
                i += 2;
                Some(-(i64::from(b) - 251) * 256 - i64::from(u8_at(d, start + 1)?) - 108)
            }
            _ => return Err(bad("reserved byte in a CFF DICT")),
        };
        ints.push(v);
        raw.push(d[start..i].to_vec());
        if ints.len() > MAX_OPERANDS {
            return Err(bad("too many operands in a CFF DICT"));
        }
    }
    Ok(out)
}

fn find(d: &[Entry], op: u16) -> Option<&Entry> {
    d.iter().find(|e| e.op == op)
}

fn int_arg(d: &[Entry], op: u16, i: usize) -> Option<i64> {
    find(d, op).and_then(|e| e.ints.get(i).copied().flatten())
}

fn offset(d: &[Entry], op: u16, i: usize, len: usize) -> Result<Option<usize>, Unsupported> {
    match find(d, op) {
        None => Ok(None),
        Some(_) => {
            let v = int_arg(d, op, i).ok_or_else(|| bad("CFF offset is not an integer"))?;
            usize::try_from(v)
                .ok()
                .filter(|v| *v <= len)
                .map(Some)
                .ok_or_else(|| bad("CFF offset outside the data"))
        }
    }
}

/// Operators whose operands are SIDs.
const SID_OPS: &[u16] = &[0, 1, 2, 3, 4, 1200, 1221, 1222, 1238];

struct Private<'a> {
    dict: Vec<Entry>,
    subrs: Vec<&'a [u8]>,
}

fn read_private<'a>(data: &'a [u8], size: i64, off: i64) -> Result<Private<'a>, Unsupported> {
    let (size, off) = (
        usize::try_from(size).map_err(|_| bad("bad Private DICT size"))?,
        usize::try_from(off).map_err(|_| bad("bad Private DICT offset"))?,
    );
    let bytes = off
        .checked_add(size)
        .and_then(|e| data.get(off..e))
        .ok_or_else(|| bad("Private DICT outside the data"))?;
    let dict = parse_dict(bytes)?;
    let subrs = match offset(&dict, 19, 0, data.len())? {
        Some(rel) if rel > 0 => read_index(data, off + rel)?.0,
        _ => Vec::new(),
    };
    Ok(Private { dict, subrs })
}

enum BuiltIn {
    Standard,
    Expert,
    /// code → glyph id
    Custom(BTreeMap<u8, u16>),
}

struct Font<'a> {
    name_index: &'a [u8],
    top: Vec<Entry>,
    strings: Vec<&'a [u8]>,
    gsubrs: Vec<&'a [u8]>,
    charstrings: Vec<&'a [u8]>,
    /// SID (non-CID) or CID of every glyph id.
    charset: Vec<u16>,
    cid: bool,
    encoding: BuiltIn,
    /// Font DICTs (non-CID: one, the Top DICT's Private) and the FD of every glyph.
    fds: Vec<(Vec<Entry>, Private<'a>)>,
    fd_select: Vec<u16>,
}

impl<'a> Font<'a> {
    fn parse(data: &'a [u8]) -> Result<Font<'a>, Unsupported> {
        if u8_at(data, 0)? != 1 {
            return Err(bad("not a CFF (version 1) program"));
        }
        let hdr = u8_at(data, 2)? as usize;
        let (names, p) = read_index(data, hdr)?;
        if names.len() != 1 {
            return Err(bad("CFF with several fonts (FontSet)"));
        }
        let name_index = &data[hdr..p];
        let (tops, p) = read_index(data, p)?;
        let top = parse_dict(tops.first().ok_or_else(|| bad("no Top DICT"))?)?;
        let (strings, p) = read_index(data, p)?;
        let (gsubrs, _) = read_index(data, p)?;
        for (op, why) in [
            (1220, "synthetic fonts (SyntheticBase)"),
            (1224, "multiple master fonts"),
            (1225, "chameleon fonts"),
        ] {
            if find(&top, op).is_some() {
                return Err(Unsupported(format!("CFF {why} are not rewritten")));
            }
        }
        if int_arg(&top, 1206, 0).unwrap_or(2) != 2 {
            return Err(bad("charstrings other than Type 2"));
        }
        let cs_off = offset(&top, 17, 0, data.len())?.ok_or_else(|| bad("no CharStrings"))?;
        let charstrings = read_index(data, cs_off)?.0;
        let n = charstrings.len();
        if n == 0 {
            return Err(bad("CFF without glyphs"));
        }
        let cid = find(&top, 1230).is_some();
        let charset = read_charset(data, int_arg(&top, 15, 0).unwrap_or(0), n)?;
        let mut fds = Vec::new();
        let mut fd_select = vec![0u16; n];
        if cid {
            let fda = offset(&top, 1236, 0, data.len())?
                .ok_or_else(|| bad("CID font without FDArray"))?;
            for fd in read_index(data, fda)?.0 {
                let dict = parse_dict(fd)?;
                let (size, off) = (int_arg(&dict, 18, 0), int_arg(&dict, 18, 1));
                let private = match (size, off) {
                    (Some(s), Some(o)) => read_private(data, s, o)?,
                    _ => Private {
                        dict: Vec::new(),
                        subrs: Vec::new(),
                    },
                };
                fds.push((dict, private));
            }
            if fds.is_empty() {
                return Err(bad("empty FDArray"));
            }
            let fs = offset(&top, 1237, 0, data.len())?
                .ok_or_else(|| bad("CID font without FDSelect"))?;
            fd_select = read_fd_select(data, fs, n)?;
            if fd_select.iter().any(|f| *f as usize >= fds.len()) {
                return Err(bad("FDSelect names a Font DICT that does not exist"));
            }
        } else {
            let private = match (int_arg(&top, 18, 0), int_arg(&top, 18, 1)) {
                (Some(s), Some(o)) => read_private(data, s, o)?,
                _ => Private {
                    dict: Vec::new(),
                    subrs: Vec::new(),
                },
            };
            fds.push((Vec::new(), private));
        }
        let encoding = if cid {
            BuiltIn::Standard
        } else {
            match int_arg(&top, 16, 0).unwrap_or(0) {
                0 => BuiltIn::Standard,
                1 => BuiltIn::Expert,
                o => {
                    let o = usize::try_from(o).map_err(|_| bad("bad Encoding offset"))?;
                    BuiltIn::Custom(read_encoding(data, o, &charset)?)
                }
            }
        };
        Ok(Font {
            name_index,
            top,
            strings,
            gsubrs,
            charstrings,
            charset,
            cid,
            encoding,
            fds,
            fd_select,
        })
    }

    fn sid_name(&self, sid: u16) -> Option<&[u8]> {
        if (sid as usize) < STANDARD_STRINGS.len() {
            Some(STANDARD_STRINGS[sid as usize].as_bytes())
        } else {
            self.strings
                .get(sid as usize - STANDARD_STRINGS.len())
                .copied()
        }
    }

    /// Glyph ids by name (non-CID).
    fn by_name(&self) -> HashMap<&[u8], u16> {
        let mut m = HashMap::new();
        if !self.cid {
            for (g, sid) in self.charset.iter().enumerate() {
                if let Some(n) = self.sid_name(*sid) {
                    m.entry(n).or_insert(g as u16);
                }
            }
        }
        m
    }

    fn builtin_gid(
        &self,
        names: &HashMap<&[u8], u16>,
        code: u8,
    ) -> Result<Option<u16>, Unsupported> {
        Ok(match &self.encoding {
            BuiltIn::Custom(m) => m.get(&code).copied(),
            BuiltIn::Standard => {
                let n = STANDARD_ENCODING[code as usize];
                names.get(n.as_bytes()).copied()
            }
            BuiltIn::Expert => return Err(bad("the predefined Expert encoding is not read")),
        })
    }
}

fn read_charset(d: &[u8], off: i64, n: usize) -> Result<Vec<u16>, Unsupported> {
    let mut out = Vec::with_capacity(n);
    out.push(0u16);
    match off {
        0 => {
            // ISOAdobe: glyph id i is SID i (SIDs 0–228).
            if n > 229 {
                return Err(bad("predefined ISOAdobe charset with too many glyphs"));
            }
            out.extend(1..n as u16);
            return Ok(out);
        }
        1 | 2 => return Err(bad("predefined Expert charsets are not read")),
        _ => {}
    }
    let mut p = usize::try_from(off).map_err(|_| bad("bad charset offset"))?;
    let format = u8_at(d, p)?;
    p += 1;
    while out.len() < n {
        match format {
            0 => {
                out.push(u16_at(d, p)?);
                p += 2;
            }
            1 | 2 => {
                let first = u16_at(d, p)?;
                let left = if format == 1 {
                    u8_at(d, p + 2)? as usize
                } else {
                    u16_at(d, p + 2)? as usize
                };
                p += if format == 1 { 3 } else { 4 };
                for k in 0..=left {
                    if out.len() >= n {
                        break;
                    }
                    out.push(first.wrapping_add(k as u16));
                }
            }
            _ => return Err(bad("unknown charset format")),
        }
    }
    Ok(out)
}

fn read_fd_select(d: &[u8], p: usize, n: usize) -> Result<Vec<u16>, Unsupported> {
    match u8_at(d, p)? {
        0 => Ok(d
            .get(p + 1..p + 1 + n)
            .ok_or_else(|| bad("truncated FDSelect"))?
            .iter()
            .map(|b| u16::from(*b))
            .collect()),
        3 => {
            let ranges = u16_at(d, p + 1)? as usize;
            let mut out = vec![u16::MAX; n];
            for r in 0..ranges {
                let at = p + 3 + r * 3;
                let first = u16_at(d, at)? as usize;
                let fd = u8_at(d, at + 2)?;
                let next = u16_at(d, at + 3)? as usize;
                if first > next || next > n {
                    return Err(bad("FDSelect ranges out of order"));
                }
                out[first..next].fill(u16::from(fd));
            }
            if out.contains(&u16::MAX) {
                return Err(bad("FDSelect leaves glyphs without a Font DICT"));
            }
            Ok(out)
        }
        _ => Err(bad("unknown FDSelect format")),
    }
}

/// code → glyph id of a custom Encoding (supplements resolved through the charset).
fn read_encoding(d: &[u8], p: usize, charset: &[u16]) -> Result<BTreeMap<u8, u16>, Unsupported> {
    let mut m = BTreeMap::new();
    let format = u8_at(d, p)?;
    let mut q = p + 1;
    match format & 0x7F {
        0 => {
            let n = u8_at(d, q)? as usize;
            for g in 1..=n {
                m.entry(u8_at(d, q + g)?).or_insert(g as u16);
            }
            q += 1 + n;
        }
        1 => {
            let ranges = u8_at(d, q)? as usize;
            let mut g = 1u16;
            for r in 0..ranges {
                let first = u8_at(d, q + 1 + r * 2)?;
                let left = u8_at(d, q + 2 + r * 2)?;
                for k in 0..=left {
                    m.entry(first.wrapping_add(k)).or_insert(g);
                    g = g.saturating_add(1);
                }
            }
            q += 1 + ranges * 2;
        }
        _ => return Err(bad("unknown Encoding format")),
    }
    if format & 0x80 != 0 {
        let sups = u8_at(d, q)? as usize;
        for s in 0..sups {
            let code = u8_at(d, q + 1 + s * 3)?;
            let sid = u16_at(d, q + 2 + s * 3)?;
            if let Some(g) = charset.iter().position(|x| *x == sid) {
                m.entry(code).or_insert(g as u16);
            }
        }
    }
    m.retain(|_, g| (*g as usize) < charset.len());
    Ok(m)
}

/// Number operand in the fixed five-byte form, so that offsets can be filled in later
/// without changing any length.
fn int5(v: usize) -> Vec<u8> {
    let mut o = vec![29];
    o.extend_from_slice(&(v as i32).to_be_bytes());
    o
}

fn int_small(v: i64) -> Vec<u8> {
    if (-107..=107).contains(&v) {
        vec![(v + 139) as u8]
    } else if (-32768..=32767).contains(&v) {
        let mut o = vec![28];
        o.extend_from_slice(&(v as i16).to_be_bytes());
        o
    } else {
        int5(v as usize)
    }
}

fn put_op(out: &mut Vec<u8>, op: u16) {
    if op >= 1200 {
        out.push(12);
        out.push((op - 1200) as u8);
    } else {
        out.push(op as u8);
    }
}

/// Writes a DICT with the operands `replace` gives.
/// New operands for an operator: None keeps it, Some(None) drops it, Some(Some(args))
/// replaces its operands.
type Replace<'a> = &'a dyn Fn(&Entry) -> Option<Option<Vec<Vec<u8>>>>;

fn write_dict(d: &[Entry], replace: Replace<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    for e in d {
        match replace(e) {
            Some(None) => {}
            Some(Some(args)) => {
                args.iter().for_each(|a| out.extend_from_slice(a));
                put_op(&mut out, e.op);
            }
            None => {
                e.raw.iter().for_each(|a| out.extend_from_slice(a));
                put_op(&mut out, e.op);
            }
        }
    }
    out
}

/// Which glyphs stay and in what order (new glyph id → old glyph id).
fn choose(f: &Font<'_>, keep: &Keep) -> Result<(BTreeSet<u16>, bool), Unsupported> {
    let n = f.charstrings.len();
    let mut kept: BTreeSet<u16> = BTreeSet::new();
    kept.insert(0);
    let by_gid = keep.by_gid || (keep.by_cid && !f.cid);
    if f.cid {
        if keep.by_gid || keep.by_name {
            return Err(bad(
                "a CID-keyed CFF used by a simple font or through glyph ids",
            ));
        }
        let wanted: BTreeSet<u16> = keep
            .cids
            .iter()
            .filter_map(|c| u16::try_from(*c).ok())
            .collect();
        for (g, cid) in f.charset.iter().enumerate() {
            if wanted.contains(cid) {
                kept.insert(g as u16);
            }
        }
    } else {
        if by_gid && keep.by_name {
            return Err(bad(
                "a CFF used both by a simple font and through glyph ids",
            ));
        }
        if keep.by_cid {
            kept.extend(keep.cids.iter().filter_map(|c| u16::try_from(*c).ok()));
        }
        kept.extend(keep.gids.iter().copied());
        let names = f.by_name();
        for n in &keep.names {
            if let Some(g) = names.get(n.as_slice()) {
                kept.insert(*g);
            }
        }
        for c in &keep.codes {
            if let Some(g) = f.builtin_gid(&names, *c)? {
                kept.insert(g);
            }
        }
    }
    kept.retain(|g| (*g as usize) < n);
    Ok((kept, by_gid))
}

/// Rewrites the CFF program `data` so that only the glyphs `keep` reaches remain.
pub(crate) fn prune(data: &[u8], keep: &Keep) -> Result<Pruned, Unsupported> {
    let f = Font::parse(data)?;
    let n = f.charstrings.len();
    let (mut kept, by_gid) = choose(&f, keep)?;
    // Subroutines the kept glyphs call, and seac components (added until nothing changes).
    let mut usage: Vec<Usage> = f.fds.iter().map(|_| Usage::default()).collect();
    let mut global = BTreeSet::new();
    let mut done: BTreeSet<u16> = BTreeSet::new();
    let names = f.by_name();
    loop {
        let todo: Vec<u16> = kept.difference(&done).copied().collect();
        if todo.is_empty() {
            break;
        }
        for g in todo {
            done.insert(g);
            let fd = f.fd_select[g as usize] as usize;
            let t = Type2 {
                global: &f.gsubrs,
                local: &f.fds[fd].1.subrs,
            };
            let u = &mut usage[fd];
            t.analyse(f.charstrings[g as usize], u)?;
            for (base, accent) in std::mem::take(&mut u.seac) {
                if f.cid {
                    return Err(bad("seac accent in a CID-keyed font"));
                }
                for c in [base, accent] {
                    let name = STANDARD_ENCODING[c as usize].as_bytes();
                    let g = names
                        .get(name)
                        .ok_or_else(|| bad("seac names a glyph that is not there"))?;
                    kept.insert(*g);
                }
            }
        }
    }
    for u in &usage {
        global.extend(u.global.iter().copied());
    }
    // The new glyph order.
    let mut order: Vec<u16> = if by_gid {
        (0..n as u16).collect()
    } else {
        kept.iter().copied().collect()
    };
    let mut codes_of: BTreeMap<u16, Vec<u8>> = BTreeMap::new();
    if let BuiltIn::Custom(m) = &f.encoding
        && !by_gid
    {
        for (c, g) in m {
            if kept.contains(g) && *g != 0 {
                codes_of.entry(*g).or_default().push(*c);
            }
        }
        // Encoded glyphs first: Encoding formats give codes to glyph ids 1, 2, … in order.
        order.sort_by_key(|g| (*g != 0, !codes_of.contains_key(g), *g));
    }
    let removed = (0..n as u16).filter(|g| !kept.contains(g)).count();
    // Font DICTs still used, renumbered.
    let mut fd_map: BTreeMap<u16, u16> = BTreeMap::new();
    for g in &order {
        if kept.contains(g) {
            let next = fd_map.len() as u16;
            fd_map.entry(f.fd_select[*g as usize]).or_insert(next);
        }
    }
    // Strings still referred to.
    let mut sids: BTreeSet<u16> = BTreeSet::new();
    let note = |e: &Entry, sids: &mut BTreeSet<u16>| {
        let k = if e.op == 1230 { 2 } else { e.ints.len() };
        for v in e.ints.iter().take(k).flatten() {
            if let Ok(s) = u16::try_from(*v) {
                sids.insert(s);
            }
        }
    };
    for e in f
        .top
        .iter()
        .filter(|e| SID_OPS.contains(&e.op) || e.op == 1230)
    {
        note(e, &mut sids);
    }
    for (fd, _) in fd_map.keys().map(|k| &f.fds[*k as usize]) {
        for e in fd.iter().filter(|e| e.op == 1238) {
            note(e, &mut sids);
        }
    }
    let new_charset: Vec<u16> = order
        .iter()
        .map(|g| {
            if kept.contains(g) {
                f.charset[*g as usize]
            } else {
                0
            }
        })
        .collect();
    if !f.cid {
        sids.extend(new_charset.iter().copied());
    }
    let std_n = STANDARD_STRINGS.len() as u16;
    let mut sid_map: HashMap<u16, u16> = HashMap::new();
    let mut strings: Vec<&[u8]> = Vec::new();
    for s in sids.iter().filter(|s| **s >= std_n) {
        let text = f
            .sid_name(*s)
            .ok_or_else(|| bad("SID beyond the String INDEX"))?;
        sid_map.insert(*s, std_n + strings.len() as u16);
        strings.push(text);
    }
    let map_sid = |s: u16| -> u16 {
        if s >= std_n {
            sid_map.get(&s).copied().unwrap_or(0)
        } else {
            s
        }
    };
    let sid_args = |e: &Entry| -> Option<Option<Vec<Vec<u8>>>> {
        if !(SID_OPS.contains(&e.op) || e.op == 1230) {
            return None;
        }
        let k = if e.op == 1230 { 2 } else { e.ints.len() };
        let mut args = Vec::new();
        for (i, raw) in e.raw.iter().enumerate() {
            match e.ints.get(i).copied().flatten() {
                Some(v) if i < k => {
                    let s = u16::try_from(v).unwrap_or(0);
                    args.push(int_small(i64::from(map_sid(s))));
                }
                _ => args.push(raw.clone()),
            }
        }
        Some(Some(args))
    };
    // Pieces that do not depend on the layout.
    let global_subrs: Vec<&[u8]> = f
        .gsubrs
        .iter()
        .enumerate()
        .map(|(i, s)| if global.contains(&i) { *s } else { &[11u8][..] })
        .collect();
    let gsubr_index = write_index(&global_subrs);
    let charstrings: Vec<&[u8]> = order
        .iter()
        .map(|g| {
            if kept.contains(g) {
                f.charstrings[*g as usize]
            } else {
                &[14u8][..]
            }
        })
        .collect();
    let cs_index = write_index(&charstrings);
    let charset_bytes = write_charset(&new_charset, &map_sid, f.cid);
    let encoding_bytes = match (&f.encoding, by_gid) {
        (BuiltIn::Custom(_), false) => {
            Some(write_encoding(&order, &codes_of, &new_charset, &map_sid))
        }
        _ => None,
    };
    let fd_select_bytes = f.cid.then(|| {
        let per: Vec<u16> = order
            .iter()
            .map(|g| fd_map[&f.fd_select[*g as usize]])
            .collect();
        write_fd_select(&per)
    });
    // Private DICTs with their Subrs right behind them (Subrs offset = DICT length).
    let fd_order: Vec<u16> = {
        let mut v: Vec<(u16, u16)> = fd_map.iter().map(|(o, n)| (*n, *o)).collect();
        v.sort();
        v.into_iter().map(|(_, o)| o).collect()
    };
    let privates: Vec<(Vec<u8>, usize)> = fd_order
        .iter()
        .map(|o| {
            let (_, p) = &f.fds[*o as usize];
            let used = &usage[*o as usize].local;
            let subrs: Vec<&[u8]> = p
                .subrs
                .iter()
                .enumerate()
                .map(|(i, s)| if used.contains(&i) { *s } else { &[11u8][..] })
                .collect();
            let with_subrs = !subrs.is_empty();
            let probe = write_dict(&p.dict, &|e| match e.op {
                19 if with_subrs => Some(Some(vec![int5(0)])),
                19 => Some(None),
                _ => None,
            });
            let len = probe.len();
            let dict = write_dict(&p.dict, &|e| match e.op {
                19 if with_subrs => Some(Some(vec![int5(len)])),
                19 => Some(None),
                _ => None,
            });
            let mut bytes = dict;
            if with_subrs {
                bytes.extend(write_index(&subrs));
            }
            (bytes, len)
        })
        .collect();
    // Layout: header, Name, Top, String, Global Subrs, charset, Encoding, FDSelect,
    // CharStrings, FDArray, Privates.
    // The charset is always written out (a predefined one included), so its operator
    // must be there.
    let mut top_entries = f.top.clone();
    if find(&top_entries, 15).is_none() {
        top_entries.push(Entry {
            op: 15,
            ints: vec![Some(0)],
            raw: vec![int_small(0)],
        });
    }
    let top_dict = |at: &Layout| -> Vec<u8> {
        write_dict(&top_entries, &|e| match e.op {
            15 => Some(Some(vec![int5(at.charset)])),
            16 => Some(match (&encoding_bytes, f.cid) {
                (Some(_), _) => Some(vec![int5(at.encoding)]),
                (None, true) => None,
                // by_gid: the built-in encoding is not used; the standard one stands in.
                (None, false) => Some(vec![int_small(0)]),
            }),
            17 => Some(Some(vec![int5(at.charstrings)])),
            18 if f.cid => Some(None),
            18 => Some(Some(vec![int5(privates[0].1), int5(at.privates[0])])),
            1236 => Some(Some(vec![int5(at.fd_array)])),
            1237 => Some(Some(vec![int5(at.fd_select)])),
            _ => sid_args(e),
        })
    };
    let fd_dicts = |at: &Layout| -> Vec<Vec<u8>> {
        fd_order
            .iter()
            .enumerate()
            .map(|(k, o)| {
                write_dict(&f.fds[*o as usize].0, &|e| match e.op {
                    18 => Some(Some(vec![int5(privates[k].1), int5(at.privates[k])])),
                    _ => sid_args(e),
                })
            })
            .collect()
    };
    let mut at = Layout {
        privates: vec![0; privates.len()],
        ..Layout::default()
    };
    let header: [u8; 4] = [1, 0, 4, 4];
    let string_index = write_index(&strings);
    // Every offset is written in five bytes, so one pass with zeros gives the lengths.
    let top_len = write_index(&[top_dict(&at)]).len();
    let fd_array_len = if f.cid {
        write_index(&fd_dicts(&at)).len()
    } else {
        0
    };
    let mut pos =
        header.len() + f.name_index.len() + top_len + string_index.len() + gsubr_index.len();
    at.charset = pos;
    pos += charset_bytes.len();
    at.encoding = pos;
    pos += encoding_bytes.as_ref().map_or(0, |e| e.len());
    at.fd_select = pos;
    pos += fd_select_bytes.as_ref().map_or(0, |e| e.len());
    at.charstrings = pos;
    pos += cs_index.len();
    at.fd_array = pos;
    pos += fd_array_len;
    for (k, (p, _)) in privates.iter().enumerate() {
        at.privates[k] = pos;
        pos += p.len();
    }
    let mut out = Vec::with_capacity(pos);
    out.extend_from_slice(&header);
    out.extend_from_slice(f.name_index);
    let top = write_index(&[top_dict(&at)]);
    debug_assert_eq!(top.len(), top_len);
    out.extend(top);
    out.extend(string_index);
    out.extend(gsubr_index);
    out.extend(charset_bytes);
    if let Some(e) = encoding_bytes {
        out.extend(e);
    }
    if let Some(s) = fd_select_bytes {
        out.extend(s);
    }
    out.extend(cs_index);
    if f.cid {
        out.extend(write_index(&fd_dicts(&at)));
    }
    for (p, _) in privates {
        out.extend(p);
    }
    if out.len() != pos {
        return Err(bad("internal: CFF layout mismatch"));
    }
    Ok(Pruned {
        data: out,
        removed,
        order,
    })
}

#[derive(Default)]
struct Layout {
    charset: usize,
    encoding: usize,
    fd_select: usize,
    charstrings: usize,
    fd_array: usize,
    privates: Vec<usize>,
}

/// Charset format 0 or 2, whichever is shorter (glyph 0 is implied).
fn write_charset(set: &[u16], map_sid: &dyn Fn(u16) -> u16, cid: bool) -> Vec<u8> {
    let vals: Vec<u16> = set
        .iter()
        .skip(1)
        .map(|v| if cid { *v } else { map_sid(*v) })
        .collect();
    let mut ranges: Vec<(u16, u16)> = Vec::new();
    for v in &vals {
        match ranges.last_mut() {
            Some((first, left))
                if first.wrapping_add(*left).wrapping_add(1) == *v && *left < u16::MAX =>
            {
                *left += 1
            }
            _ => ranges.push((*v, 0)),
        }
    }
    let mut out = Vec::new();
    if ranges.len() * 4 < vals.len() * 2 {
        out.push(2);
        for (f, l) in ranges {
            out.extend_from_slice(&f.to_be_bytes());
            out.extend_from_slice(&l.to_be_bytes());
        }
    } else {
        out.push(0);
        for v in vals {
            out.extend_from_slice(&v.to_be_bytes());
        }
    }
    out
}

fn write_fd_select(per: &[u16]) -> Vec<u8> {
    let mut ranges: Vec<(u16, u16)> = Vec::new();
    for (g, fd) in per.iter().enumerate() {
        if ranges.last().is_none_or(|r| r.1 != *fd) {
            ranges.push((g as u16, *fd));
        }
    }
    let mut out = vec![3];
    out.extend_from_slice(&(ranges.len() as u16).to_be_bytes());
    for (g, fd) in ranges {
        out.extend_from_slice(&g.to_be_bytes());
        out.push(fd as u8);
    }
    out.extend_from_slice(&(per.len() as u16).to_be_bytes());
    out
}

/// Format 0 for the encoded glyphs (which come first in `order`), their further codes as
/// supplements.
fn write_encoding(
    order: &[u16],
    codes_of: &BTreeMap<u16, Vec<u8>>,
    charset: &[u16],
    map_sid: &dyn Fn(u16) -> u16,
) -> Vec<u8> {
    let mut first: Vec<u8> = Vec::new();
    let mut sups: Vec<(u8, u16)> = Vec::new();
    for (new, old) in order.iter().enumerate().skip(1) {
        let Some(codes) = codes_of.get(old) else {
            break;
        };
        let sid = map_sid(charset[new]);
        if first.len() < 255 {
            first.push(codes[0]);
            sups.extend(codes[1..].iter().map(|c| (*c, sid)));
        } else {
            sups.extend(codes.iter().map(|c| (*c, sid)));
        }
    }
    sups.truncate(255);
    let mut out = vec![if sups.is_empty() { 0 } else { 0x80 }, first.len() as u8];
    out.extend(first);
    if !sups.is_empty() {
        out.push(sups.len() as u8);
        for (c, s) in sups {
            out.push(c);
            out.extend_from_slice(&s.to_be_bytes());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const CID: &[u8] = include_bytes!("../../tests/fonts/cid.cff");
    const T1C: &[u8] = include_bytes!("../../tests/fonts/t1c.cff");

    fn by_cid(cids: &[u32]) -> Keep {
        Keep {
            cids: cids.iter().copied().collect(),
            by_cid: true,
            ..Keep::default()
        }
    }

    fn by_name(names: &[&str]) -> Keep {
        Keep {
            names: names.iter().map(|n| n.as_bytes().to_vec()).collect(),
            by_name: true,
            ..Keep::default()
        }
    }

    #[test]
    fn pruning_twice_changes_nothing_more() {
        let k = by_cid(&[1200, 1300]);
        let once = prune(CID, &k).unwrap();
        assert_eq!(once.order, vec![0, 1, 2]);
        assert_eq!(once.removed, 6);
        let twice = prune(&once.data, &k).unwrap();
        assert_eq!(twice.data, once.data);
        assert_eq!(twice.removed, 0);
        let k = by_name(&["A", "E"]);
        let once = prune(T1C, &k).unwrap();
        assert_eq!(prune(&once.data, &k).unwrap().data, once.data);
    }

    #[test]
    fn glyph_ids_stay_when_a_cidfont_addresses_a_non_cid_cff() {
        // Type1C behind a CIDFontType0: CID = glyph id, so nothing may move.
        let p = prune(T1C, &by_cid(&[1, 5])).unwrap();
        assert_eq!(p.order, (0..9).collect::<Vec<u16>>());
        let t = ttf_parser::cff::Table::parse(&p.data).unwrap();
        assert_eq!(t.number_of_glyphs(), 9);
        assert_eq!(t.glyph_name(ttf_parser::GlyphId(1)), Some("A"));
        assert_eq!(t.glyph_name(ttf_parser::GlyphId(5)), Some("E"));
        // Removed glyphs are empty and nameless.
        for g in [2, 3, 4, 6, 7, 8] {
            assert_eq!(t.glyph_name(ttf_parser::GlyphId(g)), Some(".notdef"));
            struct Count(usize);
            impl ttf_parser::OutlineBuilder for Count {
                fn move_to(&mut self, _: f32, _: f32) {
                    self.0 += 1;
                }
                fn line_to(&mut self, _: f32, _: f32) {
                    self.0 += 1;
                }
                fn quad_to(&mut self, _: f32, _: f32, _: f32, _: f32) {}
                fn curve_to(&mut self, _: f32, _: f32, _: f32, _: f32, _: f32, _: f32) {}
                fn close(&mut self) {}
            }
            let mut c = Count(0);
            let _ = t.outline(ttf_parser::GlyphId(g), &mut c);
            assert_eq!(c.0, 0, "glyph {g} still draws");
        }
    }

    #[test]
    fn a_cid_keyed_cff_through_a_simple_font_is_refused() {
        assert!(prune(CID, &by_name(&["A"])).is_err());
        let mut k = by_cid(&[1200]);
        k.by_gid = true;
        assert!(prune(CID, &k).is_err());
    }

    #[test]
    fn truncated_and_corrupted_programs_never_panic() {
        let k = by_cid(&[1200, 7000]);
        let n = by_name(&["A", "Aacute"]);
        for data in [CID, T1C] {
            for len in 0..data.len() {
                let _ = prune(&data[..len], &k);
                let _ = prune(&data[..len], &n);
            }
            for i in 0..data.len() {
                for v in [0x00, 0xFF, 0x1C, 0x8B] {
                    let mut d = data.to_vec();
                    d[i] = v;
                    if let Ok(p) = prune(&d, &k) {
                        // Whatever is written can be read again.
                        let _ = prune(&p.data, &k);
                    }
                    let _ = prune(&d, &n);
                }
            }
        }
    }
}
