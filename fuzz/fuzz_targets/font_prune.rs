//! Fuzz target `font_prune`: see fuzz/README.md.
#![cfg_attr(not(feature = "replay"), no_main)]

#[cfg(not(feature = "replay"))]
libfuzzer_sys::fuzz_target!(|data: &[u8]| kiyome_fuzz::font_prune(data));

#[cfg(feature = "replay")]
fn main() {
    kiyome_fuzz::replay(kiyome_fuzz::font_prune, 15);
}
