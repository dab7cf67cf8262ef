//! Text-only extraction (テキストのみ抽出) for every kind that has text.
//!
//! PDF through the renderer's interpreter ([`crate::pdftext`]); OOXML and ODF by walking their
//! XML parts; HTML by dropping markup, scripts and styles; plain text from any Japanese
//! charset; RTF natively; OLE-legacy Office through sandboxed LibreOffice to PDF, then as PDF. The
//! result is UTF-8 with no control characters but newline and tab.

use crate::ocr::OcrOptions;
use crate::office::{OfficeOptions, to_pdf};
use kiyome_core::{Budget, Error, Kind, KindClass, LimitKind, charset};
use quick_xml::events::Event;
use std::io::Read;

/// Extracts the text of `data` (of `kind`). Images are read by OCR when `ocr.images` asks for
/// it, and refused otherwise.
pub fn extract(
    data: &[u8],
    kind: Kind,
    password: Option<&str>,
    office: &OfficeOptions,
    ocr: &OcrOptions,
    budget: &Budget,
) -> Result<String, Error> {
    let text = match kind.class() {
        KindClass::Pdf => crate::pdftext::pdf_text(data, password, budget)?,
        KindClass::Ooxml => ooxml_text(data, kind, budget)?,
        KindClass::Odf => odf_text(data, budget)?,
        KindClass::Text => match kind {
            Kind::Sylk => return Err(Error::unsupported("text of SYLK spreadsheets")),
            _ => charset::decode_guess(data).0,
        },
        KindClass::Markup if kind == Kind::Html => html_text(&charset::decode_guess(data).0),
        KindClass::Markup => xml_text(data, budget)?,
        KindClass::Ole if matches!(kind, Kind::Doc | Kind::Xls | Kind::Ppt) => {
            let pdf = to_pdf(data, kind, office)?;
            crate::pdftext::pdf_text(&pdf, None, budget)?
        }
        KindClass::Ole if kind == Kind::OoxmlEncrypted => {
            return Err(Error::Encrypted {
                format: "ooxml",
                detail: "EncryptedPackage".into(),
            });
        }
        // RTF text natively (\ansicpg932, \'xx Shift_JIS, \uN), without the Office round trip.
        KindClass::Rtf => kiyome_office::rtf::rtf_text(data)?,
        KindClass::Image if ocr.images => crate::ocr::image_text(data, kind, ocr, budget.limits())?,
        KindClass::Image => {
            return Err(Error::unsupported(format!(
                "text of {kind} images: OCR is off in this policy (set `[ocr] images = true`; \
                 needs tesseract-ocr and tesseract-ocr-jpn) / 画像のテキストにはOCRの設定が必要です"
            )));
        }
        _ => return Err(Error::unsupported(format!("text of {kind} files"))),
    };
    Ok(clean(&text))
}

/// Keeps newline and tab, drops every other control character, normalises line ends.
pub fn clean(s: &str) -> String {
    let s = s.replace("\r\n", "\n").replace('\r', "\n");
    s.chars()
        .filter(|c| *c == '\n' || *c == '\t' || is_kept(*c))
        .collect()
}

