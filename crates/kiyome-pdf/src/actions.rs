//! Classifying action dictionaries and annotations (ISO 32000-1 §12.6 and §12.5.6), shared by
//! inspect and disarm so that both judge the same things the same way.

use crate::PdfOptions;
use crate::load::name;
use kiyome_core::Severity;
use lopdf::{Dictionary, Object};

/// What an action does, as far as the policy cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Act {
    /// Go to a destination in this document: harmless.
    GoTo,
    /// Other in-document actions (Named, Hide, SetOCGState, Trans, Thread): kept.
    Benign(String),
    /// JavaScript action.
    JavaScript,
    /// Launch an application or file.
    Launch,
    /// GoToR / GoToE: open another document.
    Remote(String),
    /// ImportData.
    ImportData,
    /// SubmitForm.
    SubmitForm,
    /// ResetForm.
    ResetForm,
    /// URI with its scheme.
    Uri(String),
    /// Rendition, Movie, Sound, GoTo3DView, RichMediaExecute.
    Media(String),
    /// An action type not in the standard.
    Unknown(String),
}

impl Act {
    /// The finding code, severity and detail for this action; `None` for harmless ones.
    pub(crate) fn finding(&self, opts: &PdfOptions) -> Option<(&'static str, Severity, String)> {
        Some(match self {
            Act::GoTo | Act::Benign(_) => return None,
            Act::JavaScript => ("pdf.javascript", Severity::High, "JavaScript action".into()),
            Act::Launch => ("pdf.launch", Severity::High, "Launch action".into()),
            Act::Remote(s) => ("pdf.goto_remote", Severity::Medium, format!("{s} action")),
            Act::ImportData => (
                "pdf.import_data",
                Severity::Medium,
                "ImportData action".into(),
            ),
            Act::SubmitForm => (
                "pdf.submit_form",
                Severity::Medium,
                "SubmitForm action".into(),
            ),
            Act::ResetForm => ("pdf.reset_form", Severity::Low, "ResetForm action".into()),
            Act::Uri(scheme) => {
                let sev = if opts.allows_scheme(scheme) {
                    Severity::Low
                } else {
                    Severity::Medium
                };
                ("pdf.uri", sev, scheme.clone())
            }
            Act::Media(s) => ("pdf.rich_media", Severity::Medium, format!("{s} action")),
            Act::Unknown(s) => (
                "pdf.additional_actions",
                Severity::Medium,
                format!("unknown action type /{s}"),
            ),
        })
    }

    /// Whether disarm keeps an action of this kind.
    pub(crate) fn kept(&self, opts: &PdfOptions) -> bool {
        match self {
            Act::GoTo | Act::Benign(_) => true,
            Act::Uri(scheme) => opts.allows_scheme(scheme),
            _ => false,
        }
    }
}

/// Classifies `d` when it is an action dictionary (it has /S, or /JS).
pub(crate) fn classify(d: &Dictionary) -> Option<Act> {
    let Some(s) = name(d, b"S") else {
        return d.has(b"JS").then_some(Act::JavaScript);
    };
    // A /JS entry makes any action a script carrier, whatever /S claims.
    if d.has(b"JS") {
        return Some(Act::JavaScript);
    }
    let s = String::from_utf8_lossy(s).into_owned();
    Some(match s.as_str() {
        "GoTo" => Act::GoTo,
        "Named" | "Hide" | "SetOCGState" | "Trans" | "Thread" => Act::Benign(s),
        "JavaScript" => Act::JavaScript,
        "Launch" => Act::Launch,
        "GoToR" | "GoToE" => Act::Remote(s),
        "ImportData" => Act::ImportData,
        "SubmitForm" => Act::SubmitForm,
        "ResetForm" => Act::ResetForm,
        "URI" => Act::Uri(uri_scheme(d.get(b"URI").ok())),
        "Rendition" | "Movie" | "Sound" | "GoTo3DView" | "RichMediaExecute" => Act::Media(s),
        _ => {
            // Annotation and other dictionaries also use /S (border style, transitions,
            // group /S /Transparency, structure elements…); only /Type /Action or an action
            // dictionary shape counts.
            if name(d, b"Type") == Some(b"Action") {
                Act::Unknown(s)
            } else {
                return None;
            }
        }
    })
}

