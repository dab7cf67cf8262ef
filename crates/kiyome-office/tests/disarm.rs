//! Disarm of OOXML and ODF: outputs re-inspect clean, stay consistent packages, are
//! idempotent, keep the text of clean documents, satisfy olevba and open in LibreOffice.

use kiyome_core::corpus::{files_under, fixtures_dir, peer_tool, shared_corpus};
use kiyome_core::{Budget, Ctx, Disarmed, Inspection, Kind, KindClass, Limits, NoNesting, sniff};
use kiyome_office::OfficeOptions;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

fn is_package(kind: Kind) -> bool {
    matches!(kind.class(), KindClass::Ooxml | KindClass::Odf)
}

fn disarm(data: &[u8], kind: Kind) -> (Result<Disarmed, kiyome_core::Error>, Inspection) {
    let b = Budget::new(&Limits::default());
    let ctx = Ctx::new(&b, &NoNesting);
    let mut out = Inspection::default();
    let r = kiyome_office::disarm(data, kind, &ctx, &OfficeOptions::default(), &mut out);
    (r, out)
}

fn inspect(data: &[u8], kind: Kind) -> Inspection {
    let b = Budget::new(&Limits::default());
    let ctx = Ctx::new(&b, &NoNesting);
    let mut out = Inspection::default();
    if let Err(e) = kiyome_office::inspect(data, kind, &ctx, &mut out) {
        out.add(kiyome_core::Finding::from_error(&e, "input"));
    }
    out
}

/// Member name → bytes.
fn parts(data: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(data)).expect("output is a zip");
    let mut m = BTreeMap::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).expect("member");
        let mut v = Vec::new();
        f.read_to_end(&mut v).expect("member data");
        m.insert(f.name().expect("utf-8 name").to_string(), v);
    }
    m
}

macro_rules! ensure {
    ($c:expr, $($f:tt)*) => {
        if !$c {
            return Err(format!($($f)*));
        }
    };
}

/// Disarms one file and checks everything that must hold for any output. Returns the output.
fn check(path: &Path) -> Option<Disarmed> {
    try_check(path).unwrap_or_else(|e| panic!("{e}"))
}

fn try_check(path: &Path) -> Result<Option<Disarmed>, String> {
    let data = std::fs::read(path).expect("read input");
    let kind = sniff(&data, Some(&path.to_string_lossy())).kind;
    if !is_package(kind) {
        return Ok(None);
    }
    let (r, _) = disarm(&data, kind);
    let d = match r {
        Ok(d) => d,
        // Encrypted, broken or ambiguous packages are refused, never half-disarmed.
        Err(e) => {
            ensure!(
                matches!(e.code(), "encrypted" | "parse.failed" | "unsupported")
                    || e.code().starts_with("limit."),
                "{}: unexpected error {e}",
                path.display()
            );
            return Ok(None);
        }
    };
    let name = format!("out.{}", d.kind.default_extension());
    let got = sniff(&d.data, Some(&name)).kind;
    ensure!(
        got == d.kind,
        "{}: output sniffs as {got}, disarm says {}",
        path.display(),
        d.kind
    );
    ensure!(
        !d.kind.is_macro_enabled() || d.kind == Kind::Xlsb,
        "{}: still macro-enabled",
        path.display()
    );
    let re = inspect(&d.data, d.kind);
    let bad: Vec<_> = re
        .findings
        .iter()
        .filter(|f| f.severity.is_dangerous())
        .map(|f| format!("{} at {} ({})", f.code, f.location, f.detail))
        .collect();
    ensure!(
        bad.is_empty(),
        "{}: output still has {bad:?}",
        path.display()
    );
    // Idempotence: a second pass changes no part.
    let (again, _) = disarm(&d.data, d.kind);
    let again = again.map_err(|e| format!("{}: second disarm failed: {e}", path.display()))?;
    let (a, b) = (parts(&d.data), parts(&again.data));
    ensure!(
        a.keys().eq(b.keys()),
        "{}: parts differ on a second pass",
        path.display()
    );
    let changed: Vec<&String> = a
        .iter()
        .filter(|(k, v)| b.get(*k) != Some(v))
        .map(|(k, _)| k)
        .collect();
    ensure!(
        changed.is_empty(),
        "{}: second pass changed {changed:?}",
        path.display()
    );
    if is_package(d.kind) && d.kind.class() == KindClass::Ooxml {
        check_opc_consistency(&d.data, path)?;
    }
    Ok(Some(d))
}

