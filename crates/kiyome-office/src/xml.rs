//! Bounded XML reading and rewriting for OOXML and ODF parts.
//!
//! Entities are never expanded: only the five predefined entities and character references
//! are resolved, a document type declaration is reported (XXE, billion laughs) and dropped on
//! rewrite, and every part is held to `max_xml_events` / `max_xml_depth`.

use kiyome_core::{Ctx, Error, LimitKind};
use quick_xml::Writer;
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::QName;

/// One start (or empty) element: its qualified name and its attributes, values unescaped
/// (predefined entities and character references only).
#[derive(Debug, Clone)]
pub struct El {
    /// Qualified name as written, e.g. `w:instrText`.
    pub name: String,
    /// Attributes (qualified name, value).
    pub attrs: Vec<(String, String)>,
}

impl El {
    /// The local name (after the prefix).
    pub fn local(&self) -> &str {
        local(&self.name)
    }

    /// The value of the attribute whose qualified or local name is `name`.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name || local(k) == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The local part of a qualified name.
pub fn local(qname: &str) -> &str {
    qname.rsplit(':').next().unwrap_or(qname)
}

/// What the reader hands to the callback.
#[derive(Debug)]
pub enum Ev<'a> {
    /// A start tag; `empty` for `<x/>`, which gets no matching [`Ev::End`].
    Start(&'a El, bool),
    /// An end tag.
    End(&'a str),
    /// Character data (text, CDATA, resolved character references).
    Text(&'a str),
}

/// What was seen in a part apart from its elements.
#[derive(Debug, Default, Clone)]
pub struct XmlInfo {
    /// The document type declaration, if any (truncated).
    pub doctype: Option<String>,
    /// Whether the DTD declares entities (`<!ENTITY`).
    pub declares_entities: bool,
    /// Whether the DTD has an internal subset or points at a URL (`SYSTEM "http://…"`,
    /// `file:`): what XXE needs. A bare `PUBLIC … "Manifest.dtd"` (OpenOffice 1.x) is not.
    pub risky_dtd: bool,
    /// References to entities other than the predefined five, left unexpanded.
    pub custom_refs: u64,
}

/// Resolves the predefined entities and character references of an attribute value; other
/// references stay as written.
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        match tail.find(';') {
            Some(j) if j > 1 && j < 16 => {
                let name = &tail[1..j];
                match resolve(name) {
                    Some(c) => out.push(c),
                    None => out.push_str(&tail[..=j]),
                }
                rest = &tail[j + 1..];
            }
            _ => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn resolve(name: &str) -> Option<char> {
    match name {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => {
            let n = name.strip_prefix('#')?;
            let v = match n.strip_prefix('x').or_else(|| n.strip_prefix('X')) {
                Some(h) => u32::from_str_radix(h, 16).ok()?,
                None => n.parse().ok()?,
            };
            char::from_u32(v).filter(|c| *c != '\0')
        }
    }
}

fn element(e: &BytesStart<'_>) -> El {
    let name = e.name().as_ref().to_string();
    let attrs = e
        .attributes()
        .with_checks(false)
        .flatten()
        .map(|a| (a.key.as_ref().to_string(), unescape(&a.value)))
        .collect();
    El { name, attrs }
}

fn xml_err(part: &str, e: impl std::fmt::Display) -> Error {
    Error::parse("xml", format!("{part}: {e}"))
}

struct Bounds {
    events: u64,
    depth: u32,
    max_events: u64,
    max_depth: u32,
}

impl Bounds {
    fn new(ctx: &Ctx<'_>) -> Self {
        let l = ctx.limits();
        Bounds {
            events: 0,
            depth: 0,
            max_events: l.max_xml_events,
            max_depth: l.max_xml_depth,
        }
    }

    fn event(&mut self, ctx: &Ctx<'_>) -> Result<(), Error> {
        self.events += 1;
        if self.events > self.max_events {
            return Err(Error::limit(LimitKind::Xml, self.events, self.max_events));
        }
        if self.events.is_multiple_of(4096) {
            ctx.budget.check_time()?;
        }
        Ok(())
    }

    fn open(&mut self) -> Result<(), Error> {
        self.depth += 1;
        if self.depth > self.max_depth {
            return Err(Error::limit(
                LimitKind::Xml,
                self.depth as u64,
                self.max_depth as u64,
            ));
        }
        Ok(())
    }

    fn close(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }
}

fn note_doctype(info: &mut XmlInfo, text: &str) {
    info.declares_entities |= text.contains("<!ENTITY");
    info.risky_dtd |= text.contains('[') || text.contains("://") || text.contains("file:");
    info.doctype = Some(text.chars().take(80).collect());
}

/// Reads `data` (the XML part `part`) event by event, calling `f` for elements and text.
pub fn scan(
    data: &[u8],
    part: &str,
    ctx: &Ctx<'_>,
    mut f: impl FnMut(Ev<'_>) -> Result<(), Error>,
) -> Result<XmlInfo, Error> {
    let mut reader = quick_xml::Reader::from_reader(data);
    let mut buf = Vec::new();
    let mut info = XmlInfo::default();
    let mut b = Bounds::new(ctx);
    loop {
        buf.clear();
        let ev = reader
            .read_event_into(&mut buf)
            .map_err(|e| xml_err(part, e))?;
        b.event(ctx)?;
        match ev {
            Event::Start(e) => {
                b.open()?;
                f(Ev::Start(&element(&e), false))?;
            }
            Event::Empty(e) => f(Ev::Start(&element(&e), true))?,
            Event::End(e) => {
                b.close();
                f(Ev::End(e.name().as_ref()))?;
            }
            Event::Text(t) => f(Ev::Text(&t.xml10_content()))?,
            Event::CData(t) => f(Ev::Text(&t.xml10_content()))?,
            Event::GeneralRef(r) => match resolve(&r) {
                Some(c) => f(Ev::Text(c.encode_utf8(&mut [0u8; 4])))?,
                // Never expanded: a custom entity is an XXE or billion-laughs vector.
                None => info.custom_refs += 1,
            },
            Event::DocType(t) => note_doctype(&mut info, &t.xml10_content()),
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(info)
}

/// What [`rewrite`] does with one start element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    /// Copy it.
    Keep,
    /// Drop the element and everything inside it.
    Drop,
    /// Drop the tags but keep what is inside.
    Unwrap,
    /// Copy it without the attributes with these qualified names.
    RemoveAttrs(Vec<String>),
}

/// Copies `data` event by event, applying `decide` to every start element.
/// The DTD is always dropped and custom entity references are not copied; the returned flag
/// tells whether either was present.
pub fn rewrite(
    data: &[u8],
    part: &str,
    ctx: &Ctx<'_>,
    mut decide: impl FnMut(&El) -> Edit,
) -> Result<(Vec<u8>, bool), Error> {
    let mut dtd = false;
    let mut reader = quick_xml::Reader::from_reader(data);
    let mut w = Writer::new(Vec::with_capacity(data.len()));
    let mut buf = Vec::new();
    let mut b = Bounds::new(ctx);
    // Depth inside a dropped element (0 = not dropping), and a stack telling for each open
    // kept element whether its end tag is written.
    let mut dropping = 0u32;
    let mut stack: Vec<bool> = Vec::new();
    let werr = |e: std::io::Error| xml_err(part, e);
    loop {
        buf.clear();
        let ev = reader
            .read_event_into(&mut buf)
            .map_err(|e| xml_err(part, e))?;
        b.event(ctx)?;
        if dropping > 0 {
            match ev {
                Event::Start(_) => {
                    b.open()?;
                    dropping += 1;
                }
                Event::End(_) => {
                    b.close();
                    dropping -= 1;
                }
                Event::Eof => break,
                _ => {}
            }
            continue;
        }
        match ev {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(ev, Event::Empty(_));
                if !empty {
                    b.open()?;
                }
                match decide(&element(e)) {
                    Edit::Keep => {
                        w.write_event(ev.borrow()).map_err(werr)?;
                        if !empty {
                            stack.push(true);
                        }
                    }
                    Edit::Drop => {
                        if !empty {
                            b.close();
                            dropping = 1;
                        }
                    }
                    Edit::Unwrap => {
                        if !empty {
                            stack.push(false);
                        }
                    }
                    Edit::RemoveAttrs(names) => {
                        let name = e.name().as_ref().to_string();
                        let mut s = BytesStart::new(name.clone());
                        for a in e.attributes().with_checks(false).flatten() {
                            if !names.iter().any(|n| n == a.key.as_ref()) {
                                s.push_attribute(Attribute {
                                    key: QName(a.key.as_ref()),
                                    value: a.value.clone(),
                                });
                            }
                        }
                        let out = if empty {
                            Event::Empty(s)
                        } else {
                            Event::Start(s)
                        };
                        w.write_event(out).map_err(werr)?;
                        if !empty {
                            stack.push(true);
                        }
                    }
                }
            }
            Event::End(_) => {
                b.close();
                if stack.pop().unwrap_or(true) {
                    w.write_event(ev.borrow()).map_err(werr)?;
                }
            }
            Event::GeneralRef(ref r) => {
                if resolve(r).is_some() {
                    w.write_event(ev.borrow()).map_err(werr)?;
                } else {
                    dtd = true;
                }
            }
            Event::DocType(_) => dtd = true,
            Event::Eof => break,
            _ => w.write_event(ev.borrow()).map_err(werr)?,
        }
    }
    Ok((w.into_inner(), dtd))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiyome_core::{Budget, Limits, NoNesting};

    fn with_ctx<T>(limits: Limits, f: impl FnOnce(&Ctx<'_>) -> T) -> T {
        let b = Budget::new(&limits);
        f(&Ctx::new(&b, &NoNesting))
    }

    #[test]
    fn billion_laughs_is_reported_not_expanded() {
        let xml = br#"<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><r>&b;&amp;</r>"#;
        let mut text = String::new();
        let info = with_ctx(Limits::default(), |ctx| {
            scan(xml, "x.xml", ctx, |ev| {
                if let Ev::Text(t) = ev {
                    text.push_str(t);
                }
                Ok(())
            })
        })
        .unwrap();
        assert!(info.declares_entities);
        assert_eq!(info.custom_refs, 1);
        assert_eq!(text, "&");
    }

    #[test]
    fn depth_and_event_limits_fail_with_limit_xml() {
        let deep = "<a>".repeat(300);
        let l = Limits::default();
        let e = with_ctx(l, |ctx| scan(deep.as_bytes(), "d", ctx, |_| Ok(()))).unwrap_err();
        assert_eq!(e.code(), "limit.xml");
        let many = "<a/>".repeat(100);
        let l = Limits {
            max_xml_events: 50,
            ..Limits::default()
        };
        let e = with_ctx(l, |ctx| scan(many.as_bytes(), "m", ctx, |_| Ok(()))).unwrap_err();
        assert_eq!(e.code(), "limit.xml");
    }

    #[test]
    fn rewrite_drops_unwraps_and_strips_attributes() {
        let xml = br#"<!DOCTYPE x><r><a k="1" id="2">t&amp;</a><b><c/></b><u><v/></u></r>"#;
        let (out, dtd) = with_ctx(Limits::default(), |ctx| {
            rewrite(xml, "x", ctx, |el| match el.name.as_str() {
                "a" => Edit::RemoveAttrs(vec!["id".into()]),
                "b" => Edit::Drop,
                "u" => Edit::Unwrap,
                _ => Edit::Keep,
            })
        })
        .unwrap();
        assert!(dtd);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"<r><a k="1">t&amp;</a><v/></r>"#
        );
    }

    #[test]
    fn attribute_values_resolve_only_predefined_entities() {
        assert_eq!(unescape("a&amp;b&#x41;&xxe;"), "a&bA&xxe;");
    }
}
