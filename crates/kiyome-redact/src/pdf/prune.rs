//! Fonts after redaction: glyphs used only by removed text disappear from the font.
//!
//! For every font that lost a glyph, the codes still drawn anywhere (kept glyphs of the
//! interpreted content, plus text shown by content the interpreter does not run: tiling
//! patterns and other forms with their own resources) are the only ones left in
//! - the /ToUnicode map (codes never drawn go too),
//! - /W and /W2 of the CIDFont, /CIDSet of the descriptor,
//! - /Widths (set to 0) and /Differences of simple fonts, /CharProcs of Type3 fonts,
//! - the embedded program: TrueType outlines (FontFile2, FontFile3 /OpenType with `glyf`)
//!   are removed glyph by glyph with glyph ids unchanged ([`super::sfnt`]); CFF programs
//!   (FontFile3 /CIDFontType0C, /Type1C, OpenType with `CFF `) are rebuilt without the
//!   removed glyphs' charstrings, charset entries and FDSelect entries ([`super::cff`]);
//!   Type 1 programs (FontFile) lose their /CharStrings and /Encoding entries
//!   ([`super::type1`]); subroutines no kept glyph calls are emptied in both.
//!
//! Objects shared by several fonts (one ToUnicode or font file behind an Identity-H and an
//! Identity-V font, a font used on several pages and in forms) keep the union of what every
//! font sharing them still draws. A program kiyome cannot rewrite exactly (an unknown
//! kind, a structure or charstring outside what the pruners read) that loses a glyph
//! blocks the redaction (`redact.font_not_subset`): removed characters must not survive as
//! outlines.

use super::cff::Keep;
use super::fonts::{Font, parse_w, parse_w2, resolve, stream_bytes};
use super::glyphnames::{MAC_ROMAN_ENCODING, STANDARD_ENCODING, WIN_ANSI_ENCODING};
use super::interp::parse_ops;
use super::stdwidths::differences;
use crate::report::RedactionReport;
use kiyome_core::{Action, Ctx, Error, Finding, Severity};
use kiyome_pdf::rewrite::lopdf::{Dictionary, Document, Object, ObjectId, Stream};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// How one code of a font was used.
#[derive(Debug, Clone)]
pub(crate) struct CodeUse {
    /// Length of the code in bytes.
    pub len: u8,
    /// Its CID (simple fonts: the code).
    pub cid: u32,
    /// Its Unicode text, as decoded.
    pub unicode: Option<String>,
    /// Drawn by at least one glyph that stays.
    pub kept: bool,
}

/// What the rewrite learnt about fonts: per font object, every code drawn.
#[derive(Default)]
pub(crate) struct FontUse {
    /// font → code → use
    pub codes: HashMap<ObjectId, BTreeMap<u32, CodeUse>>,
}

/// Targets shared between fonts, with the union of what must stay.
#[derive(Default)]
struct Targets {
    /// ToUnicode stream → kept code → length.
    to_unicode: BTreeMap<ObjectId, (BTreeMap<u32, u8>, bool)>,
    /// CIDFont dictionary → kept CIDs.
    cid_fonts: BTreeMap<ObjectId, (BTreeSet<u32>, bool)>,
    /// Font program → what stays in it.
    programs: BTreeMap<ObjectId, ProgramUse>,
    /// CIDSet streams → kept CIDs.
    cid_sets: BTreeMap<ObjectId, (BTreeSet<u32>, bool)>,
}

/// What the fonts sharing one program still draw with it.
struct ProgramUse {
    /// The key that names it (FontFile, FontFile2, FontFile3).
    key: &'static str,
    /// A font using it lost a glyph.
    hit: bool,
    /// Glyph ids (TrueType outlines; for CFF, candidates a reader may pick).
    gids: BTreeSet<u16>,
    /// CIDs, codes and names for CFF and Type 1 programs.
    keep: Keep,
}

fn reference(d: &Dictionary, key: &[u8]) -> Option<ObjectId> {
    match d.get(key) {
        Ok(Object::Reference(r)) => Some(*r),
        _ => None,
    }
}

