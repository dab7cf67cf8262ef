//! Text-only extraction of every text-bearing kind, on generated Japanese fixtures (issue 4):
//! DOCX (table cells, text boxes once, tracked deletions left out, headers and footers), XLSX
//! (shared and inline strings in their cells, sheet order and names, phonetic guides left
//! out), PPTX (presentation order, tables, speaker notes), ODT/ODS/ODP, RTF (`\ansicpg932`
//! `\'xx` and `\u`), HTML in Shift_JIS, and plain text in Shift_JIS, EUC-JP, ISO-2022-JP and
//! UTF-16. DOCX, XLSX and PPTX are compared with python-docx, openpyxl and python-pptx, ODT
//! with LibreOffice's own text export, when those peers are installed.

use kiyome_convert::ocr::OcrOptions;
use kiyome_convert::office::OfficeOptions;
use kiyome_core::{Budget, Limits};
use std::io::Write;
use std::path::Path;
use std::process::Command;

fn extract(name: &str, data: &[u8]) -> String {
    let kind = kiyome_core::sniff(data, Some(name)).kind;
    let budget = Budget::new(&Limits::default());
    let t = kiyome_convert::text::extract(
        data,
        kind,
        None,
        &OfficeOptions::default(),
        &OcrOptions::default(),
        &budget,
    )
    .unwrap_or_else(|e| panic!("{name} ({kind}): {e}"));
    assert!(
        !t.chars().any(|c| c.is_control() && c != '\n' && c != '\t'),
        "{name}: control characters in {t:?}"
    );
    t
}

fn zip(parts: &[(&str, &str)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in parts {
        let opts =
            zip::write::SimpleFileOptions::default().compression_method(if *name == "mimetype" {
                zip::CompressionMethod::Stored
            } else {
                zip::CompressionMethod::Deflated
            });
        w.start_file(*name, opts).unwrap();
        w.write_all(data.as_bytes()).unwrap();
    }
    w.finish().unwrap().into_inner()
}

const W: &str = "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\" xmlns:mc=\"http://schemas.openxmlformats.org/markup-compatibility/2006\" xmlns:wps=\"http://schemas.microsoft.com/office/word/2010/wordprocessingShape\" xmlns:wp=\"http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing\" xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" xmlns:v=\"urn:schemas-microsoft-com:vml\"";
const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

fn r(text: &str) -> String {
    format!("<w:r><w:t xml:space=\"preserve\">{text}</w:t></w:r>")
}

fn docx() -> Vec<u8> {
    let textbox = "<w:p><w:r><mc:AlternateContent><mc:Choice Requires=\"wps\"><w:drawing><wp:anchor><a:graphic><a:graphicData><wps:wsp><wps:txbx><w:txbxContent><w:p><w:r><w:t>枠内の注意書き</w:t></w:r></w:p></w:txbxContent></wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent><w:p><w:r><w:t>枠内の注意書き</w:t></w:r></w:p></w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>";
    let body = format!(
        "<w:p>{}</w:p>\
<w:p>{}<w:r><w:rPr><w:b/></w:rPr><w:t>特別徴収</w:t></w:r><w:del w:id=\"1\" w:author=\"x\"><w:r><w:delText>削除した文</w:delText></w:r></w:del><w:r><w:tab/><w:t>税額通知書</w:t></w:r></w:p>\
<w:tbl><w:tr><w:tc><w:p>{}</w:p></w:tc><w:tc><w:p>{}</w:p></w:tc></w:tr>\
<w:tr><w:tc><w:p>{}</w:p><w:p>{}</w:p></w:tc><w:tc><w:p>{}</w:p></w:tc></w:tr></w:tbl>\
{textbox}<w:p>{}<w:r><w:br/><w:t>以上</w:t></w:r></w:p>\
<w:sectPr><w:headerReference w:type=\"default\" r:id=\"rId1\"/><w:footerReference w:type=\"default\" r:id=\"rId2\"/></w:sectPr>",
        r("住民税のお知らせ"),
        r("令和6年度 "),
        r("氏名"),
        r("山田 太郎"),
        r("住所"),
        r("東京都千代田区"),
        r("①㈱髙﨑"),
        r("ご確認ください。"),
    );
    let doc = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><w:document {W}><w:body>{body}</w:body></w:document>"
    );
    let hdr = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:hdr {W}><w:p>{}</w:p></w:hdr>",
        r("千代田区役所 税務課")
    );
    let ftr = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:ftr {W}><w:p>{}</w:p></w:ftr>",
        r("問い合わせ先 03-0000-0000")
    );
    zip(&[
        (
            "[Content_Types].xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/><Override PartName=\"/word/header1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml\"/><Override PartName=\"/word/footer1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml\"/></Types>",
        ),
        (
            "_rels/.rels",
            &format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"{REL}/officeDocument\" Target=\"word/document.xml\"/></Relationships>"
            ),
        ),
        ("word/document.xml", &doc),
        (
            "word/_rels/document.xml.rels",
            &format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"{REL}/header\" Target=\"header1.xml\"/><Relationship Id=\"rId2\" Type=\"{REL}/footer\" Target=\"footer1.xml\"/></Relationships>"
            ),
        ),
        ("word/header1.xml", &hdr),
        ("word/footer1.xml", &ftr),
    ])
}

