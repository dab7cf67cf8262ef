//! Text detection and Japanese-first charset guessing.
//!
//! Order of evidence: a byte-order mark; ISO-2022-JP escape sequences in 7-bit data; valid
//! UTF-8; UTF-16 without BOM (alternating zero bytes); then Shift_JIS against EUC-JP, scored
//! by how plausible the decoded Japanese is; finally windows-1252 for other 8-bit text.

use encoding_rs::{EUC_JP, Encoding, ISO_2022_JP, SHIFT_JIS, UTF_16BE, UTF_16LE, WINDOWS_1252};
use serde::{Deserialize, Serialize};

/// A character encoding of plain text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Charset {
    /// 7-bit ASCII (also valid UTF-8).
    Ascii,
    /// UTF-8 (with or without BOM).
    Utf8,
    /// UTF-16 little-endian.
    Utf16le,
    /// UTF-16 big-endian.
    Utf16be,
    /// Shift_JIS / CP932.
    ShiftJis,
    /// EUC-JP.
    EucJp,
    /// ISO-2022-JP (JIS, as used in Japanese mail).
    Iso2022Jp,
    /// windows-1252 / Latin-1.
    Windows1252,
}

impl Charset {
    /// The encoding_rs encoding for this charset (Shift_JIS is decoded as CP932).
    pub fn encoding(self) -> &'static Encoding {
        match self {
            Charset::Ascii | Charset::Utf8 => encoding_rs::UTF_8,
            Charset::Utf16le => UTF_16LE,
            Charset::Utf16be => UTF_16BE,
            Charset::ShiftJis => SHIFT_JIS,
            Charset::EucJp => EUC_JP,
            Charset::Iso2022Jp => ISO_2022_JP,
            Charset::Windows1252 => WINDOWS_1252,
        }
    }

    /// The IANA name.
    pub fn name(self) -> &'static str {
        match self {
            Charset::Ascii => "us-ascii",
            Charset::Utf8 => "utf-8",
            Charset::Utf16le => "utf-16le",
            Charset::Utf16be => "utf-16be",
            Charset::ShiftJis => "shift_jis",
            Charset::EucJp => "euc-jp",
            Charset::Iso2022Jp => "iso-2022-jp",
            Charset::Windows1252 => "windows-1252",
        }
    }
}

/// Bytes examined when guessing (the rest of a large file is assumed to follow suit).
const SAMPLE: usize = 1 << 20;

/// Guesses the charset of `data`, or `None` when it does not look like text at all.
pub fn detect_charset(data: &[u8]) -> Option<Charset> {
    let sample = &data[..data.len().min(SAMPLE)];
    if sample.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return Some(Charset::Utf8);
    }
    if sample.starts_with(&[0xFF, 0xFE]) {
        return Some(Charset::Utf16le);
    }
    if sample.starts_with(&[0xFE, 0xFF]) {
        return Some(Charset::Utf16be);
    }
    if let Some(cs) = utf16_without_bom(sample) {
        return Some(cs);
    }
    if has_binary_controls(sample) {
        return None;
    }
    let ascii = sample.iter().all(|b| *b < 0x80);
    if ascii {
        let jis = sample.windows(3).any(|w| {
            w[0] == 0x1B
                && matches!(
                    (w[1], w[2]),
                    (b'$', b'B') | (b'$', b'@') | (b'(', b'J') | (b'(', b'I')
                )
        });
        return Some(if jis {
            Charset::Iso2022Jp
        } else {
            Charset::Ascii
        });
    }
    // A cut in the middle of a multi-byte sequence at the sample edge is not an error.
    let utf8_ok = match std::str::from_utf8(sample) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && sample.len() == SAMPLE,
    };
    if utf8_ok {
        return Some(Charset::Utf8);
    }
    let sjis = japanese_score(SHIFT_JIS, sample);
    let euc = japanese_score(EUC_JP, sample);
    match (sjis, euc) {
        (Some(s), Some(e)) => Some(if e > s {
            Charset::EucJp
        } else {
            Charset::ShiftJis
        }),
        (Some(_), None) => Some(Charset::ShiftJis),
        (None, Some(_)) => Some(Charset::EucJp),
        (None, None) => Some(Charset::Windows1252),
    }
}

