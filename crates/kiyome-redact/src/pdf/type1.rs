//! Removing glyphs from an embedded Type 1 program (FontFile; Adobe Type 1 Font Format).
//!
//! The program is a cleartext part, an eexec-encrypted part (r = 55665, binary or hex) and
//! a trailer of zeros and `cleartomark`. The encrypted part is decrypted and tokenised in
//! order (binary charstrings after `RD`/`-|` are skipped by their length, so no byte inside
//! a charstring is ever read as PostScript), and rewritten:
//! - /CharStrings loses the entries of removed glyphs (their names and outlines), and its
//!   dictionary size is set to what is left;
//! - /Subrs entries no kept glyph calls become a bare `return` (numbers 0–3, the flex and
//!   hint-replacement machinery, always stay);
//! - the cleartext /Encoding loses the `dup code /name put` entries of removed glyphs.
//!
//! The result is re-encrypted (binary) and the three lengths are returned for /Length1–3.

use super::cff::Keep;
use super::charstr::{Type1, Usage, t1_decrypt, t1_encrypt};
use super::glyphnames::STANDARD_ENCODING;
use super::sfnt::Unsupported;
use std::collections::{BTreeMap, BTreeSet};

/// Most /Subrs or /CharStrings entries read.
const MAX_ENTRIES: usize = 65_536;

fn bad(s: &str) -> Unsupported {
    Unsupported(s.to_string())
}

/// A rewritten Type 1 program.
#[derive(Debug)]
pub(crate) struct Pruned {
    pub data: Vec<u8>,
    /// Cleartext, encrypted and trailer lengths (/Length1, /Length2, /Length3).
    pub lengths: [usize; 3],
    /// Glyphs removed.
    pub removed: usize,
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\x0C' | 0)
}

fn is_delim(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

/// PostScript tokens with their byte ranges.
struct Lexer<'a> {
    d: &'a [u8],
    pos: usize,
}

impl<'a> Lexer<'a> {
    fn next(&mut self) -> Option<(usize, usize)> {
        let d = self.d;
        loop {
            while self.pos < d.len() && is_ws(d[self.pos]) {
                self.pos += 1;
            }
            if self.pos < d.len() && d[self.pos] == b'%' {
                while self.pos < d.len() && !matches!(d[self.pos], b'\r' | b'\n') {
                    self.pos += 1;
                }
                continue;
            }
            break;
        }
        if self.pos >= d.len() {
            return None;
        }
        let start = self.pos;
        let b = d[start];
        if b == b'(' {
            let mut depth = 0usize;
            while self.pos < d.len() {
                match d[self.pos] {
                    b'\\' => self.pos += 1,
                    b'(' => depth += 1,
                    b')' => {
                        depth -= 1;
                        if depth == 0 {
                            self.pos += 1;
                            break;
                        }
                    }
                    _ => {}
                }
                self.pos += 1;
            }
        } else if is_delim(b) && b != b'/' {
            self.pos += 1;
        } else {
            self.pos += 1;
            while self.pos < d.len() && !is_ws(d[self.pos]) && !is_delim(d[self.pos]) {
                self.pos += 1;
            }
        }
        Some((start, self.pos.min(d.len())))
    }

    fn text(&self, t: (usize, usize)) -> &'a [u8] {
        &self.d[t.0..t.1]
    }

    fn int(&self, t: (usize, usize)) -> Option<i64> {
        std::str::from_utf8(self.text(t)).ok()?.parse().ok()
    }

    /// After an `RD` token: one space, then `n` bytes of binary data.
    fn binary(&mut self, n: usize) -> Result<(usize, usize), Unsupported> {
        let start = self.pos + 1;
        let end = start
            .checked_add(n)
            .filter(|e| *e <= self.d.len())
            .ok_or_else(|| bad("Type 1 charstring beyond the data"))?;
        self.pos = end;
        Ok((start, end))
    }
}

fn is_rd(t: &[u8]) -> bool {
    t == b"RD" || t == b"-|"
}

