//! System fonts for PDFs whose fonts are not embedded: CJK first.
//!
//! hayro asks a resolver for every font a PDF uses without embedding it. The 14 standard fonts
//! come from hayro's embedded set; CJK character collections (Adobe-Japan1, -GB1, -CNS1,
//! -Korea1) and fonts whose names say they are Japanese (MS-Mincho, MS-Gothic, HeiseiMin…)
//! come from the system (fonts-ipafont, fonts-noto-cjk), so Japanese never renders as tofu.

use hayro::hayro_interpret::font::{FallbackFontQuery, FontData, FontQuery};
use std::sync::{Arc, OnceLock};

/// A loaded system font: bytes and face index.
#[derive(Clone)]
struct Face {
    data: FontData,
    index: u32,
}

/// System CJK fonts, found once per process.
struct CjkFonts {
    gothic: Option<Face>,
    mincho: Option<Face>,
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
                fontdb::Source::File(path) => std::fs::read(path).ok()?,
                fontdb::Source::Binary(b) => b.as_ref().as_ref().to_vec(),
                fontdb::Source::SharedFile(path, _) => std::fs::read(path).ok()?,
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
        db.load_system_fonts();
        CjkFonts {
            gothic: load(
                &db,
                &[
                    "IPAexGothic",
                    "IPAGothic",
                    "IPAPGothic",
                    "Noto Sans CJK JP",
                    "Noto Sans JP",
                    "TakaoGothic",
                    "VL Gothic",
                ],
            ),
            mincho: load(
                &db,
                &[
                    "IPAexMincho",
                    "IPAMincho",
                    "IPAPMincho",
                    "Noto Serif CJK JP",
                    "Noto Serif JP",
                    "TakaoMincho",
                ],
            ),
        }
    })
}

/// Whether a Japanese (CJK) system font is available; without one, CJK text in PDFs that do
/// not embed their fonts cannot be rendered and the conversion is refused.
pub fn cjk_available() -> bool {
    let c = cjk();
    c.gothic.is_some() || c.mincho.is_some()
}

fn looks_cjk(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "mincho",
        "gothic",
        "heisei",
        "kozmin",
        "kozgo",
        "ryumin",
        "gothicbbb",
        "msgothic",
        "ms-gothic",
        "ms-mincho",
        "meiryo",
        "yu gothic",
        "yugothic",
        "yumincho",
        "ipa",
        "hiragino",
        "osaka",
        "simsun",
        "simhei",
        "song",
        "ming",
        "batang",
        "gulim",
        "dotum",
        "malgun",
        "stsong",
        "kaiti",
        "fangsong",
        "mhei",
        "msung",
        "hysmyeongjo",
        "hygothic",
        "noto sans cjk",
        "notosanscjk",
        "sourcehan",
        "source han",
    ]
    .iter()
    .any(|k| n.contains(k))
        || name.chars().any(|c| ('\u{3040}'..='\u{9fff}').contains(&c))
}

/// The font resolver handed to hayro.
pub fn resolve(query: &FontQuery) -> Option<(FontData, u32)> {
    match query {
        FontQuery::Standard(s) => Some(s.get_font_data()),
        FontQuery::Fallback(f) => {
            if wants_cjk(f) {
                let c = cjk();
                let serif = f.is_serif
                    || f.post_script_name
                        .as_deref()
                        .map(|n| n.to_ascii_lowercase().contains("min"))
                        .unwrap_or(false);
                let face = if serif {
                    c.mincho.as_ref().or(c.gothic.as_ref())
                } else {
                    c.gothic.as_ref().or(c.mincho.as_ref())
                };
                if let Some(face) = face {
                    return Some((face.data.clone(), face.index));
                }
            }
            Some(f.pick_standard_font().get_font_data())
        }
    }
}

fn wants_cjk(f: &FallbackFontQuery) -> bool {
    f.character_collection.is_some()
        || [&f.post_script_name, &f.font_name, &f.font_family]
            .iter()
            .any(|n| n.as_deref().map(looks_cjk).unwrap_or(false))
}
