//! The part hook behind Office/ODF scrub and redaction: which parts go, how XML parts are
//! rewritten, and how embedded images lose their metadata.

use super::ScrubOptions;
use super::hidden::{self, CellCursor, SheetHidden, WordStyles};
use super::redact::{self, Flavor};
use crate::image::{apply_areas, is_image_bytes, reencode_if_metadata, strip_lossless};
use crate::plan::{Category, Plan};
use crate::report::RedactionReport;
use kiyome_core::{Action, Ctx, Error, Finding, Inspection, Kind, KindClass, Severity};
use kiyome_office::opc::Package;
use kiyome_office::xml::{self, Edit, El, Ev};
use kiyome_office::{Collector, PartHook};
use std::collections::{HashMap, HashSet};

/// Word elements of tracked changes that are dropped with their content (deletions, and the
/// old formatting of formatting changes): accepting the revisions leaves the final text.
const WORD_REVISION_DROP: &[&str] = &[
    "del",
    "moveFrom",
    "rPrChange",
    "pPrChange",
    "sectPrChange",
    "tblPrChange",
    "tblPrExChange",
    "trPrChange",
    "tcPrChange",
    "tblGridChange",
    "numberingChange",
    "moveFromRangeStart",
    "moveFromRangeEnd",
    "moveToRangeStart",
    "moveToRangeEnd",
    "customXmlInsRangeStart",
    "customXmlInsRangeEnd",
    "customXmlDelRangeStart",
    "customXmlDelRangeEnd",
    "customXmlMoveFromRangeStart",
    "customXmlMoveFromRangeEnd",
    "customXmlMoveToRangeStart",
    "customXmlMoveToRangeEnd",
    "cellIns",
    "cellDel",
    "cellMerge",
];

/// Word settings that name people, paths or identify editing sessions.
/// (`w:rsid` also appears inside style definitions.)
const WORD_SETTINGS_DROP: &[&str] = &[
    "rsids",
    "rsid",
    "docVars",
    "mailMerge",
    "docId",
    "attachedSchema",
];

/// Word comment anchors in the document body.
const WORD_COMMENT_ANCHORS: &[&str] = &["commentRangeStart", "commentRangeEnd", "commentReference"];

/// Empty core properties (ECMA-376 Part 2 §11): nothing about author, dates or revisions.
const EMPTY_CORE: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" xmlns:dcmitype=\"http://purl.org/dc/dcmitype/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"></cp:coreProperties>";

/// Empty extended properties: no company, manager, template, total editing time or titles.
const EMPTY_APP: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\" xmlns:vt=\"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes\"></Properties>";

/// Empty custom properties.
const EMPTY_CUSTOM: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/custom-properties\" xmlns:vt=\"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes\"></Properties>";

/// An empty worksheet: what a hidden sheet becomes when hidden sheets are removed. The sheet
/// itself stays (hidden) so that sheet indices, defined names and formulas naming it stay
/// valid; its cells, drawings, tables and comments go.
const EMPTY_SHEET: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData/></worksheet>";

/// Which OPC property part an XML part is, by its root element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Props {
    Core,
    App,
    Custom,
}

/// The kind of property part `data` is, judged from the start of its root element.
pub(crate) fn props_part(data: &[u8]) -> Option<Props> {
    let head = data.get(..data.len().min(1024))?;
    let text = String::from_utf8_lossy(head);
    let root = text
        .split('<')
        .find(|t| !t.starts_with('?') && !t.starts_with('!') && !t.is_empty())?;
    let name = root.split([' ', '>', '/', '\n', '\r', '\t']).next()?;
    match xml::local(name) {
        "coreProperties" => Some(Props::Core),
        "Properties" if root.contains("extended-properties") => Some(Props::App),
        "Properties" if root.contains("custom-properties") => Some(Props::Custom),
        _ => None,
    }
}

