//! Plain text, CSV, SYLK, HTML, XML and SVG: inspection and disarm.
//!
//! Text is decoded with the charset kiyome detected (any Japanese charset) and written back as
//! UTF-8. CSV formula cells are neutralised with a leading `'`; HTML is rebuilt from an
//! allow-list; XML loses its DTD; SVG and SYLK are blocked (no safe rebuild).

mod csv;
mod html;
mod html_rebuild;
mod xml;

use kiyome_core::{
    Action, CodeInfo, Ctx, Disarmed, Error, Finding, Inspection, Kind, Severity, charset,
};

const fn c(code: &'static str, severity: Severity, meaning: &'static str) -> CodeInfo {
    CodeInfo {
        code,
        severity,
        meaning,
    }
}

/// Finding codes for text and markup.
pub const CODES: &[CodeInfo] = &[
    c(
        "text.csv_formula",
        Severity::High,
        "A CSV cell a spreadsheet evaluates as a formula (=, or + - @ with a function call): CSV/DDE injection such as `=cmd|' /C calc'!A0`; Medium without a command payload.",
    ),
    c(
        "text.transcoded",
        Severity::Info,
        "Text was decoded from a legacy charset (Shift_JIS, EUC-JP, ISO-2022-JP, UTF-16…) and written as UTF-8.",
    ),
    c(
        "sylk.macro",
        Severity::High,
        "A SYLK file with XLM macro functions (EXEC, CALL, REGISTER…) or an Auto_Open name.",
    ),
    c(
        "html.script",
        Severity::High,
        "HTML script: a <script> element or a javascript:/vbscript:/data:text/html URL.",
    ),
    c(
        "html.event_handler",
        Severity::High,
        "An on* event-handler attribute (onload, onclick…) that runs script.",
    ),
    c(
        "html.iframe",
        Severity::Medium,
        "An iframe, frame or frameset that loads another document.",
    ),
    c(
        "html.object",
        Severity::High,
        "An object, embed or applet element (plug-in or ActiveX content).",
    ),
    c(
        "html.form",
        Severity::Medium,
        "A form or formaction that can send data elsewhere (phishing).",
    ),
    c(
        "html.external_resource",
        Severity::Medium,
        "A resource loaded from elsewhere when opened (remote image, stylesheet, script, css url(), meta refresh, base, file:/UNC links): a web beacon or NTLM leak.",
    ),
    c(
        "xml.dtd",
        Severity::Medium,
        "A document type declaration with entity declarations, an internal subset or an external reference (XXE, billion laughs); Low for a bare DOCTYPE.",
    ),
    c(
        "xml.external_resource",
        Severity::Medium,
        "An xml-stylesheet processing instruction or XInclude that loads another resource.",
    ),
    c(
        "svg.script",
        Severity::High,
        "SVG script: a <script> element, an on* handler or a javascript: URL.",
    ),
    c(
        "svg.external_resource",
        Severity::Medium,
        "An SVG reference to a resource outside the file (href to http, file or another document).",
    ),
    c(
        "svg.foreign_object",
        Severity::Medium,
        "An SVG foreignObject (or iframe/embed/object) embedding HTML or plug-in content.",
    ),
];

fn decode(data: &[u8]) -> (String, charset::Charset) {
    charset::decode_guess(data)
}

fn markup_text(data: &[u8]) -> String {
    decode(data).0
}

/// Inspects text and markup kinds.
pub fn inspect(data: &[u8], kind: Kind, ctx: &Ctx<'_>, out: &mut Inspection) -> Result<(), Error> {
    ctx.budget.check_time()?;
    match kind {
        Kind::Text | Kind::Empty => Ok(()),
        Kind::Csv => {
            csv::check(&decode(data).0, false, out);
            Ok(())
        }
        Kind::Sylk => {
            csv::sylk(&decode(data).0, out);
            Ok(())
        }
        Kind::Html => {
            let tokens = html::tokenize(&markup_text(data), ctx.limits().max_xml_events)?;
            html::inspect(&tokens, out);
            Ok(())
        }
        Kind::Xml | Kind::Svg => xml::walk(data, kind == Kind::Svg, false, ctx, out).map(|_| ()),
        other => Err(Error::unsupported(format!("{other} is not a text kind"))),
    }
}

