//! Detectors for personal and identifying numbers (個人情報の検出).
//!
//! Each detector runs on the *pattern view* of a text (NFKC, so full-width digits `０-９` are
//! ASCII digits, dash look-alikes are `-`, white space is one space), finds candidates with a
//! regular expression, and then checks what a regex cannot: that the number is not part of a
//! longer digit run, and its check digit (My Number, corporate number, Luhn for cards).

use regex::Regex;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// A built-in PII detector, named on the command line by [`Detector::name`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Detector {
    /// `jp-mynumber`: the 12-digit Individual Number (個人番号), check digit per the
    /// Ministry of Internal Affairs ordinance (行政手続における特定の個人を識別するための番号の
    /// 利用等に関する法律施行令 第八条).
    #[serde(rename = "jp-mynumber")]
    JpMyNumber,
    /// `jp-corporate-number`: the 13-digit Corporate Number (法人番号) whose leading digit
    /// is its check digit (法人番号の指定等に関する省令 第二条).
    #[serde(rename = "jp-corporate-number")]
    JpCorporateNumber,
    /// `jp-phone`: Japanese telephone numbers (0 + 9 or 10 digits, or +81 + 9 or 10 digits),
    /// with hyphens, spaces or parentheses.
    #[serde(rename = "jp-phone")]
    JpPhone,
    /// `jp-postal-code`: `NNN-NNNN`, or seven digits after `〒`.
    #[serde(rename = "jp-postal-code")]
    JpPostalCode,
    /// `email`: e-mail addresses.
    #[serde(rename = "email")]
    Email,
    /// `credit-card`: 13 to 19 digits (optionally grouped) that pass the Luhn check.
    #[serde(rename = "credit-card")]
    CreditCard,
}

impl Detector {
    /// Every detector.
    pub const ALL: &'static [Detector] = &[
        Detector::JpMyNumber,
        Detector::JpCorporateNumber,
        Detector::JpPhone,
        Detector::JpPostalCode,
        Detector::Email,
        Detector::CreditCard,
    ];

    /// The name used on the command line, in plans and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Detector::JpMyNumber => "jp-mynumber",
            Detector::JpCorporateNumber => "jp-corporate-number",
            Detector::JpPhone => "jp-phone",
            Detector::JpPostalCode => "jp-postal-code",
            Detector::Email => "email",
            Detector::CreditCard => "credit-card",
        }
    }

    /// The detector called `name`, if any.
    pub fn from_name(name: &str) -> Option<Detector> {
        Detector::ALL.iter().copied().find(|d| d.name() == name)
    }

    /// Byte ranges of this detector's matches in `text`, which must already be the pattern
    /// view (see [`crate::plan::Plan::find_matches`], which does that and maps back).
    pub fn find_normalized(self, text: &str) -> Vec<(usize, usize)> {
        let re = regexes();
        let mut out = Vec::new();
        let (pattern, check): (&Regex, fn(&str) -> bool) = match self {
            Detector::JpMyNumber => (&re.mynumber, |d| mynumber_valid(&digits(d))),
            Detector::JpCorporateNumber => (&re.corporate, |d| corporate_valid(&digits(d))),
            Detector::JpPhone => (&re.phone, phone_plausible),
            Detector::JpPostalCode => (&re.postal, |_| true),
            Detector::Email => (&re.email, |_| true),
            Detector::CreditCard => (&re.card, |d| luhn_valid(&digits(d))),
        };
        for m in pattern.find_iter(text) {
            let (mut s, e) = (m.start(), m.end());
            if self == Detector::JpPostalCode && text.get(s..).is_some_and(|t| t.starts_with('〒'))
            {
                s += '〒'.len_utf8();
                while text.get(s..).is_some_and(|t| t.starts_with(' ')) {
                    s += 1;
                }
            }
            let is_number = !matches!(self, Detector::Email);
            if is_number && !digit_boundary(text, s, e) {
                continue;
            }
            if self == Detector::Email && !email_boundary(text, s, e) {
                continue;
            }
            if let Some(t) = text.get(s..e)
                && check(t)
            {
                out.push((s, e));
            }
        }
        out
    }
}

impl std::fmt::Display for Detector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

struct Regexes {
    mynumber: Regex,
    corporate: Regex,
    phone: Regex,
    postal: Regex,
    email: Regex,
    card: Regex,
}

