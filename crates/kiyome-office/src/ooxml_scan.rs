//! Content checks of OOXML XML parts: Word fields (DDE, INCLUDE*), tracked changes, hidden
//! text, altChunk, comments; Excel sheet states, Auto_Open names, DDE links and formulas;
//! hidden slides; document properties; DTDs in any part.

use crate::Collector;
use crate::ooxml::dtd_finding;
use crate::xml::{self, Ev};
use kiyome_core::{Ctx, Error, Finding, Severity};

/// Names that make Excel run a macro by themselves (`Auto_Open`, `Auto_Close`, …), matched
/// case-insensitively as prefixes after an optional `_xlnm.`; Excel also honours
/// `Auto_Open2`-style suffixes.
pub const AUTO_NAMES: &[&str] = &[
    "auto_open",
    "auto_close",
    "auto_activate",
    "auto_deactivate",
];

/// Whether a defined name runs a macro on open/close/activate.
pub fn is_auto_name(name: &str) -> bool {
    let l = name.trim().to_ascii_lowercase();
    let l = l.strip_prefix("_xlnm.").unwrap_or(&l);
    AUTO_NAMES.iter().any(|a| l.starts_with(a))
}

/// Whether an OOXML on/off attribute (`w:val`) says off.
fn is_off(v: Option<&str>) -> bool {
    matches!(v, Some("0" | "false" | "off"))
}

/// What a Word field instruction is, by its first word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldClass {
    /// `DDE` / `DDEAUTO`: starts a program through dynamic data exchange.
    Dde,
    /// `INCLUDETEXT`, `INCLUDEPICTURE`, `IMPORT`, `LINK`: loads content from outside.
    External,
    /// Anything else.
    Other,
}

/// Classifies a field instruction (`w:instrText` concatenated, or `w:fldSimple/@w:instr`).
pub fn field_class(instr: &str) -> FieldClass {
    let word: String = instr
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_uppercase();
    match word.as_str() {
        "DDE" | "DDEAUTO" => FieldClass::Dde,
        "INCLUDETEXT" | "INCLUDEPICTURE" | "IMPORT" | "LINK" => FieldClass::External,
        _ => FieldClass::Other,
    }
}

/// Whether an Excel formula calls DDE (`=cmd|' /c calc'!A0`): Excel has no `|` operator,
/// so a `|` outside a string literal is the DDE server/topic separator.
pub fn formula_is_dde(f: &str) -> bool {
    let mut in_str = false;
    for c in f.chars() {
        match c {
            '"' => in_str = !in_str,
            '|' if !in_str => return true,
            _ => {}
        }
    }
    false
}

fn report_field(instr: &str, part: &str, col: &mut Collector) {
    match field_class(instr) {
        FieldClass::Dde => col.add(Finding::new("ooxml.dde", Severity::High, part).detail(
            format!(
                "{} field",
                instr
                    .split_whitespace()
                    .next()
                    .unwrap_or("DDE")
                    .to_ascii_uppercase()
            ),
        )),
        FieldClass::External => col.add(
            Finding::new("ooxml.external_relationship", Severity::Medium, part).detail(format!(
                "{} field",
                instr
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .to_ascii_uppercase()
            )),
        ),
        FieldClass::Other => {}
    }
}

/// Open complex field: its instruction so far, and whether `separate` was seen.
struct Field {
    instr: String,
    done: bool,
}

/// Scans parts one by one, keeping per-part state.
#[derive(Default)]
pub struct Scanner {
    props: Vec<String>,
}

const CORE_PROPS: &[&str] = &[
    "creator",
    "lastModifiedBy",
    "title",
    "subject",
    "description",
    "keywords",
    "category",
    "contentStatus",
    "identifier",
    "Company",
    "Manager",
    "HyperlinkBase",
];

