//! Loading a PDF with lopdf under kiyome's limits.
//!
//! lopdf is a general-purpose parser, not one written for hostile input, so it is fenced in:
//! the input size is checked first, every stream lopdf decodes while loading is bounded by
//! `max_stream_bytes`, the object count is checked against `max_objects`, and a parser panic
//! is contained here and reported as a parse failure of this file rather than of the run.

use kiyome_core::{Ctx, Error, LimitKind};
use lopdf::{Document, LoadOptions, Object, ObjectId};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// A loaded document and what loading learnt about it.
pub(crate) struct Loaded {
    /// The document (empty of objects when it is encrypted and could not be opened).
    pub doc: Document,
    /// Encrypted and not opened: the objects could not be decrypted.
    pub locked: bool,
    /// The file declares encryption (opened or not).
    pub encrypted: bool,
}

/// Loads `data`, trying `password` (and always the empty user password).
pub(crate) fn load(data: &[u8], ctx: &Ctx<'_>, password: Option<&str>) -> Result<Loaded, Error> {
    let limits = ctx.limits();
    if data.len() as u64 > limits.max_input_bytes {
        return Err(Error::limit(
            LimitKind::InputSize,
            data.len() as u64,
            limits.max_input_bytes,
        ));
    }
    ctx.budget.check_time()?;
    let max_stream = usize::try_from(limits.max_stream_bytes).unwrap_or(usize::MAX);
    let options = LoadOptions {
        password: password.map(str::to_string),
        max_decompressed_size: Some(max_stream),
        ..LoadOptions::default()
    };
    let result = catch_unwind(AssertUnwindSafe(|| {
        Document::load_mem_with_options(data, options)
    }));
    let doc = match result {
        Ok(Ok(doc)) => doc,
        Ok(Err(e)) => return Err(map_error(e, limits.max_stream_bytes)),
        Err(panic) => {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            return Err(Error::parse(
                "pdf",
                format!("the PDF parser failed internally ({msg})"),
            ));
        }
    };
    ctx.budget.check_time()?;
    let n = doc.objects.len() as u64;
    if n > limits.max_objects {
        return Err(Error::limit(LimitKind::Objects, n, limits.max_objects));
    }
    // lopdf removes /Encrypt from the trailer once it has decrypted the objects.
    let locked = doc.trailer.has(b"Encrypt");
    let encrypted = locked || doc.encryption_state.is_some();
    Ok(Loaded {
        doc,
        locked,
        encrypted,
    })
}

fn map_error(e: lopdf::Error, max_stream: u64) -> Error {
    use lopdf::{DecompressError, Error as L};
    match e {
        L::Decompress(DecompressError::MemoryLimitExceeded { limit }) => {
            Error::limit(LimitKind::StreamSize, limit as u64 + 1, max_stream)
        }
        L::InvalidPassword => Error::Encrypted {
            format: "pdf",
            detail: "the password supplied does not open the file".into(),
        },
        L::UnsupportedSecurityHandler(h) => Error::Encrypted {
            format: "pdf",
            detail: format!(
                "unsupported security handler /{}",
                String::from_utf8_lossy(&h)
            ),
        },
        L::Decryption(d) => Error::Encrypted {
            format: "pdf",
            detail: format!("cannot decrypt: {d}"),
        },
        other => Error::parse("pdf", other.to_string()),
    }
}

/// Follows a chain of references (at most a few hops, so a reference cycle ends) to the
/// object it names; `None` for a dangling reference.
pub(crate) fn resolve<'a>(doc: &'a Document, mut obj: &'a Object) -> Option<&'a Object> {
    for _ in 0..8 {
        match obj {
            Object::Reference(id) => obj = doc.objects.get(id)?,
            other => return Some(other),
        }
    }
    None
}

/// The dictionary `obj` is or refers to (a stream's dictionary counts).
pub(crate) fn dict_of<'a>(doc: &'a Document, obj: &'a Object) -> Option<&'a lopdf::Dictionary> {
    match resolve(doc, obj)? {
        Object::Dictionary(d) => Some(d),
        Object::Stream(s) => Some(&s.dict),
        _ => None,
    }
}

/// The name `key` holds in `d`, if it is a name.
pub(crate) fn name<'a>(d: &'a lopdf::Dictionary, key: &[u8]) -> Option<&'a [u8]> {
    match d.get(key).ok()? {
        Object::Name(n) => Some(n.as_slice()),
        _ => None,
    }
}

/// A location string for an indirect object.
pub(crate) fn obj_loc(doc: &Document, id: ObjectId) -> String {
    match doc.reference_table.get(id.0) {
        Some(lopdf::xref::XrefEntry::Compressed { container, .. }) => {
            format!("obj {} {} (in object stream {})", id.0, id.1, container)
        }
        _ => format!("obj {} {}", id.0, id.1),
    }
}

