//! The leak check's own tokeniser for content streams and CMaps (ISO 32000-1 §7.2–7.3,
//! §7.8.2, §8.9.7 inline images). It is written separately from the redaction interpreter
//! (which uses lopdf's content parser) so that a tokenising mistake in one cannot hide a leak
//! from the other.
//!
//! Operands are collected until an operator; the operator and its operands are handed to a
//! callback. Strings keep their decoded bytes (escapes resolved, hex decoded). Inline image
//! data is skipped and handed over as the `BI` operation's data. Bounded: nesting depth,
//! operands per operation and operations per stream.

/// Deepest array/dictionary nesting read.
const MAX_NESTING: usize = 32;
/// Most operands kept for one operator (a TJ array counts as one).
const MAX_OPERANDS: usize = 4096;

/// One operand.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    Num(f64),
    /// A string's bytes (after escapes / hex decoding).
    Str(Vec<u8>),
    Name(Vec<u8>),
    Arr(Vec<Val>),
    Dict(Vec<(Vec<u8>, Val)>),
    /// true, false, null, or anything else that is not an operator here.
    Other,
}

impl Val {
    pub(crate) fn num(&self) -> Option<f64> {
        match self {
            Val::Num(n) if n.is_finite() => Some(*n),
            _ => None,
        }
    }

    pub(crate) fn dict_get(&self, key: &[u8]) -> Option<&Val> {
        match self {
            Val::Dict(d) => d.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

/// One operator with its operands; `data` is the raw sample data of an inline image.
#[derive(Debug)]
pub(crate) struct Op<'a> {
    pub name: &'a [u8],
    pub args: Vec<Val>,
    pub data: &'a [u8],
}

/// Why a stream could not be tokenised (it is then reported unreadable: its strings were not
/// all seen).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LexError {
    TooManyOps(usize),
    Nesting,
    Unterminated(&'static str),
}

impl std::fmt::Display for LexError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LexError::TooManyOps(n) => write!(f, "more than {n} operations"),
            LexError::Nesting => write!(f, "arrays or dictionaries nested too deeply"),
            LexError::Unterminated(what) => write!(f, "unterminated {what}"),
        }
    }
}

fn is_white(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | b'\0')
}

fn is_delim(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

fn is_regular(b: u8) -> bool {
    !is_white(b) && !is_delim(b)
}

struct Lexer<'a> {
    d: &'a [u8],
    i: usize,
}

/// A token: a value, an operator (bare word), or a closing bracket.
enum Tok<'a> {
    V(Val),
    Word(&'a [u8]),
    ArrOpen,
    ArrClose,
    DictOpen,
    DictClose,
}

impl<'a> Lexer<'a> {
    fn skip_white(&mut self) {
        while let Some(&b) = self.d.get(self.i) {
            if is_white(b) {
                self.i += 1;
            } else if b == b'%' {
                while let Some(&c) = self.d.get(self.i) {
                    if c == b'\r' || c == b'\n' {
                        break;
                    }
                    self.i += 1;
                }
            } else {
                break;
            }
        }
    }

