//! Removing glyph outlines from an embedded TrueType/OpenType program (FontFile2, or
//! FontFile3 /OpenType) while keeping every glyph id, so that neither the content streams
//! nor /CIDToGIDMap change.
//!
//! Glyphs outside `keep` (plus the components of kept composite glyphs and glyph 0) lose
//! their outline (`glyf` entry of length zero) and metrics; the
//! `cmap` keeps only mappings to kept glyphs; `post` drops the glyph names (format 3); every
//! table a PDF renderer does not need is dropped — layout tables (GSUB/GPOS/GDEF/kern),
//! embedded bitmaps (EBDT/EBLC/CBDT/sbix: bitmap kanji), colour and SVG glyphs, device
//! metrics (hdmx/LTSH/VDMX), vertical metrics (PDF has /W2), signatures.
//! OpenType spec: <https://learn.microsoft.com/typography/opentype/spec/otff>.

use std::collections::BTreeSet;

/// Tables kept (the rest is dropped). `cmap`, `post`, `glyf`, `loca`, `hmtx` and `head` are
/// rewritten.
const KEEP_TABLES: &[&[u8; 4]] = &[
    b"head", b"hhea", b"maxp", b"hmtx", b"loca", b"glyf", b"cmap", b"cvt ", b"fpgm", b"prep",
    b"post", b"OS/2", b"name", b"gasp",
];

/// Most composite-glyph nesting steps followed.
const MAX_CLOSURE_STEPS: usize = 1_000_000;
/// Most cmap code points enumerated per subtable.
const MAX_CMAP_CODES: usize = 300_000;

/// Why a program could not be rewritten.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unsupported(pub String);

fn u16_at(d: &[u8], o: usize) -> Option<u16> {
    d.get(o..o + 2).map(|b| u16::from_be_bytes([b[0], b[1]]))
}

fn u32_at(d: &[u8], o: usize) -> Option<u32> {
    d.get(o..o + 4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

fn bad(s: &str) -> Unsupported {
    Unsupported(s.to_string())
}

/// Table records of an sfnt: (tag, offset, length).
fn tables(data: &[u8]) -> Result<Vec<([u8; 4], usize, usize)>, Unsupported> {
    let version = u32_at(data, 0).ok_or_else(|| bad("truncated font header"))?;
    if !matches!(version, 0x0001_0000 | 0x4F54_544F | 0x7472_7565) {
        return Err(bad(
            "not a TrueType/OpenType font (collection or Type1 wrapper)",
        ));
    }
    let n = u16_at(data, 4).ok_or_else(|| bad("truncated font header"))? as usize;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let r = 12 + i * 16;
        let tag: [u8; 4] = data
            .get(r..r + 4)
            .and_then(|t| t.try_into().ok())
            .ok_or_else(|| bad("truncated table directory"))?;
        let off = u32_at(data, r + 8).ok_or_else(|| bad("truncated table directory"))? as usize;
        let len = u32_at(data, r + 12).ok_or_else(|| bad("truncated table directory"))? as usize;
        if off.checked_add(len).is_none_or(|e| e > data.len()) {
            return Err(bad("table outside the font data"));
        }
        out.push((tag, off, len));
    }
    Ok(out)
}

fn table<'a>(data: &'a [u8], t: &[([u8; 4], usize, usize)], tag: &[u8; 4]) -> Option<&'a [u8]> {
    t.iter()
        .find(|(g, _, _)| g == tag)
        .and_then(|(_, o, l)| data.get(*o..*o + *l))
}

/// Whether the sfnt `data` has outlines in a `CFF ` table (and none in `glyf`).
pub(crate) fn has_cff_outlines(data: &[u8]) -> bool {
    tables(data)
        .is_ok_and(|t| table(data, &t, b"CFF ").is_some() && table(data, &t, b"glyf").is_none())
}

/// The glyph id that each code point maps to, per cmap subtable, for the simple-font lookup
/// (ISO 32000-1 §9.6.6.4): `(platform, encoding, code) → gid`.
pub(crate) fn cmap_lookup(data: &[u8], platform: u16, encoding: u16, code: u32) -> Option<u16> {
    let t = tables(data).ok()?;
    let cmap = ttf_parser::cmap::Table::parse(table(data, &t, b"cmap")?)?;
    for st in cmap.subtables {
        if platform_id(st.platform_id) == platform && st.encoding_id == encoding {
            return st.glyph_index(code).map(|g| g.0);
        }
    }
    None
}

