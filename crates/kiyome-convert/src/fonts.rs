//! System fonts for PDFs whose fonts are not embedded: CJK first.
//!
//! hayro asks a resolver for every font a PDF uses without embedding it. The 14 standard fonts
//! come from hayro's embedded set. A font that needs CJK glyphs — a CID font of a CJK
//! character collection (Adobe-Japan1, -GB1, -CNS1, -Korea1) or a font whose name says so
//! (MS-Mincho, MS-Gothic, HeiseiMin, SimSun, MingLiU, Batang…) — is served a system font of
//! its script: Japanese from fonts-ipafont or fonts-noto-cjk, Chinese and Korean from
//! fonts-noto-cjk (or a few other common families).
//!
//! The script matters: hayro maps a character it cannot find in the substitute font by its
//! CID as a glyph index, which draws a *wrong* character, not a box. A Japanese font lacks
//! many simplified Chinese and all Korean characters, so it is never used for them. When a
//! page needs a font of a script for which no system font is installed, the resolver records
//! it and the page is refused ([`FontUse::refusal`], blocked as `unsupported` with the Debian
//! package to install) instead of being rendered with boxes, blanks or wrong characters.
//!
//! The fonts are searched in the system font directories, or only in the directories listed
//! in `KIYOME_FONT_DIRS` (separated by `:`; empty: no system font at all) when it is set, so
//! that a deployment can pin its fonts and tests can simulate a machine without CJK fonts.

use hayro::hayro_interpret::FontResolverFn;
use hayro::hayro_interpret::font::{FallbackFontQuery, FontData, FontQuery};
use hayro::hayro_interpret::hayro_cmap::CidFamily;
use kiyome_core::Error;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// The environment variable that replaces the system font directories.
pub const FONT_DIRS_ENV: &str = "KIYOME_FONT_DIRS";

/// A CJK script, as far as the choice of a substitute font goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
    Japanese,
    SimplifiedChinese,
    TraditionalChinese,
    Korean,
}

impl Script {
    fn index(self) -> usize {
        self as usize
    }

    /// The Debian packages that provide fonts of the script.
    fn packages(self) -> &'static str {
        match self {
            Script::Japanese => "fonts-ipafont or fonts-noto-cjk",
            _ => "fonts-noto-cjk",
        }
    }

    /// (sans-serif families, serif families), best first.
    fn families(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            Script::Japanese => (
                &[
                    "IPAexGothic",
                    "IPAGothic",
                    "IPAPGothic",
                    "Noto Sans CJK JP",
                    "Source Han Sans JP",
                    "TakaoGothic",
                    "VL Gothic",
                ],
                &[
                    "IPAexMincho",
                    "IPAMincho",
                    "IPAPMincho",
                    "Noto Serif CJK JP",
                    "Source Han Serif JP",
                    "TakaoMincho",
                ],
            ),
            Script::SimplifiedChinese => (
                &[
                    "Noto Sans CJK SC",
                    "Source Han Sans SC",
                    "WenQuanYi Zen Hei",
                    "WenQuanYi Micro Hei",
                ],
                &["Noto Serif CJK SC", "Source Han Serif SC", "AR PL UMing CN"],
            ),
            Script::TraditionalChinese => (
                &[
                    "Noto Sans CJK TC",
                    "Source Han Sans TC",
                    "WenQuanYi Zen Hei",
                    "WenQuanYi Micro Hei",
                ],
                &["Noto Serif CJK TC", "Source Han Serif TC", "AR PL UMing TW"],
            ),
            Script::Korean => (
                &[
                    "Noto Sans CJK KR",
                    "Source Han Sans KR",
                    "NanumGothic",
                    "UnDotum",
                ],
                &[
                    "Noto Serif CJK KR",
                    "Source Han Serif KR",
                    "NanumMyeongjo",
                    "UnBatang",
                ],
            ),
        }
    }
}

const SCRIPTS: [Script; 4] = [
    Script::Japanese,
    Script::SimplifiedChinese,
    Script::TraditionalChinese,
    Script::Korean,
];

/// A loaded system font: bytes and face index.
#[derive(Clone)]
struct Face {
    data: FontData,
    index: u32,
}

/// System CJK fonts per script: (sans, serif).
#[derive(Default)]
struct CjkFonts {
    faces: [(Option<Face>, Option<Face>); 4],
}