fn regexes() -> &'static Regexes {
    static RE: OnceLock<Regexes> = OnceLock::new();
    RE.get_or_init(|| {
        // These patterns are constants; a failure to compile is a bug caught by every test.
        let r = |p: &str| Regex::new(p).unwrap_or_else(|e| panic!("bad built-in pattern: {e}"));
        Regexes {
            // 4-4-4 (the card layout) or 12 in a row.
            mynumber: r(r"[0-9]{4}[- ]?[0-9]{4}[- ]?[0-9]{4}"),
            // 1-4-4-4 (the notice layout) or 13 in a row.
            corporate: r(r"[0-9][- ]?[0-9]{4}[- ]?[0-9]{4}[- ]?[0-9]{4}"),
            phone: r(
                r"(?:\+81[- ]?\(?0?[0-9]{1,4}\)?|\(0[0-9]{1,4}\)|0[0-9]{1,4})[- ]?\(?[0-9]{1,4}\)?[- ]?[0-9]{3,4}",
            ),
            postal: r(r"〒 ?[0-9]{3}-?[0-9]{4}|[0-9]{3}-[0-9]{4}"),
            email: r(
                r"[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,63})@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}",
            ),
            card: r(r"[0-9](?:[- ]?[0-9]){12,18}"),
        }
    })
}

fn digits(s: &str) -> Vec<u8> {
    s.bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| b - b'0')
        .collect()
}

/// Whether `s..e` is not glued to more digits (or a separator and digits) on either side.
fn digit_boundary(text: &str, s: usize, e: usize) -> bool {
    let before = text.get(..s).unwrap_or("");
    let after = text.get(e..).unwrap_or("");
    let glued_before = {
        let mut it = before.chars().rev();
        match it.next() {
            Some(c) if c.is_ascii_digit() => true,
            Some('-' | ' ') => it.next().is_some_and(|c| c.is_ascii_digit()),
            _ => false,
        }
    };
    let glued_after = {
        let mut it = after.chars();
        match it.next() {
            Some(c) if c.is_ascii_digit() => true,
            Some('-' | ' ') => it.next().is_some_and(|c| c.is_ascii_digit()),
            _ => false,
        }
    };
    !glued_before && !glued_after
}

fn email_boundary(text: &str, s: usize, e: usize) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-');
    let before_ok = text
        .get(..s)
        .and_then(|t| t.chars().next_back())
        .is_none_or(|c| !word(c));
    let after_ok = text
        .get(e..)
        .and_then(|t| t.chars().next())
        .is_none_or(|c| !c.is_ascii_alphanumeric());
    before_ok && after_ok
}

/// The My Number check digit rule: with P_n the n-th digit from the right of the first 11
/// digits and Q_n = n + 1 for n ≤ 6, n − 5 for n ≥ 7, the check digit is 11 − (ΣP_nQ_n mod 11),
/// or 0 when that remainder is 0 or 1.
pub fn mynumber_valid(d: &[u8]) -> bool {
    let [body @ .., check] = d else {
        return false;
    };
    if d.len() != 12 {
        return false;
    }
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &p)| {
            let n = i as u32 + 1;
            let q = if n <= 6 { n + 1 } else { n - 5 };
            u32::from(p) * q
        })
        .sum();
    let r = sum % 11;
    let expect = if r <= 1 { 0 } else { 11 - r };
    u32::from(*check) == expect
}

/// The corporate number check digit rule: with P_n the n-th digit from the right of the last
/// 12 digits and Q_n = 1 for odd n, 2 for even n, the leading check digit is
/// 9 − (ΣP_nQ_n mod 9).
pub fn corporate_valid(d: &[u8]) -> bool {
    let [check, body @ ..] = d else {
        return false;
    };
    if d.len() != 13 {
        return false;
    }
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &p)| u32::from(p) * if i % 2 == 0 { 1 } else { 2 })
        .sum();
    u32::from(*check) == 9 - sum % 9
}

