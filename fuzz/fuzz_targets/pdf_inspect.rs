//! Fuzz target `pdf_inspect`: see fuzz/README.md.
#![cfg_attr(not(feature = "replay"), no_main)]

#[cfg(not(feature = "replay"))]
libfuzzer_sys::fuzz_target!(|data: &[u8]| kiyome_fuzz::pdf_inspect(data));

#[cfg(feature = "replay")]
fn main() {
    kiyome_fuzz::replay(kiyome_fuzz::pdf_inspect, 0);
}