fn platform_id(p: ttf_parser::PlatformId) -> u16 {
    match p {
        ttf_parser::PlatformId::Unicode => 0,
        ttf_parser::PlatformId::Macintosh => 1,
        ttf_parser::PlatformId::Iso => 2,
        ttf_parser::PlatformId::Windows => 3,
        ttf_parser::PlatformId::Custom => 4,
    }
}

/// Rewrites `data` so that only the glyphs in `keep` (and what they need) have outlines.
/// Returns the new program and how many glyphs lost their outline.
pub(crate) fn prune(data: &[u8], keep: &BTreeSet<u16>) -> Result<(Vec<u8>, usize), Unsupported> {
    let t = tables(data)?;
    let maxp = table(data, &t, b"maxp").ok_or_else(|| bad("no maxp table"))?;
    let n = u16_at(maxp, 4).ok_or_else(|| bad("short maxp"))? as usize;
    let head = table(data, &t, b"head").ok_or_else(|| bad("no head table"))?;
    let mut keep: BTreeSet<u16> = keep.iter().copied().filter(|g| (*g as usize) < n).collect();
    keep.insert(0);
    let mut out_tables: Vec<([u8; 4], Vec<u8>)> = Vec::new();
    let mut removed = 0usize;
    if let (Some(glyf), Some(loca)) = (table(data, &t, b"glyf"), table(data, &t, b"loca")) {
        let short = u16_at(head, 50).ok_or_else(|| bad("short head"))? == 0;
        let offs = loca_offsets(loca, short, n)?;
        let glyph = |g: usize| -> &[u8] {
            let (a, b) = (offs[g], offs[g + 1]);
            if a < b && b <= glyf.len() {
                &glyf[a..b]
            } else {
                &[]
            }
        };
        closure(&mut keep, &glyph)?;
        let mut new_glyf = Vec::with_capacity(glyf.len());
        let mut new_loca = Vec::with_capacity((n + 1) * 4);
        for g in 0..n {
            new_loca.extend_from_slice(&(new_glyf.len() as u32).to_be_bytes());
            let body = glyph(g);
            if keep.contains(&(g as u16)) {
                new_glyf.extend_from_slice(body);
                while new_glyf.len() % 4 != 0 {
                    new_glyf.push(0);
                }
            } else if !body.is_empty() {
                removed += 1;
            }
        }
        new_loca.extend_from_slice(&(new_glyf.len() as u32).to_be_bytes());
        out_tables.push((*b"glyf", new_glyf));
        out_tables.push((*b"loca", new_loca));
    } else if table(data, &t, b"CFF ").is_some() {
        return Err(bad("CFF outlines: internal, pruned by prune_cff"));
    } else {
        return Err(bad("neither glyf nor CFF outlines"));
    }
    // Metrics of removed glyphs: zero (PDF takes widths from /W and /Widths).
    if let (Some(hmtx), Some(hhea)) = (table(data, &t, b"hmtx"), table(data, &t, b"hhea")) {
        let long = u16_at(hhea, 34).unwrap_or(0) as usize;
        let mut h = hmtx.to_vec();
        for g in 0..n {
            if keep.contains(&(g as u16)) {
                continue;
            }
            let at = if g < long {
                g * 4
            } else {
                long * 4 + (g - long) * 2
            };
            let width = if g < long { 4 } else { 2 };
            if let Some(s) = h.get_mut(at..at + width) {
                s.fill(0);
            }
        }
        out_tables.push((*b"hmtx", h));
    }
    if let Some(cmap) = table(data, &t, b"cmap") {
        out_tables.push((
            *b"cmap",
            filter_cmap(cmap, &|g| keep.contains(&g).then_some(g)),
        ));
    }
    if let Some(post) = table(data, &t, b"post")
        && post.len() >= 32
    {
        let mut p = post[..32].to_vec();
        p[..4].copy_from_slice(&0x0003_0000u32.to_be_bytes());
        out_tables.push((*b"post", p));
    }
    let mut h = head.to_vec();
    if h.len() < 54 {
        return Err(bad("short head"));
    }
    h[8..12].fill(0);
    // The new loca is always the long form.
    h[50..52].copy_from_slice(&1u16.to_be_bytes());
    out_tables.push((*b"head", h));
    for (tag, off, len) in &t {
        if KEEP_TABLES.contains(&tag) && !out_tables.iter().any(|(g, _)| g == tag) {
            out_tables.push((*tag, data[*off..*off + *len].to_vec()));
        }
    }
    let sfnt_version = u32_at(data, 0).unwrap_or(0x0001_0000);
    Ok((assemble(sfnt_version, out_tables), removed))
}

