//! Numbers of text operators as a reader computes them, and positions written so that a reader
//! reads back exactly the double it would have computed for the input.
//!
//! lopdf reads reals as `f32`. A kept glyph placed by a new `Tm` (the rest of a line after a
//! removal) renders as in the input only if the written position is the very double the
//! reader reached for it: poppler snaps glyph origins to a quarter pixel, and a glyph whose
//! decimal position lies on a quarter boundary lands on either side depending on the last bit
//! (docs/poppler-glyph-positions.md). Poppler reads the fraction of a number digit by digit
//! (`x + 0.1·d₁ + 0.01·d₂ …`, each scale the previous one times 0.1), not with a correctly
//! rounded conversion; [`parse`] does the same and [`write`] finds a decimal that [`parse`]
//! maps to a given double.

/// A numeric token as poppler's lexer reads it (`None`: not a number token).
pub(crate) fn parse(tok: &[u8]) -> Option<f64> {
    let (neg, digits) = match tok.first()? {
        b'-' => (true, &tok[1..]),
        b'+' => (false, &tok[1..]),
        _ => (false, tok),
    };
    if digits.is_empty() || !digits.iter().all(|c| c.is_ascii_digit() || *c == b'.') {
        return None;
    }
    let mut parts = digits.splitn(2, |c| *c == b'.');
    let int = parts.next().unwrap_or(&[]);
    let frac = parts.next();
    if frac.is_some_and(|f| f.contains(&b'.')) || int.len() > 15 {
        // Two points, or an integer part beyond exact i64/f64 accumulation: not ours to
        // reproduce (lopdf's value is used).
        return None;
    }
    let mut xi: i64 = 0;
    for c in int {
        xi = xi * 10 + i64::from(c - b'0');
    }
    let mut xf = xi as f64;
    if let Some(f) = frac {
        let mut scale = 0.1f64;
        for c in f {
            xf += scale * f64::from(c - b'0');
            scale *= 0.1;
        }
    }
    Some(if neg { -xf } else { xf })
}

/// A decimal that [`parse`] reads as exactly `v` (the shortest found), or Rust's shortest
/// representation when none is found among the candidates (then the error is below 1 ulp
/// of an `f64` correctly rounded conversion).
pub(crate) fn write(v: f64) -> String {
    if !v.is_finite() {
        return "0".into();
    }
    if v == 0.0 {
        return "0".into();
    }
    let plain = |s: String| -> String {
        if s.contains('.') {
            let t = s.trim_end_matches('0').trim_end_matches('.');
            if t.is_empty() || t == "-" {
                "0".into()
            } else {
                t.into()
            }
        } else {
            s
        }
    };
    // Decimal places of 17 significant digits.
    let sig = (16.0 - v.abs().log10().floor()).clamp(0.0, 60.0) as usize;
    let most = sig + 2;
    for places in 0..=most {
        let s = format!("{v:.places$}");
        if parse(s.as_bytes()) == Some(v) {
            return plain(s);
        }
    }
    // Neighbours of the longer roundings: the digit loop may need a last digit off by a few.
    for places in sig.saturating_sub(3)..=most {
        let s = format!("{:.places$}", v.abs());
        let Some((int, frac)) = s.split_once('.') else {
            continue;
        };
        let Ok(base) = format!("{int}{frac}").parse::<i128>() else {
            continue;
        };
        for k in 1..=60i128 {
            for cand in [base + k, base - k] {
                if cand < 0 {
                    continue;
                }
                let digits = format!("{cand:0>width$}", width = places + 1);
                let (i, f) = digits.split_at(digits.len() - places);
                let s = format!("{}{i}.{f}", if v < 0.0 { "-" } else { "" });
                if parse(s.as_bytes()) == Some(v) {
                    return plain(s);
                }
            }
        }
    }
    format!("{v}")
}

use super::inline::skip_string;
use super::rawops::{is_delim, is_white};

/// The numeric tokens of one operation's bytes, in order (inside arrays too; strings, names
/// and the operator skipped). `None` when the bytes hold something this reader does not
/// follow (a dictionary, a comment), so that the caller keeps lopdf's values.
pub(crate) fn numbers(raw: &[u8]) -> Option<Vec<f64>> {
    let mut out = Vec::new();
    let n = raw.len();
    let mut i = 0usize;
    while i < n {
        let c = raw[i];
        if is_white(c) || c == b'[' || c == b']' {
            i += 1;
            continue;
        }
        match c {
            b'(' => i = skip_string(raw, i),
            b'<' if raw.get(i + 1) == Some(&b'<') => return None,
            b'<' => {
                while i < n && raw[i] != b'>' {
                    i += 1;
                }
                i += 1;
            }
            b'%' | b'{' | b'}' | b')' | b'>' => return None,
            _ => {
                let start = i;
                i += 1;
                while i < n && !is_white(raw[i]) && !is_delim(raw[i]) {
                    i += 1;
                }
                let tok = &raw[start..i.min(n)];
                if c == b'/' {
                    continue;
                }
                if matches!(c, b'0'..=b'9' | b'+' | b'-' | b'.') {
                    out.push(parse(tok)?);
                }
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digit_loop_not_correct_rounding() {
        // What poppler 22.12 reads (checked under gdb): not the nearest double.
        assert_eq!(parse(b"253.704"), Some(253.70399999999998));
        assert_ne!(parse(b"253.704"), Some(253.704));
        assert_eq!(parse(b"0.3"), Some(0.30000000000000004));
        assert_eq!(parse(b"-.5"), Some(-0.5));
        assert_eq!(parse(b"12"), Some(12.0));
        assert_eq!(parse(b"1."), Some(1.0));
        assert_eq!(parse(b"Tm"), None);
        assert_eq!(parse(b"1.2.3"), None);
    }

    #[test]
    fn written_numbers_read_back_exactly() {
        // Page coordinates (sums of glyph advances have long binary expansions): exact.
        // Elsewhere the digit loop may not reach every double; then within 2 ulps.
        let (mut x, mut inexact) = (0.37f64, 0);
        for k in 0..4000 {
            x = (x * 1.0007 + f64::from(k % 13) * 0.008) % 1500.0;
            for v in [x, -x, x * 1000.0, x / 1000.0] {
                let s = write(v);
                let back = parse(s.as_bytes()).unwrap();
                if (1.0..1e6).contains(&v.abs()) {
                    assert_eq!(back, v, "{v:?} written as {s}");
                } else if back != v {
                    inexact += 1;
                    assert!(
                        (back - v).abs() <= 4.0 * f64::EPSILON * v.abs(),
                        "{v:?}: {s}"
                    );
                }
            }
        }
        assert!(inexact < 400, "{inexact} of 8000 small numbers inexact");
        assert_eq!(write(8.0), "8");
        assert_eq!(write(-36.5), "-36.5");
        assert_eq!(
            parse(write(311.9999999999999).as_bytes()),
            Some(311.9999999999999)
        );
    }

    #[test]
    fn numbers_of_operations() {
        assert_eq!(
            numbers(b"8 0 0 8 36 342.213 Tm"),
            Some(vec![8.0, 0.0, 0.0, 8.0, 36.0, parse(b"342.213").unwrap()])
        );
        assert_eq!(
            numbers(b"[(a\\)b 1 2) -250 <00 41> -1222.5]TJ"),
            Some(vec![-250.0, -1222.5])
        );
        assert_eq!(numbers(b"/F1 12 Tf"), Some(vec![12.0]));
        assert_eq!(numbers(b"/P <</MCID 0>> BDC"), None);
    }
}