fn xlsx() -> Vec<u8> {
    let sst = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"5\" uniqueCount=\"5\">\
<si><t>氏名</t></si><si><t>住所</t></si>\
<si><r><t>山田</t></r><r><rPr><b/></rPr><t>太郎</t></r><rPh sb=\"0\" eb=\"2\"><t>ヤマダタロウ</t></rPh><phoneticPr fontId=\"1\"/></si>\
<si><t>東京都千代田区</t></si><si><t>合計</t></si></sst>";
    let ns = "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"";
    let roster = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet {ns}><sheetData>\
<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c><c r=\"D1\" t=\"inlineStr\"><is><t>備考</t></is></c></row>\
<row r=\"2\"><c r=\"A2\" t=\"s\"><v>2</v></c><c r=\"B2\" t=\"s\"><v>3</v></c><c r=\"C2\"><v>42</v></c><c r=\"D2\" t=\"b\"><v>1</v></c></row>\
<row r=\"4\"><c r=\"B4\" t=\"str\"><f>B2</f><v>東京都千代田区</v></c></row>\
</sheetData></worksheet>"
    );
    let summary = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet {ns}><sheetData>\
<row r=\"1\"><c r=\"A1\" t=\"s\"><v>4</v></c><c r=\"B1\"><f>SUM(名簿!C2)</f><v>42</v></c></row></sheetData></worksheet>"
    );
    // Workbook order differs from part names: 集計 (sheet2.xml) comes first.
    let book = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><workbook {ns}><sheets><sheet name=\"集計\" sheetId=\"2\" r:id=\"rId2\"/><sheet name=\"名簿\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"
    );
    zip(&[
        (
            "[Content_Types].xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/><Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/><Override PartName=\"/xl/worksheets/sheet2.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/><Override PartName=\"/xl/sharedStrings.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml\"/></Types>",
        ),
        (
            "_rels/.rels",
            &format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"{REL}/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"
            ),
        ),
        ("xl/workbook.xml", &book),
        (
            "xl/_rels/workbook.xml.rels",
            &format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"{REL}/worksheet\" Target=\"worksheets/sheet1.xml\"/><Relationship Id=\"rId2\" Type=\"{REL}/worksheet\" Target=\"worksheets/sheet2.xml\"/><Relationship Id=\"rId3\" Type=\"{REL}/sharedStrings\" Target=\"sharedStrings.xml\"/></Relationships>"
            ),
        ),
        ("xl/worksheets/sheet1.xml", &roster),
        ("xl/worksheets/sheet2.xml", &summary),
        ("xl/sharedStrings.xml", sst),
    ])
}

const P: &str = "xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" xmlns:p=\"http://schemas.openxmlformats.org/presentationml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"";

