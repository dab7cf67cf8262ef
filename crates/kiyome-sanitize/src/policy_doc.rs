//! The comment on every policy key, and the commented TOML that `kiyome policy show` prints.
//!
//! `docs/policy.md` documents the same keys at length; tests check that every key of the
//! default policy has a comment here and a row there.

use crate::factors::{FactorAction, WIRED};
use crate::policy::Policy;
use kiyome_core::Kind;

/// One documented key: its dotted path (`limits.max_depth`; a bare name for top-level keys
/// and tables) and a one-line meaning.
pub struct KeyDoc {
    /// `section.key`, or `key` at the top level.
    pub path: &'static str,
    /// What it does (one line, printed as a comment).
    pub doc: &'static str,
}

const fn k(path: &'static str, doc: &'static str) -> KeyDoc {
    KeyDoc { path, doc }
}

/// Every key of the policy, in the order `policy show` prints them.
pub const KEYS: &[KeyDoc] = &[
    k(
        "version",
        "Names the policy; hashed into policy_sha256 of every report, logged by kiyome watch.",
    ),
    k(
        "default_mode",
        "Mode for kinds not named in [modes]: disarm | text | image-pdf | block.",
    ),
    k(
        "modes",
        "Mode per kind (pdf, docm, jpeg…) or class (ooxml, image, mail…); a kind beats its class; executables, scripts, shortcuts and unknown content are always blocked.",
    ),
    k(
        "factors",
        "Action per factor, keyed by finding code or prefix: remove | block | keep (keep only for Low/Info factors a handler can keep); overrides the section switches.",
    ),
    k(
        "limits",
        "Resource limits for each input; hitting one blocks the file with limit.* (docs/limits.md).",
    ),
    k(
        "limits.max_input_bytes",
        "Largest input file accepted, in bytes.",
    ),
    k(
        "limits.max_decompressed_bytes",
        "Bytes all decompression of one input may produce (streams, members, nested files).",
    ),
    k(
        "limits.max_stream_bytes",
        "Largest single decompressed stream or member, in bytes.",
    ),
    k(
        "limits.max_ratio",
        "Largest compression ratio of one stream or member before it counts as a bomb.",
    ),
    k(
        "limits.ratio_floor_bytes",
        "Members smaller than this (decompressed) are never judged by ratio.",
    ),
    k(
        "limits.max_depth",
        "Deepest nesting of containers (archive in archive, object in document, message in message).",
    ),
    k(
        "limits.max_entries",
        "Most members in one archive or package.",
    ),
    k(
        "limits.max_objects",
        "Most objects in one PDF or records in one structured file.",
    ),
    k("limits.max_xml_events", "Most XML events in one XML part."),
    k("limits.max_xml_depth", "Deepest XML element nesting."),
    k(
        "limits.max_pixels",
        "Most pixels of one decoded image or rendered page.",
    ),
    k("limits.max_pages", "Most pages in one document."),
    k(
        "limits.max_wall_ms",
        "Wall-clock time for one top-level input, in milliseconds.",
    ),
    k(
        "limits.max_page_ms",
        "Wall-clock time for rendering one page (image-PDF conversion), in milliseconds.",
    ),
    k(
        "mail",
        "Mail (.eml, .msg, mbox): bodies, PPAP zips, links, the notice.",
    ),
    k(
        "mail.html",
        "HTML bodies: text (plain text only) | sanitized (plus an HTML alternative of escaped text).",
    ),
    k(
        "mail.ppap",
        "Password-protected zip attachments: hold (quarantined for `kiyome release`) | notice | drop.",
    ),
    k(
        "mail.defang_links",
        "Write links as hxxp://example[.]com so they cannot be clicked.",
    ),
    k(
        "mail.notice",
        "Put the Japanese/English sanitization notice at the top of the body.",
    ),
    k("pdf", "PDF disarm."),
    k(
        "pdf.allowed_uri_schemes",
        "URI schemes whose PDF link actions are kept; only http, https and mailto are allowed.",
    ),
    k(
        "pdf.keep_forms",
        "Keep AcroForm fields and widgets (never their scripts or submit/reset/import actions).",
    ),
    k("image", "Image re-encoding (only pixels survive)."),
    k(
        "image.jpeg_quality",
        "JPEG quality (1–100) when JPEGs are re-encoded.",
    ),
    k(
        "archive",
        "Archive rebuilding; the password for encrypted zips comes only from --password.",
    ),
    k(
        "office",
        "Office Open XML, OpenDocument, OLE (97-2003) and RTF disarm.",
    ),
    k(
        "office.keep_web_hyperlinks",
        "Keep http/https/mailto hyperlinks in Office/ODF documents (every other external link is removed).",
    ),
    k(
        "office.keep_properties",
        "Keep document properties (author, organisation, custom properties).",
    ),
    k(
        "office.keep_comments",
        "Keep comments (OOXML comments, ODF annotations).",
    ),
    k(
        "office.embedded_objects",
        "Embedded documents: sanitize (rebuilt like any input, kept when released) | remove (always removed; the preview picture stays).",
    ),
    k(
        "image_pdf",
        "Image-PDF conversion (画像PDF変換, --mode image-pdf).",
    ),
    k(
        "image_pdf.dpi",
        "Rendering resolution of image-PDF conversion (36–1200).",
    ),
    k(
        "image_pdf.jpeg_quality",
        "JPEG quality (1–100) of photographic pages in image PDFs.",
    ),
    k(
        "ocr",
        "OCR with tesseract (jpn+eng) in a bubblewrap sandbox, on pixels kiyome decoded or rendered itself. Off by default.",
    ),
    k(
        "ocr.images",
        "Text mode: read the text of images by OCR (false: images are blocked in text mode).",
    ),
    k(
        "ocr.image_pdf_text_layer",
        "Image-PDF mode: add an invisible OCR text layer (false: the output has no text and no font).",
    ),
    k(
        "ocr.languages",
        "tesseract languages joined by + (each must be installed).",
    ),
    k(
        "ocr.timeout_secs",
        "Wall-clock limit of one OCR run, in seconds.",
    ),
    k(
        "ocr.memory_mib",
        "Address-space cap of the OCR sandbox, in MiB.",
    ),
    k(
        "ocr.max_pixels",
        "Largest image handed to tesseract, in pixels (larger ones are scaled down first).",
    ),
    k(
        "quarantine",
        "The quarantine store of originals (sanitize --quarantine, watch, release).",
    ),
    k(
        "quarantine.retention_days",
        "Days an original is kept after it was last quarantined or released; --retention-days wins.",
    ),
    k(
        "libreoffice",
        "The bubblewrap sandbox LibreOffice runs in to convert Office/ODF/RTF/text to PDF.",
    ),
    k(
        "libreoffice.timeout_secs",
        "Wall-clock limit of one sandboxed LibreOffice conversion, in seconds.",
    ),
    k(
        "libreoffice.memory_mib",
        "Address-space cap of the LibreOffice sandbox, in MiB.",
    ),
];

