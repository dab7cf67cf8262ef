//! Writing a rewritten content stream with the input's own bytes for every operation that
//! did not change.
//!
//! lopdf reads real numbers as `f32`, so a stream decoded and encoded again changes numbers
//! the input wrote with more digits (`.23999999` becomes `0.24`). Readers compute in double
//! precision and snap glyph origins to fractions of a pixel (poppler: a quarter pixel
//! horizontally), so such a change moves whole lines of kept text by a quarter pixel and their
//! anti-aliasing differs although nothing was meant to move. Operations of the output that
//! equal an operation of the input are therefore written as the input's bytes for it; the
//! bytes are used only after they parse back to exactly that operation, so a span this
//! module cuts wrongly costs precision, never content.

use super::interp::parse_ops;
use kiyome_pdf::rewrite::lopdf::content::{Content, Operation};
use std::collections::HashMap;
use std::ops::Range;

/// How far ahead in the input an output operation is looked for (rewriting inserts and drops
/// a few operations around each change; it does not reorder).
const WINDOW: usize = 64;
/// How many earlier line operators of the same name are looked at for an operation the
/// rewriting repeats (a replayed line operator).
const BACK: usize = 600;

/// Operators the rewriting may repeat (the replay that restores a line matrix).
fn repeatable(op: &str) -> bool {
    matches!(op, "Td" | "TD" | "T*" | "TL" | "Tm")
}

pub(crate) fn is_white(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | b'\0')
}

