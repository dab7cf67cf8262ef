//! File kinds, their names and the extensions that claim them.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! kinds {
    ($( $(#[$doc:meta])* $v:ident => $name:literal, $class:ident, [$($ext:literal),*]; )*) => {
        /// What a file really is, as established from its content by [`crate::sniff`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Kind { $( $(#[$doc])* $v, )* }

        impl Kind {
            /// Every kind, in declaration order.
            pub const ALL: &'static [Kind] = &[$(Kind::$v),*];

            /// The stable lower-case name used in reports and policy files (`docm`, `pdf`, …).
            pub fn name(self) -> &'static str {
                match self { $(Kind::$v => $name,)* }
            }

            /// The broad class the kind belongs to.
            pub fn class(self) -> KindClass {
                match self { $(Kind::$v => KindClass::$class,)* }
            }

            /// File-name extensions (lower case, no dot) that claim this kind.
            pub fn extensions(self) -> &'static [&'static str] {
                match self { $(Kind::$v => &[$($ext),*],)* }
            }

            /// The kind with this stable name.
            pub fn from_name(name: &str) -> Option<Kind> {
                match name { $($name => Some(Kind::$v),)* _ => None }
            }
        }
    };
}

kinds! {
    /// Portable Document Format.
    Pdf => "pdf", Pdf, ["pdf"];
    /// Word document (OOXML).
    Docx => "docx", Ooxml, ["docx"];
    /// Macro-enabled Word document.
    Docm => "docm", Ooxml, ["docm"];
    /// Word template.
    Dotx => "dotx", Ooxml, ["dotx"];
    /// Macro-enabled Word template.
    Dotm => "dotm", Ooxml, ["dotm"];
    /// Excel workbook (OOXML).
    Xlsx => "xlsx", Ooxml, ["xlsx"];
    /// Macro-enabled Excel workbook.
    Xlsm => "xlsm", Ooxml, ["xlsm"];
    /// Excel template.
    Xltx => "xltx", Ooxml, ["xltx"];
    /// Macro-enabled Excel template.
    Xltm => "xltm", Ooxml, ["xltm"];
    /// Excel binary workbook (always macro-capable).
    Xlsb => "xlsb", Ooxml, ["xlsb"];
    /// Excel add-in.
    Xlam => "xlam", Ooxml, ["xlam"];
    /// PowerPoint presentation (OOXML).
    Pptx => "pptx", Ooxml, ["pptx"];
    /// Macro-enabled PowerPoint presentation.
    Pptm => "pptm", Ooxml, ["pptm"];
    /// PowerPoint template.
    Potx => "potx", Ooxml, ["potx"];
    /// Macro-enabled PowerPoint template.
    Potm => "potm", Ooxml, ["potm"];
    /// PowerPoint slide show.
    Ppsx => "ppsx", Ooxml, ["ppsx"];
    /// Macro-enabled PowerPoint slide show.
    Ppsm => "ppsm", Ooxml, ["ppsm"];
    /// PowerPoint add-in.
    Ppam => "ppam", Ooxml, ["ppam"];
    /// An OPC package whose main part is not a known Office document.
    Ooxml => "ooxml", Ooxml, [];
    /// An OOXML document encrypted into an OLE container (EncryptedPackage).
    OoxmlEncrypted => "ooxml-encrypted", Ole, [];
    /// OpenDocument text.
    Odt => "odt", Odf, ["odt", "ott"];
    /// OpenDocument spreadsheet.
    Ods => "ods", Odf, ["ods", "ots"];
    /// OpenDocument presentation.
    Odp => "odp", Odf, ["odp", "otp"];
    /// OpenDocument drawing.
    Odg => "odg", Odf, ["odg", "otg"];
    /// Another OpenDocument package.
    Odf => "odf", Odf, ["odf", "odc", "odb"];
    /// Word 97-2003 document (OLE).
    Doc => "doc", Ole, ["doc", "dot"];
    /// Excel 97-2003 workbook (OLE).
    Xls => "xls", Ole, ["xls", "xlt", "xla"];
    /// PowerPoint 97-2003 presentation (OLE).
    Ppt => "ppt", Ole, ["ppt", "pot", "pps"];
    /// Outlook message (OLE).
    Msg => "msg", Ole, ["msg"];
    /// Another OLE compound file.
    Ole => "ole", Ole, [];
    /// Rich Text Format.
    Rtf => "rtf", Rtf, ["rtf"];
    /// Symbolic Link format spreadsheet (can carry XLM macros).
    Sylk => "sylk", Text, ["slk", "sylk"];
    /// ZIP archive.
    Zip => "zip", Archive, ["zip"];
    /// Java archive (a ZIP with a manifest or class files).
    Jar => "jar", Executable, ["jar"];
    /// gzip stream.
    Gzip => "gzip", Archive, ["gz", "tgz"];
    /// 7-Zip archive.
    SevenZip => "7z", Archive, ["7z"];
    /// RAR archive.
    Rar => "rar", Archive, ["rar"];
    /// POSIX tar archive.
    Tar => "tar", Archive, ["tar"];
    /// bzip2 stream.
    Bzip2 => "bzip2", Archive, ["bz2", "tbz2"];
    /// xz stream.
    Xz => "xz", Archive, ["xz", "txz"];
    /// Microsoft cabinet.
    Cab => "cab", Archive, ["cab"];
    /// JPEG image.
    Jpeg => "jpeg", Image, ["jpg", "jpeg", "jpe", "jfif"];
    /// PNG image.
    Png => "png", Image, ["png"];
    /// GIF image.
    Gif => "gif", Image, ["gif"];
    /// TIFF image (and TIFF-based camera raw).
    Tiff => "tiff", Image, ["tif", "tiff", "dng", "nef", "cr2", "arw", "orf", "rw2"];
    /// WebP image.
    Webp => "webp", Image, ["webp"];
    /// Windows bitmap.
    Bmp => "bmp", Image, ["bmp", "dib"];
    /// HEIC/HEIF image.
    Heic => "heic", Image, ["heic", "heif", "hif"];
    /// AVIF image.
    Avif => "avif", Image, ["avif"];
    /// JPEG XL image.
    Jxl => "jxl", Image, ["jxl"];
    /// SVG image (XML that can carry script).
    Svg => "svg", Markup, ["svg", "svgz"];
    /// HTML document.
    Html => "html", Markup, ["html", "htm", "xhtml", "mht", "mhtml"];
    /// Other XML.
    Xml => "xml", Markup, ["xml", "xsl", "xslt", "rss"];
    /// Internet mail message (RFC 5322 / MIME; also Apple .emlx).
    Eml => "eml", Mail, ["eml", "emlx", "mim", "mime"];
    /// mbox mailbox.
    Mbox => "mbox", Mail, ["mbox", "mbx"];
    /// Plain text.
    Text => "text", Text, ["txt", "text", "log", "md", "ini", "json", "yaml", "yml"];
    /// Comma-separated values.
    Csv => "csv", Text, ["csv", "tsv"];
    /// Windows PE executable or DLL.
    Pe => "pe", Executable, ["exe", "dll", "scr", "sys", "com", "cpl", "ocx", "msi"];
    /// ELF executable.
    Elf => "elf", Executable, ["elf", "so", "bin"];
    /// Mach-O executable (or Java class file, which shares the magic).
    MachO => "macho", Executable, ["dylib", "class"];
    /// JavaScript or JScript.
    Js => "js", Script, ["js", "jse", "mjs"];
    /// VBScript.
    Vbs => "vbs", Script, ["vbs", "vbe"];
    /// PowerShell.
    Ps1 => "ps1", Script, ["ps1", "psm1", "psd1"];
    /// Windows batch file.
    Bat => "bat", Script, ["bat", "cmd"];
    /// HTML application.
    Hta => "hta", Script, ["hta"];
    /// Windows Script File.
    Wsf => "wsf", Script, ["wsf", "wsh", "sct"];
    /// Unix shell or other `#!` script.
    Sh => "sh", Script, ["sh", "bash", "py", "pl", "rb"];
    /// Windows shortcut.
    Lnk => "lnk", Shortcut, ["lnk", "url", "scf"];
    /// An empty file.
    Empty => "empty", Text, [];
    /// Content kiyome does not recognise.
    Unknown => "unknown", Unknown, [];
}