/// One `dup i n RD <bin> NP` or `/name n RD <bin> ND` entry.
struct Entry {
    /// Subr number, or glyph name.
    key: Vec<u8>,
    /// Whole entry, from `dup` or `/name` to the end of its closing token(s).
    range: (usize, usize),
    bin: (usize, usize),
    rd: Vec<u8>,
    close: Vec<u8>,
}

/// The closing token after a binary entry (`NP`, `|`, `noaccess put`, `ND`, `|-`, …).
fn closing(lx: &mut Lexer<'_>) -> Result<((usize, usize), Vec<u8>), Unsupported> {
    let t = lx.next().ok_or_else(|| bad("truncated Type 1 entry"))?;
    if lx.text(t) == b"noaccess" || lx.text(t) == b"readonly" {
        let u = lx.next().ok_or_else(|| bad("truncated Type 1 entry"))?;
        return Ok(((t.0, u.1), lx.d[t.0..u.1].to_vec()));
    }
    Ok((t, lx.text(t).to_vec()))
}

struct Private {
    len_iv: i64,
    subrs: Vec<Entry>,
    /// Position of the /CharStrings dictionary size.
    cs_count: (usize, usize),
    charstrings: Vec<Entry>,
}

fn parse_private(d: &[u8]) -> Result<Private, Unsupported> {
    let mut lx = Lexer { d, pos: 0 };
    let mut len_iv = 4i64;
    let mut subrs = Vec::new();
    let mut charstrings = Vec::new();
    let mut cs_count = None;
    let mut subrs_seen = false;
    let mut prev: Option<(usize, usize)> = None;
    while let Some(t) = lx.next() {
        match lx.text(t) {
            b"/lenIV" => {
                let v = lx.next().and_then(|v| lx.int(v));
                len_iv = v
                    .filter(|v| (-1..=64).contains(v))
                    .ok_or_else(|| bad("bad /lenIV"))?;
            }
            b"/Subrs" | b"/CharStrings"
                if subrs_seen && lx.text(t) == b"/Subrs"
                    || cs_count.is_some() && lx.text(t) == b"/CharStrings" =>
            {
                // A second set (hybrid fonts) would keep every glyph: not rewritten.
                return Err(bad("Type 1 program with several /Subrs or /CharStrings"));
            }
            b"/Subrs" => {
                subrs_seen = true;
                let _count = lx.next();
                let _array = lx.next();
                loop {
                    let save = lx.pos;
                    let Some(dup) = lx.next() else { break };
                    if lx.text(dup) != b"dup" {
                        lx.pos = save;
                        break;
                    }
                    let idx = lx.next().and_then(|v| lx.int(v));
                    let len = lx.next().and_then(|v| lx.int(v));
                    let rd = lx.next().ok_or_else(|| bad("truncated /Subrs"))?;
                    let (Some(idx), Some(len)) = (idx, len) else {
                        return Err(bad("malformed /Subrs entry"));
                    };
                    if !is_rd(lx.text(rd)) || !(0..MAX_ENTRIES as i64).contains(&idx) || len < 0 {
                        return Err(bad("malformed /Subrs entry"));
                    }
                    let rd = lx.text(rd).to_vec();
                    let bin = lx.binary(len as usize)?;
                    let (c, close) = closing(&mut lx)?;
                    subrs.push(Entry {
                        key: idx.to_string().into_bytes(),
                        range: (dup.0, c.1),
                        bin,
                        rd,
                        close,
                    });
                    if subrs.len() > MAX_ENTRIES {
                        return Err(bad("too many /Subrs"));
                    }
                }
            }
            b"/CharStrings" => {
                let count = lx.next().ok_or_else(|| bad("truncated /CharStrings"))?;
                cs_count = Some(count);
                // `dict dup begin`
                for want in [&b"dict"[..], b"dup", b"begin"] {
                    let t = lx.next().ok_or_else(|| bad("truncated /CharStrings"))?;
                    if lx.text(t) != want {
                        return Err(bad("/CharStrings is not `n dict dup begin`"));
                    }
                }
                loop {
                    let name = lx.next().ok_or_else(|| bad("unterminated /CharStrings"))?;
                    if lx.text(name) == b"end" {
                        break;
                    }
                    let key = lx.text(name);
                    if key.first() != Some(&b'/') {
                        return Err(bad("unexpected token in /CharStrings"));
                    }
                    let key = key[1..].to_vec();
                    let len = lx.next().and_then(|v| lx.int(v));
                    let rd = lx.next().ok_or_else(|| bad("truncated /CharStrings"))?;
                    let Some(len) = len.filter(|l| *l >= 0) else {
                        return Err(bad("malformed /CharStrings entry"));
                    };
                    if !is_rd(lx.text(rd)) {
                        return Err(bad("malformed /CharStrings entry"));
                    }
                    let rd = lx.text(rd).to_vec();
                    let bin = lx.binary(len as usize)?;
                    let (c, close) = closing(&mut lx)?;
                    charstrings.push(Entry {
                        key,
                        range: (name.0, c.1),
                        bin,
                        rd,
                        close,
                    });
                    if charstrings.len() > MAX_ENTRIES {
                        return Err(bad("too many /CharStrings"));
                    }
                }
            }
            t_rd if is_rd(t_rd) => {
                // Some other binary string: skip it by its length.
                if let Some(n) = prev.and_then(|p| lx.int(p)).filter(|n| *n >= 0) {
                    lx.binary(n as usize)?;
                }
            }
            _ => {}
        }
        prev = Some(t);
    }
    let cs_count = cs_count.ok_or_else(|| bad("no /CharStrings"))?;
    Ok(Private {
        len_iv,
        subrs,
        cs_count,
        charstrings,
    })
}