/// Decodes `data` as `charset`, replacing malformed sequences with U+FFFD and dropping a BOM.
pub fn decode(data: &[u8], charset: Charset) -> String {
    let (text, _, _) = charset.encoding().decode(data);
    text.into_owned()
}

/// Detects and decodes in one step; non-text input decodes as windows-1252.
pub fn decode_guess(data: &[u8]) -> (String, Charset) {
    let cs = detect_charset(data).unwrap_or(Charset::Windows1252);
    (decode(data, cs), cs)
}

fn has_binary_controls(sample: &[u8]) -> bool {
    let mut controls = 0usize;
    for &b in sample {
        match b {
            0 => return true,
            b'\t' | b'\n' | b'\r' | 0x0C | 0x1B => {}
            c if c < 0x20 || c == 0x7F => controls += 1,
            _ => {}
        }
    }
    controls * 100 > sample.len().max(1) // more than 1 % control bytes
}

fn utf16_without_bom(sample: &[u8]) -> Option<Charset> {
    if sample.len() < 8 {
        return None;
    }
    let pairs = sample.len() / 2;
    let (mut even_zero, mut odd_zero) = (0usize, 0usize);
    for i in 0..pairs {
        if sample[2 * i] == 0 {
            even_zero += 1;
        }
        if sample[2 * i + 1] == 0 {
            odd_zero += 1;
        }
    }
    // Latin text in UTF-16 has a zero in nearly every other byte and almost none in the rest.
    if odd_zero * 10 >= pairs * 7 && even_zero * 20 <= pairs {
        Some(Charset::Utf16le)
    } else if even_zero * 10 >= pairs * 7 && odd_zero * 20 <= pairs {
        Some(Charset::Utf16be)
    } else {
        None
    }
}

/// Decodes without replacement; returns a plausibility score, or None if the bytes are invalid.
fn japanese_score(enc: &'static Encoding, sample: &[u8]) -> Option<i64> {
    let mut decoder = enc.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(sample.len() * 2);
    let (result, read) = decoder.decode_to_string_without_replacement(sample, &mut out, true);
    let cut_at_edge = sample.len() == SAMPLE && sample.len() - read < 3;
    match result {
        encoding_rs::DecoderResult::InputEmpty => {}
        encoding_rs::DecoderResult::Malformed(_, _) if cut_at_edge => {}
        _ => return None,
    }
    let mut score = 0i64;
    for c in out.chars() {
        score += match c as u32 {
            0x3040..=0x309F => 3, // hiragana: the strongest signal of Japanese prose
            0x30A0..=0x30FF => 2, // katakana
            0x4E00..=0x9FFF => 2, // CJK ideographs
            0x3000..=0x303F | 0xFF01..=0xFF60 => 1, // CJK punctuation, full-width forms
            0xFF61..=0xFF9F => -1, // half-width katakana: rare, typical of a wrong guess
            0xE000..=0xF8FF => -3, // private use
            _ => 0,
        };
    }
    Some(score)
}

#[cfg(test)]
mod tests {
    use super::*;

    const JA: &str = "本日は晴天なり。テストです。住所は東京都千代田区です。";

    #[test]
    fn detects_japanese_charsets() {
        let (sjis, _, _) = SHIFT_JIS.encode(JA);
        let (euc, _, _) = EUC_JP.encode(JA);
        let (jis, _, _) = ISO_2022_JP.encode(JA);
        assert_eq!(detect_charset(&sjis), Some(Charset::ShiftJis));
        assert_eq!(detect_charset(&euc), Some(Charset::EucJp));
        assert_eq!(detect_charset(&jis), Some(Charset::Iso2022Jp));
        assert_eq!(detect_charset(JA.as_bytes()), Some(Charset::Utf8));
        assert_eq!(decode(&sjis, Charset::ShiftJis), JA);
        assert_eq!(decode(&jis, Charset::Iso2022Jp), JA);
    }

    #[test]
    fn detects_utf16_and_binary() {
        let le: Vec<u8> = "hello world, text"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        assert_eq!(detect_charset(&le), Some(Charset::Utf16le));
        assert_eq!(detect_charset(b"\x7fELF\x02\x01\x01\x00\x00\x00"), None);
        assert_eq!(detect_charset(b"plain"), Some(Charset::Ascii));
    }
}
