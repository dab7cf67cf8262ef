//! The sanitize policy: per kind the mode, per factor the action, and the limits.
//!
//! Loaded from TOML (`--policy FILE`); every field has a documented default, so an empty file
//! is the default policy. `kiyome policy show` prints the effective policy with a comment on
//! every key (`docs/policy.md` documents the same keys; a test keeps the two in step).
//!
//! A policy is validated when it is loaded: unknown keys, unknown kinds or finding codes,
//! values out of range, and anything that would let a dangerous factor through (keeping a
//! Medium/High factor, allowing `file:` links) are refused with a message naming the key.

use crate::factors::{self, FactorAction};
use kiyome_core::{Kind, KindClass, Limits};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Why a policy file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// Not valid TOML, an unknown key, or a value of the wrong type.
    #[error("{0}")]
    Syntax(String),
    /// Well-formed, but a value is not allowed (unknown kind or code, out of range, unsafe).
    #[error("{0}")]
    Invalid(String),
}

/// The URI schemes inspection rates Low: the only ones a policy may keep in PDF links.
pub const SAFE_URI_SCHEMES: &[&str] = &["http", "https", "mailto"];

/// How a kind is made harmless.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// サニタイズ処理: remove active content, rebuild in the same format.
    Disarm,
    /// テキストのみ抽出: keep only the text, as UTF-8 `.txt`.
    Text,
    /// 画像PDF変換: render pages to pixels and rebuild an image-only PDF.
    ImagePdf,
    /// Never release this kind.
    Block,
}

impl Mode {
    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Disarm => "disarm",
            Mode::Text => "text",
            Mode::ImagePdf => "image-pdf",
            Mode::Block => "block",
        }
    }
}

impl std::str::FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "disarm" => Ok(Mode::Disarm),
            "text" => Ok(Mode::Text),
            "image-pdf" => Ok(Mode::ImagePdf),
            "block" => Ok(Mode::Block),
            _ => Err(format!(
                "unknown mode `{s}` (expected disarm, text, image-pdf or block)"
            )),
        }
    }
}

/// The sanitize policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// A version string recorded in every report and audit record.
    pub version: String,
    /// The mode for kinds not named in `modes`.
    pub default_mode: Mode,
    /// Mode per kind name (`docm`, `pdf`…) or class name (`image`, `ooxml`…); a kind name
    /// wins over its class. Executables, scripts, shortcuts and unknown content are always
    /// blocked, whatever this says.
    pub modes: BTreeMap<String, Mode>,
    /// Action per factor, keyed by finding code or code prefix (`remove`, `block`, `keep`);
    /// see [`crate::factors`]. An entry overrides the section switch for the same factor.
    pub factors: BTreeMap<String, FactorAction>,
    /// Resource limits for each input.
    pub limits: Limits,
    /// Mail: HTML bodies, PPAP zips, link defanging, the notice (`[mail]`).
    pub mail: kiyome_mail::MailOptions,
    /// PDF disarm: allowed URI schemes, forms (`[pdf]`).
    pub pdf: kiyome_pdf::PdfOptions,
    /// Image re-encoding (`[image]`).
    pub image: kiyome_image::ImageOptions,
    /// Archive rebuilding (`[archive]`).
    pub archive: kiyome_archive::ArchiveOptions,
    /// Office/ODF/OLE/RTF disarm: what is kept (`[office]`).
    pub office: kiyome_office::OfficeOptions,
    /// Image-PDF conversion: resolution and JPEG quality.
    pub image_pdf: kiyome_convert::ImagePdfOptions,
    /// The LibreOffice sandbox used to convert Office/ODF/RTF/text to PDF.
    pub libreoffice: kiyome_convert::office::OfficeOptions,
    /// OCR with tesseract (`[ocr]`): images in text mode, the invisible text layer of
    /// image-PDF outputs. Off by default.
    pub ocr: kiyome_convert::ocr::OcrOptions,
    /// The quarantine of originals: retention period (`[quarantine]`).
    pub quarantine: kiyome_mail::quarantine::QuarantineOptions,
}

