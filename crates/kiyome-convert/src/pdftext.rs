//! Text of a PDF in reading order, from hayro's interpreter.
//!
//! A text-collecting [`Device`] receives every glyph the page draws (page content, Form
//! XObjects, annotation appearances) with its Unicode value (ToUnicode, glyph names, the
//! predefined CMaps) and its position. Glyphs are grouped into lines (horizontal writing:
//! top to bottom, left to right) and columns (vertical writing, 縦書き: right to left, top to
//! bottom), with spaces where the gap between glyphs says so.

use crate::unicode_fallback::Fallbacks;
use hayro::hayro_interpret::font::GlyphRun;
use hayro::hayro_interpret::hayro_cmap::BfString;
use hayro::hayro_interpret::util::TransformExt;
use hayro::hayro_interpret::{
    BlendMode, ClipPath, Context, Device, DrawMode, DrawProps, Image, ImageDrawProps,
    InterpreterCache, InterpreterSettings, SoftMask, interpret_page,
};
use hayro::hayro_syntax::Pdf;
use hayro::kurbo::{BezPath, Point, Rect};
use kiyome_core::{Budget, Error, LimitKind};
use std::cell::OnceCell;
use std::sync::Arc;

#[derive(Debug, Clone)]
struct G {
    x: f64,
    y: f64,
    size: f64,
    adv: f64,
    vertical: bool,
    text: String,
}

struct TextDevice<'f> {
    glyphs: Vec<G>,
    limit: usize,
    pdf: &'f Pdf,
    fallbacks: &'f OnceCell<Fallbacks>,
}

impl TextDevice<'_> {
    /// The Unicode value of a glyph hayro could not map (see [`crate::unicode_fallback`]).
    fn fallback(&self, g: &hayro::hayro_interpret::font::Glyph<'_>) -> Option<BfString> {
        let hayro::hayro_interpret::font::Glyph::Outline(o) = g else {
            return None;
        };
        let name = o.font_data()?.postscript_name?;
        self.fallbacks
            .get_or_init(|| Fallbacks::of(self.pdf))
            .unicode(&name, o.char_code())
    }
}

