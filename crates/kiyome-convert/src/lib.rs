//! kiyome-convert: the guideline's first two methods of ファイル無害化.
//!
//! - image-PDF conversion (画像PDF変換): [`render`] pages with hayro (pure Rust) and
//!   [`imagepdf::build`] a new PDF from images only;
//! - text-only extraction (テキストのみ抽出): see [`text`].
#![forbid(unsafe_code)]

mod fonts;
mod image_pages;
pub mod imagepdf;
pub mod ocr;
mod ocr_layer;
mod odf_text;
pub mod office;
mod ooxml_text;
pub mod pdftext;
pub mod render;
pub mod text;
mod unicode_fallback;
mod workers;
mod xlsx_text;

pub use image_pages::image_page;

pub use fonts::{FONT_DIRS_ENV, cjk_available};
pub use imagepdf::{EncodedPage, Encoding, ImagePdf, ImagePdfOptions};
pub use render::{PageImage, page_count, render_each, render_pages};
pub use workers::abandoned_pages;
