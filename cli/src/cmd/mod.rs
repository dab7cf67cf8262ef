//! One module per subcommand.

pub mod findings;
pub mod inspect;
pub mod policy;
pub mod sanitize;