/// The built-in encoding of the cleartext part: code → name, and where each entry is.
enum BuiltIn {
    Standard,
    Custom(Vec<(u8, Vec<u8>, (usize, usize))>),
}

fn parse_encoding(clear: &[u8]) -> Result<BuiltIn, Unsupported> {
    let mut lx = Lexer { d: clear, pos: 0 };
    while let Some(t) = lx.next() {
        if lx.text(t) != b"/Encoding" {
            continue;
        }
        let v = lx.next().ok_or_else(|| bad("truncated /Encoding"))?;
        if lx.text(v) == b"StandardEncoding" {
            return Ok(BuiltIn::Standard);
        }
        let mut out = Vec::new();
        // `256 array 0 1 255 {1 index exch /.notdef put} for dup c /name put … readonly def`
        while let Some(t) = lx.next() {
            match lx.text(t) {
                b"dup" => {
                    let save = lx.pos;
                    let code = lx.next().and_then(|c| lx.int(c));
                    let name = lx.next();
                    let put = lx.next();
                    match (code, name, put) {
                        (Some(c), Some(n), Some(p))
                            if (0..=255).contains(&c)
                                && lx.text(n).first() == Some(&b'/')
                                && lx.text(p) == b"put" =>
                        {
                            out.push((c as u8, lx.text(n)[1..].to_vec(), (t.0, p.1)));
                        }
                        _ => lx.pos = save,
                    }
                }
                b"def" => return Ok(BuiltIn::Custom(out)),
                _ => {}
            }
        }
        return Err(bad("unterminated /Encoding"));
    }
    // No encoding: readers use StandardEncoding.
    Ok(BuiltIn::Standard)
}

fn eexec(data: &[u8], r0: u16, decrypt: bool) -> Vec<u8> {
    let mut r = r0;
    data.iter()
        .map(|&b| {
            let (c, p) = if decrypt {
                (b, b ^ (r >> 8) as u8)
            } else {
                let c = b ^ (r >> 8) as u8;
                (c, c)
            };
            r = (u16::from(c).wrapping_add(r))
                .wrapping_mul(52845)
                .wrapping_add(22719);
            p
        })
        .collect()
}

fn hex_val(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|v| v as u8)
}

/// Cleartext, encrypted bytes (binary; hex decoded) and trailer.
type Split<'a> = (&'a [u8], Vec<u8>, &'a [u8]);

