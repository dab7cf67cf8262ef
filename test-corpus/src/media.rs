//! Fixtures for images, archives and text: each named after the attack it carries, plus
//! clean controls that must be released.

use crate::fixture::Fixture;
use std::io::Write;

/// Every media fixture.
pub fn fixtures() -> Vec<Fixture> {
    let jpeg = small_jpeg();
    let png = small_png();
    let ja = "本日は晴天なり。住所は東京都千代田区です。\n";
    let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(ja);
    vec![
        Fixture::clean("plain_ascii.txt", b"hello, world\n".to_vec(), "plain ASCII text: a control"),
        Fixture::clean("utf8_japanese.txt", ja.as_bytes().to_vec(), "UTF-8 Japanese text: a control"),
        Fixture::clean("shift_jis_japanese.txt", sjis.into_owned(), "Shift_JIS Japanese text: a control (transcoded on sanitize)"),
        Fixture::clean("clean_small.jpg", jpeg.clone(), "a small JPEG without metadata: a control"),
        Fixture::clean("clean_small.png", png.clone(), "a small PNG without metadata: a control"),
        Fixture::clean("clean_members.zip", stored_zip(&[("a.txt", b"alpha\n"), ("dir/b.txt", b"beta\n")]), "a zip with two clean text members: a control"),
        Fixture::dangerous("zip_ratio_bomb.zip", ratio_bomb(), &["limit.ratio"], "50 MB of zeros deflated into one member (ratio ~1000:1)"),
        Fixture::dangerous("zip_nested_depth.zip", nested_zips(10), &["limit.depth"], "zips nested ten deep, past max_depth 8"),
        Fixture::dangerous(
            "zip_slip.zip",
            stored_zip(&[("../../evil.txt", b"x"), ("/etc/cron.d/job", b"x"), ("C:\\Windows\\win.ini", b"x")]),
            &["archive.path_traversal", "archive.absolute_path"],
            "zip-slip: '..', absolute and drive-letter member names",
        ),
        Fixture::dangerous(
            "zip_duplicate_names.zip",
            stored_zip(&[("report.txt", b"first\n"), ("REPORT.txt", b"second\n"), ("report.txt", b"third\n")]),
            &["archive.duplicate_name"],
            "three members extracting to the same path",
        ),
        Fixture::dangerous("jpeg_appended_zip.jpg", [jpeg.clone(), stored_zip(&[("hidden.txt", b"payload\n")])].concat(), &["image.trailing_data"], "JPEG/zip polyglot: a zip after EOI"),
        Fixture::dangerous("jpeg_gps_exif.jpg", with_app1_exif(&jpeg), &["image.gps", "image.exif"], "JPEG whose EXIF carries GPS coordinates and a camera make"),
        Fixture::dangerous("png_text_and_trailing.png", png_with_text_and_trailing(&png), &["image.comment", "image.trailing_data"], "PNG with a tEXt Author chunk and data after IEND"),
        Fixture::dangerous(
            "html_script_onload.html",
            b"<!DOCTYPE html><html><body onload=\"steal()\"><p>Hello</p><script>alert(document.cookie)</script></body></html>\n".to_vec(),
            &["html.script", "html.event_handler"],
            "HTML with a script element and an onload handler",
        ),
        Fixture::dangerous("csv_dde_formula.csv", b"name,amount\nalice,100\nbob,=cmd|' /C calc'!A0\n".to_vec(), &["text.csv_formula"], "CSV with a DDE formula cell"),
        Fixture::dangerous("sylk_exec.slk", b"ID;P\nC;Y1;X1;K0;EEXEC(\"calc.exe\")\nC;Y2;X1;K0;EHALT()\nE\n".to_vec(), &["sylk.macro"], "SYLK with an XLM EXEC macro"),
        Fixture::dangerous(
            "svg_script.svg",
            b"<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><script>alert(1)</script><rect width=\"10\" height=\"10\"/></svg>\n".to_vec(),
            &["svg.script"],
            "SVG with a script element",
        ),
        Fixture::dangerous(
            "xml_entity_bomb.xml",
            b"<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\"><!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">]>\n<lolz>&lol2;</lolz>\n".to_vec(),
            &["xml.dtd"],
            "XML with nested entity declarations (billion laughs, small)",
        ),
    ]
}

/// A 32×24 gradient JPEG written by the `image` crate (JFIF, no metadata).
pub(crate) fn small_jpeg() -> Vec<u8> {
    let img = image::RgbImage::from_fn(32, 24, |x, y| {
        image::Rgb([(x * 8) as u8, (y * 10) as u8, 128])
    });
    let mut out = Vec::new();
    let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85);
    img.write_with_encoder(enc).unwrap_or_default();
    out
}

pub(crate) fn small_png() -> Vec<u8> {
    let img = image::RgbaImage::from_fn(16, 16, |x, y| {
        image::Rgba([(x * 16) as u8, (y * 16) as u8, 200, 255])
    });
    let mut out = Vec::new();
    img.write_with_encoder(image::codecs::png::PngEncoder::new(&mut out))
        .unwrap_or_default();
    out
}

