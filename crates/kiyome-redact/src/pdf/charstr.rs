//! Which subroutines a glyph's charstring calls (and which glyphs it borrows through `seac`),
//! for Type 2 (CFF, Adobe TN #5177) and Type 1 (Adobe Type 1 Font Format, ch. 6–8)
//! charstrings.
//!
//! Only the glyphs that stay are analysed: every subroutine none of them reaches is emptied,
//! which covers those used only by removed glyphs (a subroutine can hold a whole outline).
//! The analysis follows the argument stack exactly; a charstring whose subroutine numbers it
//! cannot know (arithmetic or storage operators, unknown operators) is an error, and the
//! program is then not rewritten (default deny).

use super::sfnt::Unsupported;
use std::collections::BTreeSet;

/// Deepest subroutine nesting followed (the Type 2 limit is 10; Type 1 fonts nest less).
pub(crate) const MAX_DEPTH: usize = 10;
/// Most charstring bytes interpreted for one program (subroutine calls counted each time).
pub(crate) const MAX_STEPS: u64 = 40_000_000;
/// Largest argument stack (Type 2: 48, Type 1: 24; some fonts exceed them slightly).
const MAX_STACK: usize = 96;

fn bad(s: &str) -> Unsupported {
    Unsupported(s.to_string())
}

/// Subroutine bias of a Type 2 INDEX with `n` entries (TN #5177 §4.7).
pub(crate) fn bias(n: usize) -> i64 {
    if n < 1240 {
        107
    } else if n < 33900 {
        1131
    } else {
        32768
    }
}

/// What the glyphs analysed so far use.
#[derive(Default, Debug)]
pub(crate) struct Usage {
    /// Global subroutines (Type 2), by index.
    pub global: BTreeSet<usize>,
    /// Local subroutines (of the glyph's Private DICT; Type 1: /Subrs), by index.
    pub local: BTreeSet<usize>,
    /// `seac` accents: (base, accent) StandardEncoding codes.
    pub seac: Vec<(u8, u8)>,
    steps: u64,
}

impl Usage {
    fn step(&mut self, n: usize) -> Result<(), Unsupported> {
        self.steps += n as u64;
        if self.steps > MAX_STEPS {
            return Err(bad("charstring analysis exceeds its step limit"));
        }
        Ok(())
    }
}

/// One Type 2 glyph program with its subroutines.
pub(crate) struct Type2<'a> {
    pub global: &'a [&'a [u8]],
    pub local: &'a [&'a [u8]],
}

struct T2State {
    stack: Vec<f64>,
    stems: usize,
}

