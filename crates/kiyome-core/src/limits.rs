//! Explicit resource limits for parsing hostile input.
//!
//! Every parser in kiyome receives a [`Limits`] value. Exceeding one is never a panic or a
//! hang: it becomes an [`Error::LimitExceeded`](crate::Error::LimitExceeded) naming the limit,
//! which the engine turns into a `limit.*` finding and a `blocked` verdict.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Resource limits applied while parsing one input (and everything nested inside it).
///
/// The defaults are sized for a gateway that handles office documents and mail attachments;
/// they are documented in `docs/limits.md` and can be changed in the policy file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Largest input file accepted, in bytes (default 256 MiB).
    pub max_input_bytes: u64,
    /// Total bytes that may be produced by decompression for one top-level input, summed over
    /// every stream, archive member and nested document (default 1 GiB).
    pub max_decompressed_bytes: u64,
    /// Largest size of one decompressed stream or member (default 256 MiB).
    pub max_stream_bytes: u64,
    /// Largest compression ratio of a single stream or member before it is treated as a bomb
    /// (default 200; small members below [`Limits::ratio_floor_bytes`] are exempt).
    pub max_ratio: u64,
    /// Members smaller than this many decompressed bytes are never judged by ratio
    /// (default 1 MiB: runs of zeros in small files compress very well and are harmless).
    pub ratio_floor_bytes: u64,
    /// Deepest nesting of containers (archive in archive, object in document, message in
    /// message; default 8).
    pub max_depth: u32,
    /// Most members in one archive or package (default 10 000).
    pub max_entries: u64,
    /// Most objects in one PDF or records in one structured file (default 500 000).
    pub max_objects: u64,
    /// Most XML elements or nesting levels in one XML part (default 5 000 000 events, 256 levels).
    pub max_xml_events: u64,
    /// Deepest XML element nesting (default 256).
    pub max_xml_depth: u32,
    /// Most pixels of one decoded image or rendered page (default 100 megapixels).
    pub max_pixels: u64,
    /// Most pages in one document (default 2 000).
    pub max_pages: u32,
    /// Wall-clock time for one top-level input, in milliseconds (default 60 000).
    pub max_wall_ms: u64,
    /// Wall-clock time for rendering one page (image-PDF conversion), in milliseconds
    /// (default 20 000).
    pub max_page_ms: u64,
}

impl Default for Limits {
    fn default() -> Self {
        const MIB: u64 = 1024 * 1024;
        Limits {
            max_input_bytes: 256 * MIB,
            max_decompressed_bytes: 1024 * MIB,
            max_stream_bytes: 256 * MIB,
            max_ratio: 200,
            ratio_floor_bytes: MIB,
            max_depth: 8,
            max_entries: 10_000,
            max_objects: 500_000,
            max_xml_events: 5_000_000,
            max_xml_depth: 256,
            max_pixels: 100_000_000,
            max_pages: 2_000,
            max_wall_ms: 60_000,
            max_page_ms: 20_000,
        }
    }
}

impl Limits {
    /// The wall-clock limit as a [`Duration`].
    pub fn max_wall(&self) -> Duration {
        Duration::from_millis(self.max_wall_ms)
    }

    /// Checks one decompressed size against the per-stream and ratio limits.
    ///
    /// `compressed` is the size of the compressed data, `decompressed` the size produced.
    pub fn check_ratio(&self, compressed: u64, decompressed: u64) -> Result<(), crate::Error> {
        if decompressed > self.max_stream_bytes {
            return Err(crate::Error::limit(
                LimitKind::StreamSize,
                decompressed,
                self.max_stream_bytes,
            ));
        }
        if decompressed >= self.ratio_floor_bytes {
            let ratio = decompressed / compressed.max(1);
            if ratio > self.max_ratio {
                return Err(crate::Error::limit(LimitKind::Ratio, ratio, self.max_ratio));
            }
        }
        Ok(())
    }
}

/// Which limit was exceeded; its [`LimitKind::code`] is the finding code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitKind {
    /// [`Limits::max_input_bytes`]
    InputSize,
    /// [`Limits::max_decompressed_bytes`]
    DecompressedSize,
    /// [`Limits::max_stream_bytes`]
    StreamSize,
    /// [`Limits::max_ratio`]
    Ratio,
    /// [`Limits::max_depth`]
    Depth,
    /// [`Limits::max_entries`]
    Entries,
    /// [`Limits::max_objects`]
    Objects,
    /// [`Limits::max_xml_events`] or [`Limits::max_xml_depth`]
    Xml,
    /// [`Limits::max_pixels`]
    Pixels,
    /// [`Limits::max_pages`]
    Pages,
    /// [`Limits::max_wall_ms`]
    WallTime,
    /// [`Limits::max_page_ms`]
    PageTime,
}

impl LimitKind {
    /// The dotted finding code for this limit, e.g. `limit.decompressed_size`.
    pub fn code(self) -> &'static str {
        match self {
            LimitKind::InputSize => "limit.input_size",
            LimitKind::DecompressedSize => "limit.decompressed_size",
            LimitKind::StreamSize => "limit.stream_size",
            LimitKind::Ratio => "limit.ratio",
            LimitKind::Depth => "limit.depth",
            LimitKind::Entries => "limit.entries",
            LimitKind::Objects => "limit.objects",
            LimitKind::Xml => "limit.xml",
            LimitKind::Pixels => "limit.pixels",
            LimitKind::Pages => "limit.pages",
            LimitKind::WallTime => "limit.wall_time",
            LimitKind::PageTime => "limit.page_time",
        }
    }
}

impl std::fmt::Display for LimitKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}
