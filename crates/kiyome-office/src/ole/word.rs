//! Word 97-2003 (`WordDocument` stream, [MS-DOC]): the FIB flags that matter for safety and
//! the document text, rebuilt from the piece table, scanned for DDE field instructions.

use super::native::Reader;

/// What the File Information Block says.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Fib {
    /// FibBase.fEncrypted (RC4 or CryptoAPI encryption; also set with XOR obfuscation).
    pub encrypted: bool,
    /// FibBase.fObfuscated (XOR obfuscation).
    pub obfuscated: bool,
    /// FibBase.fWhichTblStm: the table stream is `1Table` (else `0Table`).
    pub table1: bool,
    /// fcClx / lcbClx: where the piece table lives in the table stream.
    pub clx: Option<(u32, u32)>,
}

/// Parses the FIB at the start of the `WordDocument` stream ([MS-DOC] 2.5.1).
pub fn parse_fib(wd: &[u8]) -> Option<Fib> {
    let mut r = Reader::new(wd);
    if r.u16()? != 0xA5EC {
        return None;
    }
    let _nfib = r.u16()?;
    r.take(6)?;
    let flags = r.u16()?;
    let mut fib = Fib {
        encrypted: flags & 0x0100 != 0,
        obfuscated: flags & 0x8000 != 0,
        table1: flags & 0x0200 != 0,
        clx: None,
    };
    // FibBase is 32 bytes; then csw, fibRgW, cslw, fibRgLw, cbRgFcLcb, fibRgFcLcb
    // (section 2.5.1). fcClx/lcbClx is the 34th pair of FibRgFcLcb97.
    let mut r = Reader::new(wd);
    r.take(32)?;
    let csw = r.u16()? as usize;
    r.take(csw * 2)?;
    let cslw = r.u16()? as usize;
    r.take(cslw * 4)?;
    let pairs = r.u16()? as usize;
    if pairs > 33 {
        r.take(33 * 8)?;
        fib.clx = Some((r.u32()?, r.u32()?));
    }
    Some(fib)
}

/// Most characters of document text examined for fields (8 M characters).
const MAX_TEXT_CHARS: usize = 8 << 20;

/// The document text from the piece table ([MS-DOC] 2.9.38 Clx, 2.9.177 Pcd). `None` when
/// the piece table cannot be read; the caller then scans the raw stream instead.
pub fn text(wd: &[u8], table: &[u8], fib: &Fib) -> Option<String> {
    let (fc, lcb) = fib.clx?;
    let clx = table.get(fc as usize..(fc as usize).checked_add(lcb as usize)?)?;
    let mut r = Reader::new(clx);
    // Skip Prc entries (clxt = 1), then the Pcdt (clxt = 2).
    loop {
        match r.take(1)?[0] {
            1 => {
                let n = r.u16()? as usize;
                r.take(n)?;
            }
            2 => break,
            _ => return None,
        }
    }
    let lcb = r.u32()? as usize;
    let plc = r.take(lcb.min(r.rest().len()))?;
    if plc.len() < 4 {
        return None;
    }
    let n = (plc.len() - 4) / 12;
    let cp = |i: usize| -> Option<u32> {
        let b = plc.get(i * 4..i * 4 + 4)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let mut out = String::new();
    for i in 0..n {
        let (start, end) = (cp(i)?, cp(i + 1)?);
        let count = end.saturating_sub(start) as usize;
        let pcd = plc.get((n + 1) * 4 + i * 8..(n + 1) * 4 + i * 8 + 8)?;
        let fc = u32::from_le_bytes([pcd[2], pcd[3], pcd[4], pcd[5]]);
        let compressed = fc & 0x4000_0000 != 0;
        let fc = (fc & 0x3FFF_FFFF) as usize;
        if out.len() + count > MAX_TEXT_CHARS {
            break;
        }
        if compressed {
            let off = fc / 2;
            let bytes = wd.get(off..off.saturating_add(count).min(wd.len()))?;
            out.push_str(&encoding_rs::WINDOWS_1252.decode(bytes).0);
        } else {
            let bytes = wd.get(fc..fc.saturating_add(count * 2).min(wd.len()))?;
            out.push_str(&utf16(bytes));
        }
    }
    Some(out)
}

/// Decodes UTF-16LE, lossy.
pub fn utf16(b: &[u8]) -> String {
    let units: Vec<u16> = b
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16_lossy(&units)
}

/// A field instruction that reaches outside the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DdeField {
    /// The field keyword, upper case (`DDE`, `DDEAUTO`, `INCLUDETEXT`, …).
    pub keyword: String,
    /// The first argument (the program or path), shortened.
    pub target: String,
}