impl CjkFonts {
    /// The font for `script`, serif or not, falling back to the other style of that script.
    fn face(&self, script: Script, serif: bool) -> Option<&Face> {
        let (sans, ser) = &self.faces[script.index()];
        if serif {
            ser.as_ref().or(sans.as_ref())
        } else {
            sans.as_ref().or(ser.as_ref())
        }
    }
}

static CJK: OnceLock<CjkFonts> = OnceLock::new();

fn load(db: &fontdb::Database, families: &[&str]) -> Option<Face> {
    for fam in families {
        let query = fontdb::Query {
            families: &[fontdb::Family::Name(fam)],
            ..Default::default()
        };
        if let Some(id) = db.query(&query)
            && let Some((src, index)) = db.face_source(id)
        {
            let bytes = match src {
                fontdb::Source::File(path) | fontdb::Source::SharedFile(path, _) => {
                    match std::fs::read(path) {
                        Ok(b) => b,
                        Err(_) => continue,
                    }
                }
                fontdb::Source::Binary(b) => b.as_ref().as_ref().to_vec(),
            };
            return Some(Face {
                data: Arc::new(bytes),
                index,
            });
        }
    }
    None
}

fn cjk() -> &'static CjkFonts {
    CJK.get_or_init(|| {
        let mut db = fontdb::Database::new();
        match std::env::var_os(FONT_DIRS_ENV) {
            Some(dirs) => {
                for dir in std::env::split_paths(&dirs) {
                    if !dir.as_os_str().is_empty() {
                        db.load_fonts_dir(dir);
                    }
                }
            }
            None => db.load_system_fonts(),
        }
        let mut fonts = CjkFonts::default();
        for s in SCRIPTS {
            let (sans, serif) = s.families();
            fonts.faces[s.index()] = (load(&db, sans), load(&db, serif));
        }
        fonts
    })
}

/// Whether a Japanese system font is available; without one, Japanese text in PDFs that do
/// not embed their fonts cannot be rendered and image-PDF conversion refuses such files.
pub fn cjk_available() -> bool {
    cjk().face(Script::Japanese, false).is_some()
}

/// Name fragments that certainly denote a font of a CJK script.
const NAMES: &[(&str, Script)] = &[
    ("mincho", Script::Japanese),
    ("ms-gothic", Script::Japanese),
    ("msgothic", Script::Japanese),
    ("ms gothic", Script::Japanese),
    ("ms-pgothic", Script::Japanese),
    ("mspgothic", Script::Japanese),
    ("ms ui gothic", Script::Japanese),
    ("msuigothic", Script::Japanese),
    ("heisei", Script::Japanese),
    ("kozmin", Script::Japanese),
    ("kozgo", Script::Japanese),
    ("ryumin", Script::Japanese),
    ("gothicbbb", Script::Japanese),
    ("midashi", Script::Japanese),
    ("meiryo", Script::Japanese),
    ("yu gothic", Script::Japanese),
    ("yugothic", Script::Japanese),
    ("yumincho", Script::Japanese),
    ("ipaex", Script::Japanese),
    ("ipagothic", Script::Japanese),
    ("ipamincho", Script::Japanese),
    ("ipapgothic", Script::Japanese),
    ("ipapmincho", Script::Japanese),
    ("hiragino", Script::Japanese),
    ("osaka", Script::Japanese),
    ("noto sans cjk jp", Script::Japanese),
    ("notosanscjkjp", Script::Japanese),
    ("noto serif cjk jp", Script::Japanese),
    ("notoserifcjkjp", Script::Japanese),
    ("sourcehansans-jp", Script::Japanese),
    ("明朝", Script::Japanese),
    ("simsun", Script::SimplifiedChinese),
    ("宋体", Script::SimplifiedChinese),
    ("黑体", Script::SimplifiedChinese),
    ("明體", Script::TraditionalChinese),
    ("simhei", Script::SimplifiedChinese),
    ("stsong", Script::SimplifiedChinese),
    ("stheiti", Script::SimplifiedChinese),
    ("stkaiti", Script::SimplifiedChinese),
    ("kaiti", Script::SimplifiedChinese),
    ("fangsong", Script::SimplifiedChinese),
    ("mingliu", Script::TraditionalChinese),
    ("dfkai", Script::TraditionalChinese),
    ("mhei", Script::TraditionalChinese),
    ("msung", Script::TraditionalChinese),
    ("batang", Script::Korean),
    ("gulim", Script::Korean),
    ("dotum", Script::Korean),
    ("malgun", Script::Korean),
    ("hysmyeongjo", Script::Korean),
    ("hygothic", Script::Korean),
];

