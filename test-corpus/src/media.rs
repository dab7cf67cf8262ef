//! Fixtures for images, archives and text.

use crate::fixture::Fixture;

/// Every media fixture.
pub fn fixtures() -> Vec<Fixture> {
    vec![Fixture::clean(
        "plain_ascii.txt",
        b"hello, world\n".to_vec(),
        "plain ASCII text: a control",
    )]
}
