//! Fixtures for the mail area.

use crate::fixture::Fixture;

/// Every mail fixture.
pub fn fixtures() -> Vec<Fixture> {
    Vec::new()
}
