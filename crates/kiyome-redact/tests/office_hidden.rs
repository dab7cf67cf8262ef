//! Hidden content removed by policy (issue 7): hidden Word text, white text on a white page,
//! hidden Excel sheets, rows and columns, PowerPoint speaker notes. With the default options
//! the content is gone from every part of the output; with `keep` options it is kept
//! (reported), and the output passes the verifier for those options while the default
//! verifier flags it.

use kiyome_core::{Action, Budget, Ctx, Kind, Limits, NoNesting};
use kiyome_office::opc::Package;
use kiyome_redact::office::{self, ScrubOptions};
use kiyome_redact::{Plan, RedactionReport};
use std::io::Write;

fn package(parts: &[(&str, String)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default();
    for (n, d) in parts {
        w.start_file(*n, o).unwrap();
        w.write_all(d.as_bytes()).unwrap();
    }
    w.finish().unwrap().into_inner()
}

const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const PKG_RELS: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
const DOC_REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

fn docx() -> Vec<u8> {
    let body = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W}"><w:body>
<w:p><w:r><w:t>VISIBLE-BODY</w:t></w:r><w:r><w:rPr><w:vanish/></w:rPr><w:t>HIDDEN-VANISH</w:t></w:r></w:p>
<w:p><w:r><w:rPr><w:color w:val="FFFFFF"/></w:rPr><w:t>WHITE-ON-WHITE</w:t></w:r></w:p>
<w:p><w:r><w:rPr><w:rStyle w:val="Ghost"/></w:rPr><w:t>WHITE-BY-STYLE</w:t></w:r></w:p>
<w:p><w:pPr><w:shd w:val="clear" w:color="auto" w:fill="1F3864"/></w:pPr><w:r><w:rPr><w:color w:val="FFFFFF"/></w:rPr><w:t>WHITE-ON-NAVY</w:t></w:r></w:p>
<w:tbl><w:tblPr><w:tblStyle w:val="GridTable4"/></w:tblPr><w:tr><w:tc><w:p><w:r><w:rPr><w:color w:val="FFFFFF"/></w:rPr><w:t>TABLE-HEADER</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
<w:sectPr/></w:body></w:document>"#
    );
    let styles = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><w:styles xmlns:w="{W}"><w:style w:type="character" w:styleId="Ghost"><w:rPr><w:color w:val="ffffff"/></w:rPr></w:style><w:style w:type="table" w:styleId="GridTable4"/></w:styles>"#
    );
    package(&[
        ("[Content_Types].xml", r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/></Types>"#.into()),
        ("_rels/.rels", format!(r#"<?xml version="1.0"?><Relationships xmlns="{PKG_RELS}"><Relationship Id="rId1" Type="{DOC_REL}/officeDocument" Target="word/document.xml"/></Relationships>"#)),
        ("word/_rels/document.xml.rels", format!(r#"<?xml version="1.0"?><Relationships xmlns="{PKG_RELS}"><Relationship Id="rId1" Type="{DOC_REL}/styles" Target="styles.xml"/></Relationships>"#)),
        ("word/document.xml", body),
        ("word/styles.xml", styles),
    ])
}

const S: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";

/// Sheet1 visible (hidden row 3, hidden column C, a shared formula whose master is in the
/// hidden row), Sheet2 hidden with a table, Sheet3 very hidden.
fn xlsx() -> Vec<u8> {
    let ct = "application/vnd.openxmlformats-officedocument.spreadsheetml";
    let sheet1 = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{S}"><cols><col min="3" max="3" width="9" hidden="1"/></cols><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>VISIBLE-A1</t></is></c><c r="B1"><v>1</v></c><c r="C1" t="inlineStr"><is><t>HIDDEN-COL-C1</t></is></c></row>
<row r="2"><c r="A2" t="inlineStr"><is><t>VISIBLE-A2</t></is></c><c t="inlineStr"><is><t>VISIBLE-B2</t></is></c><c t="inlineStr"><is><t>HIDDEN-COL-C2</t></is></c></row>
<row r="3" hidden="1"><c r="A3" t="inlineStr"><is><t>HIDDEN-ROW-A3</t></is></c><c r="D3"><f t="shared" ref="D3:D5" si="0">B1*777</f><v>777</v></c></row>
<row r="4"><c r="D4"><f t="shared" si="0"/><v>778</v></c><c r="E4" t="s"><v>0</v></c><c r="F4" t="s"><v>3</v></c></row>
<row r="5" hidden="1"><c r="A5" t="s"><v>1</v></c><c r="B5" t="s"><v>3</v></c></row>
</sheetData></worksheet>"#
    );
    let hidden_sheet = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{S}" xmlns:r="{DOC_REL}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>HIDDEN-SHEET-NAME-LIST</t></is></c><c r="B1" t="s"><v>2</v></c></row></sheetData><tableParts count="1"><tablePart r:id="rId1"/></tableParts></worksheet>"#
    );
    let very_hidden = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{S}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>VERY-HIDDEN-SHEET</t></is></c></row></sheetData></worksheet>"#
    );
    package(&[
        (
            "[Content_Types].xml",
            format!(
                r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="{ct}.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="{ct}.worksheet+xml"/><Override PartName="/xl/worksheets/sheet2.xml" ContentType="{ct}.worksheet+xml"/><Override PartName="/xl/worksheets/sheet3.xml" ContentType="{ct}.worksheet+xml"/><Override PartName="/xl/tables/table1.xml" ContentType="{ct}.table+xml"/><Override PartName="/xl/calcChain.xml" ContentType="{ct}.calcChain+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="{ct}.sharedStrings+xml"/></Types>"#
            ),
        ),
        (
            "_rels/.rels",
            format!(
                r#"<?xml version="1.0"?><Relationships xmlns="{PKG_RELS}"><Relationship Id="rId1" Type="{DOC_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
            ),
        ),
        (
            "xl/workbook.xml",
            format!(
                r#"<?xml version="1.0"?><workbook xmlns="{S}" xmlns:r="{DOC_REL}"><sheets><sheet name="Visible" sheetId="1" r:id="rId1"/><sheet name="Names" sheetId="2" state="hidden" r:id="rId2"/><sheet name="Deep" sheetId="3" state="veryHidden" r:id="rId3"/></sheets></workbook>"#
            ),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            format!(
                r#"<?xml version="1.0"?><Relationships xmlns="{PKG_RELS}"><Relationship Id="rId1" Type="{DOC_REL}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{DOC_REL}/worksheet" Target="worksheets/sheet2.xml"/><Relationship Id="rId3" Type="{DOC_REL}/worksheet" Target="/xl/worksheets/sheet3.xml"/><Relationship Id="rId4" Type="{DOC_REL}/calcChain" Target="calcChain.xml"/><Relationship Id="rId5" Type="{DOC_REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#
            ),
        ),
        (
            "xl/sharedStrings.xml",
            format!(
                r#"<?xml version="1.0"?><sst xmlns="{S}" count="5" uniqueCount="4"><si><t>VISIBLE-SST</t></si><si><r><t>HIDDEN-ROW-SST</t></r></si><si><t>HIDDEN-SHEET-SST</t><rPh sb="0" eb="1"><t>ヒミツ</t></rPh></si><si><t>SHARED-BOTH</t></si></sst>"#
            ),
        ),
        ("xl/worksheets/sheet1.xml", sheet1),
        ("xl/worksheets/sheet2.xml", hidden_sheet),
        ("xl/worksheets/sheet3.xml", very_hidden),
        (
            "xl/worksheets/_rels/sheet2.xml.rels",
            format!(
                r#"<?xml version="1.0"?><Relationships xmlns="{PKG_RELS}"><Relationship Id="rId1" Type="{DOC_REL}/table" Target="../tables/table1.xml"/></Relationships>"#
            ),
        ),
        (
            "xl/tables/table1.xml",
            format!(
                r#"<?xml version="1.0"?><table xmlns="{S}" id="1" name="T" displayName="TABLE-OF-HIDDEN-SHEET" ref="A1:A1"><tableColumns count="1"><tableColumn id="1" name="HIDDEN-SHEET-NAME-LIST"/></tableColumns></table>"#
            ),
        ),
        (
            "xl/calcChain.xml",
            format!(
                r#"<?xml version="1.0"?><calcChain xmlns="{S}"><c r="D3" i="1"/><c r="D4" i="1"/></calcChain>"#
            ),
        ),
    ])
}

fn pptx() -> Vec<u8> {
    let p = kiyome_core::corpus::fixtures_dir().join("redact_pptx_hidden_info.pptx");
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

struct Out {
    bytes: Vec<u8>,
    removed: Vec<kiyome_core::Finding>,
}

fn scrub(data: &[u8], kind: Kind, opts: &ScrubOptions) -> Out {
    let b = Budget::new(&Limits::default());
    let ctx = Ctx::new(&b, &NoNesting);
    let plan = Plan::default();
    let mut report = RedactionReport::new(&plan, "00");
    let out = office::scrub(data, kind, opts, &ctx, &mut report).expect("scrub");
    // The verifier for the same options passes it.
    let b = Budget::new(&Limits::default());
    let ctx = Ctx::new(&b, &NoNesting);
    let v = office::verify_with(&out.data, out.kind, &plan, opts, &ctx).unwrap();
    assert!(v.is_clean(), "{:?}", v.leaks);
    Out {
        bytes: all_parts(&out.data),
        removed: report.removed,
    }
}

fn default_verify_codes(data: &[u8], kind: Kind) -> Vec<String> {
    let b = Budget::new(&Limits::default());
    let ctx = Ctx::new(&b, &NoNesting);
    let v = office::verify(data, kind, &Plan::default(), &ctx).unwrap();
    let mut c: Vec<String> = v.leaks.into_iter().map(|l| l.code).collect();
    c.sort();
    c.dedup();
    c
}

/// Every member, decompressed and concatenated, with its name: nothing escapes the search.
fn all_parts(data: &[u8]) -> Vec<u8> {
    let b = Budget::new(&Limits::default());
    let ctx = Ctx::new(&b, &NoNesting);
    let mut pkg = Package::open(data, &ctx, "ooxml").unwrap();
    let mut out = Vec::new();
    for n in pkg.names() {
        out.extend_from_slice(n.as_bytes());
        out.push(b'\n');
        out.extend(pkg.read(&n, &ctx).unwrap());
        out.push(b'\n');
    }
    out
}

fn has(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn action_of(out: &Out, code: &str) -> Vec<Action> {
    out.removed
        .iter()
        .filter(|f| f.code == code)
        .map(|f| f.action)
        .collect()
}

#[test]
fn word_hidden_and_invisible_text_removed_by_default_kept_on_request() {
    let data = docx();
    let d = scrub(&data, Kind::Docx, &ScrubOptions::default());
    for gone in ["HIDDEN-VANISH", "WHITE-ON-WHITE", "WHITE-BY-STYLE"] {
        assert!(!has(&d.bytes, gone), "{gone} survived");
    }
    // White text that a reader sees (on a navy paragraph, in a styled table's header) stays.
    for kept in ["VISIBLE-BODY", "WHITE-ON-NAVY", "TABLE-HEADER"] {
        assert!(has(&d.bytes, kept), "{kept} lost");
    }
    let inv = action_of(&d, "scrub.invisible_text");
    assert!(
        inv.contains(&Action::Removed) && inv.contains(&Action::Kept),
        "{inv:?}"
    );
    assert!(action_of(&d, "ooxml.hidden_text").contains(&Action::Removed));

    let keep = ScrubOptions {
        remove_hidden_text: false,
        remove_invisible_text: false,
        ..ScrubOptions::default()
    };
    let k = scrub(&data, Kind::Docx, &keep);
    for kept in [
        "HIDDEN-VANISH",
        "WHITE-ON-WHITE",
        "WHITE-BY-STYLE",
        "VISIBLE-BODY",
        "WHITE-ON-NAVY",
    ] {
        assert!(has(&k.bytes, kept), "{kept} lost although kept by policy");
    }
    assert!(!action_of(&k, "scrub.invisible_text").contains(&Action::Removed));
    assert_eq!(action_of(&k, "ooxml.hidden_text"), [Action::Kept]);

    // Only one of them kept: the other still goes.
    let only_hidden = ScrubOptions {
        remove_hidden_text: false,
        ..ScrubOptions::default()
    };
    let h = scrub(&data, Kind::Docx, &only_hidden);
    assert!(has(&h.bytes, "HIDDEN-VANISH") && !has(&h.bytes, "WHITE-ON-WHITE"));

    // The input fails the default verifier on both counts.
    let codes = default_verify_codes(&data, Kind::Docx);
    assert!(
        codes.contains(&"verify.hidden_text".to_string())
            && codes.contains(&"verify.invisible_text".to_string()),
        "{codes:?}"
    );
}

#[test]
fn excel_hidden_sheets_rows_and_columns_removed_by_default_kept_on_request() {
    let data = xlsx();
    let d = scrub(&data, Kind::Xlsx, &ScrubOptions::default());
    for gone in [
        "HIDDEN-COL-C1",
        "HIDDEN-COL-C2",
        "HIDDEN-ROW-A3",
        "B1*777",
        "HIDDEN-SHEET-NAME-LIST",
        "TABLE-OF-HIDDEN-SHEET",
        "VERY-HIDDEN-SHEET",
        "xl/tables/table1.xml",
        "xl/calcChain.xml",
        "HIDDEN-ROW-SST",
        "HIDDEN-SHEET-SST",
    ] {
        assert!(!has(&d.bytes, gone), "{gone} survived");
    }
    for kept in [
        "VISIBLE-A1",
        "VISIBLE-A2",
        "VISIBLE-B2",
        "<v>778</v>",
        "Names",
        "VISIBLE-SST",
        "SHARED-BOTH",
    ] {
        assert!(has(&d.bytes, kept), "{kept} lost");
    }
    // The dependent of the removed shared-formula master keeps its value, not its formula.
    assert!(!has(&d.bytes, r#"<f t="shared" si="0"/>"#));
    assert!(action_of(&d, "scrub.hidden_cells").contains(&Action::Removed));
    assert!(action_of(&d, "ooxml.hidden_sheet").contains(&Action::Removed));

    let keep = ScrubOptions {
        remove_hidden_sheets: false,
        remove_hidden_cells: false,
        ..ScrubOptions::default()
    };
    let k = scrub(&data, Kind::Xlsx, &keep);
    for kept in [
        "HIDDEN-COL-C1",
        "HIDDEN-ROW-A3",
        "B1*777",
        "HIDDEN-SHEET-NAME-LIST",
        "VERY-HIDDEN-SHEET",
        "TABLE-OF-HIDDEN-SHEET",
        "HIDDEN-ROW-SST",
        "HIDDEN-SHEET-SST",
    ] {
        assert!(has(&k.bytes, kept), "{kept} lost although kept by policy");
    }
    assert_eq!(action_of(&k, "scrub.hidden_cells"), [Action::Kept]);
    assert_eq!(action_of(&k, "ooxml.hidden_sheet"), [Action::Kept]);

    let codes = default_verify_codes(&data, Kind::Xlsx);
    assert!(
        codes.contains(&"verify.hidden_cells".to_string()),
        "{codes:?}"
    );
}

#[test]
fn excel_with_only_hidden_sheets_keeps_them() {
    // A workbook must keep a visible sheet; one that has none is not emptied.
    let data = xlsx();
    let b = Budget::new(&Limits::default());
    let ctx = Ctx::new(&b, &NoNesting);
    let mut pkg = Package::open(&data, &ctx, "ooxml").unwrap();
    let mut parts: Vec<(String, String)> = pkg
        .names()
        .into_iter()
        .map(|n| {
            let d = String::from_utf8(pkg.read(&n, &ctx).unwrap()).unwrap();
            (n, d)
        })
        .collect();
    for (n, d) in &mut parts {
        if n == "xl/workbook.xml" {
            *d = d.replace(r#"sheetId="1""#, r#"sheetId="1" state="hidden""#);
        }
    }
    let refs: Vec<(&str, String)> = parts.iter().map(|(n, d)| (n.as_str(), d.clone())).collect();
    let d = scrub(&package(&refs), Kind::Xlsx, &ScrubOptions::default());
    assert!(has(&d.bytes, "HIDDEN-SHEET-NAME-LIST") && has(&d.bytes, "VISIBLE-A1"));
}

#[test]
fn powerpoint_notes_removed_by_default_kept_on_request() {
    let data = pptx();
    let d = scrub(&data, Kind::Pptx, &ScrubOptions::default());
    assert!(!has(&d.bytes, "ppt/notesSlides/"), "notes part survived");
    assert!(!has(&d.bytes, "notesMasterIdLst"));
    let keep = ScrubOptions {
        remove_notes: false,
        ..ScrubOptions::default()
    };
    let k = scrub(&data, Kind::Pptx, &keep);
    assert!(
        has(&k.bytes, "ppt/notesSlides/"),
        "notes removed although kept"
    );
    let codes = default_verify_codes(&data, Kind::Pptx);
    assert!(codes.contains(&"verify.notes".to_string()), "{codes:?}");
}

/// The outputs with hidden content removed still open: LibreOffice converts them (and
/// pdftotext finds the visible text and none of the removed text), openpyxl and python-docx
/// load them.
#[test]
fn outputs_without_hidden_content_open_in_libreoffice_and_python_readers() {
    use kiyome_core::corpus::{find_peer_tool, peer_tool};
    use std::process::Command;
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (name, data, kind) in [
        ("doc.docx", docx(), Kind::Docx),
        ("book.xlsx", xlsx(), Kind::Xlsx),
    ] {
        let b = Budget::new(&Limits::default());
        let ctx = Ctx::new(&b, &NoNesting);
        let plan = Plan::default();
        let mut r = RedactionReport::new(&plan, "00");
        let out = office::scrub(&data, kind, &ScrubOptions::default(), &ctx, &mut r).unwrap();
        let p = dir.path().join(name);
        std::fs::write(&p, out.data).unwrap();
        files.push(p);
    }
    if let Some(soffice) = peer_tool("soffice") {
        let pdf_dir = dir.path().join("pdf");
        let o = Command::new(&soffice)
            .arg(format!(
                "-env:UserInstallation=file://{}",
                dir.path().join("profile").display()
            ))
            .args(["--headless", "--convert-to", "pdf", "--outdir"])
            .arg(&pdf_dir)
            .args(&files)
            .output()
            .unwrap();
        let p2t = find_peer_tool("pdftotext");
        for (pdf, visible, gone) in [
            ("doc.pdf", "VISIBLE-BODY", "WHITE-ON-WHITE"),
            ("doc.pdf", "WHITE-ON-NAVY", "HIDDEN-VANISH"),
            // Cells are clipped at the column width in the rendering: prefixes only.
            ("book.pdf", "VISIBLE-A", "HIDDEN"),
            ("book.pdf", "SHARED-BOTH", "HIDDEN"),
        ] {
            let pdf = pdf_dir.join(pdf);
            assert!(
                pdf.is_file(),
                "LibreOffice did not convert: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            if let Some(p2t) = &p2t {
                let t = Command::new(p2t).arg(&pdf).arg("-").output().unwrap();
                let text = String::from_utf8_lossy(&t.stdout);
                assert!(text.contains(visible) && !text.contains(gone), "{text}");
            }
        }
    }
    let Some(py) = find_peer_tool("python").or_else(|| find_peer_tool("python3")) else {
        return;
    };
    let script = r#"
import sys, docx, openpyxl
d = docx.Document(sys.argv[1])
text = "".join(p.text for p in d.paragraphs)
assert "VISIBLE-BODY" in text and "HIDDEN-VANISH" not in text and "WHITE-ON-WHITE" not in text, text
wb = openpyxl.load_workbook(sys.argv[2])
assert [ws.title for ws in wb.worksheets] == ["Visible", "Names", "Deep"], wb.sheetnames
vals = [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
assert "VISIBLE-A1" in vals and "VISIBLE-SST" in vals, vals
assert not any("HIDDEN" in v for v in vals), vals
print("ok")
"#;
    let has_modules = Command::new(&py)
        .args(["-c", "import docx, openpyxl"])
        .status()
        .is_ok_and(|s| s.success());
    if !has_modules {
        assert!(
            !kiyome_core::corpus::is_ci(),
            "python-docx/openpyxl missing under CI"
        );
        return;
    }
    let o = Command::new(&py)
        .arg("-c")
        .arg(script)
        .args(&files)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}
