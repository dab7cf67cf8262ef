//! What is hidden in a package, found before the rewrite decides element by element:
//! Word runs hidden by `w:vanish` or coloured white where nothing behind them is coloured
//! (invisible), and Excel's hidden sheets, rows and columns.
//!
//! The rewrite ([`kiyome_office::xml::rewrite`]) decides at each start tag, before it has
//! seen the run's properties or the cells of a row; these pre-scans give it the answers.

use kiyome_core::{Ctx, Error};
use kiyome_office::ooxml::Rel;
use kiyome_office::opc::Package;
use kiyome_office::xml::{self, El, Ev};
use std::collections::{HashMap, HashSet};

/// Character and paragraph styles that matter for hidden text.
#[derive(Debug, Default, Clone)]
pub(crate) struct WordStyles {
    /// Styles whose run properties hide the text (`w:vanish`).
    pub hidden: HashSet<String>,
    /// Styles that colour the text white.
    pub white: HashSet<String>,
    /// Styles that put a fill or highlight behind the text (white text may be visible).
    pub shaded: HashSet<String>,
}

/// A Word on/off property is on unless its `val` says otherwise (ECMA-376 Part 1 §17.17.4).
pub(crate) fn is_on(el: &El) -> bool {
    !matches!(el.attr("val"), Some("0") | Some("false") | Some("off"))
}

/// `FFFFFF` (any case).
fn is_white(v: &str) -> bool {
    v.eq_ignore_ascii_case("FFFFFF")
}

/// A shading or highlight that puts colour behind the text: `w:shd` with a fill other than
/// white/auto (or a pattern), `w:highlight` other than none/white.
fn is_fill(el: &El) -> bool {
    match el.local() {
        "shd" => {
            let fill = el.attr("fill").unwrap_or("auto");
            let pattern = el.attr("val").unwrap_or("clear");
            let colourless = fill.eq_ignore_ascii_case("auto") || is_white(fill);
            !(colourless && matches!(pattern, "clear" | "nil"))
        }
        "highlight" => !matches!(el.attr("val"), Some("none") | Some("white") | None),
        _ => false,
    }
}

/// Reads `word/styles.xml`.
pub(crate) fn word_styles(data: &[u8], part: &str, ctx: &Ctx<'_>) -> Result<WordStyles, Error> {
    let mut out = WordStyles::default();
    let mut style: Option<String> = None;
    let mut in_props = 0u32;
    xml::scan(data, part, ctx, |ev| {
        match ev {
            Ev::Start(el, empty) => match el.local() {
                "style" if !empty => style = el.attr("styleId").map(str::to_string),
                "rPr" | "pPr" if !empty => in_props += 1,
                "vanish" if in_props > 0 && is_on(el) => {
                    out.hidden.extend(style.clone());
                }
                "color" if in_props > 0 && el.attr("val").is_some_and(is_white) => {
                    out.white.extend(style.clone());
                }
                "shd" | "highlight" if in_props > 0 && is_fill(el) => {
                    out.shaded.extend(style.clone());
                }
                _ => {}
            },
            Ev::End(n) => match xml::local(n) {
                "style" => style = None,
                "rPr" | "pPr" => in_props = in_props.saturating_sub(1),
                _ => {}
            },
            Ev::Text(_) => {}
        }
        Ok(())
    })?;
    Ok(out)
}

/// Whether a Word part can have hidden or white runs at all: it names `vanish`/`specVanish`,
/// the colour `FFFFFF`, or (when styles hide or whiten text) a character style. A fast byte
/// search that lets the rewrite skip the pre-scan of most parts; [`word_runs`] decides.
pub(crate) fn may_hide_runs(data: &[u8], styles: &WordStyles) -> bool {
    let find = |n: &[u8]| data.windows(n.len()).any(|w| w == n);
    let white = || data.windows(6).any(|w| w.eq_ignore_ascii_case(b"FFFFFF"));
    find(b"anish")
        || white()
        || (!styles.hidden.is_empty() || !styles.white.is_empty()) && find(b"rStyle")
}