/// Every relationship target exists and every part has a content type.
fn check_opc_consistency(data: &[u8], path: &Path) -> Result<(), String> {
    let p = parts(data);
    let ct = String::from_utf8_lossy(p.get("[Content_Types].xml").expect("content types"));
    for (name, bytes) in &p {
        if name.ends_with(".rels") {
            let dir = name.split("_rels/").next().unwrap_or("");
            let text = String::from_utf8_lossy(bytes);
            for rel in text.split("<Relationship ").skip(1) {
                if rel.contains("TargetMode=\"External\"") {
                    continue;
                }
                let target = rel
                    .split("Target=\"")
                    .nth(1)
                    .and_then(|t| t.split('"').next())
                    .unwrap_or("");
                let full = if let Some(abs) = target.strip_prefix('/') {
                    abs.to_string()
                } else {
                    let mut segs: Vec<&str> = dir
                        .trim_end_matches('/')
                        .split('/')
                        .filter(|s| !s.is_empty())
                        .collect();
                    for s in target.split('/') {
                        match s {
                            ".." => {
                                segs.pop();
                            }
                            "." | "" => {}
                            s => segs.push(s),
                        }
                    }
                    segs.join("/")
                };
                let full = full.replace("%20", " ");
                ensure!(
                    p.keys().any(|k| k.eq_ignore_ascii_case(&full)),
                    "{}: {name} points to missing {full}",
                    path.display()
                );
            }
        } else if name != "[Content_Types].xml" {
            let ext = name.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
            let has = ct
                .to_ascii_lowercase()
                .contains(&format!("partname=\"/{}\"", name.to_ascii_lowercase()))
                || ct
                    .to_ascii_lowercase()
                    .contains(&format!("extension=\"{ext}\""));
            ensure!(has, "{}: {name} has no content type", path.display());
        }
    }
    Ok(())
}

fn fixture(name: &str) -> PathBuf {
    fixtures_dir().join(name)
}

#[test]
fn fixtures_disarm_to_clean_consistent_idempotent_packages() {
    let mut n = 0;
    for f in files_under(&fixtures_dir()) {
        if check(&f).is_some() {
            n += 1;
        }
    }
    assert!(n >= 9, "only {n} office fixtures disarmed");
}

#[test]
fn macro_enabled_kinds_become_macro_free() {
    let d = check(&fixture("docm_autoopen_vba.docm")).expect("disarmed");
    assert_eq!(d.kind, Kind::Docx);
    assert!(
        !parts(&d.data)
            .keys()
            .any(|k| k.to_ascii_lowercase().contains("vba"))
    );
    let d = check(&fixture("xlsm_xlm_macro_sheet_auto_open.xlsm")).expect("disarmed");
    assert_eq!(d.kind, Kind::Xlsx);
    let p = parts(&d.data);
    assert!(!p.keys().any(|k| k.contains("macrosheets")));
    let wb = String::from_utf8_lossy(p.get("xl/workbook.xml").expect("workbook"));
    assert!(!wb.contains("Auto_Open") && !wb.contains("Macro1"), "{wb}");
}

#[test]
fn dde_field_is_replaced_by_its_cached_result() {
    let d = check(&fixture("docx_ddeauto_split_runs.docx")).expect("disarmed");
    let doc =
        String::from_utf8_lossy(parts(&d.data).get("word/document.xml").expect("doc")).into_owned();
    assert!(
        !doc.contains("instrText") && !doc.contains("fldChar"),
        "{doc}"
    );
    assert!(doc.contains("cached result") && doc.contains("Quarterly report"));
}

