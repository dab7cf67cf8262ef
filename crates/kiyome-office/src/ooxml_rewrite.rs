//! Rewriting of the XML parts of an OOXML package during disarm: elements that refer to a
//! dropped relationship go (hyperlinks are made inert instead), DDE and INCLUDE fields are
//! reduced to their cached result, Auto_Open names and DDE formulas are removed, personal
//! properties are dropped, and DTDs never survive.

use crate::ooxml_disarm::removed;
use crate::ooxml_scan::{FieldClass, field_class, formula_is_dde, is_auto_name};
use crate::xml::{self, Edit, El, Ev};
use crate::{Collector, OfficeOptions};
use kiyome_core::{Action, Ctx, Error, Finding, Severity};
use std::collections::HashSet;

/// Core/app property elements that name people and organisations.
const PERSONAL_PROPS: &[&str] = &[
    "creator",
    "lastModifiedBy",
    "Company",
    "Manager",
    "HyperlinkBase",
    "lastPrinted",
    "keywords",
    "description",
    "category",
    "contentStatus",
    "identifier",
];

/// Word complex fields of a part, in order of their `begin`: whether each must go.
fn bad_fields(
    data: &[u8],
    part: &str,
    ctx: &Ctx<'_>,
) -> Result<(Vec<FieldClass>, Vec<bool>), Error> {
    let mut fields: Vec<FieldClass> = Vec::new();
    let mut stack: Vec<(usize, String, bool)> = Vec::new();
    let mut in_instr = false;
    let mut formulas: Vec<bool> = Vec::new();
    let mut formula: Option<String> = None;
    xml::scan(data, part, ctx, |ev| {
        match ev {
            Ev::Start(el, empty) => match el.local() {
                "fldChar" => match el.attr("fldCharType").unwrap_or("") {
                    "begin" => {
                        fields.push(FieldClass::Other);
                        stack.push((fields.len() - 1, String::new(), false));
                    }
                    "separate" => {
                        if let Some(top) = stack.last_mut() {
                            top.2 = true;
                        }
                    }
                    "end" => {
                        if let Some((i, instr, _)) = stack.pop()
                            && let Some(f) = fields.get_mut(i)
                        {
                            *f = field_class(&instr);
                        }
                    }
                    _ => {}
                },
                "instrText" => in_instr = !empty,
                "f" => {
                    formula = Some(String::new());
                    if empty {
                        formulas.push(false);
                        formula = None;
                    }
                }
                _ => {}
            },
            Ev::Text(t) => {
                if in_instr
                    && let Some(top) = stack.last_mut()
                    && !top.2
                {
                    top.1.push_str(t);
                }
                if let Some(f) = formula.as_mut() {
                    f.push_str(t);
                }
            }
            Ev::End(n) => match xml::local(n) {
                "instrText" => in_instr = false,
                "f" => {
                    if let Some(f) = formula.take() {
                        formulas.push(formula_is_dde(&f));
                    }
                }
                _ => {}
            },
        }
        Ok(())
    })?;
    // Unterminated fields: Word evaluates them, so they go too.
    for (i, instr, _) in stack {
        if let Some(f) = fields.get_mut(i) {
            *f = field_class(&instr);
        }
    }
    Ok((fields, formulas))
}

/// The finding recorded for a field reduced to its cached result.
fn field_note(class: FieldClass) -> (&'static str, Severity, Action, String) {
    let (code, sev) = if class == FieldClass::Dde {
        ("ooxml.dde", Severity::High)
    } else {
        ("ooxml.external_relationship", Severity::Medium)
    };
    (
        code,
        sev,
        Action::Neutralized,
        "field replaced by its cached result".into(),
    )
}

