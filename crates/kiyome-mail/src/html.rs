//! HTML bodies: a bounded, non-recursive tag scanner that turns HTML into plain text with
//! links made visible, and collects what inspect reports (links, remote content, scripts).
//!
//! No DOM is built and nothing is ever rendered: the scanner walks the bytes once, skips the
//! contents of `script`, `style`, `head`, `noscript`, `template`, `iframe`, `object` and
//! `svg`, and emits text. Links come out as `label [hxxps://example[.]com/…]`.

use crate::links::{Link, defang, parse_link};

/// What the scanner found in one HTML body.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct HtmlScan {
    /// The text, with links written out (defanged when asked).
    pub text: String,
    /// `href`/`action` targets, in order.
    pub links: Vec<Link>,
    /// Remote resources loaded on display (`img src`, `background`, CSS `url(…)`), with a
    /// flag for 1×1/hidden tracking pixels.
    pub remote: Vec<(Link, bool)>,
    /// Active content seen (`script`, `on*=` handlers, `iframe`, `object`, `embed`, `form`).
    pub active: Vec<String>,
}

/// Elements whose content is not text.
const SKIP: &[&str] = &[
    "script", "style", "head", "noscript", "template", "iframe", "object", "svg", "title", "embed",
    "applet", "math",
];
/// Elements that end a line.
const BLOCK: &[&str] = &[
    "p",
    "div",
    "br",
    "tr",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "blockquote",
    "pre",
    "hr",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "section",
    "article",
    "header",
    "footer",
];

/// Scans `html`. `defang_links` writes link targets as `hxxp://host[.]tld`.
pub fn scan(html: &str, defang_links: bool) -> HtmlScan {
    let mut out = HtmlScan::default();
    let mut text = String::with_capacity(html.len() / 2);
    let mut skip_until: Option<String> = None;
    let mut pending_href: Option<String> = None;
    let mut rest = html;
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            if skip_until.is_none() {
                text.push_str(&entities(rest));
            }
            break;
        };
        if skip_until.is_none() {
            text.push_str(&entities(&rest[..lt]));
        }
        rest = &rest[lt..];
        if rest.starts_with("<!--") {
            rest = match rest.find("-->") {
                Some(e) => &rest[e + 3..],
                None => "",
            };
            continue;
        }
        let end = tag_end(rest);
        let tag = &rest[1..end.saturating_sub(1).max(1)];
        rest = &rest[end..];
        let (name, attrs) = split_tag(tag);
        let closing = name.starts_with('/');
        let bare = name.trim_start_matches('/').to_ascii_lowercase();
        // Active content is recorded wherever it is.
        if matches!(
            bare.as_str(),
            "script"
                | "iframe"
                | "object"
                | "embed"
                | "applet"
                | "form"
                | "frame"
                | "base"
                | "meta"
        ) && !closing
            && (bare != "meta" || attrs.to_ascii_lowercase().contains("refresh"))
        {
            out.active.push(bare.clone());
        }
        if attrs
            .to_ascii_lowercase()
            .split_whitespace()
            .any(|a| a.starts_with("on") && a.contains('='))
        {
            out.active.push(format!("{bare} event handler"));
        }
        if let Some(until) = &skip_until {
            if closing && &bare == until {
                skip_until = None;
            }
            continue;
        }
        if SKIP.contains(&bare.as_str()) && !closing && !tag.ends_with('/') {
            skip_until = Some(bare.clone());
            continue;
        }
        if BLOCK.contains(&bare.as_str()) && !text.ends_with('\n') {
            text.push('\n');
        }
        match (bare.as_str(), closing) {
            ("a", false) | ("area", false) => {
                pending_href = attr(attrs, "href");
                if let Some(h) = &pending_href {
                    out.links.push(parse_link(h));
                }
            }
            ("a", true) => {
                if let Some(h) = pending_href.take() {
                    let link = parse_link(&h);
                    if matches!(link.scheme.as_str(), "javascript" | "vbscript" | "data") {
                        // Script and data URLs are not shown at all: a defanged script is
                        // still a script someone may paste into a browser.
                        text.push_str(&format!(" [{} link removed / リンク削除]", link.scheme));
                    } else if !h.starts_with('#') {
                        let shown = if defang_links { defang(&h) } else { h };
                        text.push_str(&format!(" [{shown}]"));
                    }
                }
            }
            ("form", false) => {
                if let Some(a) = attr(attrs, "action") {
                    out.links.push(parse_link(&a));
                }
            }
            _ => {}
        }
        for key in ["src", "background", "poster", "data", "srcset"] {
            if let Some(v) = attr(attrs, key) {
                let l = parse_link(v.split_whitespace().next().unwrap_or(""));
                if l.is_remote() {
                    out.remote.push((l, is_tiny(attrs)));
                }
            }
        }
        if let Some(style) = attr(attrs, "style") {
            css_urls(&style, &mut out.remote);
        }
        if bare == "img"
            && !closing
            && let Some(alt) = attr(attrs, "alt").filter(|a| !a.trim().is_empty())
        {
            text.push_str(&format!("[{}]", alt.trim()));
        }
    }
    out.text = tidy(&text);
    out
}