fn dict_at(doc: &Document, id: ObjectId) -> Option<&Dictionary> {
    match doc.objects.get(&id) {
        Some(Object::Dictionary(d)) => Some(d),
        Some(Object::Stream(s)) => Some(&s.dict),
        _ => None,
    }
}

fn name_of<'a>(doc: &'a Document, d: &'a Dictionary, key: &[u8]) -> &'a [u8] {
    match d.get(key).map(|o| resolve(doc, o)) {
        Ok(Object::Name(n)) => n,
        _ => b"",
    }
}

/// The descriptor of a font (Type0: of its descendant) and where the descendant lives.
fn descendant(doc: &Document, fd: &Dictionary) -> Option<(Option<ObjectId>, Dictionary)> {
    let Ok(Object::Array(a)) = fd.get(b"DescendantFonts").map(|o| resolve(doc, o)) else {
        return None;
    };
    match a.first()? {
        Object::Reference(r) => dict_at(doc, *r).map(|d| (Some(*r), d.clone())),
        Object::Dictionary(d) => Some((None, d.clone())),
        _ => None,
    }
}

fn descriptor(doc: &Document, fd: &Dictionary) -> Option<Dictionary> {
    match fd.get(b"FontDescriptor").map(|o| resolve(doc, o)) {
        Ok(Object::Dictionary(d)) => Some(d.clone()),
        _ => None,
    }
}

fn program_of(desc: &Dictionary) -> Option<(ObjectId, &'static str)> {
    for key in ["FontFile2", "FontFile3", "FontFile"] {
        if let Some(r) = reference(desc, key.as_bytes()) {
            return Some((r, key));
        }
    }
    None
}