/// The comment for `path`, if documented.
pub fn doc(path: &str) -> Option<&'static str> {
    KEYS.iter().find(|d| d.path == path).map(|d| d.doc)
}

/// Every key path of a policy as serialized (`section.key`, top-level keys and tables by
/// name; entries of `modes` and `factors` are not keys of the schema).
pub fn key_paths(p: &Policy) -> Vec<String> {
    let mut out = Vec::new();
    let Ok(toml::Value::Table(t)) = toml::Value::try_from(p) else {
        return out;
    };
    for (name, v) in &t {
        out.push(name.clone());
        if let toml::Value::Table(inner) = v
            && name != "modes"
            && name != "factors"
        {
            out.extend(inner.keys().map(|k| format!("{name}.{k}")));
        }
    }
    out
}

fn comment(out: &mut String, text: &str) {
    out.push_str("# ");
    out.push_str(text);
    out.push('\n');
}

fn quoted_key(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        k.to_string()
    } else {
        toml::Value::String(k.to_string()).to_string()
    }
}

/// The effective action of each wired factor under `p`, in words.
fn wired_effect(p: &Policy, code: &str) -> String {
    let keep = |b: bool| if b { "keep" } else { "remove" };
    match code {
        "pdf.uri" => {
            let o = p.pdf_options();
            if o.allowed_uri_schemes.is_empty() {
                "remove".into()
            } else {
                format!(
                    "keep {} links, remove the rest",
                    o.allowed_uri_schemes.join("/")
                )
            }
        }
        "pdf.acroform" => keep(p.pdf_options().keep_forms).into(),
        "ooxml.external_relationship" | "odf.external_link" => {
            let kind = if code.starts_with("ooxml") {
                Kind::Docx
            } else {
                Kind::Odt
            };
            if p.office_options(kind).keep_web_hyperlinks {
                "keep web hyperlinks, remove the rest".into()
            } else {
                "remove".into()
            }
        }
        "ooxml.comments" => keep(p.office_options(Kind::Docx).keep_comments).into(),
        "odf.annotations" => keep(p.office_options(Kind::Odt).keep_comments).into(),
        "ooxml.properties" => keep(p.office_options(Kind::Docx).keep_properties).into(),
        "odf.metadata" => keep(p.office_options(Kind::Odt).keep_properties).into(),
        "ole.summary_properties" => keep(p.office_options(Kind::Doc).keep_properties).into(),
        "mail.html_body" => keep(p.mail_options().html == kiyome_mail::HtmlMode::Sanitized).into(),
        _ => "remove".into(),
    }
}