fn sp(text: &str, ph: &str) -> String {
    format!(
        "<p:sp><p:nvSpPr><p:cNvPr id=\"2\" name=\"t\"/><p:cNvSpPr/><p:nvPr>{ph}</p:nvPr></p:nvSpPr><p:spPr/><p:txBody><a:bodyPr/><a:p><a:r><a:t>{text}</a:t></a:r></a:p></p:txBody></p:sp>"
    )
}

fn slide(shapes: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><p:sld {P}><p:cSld><p:spTree><p:nvGrpSpPr><p:cNvPr id=\"1\" name=\"\"/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr><p:grpSpPr/>{shapes}</p:spTree></p:cSld></p:sld>"
    )
}

fn pptx() -> Vec<u8> {
    let table = "<p:graphicFrame><p:nvGraphicFramePr><p:cNvPr id=\"3\" name=\"表\"/><p:cNvGraphicFramePr/><p:nvPr/></p:nvGraphicFramePr><p:xfrm/><a:graphic><a:graphicData uri=\"http://schemas.openxmlformats.org/drawingml/2006/table\"><a:tbl><a:tr h=\"0\"><a:tc><a:txBody><a:bodyPr/><a:p><a:r><a:t>項目</a:t></a:r></a:p></a:txBody></a:tc><a:tc><a:txBody><a:bodyPr/><a:p><a:r><a:t>金額</a:t></a:r></a:p></a:txBody></a:tc></a:tr></a:tbl></a:graphicData></a:graphic></p:graphicFrame>";
    let s1 = slide(&format!("{}{table}", sp("予算の概要", "")));
    let s2 = slide(&sp("表紙：令和6年度 説明会", ""));
    let notes = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><p:notes {P}><p:cSld><p:spTree><p:nvGrpSpPr><p:cNvPr id=\"1\" name=\"\"/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr><p:grpSpPr/>{}{}</p:spTree></p:cSld></p:notes>",
        sp("ここで資料を配布する", "<p:ph type=\"body\" idx=\"1\"/>"),
        sp("2", "<p:ph type=\"sldNum\" idx=\"5\"/>")
    );
    let pres = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><p:presentation {P}><p:sldIdLst><p:sldId id=\"256\" r:id=\"rId3\"/><p:sldId id=\"257\" r:id=\"rId2\"/></p:sldIdLst><p:sldSz cx=\"9144000\" cy=\"6858000\"/><p:notesSz cx=\"6858000\" cy=\"9144000\"/></p:presentation>"
    );
    let rels = |items: &[(&str, &str, &str)]| {
        let mut s = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">",
        );
        for (id, ty, target) in items {
            s.push_str(&format!(
                "<Relationship Id=\"{id}\" Type=\"{REL}/{ty}\" Target=\"{target}\"/>"
            ));
        }
        s + "</Relationships>"
    };
    zip(&[
        (
            "[Content_Types].xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/ppt/presentation.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml\"/><Override PartName=\"/ppt/slides/slide1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.presentationml.slide+xml\"/><Override PartName=\"/ppt/slides/slide2.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.presentationml.slide+xml\"/><Override PartName=\"/ppt/notesSlides/notesSlide1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.presentationml.notesSlide+xml\"/></Types>",
        ),
        (
            "_rels/.rels",
            &rels(&[("rId1", "officeDocument", "ppt/presentation.xml")]),
        ),
        ("ppt/presentation.xml", &pres),
        (
            "ppt/_rels/presentation.xml.rels",
            &rels(&[
                ("rId2", "slide", "slides/slide1.xml"),
                ("rId3", "slide", "slides/slide2.xml"),
            ]),
        ),
        ("ppt/slides/slide1.xml", &s1),
        ("ppt/slides/slide2.xml", &s2),
        (
            "ppt/slides/_rels/slide1.xml.rels",
            &rels(&[("rId1", "notesSlide", "../notesSlides/notesSlide1.xml")]),
        ),
        ("ppt/notesSlides/notesSlide1.xml", &notes),
    ])
}

