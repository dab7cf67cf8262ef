//! Fixtures for legacy OLE documents (Word/Excel 97-2003 compound files) and RTF.

use crate::fixture::Fixture;
use std::io::{Cursor, Write};

/// Every OLE/RTF fixture.
pub fn fixtures() -> Vec<Fixture> {
    vec![
        Fixture::dangerous(
            "rtf_package_bat.rtf",
            rtf_object(
                "Package",
                &package_native("invoice.bat", b"@echo off\r\ncalc.exe\r\n"),
                false,
            ),
            &["rtf.object"],
            "RTF with an OLE Package object that drops a .bat file (class Package)",
        ),
        Fixture::dangerous(
            "rtf_equation_objupdate.rtf",
            rtf_object("Equation.3", &equation_cfb(), true),
            &["rtf.object", "rtf.objupdate"],
            "RTF with an Equation.3 object refreshed on open (CVE-2017-11882 vector)",
        ),
        Fixture::dangerous(
            "rtf_ddeauto_field.rtf",
            b"{\\rtf1\\ansi{\\fonttbl{\\f0 Arial;}}\\f0 Report \
              {\\field{\\*\\fldinst DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe \"/c calc.exe\"}\
              {\\fldrslt Total}}\\par}"
                .to_vec(),
            &["rtf.dde"],
            "RTF with a DDEAUTO field that starts cmd.exe",
        ),
        Fixture::dangerous(
            "rtf_objdata_obfuscated.rtf",
            rtf_obfuscated(),
            &["rtf.object"],
            "RTF whose objdata hex is split by whitespace, control words and a nested group (rtfobj evasion)",
        ),
        Fixture::dangerous(
            "doc_vba_ddeauto.doc",
            word_doc(
                true,
                "Hello \u{13} DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe \"/c calc\" \u{14}42\u{15}\r",
            ),
            &["ole.vba", "ole.dde"],
            "Word 97 compound file with a Macros/VBA storage and a DDEAUTO field",
        ),
        Fixture::dangerous(
            "doc_vba_macros.doc",
            word_doc(true, "Hello world\r"),
            &["ole.vba"],
            "Word 97 compound file with a Macros/VBA storage only (disarm removes it)",
        ),
        Fixture::dangerous(
            "xls_xlm_macro_sheet.xls",
            xls_macro_sheet(),
            &["ole.xlm_macro"],
            "BIFF8 workbook with a hidden Excel 4 macro sheet and an Auto_Open name",
        ),
        Fixture::clean(
            "rtf_japanese_clean.rtf",
            rtf_japanese(),
            "clean Japanese RTF (ansicpg932, Shift_JIS hex escapes and \\u escapes): a control",
        ),
    ]
}

fn hex(b: &[u8]) -> String {
    let mut s = String::new();
    for (i, x) in b.iter().enumerate() {
        if i % 64 == 0 {
            s.push('\n');
        }
        s.push_str(&format!("{x:02x}"));
    }
    s
}

/// Packager native data (no leading size; the RTF OLE1 form).
fn package_native(name: &str, body: &[u8]) -> Vec<u8> {
    let mut v = vec![2, 0];
    v.extend_from_slice(name.as_bytes());
    v.push(0);
    v.extend_from_slice(format!("C:\\Users\\x\\{name}").as_bytes());
    v.push(0);
    v.extend_from_slice(&[0, 0, 3, 0]);
    let temp = format!("C:\\Temp\\{name}\0");
    v.extend_from_slice(&(temp.len() as u32).to_le_bytes());
    v.extend_from_slice(temp.as_bytes());
    v.extend_from_slice(&(body.len() as u32).to_le_bytes());
    v.extend_from_slice(body);
    v
}

/// An OLE1 embedded object: ObjectHeader + native data.
fn ole1(class: &str, native: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&0x0501u32.to_le_bytes());
    v.extend_from_slice(&2u32.to_le_bytes());
    v.extend_from_slice(&(class.len() as u32 + 1).to_le_bytes());
    v.extend_from_slice(class.as_bytes());
    v.push(0);
    v.extend_from_slice(&0u32.to_le_bytes());
    v.extend_from_slice(&0u32.to_le_bytes());
    v.extend_from_slice(&(native.len() as u32).to_le_bytes());
    v.extend_from_slice(native);
    v
}

