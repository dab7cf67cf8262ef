//! The PDF finding codes.

use kiyome_core::{CodeInfo, Severity};

const fn c(code: &'static str, severity: Severity, meaning: &'static str) -> CodeInfo {
    CodeInfo {
        code,
        severity,
        meaning,
    }
}

use Severity::*;

/// Finding codes raised by this crate.
pub const CODES: &[CodeInfo] = &[
    c(
        "pdf.javascript",
        High,
        "JavaScript: a JavaScript action, a /JS entry or the document-level /JavaScript name tree (ISO 32000-1 §12.6.4.16).",
    ),
    c(
        "pdf.open_action",
        Medium,
        "An /OpenAction runs when the file opens; low when it only shows a page (GoTo or a destination), high for JavaScript or Launch.",
    ),
    c(
        "pdf.additional_actions",
        Medium,
        "An /AA additional-actions dictionary triggers actions on open, close, page view, mouse or field events.",
    ),
    c(
        "pdf.launch",
        High,
        "A Launch action starts a program or opens a file on the reader's machine.",
    ),
    c(
        "pdf.goto_remote",
        Medium,
        "A GoToR or GoToE action opens another (remote or embedded) document.",
    ),
    c(
        "pdf.import_data",
        Medium,
        "An ImportData action loads form data from an external file.",
    ),
    c(
        "pdf.submit_form",
        Medium,
        "A SubmitForm action sends form data to a URL.",
    ),
    c(
        "pdf.reset_form",
        Low,
        "A ResetForm action clears form fields.",
    ),
    c(
        "pdf.uri",
        Medium,
        "A URI action (detail: the scheme); http, https and mailto are low, any other scheme (file:, UNC paths, javascript:, relative) is a dangerous external reference.",
    ),
    c(
        "pdf.embedded_file",
        Medium,
        "An embedded file (EmbeddedFiles name tree, file specification with /EF, FileAttachment annotation, associated file); its bytes are inspected as a nested file.",
    ),
    c(
        "pdf.portfolio",
        Medium,
        "A PDF portfolio (/Collection): the document is a container of embedded files.",
    ),
    c(
        "pdf.rich_media",
        Medium,
        "Multimedia: RichMedia (Flash), 3D, Movie, Sound or Screen annotations and Rendition, Movie or Sound actions.",
    ),
    c(
        "pdf.xfa",
        Medium,
        "An XFA form (XML Forms Architecture), which carries its own scripts and data connections.",
    ),
    c(
        "pdf.acroform",
        Low,
        "An interactive form (AcroForm) with fields.",
    ),
    c(
        "pdf.encrypted",
        Medium,
        "The file is encrypted; low when it opens with the empty user password (and was inspected decrypted), medium when its objects could not be read.",
    ),
    c(
        "pdf.object_streams",
        Low,
        "Objects are stored compressed inside object streams, hidden from byte-level scanners.",
    ),
    c(
        "pdf.jbig2",
        Low,
        "An image uses the JBIG2Decode filter, a complex decoder with a history of exploits.",
    ),
    c(
        "pdf.jpx",
        Low,
        "An image uses the JPXDecode (JPEG 2000) filter.",
    ),
    c(
        "pdf.incremental_update",
        Info,
        "The file has more than one revision (incremental updates); older revisions may hold removed content (detail: the count).",
    ),
    c(
        "pdf.repaired_xref",
        Low,
        "The cross-reference data was damaged and had to be repaired or rebuilt by scanning for objects.",
    ),
    c(
        "pdf.page_tree",
        Low,
        "The page tree loops or its /Count disagrees with the pages it holds; rebuilt flat from the pages found (readers disagree on such trees).",
    ),
    c(
        "pdf.metadata_info",
        Info,
        "A document information dictionary (/Info: author, title, producer, dates…).",
    ),
    c(
        "pdf.metadata_xmp",
        Info,
        "An XMP metadata stream on the catalog.",
    ),
    c(
        "pdf.outlines",
        Info,
        "Document outlines (bookmarks, しおり).",
    ),
    c(
        "pdf.annotations",
        Info,
        "Annotations (comments, links, widgets…); detail: the count and subtypes.",
    ),
    c(
        "pdf.name_escape",
        Medium,
        "A name spells letters or digits with #xx escapes (e.g. /J#61vaScript), an obfuscation used to evade scanners.",
    ),
    c(
        "pdf.unknown_filter",
        Medium,
        "A stream uses a filter that is not a standard PDF filter; its content cannot be checked.",
    ),
];
