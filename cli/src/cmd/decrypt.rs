//! `kiyome decrypt IN --out OUT`: decrypt a container (or stdin `-`); the key is found by the
//! id in the container header.

use crate::Outcome;
use crate::cmd::keys::StoreArg;
use anyhow::Context;
use std::fs;
use std::io::{BufWriter, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// Arguments of `kiyome decrypt`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    store: StoreArg,
    /// Input container, or `-` for stdin.
    input: PathBuf,
    /// Output file, or `-` for stdout (streamed: on failure, discard what was written).
    #[arg(long)]
    out: PathBuf,
}

/// Runs `kiyome decrypt`. Integrity failures and erased keys exit 1; other errors exit 2.
pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let mut store = args.store.open()?;
    let mut input = open_input(&args.input)?;
    match write_output(&args.out, |w| Ok(store.decrypt(&mut input, w)?)) {
        Ok(n) => {
            eprintln!("decrypted {n} bytes");
            Ok(Outcome::Clean)
        }
        Err(e) => match e.downcast_ref::<kiyome_erase::Error>() {
            Some(err) if is_verdict(err) => {
                eprintln!("kiyome: decryption refused: {err}");
                Ok(Outcome::Flagged)
            }
            _ => Err(e),
        },
    }
}

fn is_verdict(e: &kiyome_erase::Error) -> bool {
    use kiyome_erase::Error as E;
    matches!(
        e,
        E::KeyErased { .. }
            | E::WrongKey
            | E::HeaderChanged
            | E::ChunkAuthFailed { .. }
            | E::Truncated { .. }
            | E::TrailingData
            | E::BadMagic
            | E::UnsupportedVersion(_)
            | E::MalformedHeader(_)
    )
}

/// Opens a path for reading, `-` meaning stdin.
pub fn open_input(path: &Path) -> anyhow::Result<Box<dyn Read>> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(std::io::stdin().lock()));
    }
    let f = fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(Box::new(f))
}

/// Runs `body` against the output: stdout for `-`; otherwise a temporary file (0600) in the
/// same directory, synced and renamed over `path` only when `body` succeeds.
pub fn write_output<T>(
    path: &Path,
    body: impl FnOnce(&mut (dyn Write + Send)) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    if path.as_os_str() == "-" {
        let mut w = crate::cmd::encrypt::stdout()?;
        let r = body(&mut w)?;
        crate::cmd::encrypt::flush(&mut w)?;
        return Ok(r);
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.kiyome-{}.tmp", std::process::id()));
    let f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    let mut w = BufWriter::with_capacity(1 << 16, f);
    let result = body(&mut w).and_then(|r| {
        w.flush()?;
        w.get_ref().sync_all()?;
        fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
        Ok(r)
    });
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}