impl Type2<'_> {
    /// Records into `u` what `cs` calls.
    pub(crate) fn analyse(&self, cs: &[u8], u: &mut Usage) -> Result<(), Unsupported> {
        let mut st = T2State {
            stack: Vec::new(),
            stems: 0,
        };
        self.run(cs, 0, &mut st, u)?;
        Ok(())
    }

    /// Returns true when the glyph ended (`endchar`).
    fn run(
        &self,
        cs: &[u8],
        depth: usize,
        st: &mut T2State,
        u: &mut Usage,
    ) -> Result<bool, Unsupported> {
        u.step(cs.len().max(1))?;
        let mut i = 0usize;
        let byte = |k: usize| -> Result<u8, Unsupported> {
            cs.get(k)
                .copied()
                .ok_or_else(|| bad("truncated charstring"))
        };
        while i < cs.len() {
            let b = cs[i];
            match b {
                28 => {
                    let v = i16::from_be_bytes([byte(i + 1)?, byte(i + 2)?]);
                    st.stack.push(f64::from(v));
                    i += 3;
                }
                32..=246 => {
                    st.stack.push(f64::from(b) - 139.0);
                    i += 1;
                }
                247..=250 => {
                    let v = (i32::from(b) - 247) * 256 + i32::from(byte(i + 1)?) + 108;
                    st.stack.push(f64::from(v));
                    i += 2;
                }
                251..=254 => {
                    let v = -(i32::from(b) - 251) * 256 - i32::from(byte(i + 1)?) - 108;
                    st.stack.push(f64::from(v));
                    i += 2;
                }
                255 => {
                    let v = i32::from_be_bytes([
                        byte(i + 1)?,
                        byte(i + 2)?,
                        byte(i + 3)?,
                        byte(i + 4)?,
                    ]);
                    st.stack.push(f64::from(v) / 65536.0);
                    i += 5;
                }
                // hstem vstem hstemhm vstemhm
                1 | 3 | 18 | 23 => {
                    st.stems += st.stack.len() / 2;
                    st.stack.clear();
                    i += 1;
                }
                // hintmask cntrmask: arguments left are an implied vstem; then the mask
                19 | 20 => {
                    st.stems += st.stack.len() / 2;
                    st.stack.clear();
                    i += 1 + st.stems.div_ceil(8);
                }
                10 | 29 => {
                    let (set, subrs) = if b == 10 {
                        (&mut u.local, self.local)
                    } else {
                        (&mut u.global, self.global)
                    };
                    let n = st
                        .stack
                        .pop()
                        .ok_or_else(|| bad("subroutine call without its number"))?;
                    if n.fract() != 0.0 {
                        return Err(bad("subroutine number is not an integer"));
                    }
                    let idx = n as i64 + bias(subrs.len());
                    let body = usize::try_from(idx)
                        .ok()
                        .and_then(|k| subrs.get(k).map(|s| (k, *s)))
                        .ok_or_else(|| bad("call of a subroutine that does not exist"))?;
                    set.insert(body.0);
                    if depth + 1 > MAX_DEPTH {
                        return Err(bad("subroutines nested too deeply"));
                    }
                    if self.run(body.1, depth + 1, st, u)? {
                        return Ok(true);
                    }
                    i += 1;
                }
                11 => return Ok(false),
                14 => {
                    // endchar with four (five with a width) arguments is seac (TN #5177 App. C).
                    if st.stack.len() >= 4 {
                        let n = st.stack.len();
                        let code = |v: f64| -> Result<u8, Unsupported> {
                            if v.fract() == 0.0 && (0.0..=255.0).contains(&v) {
                                Ok(v as u8)
                            } else {
                                Err(bad("seac with a code outside 0–255"))
                            }
                        };
                        u.seac
                            .push((code(st.stack[n - 2])?, code(st.stack[n - 1])?));
                    }
                    return Ok(true);
                }
                12 => {
                    match byte(i + 1)? {
                        // dotsection, hflex, flex, hflex1, flex1
                        0 | 34..=37 => st.stack.clear(),
                        3..=5 | 9..=12 | 14 | 15 | 18 | 20..=30 => {
                            return Err(bad(
                                "charstring arithmetic/storage operators are not analysed",
                            ));
                        }
                        _ => return Err(bad("unknown Type 2 escape operator")),
                    }
                    i += 2;
                }
                // path construction
                4..=8 | 21 | 22 | 24..=27 | 30 | 31 => {
                    st.stack.clear();
                    i += 1;
                }
                _ => return Err(bad("reserved Type 2 operator")),
            }
            if st.stack.len() > MAX_STACK {
                return Err(bad("charstring argument stack overflow"));
            }
        }
        // A subroutine may end without `return` (TN #5177 §4.7: endchar may end it).
        Ok(false)
    }
}

/// Decrypts a Type 1 charstring (r = 4330, `len_iv` leading bytes dropped; no decryption
/// when `len_iv` is negative).
pub(crate) fn t1_decrypt(cs: &[u8], len_iv: i64) -> Vec<u8> {
    if len_iv < 0 {
        return cs.to_vec();
    }
    let mut r: u16 = 4330;
    let mut out = Vec::with_capacity(cs.len());
    for &c in cs {
        out.push(c ^ (r >> 8) as u8);
        r = (u16::from(c).wrapping_add(r))
            .wrapping_mul(52845)
            .wrapping_add(22719);
    }
    out.drain(..(len_iv as usize).min(out.len()));
    out
}

/// Encrypts a Type 1 charstring (`len_iv` zero bytes in front).
pub(crate) fn t1_encrypt(plain: &[u8], len_iv: i64) -> Vec<u8> {
    if len_iv < 0 {
        return plain.to_vec();
    }
    let mut r: u16 = 4330;
    let mut out = Vec::with_capacity(plain.len() + len_iv as usize);
    let pad = vec![0u8; len_iv as usize];
    for &p in pad.iter().chain(plain) {
        let c = p ^ (r >> 8) as u8;
        out.push(c);
        r = (u16::from(c).wrapping_add(r))
            .wrapping_mul(52845)
            .wrapping_add(22719);
    }
    out
}

/// One Type 1 glyph program with its /Subrs (already decrypted).
pub(crate) struct Type1<'a> {
    pub subrs: &'a [Option<Vec<u8>>],
}

#[derive(Default)]
struct T1State {
    stack: Vec<f64>,
    /// The PostScript operand stack between `callothersubr` and `pop`.
    ps: Vec<Option<f64>>,
}