/// A TIFF block (little-endian): IFD0 {Make "Kiy", GPS IFD pointer}; GPS IFD {N 35°41'0", E 139°41'0"}.
pub(crate) fn exif_gps_tiff() -> Vec<u8> {
    let mut t = b"II*\0".to_vec();
    t.extend(8u32.to_le_bytes());
    let entry = |t: &mut Vec<u8>, tag: u16, typ: u16, count: u32, value: [u8; 4]| {
        t.extend(tag.to_le_bytes());
        t.extend(typ.to_le_bytes());
        t.extend(count.to_le_bytes());
        t.extend(value);
    };
    t.extend(2u16.to_le_bytes());
    entry(&mut t, 0x010F, 2, 4, *b"Kiy\0");
    entry(&mut t, 0x8825, 4, 1, 38u32.to_le_bytes());
    t.extend(0u32.to_le_bytes());
    t.extend(4u16.to_le_bytes());
    entry(&mut t, 0x0001, 2, 2, *b"N\0\0\0");
    entry(&mut t, 0x0002, 5, 3, 92u32.to_le_bytes());
    entry(&mut t, 0x0003, 2, 2, *b"E\0\0\0");
    entry(&mut t, 0x0004, 5, 3, 116u32.to_le_bytes());
    t.extend(0u32.to_le_bytes());
    for (a, b, c) in [(35u32, 41u32, 0u32), (139, 41, 0)] {
        for v in [a, b, c] {
            t.extend(v.to_le_bytes());
            t.extend(1u32.to_le_bytes());
        }
    }
    t
}

pub(crate) fn with_app1_exif(jpeg: &[u8]) -> Vec<u8> {
    let mut payload = b"Exif\0\0".to_vec();
    payload.extend(exif_gps_tiff());
    let mut out = jpeg[..2].to_vec();
    out.extend([0xFF, 0xE1]);
    out.extend(((payload.len() + 2) as u16).to_be_bytes());
    out.extend(payload);
    out.extend(&jpeg[2..]);
    out
}

fn png_chunk(typ: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut c = (data.len() as u32).to_be_bytes().to_vec();
    c.extend(typ);
    c.extend(data);
    let mut crc = flate2::Crc::new();
    crc.update(typ);
    crc.update(data);
    c.extend(crc.sum().to_be_bytes());
    c
}

fn png_with_text_and_trailing(png: &[u8]) -> Vec<u8> {
    let iend = png.len() - 12;
    let mut out = png[..iend].to_vec();
    out.extend(png_chunk(b"tEXt", b"Author\0Taro Yamada"));
    out.extend(&png[iend..]);
    out.extend(b"HIDDEN PAYLOAD AFTER IEND: not part of the image\n");
    out
}

/// A zip with stored members, written byte by byte so that hostile names survive as given.
pub(crate) fn stored_zip(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in members {
        let mut crc = flate2::Crc::new();
        crc.update(data);
        let offset = out.len() as u32;
        let fields = |sig: &[u8], central: bool| {
            let mut h = sig.to_vec();
            if central {
                h.extend(20u16.to_le_bytes());
            }
            h.extend(20u16.to_le_bytes()); // version needed
            h.extend(0x0800u16.to_le_bytes()); // UTF-8 names
            h.extend(0u16.to_le_bytes()); // stored
            h.extend([0, 0, 0x21, 0]); // 1980-01-01
            h.extend(crc.sum().to_le_bytes());
            h.extend((data.len() as u32).to_le_bytes());
            h.extend((data.len() as u32).to_le_bytes());
            h.extend((name.len() as u16).to_le_bytes());
            h.extend(0u16.to_le_bytes());
            h
        };
        out.extend(fields(b"PK\x03\x04", false));
        out.extend(name.as_bytes());
        out.extend(*data);
        let mut c = fields(b"PK\x01\x02", true);
        c.extend([0u8; 8]); // comment len, disk, internal attrs, external attrs (part)
        c.extend([0u8; 2]);
        c.extend(offset.to_le_bytes());
        c.extend(name.as_bytes());
        central.extend(c);
    }
    let cd_offset = out.len() as u32;
    out.extend(&central);
    out.extend(b"PK\x05\x06\0\0\0\0");
    out.extend((members.len() as u16).to_le_bytes());
    out.extend((members.len() as u16).to_le_bytes());
    out.extend((central.len() as u32).to_le_bytes());
    out.extend(cd_offset.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

fn deflated_zip(name: &str, data: &[u8]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9))
        .last_modified_time(zip::DateTime::default());
    let _ = w.start_file(name, opts);
    let _ = w.write_all(data);
    w.finish().map(|c| c.into_inner()).unwrap_or_default()
}

fn ratio_bomb() -> Vec<u8> {
    deflated_zip("zeros.bin", &vec![0u8; 50 * 1024 * 1024])
}

fn nested_zips(levels: usize) -> Vec<u8> {
    let mut inner = stored_zip(&[("core.txt", b"the innermost file\n")]);
    for i in 1..levels {
        inner = stored_zip(&[(&format!("level{i}.zip"), &inner)]);
    }
    inner
}
