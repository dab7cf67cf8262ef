//! Fuzz target `mail_inspect`: see fuzz/README.md.
#![cfg_attr(not(feature = "replay"), no_main)]

#[cfg(not(feature = "replay"))]
libfuzzer_sys::fuzz_target!(|data: &[u8]| kiyome_fuzz::mail_inspect(data));

#[cfg(feature = "replay")]
fn main() {
    kiyome_fuzz::replay(kiyome_fuzz::mail_inspect, kiyome_fuzz::selectors_for(&[kiyome_core::KindClass::Mail]));
}
