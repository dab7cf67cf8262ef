//! The corpus harness for `kiyome sanitize` (issue 3, "Done when"): every file of
//! `../shared/corpus/` and `test-corpus/files/`, each in its own process (10 s, address-space
//! cap), must be released or blocked with a reason code, without a crash or timeout. Then the
//! released outputs of the whole run are handed to independent tools:
//! - `kiyome inspect` finds nothing Medium/High in any output;
//! - `qpdf --check` passes (exit 0, no warnings) and `pdfid` counts 0 for every active
//!   keyword on every PDF output;
//! - `olevba` finds no macro in any Office/RTF output;
//! - LibreOffice headless converts every Office/ODF/RTF output to PDF;
//! - `exiftool` finds no GPS, author or camera data in any image output;
//! - content survives: PDF outputs keep the text (`pdftotext`) and page count (`pdfinfo`) of
//!   their input when the input had no active content, and DOCX outputs keep their text (the
//!   project's own text extraction, `kiyome sanitize --mode text`);
//! - idempotence: `kiyome sanitize` over all released outputs again releases every one with
//!   nothing removed, defanged or blocked, and the second output equals the first (bytes;
//!   else PDF text and pages, archive members, or pixels — JPEG within a mean change of 1 per
//!   channel, since it is re-encoded lossily).
//!
//! The corpus run happens once per test binary; the outputs are kept in one directory for the
//! peer checks. Peer tools missing: the check is skipped with a notice (a failure under CI).

mod common;

use common::{Bounds, Run};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

/// One released output, copied out of its run's scratch directory.
#[derive(Debug, Clone)]
struct Out {
    /// The input's label (`shared/pdf-general/x.pdf`).
    label: String,
    /// The input file.
    input: PathBuf,
    /// The kept copy of the output (`NNNN-name.ext`, the extension of the output kind).
    output: PathBuf,
    /// The input's sniffed kind.
    in_kind: String,
    /// The output's kind.
    out_kind: String,
    /// The sanitize report of the file.
    report: Value,
}

struct State {
    runs: Vec<Run>,
    outs: Vec<Out>,
    dir: tempfile::TempDir,
}

static STATE: OnceLock<State> = OnceLock::new();

fn state() -> &'static State {
    STATE.get_or_init(|| {
        let jobs = common::corpus_jobs("corpus_sanitize");
        let registered = common::registered_codes();
        let dir = tempfile::tempdir().expect("output directory");
        let kept = dir.path().join("released");
        std::fs::create_dir_all(&kept).expect("released directory");
        let n = AtomicUsize::new(0);
        let outs = Mutex::new(Vec::new());
        let runs = common::run_all(
            &jobs,
            &Bounds::default(),
            |job, scratch| {
                vec![
                    "sanitize".into(),
                    "--json".into(),
                    "--out".into(),
                    scratch.join("out").into(),
                    job.path.clone().into(),
                ]
            },
            |run, scratch| {
                let mut p = Vec::new();
                let code = match run.end {
                    common::End::Exit(c) => c,
                    _ => return p, // already recorded by the harness
                };
                if code == 2 {
                    p.push(format!(
                        "exit 2: {}",
                        run.stderr.lines().next().unwrap_or("")
                    ));
                }
                let file = match common::single_file_report(run) {
                    Err(e) => {
                        p.push(e);
                        return p;
                    }
                    Ok(f) => f,
                };
                p.extend(common::report_problems(&file, &registered));
                let released = file["verdict"] == "released";
                if (code == 1) == released {
                    p.push(format!("exit {code} but verdict {}", file["verdict"]));
                }
                let written: Vec<PathBuf> = kiyome_core::corpus::files_under(&scratch.join("out"));
                if !released {
                    if !written.is_empty() {
                        p.push(format!("blocked, yet {} output(s) written", written.len()));
                    }
                    return p;
                }
                let Some(out_path) = file["output"]["path"].as_str().map(PathBuf::from) else {
                    p.push("released without an output path".into());
                    return p;
                };
                if !out_path.starts_with(scratch) || !out_path.is_file() {
                    p.push(format!("output {} was not written", out_path.display()));
                    return p;
                }
                let name = out_path
                    .file_name()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let i = n.fetch_add(1, Ordering::SeqCst);
                let keep = kept.join(format!("{i:04}-{name}"));
                if let Err(e) = std::fs::copy(&out_path, &keep) {
                    p.push(format!("cannot keep the output: {e}"));
                    return p;
                }
                outs.lock().unwrap().push(Out {
                    label: run.job.label.clone(),
                    input: run.job.path.clone(),
                    output: keep,
                    in_kind: file["kind"].as_str().unwrap_or("?").to_string(),
                    out_kind: file["output"]["kind"].as_str().unwrap_or("?").to_string(),
                    report: file.clone(),
                });
                p
            },
        );
        common::print_summary("kiyome sanitize over the corpora", &runs);
        print_by_kind(&runs);
        let mut outs = outs.into_inner().unwrap();
        outs.sort_by(|a, b| a.label.cmp(&b.label));
        State { runs, outs, dir }
    })
}

