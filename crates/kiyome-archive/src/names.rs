//! Member names: decoding legacy charsets, spotting zip-slip and absolute names, and making
//! safe unique names for rebuilt archives.

use encoding_rs::{GBK, SHIFT_JIS};
use kiyome_core::{Finding, Inspection, Kind, Severity};
use std::collections::HashMap;

/// Decodes a zip member name. Bit 11 of the general-purpose flags says UTF-8 (APPNOTE 4.4.4);
/// without it, valid UTF-8 is still taken as UTF-8 (many tools omit the flag), then CP932 and
/// GBK are tried without replacement and the more plausible reading wins (Japanese kana favour
/// CP932); CP437-era Latin falls back to windows-1252.
pub fn decode_name(raw: &[u8], utf8_flag: bool) -> (String, &'static str) {
    if utf8_flag {
        return (String::from_utf8_lossy(raw).into_owned(), "utf-8");
    }
    if let Ok(s) = std::str::from_utf8(raw) {
        return (
            s.to_string(),
            if raw.is_ascii() { "ascii" } else { "utf-8" },
        );
    }
    let sjis = strict(SHIFT_JIS, raw);
    let gbk = strict(GBK, raw);
    match (sjis, gbk) {
        (Some(s), Some(g)) => {
            if score_ja(&s) >= score_ja(&g) {
                (s, "cp932")
            } else {
                (g, "gbk")
            }
        }
        (Some(s), None) => (s, "cp932"),
        (None, Some(g)) => (g, "gbk"),
        (None, None) => {
            let (t, _, _) = encoding_rs::WINDOWS_1252.decode(raw);
            (t.into_owned(), "windows-1252")
        }
    }
}

fn strict(enc: &'static encoding_rs::Encoding, raw: &[u8]) -> Option<String> {
    enc.decode_without_bom_handling_and_without_replacement(raw)
        .map(|c| c.into_owned())
}

/// Kana are the strongest sign of Japanese; half-width katakana and private-use characters are
/// typical of a wrong guess.
fn score_ja(s: &str) -> i64 {
    s.chars()
        .map(|c| match c as u32 {
            0x3040..=0x30FF => 3,
            0x4E00..=0x9FFF => 1,
            0xFF61..=0xFF9F => -2,
            0xE000..=0xF8FF => -3,
            _ => 0,
        })
        .sum()
}

/// Checks one member name for path tricks and reports them at `loc`.
pub fn check_name(name: &str, loc: &str, out: &mut Inspection) {
    let slashed = name.replace('\\', "/");
    let drive = slashed.len() >= 2
        && slashed.as_bytes()[0].is_ascii_alphabetic()
        && slashed.as_bytes()[1] == b':';
    if slashed.starts_with('/') || drive {
        out.add(
            Finding::new("archive.absolute_path", Severity::Medium, loc).detail(
                "absolute path or drive letter: extraction writes outside the target folder",
            ),
        );
    }
    if slashed.split('/').any(|c| c == "..") {
        out.add(
            Finding::new("archive.path_traversal", Severity::Medium, loc)
                .detail("'..' component (zip-slip): extraction escapes the target folder"),
        );
    }
    if name.contains('\\') {
        out.add(
            Finding::new("archive.backslash_name", Severity::Low, loc)
                .detail("backslash in a member name (a path separator on Windows only)"),
        );
    }
    if name.chars().any(|c| c.is_control()) {
        out.add(
            Finding::new("archive.control_characters", Severity::Low, loc)
                .detail("control characters in a member name"),
        );
    }
}

/// A key under which two names extract to the same file on a case-insensitive file system.
pub fn collision_key(name: &str) -> String {
    safe_path(name).to_lowercase()
}

/// The name with separators normalised and every dangerous component removed: no drive, no
/// leading slash, no `.`/`..`, no control characters or characters Windows forbids.
pub fn safe_path(name: &str) -> String {
    let slashed = name.replace('\\', "/");
    let mut s = slashed.as_str();
    if s.len() >= 2 && s.as_bytes()[0].is_ascii_alphabetic() && s.as_bytes()[1] == b':' {
        s = &s[2..];
    }
    let parts: Vec<String> = s
        .split('/')
        .filter(|c| !c.is_empty() && *c != "." && *c != "..")
        .map(|c| {
            c.chars()
                .map(|ch| {
                    if ch.is_control() || matches!(ch, '<' | '>' | ':' | '"' | '|' | '?' | '*') {
                        '_'
                    } else {
                        ch
                    }
                })
                .collect::<String>()
                .trim_end_matches(['.', ' '])
                .to_string()
        })
        .filter(|c| !c.is_empty())
        .collect();
    parts.join("/")
}

