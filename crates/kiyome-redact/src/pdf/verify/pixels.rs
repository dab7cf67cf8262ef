//! Image samples under a box: are they all one value? (ISO 32000-1 §8.9.5: sample layout,
//! rows top to bottom, each row padded to a byte; the unit square maps the image's top row
//! to y = 1.)

use super::geo::{R, inv, pt};
use super::lex::Val;
use super::obj::{get, inflate, num, resolve};
use super::walk::{Img, ImgSrc};
use kiyome_pdf::rewrite::lopdf::{Document, Object};

/// Largest difference between samples of a JPEG region still taken as one colour (JPEG is
/// lossy: an overwritten region carries ringing at its edges).
const JPEG_TOLERANCE: i32 = 24;

struct Samples {
    w: usize,
    h: usize,
    /// Bits per pixel (all components).
    bpp: usize,
    data: Vec<u8>,
    /// Decoded from JPEG (8 bits per component, lossy).
    lossy: bool,
    comps: usize,
}

fn comps_of(doc: &Document, cs: &Object) -> Option<usize> {
    match resolve(doc, cs) {
        Object::Name(n) => match n.as_slice() {
            b"DeviceGray" | b"CalGray" | b"G" => Some(1),
            b"DeviceRGB" | b"CalRGB" | b"Lab" | b"RGB" => Some(3),
            b"DeviceCMYK" | b"CMYK" => Some(4),
            b"Indexed" | b"I" => Some(1),
            _ => None,
        },
        Object::Array(a) => {
            let fam = match a.first().map(|o| resolve(doc, o)) {
                Some(Object::Name(n)) => n.as_slice(),
                _ => return None,
            };
            match fam {
                b"ICCBased" => {
                    let s = a.get(1).map(|o| resolve(doc, o));
                    match s {
                        Some(Object::Stream(s)) => num(get(doc, &s.dict, b"N")).map(|n| n as usize),
                        _ => None,
                    }
                }
                b"Indexed" | b"I" | b"Separation" => Some(1),
                b"DeviceN" => match a.get(1).map(|o| resolve(doc, o)) {
                    Some(Object::Array(names)) => Some(names.len()),
                    _ => None,
                },
                b"CalRGB" | b"Lab" => Some(3),
                b"CalGray" => Some(1),
                _ => None,
            }
        }
        _ => None,
    }
}

fn val_to_obj(v: &Val) -> Object {
    match v {
        Val::Name(n) => Object::Name(n.clone()),
        Val::Num(n) => Object::Real(*n as f32),
        Val::Arr(a) => Object::Array(a.iter().map(val_to_obj).collect()),
        _ => Object::Null,
    }
}

fn jpeg(data: &[u8], max_pixels: u64) -> Result<Samples, String> {
    let mut dec =
        image::ImageReader::with_format(std::io::Cursor::new(data), image::ImageFormat::Jpeg);
    let mut lim = image::Limits::default();
    lim.max_alloc = Some(max_pixels.saturating_mul(4));
    dec.limits(lim);
    let img = dec.decode().map_err(|e| format!("JPEG: {e}"))?;
    let rgb = img.to_rgb8();
    Ok(Samples {
        w: rgb.width() as usize,
        h: rgb.height() as usize,
        bpp: 24,
        comps: 3,
        lossy: true,
        data: rgb.into_raw(),
    })
}

/// ASCIIHexDecode (ISO 32000-1 §7.4.2): white space ignored, `>` ends, an odd last digit
/// is followed by 0.
fn unhex(data: &[u8], max: usize) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut hi: Option<u8> = None;
    for &c in data {
        let d = match c {
            b'>' => break,
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            c if c.is_ascii_whitespace() || c == 0 => continue,
            _ => return None,
        };
        match hi.take() {
            Some(h) => out.push(h << 4 | d),
            None => hi = Some(d),
        }
        if out.len() > max {
            return None;
        }
    }
    if let Some(h) = hi {
        out.push(h << 4);
    }
    Some(out)
}