/// Released/blocked counts per input kind (the table of docs/sanitize-results.md).
fn print_by_kind(runs: &[Run]) {
    use std::io::Write;
    let mut by_kind: BTreeMap<String, (usize, BTreeMap<String, usize>)> = BTreeMap::new();
    for r in runs {
        let Ok(f) = common::single_file_report(r) else {
            continue;
        };
        let e = by_kind
            .entry(f["kind"].as_str().unwrap_or("?").to_string())
            .or_default();
        if f["verdict"] == "released" {
            e.0 += 1;
        } else {
            *e.1.entry(f["reason"].as_str().unwrap_or("?").to_string())
                .or_default() += 1;
        }
    }
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "   by kind: kind | released | blocked (reason ×n)");
    for (k, (rel, blocked)) in by_kind {
        let b: Vec<String> = blocked.iter().map(|(r, n)| format!("{r} ×{n}")).collect();
        let _ = writeln!(err, "   | {k} | {rel} | {} |", b.join(", "));
    }
}

fn outs_with_ext(exts: &[&str]) -> Vec<&'static Out> {
    state()
        .outs
        .iter()
        .filter(|o| {
            o.output
                .extension()
                .map(|e| exts.contains(&e.to_string_lossy().to_ascii_lowercase().as_str()))
                .unwrap_or(false)
        })
        .collect()
}

fn fail_if_any(what: &str, checked: usize, bad: &[String]) {
    for b in bad {
        eprintln!("FAIL {what}: {b}");
    }
    eprintln!("{what}: {checked} checked, {} failed", bad.len());
    assert!(
        bad.is_empty(),
        "{what}: {} of {checked} outputs failed (listed above)",
        bad.len()
    );
}

const PDF: &[&str] = &["pdf"];
const OFFICE: &[&str] = &[
    "doc", "docx", "dot", "dotx", "xls", "xlsx", "xlt", "xltx", "ppt", "pptx", "pps", "ppsx",
    "pot", "potx", "rtf", "odt", "ods", "odp", "odg", "ott", "ots", "otp",
];
const IMAGES: &[&str] = &["jpg", "jpeg", "png", "gif", "tif", "tiff", "webp", "bmp"];

#[test]
fn sanitize_never_crashes_and_releases_or_blocks_every_corpus_file_with_a_reason() {
    let runs = &state().runs;
    assert!(!runs.is_empty(), "no corpus files found");
    let bad: Vec<String> = runs
        .iter()
        .filter(|r| !r.problems.is_empty())
        .map(|r| format!("{}: {}", r.job.label, r.problems.join("; ")))
        .collect();
    assert!(
        bad.is_empty(),
        "{} files failed:\n{}",
        bad.len(),
        bad.join("\n")
    );
    assert!(
        !state().outs.is_empty(),
        "nothing was released: the disarm handlers are not wired"
    );
}