/// Prunes every font that lost a glyph; `interpreted` are the Form XObjects the interpreter
/// ran (their text is already in `uses`).
pub(crate) fn prune(
    doc: &mut Document,
    uses: &FontUse,
    interpreted: &HashSet<ObjectId>,
    standard_widths: &HashSet<ObjectId>,
    ctx: &Ctx<'_>,
    report: &mut RedactionReport,
) -> Result<(), Error> {
    let max = usize::try_from(ctx.limits().max_stream_bytes).unwrap_or(usize::MAX);
    let touched_fonts: Vec<ObjectId> = uses
        .codes
        .iter()
        .filter(|(_, c)| c.values().any(|u| !u.kept))
        .map(|(id, _)| *id)
        .collect();
    if touched_fonts.is_empty() {
        return Ok(());
    }
    let scanned = scan_other_streams(doc, interpreted, max, ctx)?;
    // Every font whose codes count: interpreted or scanned.
    let mut kept: BTreeMap<ObjectId, BTreeMap<u32, CodeUse>> = BTreeMap::new();
    for (f, codes) in &uses.codes {
        let e = kept.entry(*f).or_default();
        for (c, u) in codes.iter().filter(|(_, u)| u.kept) {
            e.insert(*c, u.clone());
        }
    }
    for (f, codes) in scanned {
        let e = kept.entry(f).or_default();
        for (c, u) in codes {
            e.entry(c).or_insert(u);
        }
    }
    let touched: HashSet<ObjectId> = touched_fonts.iter().copied().collect();
    let mut t = Targets::default();
    let mut simple: Vec<(ObjectId, BTreeMap<u32, CodeUse>)> = Vec::new();
    // Every font object of the document takes part: a font that draws nothing still shares
    // its objects with the others (and keeps nothing of them).
    let font_ids: Vec<ObjectId> = doc
        .objects
        .iter()
        .filter(|(_, o)| {
            matches!(o, Object::Dictionary(d) if matches!(d.get(b"Type"), Ok(Object::Name(n)) if n == b"Font") && d.has(b"Subtype"))
        })
        .map(|(id, _)| *id)
        .collect();
    for fid in font_ids {
        let Some(fd) = dict_at(doc, fid).cloned() else {
            continue;
        };
        let codes = kept.get(&fid).cloned().unwrap_or_default();
        let hit = touched.contains(&fid);
        if let Some(tu) = reference(&fd, b"ToUnicode") {
            let e = t.to_unicode.entry(tu).or_default();
            e.0.extend(codes.iter().map(|(c, u)| (*c, u.len)));
            e.1 |= hit;
        }
        let subtype = name_of(doc, &fd, b"Subtype").to_vec();
        if subtype.starts_with(b"CIDFontType") {
            // A descendant: handled through its Type0 font.
            continue;
        }
        if subtype == b"Type0" {
            let Some((cf_id, cf)) = descendant(doc, &fd) else {
                continue;
            };
            let cids: BTreeSet<u32> = codes.values().map(|u| u.cid).collect();
            // An inline descendant is the font's own: keyed by the font.
            let e = t.cid_fonts.entry(cf_id.unwrap_or(fid)).or_default();
            e.0.extend(cids.iter().copied());
            e.1 |= hit;
            let Some(desc) = descriptor(doc, &cf) else {
                continue;
            };
            if let Some(set) = reference(&desc, b"CIDSet") {
                let e = t.cid_sets.entry(set).or_default();
                e.0.extend(cids.iter().copied());
                e.1 |= hit;
            }
            if let Some((prog, key)) = program_of(&desc) {
                let gids = cid_gids(doc, &cf, &cids, max);
                let e = program_use(&mut t, prog, key);
                if name_of(doc, &cf, b"Subtype") == b"CIDFontType0" {
                    // CFF: glyphs selected by CID through the program's charset (ISO
                    // 32000-1 §9.7.4.2), or CID = glyph id when it is not CID-keyed.
                    e.keep.by_cid = true;
                    e.keep.cids.extend(cids.iter().copied());
                } else {
                    e.keep.by_gid = true;
                    e.keep.gids.extend(gids.iter().copied());
                }
                // TrueType outlines (whatever the CIDFont says) are selected by glyph id.
                e.gids.extend(gids);
                e.hit |= hit;
            }
        } else {
            if let Some(desc) = descriptor(doc, &fd)
                && let Some((prog, key)) = program_of(&desc)
            {
                let gids = simple_gids(doc, &fd, prog, &codes, max);
                let names = simple_names(doc, &fd, &codes);
                let e = program_use(&mut t, prog, key);
                e.keep.by_name = true;
                e.keep
                    .codes
                    .extend(codes.keys().filter_map(|c| u8::try_from(*c).ok()));
                e.keep.names.extend(names);
                e.gids.extend(gids);
                e.hit |= hit;
            }
            if hit {
                simple.push((fid, codes));
            }
        }
    }
    let mut n_fonts = 0u64;
    let mut n_glyphs = 0u64;
    for (id, (codes, hit)) in &t.to_unicode {
        if *hit {
            rewrite_to_unicode(doc, *id, codes, max);
        }
    }
    for (id, (cids, hit)) in &t.cid_fonts {
        if *hit {
            prune_cid_font(doc, *id, cids);
        }
    }
    for (id, (cids, hit)) in &t.cid_sets {
        if *hit && let Some(Object::Stream(s)) = doc.objects.get_mut(id) {
            let top = cids.iter().max().copied().unwrap_or(0).min(1 << 20) as usize;
            let mut bits = vec![0u8; top / 8 + 1];
            bits[0] |= 0x80;
            for c in cids.iter().filter(|c| (**c as usize) <= top) {
                bits[*c as usize / 8] |= 0x80 >> (c % 8);
            }
            replace_content(s, bits);
        }
    }
    for (fid, codes) in &simple {
        prune_simple(doc, *fid, codes, standard_widths.contains(fid));
        n_fonts += 1;
    }
    for (id, u) in &t.programs {
        if !u.hit {
            continue;
        }
        ctx.budget.check_time()?;
        let key = u.key;
        let Some(Object::Stream(s)) = doc.objects.get(id) else {
            continue;
        };
        let sub = match s.dict.get(b"Subtype") {
            Ok(Object::Name(n)) => String::from_utf8_lossy(n).into_owned(),
            _ => String::new(),
        };
        let length = |k: &[u8]| match s.dict.get(k).map(|o| resolve(doc, o)) {
            Ok(Object::Integer(i)) => usize::try_from(*i).ok(),
            _ => None,
        };
        let lengths = (length(b"Length1"), length(b"Length2"));
        let data = stream_bytes(doc, &Object::Reference(*id), max)
            .ok_or_else(|| blocked(*id, key, "its data cannot be decoded"))?;
        let why = |e: super::sfnt::Unsupported| blocked(*id, key, &e.0);
        let (new, removed, type1_lengths) = match (key, sub.as_str()) {
            ("FontFile2", _) => {
                let (d, r) = super::sfnt::prune(&data, &u.gids).map_err(why)?;
                (d, r, None)
            }
            ("FontFile3", "OpenType") if super::sfnt::has_cff_outlines(&data) => {
                let mut keep = u.keep.clone();
                keep.gids.extend(u.gids.iter().copied());
                let (d, r) = super::sfnt::prune_cff(&data, &keep).map_err(why)?;
                (d, r, None)
            }
            ("FontFile3", "OpenType") => {
                let (d, r) = super::sfnt::prune(&data, &u.gids).map_err(why)?;
                (d, r, None)
            }
            ("FontFile3", "CIDFontType0C" | "Type1C") => {
                let p = super::cff::prune(&data, &u.keep).map_err(why)?;
                (p.data, p.removed, None)
            }
            ("FontFile", _) => {
                let p = super::type1::prune(&data, lengths, &u.keep).map_err(why)?;
                (p.data, p.removed, Some(p.lengths))
            }
            _ => {
                return Err(blocked(
                    *id,
                    key,
                    &format!("{key} /{sub} is a kind of program kiyome does not rewrite"),
                ));
            }
        };
        n_glyphs += removed as u64;
        if let Some(Object::Stream(s)) = doc.objects.get_mut(id) {
            if key == "FontFile2" {
                s.dict.set("Length1", Object::Integer(new.len() as i64));
            }
            if let Some(l) = type1_lengths {
                for (k, v) in ["Length1", "Length2", "Length3"].into_iter().zip(l) {
                    s.dict.set(k, Object::Integer(v as i64));
                }
            }
            replace_content(s, new);
        }
        n_fonts += 1;
    }
    report.removed(
        Finding::new("redact.font_unused_glyphs", Severity::Info, "fonts")
            .detail(format!(
                "{} fonts lost glyphs used only by removed text: ToUnicode, widths and {} glyph outlines removed",
                touched_fonts.len().max(n_fonts as usize),
                n_glyphs
            ))
            .action(Action::Removed),
    );
    Ok(())
}

