//! Fuzz target `office_inspect`: see fuzz/README.md.
#![cfg_attr(not(feature = "replay"), no_main)]

#[cfg(not(feature = "replay"))]
libfuzzer_sys::fuzz_target!(|data: &[u8]| kiyome_fuzz::office_inspect(data));

#[cfg(feature = "replay")]
fn main() {
    kiyome_fuzz::replay(kiyome_fuzz::office_inspect, kiyome_fuzz::selectors_for(&[kiyome_core::KindClass::Ooxml, kiyome_core::KindClass::Odf, kiyome_core::KindClass::Ole, kiyome_core::KindClass::Rtf]));
}