#[test]
fn remote_template_unc_link_and_altchunk_are_removed() {
    let d = check(&fixture("docx_remote_attached_template.docx")).expect("disarmed");
    let p = parts(&d.data);
    let settings = String::from_utf8_lossy(p.get("word/settings.xml").expect("settings"));
    assert!(!settings.contains("attachedTemplate"));
    assert!(
        !p.values()
            .any(|v| String::from_utf8_lossy(v).contains("attacker.example"))
    );
    let d = check(&fixture("pptx_unc_hyperlink.pptx")).expect("disarmed");
    assert!(
        !parts(&d.data)
            .values()
            .any(|v| String::from_utf8_lossy(v).contains("attacker.example"))
    );
    let d = check(&fixture("docx_altchunk_html.docx")).expect("disarmed");
    let p = parts(&d.data);
    assert!(!p.contains_key("word/afchunk.htm"));
    assert!(
        !String::from_utf8_lossy(p.get("word/document.xml").expect("doc")).contains("altChunk")
    );
}

#[test]
fn odf_macros_and_listeners_are_removed_and_mimetype_stays_first_and_stored() {
    let d = check(&fixture("odt_basic_macro_event.odt")).expect("disarmed");
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(&d.data)).expect("zip");
    let first = z.by_index(0).expect("first");
    assert_eq!(first.name().expect("name"), "mimetype");
    assert_eq!(first.compression(), zip::CompressionMethod::Stored);
    drop(first);
    let p = parts(&d.data);
    assert!(!p.keys().any(|k| k.starts_with("Basic/")));
    let manifest = String::from_utf8_lossy(p.get("META-INF/manifest.xml").expect("manifest"));
    assert!(!manifest.contains("Basic/"));
}

/// Text of a docx: every `w:t`, in order.
fn docx_text(data: &[u8]) -> String {
    let p = parts(data);
    let doc = String::from_utf8_lossy(p.get("word/document.xml").expect("doc")).into_owned();
    doc.split("<w:t")
        .skip(1)
        .filter_map(|s| {
            s.split_once('>')
                .map(|(_, r)| r.split("</w:t>").next().unwrap_or("").to_string())
        })
        .collect()
}

#[test]
fn text_of_documents_without_active_content_is_unchanged() {
    let path = fixture("docx_clean_control.docx");
    let input = std::fs::read(&path).expect("read");
    let d = check(&path).expect("disarmed");
    assert_eq!(docx_text(&input), docx_text(&d.data));
    assert!(docx_text(&input).contains("予算資料"));
    // And every real-world docx without active content.
    let mut compared = 0;
    for f in corpus_files() {
        let data = std::fs::read(&f).expect("read");
        if sniff(&data, Some(&f.to_string_lossy())).kind != Kind::Docx
            || inspect(&data, Kind::Docx)
                .findings
                .iter()
                .any(|x| x.severity.is_dangerous())
        {
            continue;
        }
        let (r, _) = disarm(&data, Kind::Docx);
        let d = r.expect("clean docx disarms");
        assert_eq!(
            docx_text(&data),
            docx_text(&d.data),
            "{}: text changed",
            f.display()
        );
        compared += 1;
    }
    eprintln!("docx text compared on {compared} corpus files");
}

fn corpus_files() -> Vec<PathBuf> {
    let Some(dir) = shared_corpus("office disarm corpus") else {
        return Vec::new();
    };
    ["ooxml-general", "ooxml-macro", "odf"]
        .iter()
        .flat_map(|s| files_under(&dir.join(s)))
        .collect()
}

#[test]
fn shared_corpus_outputs_reinspect_clean() {
    let files = corpus_files();
    let mut ok = 0;
    let mut failures = Vec::new();
    for f in &files {
        match try_check(f) {
            Ok(Some(_)) => ok += 1,
            Ok(None) => {}
            Err(e) => failures.push(e),
        }
    }
    eprintln!(
        "disarmed {ok} of {} shared-corpus office files",
        files.len()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(files.is_empty() || ok >= 40, "only {ok} disarmed");
}

/// Disarm outputs of every fixture and corpus package (checked once per test binary and
/// shared by the peer-tool tests), as (output file name, bytes).
fn all_outputs() -> &'static Vec<(String, Vec<u8>)> {
    static OUTPUTS: std::sync::OnceLock<Vec<(String, Vec<u8>)>> = std::sync::OnceLock::new();
    OUTPUTS.get_or_init(|| {
        let mut inputs: Vec<PathBuf> = files_under(&fixtures_dir());
        inputs.extend(corpus_files());
        inputs
            .iter()
            .filter_map(|f| {
                let d = try_check(f).ok()??;
                let stem = f
                    .file_stem()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned();
                Some((format!("{stem}.{}", d.kind.default_extension()), d.data))
            })
            .collect()
    })
}