/// The Luhn (ISO/IEC 7812-1 Annex B) check over all digits.
pub fn luhn_valid(d: &[u8]) -> bool {
    if !(13..=19).contains(&d.len()) {
        return false;
    }
    let sum: u32 = d
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &x)| {
            let x = u32::from(x);
            if i % 2 == 1 {
                let y = x * 2;
                if y > 9 { y - 9 } else { y }
            } else {
                x
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// A Japanese number has 10 digits after the leading 0 trunk prefix (11 for mobile, IP and
/// some special services); in international form the 0 is dropped after +81.
fn phone_plausible(s: &str) -> bool {
    let d = digits(s);
    let (national_len, first) = if s.trim_start().starts_with("+81") {
        let rest = d.get(2..).unwrap_or(&[]);
        let rest = rest.strip_prefix(&[0]).unwrap_or(rest);
        (rest.len() + 1, rest.first().copied())
    } else {
        if d.first() != Some(&0) {
            return false;
        }
        (d.len(), d.get(1).copied())
    };
    // A second 0 would be an international call prefix (010) or an invalid number.
    matches!(national_len, 10 | 11) && first.is_some_and(|f| f != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(d: Detector, t: &str) -> Vec<String> {
        d.find_normalized(t)
            .into_iter()
            .map(|(s, e)| t[s..e].to_string())
            .collect()
    }

    #[test]
    fn mynumber_check_digit_accepts_valid_and_rejects_every_other_digit() {
        // 123456789018: the widely used specimen; 8 is its check digit.
        assert!(mynumber_valid(&digits("123456789018")));
        for wrong in 0..10u8 {
            if wrong != 8 {
                let mut d = digits("12345678901");
                d.push(wrong);
                assert!(!mynumber_valid(&d), "check digit {wrong} accepted");
            }
        }
        assert!(!mynumber_valid(&digits("12345678901")));
    }

    #[test]
    fn mynumber_found_in_card_layout_and_fullwidth_but_not_inside_longer_runs() {
        assert_eq!(
            found(Detector::JpMyNumber, "番号 1234 5678 9018 です"),
            vec!["1234 5678 9018"]
        );
        assert_eq!(
            found(Detector::JpMyNumber, "x123456789018y"),
            vec!["123456789018"]
        );
        assert!(found(Detector::JpMyNumber, "9123456789018").is_empty());
        assert!(found(Detector::JpMyNumber, "123456789017").is_empty());
        // Part of a longer grouped number (a card number) is not a My Number.
        assert!(found(Detector::JpMyNumber, "4111 1111 1111 1111").is_empty());
    }

    #[test]
    fn corporate_number_leading_check_digit() {
        // 7000012050002: the National Tax Agency's own corporate number.
        assert!(corporate_valid(&digits("7000012050002")));
        assert!(!corporate_valid(&digits("6000012050002")));
        assert_eq!(
            found(Detector::JpCorporateNumber, "法人番号7000012050002"),
            vec!["7000012050002"]
        );
        assert!(found(Detector::JpCorporateNumber, "8000012050002").is_empty());
    }

    #[test]
    fn luhn_accepts_test_card_and_rejects_altered() {
        assert!(luhn_valid(&digits("4111111111111111")));
        assert!(!luhn_valid(&digits("4111111111111112")));
        assert_eq!(
            found(Detector::CreditCard, "card 4111-1111-1111-1111."),
            vec!["4111-1111-1111-1111"]
        );
        assert!(found(Detector::CreditCard, "4111 1111 1111 1112").is_empty());
    }

    #[test]
    fn phones_landline_mobile_tollfree_international() {
        for p in [
            "03-1234-5678",
            "(03)1234-5678",
            "090-1234-5678",
            "0120-123-456",
            "+81-3-1234-5678",
            "0312345678",
        ] {
            assert_eq!(found(Detector::JpPhone, &format!("TEL {p} 。")), vec![p]);
        }
        // Too short, too long, no trunk prefix.
        assert!(found(Detector::JpPhone, "03-1234-567").is_empty());
        assert!(found(Detector::JpPhone, "03-1234-56789").is_empty());
        assert!(found(Detector::JpPhone, "12-1234-5678").is_empty());
    }

    #[test]
    fn postal_codes_with_and_without_mark() {
        assert_eq!(
            found(Detector::JpPostalCode, "〒100-8914 東京都"),
            vec!["100-8914"]
        );
        assert_eq!(found(Detector::JpPostalCode, "〒1008914"), vec!["1008914"]);
        assert!(found(Detector::JpPostalCode, "1008914").is_empty());
        assert!(found(Detector::JpPostalCode, "03-1234-5678").is_empty());
    }

    #[test]
    fn email_addresses() {
        assert_eq!(
            found(
                Detector::Email,
                "連絡先: taro.yamada@city.example.lg.jp まで"
            ),
            vec!["taro.yamada@city.example.lg.jp"]
        );
        assert!(found(Detector::Email, "not@an").is_empty());
    }

    #[test]
    fn detector_names_round_trip() {
        for d in Detector::ALL {
            assert_eq!(Detector::from_name(d.name()), Some(*d));
            let json = serde_json::to_string(d).unwrap();
            assert_eq!(json, format!("\"{}\"", d.name()));
        }
    }
}
