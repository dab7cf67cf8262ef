//! The corpus harness, shared by every command's corpus test (`inspect`, `sanitize`, …).
//!
//! Every file runs in its own `kiyome` process (so one crash cannot hide another), under a
//! wall-clock timeout and an address-space cap (`prlimit --as`), with its peak resident memory
//! measured by GNU time, two files at a time (the machine has two cores). The caller gives the
//! arguments for each file and a check of each finished run; the harness collects every
//! problem, prints a summary table and leaves the asserting to the test.
#![allow(dead_code)] // each test binary uses a different part of the harness

pub mod expect;
pub mod pixels;

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The `kiyome` binary built for this test run.
pub fn kiyome() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_kiyome"))
}

/// One input of a corpus run.
#[derive(Debug, Clone)]
pub struct Job {
    /// The file.
    pub path: PathBuf,
    /// Its name in reports and tables: `shared/<category>/<file>` or `fixtures/<file>`.
    pub label: String,
}

/// Bounds every run must stay within.
#[derive(Debug, Clone)]
pub struct Bounds {
    /// Wall-clock time for one file (the 10 s).
    pub timeout: Duration,
    /// Address-space cap given to the process: exceeding it makes allocation fail (an abort).
    pub address_space: u64,
    /// Largest accepted peak resident memory, in KiB.
    pub max_rss_kib: u64,
    /// Processes run at once.
    pub workers: usize,
}

impl Default for Bounds {
    fn default() -> Self {
        Bounds {
            timeout: Duration::from_secs(10),
            address_space: 4 << 30,
            max_rss_kib: 1 << 20, // 1 GiB
            workers: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
                .min(4),
        }
    }
}

/// How one process ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// Exited with this code.
    Exit(i32),
    /// Killed by this signal (a crash, an abort, or the kernel's OOM killer).
    Signal(i32),
    /// Still running at the timeout; killed.
    Timeout,
}

/// One finished run.
#[derive(Debug, Clone)]
pub struct Run {
    /// The input.
    pub job: Job,
    /// How it ended.
    pub end: End,
    /// Wall-clock time.
    pub elapsed: Duration,
    /// Peak resident memory in KiB, when GNU time could measure it.
    pub max_rss_kib: Option<u64>,
    /// Standard output (the JSON report with `--json`).
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// Problems found by the harness and by the caller's check.
    pub problems: Vec<String>,
}

/// Every file of the shared corpus (`None` when absent outside CI) and of `test-corpus/files`.
pub fn corpus_jobs(test: &str) -> Vec<Job> {
    let mut jobs = Vec::new();
    if let Some(dir) = kiyome_core::corpus::shared_corpus(test) {
        for p in kiyome_core::corpus::files_under(&dir) {
            let rel = p
                .strip_prefix(&dir)
                .unwrap_or(&p)
                .to_string_lossy()
                .into_owned();
            if rel == "MANIFEST.tsv" || rel == "README.md" {
                continue;
            }
            jobs.push(Job {
                label: format!("shared/{rel}"),
                path: p,
            });
        }
    }
    let fixtures = kiyome_core::corpus::fixtures_dir();
    for p in kiyome_core::corpus::files_under(&fixtures) {
        let rel = p
            .strip_prefix(&fixtures)
            .unwrap_or(&p)
            .to_string_lossy()
            .into_owned();
        jobs.push(Job {
            label: format!("fixtures/{rel}"),
            path: p,
        });
    }
    jobs
}

/// Wrappers used to cap and measure each process; required under CI (install-deps installs
/// util-linux and time), optional elsewhere.
fn wrappers() -> (Option<PathBuf>, Option<PathBuf>) {
    let find = |name: &str, fixed: &str| {
        let p = PathBuf::from(fixed);
        if p.is_file() {
            Some(p)
        } else if kiyome_core::corpus::is_ci() {
            panic!("{name} is missing under CI: run scripts/install-deps.sh")
        } else {
            eprintln!("NOTICE: {name} not found; runs are not capped/measured");
            None
        }
    };
    (
        find("prlimit", "/usr/bin/prlimit"),
        find("GNU time", "/usr/bin/time"),
    )
}

