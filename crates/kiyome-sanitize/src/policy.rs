//! The sanitize policy: per kind the mode, per factor the action, and the limits.
//!
//! Loaded from TOML (`--policy FILE`); every field has a documented default, so an empty file
//! is the default policy. `kiyome policy show` prints the effective policy.

use kiyome_core::{Kind, KindClass, Limits};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
            limits: Limits::default(),
            mail: kiyome_mail::MailOptions::default(),
            pdf: Default::default(),
            image: Default::default(),
            archive: Default::default(),
            office: Default::default(),
            image_pdf: Default::default(),
            libreoffice: Default::default(),
            quarantine: Default::default(),
        }
    }
}

impl Policy {
    /// Parses a TOML policy; unknown keys are errors so that typos are not silently ignored.
    pub fn from_toml(text: &str) -> Result<Policy, String> {
        let p: Policy = toml::from_str(text).map_err(|e| e.to_string())?;
        for key in p.modes.keys() {
            let known = Kind::from_name(key).is_some() || class_from_name(key).is_some();
            if !known {
                return Err(format!("unknown kind or class `{key}` in [modes]"));
            }
        }
        Ok(p)
    }

    /// The effective policy as TOML.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_default()
    }

    /// SHA-256 of the effective policy, recorded in reports.
    pub fn sha256(&self) -> String {
        kiyome_core::sha256_hex(self.to_toml().as_bytes())
    }

    /// The mode for `kind`, with `override_mode` (from `--mode`) taking precedence over
    /// everything except an explicit `block`.
    pub fn mode_for(&self, kind: Kind, override_mode: Option<Mode>) -> Mode {
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
            (None, None) => self.default_mode,
        }
    }
}

fn class_name(c: KindClass) -> &'static str {
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

fn class_from_name(s: &str) -> Option<KindClass> {
    [
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
    ]
    .into_iter()
    .find(|c| class_name(*c) == s)
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
