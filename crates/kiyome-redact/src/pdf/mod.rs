//! PDF: true redaction, metadata scrub and the independent leak check.
//!
//! [`redact`] runs four steps on one loaded document:
//! 1. **disarm** (kiyome-pdf): scripts, actions, attachments, XFA, forms and rich media go,
//!    revisions are merged;
//! 2. **scrub** ([`scrub`]): Info, XMP, outlines, annotations except links, thumbnails,
//!    private application data, article threads, hidden layers;
//! 3. **content redaction** (when the plan has rules): glyphs, image pixels and paths inside
//!    matches and areas are removed from every content stream (pages, forms, annotation
//!    appearances), and fonts lose the glyphs only removed text used (`prune`);
//! 4. **write**: one revision, only reachable objects, a fresh /ID derived from the output.
//!
//! [`verify`] is the leak check: it shares nothing with steps 2–3 (it extracts text with
//! hayro's interpreter, not ours, and scans raw bytes).

mod apply;
mod cff;
mod charstr;
mod exactnum;
mod fonts;
mod geom;
mod glyphnames;
mod images;
mod inline;
mod interp;
mod matching;
mod prune;
mod rawops;
mod scrub;
mod sfnt;
mod std14;
mod stdwidths;
mod type1;
mod verify;

pub use verify::verify;

use crate::plan::Plan;
use crate::report::RedactionReport;
use kiyome_core::{Ctx, Disarmed, Error, Inspection, Kind};
use kiyome_pdf::PdfOptions;
use kiyome_pdf::rewrite::{self, lopdf};
use sha2::{Digest, Sha256};

/// Redacts a PDF by `plan` (and scrubs it), recording what was removed in `report`.
/// The caller ([`crate::redact`]) verifies the result.
pub fn redact(
    data: &[u8],
    plan: &Plan,
    ctx: &Ctx<'_>,
    report: &mut RedactionReport,
) -> Result<Disarmed, Error> {
    let opts = PdfOptions {
        // Form fields carry values (and scripts); a published document keeps none.
        keep_forms: false,
        ..PdfOptions::default()
    };
    let mut ins = Inspection::default();
    let disarmed = kiyome_pdf::disarm(data, Kind::Pdf, ctx, &opts, &mut ins)?;
    report.removed.extend(ins.findings);
    let mut loaded = rewrite::load(&disarmed.data, ctx, None)?;
    let doc = &mut loaded.doc;
    scrub::scrub(doc, ctx, report)?;
    let pages: Vec<lopdf::ObjectId> = doc.get_pages().into_values().collect();
    for a in &plan.areas {
        if a.page as usize > pages.len() {
            return Err(Error::unsupported(format!(
                "area on page {} of a {}-page document",
                a.page,
                pages.len()
            )));
        }
    }
    // The content pass runs even without rules: it removes hidden optional content.
    prune::indirect_fonts(doc);
    let (fonts, forms) = apply::apply(doc, &pages, plan, ctx, report)?;
    let standard_widths = if plan.is_empty() {
        Default::default()
    } else {
        stdwidths::make_explicit(doc, fonts.codes.keys())
    };
    prune::prune(doc, &fonts, &forms, &standard_widths, ctx, report)?;
    apply::scrub_strings(doc, plan, report);
    let id = document_id(doc);
    report.removed(
        kiyome_core::Finding::new(
            "scrub.document_id",
            kiyome_core::Severity::Info,
            "trailer /ID",
        )
        .detail("replaced by a hash of the output's content")
        .action(kiyome_core::Action::Converted),
    );
    let out = rewrite::write(doc, ctx, Some(id))?;
    Ok(Disarmed {
        data: out,
        kind: Kind::Pdf,
    })
}

/// A document /ID derived only from what the output contains (its streams), so it links the
/// file to nothing before it (ISO 32000-1 §14.4 lets the first half be any unique value).
fn document_id(doc: &lopdf::Document) -> [u8; 16] {
    let mut h = Sha256::new();
    h.update(b"kiyome-redact /ID v1");
    for obj in doc.objects.values() {
        if let lopdf::Object::Stream(s) = obj {
            h.update((s.content.len() as u64).to_le_bytes());
            h.update(&s.content);
        }
    }
    let d = h.finalize();
    let mut id = [0u8; 16];
    id.copy_from_slice(&d[..16]);
    id
}