#[test]
fn every_released_output_reinspects_without_a_dangerous_finding() {
    let st = state();
    let out = Command::new(common::kiyome())
        .args(["inspect", "--json"])
        .arg(st.dir.path().join("released"))
        .output()
        .expect("kiyome inspect");
    let v: Value = serde_json::from_slice(&out.stdout).expect("inspect report is JSON");
    let files = v["files"].as_array().cloned().unwrap_or_default();
    assert_eq!(files.len(), st.outs.len(), "one report per released output");
    let mut bad = Vec::new();
    for f in &files {
        let dangerous: Vec<String> = common::all_findings(f)
            .into_iter()
            .filter(|x| matches!(x["severity"].as_str(), Some("high" | "medium")))
            .map(|x| format!("{} @ {}", x["code"], x["location"]))
            .collect();
        if !dangerous.is_empty() || f["verdict"] != "released" {
            bad.push(format!("{}: {}", f["path"], dangerous.join(", ")));
        }
    }
    fail_if_any("kiyome inspect of released outputs", files.len(), &bad);
}

#[test]
fn qpdf_check_passes_and_pdfid_counts_no_active_keyword_on_every_pdf_output() {
    let (Some(qpdf), Some(pdfid)) = (
        kiyome_core::corpus::peer_tool("qpdf"),
        kiyome_core::corpus::peer_tool("pdfid"),
    ) else {
        return;
    };
    let pdfs = outs_with_ext(PDF);
    let mut bad = Vec::new();
    for o in &pdfs {
        let q = Command::new(&qpdf)
            .arg("--check")
            .arg(&o.output)
            .output()
            .expect("run qpdf");
        // 0 = clean; 3 = warnings (damaged data repaired on the fly), 2 = errors.
        if q.status.code() != Some(0) {
            let text = String::from_utf8_lossy(&q.stderr).into_owned()
                + &String::from_utf8_lossy(&q.stdout);
            let last: Vec<&str> = text
                .lines()
                .filter(|l| l.contains("WARN") || l.contains("ERR"))
                .take(2)
                .collect();
            bad.push(format!(
                "{}: qpdf --check {:?}: {}",
                o.label,
                q.status.code(),
                last.join(" | ")
            ));
        }
        let p = Command::new(&pdfid)
            .arg(&o.output)
            .output()
            .expect("run pdfid");
        let text = String::from_utf8_lossy(&p.stdout);
        let mut seen = 0;
        for line in text.lines() {
            let mut parts = line.split_whitespace();
            if let (Some(k), Some(n)) = (parts.next(), parts.next())
                && ACTIVE.contains(&k)
            {
                seen += 1;
                if n != "0" {
                    bad.push(format!("{}: pdfid counts {k} {n}", o.label));
                }
            }
        }
        if seen != ACTIVE.len() {
            bad.push(format!(
                "{}: pdfid printed {seen} of the {} keywords",
                o.label,
                ACTIVE.len()
            ));
        }
    }
    assert!(pdfs.len() > 50, "only {} PDF outputs", pdfs.len());
    fail_if_any("qpdf --check / pdfid on PDF outputs", pdfs.len(), &bad);
}

/// The pdfid keywords that must count 0 in every released PDF (issue 3).
const ACTIVE: &[&str] = &[
    "/JS",
    "/JavaScript",
    "/OpenAction",
    "/AA",
    "/Launch",
    "/EmbeddedFile",
    "/XFA",
    "/RichMedia",
];