/// Field keywords that start a program or fetch content (DDE runs a program; the INCLUDE
/// fields and IMPORT load remote files, an NTLM-leak and template-injection vector).
const OUTSIDE_KEYWORDS: &[&str] = &[
    "DDEAUTO",
    "DDE",
    "INCLUDETEXT",
    "INCLUDEPICTURE",
    "IMPORT",
    "INCLUDE",
];

/// Finds field instructions (between field-begin 0x13 and separator 0x14 / end 0x15) whose
/// keyword is DDE-like. INCLUDE* fields count only when they name a remote or UNC path.
pub fn dde_fields(text: &str) -> Vec<DdeField> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find('\u{13}') {
        rest = &rest[i + 1..];
        let end = rest
            .find(['\u{13}', '\u{14}', '\u{15}'])
            .unwrap_or(rest.len());
        let instr: String = rest[..end].chars().take(2048).collect();
        if let Some(f) = classify_instruction(&instr) {
            found.push(f);
        }
        if found.len() >= 64 {
            break;
        }
    }
    found
}

/// Classifies one field instruction (also used for RTF `\fldinst`).
pub fn classify_instruction(instr: &str) -> Option<DdeField> {
    let t = instr.trim_start_matches(|c: char| c.is_whitespace() || c == '\\' || c == '"');
    let kw: String = t
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect::<String>()
        .to_ascii_uppercase();
    if !OUTSIDE_KEYWORDS.contains(&kw.as_str()) {
        return None;
    }
    let args = t.get(kw.len()..).unwrap_or("").trim();
    if kw.starts_with("INCLUDE") || kw == "IMPORT" {
        let lower = args.to_ascii_lowercase();
        let remote = lower.contains("://") || args.trim_start_matches('"').starts_with("\\\\");
        if !remote {
            return None;
        }
    }
    let target: String = args
        .trim_matches('"')
        .split(['"', ' '])
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control())
        .take(60)
        .collect();
    Some(DdeField {
        keyword: kw,
        target,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ddeauto_field_is_found_and_plain_fields_are_not() {
        let t = "Hello \u{13} DDEAUTO c:\\\\windows\\\\cmd.exe \"/c calc\" \u{14}x\u{15} \
                 \u{13} PAGE \u{15} \u{13}INCLUDEPICTURE \"img.png\"\u{15}";
        let f = dde_fields(t);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].keyword, "DDEAUTO");
        assert!(f[0].target.contains("cmd.exe"));
    }

    #[test]
    fn remote_includepicture_counts() {
        let f = classify_instruction(" INCLUDEPICTURE \"http://evil.example/a.png\" \\d").unwrap();
        assert_eq!(f.keyword, "INCLUDEPICTURE");
    }

    #[test]
    fn fib_flags() {
        let mut wd = vec![0u8; 600];
        wd[0] = 0xEC;
        wd[1] = 0xA5;
        wd[10] = 0x00;
        wd[11] = 0x03; // fEncrypted | fWhichTblStm
        assert!(parse_fib(&wd).unwrap().encrypted);
        assert!(parse_fib(&wd).unwrap().table1);
        assert!(parse_fib(b"nope").is_none());
    }
}
