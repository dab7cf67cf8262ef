//! `kiyome sanitize` through the CLI (issue 3): every fixture is released or blocked as
//! `test-corpus/MANIFEST.tsv` says; blocked files leave nothing in `--out` and go to
//! `--quarantine` with their report; inputs are never modified; `--report FILE` is the run's
//! JSON report; the human summary counts released and blocked files by reason; and the
//! `--password` cases of an encrypted PDF (user password given, missing, wrong, empty).

mod common;

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn sanitize(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(common::kiyome())
        .arg("sanitize")
        .args(args)
        .output()
        .expect("run kiyome sanitize")
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

fn sha_of(p: &Path) -> String {
    kiyome_core::sha256_hex(&std::fs::read(p).expect("read"))
}

fn hashes(dir: &Path) -> BTreeMap<PathBuf, String> {
    kiyome_core::corpus::files_under(dir)
        .into_iter()
        .map(|p| {
            let h = sha_of(&p);
            (p, h)
        })
        .collect()
}

/// `name → sanitize outcome` from the manifest's `sanitize` column.
fn manifest_outcomes() -> BTreeMap<String, String> {
    let root = kiyome_core::corpus::repo_root();
    let text = std::fs::read_to_string(root.join("test-corpus/MANIFEST.tsv")).expect("manifest");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split('\t').collect();
    let col = header
        .iter()
        .position(|h| *h == "sanitize")
        .expect("MANIFEST.tsv has a sanitize column");
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            (
                cols[0].to_string(),
                cols.get(col).unwrap_or(&"").to_string(),
            )
        })
        .collect()
}

/// Reasons a blocked report was blocked for: its own reason, the reasons of blocked nested
/// reports (archive members, attachments), and the codes of its findings acted on by blocking.
fn block_reasons(f: &Value, out: &mut BTreeSet<String>) {
    if f["verdict"] == "blocked"
        && let Some(r) = f["reason"].as_str()
    {
        out.insert(r.to_string());
    }
    for x in f["findings"].as_array().into_iter().flatten() {
        if x["action"] == "blocked"
            && let Some(c) = x["code"].as_str()
        {
            out.insert(c.to_string());
        }
    }
    for c in f["children"].as_array().into_iter().flatten() {
        block_reasons(c, out);
    }
}

/// Whether a file report meets a manifest `sanitize` cell (`released` or `blocked:CODE`).
fn outcome_holds(f: &Value, want: &str) -> bool {
    match want.strip_prefix("blocked:") {
        None => want == "released" && f["verdict"] == "released",
        Some(code) => {
            let mut reasons = BTreeSet::new();
            block_reasons(f, &mut reasons);
            f["verdict"] == "blocked" && reasons.contains(code)
        }
    }
}

