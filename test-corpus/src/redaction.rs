//! Fixtures for Office/ODF redaction and scrub: documents full of hidden information (names
//! split across runs, My Numbers in tables, comments, tracked changes, properties, hidden
//! text, session identifiers, a photo with EXIF and GPS) whose every planted secret must be
//! gone after `kiyome redact`, while the rest of the text stays.
//!
//! The planted secrets, shared with the tests in `crates/kiyome-redact/tests/`:
//! the person 山田太郎 (a redaction term, always split across runs or spans), the My Number
//! 123456789018 (check digit valid), the author 鈴木花子 and the company 清目市役所 (in the
//! properties), and comment, deleted and hidden texts that contain 秘密.

use crate::fixture::Fixture;
use crate::media::{small_jpeg, with_app1_exif};
use crate::office::zip;

const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const PKG_REL: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const W14: &str = "http://schemas.microsoft.com/office/word/2010/wordml";
const A: &str = "http://schemas.openxmlformats.org/drawingml/2006/main";
const P: &str = "http://schemas.openxmlformats.org/presentationml/2006/main";
const X: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const XML_HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";

fn rels(items: &[(&str, &str, &str)]) -> Vec<u8> {
    let mut s = format!("{XML_HEAD}<Relationships xmlns=\"{PKG_REL}\">");
    for (id, ty, target) in items {
        let ty = if ty.starts_with("http") {
            ty.to_string()
        } else {
            format!("{REL}/{ty}")
        };
        s.push_str(&format!(
            "<Relationship Id=\"{id}\" Type=\"{ty}\" Target=\"{target}\"/>"
        ));
    }
    s.push_str("</Relationships>");
    s.into_bytes()
}

/// Adds an external `mailto:` hyperlink relationship `rId8` naming the person.
fn with_mailto(rels: Vec<u8>) -> Vec<u8> {
    let s = String::from_utf8_lossy(&rels).replace(
        "</Relationships>",
        &format!("<Relationship Id=\"rId8\" Type=\"{REL}/hyperlink\" Target=\"mailto:yamada.taro@example.jp\" TargetMode=\"External\"/></Relationships>"),
    );
    s.into_bytes()
}

fn types(overrides: &[(&str, &str)]) -> Vec<u8> {
    let mut s = format!(
        "{XML_HEAD}<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Default Extension=\"jpeg\" ContentType=\"image/jpeg\"/>"
    );
    for (part, ct) in overrides {
        s.push_str(&format!(
            "<Override PartName=\"/{part}\" ContentType=\"{ct}\"/>"
        ));
    }
    s.push_str("</Types>");
    s.into_bytes()
}

const CT_CORE: &str = "application/vnd.openxmlformats-package.core-properties+xml";
const CT_APP: &str = "application/vnd.openxmlformats-officedocument.extended-properties+xml";
const CT_CUSTOM: &str = "application/vnd.openxmlformats-officedocument.custom-properties+xml";

fn core_props() -> Vec<u8> {
    format!("{XML_HEAD}<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><dc:title>住民票の写し交付記録</dc:title><dc:creator>鈴木花子</dc:creator><cp:lastModifiedBy>鈴木花子</cp:lastModifiedBy><cp:revision>7</cp:revision><dcterms:created xsi:type=\"dcterms:W3CDTF\">2026-04-01T09:00:00Z</dcterms:created></cp:coreProperties>").into_bytes()
}

fn app_props(app: &str) -> Vec<u8> {
    format!("{XML_HEAD}<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\"><Template>\\\\fileserver\\templates\\kojin.dotm</Template><TotalTime>125</TotalTime><Application>{app}</Application><Company>清目市役所</Company><Manager>市民課長</Manager></Properties>").into_bytes()
}

fn custom_props() -> Vec<u8> {
    format!("{XML_HEAD}<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/custom-properties\" xmlns:vt=\"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes\"><property fmtid=\"{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}\" pid=\"2\" name=\"担当者\"><vt:lpwstr>鈴木花子</vt:lpwstr></property></Properties>").into_bytes()
}

fn photo() -> Vec<u8> {
    with_app1_exif(&small_jpeg())
}