fn odf(mimetype: &str, body: &str) -> Vec<u8> {
    let content = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><office:document-content xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" xmlns:draw=\"urn:oasis:names:tc:opendocument:xmlns:drawing:1.0\" xmlns:presentation=\"urn:oasis:names:tc:opendocument:xmlns:presentation:1.0\" office:version=\"1.3\"><office:body>{body}</office:body></office:document-content>"
    );
    let manifest = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\" manifest:version=\"1.3\"><manifest:file-entry manifest:full-path=\"/\" manifest:media-type=\"{mimetype}\"/><manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/></manifest:manifest>"
    );
    zip(&[
        ("mimetype", mimetype),
        ("content.xml", &content),
        ("META-INF/manifest.xml", &manifest),
    ])
}

fn odt() -> Vec<u8> {
    odf(
        "application/vnd.oasis.opendocument.text",
        "<office:text><text:tracked-changes><text:changed-region text:id=\"c1\"><text:deletion><text:p>削除済みの文</text:p></text:deletion></text:changed-region></text:tracked-changes>\
<text:h text:outline-level=\"1\">会議録</text:h><text:p>日時<text:tab/>令和6年4月1日<text:s text:c=\"2\"/>午前10時</text:p>\
<table:table table:name=\"表1\"><table:table-column table:number-columns-repeated=\"2\"/><table:table-row><table:table-cell><text:p>出席者</text:p></table:table-cell><table:table-cell><text:p>佐藤、鈴木</text:p></table:table-cell></table:table-row></table:table>\
<text:p>以上<text:line-break/>記録者 田中</text:p></office:text>",
    )
}

#[test]
fn docx_text_has_cells_on_rows_textboxes_once_no_deletions_and_headers() {
    let t = extract("notice.docx", &docx());
    assert_eq!(
        t,
        "住民税のお知らせ\n令和6年度 特別徴収\t税額通知書\n氏名\t山田 太郎\n住所 東京都千代田区\t①㈱髙﨑\n枠内の注意書き\n\nご確認ください。\n以上\n\n千代田区役所 税務課\n\n問い合わせ先 03-0000-0000\n"
    );
    if let Some(peer) = python_peer(
        "docx",
        "import docx,sys\nd=docx.Document(sys.argv[1])\nfor p in d.paragraphs: print(p.text)\nfor t in d.tables:\n  for row in t.rows: print('\\t'.join(c.text for c in row.cells))\nfor s in d.sections:\n  for p in s.header.paragraphs: print(p.text)\n  for p in s.footer.paragraphs: print(p.text)\n",
        &docx(),
    ) {
        // Every line python-docx reads (cell paragraphs joined by a space) is in kiyome's
        // text; python-docx leaves text boxes out of paragraph text.
        for line in peer.lines().filter(|l| !l.trim().is_empty()) {
            let line = line.replace('\n', " ");
            assert!(
                t.contains(&line),
                "python-docx line {line:?} missing from {t:?}"
            );
        }
        assert!(!peer.contains("削除") && !t.contains("削除"));
    }
}

#[test]
fn xlsx_text_resolves_shared_and_inline_strings_in_sheet_order() {
    let t = extract("roster.xlsx", &xlsx());
    assert_eq!(
        t,
        "# 集計\n合計\t42\n\n# 名簿\n氏名\t住所\t\t備考\n山田太郎\t東京都千代田区\t42\tTRUE\n\t東京都千代田区\n"
    );
    // openpyxl renders the same: sheet names in workbook order, rows of tab-separated cells
    // (empty cells empty, trailing ones cut), rows without cells skipped.
    if let Some(peer) = python_peer(
        "openpyxl",
        "import openpyxl,sys\nwb=openpyxl.load_workbook(sys.argv[1],data_only=True)\nout=[]\nfor ws in wb.worksheets:\n  out.append('# '+ws.title)\n  for row in ws.iter_rows(values_only=True):\n    v=['' if x is None else ('TRUE' if x is True else 'FALSE' if x is False else str(x)) for x in row]\n    while v and v[-1]=='': v.pop()\n    if v: out.append('\\t'.join(v))\n  out.append('')\nsys.stdout.write('\\n'.join(out).rstrip('\\n')+'\\n')\n",
        &xlsx(),
    ) {
        assert_eq!(peer, t);
    }
}

