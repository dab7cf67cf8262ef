//! Kind detection by content. The file name is only a claim, compared afterwards.
//!
//! Detection is cheap and bounded: it looks at magic numbers, at the names in a ZIP central
//! directory, at `[Content_Types].xml` or `mimetype` of a package, at UTF-16 stream names in an
//! OLE directory, and at the first kilobytes of text. Format crates parse fully later.

use crate::charset::{Charset, detect_charset};
use crate::kind::{Kind, KindClass};
use serde::{Deserialize, Serialize};
use std::io::Read;

/// What [`sniff`] found out about one input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detection {
    /// The kind established from content.
    pub kind: Kind,
    /// The kind the file name claims, if its extension is known.
    pub claimed: Option<Kind>,
    /// For text kinds, the detected charset.
    pub charset: Option<Charset>,
    /// Bytes before a recognised signature (a polyglot or self-extracting prefix), if any.
    pub prefix_bytes: u64,
}

impl Detection {
    /// True when the name claims a kind that the content does not support.
    pub fn is_mismatch(&self) -> bool {
        match self.claimed {
            Some(c) => !self.kind.consistent_with_claim(c),
            None => false,
        }
    }
}

/// Detects the kind of `data`; `name` (optional) is the claimed file name.
pub fn sniff(data: &[u8], name: Option<&str>) -> Detection {
    let claimed = name.and_then(Kind::from_file_name);
    let (mut kind, prefix_bytes) = sniff_binary(data);
    let mut charset = None;
    if kind == Kind::Unknown {
        if data.is_empty() {
            kind = Kind::Empty;
        } else if let Some(cs) = detect_charset(data) {
            charset = Some(cs);
            kind = sniff_text(data, cs, claimed);
        }
    }
    Detection {
        kind,
        claimed,
        charset,
        prefix_bytes,
    }
}

