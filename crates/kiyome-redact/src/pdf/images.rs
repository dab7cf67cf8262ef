//! Overwriting image pixels inside redaction areas (画像の黒塗り).
//!
//! Supported sample data: unfiltered or Flate/LZW/RunLength/ASCII-encoded, 1 or 8 bits per
//! component, any number of components (Gray, RGB, CMYK, ICC, Indexed), image masks; and
//! baseline/progressive JPEG (DCTDecode), decoded and re-encoded losslessly as Flate RGB or
//! gray. The pixels under the area are set to the box colour (masks: unpainted; soft masks:
//! opaque). An image in any other encoding (JBIG2, JPEG 2000, CCITT, 16-bit) that meets an
//! area is replaced whole by a 1×1 image of the box colour: the content is never kept.

use super::geom::{Matrix, Rect, apply, invert};
use crate::plan::Plan;
use crate::report::RedactionReport;
use kiyome_core::{Action, Ctx, Error, Finding, LimitKind, Severity};
use kiyome_pdf::rewrite::lopdf::{Dictionary, Document, Object, ObjectId, Stream};
use std::collections::BTreeMap;

/// Overwrites every listed image inside its areas.
pub(crate) fn overwrite(
    doc: &mut Document,
    areas: &BTreeMap<ObjectId, Vec<(Matrix, Rect)>>,
    plan: &Plan,
    ctx: &Ctx<'_>,
    report: &mut RedactionReport,
) -> Result<(), Error> {
    for (id, zones) in areas {
        ctx.budget.check_time()?;
        let smask = match doc.objects.get(id) {
            Some(Object::Stream(s)) => match s.dict.get(b"SMask") {
                Ok(Object::Reference(r)) => Some(*r),
                _ => None,
            },
            _ => None,
        };
        let how = redact_image(doc, *id, zones, plan, ctx, false)?;
        if let Some(m) = smask {
            // The soft mask holds the same shapes as the image: make the zone opaque.
            redact_image(doc, m, zones, plan, ctx, true)?;
        }
        report.removed(
            Finding::new("redact.image_area", Severity::Info, format!("obj {}", id.0))
                .detail(how)
                .action(Action::Removed),
        );
    }
    Ok(())
}

fn int(d: &Dictionary, k: &[u8]) -> Option<i64> {
    match d.get(k) {
        Ok(Object::Integer(i)) => Some(*i),
        Ok(Object::Real(r)) => Some(*r as i64),
        _ => None,
    }
}

pub(crate) fn components(doc: &Document, cs: Option<&Object>) -> Option<(usize, bool)> {
    let cs = match cs? {
        Object::Reference(r) => doc.objects.get(r)?,
        o => o,
    };
    match cs {
        Object::Name(n) => match n.as_slice() {
            b"DeviceGray" | b"CalGray" | b"G" => Some((1, false)),
            b"DeviceRGB" | b"CalRGB" | b"RGB" => Some((3, false)),
            b"DeviceCMYK" | b"CMYK" => Some((4, false)),
            _ => None,
        },
        Object::Array(a) => match a.first() {
            Some(Object::Name(n)) if n == b"ICCBased" => {
                let s = match a.get(1)? {
                    Object::Reference(r) => doc.objects.get(r)?,
                    o => o,
                };
                match s {
                    Object::Stream(st) => {
                        int(&st.dict, b"N").map(|n| (n.clamp(1, 4) as usize, false))
                    }
                    _ => None,
                }
            }
            Some(Object::Name(n)) if n == b"Indexed" || n == b"I" => Some((1, true)),
            Some(Object::Name(n)) if n == b"CalRGB" || n == b"Lab" => Some((3, false)),
            Some(Object::Name(n)) if n == b"CalGray" => Some((1, false)),
            _ => None,
        },
        _ => None,
    }
}