/// Word: the name split across three runs (one of them inside a field result), a My Number
/// in a table, a comment, an insertion and a deletion, a hidden run, white text, rsids and
/// paraIds, a header, settings with docVars and an attached template, all three property
/// parts, custom XML, a thumbnail, and a picture with EXIF GPS.
fn docx() -> Vec<u8> {
    let body = format!(
        r#"<w:p w:rsidR="00A1B2C3" w:rsidRDefault="00A1B2C3" w14:paraId="1A2B3C4D" w14:textId="77777777"><w:r w:rsidR="00A1B2C3"><w:t xml:space="preserve">申請者は山</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>田</w:t></w:r><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> MERGEFIELD 氏名 </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>太郎</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r><w:r><w:t xml:space="preserve">さんです。</w:t></w:r></w:p><w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/></w:tblPr><w:tblGrid><w:gridCol w:w="3000"/><w:gridCol w:w="3000"/></w:tblGrid><w:tr><w:tc><w:p><w:r><w:t>個人番号</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>1234 5678</w:t></w:r><w:r><w:t xml:space="preserve"> 9018</w:t></w:r></w:p></w:tc></w:tr></w:tbl><w:p><w:commentRangeStart w:id="0"/><w:r><w:t>審査は完了しました。</w:t></w:r><w:commentRangeEnd w:id="0"/><w:r><w:rPr><w:rStyle w:val="CommentReference"/></w:rPr><w:commentReference w:id="0"/></w:r></w:p><w:p><w:r><w:t xml:space="preserve">受付番号は</w:t></w:r><w:ins w:id="1" w:author="鈴木花子" w:date="2026-04-01T10:00:00Z"><w:r><w:t>第2026号</w:t></w:r></w:ins><w:del w:id="2" w:author="鈴木花子" w:date="2026-04-01T10:00:00Z"><w:r><w:delText>削除された秘密の記述</w:delText></w:r></w:del><w:r><w:t>です。</w:t></w:r></w:p><w:p><w:r><w:rPr><w:vanish/></w:rPr><w:t>隠し文字の秘密メモ</w:t></w:r><w:r><w:t>公開する本文。</w:t></w:r></w:p><w:p><w:r><w:rPr><w:color w:val="FFFFFF"/></w:rPr><w:t>白い文字</w:t></w:r></w:p><w:p><w:hyperlink r:id="rId8"><w:r><w:t>連絡先</w:t></w:r></w:hyperlink></w:p><w:p><w:r><w:drawing><wp:inline xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"><wp:extent cx="304800" cy="228600"/><wp:docPr id="1" name="写真 1"/><a:graphic xmlns:a="{A}"><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:nvPicPr><pic:cNvPr id="1" name="photo.jpeg"/><pic:cNvPicPr/></pic:nvPicPr><pic:blipFill><a:blip r:embed="rId5"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill><pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="304800" cy="228600"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>"#
    );
    let document = format!(
        "{XML_HEAD}<w:document xmlns:w=\"{W}\" xmlns:r=\"{REL}\" xmlns:w14=\"{W14}\"><w:body>{body}<w:sectPr w:rsidR=\"00A1B2C3\"><w:headerReference w:type=\"default\" r:id=\"rId4\"/><w:pgSz w:w=\"11906\" w:h=\"16838\"/></w:sectPr></w:body></w:document>"
    );
    let comments = format!(
        "{XML_HEAD}<w:comments xmlns:w=\"{W}\"><w:comment w:id=\"0\" w:author=\"鈴木花子\" w:initials=\"SH\"><w:p><w:r><w:t>この件は秘密扱いで山田太郎に確認</w:t></w:r></w:p></w:comment></w:comments>"
    );
    let people = format!(
        "{XML_HEAD}<w15:people xmlns:w15=\"http://schemas.microsoft.com/office/word/2012/wordml\"><w15:person w15:author=\"鈴木花子\"><w15:presenceInfo w15:providerId=\"None\" w15:userId=\"鈴木花子\"/></w15:person></w15:people>"
    );
    let settings = format!(
        "{XML_HEAD}<w:settings xmlns:w=\"{W}\" xmlns:r=\"{REL}\"><w:attachedTemplate r:id=\"rId1\"/><w:docVars><w:docVar w:name=\"担当\" w:val=\"鈴木花子\"/></w:docVars><w:rsids><w:rsidRoot w:val=\"00A1B2C3\"/><w:rsid w:val=\"00A1B2C3\"/></w:rsids></w:settings>"
    );
    let header = format!(
        "{XML_HEAD}<w:hdr xmlns:w=\"{W}\"><w:p><w:r><w:t>市民課 山田太郎 様</w:t></w:r></w:p></w:hdr>"
    );
    let styles = format!(
        "{XML_HEAD}<w:styles xmlns:w=\"{W}\"><w:style w:type=\"character\" w:styleId=\"CommentReference\"><w:name w:val=\"annotation reference\"/><w:rPr><w:sz w:val=\"18\"/></w:rPr></w:style></w:styles>"
    );
    let ct_main = "application/vnd.openxmlformats-officedocument.wordprocessingml";
    zip(
        &[
            (
                "[Content_Types].xml",
                types(&[
                    ("word/document.xml", &format!("{ct_main}.document.main+xml")),
                    ("word/comments.xml", &format!("{ct_main}.comments+xml")),
                    ("word/people.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.people+xml"),
                    ("word/settings.xml", &format!("{ct_main}.settings+xml")),
                    ("word/styles.xml", &format!("{ct_main}.styles+xml")),
                    ("word/header1.xml", &format!("{ct_main}.header+xml")),
                    ("docProps/core.xml", CT_CORE),
                    ("docProps/app.xml", CT_APP),
                    ("docProps/custom.xml", CT_CUSTOM),
                    ("customXml/item1.xml", "application/xml"),
                ]),
            ),
            (
                "_rels/.rels",
                rels(&[
                    ("rId1", "officeDocument", "word/document.xml"),
                    ("rId2", "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties", "docProps/core.xml"),
                    ("rId3", "extended-properties", "docProps/app.xml"),
                    ("rId4", "custom-properties", "docProps/custom.xml"),
                    ("rId5", "http://schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail", "docProps/thumbnail.jpeg"),
                ]),
            ),
            ("word/document.xml", document.into_bytes()),
            (
                "word/_rels/document.xml.rels",
                with_mailto(rels(&[
                    ("rId1", "comments", "comments.xml"),
                    ("rId2", "settings", "settings.xml"),
                    ("rId3", "styles", "styles.xml"),
                    ("rId4", "header", "header1.xml"),
                    ("rId5", "image", "media/image1.jpeg"),
                    ("rId6", "http://schemas.microsoft.com/office/2011/relationships/people", "people.xml"),
                    ("rId7", "customXml", "../customXml/item1.xml"),
                ])),
            ),
            ("word/comments.xml", comments.into_bytes()),
            ("word/people.xml", people.into_bytes()),
            ("word/settings.xml", settings.into_bytes()),
            (
                "word/_rels/settings.xml.rels",
                format!("{XML_HEAD}<Relationships xmlns=\"{PKG_REL}\"><Relationship Id=\"rId1\" Type=\"{REL}/attachedTemplate\" Target=\"file:///C:/Users/suzuki/Templates/kojin.dotm\" TargetMode=\"External\"/></Relationships>").into_bytes(),
            ),
            ("word/styles.xml", styles.into_bytes()),
            ("word/header1.xml", header.into_bytes()),
            ("word/media/image1.jpeg", photo()),
            ("docProps/core.xml", core_props()),
            ("docProps/app.xml", app_props("Microsoft Office Word")),
            ("docProps/custom.xml", custom_props()),
            ("docProps/thumbnail.jpeg", photo()),
            (
                "customXml/item1.xml",
                format!("{XML_HEAD}<担当者>鈴木花子</担当者>").into_bytes(),
            ),
        ],
        &[],
    )
}