/// Rewrites an OpenType font with CFF outlines: the `CFF ` table is pruned by
/// [`super::cff::prune`] (glyph ids compacted unless a font addresses them directly), and
/// the tables indexed by glyph id follow the new numbering: `hmtx` (one full metric per
/// glyph), `hhea`, `maxp`, the filtered `cmap`, `post` without names; the tables dropped by
/// [`prune`] are dropped here too (vertical metrics and VORG among them: PDF has /W2).
pub(crate) fn prune_cff(
    data: &[u8],
    keep: &super::cff::Keep,
) -> Result<(Vec<u8>, usize), Unsupported> {
    let t = tables(data)?;
    let cff = table(data, &t, b"CFF ").ok_or_else(|| bad("no CFF table"))?;
    let maxp = table(data, &t, b"maxp").ok_or_else(|| bad("no maxp table"))?;
    let n = u16_at(maxp, 4).ok_or_else(|| bad("short maxp"))? as usize;
    if n == 0 {
        return Err(bad("maxp counts no glyphs"));
    }
    let pruned = super::cff::prune(cff, keep)?;
    let order = &pruned.order;
    if order.iter().any(|g| *g as usize >= n) || order.len() > n {
        return Err(bad("CFF and maxp disagree on the glyph count"));
    }
    let mut new_of = vec![None; n];
    for (new, old) in order.iter().enumerate() {
        new_of[*old as usize] = Some(new as u16);
    }
    let mut out_tables: Vec<([u8; 4], Vec<u8>)> = vec![(*b"CFF ", pruned.data)];
    let mut m = maxp.to_vec();
    m[4..6].copy_from_slice(&(order.len() as u16).to_be_bytes());
    out_tables.push((*b"maxp", m));
    if let (Some(hmtx), Some(hhea)) = (table(data, &t, b"hmtx"), table(data, &t, b"hhea")) {
        let long = (u16_at(hhea, 34).unwrap_or(0) as usize).clamp(1, n);
        let metric = |g: usize| -> [u8; 4] {
            let adv = u16_at(hmtx, g.min(long - 1) * 4).unwrap_or(0);
            let lsb = if g < long {
                u16_at(hmtx, g * 4 + 2)
            } else {
                u16_at(hmtx, long * 4 + (g - long) * 2)
            }
            .unwrap_or(0);
            let mut b = [0u8; 4];
            b[..2].copy_from_slice(&adv.to_be_bytes());
            b[2..].copy_from_slice(&lsb.to_be_bytes());
            b
        };
        let mut h = Vec::with_capacity(order.len() * 4);
        for old in order {
            h.extend_from_slice(&metric(*old as usize));
        }
        out_tables.push((*b"hmtx", h));
        let mut hh = hhea.to_vec();
        if hh.len() >= 36 {
            hh[34..36].copy_from_slice(&(order.len() as u16).to_be_bytes());
        }
        out_tables.push((*b"hhea", hh));
    }
    if let Some(cmap) = table(data, &t, b"cmap") {
        out_tables.push((
            *b"cmap",
            filter_cmap(cmap, &|g| new_of.get(g as usize).copied().flatten()),
        ));
    }
    if let Some(post) = table(data, &t, b"post")
        && post.len() >= 32
    {
        let mut p = post[..32].to_vec();
        p[..4].copy_from_slice(&0x0003_0000u32.to_be_bytes());
        out_tables.push((*b"post", p));
    }
    let head = table(data, &t, b"head").ok_or_else(|| bad("no head table"))?;
    let mut h = head.to_vec();
    if h.len() < 54 {
        return Err(bad("short head"));
    }
    h[8..12].fill(0);
    out_tables.push((*b"head", h));
    for (tag, off, len) in &t {
        if KEEP_TABLES.contains(&tag) && !out_tables.iter().any(|(g, _)| g == tag) {
            // glyf/loca cannot be there next to CFF outlines; fpgm/prep/cvt are TrueType
            // hinting, meaningless here, but harmless.
            if tag != b"glyf" && tag != b"loca" {
                out_tables.push((*tag, data[*off..*off + *len].to_vec()));
            }
        }
    }
    Ok((assemble(0x4F54_544F, out_tables), pruned.removed))
}

