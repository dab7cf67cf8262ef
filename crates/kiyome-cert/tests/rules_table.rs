//! Exhaustive test of the class × method × media × justification rules: every combination,
//! with its expected outcome written out in the table below.

use kiyome_cert::model::{DisposalClass, MediaType, Method};
use kiyome_cert::rules::check_method;

// Outcome letters, one per media column (H=HDD S=SSD F=flash M=mobile T=tape O=optical
// P=paper V=virtual X=other):
//   .  allowed
//   F  formatting refused                          (rule.formatting)
//   C  method not allowed for the class            (rule.class_method)
//   D  degaussing on non-magnetic media            (rule.degauss_non_magnetic)
//   N  method not applicable to the media          (rule.media_method)
//   W  overwrite on flash without justification    (rule.flash_overwrite)
// Several letters = several violations, e.g. "CW".
#[rustfmt::skip]
const TABLE: &[(u8, &str, bool, [&str; 9])] = &[
    //class method        justified   H     S     F     M     T     O     P     V     X
    (1, "destruction",    false, [".",  ".",  ".",  ".",  ".",  ".",  ".",  ".",  "."]),
    (1, "destruction",    true,  [".",  ".",  ".",  ".",  ".",  ".",  ".",  ".",  "."]),
    (1, "degauss",        false, ["C",  "CD", "CD", "CD", "C",  "CD", "CD", "CD", "CD"]),
    (1, "degauss",        true,  ["C",  "CD", "CD", "CD", "C",  "CD", "CD", "CD", "CD"]),
    (1, "overwrite_all",  false, ["C",  "CW", "CW", "CW", "C",  "CN", "CN", "C",  "C"]),
    (1, "overwrite_all",  true,  ["C",  "C",  "C",  "C",  "C",  "CN", "CN", "C",  "C"]),
    (1, "block_erase",    false, ["C",  "C",  "C",  "C",  "CN", "CN", "CN", "CN", "C"]),
    (1, "block_erase",    true,  ["C",  "C",  "C",  "C",  "CN", "CN", "CN", "CN", "C"]),
    (1, "crypto_erase",   false, ["C",  "C",  "C",  "C",  "C",  "C",  "CN", "C",  "C"]),
    (1, "crypto_erase",   true,  ["C",  "C",  "C",  "C",  "C",  "C",  "CN", "C",  "C"]),
    (1, "overwrite_os",   false, ["C",  "CW", "CW", "CW", "C",  "CN", "CN", "C",  "C"]),
    (1, "overwrite_os",   true,  ["C",  "C",  "C",  "C",  "C",  "CN", "CN", "C",  "C"]),
    (1, "formatting",     false, ["F",  "F",  "F",  "F",  "F",  "F",  "F",  "F",  "F"]),
    (1, "formatting",     true,  ["F",  "F",  "F",  "F",  "F",  "F",  "F",  "F",  "F"]),
    (2, "destruction",    false, [".",  ".",  ".",  ".",  ".",  ".",  ".",  ".",  "."]),
    (2, "destruction",    true,  [".",  ".",  ".",  ".",  ".",  ".",  ".",  ".",  "."]),
    (2, "degauss",        false, [".",  "D",  "D",  "D",  ".",  "D",  "D",  "D",  "D"]),
    (2, "degauss",        true,  [".",  "D",  "D",  "D",  ".",  "D",  "D",  "D",  "D"]),
    (2, "overwrite_all",  false, [".",  "W",  "W",  "W",  ".",  "N",  "N",  ".",  "."]),
    (2, "overwrite_all",  true,  [".",  ".",  ".",  ".",  ".",  "N",  "N",  ".",  "."]),
    (2, "block_erase",    false, [".",  ".",  ".",  ".",  "N",  "N",  "N",  "N",  "."]),
    (2, "block_erase",    true,  [".",  ".",  ".",  ".",  "N",  "N",  "N",  "N",  "."]),
    (2, "crypto_erase",   false, [".",  ".",  ".",  ".",  ".",  ".",  "N",  ".",  "."]),
    (2, "crypto_erase",   true,  [".",  ".",  ".",  ".",  ".",  ".",  "N",  ".",  "."]),
    (2, "overwrite_os",   false, ["C",  "CW", "CW", "CW", "C",  "CN", "CN", "C",  "C"]),
    (2, "overwrite_os",   true,  ["C",  "C",  "C",  "C",  "C",  "CN", "CN", "C",  "C"]),
    (2, "formatting",     false, ["F",  "F",  "F",  "F",  "F",  "F",  "F",  "F",  "F"]),
    (2, "formatting",     true,  ["F",  "F",  "F",  "F",  "F",  "F",  "F",  "F",  "F"]),
    (3, "destruction",    false, [".",  ".",  ".",  ".",  ".",  ".",  ".",  ".",  "."]),
    (3, "destruction",    true,  [".",  ".",  ".",  ".",  ".",  ".",  ".",  ".",  "."]),
    (3, "degauss",        false, [".",  "D",  "D",  "D",  ".",  "D",  "D",  "D",  "D"]),
    (3, "degauss",        true,  [".",  "D",  "D",  "D",  ".",  "D",  "D",  "D",  "D"]),
    (3, "overwrite_all",  false, [".",  "W",  "W",  "W",  ".",  "N",  "N",  ".",  "."]),
    (3, "overwrite_all",  true,  [".",  ".",  ".",  ".",  ".",  "N",  "N",  ".",  "."]),
    (3, "block_erase",    false, [".",  ".",  ".",  ".",  "N",  "N",  "N",  "N",  "."]),
    (3, "block_erase",    true,  [".",  ".",  ".",  ".",  "N",  "N",  "N",  "N",  "."]),
    (3, "crypto_erase",   false, [".",  ".",  ".",  ".",  ".",  ".",  "N",  ".",  "."]),
    (3, "crypto_erase",   true,  [".",  ".",  ".",  ".",  ".",  ".",  "N",  ".",  "."]),
    (3, "overwrite_os",   false, [".",  "W",  "W",  "W",  ".",  "N",  "N",  ".",  "."]),
    (3, "overwrite_os",   true,  [".",  ".",  ".",  ".",  ".",  "N",  "N",  ".",  "."]),
    (3, "formatting",     false, ["F",  "F",  "F",  "F",  "F",  "F",  "F",  "F",  "F"]),
    (3, "formatting",     true,  ["F",  "F",  "F",  "F",  "F",  "F",  "F",  "F",  "F"]),
];

