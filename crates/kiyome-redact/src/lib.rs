//! kiyome-redact.
#![forbid(unsafe_code)]
