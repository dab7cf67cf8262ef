//! Building blocks for crates that rewrite PDFs themselves (redaction, scrub): the bounded
//! loader, the page-tree flattener and the single-revision writer that [`crate::disarm`] uses.
//!
//! ```
//! use kiyome_core::{Budget, Ctx, Limits, NoNesting};
//! let pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n\
//! 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";
//! let budget = Budget::new(&Limits::default());
//! let ctx = Ctx::new(&budget, &NoNesting);
//! let loaded = kiyome_pdf::rewrite::load(pdf, &ctx, None).unwrap();
//! let out = kiyome_pdf::rewrite::write(&loaded.doc, &ctx, Some([7; 16])).unwrap();
//! assert!(out.starts_with(b"%PDF-"));
//! ```

use crate::collect::Collector;
use kiyome_core::{Ctx, Error, Inspection};
use lopdf::Document;

pub use lopdf;

/// A document loaded under kiyome's limits.
pub struct LoadedPdf {
    /// The objects (decrypted when the file was encrypted with an empty or given password).
    pub doc: Document,
    /// Revisions in the file (1 + incremental updates).
    pub revisions: usize,
    /// The input was encrypted (and could be opened).
    pub encrypted: bool,
    /// The cross-reference data was damaged and reconstructed.
    pub repaired: bool,
}

/// Loads `data` like [`crate::disarm`] does: input size, per-stream and object limits
/// enforced, parser panics contained. An encrypted file that needs a password it was not
/// given is an [`Error::Encrypted`].
pub fn load(data: &[u8], ctx: &Ctx<'_>, password: Option<&str>) -> Result<LoadedPdf, Error> {
    let loaded = crate::load::load(data, ctx, password)?;
    if loaded.locked {
        return Err(Error::Encrypted {
            format: "pdf",
            detail: "a user password is needed to open it".into(),
        });
    }
    let doc = loaded.doc;
    let revisions = if doc.xref_section_count > 0 {
        doc.revision_count()
    } else {
        1
    };
    let repaired = doc.xref_recovery == Some(lopdf::xref::XrefRecovery::Reconstructed);
    Ok(LoadedPdf {
        doc,
        revisions,
        encrypted: loaded.encrypted,
        repaired,
    })
}

/// Replaces the page tree by one flat /Pages node with inherited attributes copied down;
/// returns the number of pages.
pub fn flatten_pages(doc: &mut Document, ctx: &Ctx<'_>) -> Result<usize, Error> {
    crate::pages::flatten(doc, ctx)
}

/// Writes the objects the catalog (and the trailer's /Info, if still set) reaches as a fresh
/// single-revision file, renumbered, with a classic cross-reference table, no object streams
/// and `id` as the document /ID. Streams are checked for bombs and unknown filters.
pub fn write(doc: &Document, ctx: &Ctx<'_>, id: Option<[u8; 16]>) -> Result<Vec<u8>, Error> {
    let mut col = Collector::default();
    let r = crate::write::rebuild_with_id(doc, ctx, &mut col, id);
    let mut sink = Inspection::default();
    col.finish(&mut sink);
    r
}