/// The scheme of a URI string, lower-cased: `unc` for `\\server\share` and `//server`,
/// `relative` when it has none.
pub(crate) fn uri_scheme(uri: Option<&Object>) -> String {
    let bytes: &[u8] = match uri {
        Some(Object::String(s, _)) => s,
        _ => return "relative".into(),
    };
    let t: Vec<u8> = bytes
        .iter()
        .copied()
        .skip_while(|b| b.is_ascii_whitespace())
        .take(64)
        .collect();
    if t.starts_with(b"\\\\") || t.starts_with(b"//") {
        return "unc".into();
    }
    let Some(colon) = t.iter().position(|&b| b == b':') else {
        return "relative".into();
    };
    let scheme = t.get(..colon).unwrap_or_default();
    let valid = scheme.first().is_some_and(|b| b.is_ascii_alphabetic())
        && scheme
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    if valid {
        String::from_utf8_lossy(scheme).to_ascii_lowercase()
    } else {
        "relative".into()
    }
}

/// Annotation subtypes that are multimedia (RichMedia/Flash, 3D, Movie, Sound, Screen).
pub(crate) fn is_media_annot(subtype: &[u8]) -> bool {
    matches!(
        subtype,
        b"RichMedia" | b"3D" | b"Movie" | b"Sound" | b"Screen"
    )
}

/// Whether `d` looks like an annotation: it has /Subtype and /Rect (or /Type /Annot).
pub(crate) fn annot_subtype(d: &Dictionary) -> Option<&[u8]> {
    let sub = name(d, b"Subtype")?;
    (name(d, b"Type") == Some(b"Annot") || d.has(b"Rect")).then_some(sub)
}

/// Standard stream filters (ISO 32000-1 §7.4) with their inline abbreviations.
pub(crate) fn known_filter(f: &[u8]) -> bool {
    matches!(
        f,
        b"FlateDecode"
            | b"LZWDecode"
            | b"ASCII85Decode"
            | b"ASCIIHexDecode"
            | b"RunLengthDecode"
            | b"CCITTFaxDecode"
            | b"DCTDecode"
            | b"JPXDecode"
            | b"JBIG2Decode"
            | b"Crypt"
            | b"Fl"
            | b"LZW"
            | b"A85"
            | b"AHx"
            | b"RL"
            | b"CCF"
            | b"DCT"
    )
}

/// The filter names of a stream dictionary (a name or an array of names).
pub(crate) fn filters(d: &Dictionary) -> Vec<Vec<u8>> {
    match d.get(b"Filter") {
        Ok(Object::Name(n)) => vec![n.clone()],
        Ok(Object::Array(a)) => a
            .iter()
            .filter_map(|o| match o {
                Object::Name(n) => Some(n.clone()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Object {
        Object::string_literal(x)
    }

    #[test]
    fn schemes_are_recognised_including_unc_and_relative() {
        assert_eq!(uri_scheme(Some(&s("HTTPS://x"))), "https");
        assert_eq!(uri_scheme(Some(&s("file:///etc/passwd"))), "file");
        assert_eq!(uri_scheme(Some(&s("\\\\evil\\share\\a"))), "unc");
        assert_eq!(uri_scheme(Some(&s("//evil/share"))), "unc");
        assert_eq!(uri_scheme(Some(&s("page2.html"))), "relative");
        assert_eq!(uri_scheme(None), "relative");
    }

    #[test]
    fn border_style_s_is_not_an_action() {
        let mut d = Dictionary::new();
        d.set("S", Object::Name(b"D".to_vec()));
        assert_eq!(classify(&d), None);
        d.set("JS", s("x"));
        assert_eq!(classify(&d), Some(Act::JavaScript));
    }
}