fn outputs_in(dir: &Path) -> Vec<PathBuf> {
    all_outputs()
        .iter()
        .map(|(name, data)| {
            let out = dir.join(name);
            std::fs::write(&out, data).expect("write output");
            out
        })
        .collect()
}

/// Files in which olevba reports VBA or XLM code, from one `olevba --json` run over `files`
/// (one process: Python start-up dominates the cost).
fn olevba_macro_files(olevba: &Path, files: &[PathBuf]) -> Vec<String> {
    let r = std::process::Command::new(olevba)
        .arg("--json")
        .args(files)
        .output()
        .expect("run olevba");
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).expect("olevba JSON");
    v.as_array()
        .into_iter()
        .flatten()
        .filter(|e| {
            e.get("macros")
                .and_then(|m| m.as_array())
                .is_some_and(|m| !m.is_empty())
        })
        .filter_map(|e| e.get("file").and_then(|f| f.as_str()).map(str::to_string))
        .collect()
}

#[test]
fn olevba_finds_no_macros_in_outputs() {
    let Some(olevba) = peer_tool("olevba") else {
        return;
    };
    // Control: olevba does see the input's VBA, so its silence on the outputs means something.
    let input = fixture("docm_autoopen_vba.docm");
    assert_eq!(
        olevba_macro_files(&olevba, std::slice::from_ref(&input)).len(),
        1,
        "olevba misses the input's VBA"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let outs: Vec<PathBuf> = outputs_in(dir.path())
        .into_iter()
        .filter(|o| {
            o.extension().is_some_and(|e| {
                !["odt", "ods", "odp", "odg"].contains(&e.to_string_lossy().as_ref())
            })
        })
        .collect();
    assert!(outs.len() >= 30, "only {} OOXML outputs", outs.len());
    let found = olevba_macro_files(&olevba, &outs);
    assert!(found.is_empty(), "olevba finds macros in {found:?}");
}

#[test]
fn libreoffice_converts_outputs_to_pdf() {
    let Some(soffice) = peer_tool("soffice") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let outs = outputs_in(dir.path());
    // ~1.3 s per conversion: a representative subset, one per kind family.
    let wanted = [
        "docm_autoopen_vba",
        "xlsm_xlm_macro_sheet_auto_open",
        "docx_ddeauto_split_runs",
        "odt_basic_macro_event",
        "tika__testEXCEL_macro",
        "tika__testWORD_macros",
        "tika__testODSMacro",
        "tika__testPPT_macros",
        "poi__WordWithAttachments",
    ];
    let subset: Vec<&PathBuf> = outs
        .iter()
        .filter(|o| {
            wanted
                .iter()
                .any(|w| o.file_stem().is_some_and(|s| s.to_string_lossy() == *w))
        })
        .collect();
    assert!(subset.len() >= 4, "subset too small: {subset:?}");
    let pdf_dir = dir.path().join("pdf");
    let profile = dir.path().join("profile");
    // One soffice process for the whole subset: its start-up dominates the cost.
    let status = std::process::Command::new(&soffice)
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(&pdf_dir)
        .args(&subset)
        .output()
        .expect("run soffice");
    for out in subset {
        let pdf = pdf_dir.join(format!(
            "{}.pdf",
            out.file_stem().unwrap_or_default().to_string_lossy()
        ));
        assert!(
            pdf.is_file() && std::fs::metadata(&pdf).map(|m| m.len()).unwrap_or(0) > 500,
            "LibreOffice could not convert {}: {}",
            out.display(),
            String::from_utf8_lossy(&status.stderr)
        );
    }
}
