//! CSV/TSV formula injection (DDE) and SYLK macros.

use kiyome_core::{Action, Finding, Inspection, Severity};

/// Functions that make a SYLK (or CSV) formula run code or touch the system (XLM macro
/// functions and DDE).
const MACRO_FUNCTIONS: &[&str] = &[
    "EXEC(",
    "CALL(",
    "REGISTER(",
    "RUN(",
    "FOPEN(",
    "FWRITE(",
    "FWRITELN(",
    "URLDOWNLOADTOFILE",
    "SHELL",
    "HALT(",
    "FORMULA(",
    "SET.NAME(",
    "ALERT(",
    "CHAR(",
];

/// Whether a CSV cell would be evaluated as a formula by a spreadsheet (OWASP CSV injection):
/// `=` always; `+ - @` when followed by a function call, a DDE `cmd|'…'!A0` or a cell
/// reference; leading tab/CR tricks included.
pub fn is_formula(cell: &str) -> bool {
    let t = cell.trim_start_matches([' ', '\t', '\r', '\n']);
    let Some(first) = t.chars().next() else {
        return false;
    };
    if !matches!(first, '=' | '+' | '-' | '@' | '＝' | '＋' | '－' | '＠') {
        return false;
    }
    let rest = t[first.len_utf8()..].trim_start();
    if rest.is_empty() {
        return false;
    }
    if first == '=' || first == '＝' {
        // "=" followed by a plain number or text separator is rare; anything else evaluates.
        return !rest.chars().all(|c| c == '=' || c == '-');
    }
    let dde = rest.contains('|') && rest.contains('!');
    let ident: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
        .collect();
    let call = !ident.is_empty()
        && ident
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
        && rest[ident.len()..].trim_start().starts_with('(');
    dde || call
}

/// Splits CSV text into records of (field, was_quoted). RFC 4180 quoting, `sep` separator.
pub fn parse(text: &str, sep: char) -> Vec<Vec<(String, bool)>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut in_quotes = false;
    let mut chars = text.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        any = true;
        if in_quotes {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    field.push('"');
                    chars.next();
                } else {
                    in_quotes = false;
                }
            } else {
                field.push(c);
            }
        } else if c == '"' && field.is_empty() && !quoted {
            in_quotes = true;
            quoted = true;
        } else if c == sep {
            row.push((std::mem::take(&mut field), quoted));
            quoted = false;
        } else if c == '\n' || c == '\r' {
            if c == '\r' && chars.peek() == Some(&'\n') {
                chars.next();
            }
            row.push((std::mem::take(&mut field), quoted));
            quoted = false;
            rows.push(std::mem::take(&mut row));
            any = false;
        } else {
            field.push(c);
        }
    }
    if any {
        row.push((field, quoted));
        rows.push(row);
    }
    rows
}

/// The separator: tab when the first line has more tabs than commas.
pub fn separator(text: &str) -> char {
    let first = text.lines().next().unwrap_or("");
    if first.matches('\t').count() > first.matches(',').count() {
        '\t'
    } else {
        ','
    }
}

/// Reports formula cells (`text.csv_formula`, High for DDE/command payloads, Medium otherwise);
/// with `neutralize`, prefixes them with `'` and returns the rebuilt CSV.
pub fn check(text: &str, neutralize: bool, out: &mut Inspection) -> Option<String> {
    let sep = separator(text);
    let mut rows = parse(text, sep);
    let mut count = 0usize;
    for (r, row) in rows.iter_mut().enumerate() {
        for (c, (cell, quoted)) in row.iter_mut().enumerate() {
            if !is_formula(cell) {
                continue;
            }
            count += 1;
            let upper = cell.to_ascii_uppercase();
            let dde = (upper.contains('|') && upper.contains('!'))
                || [
                    "CMD",
                    "POWERSHELL",
                    "MSHTA",
                    "RUNDLL",
                    "DDE",
                    "WEBSERVICE",
                    "HYPERLINK",
                ]
                .iter()
                .any(|k| upper.contains(k));
            let sev = if dde {
                Severity::High
            } else {
                Severity::Medium
            };
            if count <= 100 {
                let mut f = Finding::new(
                    "text.csv_formula",
                    sev,
                    format!("row {}, column {}", r + 1, c + 1),
                )
                .detail(if dde {
                    "formula cell with DDE or command payload"
                } else {
                    "formula cell"
                });
                if neutralize {
                    f = f.action(Action::Neutralized);
                }
                out.add(f);
            }
            if neutralize {
                cell.insert(0, '\'');
                *quoted = true;
            }
        }
    }
    if !neutralize {
        return None;
    }
    let mut s = String::with_capacity(text.len() + count);
    for row in rows {
        let cells: Vec<String> = row
            .into_iter()
            .map(|(f, q)| {
                if q || f.contains(sep) || f.contains('"') || f.contains('\n') || f.contains('\r') {
                    format!("\"{}\"", f.replace('"', "\"\""))
                } else {
                    f
                }
            })
            .collect();
        s.push_str(&cells.join(&sep.to_string()));
        s.push_str("\r\n");
    }
    Some(s)
}

/// SYLK: cell (`C`) and format records whose `E` field is an expression; XLM macro functions
/// there are `sylk.macro` (High); `NN` name records such as Auto_Open are reported with them.
pub fn sylk(text: &str, out: &mut Inspection) {
    let mut macros = 0usize;
    let mut auto = false;
    for (i, line) in text.lines().enumerate() {
        let upper = line.to_ascii_uppercase();
        if upper.starts_with("NN;") && upper.contains("AUTO_") {
            auto = true;
        }
        if !(upper.starts_with("C;") || upper.starts_with("F;") || upper.starts_with("NN;")) {
            continue;
        }
        let expr = upper
            .split(';')
            .filter_map(|f| f.strip_prefix('E').or_else(|| f.strip_prefix('G')))
            .collect::<Vec<_>>();
        if let Some(func) = expr
            .iter()
            .find_map(|e| MACRO_FUNCTIONS.iter().find(|m| e.contains(*m)))
        {
            macros += 1;
            if macros <= 50 {
                out.add(
                    Finding::new("sylk.macro", Severity::High, format!("line {}", i + 1))
                        .detail(format!("XLM macro function {}", func.trim_end_matches('('))),
                );
            }
        }
    }
    if auto {
        out.add(
            Finding::new("sylk.macro", Severity::High, "names")
                .detail("Auto_Open-style name: the macro runs when the file opens"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dde_and_function_cells_are_formulas_numbers_are_not() {
        assert!(is_formula("=cmd|' /C calc'!A0"));
        assert!(is_formula("@SUM(1+1)*cmd|' /C calc'!A0"));
        assert!(is_formula("+HYPERLINK(\"http://x\")"));
        assert!(is_formula("\t=1+2"));
        assert!(!is_formula("-5"));
        assert!(!is_formula("+81-3-1234-5678"));
        assert!(!is_formula("hello"));
    }

    #[test]
    fn neutralized_csv_keeps_other_cells() {
        let mut out = Inspection::default();
        let s = check("a,b\n1,=cmd|' /C calc'!A0\n", true, &mut out).unwrap();
        assert_eq!(s, "a,b\r\n1,\"'=cmd|' /C calc'!A0\"\r\n");
        assert_eq!(out.findings[0].severity, Severity::High);
    }

    #[test]
    fn sylk_exec_is_a_macro() {
        let mut out = Inspection::default();
        sylk("ID;P\nC;X1;Y1;K0;EEXEC(\"calc.exe\")\nE\n", &mut out);
        assert!(out.has("sylk.macro"));
    }
}
