//! GIF and BMP fixtures (the shared corpus has neither): a clean control of each, a GIF with
//! a comment extension and a zip after its trailer, and a BMP with a payload after the size
//! its header declares. They are photo-sized (a few hundred kilobytes for the BMP) so that the
//! image benchmark measures decoding and re-encoding, not process start-up.

use crate::fixture::Fixture;

/// Every GIF/BMP fixture.
pub fn fixtures() -> Vec<Fixture> {
    let gif = gif(240, 160);
    let bmp = bmp(320, 240);
    vec![
        Fixture::clean(
            "clean_gradient.gif",
            gif.clone(),
            "a 240×160 GIF without extensions: a control",
        ),
        Fixture::dangerous(
            "gif_comment_and_trailing_zip.gif",
            gif_with_comment_and_zip(&gif),
            &["image.comment", "image.trailing_data"],
            "GIF with a comment extension (author, path) and a zip appended after the trailer (polyglot)",
        ),
        Fixture::clean(
            "clean_gradient.bmp",
            bmp.clone(),
            "a 320×240 24-bit BMP: a control",
        ),
        Fixture::dangerous(
            "bmp_trailing_payload.bmp",
            [
                bmp,
                b"MZ\x90\0 payload after the declared bitmap size".to_vec(),
            ]
            .concat(),
            &["image.trailing_data"],
            "BMP followed by bytes past the file size its header declares (a hidden payload)",
        ),
    ]
}

fn pattern(x: u32, y: u32) -> [u8; 3] {
    [
        (x * 255 / 320) as u8,
        (y * 255 / 240) as u8,
        (((x / 16) + (y / 16)) % 2 * 200) as u8,
    ]
}

fn gif(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_fn(w, h, |x, y| {
        let [r, g, b] = pattern(x, y);
        image::Rgba([r & 0xE0, g & 0xE0, b & 0xC0, 255])
    });
    let mut out = Vec::new();
    {
        let mut enc = image::codecs::gif::GifEncoder::new(&mut out);
        enc.encode_frame(image::Frame::new(img))
            .expect("in-memory GIF");
    }
    out
}

/// Inserts a comment extension (GIF89a §24) before the trailer and appends a zip after it.
fn gif_with_comment_and_zip(gif: &[u8]) -> Vec<u8> {
    let body = &gif[..gif.len() - 1]; // without the 0x3B trailer
    let mut out = body.to_vec();
    let comment = b"author: Yamada Taro, C:\\Users\\yamada\\Desktop\\draft.gif";
    out.extend([0x21, 0xFE, comment.len() as u8]);
    out.extend_from_slice(comment);
    out.push(0);
    out.push(0x3B);
    out.extend(crate::media::stored_zip(&[(
        "run.bat",
        b"@echo off\r\nstart calc.exe\r\n",
    )]));
    out
}

fn bmp(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb(pattern(x, y)));
    let mut out = Vec::new();
    img.write_with_encoder(image::codecs::bmp::BmpEncoder::new(&mut out))
        .expect("in-memory BMP");
    out
}