/// Index just past the `>` that closes the tag starting at `s[0] == '<'`, honouring quotes.
fn tag_end(s: &str) -> usize {
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices().skip(1) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => return i + 1,
            _ => {}
        }
    }
    s.len()
}

fn split_tag(tag: &str) -> (&str, &str) {
    let tag = tag.trim();
    match tag.find(|c: char| c.is_whitespace() || c == '/' && !tag.starts_with('/')) {
        Some(i) if i > 0 => (&tag[..i], &tag[i..]),
        _ => (tag.trim_end_matches('/'), ""),
    }
}

/// The value of attribute `name` (case-insensitive), entity-decoded.
pub fn attr(attrs: &str, name: &str) -> Option<String> {
    let lower = attrs.to_ascii_lowercase();
    let mut from = 0;
    while let Some(pos) = lower[from..].find(name) {
        let at = from + pos;
        from = at + name.len();
        let before_ok = at == 0
            || lower[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_whitespace() || c == '/' || c == '"' || c == '\'');
        let after = lower[from..].trim_start();
        if !before_ok || !after.starts_with('=') {
            continue;
        }
        let vstart = attrs.len() - after.len() + 1;
        let v = attrs[vstart..].trim_start();
        let value = match v.chars().next() {
            Some(q @ ('"' | '\'')) => v[1..].split(q).next().unwrap_or(""),
            _ => v
                .split(|c: char| c.is_whitespace() || c == '>')
                .next()
                .unwrap_or(""),
        };
        return Some(entities(value).trim().to_string());
    }
    None
}

fn is_tiny(attrs: &str) -> bool {
    let small = |k: &str| {
        attr(attrs, k).is_some_and(|v| {
            v.trim_end_matches("px")
                .trim()
                .parse::<u32>()
                .is_ok_and(|n| n <= 2)
        })
    };
    let style = attr(attrs, "style")
        .unwrap_or_default()
        .to_ascii_lowercase();
    small("width")
        || small("height")
        || style.contains("display:none")
        || style.contains("display: none")
}

fn css_urls(css: &str, remote: &mut Vec<(Link, bool)>) {
    let lower = css.to_ascii_lowercase();
    let mut from = 0;
    while let Some(p) = lower[from..].find("url(") {
        let start = from + p + 4;
        let end = lower[start..]
            .find(')')
            .map(|e| start + e)
            .unwrap_or(lower.len());
        let u = css[start..end].trim().trim_matches(['"', '\'']);
        let l = parse_link(u);
        if l.is_remote() {
            remote.push((l, false));
        }
        from = end;
        if remote.len() > 10_000 {
            break;
        }
    }
}

/// Decodes the entities that matter for text: numeric, and the common named ones.
pub fn entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let semi = rest[..rest.len().min(12)].find(';');
        let decoded = semi.and_then(|e| {
            let name = &rest[1..e];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some(' '),
                "copy" => Some('©'),
                "yen" => Some('¥'),
                _ => name
                    .strip_prefix("#x")
                    .or_else(|| name.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, e + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Collapses runs of spaces and blank lines.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines() {
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if line.is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(&line);
        out.push('\n');
    }
    out.trim().to_string() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_becomes_text_with_defanged_links_and_no_script() {
        let h = r#"<html><head><title>t</title><script>stealCookies()</script></head><body>
            <p>Hello &amp; welcome</p><a href="https://evil.example.com/x?a=1">click</a>
            <img src="http://track.example.net/p.gif" width="1" height="1">
            <a href='javascript:alert(1)' onclick="x()">js</a></body></html>"#;
        let s = scan(h, true);
        assert!(s.text.contains("Hello & welcome"));
        assert!(
            s.text
                .contains("click [hxxps://evil[.]example[.]com/x?a=1]"),
            "{}",
            s.text
        );
        assert!(s.text.contains("js [javascript link removed"), "{}", s.text);
        assert!(!s.text.contains("alert"), "{}", s.text);
        assert!(!s.text.contains("stealCookies"));
        assert_eq!(s.links.len(), 2);
        assert_eq!(s.links[1].scheme, "javascript");
        assert_eq!(s.remote.len(), 1);
        assert!(s.remote[0].1, "1x1 image is a tracking pixel");
        assert!(s.active.iter().any(|a| a == "script"));
        assert!(s.active.iter().any(|a| a.contains("event handler")));
    }

    #[test]
    fn unterminated_tags_and_comments_do_not_hang() {
        let s = scan("<a href=\"x<!-- never closed <script", true);
        assert!(s.text.len() < 10);
    }
}