/// The scrub/redaction hook of one package.
pub(crate) struct Hook<'p> {
    odf: bool,
    plan: &'p Plan,
    opts: ScrubOptions,
    /// Word styles that hide text, colour it white or put a fill behind it.
    styles: WordStyles,
    /// Hidden rows and columns per worksheet (lower-case part name), when they are removed.
    sheets: HashMap<String, SheetHidden>,
    /// Worksheets of hidden sheets (lower case), when they are removed.
    hidden_sheets: HashSet<String>,
    /// Parts only a removed hidden sheet uses (drawings, tables, comments; lower case).
    hidden_sheet_parts: HashSet<String>,
    /// Shared-string indices used only by removed cells (emptied in the string table).
    dead_strings: HashSet<u32>,
    /// VML drawings that only hold Excel comment boxes.
    comment_vml: HashSet<String>,
    /// Image parts in name order: `--area` page N applies to the N-th.
    images: Vec<String>,
    col: Collector,
    hits: Vec<(String, Category, usize)>,
    areas: Vec<String>,
}

fn note(code: &str, sev: Severity, loc: &str, action: Action, detail: &str) -> Finding {
    Finding::new(code, sev, loc).detail(detail).action(action)
}

impl<'p> Hook<'p> {
    /// Prepares the hook: reads what the per-part decisions need to know in advance.
    pub(crate) fn new(
        data: &[u8],
        kind: Kind,
        plan: &'p Plan,
        opts: &ScrubOptions,
        ctx: &Ctx<'_>,
    ) -> Result<Self, Error> {
        let odf = match kind.class() {
            KindClass::Odf => true,
            KindClass::Ooxml if kind == Kind::Xlsb => {
                // Binary workbook parts (BIFF12) hold the text; this code only edits XML.
                return Err(Error::unsupported(
                    "redaction of xlsb workbooks (redact.unsupported_kind)",
                ));
            }
            KindClass::Ooxml => false,
            _ => return Err(Error::unsupported(format!("office redaction of {kind}"))),
        };
        let mut pkg = Package::open(data, ctx, if odf { "odf" } else { "ooxml" })?;
        let mut styles = WordStyles::default();
        let (hidden_sheets, hidden_sheet_parts) = if !odf && opts.remove_hidden_sheets {
            hidden::hidden_sheet_parts(&mut pkg, ctx)?
        } else {
            Default::default()
        };
        let mut sheets = HashMap::new();
        let mut kept_strings: HashSet<u32> = HashSet::new();
        let mut removed_strings: HashSet<u32> = HashSet::new();
        let mut comment_vml = HashSet::new();
        let mut images = Vec::new();
        for name in pkg.names() {
            ctx.budget.check_time()?;
            let l = name.to_ascii_lowercase();
            if l == "word/styles.xml" {
                let bytes = pkg.read(&name, ctx)?;
                styles = hidden::word_styles(&bytes, &name, ctx)?;
            } else if !odf
                && (opts.remove_hidden_cells || !hidden_sheets.is_empty())
                && l.starts_with("xl/worksheets/")
                && l.ends_with(".xml")
            {
                let bytes = pkg.read(&name, ctx)?;
                let emptied = hidden_sheets.contains(&l);
                let scan =
                    hidden::sheet_scan(&bytes, &name, emptied, opts.remove_hidden_cells, ctx)?;
                kept_strings.extend(scan.kept_strings);
                removed_strings.extend(scan.removed_strings);
                let h = scan.hidden;
                if !emptied
                    && opts.remove_hidden_cells
                    && (h.cells > 0 || !h.dead_shared.is_empty())
                {
                    sheets.insert(l.clone(), h);
                }
            } else if l.starts_with("xl/drawings/") && l.ends_with(".vml") {
                let bytes = pkg.read(&name, ctx)?;
                if bytes.windows(14).any(|w| w == b"ObjectType=\"No") {
                    comment_vml.insert(name.clone());
                }
            } else if is_media_name(&l) {
                images.push(name.clone());
            }
        }
        images.sort();
        // Shared strings only removed cells used: their text would stay in the string table.
        let dead_strings: HashSet<u32> =
            removed_strings.difference(&kept_strings).copied().collect();
        Ok(Hook {
            dead_strings,
            odf,
            plan,
            opts: opts.clone(),
            styles,
            sheets,
            hidden_sheets,
            hidden_sheet_parts,
            comment_vml,
            images,
            col: Collector::default(),
            hits: Vec::new(),
            areas: Vec::new(),
        })
    }

