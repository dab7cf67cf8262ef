//! Strict decoding of the general-purpose stream filters (ISO 32000-1 §7.4.2–7.4.5), used by
//! disarm to refuse streams whose encoded data is damaged.
//!
//! lopdf (like most readers) decodes leniently: an LZW stream with a bad code, an ASCII85
//! stream with a character out of range or a truncated Flate stream yields whatever came out
//! before the damage, with a log warning. A disarmed file that keeps such a stream passes the
//! damage on: `qpdf --check` reports it, and different readers render different prefixes of
//! it (a differential that hides content from the checker but shows it to the user). Default
//! deny: the whole chain of generic filters is decoded here, bounded, and any error blocks.
//!
//! Image codecs (DCT, JPX, JBIG2, CCITT) and /Crypt end the chain: their data is passed to an
//! image decoder, not to the content parser, and it is not decoded here.

use lopdf::{Dictionary, Object};
use std::io::Read;

/// Why a stream could not be decoded.
#[derive(Debug)]
pub(crate) enum Damage {
    /// The data of filter `filter` is invalid (`why`).
    Invalid {
        /// The filter name.
        filter: String,
        /// What went wrong.
        why: String,
    },
    /// The decoded data exceeded `max` bytes.
    TooLarge,
}

/// Decodes `content` through every generic filter of `dict`'s /Filter chain, each stage bounded
/// by `max` bytes. Returns the data as it is after the last generic filter (possibly still
/// image-encoded), or why it could not be decoded.
pub(crate) fn decode_strict(
    dict: &Dictionary,
    content: &[u8],
    max: u64,
) -> Result<Option<Vec<u8>>, Damage> {
    let filters = crate::actions::filters(dict);
    if filters.is_empty() {
        return Ok(None);
    }
    let mut data: Vec<u8> = content.to_vec();
    for (i, f) in filters.iter().enumerate() {
        let params = params_at(dict, i);
        let invalid = |why: String| Damage::Invalid {
            filter: String::from_utf8_lossy(f).into_owned(),
            why,
        };
        data = match f.as_slice() {
            b"FlateDecode" | b"Fl" => {
                let mut out = Vec::new();
                flate2::read::ZlibDecoder::new(data.as_slice())
                    .take(max.saturating_add(1))
                    .read_to_end(&mut out)
                    .map_err(|e| invalid(e.to_string()))?;
                predictor_check(&out, params).map_err(invalid)?;
                out
            }
            b"LZWDecode" | b"LZW" => {
                let out = lzw(&data, params, max).map_err(invalid)?;
                predictor_check(&out, params).map_err(invalid)?;
                out
            }
            b"ASCII85Decode" | b"A85" => ascii85(&data).map_err(invalid)?,
            b"ASCIIHexDecode" | b"AHx" => ascii_hex(&data).map_err(invalid)?,
            b"RunLengthDecode" | b"RL" => run_length(&data, max),
            // Image codecs and Crypt: the rest is not general-purpose data.
            _ => return Ok(Some(data)),
        };
        if data.len() as u64 > max {
            return Err(Damage::TooLarge);
        }
    }
    Ok(Some(data))
}

/// Whether the stream's first filter has a PNG predictor (/Predictor ≥ 10), whose row tags
/// only a full decode can check.
pub(crate) fn has_png_predictor(dict: &Dictionary) -> bool {
    int(params_at(dict, 0), b"Predictor", 1) >= 10
}

/// The /DecodeParms dictionary for filter `i` (an array parallel to /Filter, or one dictionary).
fn params_at(dict: &Dictionary, i: usize) -> Option<&Dictionary> {
    match dict.get(b"DecodeParms").ok()? {
        Object::Dictionary(d) => Some(d),
        Object::Array(a) => match a.get(i)? {
            Object::Dictionary(d) => Some(d),
            _ => None,
        },
        _ => None,
    }
}