#[test]
fn olevba_finds_no_macro_in_any_office_output() {
    let Some(olevba) = kiyome_core::corpus::peer_tool("olevba") else {
        return;
    };
    let office = outs_with_ext(OFFICE);
    let out = Command::new(&olevba)
        .arg("-j")
        .args(office.iter().map(|o| &o.output))
        .output()
        .expect("run olevba");
    let v: Value = serde_json::from_slice(&out.stdout).expect("olevba -j prints JSON");
    let entries: Vec<&Value> = v
        .as_array()
        .map(|a| a.iter().filter(|e| e["file"].is_string()).collect())
        .unwrap_or_default();
    let mut bad = Vec::new();
    for e in &entries {
        let macros = e["macros"].as_array().map(Vec::len).unwrap_or(0);
        let autoexec = e["analysis"]
            .as_array()
            .map(|a| a.iter().any(|x| x["type"] == "AutoExec"))
            .unwrap_or(false);
        if macros > 0 || autoexec {
            bad.push(format!(
                "{}: {macros} macro(s), autoexec {autoexec}",
                e["file"]
            ));
        }
    }
    assert_eq!(
        entries.len(),
        office.len(),
        "olevba reported on every output"
    );
    fail_if_any("olevba on Office/RTF outputs", entries.len(), &bad);
}

#[test]
fn libreoffice_converts_every_office_odf_and_rtf_output_to_pdf() {
    let Some(soffice) = kiyome_core::corpus::peer_tool("soffice") else {
        return;
    };
    let office = outs_with_ext(OFFICE);
    let work = tempfile::tempdir().expect("LibreOffice directory");
    let profile = work.path().join("profile");
    let pdf_dir = work.path().join("pdf");
    // A private profile: other LibreOffice instances on the machine do not interfere.
    let status = Command::new("timeout")
        .arg("900")
        .arg(&soffice)
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args([
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
        ])
        .arg(&pdf_dir)
        .args(office.iter().map(|o| &o.output))
        .output()
        .expect("run soffice");
    let mut bad = Vec::new();
    for o in &office {
        let stem = o.output.file_stem().unwrap_or_default().to_string_lossy();
        let pdf = pdf_dir.join(format!("{stem}.pdf"));
        match std::fs::read(&pdf) {
            Ok(d) if d.starts_with(b"%PDF") && d.len() > 200 => {}
            Ok(d) => bad.push(format!("{}: {} bytes of PDF", o.label, d.len())),
            Err(_) => bad.push(format!("{}: LibreOffice wrote no PDF", o.label)),
        }
    }
    if !bad.is_empty() {
        eprintln!("soffice: {}", String::from_utf8_lossy(&status.stderr));
    }
    // An output LibreOffice cannot open is a failure unless LibreOffice cannot open its
    // original either (a damaged input that kiyome passes on as it reads it): those are listed.
    let failed: Vec<&&Out> = office
        .iter()
        .filter(|o| bad.iter().any(|b| b.starts_with(&format!("{}:", o.label))))
        .collect();
    let originals = work.path().join("originals");
    let orig_pdf = work.path().join("originals-pdf");
    std::fs::create_dir_all(&originals).expect("mkdir");
    for o in &failed {
        let name = o.output.file_name().unwrap_or_default();
        std::fs::copy(&o.input, originals.join(name)).expect("copy original");
    }
    if !failed.is_empty() {
        let _ = Command::new("timeout")
            .arg("300")
            .arg(&soffice)
            .arg(format!(
                "-env:UserInstallation=file://{}",
                profile.display()
            ))
            .args([
                "--headless",
                "--norestore",
                "--convert-to",
                "pdf",
                "--outdir",
            ])
            .arg(&orig_pdf)
            .args(
                failed
                    .iter()
                    .map(|o| originals.join(o.output.file_name().unwrap_or_default())),
            )
            .output()
            .expect("run soffice on originals");
    }
    let mut also_original = Vec::new();
    bad.retain(|b| {
        let Some(o) = failed
            .iter()
            .find(|o| b.starts_with(&format!("{}:", o.label)))
        else {
            return true;
        };
        let stem = o.output.file_stem().unwrap_or_default().to_string_lossy();
        let converts = orig_pdf.join(format!("{stem}.pdf")).is_file();
        if !converts {
            also_original.push(o.label.clone());
        }
        converts
    });
    eprintln!(
        "LibreOffice cannot open the original either ({}): {}",
        also_original.len(),
        also_original.join(", ")
    );
    fail_if_any(
        "LibreOffice conversion of Office outputs",
        office.len(),
        &bad,
    );
}