impl Scanner {
    /// Scans one XML part.
    pub fn part(
        &mut self,
        name: &str,
        data: &[u8],
        ctx: &Ctx<'_>,
        col: &mut Collector,
    ) -> Result<(), Error> {
        let l = name.to_ascii_lowercase();
        let word = l.starts_with("word/");
        let word_story = word
            && ![
                "styles",
                "numbering",
                "settings",
                "fonttable",
                "websettings",
                "theme",
            ]
            .iter()
            .any(|s| l.contains(s));
        let comments = l.contains("comments") && (l.ends_with(".xml"));
        let props = l.starts_with("docprops/");
        let custom_props = l == "docprops/custom.xml";
        let mut fields: Vec<Field> = Vec::new();
        let mut in_instr = false;
        let mut in_formula: Option<String> = None;
        let mut defined: Option<String> = None;
        let mut prop: Option<(String, bool)> = None;
        let mut depth = 0u32;
        let mut comment_seen = false;
        let info = xml::scan(data, name, ctx, |ev| {
            match ev {
                Ev::Start(el, empty) => {
                    if !empty {
                        depth += 1;
                    }
                    let local = el.local();
                    if comments
                        && !comment_seen
                        && matches!(local, "comment" | "cm" | "threadedComment")
                    {
                        comment_seen = true;
                    }
                    if word_story {
                        match local {
                            "fldChar" => match el.attr("fldCharType").unwrap_or("") {
                                "begin" => fields.push(Field {
                                    instr: String::new(),
                                    done: false,
                                }),
                                "separate" => {
                                    if let Some(f) = fields.last_mut()
                                        && !f.done
                                    {
                                        f.done = true;
                                        report_field(&f.instr, name, col);
                                    }
                                }
                                "end" => {
                                    if let Some(f) = fields.pop()
                                        && !f.done
                                    {
                                        report_field(&f.instr, name, col);
                                    }
                                }
                                _ => {}
                            },
                            "instrText" => in_instr = !empty,
                            "fldSimple" => report_field(el.attr("instr").unwrap_or(""), name, col),
                            "ins" | "del" | "moveFrom" | "moveTo" => {
                                col.add(Finding::new("ooxml.tracked_changes", Severity::Info, name))
                            }
                            "vanish" | "specVanish" if !is_off(el.attr("val")) => {
                                col.add(
                                    Finding::new("ooxml.hidden_text", Severity::Info, name)
                                        .detail("w:vanish"),
                                );
                            }
                            "altChunk" => {
                                col.add(Finding::new("ooxml.alt_chunk", Severity::Medium, name))
                            }
                            _ => {}
                        }
                    }
                    match local {
                        "trackRevisions" if l == "word/settings.xml" && !is_off(el.attr("val")) => {
                            col.add(
                                Finding::new("ooxml.tracked_changes", Severity::Info, name)
                                    .detail("change tracking is on"),
                            );
                        }
                        "sheet" if l.starts_with("xl/workbook") => {
                            if let Some(s @ ("hidden" | "veryHidden")) = el.attr("state") {
                                col.add(
                                    Finding::new("ooxml.hidden_sheet", Severity::Info, name)
                                        .detail(format!("{s} sheet")),
                                );
                            }
                        }
                        "definedName" if l.starts_with("xl/") => {
                            let n = el.attr("name").unwrap_or("");
                            if is_auto_name(n) {
                                defined = Some(n.to_string());
                            }
                        }
                        "ddeLink" | "oleLink" if l.starts_with("xl/externallinks/") => {
                            let (code, sev) = if local == "ddeLink" {
                                ("ooxml.dde", Severity::High)
                            } else {
                                ("ooxml.external_relationship", Severity::Medium)
                            };
                            let server = el.attr("ddeService").or(el.attr("progId")).unwrap_or("");
                            col.add(Finding::new(code, sev, name).detail(format!(
                                "{local} to {}",
                                server.chars().take(40).collect::<String>()
                            )));
                        }
                        "f" if l.starts_with("xl/worksheets/")
                            || l.starts_with("xl/macrosheets/") =>
                        {
                            in_formula = (!empty).then(String::new);
                        }
                        "sld" if l.starts_with("ppt/slides/") => {
                            if matches!(el.attr("show"), Some("0" | "false")) {
                                col.add(
                                    Finding::new("ooxml.hidden_text", Severity::Info, name)
                                        .detail("hidden slide"),
                                );
                            }
                        }
                        "property" if custom_props => {
                            if let Some(n) = el.attr("name") {
                                self.props.push(format!(
                                    "custom:{}",
                                    n.chars().take(40).collect::<String>()
                                ));
                            }
                        }
                        _ => {}
                    }
                    if props && !custom_props && CORE_PROPS.contains(&local) && !empty {
                        prop = Some((local.to_string(), false));
                    }
                }
                Ev::Text(t) => {
                    if in_instr
                        && let Some(f) = fields.last_mut()
                        && !f.done
                    {
                        f.instr.push_str(t);
                    }
                    if let Some(f) = in_formula.as_mut() {
                        f.push_str(t);
                    }
                    if let Some((_, seen)) = prop.as_mut() {
                        *seen |= !t.trim().is_empty();
                    }
                }
                Ev::End(n) => {
                    depth = depth.saturating_sub(1);
                    match xml::local(n) {
                        "instrText" => in_instr = false,
                        "f" => {
                            if let Some(f) = in_formula.take()
                                && formula_is_dde(&f)
                            {
                                col.add(
                                    Finding::new("ooxml.dde", Severity::High, name)
                                        .detail("DDE formula"),
                                );
                            }
                        }
                        "definedName" => {
                            if let Some(n) = defined.take() {
                                col.add(
                                    Finding::new("ooxml.auto_open_name", Severity::High, name)
                                        .detail(format!(
                                            "defined name {}",
                                            n.chars().take(40).collect::<String>()
                                        )),
                                );
                            }
                        }
                        _ => {
                            if let Some((p, true)) = prop.take() {
                                self.props.push(p);
                            }
                        }
                    }
                }
            }
            Ok(())
        })?;
        // Unterminated fields still count: Word evaluates them.
        for f in fields.into_iter().filter(|f| !f.done) {
            report_field(&f.instr, name, col);
        }
        if comment_seen {
            col.add(Finding::new("ooxml.comments", Severity::Info, name));
        }
        if l.starts_with("xl/revisions/") {
            col.add(Finding::new("ooxml.tracked_changes", Severity::Info, name));
        }
        dtd_finding(&info, name, "ooxml.xml_dtd", col);
        Ok(())
    }