/// Runs `kiyome ARGS…` for every job, `bounds.workers` at a time. `args` builds the
/// arguments from the job and a fresh scratch directory (for outputs); `check` inspects the
/// finished run (while the scratch directory still exists) and returns its problems.
pub fn run_all<A, C>(jobs: &[Job], bounds: &Bounds, args: A, check: C) -> Vec<Run>
where
    A: Fn(&Job, &Path) -> Vec<OsString> + Sync,
    C: Fn(&Run, &Path) -> Vec<String> + Sync,
{
    let (prlimit, time) = wrappers();
    let next = Mutex::new(0usize);
    let results = Mutex::new(Vec::with_capacity(jobs.len()));
    std::thread::scope(|s| {
        for _ in 0..bounds.workers.max(1) {
            s.spawn(|| {
                loop {
                    let i = {
                        let mut n = next.lock().unwrap();
                        let i = *n;
                        *n += 1;
                        i
                    };
                    let Some(job) = jobs.get(i) else { break };
                    let scratch = tempfile::tempdir().expect("scratch directory");
                    let argv = args(job, scratch.path());
                    let mut run = run_one(
                        job,
                        &argv,
                        bounds,
                        prlimit.as_deref(),
                        time.as_deref(),
                        scratch.path(),
                    );
                    let extra = check(&run, scratch.path());
                    run.problems.extend(extra);
                    results.lock().unwrap().push(run);
                }
            });
        }
    });
    let mut runs = results.into_inner().unwrap();
    runs.sort_by(|a, b| a.job.label.cmp(&b.job.label));
    runs
}

fn run_one(
    job: &Job,
    argv: &[OsString],
    bounds: &Bounds,
    prlimit: Option<&Path>,
    time: Option<&Path>,
    scratch: &Path,
) -> Run {
    let out_path = scratch.join(".stdout");
    let err_path = scratch.join(".stderr");
    let rss_path = scratch.join(".rss");
    // prlimit --as=CAP -- time -f %M -o RSS kiyome ARGS…  (each wrapper when present)
    let mut full: Vec<OsString> = Vec::new();
    if let Some(p) = prlimit {
        full.push(p.into());
        full.push(format!("--as={}", bounds.address_space).into());
        full.push("--".into());
    }
    if let Some(t) = time {
        full.extend([
            t.into(),
            "-f".into(),
            "%M".into(),
            "-o".into(),
            rss_path.clone().into(),
        ]);
    }
    full.push(kiyome().into());
    full.extend(argv.iter().cloned());
    let mut cmd = Command::new(&full[0]);
    cmd.args(&full[1..])
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).expect("stdout file"))
        .stderr(std::fs::File::create(&err_path).expect("stderr file"))
        // Its own process group, so that a timeout kills kiyome and not only the wrapper.
        .process_group(0);
    let start = Instant::now();
    let mut child = cmd.spawn().expect("spawn kiyome");
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break Some(st);
        }
        if start.elapsed() > bounds.timeout {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", child.id())])
                .status();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let elapsed = start.elapsed();
    let rss_text = std::fs::read_to_string(&rss_path).unwrap_or_default();
    let max_rss_kib = rss_text.lines().last().and_then(|l| l.trim().parse().ok());
    let end = match status {
        None => End::Timeout,
        Some(st) => {
            use std::os::unix::process::ExitStatusExt;
            match (st.code(), st.signal()) {
                (_, Some(sig)) => End::Signal(sig),
                // GNU time exits 128+N when its command died of signal N.
                (Some(c), None) if c > 128 && time.is_some() => End::Signal(c - 128),
                (Some(c), None) => End::Exit(c),
                (None, None) => End::Signal(0),
            }
        }
    };
    let read =
        |p: &Path| String::from_utf8_lossy(&std::fs::read(p).unwrap_or_default()).into_owned();
    let mut run = Run {
        job: job.clone(),
        end,
        elapsed,
        max_rss_kib,
        stdout: read(&out_path),
        stderr: read(&err_path),
        problems: Vec::new(),
    };
    match &run.end {
        End::Timeout => run
            .problems
            .push(format!("timeout after {:?}", bounds.timeout)),
        End::Signal(s) => run
            .problems
            .push(format!("killed by signal {s} (crash/abort/OOM)")),
        End::Exit(c) if !(0..=2).contains(c) => run.problems.push(format!("exit code {c}")),
        End::Exit(_) => {}
    }
    if run.stderr.contains("panicked at") {
        run.problems.push("panic message on stderr".into());
    }
    if let Some(kib) = run.max_rss_kib
        && kib > bounds.max_rss_kib
    {
        run.problems.push(format!("peak memory {} MiB", kib / 1024));
    }
    run
}