impl Default for Policy {
    fn default() -> Self {
        let mut modes = BTreeMap::new();
        // SVG is XML that can run script; kiyome does not rebuild it.
        modes.insert("svg".to_string(), Mode::Block);
        Policy {
            version: "default-1".into(),
            default_mode: Mode::Disarm,
            modes,
            factors: BTreeMap::new(),
            limits: Limits::default(),
            mail: kiyome_mail::MailOptions::default(),
            pdf: Default::default(),
            image: Default::default(),
            archive: Default::default(),
            office: Default::default(),
            image_pdf: Default::default(),
            libreoffice: Default::default(),
            ocr: Default::default(),
            quarantine: Default::default(),
        }
    }
}

impl Policy {
    /// Parses and validates a TOML policy; unknown keys are errors so that typos are not
    /// silently ignored.
    pub fn from_toml(text: &str) -> Result<Policy, PolicyError> {
        let p: Policy =
            toml::from_str(text).map_err(|e| PolicyError::Syntax(e.to_string().trim().into()))?;
        p.validate().map_err(PolicyError::Invalid)?;
        Ok(p)
    }

    /// Checks values that TOML types alone cannot: known kinds and codes, ranges, and that
    /// nothing dangerous can be kept.
    pub fn validate(&self) -> Result<(), String> {
        for key in self.modes.keys() {
            let known = Kind::from_name(key).is_some() || class_from_name(key).is_some();
            if !known {
                return Err(format!(
                    "[modes] \"{key}\": unknown kind or class (kinds: pdf, docx, jpeg…; classes: {})",
                    CLASSES
                        .iter()
                        .map(|c| class_name(*c))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        let codes: Vec<&kiyome_core::CodeInfo> = crate::all_codes()
            .into_iter()
            .flat_map(|(_, t)| t.iter())
            .collect();
        factors::validate(&self.factors, &codes)?;
        for s in &self.pdf.allowed_uri_schemes {
            if !SAFE_URI_SCHEMES.iter().any(|k| k.eq_ignore_ascii_case(s)) {
                return Err(format!(
                    "[pdf] allowed_uri_schemes: `{s}` links are a dangerous factor (pdf.uri, medium) and cannot be kept; allowed: {}",
                    SAFE_URI_SCHEMES.join(", ")
                ));
            }
        }
        let range = |key: &str, v: f64, lo: f64, hi: f64| {
            if v.is_finite() && (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(format!("{key} = {v}: must be between {lo} and {hi}"))
            }
        };
        range(
            "[image] jpeg_quality",
            self.image.jpeg_quality as f64,
            1.0,
            100.0,
        )?;
        range(
            "[image_pdf] jpeg_quality",
            self.image_pdf.jpeg_quality as f64,
            1.0,
            100.0,
        )?;
        range("[image_pdf] dpi", self.image_pdf.dpi as f64, 36.0, 1200.0)?;
        range(
            "[libreoffice] timeout_secs",
            self.libreoffice.timeout_secs as f64,
            1.0,
            3600.0,
        )?;
        range(
            "[libreoffice] memory_mib",
            self.libreoffice.memory_mib as f64,
            256.0,
            65536.0,
        )?;
        let l = &self.limits;
        for (key, v) in [
            ("max_input_bytes", l.max_input_bytes),
            ("max_decompressed_bytes", l.max_decompressed_bytes),
            ("max_stream_bytes", l.max_stream_bytes),
            ("max_ratio", l.max_ratio),
            ("max_depth", l.max_depth as u64),
            ("max_entries", l.max_entries),
            ("max_objects", l.max_objects),
            ("max_xml_events", l.max_xml_events),
            ("max_xml_depth", l.max_xml_depth as u64),
            ("max_pixels", l.max_pixels),
            ("max_pages", l.max_pages as u64),
            ("max_wall_ms", l.max_wall_ms),
        ] {
            if v == 0 {
                return Err(format!("[limits] {key} = 0: must be at least 1"));
            }
        }
        Ok(())
    }

    /// The effective policy as TOML (no comments; what [`Policy::sha256`] hashes).
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_default()
    }

    /// The effective policy as TOML with a comment on every key and, under `[factors]`, the
    /// effective action of every wired factor (`kiyome policy show`). Loading it again gives
    /// the same policy.
    pub fn to_commented_toml(&self) -> String {
        crate::policy_doc::commented(self)
    }

    /// The action `[factors]` gives `code` (longest matching key), if any.
    pub fn factor_action(&self, code: &str) -> Option<FactorAction> {
        factors::lookup(&self.factors, code)
    }

    /// A keep/remove switch after the `[factors]` entry for `code`, if there is one.
    fn keep(&self, code: &str, default: bool) -> bool {
        match self.factor_action(code) {
            Some(FactorAction::Keep) => true,
            Some(FactorAction::Remove) => false,
            _ => default,
        }
    }

    /// The PDF disarm options with `[factors]` applied.
    pub fn pdf_options(&self) -> kiyome_pdf::PdfOptions {
        let mut o = self.pdf.clone();
        if self.factor_action("pdf.uri") == Some(FactorAction::Remove) {
            o.allowed_uri_schemes.clear();
        }
        o.keep_forms = self.keep("pdf.acroform", o.keep_forms);
        o
    }

    /// The Office disarm options for `kind` with `[factors]` applied (OOXML, ODF and OLE each
    /// have their own codes for the same switches).
    pub fn office_options(&self, kind: Kind) -> kiyome_office::OfficeOptions {
        let mut o = self.office.clone();
        let (links, comments, props, objects) = match kind.class() {
            KindClass::Ooxml => (
                "ooxml.external_relationship",
                "ooxml.comments",
                "ooxml.properties",
                "ooxml.ole_embedding",
            ),
            KindClass::Odf => (
                "odf.external_link",
                "odf.annotations",
                "odf.metadata",
                "odf.ole_object",
            ),
            KindClass::Ole => ("", "", "ole.summary_properties", "ole.embedded_object"),
            _ => return o,
        };
        if !links.is_empty() && self.factor_action(links) == Some(FactorAction::Remove) {
            o.keep_web_hyperlinks = false;
        }
        if !comments.is_empty() {
            o.keep_comments = self.keep(comments, o.keep_comments);
        }
        o.keep_properties = self.keep(props, o.keep_properties);
        if self.factor_action(objects) == Some(FactorAction::Remove) {
            o.embedded_objects = kiyome_office::EmbeddedObjects::Remove;
        }
        o
    }

    /// The mail disarm options with `[factors]` applied.
    pub fn mail_options(&self) -> kiyome_mail::MailOptions {
        let mut o = self.mail.clone();
        o.html = match self.factor_action("mail.html_body") {
            Some(FactorAction::Keep) => kiyome_mail::HtmlMode::Sanitized,
            Some(FactorAction::Remove) => kiyome_mail::HtmlMode::Text,
            _ => o.html,
        };
        o
    }

    /// Whether any `[factors]` entry blocks.
    pub fn blocks_factors(&self) -> bool {
        self.factors.values().any(|a| *a == FactorAction::Block)
    }

    /// SHA-256 of the effective policy, recorded in reports.
    pub fn sha256(&self) -> String {
        kiyome_core::sha256_hex(self.to_toml().as_bytes())
    }

    /// The mode for `kind`, with `override_mode` (from `--mode`) taking precedence over
    /// everything except an explicit `block`.
    pub fn mode_for(&self, kind: Kind, override_mode: Option<Mode>) -> Mode {
        self.mode_for_member(kind, override_mode, None)
    }

    /// The mode for `kind` found inside a container (archive member, mail attachment) that is
    /// being converted by `inherited` (text or image-pdf). Precedence: always-blocked classes
    /// and an explicit `block`; then `--mode`; then the mode the policy names for the kind or
    /// its class; then the container's mode; then `default_mode`. So `zip = "text"` turns
    /// every member into text unless the policy says otherwise for the member's kind.
    pub fn mode_for_member(
        &self,
        kind: Kind,
        override_mode: Option<Mode>,
        inherited: Option<Mode>,
    ) -> Mode {
        if matches!(
            kind.class(),
            KindClass::Executable | KindClass::Script | KindClass::Shortcut | KindClass::Unknown
        ) {
            return Mode::Block;
        }
        let configured = self
            .modes
            .get(kind.name())
            .or_else(|| self.modes.get(class_name(kind.class())))
            .copied();
        match (configured, override_mode) {
            (Some(Mode::Block), _) => Mode::Block,
            (_, Some(m)) => m,
            (Some(m), None) => m,
            (None, None) => inherited.unwrap_or(self.default_mode),
        }
    }
}

pub(crate) fn class_name(c: KindClass) -> &'static str {
    match c {
        KindClass::Pdf => "pdf-class",
        KindClass::Ooxml => "ooxml",
        KindClass::Odf => "odf",
        KindClass::Ole => "ole",
        KindClass::Rtf => "rtf-class",
        KindClass::Archive => "archive",
        KindClass::Image => "image",
        KindClass::Markup => "markup",
        KindClass::Mail => "mail",
        KindClass::Text => "text-class",
        KindClass::Executable => "executable",
        KindClass::Script => "script",
        KindClass::Shortcut => "shortcut",
        KindClass::Unknown => "unknown",
    }
}

/// Every kind class, in the order `policy show` and the docs list them.
pub(crate) const CLASSES: &[KindClass] = &[
    KindClass::Pdf,
    KindClass::Ooxml,
    KindClass::Odf,
    KindClass::Ole,
    KindClass::Rtf,
    KindClass::Archive,
    KindClass::Image,
    KindClass::Markup,
    KindClass::Mail,
    KindClass::Text,
    KindClass::Executable,
    KindClass::Script,
    KindClass::Shortcut,
    KindClass::Unknown,
];

fn class_from_name(s: &str) -> Option<KindClass> {
    CLASSES.iter().copied().find(|c| class_name(*c) == s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_policy_is_the_default() {
        assert_eq!(Policy::from_toml("").unwrap(), Policy::default());
    }

    #[test]
    fn kind_beats_class_and_block_beats_override() {
        let p = Policy::from_toml(
            "[modes]\nimage = \"text\"\njpeg = \"image-pdf\"\ndocm = \"block\"\n",
        )
        .unwrap();
        assert_eq!(p.mode_for(Kind::Jpeg, None), Mode::ImagePdf);
        assert_eq!(p.mode_for(Kind::Png, None), Mode::Text);
        assert_eq!(p.mode_for(Kind::Docm, Some(Mode::Disarm)), Mode::Block);
        assert_eq!(p.mode_for(Kind::Pdf, Some(Mode::Text)), Mode::Text);
        assert_eq!(p.mode_for(Kind::Pe, Some(Mode::Disarm)), Mode::Block);
    }

    #[test]
    fn members_of_a_converted_container_inherit_its_mode_unless_the_policy_names_theirs() {
        let p =
            Policy::from_toml("[modes]\nzip = \"text\"\npdf = \"image-pdf\"\nsvg = \"block\"\n")
                .unwrap();
        assert_eq!(p.mode_for(Kind::Zip, None), Mode::Text);
        assert_eq!(
            p.mode_for_member(Kind::Docx, None, Some(Mode::Text)),
            Mode::Text
        );
        assert_eq!(
            p.mode_for_member(Kind::Pdf, None, Some(Mode::Text)),
            Mode::ImagePdf
        );
        assert_eq!(
            p.mode_for_member(Kind::Svg, None, Some(Mode::Text)),
            Mode::Block
        );
        assert_eq!(
            p.mode_for_member(Kind::Pe, None, Some(Mode::Text)),
            Mode::Block
        );
        // --mode still wins over everything but block.
        assert_eq!(
            p.mode_for_member(Kind::Pdf, Some(Mode::Text), Some(Mode::ImagePdf)),
            Mode::Text
        );
        assert_eq!(p.mode_for_member(Kind::Docx, None, None), Mode::Disarm);
    }

    #[test]
    fn typos_are_errors() {
        assert!(Policy::from_toml("[modes]\njpg = \"text\"\n").is_err());
        assert!(Policy::from_toml("defualt_mode = \"text\"\n").is_err());
        assert!(Policy::from_toml("default_mode = \"shred\"\n").is_err());
    }

    #[test]
    fn round_trips_through_toml() {
        let p = Policy::default();
        assert_eq!(Policy::from_toml(&p.to_toml()).unwrap(), p);
    }
}
