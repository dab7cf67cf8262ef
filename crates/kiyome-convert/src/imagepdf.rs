//! The image-only PDF writer: one image per page, nothing else.
//!
//! The output holds a catalog, a page tree, and per page a content stream that paints one
//! image XObject over the whole page. No fonts, no text, no annotations, no actions, no
//! metadata, no /Info. Written by hand (the structure is fixed and tiny), so that no object
//! of the input can survive by accident. Per page the encoding is chosen to keep files small:
//! JPEG for photographic pages, Flate (PNG predictors chosen per row) for line art and text;
//! grey when a page has no colour. A line-art page whose colours fit a palette of 256 within
//! [`PALETTE_TOLERANCE`] (anti-aliased text and diagrams: a few hundred shades) is stored as
//! palette indices, a third of the bytes of RGB.

use crate::render::PageImage;
use flate2::{Compression, write::ZlibEncoder};
use kiyome_core::{Budget, Error};
use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};

/// Options of the image-PDF writer.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ImagePdfOptions {
    /// Rendering resolution in dots per inch (default 150).
    pub dpi: f32,
    /// JPEG quality for photographic pages, 1–100 (default 75).
    pub jpeg_quality: u8,
}

impl Default for ImagePdfOptions {
    fn default() -> Self {
        ImagePdfOptions {
            dpi: 150.0,
            jpeg_quality: 75,
        }
    }
}

/// How one page image was stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// DCTDecode (lossy).
    Jpeg,
    /// FlateDecode with PNG predictors (lossless).
    Flate,
    /// FlateDecode of pixels snapped to a palette of at most 256 colours, every channel of
    /// every pixel within [`PALETTE_TOLERANCE`] of its original (Indexed colour for colour
    /// pages, grey levels for grey ones). A page whose palette is exact is [`Encoding::Flate`].
    Palette,
}

/// Largest difference, per channel and out of 255, between a pixel of a palette page and the
/// colour it is stored as. On the pages of the image-PDF benchmark it gives palettes of 35–155
/// colours and a mean error of about 0.1 per channel.
pub const PALETTE_TOLERANCE: u8 = 4;

/// Pages with more distinct colours than this are not tried for a palette.
const PALETTE_MAX_SOURCE_COLOURS: usize = 16_384;

/// One page, encoded and ready to be written.
#[derive(Debug, Clone)]
pub struct EncodedPage {
    /// Width in points.
    pub width_pt: f32,
    /// Height in points.
    pub height_pt: f32,
    /// Width of the image in pixels.
    pub width_px: u32,
    /// Height of the image in pixels.
    pub height_px: u32,
    /// DeviceGray (else DeviceRGB).
    pub gray: bool,
    /// For a colour page stored as palette indices: the palette (`[/Indexed /DeviceRGB …]`).
    pub palette: Option<Vec<[u8; 3]>>,
    /// How the pixels are stored.
    pub encoding: Encoding,
    /// The stream data (JPEG, or zlib of PNG-predicted rows), hex-encoded when `hex`.
    pub data: Vec<u8>,
    /// Whether `data` is wrapped in ASCIIHexDecode (see [`clean_of_keywords`]).
    pub hex: bool,
}

impl EncodedPage {
    /// The page's size in points and pixels.
    pub(crate) fn dims(&self) -> crate::ocr_layer::Dims {
        crate::ocr_layer::Dims {
            width_pt: self.width_pt,
            height_pt: self.height_pt,
            width_px: self.width_px,
            height_px: self.height_px,
        }
    }
}

/// The names `pdfid` and kiyome's own inspection count as signs of active content.
const KEYWORDS: &[&[u8]] = &[
    b"JS",
    b"JavaScript",
    b"AA",
    b"OpenAction",
    b"Launch",
    b"EmbeddedFile",
    b"EmbeddedFiles",
    b"XFA",
    b"RichMedia",
    b"AcroForm",
    b"GoToR",
    b"GoToE",
    b"SubmitForm",
    b"ImportData",
    b"URI",
    b"ObjStm",
    b"Encrypt",
    b"JBIG2Decode",
];

