//! `kiyome policy show [--policy FILE]`: print the effective sanitize policy.

use crate::Outcome;
use std::path::PathBuf;

/// Arguments of `kiyome policy`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(clap::Subcommand)]
enum Action {
    /// Print the effective policy as TOML: defaults filled in, a comment on every key, and the
    /// effective action of each switchable factor (docs/policy.md).
    Show {
        /// Policy file to load; without it, the built-in default.
        #[arg(long, value_name = "FILE")]
        policy: Option<PathBuf>,
    },
}

/// Runs `kiyome policy`.
pub fn run(args: Args) -> anyhow::Result<Outcome> {
    match args.action {
        Action::Show { policy } => {
            let p = super::sanitize::load_policy(policy.as_deref())?;
            println!("# kiyome effective policy (sha256 {})", p.sha256());
            print!("{}", p.to_commented_toml());
        }
    }
    Ok(Outcome::Clean)
}