    /// Moves what was removed and matched into `report`.
    pub(crate) fn finish(self, report: &mut RedactionReport) {
        let mut ins = Inspection::default();
        self.col.flush(&mut ins);
        for f in ins.findings {
            report.removed(f);
        }
        for (part, cat, rule) in self.hits {
            report.record_hit(&part, cat, rule);
        }
        for part in self.areas {
            report.record_area(&part);
        }
    }

    fn ooxml_drop(&self, name: &str) -> Option<Finding> {
        let l = name.to_ascii_lowercase();
        let file = l.rsplit('/').next().unwrap_or(&l);
        let drop = |code: &str, sev: Severity, detail: &str| {
            Some(note(code, sev, name, Action::Removed, detail))
        };
        if l.starts_with("docprops/thumbnail") {
            return drop(
                "scrub.office_thumbnail",
                Severity::Info,
                "thumbnail removed",
            );
        }
        if l.starts_with("customxml/") {
            return drop(
                "scrub.custom_xml",
                Severity::Info,
                "custom XML part removed",
            );
        }
        if l.starts_with("word/")
            && matches!(
                file,
                "comments.xml"
                    | "commentsextended.xml"
                    | "commentsids.xml"
                    | "commentsextensible.xml"
                    | "people.xml"
            )
        {
            return drop("ooxml.comments", Severity::Info, "comments part removed");
        }
        if (l.starts_with("xl/") && file.starts_with("comments") && file.ends_with(".xml"))
            || l.starts_with("xl/threadedcomments/")
            || l.starts_with("xl/persons/")
            || self.comment_vml.contains(name)
            || l.starts_with("ppt/comments/")
            || l == "ppt/commentauthors.xml"
            || l == "ppt/authors.xml"
        {
            return drop("ooxml.comments", Severity::Info, "comments part removed");
        }
        if self.opts.remove_notes
            && (l.starts_with("ppt/notesslides/") || l.starts_with("ppt/notesmasters/"))
        {
            return drop(
                "scrub.speaker_notes",
                Severity::Info,
                "speaker notes removed",
            );
        }
        if l.contains("/printersettings/") {
            return drop(
                "scrub.settings",
                Severity::Info,
                "printer settings removed (printer and user names)",
            );
        }
        if l.starts_with("xl/revisions/") {
            return drop(
                "ooxml.tracked_changes",
                Severity::Info,
                "shared-workbook revision log removed",
            );
        }
        if self.hidden_sheet_parts.contains(&l) {
            return drop(
                "ooxml.hidden_sheet",
                Severity::Info,
                "part used only by a hidden sheet removed",
            );
        }
        if l == "xl/calcchain.xml" && (!self.sheets.is_empty() || !self.hidden_sheets.is_empty()) {
            // The chain names formula cells that were removed with hidden content; Excel
            // reports a chain that names missing formulas as damage and rebuilds it on load.
            return drop(
                "scrub.hidden_cells",
                Severity::Info,
                "calculation chain removed (Excel rebuilds it)",
            );
        }
        if l == "xl/calcchain.xml" && self.plan.has_text_rules() {
            // Formulas may be removed by redaction; a calculation chain naming them makes
            // Excel report the file as damaged. Excel rebuilds the chain on load.
            return drop(
                "redact.formula_removed",
                Severity::Info,
                "calculation chain removed (Excel rebuilds it)",
            );
        }
        if l == "ppt/revisioninfo.xml" {
            return drop(
                "scrub.session_ids",
                Severity::Info,
                "revision identifiers removed",
            );
        }
        None
    }

    fn odf_drop(&self, name: &str) -> Option<Finding> {
        let l = name.to_ascii_lowercase();
        let file = l.rsplit('/').next().unwrap_or(&l);
        if file == "meta.xml" {
            return Some(note(
                "odf.metadata",
                Severity::Info,
                name,
                Action::Removed,
                "meta.xml removed",
            ));
        }
        if file == "settings.xml" {
            return Some(note(
                "scrub.settings",
                Severity::Info,
                name,
                Action::Removed,
                "settings.xml removed (printer, view and user settings)",
            ));
        }
        if l.starts_with("thumbnails/") {
            return Some(note(
                "scrub.office_thumbnail",
                Severity::Info,
                name,
                Action::Removed,
                "thumbnail removed",
            ));
        }
        None
    }