/// Entry points for the fuzz targets (`fuzz/`); not a stable API.
#[doc(hidden)]
pub mod fuzzing {
    use super::cff::{self, Keep};
    use super::type1;
    use kiyome_pdf::rewrite::lopdf::content::{Content, Operation};

    /// Parses `data[1..]` as a content stream, drops every n-th operation (n from the first
    /// byte) and encodes the rest with the input's bytes where they stand for an unchanged
    /// operation: the result must parse back to exactly the kept operations.
    pub fn content_rawops(data: &[u8]) {
        let Some((&sel, src)) = data.split_first() else {
            return;
        };
        // The reader-faithful numbers: any bytes are tokenised without panicking, and every
        // page-sized number they hold is written back to a decimal that reads as the same
        // double.
        for v in super::exactnum::numbers(src).unwrap_or_default() {
            let w = super::exactnum::write(v);
            if v.is_finite() && (1.0..1e6).contains(&v.abs()) {
                assert_eq!(
                    super::exactnum::parse(w.as_bytes()),
                    Some(v),
                    "{v:?} as {w}"
                );
            }
        }
        let Ok(orig) = super::interp::parse_ops(src) else {
            return;
        };
        let ops_nums = super::interp::text_numbers(&orig, src);
        assert_eq!(ops_nums.len(), orig.len());
        let n = 2 + usize::from(sel % 7);
        let kept: Vec<_> = orig
            .iter()
            .enumerate()
            .filter(|(i, _)| i % n != 0)
            .map(|(_, o)| o.clone())
            .collect();
        // The property is about rawops: only inputs whose operations lopdf itself writes and
        // reads back unchanged are judged.
        let same = |a: &[Operation], b: &[Operation]| {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| super::rawops::same(x, y))
        };
        let plain = Content {
            operations: kept.clone(),
        }
        .encode();
        let round_trips = plain
            .ok()
            .and_then(|p| super::interp::parse_ops(&p).ok())
            .is_some_and(|b| same(&b, &kept));
        if !round_trips {
            return;
        }
        let out = super::rawops::encode(&kept, &orig, src).expect("lopdf encodes these");
        let back = super::interp::parse_ops(&out).expect("an encoded stream parses");
        assert!(
            same(&back, &kept),
            "the output holds exactly the kept operations"
        );
    }

    /// Runs the CFF, OpenType-CFF and Type 1 pruners on `data[1..]`: the first byte chooses
    /// how the program is addressed (CIDs, glyph ids or names) and which glyphs stay.
    /// Anything they write must be readable by them again.
    pub fn prune_font_program(data: &[u8]) {
        let Some((&sel, prog)) = data.split_first() else {
            return;
        };
        let stride = 1 + u32::from(sel / 3) % 5;
        let wanted = (0..64u32).filter(|i| i % stride == 0);
        let mut keep = Keep::default();
        match sel % 3 {
            0 => {
                keep.by_cid = true;
                keep.cids = wanted.map(|i| i * 37).collect();
            }
            1 => {
                keep.by_gid = true;
                keep.gids = wanted.map(|i| i as u16).collect();
            }
            _ => {
                keep.by_name = true;
                keep.codes = wanted.map(|i| (i * 3) as u8).collect();
                keep.names = [b"A".to_vec(), b"a".to_vec(), b"space".to_vec()].into();
            }
        }
        if let Ok(p) = cff::prune(prog, &keep) {
            let _ = cff::prune(&p.data, &keep).expect("pruned CFF reads again");
        }
        let _ = super::sfnt::prune_cff(prog, &keep);
        if let Ok(p) = type1::prune(prog, (None, None), &keep) {
            let l = p.lengths;
            let _ = type1::prune(&p.data, (Some(l[0]), Some(l[1])), &keep)
                .expect("pruned Type 1 reads again");
        }
    }
}