#[test]
fn exiftool_finds_no_gps_author_or_camera_data_in_any_image_output() {
    let Some(exiftool) = kiyome_core::corpus::peer_tool("exiftool") else {
        return;
    };
    let images = outs_with_ext(IMAGES);
    let out = Command::new(&exiftool)
        .args(["-j", "-a", "-G1", "-n"])
        .args(images.iter().map(|o| &o.output))
        .output()
        .expect("run exiftool");
    let v: Value = serde_json::from_slice(&out.stdout).expect("exiftool -j prints JSON");
    let mut bad = Vec::new();
    let entries = v.as_array().cloned().unwrap_or_default();
    for e in &entries {
        let Some(obj) = e.as_object() else { continue };
        for key in obj.keys() {
            let (group, tag) = key.split_once(':').unwrap_or(("", key));
            if group.starts_with("GPS") || tag.starts_with("GPS") || FORBIDDEN.contains(&tag) {
                bad.push(format!("{}: {key} = {}", e["SourceFile"], obj[key]));
            }
        }
    }
    assert_eq!(
        entries.len(),
        images.len(),
        "exiftool reported on every image"
    );
    fail_if_any("exiftool on image outputs", entries.len(), &bad);
}

/// Author and camera tags (EXIF, XMP, IPTC, maker notes) that must not survive.
const FORBIDDEN: &[&str] = &[
    "Make",
    "Model",
    "Artist",
    "Author",
    "Creator",
    "By-line",
    "XPAuthor",
    "OwnerName",
    "CameraOwnerName",
    "SerialNumber",
    "BodySerialNumber",
    "InternalSerialNumber",
    "LensMake",
    "LensModel",
    "LensSerialNumber",
    "Software",
    "HostComputer",
    "MakerNote",
    "DateTimeOriginal",
];

fn pdftotext(bin: &Path, file: &Path) -> Option<String> {
    let o = Command::new(bin)
        .arg("-q")
        .arg(file)
        .arg("-")
        .output()
        .ok()?;
    o.status.success().then(|| {
        String::from_utf8_lossy(&o.stdout)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    })
}

fn pdf_pages(pdfinfo: &Path, file: &Path) -> Option<u64> {
    let o = Command::new(pdfinfo).arg(file).output().ok()?;
    if !o.status.success() {
        return None;
    }
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:").and_then(|n| n.trim().parse().ok()))
}

/// Whether the sanitize report removed active or dangerous content (a High or Medium
/// finding: scripts, embedded files, multimedia, external references) from the input; their
/// removal may rightly change the text.
fn had_active_content(o: &Out) -> bool {
    common::all_findings(&o.report)
        .into_iter()
        .any(|f| matches!(f["severity"].as_str(), Some("high" | "medium")))
}

/// `qpdf in out` (qpdf's reading of a damaged or multi-revision input), when qpdf can read it.
fn qpdf_rewrite(qpdf: &Path, input: &Path, dir: &Path) -> Option<PathBuf> {
    let out = dir.join("qpdf-reading.pdf");
    let st = Command::new(qpdf).arg(input).arg(&out).output().ok()?;
    matches!(st.status.code(), Some(0 | 3)).then_some(out)
}