/// Whether `data` holds no byte sequence that reads as one of [`KEYWORDS`] after a slash
/// (letters and digits, `#xx` escapes decoded), the way pdfid tokenises a file. Compressed
/// image data is random bytes: now and then (a few percent of pages) it spells `/AA` or `/JS`
/// by chance, and pdfid and `kiyome inspect` would then count an active keyword in a PDF that
/// has none. Such a page is re-encoded (another compression level or JPEG quality), and as a
/// last resort hex-encoded, which has no slash at all.
pub fn clean_of_keywords(data: &[u8]) -> bool {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut word = Vec::with_capacity(16);
    for (i, _) in data.iter().enumerate().filter(|(_, b)| **b == b'/') {
        word.clear();
        let mut j = i + 1;
        while word.len() <= 16 {
            match data.get(j) {
                Some(&c) if c.is_ascii_alphanumeric() => {
                    word.push(c);
                    j += 1;
                }
                Some(b'#') => match (
                    data.get(j + 1).and_then(|&b| hex(b)),
                    data.get(j + 2).and_then(|&b| hex(b)),
                ) {
                    (Some(h), Some(l)) => {
                        word.push(h * 16 + l);
                        j += 3;
                    }
                    _ => break,
                },
                _ => break,
            }
        }
        if KEYWORDS.contains(&word.as_slice()) {
            return false;
        }
    }
    true
}

fn to_hex(data: &[u8]) -> Vec<u8> {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = Vec::with_capacity(data.len() * 2 + data.len() / 32 + 2);
    for (i, b) in data.iter().enumerate() {
        out.push(DIGITS[(b >> 4) as usize]);
        out.push(DIGITS[(b & 15) as usize]);
        if i % 64 == 63 {
            out.push(b'\n');
        }
    }
    out.push(b'>');
    out
}

/// The image-only PDF and how each page was stored.
#[derive(Debug, Clone)]
pub struct ImagePdf {
    /// The PDF.
    pub pdf: Vec<u8>,
    /// Per page, its encoding.
    pub encodings: Vec<Encoding>,
    /// Words of the invisible OCR text layer, when one was asked for.
    pub ocr_words: Option<usize>,
}

fn is_gray(rgb: &[u8]) -> bool {
    rgb.chunks_exact(3).all(|p| {
        let (r, g, b) = (p[0] as i16, p[1] as i16, p[2] as i16);
        (r - g).abs() <= 2 && (g - b).abs() <= 2
    })
}

/// Line art: most sampled pixels fall into two colour buckets (paper and ink).
fn is_line_art(rgb: &[u8]) -> bool {
    let mut hist = vec![0u32; 4096];
    let mut n = 0u32;
    for p in rgb.chunks_exact(3).step_by(7) {
        let key = ((p[0] as usize >> 4) << 8) | ((p[1] as usize >> 4) << 4) | (p[2] as usize >> 4);
        hist[key] += 1;
        n += 1;
    }
    hist.sort_unstable_by(|a, b| b.cmp(a));
    let top: u32 = hist[0] + hist[1];
    n == 0 || top as f64 >= 0.85 * n as f64
}

/// A palette of at most 256 colours (grey levels when `comps` is 1) within
/// [`PALETTE_TOLERANCE`] of every pixel of `px`, the most used colours first and exact, and
/// the palette index of every distinct colour; `None` when the page needs more.
struct Palette {
    colours: Vec<u32>,
    index: HashMap<u32, u8>,
    /// Whether every pixel keeps its exact colour.
    exact: bool,
}

fn colour_key(p: &[u8]) -> u32 {
    match p {
        [g] => *g as u32,
        [r, g, b] => ((*r as u32) << 16) | ((*g as u32) << 8) | *b as u32,
        _ => 0,
    }
}

