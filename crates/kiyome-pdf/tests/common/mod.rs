//! Shared helpers for kiyome-pdf's integration tests: running inspect and disarm on bytes,
//! and calling the independent tools (qpdf, pdfid, pdftotext) as a second opinion.
#![allow(dead_code)]

use kiyome_core::{Budget, Ctx, Disarmed, Error, Inspection, Kind, Limits, NoNesting, Severity};
use kiyome_pdf::PdfOptions;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Inspects `data` with default limits; returns the findings and the result.
pub fn inspect(data: &[u8]) -> (Inspection, Result<(), Error>) {
    let budget = Budget::new(&Limits::default());
    let ctx = Ctx::new(&budget, &NoNesting);
    let mut out = Inspection::default();
    let r = kiyome_pdf::inspect(data, Kind::Pdf, &ctx, &mut out);
    (out, r)
}

/// Disarms `data` with `opts`.
pub fn disarm(data: &[u8], opts: &PdfOptions) -> (Inspection, Result<Disarmed, Error>) {
    let budget = Budget::new(&Limits::default());
    let ctx = Ctx::new(&budget, &NoNesting);
    let mut out = Inspection::default();
    let r = kiyome_pdf::disarm(data, Kind::Pdf, &ctx, opts, &mut out);
    (out, r)
}

/// Codes of Medium/High findings.
pub fn dangerous(i: &Inspection) -> Vec<String> {
    i.findings
        .iter()
        .filter(|f| f.severity >= Severity::Medium)
        .map(|f| format!("{} @ {} ({})", f.code, f.location, f.detail))
        .collect()
}

/// Finds an external tool: `$KIYOME_<NAME>`, then the project convention (`kiyome_core::corpus::find_peer_tool`). Absent: `None`
/// with a notice, or a panic under `CI=true` (CI installs every tool).
pub fn tool(name: &str, test: &str) -> Option<PathBuf> {
    let env = format!("KIYOME_{}", name.to_uppercase());
    if let Some(p) = std::env::var_os(&env) {
        return Some(PathBuf::from(p));
    }
    // The project's convention: $KIYOME_PEERS_BIN, $KIYOME_VENV/bin, <repo>/.venv/bin, PATH.
    if let Some(p) = kiyome_core::corpus::find_peer_tool(name) {
        return Some(p);
    }
    if std::env::var("CI").map(|v| v == "true").unwrap_or(false) {
        panic!("{test}: {name} is required under CI (scripts/install-deps.sh installs it)");
    }
    eprintln!("NOTICE: {test}: {name} not found, check skipped");
    None
}

/// Writes `data` to a temporary file.
pub fn temp_pdf(dir: &Path, name: &str, data: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, data).expect("write temp file");
    p
}

/// `qpdf --check` exit code: 0 clean, 3 warnings only, 2 errors.
pub fn qpdf_code(qpdf: &Path, file: &Path) -> Option<i32> {
    Command::new(qpdf)
        .arg("--check")
        .arg(file)
        .output()
        .ok()?
        .status
        .code()
}

/// `qpdf --check`: Ok, or the error output.
pub fn qpdf_check(qpdf: &Path, file: &Path) -> Result<(), String> {
    let o = Command::new(qpdf)
        .arg("--check")
        .arg(file)
        .output()
        .map_err(|e| e.to_string())?;
    // qpdf exits 0 when clean, 3 for warnings only, 2 for errors.
    match o.status.code() {
        Some(0) => Ok(()),
        _ => Err(format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )),
    }
}

/// pdfid's keyword counts.
pub fn pdfid_counts(pdfid: &Path, file: &Path) -> std::collections::BTreeMap<String, u64> {
    let o = Command::new(pdfid).arg(file).output().expect("run pdfid");
    let text = String::from_utf8_lossy(&o.stdout);
    let mut m = std::collections::BTreeMap::new();
    for line in text.lines() {
        let mut parts = line.split_whitespace();
        if let (Some(k), Some(v)) = (parts.next(), parts.next())
            && k.starts_with('/')
            && let Ok(n) = v.parse()
        {
            m.insert(k.to_string(), n);
        }
    }
    m
}

/// `pdftotext` output, or `None` when it fails.
pub fn pdftotext(bin: &Path, file: &Path) -> Option<String> {
    let o = Command::new(bin)
        .arg("-q")
        .arg(file)
        .arg("-")
        .output()
        .ok()?;
    o.status
        .success()
        .then(|| String::from_utf8_lossy(&o.stdout).into_owned())
}

/// Page count as lopdf sees it.
pub fn pages(data: &[u8]) -> Option<usize> {
    lopdf::Document::load_mem(data)
        .ok()
        .map(|d| d.get_pages().len())
}

/// The pdfid keywords that must count 0 in a disarmed file.
pub const ACTIVE: &[&str] = &[
    "/JS",
    "/JavaScript",
    "/AA",
    "/Launch",
    "/EmbeddedFile",
    "/XFA",
    "/RichMedia",
];

/// Page count according to qpdf (`--show-npages`), when qpdf can read the file.
pub fn qpdf_pages(qpdf: &Path, file: &Path) -> Option<usize> {
    let o = Command::new(qpdf)
        .arg("--show-npages")
        .arg(file)
        .output()
        .ok()?;
    if !o.status.success() {
        return None;
    }
    String::from_utf8_lossy(&o.stdout).trim().parse().ok()
}
