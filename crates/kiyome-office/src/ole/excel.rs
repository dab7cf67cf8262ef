//! Excel 5-2003 workbook globals (BIFF5 `Book` / BIFF8 `Workbook` streams, [MS-XLS] 2.4):
//! macro sheets, Auto_Open names, DDE links and encryption.

use kiyome_core::{Ctx, Error, LimitKind};

/// What the workbook globals reveal.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Globals {
    /// Sheets of type Excel 4 macro (0x01) or VB module (0x06): `(name, type, visibility)`.
    pub macro_sheets: Vec<(String, u8, u8)>,
    /// Defined names that auto-run (built-in Auto_Open / Auto_Close or names spelled so).
    pub auto_names: Vec<String>,
    /// DDE links (SupBook whose virtual path is `server\x03topic`): `server|topic`, shortened.
    pub dde_links: Vec<String>,
    /// External workbook references (SupBook with a path).
    pub external_links: Vec<String>,
    /// A FILEPASS record: the workbook is encrypted or XOR-obfuscated.
    pub encrypted: bool,
    /// An OBJPROJ record: the workbook declares a VBA project.
    pub declares_vba: bool,
}

const BOUNDSHEET: u16 = 0x0085;
const NAME: u16 = 0x0018;
const FILEPASS: u16 = 0x002F;
const SUPBOOK: u16 = 0x01AE;
const OBJPROJ: u16 = 0x00D3;
const EOF: u16 = 0x000A;

/// Walks the records of the workbook globals substream (up to the first EOF).
pub fn scan(stream: &[u8], biff8: bool, ctx: &Ctx<'_>) -> Result<Globals, Error> {
    let mut g = Globals::default();
    let mut pos = 0usize;
    let max = ctx.limits().max_objects;
    let mut n: u64 = 0;
    while pos + 4 <= stream.len() {
        n += 1;
        if n > max {
            return Err(Error::limit(LimitKind::Objects, n, max));
        }
        if n.is_multiple_of(4096) {
            ctx.budget.check_time()?;
        }
        let ty = u16::from_le_bytes([stream[pos], stream[pos + 1]]);
        let len = u16::from_le_bytes([stream[pos + 2], stream[pos + 3]]) as usize;
        let body = stream
            .get(pos + 4..(pos + 4 + len).min(stream.len()))
            .unwrap_or(&[]);
        pos += 4 + len;
        match ty {
            BOUNDSHEET => {
                if let (Some(&state), Some(&dt)) = (body.get(4), body.get(5))
                    && (dt == 0x01 || dt == 0x06)
                {
                    let name = short_string(body.get(6..).unwrap_or(&[]), biff8);
                    g.macro_sheets.push((name, dt, state & 0x03));
                }
            }
            NAME => {
                if let Some(name) = name_record(body, biff8) {
                    g.auto_names.push(name);
                }
            }
            FILEPASS => {
                // Every later record body is encrypted ([MS-XLS] 2.2.10): stop here.
                g.encrypted = true;
                break;
            }
            OBJPROJ => g.declares_vba = true,
            SUPBOOK => supbook(body, biff8, &mut g),
            EOF if n > 1 => break,
            _ => {}
        }
    }
    Ok(g)
}

/// A ShortXLUnicodeString (BIFF8: cch, flags, chars) or a BIFF5 byte string (cch, chars).
fn short_string(b: &[u8], biff8: bool) -> String {
    let Some(&cch) = b.first() else {
        return String::new();
    };
    if biff8 {
        let high = b.get(1).is_some_and(|f| f & 1 != 0);
        chars(b.get(2..).unwrap_or(&[]), cch as usize, high)
    } else {
        let end = (1 + cch as usize).min(b.len());
        encoding_rs::WINDOWS_1252.decode(&b[1..end]).0.into_owned()
    }
}

/// `n` characters, 8-bit (compressed UTF-16) or UTF-16LE, bounded by the slice.
fn chars(b: &[u8], n: usize, high: bool) -> String {
    let n = n.min(255);
    if high {
        super::word::utf16(&b[..(n * 2).min(b.len()) & !1])
    } else {
        b[..n.min(b.len())].iter().map(|&c| c as char).collect()
    }
}