/// Fragments that may denote a CJK font but also Latin ones (Century Gothic, Franklin Gothic):
/// such a font is served a Japanese font when there is one, and never refused for lack of it.
const MAYBE_CJK: &[&str] = &[
    "gothic",
    "ming",
    "song",
    "hei",
    "cjk",
    "source han",
    "sourcehan",
];

/// The script a font name denotes.
fn script_of_name(name: &str) -> Option<Script> {
    let n = name.to_ascii_lowercase();
    if let Some((_, s)) = NAMES.iter().find(|(k, _)| n.contains(k)) {
        return Some(*s);
    }
    if name.chars().any(|c| ('\u{3040}'..='\u{30ff}').contains(&c)) {
        return Some(Script::Japanese);
    }
    if name.chars().any(|c| ('\u{ac00}'..='\u{d7af}').contains(&c)) {
        return Some(Script::Korean);
    }
    None
}

fn names(f: &FallbackFontQuery) -> impl Iterator<Item = &str> {
    [&f.post_script_name, &f.font_name, &f.font_family]
        .into_iter()
        .filter_map(|n| n.as_deref())
}

/// The CJK script a non-embedded font certainly needs: its character collection, else its
/// name.
fn needed_script(f: &FallbackFontQuery) -> Option<Script> {
    match f.character_collection.as_ref().map(|c| &c.family) {
        Some(CidFamily::AdobeJapan1) => Some(Script::Japanese),
        Some(CidFamily::AdobeGB1) => Some(Script::SimplifiedChinese),
        Some(CidFamily::AdobeCNS1) => Some(Script::TraditionalChinese),
        Some(CidFamily::AdobeKorea1) => Some(Script::Korean),
        _ => names(f).find_map(script_of_name),
    }
}

/// Whether a Japanese font is the better substitute though no script is certain (a CID font
/// of another collection, a name with a CJK character or an often-CJK word).
fn prefers_cjk(f: &FallbackFontQuery) -> bool {
    f.character_collection.is_some()
        || names(f).any(|n| {
            let l = n.to_ascii_lowercase();
            MAYBE_CJK.iter().any(|k| l.contains(k))
                || n.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
        })
}

fn is_serif(f: &FallbackFontQuery) -> bool {
    f.is_serif
        || [&f.post_script_name, &f.font_name]
            .into_iter()
            .filter_map(|n| n.as_deref())
            .any(|n| {
                let n = n.to_ascii_lowercase();
                [
                    "min", "song", "serif", "batang", "kai", "fangsong", "myeongjo",
                ]
                .iter()
                .any(|k| n.contains(k))
            })
}

/// What the fonts of one rendering needed: the CJK fonts that could not be served.
#[derive(Default)]
pub(crate) struct FontUse {
    missing: AtomicBool,
    detail: Mutex<Vec<(String, Script)>>,
}

impl FontUse {
    /// The refusal when a page needed a CJK font of a script for which none is installed.
    pub(crate) fn refusal(&self) -> Option<Error> {
        if !self.missing.load(Ordering::SeqCst) {
            return None;
        }
        let detail = self.detail.lock().map(|d| d.clone()).unwrap_or_default();
        let fonts: Vec<String> = detail.iter().map(|(n, s)| format!("{n}: {s:?}")).collect();
        let mut packages: Vec<&str> = detail.iter().map(|(_, s)| s.packages()).collect();
        packages.dedup();
        let packages = if packages.is_empty() {
            "fonts-noto-cjk".to_string()
        } else {
            packages.join(", ")
        };
        Some(Error::unsupported(format!(
            "rendering text in non-embedded CJK fonts ({}) without a system font of that script \
             (it would come out as boxes, blanks or wrong characters): install {packages} \
             (Debian) / 埋め込まれていないフォントの文字を正しく表示できません。{packages} を\
             インストールしてください",
            fonts.join(", ")
        )))
    }