pub(crate) fn is_delim(c: u8) -> bool {
    matches!(
        c,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

/// Whether a regular token is an operator in lopdf's sense (letters, digits, `*'"`, not
/// starting with a digit) and not one of the keyword operands.
fn is_operator(tok: &[u8]) -> bool {
    !tok.is_empty()
        && !tok[0].is_ascii_digit()
        && tok
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || b"*'\"".contains(c))
        && !matches!(tok, b"true" | b"false" | b"null")
}

/// The byte span of each operation of `src`, from its first operand to the end of its
/// operator, in order. Best effort: spans are checked before use. An operation with a comment
/// among its operands gets an empty span (it is re-encoded): comments are never copied.
pub(crate) fn spans(src: &[u8]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut i = 0usize;
    let mut start: Option<usize> = None;
    let mut commented = false;
    let n = src.len();
    while i < n {
        let c = src[i];
        if is_white(c) {
            i += 1;
            continue;
        }
        if c == b'%' {
            commented |= start.is_some();
            while i < n && src[i] != b'\n' && src[i] != b'\r' {
                i += 1;
            }
            continue;
        }
        let tok_start = i;
        match c {
            b'(' => i = super::inline::skip_string(src, i),
            b'<' if src.get(i + 1) == Some(&b'<') => i += 2,
            b'>' if src.get(i + 1) == Some(&b'>') => i += 2,
            b'<' => {
                while i < n && src[i] != b'>' {
                    i += 1;
                }
                i += 1;
            }
            b'[' | b']' | b'{' | b'}' | b')' | b'>' => i += 1,
            b'/' => {
                i += 1;
                while i < n && !is_white(src[i]) && !is_delim(src[i]) {
                    i += 1;
                }
            }
            _ => {
                while i < n && !is_white(src[i]) && !is_delim(src[i]) {
                    i += 1;
                }
                let tok = &src[tok_start..i.min(n)];
                if is_operator(tok) {
                    let s = start.take().unwrap_or(tok_start);
                    if tok == b"BI" {
                        // Inline image: to `ID`, one white-space byte, the data, then `EI`
                        // between white space (or the end).
                        let Some(id) = find_token(src, i, b"ID") else {
                            return out;
                        };
                        let mut j = id + 3;
                        let end = loop {
                            let Some(k) = find(src, j, b"EI") else {
                                return out;
                            };
                            let before = k > 0 && is_white(src[k - 1]);
                            let after = src.get(k + 2).is_none_or(|c| is_white(*c) || is_delim(*c));
                            if before && after {
                                break k + 2;
                            }
                            j = k + 1;
                        };
                        out.push(if commented { 0..0 } else { s..end });
                        commented = false;
                        i = end;
                        continue;
                    }
                    out.push(if commented { 0..0 } else { s..i.min(n) });
                    commented = false;
                    continue;
                }
            }
        }
        start.get_or_insert(tok_start);
        i = i.min(n);
    }
    out
}

fn find(src: &[u8], from: usize, pat: &[u8]) -> Option<usize> {
    src.get(from..)?
        .windows(pat.len())
        .position(|w| w == pat)
        .map(|p| p + from)
}

/// The next occurrence of `pat` as a whole token (white space or a delimiter around it).
fn find_token(src: &[u8], from: usize, pat: &[u8]) -> Option<usize> {
    let mut j = from;
    loop {
        let k = find(src, j, pat)?;
        let before = k == 0 || is_white(src[k - 1]) || is_delim(src[k - 1]);
        let after = src.get(k + pat.len()).is_none_or(|c| is_white(*c));
        if before && after {
            return Some(k);
        }
        j = k + 1;
    }
}

/// Whether two operations are the same operator with equal operands.
pub(crate) fn same(a: &Operation, b: &Operation) -> bool {
    a.operator == b.operator && a.operands == b.operands
}

fn encode_one(op: &Operation) -> Option<Vec<u8>> {
    Content {
        operations: vec![op.clone()],
    }
    .encode()
    .ok()
}

/// Encodes `ops`, the rewritten form of the stream `src` whose operations were `orig`: each
/// operation equal to one of `orig` (in order) is written as `src`'s bytes for it when those
/// bytes parse back to it, every other one as lopdf encodes it.
pub(crate) fn encode(ops: &[Operation], orig: &[Operation], src: &[u8]) -> Option<Vec<u8>> {
    encode_with(ops, orig, src, &HashMap::new())
}

/// [`encode`], with the bytes to write for some new operations (by index in `ops`): numbers
/// written with more precision than lopdf's `f32` holds (see [`super::exactnum`]). Such
/// bytes are used only when they parse to one operation of the same operator and arity.
pub(crate) fn encode_with(
    ops: &[Operation],
    orig: &[Operation],
    src: &[u8],
    exact: &HashMap<usize, Vec<u8>>,
) -> Option<Vec<u8>> {
    let spans = spans(src);
    // A span stands for `orig[k]` only when it parses to exactly that operation.
    let raw_of = |k: usize| -> Option<&[u8]> {
        let raw = src.get(spans.get(k)?.clone())?;
        let back = parse_ops(raw).ok()?;
        (back.len() == 1 && same(&back[0], &orig[k])).then_some(raw)
    };
    let line_ops: Vec<usize> = (0..orig.len())
        .filter(|&k| repeatable(&orig[k].operator))
        .collect();
    let mut out = Vec::with_capacity(src.len() + 64);
    let mut cursor = 0usize;
    for (idx, op) in ops.iter().enumerate() {
        if let Some(b) = exact.get(&idx)
            && parse_ops(b).is_ok_and(|back| {
                back.len() == 1
                    && back[0].operator == op.operator
                    && back[0].operands.len() == op.operands.len()
            })
        {
            out.extend_from_slice(b);
            out.push(b'\n');
            continue;
        }
        let hit = (cursor..orig.len().min(cursor + WINDOW)).find(|&k| same(op, &orig[k]));
        // A repeated operation: the input's bytes of an earlier one, the cursor unmoved.
        let back = || {
            let end = line_ops.partition_point(|&k| k < cursor);
            line_ops[..end]
                .iter()
                .rev()
                .take(BACK)
                .find(|&&k| same(op, &orig[k]))
                .and_then(|&k| raw_of(k))
        };
        if hit.is_none()
            && repeatable(&op.operator)
            && let Some(r) = back()
        {
            out.extend_from_slice(r);
            out.push(b'\n');
            continue;
        }
        let raw = hit.and_then(|k| raw_of(k).map(|r| (k, r)));
        match raw {
            Some((k, r)) => {
                out.extend_from_slice(r);
                out.push(b'\n');
                cursor = k + 1;
            }
            None => {
                if let Some(k) = hit {
                    cursor = k + 1;
                }
                out.extend(encode_one(op)?);
                if out.last() != Some(&b'\n') {
                    out.push(b'\n');
                }
            }
        }
    }
    Some(out)
}

/// Whether `a` and `b` hold the same operations (what a reader of either sees).
#[cfg(test)]
fn same_ops(a: &[Operation], b: &[Operation]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiyome_pdf::rewrite::lopdf::Object;

    #[test]
    fn spans_cover_each_operation() {
        let src = b"q .23999999 0 0 -.23999999 0 792 cm % note\nBT /F1 12 Tf [(a\\)b) -250 <00 41>] TJ ET\n/P <</MCID 0>> BDC EMC Q";
        let ops = parse_ops(src).unwrap();
        let sp = spans(src);
        assert_eq!(sp.len(), ops.len());
        for (r, op) in sp.iter().zip(&ops) {
            let back = parse_ops(&src[r.clone()]).unwrap();
            assert!(
                same(&back[0], op),
                "{:?}",
                String::from_utf8_lossy(&src[r.clone()])
            );
        }
    }

    #[test]
    fn comments_are_never_copied() {
        let src = b"1 0 0 1 0 0 cm % secret\n 0.123456789 w";
        let orig = parse_ops(src).unwrap();
        let out = encode(&orig, &orig, src).unwrap();
        let text = String::from_utf8_lossy(&out);
        assert!(
            !text.contains("secret") && text.contains("0.123456789 w"),
            "{text}"
        );
    }

    #[test]
    fn unchanged_operations_keep_their_digits_and_changed_ones_are_encoded() {
        let src =
            b"q .23999999 0 0 -.23999999 0 792 cm\nBT /F1 12 Tf 1 0 0 -1 8 37 Tm (Hello) Tj ET Q\n";
        let orig = parse_ops(src).unwrap();
        let mut ops = orig.clone();
        // Drop the show, insert a new positioning: what a removal does.
        ops.remove(5);
        ops.insert(
            5,
            Operation::new("Td", vec![Object::Integer(3), Object::Real(0.5)]),
        );
        let out = encode(&ops, &orig, src).unwrap();
        let text = String::from_utf8_lossy(&out);
        assert!(text.contains(".23999999 0 0 -.23999999 0 792 cm"), "{text}");
        assert!(!text.contains("Hello"), "{text}");
        assert!(same_ops(&parse_ops(&out).unwrap(), &ops), "{text}");
    }

    #[test]
    fn inline_images_and_odd_input_fall_back_safely() {
        let src = b"q BI /W 2 /H 1 /CS /G /BPC 8 ID \x00EI EI Q 1 0 0 RG (unterminated";
        let orig = parse_ops(src).unwrap_or_default();
        let out = encode(&orig, &orig, src).unwrap();
        assert!(same_ops(&parse_ops(&out).unwrap(), &orig));
    }
}