    fn token(&mut self) -> Result<Option<Tok<'a>>, LexError> {
        self.skip_white();
        let Some(&b) = self.d.get(self.i) else {
            return Ok(None);
        };
        Ok(Some(match b {
            b'(' => Tok::V(Val::Str(self.literal()?)),
            b'<' if self.d.get(self.i + 1) == Some(&b'<') => {
                self.i += 2;
                Tok::DictOpen
            }
            b'<' => Tok::V(Val::Str(self.hex()?)),
            b'>' if self.d.get(self.i + 1) == Some(&b'>') => {
                self.i += 2;
                Tok::DictClose
            }
            b'[' => {
                self.i += 1;
                Tok::ArrOpen
            }
            b']' => {
                self.i += 1;
                Tok::ArrClose
            }
            b'/' => {
                self.i += 1;
                Tok::V(Val::Name(self.name()))
            }
            b'{' | b'}' | b')' | b'>' => {
                // PostScript procedure brackets (CMaps) and stray closers: skipped.
                self.i += 1;
                Tok::V(Val::Other)
            }
            _ => {
                let s = self.i;
                while self.d.get(self.i).is_some_and(|&c| is_regular(c)) {
                    self.i += 1;
                }
                let w = &self.d[s..self.i];
                match w {
                    b"true" | b"false" | b"null" => Tok::V(Val::Other),
                    _ if w
                        .first()
                        .is_some_and(|c| matches!(c, b'0'..=b'9' | b'+' | b'-' | b'.')) =>
                    {
                        Tok::V(number(w).map_or(Val::Other, Val::Num))
                    }
                    _ => Tok::Word(w),
                }
            }
        }))
    }

    fn name(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        while let Some(&c) = self.d.get(self.i) {
            if !is_regular(c) {
                break;
            }
            self.i += 1;
            if c == b'#'
                && let Some(v) = self
                    .d
                    .get(self.i..self.i + 2)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(v);
                self.i += 2;
                continue;
            }
            out.push(c);
        }
        out
    }

    fn literal(&mut self) -> Result<Vec<u8>, LexError> {
        self.i += 1; // (
        let mut out = Vec::new();
        let mut depth = 1usize;
        loop {
            let Some(&c) = self.d.get(self.i) else {
                return Err(LexError::Unterminated("string"));
            };
            self.i += 1;
            match c {
                b'(' => {
                    depth += 1;
                    out.push(c);
                }
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(out);
                    }
                    out.push(c);
                }
                b'\\' => {
                    let Some(&e) = self.d.get(self.i) else {
                        return Err(LexError::Unterminated("string"));
                    };
                    self.i += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'0'..=b'7' => {
                            let mut v = u32::from(e - b'0');
                            for _ in 0..2 {
                                match self.d.get(self.i) {
                                    Some(&o @ b'0'..=b'7') => {
                                        v = v * 8 + u32::from(o - b'0');
                                        self.i += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push((v & 0xFF) as u8);
                        }
                        b'\r' => {
                            // Line continuation (§7.3.4.2).
                            if self.d.get(self.i) == Some(&b'\n') {
                                self.i += 1;
                            }
                        }
                        b'\n' => {}
                        other => out.push(other),
                    }
                }
                _ => out.push(c),
            }
        }
    }

    fn hex(&mut self) -> Result<Vec<u8>, LexError> {
        self.i += 1; // <
        let mut out = Vec::new();
        let mut half: Option<u8> = None;
        loop {
            let Some(&c) = self.d.get(self.i) else {
                return Err(LexError::Unterminated("hex string"));
            };
            self.i += 1;
            let v = match c {
                b'>' => break,
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' => c - b'a' + 10,
                b'A'..=b'F' => c - b'A' + 10,
                _ => continue, // white space (and, leniently, junk)
            };
            match half.take() {
                Some(h) => out.push(h << 4 | v),
                None => half = Some(v),
            }
        }
        if let Some(h) = half {
            out.push(h << 4);
        }
        Ok(out)
    }

    /// The raw data of an inline image, after the `ID` operator: up to white space, `EI`
    /// and a delimiter (§8.9.7). Unfiltered images of known size are skipped by length.
    fn inline_data(&mut self, dict: &Val) -> &'a [u8] {
        // One white-space byte follows ID.
        if self.d.get(self.i).is_some_and(|&b| is_white(b)) {
            self.i += 1;
        }
        let start = self.i;
        if let Some(n) = unfiltered_len(dict) {
            let end = start.saturating_add(n).min(self.d.len());
            self.i = end;
            self.skip_white();
            if self.d.get(self.i..self.i + 2) == Some(b"EI") {
                let data = &self.d[start..end];
                self.i += 2;
                return data;
            }
            self.i = start;
        }
        let mut j = start;
        while j + 2 <= self.d.len() {
            if &self.d[j..j + 2] == b"EI"
                && (j == start || is_white(self.d[j - 1]))
                && self.d.get(j + 2).is_none_or(|&c| !is_regular(c))
            {
                let end = if j > start { j - 1 } else { j };
                self.i = j + 2;
                return &self.d[start..end];
            }
            j += 1;
        }
        self.i = self.d.len();
        &self.d[start..]
    }
}