fn blocked(id: ObjectId, key: &str, why: &str) -> Error {
    Error::unsupported(format!(
        "font program obj {} ({key}) holds glyphs of removed text and {why}; redaction refused (redact.font_not_subset)",
        id.0
    ))
}

fn replace_content(s: &mut Stream, data: Vec<u8>) {
    s.dict.remove(b"Filter");
    s.dict.remove(b"DecodeParms");
    s.set_plain_content(data);
    let _ = s.compress();
}

/// Glyph ids of CIDs per /CIDToGIDMap (Identity by default).
fn cid_gids(doc: &Document, cf: &Dictionary, cids: &BTreeSet<u32>, max: usize) -> BTreeSet<u16> {
    let map = match cf.get(b"CIDToGIDMap") {
        Ok(o @ Object::Reference(_)) => stream_bytes(doc, o, max),
        _ => None,
    };
    cids.iter()
        .filter_map(|c| match &map {
            Some(m) => {
                let i = *c as usize * 2;
                m.get(i..i + 2).map(|b| u16::from_be_bytes([b[0], b[1]]))
            }
            None => u16::try_from(*c).ok(),
        })
        .collect()
}

/// Glyph ids a reader may pick for the codes of a simple TrueType font: every lookup of
/// ISO 32000-1 §9.6.6.4 and the ones readers add (the code itself, glyph names via `post`),
/// so that pruning never takes a glyph a reader draws.
fn simple_gids(
    doc: &Document,
    fd: &Dictionary,
    prog: ObjectId,
    codes: &BTreeMap<u32, CodeUse>,
    max: usize,
) -> BTreeSet<u16> {
    let mut out = BTreeSet::new();
    let Some(data) = stream_bytes(doc, &Object::Reference(prog), max) else {
        return out;
    };
    let names = differences(doc, fd);
    let face = ttf_parser::Face::parse(&data, 0).ok();
    for (code, u) in codes {
        let c = *code;
        out.insert(c as u16);
        for (p, e, cp) in [
            (3, 0, c),
            (3, 0, 0xF000 | c),
            (3, 0, 0xF100 | c),
            (3, 0, 0xF200 | c),
            (1, 0, c),
        ] {
            if let Some(g) = super::sfnt::cmap_lookup(&data, p, e, cp) {
                out.insert(g);
            }
        }
        let mut chars: Vec<char> = u.unicode.iter().flat_map(|s| s.chars()).collect();
        if let Some(n) = names.get(code)
            && let Some(f) = &face
        {
            if let Some(g) = std::str::from_utf8(n)
                .ok()
                .and_then(|s| f.glyph_index_by_name(s))
            {
                out.insert(g.0);
            }
            if let Some(ch) = glyph_name_char(n) {
                chars.push(ch);
            }
        }
        for ch in chars {
            for (p, e) in [(3, 1), (0, 3), (0, 4), (3, 10)] {
                if let Some(g) = super::sfnt::cmap_lookup(&data, p, e, ch as u32) {
                    out.insert(g);
                }
            }
        }
    }
    out
}