impl<'a> Device<'a> for TextDevice<'_> {
    fn draw_path(&mut self, _: &BezPath, _: DrawProps<'a>, _: &DrawMode) {}
    fn push_clip_path(&mut self, _: &ClipPath) {}
    fn push_transparency_group(&mut self, _: f32, _: Option<SoftMask<'a>>, _: BlendMode) {}
    fn draw_image(&mut self, _: Image<'a, '_>, _: ImageDrawProps<'a>) {}
    fn pop_clip(&mut self) {}
    fn pop_transparency_group(&mut self) {}

    fn draw_glyph_run(&mut self, run: &GlyphRun<'_, 'a>, props: DrawProps<'a>, _: &DrawMode) {
        let vertical = matches!(
            run.writing_mode(),
            hayro::hayro_interpret::hayro_cmap::WritingMode::Vertical
        );
        for g in run.glyphs() {
            if self.glyphs.len() >= self.limit {
                return;
            }
            let Some(u) = g.as_unicode().or_else(|| self.fallback(g)) else {
                continue;
            };

            let text: String = match u {
                BfString::Char(c) => c.to_string(),
                BfString::String(s) => s,
            }
            .chars()
            // Noncharacters and replacement characters come from broken ToUnicode maps.
            .filter(|c| {
                !matches!(*c as u32, 0xFFFE | 0xFFFF | 0xFFFD | 0xFDD0..=0xFDEF)
                    && crate::text::is_kept(*c)
            })
            // Fixed-width spaces (U+2002 for the proportional space CID of Adobe-Japan1, NBSP)
            // are plain spaces in text; the ideographic space U+3000 stays.
            .map(|c| match c {
                '\u{a0}' | '\u{2000}'..='\u{200a}' | '\u{202f}' | '\u{205f}' => ' ',
                c => c,
            })
            .collect();
            if text.is_empty() {
                continue;
            }
            // Advance in glyph units (1000 per em); an unknown advance is taken as half an em
            // for narrow characters and a full em for wide (CJK) ones.
            let units = match &**g {
                hayro::hayro_interpret::font::Glyph::Outline(o) => o.advance_width(),
                hayro::hayro_interpret::font::Glyph::Type3(t) => t.advance_width(),
            }
            .filter(|w| w.is_finite() && *w > 0.0)
            .unwrap_or(if text.chars().any(is_wide) {
                1000.0
            } else {
                500.0
            }) as f64;
            let t = props.transform * g.transform();
            let origin = t * Point::new(0.0, 0.0);
            // The glyph transform maps glyph space (1000 units per em) to device space.
            let em = t * Point::new(0.0, 1000.0) - origin;
            let adv = t * Point::new(units, 0.0) - origin;
            let size = em.hypot().max(0.01);
            self.glyphs.push(G {
                x: origin.x,
                y: origin.y,
                size,
                adv: adv.hypot(),
                vertical,
                text,
            });
        }
    }
}

fn is_wide(c: char) -> bool {
    matches!(c as u32, 0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD)
}

/// Extracts the text of every page, pages separated by form feeds turned into blank lines.
pub fn pdf_text(data: &[u8], password: Option<&str>, budget: &Budget) -> Result<String, Error> {
    let shared = Arc::new(data.to_vec());
    let pdf = Pdf::new_with_password(shared, password.unwrap_or("")).map_err(|e| match e {
        hayro::hayro_syntax::LoadPdfError::Decryption(d) => Error::Encrypted {
            format: "pdf",
            detail: format!("cannot decrypt ({d:?}); supply the password"),
        },
        hayro::hayro_syntax::LoadPdfError::Invalid => Error::parse("pdf", "cannot read this PDF"),
    })?;
    let pages = pdf.pages();
    let max_pages = budget.limits().max_pages as usize;
    if pages.len() > max_pages {
        return Err(Error::limit(
            LimitKind::Pages,
            pages.len() as u64,
            max_pages as u64,
        ));
    }
    let settings = InterpreterSettings {
        font_resolver: Arc::new(crate::fonts::resolve),
        ..Default::default()
    };
    let cache = InterpreterCache::new();
    let fallbacks = OnceCell::new();
    let mut out = String::new();
    for page in pages.iter() {
        budget.check_time()?;
        let (w, h) = page.render_dimensions();
        let mut ctx = Context::new(
            page.initial_transform(true).to_kurbo(),
            Rect::new(0.0, 0.0, w as f64, h as f64),
            &cache,
            page.xref(),
            settings.clone(),
        );
        let mut dev = TextDevice {
            glyphs: Vec::new(),
            limit: 2_000_000,
            pdf: &pdf,
            fallbacks: &fallbacks,
        };
        interpret_page(page, &mut ctx, &mut dev);
        let text = layout(dev.glyphs);
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&text);
    }
    Ok(out)
}

/// Orders glyphs into text: horizontal lines, then vertical columns.
fn layout(glyphs: Vec<G>) -> String {
    let (vert, horiz): (Vec<G>, Vec<G>) = glyphs.into_iter().partition(|g| g.vertical);
    let mut s = lines(horiz);
    let v = columns(vert);
    if !v.is_empty() {
        if !s.is_empty() {
            s.push('\n');
        }
        s.push_str(&v);
    }
    s
}

fn lines(mut gs: Vec<G>) -> String {
    gs.sort_by(|a, b| a.y.total_cmp(&b.y).then(a.x.total_cmp(&b.x)));
    let mut rows: Vec<Vec<G>> = Vec::new();
    for g in gs {
        match rows.last_mut() {
            Some(row) if (row[0].y - g.y).abs() <= 0.5 * row[0].size.min(g.size) => row.push(g),
            _ => rows.push(vec![g]),
        }
    }
    let mut out = String::new();
    for mut row in rows {
        row.sort_by(|a, b| a.x.total_cmp(&b.x));
        let row = dedupe(row, |g| (g.x, g.y));
        let mut line = String::new();
        let mut prev_end: Option<f64> = None;
        for g in &row {
            if let Some(end) = prev_end {
                let gap = g.x - end;
                if gap > 3.0 * g.size && !line.is_empty() {
                    // A wide gap: table cells or side-by-side blocks.
                    line.truncate(line.trim_end_matches(' ').len());
                    line.push('\t');
                } else if gap > 0.15 * g.size
                    && !line.ends_with([' ', '\t'])
                    && !g.text.starts_with(' ')
                {
                    line.push(' ');
                }
            }
            line.push_str(&g.text);
            prev_end = Some(g.x + g.adv);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Drops a glyph drawn again over itself (fake bold, shadows: the same character offset by a
/// fraction of its size), as poppler does: same text, within 0.1 em along the line and 0.2 em
/// across it. `key` gives (along, across) for the writing direction; `gs` is sorted along.
fn dedupe(gs: Vec<G>, key: impl Fn(&G) -> (f64, f64)) -> Vec<G> {
    let mut kept: Vec<G> = Vec::with_capacity(gs.len());
    for g in gs {
        let (a, b) = key(&g);
        let dup = kept.iter().rev().take(4).any(|k| {
            let (ka, kb) = key(k);
            k.text == g.text && (a - ka).abs() < 0.1 * g.size && (b - kb).abs() < 0.2 * g.size
        });
        if !dup {
            kept.push(g);
        }
    }
    kept
}

fn columns(mut gs: Vec<G>) -> String {
    // 縦書き: columns from right to left, characters from top to bottom.
    gs.sort_by(|a, b| b.x.total_cmp(&a.x).then(a.y.total_cmp(&b.y)));
    let mut cols: Vec<Vec<G>> = Vec::new();
    for g in gs {
        match cols.last_mut() {
            Some(col) if (col[0].x - g.x).abs() <= 0.5 * col[0].size.min(g.size) => col.push(g),
            _ => cols.push(vec![g]),
        }
    }
    let mut out = String::new();
    for mut col in cols {
        col.sort_by(|a, b| a.y.total_cmp(&b.y));
        let col = dedupe(col, |g| (g.y, g.x));
        let text: String = col.iter().map(|g| g.text.as_str()).collect();
        out.push_str(text.trim_end());
        out.push('\n');
    }
    out
}