/// The commented TOML of `p` (see [`Policy::to_commented_toml`]).
pub fn commented(p: &Policy) -> String {
    let mut out = String::new();
    comment(
        &mut out,
        "kiyome sanitize policy — effective values, defaults filled in (docs/policy.md).",
    );
    comment(
        &mut out,
        "Pass your own with --policy FILE; keys you leave out keep these defaults.",
    );
    out.push('\n');
    let Ok(toml::Value::Table(t)) = toml::Value::try_from(p) else {
        return p.to_toml();
    };
    let pos = |n: &str| {
        KEYS.iter()
            .position(|d| d.path == n || d.path.starts_with(&format!("{n}.")))
            .unwrap_or(usize::MAX)
    };
    // Top-level scalars must come before any table.
    let mut scalars: Vec<(&String, &toml::Value)> =
        t.iter().filter(|(_, v)| !v.is_table()).collect();
    scalars.sort_by_key(|(n, _)| pos(n.as_str()));
    for (name, v) in scalars {
        if let Some(d) = doc(name) {
            comment(&mut out, d);
        }
        out.push_str(&format!("{} = {v}\n", quoted_key(name)));
    }
    let mut sections: Vec<&String> = t
        .iter()
        .filter(|(_, v)| v.is_table())
        .map(|(k, _)| k)
        .collect();
    sections.sort_by_key(|n| pos(n.as_str()));
    for name in sections {
        let Some(toml::Value::Table(inner)) = t.get(name) else {
            continue;
        };
        out.push('\n');
        if let Some(d) = doc(name) {
            comment(&mut out, d);
        }
        out.push_str(&format!("[{}]\n", quoted_key(name)));
        if name == "factors" {
            factors_section(p, inner, &mut out);
            continue;
        }
        let mut keys: Vec<&String> = inner.keys().collect();
        keys.sort_by_key(|k| pos(&format!("{name}.{k}")));
        for key in keys {
            if let Some(d) = doc(&format!("{name}.{key}")) {
                comment(&mut out, d);
            }
            out.push_str(&format!("{} = {}\n", quoted_key(key), inner[key.as_str()]));
        }
    }
    out
}

fn factors_section(p: &Policy, set: &toml::Table, out: &mut String) {
    for (k, v) in set {
        out.push_str(&format!("{} = {v}\n", quoted_key(k)));
    }
    comment(
        out,
        "Effective action of the factors whose keep/remove choice a switch also sets:",
    );
    for w in WIRED {
        let by = match p.factor_action(w.code) {
            Some(FactorAction::Block) => "block".to_string(),
            _ => wired_effect(p, w.code),
        };
        comment(out, &format!("  {:<30} {by}", format!("\"{}\"", w.code)));
    }
    comment(
        out,
        "Every other Medium/High factor is removed, or the file is blocked when it cannot be.",
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_of_the_default_policy_has_a_comment() {
        let p = Policy::default();
        let missing: Vec<String> = key_paths(&p)
            .into_iter()
            .filter(|path| doc(path).is_none())
            .collect();
        assert!(missing.is_empty(), "no comment in KEYS for: {missing:?}");
    }

    #[test]
    fn the_commented_policy_loads_as_the_same_policy() {
        let mut p = Policy::from_toml(
            "[factors]\n\"pdf.uri\" = \"remove\"\n\"ooxml\" = \"block\"\n[modes]\ndocm = \"text\"\n",
        )
        .unwrap();
        p.office.keep_properties = true;
        let text = p.to_commented_toml();
        assert!(text.contains("# Largest input file accepted"), "{text}");
        assert!(text.contains("\"pdf.uri\" = \"remove\""), "{text}");
        assert_eq!(Policy::from_toml(&text).unwrap(), p, "{text}");
        let d = Policy::default();
        assert_eq!(Policy::from_toml(&d.to_commented_toml()).unwrap(), d);
    }
}
