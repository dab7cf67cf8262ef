//! Fixtures for the pdf area.

use crate::fixture::Fixture;

/// Every pdf fixture.
pub fn fixtures() -> Vec<Fixture> {
    Vec::new()
}