fn file_name(path: &str) -> String {
    Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[test]
fn every_fixture_is_released_or_blocked_as_the_manifest_says_with_quarantine_and_report() {
    let fixtures = kiyome_core::corpus::fixtures_dir();
    let before = hashes(&fixtures);
    let tmp = tempfile::tempdir().expect("tempdir");
    let (out, q, report) = (
        tmp.path().join("out"),
        tmp.path().join("quarantine"),
        tmp.path().join("run.json"),
    );
    let o = sanitize(&[
        "--json".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
        "--quarantine".as_ref(),
        q.as_os_str(),
        "--report".as_ref(),
        report.as_os_str(),
        fixtures.as_os_str(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "some fixtures are blocked: exit 1"
    );
    let v = json(&o);
    let from_file: Value =
        serde_json::from_slice(&std::fs::read(&report).expect("--report written"))
            .expect("--report is JSON");
    assert_eq!(from_file, v, "--report holds the same report as --json");

    let outcomes = manifest_outcomes();
    let files = v["files"].as_array().expect("files");
    assert_eq!(files.len(), before.len(), "one report per input");
    let mut bad = Vec::new();
    let mut released_outputs = BTreeSet::new();
    for f in files {
        let path = f["path"].as_str().unwrap_or("");
        let name = file_name(path);
        let Some(want) = outcomes.get(&name) else {
            bad.push(format!("{name}: not in MANIFEST.tsv"));
            continue;
        };
        if !outcome_holds(f, want) {
            bad.push(format!(
                "{name}: {} (reason {}), manifest says {want}",
                f["verdict"], f["reason"]
            ));
        }
        let input = PathBuf::from(path);
        if f["verdict"] == "released" {
            let outp = PathBuf::from(f["output"]["path"].as_str().unwrap_or(""));
            if !outp.starts_with(&out) || !outp.is_file() {
                bad.push(format!(
                    "{name}: released output {} missing",
                    outp.display()
                ));
            } else if f["output"]["sha256"].as_str() != Some(&sha_of(&outp)) {
                bad.push(format!("{name}: output sha256 differs from the report"));
            }
            released_outputs.insert(outp);
        } else {
            if !f["output"].is_null() {
                bad.push(format!("{name}: blocked but the report names an output"));
            }
            if f["kind"] == "eml" || f["kind"] == "mbox" {
                continue;
            }
            // The quarantine holds the original, by its hash, with this file's report.
            let sha = f["sha256"].as_str().unwrap_or("");
            let obj = q.join("objects").join(&sha[..2.min(sha.len())]).join(sha);
            match std::fs::read(&obj) {
                Ok(b) if b == std::fs::read(&input).unwrap_or_default() => {}
                _ => bad.push(format!("{name}: original not in the quarantine")),
            }
            let entry: Value = std::fs::read(q.join("entries").join(format!("{sha}.json")))
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok())
                .unwrap_or(Value::Null);
            let named = entry["names"]
                .as_array()
                .map(|n| n.iter().any(|x| x == path))
                .unwrap_or(false);
            if !named
                || entry["reason"] != f["reason"]
                || entry["report"]["verdict"] != "blocked"
                || entry["report"]["path"] != f["path"]
            {
                bad.push(format!(
                    "{name}: quarantine entry {} lacks its name, reason or report",
                    entry
                ));
            }
        }
    }
    let written: BTreeSet<PathBuf> = kiyome_core::corpus::files_under(&out).into_iter().collect();
    for extra in written.difference(&released_outputs) {
        bad.push(format!(
            "{} written to --out but no released report names it",
            extra.display()
        ));
    }
    assert_eq!(hashes(&fixtures), before, "inputs were modified");
    for b in &bad {
        eprintln!("FAIL {b}");
    }
    assert!(bad.is_empty(), "{} problems (listed above)", bad.len());
}

#[test]
fn the_human_summary_counts_released_and_blocked_files_by_reason() {
    let fx = kiyome_core::corpus::fixtures_dir();
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    let inputs = [
        fx.join("pdf_clean.pdf"),
        fx.join("ps1_download_cradle_renamed.txt"),
        fx.join("vbs_wscript_shell_renamed.txt"),
        fx.join("pdf_unknown_filter_stream.pdf"),
    ];
    let mut args: Vec<&std::ffi::OsStr> = vec!["--out".as_ref(), out.as_os_str()];
    args.extend(inputs.iter().map(|p| p.as_os_str()));
    let o = sanitize(&args);
    assert_eq!(o.status.code(), Some(1));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("sanitize: 1 released/合格, 3 blocked/遮断"),
        "summary line missing:\n{text}"
    );
    // After the summary line: one `  N  reason` line per reason.
    let by_reason: BTreeMap<String, u64> = text
        .lines()
        .skip_while(|l| !l.starts_with("sanitize:"))
        .skip(1)
        .filter_map(|l| {
            let mut p = l.split_whitespace();
            let n = p.next()?.parse().ok()?;
            Some((p.next()?.to_string(), n))
        })
        .collect();
    assert_eq!(by_reason.get("kind.script"), Some(&2), "{text}");
    assert_eq!(by_reason.values().sum::<u64>(), 3, "{text}");
    // Each file has its line, blocked ones with their reason.
    assert!(
        text.contains("OK      ") && text.contains("BLOCKED"),
        "{text}"
    );
    assert!(text.contains("[kind.script]"), "{text}");
}

/// `qpdf --encrypt USER OWNER 256` (or another key length) of the clean PDF fixture.
fn encrypted_pdf(qpdf: &Path, dir: &Path, user: &str, bits: &str, name: &str) -> PathBuf {
    let src = kiyome_core::corpus::fixtures_dir().join("pdf_clean.pdf");
    let dest = dir.join(name);
    let st = Command::new(qpdf)
        .arg("--allow-weak-crypto")
        .args(["--encrypt", user, "kiyome-owner", bits, "--"])
        .arg(&src)
        .arg(&dest)
        .status()
        .expect("run qpdf");
    assert!(st.success(), "qpdf could not encrypt");
    dest
}

fn not_encrypted(qpdf: &Path, pdf: &Path) -> bool {
    let o = Command::new(qpdf)
        .arg("--show-encryption")
        .arg(pdf)
        .output()
        .expect("qpdf --show-encryption");
    String::from_utf8_lossy(&o.stdout).contains("File is not encrypted")
}

fn pdftotext(bin: &Path, pdf: &Path, password: Option<&str>) -> String {
    let mut c = Command::new(bin);
    c.arg("-q");
    if let Some(p) = password {
        c.args(["-upw", p]);
    }
    let o = c.arg(pdf).arg("-").output().expect("pdftotext");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn encrypted_pdfs_need_the_user_password_and_come_out_decrypted() {
    let (Some(qpdf), Some(pdftotext_bin)) = (
        kiyome_core::corpus::peer_tool("qpdf"),
        kiyome_core::corpus::peer_tool("pdftotext"),
    ) else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let want = pdftotext(
        &pdftotext_bin,
        &kiyome_core::corpus::fixtures_dir().join("pdf_clean.pdf"),
        None,
    );
    assert!(want.contains("kiyome fixture"), "reference text: {want}");
    for bits in ["256", "128"] {
        let locked = encrypted_pdf(
            &qpdf,
            tmp.path(),
            "kiyome-user",
            bits,
            &format!("locked-{bits}.pdf"),
        );
        let open = encrypted_pdf(&qpdf, tmp.path(), "", bits, &format!("open-{bits}.pdf"));
        let before = (sha_of(&locked), sha_of(&open));
        let run =
            |input: &Path, password: Option<&str>, tag: &str| -> (Option<i32>, Value, PathBuf) {
                let out = tmp.path().join(format!("out-{bits}-{tag}"));
                let mut args: Vec<&std::ffi::OsStr> =
                    vec!["--json".as_ref(), "--out".as_ref(), out.as_os_str()];
                if let Some(p) = password {
                    args.push("--password".as_ref());
                    args.push(p.as_ref());
                }
                args.push(input.as_os_str());
                let o = sanitize(&args);
                let v = json(&o);
                (o.status.code(), v["files"][0].clone(), out)
            };

        // No password: blocked as encrypted, nothing written.
        let (code, f, out) = run(&locked, None, "none");
        assert_eq!(code, Some(1), "{bits}: {f}");
        assert_eq!(f["verdict"], "blocked");
        assert_eq!(f["reason"], "encrypted", "{bits}: {f}");
        assert!(kiyome_core::corpus::files_under(&out).is_empty());

        // A wrong password: blocked just the same.
        let (code, f, _) = run(&locked, Some("not-the-password"), "wrong");
        assert_eq!(
            (code, &f["reason"]),
            (Some(1), &Value::from("encrypted")),
            "{bits}: {f}"
        );

        // The user password: released, written decrypted, same text.
        let (code, f, _) = run(&locked, Some("kiyome-user"), "user");
        assert_eq!(code, Some(0), "{bits}: {f}");
        let outp = PathBuf::from(f["output"]["path"].as_str().expect("output path"));
        assert!(
            not_encrypted(&qpdf, &outp),
            "{bits}: output still encrypted"
        );
        assert_eq!(
            pdftotext(&pdftotext_bin, &outp, None),
            want,
            "{bits}: text changed"
        );
        assert!(
            common::codes_of(&f).contains("pdf.encrypted"),
            "{bits}: the report says the input was encrypted: {f}"
        );

        // An empty user password: no --password needed, written unencrypted.
        let (code, f, _) = run(&open, None, "empty");
        assert_eq!(code, Some(0), "{bits}: {f}");
        let outp = PathBuf::from(f["output"]["path"].as_str().expect("output path"));
        assert!(
            not_encrypted(&qpdf, &outp),
            "{bits}: output still encrypted"
        );
        assert_eq!(
            pdftotext(&pdftotext_bin, &outp, None),
            want,
            "{bits}: text changed"
        );

        assert_eq!(
            (sha_of(&locked), sha_of(&open)),
            before,
            "inputs were modified"
        );
    }
}

/// Parts of a zip package, by name.
fn parts(path: &Path) -> BTreeMap<String, Vec<u8>> {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).expect("open")).expect("zip");
    (0..z.len())
        .map(|i| {
            let mut m = z.by_index(i).expect("member");
            let mut v = Vec::new();
            m.read_to_end(&mut v).expect("read member");
            (m.name().expect("member name").into_owned(), v)
        })
        .collect()
}