fn loca_offsets(loca: &[u8], short: bool, n: usize) -> Result<Vec<usize>, Unsupported> {
    let mut v = Vec::with_capacity(n + 1);
    for i in 0..=n {
        let o = if short {
            u16_at(loca, i * 2).map(|x| x as usize * 2)
        } else {
            u32_at(loca, i * 4).map(|x| x as usize)
        };
        v.push(o.ok_or_else(|| bad("short loca"))?);
    }
    Ok(v)
}

/// Adds the components of kept composite glyphs (TrueType `glyf`, flags per the spec).
fn closure<'a>(
    keep: &mut BTreeSet<u16>,
    glyph: &dyn Fn(usize) -> &'a [u8],
) -> Result<(), Unsupported> {
    let mut todo: Vec<u16> = keep.iter().copied().collect();
    let mut steps = 0usize;
    while let Some(g) = todo.pop() {
        let d = glyph(g as usize);
        if d.len() < 10 || (d[0] as i8) >= 0 {
            continue;
        }
        let mut p = 10;
        loop {
            steps += 1;
            if steps > MAX_CLOSURE_STEPS {
                return Err(bad("composite glyph closure too large"));
            }
            let (Some(flags), Some(comp)) = (u16_at(d, p), u16_at(d, p + 2)) else {
                break;
            };
            if keep.insert(comp) {
                todo.push(comp);
            }
            p += 4 + if flags & 0x0001 != 0 { 4 } else { 2 };
            p += if flags & 0x0008 != 0 {
                2
            } else if flags & 0x0040 != 0 {
                4
            } else if flags & 0x0080 != 0 {
                8
            } else {
                0
            };
            if flags & 0x0020 == 0 {
                break;
            }
        }
    }
    Ok(())
}

/// A cmap with, for each original subtable (format 14 dropped), only the mappings to kept
/// glyphs (`map`: old glyph id → new, None when removed): format 4 when every code fits
/// 16 bits, otherwise format 12.
fn filter_cmap(cmap: &[u8], map: &dyn Fn(u16) -> Option<u16>) -> Vec<u8> {
    let mut subs: Vec<(u16, u16, Vec<u8>)> = Vec::new();
    if let Some(t) = ttf_parser::cmap::Table::parse(cmap) {
        for st in t.subtables {
            if matches!(
                st.format,
                ttf_parser::cmap::Format::UnicodeVariationSequences(_)
            ) {
                continue;
            }
            let mut codes = Vec::new();
            st.codepoints(|c| {
                if codes.len() < MAX_CMAP_CODES {
                    codes.push(c);
                }
            });
            let mut pairs: Vec<(u32, u16)> = codes
                .into_iter()
                .filter_map(|c| st.glyph_index(c).and_then(|g| Some((c, map(g.0)?))))
                .filter(|(_, g)| *g != 0)
                .collect();
            pairs.sort();
            pairs.dedup_by_key(|p| p.0);
            let body = if pairs.iter().all(|(c, _)| *c <= 0xFFFF) {
                format4(&pairs)
            } else {
                format12(&pairs)
            };
            subs.push((platform_id(st.platform_id), st.encoding_id, body));
        }
    }
    let mut out = Vec::new();
    out.extend_from_slice(&0u16.to_be_bytes());
    out.extend_from_slice(&(subs.len() as u16).to_be_bytes());
    let mut offset = 4 + subs.len() * 8;
    for (p, e, body) in &subs {
        out.extend_from_slice(&p.to_be_bytes());
        out.extend_from_slice(&e.to_be_bytes());
        out.extend_from_slice(&(offset as u32).to_be_bytes());
        offset += body.len();
    }
    for (_, _, body) in subs {
        out.extend(body);
    }
    out
}

