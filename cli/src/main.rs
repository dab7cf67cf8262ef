//! The `kiyome` command: parses arguments, calls the libraries, prints and writes reports.
//!
//! Exit codes, like virus scanners: 0 everything released / clean / verified; 1 something was
//! blocked, a leak or a dangerous factor was found, or a verification failed; 2 usage error,
//! unreadable input or internal error.

mod cmd;
mod human;
mod io;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// kiyome (清め): file sanitization, true redaction and crypto-erase for the LGWAN gateway.
#[derive(Parser)]
#[command(name = "kiyome", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Report dangerous factors and hidden information; change nothing (危険因子の確認).
    Inspect(cmd::inspect::Args),
    /// Make files harmless: disarm, text-only or image-PDF (ファイル無害化).
    Sanitize(cmd::sanitize::Args),
    /// True redaction (黒塗り) of terms, PII and areas, with the metadata scrub.
    Redact(cmd::redact::Args),
    /// Remove metadata and hidden information (properties, history, bookmarks, comments).
    Scrub(cmd::scrub::Args),
    /// Independent leak check of a published file (exit 1 on a leak).
    Verify(cmd::verify::Args),
    /// Show the effective sanitize policy.
    Policy(cmd::policy::Args),
    /// List every finding code with its severity and meaning.
    Findings(cmd::findings::Args),
    /// Crypto-erase key store: keys, legal holds, officers (鍵管理).
    Keys(cmd::keys::Args),
    /// Encrypt a file into a container under a record's data key (暗号化).
    Encrypt(cmd::encrypt::Args),
    /// Decrypt a container (復号).
    Decrypt(cmd::decrypt::Args),
    /// Dual-control cryptographic erasure (暗号化消去).
    Erase(cmd::erase::Args),
    /// The quarantine of blocked and held originals: list, show, release, purge.
    Quarantine(cmd::quarantine::Args),
    /// Release a held password-protected zip (PPAP) with its password.
    Release(cmd::release::Args),
    /// Gateway mode: sanitize files and mail dropped into a spool directory.
    Watch(cmd::watch::Args),
    /// Erasure certificates (完了証明書): keys, issue, verify, show, render, register.
    Cert(cmd::cert::Args),
    /// The transparency ledger of certificates and key events (台帳).
    Ledger(cmd::ledger::Args),
}

/// The outcome of a command, mapped to the process exit code in one place.
pub enum Outcome {
    /// Everything released, clean or verified (exit 0).
    Clean,
    /// Something blocked, found or failed verification (exit 1).
    Flagged,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let result = match cli.command {
        Command::Inspect(a) => cmd::inspect::run(a),
        Command::Sanitize(a) => cmd::sanitize::run(a),
        Command::Redact(a) => cmd::redact::run(a),
        Command::Scrub(a) => cmd::scrub::run(a),
        Command::Verify(a) => cmd::verify::run(a),
        Command::Policy(a) => cmd::policy::run(a),
        Command::Findings(a) => cmd::findings::run(a),
        Command::Keys(a) => cmd::keys::run(a),
        Command::Encrypt(a) => cmd::encrypt::run(a),
        Command::Decrypt(a) => cmd::decrypt::run(a),
        Command::Erase(a) => cmd::erase::run(a),
        Command::Quarantine(a) => cmd::quarantine::run(a),
        Command::Release(a) => cmd::release::run(a),
        Command::Watch(a) => cmd::watch::run(a),
        Command::Cert(a) => cmd::cert::run(a),
        Command::Ledger(a) => cmd::ledger::run(a),
    };
    match result {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Flagged) => ExitCode::from(1),
        Err(e) => {
            eprintln!("kiyome: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
