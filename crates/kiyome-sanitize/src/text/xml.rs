//! XML and SVG with quick-xml, bounded by `max_xml_events` and `max_xml_depth`.
//!
//! quick-xml never expands DTD entities, so a billion-laughs document costs nothing to read;
//! the declarations themselves are the finding (`xml.dtd`: XXE and entity bombs).

use super::html::{is_remote, scheme};
use kiyome_core::{Ctx, Error, Finding, Inspection, LimitKind, Severity};
use quick_xml::events::Event;

fn lossy<T: AsRef<str> + ?Sized>(t: &T) -> String {
    t.as_ref().to_string()
}

fn xml_err(e: impl std::fmt::Display) -> Error {
    Error::parse("xml", e.to_string())
}

/// Inspects XML (and, with `svg`, the SVG active-content rules); with `rebuild`, returns the
/// document re-serialised without its DTD, stylesheet PIs and undeclared entity references.
pub fn walk(
    data: &[u8],
    svg: bool,
    rebuild: bool,
    ctx: &Ctx<'_>,
    out: &mut Inspection,
) -> Result<Option<Vec<u8>>, Error> {
    let limits = ctx.limits();
    let mut r = quick_xml::Reader::from_reader(data);
    r.config_mut().check_end_names = false;
    let mut w = rebuild.then(|| quick_xml::Writer::new(Vec::with_capacity(data.len())));
    let mut events = 0u64;
    let mut depth = 0u32;
    let mut in_style = false;
    loop {
        events += 1;
        if events > limits.max_xml_events {
            return Err(Error::limit(LimitKind::Xml, events, limits.max_xml_events));
        }
        if events.is_multiple_of(4096) {
            ctx.budget.check_time()?;
        }
        let pos = r.buffer_position();
        let ev = r.read_event().map_err(xml_err)?;
        let loc = format!("offset {pos}");
        let mut keep = true;
        match &ev {
            Event::Eof => break,
            Event::DocType(t) => {
                let body = lossy(t).to_string();
                let entities = body.matches("<!ENTITY").count();
                let external = body.contains("SYSTEM") || body.contains("PUBLIC");
                let sev = if entities > 0 || external || body.contains('[') {
                    Severity::Medium
                } else {
                    Severity::Low
                };
                out.add(Finding::new("xml.dtd", sev, loc).detail(format!(
                    "document type declaration with {entities} entity declaration(s){}",
                    if external {
                        " and an external reference"
                    } else {
                        ""
                    }
                )));
                keep = false;
            }
            Event::PI(p) => {
                let body = lossy(p).to_string();
                if body.starts_with("xml-stylesheet") {
                    out.add(
                        Finding::new("xml.external_resource", Severity::Medium, loc)
                            .detail("xml-stylesheet processing instruction"),
                    );
                    keep = false;
                }
            }
            Event::GeneralRef(g) => {
                let name = lossy(g).to_string();
                keep = name.starts_with('#')
                    || matches!(name.as_str(), "amp" | "lt" | "gt" | "quot" | "apos");
            }
            Event::Start(e) | Event::Empty(e) => {
                if matches!(ev, Event::Start(_)) {
                    depth += 1;
                    if depth > limits.max_xml_depth {
                        return Err(Error::limit(
                            LimitKind::Xml,
                            depth as u64,
                            limits.max_xml_depth as u64,
                        ));
                    }
                }
                let local = lossy(&e.local_name()).to_ascii_lowercase();
                if local == "include" && lossy(&e.name()).contains(':') {
                    out.add(
                        Finding::new("xml.external_resource", Severity::Medium, loc.clone())
                            .detail("XInclude"),
                    );
                }
                if svg {
                    svg_element(&local, e, &loc, out);
                    in_style = local == "style" && matches!(ev, Event::Start(_));
                }
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                in_style = false;
            }
            Event::Text(t) if in_style && super::html::css_remote(&lossy(t)) => {
                out.add(
                    Finding::new("svg.external_resource", Severity::Medium, loc)
                        .detail("remote url() or @import in <style>"),
                );
            }
            _ => {}
        }
        if let (Some(w), true) = (w.as_mut(), keep) {
            w.write_event(ev).map_err(xml_err)?;
        }
    }
    Ok(w.map(|w| w.into_inner()))
}

fn svg_element(
    local: &str,
    e: &quick_xml::events::BytesStart<'_>,
    loc: &str,
    out: &mut Inspection,
) {
    match local {
        "script" => {
            out.add(Finding::new("svg.script", Severity::High, loc).detail("<script> element"))
        }
        "foreignobject" => out.add(
            Finding::new("svg.foreign_object", Severity::Medium, loc)
                .detail("<foreignObject> embeds HTML"),
        ),
        "iframe" | "embed" | "object" => out.add(
            Finding::new("svg.foreign_object", Severity::Medium, loc)
                .detail(format!("<{local}> element")),
        ),
        _ => {}
    }
    for a in e.attributes().flatten() {
        let key = lossy(&a.key).to_ascii_lowercase();
        let value = lossy(&a.value);
        let value = super::html::decode_entities(&value);
        if key.starts_with("on") && key.len() > 2 {
            out.add(
                Finding::new("svg.script", Severity::High, loc)
                    .detail(format!("{key} event handler")),
            );
            continue;
        }
        let sch = scheme(&value);
        if matches!(sch.as_deref(), Some("javascript" | "vbscript")) {
            out.add(
                Finding::new("svg.script", Severity::High, loc)
                    .detail(format!("script URL in {key}")),
            );
        } else if key == "href" || key.ends_with(":href") || key == "src" {
            let v = value.trim();
            let internal = v.starts_with('#') || v.to_ascii_lowercase().starts_with("data:image/");
            if !internal
                && !v.is_empty()
                && (is_remote(v) || local == "use" || local == "image" || local == "feimage")
            {
                out.add(
                    Finding::new("svg.external_resource", Severity::Medium, loc)
                        .detail(format!("<{local}> {key} outside the file")),
                );
            }
        } else if key == "style" && super::html::css_remote(&value) {
            out.add(
                Finding::new("svg.external_resource", Severity::Medium, loc)
                    .detail("url() in style attribute"),
            );
        }
    }
}