fn quantize(px: &[u8], comps: usize) -> Option<Palette> {
    // Count colours; runs of one colour (paper, ink) are counted once per run.
    let mut counts: HashMap<u32, u64> = HashMap::new();
    let (mut last, mut run) = (u32::MAX, 0u64);
    for p in px.chunks_exact(comps) {
        let k = colour_key(p);
        if k == last {
            run += 1;
            continue;
        }
        if run > 0 {
            *counts.entry(last).or_default() += run;
            if counts.len() > PALETTE_MAX_SOURCE_COLOURS {
                return None;
            }
        }
        (last, run) = (k, 1);
    }
    if run > 0 {
        *counts.entry(last).or_default() += run;
    }
    let mut by_use: Vec<(u32, u64)> = counts.into_iter().collect();
    by_use.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let ch = |k: u32, i: u32| ((k >> (8 * i)) & 0xFF) as i32;
    let tol = PALETTE_TOLERANCE as i32;
    let mut colours: Vec<u32> = Vec::new();
    let mut index = HashMap::with_capacity(by_use.len());
    let mut exact = true;
    for &(k, _) in &by_use {
        // The nearest palette colour within the tolerance on every channel, else a new one.
        let mut best: Option<(i32, usize)> = None;
        for (i, &c) in colours.iter().enumerate() {
            let (mut worst, mut d2) = (0, 0);
            for j in 0..3 {
                let d = (ch(k, j) - ch(c, j)).abs();
                worst = worst.max(d);
                d2 += d * d;
            }
            if worst <= tol && best.is_none_or(|(b, _)| d2 < b) {
                best = Some((d2, i));
            }
        }
        let i = match best {
            Some((d2, i)) => {
                exact &= d2 == 0;
                i
            }
            None if colours.len() == 256 => return None,
            None => {
                colours.push(k);
                colours.len() - 1
            }
        };
        index.insert(k, i as u8);
    }
    Some(Palette {
        colours,
        index,
        exact,
    })
}

/// The pixels of `px` as palette indices (colour) or snapped grey levels (`comps` 1).
fn apply_palette(px: &[u8], comps: usize, pal: &Palette) -> Vec<u8> {
    let mut out = Vec::with_capacity(px.len() / comps);
    let (mut last, mut val) = (u32::MAX, 0u8);
    for p in px.chunks_exact(comps) {
        let k = colour_key(p);
        if k != last {
            let i = pal.index.get(&k).copied().unwrap_or(0);
            val = if comps == 1 {
                pal.colours[i as usize] as u8
            } else {
                i
            };
            last = k;
        }
        out.push(val);
    }
    out
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = a as i16 + b as i16 - c as i16;
    let (pa, pb, pc) = (
        (p - a as i16).abs(),
        (p - b as i16).abs(),
        (p - c as i16).abs(),
    );
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}

/// PNG-predicts one row into `out` (filter byte first), choosing per row among None, Sub, Up
/// and Paeth the filter whose output has the smallest sum of absolute values (the usual PNG
/// heuristic): text rows favour Up, rows of gradients Sub or Paeth.
fn predict_row(cur: &[u8], prev: &[u8], bpp: usize, out: &mut Vec<u8>, trial: &mut [Vec<u8>; 4]) {
    let n = cur.len();
    for t in trial.iter_mut() {
        t.clear();
    }
    for i in 0..n {
        let a = if i >= bpp { cur[i - bpp] } else { 0 };
        let b = prev[i];
        let c = if i >= bpp { prev[i - bpp] } else { 0 };
        let x = cur[i];
        trial[0].push(x);
        trial[1].push(x.wrapping_sub(a));
        trial[2].push(x.wrapping_sub(b));
        trial[3].push(x.wrapping_sub(paeth(a, b, c)));
    }
    let cost = |v: &[u8]| {
        v.iter()
            .map(|&x| (x as i8).unsigned_abs() as u64)
            .sum::<u64>()
    };
    let (best, _) = trial
        .iter()
        .enumerate()
        .map(|(k, t)| (k, cost(t)))
        .min_by_key(|&(_, c)| c)
        .unwrap_or((2, 0));
    // PNG filter types: 0 None, 1 Sub, 2 Up, 4 Paeth.
    out.push([0u8, 1, 2, 4][best]);
    out.extend_from_slice(&trial[best]);
}

/// Encodes one page: JPEG at `quality` for photographic pages, lossless Flate otherwise; grey
/// when the page has no colour.
pub fn encode(page: &PageImage, quality: u8) -> Result<EncodedPage, Error> {
    encode_within(page, quality, None)
}