fn number(w: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(w).ok()?;
    // PDF writers emit "--5" or "5." or "-.5"; Rust parses most; keep the first sign only.
    let t = s.trim_start_matches(['+', '-']);
    let neg = s.starts_with('-');
    let v: f64 = t.parse().ok().or_else(|| {
        // "1.2.3": keep what parses.
        let cut = t.find(|c: char| !c.is_ascii_digit() && c != '.')?;
        t[..cut].parse().ok()
    })?;
    Some(if neg { -v } else { v })
}

/// Byte length of an unfiltered inline image, from /W /H /BPC and the colour space.
fn unfiltered_len(dict: &Val) -> Option<usize> {
    let get = |a: &[u8], b: &[u8]| dict.dict_get(a).or_else(|| dict.dict_get(b));
    if get(b"F", b"Filter").is_some() {
        return None;
    }
    let w = get(b"W", b"Width")?.num()? as usize;
    let h = get(b"H", b"Height")?.num()? as usize;
    let mask = matches!(get(b"IM", b"ImageMask"), Some(Val::Other));
    let bpc = if mask {
        1
    } else {
        get(b"BPC", b"BitsPerComponent")?.num()? as usize
    };
    let comps = match get(b"CS", b"ColorSpace") {
        _ if mask => 1,
        Some(Val::Name(n)) => match n.as_slice() {
            b"G" | b"DeviceGray" | b"I" | b"Indexed" => 1,
            b"RGB" | b"DeviceRGB" => 3,
            b"CMYK" | b"DeviceCMYK" => 4,
            _ => return None,
        },
        Some(Val::Arr(a)) if matches!(a.first(), Some(Val::Name(n)) if n == b"I" || n == b"Indexed") => {
            1
        }
        _ => return None,
    };
    let row = (w.checked_mul(comps)?.checked_mul(bpc)?).div_ceil(8);
    row.checked_mul(h)
}

/// Calls `f` for every operation of `data`, at most `max_ops`. Errors stop the walk (what
/// was seen before is kept by the caller).
pub(crate) fn for_each_op<'a>(
    data: &'a [u8],
    max_ops: usize,
    mut f: impl FnMut(Op<'a>) -> bool,
) -> Result<usize, LexError> {
    let mut lx = Lexer { d: data, i: 0 };
    let mut args: Vec<Val> = Vec::new();
    // Open arrays/dictionaries: (is_dict, items).
    let mut stack: Vec<(bool, Vec<Val>)> = Vec::new();
    let mut ops = 0usize;
    while let Some(t) = lx.token()? {
        let v = match t {
            Tok::ArrOpen | Tok::DictOpen => {
                if stack.len() >= MAX_NESTING {
                    return Err(LexError::Nesting);
                }
                stack.push((matches!(t, Tok::DictOpen), Vec::new()));
                continue;
            }
            Tok::ArrClose | Tok::DictClose => match stack.pop() {
                Some((false, items)) => Val::Arr(items),
                Some((true, items)) => Val::Dict(pairs(items)),
                None => continue,
            },
            Tok::V(v) => v,
            Tok::Word(w) => {
                if let Some((_, items)) = stack.last_mut() {
                    // A bare word inside an array (CMap procedures, junk): kept as Other.
                    let _ = w;
                    items.push(Val::Other);
                    continue;
                }
                ops += 1;
                if ops > max_ops {
                    return Err(LexError::TooManyOps(max_ops));
                }
                if w == b"BI" {
                    // Inline image: key/value pairs up to ID, then the data.
                    let mut items = Vec::new();
                    loop {
                        match lx.token()? {
                            None => return Err(LexError::Unterminated("inline image")),
                            Some(Tok::Word(b"ID")) => break,
                            Some(Tok::V(v)) => items.push(v),
                            Some(Tok::Word(_)) => items.push(Val::Other),
                            Some(Tok::ArrOpen) => items.push(Val::Arr(inline_array(&mut lx)?)),
                            Some(_) => items.push(Val::Other),
                        }
                        if items.len() > MAX_OPERANDS {
                            return Err(LexError::Unterminated("inline image"));
                        }
                    }
                    let dict = Val::Dict(pairs(items));
                    let data = lx.inline_data(&dict);
                    args.clear();
                    if !f(Op {
                        name: b"BI",
                        args: vec![dict],
                        data,
                    }) {
                        return Err(LexError::TooManyOps(ops));
                    }
                    continue;
                }
                if !f(Op {
                    name: w,
                    args: std::mem::take(&mut args),
                    data: &[],
                }) {
                    return Err(LexError::TooManyOps(ops));
                }
                continue;
            }
        };
        match stack.last_mut() {
            Some((_, items)) => items.push(v),
            None => {
                if args.len() < MAX_OPERANDS {
                    args.push(v);
                }
            }
        }
    }
    Ok(ops)
}