/// Excel: the name in a shared string split over rich-text runs (with a phonetic reading),
/// in an inline string and produced by a formula; a My Number as a number; a comment; a
/// hidden sheet and a hidden row; a defined name; the workbook's folder path.
fn xlsx() -> Vec<u8> {
    let ct = "application/vnd.openxmlformats-officedocument.spreadsheetml";
    let workbook = format!(
        "{XML_HEAD}<workbook xmlns=\"{X}\" xmlns:r=\"{REL}\" xmlns:mc=\"http://schemas.openxmlformats.org/markup-compatibility/2006\" xmlns:x15ac=\"http://schemas.microsoft.com/office/spreadsheetml/2010/11/ac\" mc:Ignorable=\"x15ac\"><mc:AlternateContent><mc:Choice Requires=\"x15\"><x15ac:absPath url=\"C:\\Users\\suzuki\\Desktop\\\"/></mc:Choice></mc:AlternateContent><sheets><sheet name=\"名簿\" sheetId=\"1\" r:id=\"rId1\"/><sheet name=\"控え\" sheetId=\"2\" state=\"hidden\" r:id=\"rId2\"/></sheets><definedNames><definedName name=\"担当\">\"山田太郎\"</definedName></definedNames></workbook>"
    );
    let sheet1 = format!(
        "{XML_HEAD}<worksheet xmlns=\"{X}\" xmlns:r=\"{REL}\"><sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c></row><row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>山田 太郎</t></is></c><c r=\"B2\"><v>123456789018</v></c></row><row r=\"3\" hidden=\"1\"><c r=\"A3\" t=\"str\"><f>\"山田\"&amp;\"太郎\"</f><v>山田太郎</v></c><c r=\"B3\"><f>1+1</f><v>2</v></c></row></sheetData><legacyDrawing r:id=\"rId1\"/></worksheet>"
    );
    let sheet2 = format!(
        "{XML_HEAD}<worksheet xmlns=\"{X}\"><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>控えの備考</t></is></c></row></sheetData></worksheet>"
    );
    let shared = format!(
        "{XML_HEAD}<sst xmlns=\"{X}\" count=\"2\" uniqueCount=\"2\"><si><r><t>氏名：山</t></r><r><rPr><b/></rPr><t>田太郎</t></r><rPh sb=\"3\" eb=\"5\"><t>ヤマダタロウ</t></rPh><phoneticPr fontId=\"1\"/></si><si><t>住所は公開</t></si></sst>"
    );
    let comments = format!(
        "{XML_HEAD}<comments xmlns=\"{X}\"><authors><author>鈴木花子</author></authors><commentList><comment ref=\"A1\" authorId=\"0\"><text><r><t>秘密: 本人確認済み</t></r></text></comment></commentList></comments>"
    );
    let vml = "<xml xmlns:v=\"urn:schemas-microsoft-com:vml\" xmlns:o=\"urn:schemas-microsoft-com:office:office\" xmlns:x=\"urn:schemas-microsoft-com:office:excel\"><v:shape id=\"_x0000_s1025\" type=\"#_x0000_t202\"><x:ClientData ObjectType=\"Note\"><x:Row>0</x:Row><x:Column>0</x:Column></x:ClientData></v:shape></xml>";
    let styles = format!(
        "{XML_HEAD}<styleSheet xmlns=\"{X}\"><fonts count=\"2\"><font><sz val=\"11\"/><name val=\"Calibri\"/></font><font><sz val=\"6\"/><name val=\"MS PGothic\"/></font></fonts><fills count=\"1\"><fill><patternFill patternType=\"none\"/></fill></fills><borders count=\"1\"><border/></borders><cellStyleXfs count=\"1\"><xf/></cellStyleXfs><cellXfs count=\"1\"><xf/></cellXfs></styleSheet>"
    );
    zip(
        &[
            ("[Content_Types].xml", {
                let mut t = types(&[
                    ("xl/workbook.xml", &format!("{ct}.sheet.main+xml")),
                    ("xl/worksheets/sheet1.xml", &format!("{ct}.worksheet+xml")),
                    ("xl/worksheets/sheet2.xml", &format!("{ct}.worksheet+xml")),
                    ("xl/sharedStrings.xml", &format!("{ct}.sharedStrings+xml")),
                    ("xl/styles.xml", &format!("{ct}.styles+xml")),
                    ("xl/comments1.xml", &format!("{ct}.comments+xml")),
                    ("docProps/core.xml", CT_CORE),
                    ("docProps/app.xml", CT_APP),
                ]);
                // VML drawings by extension.
                let pos = t.len() - "</Types>".len();
                t.splice(pos..pos, b"<Default Extension=\"vml\" ContentType=\"application/vnd.openxmlformats-officedocument.vmlDrawing\"/>".iter().copied());
                t
            }),
            (
                "_rels/.rels",
                rels(&[
                    ("rId1", "officeDocument", "xl/workbook.xml"),
                    (
                        "rId2",
                        "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties",
                        "docProps/core.xml",
                    ),
                    ("rId3", "extended-properties", "docProps/app.xml"),
                ]),
            ),
            ("xl/workbook.xml", workbook.into_bytes()),
            (
                "xl/_rels/workbook.xml.rels",
                rels(&[
                    ("rId1", "worksheet", "worksheets/sheet1.xml"),
                    ("rId2", "worksheet", "worksheets/sheet2.xml"),
                    ("rId3", "sharedStrings", "sharedStrings.xml"),
                    ("rId4", "styles", "styles.xml"),
                ]),
            ),
            ("xl/worksheets/sheet1.xml", sheet1.into_bytes()),
            (
                "xl/worksheets/_rels/sheet1.xml.rels",
                rels(&[
                    ("rId1", "vmlDrawing", "../drawings/vmlDrawing1.vml"),
                    ("rId2", "comments", "../comments1.xml"),
                ]),
            ),
            ("xl/worksheets/sheet2.xml", sheet2.into_bytes()),
            ("xl/sharedStrings.xml", shared.into_bytes()),
            ("xl/styles.xml", styles.into_bytes()),
            ("xl/comments1.xml", comments.into_bytes()),
            ("xl/drawings/vmlDrawing1.vml", vml.as_bytes().to_vec()),
            ("docProps/core.xml", core_props()),
            ("docProps/app.xml", app_props("Microsoft Excel")),
        ],
        &[],
    )
}