/// The share of `max_decompressed_bytes` that lossless pages of one output may fill once
/// inflated: the output must pass kiyome's own inspection (and a reader's patience) under the
/// same limits as any input, so a long document's later line-art pages become JPEG instead.
fn lossless_room(max_decompressed_bytes: u64) -> AtomicU64 {
    AtomicU64::new(max_decompressed_bytes / 4 * 3)
}

/// [`encode`], taking a lossless page's inflated size (pixels plus one predictor byte a row)
/// from `room`; a line-art page that no longer fits is stored as JPEG.
fn encode_within(
    page: &PageImage,
    quality: u8,
    room: Option<&AtomicU64>,
) -> Result<EncodedPage, Error> {
    let expected = page.width_px as usize * page.height_px as usize * 3;
    if page.rgb.len() != expected || page.width_px == 0 || page.height_px == 0 {
        return Err(Error::parse("image", "page pixels do not match its size"));
    }
    let gray = is_gray(&page.rgb);
    let pixels: std::borrow::Cow<'_, [u8]> = if gray {
        page.rgb
            .chunks_exact(3)
            .map(|p| p[1])
            .collect::<Vec<u8>>()
            .into()
    } else {
        page.rgb.as_slice().into()
    };
    let comps = if gray { 1 } else { 3 };
    let line_art = is_line_art(&page.rgb);
    // Line art whose colours fit a palette: indices (colour) or snapped levels (grey), one
    // byte a pixel.
    let palette = if line_art {
        quantize(&pixels, comps)
    } else {
        None
    };
    let snapped: Option<Vec<u8>> = palette
        .as_ref()
        .filter(|p| !gray || !p.exact)
        .map(|p| apply_palette(&pixels, comps, p));
    let (flat, flat_comps): (&[u8], usize) = match &snapped {
        Some(v) => (v, 1),
        None => (&pixels, comps),
    };
    let flate = |level: u32| -> Result<Vec<u8>, Error> {
        let row = page.width_px as usize * flat_comps;
        let mut z = ZlibEncoder::new(Vec::new(), Compression::new(level));
        let mut prev = vec![0u8; row];
        let mut line = Vec::with_capacity(row + 1);
        let mut trial: [Vec<u8>; 4] = Default::default();
        for cur in flat.chunks_exact(row) {
            line.clear();
            predict_row(cur, &prev, flat_comps, &mut line, &mut trial);
            z.write_all(&line)?;
            prev.copy_from_slice(cur);
        }
        Ok(z.finish()?)
    };
    let jpeg = |q: u8| -> Result<Vec<u8>, Error> {
        // 4:2:0 colour and tables optimised per page: what keeps a photographic page small.
        let params = kiyome_image::JpegParams {
            quality: q,
            subsampling: kiyome_image::Subsampling::Quarter,
            optimize: true,
        };
        kiyome_image::encode_jpeg(&pixels, page.width_px, page.height_px, gray, &params)
    };
    let inflated = (page.width_px as u64 * flat_comps as u64 + 1) * page.height_px as u64;
    let fits = || {
        room.is_none_or(|r| {
            r.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                left.checked_sub(inflated)
            })
            .is_ok()
        })
    };
    let encoding = match (&palette, line_art && fits()) {
        (_, false) => Encoding::Jpeg,
        (Some(p), true) if !p.exact => Encoding::Palette,
        _ => Encoding::Flate,
    };
    // The first attempt is the configured one; the others only when its bytes spell a keyword.
    let mut data = Vec::new();
    let mut clean = false;
    for attempt in 0..4u8 {
        data = match encoding {
            Encoding::Flate | Encoding::Palette => flate([6, 5, 7, 4][attempt as usize])?,
            Encoding::Jpeg => {
                let q = quality.clamp(1, 100);
                let q = match attempt {
                    0 => q,
                    1 => q.saturating_sub(1).max(1),
                    2 => (q + 1).min(100),
                    _ => q.saturating_sub(2).max(1),
                };
                jpeg(q)?
            }
        };
        if clean_of_keywords(&data) {
            clean = true;
            break;
        }
    }
    let hex = !clean;
    if hex {
        data = to_hex(&data);
    }
    Ok(EncodedPage {
        width_pt: page.width_pt,
        height_pt: page.height_pt,
        width_px: page.width_px,
        height_px: page.height_px,
        gray,
        palette: match (&palette, gray, encoding) {
            (Some(p), false, Encoding::Flate | Encoding::Palette) => Some(
                p.colours
                    .iter()
                    .map(|c| [(c >> 16) as u8, (c >> 8) as u8, *c as u8])
                    .collect(),
            ),
            _ => None,
        },
        encoding,
        data,
        hex,
    })
}