    fn image(&mut self, name: &str, data: Vec<u8>, ctx: &Ctx<'_>) -> Result<Vec<u8>, Error> {
        let page = self
            .images
            .iter()
            .position(|n| n == name)
            .map(|i| i as u32 + 1);
        let areas: Vec<_> = self
            .plan
            .areas
            .iter()
            .filter(|a| Some(a.page) == page)
            .copied()
            .collect();
        let mut data = data;
        if !areas.is_empty() {
            data = apply_areas(&data, &areas, self.plan.box_color, ctx)?;
            for _ in &areas {
                self.areas.push(name.to_string());
            }
        }
        match strip_lossless(&data) {
            Some(Ok(clean)) => {
                if clean != data {
                    self.col.add(note(
                        "scrub.image_metadata",
                        Severity::Info,
                        name,
                        Action::Removed,
                        "image metadata removed losslessly",
                    ));
                }
                Ok(clean)
            }
            // A JPEG/PNG whose structure the stripper refuses would carry its metadata on:
            // refuse the document rather than keep it.
            Some(Err(e)) => Err(e),
            // GIF, TIFF, BMP, WebP: re-encoded (first frame) when they carry metadata.
            None => reencode_if_metadata(name, data, ctx, &mut self.col),
        }
    }

    fn rewrite_xml(&mut self, name: &str, data: &[u8], ctx: &Ctx<'_>) -> Result<Vec<u8>, Error> {
        let l = name.to_ascii_lowercase();
        if !self.odf {
            let props = props_part(data);
            if props.is_some() || l == "docprops/core.xml" || l == "docprops/app.xml" {
                if has_children(data, name, ctx)? {
                    self.col.add(note(
                        "ooxml.properties",
                        Severity::Info,
                        name,
                        Action::Removed,
                        "document properties reset",
                    ));
                }
                // Found by content, not name: a package may carry a second core-properties
                // part (docProps/core1.xml) that some readers show.
                let empty = match props {
                    Some(Props::Core) => EMPTY_CORE,
                    Some(Props::App) => EMPTY_APP,
                    Some(Props::Custom) => EMPTY_CUSTOM,
                    None if l == "docprops/core.xml" => EMPTY_CORE,
                    None => EMPTY_APP,
                };
                return Ok(empty.as_bytes().to_vec());
            }
            if l.starts_with("word/") {
                let file = l.rsplit('/').next().unwrap_or(&l);
                if file.starts_with("header") || file.starts_with("footer") {
                    self.col.add(note(
                        "scrub.headers_footers",
                        Severity::Info,
                        name,
                        Action::Kept,
                        "header or footer kept (check its text)",
                    ));
                }
                return self.word(name, data, ctx);
            }
            if self.hidden_sheets.contains(&l) {
                self.col.add(note(
                    "ooxml.hidden_sheet",
                    Severity::Info,
                    name,
                    Action::Removed,
                    "hidden sheet emptied (the sheet stays, hidden, so references to it stay valid)",
                ));
                return Ok(EMPTY_SHEET.as_bytes().to_vec());
            }
            if l.starts_with("xl/") {
                return self.excel(name, data, ctx);
            }
            if l.starts_with("ppt/") {
                return self.powerpoint(name, data, ctx);
            }
            return Ok(data.to_vec());
        }
        self.odf_xml(name, data, ctx)
    }