fn sp_tree(inner: &str) -> String {
    format!(
        "<p:cSld><p:spTree><p:nvGrpSpPr><p:cNvPr id=\"1\" name=\"\"/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr><p:grpSpPr/>{inner}</p:spTree></p:cSld>"
    )
}

fn text_shape(id: u32, paras: &str) -> String {
    format!(
        "<p:sp><p:nvSpPr><p:cNvPr id=\"{id}\" name=\"テキスト {id}\"/><p:cNvSpPr txBox=\"1\"/><p:nvPr/></p:nvSpPr><p:spPr><a:xfrm><a:off x=\"457200\" y=\"457200\"/><a:ext cx=\"8229600\" cy=\"1143000\"/></a:xfrm><a:prstGeom prst=\"rect\"><a:avLst/></a:prstGeom></p:spPr><p:txBody><a:bodyPr/><a:lstStyle/>{paras}</p:txBody></p:sp>"
    )
}

/// PowerPoint: the name split across runs in a text box, a My Number, speaker notes naming
/// the person, a comment, and properties.
fn pptx() -> Vec<u8> {
    let ns = format!("xmlns:a=\"{A}\" xmlns:r=\"{REL}\" xmlns:p=\"{P}\"");
    let ct = "application/vnd.openxmlformats-officedocument.presentationml";
    let presentation = format!(
        "{XML_HEAD}<p:presentation {ns}><p:sldMasterIdLst><p:sldMasterId id=\"2147483648\" r:id=\"rId1\"/></p:sldMasterIdLst><p:notesMasterIdLst><p:notesMasterId r:id=\"rId4\"/></p:notesMasterIdLst><p:sldIdLst><p:sldId id=\"256\" r:id=\"rId2\"/></p:sldIdLst><p:sldSz cx=\"9144000\" cy=\"6858000\"/><p:notesSz cx=\"6858000\" cy=\"9144000\"/></p:presentation>"
    );
    let master = format!(
        "{XML_HEAD}<p:sldMaster {ns}>{}<p:clrMap bg1=\"lt1\" tx1=\"dk1\" bg2=\"lt2\" tx2=\"dk2\" accent1=\"accent1\" accent2=\"accent2\" accent3=\"accent3\" accent4=\"accent4\" accent5=\"accent5\" accent6=\"accent6\" hlink=\"hlink\" folHlink=\"folHlink\"/><p:sldLayoutIdLst><p:sldLayoutId id=\"2147483649\" r:id=\"rId1\"/></p:sldLayoutIdLst></p:sldMaster>",
        sp_tree("")
    );
    let layout = format!(
        "{XML_HEAD}<p:sldLayout {ns} type=\"blank\">{}<p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr></p:sldLayout>",
        sp_tree("")
    );
    let slide = format!(
        "{XML_HEAD}<p:sld {ns}>{}<p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr></p:sld>",
        sp_tree(&text_shape(
            2,
            "<a:p><a:r><a:rPr lang=\"ja-JP\"/><a:t>担当：山田</a:t></a:r><a:r><a:rPr lang=\"ja-JP\" b=\"1\"/><a:t>太郎</a:t></a:r></a:p><a:p><a:r><a:rPr lang=\"ja-JP\"/><a:t>番号 123456789018 を確認</a:t></a:r></a:p>"
        ))
    );
    let notes = format!(
        "{XML_HEAD}<p:notes {ns}>{}</p:notes>",
        sp_tree(&text_shape(
            2,
            "<a:p><a:r><a:t>発表者メモ：秘密の交渉相手は山田太郎</a:t></a:r></a:p>"
        ))
    );
    let notes_master = format!(
        "{XML_HEAD}<p:notesMaster {ns}>{}<p:clrMap bg1=\"lt1\" tx1=\"dk1\" bg2=\"lt2\" tx2=\"dk2\" accent1=\"accent1\" accent2=\"accent2\" accent3=\"accent3\" accent4=\"accent4\" accent5=\"accent5\" accent6=\"accent6\" hlink=\"hlink\" folHlink=\"folHlink\"/></p:notesMaster>",
        sp_tree("")
    );
    let comments = format!(
        "{XML_HEAD}<p:cmLst {ns}><p:cm authorId=\"0\" dt=\"2026-04-01T10:00:00.000\" idx=\"1\"><p:pos x=\"10\" y=\"10\"/><p:text>秘密: 差し替え予定</p:text></p:cm></p:cmLst>"
    );
    let authors = format!(
        "{XML_HEAD}<p:cmAuthorLst {ns}><p:cmAuthor id=\"0\" name=\"鈴木花子\" initials=\"SH\" lastIdx=\"1\" clrIdx=\"0\"/></p:cmAuthorLst>"
    );
    let theme = format!(
        "{XML_HEAD}<a:theme xmlns:a=\"{A}\" name=\"Office\"><a:themeElements><a:clrScheme name=\"Office\"><a:dk1><a:srgbClr val=\"000000\"/></a:dk1><a:lt1><a:srgbClr val=\"FFFFFF\"/></a:lt1><a:dk2><a:srgbClr val=\"1F497D\"/></a:dk2><a:lt2><a:srgbClr val=\"EEECE1\"/></a:lt2><a:accent1><a:srgbClr val=\"4F81BD\"/></a:accent1><a:accent2><a:srgbClr val=\"C0504D\"/></a:accent2><a:accent3><a:srgbClr val=\"9BBB59\"/></a:accent3><a:accent4><a:srgbClr val=\"8064A2\"/></a:accent4><a:accent5><a:srgbClr val=\"4BACC6\"/></a:accent5><a:accent6><a:srgbClr val=\"F79646\"/></a:accent6><a:hlink><a:srgbClr val=\"0000FF\"/></a:hlink><a:folHlink><a:srgbClr val=\"800080\"/></a:folHlink></a:clrScheme><a:fontScheme name=\"Office\"><a:majorFont><a:latin typeface=\"Calibri\"/><a:ea typeface=\"\"/><a:cs typeface=\"\"/></a:majorFont><a:minorFont><a:latin typeface=\"Calibri\"/><a:ea typeface=\"\"/><a:cs typeface=\"\"/></a:minorFont></a:fontScheme><a:fmtScheme name=\"Office\"><a:fillStyleLst><a:solidFill><a:schemeClr val=\"phClr\"/></a:solidFill><a:solidFill><a:schemeClr val=\"phClr\"/></a:solidFill><a:solidFill><a:schemeClr val=\"phClr\"/></a:solidFill></a:fillStyleLst><a:lnStyleLst><a:ln w=\"9525\"><a:solidFill><a:schemeClr val=\"phClr\"/></a:solidFill></a:ln><a:ln w=\"25400\"><a:solidFill><a:schemeClr val=\"phClr\"/></a:solidFill></a:ln><a:ln w=\"38100\"><a:solidFill><a:schemeClr val=\"phClr\"/></a:solidFill></a:ln></a:lnStyleLst><a:effectStyleLst><a:effectStyle><a:effectLst/></a:effectStyle><a:effectStyle><a:effectLst/></a:effectStyle><a:effectStyle><a:effectLst/></a:effectStyle></a:effectStyleLst><a:bgFillStyleLst><a:solidFill><a:schemeClr val=\"phClr\"/></a:solidFill><a:solidFill><a:schemeClr val=\"phClr\"/></a:solidFill><a:solidFill><a:schemeClr val=\"phClr\"/></a:solidFill></a:bgFillStyleLst></a:fmtScheme></a:themeElements></a:theme>"
    );
    let layout_rel =
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/slideLayout";
    zip(
        &[
            (
                "[Content_Types].xml",
                types(&[
                    (
                        "ppt/presentation.xml",
                        &format!("{ct}.presentation.main+xml"),
                    ),
                    (
                        "ppt/slideMasters/slideMaster1.xml",
                        &format!("{ct}.slideMaster+xml"),
                    ),
                    (
                        "ppt/slideLayouts/slideLayout1.xml",
                        &format!("{ct}.slideLayout+xml"),
                    ),
                    ("ppt/slides/slide1.xml", &format!("{ct}.slide+xml")),
                    (
                        "ppt/notesSlides/notesSlide1.xml",
                        &format!("{ct}.notesSlide+xml"),
                    ),
                    (
                        "ppt/notesMasters/notesMaster1.xml",
                        &format!("{ct}.notesMaster+xml"),
                    ),
                    ("ppt/comments/comment1.xml", &format!("{ct}.comments+xml")),
                    (
                        "ppt/commentAuthors.xml",
                        &format!("{ct}.commentAuthors+xml"),
                    ),
                    (
                        "ppt/theme/theme1.xml",
                        "application/vnd.openxmlformats-officedocument.theme+xml",
                    ),
                    ("docProps/core.xml", CT_CORE),
                    ("docProps/app.xml", CT_APP),
                ]),
            ),
            (
                "_rels/.rels",
                rels(&[
                    ("rId1", "officeDocument", "ppt/presentation.xml"),
                    (
                        "rId2",
                        "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties",
                        "docProps/core.xml",
                    ),
                    ("rId3", "extended-properties", "docProps/app.xml"),
                ]),
            ),
            ("ppt/presentation.xml", presentation.into_bytes()),
            (
                "ppt/_rels/presentation.xml.rels",
                rels(&[
                    ("rId1", "slideMaster", "slideMasters/slideMaster1.xml"),
                    ("rId2", "slide", "slides/slide1.xml"),
                    ("rId3", "theme", "theme/theme1.xml"),
                    ("rId4", "notesMaster", "notesMasters/notesMaster1.xml"),
                    ("rId5", "commentAuthors", "commentAuthors.xml"),
                ]),
            ),
            ("ppt/slideMasters/slideMaster1.xml", master.into_bytes()),
            (
                "ppt/slideMasters/_rels/slideMaster1.xml.rels",
                rels(&[
                    ("rId1", layout_rel, "../slideLayouts/slideLayout1.xml"),
                    ("rId2", "theme", "../theme/theme1.xml"),
                ]),
            ),
            ("ppt/slideLayouts/slideLayout1.xml", layout.into_bytes()),
            (
                "ppt/slideLayouts/_rels/slideLayout1.xml.rels",
                rels(&[("rId1", "slideMaster", "../slideMasters/slideMaster1.xml")]),
            ),
            ("ppt/slides/slide1.xml", slide.into_bytes()),
            (
                "ppt/slides/_rels/slide1.xml.rels",
                rels(&[
                    ("rId1", layout_rel, "../slideLayouts/slideLayout1.xml"),
                    ("rId2", "notesSlide", "../notesSlides/notesSlide1.xml"),
                    ("rId3", "comments", "../comments/comment1.xml"),
                ]),
            ),
            ("ppt/notesSlides/notesSlide1.xml", notes.into_bytes()),
            (
                "ppt/notesSlides/_rels/notesSlide1.xml.rels",
                rels(&[
                    ("rId1", "notesMaster", "../notesMasters/notesMaster1.xml"),
                    ("rId2", "slide", "../slides/slide1.xml"),
                ]),
            ),
            (
                "ppt/notesMasters/notesMaster1.xml",
                notes_master.into_bytes(),
            ),
            (
                "ppt/notesMasters/_rels/notesMaster1.xml.rels",
                rels(&[("rId1", "theme", "../theme/theme1.xml")]),
            ),
            ("ppt/comments/comment1.xml", comments.into_bytes()),
            ("ppt/commentAuthors.xml", authors.into_bytes()),
            ("ppt/theme/theme1.xml", theme.into_bytes()),
            ("docProps/core.xml", core_props()),
            ("docProps/app.xml", app_props("Microsoft Office PowerPoint")),
        ],
        &[],
    )
}