/// The three parts of a Type 1 program.
fn split(data: &[u8], len1: Option<usize>, len2: Option<usize>) -> Result<Split<'_>, Unsupported> {
    if data.first() == Some(&0x80) {
        return Err(bad("Type 1 program in PFB segments"));
    }
    let at = data
        .windows(5)
        .position(|w| w == b"eexec")
        .ok_or_else(|| bad("Type 1 program without an eexec part"))?
        + 5;
    let mut start = at;
    // /Length1 when it ends the cleartext just after `eexec` and its white space;
    // otherwise skip the white space (the encrypted part starts with four random bytes).
    match len1 {
        Some(l) if l >= at && l <= data.len() && data[at..l].iter().all(|b| is_ws(*b)) => start = l,
        _ => {
            while start < data.len() && is_ws(data[start]) {
                start += 1;
            }
        }
    }
    let hex =
        data.len() >= start + 4 && data[start..start + 4].iter().all(|b| hex_val(*b).is_some());
    let end = match len2 {
        Some(l) if !hex && start.checked_add(l).is_some_and(|e| e <= data.len()) && l >= 4 => {
            start + l
        }
        _ => {
            // Before the trailer: 512 zeros (with line breaks) and cleartomark.
            let mut e = data.len();
            if let Some(p) = data.windows(11).rposition(|w| w == b"cleartomark") {
                e = p;
                while e > start && (data[e - 1] == b'0' || is_ws(data[e - 1])) {
                    e -= 1;
                }
            }
            e
        }
    };
    if end < start + 4 {
        return Err(bad("Type 1 encrypted part too short"));
    }
    let enc = if hex {
        let mut out = Vec::with_capacity((end - start) / 2);
        let mut hi: Option<u8> = None;
        for b in &data[start..end] {
            if is_ws(*b) {
                continue;
            }
            let v = hex_val(*b).ok_or_else(|| bad("bad hex in the eexec part"))?;
            match hi.take() {
                Some(h) => out.push(h << 4 | v),
                None => hi = Some(v),
            }
        }
        out
    } else {
        data[start..end].to_vec()
    };
    Ok((&data[..start], enc, &data[end..]))
}

type Parts<'a> = (&'a [u8], Vec<u8>, &'a [u8], Private);

fn parts(data: &[u8], len1: Option<usize>, len2: Option<usize>) -> Result<Parts<'_>, Unsupported> {
    let (clear, enc, trailer) = split(data, len1, len2)?;
    if enc.len() < 4 {
        return Err(bad("Type 1 encrypted part too short"));
    }
    let plain = eexec(&enc, 55665, true);
    let p = parse_private(&plain[4..])?;
    Ok((clear, plain, trailer, p))
}

