//! kiyome-archive: bounded inspection and rebuilding of zip, gzip and tar archives.
//!
//! Every member is handed back to the engine (`ctx.inspect_nested` / `ctx.sanitize_nested`),
//! so a document inside a zip inside a mail is checked like any other file. Declared sizes are
//! never trusted: members are inflated in steps under the per-stream, ratio and shared budget
//! limits. Quines (an archive that contains itself) are caught by comparing each member with
//! the archives being unpacked above it.
//!
//! ```
//! use kiyome_core::{Budget, Ctx, Inspection, Kind, Limits, NoNesting};
//! let budget = Budget::new(&Limits::default());
//! let ctx = Ctx::new(&budget, &NoNesting);
//! let mut out = Inspection::default();
//! // The smallest zip: an end-of-central-directory record and nothing else.
//! let empty = b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";
//! kiyome_archive::inspect(empty, Kind::Zip, &ctx, &mut out).unwrap();
//! assert!(out.children.is_empty());
//! ```
#![forbid(unsafe_code)]

mod gz;
pub mod names;
mod rebuild;
mod tar;
mod zip_inspect;
pub mod zipread;

pub use rebuild::disarm;

use kiyome_core::{CodeInfo, Ctx, Error, Inspection, Kind, Severity};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;

const fn c(code: &'static str, severity: Severity, meaning: &'static str) -> CodeInfo {
    CodeInfo {
        code,
        severity,
        meaning,
    }
}

/// Finding codes raised by this crate.
pub const CODES: &[CodeInfo] = &[
    c(
        "archive.encrypted",
        Severity::Medium,
        "Encrypted members (ZipCrypto, AES): their content cannot be checked without the password (the PPAP case); sanitize opens them with the operator's `--password` and blocks the archive when it is missing or wrong.",
    ),
    c(
        "archive.path_traversal",
        Severity::Medium,
        "A member name with '..' components (zip-slip): extraction would write outside the target folder.",
    ),
    c(
        "archive.absolute_path",
        Severity::Medium,
        "A member name that is an absolute path or starts with a drive letter.",
    ),
    c(
        "archive.duplicate_name",
        Severity::Medium,
        "Two members extract to the same path (also case-insensitively): which one wins depends on the tool.",
    ),
    c(
        "archive.quine",
        Severity::Medium,
        "A member is byte-identical to an archive above it (droste.zip, quine.gz): unpacking never ends.",
    ),
    c(
        "archive.overlapping_entries",
        Severity::Medium,
        "Members share compressed data (a non-recursive zip bomb such as zbsm.zip); nothing is extracted.",
    ),
    c(
        "archive.unsupported_method",
        Severity::Medium,
        "A member uses a compression method kiyome does not decode (Deflate64, bzip2, LZMA, Zstandard, PPMd…).",
    ),
    c(
        "archive.name_mismatch",
        Severity::Medium,
        "A local header names a different file than the central directory: tools disagree on what the archive holds.",
    ),
    c(
        "archive.trailing_data",
        Severity::Medium,
        "Data after the end of the archive or compressed stream (a polyglot or a hidden payload).",
    ),
    c(
        "archive.link",
        Severity::Medium,
        "A tar symbolic or hard link: extraction can redirect later writes outside the target folder.",
    ),
    c(
        "archive.special_file",
        Severity::Medium,
        "A tar device node or FIFO.",
    ),
    c(
        "archive.damaged_member",
        Severity::Medium,
        "A member could not be read (truncated data, bad local header, corrupt compressed stream).",
    ),
    c(
        "archive.polyglot",
        Severity::Medium,
        "The file is also a valid archive of another kind (a gzip that is also a zip): tools disagree on its content.",
    ),
    c(
        "archive.duplicate_content",
        Severity::Info,
        "A member is byte-identical to an earlier sibling; its report repeats the sibling's findings instead of unpacking it again.",
    ),
    c(
        "archive.crc_mismatch",
        Severity::Low,
        "A member's data does not match its CRC-32.",
    ),
    c(
        "archive.backslash_name",
        Severity::Low,
        "A member name uses backslashes, which are path separators on Windows only.",
    ),
    c(
        "archive.control_characters",
        Severity::Low,
        "A member name contains control characters.",
    ),
    c(
        "archive.legacy_name_charset",
        Severity::Info,
        "Member names are in a legacy charset (CP932/Shift_JIS, GBK) without the UTF-8 flag; decoded and reported.",
    ),
    c(
        "archive.member_removed",
        Severity::Low,
        "A member was blocked by policy and left out of the rebuilt archive.",
    ),
    c(
        "archive.renamed",
        Severity::Low,
        "A member was renamed in the rebuilt archive (unsafe path, duplicate, or changed kind).",
    ),
];

/// Options for archive disarm (embedded in the engine's policy under `[archive]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ArchiveOptions {
    /// Password for encrypted zips, supplied by the operator (default: none, so encrypted
    /// zips are blocked as `archive.encrypted`). It comes from `--password`: a policy file
    /// cannot set it, and it is never written to reports or `kiyome policy show`.
    #[serde(skip)]
    pub password: Option<String>,
    /// Whether a rebuilt archive from which members were removed gains a member
    /// `_kiyome_removed.txt` listing each removed member and the reason code, in Japanese and
    /// English. Unset (the default): only text-only extraction and image-PDF conversion write
    /// it, where a recipient who unpacks a zip of converted files could not otherwise tell
    /// that a file is missing; disarm records removals in the report only.
    pub removed_notice: Option<bool>,
    /// Set by the engine for text-only extraction and image-PDF conversion: names the method
    /// in the notice and turns it on unless `removed_notice` is `false`. Not a policy key.
    #[serde(skip)]
    pub converting: Option<Conversion>,
}

/// The conversion an archive's members went through, for the removed-members notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conversion {
    /// テキストのみ抽出.
    Text,
    /// 画像PDF変換.
    ImagePdf,
}

thread_local! {
    /// SHA-256 of every archive being unpacked on this thread, outermost first. The engine
    /// recurses synchronously, so this is the chain of ancestors of the current member.
    static ANCESTORS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// Keeps an archive on the ancestor stack while its members are handled.
pub(crate) struct AncestorGuard;

impl AncestorGuard {
    pub(crate) fn enter(data: &[u8]) -> Self {
        let h = kiyome_core::sha256_hex(data);
        ANCESTORS.with(|a| a.borrow_mut().push(h));
        AncestorGuard
    }
}

impl Drop for AncestorGuard {
    fn drop(&mut self) {
        ANCESTORS.with(|a| {
            a.borrow_mut().pop();
        });
    }
}

/// Whether `member` is byte-identical to an archive being unpacked above it.
pub(crate) fn is_quine(member: &[u8]) -> bool {
    let h = kiyome_core::sha256_hex(member);
    ANCESTORS.with(|a| a.borrow().contains(&h))
}

/// Inspects `data` (already detected as `kind`): every member recursively, encryption, name
/// tricks, duplicates, bombs and quines.
pub fn inspect(data: &[u8], kind: Kind, ctx: &Ctx<'_>, out: &mut Inspection) -> Result<(), Error> {
    let _guard = AncestorGuard::enter(data);
    match kind {
        Kind::Zip | Kind::Jar => zip_inspect::inspect(data, ctx, out),
        Kind::Gzip => gz::inspect(data, ctx, out),
        Kind::Tar => tar::inspect(data, ctx, out),
        other => Err(Error::unsupported(format!("{other} archives"))),
    }
}
