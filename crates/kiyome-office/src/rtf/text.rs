//! Visible text of an RTF document, decoded the way Word shows it: `\'xx` bytes in the code
//! page of the current font (`\fcharset128` → Shift_JIS) or of the document (`\ansicpgN`),
//! `\uN` characters with their `\ucN` fallbacks skipped, destinations that are not shown
//! (font table, styles, pictures, objects, field instructions, `\*` groups) skipped.

use super::lexer::{Lexer, Tok};
use crate::ole::props::encoding_for_codepage;
use kiyome_core::Error;
use std::collections::HashMap;

/// Destinations whose content is not document text.
const HIDDEN: &[&[u8]] = &[
    b"fonttbl",
    b"colortbl",
    b"stylesheet",
    b"info",
    b"pict",
    b"objdata",
    b"objclass",
    b"objname",
    b"fldinst",
    b"themedata",
    b"colorschememapping",
    b"datastore",
    b"latentstyles",
    b"listtable",
    b"listoverridetable",
    b"rsidtbl",
    b"generator",
    b"xmlnstbl",
    b"filetbl",
    b"revtbl",
    b"pgdsctbl",
    b"bkmkstart",
    b"bkmkend",
    b"template",
    b"userprops",
    b"docvar",
    b"xmlopen",
    b"mmathPr",
    b"shpinst",
    b"nonshppict",
];

#[derive(Clone)]
struct State {
    hidden: bool,
    uc: u32,
    codepage: u16,
    in_fonttbl: bool,
    first: bool,
}

/// Extracts the visible text of an RTF document. Paragraph and line breaks become `\n`.
pub fn rtf_text(data: &[u8]) -> Result<String, Error> {
    if !data.starts_with(b"{\\rt") && !data.trim_ascii_start().starts_with(b"{\\rt") {
        return Err(Error::parse("rtf", "no {\\rt header"));
    }
    let mut out = String::new();
    let mut lx = Lexer::new(data);
    let mut doc_cp: u16 = 1252;
    let mut fonts: HashMap<i32, u16> = HashMap::new();
    let mut font_def: Option<i32> = None;
    let mut st = State {
        hidden: false,
        uc: 1,
        codepage: 1252,
        in_fonttbl: false,
        first: true,
    };
    let mut stack: Vec<State> = Vec::new();
    let mut pending: Vec<u8> = Vec::new();
    let mut skip = 0u32;
    let flush = |pending: &mut Vec<u8>, out: &mut String, cp: u16| {
        if !pending.is_empty() {
            out.push_str(&encoding_for_codepage(cp).decode(pending).0);
            pending.clear();
        }
    };
    let mut high_surrogate: Option<u16> = None;
    while let Some((tok, _, _)) = lx.next_tok() {
        if out.len() > 64 << 20 {
            break;
        }
        if !matches!(tok, Tok::Hex(_)) {
            flush(&mut pending, &mut out, st.codepage);
        }
        // Fallback characters after \uN are skipped (hex escapes and text both count).
        if skip > 0 {
            match tok {
                Tok::Hex(_) => {
                    skip -= 1;
                    continue;
                }
                Tok::Text(t) if !t.is_empty() => {
                    let n = (skip as usize).min(t.len());
                    skip -= n as u32;
                    if !st.hidden && n < t.len() {
                        if high_surrogate.take().is_some() {
                            out.push('\u{fffd}');
                        }
                        push_text(&mut out, &t[n..]);
                    }
                    continue;
                }
                Tok::Open | Tok::Close => skip = 0,
                _ => {}
            }
        }
        match tok {
            Tok::Open => {
                if stack.len() > 4096 {
                    return Err(Error::parse("rtf", "groups nested deeper than 4096"));
                }
                stack.push(st.clone());
                st.first = true;
            }
            Tok::Close => {
                if let Some(s) = stack.pop() {
                    st = s;
                }
                if st.in_fonttbl {
                    font_def = None;
                }
            }
            Tok::Symbol(b'*') => {
                st.hidden = true;
            }
            Tok::Symbol(c) => {
                st.first = false;
                if st.hidden {
                    continue;
                }
                match c {
                    b'~' => out.push('\u{a0}'),
                    b'_' => out.push('-'),
                    b'\\' | b'{' | b'}' => out.push(c as char),
                    b'\n' | b'\r' => out.push('\n'),
                    _ => {}
                }
            }
            Tok::Word(name, p) => {
                let lname = name.to_ascii_lowercase();
                if st.first && HIDDEN.contains(&lname.as_slice()) {
                    st.hidden = true;
                    st.in_fonttbl = lname == b"fonttbl";
                }
                st.first = false;
                match lname.as_slice() {
                    b"ansicpg" => doc_cp = p.unwrap_or(1252) as u16,
                    b"uc" => st.uc = p.unwrap_or(1).clamp(0, 16) as u32,
                    b"f" if st.in_fonttbl => font_def = p,
                    b"fcharset" if st.in_fonttbl => {
                        if let (Some(f), Some(cs)) = (font_def, p) {
                            fonts.insert(f, charset_cp(cs, doc_cp));
                        }
                    }
                    b"cpg" if st.in_fonttbl => {
                        if let (Some(f), Some(cp)) = (font_def, p) {
                            fonts.insert(f, cp as u16);
                        }
                    }
                    b"f" => st.codepage = p.and_then(|f| fonts.get(&f).copied()).unwrap_or(doc_cp),
                    b"plain" | b"pard" if st.codepage == 0 => st.codepage = doc_cp,
                    _ => {}
                }
                if lname == b"ansicpg" || lname == b"rtf" {
                    st.codepage = doc_cp;
                }
                if st.hidden {
                    continue;
                }
                match lname.as_slice() {
                    b"par" | b"line" | b"sect" | b"page" | b"row" => out.push('\n'),
                    b"tab" | b"cell" => out.push('\t'),
                    b"emdash" => out.push('—'),
                    b"endash" => out.push('–'),
                    b"lquote" => out.push('‘'),
                    b"rquote" => out.push('’'),
                    b"ldblquote" => out.push('“'),
                    b"rdblquote" => out.push('”'),
                    b"bullet" => out.push('•'),
                    b"u" => {
                        let v = p.unwrap_or(0) as i64;
                        let unit = if v < 0 { (v + 65536) as u16 } else { v as u16 };
                        push_unit(&mut out, unit, &mut high_surrogate);
                        skip = st.uc;
                    }
                    _ => {}
                }
            }
            Tok::Hex(b) => {
                st.first = false;
                if !st.hidden {
                    pending.push(b);
                }
            }
            Tok::Text(t) => {
                if !t.iter().all(|c| c.is_ascii_whitespace()) {
                    st.first = false;
                }
                if !st.hidden && !t.is_empty() && high_surrogate.take().is_some() {
                    // A high surrogate not followed by \u of a low one is shown as U+FFFD.
                    out.push('\u{fffd}');
                }
                if !st.hidden {
                    push_text(&mut out, t);
                }
            }
            Tok::Bin(_) => st.first = false,
        }
    }
    flush(&mut pending, &mut out, st.codepage);
    Ok(out)
}

