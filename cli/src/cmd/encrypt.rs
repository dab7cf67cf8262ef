//! `kiyome encrypt IN --key LABEL --out OUT`: encrypt a file (or stdin `-`) into a container.

use crate::Outcome;
use crate::cmd::keys::StoreArg;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

/// Arguments of `kiyome encrypt`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    store: StoreArg,
    /// Input file, or `-` for stdin.
    input: PathBuf,
    /// Label or id of the data key.
    #[arg(long)]
    key: String,
    /// Output container, or `-` for stdout.
    #[arg(long)]
    out: PathBuf,
    /// Plaintext bytes per chunk (64 ..= 16777216).
    #[arg(long, default_value_t = kiyome_erase::container::DEFAULT_CHUNK)]
    chunk_size: u32,
}

/// Runs `kiyome encrypt`.
pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let mut store = args.store.open()?;
    let mut input = crate::cmd::decrypt::open_input(&args.input)?;
    let sealed = crate::cmd::decrypt::write_output(&args.out, |w| {
        Ok(store.encrypt(&args.key, &mut input, w, args.chunk_size)?)
    })?;
    eprintln!(
        "encrypted {} bytes under key {} (container {}, sha256 of header {})",
        sealed.plaintext_len, args.key, sealed.container_len, sealed.header_sha256
    );
    Ok(Outcome::Clean)
}

/// A buffered stdout for streaming: a duplicate of descriptor 1 as a plain file, so that the
/// container's writer thread can own it (a stdout lock cannot move between threads) and its
/// large writes reach the descriptor whole (the standard stdout is line-buffered, which would
/// split binary data at every newline byte).
pub fn stdout() -> anyhow::Result<BufWriter<std::fs::File>> {
    use std::os::fd::AsFd;
    let fd = std::io::stdout().as_fd().try_clone_to_owned()?;
    Ok(BufWriter::with_capacity(1 << 16, std::fs::File::from(fd)))
}

/// Flushes a writer, mapping the error.
pub fn flush<W: Write>(w: &mut W) -> anyhow::Result<()> {
    Ok(w.flush()?)
}
