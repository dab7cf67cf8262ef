//! HTML: a forgiving tokenizer (after the WHATWG tokenizer's main states), the dangerous-factor
//! check, and an allow-list rebuild that writes only known-harmless elements and attributes.

use kiyome_core::{Action, Error, Finding, Inspection, LimitKind, Severity};

/// One token.
#[derive(Debug, Clone, PartialEq)]
pub enum Token {
    /// Character data (entities still encoded).
    Text(String),
    /// A start tag: lower-case name, attributes (lower-case names, decoded values).
    Start(String, Vec<(String, String)>, bool),
    /// An end tag.
    End(String),
    /// A comment, doctype or processing instruction (dropped by the rebuild).
    Other(String),
}

/// Elements whose content is raw text up to their end tag.
const RAW: &[&str] = &[
    "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript",
];

/// Tokenizes `s`, at most `max` tokens.
pub fn tokenize(s: &str, max: u64) -> Result<Vec<Token>, Error> {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut p = 0usize;
    let mut text_start = 0usize;
    while p < b.len() {
        if out.len() as u64 > max {
            return Err(Error::limit(LimitKind::Xml, out.len() as u64, max));
        }
        if b[p] != b'<' {
            p += 1;
            continue;
        }
        let flush = |out: &mut Vec<Token>, end: usize| {
            if end > text_start {
                out.push(Token::Text(s[text_start..end].to_string()));
            }
        };
        let next = b.get(p + 1).copied().unwrap_or(0);
        if s[p..].starts_with("<!--") {
            flush(&mut out, p);
            let end = s[p + 4..]
                .find("-->")
                .map(|i| p + 4 + i + 3)
                .unwrap_or(b.len());
            out.push(Token::Other(s[p..end].to_string()));
            p = end;
        } else if next == b'!' || next == b'?' {
            flush(&mut out, p);
            let end = s[p..].find('>').map(|i| p + i + 1).unwrap_or(b.len());
            out.push(Token::Other(s[p..end].to_string()));
            p = end;
        } else if next == b'/' && b.get(p + 2).is_some_and(|c| c.is_ascii_alphabetic()) {
            flush(&mut out, p);
            let end = s[p..].find('>').map(|i| p + i + 1).unwrap_or(b.len());
            let name = tag_name(&s[p + 2..end]);
            out.push(Token::End(name));
            p = end;
        } else if next.is_ascii_alphabetic() {
            flush(&mut out, p);
            let (tok, end) = start_tag(s, p + 1);
            p = end;
            if let Token::Start(name, _, self_closing) = &tok
                && RAW.contains(&name.as_str())
                && !self_closing
            {
                let name = name.clone();
                out.push(tok);
                let close = format!("</{name}");
                let lower = s[p..].to_ascii_lowercase();
                let stop = lower.find(&close).map(|i| p + i).unwrap_or(b.len());
                out.push(Token::Text(s[p..stop].to_string()));
                let end = s[stop..].find('>').map(|i| stop + i + 1).unwrap_or(b.len());
                if stop < b.len() {
                    out.push(Token::End(name));
                }
                p = end;
                text_start = p;
                continue;
            }
            out.push(tok);
        } else {
            p += 1;
            continue;
        }
        text_start = p;
    }
    if text_start < b.len() {
        out.push(Token::Text(s[text_start..].to_string()));
    }
    Ok(out)
}

fn tag_name(s: &str) -> String {
    s.chars()
        .take_while(|c| !c.is_whitespace() && *c != '/' && *c != '>')
        .collect::<String>()
        .to_ascii_lowercase()
}

/// Parses a start tag from `p` (just after `<`); returns the token and the offset after `>`.
fn start_tag(s: &str, p: usize) -> (Token, usize) {
    let b = s.as_bytes();
    let name = tag_name(&s[p..]);
    let mut i = p + name.len();
    let mut attrs = Vec::new();
    let mut self_closing = false;
    loop {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            if b[i] == b'/' {
                self_closing = true;
            }
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        if b[i] == b'>' {
            i += 1;
            break;
        }
        self_closing = false;
        let ns = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'=' | b'>' | b'/') {
            i += 1;
        }
        if i == ns {
            i += 1; // a stray '=' or similar
            continue;
        }
        let an = s[ns..i].to_ascii_lowercase();
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if b.get(i) == Some(&b'=') {
            i += 1;
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            match b.get(i) {
                Some(q @ (b'"' | b'\'')) => {
                    let end = s[i + 1..]
                        .find(*q as char)
                        .map(|k| i + 1 + k)
                        .unwrap_or(b.len());
                    value = s[i + 1..end].to_string();
                    i = (end + 1).min(b.len());
                }
                _ => {
                    let vs = i;
                    while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                        i += 1;
                    }
                    value = s[vs..i].to_string();
                }
            }
        }
        attrs.push((an, decode_entities(&value)));
    }
    (Token::Start(name, attrs, self_closing), i)
}