/// The Word runs of a part, by index in document order (counting only the runs the rewrite
/// will visit: not those inside a dropped element or a dropped run).
#[derive(Debug, Default)]
pub(crate) struct WordRuns {
    /// Runs hidden by `w:vanish`, `w:specVanish` or a hidden character style.
    pub hidden: HashSet<usize>,
    /// White runs with nothing coloured behind them: invisible on the white page.
    pub invisible: HashSet<usize>,
    /// White runs that may be visible (on a fill, in a styled or shaded table, in a text
    /// box or drawing, on a coloured page): reported, never removed.
    pub white_maybe_visible: usize,
}

#[derive(Default)]
struct Run {
    idx: Option<usize>,
    /// Direct colour: Some(true) white, Some(false) another colour.
    white: Option<bool>,
    style_white: bool,
    shaded: bool,
}

/// Finds the hidden and invisible runs of a Word part. `drop_hidden` / `drop_invisible` say
/// which of them the rewrite will drop (runs inside a dropped run get no index, as the
/// rewrite never visits them). `is_dropped` names the elements the rewrite drops whole.
pub(crate) fn word_runs(
    data: &[u8],
    part: &str,
    styles: &WordStyles,
    drop_hidden: bool,
    drop_invisible: bool,
    is_dropped: impl Fn(&str) -> bool,
    ctx: &Ctx<'_>,
) -> Result<WordRuns, Error> {
    let mut out = WordRuns::default();
    let mut names: Vec<String> = Vec::new();
    let mut runs: Vec<Run> = Vec::new();
    let mut next = 0usize;
    let mut dropped = 0u32;
    // Context that may put colour behind a run.
    let mut background = false;
    let mut boxes = 0u32; // text boxes, drawings, VML, objects
    let mut paras: Vec<bool> = Vec::new(); // shaded paragraph?
    let mut tables: Vec<bool> = Vec::new(); // styled or shaded table?
    let mut cells: Vec<bool> = Vec::new(); // shaded cell?
    xml::scan(data, part, ctx, |ev| {
        match ev {
            Ev::Start(el, empty) => {
                let local = el.local();
                let parent = names.last().map(|s| xml::local(s));
                let grand = names
                    .len()
                    .checked_sub(2)
                    .and_then(|i| names.get(i))
                    .map(|s| xml::local(s));
                if is_dropped(local) && !empty {
                    dropped += 1;
                }
                match local {
                    "background" if parent == Some("document") => {
                        background |= !el.attr("color").is_none_or(is_white)
                    }
                    "txbxContent" | "pict" | "drawing" | "object" | "AlternateContent"
                        if !empty =>
                    {
                        boxes += 1
                    }
                    "p" if !empty => paras.push(false),
                    "tbl" if !empty => tables.push(false),
                    "tc" if !empty => cells.push(false),
                    _ => {}
                }
                if parent == Some("pPr") && grand == Some("p") {
                    let shades = is_fill(el)
                        || local == "pStyle"
                            && el.attr("val").is_some_and(|v| styles.shaded.contains(v));
                    if shades && let Some(p) = paras.last_mut() {
                        *p = true;
                    }
                }
                if parent == Some("tblPr")
                    && grand == Some("tbl")
                    && (local == "tblStyle" || is_fill(el))
                    && let Some(t) = tables.last_mut()
                {
                    *t = true;
                }
                if parent == Some("tcPr")
                    && grand == Some("tc")
                    && is_fill(el)
                    && let Some(c) = cells.last_mut()
                {
                    *c = true;
                }
                if local == "r" {
                    let skipped = dropped > 0
                        || runs.iter().any(|r| {
                            r.idx.is_none() || dropping(&out, r, drop_hidden, drop_invisible)
                        });
                    let idx = if skipped {
                        None
                    } else {
                        next += 1;
                        Some(next - 1)
                    };
                    if !empty {
                        runs.push(Run {
                            idx,
                            ..Run::default()
                        });
                    }
                } else if parent == Some("rPr")
                    && grand == Some("r")
                    && let Some(run) = runs.last_mut()
                {
                    match local {
                        "vanish" | "specVanish" if is_on(el) => out.hidden.extend(run.idx),
                        "rStyle" => {
                            let v = el.attr("val").unwrap_or_default();
                            if styles.hidden.contains(v) {
                                out.hidden.extend(run.idx);
                            }
                            run.style_white |= styles.white.contains(v);
                            run.shaded |= styles.shaded.contains(v);
                        }
                        "color" => run.white = Some(el.attr("val").is_some_and(is_white)),
                        "shd" | "highlight" => run.shaded |= is_fill(el),
                        _ => {}
                    }
                }
                if !empty {
                    names.push(el.name.clone());
                }
            }
            Ev::End(n) => {
                let local = xml::local(n);
                let parent = names
                    .len()
                    .checked_sub(2)
                    .and_then(|i| names.get(i))
                    .map(|s| xml::local(s));
                if local == "rPr"
                    && parent == Some("r")
                    && let Some(run) = runs.last()
                    && run.white.unwrap_or(run.style_white)
                {
                    // Decided at the end of the run's properties, before its content: runs
                    // nested in it (a drawing's text box) must know whether it is dropped.
                    let behind = run.shaded
                        || background
                        || boxes > 0
                        || paras.iter().any(|p| *p)
                        || tables.iter().any(|t| *t)
                        || cells.iter().any(|c| *c);
                    match run.idx {
                        Some(i) if !behind => {
                            out.invisible.insert(i);
                        }
                        Some(_) => out.white_maybe_visible += 1,
                        None => {}
                    }
                }
                match local {
                    "r" => {
                        runs.pop();
                    }
                    "txbxContent" | "pict" | "drawing" | "object" | "AlternateContent" => {
                        boxes = boxes.saturating_sub(1)
                    }
                    "p" => {
                        paras.pop();
                    }
                    "tbl" => {
                        tables.pop();
                    }
                    "tc" => {
                        cells.pop();
                    }
                    _ => {}
                }
                if is_dropped(local) {
                    dropped = dropped.saturating_sub(1);
                }
                names.pop();
            }
            Ev::Text(_) => {}
        }
        Ok(())
    })?;
    Ok(out)
}

