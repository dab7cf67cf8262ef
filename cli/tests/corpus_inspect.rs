//! The corpus harness for `kiyome inspect` (issue 2, "Done when"): every file of
//! `../shared/corpus/` and `test-corpus/files/`, each in its own process, must finish within
//! 10 s and 1 GiB with exit code 0 or 1 and a valid JSON report whose finding codes are all
//! registered; then every file must carry the findings its manifest promises.
//!
//! The run happens once per test binary and is shared by the tests below, so that the crash
//! test can be green while expectations are still being met.

mod common;

use common::expect::{self, Expectation};
use common::{Bounds, Run};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::OnceLock;

static RUNS: OnceLock<Vec<Run>> = OnceLock::new();

fn runs() -> &'static [Run] {
    RUNS.get_or_init(|| {
        let jobs = common::corpus_jobs("corpus_inspect");
        let registered = common::registered_codes();
        let runs = common::run_all(
            &jobs,
            &Bounds::default(),
            |job, _scratch| vec!["inspect".into(), "--json".into(), job.path.clone().into()],
            |run, _scratch| {
                let mut p = Vec::new();
                // Every corpus file is readable, so exit 2 (unreadable/internal error) is a
                // failure here too.
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
                match common::single_file_report(run) {
                    Err(e) => p.push(e),
                    Ok(file) => {
                        p.extend(common::report_problems(&file, &registered));
                        let blocked = file["verdict"] == "blocked";
                        if (code == 1) != blocked {
                            p.push(format!("exit {code} but verdict {}", file["verdict"]));
                        }
                        if file["path"].as_str() != Some(&*run.job.path.to_string_lossy()) {
                            p.push(format!("report path {} ≠ input", file["path"]));
                        }
                    }
                }
                p
            },
        );
        common::print_summary("kiyome inspect over the corpora", &runs);
        runs
    })
}

fn reports() -> BTreeMap<String, Value> {
    runs()
        .iter()
        .filter_map(|r| {
            common::single_file_report(r)
                .ok()
                .map(|f| (r.job.label.clone(), f))
        })
        .collect()
}

fn assert_met(what: &str, expectations: &[Expectation]) {
    let failures = expect::failures(expectations, &reports());
    for (label, missing, why, got) in &failures {
        eprintln!(
            "UNMET {label}: {} — expected because: {why} — got [{got}]",
            missing.join("; ")
        );
    }
    assert!(
        failures.is_empty(),
        "{what}: {} of {} expectations unmet (listed above)",
        failures.len(),
        expectations.len()
    );
}

#[test]
fn inspect_never_crashes_hangs_or_overruns_memory_on_any_corpus_file() {
    let runs = runs();
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
}

#[test]
fn inspect_meets_every_fixture_manifest_expectation() {
    let root = kiyome_core::corpus::repo_root();
    assert_met(
        "test-corpus/MANIFEST.tsv",
        &expect::fixture_expectations(&root),
    );
}

#[test]
fn inspect_meets_every_shared_corpus_expectation() {
    if kiyome_core::corpus::shared_corpus("shared corpus expectations").is_none() {
        return;
    }
    let root = kiyome_core::corpus::repo_root();
    assert_met(
        "test-corpus/shared-expectations.tsv",
        &expect::shared_expectations(&root),
    );
}