fn inline_array(lx: &mut Lexer<'_>) -> Result<Vec<Val>, LexError> {
    let mut items = Vec::new();
    loop {
        match lx.token()? {
            None => return Err(LexError::Unterminated("array")),
            Some(Tok::ArrClose) => return Ok(items),
            Some(Tok::V(v)) => items.push(v),
            Some(_) => items.push(Val::Other),
        }
        if items.len() > MAX_OPERANDS {
            return Err(LexError::Nesting);
        }
    }
}

fn pairs(items: Vec<Val>) -> Vec<(Vec<u8>, Val)> {
    let mut out = Vec::new();
    let mut it = items.into_iter();
    while let Some(k) = it.next() {
        let v = it.next().unwrap_or(Val::Other);
        if let Val::Name(k) = k {
            out.push((k, v));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ops(data: &[u8]) -> Vec<(String, Vec<Val>, Vec<u8>)> {
        let mut out = Vec::new();
        for_each_op(data, 1000, |op| {
            out.push((
                String::from_utf8_lossy(op.name).into_owned(),
                op.args,
                op.data.to_vec(),
            ));
            true
        })
        .unwrap();
        out
    }

    #[test]
    fn strings_escapes_hex_arrays_and_dicts() {
        let o = ops(
            b"BT /F1 12 Tf [(a\\(b\\)) -120 <30 4>] TJ (x\\101\\\ny) Tj ET\n\
              /Span <</ActualText (\\376\\377\\0a)>> BDC EMC % comment (not a string)\n",
        );
        let names: Vec<&str> = o.iter().map(|x| x.0.as_str()).collect();
        assert_eq!(names, ["BT", "Tf", "TJ", "Tj", "ET", "BDC", "EMC"]);
        assert_eq!(
            o[2].1,
            vec![Val::Arr(vec![
                Val::Str(b"a(b)".to_vec()),
                Val::Num(-120.0),
                Val::Str(vec![0x30, 0x40]),
            ])]
        );
        assert_eq!(o[3].1, vec![Val::Str(b"xAy".to_vec())]);
        assert_eq!(
            o[5].1[1].dict_get(b"ActualText"),
            Some(&Val::Str(vec![0xFE, 0xFF, 0, b'a']))
        );
    }

    #[test]
    fn inline_image_data_is_skipped_even_when_it_contains_ei() {
        let mut s = b"q BI /W 2 /H 1 /BPC 8 /CS /G ID ".to_vec();
        s.extend(b"EI");
        s.extend(b" EI Q (after) Tj");
        let o = ops(&s);
        let names: Vec<&str> = o.iter().map(|x| x.0.as_str()).collect();
        assert_eq!(names, ["q", "BI", "Q", "Tj"]);
        assert_eq!(o[1].2, b"EI");
        assert_eq!(o[3].1, vec![Val::Str(b"after".to_vec())]);
    }

    #[test]
    fn limits_and_unterminated_input() {
        assert_eq!(
            for_each_op(b"q Q q Q", 3, |_| true),
            Err(LexError::TooManyOps(3))
        );
        assert!(for_each_op(b"(open", 10, |_| true).is_err());
        let deep = "[".repeat(100);
        assert_eq!(
            for_each_op(deep.as_bytes(), 10, |_| true),
            Err(LexError::Nesting)
        );
    }
}