fn dropping(out: &WordRuns, r: &Run, drop_hidden: bool, drop_invisible: bool) -> bool {
    r.idx.is_some_and(|i| {
        drop_hidden && out.hidden.contains(&i) || drop_invisible && out.invisible.contains(&i)
    })
}

/// `B12` → (column 2, row 12); `$B$12` too. Columns are 1-based.
pub(crate) fn cell_ref(r: &str) -> Option<(u32, u32)> {
    let r = r.trim().replace('$', "");
    let split = r.find(|c: char| c.is_ascii_digit())?;
    let (letters, digits) = r.split_at(split);
    if letters.is_empty() || letters.len() > 3 || !letters.chars().all(|c| c.is_ascii_alphabetic())
    {
        return None;
    }
    let col = letters.chars().fold(0u32, |a, c| {
        a * 26 + (c.to_ascii_uppercase() as u32 - 'A' as u32 + 1)
    });
    Some((col, digits.parse().ok()?))
}

/// The hidden rows and columns of one worksheet.
#[derive(Debug, Default, Clone)]
pub(crate) struct SheetHidden {
    /// Hidden column ranges (`<col min max hidden="1">`), 1-based, inclusive.
    pub cols: Vec<(u32, u32)>,
    /// Hidden rows (`<row hidden="1">`), 1-based.
    pub rows: HashSet<u32>,
    /// Shared-formula groups whose master cell is hidden (its dependents lose the formula
    /// when the master goes).
    pub dead_shared: HashSet<String>,
    /// Cells in hidden rows or columns.
    pub cells: usize,
}