/// OpenDocument text: the name split across spans, a My Number in a table, tracked changes
/// (an insertion and a deletion), an annotation, rsids, meta.xml naming the author,
/// settings.xml, a thumbnail and a photo with EXIF GPS.
fn odt() -> Vec<u8> {
    let ns = "xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" xmlns:style=\"urn:oasis:names:tc:opendocument:xmlns:style:1.0\" xmlns:fo=\"urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:meta=\"urn:oasis:names:tc:opendocument:xmlns:meta:1.0\" xmlns:draw=\"urn:oasis:names:tc:opendocument:xmlns:drawing:1.0\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" xmlns:svg=\"urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0\" xmlns:officeooo=\"http://openoffice.org/2009/office\"";
    let content = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-content {ns} office:version=\"1.3\"><office:automatic-styles><style:style style:name=\"T1\" style:family=\"text\"><style:text-properties fo:font-weight=\"bold\" officeooo:rsid=\"0012ab34\"/></style:style><style:style style:name=\"P1\" style:family=\"paragraph\"><style:paragraph-properties/><style:text-properties officeooo:paragraph-rsid=\"0012ab34\"/></style:style></office:automatic-styles><office:body><office:text><text:tracked-changes><text:changed-region text:id=\"ct1\"><text:insertion><office:change-info><dc:creator>鈴木花子</dc:creator><dc:date>2026-04-01T10:00:00</dc:date></office:change-info></text:insertion></text:changed-region><text:changed-region text:id=\"ct2\"><text:deletion><office:change-info><dc:creator>鈴木花子</dc:creator><dc:date>2026-04-01T10:00:00</dc:date></office:change-info><text:p>削除された秘密の記述</text:p></text:deletion></text:changed-region></text:tracked-changes><text:p text:style-name=\"P1\">申請者は山<text:span text:style-name=\"T1\">田</text:span>太郎さんです。</text:p><table:table table:name=\"表1\"><table:table-column table:number-columns-repeated=\"2\"/><table:table-row><table:table-cell office:value-type=\"string\"><text:p>個人番号</text:p></table:table-cell><table:table-cell office:value-type=\"float\" office:value=\"123456789018\"><text:p>123456789018</text:p></table:table-cell></table:table-row></table:table><text:p>受付番号は<text:change-start text:change-id=\"ct1\"/>第2026号<text:change-end text:change-id=\"ct1\"/><text:change text:change-id=\"ct2\"/>です。</text:p><text:p><office:annotation><dc:creator>鈴木花子</dc:creator><dc:date>2026-04-01T10:00:00</dc:date><text:p>秘密: 本人確認済み</text:p></office:annotation>審査は完了しました。</text:p><text:p><draw:frame draw:name=\"写真1\" svg:width=\"1cm\" svg:height=\"0.75cm\" text:anchor-type=\"as-char\"><draw:image xlink:href=\"Pictures/photo.jpg\" xlink:type=\"simple\" xlink:show=\"embed\" xlink:actuate=\"onLoad\"/></draw:frame></text:p></office:text></office:body></office:document-content>"
    );
    let meta = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-meta {ns} office:version=\"1.3\"><office:meta><meta:initial-creator>鈴木花子</meta:initial-creator><dc:creator>鈴木花子</dc:creator><meta:editing-cycles>7</meta:editing-cycles><meta:user-defined meta:name=\"担当課\">清目市役所</meta:user-defined></office:meta></office:document-meta>"
    );
    let settings = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-settings {ns} xmlns:config=\"urn:oasis:names:tc:opendocument:xmlns:config:1.0\" office:version=\"1.3\"><office:settings><config:config-item-set config:name=\"ooo:configuration-settings\"><config:config-item config:name=\"PrinterName\" config:type=\"string\">SUZUKI-PC Printer</config:config-item></config:config-item-set></office:settings></office:document-settings>"
    );
    let manifest = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\" manifest:version=\"1.3\"><manifest:file-entry manifest:full-path=\"/\" manifest:version=\"1.3\" manifest:media-type=\"application/vnd.oasis.opendocument.text\"/><manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/><manifest:file-entry manifest:full-path=\"meta.xml\" manifest:media-type=\"text/xml\"/><manifest:file-entry manifest:full-path=\"settings.xml\" manifest:media-type=\"text/xml\"/><manifest:file-entry manifest:full-path=\"Pictures/photo.jpg\" manifest:media-type=\"image/jpeg\"/><manifest:file-entry manifest:full-path=\"Thumbnails/thumbnail.png\" manifest:media-type=\"image/png\"/></manifest:manifest>";
    zip(
        &[
            (
                "mimetype",
                b"application/vnd.oasis.opendocument.text".to_vec(),
            ),
            ("content.xml", content.into_bytes()),
            ("meta.xml", meta.into_bytes()),
            ("settings.xml", settings.into_bytes()),
            ("Pictures/photo.jpg", photo()),
            ("Thumbnails/thumbnail.png", crate::media::small_png()),
            ("META-INF/manifest.xml", manifest.as_bytes().to_vec()),
        ],
        &["mimetype"],
    )
}