impl Type1<'_> {
    /// Records into `u` what the decrypted charstring `cs` calls.
    pub(crate) fn analyse(&self, cs: &[u8], u: &mut Usage) -> Result<(), Unsupported> {
        let mut st = T1State::default();
        self.run(cs, 0, &mut st, u)?;
        Ok(())
    }

    fn run(
        &self,
        cs: &[u8],
        depth: usize,
        st: &mut T1State,
        u: &mut Usage,
    ) -> Result<bool, Unsupported> {
        u.step(cs.len().max(1))?;
        let mut i = 0usize;
        let byte = |k: usize| -> Result<u8, Unsupported> {
            cs.get(k)
                .copied()
                .ok_or_else(|| bad("truncated charstring"))
        };
        while i < cs.len() {
            let b = cs[i];
            match b {
                32..=246 => {
                    st.stack.push(f64::from(b) - 139.0);
                    i += 1;
                }
                247..=250 => {
                    let v = (i32::from(b) - 247) * 256 + i32::from(byte(i + 1)?) + 108;
                    st.stack.push(f64::from(v));
                    i += 2;
                }
                251..=254 => {
                    let v = -(i32::from(b) - 251) * 256 - i32::from(byte(i + 1)?) - 108;
                    st.stack.push(f64::from(v));
                    i += 2;
                }
                255 => {
                    let v = i32::from_be_bytes([
                        byte(i + 1)?,
                        byte(i + 2)?,
                        byte(i + 3)?,
                        byte(i + 4)?,
                    ]);
                    st.stack.push(f64::from(v));
                    i += 5;
                }
                10 => {
                    let n = st
                        .stack
                        .pop()
                        .ok_or_else(|| bad("callsubr without its number"))?;
                    if n.fract() != 0.0 || n < 0.0 {
                        return Err(bad("subroutine number is not a whole number"));
                    }
                    let k = n as usize;
                    let body = self
                        .subrs
                        .get(k)
                        .and_then(|s| s.as_deref())
                        .ok_or_else(|| bad("call of a subroutine that does not exist"))?;
                    u.local.insert(k);
                    if depth + 1 > MAX_DEPTH {
                        return Err(bad("subroutines nested too deeply"));
                    }
                    if self.run(body, depth + 1, st, u)? {
                        return Ok(true);
                    }
                    i += 1;
                }
                11 => return Ok(false),
                14 => return Ok(true),
                // hstem vstem vmoveto rlineto hlineto vlineto rrcurveto closepath hsbw
                // rmoveto hmoveto vhcurveto hvcurveto
                1 | 3..=9 | 13 | 21 | 22 | 30 | 31 => {
                    st.stack.clear();
                    i += 1;
                }
                12 => {
                    match byte(i + 1)? {
                        // seac: asb adx ady bchar achar
                        6 => {
                            let n = st.stack.len();
                            if n < 5 {
                                return Err(bad("seac without its arguments"));
                            }
                            let code = |v: f64| -> Result<u8, Unsupported> {
                                if v.fract() == 0.0 && (0.0..=255.0).contains(&v) {
                                    Ok(v as u8)
                                } else {
                                    Err(bad("seac with a code outside 0–255"))
                                }
                            };
                            u.seac
                                .push((code(st.stack[n - 2])?, code(st.stack[n - 1])?));
                            return Ok(true);
                        }
                        // div
                        12 => {
                            let (Some(b2), Some(a)) = (st.stack.pop(), st.stack.pop()) else {
                                return Err(bad("div without its arguments"));
                            };
                            st.stack.push(if b2 == 0.0 { 0.0 } else { a / b2 });
                        }
                        // callothersubr: args… n othersubr#
                        16 => {
                            let (Some(num), Some(n)) = (st.stack.pop(), st.stack.pop()) else {
                                return Err(bad("callothersubr without its arguments"));
                            };
                            if n.fract() != 0.0 || n < 0.0 || n as usize > st.stack.len() {
                                return Err(bad("callothersubr with a bad argument count"));
                            }
                            let args = st.stack.split_off(st.stack.len() - n as usize);
                            // What `pop` later reads (Type 1 spec §8.3–8.5): hint replacement
                            // (3) hands back its subr number; flex (0) the end point; the
                            // others their arguments, which the font's own PostScript
                            // procedures may change: unknown.
                            st.ps.clear();
                            match num as i64 {
                                3 => st.ps.push(args.first().copied()),
                                0 if args.len() == 3 => {
                                    st.ps.push(Some(args[2]));
                                    st.ps.push(Some(args[1]));
                                }
                                1 | 2 => {}
                                _ => st.ps.extend(args.iter().rev().map(|_| None)),
                            }
                        }
                        // pop
                        17 => {
                            let v = st.ps.pop().flatten();
                            // An unknown value is only harmless if nothing calls with it;
                            // a NaN makes any later callsubr on it an error.
                            st.stack.push(v.unwrap_or(f64::NAN));
                        }
                        // dotsection vstem3 hstem3 sbw setcurrentpoint
                        0 | 1 | 2 | 7 | 33 => st.stack.clear(),
                        _ => return Err(bad("unknown Type 1 escape operator")),
                    }
                    i += 2;
                }
                _ => return Err(bad("reserved Type 1 operator")),
            }
            if st.stack.len() > MAX_STACK {
                return Err(bad("charstring argument stack overflow"));
            }
        }
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(v: i32) -> Vec<u8> {
        if (-107..=107).contains(&v) {
            vec![(v + 139) as u8]
        } else {
            let mut o = vec![28];
            o.extend((v as i16).to_be_bytes());
            o
        }
    }

    #[test]
    fn type2_calls_are_followed_through_hintmasks_and_nested_subrs() {
        // local subr 0 (number -107) calls global subr 1 (number -106).
        let l0: Vec<u8> = [num(-106), vec![29, 11]].concat();
        let g1: Vec<u8> = [num(10), num(0), vec![5, 11]].concat();
        let g0: Vec<u8> = vec![11];
        let local = [l0.as_slice()];
        let global = [g0.as_slice(), g1.as_slice()];
        let t = Type2 {
            global: &global,
            local: &local,
        };
        // 2 hstemhm pairs, then a hintmask with an implied vstem (one more pair): 3 stems,
        // one mask byte, which looks like a call operator (10) and must be skipped.
        let cs: Vec<u8> = [
            num(0),
            num(10),
            num(20),
            num(10),
            vec![18],
            num(5),
            num(5),
            vec![19, 10],
            num(-107),
            vec![10, 14],
        ]
        .concat();
        let mut u = Usage::default();
        t.analyse(&cs, &mut u).unwrap();
        assert_eq!(u.local.iter().copied().collect::<Vec<_>>(), vec![0]);
        assert_eq!(u.global.iter().copied().collect::<Vec<_>>(), vec![1]);
    }

    #[test]
    fn type2_seac_and_refusals() {
        let t = Type2 {
            global: &[],
            local: &[],
        };
        let mut u = Usage::default();
        let seac: Vec<u8> = [num(0), num(0), num(65), num(194), vec![14]].concat();
        t.analyse(&seac, &mut u).unwrap();
        assert_eq!(u.seac, vec![(65, 194)]);
        // add (12 10) before a call: refused, the number is not followed.
        let arith: Vec<u8> = [num(1), num(2), vec![12, 10], vec![10]].concat();
        assert!(t.analyse(&arith, &mut Usage::default()).is_err());
        // a call of a subr that is not there
        let missing: Vec<u8> = [num(3), vec![10]].concat();
        assert!(t.analyse(&missing, &mut Usage::default()).is_err());
    }

    #[test]
    fn type2_recursion_is_bounded() {
        // global subr 0 calls itself.
        let g0: Vec<u8> = [num(-107), vec![29, 11]].concat();
        let global = [g0.as_slice()];
        let t = Type2 {
            global: &global,
            local: &[],
        };
        let cs: Vec<u8> = [num(-107), vec![29, 14]].concat();
        let e = t.analyse(&cs, &mut Usage::default()).unwrap_err();
        assert!(e.0.contains("nested"), "{e:?}");
    }

    #[test]
    fn type1_hint_replacement_and_flex_resolve_their_subrs() {
        let plain_subr: Vec<u8> = vec![11];
        let subrs: Vec<Option<Vec<u8>>> = (0..6).map(|_| Some(plain_subr.clone())).collect();
        let t = Type1 { subrs: &subrs };
        // 5 1 3 callothersubr pop callsubr  → subr 5 (hint replacement)
        let cs: Vec<u8> = [
            num(5),
            num(1),
            num(3),
            vec![12, 16, 12, 17, 10],
            num(0),
            num(50),
            vec![13, 14],
        ]
        .concat();
        let mut u = Usage::default();
        t.analyse(&cs, &mut u).unwrap();
        assert_eq!(u.local.iter().copied().collect::<Vec<_>>(), vec![5]);
        // an unknown othersubr's result used as a subr number: refused
        let cs: Vec<u8> = [num(7), num(1), num(15), vec![12, 16, 12, 17, 10]].concat();
        assert!(t.analyse(&cs, &mut Usage::default()).is_err());
    }

    #[test]
    fn type1_charstring_encryption_round_trips() {
        let plain = b"\x8b\x8b\x0d\x0e".to_vec();
        let enc = t1_encrypt(&plain, 4);
        assert_eq!(enc.len(), 8);
        assert_eq!(t1_decrypt(&enc, 4), plain);
        assert_eq!(t1_decrypt(&plain, -1), plain);
    }
}
