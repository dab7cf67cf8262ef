//! Text of a SpreadsheetML workbook: every sheet in workbook order under a heading `# name`,
//! each row a line of tab-separated cells in column order.
//!
//! Cell values (ECMA-376 Part 1 §18.3.1.4, the `t` attribute): `s` an index into the shared
//! string table (§18.4), `inlineStr` the cell's own `is` rich text, `str` a formula's string
//! result, `b` a boolean, `e` an error, otherwise the number as stored. Rich text runs are
//! joined; phonetic runs (`rPh`, the ルビ of Japanese names) are left out, as Excel shows them
//! only on request. Empty cells keep their column by tabs; a row's trailing empties are cut.

use crate::ooxml_text::{Ev, Package, attr, rel_id, rels, walk};
use kiyome_core::{Budget, Error, LimitKind};

/// Shared strings, in order.
fn shared_strings(xml: &[u8], budget: &Budget) -> Result<Vec<String>, Error> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let (mut in_si, mut in_t, mut in_rph) = (false, false, 0usize);
    walk(xml, budget, |ev| match ev {
        Ev::Start("si", _) => {
            in_si = true;
            cur.clear();
        }
        Ev::Empty("si", _) => out.push(String::new()),
        Ev::End("si") => {
            in_si = false;
            out.push(std::mem::take(&mut cur));
        }
        Ev::Start("rPh", _) => in_rph += 1,
        Ev::End("rPh") => in_rph = in_rph.saturating_sub(1),
        Ev::Start("t", _) => in_t = true,
        Ev::End("t") => in_t = false,
        Ev::Text(t) if in_si && in_t && in_rph == 0 => cur.push_str(t),
        _ => {}
    })?;
    Ok(out)
}

/// Column number (0-based) of a cell reference such as `AB12`.
fn column(r: &str) -> Option<usize> {
    let letters: String = r.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
    if letters.is_empty() || letters.len() > 3 {
        return None;
    }
    Some(
        letters.bytes().fold(0usize, |n, b| {
            n * 26 + (b.to_ascii_uppercase() - b'A' + 1) as usize
        }) - 1,
    )
}

/// Largest column index honoured (XFD, Excel's last column).
const MAX_COLUMN: usize = 16_383;

/// Rows of one worksheet: `(cells by column)`, strings resolved.
fn sheet_rows(xml: &[u8], shared: &[String], budget: &Budget) -> Result<String, Error> {
    let mut out = String::new();
    let mut row: Vec<(usize, String)> = Vec::new();
    let mut next_col = 0usize;
    let (mut col, mut ty) = (0usize, String::new());
    let (mut in_v, mut in_is_t, mut in_rph) = (false, false, 0usize);
    let mut value = String::new();
    let mut cells = 0u64;
    let max = budget.limits().max_xml_events;
    let mut too_many = false;
    walk(xml, budget, |ev| match ev {
        Ev::Start("row", _) => {
            row.clear();
            next_col = 0;
        }
        Ev::End("row") | Ev::Empty("row", _) => {
            if !row.is_empty() {
                let mut line = String::new();
                let mut at = 0usize;
                for (c, v) in &row {
                    // Columns out of order are written in the order they came.
                    let gap = c.saturating_sub(at).min(MAX_COLUMN);
                    line.extend(std::iter::repeat_n('\t', gap));
                    line.push_str(&v.replace(['\t', '\n', '\r'], " "));
                    at = (*c).max(at) + 1;
                    line.push('\t');
                }
                out.push_str(line.trim_end_matches('\t'));
                out.push('\n');
            }
            row.clear();
        }
        Ev::Start("c", e) | Ev::Empty("c", e) => {
            cells += 1;
            too_many |= cells > max;
            col = attr(e, "r")
                .and_then(|r| column(&r))
                .unwrap_or(next_col)
                .min(MAX_COLUMN);
            next_col = col + 1;
            ty = attr(e, "t").unwrap_or_default();
            value.clear();
        }
        Ev::End("c") => {
            let v = match ty.as_str() {
                "s" => value
                    .trim()
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| shared.get(i).cloned())
                    .unwrap_or_default(),
                "b" => match value.trim() {
                    "1" => "TRUE".into(),
                    "0" => "FALSE".into(),
                    other => other.to_string(),
                },
                _ => value.clone(),
            };
            if !v.is_empty() {
                row.push((col, v));
            }
        }
        Ev::Start("v", _) => in_v = true,
        Ev::End("v") => in_v = false,
        Ev::Start("rPh", _) => in_rph += 1,
        Ev::End("rPh") => in_rph = in_rph.saturating_sub(1),
        Ev::Start("t", _) => in_is_t = true,
        Ev::End("t") => in_is_t = false,
        Ev::Text(t) if in_v || (in_is_t && in_rph == 0 && ty == "inlineStr") => value.push_str(t),
        _ => {}
    })?;
    if too_many {
        return Err(Error::limit(LimitKind::Xml, cells, max));
    }
    Ok(out)
}