fn hidden_info(
    name: &str,
    bytes: Vec<u8>,
    expect: &[&'static str],
    about: &'static str,
) -> Fixture {
    Fixture {
        name: name.into(),
        bytes,
        expect: expect.to_vec(),
        dangerous: false,
        about,
        sanitize: "",
    }
}

/// Every redaction fixture.
pub fn fixtures() -> Vec<Fixture> {
    vec![
        // The attached template (a file: URL) is a dangerous factor for inspect.
        Fixture::dangerous(
            "redact_docx_hidden_info.docx",
            docx(),
            &[
                "ooxml.attached_template",
                "ooxml.comments",
                "ooxml.tracked_changes",
                "ooxml.hidden_text",
                "ooxml.properties",
            ],
            "Word document with a name split across runs and a field, a My Number in a table, comments, tracked changes, hidden text, rsids, properties, custom XML, a thumbnail and a photo with GPS (redaction target)",
        ),
        hidden_info(
            "redact_xlsx_hidden_info.xlsx",
            xlsx(),
            &["ooxml.hidden_sheet", "ooxml.properties"],
            "Excel workbook with a name in rich-text shared strings, an inline string and a formula, a My Number as a number, a comment, a hidden sheet and row, a defined name and a folder path (redaction target)",
        ),
        hidden_info(
            "redact_pptx_hidden_info.pptx",
            pptx(),
            &["ooxml.properties"],
            "PowerPoint deck with a name split across runs, a My Number, speaker notes, a comment and properties (redaction target)",
        ),
        hidden_info(
            "redact_odt_hidden_info.odt",
            odt(),
            &["odf.metadata", "odf.tracked_changes", "odf.annotations"],
            "OpenDocument text with a name split across spans, a My Number table cell, tracked changes, an annotation, rsids, meta.xml, settings, a thumbnail and a photo with GPS (redaction target)",
        ),
    ]
}