/// Internal relationship targets that name no part of the package.
fn dangling(parts: &BTreeMap<String, Vec<u8>>) -> Vec<String> {
    let mut out = Vec::new();
    for (name, data) in parts.iter().filter(|(n, _)| n.ends_with(".rels")) {
        // `dir/_rels/x.xml.rels` describes `dir/x.xml`: targets are relative to `dir/`.
        let base = name.split("_rels/").next().unwrap_or("");
        let xml = String::from_utf8_lossy(data);
        for rel in xml.split("<Relationship ").skip(1) {
            let attr = |a: &str| {
                rel.split(&format!("{a}=\""))
                    .nth(1)
                    .and_then(|r| r.split('"').next())
                    .unwrap_or("")
                    .to_string()
            };
            if attr("TargetMode") == "External" {
                continue;
            }
            let target = attr("Target");
            let mut segs: Vec<&str> = if target.starts_with('/') {
                Vec::new()
            } else {
                base.split('/').filter(|s| !s.is_empty()).collect()
            };
            for s in target.trim_start_matches('/').split('/') {
                match s {
                    ".." => {
                        segs.pop();
                    }
                    "." | "" => {}
                    s => segs.push(s),
                }
            }
            let resolved = segs.join("/");
            if !parts.contains_key(&resolved) {
                out.push(format!("{name} → {target}"));
            }
        }
    }
    out
}