/// Disarms text and markup: text/CSV to UTF-8 with formula cells neutralised, HTML rebuilt
/// from an allow-list, XML without its DTD; SVG and SYLK are blocked (an error).
pub fn disarm(
    data: &[u8],
    kind: Kind,
    ctx: &Ctx<'_>,
    out: &mut Inspection,
) -> Result<Disarmed, Error> {
    ctx.budget.check_time()?;
    let transcoded = |cs: charset::Charset, out: &mut Inspection| {
        if !matches!(cs, charset::Charset::Ascii | charset::Charset::Utf8) {
            out.add(
                Finding::new("text.transcoded", Severity::Info, "file")
                    .action(Action::Converted)
                    .detail(format!("{} → utf-8", cs.name())),
            );
        }
    };
    match kind {
        Kind::Empty => Ok(Disarmed {
            data: Vec::new(),
            kind,
        }),
        Kind::Text => {
            let (text, cs) = decode(data);
            transcoded(cs, out);
            Ok(Disarmed {
                data: text.into_bytes(),
                kind,
            })
        }
        Kind::Csv => {
            let (text, cs) = decode(data);
            transcoded(cs, out);
            let rebuilt = csv::check(&text, true, out).unwrap_or(text);
            Ok(Disarmed {
                data: rebuilt.into_bytes(),
                kind,
            })
        }
        Kind::Html => {
            let (text, cs) = decode(data);
            let from = out.findings.len();
            let tokens = html::tokenize(&text, ctx.limits().max_xml_events)?;
            html::inspect(&tokens, out);
            html::mark_removed(out, from);
            transcoded(cs, out);
            Ok(Disarmed {
                data: html_rebuild::rebuild(&tokens).into_bytes(),
                kind,
            })
        }
        Kind::Xml => {
            let from = out.findings.len();
            let rebuilt = xml::walk(data, false, true, ctx, out)?.unwrap_or_default();
            for f in out.findings.iter_mut().skip(from) {
                f.action = Action::Removed;
            }
            Ok(Disarmed {
                data: rebuilt,
                kind,
            })
        }
        Kind::Svg | Kind::Sylk => {
            inspect(data, kind, ctx, out)?;
            for f in out
                .findings
                .iter_mut()
                .filter(|f| f.severity.is_dangerous())
            {
                f.action = Action::Blocked;
            }
            Err(Error::unsupported(format!(
                "{kind} cannot be rebuilt safely; blocked"
            )))
        }
        other => Err(Error::unsupported(format!("{other} is not a text kind"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiyome_core::{Budget, Limits, NoNesting};

    fn run(data: &[u8], kind: Kind) -> Inspection {
        let b = Budget::new(&Limits::default());
        let ctx = Ctx::new(&b, &NoNesting);
        let mut out = Inspection::default();
        inspect(data, kind, &ctx, &mut out).unwrap();
        out
    }

    #[test]
    fn html_factors_are_found() {
        let out = run(b"<html><body onload='x()'><script src='http://e/x.js'></script><iframe src=a></iframe><object data=x></object><form></form><img src='https://t/p.gif'></body></html>", Kind::Html);
        for code in [
            "html.event_handler",
            "html.script",
            "html.iframe",
            "html.object",
            "html.form",
            "html.external_resource",
        ] {
            assert!(out.has(code), "{code} missing");
        }
    }

    #[test]
    fn xml_entity_declarations_are_a_dtd_finding_and_disarm_drops_them() {
        let doc = b"<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;\">]><r>&b; &amp; x</r>";
        let out = run(doc, Kind::Xml);
        assert!(out.has("xml.dtd"));
        let b = Budget::new(&Limits::default());
        let ctx = Ctx::new(&b, &NoNesting);
        let mut o2 = Inspection::default();
        let d = disarm(doc, Kind::Xml, &ctx, &mut o2).unwrap();
        let s = String::from_utf8(d.data).unwrap();
        assert!(
            !s.contains("ENTITY") && !s.contains("&b;") && s.contains("&amp;"),
            "{s}"
        );
    }

    #[test]
    fn svg_script_and_external_href() {
        let out = run(b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script><image href='http://x/y.png'/><foreignObject/></svg>", Kind::Svg);
        assert!(
            out.has("svg.script")
                && out.has("svg.external_resource")
                && out.has("svg.foreign_object")
        );
    }

    #[test]
    fn shift_jis_text_is_transcoded_to_utf8() {
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode("これは日本語の文章です。");
        let b = Budget::new(&Limits::default());
        let ctx = Ctx::new(&b, &NoNesting);
        let mut out = Inspection::default();
        let d = disarm(&sjis, Kind::Text, &ctx, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(d.data).unwrap(),
            "これは日本語の文章です。"
        );
        assert!(out.has("text.transcoded"));
    }
}