#[test]
fn pdf_outputs_keep_the_text_and_page_count_of_inputs_without_active_content() {
    let (Some(pdftotext_bin), Some(pdfinfo), Some(qpdf)) = (
        kiyome_core::corpus::peer_tool("pdftotext"),
        kiyome_core::corpus::peer_tool("pdfinfo"),
        kiyome_core::corpus::peer_tool("qpdf"),
    ) else {
        return;
    };
    let scratch = tempfile::tempdir().expect("scratch");
    let mut bad = Vec::new();
    let (mut checked, mut skipped) = (0, Vec::new());
    for o in outs_with_ext(PDF) {
        if o.in_kind != "pdf" || had_active_content(o) {
            continue;
        }
        // An input poppler cannot read has no reference text or page count.
        let (Some(want_pages), Some(want_text)) = (
            pdf_pages(&pdfinfo, &o.input),
            pdftotext(&pdftotext_bin, &o.input),
        ) else {
            skipped.push(o.label.clone());
            continue;
        };
        checked += 1;
        // A looping page tree or a /Count that disagrees with the leaves: the output holds
        // the pages actually found, and the report says so (`pdf.page_tree`).
        let tree_rebuilt = common::codes_of(&o.report).contains("pdf.page_tree");
        match pdf_pages(&pdfinfo, &o.output) {
            Some(n) if n == want_pages || tree_rebuilt => {}
            got => bad.push(format!("{}: {want_pages} pages in, {got:?} out", o.label)),
        }
        // Where poppler and qpdf read a damaged or multi-revision input differently (a
        // deleted object that poppler still shows), the output must match one of them.
        let qpdf_text = || {
            qpdf_rewrite(&qpdf, &o.input, scratch.path())
                .and_then(|p| pdftotext(&pdftotext_bin, &p))
        };
        match pdftotext(&pdftotext_bin, &o.output) {
            Some(t) if t == want_text || Some(&t) == qpdf_text().as_ref() => {}
            Some(t) => bad.push(format!(
                "{}: text differs ({} chars in, {} out)",
                o.label,
                want_text.chars().count(),
                t.chars().count()
            )),
            None => bad.push(format!("{}: pdftotext cannot read the output", o.label)),
        }
    }
    eprintln!(
        "PDF content: {} inputs poppler cannot read skipped: {}",
        skipped.len(),
        skipped.join(", ")
    );
    assert!(checked > 50, "only {checked} PDFs compared");
    fail_if_any("PDF text and page count", checked, &bad);
}

#[test]
fn docx_outputs_keep_the_text_of_inputs_without_active_content() {
    let docx: Vec<&Out> = state()
        .outs
        .iter()
        .filter(|o| o.in_kind == "docx" && o.out_kind == "docx" && !had_active_content(o))
        .collect();
    let work = tempfile::tempdir().expect("text directory");
    let (ins, outs) = (work.path().join("in"), work.path().join("out"));
    std::fs::create_dir_all(&ins).expect("mkdir");
    std::fs::create_dir_all(&outs).expect("mkdir");
    for o in &docx {
        let name = o.output.file_name().expect("name");
        std::fs::copy(&o.input, ins.join(name)).expect("copy input");
        std::fs::copy(&o.output, outs.join(name)).expect("copy output");
    }
    let text = |dir: &Path| -> BTreeMap<String, String> {
        let dest = dir.with_extension("txt");
        let _ = Command::new(common::kiyome())
            .args(["sanitize", "--mode", "text", "--json", "--out"])
            .arg(&dest)
            .arg(dir)
            .output()
            .expect("kiyome sanitize --mode text");
        kiyome_core::corpus::files_under(&dest)
            .into_iter()
            .map(|p| {
                (
                    p.file_name()
                        .unwrap_or_default()
                        .to_string_lossy()
                        .into_owned(),
                    std::fs::read_to_string(&p).unwrap_or_default(),
                )
            })
            .collect()
    };
    let (want, got) = (text(&ins), text(&outs));
    let mut bad = Vec::new();
    let mut skipped = Vec::new();
    for o in &docx {
        let name = format!(
            "{}.txt",
            o.output.file_name().unwrap_or_default().to_string_lossy()
        );
        match (want.get(&name), got.get(&name)) {
            (Some(w), Some(g)) if w == g => {}
            // Text mode refuses the input itself (an XXE or entity bomb in its XML): there is
            // no reference text, and the disarmed output is the only readable form.
            (None, Some(_)) => skipped.push(o.label.clone()),
            (Some(w), Some(g)) => bad.push(format!(
                "{}: text differs ({} chars in, {} out)",
                o.label,
                w.chars().count(),
                g.chars().count()
            )),
            (w, g) => bad.push(format!(
                "{}: text extracted from input {} / output {}",
                o.label,
                w.is_some(),
                g.is_some()
            )),
        }
    }
    eprintln!(
        "DOCX text: {} inputs text mode refuses skipped: {}",
        skipped.len(),
        skipped.join(", ")
    );
    assert!(docx.len() >= 10, "only {} DOCX outputs", docx.len());
    fail_if_any("DOCX text", docx.len(), &bad);
}

