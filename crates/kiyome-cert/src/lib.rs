//! kiyome-cert.
#![forbid(unsafe_code)]
