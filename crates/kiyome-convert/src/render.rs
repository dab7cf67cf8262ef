//! Rendering PDF pages to pixels with hayro (pure Rust, `#![forbid(unsafe_code)]`), under
//! limits on pages, pixels per page, time per page and time per file, pages in parallel.
//!
//! hayro offers no way to interrupt a page once its rendering has started, so every page is
//! rendered on a worker thread of [`crate::workers`] and the calling thread keeps the clock:
//! a page that runs past `max_page_ms` (or a file past `max_wall_ms`) blocks the file at once,
//! and the worker is left to finish that one page on its own, bounded (see docs/limits.md,
//! *Per-page time limit*). Each page is handed to the caller's `each` (the encoder) on the
//! worker as soon as it is rendered, so only the pages in flight are held as raw pixels.

use crate::fonts::{self, FontUse};
use crate::workers::{self, Task};
use hayro::hayro_interpret::InterpreterSettings;
use hayro::hayro_interpret::util::TransformExt;
use hayro::hayro_syntax::Pdf;
use hayro::hayro_syntax::page::Page;
use hayro::kurbo::Affine;
use hayro::vello_cpu::color::palette::css::WHITE;
use hayro::vello_cpu::{Pixmap, RasterizerSettings, RenderContext, Resources, TargetInit};
use hayro::{RenderCache, RenderSettings, render_into};
use kiyome_core::{Budget, Error, LimitKind};
use std::sync::Arc;

/// The largest side of a pixmap hayro can produce.
const MAX_SIDE: f32 = 65_535.0;

/// One rendered page: its size in PDF points (as displayed, rotation applied) and its pixels.
#[derive(Debug, Clone)]
pub struct PageImage {
    /// Width in points (1/72 inch).
    pub width_pt: f32,
    /// Height in points.
    pub height_pt: f32,
    /// Width in pixels.
    pub width_px: u32,
    /// Height in pixels.
    pub height_px: u32,
    /// RGB pixels, row-major, 3 bytes per pixel.
    pub rgb: Vec<u8>,
}

/// Opens a PDF with hayro (with an optional password).
fn open(data: &Arc<Vec<u8>>, password: Option<&str>) -> Result<Pdf, Error> {
    Pdf::new_with_password(data.clone(), password.unwrap_or("")).map_err(|e| match e {
        hayro::hayro_syntax::LoadPdfError::Decryption(d) => Error::Encrypted {
            format: "pdf",
            detail: format!("cannot decrypt for rendering ({d:?}); supply the password"),
        },
        hayro::hayro_syntax::LoadPdfError::Invalid => {
            Error::parse("pdf", "the renderer cannot read this PDF")
        }
    })
}

/// Number of pages hayro sees in the document.
pub fn page_count(data: &[u8], password: Option<&str>) -> Result<usize, Error> {
    let data = Arc::new(data.to_vec());
    Ok(open(&data, password)?.pages().len())
}

/// The scale (pixels per point) for `dpi`, reduced so that the page stays within the pixel
/// limit and hayro's maximum side.
fn scale_for(w_pt: f32, h_pt: f32, dpi: f32, max_pixels: u64) -> f32 {
    let mut scale = dpi / 72.0;
    let side = w_pt.max(h_pt).max(1.0);
    if side * scale > MAX_SIDE {
        scale = MAX_SIDE / side;
    }
    let px = |scale: f32| pixels(w_pt, scale) as f64 * pixels(h_pt, scale) as f64;
    if px(scale) > max_pixels as f64 {
        scale *= (max_pixels as f64 / px(scale)).sqrt() as f32;
        // Rounding the sides up can still overshoot by a row and a column: step down.
        let mut steps = 0;
        while px(scale) > max_pixels as f64 && steps < 64 {
            scale *= 0.995;
            steps += 1;
        }
    }
    scale
}

/// The pixel size of a side of `pt` points at `scale`: every pixel the page touches, as
/// poppler and MuPDF count them (50 pt at 150 dpi is 105 pixels), but not one more for a float
/// error (792 pt at 150 dpi is 1650 pixels, not 1649 as truncation gives nor 1651).
fn pixels(pt: f32, scale: f32) -> u16 {
    (pt * scale - 0.01).ceil().clamp(1.0, MAX_SIDE) as u16
}

/// What every page of one rendering shares.
struct Job {
    dpi: f32,
    max_pixels: u64,
    fonts: Arc<FontUse>,
}