/// Rewrites `data` (a FontFile stream; `lengths` its /Length1 and /Length2) so that only the
/// glyphs `keep` reaches remain.
pub(crate) fn prune(
    data: &[u8],
    lengths: (Option<usize>, Option<usize>),
    keep: &Keep,
) -> Result<Pruned, Unsupported> {
    if keep.by_cid || keep.by_gid {
        return Err(bad("a Type 1 program behind a CIDFont"));
    }
    // The lengths of the stream dictionary are often wrong: without them the parts are
    // found from the data alone.
    let (clear, plain, trailer, p) = match parts(data, lengths.0, lengths.1) {
        Ok(v) => v,
        Err(e) if lengths != (None, None) => parts(data, None, None).map_err(|_| e)?,
        Err(e) => return Err(e),
    };
    let priv_text = &plain[4..];
    let encoding = parse_encoding(clear)?;
    let by_name: BTreeMap<&[u8], usize> = p
        .charstrings
        .iter()
        .enumerate()
        .map(|(i, e)| (e.key.as_slice(), i))
        .collect();
    let builtin = |c: u8| -> Option<Vec<u8>> {
        match &encoding {
            BuiltIn::Standard => {
                Some(STANDARD_ENCODING[c as usize].as_bytes().to_vec()).filter(|n| !n.is_empty())
            }
            BuiltIn::Custom(v) => v.iter().rev().find(|e| e.0 == c).map(|e| e.1.clone()),
        }
    };
    let mut kept: BTreeSet<usize> = BTreeSet::new();
    let add = |n: &[u8], kept: &mut BTreeSet<usize>| {
        if let Some(i) = by_name.get(n) {
            kept.insert(*i);
        }
    };
    add(b".notdef", &mut kept);
    for n in &keep.names {
        add(n, &mut kept);
    }
    for c in &keep.codes {
        if let Some(n) = builtin(*c) {
            add(&n, &mut kept);
        }
    }
    // Decrypted subrs, by number.
    let max_subr = p
        .subrs
        .iter()
        .filter_map(|e| std::str::from_utf8(&e.key).ok()?.parse::<usize>().ok())
        .max();
    let mut subrs: Vec<Option<Vec<u8>>> = vec![None; max_subr.map_or(0, |m| m + 1)];
    for e in &p.subrs {
        if let Some(k) = std::str::from_utf8(&e.key)
            .ok()
            .and_then(|s| s.parse::<usize>().ok())
        {
            subrs[k] = Some(t1_decrypt(&priv_text[e.bin.0..e.bin.1], p.len_iv));
        }
    }
    let t = Type1 { subrs: &subrs };
    let mut usage = Usage::default();
    let mut done: BTreeSet<usize> = BTreeSet::new();
    loop {
        let todo: Vec<usize> = kept.difference(&done).copied().collect();
        if todo.is_empty() {
            break;
        }
        for g in todo {
            done.insert(g);
            let e = &p.charstrings[g];
            t.analyse(
                &t1_decrypt(&priv_text[e.bin.0..e.bin.1], p.len_iv),
                &mut usage,
            )?;
            for (base, accent) in std::mem::take(&mut usage.seac) {
                for c in [base, accent] {
                    let n = STANDARD_ENCODING[c as usize].as_bytes();
                    let i = by_name
                        .get(n)
                        .ok_or_else(|| bad("seac names a glyph that is not there"))?;
                    kept.insert(*i);
                }
            }
        }
    }
    let kept_names: BTreeSet<&[u8]> = kept
        .iter()
        .map(|i| p.charstrings[*i].key.as_slice())
        .collect();
    let removed = p.charstrings.len() - kept.len();
    // Edits of the private part, by position.
    let mut edits: Vec<((usize, usize), Vec<u8>)> = Vec::new();
    edits.push((p.cs_count, kept.len().to_string().into_bytes()));
    let ret = t1_encrypt(&[11], p.len_iv);
    for e in &p.subrs {
        let k: usize = std::str::from_utf8(&e.key)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        if k <= 3 || usage.local.contains(&k) {
            continue;
        }
        let mut s = format!("dup {k} {} ", ret.len()).into_bytes();
        s.extend_from_slice(&e.rd);
        s.push(b' ');
        s.extend_from_slice(&ret);
        s.push(b' ');
        s.extend_from_slice(&e.close);
        edits.push((e.range, s));
    }
    for (i, e) in p.charstrings.iter().enumerate() {
        if !kept.contains(&i) {
            edits.push((e.range, Vec::new()));
        }
    }
    let new_priv = apply(priv_text, edits)?;
    // The cleartext /Encoding without removed glyphs.
    let mut clear_edits = Vec::new();
    if let BuiltIn::Custom(v) = &encoding {
        for (_, n, r) in v {
            if !kept_names.contains(n.as_slice()) && n != b".notdef" {
                clear_edits.push((*r, Vec::new()));
            }
        }
    }
    let new_clear = apply(clear, clear_edits)?;
    // Re-encrypt; the four leading bytes must not all read as hex digits.
    let mut lead = [plain[0], plain[1], plain[2], plain[3]];
    let mut body = Vec::with_capacity(new_priv.len() + 4);
    for attempt in 0..=255u8 {
        let mut p4 = lead.to_vec();
        p4.extend_from_slice(&new_priv);
        body = eexec(&p4, 55665, false);
        if !body[..4].iter().all(|b| hex_val(*b).is_some()) {
            break;
        }
        lead[0] = attempt;
    }
    let mut out = new_clear.clone();
    out.extend_from_slice(&body);
    out.extend_from_slice(trailer);
    Ok(Pruned {
        lengths: [new_clear.len(), body.len(), trailer.len()],
        data: out,
        removed,
    })
}

