//! The image-only PDF writer: one image per page, nothing else.
//!
//! The output holds a catalog, a page tree, and per page a content stream that paints one
//! image XObject over the whole page. No fonts, no text, no annotations, no actions, no
//! metadata, no /Info. Written by hand (the structure is fixed and tiny), so that no object
//! of the input can survive by accident. Per page the encoding is chosen to keep files small:
//! JPEG for photographic pages, lossless Flate (PNG Up predictor) for line art and text.

use crate::render::PageImage;
use flate2::{Compression, write::ZlibEncoder};
use image::ExtendedColorType;
use image::codecs::jpeg::JpegEncoder;
use kiyome_core::Error;
use std::io::Write;

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
}

struct Encoded {
    data: Vec<u8>,
    gray: bool,
    encoding: Encoding,
}

fn is_gray(rgb: &[u8]) -> bool {
    rgb.chunks_exact(3).all(|p| {
        let (r, g, b) = (p[0] as i16, p[1] as i16, p[2] as i16);
        (r - g).abs() <= 2 && (g - b).abs() <= 2
    })
}

/// Line art: most sampled pixels fall into two colour buckets (paper and ink).
fn is_line_art(rgb: &[u8]) -> bool {
    let mut hist = std::collections::HashMap::<u32, u32>::new();
    let mut n = 0u32;
    for p in rgb.chunks_exact(3).step_by(7) {
        let key = ((p[0] as u32 >> 4) << 8) | ((p[1] as u32 >> 4) << 4) | (p[2] as u32 >> 4);
        *hist.entry(key).or_default() += 1;
        n += 1;
    }
    let mut counts: Vec<u32> = hist.into_values().collect();
    counts.sort_unstable_by(|a, b| b.cmp(a));
    let top: u32 = counts.iter().take(2).sum();
    n == 0 || top as f64 >= 0.85 * n as f64
}

fn encode(page: &PageImage, quality: u8) -> Result<Encoded, Error> {
    let gray = is_gray(&page.rgb);
    let pixels: Vec<u8> = if gray {
        page.rgb.chunks_exact(3).map(|p| p[1]).collect()
    } else {
        page.rgb.clone()
    };
    let comps = if gray { 1 } else { 3 };
    if is_line_art(&page.rgb) {
        // PNG "Up" predictor on every row, then zlib: compact for text and drawings.
        let row = page.width_px as usize * comps;
        let mut z = ZlibEncoder::new(Vec::new(), Compression::new(6));
        let mut prev = vec![0u8; row];
        let mut line = Vec::with_capacity(row + 1);
        for cur in pixels.chunks_exact(row.max(1)) {
            line.clear();
            line.push(2u8);
            line.extend(cur.iter().zip(&prev).map(|(c, p)| c.wrapping_sub(*p)));
            z.write_all(&line)?;
            prev.copy_from_slice(cur);
        }
        Ok(Encoded {
            data: z.finish()?,
            gray,
            encoding: Encoding::Flate,
        })
    } else {
        let mut out = Vec::new();
        let color = if gray {
            ExtendedColorType::L8
        } else {
            ExtendedColorType::Rgb8
        };
        JpegEncoder::new_with_quality(&mut out, quality.clamp(1, 100))
            .encode(&pixels, page.width_px, page.height_px, color)
            .map_err(|e| Error::parse("jpeg", e.to_string()))?;
        Ok(Encoded {
            data: out,
            gray,
            encoding: Encoding::Jpeg,
        })
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

/// [`build`], with an invisible OCR text layer when `words` gives the recognised words of
/// each page (pixels of that page's image); see [`crate::ocr_layer`]. Only this adds a font.
pub fn build_with_text(
    pages: &[PageImage],
    opts: &ImagePdfOptions,
    words: Option<&[Vec<crate::ocr::Word>]>,
) -> Result<(Vec<u8>, Vec<Encoding>), Error> {
    use rayon::prelude::*;
    let layer = words.map(crate::ocr_layer::LayerFont::new);
    let font_no = 3 + 3 * pages.len();
    let font_res = match &layer {
        Some(_) => format!(" /Font << {} {font_no} 0 R >>", crate::ocr_layer::FONT),
        None => String::new(),
    };
    let encoded: Vec<Encoded> = pages
        .par_iter()
        .map(|p| encode(p, opts.jpeg_quality))
        .collect::<Result<_, _>>()?;
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
    for (i, (page, enc)) in pages.iter().zip(&encoded).enumerate() {
        let (page_no, content_no, image_no) = (3 + 3 * i, 4 + 3 * i, 5 + 3 * i);
        let (wpt, hpt) = (fmt(page.width_pt), fmt(page.height_pt));
        w.obj(
            page_no,
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {wpt} {hpt}] /Resources << /XObject << /Im0 {image_no} 0 R >>{font_res} >> /Contents {content_no} 0 R >>"
            )
            .as_bytes(),
        );
        let mut content = format!("q {wpt} 0 0 {hpt} 0 0 cm /Im0 Do Q\n");
        if let (Some(l), Some(w)) = (&layer, words.and_then(|w| w.get(i))) {
            content.push_str(&l.content(w, page));
        }
        w.stream(
            content_no,
            &format!("<< /Length {} >>", content.len()),
            content.as_bytes(),
        );
        let cs = if enc.gray {
            "/DeviceGray"
        } else {
            "/DeviceRGB"
        };
        let filter = match enc.encoding {
            Encoding::Jpeg => "/Filter /DCTDecode".to_string(),
            Encoding::Flate => format!(
                "/Filter /FlateDecode /DecodeParms << /Predictor 15 /Colors {} /BitsPerComponent 8 /Columns {} >>",
                if enc.gray { 1 } else { 3 },
                page.width_px
            ),
        };
        let dict = format!(
            "<< /Type /XObject /Subtype /Image /Width {} /Height {} /ColorSpace {cs} /BitsPerComponent 8 {filter} /Length {} >>",
            page.width_px,
            page.height_px,
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
    Ok((w.buf, encoded.iter().map(|e| e.encoding).collect()))
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

    #[test]
    fn numbers_are_pdf_syntax() {
        assert_eq!(fmt(612.0), "612");
        assert_eq!(fmt(595.2756), "595.276");
    }
}
