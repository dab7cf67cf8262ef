//! The corpus harness for `kiyome sanitize --mode text` (issue 4, "Done when"): every file of
//! `../shared/corpus/` and `test-corpus/files/`, each in its own process under an address-space
//! cap, must be released or blocked with a reason code, without a crash or timeout. Every
//! released output is checked: a `.txt` (and every `.txt` member of a rebuilt archive, nested
//! archives included) is valid UTF-8 with no control character but newline and tab; an archive
//! or message output re-detects as its declared kind.
//!
//! Text mode converts legacy Office files (doc, xls, ppt) through sandboxed LibreOffice, which
//! has its own 60 s limit (a block with `limit.wall_time`, not a hang); the harness allows
//! 120 s per process so that only a real hang of kiyome counts as a timeout.

mod common;

use common::Bounds;
use std::io::Read;
use std::path::Path;
use std::time::Duration;

/// Problems of a text output: invalid UTF-8 or control characters.
fn text_problems(label: &str, data: &[u8]) -> Vec<String> {
    match std::str::from_utf8(data) {
        Err(e) => vec![format!("{label}: not UTF-8 ({e})")],
        Ok(s) => s
            .chars()
            .find(|c| c.is_control() && *c != '\n' && *c != '\t')
            .map(|c| vec![format!("{label}: control character U+{:04X}", c as u32)])
            .unwrap_or_default(),
    }
}

/// Problems of the members of a rebuilt zip, recursively.
fn zip_problems(label: &str, data: &[u8], depth: usize) -> Vec<String> {
    let mut p = Vec::new();
    let mut z = match zip::ZipArchive::new(std::io::Cursor::new(data)) {
        Ok(z) => z,
        Err(e) => return vec![format!("{label}: output zip unreadable ({e})")],
    };
    for i in 0..z.len() {
        let mut f = match z.by_index(i) {
            Ok(f) => f,
            Err(e) => {
                p.push(format!("{label}: member {i} unreadable ({e})"));
                continue;
            }
        };
        let name = f.name().map(|n| n.into_owned()).unwrap_or_default();
        let mut bytes = Vec::new();
        if let Err(e) = (&mut f).take(256 << 20).read_to_end(&mut bytes) {
            p.push(format!("{label}/{name}: {e}"));
            continue;
        }
        let at = format!("{label}/{name}");
        if name.ends_with(".txt") {
            p.extend(text_problems(&at, &bytes));
        } else if name.ends_with(".zip") && depth < 16 {
            p.extend(zip_problems(&at, &bytes, depth + 1));
        }
    }
    p
}

fn check_output(path: &Path, out_kind: &str) -> Vec<String> {
    let label = path
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    let Ok(data) = std::fs::read(path) else {
        return vec![format!("{label}: output unreadable")];
    };
    let mut p = Vec::new();
    let sniffed = kiyome_core::sniff(&data, None).kind;
    match out_kind {
        "text" | "empty" => p.extend(text_problems(&label, &data)),
        "zip" => p.extend(zip_problems(&label, &data, 0)),
        _ => {}
    }
    if sniffed.name() != out_kind
        && !(out_kind == "text" && sniffed == kiyome_core::Kind::Empty)
        && !kiyome_core::Kind::from_name(out_kind).is_some_and(|k| sniffed.consistent_with_claim(k))
    {
        p.push(format!(
            "{label}: output is {sniffed}, report says {out_kind}"
        ));
    }
    p
}

#[test]
fn text_mode_releases_or_blocks_every_corpus_file_with_clean_utf8_outputs() {
    let jobs = common::corpus_jobs("corpus_text");
    assert!(!jobs.is_empty(), "no corpus files found");
    let registered = common::registered_codes();
    let bounds = Bounds {
        timeout: Duration::from_secs(120),
        ..Bounds::default()
    };
    let runs = common::run_all(
        &jobs,
        &bounds,
        |job, scratch| {
            vec![
                "sanitize".into(),
                "--mode".into(),
                "text".into(),
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
            let written = kiyome_core::corpus::files_under(&scratch.join("out"));
            if !released {
                if !written.is_empty() {
                    p.push(format!("blocked, yet {} output(s) written", written.len()));
                }
                return p;
            }
            if file["methods"] != serde_json::json!(["text_only_extraction"]) {
                p.push(format!("methods {}", file["methods"]));
            }
            match file["output"]["path"].as_str() {
                Some(out) if Path::new(out).is_file() => {
                    p.extend(check_output(
                        Path::new(out),
                        file["output"]["kind"].as_str().unwrap_or("?"),
                    ));
                }
                other => p.push(format!("released without a written output ({other:?})")),
            }
            p
        },
    );
    common::print_summary("kiyome sanitize --mode text over the corpora", &runs);
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
    let released = runs
        .iter()
        .filter_map(|r| common::single_file_report(r).ok())
        .filter(|f| f["verdict"] == "released")
        .count();
    assert!(released > 100, "only {released} files released as text");
}
