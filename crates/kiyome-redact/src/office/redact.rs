//! Text redaction inside one XML part of an Office or ODF package.
//!
//! Two passes over the same events. The first collects every piece of character data with
//! the text group it belongs to (a Word/DrawingML/ODF paragraph, a shared or inline string, a
//! cell value or formula, a defined name), so that a term split over several runs, fields or
//! spans is matched on the group's whole text. The second writes the part again with every
//! matched character replaced by [`MASK`] (or, with `mask_length`, each match by three mask
//! characters), attribute values masked the same way, and the structural edits spreadsheets
//! need: a formula whose text or cached value matched is removed (its masked value stays), and
//! a numeric cell whose value matched becomes an inline string.

use crate::plan::{Match, Plan, merge_ranges};
use kiyome_core::{Action, Ctx, Error, Finding, LimitKind, Severity};
use quick_xml::Writer;
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};
use quick_xml::name::QName;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

/// The character that replaces every redacted character (U+25A0 BLACK SQUARE).
pub const MASK: char = '■';

/// Mask characters written per match when the plan hides lengths.
const MASK_LENGTH_CHARS: usize = 3;

/// Which rules of a part apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    /// A WordprocessingML part.
    Word,
    /// A SpreadsheetML worksheet (cells, formulas, cached values).
    Sheet,
    /// The workbook part (sheet names, defined names).
    Workbook,
    /// An ODF part (table cells carry typed values in attributes).
    Odf,
    /// Any other XML part (slides, charts, drawings, shared strings).
    Generic,
}

/// Elements whose text is matched as one string.
// Word field codes (`w:instrText`) are their own group: the field result between them is
// read as part of the paragraph.
const GROUPS: &[&str] = &["p", "h", "si", "is", "definedName", "v", "f", "instrText"];

/// ODF cell attributes holding a typed copy of the cell's value.
const ODF_VALUE_ATTRS: &[&str] = &["value", "date-value", "time-value", "boolean-value"];

fn xml_err(part: &str, e: impl std::fmt::Display) -> Error {
    Error::parse("xml", format!("{part}: {e}"))
}