/// Rewrites one XML part; `dropped` are the ids of its relationships that were removed.
pub(crate) fn rewrite_part(
    name: &str,
    data: &[u8],
    dropped: &HashSet<String>,
    ctx: &Ctx<'_>,
    opts: &OfficeOptions,
    col: &mut Collector,
) -> Result<Vec<u8>, Error> {
    let l = name.to_ascii_lowercase();
    let word = l.starts_with("word/");
    let sheet = l.starts_with("xl/worksheets/");
    let props = (l == "docprops/core.xml" || l == "docprops/app.xml") && !opts.keep_properties;
    let (fields, formulas) = if word || sheet {
        bad_fields(data, name, ctx)?
    } else {
        (Vec::new(), Vec::new())
    };
    let mut field_no = 0usize;
    let mut stack: Vec<bool> = Vec::new();
    let mut formula_no = 0usize;
    let mut notes: Vec<(&'static str, Severity, Action, String)> = Vec::new();
    let decide = |el: &El| -> Edit {
        let local = el.local();
        if word {
            match local {
                "fldChar" => {
                    let bad = match el.attr("fldCharType").unwrap_or("") {
                        "begin" => {
                            let class = fields.get(field_no).copied().unwrap_or(FieldClass::Other);
                            field_no += 1;
                            let b = class != FieldClass::Other;
                            stack.push(b);
                            if b {
                                notes.push(field_note(class));
                            }
                            b
                        }
                        "end" => stack.pop().unwrap_or(false),
                        _ => stack.last().copied().unwrap_or(false),
                    };
                    return if bad { Edit::Drop } else { Edit::Keep };
                }
                "instrText" if stack.last().copied().unwrap_or(false) => return Edit::Drop,
                "fldSimple" if field_class(el.attr("instr").unwrap_or("")) != FieldClass::Other => {
                    notes.push(field_note(field_class(el.attr("instr").unwrap_or(""))));
                    return Edit::Unwrap;
                }
                "commentRangeStart" | "commentRangeEnd" | "commentReference"
                    if !opts.keep_comments =>
                {
                    notes.push((
                        "ooxml.comments",
                        Severity::Info,
                        Action::Removed,
                        "comment anchors removed".into(),
                    ));
                    return Edit::Drop;
                }
                "attachedTemplate" => return Edit::Drop,
                "altChunk" => return Edit::Drop,
                _ => {}
            }
        }
        if sheet {
            match local {
                "f" => {
                    let bad = formulas.get(formula_no).copied().unwrap_or(false);
                    formula_no += 1;
                    if bad {
                        notes.push((
                            "ooxml.dde",
                            Severity::High,
                            Action::Removed,
                            "DDE formula removed; cached value kept".into(),
                        ));
                        return Edit::Drop;
                    }
                }
                "oleObjects" | "controls" => return Edit::Drop,
                _ => {}
            }
        }
        if l.starts_with("xl/workbook") {
            if local == "externalReferences" {
                return Edit::Drop;
            }
            if local == "definedName" && is_auto_name(el.attr("name").unwrap_or("")) {
                notes.push((
                    "ooxml.auto_open_name",
                    Severity::High,
                    Action::Removed,
                    "defined name removed".into(),
                ));
                return Edit::Drop;
            }
        }
        if l.starts_with("ppt/") && local == "controls" {
            return Edit::Drop;
        }
        if props && PERSONAL_PROPS.contains(&local) {
            notes.push((
                "ooxml.properties",
                Severity::Info,
                Action::Removed,
                "personal properties removed".into(),
            ));
            return Edit::Drop;
        }
        for (k, v) in &el.attrs {
            if k.starts_with("r:") && dropped.contains(v) {
                // A page setup keeps its layout when only its printer-settings part goes.
                return if local == "hyperlink" || local == "pageSetup" {
                    Edit::RemoveAttrs(vec![k.clone()])
                } else {
                    Edit::Drop
                };
            }
        }
        Edit::Keep
    };
    let (bytes, dtd) = xml::rewrite(data, name, ctx, decide)?;
    for (code, sev, act, d) in notes {
        col.add(Finding::new(code, sev, name).detail(d).action(act));
    }
    if dtd {
        removed(
            col,
            "ooxml.xml_dtd",
            Severity::Medium,
            name,
            "DTD and entity references removed",
        );
    }
    Ok(bytes)
}
