//! Office/ODF/RTF/text → PDF with LibreOffice, inside a bubblewrap sandbox.
//!
//! Each conversion starts its own `soffice --headless --convert-to pdf` under `bwrap` with
//! every namespace unshared (no network), a read-only system (`/usr`, `/etc`), a private
//! `/tmp`, only the job directory writable, a time limit (the sandbox is killed with its
//! parent) and an address-space cap (`prlimit --as`). When LibreOffice or bubblewrap is
//! missing, the conversion is refused with a message that says what to install.

use kiyome_core::{Error, Kind, LimitKind};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Limits of one sandboxed conversion.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OfficeOptions {
    /// Wall-clock limit of one conversion, in seconds (default 60).
    pub timeout_secs: u64,
    /// Address-space cap of the sandbox, in MiB (default 4096: LibreOffice maps many
    /// libraries and fonts; resident memory stays far below).
    pub memory_mib: u64,
}

impl Default for OfficeOptions {
    fn default() -> Self {
        OfficeOptions {
            timeout_secs: 60,
            memory_mib: 4096,
        }
    }
}

fn find(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for n in names {
            let p = dir.join(n);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// Why LibreOffice conversion is unavailable on this machine, if it is.
pub fn unavailable_reason() -> Option<String> {
    let mut missing = Vec::new();
    if find(&["soffice", "libreoffice"]).is_none() {
        missing.push("LibreOffice (Debian: libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui)");
    }
    if find(&["bwrap"]).is_none() {
        missing.push("bubblewrap (Debian: bubblewrap)");
    }
    if find(&["prlimit"]).is_none() {
        missing.push("prlimit (Debian: util-linux)");
    }
    (!missing.is_empty()).then(|| {
        format!(
            "install {} / 次をインストールしてください",
            missing.join(" and ")
        )
    })
}

/// The file extension LibreOffice should see for a kind (it picks its import filter by it).
fn extension(kind: Kind) -> &'static str {
    match kind {
        Kind::Text | Kind::Csv | Kind::Empty => "txt",
        Kind::Html => "html",
        k => k.default_extension(),
    }
}

/// Converts `data` (of `kind`) to PDF in a fresh sandbox.
pub fn to_pdf(data: &[u8], kind: Kind, opts: &OfficeOptions) -> Result<Vec<u8>, Error> {
    if let Some(reason) = unavailable_reason() {
        return Err(Error::unsupported(format!(
            "conversion of {kind} to PDF: {reason}"
        )));
    }
    // The program as the sandbox sees it: its real path (PATH entries are often symlinks), whose
    // top directory is bound read-only when it is not under /usr (LibreOffice in /opt).
    let soffice = find(&["soffice", "libreoffice"]).unwrap_or_default();
    let soffice = std::fs::canonicalize(&soffice).unwrap_or(soffice);
    let job = tempfile_dir()?;
    let result = run(&soffice, job.path(), data, kind, opts);
    drop(job);
    result
}

fn run(
    soffice: &Path,
    job: &Path,
    data: &[u8],
    kind: Kind,
    opts: &OfficeOptions,
) -> Result<Vec<u8>, Error> {
    let input = format!("input.{}", extension(kind));
    std::fs::write(job.join(&input), data)?;
    std::fs::create_dir_all(job.join("out"))?;
    let mem = opts.memory_mib.saturating_mul(1024 * 1024);
    let mut cmd = Command::new("prlimit");
    cmd.arg(format!("--as={mem}"))
        .arg("--")
        .arg("bwrap")
        .args(["--unshare-all", "--die-with-parent", "--new-session"])
        .args(["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"])
        .args([
            "--symlink",
            "usr/lib",
            "/lib",
            "--symlink",
            "usr/lib64",
            "/lib64",
        ])
        .args([
            "--symlink",
            "usr/bin",
            "/bin",
            "--symlink",
            "usr/sbin",
            "/sbin",
        ])
        .args([
            "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", "/var",
        ])
        .args(extra_binds(soffice))
        .arg("--bind")
        .arg(job)
        .arg("/job")
        .args(["--setenv", "HOME", "/job", "--chdir", "/job", "--clearenv"])
        .args([
            "--setenv",
            "PATH",
            "/usr/bin:/bin",
            "--setenv",
            "LANG",
            "C.UTF-8",
        ])
        .arg(soffice)
        .args([
            "--headless",
            "--norestore",
            "--nologo",
            "--nolockcheck",
            "--nodefault",
        ])
        .arg("-env:UserInstallation=file:///job/profile")
        .args(["--convert-to", "pdf", "--outdir", "/job/out"])
        .arg(format!("/job/{input}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn()?;
    let start = Instant::now();
    let limit = Duration::from_secs(opts.timeout_secs);
    let status = loop {
        if let Some(s) = child.try_wait()? {
            break s;
        }
        if start.elapsed() > limit {
            // bwrap runs LibreOffice with --die-with-parent: killing bwrap ends the sandbox.
            let _ = child.kill();
            let _ = child.wait();
            return Err(Error::limit(
                LimitKind::WallTime,
                start.elapsed().as_millis() as u64,
                limit.as_millis() as u64,
            ));
        }
        std::thread::sleep(Duration::from_millis(25));
    };
    let out = job.join("out").join("input.pdf");
    match std::fs::read(&out) {
        Ok(pdf) if !pdf.is_empty() => Ok(pdf),
        _ => {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                use std::io::Read;
                let _ = (&mut e).take(2000).read_to_string(&mut err);
            }
            Err(Error::parse(
                "office",
                format!(
                    "LibreOffice could not convert this {kind} ({status}) {}",
                    err.trim()
                ),
            ))
        }
    }
}

/// `--ro-bind DIR DIR` for the top directory of `soffice` when it is outside what the sandbox
/// binds already (`/usr`, `/etc`).
fn extra_binds(soffice: &Path) -> Vec<std::ffi::OsString> {
    let mut parts = soffice.components();
    parts.next(); // the root
    match parts.next() {
        Some(std::path::Component::Normal(top)) if top != "usr" && top != "etc" => {
            let dir = Path::new("/").join(top);
            vec!["--ro-bind".into(), dir.clone().into(), dir.into()]
        }
        _ => Vec::new(),
    }
}

/// A private temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tempfile_dir() -> Result<TempDir, Error> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let base = std::env::temp_dir();
    for _ in 0..100 {
        let n = N.fetch_add(1, Ordering::Relaxed);
        let p = base.join(format!("kiyome-lo-{}-{n}", std::process::id()));
        if std::fs::create_dir(&p).is_ok() {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o700))?;
            }
            return Ok(TempDir(p));
        }
    }
    Err(Error::Io(std::io::Error::other(
        "cannot create a private temporary directory",
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libreoffice_outside_usr_is_bound_read_only() {
        assert!(extra_binds(Path::new("/usr/lib/libreoffice/program/soffice")).is_empty());
        let b = extra_binds(Path::new("/opt/libreoffice7.6/program/soffice"));
        assert_eq!(b, vec!["--ro-bind", "/opt", "/opt"]);
    }
}
