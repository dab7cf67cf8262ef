//! The fixture type and the manifest writer.

use std::io::Write;
use std::path::Path;

/// One generated file, named after what it attacks, with the finding codes `kiyome inspect`
/// must report for it (all of them; others may appear too).
pub struct Fixture {
    /// File name, e.g. `docm_autoopen.docm`.
    pub name: String,
    /// The bytes.
    pub bytes: Vec<u8>,
    /// Finding codes inspect must report.
    pub expect: Vec<&'static str>,
    /// Whether inspect must block it (a dangerous factor), or release it (clean).
    pub dangerous: bool,
    /// One line: what it attacks.
    pub about: &'static str,
    /// What `kiyome sanitize` (default policy, disarm) must do: `released` or
    /// `blocked:<reason code>`; set from [`crate::sanitize::outcome`].
    pub sanitize: &'static str,
}

impl Fixture {
    /// A fixture carrying dangerous factors with the given codes.
    pub fn dangerous(
        name: &str,
        bytes: Vec<u8>,
        expect: &[&'static str],
        about: &'static str,
    ) -> Self {
        Fixture {
            name: name.into(),
            bytes,
            expect: expect.to_vec(),
            dangerous: true,
            about,
            sanitize: "",
        }
    }

    /// A clean fixture (a control): inspect must release it.
    pub fn clean(name: &str, bytes: Vec<u8>, about: &'static str) -> Self {
        Fixture {
            name: name.into(),
            bytes,
            expect: Vec::new(),
            dangerous: false,
            about,
            sanitize: "",
        }
    }
}

/// Writes every fixture into `root/files/` and the manifest into `root/MANIFEST.tsv`.
pub fn write_all(root: &Path, fixtures: &[Fixture]) -> std::io::Result<()> {
    let dir = root.join("files");
    std::fs::create_dir_all(&dir)?;
    let mut manifest = String::from("name\tdangerous\texpect\tsha256\tabout\tsanitize\n");
    for f in fixtures {
        std::fs::write(dir.join(&f.name), &f.bytes)?;
        manifest.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\n",
            f.name,
            f.dangerous,
            f.expect.join(","),
            kiyome_core::sha256_hex(&f.bytes),
            f.about,
            f.sanitize
        ));
    }
    std::fs::File::create(root.join("MANIFEST.tsv"))?.write_all(manifest.as_bytes())
}