/// Every finding code `kiyome findings` lists.
pub fn registered_codes() -> BTreeSet<String> {
    let out = Command::new(kiyome())
        .arg("findings")
        .output()
        .expect("kiyome findings");
    assert!(out.status.success(), "kiyome findings failed");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

/// Every finding of a file report and its children, depth first.
pub fn all_findings(file: &Value) -> Vec<&Value> {
    let mut out = Vec::new();
    let mut stack = vec![file];
    while let Some(f) = stack.pop() {
        if let Some(fs) = f["findings"].as_array() {
            out.extend(fs.iter());
        }
        if let Some(cs) = f["children"].as_array() {
            stack.extend(cs.iter());
        }
    }
    out
}

/// Every finding code of a file report and its children.
pub fn codes_of(file: &Value) -> BTreeSet<String> {
    all_findings(file)
        .into_iter()
        .filter_map(|f| f["code"].as_str().map(str::to_string))
        .collect()
}

/// Problems with the shape of one file report (the fields DESIGN.md requires) and with codes
/// that are not registered.
pub fn report_problems(file: &Value, registered: &BTreeSet<String>) -> Vec<String> {
    let mut p = Vec::new();
    for key in [
        "path",
        "sha256",
        "size",
        "kind",
        "claimed_kind",
        "verdict",
        "methods",
        "findings",
    ] {
        if file.get(key).is_none() {
            p.push(format!("report lacks `{key}`"));
        }
    }
    match file["verdict"].as_str() {
        Some("blocked") if file["reason"].as_str().is_none() => {
            p.push("blocked without a reason".into())
        }
        Some("blocked") | Some("released") => {}
        other => p.push(format!("verdict {other:?}")),
    }
    for f in all_findings(file) {
        for key in ["code", "severity", "location", "action"] {
            if f.get(key).is_none() {
                p.push(format!("finding lacks `{key}`: {f}"));
            }
        }
        if let Some(code) = f["code"].as_str()
            && !registered.contains(code)
        {
            p.push(format!("unregistered finding code `{code}`"));
        }
    }
    p
}

/// Parses a run's stdout as a one-file report and returns that file's report.
pub fn single_file_report(run: &Run) -> Result<Value, String> {
    let v: Value = serde_json::from_str(&run.stdout).map_err(|e| {
        format!(
            "stdout is not JSON ({e}); stderr: {}",
            first_line(&run.stderr)
        )
    })?;
    for key in ["tool", "version", "command", "summary", "files"] {
        if v.get(key).is_none() {
            return Err(format!("report lacks `{key}`"));
        }
    }
    match v["files"].as_array().map(Vec::as_slice) {
        Some([one]) => Ok(one.clone()),
        other => Err(format!(
            "expected one file report, got {:?}",
            other.map(|f| f.len())
        )),
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

/// Prints the summary table: counts, verdicts by reason, slowest files, peak memory, problems.
///
/// Written straight to the process's stderr (not through `eprintln!`, which the test harness
/// captures) so that the table shows in every CI log, passing or failing.
pub fn print_summary(title: &str, runs: &[Run]) {
    use std::io::Write;
    let mut out = std::io::stderr().lock();
    macro_rules! say {
        ($o:expr, $($t:tt)*) => {{ let _ = writeln!($o, $($t)*); }};
    }
    let mut released = 0;
    let mut by_reason: BTreeMap<String, usize> = BTreeMap::new();
    for r in runs {
        if let Ok(file) = single_file_report(r) {
            match file["verdict"].as_str() {
                Some("released") => released += 1,
                _ => {
                    let reason = file["reason"].as_str().unwrap_or("?").to_string();
                    *by_reason.entry(reason).or_default() += 1;
                }
            }
        }
    }
    let with_problems = runs.iter().filter(|r| !r.problems.is_empty()).count();
    say!(
        out,
        "\n== {title}: {} files, {released} clean/released, {} blocked, {with_problems} with problems",
        runs.len(),
        by_reason.values().sum::<usize>()
    );
    say!(out, "   blocked by reason:");
    let mut reasons: Vec<_> = by_reason.into_iter().collect();
    reasons.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    for (reason, n) in reasons {
        say!(out, "   {n:>5}  {reason}");
    }
    let mut slow: Vec<&Run> = runs.iter().collect();
    slow.sort_by_key(|r| std::cmp::Reverse(r.elapsed));
    say!(out, "   slowest:");
    for r in slow.iter().take(8) {
        say!(
            out,
            "   {:>8.3} s  {:>6} MiB  {}",
            r.elapsed.as_secs_f64(),
            r.max_rss_kib.map(|k| k / 1024).unwrap_or(0),
            r.job.label
        );
    }
    let max_rss = runs
        .iter()
        .filter_map(|r| r.max_rss_kib.map(|k| (k, &r.job.label)))
        .max();
    if let Some((kib, label)) = max_rss {
        say!(out, "   max RSS: {} MiB ({label})", kib / 1024);
    }
    for r in runs.iter().filter(|r| !r.problems.is_empty()) {
        say!(out, "   PROBLEM {}: {}", r.job.label, r.problems.join("; "));
    }
}