fn int(params: Option<&Dictionary>, key: &[u8], default: i64) -> i64 {
    params
        .and_then(|p| p.get(key).ok())
        .and_then(|o| o.as_i64().ok())
        .unwrap_or(default)
}

/// With a PNG predictor (/Predictor ≥ 10, §7.4.4.4) every row starts with a filter-type byte
/// 0–4; any other value is damage (qpdf reports it, readers differ on the row).
fn predictor_check(data: &[u8], params: Option<&Dictionary>) -> Result<(), String> {
    let predictor = int(params, b"Predictor", 1);
    if predictor < 10 {
        return Ok(());
    }
    let columns = int(params, b"Columns", 1).clamp(1, 1 << 24) as usize;
    let colors = int(params, b"Colors", 1).clamp(1, 64) as usize;
    let bits = int(params, b"BitsPerComponent", 8).clamp(1, 16) as usize;
    let row = (columns * colors * bits).div_ceil(8) + 1;
    for (n, chunk) in data.chunks(row).enumerate() {
        if let Some(&t) = chunk.first()
            && t > 4
        {
            return Err(format!("row {n} has PNG filter type {t}"));
        }
    }
    Ok(())
}

/// LZW (§7.4.4) with /EarlyChange (default 1), bounded by `max`.
fn lzw(data: &[u8], params: Option<&Dictionary>, max: u64) -> Result<Vec<u8>, String> {
    use weezl::{BitOrder, decode::Decoder};
    let early = int(params, b"EarlyChange", 1) != 0;
    let mut dec = if early {
        Decoder::with_tiff_size_switch(BitOrder::Msb, 8)
    } else {
        Decoder::new(BitOrder::Msb, 8)
    };
    let mut out = Vec::new();
    let mut buf = [0u8; 8192];
    let mut input = data;
    loop {
        let r = dec.decode_bytes(input, &mut buf);
        let produced = buf.get(..r.consumed_out).unwrap_or(&[]);
        out.extend_from_slice(produced);
        if out.len() as u64 > max {
            return Err("decoded data exceeds the stream limit".into());
        }
        input = input.get(r.consumed_in..).unwrap_or(&[]);
        match r.status {
            Ok(weezl::LzwStatus::Done) => return Ok(out),
            Ok(weezl::LzwStatus::NoProgress) => return Ok(out),
            Ok(weezl::LzwStatus::Ok) => {
                if input.is_empty() && r.consumed_out == 0 {
                    return Ok(out);
                }
            }
            Err(e) => return Err(e.to_string()),
        }
    }
}

/// ASCII85 (§7.4.3): `!`–`u`, `z` between groups, white space, `~>` at the end; anything
/// else is an error, as is a final group of one character.
fn ascii85(data: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(data.len() / 5 * 4 + 4);
    let mut group: u64 = 0;
    let mut count = 0usize;
    let mut it = data.iter().copied();
    while let Some(c) = it.next() {
        match c {
            b'~' => {
                if it.next() != Some(b'>') {
                    return Err("`~` not followed by `>`".into());
                }
                break;
            }
            b'z' if count == 0 => out.extend_from_slice(&[0; 4]),
            b'!'..=b'u' => {
                group = group * 85 + u64::from(c - b'!');
                count += 1;
                if count == 5 {
                    let v = u32::try_from(group).map_err(|_| "group value out of range")?;
                    out.extend_from_slice(&v.to_be_bytes());
                    group = 0;
                    count = 0;
                }
            }
            c if c.is_ascii_whitespace() || c == 0 => {}
            c => return Err(format!("character {c:#04x} out of range")),
        }
    }
    match count {
        0 => {}
        1 => return Err("final group of one character".into()),
        n => {
            for _ in n..5 {
                group = group * 85 + 84;
            }
            let v = u32::try_from(group).map_err(|_| "group value out of range")?;
            out.extend_from_slice(v.to_be_bytes().get(..n - 1).unwrap_or(&[]));
        }
    }
    Ok(out)
}