/// How a second pass compares with the first, per output.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Same {
    /// Byte for byte.
    Identical,
    /// Not the same bytes, the same content: PDF text and pages, archive members, pixels
    /// (with the mean difference per channel, for a lossy re-encoding).
    Material(f64),
}

/// Pixels of an image output, with its dimensions.
fn pixels(path: &Path) -> Option<image::RgbaImage> {
    let data = std::fs::read(path).ok()?;
    image::load_from_memory(&data).ok().map(|i| i.to_rgba8())
}

/// Members of a zip-based output (OOXML, ODF, zip), by name.
fn members(path: &Path) -> Option<BTreeMap<String, Vec<u8>>> {
    use std::io::Read;
    let f = std::fs::File::open(path).ok()?;
    let mut z = zip::ZipArchive::new(f).ok()?;
    let mut out = BTreeMap::new();
    for i in 0..z.len() {
        let mut m = z.by_index(i).ok()?;
        let mut v = Vec::new();
        m.read_to_end(&mut v).ok()?;
        out.insert(m.name().ok()?.into_owned(), v);
    }
    Some(out)
}

/// Whether `a` and `b` (the outputs of pass 1 and 2) carry the same content; the reason why
/// not otherwise.
fn same_material(a: &Path, b: &Path, kind: &str, tools: &Peers) -> Result<Same, String> {
    let (da, db) = (
        std::fs::read(a).map_err(|e| e.to_string())?,
        std::fs::read(b).map_err(|e| e.to_string())?,
    );
    if da == db {
        return Ok(Same::Identical);
    }
    match kind {
        "pdf" => {
            let (Some(t), Some(i)) = (&tools.pdftotext, &tools.pdfinfo) else {
                return Err("PDF bytes differ (poppler missing: not compared)".into());
            };
            let text = (pdftotext(t, a), pdftotext(t, b));
            let pages = (pdf_pages(i, a), pdf_pages(i, b));
            if text.0.is_some() && text.0 == text.1 && pages.0.is_some() && pages.0 == pages.1 {
                Ok(Same::Material(0.0))
            } else {
                Err(format!("PDF text or pages differ (pages {pages:?})"))
            }
        }
        "jpeg" | "png" | "gif" | "bmp" | "tiff" | "webp" => {
            let (Some(pa), Some(pb)) = (pixels(a), pixels(b)) else {
                return Err("an image output does not decode".into());
            };
            if pa.dimensions() != pb.dimensions() {
                return Err(format!("{:?} → {:?}", pa.dimensions(), pb.dimensions()));
            }
            // JPEG is lossy: a second encoding moves pixels a little, never the picture.
            let diff: u64 = pa
                .as_raw()
                .iter()
                .zip(pb.as_raw())
                .map(|(x, y)| u64::from(x.abs_diff(*y)))
                .sum();
            let mean = diff as f64 / pa.as_raw().len().max(1) as f64;
            let allowed = if kind == "jpeg" { 1.0 } else { 0.0 };
            if mean <= allowed {
                Ok(Same::Material(mean))
            } else {
                Err(format!("pixels differ (mean {mean:.2} per channel)"))
            }
        }
        _ => match (members(a), members(b)) {
            (Some(ma), Some(mb)) if ma == mb => Ok(Same::Material(0.0)),
            (Some(ma), Some(mb)) => {
                let changed: Vec<&String> = ma
                    .keys()
                    .chain(mb.keys())
                    .filter(|k| ma.get(*k) != mb.get(*k))
                    .take(4)
                    .collect();
                Err(format!("members differ: {changed:?}"))
            }
            _ => Err(format!(
                "{kind}: bytes differ ({} → {})",
                da.len(),
                db.len()
            )),
        },
    }
}

