//! Fuzz target `container_open`: see fuzz/README.md.
#![cfg_attr(not(feature = "replay"), no_main)]

#[cfg(not(feature = "replay"))]
libfuzzer_sys::fuzz_target!(|data: &[u8]| kiyome_fuzz::container_open(data));

#[cfg(feature = "replay")]
fn main() {
    kiyome_fuzz::replay(kiyome_fuzz::container_open, 4);
}
