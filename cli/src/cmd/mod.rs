//! One module per subcommand.

pub mod decrypt;
pub mod encrypt;
pub mod erase;
pub mod findings;
pub mod inspect;
pub mod keys;
pub mod policy;
pub mod sanitize;