    fn word(&mut self, name: &str, data: &[u8], ctx: &Ctx<'_>) -> Result<Vec<u8>, Error> {
        let remove_hidden = self.opts.remove_hidden_text;
        let remove_invisible = self.opts.remove_invisible_text;
        // The pre-scan is a whole extra pass: skipped when the part cannot hide a run (no
        // vanish, no white, no style that hides or whitens).
        let runs = if hidden::may_hide_runs(data, &self.styles) {
            hidden::word_runs(
                data,
                name,
                &self.styles,
                remove_hidden,
                remove_invisible,
                is_dropped_word_element,
                ctx,
            )?
        } else {
            hidden::WordRuns::default()
        };
        let mut notes: Vec<(&'static str, Action, &'static str)> = Vec::new();
        if !remove_hidden && !runs.hidden.is_empty() {
            notes.push((
                "ooxml.hidden_text",
                Action::Kept,
                "hidden text kept by policy",
            ));
        }
        if !remove_invisible && !runs.invisible.is_empty() {
            notes.push((
                "scrub.invisible_text",
                Action::Kept,
                "invisible (white on white) text kept by policy",
            ));
        }
        if runs.white_maybe_visible > 0 {
            // Its own location: the collector merges findings of one code and place, and
            // this one must not hide (or be hidden by) the removal of invisible runs.
            self.col.add(note(
                "scrub.invisible_text",
                Severity::Info,
                &format!("{name} (white text that may be visible)"),
                Action::Kept,
                &format!(
                    "{} white runs on a fill, in a styled table or a text box kept",
                    runs.white_maybe_visible
                ),
            ));
        }
        let mut run_no = 0usize;
        let (out, _) = xml::rewrite(data, name, ctx, |el: &El| {
            let local = el.local();
            if local == "r" {
                let hidden = remove_hidden && runs.hidden.contains(&run_no);
                let invisible = remove_invisible && runs.invisible.contains(&run_no);
                run_no += 1;
                if hidden {
                    notes.push(("ooxml.hidden_text", Action::Removed, "hidden run removed"));
                    return Edit::Drop;
                }
                if invisible {
                    notes.push((
                        "scrub.invisible_text",
                        Action::Removed,
                        "invisible (white on white) run removed",
                    ));
                    return Edit::Drop;
                }
            }
            if local == "ins" || local == "moveTo" {
                notes.push((
                    "ooxml.tracked_changes",
                    Action::Removed,
                    "revisions accepted",
                ));
                return Edit::Unwrap;
            }
            if WORD_REVISION_DROP.contains(&local) {
                notes.push((
                    "ooxml.tracked_changes",
                    Action::Removed,
                    "revisions accepted",
                ));
                return Edit::Drop;
            }
            if WORD_COMMENT_ANCHORS.contains(&local) {
                notes.push(("ooxml.comments", Action::Removed, "comment anchors removed"));
                return Edit::Drop;
            }
            if WORD_SETTINGS_DROP.contains(&local) {
                notes.push((
                    "scrub.settings",
                    Action::Removed,
                    "settings naming people, paths or sessions removed",
                ));
                return Edit::Drop;
            }
            let ids: Vec<String> = el
                .attrs
                .iter()
                .map(|(k, _)| k)
                .filter(|k| is_session_attr(k))
                .cloned()
                .collect();
            if !ids.is_empty() {
                notes.push((
                    "scrub.session_ids",
                    Action::Removed,
                    "rsid/paraId identifiers removed",
                ));
                return Edit::RemoveAttrs(ids);
            }
            Edit::Keep
        })?;
        for (code, act, d) in notes {
            self.col.add(note(code, Severity::Info, name, act, d));
        }
        self.redact_text(name, out, Flavor::Word, ctx)
    }