fn program_use<'a>(t: &'a mut Targets, prog: ObjectId, key: &'static str) -> &'a mut ProgramUse {
    t.programs.entry(prog).or_insert_with(|| ProgramUse {
        key,
        hit: false,
        gids: BTreeSet::new(),
        keep: Keep::default(),
    })
}

/// Glyph names a reader may pick for the kept codes of a simple font with a CFF or Type 1
/// program (ISO 32000-1 §9.6.6.2): the /Differences name, the name in the base encoding
/// (/BaseEncoding or the /Encoding name) and in StandardEncoding (the base when none is
/// given). The program's own built-in encoding is applied by the program pruner.
fn simple_names(
    doc: &Document,
    fd: &Dictionary,
    codes: &BTreeMap<u32, CodeUse>,
) -> BTreeSet<Vec<u8>> {
    let diffs = differences(doc, fd);
    let base: &[&str; 256] = {
        let name = match fd.get(b"Encoding").map(|o| resolve(doc, o)) {
            Ok(Object::Name(n)) => n.clone(),
            Ok(Object::Dictionary(e)) => name_of(doc, e, b"BaseEncoding").to_vec(),
            _ => Vec::new(),
        };
        match name.as_slice() {
            b"WinAnsiEncoding" => &WIN_ANSI_ENCODING,
            b"MacRomanEncoding" => &MAC_ROMAN_ENCODING,
            _ => &STANDARD_ENCODING,
        }
    };
    let mut out = BTreeSet::new();
    for c in codes.keys().filter_map(|c| u8::try_from(*c).ok()) {
        if let Some(n) = diffs.get(&u32::from(c)) {
            out.insert(n.clone());
        }
        for table in [base, &STANDARD_ENCODING] {
            let n = table[c as usize];
            if !n.is_empty() {
                out.insert(n.as_bytes().to_vec());
            }
        }
    }
    out
}

/// `uniXXXX` / `uXXXX[XX]` glyph names.
fn glyph_name_char(n: &[u8]) -> Option<char> {
    let s = std::str::from_utf8(n).ok()?;
    let hex = match s.strip_prefix("uni") {
        Some(h) => h.get(..4)?,
        None => s.strip_prefix('u').filter(|h| (4..=6).contains(&h.len()))?,
    };
    char::from_u32(u32::from_str_radix(hex, 16).ok()?)
}

fn utf16_hex(s: &str) -> String {
    s.encode_utf16().map(|u| format!("{u:04X}")).collect()
}

