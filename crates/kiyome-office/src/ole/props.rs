//! Summary property sets ([MS-OLEPS] 2.21): `\x05SummaryInformation` and
//! `\x05DocumentSummaryInformation`, read for the names of the people and organisations they
//! carry (hidden information, reported as Info).

use super::native::Reader;

/// Most properties read from one section (a real one has about twenty).
const MAX_PROPS: usize = 256;
/// Longest value shown in a report.
const SHOWN_CHARS: usize = 40;

/// Names of the interesting properties of SummaryInformation (FMTID F29F85E0-…).
fn summary_name(id: u32) -> Option<&'static str> {
    Some(match id {
        2 => "title",
        3 => "subject",
        4 => "author",
        5 => "keywords",
        6 => "comments",
        7 => "template",
        8 => "last_author",
        18 => "application",
        _ => return None,
    })
}

/// Names of the interesting properties of DocumentSummaryInformation (FMTID D5CDD502-…).
fn doc_summary_name(id: u32) -> Option<&'static str> {
    Some(match id {
        2 => "category",
        14 => "manager",
        15 => "company",
        _ => return None,
    })
}

/// Reads the text properties of a summary stream: `(name, shortened value)` pairs.
/// `doc_summary` selects the DocumentSummaryInformation names. Malformed streams give what
/// could be read.
pub fn read(data: &[u8], doc_summary: bool) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let mut r = Reader::new(data);
    let Some(_order) = r.u16() else { return out };
    let header = (|| {
        r.take(2 + 4 + 16)?;
        let nsets = r.u32()?;
        if nsets == 0 {
            return None;
        }
        r.take(16)?;
        r.u32()
    })();
    let Some(offset) = header else { return out };
    let Some(section) = data.get(offset as usize..) else {
        return out;
    };
    let mut s = Reader::new(section);
    let (Some(_size), Some(count)) = (s.u32(), s.u32()) else {
        return out;
    };
    let mut ids = Vec::new();
    for _ in 0..(count as usize).min(MAX_PROPS) {
        let (Some(id), Some(off)) = (s.u32(), s.u32()) else {
            break;
        };
        ids.push((id, off));
    }
    // Property 1 is the code page of 8-bit strings (VT_I2).
    let codepage = ids
        .iter()
        .find(|(id, _)| *id == 1)
        .and_then(|(_, off)| section.get(*off as usize + 4..*off as usize + 6))
        .map(|b| u16::from_le_bytes([b[0], b[1]]))
        .unwrap_or(1252);
    for (id, off) in ids {
        let name = if doc_summary {
            doc_summary_name(id)
        } else {
            summary_name(id)
        };
        let Some(name) = name else { continue };
        let Some(v) = section.get(off as usize..).and_then(|b| value(b, codepage)) else {
            continue;
        };
        let v = v.trim_matches(|c: char| c == '\0' || c.is_whitespace());
        if v.is_empty() {
            continue;
        }
        out.push((name, shorten(v)));
    }
    out
}

/// A VT_LPSTR (0x1E) or VT_LPWSTR (0x1F) value.
fn value(b: &[u8], codepage: u16) -> Option<String> {
    let mut r = Reader::new(b);
    let vt = r.u32()? & 0xFFFF;
    let len = r.u32()? as usize;
    match vt {
        0x1E => {
            let bytes = r.take(len.min(r.rest().len()).min(4096))?;
            let bytes = bytes.split(|&c| c == 0).next().unwrap_or(bytes);
            Some(decode_codepage(bytes, codepage))
        }
        0x1F => {
            let n = (len * 2).min(r.rest().len()).min(8192);
            let bytes = r.take(n & !1)?;
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .take_while(|&u| u != 0)
                .collect();
            Some(String::from_utf16_lossy(&units))
        }
        _ => None,
    }
}

/// Decodes 8-bit text in a Windows code page.
pub fn decode_codepage(b: &[u8], codepage: u16) -> String {
    encoding_for_codepage(codepage).decode(b).0.into_owned()
}

/// The encoding of a Windows code page number (CP932 and the other CJK pages included).
pub fn encoding_for_codepage(codepage: u16) -> &'static encoding_rs::Encoding {
    use encoding_rs::*;
    match codepage {
        932 | 10001 => SHIFT_JIS,
        936 => GBK,
        949 => EUC_KR,
        950 => BIG5,
        874 => WINDOWS_874,
        1250 => WINDOWS_1250,
        1251 => WINDOWS_1251,
        1253 => WINDOWS_1253,
        1254 => WINDOWS_1254,
        1255 => WINDOWS_1255,
        1256 => WINDOWS_1256,
        1257 => WINDOWS_1257,
        1258 => WINDOWS_1258,
        65001 => UTF_8,
        _ => WINDOWS_1252,
    }
}

fn shorten(v: &str) -> String {
    let mut s: String = v
        .chars()
        .filter(|c| !c.is_control())
        .take(SHOWN_CHARS)
        .collect();
    if v.chars().count() > SHOWN_CHARS {
        s.push('…');
    }
    s
}
