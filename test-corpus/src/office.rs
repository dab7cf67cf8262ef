//! Fixtures for the office area.

use crate::fixture::Fixture;

/// Every office fixture.
pub fn fixtures() -> Vec<Fixture> {
    Vec::new()
}