/// Decodes numeric and the common named character references.
pub fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest
            .char_indices()
            .take(12)
            .find(|(_, c)| *c == ';' || c.is_whitespace())
            .map(|(k, _)| k);
        let body = end.map(|e| &rest[1..e]);
        let decoded = body.and_then(|b| {
            if let Some(h) = b.strip_prefix("#x").or_else(|| b.strip_prefix("#X")) {
                u32::from_str_radix(h, 16).ok().and_then(char::from_u32)
            } else if let Some(d) = b.strip_prefix('#') {
                d.parse::<u32>().ok().and_then(char::from_u32)
            } else {
                Some(match b {
                    "amp" => '&',
                    "lt" => '<',
                    "gt" => '>',
                    "quot" => '"',
                    "apos" => '\'',
                    "nbsp" => '\u{a0}',
                    "colon" => ':',
                    "Tab" => '\t',
                    "NewLine" => '\n',
                    _ => return None,
                })
            }
        });
        match (decoded, end) {
            (Some(c), Some(e)) => {
                out.push(c);
                let skip = if rest[e..].starts_with(';') { e + 1 } else { e };
                rest = &rest[skip..];
            }
            _ => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The URL scheme of an attribute value, lower case, with the whitespace and control
/// characters browsers ignore removed (`jav&#x09;ascript:` tricks).
pub fn scheme(url: &str) -> Option<String> {
    let cleaned: String = url
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect();
    let (s, _) = cleaned.split_once(':')?;
    (!s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
    .then(|| s.to_ascii_lowercase())
}

/// Whether a URL loads from elsewhere when the document is opened (http, protocol-relative,
/// file, UNC): a web beacon or an NTLM leak.
pub fn is_remote(url: &str) -> bool {
    let t = url.trim();
    t.starts_with("//")
        || t.starts_with("\\\\")
        || matches!(
            scheme(t).as_deref(),
            Some("http" | "https" | "ftp" | "file" | "smb")
        )
}

/// Attributes that hold URLs.
pub const URL_ATTRS: &[&str] = &[
    "href",
    "src",
    "action",
    "formaction",
    "data",
    "background",
    "poster",
    "lowsrc",
    "dynsrc",
    "codebase",
    "cite",
    "longdesc",
    "xlink:href",
    "srcset",
    "manifest",
    "ping",
    "archive",
    "classid",
];

/// Inspects HTML tokens.
pub fn inspect(tokens: &[Token], out: &mut Inspection) {
    let mut in_style = false;
    for (i, t) in tokens.iter().enumerate() {
        let loc = |name: &str| format!("<{name}> (token {i})");
        match t {
            Token::Start(name, attrs, _) => {
                in_style = name == "style";
                let n = name.as_str();
                match n {
                    "script" => out.add(Finding::new("html.script", Severity::High, loc(n))),
                    "iframe" | "frame" | "frameset" => {
                        out.add(Finding::new("html.iframe", Severity::Medium, loc(n)))
                    }
                    "object" | "embed" | "applet" => {
                        out.add(Finding::new("html.object", Severity::High, loc(n)))
                    }
                    "form" => out.add(Finding::new("html.form", Severity::Medium, loc(n))),
                    "meta"
                        if attrs.iter().any(|(k, v)| {
                            k == "http-equiv" && v.eq_ignore_ascii_case("refresh")
                        }) =>
                    {
                        out.add(
                            Finding::new("html.external_resource", Severity::Medium, loc(n))
                                .detail("meta refresh redirect"),
                        )
                    }
                    "base" => out.add(
                        Finding::new("html.external_resource", Severity::Medium, loc(n))
                            .detail("base URL"),
                    ),
                    _ => {}
                }
                for (k, v) in attrs {
                    if k.starts_with("on") && k.len() > 2 {
                        out.add(
                            Finding::new("html.event_handler", Severity::High, loc(n))
                                .detail(format!("{k} attribute")),
                        );
                    } else if k == "formaction" {
                        out.add(
                            Finding::new("html.form", Severity::Medium, loc(n))
                                .detail("formaction"),
                        );
                    }
                    if URL_ATTRS.contains(&k.as_str()) || k == "style" {
                        let sch = scheme(v);
                        if matches!(
                            sch.as_deref(),
                            Some("javascript" | "vbscript" | "livescript")
                        ) || (sch.as_deref() == Some("data")
                            && v.to_ascii_lowercase().contains("html"))
                        {
                            out.add(
                                Finding::new("html.script", Severity::High, loc(n))
                                    .detail(format!("script URL in {k}")),
                            );
                        } else if k == "style" && css_remote(v) {
                            out.add(
                                Finding::new("html.external_resource", Severity::Medium, loc(n))
                                    .detail("url() in style attribute"),
                            );
                        } else if k != "style"
                            && is_remote(v)
                            && (n != "a" || !matches!(sch.as_deref(), Some("http" | "https")))
                        {
                            out.add(
                                Finding::new("html.external_resource", Severity::Medium, loc(n))
                                    .detail(format!(
                                        "{k} loads {}",
                                        sch.unwrap_or_else(|| "a remote URL".into())
                                    )),
                            );
                        }
                    }
                }
            }
            Token::Text(s) if in_style && css_remote(s) => {
                out.add(
                    Finding::new(
                        "html.external_resource",
                        Severity::Medium,
                        format!("<style> (token {i})"),
                    )
                    .detail("remote url() or @import"),
                );
            }
            Token::End(_) => in_style = false,
            _ => {}
        }
    }
}

/// CSS that loads from elsewhere: `url(http…)`, `@import`, IE `expression()` / `behavior`.
pub fn css_remote(css: &str) -> bool {
    let l = css
        .to_ascii_lowercase()
        .replace(['\\', ' ', '\n', '\t'], "");
    l.contains("@import")
        || l.contains("expression(")
        || l.contains("behavior:")
        || l.match_indices("url(").any(|(i, _)| {
            let v = l[i + 4..].trim_start_matches(['"', '\'']);
            v.starts_with("http")
                || v.starts_with("//")
                || v.starts_with("file")
                || v.starts_with("javascript")
        })
}

/// Marks all html findings as removed (used after the rebuild).
pub fn mark_removed(out: &mut Inspection, from: usize) {
    for f in out.findings.iter_mut().skip(from) {
        f.action = Action::Removed;
    }
}