/// ASCIIHex (§7.4.2): hex digits and white space up to `>`; anything else is an error.
fn ascii_hex(data: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(data.len() / 2 + 1);
    let mut high: Option<u8> = None;
    for &c in data {
        if c == b'>' {
            break;
        }
        if c.is_ascii_whitespace() || c == 0 {
            continue;
        }
        let n = (c as char)
            .to_digit(16)
            .ok_or_else(|| format!("character {c:#04x} is not hexadecimal"))? as u8;
        match high.take() {
            Some(h) => out.push((h << 4) | n),
            None => high = Some(n),
        }
    }
    if let Some(h) = high {
        out.push(h << 4);
    }
    Ok(out)
}

/// RunLength (§7.4.5), bounded by `max` (readers agree on a truncated run, so it is lenient).
fn run_length(data: &[u8], max: u64) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&len) = data.get(i) {
        if out.len() as u64 > max {
            break;
        }
        i += 1;
        match len {
            128 => break,
            0..=127 => {
                let end = (i + len as usize + 1).min(data.len());
                out.extend_from_slice(data.get(i..end).unwrap_or(&[]));
                i = end;
            }
            _ => {
                let Some(&b) = data.get(i) else { break };
                out.resize(out.len() + (257 - len as usize), b);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dict(filter: &str) -> Dictionary {
        let mut d = Dictionary::new();
        d.set("Filter", Object::Name(filter.as_bytes().to_vec()));
        d
    }

    #[test]
    fn ascii85_decodes_and_refuses_out_of_range_characters() {
        let ok = decode_strict(&dict("ASCII85Decode"), b"87cURD]j7BEbo7~>", 1 << 20);
        assert_eq!(ok.ok().flatten().as_deref(), Some(&b"Hello world"[..]));
        assert!(decode_strict(&dict("ASCII85Decode"), b"87cU{RD~>", 1 << 20).is_err());
    }

    #[test]
    fn ascii_hex_refuses_non_hex() {
        let ok = decode_strict(&dict("AHx"), b"48 65 6C6C6F>", 1 << 20);
        assert_eq!(ok.ok().flatten().as_deref(), Some(&b"Hello"[..]));
        assert!(decode_strict(&dict("AHx"), b"48g5>", 1 << 20).is_err());
    }

    #[test]
    fn damaged_flate_and_lzw_are_refused() {
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&b"BT /F1 12 Tf (x) Tj ET\n".repeat(50))
            .unwrap();
        let good = z.finish().unwrap();
        assert!(decode_strict(&dict("FlateDecode"), &good, 1 << 20).is_ok());
        let mut bad = good.clone();
        bad.truncate(good.len() / 2);
        assert!(decode_strict(&dict("FlateDecode"), &bad, 1 << 20).is_err());
        let text = b"BT /F1 12 Tf (abcabcabd) Tj ET\n".repeat(40);
        let lzw_good = weezl::encode::Encoder::with_tiff_size_switch(weezl::BitOrder::Msb, 8)
            .encode(&text)
            .unwrap();
        let decoded = decode_strict(&dict("LZWDecode"), &lzw_good, 1 << 20);
        assert_eq!(decoded.ok().flatten(), Some(text));
        // Codes far beyond the table built so far (all bits set): damage.
        let mut lzw_bad = lzw_good.clone();
        lzw_bad[4..12].fill(0xFF);
        assert!(decode_strict(&dict("LZWDecode"), &lzw_bad, 1 << 20).is_err());
    }

    #[test]
    fn flate_bomb_is_bounded() {
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(&vec![0u8; 4 << 20]).unwrap();
        let bomb = z.finish().unwrap();
        assert!(matches!(
            decode_strict(&dict("FlateDecode"), &bomb, 1 << 20),
            Err(Damage::TooLarge)
        ));
    }

    #[test]
    fn image_codecs_end_the_chain() {
        let r = decode_strict(&dict("DCTDecode"), b"\xFF\xD8 not checked", 1 << 20);
        assert!(matches!(r, Ok(Some(_))));
    }
}
