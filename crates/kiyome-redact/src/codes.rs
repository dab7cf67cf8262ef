//! Finding codes raised by redaction, scrub and verification.

use kiyome_core::{CodeInfo, Severity};

const fn c(code: &'static str, severity: Severity, meaning: &'static str) -> CodeInfo {
    CodeInfo {
        code,
        severity,
        meaning,
    }
}

use Severity::*;

/// Codes raised by `kiyome redact`, `kiyome scrub` and `kiyome verify` (the PDF codes of
/// `kiyome-pdf` are used too, with action `removed`, for what the scrub removes).
pub const CODES: &[CodeInfo] = &[
    c(
        "redact.removed",
        Info,
        "Matches of the plan (terms, patterns, PII detectors) and areas were removed on this page or part; counts by category, terms only as salted hashes.",
    ),
    c(
        "redact.unsupported_kind",
        Medium,
        "The file's kind has no redaction applier; it is refused rather than copied.",
    ),
    c(
        "redact.verify_failed",
        Medium,
        "The redacted output failed the independent leak check, so nothing was written.",
    ),
    c(
        "redact.unmapped_glyphs",
        Medium,
        "Text on a page could not be mapped to Unicode (no ToUnicode, unknown encoding), so terms in it cannot be found; the file is refused.",
    ),
    c(
        "redact.font_unused_glyphs",
        Info,
        "Glyphs used only by removed text were dropped from a font's ToUnicode map, widths and embedded program (TrueType, CFF or Type 1: outlines, charset and encoding entries, subroutines only they used).",
    ),
    c(
        "redact.font_not_subset",
        Medium,
        "A font program that kiyome cannot rewrite exactly (an unknown kind, a damaged or unusual structure, charstrings whose subroutine calls cannot be followed) holds glyphs used only by removed text; the redaction is refused so that no outline of a removed character survives.",
    ),
    c(
        "redact.image_area",
        Info,
        "Image pixels inside a redaction area were overwritten and the image re-encoded.",
    ),
    c(
        "redact.path_area",
        Info,
        "Vector paths inside a redaction area were removed; paths and shadings crossing one were clipped so that nothing of them is painted inside it.",
    ),
    c(
        "redact.inline_image_dropped",
        Info,
        "An inline image inside a redaction area is in an encoding kiyome does not rewrite (or a colour space from the resources); it was removed.",
    ),
    c(
        "redact.text_attribute",
        Info,
        "A term was removed from a text attribute (/ActualText, /Alt, /E, /T, annotation contents, form values, bookmarks).",
    ),
    c(
        "scrub.document_id",
        Info,
        "The document /ID (which links a file to its earlier versions) was replaced by one derived from the output.",
    ),
    c(
        "scrub.thumbnail",
        Info,
        "Page thumbnail images (/Thumb), which show the page before redaction, were removed.",
    ),
    c(
        "scrub.piece_info",
        Info,
        "Application private data (/PieceInfo, /LastModified, /SpiderInfo) was removed.",
    ),
    c(
        "scrub.form_values",
        Info,
        "Interactive form fields and their values were removed.",
    ),
    c(
        "scrub.hidden_layer",
        Info,
        "Content of optional-content groups hidden by default (非表示レイヤー) was removed.",
    ),
    c(
        "scrub.article_threads",
        Info,
        "Article threads (/Threads, /B), which carry their own info dictionaries, were removed.",
    ),
    c(
        "scrub.image_metadata",
        Info,
        "Metadata segments (Exif, XMP, IPTC, comments) of JPEG images inside the document were removed.",
    ),
    c(
        "scrub.link_action",
        Info,
        "The action of a kept link annotation was removed (links are kept without actions).",
    ),
    c(
        "scrub.office_thumbnail",
        Info,
        "The package thumbnail (docProps/thumbnail.*, ODF Thumbnails/), a picture of the first page before redaction, was removed.",
    ),
    c(
        "scrub.custom_xml",
        Info,
        "Custom XML data parts (customXml/), which often copy document properties or form data, were removed.",
    ),
    c(
        "scrub.settings",
        Info,
        "Settings that name people, folders or printers were removed (Word docVars and mail merge, printer settings parts, Excel folder path and sharing user, ODF settings.xml).",
    ),
    c(
        "scrub.session_ids",
        Info,
        "Editing-session identifiers (Word rsids, paraId/textId, document ids, Excel revision uids, LibreOffice rsids) that link a file to other files were removed.",
    ),
    c(
        "scrub.speaker_notes",
        Info,
        "PowerPoint speaker notes (notes slides and notes master) were removed.",
    ),
    c(
        "scrub.phonetic",
        Info,
        "Excel phonetic readings (furigana), hidden by default but spelling out the annotated names, were removed.",
    ),
    c(
        "scrub.headers_footers",
        Info,
        "The document has headers or footers; they are kept and redacted like the body (check them).",
    ),
    c(
        "scrub.invisible_text",
        Info,
        "Text coloured white: removed when nothing coloured lies behind it (invisible on the white page; option remove_invisible_text, default on), otherwise kept (it may be visible on a fill or in a text box) and redacted like any other text.",
    ),
    c(
        "scrub.hidden_cells",
        Info,
        "Cells of hidden rows or columns (filtered-out rows, collapsed groups included) were removed (option remove_hidden_cells, default on; formulas elsewhere keep their cached values) or, when kept, are redacted like any other cells.",
    ),
    c(
        "scrub.hidden_text",
        Info,
        "Conditionally hidden ODF text (text:hidden-text, text:hidden-paragraph) is kept and redacted like any other text (reported).",
    ),
    c(
        "redact.formula_removed",
        Info,
        "Spreadsheet formulas whose text or result matched the plan were removed (the masked value is kept), and the calculation chain with them.",
    ),
    c(
        "redact.names",
        Info,
        "Sheet names or defined names that matched the plan were masked.",
    ),
    c(
        "verify.text",
        Medium,
        "A term or PII detector matches the text a reader extracts from the output.",
    ),
    c(
        "verify.bytes",
        Medium,
        "A term occurs in the bytes of a decompressed stream or a string (UTF-8, UTF-16BE/LE, Shift_JIS or EUC-JP, or as a font's glyph codes).",
    ),
    c(
        "verify.metadata",
        Medium,
        "Document metadata (Info dictionary or XMP) remains.",
    ),
    c(
        "verify.revisions",
        Medium,
        "The file has more than one revision (incremental updates keep earlier content).",
    ),
    c("verify.outlines", Medium, "Bookmarks (しおり) remain."),
    c(
        "verify.attachments",
        Medium,
        "Embedded files or file attachments remain.",
    ),
    c(
        "verify.javascript",
        Medium,
        "JavaScript or actions other than plain links remain.",
    ),
    c(
        "verify.annotations",
        Medium,
        "Annotations other than links (comments, notes, stamps, form widgets) remain.",
    ),
    c(
        "verify.covered_content",
        Medium,
        "Text or an image is drawn under an opaque filled rectangle: a black box over live content, not a redaction.",
    ),
    c(
        "verify.area_content",
        Medium,
        "Text or image content is still drawn inside a redaction area.",
    ),
    c(
        "verify.unreadable",
        Medium,
        "Part of the output could not be decoded for checking, so it cannot be shown to be free of the terms.",
    ),
    c(
        "verify.comments",
        Medium,
        "Comments, comment anchors, comment authors or annotations remain in an Office/ODF package.",
    ),
    c(
        "verify.tracked_changes",
        Medium,
        "Tracked changes (insertions, deletions, formatting revisions, revision logs) remain in an Office/ODF package.",
    ),
    c(
        "verify.session_ids",
        Medium,
        "Editing-session identifiers (rsid, paraId) remain in an Office/ODF package.",
    ),
    c(
        "verify.hidden_text",
        Medium,
        "Word runs hidden with w:vanish remain.",
    ),
    c("verify.notes", Medium, "PowerPoint speaker notes remain."),
    c(
        "verify.hidden_cells",
        Medium,
        "Cells remain in a hidden Excel sheet or in hidden rows or columns.",
    ),
    c(
        "verify.invisible_text",
        Medium,
        "A Word run coloured white with nothing coloured behind it (invisible on the page) remains.",
    ),
    c(
        "verify.image_metadata",
        Medium,
        "A picture (standalone or inside a document) still carries EXIF, GPS, XMP, IPTC, ICC, comment, thumbnail, maker-note or timestamp metadata, or trailing data.",
    ),
];

#[cfg(test)]
mod tests {
    #[test]
    fn codes_are_unique_dotted_and_prefixed() {
        let mut seen = std::collections::HashSet::new();
        for c in super::CODES {
            assert!(seen.insert(c.code), "duplicate {}", c.code);
            assert!(
                ["redact.", "scrub.", "verify."]
                    .iter()
                    .any(|p| c.code.starts_with(p)),
                "{}",
                c.code
            );
        }
    }
}