/// Checks the options: a resolution that renders something and a JPEG quality in range.
pub fn check_options(opts: &ImagePdfOptions) -> Result<(), Error> {
    if !(opts.dpi.is_finite() && (9.0..=2400.0).contains(&opts.dpi)) {
        return Err(Error::unsupported(format!(
            "image-PDF conversion at {} dpi (9 to 2400)",
            opts.dpi
        )));
    }
    if !(1..=100).contains(&opts.jpeg_quality) {
        return Err(Error::unsupported(format!(
            "JPEG quality {} (1 to 100)",
            opts.jpeg_quality
        )));
    }
    Ok(())
}

/// 画像PDF変換 of a PDF: every page rendered at `opts.dpi` and encoded on the worker that
/// rendered it, in parallel, under the budget's page, pixel and time limits; then written as
/// an image-only PDF.
pub fn from_pdf(
    data: &[u8],
    password: Option<&str>,
    opts: &ImagePdfOptions,
    budget: &Budget,
) -> Result<ImagePdf, Error> {
    from_pdf_with_ocr(data, password, opts, budget, None)
}

/// [`from_pdf`], with an invisible OCR text layer when `ocr` is given: each page's words are
/// recognised from the pixels kiyome rendered (never from the input) on the worker that
/// rendered the page, before the pixels are encoded and dropped.
pub fn from_pdf_with_ocr(
    data: &[u8],
    password: Option<&str>,
    opts: &ImagePdfOptions,
    budget: &Budget,
    ocr: Option<crate::ocr::OcrOptions>,
) -> Result<ImagePdf, Error> {
    check_options(opts)?;
    let (quality, dpi) = (opts.jpeg_quality, opts.dpi);
    let room = std::sync::Arc::new(lossless_room(budget.limits().max_decompressed_bytes));
    let pages = crate::render::render_each(data, password, opts.dpi, budget, move |page| {
        let words = match &ocr {
            Some(o) => Some(crate::ocr::page_words(&page, Some(dpi), o)?),
            None => None,
        };
        Ok((encode_within(&page, quality, Some(&room))?, words))
    })?;
    let (pages, words): (Vec<EncodedPage>, Vec<Option<Vec<crate::ocr::Word>>>) =
        pages.into_iter().unzip();
    let words: Option<Vec<Vec<crate::ocr::Word>>> = words.into_iter().collect();
    Ok(finish(pages, words.as_deref()))
}

/// An image-only PDF of already rendered pages (images become one page each).
pub fn from_pages(pages: &[PageImage], opts: &ImagePdfOptions) -> Result<ImagePdf, Error> {
    from_pages_with_text(pages, opts, None)
}

/// [`from_pages`], with an invisible OCR text layer when `words` gives the recognised words
/// of each page (pixels of that page's image); see [`crate::ocr_layer`]. Only this adds a
/// font.
pub fn from_pages_with_text(
    pages: &[PageImage],
    opts: &ImagePdfOptions,
    words: Option<&[Vec<crate::ocr::Word>]>,
) -> Result<ImagePdf, Error> {
    check_options(opts)?;
    use rayon::prelude::*;
    let room = lossless_room(kiyome_core::Limits::default().max_decompressed_bytes);
    let encoded: Vec<EncodedPage> = pages
        .par_iter()
        .map(|p| encode_within(p, opts.jpeg_quality, Some(&room)))
        .collect::<Result<_, _>>()?;
    Ok(finish(encoded, words))
}

fn finish(pages: Vec<EncodedPage>, words: Option<&[Vec<crate::ocr::Word>]>) -> ImagePdf {
    ImagePdf {
        pdf: write_with_text(&pages, words),
        encodings: pages.iter().map(|p| p.encoding).collect(),
        ocr_words: words.map(|w| w.iter().map(Vec::len).sum()),
    }
}