impl SheetHidden {
    /// Whether the cell at (col, row) is hidden.
    pub fn hides(&self, col: u32, row: u32) -> bool {
        self.rows.contains(&row) || self.cols.iter().any(|(a, b)| (*a..=*b).contains(&col))
    }
}

fn is_true(v: Option<&str>) -> bool {
    matches!(v, Some("1") | Some("true"))
}

/// Cell positions as a worksheet walk meets them (`r` may be left out: then the next row or
/// column, ECMA-376 Part 1 §18.3.1.4 and §18.3.1.73).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct CellCursor {
    /// Current row (1-based; 0 before the first).
    pub row: u32,
    /// Current column of the current row (0 before its first cell).
    pub col: u32,
}

impl CellCursor {
    /// A `<row>` start.
    pub fn row(&mut self, el: &El) {
        self.row = el
            .attr("r")
            .and_then(|v| v.parse().ok())
            .unwrap_or(self.row + 1);
        self.col = 0;
    }

    /// A `<c>` start; returns its (col, row).
    pub fn cell(&mut self, el: &El) -> (u32, u32) {
        match el.attr("r").and_then(cell_ref) {
            Some((c, r)) => {
                self.col = c;
                self.row = r.max(self.row);
            }
            None => self.col += 1,
        }
        (self.col, self.row)
    }
}

/// What a worksheet pre-scan found.
#[derive(Debug, Default, Clone)]
pub(crate) struct SheetScan {
    /// Its hidden rows and columns.
    pub hidden: SheetHidden,
    /// Shared strings (`t="s"` cells) of cells that stay.
    pub kept_strings: HashSet<u32>,
    /// Shared strings of cells that go (hidden rows/columns, or every cell of an emptied
    /// hidden sheet).
    pub removed_strings: HashSet<u32>,
}

/// Pre-scans a worksheet: its hidden rows and columns, and which shared strings its kept and
/// removed cells use. `remove_all`: the sheet is emptied (a hidden sheet); `remove_hidden`:
/// the cells of hidden rows and columns go.
pub(crate) fn sheet_scan(
    data: &[u8],
    part: &str,
    remove_all: bool,
    remove_hidden: bool,
    ctx: &Ctx<'_>,
) -> Result<SheetScan, Error> {
    let mut out = SheetScan::default();
    let h = &mut out.hidden;
    let mut cur = CellCursor::default();
    let mut in_hidden_cell = false;
    // The open cell: (shared-string cell, removed); and whether we are in its <v>.
    let mut cell: Option<(bool, bool)> = None;
    let mut in_v = false;
    xml::scan(data, part, ctx, |ev| {
        match ev {
            Ev::Start(el, empty) => match el.local() {
                "col" if is_true(el.attr("hidden")) => {
                    let min = el.attr("min").and_then(|v| v.parse().ok()).unwrap_or(1);
                    let max = el.attr("max").and_then(|v| v.parse().ok()).unwrap_or(min);
                    h.cols.push((min, max.max(min)));
                }
                "row" => {
                    cur.row(el);
                    if is_true(el.attr("hidden")) {
                        h.rows.insert(cur.row);
                    }
                }
                "c" => {
                    let (c, r) = cur.cell(el);
                    in_hidden_cell = h.hides(c, r);
                    h.cells += usize::from(in_hidden_cell);
                    let removed = remove_all || remove_hidden && in_hidden_cell;
                    cell = (!empty).then_some((el.attr("t") == Some("s"), removed));
                }
                "v" if !empty => in_v = true,
                "f" if in_hidden_cell
                    && el.attr("t") == Some("shared")
                    && el.attr("ref").is_some() =>
                {
                    h.dead_shared.extend(el.attr("si").map(str::to_string));
                }
                _ => {}
            },
            Ev::End(n) => match xml::local(n) {
                "v" => in_v = false,
                "c" => cell = None,
                _ => {}
            },
            Ev::Text(t) => {
                if in_v
                    && let Some((true, removed)) = cell
                    && let Ok(i) = t.trim().parse::<u32>()
                {
                    if removed {
                        out.removed_strings.insert(i);
                    } else {
                        out.kept_strings.insert(i);
                    }
                }
            }
        }
        Ok(())
    })?;
    Ok(out)
}