    fn excel(&mut self, name: &str, data: &[u8], ctx: &Ctx<'_>) -> Result<Vec<u8>, Error> {
        let mut notes: Vec<(&'static str, Action, &'static str)> = Vec::new();
        let l = name.to_ascii_lowercase();
        let hidden = self.sheets.get(&l);
        let remove_sheets = self.opts.remove_hidden_sheets;
        let mut cur = CellCursor::default();
        let sst = l.ends_with("sharedstrings.xml") && !self.dead_strings.is_empty();
        let dead_strings = &self.dead_strings;
        let mut si: i64 = -1;
        let (out, _) = xml::rewrite(data, name, ctx, |el: &El| {
            if sst {
                match el.local() {
                    "si" => si += 1,
                    // The children of a string item (text, rich runs, phonetic readings):
                    // an item only removed cells used keeps its place, empty, so the indices
                    // of the others stay.
                    "t" | "r" | "rPh" | "phoneticPr"
                        if u32::try_from(si).is_ok_and(|i| dead_strings.contains(&i)) =>
                    {
                        notes.push((
                            "scrub.hidden_cells",
                            Action::Removed,
                            "shared strings only hidden cells used emptied",
                        ));
                        return Edit::Drop;
                    }
                    _ => {}
                }
            }
            if let Some(h) = hidden {
                match el.local() {
                    "row" => cur.row(el),
                    "c" => {
                        let (c, r) = cur.cell(el);
                        if h.hides(c, r) {
                            notes.push((
                                "scrub.hidden_cells",
                                Action::Removed,
                                "cells of hidden rows and columns removed",
                            ));
                            return Edit::Drop;
                        }
                    }
                    "f" if el.attr("t") == Some("shared")
                        && el.attr("si").is_some_and(|si| h.dead_shared.contains(si)) =>
                    {
                        // Its master cell was hidden and is gone; the cached value stays.
                        notes.push((
                            "scrub.hidden_cells",
                            Action::Removed,
                            "shared formula whose master cell was hidden removed (value kept)",
                        ));
                        return Edit::Drop;
                    }
                    "hyperlink"
                        if el
                            .attr("ref")
                            .and_then(hidden::cell_ref)
                            .is_some_and(|(c, r)| h.hides(c, r)) =>
                    {
                        return Edit::Drop;
                    }
                    _ => {}
                }
            }
            match el.local() {
                "absPath" => {
                    notes.push((
                        "scrub.settings",
                        Action::Removed,
                        "the workbook's local folder path removed",
                    ));
                    return Edit::Drop;
                }
                "rPh" => {
                    // Phonetic readings (furigana) are not shown by default, yet spell out
                    // the name they annotate in katakana.
                    notes.push((
                        "scrub.phonetic",
                        Action::Removed,
                        "phonetic readings removed",
                    ));
                    return Edit::Drop;
                }
                "revisionPtr" | "fileSharing" => {
                    notes.push((
                        "scrub.settings",
                        Action::Removed,
                        "revision pointer / sharing user removed",
                    ));
                    return Edit::Drop;
                }
                "sheet"
                    if !remove_sheets
                        && matches!(el.attr("state"), Some("hidden") | Some("veryHidden")) =>
                {
                    notes.push((
                        "ooxml.hidden_sheet",
                        Action::Kept,
                        "hidden sheet kept by policy (it is redacted like the others)",
                    ));
                }
                "row" | "col"
                    if hidden.is_none()
                        && el.attr("hidden").is_some_and(|v| v == "1" || v == "true") =>
                {
                    notes.push((
                        "scrub.hidden_cells",
                        Action::Kept,
                        "hidden rows or columns kept (they are redacted like the others)",
                    ));
                }
                "sheetFormatPr"
                    if el
                        .attr("zeroHeight")
                        .is_some_and(|v| v == "1" || v == "true") =>
                {
                    notes.push((
                        "scrub.hidden_cells",
                        Action::Kept,
                        "rows hidden by default (zeroHeight) kept (they are redacted like the others)",
                    ));
                }
                _ => {}
            }
            let ids: Vec<String> = el
                .attrs
                .iter()
                .map(|(k, _)| k)
                .filter(|k| k.as_str() == "xr:uid" || k.ends_with(":uid") && k.starts_with("xr"))
                .cloned()
                .collect();
            if !ids.is_empty() {
                notes.push((
                    "scrub.session_ids",
                    Action::Removed,
                    "revision identifiers removed",
                ));
                return Edit::RemoveAttrs(ids);
            }
            Edit::Keep
        })?;
        for (code, act, d) in notes {
            self.col.add(note(code, Severity::Info, name, act, d));
        }
        let flavor = if l.starts_with("xl/worksheets/") {
            Flavor::Sheet
        } else if l == "xl/workbook.xml" {
            Flavor::Workbook
        } else {
            Flavor::Generic
        };
        self.redact_text(name, out, flavor, ctx)
    }