fn local(q: &str) -> &str {
    q.rsplit(':').next().unwrap_or(q)
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

/// Unescapes an attribute value (predefined entities and character references only).
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        match tail.find(';') {
            Some(j) if j > 1 && j < 16 => {
                match resolve(&tail[1..j]) {
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

/// Counts events and depth against the limits and checks the time now and then.
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

    fn step(&mut self, ev: &Event<'_>, ctx: &Ctx<'_>) -> Result<(), Error> {
        self.events += 1;
        if self.events > self.max_events {
            return Err(Error::limit(LimitKind::Xml, self.events, self.max_events));
        }
        if self.events.is_multiple_of(4096) {
            ctx.budget.check_time()?;
        }
        match ev {
            Event::Start(_) => {
                self.depth += 1;
                if self.depth > self.max_depth {
                    return Err(Error::limit(
                        LimitKind::Xml,
                        self.depth as u64,
                        self.max_depth as u64,
                    ));
                }
            }
            Event::End(_) => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
        Ok(())
    }
}

/// One cell of a worksheet, as the first pass saw it.
#[derive(Debug, Default, Clone)]
struct Cell {
    t: String,
    v_group: Option<usize>,
    f_group: Option<usize>,
    /// `si` of a shared formula and whether this cell holds its master (`ref`).
    shared: Option<(String, bool)>,
}

/// What the first pass collected.
#[derive(Default)]
struct Collected {
    /// Per text piece (in event order): its group, or `None` when it must not be masked.
    piece_group: Vec<Option<usize>>,
    piece_text: Vec<String>,
    /// Per group: its pieces.
    groups: Vec<Vec<usize>>,
    cells: Vec<Cell>,
}

fn text_piece(ev: &Event<'_>) -> Option<String> {
    match ev {
        Event::Text(t) => Some(t.xml10_content().into_owned()),
        Event::CData(t) => Some(t.xml10_content().into_owned()),
        Event::GeneralRef(r) => resolve(r).map(String::from),
        _ => None,
    }
}

fn collect(data: &[u8], part: &str, flavor: Flavor, ctx: &Ctx<'_>) -> Result<Collected, Error> {
    let mut c = Collected::default();
    let mut reader = quick_xml::Reader::from_reader(data);
    let mut buf = Vec::new();
    let mut b = Bounds::new(ctx);
    let mut names: Vec<String> = Vec::new();
    // Open groups: (depth, group index).
    let mut open: Vec<(usize, usize)> = Vec::new();
    let mut cell: Option<usize> = None;
    loop {
        buf.clear();
        let ev = reader
            .read_event_into(&mut buf)
            .map_err(|e| xml_err(part, e))?;
        b.step(&ev, ctx)?;
        match &ev {
            Event::Start(e) | Event::Empty(e) => {
                let name = e.name().into_inner().to_string();
                let l = local(&name).to_string();
                let empty = matches!(ev, Event::Empty(_));
                if flavor == Flavor::Sheet && l == "c" {
                    let t = e
                        .try_get_attribute("t")
                        .ok()
                        .flatten()
                        .map(|a| a.value.to_string())
                        .unwrap_or_default();
                    c.cells.push(Cell {
                        t,
                        ..Cell::default()
                    });
                    cell = (!empty).then(|| c.cells.len() - 1);
                }
                if !empty {
                    names.push(name);
                    if GROUPS.contains(&l.as_str()) {
                        c.groups.push(Vec::new());
                        let g = c.groups.len() - 1;
                        open.push((names.len(), g));
                        if flavor == Flavor::Sheet
                            && let Some(ci) = cell
                            && let Some(cl) = c.cells.get_mut(ci)
                        {
                            match l.as_str() {
                                "v" => cl.v_group = Some(g),
                                "f" => {
                                    cl.f_group = Some(g);
                                    let attr = |k: &str| {
                                        e.try_get_attribute(k)
                                            .ok()
                                            .flatten()
                                            .map(|a| a.value.to_string())
                                    };
                                    if attr("t").as_deref() == Some("shared")
                                        && let Some(si) = attr("si")
                                    {
                                        cl.shared = Some((si, attr("ref").is_some()));
                                    }
                                }
                                _ => {}
                            }
                        }
                    }
                }
            }
            Event::End(_) => {
                if open.last().is_some_and(|o| o.0 == names.len()) {
                    open.pop();
                }
                if let Some(n) = names.pop()
                    && flavor == Flavor::Sheet
                    && local(&n) == "c"
                {
                    cell = None;
                }
            }
            Event::Eof => break,
            _ => {
                if let Some(t) = text_piece(&ev) {
                    let idx = c.piece_text.len();
                    let group = match open.last() {
                        Some(&(_, g)) => {
                            // Shared-string indices, booleans and error codes are not text.
                            let blocked = flavor == Flavor::Sheet
                                && cell.and_then(|ci| c.cells.get(ci)).is_some_and(|cl| {
                                    cl.v_group == Some(g)
                                        && matches!(cl.t.as_str(), "s" | "b" | "e")
                                });
                            (!blocked).then_some(g)
                        }
                        None => {
                            c.groups.push(Vec::new());
                            Some(c.groups.len() - 1)
                        }
                    };
                    if let Some(g) = group
                        && let Some(list) = c.groups.get_mut(g)
                    {
                        list.push(idx);
                    }
                    c.piece_group.push(group);
                    c.piece_text.push(t);
                }
            }
        }
    }
    Ok(c)
}

/// Masks `ranges` (byte ranges of `text`, merged) in place of each character, or with
/// [`MASK_LENGTH_CHARS`] characters per range when `hide_length`.
pub(crate) fn mask_ranges(
    text: &str,
    ranges: &[(usize, usize, bool)],
    hide_length: bool,
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for &(s, e, first) in ranges {
        let (s, e) = (s.min(text.len()), e.min(text.len()));
        if s < pos || !text.is_char_boundary(s) || !text.is_char_boundary(e) {
            continue;
        }
        out.push_str(&text[pos..s]);
        if hide_length {
            if first {
                out.extend(std::iter::repeat_n(MASK, MASK_LENGTH_CHARS));
            }
        } else {
            out.extend(text[s..e].chars().map(|_| MASK));
        }
        pos = e;
    }
    out.push_str(&text[pos..]);
    out
}

/// Masks the matches of `plan` in one string; returns it when anything changed.
fn mask_str(plan: &Plan, text: &str, hits: &mut Vec<Match>) -> Option<String> {
    let ms = plan.find_matches(text);
    if ms.is_empty() {
        return None;
    }
    let ranges: Vec<(usize, usize, bool)> =
        merge_ranges(ms.iter().map(|m| (m.start, m.end)).collect())
            .into_iter()
            .map(|(s, e)| (s, e, true))
            .collect();
    hits.extend(ms);
    Some(mask_ranges(text, &ranges, plan.mask_length))
}

/// A redacted part: its bytes, the matches removed and notes about structural edits.
pub(crate) type RedactedPart = (Vec<u8>, Vec<Match>, Vec<Finding>);

/// Redacts one XML part. Returns the new bytes, the matches removed and notes (formulas
/// removed, cells converted).
pub(crate) fn redact_xml(
    data: &[u8],
    part: &str,
    flavor: Flavor,
    plan: &Plan,
    ctx: &Ctx<'_>,
) -> Result<RedactedPart, Error> {
    let c = collect(data, part, flavor, ctx)?;
    let mut hits: Vec<Match> = Vec::new();
    let mut notes: Vec<Finding> = Vec::new();
    // Replacement text per piece, and which groups matched.
    let mut replace: HashMap<usize, String> = HashMap::new();
    let mut matched_groups: HashSet<usize> = HashSet::new();
    for (g, pieces) in c.groups.iter().enumerate() {
        if pieces.is_empty() {
            continue;
        }
        let mut text = String::new();
        let mut spans: Vec<(usize, usize, usize)> = Vec::new();
        for &p in pieces {
            let t = c.piece_text.get(p).map(String::as_str).unwrap_or("");
            spans.push((p, text.len(), text.len() + t.len()));
            text.push_str(t);
        }
        let ms = plan.find_matches(&text);
        if ms.is_empty() {
            continue;
        }
        matched_groups.insert(g);
        let merged = merge_ranges(ms.iter().map(|m| (m.start, m.end)).collect());
        hits.extend(ms);
        for (p, ps, pe) in spans {
            let local: Vec<(usize, usize, bool)> = merged
                .iter()
                .filter(|(s, e)| *s < pe && *e > ps)
                .map(|&(s, e)| (s.max(ps) - ps, e.min(pe) - ps, s >= ps))
                .collect();
            if local.is_empty() {
                continue;
            }
            let t = c.piece_text.get(p).map(String::as_str).unwrap_or("");
            replace.insert(p, mask_ranges(t, &local, plan.mask_length));
        }
    }

    // Spreadsheet structure: formulas to drop, numeric cells to turn into strings.
    let mut drop_f: HashSet<usize> = HashSet::new();
    let mut to_inline: HashSet<usize> = HashSet::new();
    let mut dead_shared: HashSet<String> = HashSet::new();
    for (i, cl) in c.cells.iter().enumerate() {
        let v_hit = cl.v_group.is_some_and(|g| matched_groups.contains(&g));
        let f_hit = cl.f_group.is_some_and(|g| matched_groups.contains(&g));
        if (v_hit || f_hit) && cl.f_group.is_some() {
            drop_f.insert(i);
            if let Some((si, true)) = &cl.shared {
                dead_shared.insert(si.clone());
            }
        }
        if v_hit && matches!(cl.t.as_str(), "" | "n" | "d") {
            to_inline.insert(i);
        }
    }
    if !drop_f.is_empty() {
        notes.push(
            Finding::new("redact.formula_removed", Severity::Info, part)
                .detail("formulas whose text or result matched removed; masked values kept")
                .action(Action::Removed),
        );
    }

    let mut reader = quick_xml::Reader::from_reader(data);
    let mut w = Writer::new(Vec::with_capacity(data.len()));
    let werr = |e: std::io::Error| xml_err(part, e);
    let mut buf = Vec::new();
    let mut b = Bounds::new(ctx);
    let mut piece = 0usize;
    let mut cell_no = 0usize;
    let mut cur_cell: Option<usize> = None;
    // Depth inside a dropped element (0 = writing).
    let mut skipping = 0u32;
    // Inside a numeric cell's <v> being turned into <is><t>: write the end tags ourselves.
    let mut in_inline_v = false;
    let mut attr_hits = 0u64;
    // Sheet names written so far: two names masked alike must stay distinct (Excel refuses a
    // workbook with duplicate sheet names).
    let mut sheet_names: HashSet<String> = HashSet::new();
    loop {
        buf.clear();
        let ev = reader
            .read_event_into(&mut buf)
            .map_err(|e| xml_err(part, e))?;
        b.step(&ev, ctx)?;
        if let Some(_t) = text_piece(&ev) {
            let idx = piece;
            piece += 1;
            if skipping > 0 {
                continue;
            }
            match replace.get(&idx) {
                Some(new) => w
                    .write_event(Event::Text(BytesText::new(new)))
                    .map_err(werr)?,
                None => w.write_event(ev.borrow()).map_err(werr)?,
            }
            continue;
        }
        match &ev {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) => {
                let empty = matches!(ev, Event::Empty(_));
                if skipping > 0 {
                    if !empty {
                        skipping += 1;
                    }
                    continue;
                }
                let name = e.name().into_inner().to_string();
                let l = local(&name);
                if flavor == Flavor::Sheet && l == "c" {
                    cur_cell = Some(cell_no);
                    cell_no += 1;
                }
                if flavor == Flavor::Sheet && l == "f" {
                    let shared_dead = e
                        .try_get_attribute("si")
                        .ok()
                        .flatten()
                        .is_some_and(|a| dead_shared.contains(a.value.as_ref()))
                        && e.try_get_attribute("t")
                            .ok()
                            .flatten()
                            .is_some_and(|a| a.value.as_ref() == "shared");
                    if cur_cell.is_some_and(|ci| drop_f.contains(&ci)) || shared_dead {
                        if !empty {
                            skipping = 1;
                        }
                        continue;
                    }
                }
                if flavor == Flavor::Sheet
                    && l == "v"
                    && !empty
                    && cur_cell.is_some_and(|ci| to_inline.contains(&ci))
                {
                    let prefix = name.strip_suffix('v').unwrap_or("");
                    w.write_event(Event::Start(BytesStart::new(format!("{prefix}is"))))
                        .map_err(werr)?;
                    w.write_event(Event::Start(BytesStart::new(format!("{prefix}t"))))
                        .map_err(werr)?;
                    in_inline_v = true;
                    continue;
                }
                let to_inline_cell = flavor == Flavor::Sheet
                    && l == "c"
                    && cur_cell.is_some_and(|ci| to_inline.contains(&ci));
                let new = rewrite_attrs(
                    e,
                    &name,
                    flavor,
                    plan,
                    &mut hits,
                    to_inline_cell,
                    &mut sheet_names,
                );
                match new {
                    Some(s) => {
                        attr_hits += 1;
                        w.write_event(if empty {
                            Event::Empty(s)
                        } else {
                            Event::Start(s)
                        })
                        .map_err(werr)?
                    }
                    None => w.write_event(ev.borrow()).map_err(werr)?,
                }
                if empty && l == "c" {
                    cur_cell = None;
                }
            }
            Event::End(e) => {
                if skipping > 0 {
                    skipping -= 1;
                    continue;
                }
                let name = e.name().into_inner().to_string();
                if in_inline_v && local(&name) == "v" {
                    let prefix = name.strip_suffix('v').unwrap_or("");
                    w.write_event(Event::End(BytesEnd::new(format!("{prefix}t"))))
                        .map_err(werr)?;
                    w.write_event(Event::End(BytesEnd::new(format!("{prefix}is"))))
                        .map_err(werr)?;
                    in_inline_v = false;
                    continue;
                }
                if local(&name) == "c" {
                    cur_cell = None;
                }
                w.write_event(ev.borrow()).map_err(werr)?;
            }
            // The DTD never survives (disarm already dropped it; this is belt and braces).
            Event::DocType(_) => {}
            _ => {
                if skipping == 0 {
                    w.write_event(ev.borrow()).map_err(werr)?;
                }
            }
        }
    }
    if attr_hits > 0 && flavor == Flavor::Workbook {
        notes.push(
            Finding::new("redact.names", Severity::Info, part)
                .detail("sheet or defined names masked")
                .action(Action::Removed),
        );
    }
    Ok((w.into_inner(), hits, notes))
}

/// The start tag with masked attribute values (and, for cells, the typed value turned into
/// a string), or `None` when nothing changes.
fn rewrite_attrs(
    e: &BytesStart<'_>,
    name: &str,
    flavor: Flavor,
    plan: &Plan,
    hits: &mut Vec<Match>,
    inline_cell: bool,
    sheet_names: &mut HashSet<String>,
) -> Option<BytesStart<'static>> {
    let l = local(name);
    let sheet = flavor == Flavor::Workbook && l == "sheet";
    let odf_cell = flavor == Flavor::Odf && l == "table-cell";
    let mut changed = inline_cell;
    let mut out: Vec<(String, Cow<'static, str>)> = Vec::new();
    let mut odf_to_string = false;
    for a in e.attributes().with_checks(false).flatten() {
        let key = a.key.into_inner().to_string();
        let raw = a.value.to_string();
        if key.starts_with("xmlns") {
            out.push((key, Cow::Owned(raw)));
            continue;
        }
        if inline_cell && key == "t" {
            continue;
        }
        let value = unescape(&raw);
        let masked = mask_str(plan, &value, hits);
        if sheet && local(&key) == "name" {
            let mut unique = masked.clone().unwrap_or_else(|| value.clone());
            let mut n = 2;
            while !sheet_names.insert(unique.clone()) && n < 1000 {
                unique = format!("{} ({n})", masked.as_deref().unwrap_or(&value));
                n += 1;
            }
            if masked.is_some() {
                changed = true;
                out.push((
                    key,
                    Cow::Owned(quick_xml::escape::escape(unique).into_owned()),
                ));
                continue;
            }
        }
        match masked {
            Some(masked) => {
                changed = true;
                let k = local(&key);
                if odf_cell && (ODF_VALUE_ATTRS.contains(&k) || k == "formula") {
                    // A typed value or formula that holds the term goes; the cell keeps its
                    // masked text as a string.
                    odf_to_string |= ODF_VALUE_ATTRS.contains(&k);
                    continue;
                }
                out.push((
                    key,
                    Cow::Owned(quick_xml::escape::escape(masked).into_owned()),
                ));
            }
            None => out.push((key, Cow::Owned(raw))),
        }
    }
    if !changed {
        return None;
    }
    if odf_to_string {
        for (k, v) in out.iter_mut() {
            if local(k) == "value-type" {
                *v = Cow::Borrowed("string");
            }
        }
    }
    if inline_cell {
        out.push(("t".into(), Cow::Borrowed("inlineStr")));
    }
    let mut s = BytesStart::new(name.to_string());
    for (k, v) in &out {
        s.push_attribute(Attribute {
            key: QName(k.as_str()),
            value: Cow::Owned(v.to_string()),
        });
    }
    Some(s.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiyome_core::{Budget, Limits, NoNesting};

    fn run(xml: &str, flavor: Flavor, plan: &Plan) -> String {
        let b = Budget::new(&Limits::default());
        let ctx = Ctx::new(&b, &NoNesting);
        let (out, _, _) = redact_xml(xml.as_bytes(), "p.xml", flavor, plan, &ctx).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn plan(term: &str) -> Plan {
        Plan {
            terms: vec![term.into()],
            ..Plan::default()
        }
    }

    #[test]
    fn a_term_split_over_runs_and_an_entity_is_masked_in_each_run() {
        let xml = "<w:p><w:r><w:t>A&amp;B山</w:t></w:r><w:r><w:t>田さん</w:t></w:r></w:p>";
        let out = run(xml, Flavor::Word, &plan("B山田"));
        assert_eq!(
            out,
            "<w:p><w:r><w:t>A&amp;■■</w:t></w:r><w:r><w:t>■さん</w:t></w:r></w:p>"
        );
    }

    #[test]
    fn mask_length_writes_three_marks_per_match_in_its_first_run() {
        let mut p = plan("山田太郎");
        p.mask_length = true;
        let out = run(
            "<a:p><a:r><a:t>x山田</a:t></a:r><a:r><a:t>太郎y</a:t></a:r></a:p>",
            Flavor::Generic,
            &p,
        );
        assert_eq!(
            out,
            "<a:p><a:r><a:t>x■■■</a:t></a:r><a:r><a:t>y</a:t></a:r></a:p>"
        );
    }

    #[test]
    fn numeric_cell_becomes_inline_string_and_matching_formula_goes() {
        let p = Plan {
            pii: vec![crate::pii::Detector::JpMyNumber],
            ..Plan::default()
        };
        let xml = r#"<sheetData><row><c r="A1"><f>123456789018+0</f><v>123456789018</v></c><c r="B1" t="s"><v>1</v></c></row></sheetData>"#;
        let out = run(xml, Flavor::Sheet, &p);
        assert_eq!(
            out,
            r#"<sheetData><row><c r="A1" t="inlineStr"><is><t>■■■■■■■■■■■■</t></is></c><c r="B1" t="s"><v>1</v></c></row></sheetData>"#
        );
    }

    #[test]
    fn sheet_names_masked_alike_stay_distinct() {
        let p = Plan {
            terms: vec!["山田".into(), "佐藤".into()],
            ..Plan::default()
        };
        let xml =
            r#"<sheets><sheet name="山田" sheetId="1"/><sheet name="佐藤" sheetId="2"/></sheets>"#;
        let out = run(xml, Flavor::Workbook, &p);
        assert_eq!(
            out,
            r#"<sheets><sheet name="■■" sheetId="1"/><sheet name="■■ (2)" sheetId="2"/></sheets>"#
        );
    }

    #[test]
    fn attribute_values_and_odf_typed_values_are_masked() {
        let p = Plan {
            pii: vec![crate::pii::Detector::JpMyNumber],
            ..Plan::default()
        };
        let xml = r#"<table:table-cell office:value-type="float" office:value="123456789018"><text:p>123456789018</text:p></table:table-cell>"#;
        let out = run(xml, Flavor::Odf, &p);
        assert_eq!(
            out,
            r#"<table:table-cell office:value-type="string"><text:p>■■■■■■■■■■■■</text:p></table:table-cell>"#
        );
    }
}
