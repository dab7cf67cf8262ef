//! Generated PDFs for the text tests: a tiny writer (objects, xref, trailer) and Japanese
//! fonts in the encodings real documents use (Identity-H/V with ToUnicode, predefined CMaps
//! without one, embedded or not).
#![allow(dead_code)] // each test binary uses a different part

/// Writes a PDF whose objects are `objs` (object n is `objs[n-1]`, already serialised) with
/// object 1 as the catalog.
pub fn write_pdf(objs: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objs.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(o);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objs.len() + 1).as_bytes());
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objs.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// A stream object.
pub fn stream(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut v = format!("<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes();
    v.extend_from_slice(data);
    v.extend_from_slice(b"\nendstream");
    v
}

/// A ToUnicode CMap mapping each 2-byte code to its character (`(code, char)`).
pub fn to_unicode(map: &[(u16, &str)]) -> Vec<u8> {
    let mut s = String::from(
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n/CMapName /Test-UCS def /CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    s.push_str(&format!("{} beginbfchar\n", map.len()));
    for (code, text) in map {
        let hex: String = text.encode_utf16().map(|u| format!("{u:04X}")).collect();
        s.push_str(&format!("<{code:04X}> <{hex}>\n"));
    }
    s.push_str("endbfchar\nendcmap CMapName currentdict /CMap defineresource pop end end\n");
    s.into_bytes()
}

/// A font program to embed (the content of the glyphs does not matter for text tests; its
/// presence makes the font "embedded"), or `None` with a notice (a failure under CI).
pub fn embeddable_font() -> Option<Vec<u8>> {
    for p in [
        "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf",
        "/usr/share/fonts/truetype/fonts-japanese-gothic.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    ] {
        if let Ok(b) = std::fs::read(p) {
            return Some(b);
        }
    }
    assert!(
        !kiyome_core::corpus::is_ci(),
        "no TrueType font to embed under CI: run scripts/install-deps.sh (fonts-ipafont)"
    );
    eprintln!("NOTICE: no TrueType font found; embedded-font cases skipped");
    None
}

/// How a Japanese test font is set up.
pub enum JaFont<'a> {
    /// Identity-H or Identity-V (by `vertical`) with a ToUnicode map, not embedded.
    Identity {
        vertical: bool,
        map: &'a [(u16, &'a str)],
    },
    /// A predefined CMap (`90ms-RKSJ-H`, `UniJIS-UCS2-H`…), Adobe-Japan1, no ToUnicode;
    /// embedded when a font program is given.
    Predefined {
        cmap: &'a str,
        program: Option<&'a [u8]>,
    },
}

/// A one-page PDF (A4) with content `content` and font `/F1` set up as `font`.
pub fn one_page(content: &[u8], font: JaFont<'_>) -> Vec<u8> {
    let mut objs: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>".to_vec(),
        stream("", content),
    ];
    match font {
        JaFont::Identity { vertical, map } => {
            let enc = if vertical { "Identity-V" } else { "Identity-H" };
            objs.push(format!("<< /Type /Font /Subtype /Type0 /BaseFont /TestMincho /Encoding /{enc} /DescendantFonts [6 0 R] /ToUnicode 8 0 R >>").into_bytes());
            objs.push(b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /TestMincho /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor 7 0 R /DW 1000 >>".to_vec());
            objs.push(b"<< /Type /FontDescriptor /FontName /TestMincho /Flags 4 /FontBBox [0 -120 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>".to_vec());
            objs.push(stream("", &to_unicode(map)));
        }
        JaFont::Predefined { cmap, program } => {
            objs.push(format!("<< /Type /Font /Subtype /Type0 /BaseFont /ABCDEF+TestGothic /Encoding /{cmap} /DescendantFonts [6 0 R] >>").into_bytes());
            objs.push(b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /ABCDEF+TestGothic /CIDSystemInfo << /Registry (Adobe) /Ordering (Japan1) /Supplement 6 >> /FontDescriptor 7 0 R /DW 1000 >>".to_vec());
            let file = if program.is_some() {
                " /FontFile2 8 0 R"
            } else {
                ""
            };
            objs.push(format!("<< /Type /FontDescriptor /FontName /ABCDEF+TestGothic /Flags 4 /FontBBox [0 -120 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 700 /StemV 80{file} >>").into_bytes());
            if let Some(p) = program {
                objs.push(stream(&format!("/Length1 {}", p.len()), p));
            }
        }
    }
    write_pdf(&objs)
}

/// Hex string of 2-byte codes.
pub fn hex(codes: &[u16]) -> String {
    let s: String = codes.iter().map(|c| format!("{c:04X}")).collect();
    format!("<{s}>")
}