    fn powerpoint(&mut self, name: &str, data: &[u8], ctx: &Ctx<'_>) -> Result<Vec<u8>, Error> {
        let remove_notes = self.opts.remove_notes;
        let mut notes: Vec<(&'static str, Action, &'static str)> = Vec::new();
        let (out, _) = xml::rewrite(data, name, ctx, |el: &El| {
            match el.local() {
                "notesMasterIdLst" if remove_notes => return Edit::Drop,
                "sld" if el.attr("show") == Some("0") => notes.push((
                    "ooxml.hidden_text",
                    Action::Kept,
                    "hidden slide kept (it is redacted like the others)",
                )),
                _ => {}
            }
            Edit::Keep
        })?;
        for (code, act, d) in notes {
            self.col.add(note(code, Severity::Info, name, act, d));
        }
        self.redact_text(name, out, Flavor::Generic, ctx)
    }

    fn odf_xml(&mut self, name: &str, data: &[u8], ctx: &Ctx<'_>) -> Result<Vec<u8>, Error> {
        let l = name.to_ascii_lowercase();
        if l == "meta-inf/manifest.xml" {
            return Ok(data.to_vec());
        }
        let mut notes: Vec<(&'static str, Action, &'static str)> = Vec::new();
        let (out, _) = xml::rewrite(data, name, ctx, |el: &El| {
            match el.local() {
                "tracked-changes" | "change-start" | "change-end" | "change" => {
                    notes.push(("odf.tracked_changes", Action::Removed, "revisions accepted"));
                    return Edit::Drop;
                }
                "annotation" | "annotation-end" => {
                    notes.push(("odf.annotations", Action::Removed, "annotations removed"));
                    return Edit::Drop;
                }
                "hidden-text" | "hidden-paragraph" => notes.push((
                    "scrub.hidden_text",
                    Action::Kept,
                    "conditionally hidden text kept (it is redacted like the rest)",
                )),
                _ => {}
            }
            let ids: Vec<String> = el
                .attrs
                .iter()
                .map(|(k, _)| k)
                .filter(|k| matches!(xml::local(k), "rsid" | "paragraph-rsid"))
                .cloned()
                .collect();
            if !ids.is_empty() {
                notes.push((
                    "scrub.session_ids",
                    Action::Removed,
                    "rsid identifiers removed",
                ));
                return Edit::RemoveAttrs(ids);
            }
            Edit::Keep
        })?;
        for (code, act, d) in notes {
            self.col.add(note(code, Severity::Info, name, act, d));
        }
        self.redact_text(name, out, Flavor::Odf, ctx)
    }

    fn redact_text(
        &mut self,
        name: &str,
        data: Vec<u8>,
        flavor: Flavor,
        ctx: &Ctx<'_>,
    ) -> Result<Vec<u8>, Error> {
        if !self.plan.has_text_rules() {
            return Ok(data);
        }
        let (out, hits, notes) = redact::redact_xml(&data, name, flavor, self.plan, ctx)?;
        for m in hits {
            self.hits.push((name.to_string(), m.category, m.rule));
        }
        for f in notes {
            self.col.add(f);
        }
        Ok(out)
    }
}

impl PartHook for Hook<'_> {
    fn drop_part(&mut self, name: &str) -> Option<Finding> {
        if self.odf {
            self.odf_drop(name)
        } else {
            self.ooxml_drop(name)
        }
    }

    fn rewrite_external_target(&mut self, rels_part: &str, target: &str) -> String {
        // A kept web link can name a person (mailto:, a personal page): masked like text.
        let ms = self.plan.find_matches(target);
        if ms.is_empty() {
            return target.to_string();
        }
        let ranges: Vec<(usize, usize, bool)> =
            crate::plan::merge_ranges(ms.iter().map(|m| (m.start, m.end)).collect())
                .into_iter()
                .map(|(s, e)| (s, e, true))
                .collect();
        for m in ms {
            self.hits.push((rels_part.to_string(), m.category, m.rule));
        }
        redact::mask_ranges(target, &ranges, self.plan.mask_length)
    }

    fn rewrite_part(&mut self, name: &str, data: Vec<u8>, ctx: &Ctx<'_>) -> Result<Vec<u8>, Error> {
        let l = name.to_ascii_lowercase();
        if is_image_bytes(&data) {
            return self.image(name, data, ctx);
        }
        if l.ends_with(".xml") {
            return self.rewrite_xml(name, &data, ctx);
        }
        Ok(data)
    }
}