/// Builds the image-only PDF from rendered pages. Returns the bytes and, per page, how its
/// image was encoded.
pub fn build(
    pages: &[PageImage],
    opts: &ImagePdfOptions,
) -> Result<(Vec<u8>, Vec<Encoding>), Error> {
    build_with_text(pages, opts, None)
}

/// [`build`] with an optional invisible OCR text layer (see [`from_pages_with_text`]).
pub fn build_with_text(
    pages: &[PageImage],
    opts: &ImagePdfOptions,
    words: Option<&[Vec<crate::ocr::Word>]>,
) -> Result<(Vec<u8>, Vec<Encoding>), Error> {
    let out = from_pages_with_text(pages, opts, words)?;
    Ok((out.pdf, out.encodings))
}

/// Writes encoded pages as a PDF: a catalog, a page tree, and per page a page, a content
/// stream that paints the image over the whole page, and the image. Nothing else.
pub fn write(pages: &[EncodedPage]) -> Vec<u8> {
    write_with_text(pages, None)
}

/// [`write`], plus an invisible OCR text layer (one font, text render mode 3) when `words`
/// gives each page's recognised words.
pub fn write_with_text(pages: &[EncodedPage], words: Option<&[Vec<crate::ocr::Word>]>) -> Vec<u8> {
    let layer = words.map(crate::ocr_layer::LayerFont::new);
    let font_no = 3 + 3 * pages.len();
    let font_res = match &layer {
        Some(_) => format!(" /Font << {} {font_no} 0 R >>", crate::ocr_layer::FONT),
        None => String::new(),
    };
    let mut w = Writer::default();
    w.buf.extend_from_slice(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n");
    let n = pages.len();
    // Object numbers: 1 catalog, 2 page tree, then per page i: page 3+3i, content 4+3i, image 5+3i.
    let kids: Vec<String> = (0..n).map(|i| format!("{} 0 R", 3 + 3 * i)).collect();
    w.obj(1, b"<< /Type /Catalog /Pages 2 0 R >>");
    w.obj(
        2,
        format!("<< /Type /Pages /Kids [{}] /Count {n} >>", kids.join(" ")).as_bytes(),
    );
    for (i, enc) in pages.iter().enumerate() {
        let (page_no, content_no, image_no) = (3 + 3 * i, 4 + 3 * i, 5 + 3 * i);
        let (wpt, hpt) = (fmt(enc.width_pt), fmt(enc.height_pt));
        w.obj(
            page_no,
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {wpt} {hpt}] /Resources << /XObject << /Im0 {image_no} 0 R >>{font_res} >> /Contents {content_no} 0 R >>"
            )
            .as_bytes(),
        );
        let mut content = format!("q {wpt} 0 0 {hpt} 0 0 cm /Im0 Do Q\n");
        if let (Some(l), Some(ws)) = (&layer, words.and_then(|w| w.get(i))) {
            content.push_str(&l.content(ws, &enc.dims()));
        }
        w.stream(
            content_no,
            &format!("<< /Length {} >>", content.len()),
            content.as_bytes(),
        );
        let (cs, colors) = match (&enc.palette, enc.gray) {
            (Some(p), _) => {
                let hex: String = p.iter().flatten().map(|b| format!("{b:02X}")).collect();
                (format!("[/Indexed /DeviceRGB {} <{hex}>]", p.len() - 1), 1)
            }
            (None, true) => ("/DeviceGray".to_string(), 1),
            (None, false) => ("/DeviceRGB".to_string(), 3),
        };
        let params = format!(
            "<< /Predictor 15 /Colors {colors} /BitsPerComponent 8 /Columns {} >>",
            enc.width_px
        );
        let filter = match (enc.encoding, enc.hex) {
            (Encoding::Jpeg, false) => "/Filter /DCTDecode".to_string(),
            (Encoding::Jpeg, true) => "/Filter [/ASCIIHexDecode /DCTDecode]".to_string(),
            (Encoding::Flate | Encoding::Palette, false) => {
                format!("/Filter /FlateDecode /DecodeParms {params}")
            }
            (Encoding::Flate | Encoding::Palette, true) => {
                format!("/Filter [/ASCIIHexDecode /FlateDecode] /DecodeParms [null {params}]")
            }
        };
        let dict = format!(
            "<< /Type /XObject /Subtype /Image /Width {} /Height {} /ColorSpace {cs} /BitsPerComponent 8 {filter} /Length {} >>",
            enc.width_px,
            enc.height_px,
            enc.data.len()
        );
        w.stream(image_no, &dict, &enc.data);
    }
    let mut total = 3 + 3 * n;
    if let Some(l) = &layer {
        for (num, dict, data) in l.objects(font_no) {
            match data {
                Some(d) => w.stream(num, &dict, &d),
                None => w.obj(num, dict.as_bytes()),
            }
        }
        total += crate::ocr_layer::LayerFont::OBJECTS;
    }
    let xref_at = w.buf.len();
    w.buf
        .extend_from_slice(format!("xref\n0 {total}\n0000000000 65535 f \n").as_bytes());
    for off in &w.offsets[1..] {
        w.buf
            .extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    w.buf.extend_from_slice(
        format!("trailer\n<< /Size {total} /Root 1 0 R >>\nstartxref\n{xref_at}\n%%EOF\n")
            .as_bytes(),
    );
    w.buf
}

