//! kiyome-convert: the guideline's first two methods of ファイル無害化.
//!
//! - image-PDF conversion (画像PDF変換): [`render`] pages with hayro (pure Rust) and
//!   [`imagepdf::build`] a new PDF from images only;
//! - text-only extraction (テキストのみ抽出): see [`text`].
#![forbid(unsafe_code)]

mod fonts;
mod image_pages;
pub mod imagepdf;
pub mod office;
pub mod pdftext;
pub mod render;
pub mod text;
mod workers;

pub use image_pages::image_page;

pub use fonts::{FONT_DIRS_ENV, cjk_available};
pub use imagepdf::{EncodedPage, Encoding, ImagePdf, ImagePdfOptions};
pub use render::{PageImage, page_count, render_each, render_pages};
pub use workers::abandoned_pages;
