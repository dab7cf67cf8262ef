//! One module per subcommand.

pub mod findings;
pub mod inspect;