/// Renders one page at the job's resolution.
fn render_one<'a>(
    page: &'a Page<'a>,
    idx: usize,
    cache: &RenderCache<'a>,
    settings: &InterpreterSettings,
    job: &Job,
) -> Result<PageImage, Error> {
    let (w_pt, h_pt) = page.render_dimensions();
    if !(w_pt.is_finite() && h_pt.is_finite()) || w_pt < 1.0 || h_pt < 1.0 {
        return Err(Error::parse(
            "pdf",
            format!("page {} has no usable size", idx + 1),
        ));
    }
    let scale = scale_for(w_pt, h_pt, job.dpi, job.max_pixels);
    let (w, h) = (pixels(w_pt, scale), pixels(h_pt, scale));
    if w as u64 * h as u64 > job.max_pixels {
        return Err(Error::limit(
            LimitKind::Pixels,
            w as u64 * h as u64,
            job.max_pixels,
        ));
    }
    let mut ctx = RenderContext::new(w, h);
    let transform = Affine::scale(scale as f64) * page.initial_transform(true).to_kurbo();
    let render_settings = RenderSettings {
        // Unhinted outlines, as poppler draws them: hinting snaps stems to the pixel grid and
        // moves glyphs by a pixel here and there, which changes the look of small text.
        hinting: false,
        ..Default::default()
    };
    render_into(page, cache, settings, &render_settings, &mut ctx, transform);
    ctx.flush();
    let mut pixmap = Pixmap::new(w, h);
    ctx.render_with(
        &mut pixmap,
        &mut Resources::default(),
        RasterizerSettings {
            target_init: TargetInit::Clear(WHITE),
            ..Default::default()
        },
    );
    drop(ctx);
    if let Some(refusal) = job.fonts.refusal() {
        return Err(refusal);
    }
    // The background is opaque white, so premultiplied equals straight alpha; RGBA is packed
    // into RGB in place (no second page-sized buffer).
    let mut rgb = pixmap.take_rgba8(hayro::vello_cpu::peniko::ImageAlphaType::AlphaPremultiplied);
    let n = rgb.len() / 4;
    for i in 0..n {
        rgb.copy_within(4 * i..4 * i + 3, 3 * i);
    }
    rgb.truncate(3 * n);
    Ok(PageImage {
        width_pt: w_pt,
        height_pt: h_pt,
        width_px: w as u32,
        height_px: h as u32,
        rgb,
    })
}

/// Renders every page at `dpi` (reduced per page when needed to respect the pixel limit),
/// pages in parallel, and hands each page to `each` on the worker that rendered it; returns
/// what `each` returned, in page order. Fails on the page, pixel, per-page time and file time
/// limits, on encryption without the password, on non-embedded CJK fonts without a system CJK
/// font, and when the renderer cannot read the file.
pub fn render_each<T, F>(
    data: &[u8],
    password: Option<&str>,
    dpi: f32,
    budget: &Budget,
    each: F,
) -> Result<Vec<T>, Error>
where
    T: Send + 'static,
    F: Fn(PageImage) -> Result<T, Error> + Send + Sync + 'static,
{
    if !(dpi.is_finite() && dpi > 0.0) {
        return Err(Error::unsupported(format!("rendering at {dpi} dpi")));
    }
    let limits = budget.limits().clone();
    let shared = Arc::new(data.to_vec());
    let count = open(&shared, password)?.pages().len();
    if count == 0 {
        return Err(Error::parse("pdf", "the document has no pages"));
    }
    if count as u64 > limits.max_pages as u64 {
        return Err(Error::limit(
            LimitKind::Pages,
            count as u64,
            limits.max_pages as u64,
        ));
    }
    let pw = password.map(str::to_owned);
    let job = Arc::new(Job {
        dpi,
        max_pixels: limits.max_pixels,
        fonts: Arc::new(FontUse::default()),
    });
    let each = Arc::new(each);
    // Each worker opens the document once and renders the pages it takes with one cache
    // (hayro's documents and caches are not shareable across threads).
    let task: Task<T> = Arc::new(move |pages| {
        let pdf = match open(&shared, pw.as_deref()) {
            Ok(p) => p,
            Err(e) => {
                pages.fail(e);
                return;
            }
        };
        let settings = InterpreterSettings {
            font_resolver: fonts::resolver(job.fonts.clone()),
            ..Default::default()
        };
        let cache = RenderCache::new();
        let doc_pages = pdf.pages();
        while let Some(idx) = pages.next() {
            let result = match doc_pages.get(idx) {
                Some(page) => {
                    render_one(page, idx, &cache, &settings, &job).and_then(|img| each(img))
                }
                None => Err(Error::parse("pdf", "page vanished")),
            };
            if !pages.done(idx, result) {
                return;
            }
        }
    });
    workers::run(count, task, budget, limits.max_page_ms)
}

/// Renders every page at `dpi` and returns the pixels of all of them (see [`render_each`];
/// this holds every page in memory at once).
pub fn render_pages(
    data: &[u8],
    password: Option<&str>,
    dpi: f32,
    budget: &Budget,
) -> Result<Vec<PageImage>, Error> {
    render_each(data, password, dpi, budget, Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_respects_pixel_limit_and_max_side() {
        let s = scale_for(612.0, 792.0, 150.0, 100_000_000);
        assert!((s - 150.0 / 72.0).abs() < 1e-6);
        assert_eq!((pixels(612.0, s), pixels(792.0, s)), (1275, 1650));
        assert_eq!((pixels(200.0, s), pixels(50.0, s)), (417, 105));
        let s = scale_for(612.0, 792.0, 150.0, 10_000);
        assert!(pixels(612.0, s) as u64 * pixels(792.0, s) as u64 <= 10_000);
        let s = scale_for(14_400.0, 100.0, 600.0, u64::MAX);
        assert!(14_400.0 * s <= MAX_SIDE + 0.5);
    }
}
