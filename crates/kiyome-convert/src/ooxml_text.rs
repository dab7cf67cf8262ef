//! Text of OOXML packages (Word, Excel, PowerPoint) and OpenDocument, from their XML parts.
//!
//! - Word: the body in document order, table cells separated by tabs and rows by newlines,
//!   text boxes once (the `mc:Fallback` copy of drawing content is skipped), deleted text of
//!   tracked changes left out; then headers, footers, footnotes, endnotes and comments.
//! - Excel: every sheet in workbook order under a heading `# name`, cells in sheet order with
//!   shared strings (rich text joined, phonetic guides ルビ left out) and inline strings
//!   resolved, cells separated by tabs and rows by newlines; then comments.
//! - PowerPoint: slides in presentation order, each followed by its speaker notes (the notes'
//!   body placeholder only, not the slide number); table cells separated by tabs.
//! - OpenDocument: paragraphs and headings, table cells by tabs, sheet names of spreadsheets
//!   as headings; repeated empty cells and rows collapse.
//!
//! No DTD is accepted and no entity is expanded; every part read counts against the budget.

use kiyome_core::{Budget, Error, Kind, LimitKind};
use quick_xml::events::{BytesStart, Event};
use std::collections::HashMap;
use std::io::Read;

/// Reads named parts of a zip package, bounded by the budget.
pub(crate) struct Package {
    zip: zip::ZipArchive<std::io::Cursor<Vec<u8>>>,
}