/// Inflates every Flate-encoded stream among `ids` into a sink, counting what it would
/// produce: a decompression bomb (`limit.stream_size`, `limit.ratio`,
/// `limit.decompressed_size`) is caught even though nothing else decodes page content.
/// Nothing is kept in memory.
///
/// With `strict` (disarm), a Flate stream whose data is damaged blocks the file: what it
/// holds cannot be checked, and readers disagree about how much of it to use.
pub(crate) fn check_stream_sizes<'a>(
    doc: &Document,
    ids: impl Iterator<Item = &'a ObjectId>,
    ctx: &Ctx<'_>,
    strict: bool,
) -> Result<(), Error> {
    use std::io::Read;
    let limits = ctx.limits();
    for id in ids {
        let Some(Object::Stream(s)) = doc.objects.get(id) else {
            continue;
        };
        let chain = crate::actions::filters(&s.dict);
        let first = chain.first().map(Vec::as_slice);
        // The strict decode (disarm) runs after the bounded count below, so a bomb is refused
        // by the counter before anything is held in memory. A lone Flate layer without a PNG
        // predictor is fully checked by the counter itself.
        let counted_fully = chain.len() == 1 && !crate::decode::has_png_predictor(&s.dict);
        if !matches!(first, Some(b"FlateDecode" | b"Fl")) {
            if strict && !chain.is_empty() {
                strict_check(s, *id, ctx)?;
            }
            continue;
        }
        ctx.budget.check_time()?;
        let dec = flate2::read::ZlibDecoder::new(s.content.as_slice());
        let mut sink = std::io::sink();
        // Inspect counts what inflated before any damage; disarm refuses damaged data.
        let mut counted = CountingSink(0, &mut sink);
        let r = std::io::copy(
            &mut dec.take(limits.max_stream_bytes.saturating_add(1)),
            &mut counted,
        );
        let n = counted.0;
        if strict && r.is_err() && !s.content.is_empty() {
            return Err(Error::parse(
                "pdf",
                format!("stream {} {} holds damaged Flate data", id.0, id.1),
            ));
        }
        ctx.budget.consume(n)?;
        check_pdf_ratio(limits, s.content.len() as u64, n)?;
        if strict && !counted_fully {
            strict_check(s, *id, ctx)?;
        }
    }
    Ok(())
}

/// Decodes the generic filter chain of one stream strictly ([`crate::decode`]); damage blocks.
fn strict_check(s: &lopdf::Stream, id: ObjectId, ctx: &Ctx<'_>) -> Result<(), Error> {
    let limits = ctx.limits();
    ctx.budget.check_time()?;
    match crate::decode::decode_strict(&s.dict, &s.content, limits.max_stream_bytes) {
        Ok(None) => {}
        // Counted against the run's budget: chains the counter does not see (ASCII85 over
        // Flate) are bounded in total, not only per stream.
        Ok(Some(d)) => ctx.budget.consume(d.len() as u64)?,
        Err(crate::decode::Damage::TooLarge) => {
            return Err(Error::limit(
                LimitKind::StreamSize,
                limits.max_stream_bytes.saturating_add(1),
                limits.max_stream_bytes,
            ));
        }
        Err(crate::decode::Damage::Invalid { filter, why }) => {
            return Err(Error::parse(
                "pdf",
                format!(
                    "stream {} {} holds damaged /{filter} data ({why}); \
                     readers would disagree on its content",
                    id.0, id.1
                ),
            ));
        }
    }
    Ok(())
}

/// The largest ratio one Deflate layer can reach (RFC 1951: a 258-byte match costs at least
/// two bits, so about 1032:1). A single Flate stream can never go beyond it.
pub(crate) const FLATE_MAX_RATIO: u64 = 1032;

/// The ratio check for a PDF stream's Flate layer.
///
/// PDF is not an archive: a page of flat colour or a large blank scan legitimately compresses
/// 500–1000:1 in one Flate layer (freeculture.pdf has a 526:1 image), and the decoder here
/// streams into a counter, so nothing is ever held in memory because of a high ratio. What
/// stops a PDF bomb is the absolute bounds: `max_stream_bytes` per stream and the run's
/// decompressed-byte budget, both checked above. The ratio limit is therefore applied with
/// a floor of [`FLATE_MAX_RATIO`]: an operator's stricter archive ratio does not block
/// ordinary PDFs, and a ratio beyond what one Flate layer can produce (a malformed count) is
/// still refused.
pub(crate) fn check_pdf_ratio(
    limits: &kiyome_core::Limits,
    compressed: u64,
    decompressed: u64,
) -> Result<(), Error> {
    let mut pdf = limits.clone();
    pdf.max_ratio = limits.max_ratio.max(FLATE_MAX_RATIO);
    pdf.check_ratio(compressed, decompressed)
}

/// A writer that counts the bytes it passes on.
struct CountingSink<'a, W>(u64, &'a mut W);

impl<W: std::io::Write> std::io::Write for CountingSink<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.1.write(buf)?;
        self.0 += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.1.flush()
    }
}
