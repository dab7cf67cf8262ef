//! kiyome-erase.
#![forbid(unsafe_code)]
