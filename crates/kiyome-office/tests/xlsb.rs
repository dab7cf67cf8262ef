//! Binary workbooks (xlsb): a VBA project is removed, but an Excel 4.0 macro sheet or an
//! Auto_Open-style name blocks the file with a reason (its records cannot be renumbered
//! safely), and the findings say which.

use kiyome_core::{Action, Budget, Ctx, Inspection, Kind, Limits, NoNesting, sniff};
use kiyome_office::OfficeOptions;
use std::io::Write;

const CT_MAIN: &str = "application/vnd.ms-excel.sheet.binary.macroEnabled.main";

/// A BrtName record ([MS-XLSB] 2.4.647): flags, chKey, itab, then the name as a
/// length-prefixed UTF-16LE string (the formula that follows is left empty here).
fn brt_name(name: &str) -> Vec<u8> {
    let mut body = vec![0u8; 9];
    body.extend((name.encode_utf16().count() as u32).to_le_bytes());
    body.extend(name.encode_utf16().flat_map(u16::to_le_bytes));
    let mut rec = vec![0x27, body.len() as u8];
    rec.extend(body);
    rec
}

/// A minimal xlsb package: workbook.bin with the given names, one worksheet, optionally a
/// macro sheet and a VBA project.
fn xlsb(names: &[&str], macro_sheet: bool, vba: bool) -> Vec<u8> {
    let mut ct = format!(
        "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
         <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
         <Default Extension=\"bin\" ContentType=\"application/vnd.ms-excel.sheet.binary.macroEnabled.main\"/>\
         <Override PartName=\"/xl/workbook.bin\" ContentType=\"{CT_MAIN}\"/>\
         <Override PartName=\"/xl/worksheets/sheet1.bin\" ContentType=\"application/vnd.ms-excel.worksheet\"/>"
    );
    let mut rels = String::from(
        "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
         <Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet1.bin\"/>",
    );
    if macro_sheet {
        ct.push_str("<Override PartName=\"/xl/macrosheets/sheet2.bin\" ContentType=\"application/vnd.ms-excel.macrosheet\"/>");
        rels.push_str("<Relationship Id=\"rId2\" Type=\"http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet\" Target=\"macrosheets/sheet2.bin\"/>");
    }
    if vba {
        ct.push_str("<Override PartName=\"/xl/vbaProject.bin\" ContentType=\"application/vnd.ms-office.vbaProject\"/>");
        rels.push_str("<Relationship Id=\"rId3\" Type=\"http://schemas.microsoft.com/office/2006/relationships/vbaProject\" Target=\"vbaProject.bin\"/>");
    }
    ct.push_str("</Types>");
    rels.push_str("</Relationships>");
    let mut wb = vec![0x83, 0x01, 0x00]; // BrtBeginBook
    for n in names {
        wb.extend(brt_name(n));
    }
    wb.extend([0x84, 0x01, 0x00]); // BrtEndBook
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default();
    let mut add = |name: &str, data: &[u8]| {
        w.start_file(name, o).expect("start");
        w.write_all(data).expect("write");
    };
    add("[Content_Types].xml", ct.as_bytes());
    add(
        "_rels/.rels",
        b"<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
          <Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.bin\"/></Relationships>",
    );
    add("xl/_rels/workbook.bin.rels", rels.as_bytes());
    add("xl/workbook.bin", &wb);
    add(
        "xl/worksheets/sheet1.bin",
        &[0x81, 0x01, 0x00, 0x82, 0x01, 0x00],
    );
    if macro_sheet {
        add(
            "xl/macrosheets/sheet2.bin",
            &[0x81, 0x01, 0x00, 0x82, 0x01, 0x00],
        );
    }
    if vba {
        add(
            "xl/vbaProject.bin",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 not a real project",
        );
    }
    w.finish().expect("finish").into_inner()
}

fn disarm(
    data: &[u8],
) -> (
    Inspection,
    Result<kiyome_core::Disarmed, kiyome_core::Error>,
) {
    let kind = sniff(data, Some("book.xlsb")).kind;
    assert_eq!(kind, Kind::Xlsb);
    let b = Budget::new(&Limits::default());
    let ctx = Ctx::new(&b, &NoNesting);
    let mut out = Inspection::default();
    let r = kiyome_office::disarm(data, kind, &ctx, &OfficeOptions::default(), &mut out);
    (out, r)
}

fn inspect(data: &[u8]) -> Inspection {
    let b = Budget::new(&Limits::default());
    let ctx = Ctx::new(&b, &NoNesting);
    let mut out = Inspection::default();
    kiyome_office::inspect(data, Kind::Xlsb, &ctx, &mut out).expect("inspect");
    out
}

#[test]
fn xlsb_with_an_auto_open_name_is_blocked_with_the_reason() {
    let data = xlsb(&["Print_Area", "Auto_Open"], false, false);
    assert!(inspect(&data).has("ooxml.auto_open_name"));
    let (out, r) = disarm(&data);
    let e = r.expect_err("blocked");
    assert_eq!(e.code(), "unsupported");
    assert!(
        e.to_string().contains("Auto_Open-style defined name"),
        "{e}"
    );
    assert!(e.to_string().contains("xlsx"), "{e}");
    let f = out
        .findings
        .iter()
        .find(|f| f.code == "ooxml.auto_open_name")
        .expect("finding");
    assert_eq!(f.action, Action::Blocked);
}

#[test]
fn xlsb_with_a_macro_sheet_is_blocked_with_the_reason() {
    let (out, r) = disarm(&xlsb(&[], true, false));
    let e = r.expect_err("blocked");
    assert!(e.to_string().contains("Excel 4.0 macro sheet"), "{e}");
    assert!(
        out.findings
            .iter()
            .any(|f| f.code == "ooxml.xlm_macro_sheet" && f.action == Action::Blocked)
    );
}

#[test]
fn xlsb_with_only_a_vba_project_loses_it_and_reinspects_clean() {
    let data = xlsb(&["Print_Area"], false, true);
    let (out, r) = disarm(&data);
    let d = r.expect("disarmed");
    assert!(
        out.findings
            .iter()
            .any(|f| f.code == "ooxml.vba_project" && f.action == Action::Removed)
    );
    let z = zip::ZipArchive::new(std::io::Cursor::new(&d.data)).expect("zip");
    assert!(z.index_for_name("xl/vbaProject.bin").is_none());
    let check = inspect(&d.data);
    assert!(
        !check.findings.iter().any(|f| f.severity.is_dangerous()),
        "{:?}",
        check.findings
    );
}