/// The workbook's sheets in order: (name, hidden, part) with the part resolved through the
/// workbook's relationships (lower case).
pub(crate) fn workbook_sheets(
    workbook: &[u8],
    part: &str,
    rels: &[Rel],
    ctx: &Ctx<'_>,
) -> Result<Vec<(String, bool, Option<String>)>, Error> {
    let by_id: HashMap<&str, &Rel> = rels
        .iter()
        .filter(|r| {
            kiyome_office::ooxml::rels_source(&r.rels_part)
                .is_some_and(|s| s.eq_ignore_ascii_case(part))
        })
        .map(|r| (r.id.as_str(), r))
        .collect();
    let mut out = Vec::new();
    xml::scan(workbook, part, ctx, |ev| {
        if let Ev::Start(el, _) = ev
            && el.local() == "sheet"
        {
            let hidden = matches!(el.attr("state"), Some("hidden") | Some("veryHidden"));
            let target = el
                .attrs
                .iter()
                .find(|(k, _)| k.ends_with(":id"))
                .and_then(|(_, id)| by_id.get(id.as_str()))
                .and_then(|r| r.part.as_ref())
                .map(|p| p.to_ascii_lowercase());
            out.push((
                el.attr("name").unwrap_or_default().to_string(),
                hidden,
                target,
            ));
        }
        Ok(())
    })?;
    Ok(out)
}

