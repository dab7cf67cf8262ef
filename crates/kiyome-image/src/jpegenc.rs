//! JPEG encoding shared by image sanitizing and image-PDF pages (`jpeg-encoder`: chroma
//! subsampling, optimised Huffman tables, SIMD colour conversion and DCT detected at run time).

use kiyome_core::Error;

/// Chroma subsampling of an encoded JPEG (luma samples per chroma sample).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Subsampling {
    /// 4:4:4: full-resolution colour (sharp coloured edges; about 15 % larger).
    Full,
    /// 4:2:2: half horizontal colour resolution.
    Horizontal,
    /// 4:4:0: half vertical colour resolution.
    Vertical,
    /// 4:2:0: half colour resolution both ways (what cameras and most encoders write).
    #[default]
    Quarter,
}

impl Subsampling {
    /// The subsampling of a frame whose luma has sampling factors `h`×`v` and whose chroma
    /// components both have 1×1; unusual layouts map to the nearest common one.
    pub fn from_luma_factors(h: u8, v: u8) -> Subsampling {
        match (h >= 2, v >= 2) {
            (false, false) => Subsampling::Full,
            (true, false) => Subsampling::Horizontal,
            (false, true) => Subsampling::Vertical,
            (true, true) => Subsampling::Quarter,
        }
    }

    fn factor(self) -> jpeg_encoder::SamplingFactor {
        use jpeg_encoder::SamplingFactor as F;
        match self {
            Subsampling::Full => F::F_1_1,
            Subsampling::Horizontal => F::F_2_1,
            Subsampling::Vertical => F::F_1_2,
            Subsampling::Quarter => F::F_2_2,
        }
    }
}

/// How [`encode_jpeg`] writes a JPEG.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JpegParams {
    /// Quality 1–100 (IJG scale; clamped).
    pub quality: u8,
    /// Chroma subsampling of colour images (ignored for grey).
    pub subsampling: Subsampling,
    /// Huffman tables optimised for the image (a few percent smaller, about 40 % slower).
    pub optimize: bool,
}

/// Encodes 8-bit pixels (`gray`: one byte a pixel, else RGB) as a baseline JFIF JPEG with no
/// metadata segment but the JFIF header.
///
/// ```
/// use kiyome_image::{encode_jpeg, JpegParams, Subsampling};
/// let px = vec![200u8; 16 * 8 * 3];
/// let p = JpegParams { quality: 80, subsampling: Subsampling::Quarter, optimize: true };
/// let jpg = encode_jpeg(&px, 16, 8, false, &p).unwrap();
/// assert!(jpg.starts_with(&[0xFF, 0xD8]) && jpg.ends_with(&[0xFF, 0xD9]));
/// assert!(encode_jpeg(&px[1..], 16, 8, false, &p).is_err());
/// ```
pub fn encode_jpeg(
    pixels: &[u8],
    width: u32,
    height: u32,
    gray: bool,
    params: &JpegParams,
) -> Result<Vec<u8>, Error> {
    let comps = if gray { 1 } else { 3 };
    let expected = (width as u64) * (height as u64) * comps;
    if pixels.len() as u64 != expected || width == 0 || height == 0 {
        return Err(Error::parse(
            "jpeg",
            "pixel buffer does not match the image size",
        ));
    }
    let (Ok(w), Ok(h)) = (u16::try_from(width), u16::try_from(height)) else {
        return Err(Error::unsupported(format!(
            "a JPEG holds at most 65535×65535 pixels, not {width}×{height}"
        )));
    };
    let mut out = Vec::with_capacity(pixels.len() / 8);
    let mut enc = jpeg_encoder::Encoder::new(&mut out, params.quality.clamp(1, 100));
    enc.set_sampling_factor(params.subsampling.factor());
    enc.set_optimized_huffman_tables(params.optimize);
    let color = if gray {
        jpeg_encoder::ColorType::Luma
    } else {
        jpeg_encoder::ColorType::Rgb
    };
    enc.encode(pixels, w, h, color)
        .map_err(|e| Error::parse("jpeg", format!("encoding failed: {e}")))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gradient(w: u32, h: u32) -> Vec<u8> {
        (0..w * h)
            .flat_map(|i| {
                let (x, y) = (i % w, i / w);
                [
                    (x * 255 / w) as u8,
                    (y * 255 / h) as u8,
                    ((x + y) % 256) as u8,
                ]
            })
            .collect()
    }

    #[test]
    fn output_decodes_to_the_same_picture_and_subsampling_is_as_asked() {
        let (w, h) = (97, 61); // not a multiple of the MCU size
        let px = gradient(w, h);
        let mut sizes = Vec::new();
        for s in [Subsampling::Full, Subsampling::Quarter] {
            let p = JpegParams {
                quality: 90,
                subsampling: s,
                optimize: false,
            };
            let jpg = encode_jpeg(&px, w, h, false, &p).unwrap();
            let back = image::load_from_memory(&jpg).unwrap().to_rgb8();
            assert_eq!((back.width(), back.height()), (w, h));
            let diff: u64 = back
                .as_raw()
                .iter()
                .zip(&px)
                .map(|(a, b)| a.abs_diff(*b) as u64)
                .sum();
            let mean = diff as f64 / px.len() as f64;
            assert!(mean < 4.0, "{s:?}: mean difference {mean}");
            // The frame header states the luma sampling factors asked for.
            let sof = jpg.windows(2).position(|m| m == [0xFF, 0xC0]).unwrap();
            let luma = jpg[sof + 11];
            let want = if s == Subsampling::Full { 0x11 } else { 0x22 };
            assert_eq!(luma, want, "{s:?}");
            sizes.push(jpg.len());
        }
        assert!(sizes[1] < sizes[0], "4:2:0 is smaller: {sizes:?}");
    }

    #[test]
    fn grey_and_optimised_tables() {
        let px: Vec<u8> = (0..64 * 64).map(|i| (i % 251) as u8).collect();
        let plain = JpegParams {
            quality: 75,
            subsampling: Subsampling::Quarter,
            optimize: false,
        };
        let a = encode_jpeg(&px, 64, 64, true, &plain).unwrap();
        let b = encode_jpeg(
            &px,
            64,
            64,
            true,
            &JpegParams {
                optimize: true,
                ..plain
            },
        )
        .unwrap();
        assert!(b.len() < a.len(), "optimised {} vs {}", b.len(), a.len());
        let back = image::load_from_memory(&b).unwrap();
        assert!(!back.color().has_color());
        assert!(encode_jpeg(&[], 70_000, 0, true, &plain).is_err());
        let wide = vec![0u8; 70_000];
        assert!(matches!(
            encode_jpeg(&wide, 70_000, 1, true, &plain),
            Err(Error::Unsupported { .. })
        ));
    }
}