#[test]
fn pptx_text_follows_presentation_order_with_tables_and_notes() {
    let t = extract("talk.pptx", &pptx());
    assert_eq!(
        t,
        "表紙：令和6年度 説明会\n\n予算の概要\n項目\t金額\nここで資料を配布する\n\n"
    );
    if let Some(peer) = python_peer(
        "pptx",
        "import pptx,sys\np=pptx.Presentation(sys.argv[1])\nfor s in p.slides:\n  for sh in s.shapes:\n    if sh.has_text_frame: print(sh.text_frame.text)\n    if getattr(sh,'has_table',False) and sh.has_table:\n      for r in sh.table.rows: print('\\t'.join(c.text for c in r.cells))\n  if s.has_notes_slide: print(s.notes_slide.notes_text_frame.text)\n",
        &pptx(),
    ) {
        let mut at = 0;
        for line in peer.lines().filter(|l| !l.trim().is_empty()) {
            let p = t[at..].find(line).unwrap_or_else(|| {
                panic!("python-pptx line {line:?} missing or out of order in {t:?}")
            });
            at += p + line.len();
        }
    }
}

#[test]
fn odf_text_of_writer_calc_and_impress() {
    let t = extract("minutes.odt", &odt());
    assert_eq!(
        t,
        "会議録\n日時\t令和6年4月1日  午前10時\n出席者\t佐藤、鈴木\n以上\n記録者 田中\n"
    );
    let ods = odf(
        "application/vnd.oasis.opendocument.spreadsheet",
        "<office:spreadsheet><table:table table:name=\"名簿\"><table:table-row><table:table-cell><text:p>氏名</text:p></table:table-cell><table:table-cell table:number-columns-repeated=\"2\"/><table:table-cell><text:p>電話</text:p></table:table-cell><table:table-cell table:number-columns-repeated=\"16380\"/></table:table-row><table:table-row table:number-rows-repeated=\"1048575\"><table:table-cell table:number-columns-repeated=\"16384\"/></table:table-row></table:table><table:table table:name=\"空\"/></office:spreadsheet>",
    );
    assert_eq!(
        extract("list.ods", &ods),
        "# 名簿\n氏名\t\t\t電話\n\n# 空\n"
    );
    let odp = odf(
        "application/vnd.oasis.opendocument.presentation",
        "<office:presentation><draw:page draw:name=\"1\"><draw:frame><draw:text-box><text:p>防災訓練のご案内</text:p></draw:text-box></draw:frame><presentation:notes><draw:frame><draw:text-box><text:p>集合場所を伝える</text:p></draw:text-box></draw:frame></presentation:notes></draw:page></office:presentation>",
    );
    assert_eq!(
        extract("drill.odp", &odp),
        "防災訓練のご案内\n集合場所を伝える\n"
    );
    // LibreOffice's own text export of the ODT has the same characters, except that it keeps
    // the deleted text of recorded changes, which kiyome (like Word's and Writer's final
    // view) leaves out.
    if let Some(lo) = libreoffice_txt(&odt(), "odt") {
        let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        assert_eq!(
            squeeze(&lo).replacen("削除済みの文", "", 1),
            squeeze(&t),
            "LibreOffice: {lo:?}"
        );
    }
}

#[test]
fn rtf_text_with_cp932_escapes_and_unicode() {
    // \'93\'8c = 東 and \'8b\'9e = 京 in CP932; \u37117? is 都 with an ANSI fallback to skip.
    let rtf = br"{\rtf1\ansi\ansicpg932\deff0{\fonttbl{\f0\fnil\fcharset128 MS Mincho;}}\f0 \'93\'8c\'8b\'9e\u37117?\par {\*\generator hidden}\uc1\u20250?\u21729?\tab x\par}";
    assert_eq!(extract("a.rtf", rtf), "東京都\n会員\tx\n");
}