/// Hands out safe, unique names for a rebuilt archive.
#[derive(Default)]
pub struct Namer {
    used: HashMap<String, usize>,
}

impl Namer {
    /// A safe unique name for a member originally called `name`, whose rebuilt kind is `kind`
    /// (the extension follows the kind when the content changed kind, e.g. docm → docx).
    pub fn name(&mut self, name: &str, kind: Kind, index: usize) -> String {
        let mut n = safe_path(name);
        if n.is_empty() {
            n = format!("member-{index}");
        }
        let claimed = Kind::from_file_name(&n);
        if let Some(k) = claimed
            && !kind.consistent_with_claim(k)
            && k.class() != kind.class()
            && !kind.extensions().is_empty()
        {
            // A conversion (テキストのみ抽出, 画像PDF変換): the original extension stays and
            // the output's is appended, as for top-level outputs (`a.pdf` → `a.pdf.txt`), so
            // that `a.pdf` and `a.docx` do not both become `a.txt`.
            n = format!("{n}.{}", kind.default_extension());
        } else if claimed.is_some_and(|k| k != kind)
            && !kind.extensions().is_empty()
            && let Some((stem, _)) = n.rsplit_once('.')
        {
            n = format!("{stem}.{}", kind.default_extension());
        }
        let mut candidate = n.clone();
        let mut k = 1;
        while self.used.contains_key(&candidate.to_lowercase()) {
            k += 1;
            candidate = match n.rsplit_once('.') {
                Some((stem, ext)) if !stem.is_empty() && !ext.contains('/') => {
                    format!("{stem} ({k}).{ext}")
                }
                _ => format!("{n} ({k})"),
            };
        }
        self.used.insert(candidate.to_lowercase(), index);
        candidate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shift_jis_names_without_the_utf8_flag_decode_as_cp932() {
        let (raw, _, _) = SHIFT_JIS.encode("日本語のファイル.txt");
        assert_eq!(decode_name(&raw, false).0, "日本語のファイル.txt");
        assert_eq!(decode_name(&raw, false).1, "cp932");
    }

    #[test]
    fn gbk_names_decode_as_gbk() {
        let (raw, _, _) = GBK.encode("中文文件名称.txt");
        let (name, cs) = decode_name(&raw, false);
        assert_eq!((name.as_str(), cs), ("中文文件名称.txt", "gbk"));
    }

    #[test]
    fn zip_slip_and_absolute_names_are_made_safe() {
        assert_eq!(safe_path("../../etc/passwd"), "etc/passwd");
        assert_eq!(safe_path("C:\\Windows\\x.dll"), "Windows/x.dll");
        assert_eq!(safe_path("/abs/./a"), "abs/a");
        let mut out = Inspection::default();
        check_name("..\\..\\evil.txt", "m", &mut out);
        assert!(out.has("archive.path_traversal") && out.has("archive.backslash_name"));
        check_name("/etc/passwd", "m", &mut out);
        assert!(out.has("archive.absolute_path"));
    }

    #[test]
    fn namer_dedupes_case_insensitively_and_follows_kind() {
        let mut n = Namer::default();
        assert_eq!(n.name("a.txt", Kind::Text, 0), "a.txt");
        assert_eq!(n.name("A.TXT", Kind::Text, 1), "A (2).TXT");
        assert_eq!(n.name("m.docm", Kind::Docx, 2), "m.docx");
        assert_eq!(n.name("../..", Kind::Text, 3), "member-3");
        // Conversions keep the original extension: no clash between a.pdf and a.docx.
        assert_eq!(n.name("r.pdf", Kind::Text, 4), "r.pdf.txt");
        assert_eq!(n.name("r.docx", Kind::Text, 5), "r.docx.txt");
        assert_eq!(n.name("r.docx", Kind::Pdf, 6), "r.docx.pdf");
        // Text of a CSV is not a CSV for Excel to evaluate formulas in.
        assert_eq!(n.name("notes.csv", Kind::Text, 7), "notes.txt");
    }
}
