//! Text of an OpenDocument package (odt, ods, odp, odg) from `content.xml`.
//!
//! Paragraphs and headings are lines; `text:s` (with its count), `text:tab` and
//! `text:line-break` are spaces, tabs and line ends. Table cells are separated by tabs and rows
//! by newlines; in spreadsheets every sheet gets a heading `# name`, and the repeated empty
//! cells and rows that fill a sheet to its last column collapse. Deleted text kept for
//! tracked changes (`text:tracked-changes`) is left out, as in the document's final view.

use crate::ooxml_text::{Ev, Package, attr, walk};
use kiyome_core::{Budget, Error};

#[derive(Default)]
struct Odf {
    out: String,
    /// Depth inside `text:p`/`text:h`.
    para: usize,
    /// Depth inside table cells.
    cell: usize,
    /// Depth inside `text:tracked-changes` (skipped).
    skip: usize,
    spreadsheet: bool,
    /// Tabs owed for cells passed so far in the current row (written only before content).
    pending_tabs: usize,
    /// Whether the current row had content.
    row_has_text: bool,
}

impl Odf {
    fn text(&mut self, t: &str) {
        if self.cell > 0 && !t.is_empty() {
            self.flush_tabs();
            self.row_has_text = true;
        }
        self.out.push_str(t);
    }

    fn flush_tabs(&mut self) {
        self.out
            .extend(std::iter::repeat_n('\t', self.pending_tabs));
        self.pending_tabs = 0;
    }

    fn line_end(&mut self) {
        if self.cell > 0 {
            if !self.out.ends_with(['\t', ' ', '\n']) && self.row_has_text {
                self.out.push(' ');
            }
        } else {
            self.out.push('\n');
        }
    }

    fn event(&mut self, ev: Ev<'_>) {
        match ev {
            Ev::Start("tracked-changes", _) => self.skip += 1,
            Ev::End("tracked-changes") => self.skip = self.skip.saturating_sub(1),
            _ if self.skip > 0 => {}
            Ev::Start("spreadsheet", _) => self.spreadsheet = true,
            Ev::Start("table", e) | Ev::Empty("table", e) if self.spreadsheet && self.cell == 0 => {
                if !self.out.is_empty() {
                    self.out.push('\n');
                }
                let name = attr(e, "name").unwrap_or_default();
                self.out
                    .push_str(&format!("# {}\n", name.replace(['\n', '\r'], " ")));
            }
            Ev::Start("table-row", _) => {
                self.pending_tabs = 0;
                self.row_has_text = false;
            }
            Ev::End("table-row") => {
                if self.row_has_text {
                    self.out.push('\n');
                }
                self.pending_tabs = 0;
            }
            Ev::Start("table-cell" | "covered-table-cell", _) => self.cell += 1,
            Ev::End("table-cell" | "covered-table-cell") => {
                self.cell = self.cell.saturating_sub(1);
                while self.out.ends_with(' ') && self.row_has_text {
                    self.out.pop();
                }
                self.pending_tabs += 1;
            }
            Ev::Empty("table-cell" | "covered-table-cell", e) => {
                let n: usize = attr(e, "number-columns-repeated")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(1);
                self.pending_tabs = self.pending_tabs.saturating_add(n.min(16_384));
            }
            Ev::Start("p" | "h", _) => self.para += 1,
            Ev::End("p" | "h") => {
                self.para = self.para.saturating_sub(1);
                self.line_end();
            }
            Ev::Empty("p" | "h", _) => self.line_end(),
            Ev::Empty("s", e) if self.para > 0 => {
                let n: usize = attr(e, "c").and_then(|v| v.parse().ok()).unwrap_or(1);
                self.text(&" ".repeat(n.clamp(1, 1000)));
            }
            Ev::Empty("tab", _) if self.para > 0 => self.text("\t"),
            Ev::Empty("line-break", _) if self.para > 0 => self.line_end(),
            Ev::Text(t) if self.para > 0 => self.text(t),
            _ => {}
        }
    }
}

/// Text of an OpenDocument package.
pub(crate) fn odf_text(data: &[u8], budget: &Budget) -> Result<String, Error> {
    let mut pkg = Package::open(data, budget)?;
    let Some(x) = pkg.read("content.xml", budget)? else {
        return Err(Error::parse("odf", "no content.xml"));
    };
    let mut o = Odf::default();
    walk(&x, budget, |ev| o.event(ev))?;
    Ok(o.out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiyome_core::Limits;

    fn text(xml: &str) -> String {
        let budget = Budget::new(&Limits::default());
        let mut o = Odf::default();
        walk(xml.as_bytes(), &budget, |ev| o.event(ev)).unwrap();
        o.out
    }

    #[test]
    fn sheets_get_headings_and_repeated_empty_cells_collapse() {
        let t = text(
            "<office:document-content><office:body><office:spreadsheet>\
<table:table table:name=\"名簿\"><table:table-row>\
<table:table-cell><text:p>氏名</text:p></table:table-cell><table:table-cell/>\
<table:table-cell><text:p>住所</text:p></table:table-cell>\
<table:table-cell table:number-columns-repeated=\"16381\"/></table:table-row>\
<table:table-row table:number-rows-repeated=\"1048575\"><table:table-cell table:number-columns-repeated=\"16384\"/></table:table-row>\
</table:table></office:spreadsheet></office:body></office:document-content>",
        );
        assert_eq!(t, "# 名簿\n氏名\t\t住所\n");
    }

    #[test]
    fn paragraphs_spaces_and_tracked_deletions() {
        let t = text(
            "<office:text><text:tracked-changes><text:changed-region><text:deletion><text:p>削除済み</text:p></text:deletion></text:changed-region></text:tracked-changes>\
<text:h>見出し</text:h><text:p>a<text:s text:c=\"3\"/>b<text:tab/>c<text:line-break/>d</text:p></office:text>",
        );
        assert_eq!(t, "見出し\na   b\tc\nd\n");
    }
}