fn push_text(out: &mut String, t: &[u8]) {
    // Raw bytes outside \'xx are ASCII in valid RTF; CR and LF are not text.
    out.extend(
        t.iter()
            .filter(|&&c| c != b'\r' && c != b'\n')
            .map(|&c| c as char),
    );
}

fn push_unit(out: &mut String, unit: u16, high: &mut Option<u16>) {
    if (0xD800..0xDC00).contains(&unit) {
        *high = Some(unit);
        return;
    }
    if (0xDC00..0xE000).contains(&unit) {
        if let Some(h) = high.take() {
            let c = 0x10000 + ((u32::from(h) - 0xD800) << 10) + (u32::from(unit) - 0xDC00);
            out.push(char::from_u32(c).unwrap_or('\u{fffd}'));
        } else {
            out.push('\u{fffd}');
        }
        return;
    }
    *high = None;
    out.push(char::from_u32(u32::from(unit)).unwrap_or('\u{fffd}'));
}

/// Code page of an RTF `\fcharsetN` ([MS-RTF] font table; 0 = the document's ANSI page).
fn charset_cp(cs: i32, doc: u16) -> u16 {
    match cs {
        128 => 932,
        129 => 949,
        134 => 936,
        136 => 950,
        161 => 1253,
        162 => 1254,
        163 => 1258,
        177 => 1255,
        178 => 1256,
        186 => 1257,
        204 => 1251,
        222 => 874,
        238 => 1250,
        _ => doc,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shift_jis_hex_and_unicode_escapes_decode() {
        let rtf = b"{\\rtf1\\ansi\\ansicpg932{\\fonttbl{\\f0\\fcharset128 MS Mincho;}}\\f0 \
                    \\'93\\'fa\\'96\\'7b\\par \\uc1\\u26481?\\u20140?}";
        let t = rtf_text(rtf).unwrap();
        assert_eq!(t, "日本\n東京");
    }

    #[test]
    fn hidden_destinations_are_not_text() {
        let rtf = b"{\\rtf1{\\*\\generator X;}{\\info{\\author Someone}}Hello{\\*\\objdata 0105}}";
        assert_eq!(rtf_text(rtf).unwrap(), "Hello");
    }
}