/// ASCII85Decode (ISO 32000-1 §7.4.3): `z` is four zero bytes, `~>` ends, a final group of
/// n characters gives n − 1 bytes.
fn un85(data: &[u8], max: usize) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut group = [0u8; 5];
    let mut n = 0;
    let body = data.strip_prefix(b"<~").unwrap_or(data);
    for &c in body {
        match c {
            b'~' => break,
            b'z' if n == 0 => out.extend([0u8; 4]),
            b'!'..=b'u' => {
                group[n] = c - b'!';
                n += 1;
                if n == 5 {
                    let v = group.iter().fold(0u64, |a, &d| a * 85 + u64::from(d));
                    out.extend(u32::try_from(v).ok()?.to_be_bytes());
                    n = 0;
                }
            }
            c if c.is_ascii_whitespace() || c == 0 => {}
            _ => return None,
        }
        if out.len() > max {
            return None;
        }
    }
    if n == 1 {
        return None;
    }
    if n > 1 {
        for g in group.iter_mut().skip(n) {
            *g = 84;
        }
        let v = group.iter().fold(0u64, |a, &d| a * 85 + u64::from(d));
        out.extend(&u32::try_from(v).ok()?.to_be_bytes()[..n - 1]);
    }
    Some(out)
}

fn samples(doc: &Document, img: &Img, max_pixels: u64) -> Result<Samples, String> {
    let max = usize::try_from(max_pixels.saturating_mul(8)).unwrap_or(usize::MAX);
    let (w, h, bpc, mask, cs, data): (f64, f64, f64, bool, Object, Vec<u8>) = match &img.src {
        ImgSrc::Unknown => return Err("a direct image stream".into()),
        ImgSrc::XObject(id) => {
            let Some(Object::Stream(s)) = doc.objects.get(id) else {
                return Err("missing image".into());
            };
            let d = &s.dict;
            let filters = match get(doc, d, b"Filter") {
                Object::Name(n) => vec![n.clone()],
                Object::Array(a) => a
                    .iter()
                    .filter_map(|o| match resolve(doc, o) {
                        Object::Name(n) => Some(n.clone()),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            let mask = matches!(get(doc, d, b"ImageMask"), Object::Boolean(true));
            let w = num(get(doc, d, b"Width")).unwrap_or(0.0);
            let h = num(get(doc, d, b"Height")).unwrap_or(0.0);
            if w * h > max_pixels as f64 {
                return Err(format!("{w}×{h} pixels"));
            }
            let data = match filters.last().map(Vec::as_slice) {
                Some(b"DCTDecode") if filters.len() == 1 => return jpeg(&s.content, max_pixels),
                Some(b"JBIG2Decode" | b"JPXDecode" | b"CCITTFaxDecode" | b"DCTDecode") => {
                    return Err(format!(
                        "/{}",
                        String::from_utf8_lossy(filters.last().map(Vec::as_slice).unwrap_or(b""))
                    ));
                }
                None => s.content.clone(),
                Some(_) => s
                    .decompressed_content_with_limit(max)
                    .map_err(|e| format!("stream: {e}"))?,
            };
            (
                w,
                h,
                num(get(doc, d, b"BitsPerComponent")).unwrap_or(if mask { 1.0 } else { 8.0 }),
                mask,
                get(doc, d, b"ColorSpace").clone(),
                data,
            )
        }
        ImgSrc::Inline(dict, raw) => {
            let g = |a: &[u8], b: &[u8]| dict.dict_get(a).or_else(|| dict.dict_get(b));
            let filters: Vec<Vec<u8>> = match g(b"F", b"Filter") {
                Some(Val::Name(n)) => vec![n.clone()],
                Some(Val::Arr(a)) => a
                    .iter()
                    .filter_map(|v| match v {
                        Val::Name(n) => Some(n.clone()),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            let mut data = raw.clone();
            for (k, f) in filters.iter().enumerate() {
                data = match f.as_slice() {
                    b"AHx" | b"ASCIIHexDecode" => unhex(&data, max).ok_or("inline hex data")?,
                    b"A85" | b"ASCII85Decode" => un85(&data, max).ok_or("inline ASCII85 data")?,
                    b"Fl" | b"FlateDecode" => inflate(&data, max).ok_or("inline Flate data")?,
                    b"DCT" | b"DCTDecode" if k + 1 == filters.len() => {
                        return jpeg(&data, max_pixels);
                    }
                    _ => return Err("inline image filter".into()),
                };
            }
            let mask = matches!(g(b"IM", b"ImageMask"), Some(Val::Other));
            let w = g(b"W", b"Width").and_then(Val::num).unwrap_or(0.0);
            let h = g(b"H", b"Height").and_then(Val::num).unwrap_or(0.0);
            let bpc = g(b"BPC", b"BitsPerComponent")
                .and_then(Val::num)
                .unwrap_or(1.0);
            let cs = g(b"CS", b"ColorSpace")
                .map(val_to_obj)
                .unwrap_or(Object::Null);
            (w, h, bpc, mask, cs, data)
        }
    };
    if !(w >= 1.0 && h >= 1.0) || w * h > max_pixels as f64 {
        return Err(format!("{w}×{h} pixels"));
    }
    let comps = if mask {
        1
    } else {
        comps_of(doc, &cs).ok_or("colour space")?
    };
    let bpc = bpc as usize;
    if !matches!(bpc, 1 | 2 | 4 | 8 | 16) || comps == 0 || comps > 32 || comps * bpc > 64 {
        return Err(format!("{comps} components of {bpc} bits"));
    }
    let (w, h) = (w as usize, h as usize);
    let stride = (w * comps * bpc).div_ceil(8);
    if data.len() < stride * h {
        return Err("image data shorter than its size".into());
    }
    Ok(Samples {
        w,
        h,
        bpp: comps * bpc,
        data,
        lossy: false,
        comps,
    })
}

fn pixel(s: &Samples, i: usize, j: usize) -> u64 {
    let stride = (s.w * s.bpp).div_ceil(8);
    let row = &s.data[j * stride..(j + 1) * stride];
    let bit = i * s.bpp;
    let mut v = 0u64;
    if s.bpp.is_multiple_of(8) {
        for b in &row[bit / 8..bit / 8 + s.bpp / 8] {
            v = v << 8 | u64::from(*b);
        }
        return v;
    }
    for k in 0..s.bpp {
        let b = bit + k;
        v = v << 1 | u64::from(row[b / 8] >> (7 - b % 8) & 1);
    }
    v
}

fn close(s: &Samples, a: u64, b: u64) -> bool {
    if !s.lossy {
        return a == b;
    }
    (0..s.comps).all(|c| {
        let x = (a >> (8 * c) & 0xFF) as i32;
        let y = (b >> (8 * c) & 0xFF) as i32;
        (x - y).abs() <= JPEG_TOLERANCE
    })
}

/// Whether every pixel of `img` whose centre lies in `region` (page space) has one value.
pub(crate) fn uniform_under(
    doc: &Document,
    img: &Img,
    region: &R,
    max_pixels: u64,
) -> Result<bool, String> {
    let Some(back) = inv(&img.ctm) else {
        return Ok(true); // a degenerate image draws nothing
    };
    let s = samples(doc, img, max_pixels)?;
    // The region in unit-square coordinates, then in pixels.
    let corners = [
        pt(&back, region.x0, region.y0),
        pt(&back, region.x1, region.y0),
        pt(&back, region.x0, region.y1),
        pt(&back, region.x1, region.y1),
    ];
    let Some(u) = R::around(&corners) else {
        return Err("geometry".into());
    };
    let (wf, hf) = (s.w as f64, s.h as f64);
    let i0 = (u.x0.max(0.0) * wf).floor() as usize;
    let i1 = ((u.x1.min(1.0) * wf).ceil() as usize).min(s.w);
    let j0 = ((1.0 - u.y1.min(1.0)) * hf).floor().max(0.0) as usize;
    let j1 = (((1.0 - u.y0.max(0.0)) * hf).ceil() as usize).min(s.h);
    let mut first: Option<u64> = None;
    for j in j0..j1 {
        for i in i0..i1 {
            let (x, y) = pt(&img.ctm, (i as f64 + 0.5) / wf, 1.0 - (j as f64 + 0.5) / hf);
            if !region.contains(x, y) {
                continue;
            }
            let v = pixel(&s, i, j);
            match first {
                None => first = Some(v),
                Some(f) if close(&s, f, v) => {}
                Some(_) => return Ok(false),
            }
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::{un85, unhex};

    #[test]
    fn hex_ignores_space_stops_at_the_end_marker_and_pads_an_odd_digit() {
        assert_eq!(unhex(b"00 ff\nA>41", 100).unwrap(), vec![0, 255, 0xA0]);
        assert!(unhex(b"0g", 100).is_none());
        assert!(unhex(b"000000", 2).is_none(), "the limit holds");
    }

    #[test]
    fn ascii85_decodes_whole_and_partial_groups_and_z() {
        // "Man " is 9jqo^ ; "Ma" alone is 9jn (n − 1 bytes from a group of n).
        assert_eq!(
            un85(b"9jqo^z9jn~>", 100).unwrap(),
            b"Man \0\0\0\0Ma".to_vec()
        );
        assert!(
            un85(b"9~>", 100).is_none(),
            "a group of one character is invalid"
        );
        assert!(un85(b"zzzz", 8).is_none(), "the limit holds");
    }
}