impl Package {
    pub(crate) fn open(data: &[u8], budget: &Budget) -> Result<Package, Error> {
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

    pub(crate) fn read(&mut self, name: &str, budget: &Budget) -> Result<Option<Vec<u8>>, Error> {
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

/// One XML event, with the element's local name.
pub(crate) enum Ev<'a> {
    Start(&'a str, &'a BytesStart<'a>),
    Empty(&'a str, &'a BytesStart<'a>),
    End(&'a str),
    Text(&'a str),
}

/// Walks `xml`, calling `f` for every element and text node (character and predefined
/// entity references resolved; no DTD, no other entity). Bounded by the event limit.
pub(crate) fn walk(xml: &[u8], budget: &Budget, mut f: impl FnMut(Ev<'_>)) -> Result<(), Error> {
    let mut r = quick_xml::Reader::from_reader(xml);
    r.config_mut().trim_text(false);
    let mut buf = Vec::new();
    let mut events = 0u64;
    let max = budget.limits().max_xml_events;
    loop {
        events += 1;
        if events > max {
            return Err(Error::limit(LimitKind::Xml, events, max));
        }
        match r.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => {
                let n = e.local_name().as_ref().to_string();
                f(Ev::Start(&n, &e));
            }
            Ok(Event::Empty(e)) => {
                let n = e.local_name().as_ref().to_string();
                f(Ev::Empty(&n, &e));
            }
            Ok(Event::End(e)) => {
                f(Ev::End(e.local_name().as_ref()));
            }
            Ok(Event::Text(t)) => f(Ev::Text(&t.xml10_content())),
            Ok(Event::CData(t)) => f(Ev::Text(t.as_ref())),
            Ok(Event::GeneralRef(e)) => {
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
                    f(Ev::Text(c.encode_utf8(&mut [0; 4])));
                }
            }
            Ok(Event::DocType(_)) => {
                return Err(Error::unsupported(
                    "XML with a document type declaration (DTD)",
                ));
            }
            Ok(Event::Eof) => return Ok(()),
            Err(e) => return Err(Error::parse("xml", e.to_string())),
            _ => {}
        }
        buf.clear();
    }
}

/// The value of the attribute with local name `name`.
pub(crate) fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes().flatten().find_map(|a| {
        (a.key.local_name().as_ref() == name).then(|| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map(|v| v.into_owned())
                .unwrap_or_default()
        })
    })
}

/// The relationship id of an element (`r:id`: the attribute `id` with a namespace prefix).
pub(crate) fn rel_id(e: &BytesStart<'_>) -> Option<String> {
    e.attributes().flatten().find_map(|a| {
        (a.key.prefix().is_some() && a.key.local_name().as_ref() == "id").then(|| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map(|v| v.into_owned())
                .unwrap_or_default()
        })
    })
}

/// Relationship id → part name, from the `.rels` part of `part`.
pub(crate) fn rels(
    pkg: &mut Package,
    part: &str,
    budget: &Budget,
) -> Result<HashMap<String, String>, Error> {
    let (dir, file) = part.rsplit_once('/').unwrap_or(("", part));
    let rels_name = if dir.is_empty() {
        format!("_rels/{file}.rels")
    } else {
        format!("{dir}/_rels/{file}.rels")
    };
    let mut map = HashMap::new();
    let Some(x) = pkg.read(&rels_name, budget)? else {
        return Ok(map);
    };
    walk(&x, budget, |ev| {
        if let Ev::Empty("Relationship", e) | Ev::Start("Relationship", e) = ev
            && attr(e, "TargetMode").as_deref() != Some("External")
            && let (Some(id), Some(target)) = (attr(e, "Id"), attr(e, "Target"))
        {
            map.insert(id, resolve(dir, &target));
        }
    })?;
    Ok(map)
}

/// A relationship target relative to the source part's folder, as a package part name.
fn resolve(dir: &str, target: &str) -> String {
    let mut parts: Vec<&str> = if target.starts_with('/') {
        Vec::new()
    } else {
        dir.split('/').filter(|s| !s.is_empty()).collect()
    };
    for seg in target.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

/// Text of an OOXML package of `kind`.
pub(crate) fn ooxml_text(data: &[u8], kind: Kind, budget: &Budget) -> Result<String, Error> {
    let mut pkg = Package::open(data, budget)?;
    match kind {
        Kind::Docx | Kind::Docm | Kind::Dotx | Kind::Dotm => docx(&mut pkg, budget),
        Kind::Xlsx | Kind::Xlsm | Kind::Xltx | Kind::Xltm | Kind::Xlam => {
            crate::xlsx_text::xlsx(&mut pkg, budget)
        }
        Kind::Pptx
        | Kind::Pptm
        | Kind::Potx
        | Kind::Potm
        | Kind::Ppsx
        | Kind::Ppsm
        | Kind::Ppam => pptx(&mut pkg, budget),
        _ => Err(Error::unsupported(format!("text of {kind} packages"))),
    }
}

/// Collects text of WordprocessingML/DrawingML parts: `t` runs (not `delText`), tabs and
/// breaks, paragraphs as lines, table cells as tabs, rows as lines; `mc:Fallback` skipped.
#[derive(Default)]
struct Flow {
    out: String,
    in_t: usize,
    skip: usize,
    cell: usize,
}

impl Flow {
    fn event(&mut self, ev: Ev<'_>) {
        match ev {
            Ev::Start("Fallback", _) if self.skip > 0 => self.skip += 1,
            Ev::End("Fallback") if self.skip > 0 => self.skip -= 1,
            _ if self.skip > 0 => {}
            Ev::Start("Fallback", _) => self.skip = 1,
            Ev::Start("t", _) => self.in_t += 1,
            Ev::End("t") => self.in_t = self.in_t.saturating_sub(1),
            Ev::Start("tc", _) => self.cell += 1,
            Ev::End("tc") => {
                self.cell = self.cell.saturating_sub(1);
                self.trim_end_spaces();
                self.out.push('\t');
            }
            Ev::End("tr") => {
                while self.out.ends_with(['\t', ' ']) {
                    self.out.pop();
                }
                self.out.push('\n');
            }
            Ev::End("p") => self.push_break(),
            Ev::Empty("tab", _) => self.out.push('\t'),
            Ev::Empty("br" | "cr", _) => self.push_break(),
            Ev::Text(t) if self.in_t > 0 => self.out.push_str(t),
            _ => {}
        }
    }

    /// A paragraph or line end: a newline, or a space inside a table cell (the cell stays on
    /// its row).
    fn push_break(&mut self) {
        if self.cell > 0 {
            if !self.out.ends_with(['\t', ' ', '\n']) && !self.out.is_empty() {
                self.out.push(' ');
            }
        } else {
            self.out.push('\n');
        }
    }

    fn trim_end_spaces(&mut self) {
        while self.out.ends_with(' ') {
            self.out.pop();
        }
    }
}

fn flow_text(xml: &[u8], budget: &Budget) -> Result<String, Error> {
    let mut f = Flow::default();
    walk(xml, budget, |ev| f.event(ev))?;
    Ok(f.out)
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

fn docx(pkg: &mut Package, budget: &Budget) -> Result<String, Error> {
    let names = pkg.names();
    let mut out = String::new();
    if let Some(x) = pkg.read("word/document.xml", budget)? {
        out.push_str(&flow_text(&x, budget)?);
    }
    // Then headers, footers, notes and comments, each kind in numeric order.
    for kind in ["header", "footer", "footnotes", "endnotes", "comments"] {
        let mut parts: Vec<&String> = names
            .iter()
            .filter(|n| {
                n.strip_prefix("word/")
                    .is_some_and(|f| f.starts_with(kind) && f.ends_with(".xml") && !f.contains('/'))
            })
            .collect();
        parts.sort_by_key(|n| natural_key(n));
        for p in parts {
            if let Some(x) = pkg.read(p, budget)? {
                let t = flow_text(&x, budget)?;
                if !t.trim().is_empty() {
                    if !out.ends_with("\n\n") {
                        out.push('\n');
                    }
                    out.push_str(&t);
                }
            }
        }
    }
    Ok(out)
}

fn pptx(pkg: &mut Package, budget: &Budget) -> Result<String, Error> {
    let pres = "ppt/presentation.xml";
    let rel = rels(pkg, pres, budget)?;
    let mut slides: Vec<String> = Vec::new();
    if let Some(x) = pkg.read(pres, budget)? {
        walk(&x, budget, |ev| {
            if let Ev::Empty("sldId", e) | Ev::Start("sldId", e) = ev
                && let Some(target) = rel_id(e).and_then(|id| rel.get(&id).cloned())
            {
                slides.push(target);
            }
        })?;
    }
    if slides.is_empty() {
        // No usable presentation part: slides in file-name order.
        let mut s: Vec<String> = pkg
            .names()
            .into_iter()
            .filter(|n| n.starts_with("ppt/slides/slide") && n.ends_with(".xml"))
            .collect();
        s.sort_by_key(|n| natural_key(n));
        slides = s;
    }
    let mut out = String::new();
    for slide in slides {
        budget.check_time()?;
        let Some(x) = pkg.read(&slide, budget)? else {
            continue;
        };
        out.push_str(&flow_text(&x, budget)?);
        let notes = rels(pkg, &slide, budget)?
            .into_values()
            .find(|t| t.contains("notesSlide"));
        if let Some(n) = notes
            && let Some(x) = pkg.read(&n, budget)?
        {
            let t = notes_body(&x, budget)?;
            if !t.trim().is_empty() {
                out.push_str(&t);
            }
        }
        out.push('\n');
    }
    Ok(out)
}

/// Text of the body placeholder of a notes slide (the speaker notes).
fn notes_body(xml: &[u8], budget: &Budget) -> Result<String, Error> {
    let mut f = Flow::default();
    let mut in_sp = false;
    let mut is_body = false;
    let mut sp = Flow::default();
    walk(xml, budget, |ev| match ev {
        Ev::Start("sp", _) => {
            in_sp = true;
            is_body = false;
            sp = Flow::default();
        }
        Ev::End("sp") => {
            if is_body {
                f.out.push_str(&sp.out);
            }
            in_sp = false;
        }
        Ev::Empty("ph", e) | Ev::Start("ph", e) if in_sp => {
            is_body = attr(e, "type").as_deref() == Some("body");
        }
        ev if in_sp => sp.event(ev),
        _ => {}
    })?;
    Ok(f.out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relationship_targets_resolve_against_the_source_folder() {
        assert_eq!(resolve("ppt", "slides/slide1.xml"), "ppt/slides/slide1.xml");
        assert_eq!(
            resolve("ppt/slides", "../notesSlides/notesSlide1.xml"),
            "ppt/notesSlides/notesSlide1.xml"
        );
        assert_eq!(
            resolve("xl", "/xl/worksheets/sheet2.xml"),
            "xl/worksheets/sheet2.xml"
        );
    }
}