fn sniff_binary(d: &[u8]) -> (Kind, u64) {
    let starts = |m: &[u8]| d.starts_with(m);
    if starts(b"%PDF-") {
        return (Kind::Pdf, 0);
    }
    if starts(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return (ole_kind(d), 0);
    }
    if starts(b"PK\x03\x04") || starts(b"PK\x05\x06") || starts(b"PK\x07\x08") {
        return (zip_kind(d, 0), 0);
    }
    if starts(b"{\\rt") {
        return (Kind::Rtf, 0);
    }
    if starts(&[0xFF, 0xD8, 0xFF]) {
        return (Kind::Jpeg, 0);
    }
    if starts(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        return (Kind::Png, 0);
    }
    if starts(b"GIF87a") || starts(b"GIF89a") {
        return (Kind::Gif, 0);
    }
    if starts(b"II*\0") || starts(b"MM\0*") || starts(b"II+\0") || starts(b"MM\0+") {
        return (Kind::Tiff, 0);
    }
    // Olympus ORF and Panasonic RW2 are TIFF variants with their own magic.
    if starts(b"IIRO") || starts(b"IIRS") || starts(b"IIU\0") {
        return (Kind::Tiff, 0);
    }
    if d.len() >= 12 && &d[..4] == b"RIFF" && &d[8..12] == b"WEBP" {
        return (Kind::Webp, 0);
    }
    if d.len() >= 12 && &d[4..8] == b"ftyp" {
        let brands = &d[8..d.len().min(64)];
        let has = |b: &[u8]| brands.windows(4).any(|w| w == b);
        if has(b"avif") || has(b"avis") {
            return (Kind::Avif, 0);
        }
        if has(b"heic")
            || has(b"heix")
            || has(b"heim")
            || has(b"heis")
            || has(b"hevc")
            || has(b"mif1")
            || has(b"msf1")
        {
            return (Kind::Heic, 0);
        }
        return (Kind::Unknown, 0);
    }
    if starts(&[0xFF, 0x0A]) || starts(&[0, 0, 0, 0x0C, b'J', b'X', b'L', b' ']) {
        return (Kind::Jxl, 0);
    }
    if d.len() >= 26 && starts(b"BM") {
        let size = u32::from_le_bytes([d[2], d[3], d[4], d[5]]) as usize;
        let dib = u32::from_le_bytes([d[14], d[15], d[16], d[17]]);
        if matches!(dib, 12 | 40 | 52 | 56 | 64 | 108 | 124) && size >= 26 {
            return (Kind::Bmp, 0);
        }
    }
    if starts(&[0x1F, 0x8B]) {
        return (Kind::Gzip, 0);
    }
    if starts(b"7z\xBC\xAF\x27\x1C") {
        return (Kind::SevenZip, 0);
    }
    if starts(b"Rar!\x1A\x07") {
        return (Kind::Rar, 0);
    }
    if starts(b"BZh") && d.len() > 4 && (b'1'..=b'9').contains(&d[3]) {
        return (Kind::Bzip2, 0);
    }
    if starts(&[0xFD, b'7', b'z', b'X', b'Z', 0]) {
        return (Kind::Xz, 0);
    }
    if starts(b"MSCF") {
        return (Kind::Cab, 0);
    }
    if starts(b"MZ") {
        return (Kind::Pe, 0);
    }
    if starts(b"\x7FELF") {
        return (Kind::Elf, 0);
    }
    if starts(&[0xFE, 0xED, 0xFA, 0xCE])
        || starts(&[0xFE, 0xED, 0xFA, 0xCF])
        || starts(&[0xCE, 0xFA, 0xED, 0xFE])
        || starts(&[0xCF, 0xFA, 0xED, 0xFE])
        || starts(&[0xCA, 0xFE, 0xBA, 0xBE])
    {
        return (Kind::MachO, 0);
    }
    if starts(&[0x4C, 0, 0, 0, 0x01, 0x14, 0x02, 0]) {
        return (Kind::Lnk, 0);
    }
    if is_tar(d) {
        return (Kind::Tar, 0);
    }
    // PDF readers accept the header anywhere in the first kilobyte.
    if let Some(pos) = find(&d[..d.len().min(1024)], b"%PDF-") {
        return (Kind::Pdf, pos as u64);
    }
    // A ZIP whose central directory is intact but which starts with something else
    // (self-extracting archive or a polyglot) — only when nothing else matched.
    if let Some(start) = zip_with_prefix(d) {
        return (zip_kind(d, start), start as u64);
    }
    (Kind::Unknown, 0)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A tar header: the checksum field at 148..156 matches the header's byte sum.
fn is_tar(d: &[u8]) -> bool {
    if d.len() < 512 {
        return false;
    }
    let h = &d[..512];
    if &h[257..262] == b"ustar" {
        return true;
    }
    let field = &h[148..156];
    // Some writers pad the checksum with leading spaces: trim before parsing.
    let text: String = field
        .iter()
        .skip_while(|b| **b == b' ')
        .take_while(|b| **b != 0 && **b != b' ')
        .map(|b| *b as char)
        .collect();
    let Ok(sum) = u32::from_str_radix(text.trim(), 8) else {
        return false;
    };
    let computed: u32 = h
        .iter()
        .enumerate()
        .map(|(i, b)| {
            if (148..156).contains(&i) {
                32
            } else {
                *b as u32
            }
        })
        .sum();
    sum == computed && h[0] != 0
}

fn ole_kind(d: &[u8]) -> Kind {
    let has = |name: &str| {
        let pat: Vec<u8> = name.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        d.windows(pat.len()).any(|w| w == pat.as_slice())
    };
    if has("EncryptedPackage") && has("EncryptionInfo") {
        Kind::OoxmlEncrypted
    } else if has("__properties_version1.0") || has("__substg1.0_") {
        Kind::Msg
    } else if has("WordDocument") {
        Kind::Doc
    } else if has("PowerPoint Document") {
        Kind::Ppt
    } else if has("Workbook") || has("Book\0") {
        Kind::Xls
    } else {
        Kind::Ole
    }
}

/// An entry from a ZIP central directory.
struct CdEntry {
    name: Vec<u8>,
    method: u16,
    compressed: u64,
    local_offset: u64,
}

fn zip_with_prefix(d: &[u8]) -> Option<usize> {
    let (cd_offset, cd_size, _) = find_eocd(d)?;
    // The central directory sits just before the EOCD; its recorded offset is relative to
    // the start of the zip data, so the difference is the length of the prefix.
    let eocd = rfind(d, b"PK\x05\x06")?;
    let actual_cd = eocd.checked_sub(cd_size as usize)?;
    let prefix = actual_cd.checked_sub(cd_offset as usize)?;
    if prefix > 0 && d.get(prefix..prefix + 4) == Some(b"PK\x03\x04") {
        Some(prefix)
    } else {
        None
    }
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let start = hay.len().saturating_sub(65_557);
    hay[start..]
        .windows(needle.len())
        .rposition(|w| w == needle)
        .map(|p| p + start)
}

fn find_eocd(d: &[u8]) -> Option<(u64, u64, u64)> {
    let pos = rfind(d, b"PK\x05\x06")?;
    let e = d.get(pos..pos + 22)?;
    let count = u16::from_le_bytes([e[10], e[11]]) as u64;
    let size = u32::from_le_bytes([e[12], e[13], e[14], e[15]]) as u64;
    let offset = u32::from_le_bytes([e[16], e[17], e[18], e[19]]) as u64;
    Some((offset, size, count))
}

fn central_directory(d: &[u8], base: usize) -> Vec<CdEntry> {
    let mut out = Vec::new();
    let Some((offset, _, _)) = find_eocd(d) else {
        return out;
    };
    let mut p = base.saturating_add(offset as usize);
    // Bounded: at most 20 000 names examined for sniffing.
    while out.len() < 20_000 {
        let Some(h) = d.get(p..p + 46) else { break };
        if &h[..4] != b"PK\x01\x02" {
            break;
        }
        let method = u16::from_le_bytes([h[10], h[11]]);
        let compressed = u32::from_le_bytes([h[20], h[21], h[22], h[23]]) as u64;
        let nlen = u16::from_le_bytes([h[28], h[29]]) as usize;
        let xlen = u16::from_le_bytes([h[30], h[31]]) as usize;
        let clen = u16::from_le_bytes([h[32], h[33]]) as usize;
        let local = u32::from_le_bytes([h[42], h[43], h[44], h[45]]) as u64;
        let Some(name) = d.get(p + 46..p + 46 + nlen) else {
            break;
        };
        out.push(CdEntry {
            name: name.to_vec(),
            method,
            compressed,
            local_offset: local + base as u64,
        });
        p += 46 + nlen + xlen + clen;
    }
    out
}

/// Reads one small member (≤ 1 MiB after inflation), stored or deflated.
fn read_member(d: &[u8], e: &CdEntry) -> Option<Vec<u8>> {
    let lo = e.local_offset as usize;
    let h = d.get(lo..lo + 30)?;
    if &h[..4] != b"PK\x03\x04" {
        return None;
    }
    let nlen = u16::from_le_bytes([h[26], h[27]]) as usize;
    let xlen = u16::from_le_bytes([h[28], h[29]]) as usize;
    let start = lo + 30 + nlen + xlen;
    let raw = d.get(start..start.checked_add(e.compressed as usize)?.min(d.len()))?;
    const CAP: u64 = 1 << 20;
    match e.method {
        0 => Some(raw[..raw.len().min(CAP as usize)].to_vec()),
        8 => {
            let mut out = Vec::new();
            flate2::read::DeflateDecoder::new(raw)
                .take(CAP)
                .read_to_end(&mut out)
                .ok()?;
            Some(out)
        }
        _ => None,
    }
}

fn zip_kind(d: &[u8], base: usize) -> Kind {
    let entries = central_directory(d, base);
    let named = |n: &str| {
        entries
            .iter()
            .find(|e| e.name.eq_ignore_ascii_case(n.as_bytes()))
    };
    if let Some(ct) = named("[Content_Types].xml") {
        let xml = read_member(d, ct).unwrap_or_default();
        let xml = String::from_utf8_lossy(&xml);
        if let Some(k) = ooxml_kind_from_content_types(&xml) {
            return k;
        }
        let has_part = |p: &str| {
            entries
                .iter()
                .any(|e| e.name.eq_ignore_ascii_case(p.as_bytes()))
        };
        return if has_part("word/document.xml") {
            Kind::Docx
        } else if has_part("xl/workbook.xml") {
            Kind::Xlsx
        } else if has_part("xl/workbook.bin") {
            Kind::Xlsb
        } else if has_part("ppt/presentation.xml") {
            Kind::Pptx
        } else {
            Kind::Ooxml
        };
    }
    if let Some(m) = named("mimetype") {
        let mime = read_member(d, m).unwrap_or_default();
        let mime = String::from_utf8_lossy(&mime);
        let mime = mime.trim();
        if let Some(rest) = mime.strip_prefix("application/vnd.oasis.opendocument.") {
            return match rest {
                "text" | "text-template" | "text-master" => Kind::Odt,
                "spreadsheet" | "spreadsheet-template" => Kind::Ods,
                "presentation" | "presentation-template" => Kind::Odp,
                "graphics" | "graphics-template" => Kind::Odg,
                _ => Kind::Odf,
            };
        }
    }
    if named("content.xml").is_some() && named("META-INF/manifest.xml").is_some() {
        return Kind::Odf;
    }
    let is_jar = named("META-INF/MANIFEST.MF").is_some()
        || entries
            .iter()
            .take(200)
            .any(|e| e.name.ends_with(b".class"));
    if is_jar { Kind::Jar } else { Kind::Zip }
}

/// Maps the main-part content type of `[Content_Types].xml` to an OOXML kind.
pub fn ooxml_kind_from_content_types(xml: &str) -> Option<Kind> {
    const TABLE: &[(&str, Kind)] = &[
        (
            "application/vnd.ms-word.document.macroEnabled.main+xml",
            Kind::Docm,
        ),
        (
            "application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
            Kind::Dotm,
        ),
        (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
            Kind::Docx,
        ),
        (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
            Kind::Dotx,
        ),
        (
            "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
            Kind::Xlsm,
        ),
        (
            "application/vnd.ms-excel.template.macroEnabled.main+xml",
            Kind::Xltm,
        ),
        (
            "application/vnd.ms-excel.sheet.binary.macroEnabled.main",
            Kind::Xlsb,
        ),
        (
            "application/vnd.ms-excel.addin.macroEnabled.main+xml",
            Kind::Xlam,
        ),
        (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            Kind::Xlsx,
        ),
        (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
            Kind::Xltx,
        ),
        (
            "application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml",
            Kind::Pptm,
        ),
        (
            "application/vnd.ms-powerpoint.template.macroEnabled.main+xml",
            Kind::Potm,
        ),
        (
            "application/vnd.ms-powerpoint.slideshow.macroEnabled.main+xml",
            Kind::Ppsm,
        ),
        (
            "application/vnd.ms-powerpoint.addin.macroEnabled.main+xml",
            Kind::Ppam,
        ),
        (
            "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
            Kind::Pptx,
        ),
        (
            "application/vnd.openxmlformats-officedocument.presentationml.template.main+xml",
            Kind::Potx,
        ),
        (
            "application/vnd.openxmlformats-officedocument.presentationml.slideshow.main+xml",
            Kind::Ppsx,
        ),
    ];
    let lower = xml.to_ascii_lowercase();
    TABLE
        .iter()
        .find(|(ct, _)| lower.contains(&format!("\"{}\"", ct.to_ascii_lowercase())))
        .map(|(_, k)| *k)
}

/// Bytes of a text file decoded for sniffing (scripts are looked for in all of it).
const TEXT_HEAD: usize = 256 * 1024;

fn sniff_text(data: &[u8], cs: Charset, claimed: Option<Kind>) -> Kind {
    let head = &data[..data.len().min(TEXT_HEAD)];
    let text = crate::charset::decode(head, cs);
    let t = text.trim_start_matches('\u{feff}').trim_start();
    let lower: String = t
        .chars()
        .take(4096)
        .collect::<String>()
        .to_ascii_lowercase();
    if lower.starts_with("id;p") {
        return Kind::Sylk;
    }
    if lower.starts_with("#!") {
        return Kind::Sh;
    }
    if lower.contains("<hta:application") {
        return Kind::Hta;
    }
    if let Some(k) = shortcut_kind(&lower) {
        return k;
    }
    if lower.starts_with('<') {
        // Windows Script Files and scriptlets: XML that wscript, regsvr32 and scrobj.dll run.
        if lower.contains("<scriptlet")
            || ((lower.contains("<job") || lower.contains("<package")) && lower.contains("<script"))
        {
            return Kind::Wsf;
        }
        if lower.contains("<svg") {
            return Kind::Svg;
        }
        if lower.starts_with("<!doctype html")
            || lower.contains("<html")
            || lower.starts_with("<head")
            || lower.starts_with("<body")
            || lower.starts_with("<script")
            || lower.starts_with("<iframe")
            || lower.starts_with("<meta")
        {
            return Kind::Html;
        }
        if lower.starts_with("<!--") && (lower.contains("<html") || lower.contains("<body")) {
            return Kind::Html;
        }
        if lower.starts_with("<?xml")
            || lower.starts_with("<!doctype")
            || lower.starts_with("<?")
            || lower.starts_with("<!--")
        {
            return Kind::Xml;
        }
    }
    if let Some(k) = mail_kind(t) {
        return k;
    }
    // A name claiming a script is believed (it runs as that script); any other text is
    // examined for PowerShell, VBScript, JScript and batch, whatever its name says.
    if let Some(k) = claimed.filter(|k| k.class() == KindClass::Script) {
        return k;
    }
    if let Some(k) = crate::script::script_kind(t) {
        return k;
    }
    match claimed {
        Some(Kind::Csv) => Kind::Csv,
        Some(k @ (Kind::Html | Kind::Xml | Kind::Svg)) if lower.contains('<') => k,
        _ => Kind::Text,
    }
}

/// Internet shortcuts (`.url`) and Explorer command files (`.scf`): INI text that Windows
/// follows (a `file:` URL or a UNC icon path leaks credentials or starts a program).
fn shortcut_kind(lower: &str) -> Option<Kind> {
    let first = lower.lines().next().unwrap_or("").trim();
    let internet = first == "[internetshortcut]"
        || (first == "[{000214a0-0000-0000-c000-000000000046}]"
            && lower.contains("[internetshortcut]"));
    let shell = first == "[shell]" && lower.contains("command=");
    (internet || shell).then_some(Kind::Lnk)
}

const MAIL_HEADERS: &[&str] = &[
    "from",
    "to",
    "cc",
    "subject",
    "date",
    "received",
    "return-path",
    "message-id",
    "mime-version",
    "content-type",
    "delivered-to",
    "reply-to",
    "sender",
    "x-mailer",
    "in-reply-to",
    "references",
    "content-transfer-encoding",
    "user-agent",
    "dkim-signature",
    "authentication-results",
    "x-original-to",
    "envelope-to",
    "thread-topic",
    "thread-index",
];

fn mail_kind(t: &str) -> Option<Kind> {
    let mut lines = t.lines();
    let mut first = lines.next()?;
    let mut kind = Kind::Eml;
    if first.starts_with("From ") {
        kind = Kind::Mbox;
        first = lines.next()?;
    } else if first.trim().parse::<u64>().is_ok() {
        // Apple .emlx: a byte count on the first line, then the message.
        first = lines.next()?;
    }
    let mut known = 0;
    let mut total = 0;
    // Lines in the header block that are not header-shaped ("Fro :x"): mail parsers take them as
    // a defect and go on, so a few of them must not turn a hostile message into plain text.
    let mut malformed = 0;
    let mut mime_entity = false;
    let mut separated = false;
    for line in std::iter::once(first).chain(lines).take(40) {
        if line.trim_end_matches('\r').is_empty() {
            separated = true;
            break;
        }
        if line.starts_with([' ', '\t']) {
            continue; // folded continuation
        }
        let Some((name, value)) = line.split_once(':') else {
            malformed += 1;
            continue;
        };
        if name.is_empty() || name.len() > 76 || name.contains(' ') {
            malformed += 1;
            continue;
        }
        total += 1;
        let name = name.to_ascii_lowercase();
        if MAIL_HEADERS.contains(&name.as_str()) {
            known += 1;
        }
        if name == "content-type" {
            let v = value.trim_start().to_ascii_lowercase();
            mime_entity |= v.starts_with("multipart/") || v.starts_with("message/");
        }
    }
    if malformed * 4 > total {
        return None;
    }
    // A bare MIME entity ("Content-Type: multipart/mixed; boundary=..." and nothing else) is
    // what mail parsers are fed as a message; sniffing it as text would release its parts as
    // an unchecked text file.
    // Likewise a message reduced to one known header ("Subject: x", blank line, body).
    let mail = (known >= 2 && known * 2 >= total.min(8))
        || (malformed == 0 && (mime_entity || (separated && known >= 1 && known == total)));
    mail.then_some(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(d: &[u8]) -> Kind {
        sniff(d, None).kind
    }

    #[test]
    fn magic_numbers() {
        assert_eq!(kind(b"%PDF-1.7\n"), Kind::Pdf);
        assert_eq!(kind(b"junk before %PDF-1.4"), Kind::Pdf);
        assert_eq!(kind(b"{\\rtf1\\ansi}"), Kind::Rtf);
        assert_eq!(kind(b"{\\rtx"), Kind::Rtf);
        assert_eq!(kind(&[0xFF, 0xD8, 0xFF, 0xE0]), Kind::Jpeg);
        assert_eq!(kind(b"GIF89a...."), Kind::Gif);
        assert_eq!(kind(b"MZ\x90\0"), Kind::Pe);
        assert_eq!(kind(b"\x7FELF\x02"), Kind::Elf);
        assert_eq!(kind(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic"), Kind::Heic);
        assert_eq!(kind(b"\0\0\0\x1cftypavif\0\0\0\0avifmif1"), Kind::Avif);
        assert_eq!(kind(b""), Kind::Empty);
    }

    #[test]
    fn text_kinds() {
        assert_eq!(
            kind(b"<!DOCTYPE html><html><body>x</body></html>"),
            Kind::Html
        );
        assert_eq!(
            kind(b"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"/>"),
            Kind::Svg
        );
        assert_eq!(kind(b"<?xml version=\"1.0\"?><root/>"), Kind::Xml);
        assert_eq!(
            kind(b"From: a@b\r\nTo: c@d\r\nSubject: hi\r\n\r\nbody"),
            Kind::Eml
        );
        assert_eq!(
            kind(b"From a@b Sat Jan  3 01:05:34 1996\nFrom: a@b\nSubject: x\n\nhi\n"),
            Kind::Mbox
        );
        assert_eq!(
            kind(b"ID;PWXL;N;E\nC;X1;Y1;K0;EEXEC(\"calc\")\nE\n"),
            Kind::Sylk
        );
        assert_eq!(kind(b"just words: not a header line\n"), Kind::Text);
        assert_eq!(
            kind(b"Content-Type: multipart/mixed; boundary=\":foo\"\n\n--:foo\n--:foo--\n"),
            Kind::Eml,
            "a bare MIME entity is mail"
        );
        assert_eq!(
            kind(b"Fro :x <a@b>\nTo: c@d\nSubject: s\nMessage-ID: <1@b>\nDate: x\n\nbody"),
            Kind::Eml,
            "one malformed header line among many"
        );
        assert_eq!(kind(b"Note: one\nAnother: two\n\ntext"), Kind::Text);
        assert_eq!(
            kind(b"Subject: =?NONE?B?VEVTVA=?=\r\n\r\nTEST\r\n"),
            Kind::Eml
        );
        assert_eq!(kind(b"Subject: no blank line after it"), Kind::Text);
        assert_eq!(sniff(b"WScript.Echo 1", Some("a.vbs")).kind, Kind::Vbs);
    }

    #[test]
    fn claims_and_mismatch() {
        let d = sniff(b"%PDF-1.4", Some("invoice.docx"));
        assert_eq!(d.claimed, Some(Kind::Docx));
        assert!(d.is_mismatch());
        assert!(!sniff(b"a,b\n1,2\n", Some("x.csv")).is_mismatch());
    }

    #[test]
    fn content_types_pick_macro_kinds() {
        let ct = r#"<Types><Override PartName="/word/document.xml" ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>"#;
        assert_eq!(ooxml_kind_from_content_types(ct), Some(Kind::Docm));
    }
}