/// Text of the workbook.
pub(crate) fn xlsx(pkg: &mut Package, budget: &Budget) -> Result<String, Error> {
    let book = "xl/workbook.xml";
    let rel = rels(pkg, book, budget)?;
    let mut sheets: Vec<(String, Option<String>)> = Vec::new();
    if let Some(x) = pkg.read(book, budget)? {
        walk(&x, budget, |ev| {
            if let Ev::Empty("sheet", e) | Ev::Start("sheet", e) = ev {
                let name = attr(e, "name").unwrap_or_default();
                let part = rel_id(e).and_then(|id| rel.get(&id).cloned());
                sheets.push((name, part));
            }
        })?;
    }
    let shared_part = rel
        .values()
        .find(|t| t.ends_with("sharedStrings.xml"))
        .cloned()
        .unwrap_or_else(|| "xl/sharedStrings.xml".into());
    let shared = match pkg.read(&shared_part, budget)? {
        Some(x) => shared_strings(&x, budget)?,
        None => Vec::new(),
    };
    let mut out = String::new();
    let mut comment_parts = Vec::new();
    for (name, part) in sheets {
        budget.check_time()?;
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&format!("# {}\n", name.replace(['\n', '\r'], " ")));
        // Chartsheets and dialog sheets have no cells; their name is still listed.
        let Some(part) = part.filter(|p| p.contains("worksheets/")) else {
            continue;
        };
        if let Some(x) = pkg.read(&part, budget)? {
            out.push_str(&sheet_rows(&x, &shared, budget)?);
        }
        comment_parts.extend(
            rels(pkg, &part, budget)?
                .into_values()
                .filter(|t| t.contains("/comments") && t.ends_with(".xml")),
        );
    }
    for part in comment_parts {
        if let Some(x) = pkg.read(&part, budget)? {
            let mut text = String::new();
            let (mut in_t, mut in_rph) = (false, 0usize);
            walk(&x, budget, |ev| match ev {
                Ev::Start("t", _) => in_t = true,
                Ev::End("t") => in_t = false,
                Ev::Start("rPh", _) => in_rph += 1,
                Ev::End("rPh") => in_rph = in_rph.saturating_sub(1),
                Ev::End("comment") => text.push('\n'),
                Ev::Text(t) if in_t && in_rph == 0 => text.push_str(t),
                _ => {}
            })?;
            if !text.trim().is_empty() {
                out.push('\n');
                out.push_str(&text);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiyome_core::Limits;

    #[test]
    fn cell_references_give_columns() {
        assert_eq!(column("A1"), Some(0));
        assert_eq!(column("Z9"), Some(25));
        assert_eq!(column("AB12"), Some(27));
        assert_eq!(column("XFD1"), Some(16_383));
        assert_eq!(column("12"), None);
    }

    #[test]
    fn shared_and_inline_strings_land_in_their_cells() {
        let budget = Budget::new(&Limits::default());
        let sst = "<sst><si><t>氏名</t></si><si><r><t>山田</t></r><r><t>太郎</t></r><rPh sb=\"0\" eb=\"2\"><t>ヤマダタロウ</t></rPh></si></sst>";
        let shared = shared_strings(sst.as_bytes(), &budget).unwrap();
        assert_eq!(shared, ["氏名", "山田太郎"]);
        let sheet = "<worksheet><sheetData>\
<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"C1\" t=\"inlineStr\"><is><t>備考</t></is></c></row>\
<row r=\"2\"><c r=\"A2\" t=\"s\"><v>1</v></c><c r=\"B2\"><v>42</v></c><c r=\"C2\" t=\"b\"><v>1</v></c><c r=\"D2\" t=\"str\"><f>A2</f><v>山田太郎</v></c></row>\
<row r=\"3\"><c r=\"B3\"/></row></sheetData></worksheet>";
        let rows = sheet_rows(sheet.as_bytes(), &shared, &budget).unwrap();
        assert_eq!(rows, "氏名\t\t備考\n山田太郎\t42\tTRUE\t山田太郎\n");
    }
}