/// Applies non-overlapping replacements.
fn apply(d: &[u8], mut edits: Vec<((usize, usize), Vec<u8>)>) -> Result<Vec<u8>, Unsupported> {
    edits.sort_by_key(|e| e.0);
    let mut out = Vec::with_capacity(d.len());
    let mut at = 0usize;
    for ((s, e), new) in edits {
        if s < at || e > d.len() {
            return Err(bad("internal: overlapping Type 1 edits"));
        }
        out.extend_from_slice(&d[at..s]);
        out.extend(new);
        at = e;
    }
    out.extend_from_slice(&d[at..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T1: &[u8] = include_bytes!("../../tests/fonts/t1.pfa");
    const LENGTHS: &str = include_str!("../../tests/fonts/t1.lengths");

    fn lengths() -> (Option<usize>, Option<usize>) {
        let l: Vec<usize> = LENGTHS
            .split_whitespace()
            .map(|v| v.parse().unwrap())
            .collect();
        (Some(l[0]), Some(l[1]))
    }

    fn keep(names: &[&str]) -> Keep {
        Keep {
            names: names.iter().map(|n| n.as_bytes().to_vec()).collect(),
            by_name: true,
            ..Keep::default()
        }
    }

    fn glyphs(data: &[u8]) -> Vec<Vec<u8>> {
        let (_, _, _, p) = parts(data, None, None).unwrap();
        p.charstrings.into_iter().map(|e| e.key).collect()
    }

    #[test]
    fn seac_components_stay_and_pruning_twice_changes_nothing_more() {
        let k = keep(&["Aacute"]);
        let once = prune(T1, lengths(), &k).unwrap();
        let names = glyphs(&once.data);
        assert_eq!(
            names,
            vec![
                b".notdef".to_vec(),
                b"A".to_vec(),
                b"acute".to_vec(),
                b"Aacute".to_vec()
            ]
        );
        assert_eq!(once.removed, 5);
        let l = once.lengths;
        let twice = prune(&once.data, (Some(l[0]), Some(l[1])), &k).unwrap();
        assert_eq!(glyphs(&twice.data), names);
        assert_eq!(twice.removed, 0);
    }

    #[test]
    fn hex_eexec_and_wrong_lengths_are_read_too() {
        let (l1, l2) = lengths();
        let (l1, l2) = (l1.unwrap(), l2.unwrap());
        let mut hex = T1[..l1].to_vec();
        for (i, b) in T1[l1..l1 + l2].iter().enumerate() {
            hex.extend_from_slice(format!("{b:02x}").as_bytes());
            if i % 32 == 31 {
                hex.push(b'\n');
            }
        }
        hex.push(b'\n');
        hex.extend_from_slice(&T1[l1 + l2..]);
        let k = keep(&["B"]);
        let from_hex = prune(&hex, (Some(l1), Some(l2)), &k).unwrap();
        let from_bin = prune(T1, (Some(l1 + 7), Some(3)), &k).unwrap();
        assert_eq!(glyphs(&from_hex.data), glyphs(&from_bin.data));
        assert_eq!(
            glyphs(&from_bin.data),
            vec![b".notdef".to_vec(), b"B".to_vec()]
        );
    }

    #[test]
    fn truncated_and_corrupted_programs_never_panic() {
        let k = keep(&["A", "Aacute"]);
        for len in (0..T1.len()).step_by(3) {
            let _ = prune(&T1[..len], (None, None), &k);
        }
        for i in 0..T1.len() {
            for v in [0x00, 0xFF, b' ', b'/'] {
                let mut d = T1.to_vec();
                d[i] = v;
                let _ = prune(&d, lengths(), &k);
            }
        }
    }
}