const MEDIA: [MediaType; 9] = [
    MediaType::Hdd,
    MediaType::Ssd,
    MediaType::Flash,
    MediaType::MobileDevice,
    MediaType::MagneticTape,
    MediaType::Optical,
    MediaType::Paper,
    MediaType::Virtual,
    MediaType::Other,
];

fn method(name: &str) -> Method {
    match name {
        "destruction" => Method::PhysicalDestruction,
        "degauss" => Method::Degaussing,
        "overwrite_all" => Method::OverwriteAllAreas,
        "block_erase" => Method::BlockErase,
        "crypto_erase" => Method::CryptographicErase,
        "overwrite_os" => Method::OverwriteOsAccessible,
        "formatting" => Method::Formatting,
        other => panic!("unknown method {other}"),
    }
}

fn letters(codes: &[&str]) -> String {
    if codes.is_empty() {
        return ".".into();
    }
    codes
        .iter()
        .map(|c| match *c {
            "rule.formatting" => 'F',
            "rule.class_method" => 'C',
            "rule.degauss_non_magnetic" => 'D',
            "rule.media_method" => 'N',
            "rule.flash_overwrite" => 'W',
            other => panic!("unexpected code {other}"),
        })
        .collect()
}

#[test]
fn every_class_method_media_combination_has_the_written_outcome() {
    let mut seen = std::collections::HashSet::new();
    let mut failures = Vec::new();
    for (class, m, justified, row) in TABLE {
        let class = match class {
            1 => DisposalClass::Class1,
            2 => DisposalClass::Class2,
            _ => DisposalClass::Class3,
        };
        for (media, want) in MEDIA.iter().zip(row.iter()) {
            let got = check_method(class, method(m), *media, *justified);
            let codes: Vec<&str> = got.iter().map(|v| v.code).collect();
            // Every violation carries both languages.
            assert!(got.iter().all(|v| !v.ja.is_empty() && !v.en.is_empty()));
            if letters(&codes) != *want {
                failures.push(format!(
                    "{class:?} {m} justified={justified} {media:?}: want {want} got {}",
                    letters(&codes)
                ));
            }
            seen.insert((class, method(m), *media, *justified));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The table is exhaustive: 3 classes × 7 methods × 9 media × 2 = 378 combinations.
    assert_eq!(seen.len(), 3 * Method::ALL.len() * MediaType::ALL.len() * 2);
}