/// A NAME (Lbl) record that auto-runs, as a display name.
fn name_record(b: &[u8], biff8: bool) -> Option<String> {
    let grbit = u16::from_le_bytes([*b.first()?, *b.get(1)?]);
    let cch = *b.get(3)? as usize;
    let builtin = grbit & 0x0020 != 0;
    let name = if biff8 {
        let high = b.get(14)? & 1 != 0;
        chars(b.get(15..)?, cch, high)
    } else {
        chars(b.get(14..)?, cch, false)
    };
    if builtin {
        return match name.chars().next()? {
            '\u{1}' => Some("Auto_Open (built-in)".into()),
            '\u{2}' => Some("Auto_Close (built-in)".into()),
            '\u{a}' => Some("Auto_Activate (built-in)".into()),
            '\u{b}' => Some("Auto_Deactivate (built-in)".into()),
            _ => None,
        };
    }
    // Excel runs names that merely start with Auto_Open (Auto_Open2, auto_openXYZ) too.
    let lower = name.to_ascii_lowercase();
    (lower.starts_with("auto_open") || lower.starts_with("auto_close"))
        .then(|| name.chars().take(40).collect())
}

/// SupBook ([MS-XLS] 2.4.271): self-reference and add-in markers are ignored; a virtual
/// path `server\x03topic` is a DDE link; any other path is an external workbook.
fn supbook(b: &[u8], biff8: bool, g: &mut Globals) {
    if b.len() < 4 {
        return;
    }
    let cch = u16::from_le_bytes([b[2], b[3]]);
    if cch == 0x0401 || cch == 0x3A01 || cch == 0 {
        return;
    }
    let path = if biff8 {
        let high = b.get(4).is_some_and(|f| f & 1 != 0);
        chars(b.get(5..).unwrap_or(&[]), cch as usize, high)
    } else {
        chars(b.get(4..).unwrap_or(&[]), cch as usize, false)
    };
    let shown: String = path
        .chars()
        .map(|c| if c == '\u{3}' { '|' } else { c })
        .filter(|c| !c.is_control())
        .take(60)
        .collect();
    if path.contains('\u{3}') {
        g.dde_links.push(shown);
    } else if g.external_links.len() < 32 {
        g.external_links.push(shown);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiyome_core::{Budget, Limits, NoNesting};

    fn rec(ty: u16, body: &[u8]) -> Vec<u8> {
        let mut v = ty.to_le_bytes().to_vec();
        v.extend_from_slice(&(body.len() as u16).to_le_bytes());
        v.extend_from_slice(body);
        v
    }

    #[test]
    fn macro_sheet_autoopen_and_dde_are_found() {
        let mut s = rec(0x0809, &[0; 16]);
        s.extend(rec(
            BOUNDSHEET,
            &[0, 0, 0, 0, 1, 1, 5, 0, b'M', b'a', b'c', b'r', b'o'],
        ));
        let mut name = vec![0x20, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
        name.extend_from_slice(&[0; 4]);
        s.extend(rec(NAME, &name));
        s.extend(rec(
            SUPBOOK,
            &[0, 0, 9, 0, 0, b'c', b'm', b'd', 3, b'/', b'c', b' ', b'x'],
        ));
        s.extend(rec(EOF, &[]));
        let b = Budget::new(&Limits::default());
        let ctx = Ctx::new(&b, &NoNesting);
        let g = scan(&s, true, &ctx).unwrap();
        assert_eq!(g.macro_sheets, vec![("Macro".to_string(), 1, 1)]);
        assert_eq!(g.auto_names, vec!["Auto_Open (built-in)".to_string()]);
        assert_eq!(g.dde_links, vec!["cmd|/c x".to_string()]);
    }

    #[test]
    fn truncated_records_do_not_panic() {
        let s = rec(BOUNDSHEET, &[0, 0, 0, 0, 1, 1, 200]);
        let b = Budget::new(&Limits::default());
        let ctx = Ctx::new(&b, &NoNesting);
        for cut in 0..s.len() {
            let _ = scan(&s[..cut], true, &ctx);
            let _ = scan(&s[..cut], false, &ctx);
        }
    }
}