/// The worksheets of hidden sheets, and the parts only they use (their drawings, tables,
/// comments, pivot tables…, reached through their relationships and used by no other part),
/// all lower case. Nothing when the workbook would be left without a visible sheet.
pub(crate) fn hidden_sheet_parts(
    pkg: &mut Package<'_>,
    ctx: &Ctx<'_>,
) -> Result<(HashSet<String>, HashSet<String>), Error> {
    let mut col = kiyome_office::Collector::default();
    let rels = kiyome_office::ooxml::read_rels(pkg, ctx, &mut col)?;
    let Some(main) = kiyome_office::ooxml::main_part(&rels).map(str::to_string) else {
        return Ok(Default::default());
    };
    let Some(name) = pkg.entry(&main).map(|e| e.name.clone()) else {
        return Ok(Default::default());
    };
    if !name.to_ascii_lowercase().ends_with("workbook.xml") {
        return Ok(Default::default());
    }
    let wb = pkg.read(&name, ctx)?;
    let sheets = workbook_sheets(&wb, &name, &rels, ctx)?;
    if !sheets.iter().any(|(_, hidden, _)| !hidden) {
        return Ok(Default::default());
    }
    let hidden: HashSet<String> = sheets
        .into_iter()
        .filter(|(_, h, _)| *h)
        .filter_map(|(_, _, p)| p)
        .collect();
    // Targets of the hidden sheets' own relationships, minus those another part also uses.
    let source_of = |r: &Rel| {
        kiyome_office::ooxml::rels_source(&r.rels_part)
            .unwrap_or_default()
            .to_ascii_lowercase()
    };
    let mut used_elsewhere: HashSet<String> = HashSet::new();
    let mut theirs: HashSet<String> = HashSet::new();
    for r in rels.iter().filter(|r| !r.external) {
        let Some(t) = r.part.as_ref().map(|p| p.to_ascii_lowercase()) else {
            continue;
        };
        if hidden.contains(&source_of(r)) {
            theirs.insert(t);
        } else {
            used_elsewhere.insert(t);
        }
    }
    let parts = theirs
        .into_iter()
        .filter(|t| !used_elsewhere.contains(t) && !hidden.contains(t))
        .collect();
    Ok((hidden, parts))
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
    fn white_runs_are_invisible_only_with_nothing_coloured_behind_them() {
        let xml = br#"<w:document xmlns:w="w"><w:body>
<w:p><w:r><w:rPr><w:color w:val="ffffff"/></w:rPr><w:t>plain white</w:t></w:r></w:p>
<w:p><w:r><w:rPr><w:color w:val="FFFFFF"/><w:shd w:val="clear" w:fill="1F3864"/></w:rPr><w:t>on a fill</w:t></w:r></w:p>
<w:p><w:pPr><w:shd w:val="clear" w:fill="000000"/></w:pPr><w:r><w:rPr><w:color w:val="FFFFFF"/></w:rPr><w:t>on a dark paragraph</w:t></w:r></w:p>
<w:tbl><w:tblPr><w:tblStyle w:val="GridTable4"/></w:tblPr><w:tr><w:tc><w:p><w:r><w:rPr><w:color w:val="FFFFFF"/></w:rPr><w:t>header</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
<w:p><w:r><w:rPr><w:rStyle w:val="Ghost"/></w:rPr><w:t>white by style</w:t></w:r><w:r><w:rPr><w:rStyle w:val="Ghost"/><w:color w:val="000000"/></w:rPr><w:t>black over style</w:t></w:r></w:p>
</w:body></w:document>"#;
        let styles = WordStyles {
            white: ["Ghost".to_string()].into(),
            ..WordStyles::default()
        };
        let runs = ctx_run(|ctx| {
            word_runs(
                xml,
                "word/document.xml",
                &styles,
                true,
                true,
                |_| false,
                ctx,
            )
            .unwrap()
        });
        let mut inv: Vec<usize> = runs.invisible.into_iter().collect();
        inv.sort();
        assert_eq!(inv, [0, 4]);
        assert_eq!(runs.white_maybe_visible, 3);
    }

    #[test]
    fn cell_references_and_cursor_without_r() {
        assert_eq!(cell_ref("B12"), Some((2, 12)));
        assert_eq!(cell_ref("$AA$3"), Some((27, 3)));
        assert_eq!(cell_ref("12"), None);
        let xml = br#"<worksheet><cols><col min="2" max="3" hidden="1"/></cols><sheetData>
<row r="1"><c r="A1"/><c/><c r="D1"><f t="shared" ref="D1:D4" si="0">A1</f></c></row>
<row hidden="1"><c><f t="shared" ref="A2:A9" si="7">1</f></c></row></sheetData></worksheet>"#;
        let scan = ctx_run(|ctx| sheet_scan(xml, "s", false, true, ctx).unwrap());
        let h = scan.hidden;
        assert!(h.hides(2, 1) && h.hides(3, 9) && h.hides(1, 2) && !h.hides(4, 1));
        // B1 (implied), A2 (hidden row); the master in A2 is dead, the one in D1 is not.
        assert_eq!(h.cells, 2);
        assert_eq!(h.dead_shared, ["7".to_string()].into());
    }

    #[test]
    fn shared_strings_of_removed_and_kept_cells() {
        let xml = br#"<worksheet><cols><col min="2" max="2" hidden="1"/></cols><sheetData>
<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1"><v>2</v></c></row>
<row r="2" hidden="1"><c r="A2" t="s"><v> 3 </v></c></row></sheetData></worksheet>"#;
        let scan = ctx_run(|ctx| sheet_scan(xml, "s", false, true, ctx).unwrap());
        assert_eq!(scan.kept_strings, [0].into());
        assert_eq!(scan.removed_strings, [1, 3].into());
        let all = ctx_run(|ctx| sheet_scan(xml, "s", true, false, ctx).unwrap());
        assert!(all.kept_strings.is_empty());
        assert_eq!(all.removed_strings, [0, 1, 3].into());
    }
}