/// Whether a character may appear in extracted text (besides newline and tab): not a control
/// character, not a byte-order mark or zero-width/bidi formatting character (those hide or
/// reorder text: the "Trojan Source" trick).
pub(crate) fn is_kept(c: char) -> bool {
    !c.is_control()
        && !matches!(c, '\u{feff}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Reads named parts of a zip package, bounded by the budget.
struct Package {
    zip: zip::ZipArchive<std::io::Cursor<Vec<u8>>>,
}

impl Package {
    fn open(data: &[u8], budget: &Budget) -> Result<Package, Error> {
        let zip = zip::ZipArchive::new(std::io::Cursor::new(data.to_vec()))
            .map_err(|e| Error::parse("zip", e.to_string()))?;
        if zip.len() as u64 > budget.limits().max_entries {
            return Err(Error::limit(
                LimitKind::Entries,
                zip.len() as u64,
                budget.limits().max_entries,
            ));
        }
        Ok(Package { zip })
    }

    fn names(&self) -> Vec<String> {
        self.zip
            .file_names()
            .filter_map(|n| n.ok().map(|n| n.into_owned()))
            .collect()
    }

    fn read(&mut self, name: &str, budget: &Budget) -> Result<Option<Vec<u8>>, Error> {
        let Ok(f) = self.zip.by_name(name) else {
            return Ok(None);
        };
        let compressed = f.compressed_size();
        let cap = budget.limits().max_stream_bytes;
        let mut out = Vec::new();
        f.take(cap + 1)
            .read_to_end(&mut out)
            .map_err(|e| Error::parse("zip", e.to_string()))?;
        budget.limits().check_ratio(compressed, out.len() as u64)?;
        budget.consume(out.len() as u64)?;
        Ok(Some(out))
    }
}

/// Text of the XML elements named in `para` (paragraph ends) from an XML part; text nodes
/// inside elements named `text` (or any text when `text` is empty) are kept. `tab` elements
/// become tabs, `br` become newlines.
fn xml_walk(
    xml: &[u8],
    text_tags: &[&str],
    para_tags: &[&str],
    budget: &Budget,
) -> Result<String, Error> {
    let mut r = quick_xml::Reader::from_reader(xml);
    r.config_mut().trim_text(false);
    let mut buf = Vec::new();
    let mut out = String::new();
    let mut depth_in_text = 0usize;
    let mut events = 0u64;
    let max = budget.limits().max_xml_events;
    loop {
        events += 1;
        if events > max {
            return Err(Error::limit(LimitKind::Xml, events, max));
        }
        match r.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => {
                let n = e.local_name();
                if text_tags.is_empty() || text_tags.contains(&n.as_ref()) {
                    depth_in_text += 1;
                }
            }
            Ok(Event::End(e)) => {
                let n = e.local_name();
                if (text_tags.is_empty() || text_tags.contains(&n.as_ref())) && depth_in_text > 0 {
                    depth_in_text -= 1;
                }
                if para_tags.contains(&n.as_ref()) {
                    out.push('\n');
                }
            }
            Ok(Event::Empty(e)) => match e.local_name().as_ref() {
                "tab" => out.push('\t'),
                "br" | "cr" | "line-break" => out.push('\n'),
                "s" => out.push(' '),
                n if para_tags.contains(&n) => out.push('\n'),
                _ => {}
            },
            Ok(Event::Text(t)) if depth_in_text > 0 || text_tags.is_empty() => {
                out.push_str(&t.xml10_content());
            }
            Ok(Event::CData(t)) if depth_in_text > 0 => out.push_str(t.as_ref()),
            Ok(Event::GeneralRef(e)) if depth_in_text > 0 || text_tags.is_empty() => {
                // Predefined and character references only; no entity is ever expanded.
                let name: &str = e.as_ref();
                let c = match name {
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "amp" => Some('&'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    n => n
                        .strip_prefix("#x")
                        .and_then(|h| u32::from_str_radix(h, 16).ok())
                        .or_else(|| n.strip_prefix('#').and_then(|d| d.parse().ok()))
                        .and_then(char::from_u32),
                };
                if let Some(c) = c {
                    out.push(c);
                }
            }
            Ok(Event::DocType(_)) => {
                return Err(Error::unsupported(
                    "XML with a document type declaration (DTD)",
                ));
            }
            Ok(Event::Eof) => break,
            Err(e) => return Err(Error::parse("xml", e.to_string())),
            _ => {}
        }
        buf.clear();
    }
    Ok(out)
}

fn natural_key(name: &str) -> (String, u64) {
    let digits: String = name
        .chars()
        .rev()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit())
        .collect();
    let n: u64 = digits
        .chars()
        .rev()
        .collect::<String>()
        .parse()
        .unwrap_or(0);
    let prefix: String = name.chars().take_while(|c| !c.is_ascii_digit()).collect();
    (prefix, n)
}

fn ooxml_text(data: &[u8], kind: Kind, budget: &Budget) -> Result<String, Error> {
    let mut pkg = Package::open(data, budget)?;
    let names = pkg.names();
    let mut out = String::new();
    let word = |n: &str| {
        n == "word/document.xml"
            || (n.starts_with("word/")
                && (n.contains("/header")
                    || n.contains("/footer")
                    || n.ends_with("footnotes.xml")
                    || n.ends_with("endnotes.xml")
                    || n.ends_with("comments.xml")))
    };
    match kind {
        Kind::Docx | Kind::Docm | Kind::Dotx | Kind::Dotm => {
            let mut parts: Vec<&String> = names.iter().filter(|n| word(n)).collect();
            // The body first, then headers/footers/notes/comments.
            parts.sort_by_key(|n| (n.as_str() != "word/document.xml", (*n).clone()));
            for p in parts {
                if let Some(x) = pkg.read(p, budget)? {
                    out.push_str(&xml_walk(&x, &["t", "delText"], &["p"], budget)?);
                }
            }
        }
        Kind::Xlsx | Kind::Xlsm | Kind::Xltx | Kind::Xltm | Kind::Xlam => {
            if let Some(x) = pkg.read("xl/workbook.xml", budget)? {
                out.push_str(&sheet_names(&x)?);
            }
            let shared = match pkg.read("xl/sharedStrings.xml", budget)? {
                Some(x) => xml_walk(&x, &["t"], &["si"], budget)?,
                None => String::new(),
            };
            out.push_str(&shared);
            let mut sheets: Vec<&String> = names
                .iter()
                .filter(|n| n.starts_with("xl/worksheets/sheet") && n.ends_with(".xml"))
                .collect();
            sheets.sort_by_key(|n| natural_key(n));
            for s in sheets {
                if let Some(x) = pkg.read(s, budget)? {
                    // Inline strings and cached values of cells (numbers, formulas' results).
                    out.push_str(&xml_walk(&x, &["v", "t"], &["row"], budget)?);
                }
            }
            for n in names
                .iter()
                .filter(|n| n.starts_with("xl/comments") && n.ends_with(".xml"))
            {
                if let Some(x) = pkg.read(n, budget)? {
                    out.push_str(&xml_walk(&x, &["t"], &["comment"], budget)?);
                }
            }
        }
        Kind::Pptx
        | Kind::Pptm
        | Kind::Potx
        | Kind::Potm
        | Kind::Ppsx
        | Kind::Ppsm
        | Kind::Ppam => {
            let mut slides: Vec<&String> = names
                .iter()
                .filter(|n| {
                    (n.starts_with("ppt/slides/slide")
                        || n.starts_with("ppt/notesSlides/notesSlide"))
                        && n.ends_with(".xml")
                })
                .collect();
            slides.sort_by_key(|n| (natural_key(n).1, n.contains("notes")));
            for s in slides {
                if let Some(x) = pkg.read(s, budget)? {
                    out.push_str(&xml_walk(&x, &["t"], &["p"], budget)?);
                    out.push('\n');
                }
            }
        }
        _ => return Err(Error::unsupported(format!("text of {kind} packages"))),
    }
    Ok(out)
}

fn sheet_names(workbook: &[u8]) -> Result<String, Error> {
    let mut r = quick_xml::Reader::from_reader(workbook);
    let mut buf = Vec::new();
    let mut out = String::new();
    loop {
        match r.read_event_into(&mut buf) {
            Ok(Event::Empty(e)) | Ok(Event::Start(e)) if e.local_name().as_ref() == "sheet" => {
                for a in e.attributes().flatten() {
                    if a.key.local_name().as_ref() == "name" {
                        let v = a
                            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .map(|v| v.into_owned())
                            .unwrap_or_default();
                        out.push_str(&v);
                        out.push('\n');
                    }
                }
            }
            Ok(Event::Eof) => break,
            Err(e) => return Err(Error::parse("xml", e.to_string())),
            _ => {}
        }
        buf.clear();
    }
    Ok(out)
}

fn odf_text(data: &[u8], budget: &Budget) -> Result<String, Error> {
    let mut pkg = Package::open(data, budget)?;
    let Some(x) = pkg.read("content.xml", budget)? else {
        return Err(Error::parse("odf", "no content.xml"));
    };
    xml_walk(
        &x,
        &["p", "h", "span", "a"],
        &["p", "h", "table-row"],
        budget,
    )
}

fn xml_text(data: &[u8], budget: &Budget) -> Result<String, Error> {
    let (s, _) = charset::decode_guess(data);
    xml_walk(s.as_bytes(), &[], &[], budget)
}

/// Text of HTML: tags dropped, script/style/head content dropped, block ends as newlines,
/// character references decoded.
pub fn html_text(html: &str) -> String {
    let lower = html.to_ascii_lowercase();
    let mut out = String::new();
    let mut i = 0;
    let b = html.as_bytes();
    while i < b.len() {
        if b[i] == b'<' {
            let rest = &lower[i..];
            let end = rest.find('>').map(|e| i + e + 1).unwrap_or(b.len());
            let tag = rest[1..(end - i).saturating_sub(1).max(1)].trim_start_matches('/');
            let name: String = tag
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            if !rest.starts_with("</")
                && matches!(
                    name.as_str(),
                    "script" | "style" | "head" | "title" | "noscript" | "template"
                )
            {
                let close = format!("</{name}");
                i = lower[end..]
                    .find(&close)
                    .map(|p| end + p)
                    .unwrap_or(b.len());
                continue;
            }
            if matches!(
                name.as_str(),
                "br" | "p"
                    | "div"
                    | "li"
                    | "tr"
                    | "h1"
                    | "h2"
                    | "h3"
                    | "h4"
                    | "h5"
                    | "h6"
                    | "table"
                    | "blockquote"
                    | "pre"
            ) {
                out.push('\n');
            } else if matches!(name.as_str(), "td" | "th") {
                out.push('\t');
            }
            i = end;
        } else {
            let next = lower[i..].find('<').map(|p| i + p).unwrap_or(b.len());
            out.push_str(&decode_entities(&html[i..next]));
            i = next;
        }
    }
    // Collapse runs of blank lines left by markup.
    let mut s = String::new();
    let mut blank = 0;
    for line in out.lines() {
        let t = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if t.is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        s.push_str(&t);
        s.push('\n');
    }
    s.trim().to_string() + "\n"
}

fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(p) = rest.find('&') {
        out.push_str(&rest[..p]);
        let after = &rest[p + 1..];
        let end = after.find(';').filter(|e| *e <= 10);
        let decoded = end.and_then(|e| {
            let n = &after[..e];
            match n {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some(' '),
                "yen" => Some('¥'),
                "copy" => Some('©'),
                _ => n
                    .strip_prefix("#x")
                    .or_else(|| n.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| n.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            }
            .map(|c| (c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &after[e + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_text_drops_scripts_and_keeps_words() {
        let t = html_text(
            "<html><head><title>x</title><script>alert(1)</script></head><body><p>本日&amp;明日</p><p>a&#x41;b</p></body></html>",
        );
        assert_eq!(t, "本日&明日\n\naAb\n");
    }

    #[test]
    fn clean_keeps_only_newline_and_tab_controls() {
        assert_eq!(clean("a\u{0}b\r\nc\td\u{7}\u{202e}"), "ab\nc\td");
    }
}