#[test]
fn html_in_shift_jis_and_plain_text_in_every_japanese_charset() {
    let (html, _, _) = encoding_rs::SHIFT_JIS.encode(
        "<html><head><meta charset=\"Shift_JIS\"><title>題</title><style>p{}</style></head><body><h1>お知らせ</h1><table><tr><td>申請</td><td>受付中</td></tr></table><script>alert(1)</script><p>詳しくは&#x7A93;口へ</p></body></html>",
    );
    assert_eq!(
        extract("a.html", &html),
        "お知らせ\n\n申請\t受付中\n\n詳しくは窓口へ\n"
    );
    let text = "住民票の写しの交付について\r\n①　窓口：市民課\r\n";
    let want = "住民票の写しの交付について\n①　窓口：市民課\n";
    let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(text);
    // EUC-JP and ISO-2022-JP have no ①.
    let plain = text.replace('①', "(1)");
    let (euc, _, _) = encoding_rs::EUC_JP.encode(&plain);
    let (jis, _, _) = encoding_rs::ISO_2022_JP.encode(&plain);
    let mut utf16le = vec![0xFF, 0xFE];
    let mut utf16be = vec![0xFE, 0xFF];
    for u in text.encode_utf16() {
        utf16le.extend_from_slice(&u.to_le_bytes());
        utf16be.extend_from_slice(&u.to_be_bytes());
    }
    assert_eq!(extract("sjis.txt", &sjis), want);
    assert_eq!(extract("euc.txt", &euc), want.replace('①', "(1)"));
    assert_eq!(extract("jis.txt", &jis), want.replace('①', "(1)"));
    assert_eq!(extract("le.txt", &utf16le), want);
    assert_eq!(extract("be.txt", &utf16be), want);
}

/// Runs `script FILE` with the venv's Python when `module` imports there; the file is `data`.
fn python_peer(module: &str, script: &str, data: &[u8]) -> Option<String> {
    let py = kiyome_core::corpus::find_peer_tool("python")
        .or_else(|| kiyome_core::corpus::find_peer_tool("python3"));
    let ok = py.as_ref().is_some_and(|p| {
        Command::new(p)
            .args(["-c", &format!("import {module}")])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if !ok {
        assert!(
            !kiyome_core::corpus::is_ci(),
            "Python module {module} missing under CI: run scripts/install-deps.sh"
        );
        eprintln!("NOTICE: Python module {module} not found; peer comparison skipped");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join(format!(
        "in.{}",
        if module == "openpyxl" { "xlsx" } else { module }
    ));
    std::fs::write(&f, data).unwrap();
    let out = Command::new(py.unwrap())
        .args(["-c", script])
        .arg(&f)
        .env("PYTHONIOENCODING", "utf-8")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{module}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).unwrap())
}

/// LibreOffice's `--convert-to txt` of `data`, when LibreOffice is installed.
fn libreoffice_txt(data: &[u8], ext: &str) -> Option<String> {
    let soffice = kiyome_core::corpus::peer_tool("soffice")?;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join(format!("in.{ext}"));
    std::fs::write(&input, data).unwrap();
    let profile = format!(
        "-env:UserInstallation=file://{}",
        dir.path().join("p").display()
    );
    let out = Command::new(soffice)
        .args([
            "--headless",
            "--norestore",
            &profile,
            "--convert-to",
            "txt:Text (encoded):UTF8",
            "--outdir",
        ])
        .arg(dir.path())
        .arg(&input)
        .output()
        .ok()?;
    let txt = dir.path().join("in.txt");
    assert!(
        txt.is_file(),
        "LibreOffice wrote no text: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = std::fs::read_to_string(Path::new(&txt)).unwrap();
    Some(s.trim_start_matches('\u{feff}').to_string())
}