/// Whether a member name looks like a picture of the document (media folders).
fn is_media_name(l: &str) -> bool {
    (l.contains("/media/") || l.starts_with("pictures/") || l.contains("/pictures/"))
        && [
            ".jpg", ".jpeg", ".png", ".gif", ".tif", ".tiff", ".bmp", ".webp",
        ]
        .iter()
        .any(|e| l.ends_with(e))
}

/// Session-identifier attributes: Word rsids (`w:rsidR`, `w:rsidRPr`, …) and paragraph and
/// text ids (`w14:paraId`, `w14:textId`), which link a document to other documents edited in
/// the same session.
pub(crate) fn is_session_attr(k: &str) -> bool {
    let l = xml::local(k);
    (l.starts_with("rsid") && k.contains(':')) || l == "paraId" || l == "textId"
}

fn has_children(data: &[u8], part: &str, ctx: &Ctx<'_>) -> Result<bool, Error> {
    let mut n = 0u32;
    xml::scan(data, part, ctx, |ev| {
        if let Ev::Start(..) = ev {
            n += 1;
        }
        Ok(())
    })?;
    Ok(n > 1)
}

/// Whether the Word rewrite drops this element with its content.
pub(crate) fn is_dropped_word_element(local: &str) -> bool {
    WORD_REVISION_DROP.contains(&local)
        || WORD_COMMENT_ANCHORS.contains(&local)
        || WORD_SETTINGS_DROP.contains(&local)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiyome_core::{Budget, Limits, NoNesting};

    fn ctx_run<T>(f: impl FnOnce(&Ctx<'_>) -> T) -> T {
        let b = Budget::new(&Limits::default());
        f(&Ctx::new(&b, &NoNesting))
    }

    #[test]
    fn hidden_run_after_a_deletion_and_inside_a_hidden_textbox_keeps_run_indices_aligned() {
        // The rewrite never visits runs inside w:del or inside a hidden run, so the prescan
        // must not count them either; otherwise the wrong run is removed.
        let xml = br#"<w:document xmlns:w="w"><w:body><w:p><w:del><w:r><w:delText>gone</w:delText></w:r></w:del><w:r><w:rPr><w:vanish/></w:rPr><w:pict><w:p><w:r><w:t>inner</w:t></w:r></w:p></w:pict><w:t>hidden</w:t></w:r><w:r><w:t>visible</w:t></w:r><w:r><w:rPr><w:vanish w:val="0"/></w:rPr><w:t>shown</w:t></w:r></w:p></w:body></w:document>"#;
        let plan = Plan::default();
        let out = ctx_run(|ctx| {
            let mut hook = Hook {
                odf: false,
                plan: &plan,
                opts: ScrubOptions::default(),
                styles: WordStyles::default(),
                sheets: HashMap::new(),
                hidden_sheets: HashSet::new(),
                hidden_sheet_parts: HashSet::new(),
                dead_strings: HashSet::new(),
                comment_vml: HashSet::new(),
                images: Vec::new(),
                col: Collector::default(),
                hits: Vec::new(),
                areas: Vec::new(),
            };
            hook.word("word/document.xml", xml, ctx).unwrap()
        });
        let s = String::from_utf8(out).unwrap();
        assert!(s.contains("visible") && s.contains("shown"), "{s}");
        assert!(
            !s.contains("hidden") && !s.contains("inner") && !s.contains("gone"),
            "{s}"
        );
    }

    #[test]
    fn property_parts_are_recognised_by_their_root_not_their_name() {
        // poi MultipleCoreProperties.docx carries a second core part, docProps/core1.xml.
        let core = br#"<?xml version="1.0"?><cp:coreProperties xmlns:cp="x"><dc:creator>A</dc:creator></cp:coreProperties>"#;
        assert_eq!(props_part(core), Some(Props::Core));
        let app = br#"<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"/>"#;
        assert_eq!(props_part(app), Some(Props::App));
        assert_eq!(props_part(b"<w:document/>"), None);
    }

    #[test]
    fn session_attributes_are_rsids_and_paragraph_ids_only() {
        assert!(is_session_attr("w:rsidR"));
        assert!(is_session_attr("w14:paraId"));
        assert!(!is_session_attr("w:val"));
        assert!(!is_session_attr("rsid"));
    }
}