/// cmap format 4, one segment per code (plus the final 0xFFFF segment), idRangeOffset 0.
fn format4(pairs: &[(u32, u16)]) -> Vec<u8> {
    let segs = pairs.len() + 1;
    let mut ends = Vec::new();
    let mut starts = Vec::new();
    let mut deltas = Vec::new();
    for (c, g) in pairs {
        ends.push(*c as u16);
        starts.push(*c as u16);
        deltas.push(g.wrapping_sub(*c as u16));
    }
    ends.push(0xFFFF);
    starts.push(0xFFFF);
    deltas.push(1);
    let len = 16 + segs * 8;
    let mut search = 1usize;
    let mut sel = 0u16;
    while search * 2 <= segs {
        search *= 2;
        sel += 1;
    }
    let mut o = Vec::with_capacity(len);
    for v in [
        4u16,
        len.min(0xFFFF) as u16,
        0,
        (segs * 2) as u16,
        (search * 2) as u16,
        sel,
        ((segs - search) * 2) as u16,
    ] {
        o.extend_from_slice(&v.to_be_bytes());
    }
    ends.iter()
        .for_each(|v| o.extend_from_slice(&v.to_be_bytes()));
    o.extend_from_slice(&0u16.to_be_bytes());
    starts
        .iter()
        .for_each(|v| o.extend_from_slice(&v.to_be_bytes()));
    deltas
        .iter()
        .for_each(|v| o.extend_from_slice(&v.to_be_bytes()));
    (0..segs).for_each(|_| o.extend_from_slice(&0u16.to_be_bytes()));
    o
}

/// cmap format 12, one group per code.
fn format12(pairs: &[(u32, u16)]) -> Vec<u8> {
    let mut o = Vec::with_capacity(16 + pairs.len() * 12);
    o.extend_from_slice(&12u16.to_be_bytes());
    o.extend_from_slice(&0u16.to_be_bytes());
    o.extend_from_slice(&((16 + pairs.len() * 12) as u32).to_be_bytes());
    o.extend_from_slice(&0u32.to_be_bytes());
    o.extend_from_slice(&(pairs.len() as u32).to_be_bytes());
    for (c, g) in pairs {
        o.extend_from_slice(&c.to_be_bytes());
        o.extend_from_slice(&c.to_be_bytes());
        o.extend_from_slice(&u32::from(*g).to_be_bytes());
    }
    o
}

fn checksum(d: &[u8]) -> u32 {
    d.chunks(4).fold(0u32, |s, c| {
        let mut b = [0u8; 4];
        b[..c.len()].copy_from_slice(c);
        s.wrapping_add(u32::from_be_bytes(b))
    })
}

/// Writes an sfnt from its tables (sorted by tag, 4-byte aligned, checksums and
/// head.checkSumAdjustment recomputed).
fn assemble(version: u32, mut tabs: Vec<([u8; 4], Vec<u8>)>) -> Vec<u8> {
    tabs.sort_by_key(|a| a.0);
    let n = tabs.len();
    let mut search = 1usize;
    let mut sel = 0u16;
    while search * 2 <= n {
        search *= 2;
        sel += 1;
    }
    let mut out = Vec::new();
    out.extend_from_slice(&version.to_be_bytes());
    for v in [
        n as u16,
        (search * 16) as u16,
        sel,
        ((n - search) * 16) as u16,
    ] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    let mut offset = 12 + n * 16;
    let mut head_at = None;
    for (tag, body) in &tabs {
        out.extend_from_slice(tag);
        out.extend_from_slice(&checksum(body).to_be_bytes());
        out.extend_from_slice(&(offset as u32).to_be_bytes());
        out.extend_from_slice(&(body.len() as u32).to_be_bytes());
        if tag == b"head" {
            head_at = Some(offset);
        }
        offset += body.len().div_ceil(4) * 4;
    }
    for (_, body) in &tabs {
        out.extend_from_slice(body);
        while out.len() % 4 != 0 {
            out.push(0);
        }
    }
    if let Some(h) = head_at {
        let adj = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out));
        out[h + 8..h + 12].copy_from_slice(&adj.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format4_maps_what_it_was_given() {
        let pairs = vec![(0x41, 3), (0x5C71, 7), (0xFF21, 2)];
        let mut cmap = vec![0, 0, 0, 1, 0, 3, 0, 1, 0, 0, 0, 12];
        cmap.extend(format4(&pairs));
        let t = ttf_parser::cmap::Table::parse(&cmap).unwrap();
        let st = t.subtables.get(0).unwrap();
        assert_eq!(st.glyph_index(0x5C71).map(|g| g.0), Some(7));
        assert_eq!(st.glyph_index(0x41).map(|g| g.0), Some(3));
        assert_eq!(st.glyph_index(0x42), None);
    }
}