fn filters(d: &Dictionary) -> Vec<Vec<u8>> {
    match d.get(b"Filter") {
        Ok(Object::Name(n)) => vec![n.clone()],
        Ok(Object::Array(a)) => a
            .iter()
            .filter_map(|o| match o {
                Object::Name(n) => Some(n.clone()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The pixel rectangle (col0, row0, col1, row1) of `zone` in a `w`×`h` image drawn with `ctm`.
fn pixel_rect(
    ctm: &Matrix,
    zone: &Rect,
    w: usize,
    h: usize,
) -> Option<(usize, usize, usize, usize)> {
    let inv = invert(ctm)?;
    let pts = [
        apply(&inv, zone.x0, zone.y0),
        apply(&inv, zone.x1, zone.y0),
        apply(&inv, zone.x0, zone.y1),
        apply(&inv, zone.x1, zone.y1),
    ];
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for (x, y) in pts {
        x0 = x0.min(x);
        y0 = y0.min(y);
        x1 = x1.max(x);
        y1 = y1.max(y);
    }
    let clamp = |v: f64, n: usize| -> usize { (v.max(0.0).min(n as f64)) as usize };
    // Image space: x to the right, y up; row 0 is the top (y = 1).
    let c0 = clamp((x0 * w as f64).floor(), w);
    let c1 = clamp((x1 * w as f64).ceil(), w);
    let r0 = clamp(((1.0 - y1) * h as f64).floor(), h);
    let r1 = clamp(((1.0 - y0) * h as f64).ceil(), h);
    (c0 < c1 && r0 < r1).then_some((c0, r0, c1, r1))
}

fn fill_value(comps: usize, indexed: bool, mask: bool, rgb: [f32; 3]) -> Vec<u8> {
    if mask || indexed {
        return vec![if mask { 255 } else { 0 }; comps];
    }
    let to8 = |v: f32| (v.clamp(0.0, 1.0) * 255.0).round() as u8;
    match comps {
        1 => vec![to8(0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2])],
        3 => rgb.iter().map(|v| to8(*v)).collect(),
        4 => {
            let k = 1.0 - rgb[0].max(rgb[1]).max(rgb[2]);
            let f = |c: f32| {
                if k >= 1.0 {
                    0.0
                } else {
                    (1.0 - c - k) / (1.0 - k)
                }
            };
            vec![to8(f(rgb[0])), to8(f(rgb[1])), to8(f(rgb[2])), to8(k)]
        }
        n => vec![0; n],
    }
}

fn redact_image(
    doc: &mut Document,
    id: ObjectId,
    zones: &[(Matrix, Rect)],
    plan: &Plan,
    ctx: &Ctx<'_>,
    soft_mask: bool,
) -> Result<String, Error> {
    let cs_obj = match doc.objects.get(&id) {
        Some(Object::Stream(s)) => s.dict.get(b"ColorSpace").ok().cloned(),
        _ => return Ok("not an image stream".into()),
    };
    let comps = components(doc, cs_obj.as_ref());
    let Some(Object::Stream(s)) = doc.objects.get_mut(&id) else {
        return Ok("not an image stream".into());
    };
    let rgb = plan.box_color.0;
    if let Some(how) = overwrite_stream(s, comps, zones, rgb, ctx, soft_mask)? {
        return Ok(how);
    }
    // Unsupported encoding: replace the whole image by one pixel of the box colour.
    let is_mask = matches!(s.dict.get(b"ImageMask"), Ok(Object::Boolean(true)));
    let mut d = Dictionary::new();
    d.set("Type", Object::Name(b"XObject".to_vec()));
    d.set("Subtype", Object::Name(b"Image".to_vec()));
    d.set("Width", Object::Integer(1));
    d.set("Height", Object::Integer(1));
    if is_mask {
        d.set("ImageMask", Object::Boolean(true));
        *s = Stream::new(d, vec![0xFF]);
    } else {
        d.set("BitsPerComponent", Object::Integer(8));
        d.set("ColorSpace", Object::Name(b"DeviceRGB".to_vec()));
        *s = Stream::new(d, fill_value(3, false, false, rgb));
    }
    Ok("image in an encoding kiyome does not rewrite: replaced whole".into())
}

/// Overwrites the samples of image stream `s` (full key names) inside `zones` with the box
/// colour `rgb` and stores them re-encoded; `None` when its encoding cannot be rewritten
/// (the caller replaces or drops the image).
pub(crate) fn overwrite_stream(
    s: &mut Stream,
    comps: Option<(usize, bool)>,
    zones: &[(Matrix, Rect)],
    rgb: [f32; 3],
    ctx: &Ctx<'_>,
    soft_mask: bool,
) -> Result<Option<String>, Error> {
    let max_stream = usize::try_from(ctx.limits().max_stream_bytes).unwrap_or(usize::MAX);
    let w = int(&s.dict, b"Width").unwrap_or(0).max(0) as usize;
    let h = int(&s.dict, b"Height").unwrap_or(0).max(0) as usize;
    let pixels = (w as u64).saturating_mul(h as u64);
    if pixels > ctx.limits().max_pixels {
        return Err(Error::limit(
            LimitKind::Pixels,
            pixels,
            ctx.limits().max_pixels,
        ));
    }
    let is_mask = matches!(s.dict.get(b"ImageMask"), Ok(Object::Boolean(true)));
    let bpc = if is_mask {
        1
    } else {
        int(&s.dict, b"BitsPerComponent").unwrap_or(8)
    };
    let f = filters(&s.dict);
    let lossless = f.iter().all(|x| {
        matches!(
            x.as_slice(),
            b"FlateDecode"
                | b"Fl"
                | b"LZWDecode"
                | b"LZW"
                | b"RunLengthDecode"
                | b"RL"
                | b"ASCIIHexDecode"
                | b"AHx"
                | b"ASCII85Decode"
                | b"A85"
        )
    });
    let is_dct = f.last().is_some_and(|x| x == b"DCTDecode" || x == b"DCT");
    let (comps, indexed) = if is_mask || soft_mask {
        (1, false)
    } else {
        match comps {
            Some(c) => c,
            None if is_dct => (3, false),
            None => (0, false),
        }
    };
    // Sample data and layout.
    let decoded: Option<(Vec<u8>, usize, usize)> =
        if lossless && (bpc == 8 || bpc == 1) && comps > 0 {
            let data = if f.is_empty() {
                Some(s.content.clone())
            } else {
                s.decompressed_content_with_limit(max_stream).ok()
            };
            data.map(|d| (d, comps, bpc as usize))
        } else if is_dct && !soft_mask && !is_mask {
            let raw = s.content.clone();
            decode_jpeg(&raw, ctx).map(|(d, c)| (d, c, 8))
        } else {
            None
        };
    let Some((mut data, comps, bpc)) = decoded else {
        return Ok(None);
    };
    let row_bytes = (w * comps * bpc).div_ceil(8);
    if data.len() < row_bytes * h {
        data.resize(row_bytes * h, 0);
    }
    let decode_inverted = matches!(s.dict.get(b"Decode"), Ok(Object::Array(a))
        if matches!((a.first(), a.get(1)), (Some(x), Some(y)) if num(x) > num(y)));
    let mut fill = fill_value(comps, indexed, is_mask, rgb);
    if soft_mask {
        fill = vec![255];
    }
    if decode_inverted {
        for v in &mut fill {
            *v = 255 - *v;
        }
    }
    for (ctm, zone) in zones {
        let Some((c0, r0, c1, r1)) = pixel_rect(ctm, zone, w, h) else {
            continue;
        };
        for row in r0..r1 {
            let base = row * row_bytes;
            for col in c0..c1 {
                if bpc == 8 {
                    for k in 0..comps {
                        if let Some(b) = data.get_mut(base + col * comps + k) {
                            *b = fill.get(k).copied().unwrap_or(0);
                        }
                    }
                } else {
                    // 1 bit per component: one bit per sample, most significant first.
                    for k in 0..comps {
                        let bit = col * comps + k;
                        let on = fill.get(k).copied().unwrap_or(0) >= 128;
                        if let Some(b) = data.get_mut(base + bit / 8) {
                            let m = 0x80u8 >> (bit % 8);
                            if on {
                                *b |= m;
                            } else {
                                *b &= !m;
                            }
                        }
                    }
                }
            }
        }
    }
    if is_dct {
        s.dict.set(
            "ColorSpace",
            Object::Name(if comps == 1 {
                b"DeviceGray".to_vec()
            } else {
                b"DeviceRGB".to_vec()
            }),
        );
        s.dict.set("BitsPerComponent", Object::Integer(8));
        s.dict.remove(b"Decode");
    }
    s.dict.remove(b"Filter");
    s.dict.remove(b"DecodeParms");
    s.set_plain_content(data);
    let _ = s.compress();
    Ok(Some(if is_dct {
        "JPEG pixels overwritten, re-encoded losslessly".into()
    } else {
        "pixels overwritten".into()
    }))
}

fn num(o: &Object) -> f64 {
    match o {
        Object::Integer(i) => *i as f64,
        Object::Real(r) => f64::from(*r),
        _ => 0.0,
    }
}

/// Decodes a JPEG to 8-bit gray or RGB samples.
fn decode_jpeg(data: &[u8], ctx: &Ctx<'_>) -> Option<(Vec<u8>, usize)> {
    let mut dec =
        image::ImageReader::with_format(std::io::Cursor::new(data), image::ImageFormat::Jpeg);
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(ctx.limits().max_stream_bytes);
    dec.limits(limits);
    let img = dec.decode().ok()?;
    match img.color().channel_count() {
        1 => Some((img.into_luma8().into_raw(), 1)),
        _ => Some((img.into_rgb8().into_raw(), 3)),
    }
}