struct Peers {
    pdftotext: Option<PathBuf>,
    pdfinfo: Option<PathBuf>,
}

#[test]
fn sanitizing_every_released_output_again_finds_nothing_and_changes_nothing_material() {
    let st = state();
    let again = st.dir.path().join("again");
    let out = Command::new(common::kiyome())
        .args(["sanitize", "--json", "--out"])
        .arg(&again)
        .arg(st.dir.path().join("released"))
        .output()
        .expect("kiyome sanitize of the released outputs");
    let v: Value = serde_json::from_slice(&out.stdout).expect("sanitize report is JSON");
    let files: BTreeMap<String, &Value> = v["files"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| (f["path"].as_str().unwrap_or("").to_string(), f))
                .collect()
        })
        .unwrap_or_default();
    let tools = Peers {
        pdftotext: kiyome_core::corpus::peer_tool("pdftotext"),
        pdfinfo: kiyome_core::corpus::peer_tool("pdfinfo"),
    };
    let mut bad = Vec::new();
    let mut tally: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut worst_pixels = 0f64;
    for o in &st.outs {
        let Some(f) = files.get(&*o.output.to_string_lossy()) else {
            bad.push(format!("{}: no second report", o.label));
            continue;
        };
        if f["verdict"] != "released" {
            bad.push(format!(
                "{}: blocked on the second pass ({})",
                o.label, f["reason"]
            ));
            continue;
        }
        // Nothing left to remove: no dangerous finding, nothing removed, defanged or blocked.
        let found: Vec<String> = common::all_findings(f)
            .into_iter()
            .filter(|x| {
                matches!(x["severity"].as_str(), Some("high" | "medium"))
                    || matches!(
                        x["action"].as_str(),
                        Some("removed" | "neutralized" | "blocked")
                    )
            })
            .map(|x| format!("{} {} @ {}", x["code"], x["action"], x["location"]))
            .collect();
        if !found.is_empty() {
            bad.push(format!(
                "{}: second pass found {}",
                o.label,
                found.join(", ")
            ));
        }
        if f["output"]["kind"] != o.report["output"]["kind"] {
            bad.push(format!(
                "{}: kind {} became {}",
                o.label, o.report["output"]["kind"], f["output"]["kind"]
            ));
        }
        let second = PathBuf::from(f["output"]["path"].as_str().unwrap_or(""));
        let e = tally.entry(o.out_kind.clone()).or_default();
        match same_material(&o.output, &second, &o.out_kind, &tools) {
            Ok(Same::Identical) => e.0 += 1,
            Ok(Same::Material(d)) => {
                e.1 += 1;
                worst_pixels = worst_pixels.max(d);
            }
            Err(why) => bad.push(format!("{} ({}): {why}", o.label, o.out_kind)),
        }
    }
    eprintln!(
        "   second pass: kind | identical bytes | same content (largest mean pixel change of a re-encoded image: {worst_pixels:.3} per channel)"
    );
    for (k, (i, m)) in &tally {
        eprintln!("   | {k} | {i} | {m} |");
    }
    assert!(
        st.outs.len() > 100,
        "only {} released outputs",
        st.outs.len()
    );
    fail_if_any("second sanitize pass", st.outs.len(), &bad);
}