fn rewrite_to_unicode(doc: &mut Document, id: ObjectId, codes: &BTreeMap<u32, u8>, max: usize) {
    let Some(data) = stream_bytes(doc, &Object::Reference(id), max) else {
        return;
    };
    let old = hayro_cmap::CMap::parse(&data, hayro_cmap::load_embedded);
    let mut entries: Vec<(u32, u8, String)> = Vec::new();
    for (c, len) in codes {
        let text = old
            .as_ref()
            .and_then(|m| m.lookup_bf_string(*c))
            .map(|b| match b {
                hayro_cmap::BfString::Char(ch) => ch.to_string(),
                hayro_cmap::BfString::String(s) => s,
            });
        if let Some(t) = text.filter(|t| !t.is_empty()) {
            entries.push((*c, (*len).max(1), t));
        }
    }
    let mut s = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n",
    );
    let lens: BTreeSet<u8> = codes.values().map(|l| (*l).max(1)).collect();
    let mut ranges: Vec<String> = Vec::new();
    if lens.len() <= 1 {
        let l = lens.first().copied().unwrap_or(2) as usize;
        ranges.push(format!("<{}> <{}>", "00".repeat(l), "FF".repeat(l)));
    } else {
        // Mixed lengths (Shift_JIS-like): one range per single byte, one per lead byte.
        let mut seen = BTreeSet::new();
        for (c, l) in codes {
            let l = (*l).max(1) as u32;
            let lead = c >> (8 * (l - 1));
            if seen.insert((l, lead)) {
                let w = 2 * (l as usize - 1);
                ranges.push(if l == 1 {
                    format!("<{lead:02X}> <{lead:02X}>")
                } else {
                    format!("<{lead:02X}{:0w$}> <{lead:02X}{}>", 0, "F".repeat(w))
                });
            }
        }
    }
    for chunk in ranges.chunks(100) {
        s.push_str(&format!(
            "{} begincodespacerange\n{}\nendcodespacerange\n",
            chunk.len(),
            chunk.join("\n")
        ));
    }
    for chunk in entries.chunks(100) {
        s.push_str(&format!("{} beginbfchar\n", chunk.len()));
        for (c, l, t) in chunk {
            let w = *l as usize * 2;
            s.push_str(&format!("<{c:0w$X}> <{}>\n", utf16_hex(t)));
        }
        s.push_str("endbfchar\n");
    }
    s.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    if let Some(Object::Stream(st)) = doc.objects.get_mut(&id) {
        replace_content(st, s.into_bytes());
    }
}

/// /W and /W2 with only the kept CIDs.
fn prune_cid_font(doc: &mut Document, id: ObjectId, cids: &BTreeSet<u32>) {
    // `id` is the CIDFont, or a Type0 font holding an inline descendant.
    let (w, w2) = {
        let Some(d) = dict_at(doc, id) else { return };
        let cf = if d.has(b"DescendantFonts") {
            match descendant(doc, d) {
                Some((_, cf)) => cf,
                None => return,
            }
        } else {
            d.clone()
        };
        let w = match cf.get(b"W").map(|o| resolve(doc, o)) {
            Ok(Object::Array(a)) => Some(parse_w(doc, a)),
            _ => None,
        };
        let w2 = match cf.get(b"W2").map(|o| resolve(doc, o)) {
            Ok(Object::Array(a)) => Some(parse_w2(doc, a)),
            _ => None,
        };
        (w, w2)
    };
    let new_w = w.map(|ranges| {
        let mut out: Vec<Object> = Vec::new();
        let mut run: Option<(u32, Vec<Object>)> = None;
        for c in cids {
            let Some(v) = ranges.iter().find(|r| r.0 <= *c && *c <= r.1).map(|r| r.2) else {
                continue;
            };
            match &mut run {
                Some((start, list)) if *start + list.len() as u32 == *c => list.push(num(v)),
                _ => {
                    if let Some((s, l)) = run.take() {
                        out.push(Object::Integer(i64::from(s)));
                        out.push(Object::Array(l));
                    }
                    run = Some((*c, vec![num(v)]));
                }
            }
        }
        if let Some((s, l)) = run {
            out.push(Object::Integer(i64::from(s)));
            out.push(Object::Array(l));
        }
        Object::Array(out)
    });
    let new_w2 = w2.map(|ranges| {
        let mut out: Vec<Object> = Vec::new();
        for c in cids {
            if let Some(r) = ranges.iter().find(|r| r.0 <= *c && *c <= r.1) {
                let ci = Object::Integer(i64::from(*c));
                out.extend([ci.clone(), ci, num(r.2), num(r.3), num(r.4)]);
            }
        }
        Object::Array(out)
    });
    let target: Option<&mut Dictionary> = match doc.objects.get(&id) {
        Some(Object::Dictionary(d)) if d.has(b"DescendantFonts") => {
            match doc.objects.get_mut(&id) {
                Some(Object::Dictionary(d)) => match d.get_mut(b"DescendantFonts") {
                    Ok(Object::Array(a)) => match a.first_mut() {
                        Some(Object::Dictionary(cf)) => Some(cf),
                        _ => None,
                    },
                    _ => None,
                },
                _ => None,
            }
        }
        _ => match doc.objects.get_mut(&id) {
            Some(Object::Dictionary(d)) => Some(d),
            _ => None,
        },
    };
    if let Some(cf) = target {
        if let Some(w) = new_w {
            cf.set("W", w);
        }
        if let Some(w2) = new_w2 {
            cf.set("W2", w2);
        }
    }
}