    /// Reports what was collected across parts (document properties).
    pub fn finish(self, col: &mut Collector) {
        if !self.props.is_empty() {
            let mut p = self.props;
            p.sort();
            p.dedup();
            col.add(
                Finding::new("ooxml.properties", Severity::Info, "docProps/").detail(p.join(", ")),
            );
        }
    }
}

/// Finds Auto_Open-style names in a binary workbook (`xl/workbook.bin`): BrtName records
/// hold names as UTF-16LE strings, so the names are searched in that encoding.
pub fn xlsb_auto_open(data: &[u8], part: &str, col: &mut Collector) {
    for name in AUTO_NAMES {
        let needle: Vec<u8> = name.bytes().flat_map(|b| [b, 0]).collect();
        let found = data.windows(needle.len()).any(|w| {
            w.iter()
                .zip(&needle)
                .all(|(a, b)| a.to_ascii_lowercase() == *b)
        });
        if found {
            col.add(
                Finding::new("ooxml.auto_open_name", Severity::High, part)
                    .detail(format!("defined name {name}")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_instructions_are_classified_by_first_word() {
        assert_eq!(
            field_class(" DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe \"/k calc\""),
            FieldClass::Dde
        );
        assert_eq!(field_class("dde excel x"), FieldClass::Dde);
        assert_eq!(
            field_class(" INCLUDEPICTURE \"http://x/y.png\""),
            FieldClass::External
        );
        assert_eq!(field_class(" PAGE "), FieldClass::Other);
    }

    #[test]
    fn dde_formulas_and_auto_names() {
        assert!(formula_is_dde("cmd|' /c calc'!A0"));
        assert!(!formula_is_dde("CONCATENATE(\"a|b\",A1)"));
        assert!(is_auto_name("_xlnm.Auto_Open"));
        assert!(is_auto_name("auto_open2"));
        assert!(!is_auto_name("Print_Area"));
    }
}
