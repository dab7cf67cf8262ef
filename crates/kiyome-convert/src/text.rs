//! Text-only extraction (テキストのみ抽出) for every kind that has text.
//!
//! PDF through the renderer's interpreter ([`crate::pdftext`]); OOXML and ODF by walking their
//! XML parts; HTML by dropping markup, scripts and styles; plain text from any Japanese
//! charset; RTF natively; OLE-legacy Office through sandboxed LibreOffice to PDF, then as PDF. The
//! result is UTF-8 with no control characters but newline and tab.

use crate::ocr::OcrOptions;
use crate::office::{OfficeOptions, to_pdf};
use kiyome_core::{Budget, Error, Kind, KindClass, charset};

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
        KindClass::Ooxml => crate::ooxml_text::ooxml_text(data, kind, budget)?,
        KindClass::Odf => crate::odf_text::odf_text(data, budget)?,
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

/// Text nodes of a generic XML document (no DTD, no entity expansion).
fn xml_text(data: &[u8], budget: &Budget) -> Result<String, Error> {
    let (s, _) = charset::decode_guess(data);
    let mut out = String::new();
    crate::ooxml_text::walk(s.as_bytes(), budget, |ev| {
        if let crate::ooxml_text::Ev::Text(t) = ev {
            out.push_str(t);
        }
    })?;
    Ok(out)
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
            } else if matches!(name.as_str(), "td" | "th") && !rest.starts_with("</") {
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
        // Runs of spaces collapse; the tabs between table cells stay.
        let t = line
            .split('\t')
            .map(|cell| cell.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>()
            .join("\t");
        let t = t.trim_matches('\t').to_string();
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