fn num(v: f64) -> Object {
    if v.fract() == 0.0 && v.abs() < 1e9 {
        Object::Integer(v as i64)
    } else {
        Object::Real(v as f32)
    }
}

/// /Widths 0, /Differences and Type3 /CharProcs without the codes that are not kept; widths
/// that are a standard font's public metrics (`standard_widths`) stay whole.
fn prune_simple(
    doc: &mut Document,
    fid: ObjectId,
    codes: &BTreeMap<u32, CodeUse>,
    standard_widths: bool,
) {
    let Some(fd) = dict_at(doc, fid).cloned() else {
        return;
    };
    let first = match fd.get(b"FirstChar").map(|o| resolve(doc, o)) {
        Ok(Object::Integer(i)) => (*i).clamp(0, 255) as u32,
        _ => 0,
    };
    let widths = match fd.get(b"Widths").map(|o| resolve(doc, o)) {
        Ok(Object::Array(a)) if !standard_widths => Some(
            a.iter()
                .enumerate()
                .map(|(i, o)| {
                    if codes.contains_key(&(first + i as u32)) {
                        resolve(doc, o).clone()
                    } else {
                        Object::Integer(0)
                    }
                })
                .collect::<Vec<Object>>(),
        ),
        _ => None,
    };
    let diffs = differences(doc, &fd);
    let kept_names: BTreeSet<Vec<u8>> =
        codes.keys().filter_map(|c| diffs.get(c).cloned()).collect();
    let encoding = match fd.get(b"Encoding").map(|o| resolve(doc, o)) {
        Ok(Object::Dictionary(e)) if e.has(b"Differences") => {
            let mut e = e.clone();
            let mut arr = Vec::new();
            for (c, n) in diffs.iter().filter(|(c, _)| codes.contains_key(c)) {
                arr.push(Object::Integer(i64::from(*c)));
                arr.push(Object::Name(n.clone()));
            }
            e.set("Differences", Object::Array(arr));
            Some(e)
        }
        _ => None,
    };
    let charprocs = match fd.get(b"CharProcs").map(|o| resolve(doc, o)) {
        Ok(Object::Dictionary(cp)) => {
            let mut cp = cp.clone();
            let names: Vec<Vec<u8>> = cp.iter().map(|(k, _)| k.clone()).collect();
            for n in names {
                if !kept_names.contains(&n) {
                    cp.remove(&n);
                }
            }
            Some(cp)
        }
        _ => None,
    };
    if let Some(Object::Dictionary(d)) = doc.objects.get_mut(&fid) {
        if let Some(w) = widths {
            d.set("Widths", Object::Array(w));
        }
        if let Some(e) = encoding {
            d.set("Encoding", Object::Dictionary(e));
        }
        if let Some(cp) = charprocs {
            d.set("CharProcs", Object::Dictionary(cp));
        }
    }
}

