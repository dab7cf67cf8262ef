//! The allow-list rebuild of HTML: only listed elements and attributes are written, every text
//! run re-escaped; scripts, styles, frames, objects, forms, SVG/MathML and remote resources
//! never reach the output. Unknown elements lose their tags but keep their text.

use super::html::{Token, scheme};

/// Elements written (with their allowed attributes).
const ALLOWED: &[&str] = &[
    "html",
    "head",
    "body",
    "title",
    "p",
    "br",
    "hr",
    "div",
    "span",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "td",
    "th",
    "caption",
    "colgroup",
    "col",
    "a",
    "b",
    "i",
    "u",
    "s",
    "em",
    "strong",
    "small",
    "sub",
    "sup",
    "pre",
    "code",
    "blockquote",
    "q",
    "cite",
    "abbr",
    "address",
    "section",
    "article",
    "header",
    "footer",
    "nav",
    "main",
    "aside",
    "figure",
    "figcaption",
    "mark",
    "del",
    "ins",
    "ruby",
    "rt",
    "rp",
    "font",
    "center",
    "img",
    "label",
    "time",
    "wbr",
    "details",
    "summary",
    "big",
    "tt",
    "strike",
    "kbd",
    "samp",
    "var",
    "dfn",
    "bdi",
    "bdo",
];

/// Elements dropped together with everything inside them.
const DROP_WITH_CONTENT: &[&str] = &[
    "script",
    "style",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "noscript",
    "template",
    "svg",
    "math",
    "textarea",
    "select",
    "noembed",
    "noframes",
    "xmp",
    "plaintext",
    "head-script",
];

/// Elements without end tags.
const VOID: &[&str] = &[
    "br", "hr", "img", "col", "wbr", "meta", "link", "base", "input", "area", "param", "source",
    "track", "embed",
];

/// Attributes written (URL attributes are checked separately).
const ATTRS: &[&str] = &[
    "title",
    "lang",
    "dir",
    "colspan",
    "rowspan",
    "align",
    "valign",
    "width",
    "height",
    "alt",
    "headers",
    "scope",
    "start",
    "type",
    "border",
    "cellpadding",
    "cellspacing",
    "color",
    "size",
    "face",
    "class",
    "id",
    "datetime",
    "span",
    "reversed",
    "value",
    "abbr",
    "nowrap",
    "bgcolor",
];

fn esc(s: &str, attr: bool) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' if attr => o.push_str("&quot;"),
            c => o.push(c),
        }
    }
    o
}

fn safe_href(v: &str) -> bool {
    let t = v.trim();
    t.starts_with('#') || matches!(scheme(t).as_deref(), Some("http" | "https" | "mailto"))
}

fn safe_img(v: &str) -> bool {
    let l = v.trim().to_ascii_lowercase();
    [
        "data:image/png;",
        "data:image/jpeg;",
        "data:image/gif;",
        "data:image/webp;",
    ]
    .iter()
    .any(|p| l.starts_with(p))
}

/// Rebuilds the document from tokens.
pub fn rebuild(tokens: &[Token]) -> String {
    let mut o = String::from("<!DOCTYPE html>\n<meta charset=\"utf-8\">\n");
    let prologue = o.len();
    let mut skip: Option<(String, usize)> = None;
    for t in tokens {
        if let Some((name, depth)) = &mut skip {
            match t {
                Token::Start(n, _, sc) if n == name && !sc => *depth += 1,
                Token::End(n) if n == name => {
                    *depth -= 1;
                    if *depth == 0 {
                        skip = None;
                    }
                }
                _ => {}
            }
            continue;
        }
        match t {
            // Whitespace before the first kept element (around a dropped doctype or meta) is
            // left out, so that rebuilding a rebuilt document changes nothing.
            Token::Text(s) if o.len() == prologue && s.trim().is_empty() => {}
            Token::Text(s) => o.push_str(&esc(&super::html::decode_entities(s), false)),
            Token::Other(_) => {}
            Token::Start(n, attrs, sc) => {
                if DROP_WITH_CONTENT.contains(&n.as_str()) {
                    if !sc && !VOID.contains(&n.as_str()) {
                        skip = Some((n.clone(), 1));
                    }
                    continue;
                }
                if !ALLOWED.contains(&n.as_str()) {
                    continue;
                }
                if n == "img" && !attrs.iter().any(|(k, v)| k == "src" && safe_img(v)) {
                    // A remote or script image is dropped; its alt text is kept.
                    if let Some((_, alt)) = attrs.iter().find(|(k, _)| k == "alt") {
                        o.push_str(&esc(alt, false));
                    }
                    continue;
                }
                o.push('<');
                o.push_str(n);
                for (k, v) in attrs {
                    let keep = match k.as_str() {
                        "href" => n == "a" && safe_href(v),
                        "src" => n == "img" && safe_img(v),
                        k => ATTRS.contains(&k),
                    };
                    if keep {
                        o.push_str(&format!(" {k}=\"{}\"", esc(v, true)));
                    }
                }
                if n == "a" && attrs.iter().any(|(k, v)| k == "href" && safe_href(v)) {
                    o.push_str(" rel=\"noopener noreferrer\"");
                }
                o.push('>');
            }
            Token::End(n) => {
                if ALLOWED.contains(&n.as_str()) && !VOID.contains(&n.as_str()) {
                    o.push_str(&format!("</{n}>"));
                }
            }
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::super::html::{decode_entities, tokenize};
    use super::*;

    fn clean(s: &str) -> String {
        rebuild(&tokenize(s, 100_000).unwrap())
    }

    #[test]
    fn rebuilding_a_rebuilt_document_changes_nothing() {
        let once = clean(
            "<!DOCTYPE html>\n<html>\n<body onload=\"x()\"><p>Hi</p><script>y()</script></body></html>\n",
        );
        assert_eq!(clean(&once), once);
        assert_eq!(clean(&clean(&once)), once);
    }

    #[test]
    fn scripts_handlers_frames_and_forms_are_gone() {
        let out = clean(
            "<html><body onload=\"x()\"><p>Hi <b>there</b></p><script>alert(1)</script>\
             <iframe src=\"http://evil\"></iframe><form action=\"http://x\"><input name=a></form>\
             <a href=\"jav&#x61;script:alert(1)\">x</a><a href=\"https://example.jp/\">ok</a>\
             <img src=\"http://tracker/p.gif\" alt=\"logo\"><svg><script>1</script></svg>tail</body></html>",
        );
        let lower = out.to_ascii_lowercase();
        for bad in [
            "script",
            "onload",
            "iframe",
            "<form",
            "<input",
            "javascript",
            "tracker",
            "<svg",
        ] {
            assert!(!lower.contains(bad), "{bad} survived in {out}");
        }
        assert!(out.contains("<p>Hi <b>there</b></p>"));
        assert!(out.contains("href=\"https://example.jp/\""));
        assert!(out.contains("logo") && out.contains("tail"));
    }

    #[test]
    fn text_is_re_escaped() {
        let out = clean("<p>a &lt;script&gt; b</p>");
        assert!(out.contains("a &lt;script&gt; b"));
        assert_eq!(decode_entities("&#x3c;&lt;&amp;"), "<<&");
    }
}