    fn record_missing(&self, f: &FallbackFontQuery, script: Script) {
        self.missing.store(true, Ordering::SeqCst);
        let name = names(f).next().unwrap_or("unnamed").to_string();
        if let Ok(mut d) = self.detail.lock()
            && !d.iter().any(|(n, _)| *n == name)
            && d.len() < 8
        {
            d.push((name, script));
        }
    }
}

/// The font resolver handed to hayro for one document; what it could not serve is recorded in
/// `usage`.
pub(crate) fn resolver(usage: Arc<FontUse>) -> FontResolverFn {
    Arc::new(move |query: &FontQuery| resolve_with(query, cjk(), &usage))
}

/// A resolver that serves what it can and refuses nothing (for text extraction, where glyph
/// shapes do not matter).
pub fn resolve(query: &FontQuery) -> Option<(FontData, u32)> {
    resolve_with(query, cjk(), &FontUse::default())
}

fn resolve_with(query: &FontQuery, fonts: &CjkFonts, usage: &FontUse) -> Option<(FontData, u32)> {
    match query {
        FontQuery::Standard(s) => Some(s.get_font_data()),
        FontQuery::Fallback(f) => {
            let serif = is_serif(f);
            if let Some(script) = needed_script(f) {
                match fonts.face(script, serif) {
                    Some(face) => return Some((face.data.clone(), face.index)),
                    None => usage.record_missing(f, script),
                }
            } else if prefers_cjk(f)
                && let Some(face) = fonts.face(Script::Japanese, serif)
            {
                return Some((face.data.clone(), face.index));
            }
            Some(f.pick_standard_font().get_font_data())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(name: &str) -> FontQuery {
        FontQuery::Fallback(FallbackFontQuery {
            post_script_name: Some(name.into()),
            ..Default::default()
        })
    }

    fn face(index: u32) -> Option<Face> {
        Some(Face {
            data: Arc::new(vec![1u8, 2, 3]),
            index,
        })
    }

    #[test]
    fn a_cjk_font_without_a_system_font_is_recorded_and_refused() {
        let none = CjkFonts::default();
        let usage = FontUse::default();
        assert!(resolve_with(&query("Helvetica-Light"), &none, &usage).is_some());
        assert!(resolve_with(&query("FranklinGothic-Book"), &none, &usage).is_some());
        assert!(
            usage.refusal().is_none(),
            "a Latin fallback is not a refusal"
        );
        assert!(resolve_with(&query("MS-Mincho"), &none, &usage).is_some());
        let e = usage.refusal().expect("refused").to_string();
        assert!(
            e.contains("fonts-ipafont") && e.contains("fonts-noto-cjk"),
            "{e}"
        );
        assert!(e.contains("MS-Mincho"), "{e}");
    }

    #[test]
    fn a_cjk_font_is_served_from_its_script_and_never_from_another() {
        let mut fonts = CjkFonts::default();
        fonts.faces[Script::Japanese.index()] = (face(1), face(2));
        let usage = FontUse::default();
        let got = |name: &str| resolve_with(&query(name), &fonts, &usage).map(|(_, i)| i);
        assert_eq!(got("MS-Gothic"), Some(1));
        assert_eq!(got("MS-Mincho"), Some(2));
        assert!(usage.refusal().is_none());
        // Simplified Chinese with only Japanese fonts: refused, not drawn with wrong glyphs.
        let _ = got("SimSun");
        let e = usage.refusal().expect("refused").to_string();
        assert!(e.contains("SimSun") && e.contains("fonts-noto-cjk"), "{e}");
    }

    #[test]
    fn names_that_say_their_script() {
        for (n, s) in [
            ("MS-Mincho", Script::Japanese),
            ("MSGothic", Script::Japanese),
            ("HeiseiKakuGo-W5", Script::Japanese),
            ("KozMinPro-Regular", Script::Japanese),
            ("SimSun", Script::SimplifiedChinese),
            ("MingLiU", Script::TraditionalChinese),
            ("Batang", Script::Korean),
            ("ＭＳ明朝", Script::Japanese),
        ] {
            assert_eq!(script_of_name(n), Some(s), "{n}");
        }
        for n in [
            "Helvetica",
            "TimesNewRomanPSMT",
            "ArialMT",
            "Courier",
            "CenturyGothic",
        ] {
            assert_eq!(script_of_name(n), None, "{n}");
        }
    }
}