/// Codes shown by streams the interpreter does not run (tiling patterns, forms not drawn
/// from a page) that have their own /Resources, decoded with their fonts.
fn scan_other_streams(
    doc: &Document,
    interpreted: &HashSet<ObjectId>,
    max: usize,
    ctx: &Ctx<'_>,
) -> Result<HashMap<ObjectId, BTreeMap<u32, CodeUse>>, Error> {
    let mut out: HashMap<ObjectId, BTreeMap<u32, CodeUse>> = HashMap::new();
    let mut fonts: HashMap<ObjectId, Font> = HashMap::new();
    for (id, obj) in &doc.objects {
        let Object::Stream(s) = obj else { continue };
        if interpreted.contains(id)
            || matches!(s.dict.get(b"Subtype"), Ok(Object::Name(n)) if n == b"Image")
        {
            continue;
        }
        let Some(res) = s
            .dict
            .get(b"Resources")
            .ok()
            .and_then(|o| match resolve(doc, o) {
                Object::Dictionary(d) => Some(d),
                _ => None,
            })
        else {
            continue;
        };
        let Some(font_res) = res.get(b"Font").ok().and_then(|o| match resolve(doc, o) {
            Object::Dictionary(d) => Some(d),
            _ => None,
        }) else {
            continue;
        };
        ctx.budget.check_time()?;
        let Some(data) = stream_bytes(doc, &Object::Reference(*id), max) else {
            continue;
        };
        let Ok(ops) = parse_ops(&data) else { continue };
        let mut cur: Option<ObjectId> = None;
        for op in ops {
            match op.operator.as_str() {
                "Tf" => {
                    cur = match op.operands.first() {
                        Some(Object::Name(n)) => reference(font_res, n),
                        _ => None,
                    };
                }
                "Tj" | "TJ" | "'" | "\"" => {
                    let Some(fid) = cur else { continue };
                    let font = match fonts.entry(fid) {
                        std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                        std::collections::hash_map::Entry::Vacant(e) => {
                            let Some(fd) = dict_at(doc, fid) else {
                                continue;
                            };
                            e.insert(Font::load(doc, fd, max))
                        }
                    };
                    let mut strings: Vec<&Vec<u8>> = Vec::new();
                    for o in &op.operands {
                        match o {
                            Object::String(b, _) => strings.push(b),
                            Object::Array(a) => strings.extend(a.iter().filter_map(|x| match x {
                                Object::String(b, _) => Some(b),
                                _ => None,
                            })),
                            _ => {}
                        }
                    }
                    let e = out.entry(fid).or_default();
                    for b in strings {
                        for c in font.decode(b) {
                            e.entry(c.code).or_insert(CodeUse {
                                len: (c.end - c.start).min(4) as u8,
                                cid: c.cid,
                                unicode: c.unicode,
                                kept: true,
                            });
                        }
                    }
                }
                _ => {}
            }
        }
    }
    Ok(out)
}

fn is_font_dict(d: &Dictionary) -> bool {
    matches!(d.get(b"Type"), Ok(Object::Name(n)) if n == b"Font") && d.has(b"Subtype")
}

/// Moves font dictionaries written inline in resource dictionaries into objects of their
/// own, so that every font has an identity the pruning can follow (a direct font would
/// otherwise keep the glyphs of removed text unnoticed).
pub(crate) fn indirect_fonts(doc: &mut Document) {
    fn visit(
        d: &mut Dictionary,
        max_id: &mut u32,
        found: &mut Vec<(ObjectId, Dictionary)>,
        depth: u32,
    ) {
        if depth > 6 {
            return;
        }
        for (_, v) in d.iter_mut() {
            if let Object::Dictionary(inner) = v {
                if is_font_dict(inner) {
                    *max_id += 1;
                    let id = (*max_id, 0);
                    found.push((id, std::mem::take(inner)));
                    *v = Object::Reference(id);
                } else {
                    visit(inner, max_id, found, depth + 1);
                }
            }
        }
    }
    let keys: Vec<ObjectId> = doc.objects.keys().copied().collect();
    for id in keys {
        let Some(mut obj) = doc.objects.remove(&id) else {
            continue;
        };
        let mut found = Vec::new();
        let dict = match &mut obj {
            Object::Dictionary(d) if !is_font_dict(d) => Some(d),
            Object::Stream(s) => Some(&mut s.dict),
            _ => None,
        };
        if let Some(dict) = dict {
            // Only resource places: a /Font map, or a /Resources dictionary holding one.
            for key in [b"Font".as_slice(), b"Resources"] {
                if let Ok(Object::Dictionary(sub)) = dict.get_mut(key) {
                    visit(sub, &mut doc.max_id, &mut found, 0);
                }
            }
        }
        doc.objects.insert(id, obj);
        for (nid, f) in found {
            doc.objects.insert(nid, Object::Dictionary(f));
        }
    }
}
