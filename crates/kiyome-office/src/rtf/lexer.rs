//! A bounded RTF tokenizer that reads the way Word does, not the way the spec says.
//!
//! Word's reader is lax, and RTF exploit kits depend on it (see the oletools rtfobj notes):
//! control words may be very long (Word keeps reading letters), numeric parameters may carry
//! many digits, `\binN` is followed by N raw bytes that may contain braces, and the header
//! need only start with `{\rt`. Every token carries its byte span so that disarm can copy
//! the input verbatim around what it removes.

/// Longest control word name kept; the rest of an overlong name is consumed and ignored.
const MAX_NAME: usize = 64;
/// Digits of a numeric parameter that are read (more are consumed and ignored).
const MAX_DIGITS: usize = 10;

/// One token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tok<'a> {
    /// `{`
    Open,
    /// `}`
    Close,
    /// `\word` or `\wordN` (ASCII letters, case kept: compare case-insensitively).
    Word(&'a [u8], Option<i32>),
    /// `\` followed by a non-letter (`\*`, `\~`, `\\`, `\{`, `\'`-less symbols).
    Symbol(u8),
    /// `\'xx`: one byte given in hex.
    Hex(u8),
    /// `\binN` and its raw bytes.
    Bin(&'a [u8]),
    /// Plain text bytes (no braces or backslashes; CR/LF dropped by the consumer).
    Text(&'a [u8]),
}

/// The tokenizer.
pub struct Lexer<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Lexer<'a> {
    /// A lexer at the start of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Lexer { data, pos: 0 }
    }

    /// Current byte offset.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// The next token and its span `(start, end)`.
    pub fn next_tok(&mut self) -> Option<(Tok<'a>, usize, usize)> {
        let d = self.data;
        let start = self.pos;
        let b = *d.get(start)?;
        let tok = match b {
            b'{' => {
                self.pos += 1;
                Tok::Open
            }
            b'}' => {
                self.pos += 1;
                Tok::Close
            }
            b'\\' => self.control(),
            _ => {
                let n = d[start..]
                    .iter()
                    .position(|&c| c == b'{' || c == b'}' || c == b'\\')
                    .unwrap_or(d.len() - start);
                self.pos += n;
                Tok::Text(&d[start..start + n])
            }
        };
        Some((tok, start, self.pos))
    }

    fn control(&mut self) -> Tok<'a> {
        let d = self.data;
        self.pos += 1;
        let Some(&c) = d.get(self.pos) else {
            return Tok::Symbol(b'\\');
        };
        if c.is_ascii_alphabetic() {
            let s = self.pos;
            while d.get(self.pos).is_some_and(|c| c.is_ascii_alphabetic()) {
                self.pos += 1;
            }
            let name = &d[s..self.pos.min(s + MAX_NAME)];
            let mut param: Option<i64> = None;
            let neg = d.get(self.pos) == Some(&b'-')
                && d.get(self.pos + 1).is_some_and(|c| c.is_ascii_digit());
            if neg {
                self.pos += 1;
            }
            let mut digits = 0;
            while let Some(&c) = d.get(self.pos).filter(|c| c.is_ascii_digit()) {
                if digits < MAX_DIGITS {
                    param = Some(param.unwrap_or(0) * 10 + i64::from(c - b'0'));
                }
                digits += 1;
                self.pos += 1;
            }
            // One space after a control word is its delimiter and belongs to it.
            if d.get(self.pos) == Some(&b' ') {
                self.pos += 1;
            }
            let param = param.map(|p| {
                let p = if neg { -p } else { p };
                p.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
            });
            if name.eq_ignore_ascii_case(b"bin") {
                let n = param.unwrap_or(0).max(0) as usize;
                let s = self.pos;
                let e = s.saturating_add(n).min(d.len());
                self.pos = e;
                return Tok::Bin(&d[s..e]);
            }
            return Tok::Word(name, param);
        }
        self.pos += 1;
        if c == b'\'' {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (
                d.get(self.pos).and_then(|&c| hex(c)),
                d.get(self.pos + 1).and_then(|&c| hex(c)),
            ) {
                self.pos += 2;
                return Tok::Hex((h * 16 + l) as u8);
            }
            return Tok::Symbol(b'\'');
        }
        Tok::Symbol(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &[u8]) -> Vec<Tok<'_>> {
        let mut l = Lexer::new(s);
        std::iter::from_fn(|| l.next_tok().map(|t| t.0)).collect()
    }

    #[test]
    fn words_params_hex_and_bin() {
        let t = toks(b"{\\rtf1\\ansicpg932 a\\'82\\u-3 \\bin3 {}}x}");
        assert_eq!(t[0], Tok::Open);
        assert_eq!(t[1], Tok::Word(b"rtf", Some(1)));
        assert_eq!(t[2], Tok::Word(b"ansicpg", Some(932)));
        assert_eq!(t[3], Tok::Text(b"a"));
        assert_eq!(t[4], Tok::Hex(0x82));
        assert_eq!(t[5], Tok::Word(b"u", Some(-3)));
        assert_eq!(t[6], Tok::Bin(b"{}}"));
        assert_eq!(t[7], Tok::Text(b"x"));
    }

    #[test]
    fn overlong_words_and_huge_params_are_bounded() {
        let mut s = b"\\".to_vec();
        s.extend(std::iter::repeat_n(b'a', 100_000));
        s.extend(std::iter::repeat_n(b'9', 1000));
        s.extend_from_slice(b"\\bin99999999999 x");
        let t = toks(&s);
        assert!(matches!(t[0], Tok::Word(n, Some(_)) if n.len() == MAX_NAME));
        assert_eq!(t[1], Tok::Bin(b"x"));
    }
}