fn rtf_object(class: &str, native: &[u8], update: bool) -> Vec<u8> {
    let upd = if update { "\\objupdate" } else { "" };
    format!(
        "{{\\rtf1\\ansi{{\\fonttbl{{\\f0 Arial;}}}}\\f0 See attachment\\par\n\
         {{\\object\\objemb{upd}\\objw1000\\objh400{{\\*\\objclass {class}}}{{\\*\\objdata {}\n}}\
         {{\\result {{\\pict\\wmetafile8\\picw100\\pich40 0100090000030000000000000000}}}}}}\\par}}",
        hex(&ole1(class, native))
    )
    .into_bytes()
}

fn rtf_obfuscated() -> Vec<u8> {
    let data = hex(&ole1(
        "Package",
        &package_native("a.js", b"WScript.Echo(1)"),
    ));
    // Interleave spaces, line breaks, an unknown control word and an ignorable group between
    // hex digits: Word skips them all when it decodes \objdata.
    let mut s = String::new();
    for (i, ch) in data.chars().filter(|c| !c.is_whitespace()).enumerate() {
        s.push(ch);
        match i % 7 {
            2 => s.push(' '),
            4 => s.push_str("\r\n"),
            5 if i % 3 == 0 => s.push_str("\\zzz "),
            6 if i % 5 == 0 => s.push_str("{\\*\\xyz}"),
            _ => {}
        }
    }
    format!("{{\\rt{{\\object\\objemb{{\\*\\objdata {s}}}}}}}").into_bytes()
}

/// Root CLSIDs that Office (and file-type guessers such as oletools' ftguess) expect.
const CLSID_WORD: &str = "00020906-0000-0000-c000-000000000046";
const CLSID_EXCEL: &str = "00020820-0000-0000-c000-000000000046";

fn cfb_file(
    clsid: Option<&str>,
    build: impl FnOnce(&mut cfb::CompoundFile<Cursor<Vec<u8>>>),
) -> Vec<u8> {
    let mut c = cfb::CompoundFile::create(Cursor::new(Vec::new())).expect("create cfb");
    if let Some(id) = clsid {
        c.set_storage_clsid("/", uuid::Uuid::parse_str(id).expect("clsid"))
            .expect("set clsid");
    }
    build(&mut c);
    // Fixed timestamps keep the fixture byte-identical across runs.
    let storages: Vec<_> = c
        .walk()
        .filter(|e| e.is_storage())
        .map(|e| e.path().to_path_buf())
        .collect();
    for p in storages {
        c.set_created_time(&p, std::time::UNIX_EPOCH)
            .expect("cfb time");
        c.set_modified_time(&p, std::time::UNIX_EPOCH)
            .expect("cfb time");
    }
    c.flush().expect("flush cfb");
    c.into_inner().into_inner()
}

fn stream(c: &mut cfb::CompoundFile<Cursor<Vec<u8>>>, path: &str, data: &[u8]) {
    c.create_stream(path)
        .expect("create stream")
        .write_all(data)
        .expect("write stream");
}

fn equation_cfb() -> Vec<u8> {
    cfb_file(None, |c| {
        stream(
            c,
            "/Equation Native",
            &[0x1c, 0, 0, 0, 2, 0, 0x9e, 0xc4, 0xa9, 0],
        );
        stream(c, "/\u{1}CompObj", &[0; 28]);
    })
}

