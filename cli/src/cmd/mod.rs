//! One module per subcommand.

pub mod audit;
pub mod cert;
pub mod decrypt;
pub mod encrypt;
pub mod erase;
pub mod findings;
pub mod hidden_opts;
pub mod inspect;
pub mod keys;
pub mod ledger;
pub mod policy;
pub mod quarantine;
pub mod redact;
pub mod release;
pub mod sanitize;
pub mod scrub;
pub mod verify;
pub mod watch;
mod watch_item;