/// Broad classes of kinds, used for policy defaults and name/content comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KindClass {
    /// PDF.
    Pdf,
    /// OOXML packages.
    Ooxml,
    /// OpenDocument packages.
    Odf,
    /// OLE compound files.
    Ole,
    /// RTF.
    Rtf,
    /// Archives and compressed streams.
    Archive,
    /// Raster images.
    Image,
    /// HTML, XML, SVG.
    Markup,
    /// Mail messages and mailboxes.
    Mail,
    /// Plain text and CSV.
    Text,
    /// Native executables.
    Executable,
    /// Scripts.
    Script,
    /// Shortcuts.
    Shortcut,
    /// Unknown content.
    Unknown,
}

impl Kind {
    /// The kind a file name claims by its extension, if the extension is known.
    pub fn from_file_name(name: &str) -> Option<Kind> {
        let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
        let (stem, ext) = base.rsplit_once('.')?;
        if stem.is_empty() && !base.starts_with('.') {
            return None;
        }
        let ext = ext.to_ascii_lowercase();
        Kind::ALL
            .iter()
            .copied()
            .find(|k| k.extensions().contains(&ext.as_str()))
    }

    /// The usual extension for an output of this kind (without the dot).
    pub fn default_extension(self) -> &'static str {
        match self.extensions().first() {
            Some(e) => e,
            None => match self {
                Kind::Ooxml | Kind::Zip | Kind::Odf => "zip",
                Kind::Empty | Kind::Text => "txt",
                _ => "bin",
            },
        }
    }

    /// True for OOXML kinds that can carry VBA by their content type.
    pub fn is_macro_enabled(self) -> bool {
        matches!(
            self,
            Kind::Docm
                | Kind::Dotm
                | Kind::Xlsm
                | Kind::Xltm
                | Kind::Xlsb
                | Kind::Xlam
                | Kind::Pptm
                | Kind::Potm
                | Kind::Ppsm
                | Kind::Ppam
        )
    }

    /// The macro-free kind a macro-enabled OOXML kind becomes after disarm (`docm` → `docx`).
    /// `xlsb` has no macro-free sibling: it stays `xlsb` with its VBA part removed.
    pub fn macro_free(self) -> Kind {
        match self {
            Kind::Docm => Kind::Docx,
            Kind::Dotm => Kind::Dotx,
            Kind::Xlsm | Kind::Xlam => Kind::Xlsx,
            Kind::Xltm => Kind::Xltx,
            Kind::Pptm | Kind::Ppam => Kind::Pptx,
            Kind::Potm => Kind::Potx,
            Kind::Ppsm => Kind::Ppsx,
            k => k,
        }
    }

    /// Whether a file whose name claims `claimed` may legitimately contain this kind.
    ///
    /// Exact matches and a few harmless equivalences (text/CSV, XML/SVG/HTML claims of markup,
    /// `.mbox` holding one message, `.zip` holding an OPC or ODF package) are consistent;
    /// everything else is a `kind.mismatch` finding.
    pub fn consistent_with_claim(self, claimed: Kind) -> bool {
        use Kind::*;
        if self == claimed {
            return true;
        }
        matches!(
            (claimed, self),
            (Text | Csv, Text | Csv | Empty)
                | (Xml, Svg | Html)
                | (Html, Xml)
                | (Eml, Mbox)
                | (Mbox, Eml)
                | (Zip, Ooxml | Odf)
                | (Tiff, Tiff)
                | (Gzip, Tar)
                | (_, Empty)
        ) || (claimed.class() == KindClass::Script && matches!(self, Text | Empty))
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Kind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Kind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Kind::from_name(&s).ok_or_else(|| serde::de::Error::custom(format!("unknown kind `{s}`")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for k in Kind::ALL {
            assert!(seen.insert(k.name()), "duplicate name {}", k.name());
            assert_eq!(Kind::from_name(k.name()), Some(*k));
        }
    }

    #[test]
    fn extensions_claim_one_kind_each() {
        let mut seen = std::collections::HashMap::new();
        for k in Kind::ALL {
            for e in k.extensions() {
                assert!(seen.insert(*e, *k).is_none(), "extension {e} claimed twice");
            }
        }
    }

    #[test]
    fn claims_from_file_names() {
        assert_eq!(Kind::from_file_name("a/b/Report.DOCM"), Some(Kind::Docm));
        assert_eq!(Kind::from_file_name("C:\\x\\photo.JPG"), Some(Kind::Jpeg));
        assert_eq!(Kind::from_file_name("README"), None);
        assert_eq!(Kind::from_file_name("x.unknownext"), None);
    }

    #[test]
    fn macro_free_kinds() {
        for k in Kind::ALL {
            // xlsb is binary: its macros are removed but it stays xlsb.
            if k.is_macro_enabled() && *k != Kind::Xlsb {
                assert!(!k.macro_free().is_macro_enabled(), "{k}");
            }
        }
        assert_eq!(Kind::Docm.macro_free(), Kind::Docx);
    }
}