#[test]
fn disarm_removes_the_active_parts_and_leaves_no_dangling_relationship() {
    let fx = kiyome_core::corpus::fixtures_dir();
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "docm_vba_data_autoopen_keymap.docm",
            "docm_vba_data_autoopen_keymap.docx",
            &["vbaProject.bin", "vbaData.xml"],
        ),
        (
            "docx_activex_web_browser.docx",
            "docx_activex_web_browser.docx",
            &["activeX/", "w:control"],
        ),
        (
            "docx_custom_ui_onload_callback.docx",
            "docx_custom_ui_onload_callback.docx",
            &["customUI/", "ui/extensibility"],
        ),
        (
            "docx_signed_remote_template.docx",
            "docx_signed_remote_template.docx",
            &[
                "_xmlsignatures/",
                "digital-signature/origin",
                "attachedTemplate",
            ],
        ),
    ];
    let mut args: Vec<&std::ffi::OsStr> =
        vec!["--json".as_ref(), "--out".as_ref(), out.as_os_str()];
    let inputs: Vec<PathBuf> = cases.iter().map(|(i, _, _)| fx.join(i)).collect();
    args.extend(inputs.iter().map(|p| p.as_os_str()));
    let o = sanitize(&args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    for (input, output, gone) in cases {
        let p = parts(&out.join(output));
        for g in *gone {
            let hit: Vec<&String> = p
                .iter()
                .filter(|(n, d)| n.contains(g) || String::from_utf8_lossy(d).contains(g))
                .map(|(n, _)| n)
                .collect();
            assert!(hit.is_empty(), "{input}: `{g}` survives in {hit:?}");
        }
        assert_eq!(
            dangling(&p),
            Vec::<String>::new(),
            "{input}: dangling relationships"
        );
        assert!(
            p.get("word/document.xml").is_some_and(|d| !d.is_empty()),
            "{input}: the document body is gone"
        );
    }
    // PDF form actions: the actions go, the filled-in field stays.
    let Some(qpdf) = kiyome_core::corpus::peer_tool("qpdf") else {
        return;
    };
    for name in [
        "pdf_submit_form_exfiltration.pdf",
        "pdf_import_data_unc_fdf.pdf",
        "pdf_reset_form_on_page_close.pdf",
    ] {
        let pdf_out = tmp.path().join(format!("pdf-{name}"));
        let o = sanitize(&[
            "--out".as_ref(),
            pdf_out.as_os_str(),
            fx.join(name).as_os_str(),
        ]);
        assert_eq!(o.status.code(), Some(0), "{name}");
        let q = Command::new(&qpdf)
            .args(["--qdf", "--object-streams=disable"])
            .arg(pdf_out.join(name))
            .arg("-")
            .output()
            .expect("qpdf --qdf");
        let text = String::from_utf8_lossy(&q.stdout);
        for action in [
            "/SubmitForm",
            "/ImportData",
            "/ResetForm",
            "/AA",
            "/OpenAction",
        ] {
            assert!(!text.contains(action), "{name}: {action} survives");
        }
        assert!(
            text.contains("/FT /Tx") && text.contains("(Yamada Taro)"),
            "{name}: the text field is gone"
        );
    }
}