/// A minimal Word 97 document: FIB with a piece table pointing at UTF-16 text.
fn word_doc(vba: bool, text: &str) -> Vec<u8> {
    let units: Vec<u16> = text.encode_utf16().collect();
    let mut wd = vec![0u8; 2048];
    wd[0..2].copy_from_slice(&0xA5ECu16.to_le_bytes());
    wd[2..4].copy_from_slice(&0x00C1u16.to_le_bytes());
    wd[6..8].copy_from_slice(&0x0411u16.to_le_bytes());
    wd[10..12].copy_from_slice(&0x0200u16.to_le_bytes()); // fWhichTblStm: 1Table
    wd[32..34].copy_from_slice(&14u16.to_le_bytes());
    wd[62..64].copy_from_slice(&22u16.to_le_bytes());
    wd[64 + 3 * 4..64 + 4 * 4].copy_from_slice(&(units.len() as u32).to_le_bytes()); // ccpText
    wd[152..154].copy_from_slice(&93u16.to_le_bytes());
    let clx_len: u32 = 1 + 4 + 16;
    wd[418..422].copy_from_slice(&0u32.to_le_bytes());
    wd[422..426].copy_from_slice(&clx_len.to_le_bytes());
    for u in &units {
        wd.extend_from_slice(&u.to_le_bytes());
    }
    let mut table = vec![2u8];
    table.extend_from_slice(&16u32.to_le_bytes());
    table.extend_from_slice(&0u32.to_le_bytes());
    table.extend_from_slice(&(units.len() as u32).to_le_bytes());
    table.extend_from_slice(&[0, 0]);
    table.extend_from_slice(&2048u32.to_le_bytes());
    table.extend_from_slice(&[0, 0]);
    cfb_file(Some(CLSID_WORD), |c| {
        stream(c, "/WordDocument", &wd);
        stream(c, "/1Table", &table);
        if vba {
            c.create_storage("/Macros").expect("storage");
            c.create_storage("/Macros/VBA").expect("storage");
            stream(c, "/Macros/PROJECT", b"ID=\"{00000000-0000-0000-0000-000000000000}\"\r\nDocument=ThisDocument/&H00000000\r\n");
            stream(c, "/Macros/VBA/dir", &[1, 0x30, 0]);
            stream(
                c,
                "/Macros/VBA/_VBA_PROJECT",
                &[0xCC, 0x61, 0xFF, 0xFF, 0, 0, 0],
            );
            stream(
                c,
                "/Macros/VBA/ThisDocument",
                b"Attribute VB_Name = \"ThisDocument\"\r\nSub AutoOpen()\r\nEnd Sub\r\n",
            );
        }
    })
}

fn rec(ty: u16, body: &[u8]) -> Vec<u8> {
    let mut v = ty.to_le_bytes().to_vec();
    v.extend_from_slice(&(body.len() as u16).to_le_bytes());
    v.extend_from_slice(body);
    v
}

fn xls_macro_sheet() -> Vec<u8> {
    let bof = |dt: u8| rec(0x0809, &[0, 6, dt, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0]);
    // Lbl: fBuiltin, cch = 1, name = 0x01 (Auto_Open).
    let mut name = vec![0x20, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1];
    name.extend_from_slice(&[0x3A, 0, 0, 0, 0, 0]);
    let sheet_name = [1u8, 1, 6, 0, b'M', b'a', b'c', b'r', b'o', b'1'];
    // Globals: BOF, BoundSheet8 (hsState = 1 hidden, dt = 1 macro sheet), Lbl, EOF; then the
    // macro sheet substream (BOF with dt = 0x40) that lbPlyPos points at.
    let globals_len = bof(5).len() + 4 + 4 + sheet_name.len() + rec(0x0018, &name).len() + 4;
    let mut bs = (globals_len as u32).to_le_bytes().to_vec();
    bs.extend_from_slice(&sheet_name);
    let mut s = bof(5);
    s.extend(rec(0x0085, &bs));
    s.extend(rec(0x0018, &name));
    s.extend(rec(0x000A, &[]));
    s.extend(bof(0x40));
    s.extend(rec(0x000A, &[]));
    cfb_file(Some(CLSID_EXCEL), |c| stream(c, "/Workbook", &s))
}

fn rtf_japanese() -> Vec<u8> {
    let mut v = b"{\\rtf1\\ansi\\ansicpg932\\deff0{\\fonttbl{\\f0\\fcharset128 \\'82\\'6c\\'82\\'72 \\'96\\'be\\'92\\'a9;}}\
{\\info{\\title \\'8c\\'f6\\'95\\'f1}}\\f0\\fs21 "
        .to_vec();
    // 「住民の皆様へ」 in Shift_JIS hex escapes, then 「お知らせ」 as \u escapes.
    let (sj, _, _) = encoding_rs::SHIFT_JIS.encode("住民の皆様へ");
    for b in sj.iter() {
        v.extend_from_slice(format!("\\'{b:02x}").as_bytes());
    }
    v.extend_from_slice(b"\\par \\uc1");
    for u in "お知らせ".encode_utf16() {
        v.extend_from_slice(format!("\\u{}?", u as i16).as_bytes());
    }
    v.extend_from_slice(b"\\par}");
    v
}