/// A number for PDF syntax: integers as integers, others with at most 3 decimals.
fn fmt(v: f32) -> String {
    let r = (v * 1000.0).round() / 1000.0;
    if r.fract() == 0.0 {
        format!("{}", r as i64)
    } else {
        format!("{r}")
    }
}

#[derive(Default)]
struct Writer {
    buf: Vec<u8>,
    offsets: Vec<usize>,
}

impl Writer {
    fn mark(&mut self, num: usize) {
        if self.offsets.len() <= num {
            self.offsets.resize(num + 1, 0);
        }
        self.offsets[num] = self.buf.len();
    }

    fn obj(&mut self, num: usize, body: &[u8]) {
        self.mark(num);
        self.buf
            .extend_from_slice(format!("{num} 0 obj\n").as_bytes());
        self.buf.extend_from_slice(body);
        self.buf.extend_from_slice(b"\nendobj\n");
    }

    fn stream(&mut self, num: usize, dict: &str, data: &[u8]) {
        self.mark(num);
        self.buf
            .extend_from_slice(format!("{num} 0 obj\n{dict}\nstream\n").as_bytes());
        self.buf.extend_from_slice(data);
        self.buf.extend_from_slice(b"\nendstream\nendobj\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(w: u32, h: u32, f: impl Fn(u32, u32) -> [u8; 3]) -> PageImage {
        let mut rgb = Vec::new();
        for y in 0..h {
            for x in 0..w {
                rgb.extend_from_slice(&f(x, y));
            }
        }
        PageImage {
            width_pt: w as f32 * 0.48,
            height_pt: h as f32 * 0.48,
            width_px: w,
            height_px: h,
            rgb,
        }
    }

    #[test]
    fn line_art_becomes_jpeg_once_lossless_pages_would_inflate_past_the_room() {
        let text = page(200, 100, |x, y| {
            if (x / 3 + y / 5) % 7 == 0 {
                [0, 0, 0]
            } else {
                [255, 255, 255]
            }
        });
        // A grey page of 200×100 inflates to (200 + 1) × 100 bytes: room for two.
        let room = AtomicU64::new(2 * 201 * 100 + 50);
        let enc: Vec<Encoding> = (0..3)
            .map(|_| encode_within(&text, 75, Some(&room)).unwrap().encoding)
            .collect();
        assert_eq!(enc, vec![Encoding::Flate, Encoding::Flate, Encoding::Jpeg]);
        assert_eq!(room.load(Ordering::SeqCst), 50, "a JPEG page takes no room");
    }

    #[test]
    fn chooses_flate_for_text_and_jpeg_for_photos() {
        let text = page(200, 100, |x, y| {
            if (x / 3 + y / 5) % 7 == 0 {
                [0, 0, 0]
            } else {
                [255, 255, 255]
            }
        });
        let photo = page(200, 100, |x, y| {
            [
                (x * 255 / 200) as u8,
                (y * 255 / 100) as u8,
                ((x * y) % 256) as u8,
            ]
        });
        let (pdf, enc) = build(&[text, photo], &ImagePdfOptions::default()).unwrap();
        assert_eq!(enc, vec![Encoding::Flate, Encoding::Jpeg]);
        let s = String::from_utf8_lossy(&pdf);
        assert!(s.contains("/Count 2"));
        assert!(!s.contains("/Font") && !s.contains("/Annots") && !s.contains("/Info"));
        assert!(s.ends_with("%%EOF\n"));
    }

    /// Text-like colour line art with anti-aliased edges: white paper, black and red ink,
    /// and ramps between them: 1 + 2 × 255 + 255 colours, too many for an exact palette.
    fn antialiased(w: u32, h: u32) -> PageImage {
        page(w, h, |x, y| {
            let t = ((x * 13 + y * 7) % 256) as u8;
            match (x / 8 + y / 6) % 40 {
                0 => [255 - t, 255 - t, 255 - t],
                1 => [255, 255 - t, 255 - t],
                2 => [t, 0, 0],
                3..=6 => [0, 0, 0],
                _ => [255, 255, 255],
            }
        })
    }

    #[test]
    fn many_shades_of_line_art_become_a_palette_within_the_tolerance() {
        let pg = antialiased(240, 160);
        let pal = quantize(&pg.rgb, 3).expect("fits a palette");
        assert!(!pal.exact && pal.colours.len() <= 256);
        // The most used colours are kept exactly.
        assert!(pal.colours[..3].contains(&0xFFFFFF) && pal.colours[..3].contains(&0));
        let idx = apply_palette(&pg.rgb, 3, &pal);
        for (p, i) in pg.rgb.chunks_exact(3).zip(&idx) {
            let c = pal.colours[*i as usize];
            let q = [(c >> 16) as u8, (c >> 8) as u8, c as u8];
            for j in 0..3 {
                assert!(
                    p[j].abs_diff(q[j]) <= PALETTE_TOLERANCE,
                    "{p:?} stored as {q:?}"
                );
            }
        }
        let (pdf, enc) = build(std::slice::from_ref(&pg), &ImagePdfOptions::default()).unwrap();
        assert_eq!(enc, vec![Encoding::Palette]);
        assert!(String::from_utf8_lossy(&pdf).contains("/ColorSpace [/Indexed /DeviceRGB "));
        // A reader shows the page as it was: 0.48 pt a pixel renders 1:1 at 150 dpi.
        let budget = Budget::new(&kiyome_core::Limits::default());
        let back = crate::render::render_pages(&pdf, None, 150.0, &budget).unwrap();
        assert_eq!((back[0].width_px, back[0].height_px), (240, 160));
        let diff: u64 = back[0]
            .rgb
            .iter()
            .zip(&pg.rgb)
            .map(|(a, b)| a.abs_diff(*b) as u64)
            .sum();
        let mean = diff as f64 / pg.rgb.len() as f64;
        assert!(mean < 1.0, "mean difference {mean}");
    }

    #[test]
    fn grey_shades_snap_to_levels_and_noise_gets_no_palette() {
        let grey = page(200, 100, |x, y| {
            let v = if (x / 5 + y / 4) % 12 == 0 {
                (x * 3 % 256) as u8
            } else {
                255
            };
            [v, v, v]
        });
        let enc = encode(&grey, 75).unwrap();
        assert!(enc.gray && enc.palette.is_none());
        assert_eq!(enc.encoding, Encoding::Palette);
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let noise: Vec<u8> = (0..300 * 300 * 3)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 32) as u8
            })
            .collect();
        assert!(quantize(&noise, 3).is_none());
    }

    #[test]
    fn keyword_spelled_by_chance_in_image_data_is_found() {
        assert!(!clean_of_keywords(b"\x00\x9f/AA\x01"));
        assert!(!clean_of_keywords(b"xx/J#53 yy"));
        assert!(!clean_of_keywords(b"/JavaScript"));
        assert!(clean_of_keywords(b"/AAB /Im0 /J #53 /"));
        assert!(clean_of_keywords(&to_hex(b"/AA/JS")));
    }

    #[test]
    fn numbers_are_pdf_syntax() {
        assert_eq!(fmt(612.0), "612");
        assert_eq!(fmt(595.2756), "595.276");
    }
}
