//! The report model: findings, verdicts, methods and per-file reports.
//!
//! Reports are values, deterministic in order (see [`FileReport::normalize`]) so that they can
//! be snapshot-tested, and they never contain redacted text or key material.

use crate::charset::Charset;
use crate::kind::Kind;
use serde::{Deserialize, Serialize};

/// How much a finding matters. `Medium` and `High` are dangerous factors (危険因子): a file
/// carrying one is not released as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Hidden or residual information (metadata, comments, revisions); not dangerous by itself.
    Info,
    /// A structural oddity worth knowing (object streams, incremental updates).
    Low,
    /// A dangerous factor: external references, embedded content, encryption, limits hit.
    Medium,
    /// Active content or executable code.
    High,
}

impl Severity {
    /// Whether a finding of this severity is a dangerous factor.
    pub fn is_dangerous(self) -> bool {
        self >= Severity::Medium
    }
}

/// What kiyome did about a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Only reported (inspect, or information kept by policy).
    Reported,
    /// Removed from the output.
    Removed,
    /// Replaced by something harmless (a link defanged, a macro kind renamed).
    Neutralized,
    /// The content was converted (text-only, image-PDF, re-encoded).
    Converted,
    /// The whole file was blocked because of it.
    Blocked,
    /// Kept in the output, as the policy allows.
    Kept,
}

/// One observation about an input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Dotted code documented in `docs/findings.md`, e.g. `pdf.javascript`.
    pub code: String,
    /// How much it matters.
    pub severity: Severity,
    /// Where in the file (object number, part name, member path…).
    pub location: String,
    /// What was done about it.
    pub action: Action,
    /// Human-readable detail. Never contains redacted text or secrets.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

impl Finding {
    /// A reported finding.
    pub fn new(code: &str, severity: Severity, location: impl Into<String>) -> Self {
        Finding {
            code: code.to_string(),
            severity,
            location: location.into(),
            action: Action::Reported,
            detail: String::new(),
        }
    }

    /// Sets the detail text.
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }

    /// Sets the action.
    pub fn action(mut self, action: Action) -> Self {
        self.action = action;
        self
    }

    /// The finding that reports an error (its code and detail), with action `blocked`.
    pub fn from_error(err: &crate::Error, location: impl Into<String>) -> Self {
        let severity = match err {
            crate::Error::Io(_) => Severity::High,
            _ => Severity::Medium,
        };
        Finding::new(err.code(), severity, location)
            .detail(err.to_string())
            .action(Action::Blocked)
    }
}

/// The outcome for one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Released (sanitize), clean (inspect) or verified (verify).
    Released,
    /// Blocked: not released, a dangerous factor found, or a verification failed.
    Blocked,
}

/// The guideline's sanitization methods (ファイル無害化の方法).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// サニタイズ処理: active content removed, file rebuilt in its own format.
    SanitizeProcessing,
    /// テキストのみ抽出: only the text kept.
    TextOnlyExtraction,
    /// 画像PDF変換: rendered to pixels, rebuilt as an image-only PDF.
    ImagePdfConversion,
    /// 危険因子の確認: checked for dangerous factors, released unchanged if none.
    DangerousFactorCheck,
    /// 黒塗り: true redaction.
    Redaction,
    /// Metadata and hidden-information removal.
    MetadataRemoval,
    /// Independent leak check of a published file.
    LeakVerification,
}

/// The file written for a released input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputInfo {
    /// Where it was written (or the member name inside a rebuilt container).
    pub path: String,
    /// SHA-256 of the bytes written.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// The kind written.
    pub kind: Kind,
}

/// The report for one input (or one member of a container).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileReport {
    /// The path as given (or the member path inside its container).
    pub path: String,
    /// SHA-256 of the input bytes.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// The kind established from content.
    pub kind: Kind,
    /// The kind the file name claims, if any.
    pub claimed_kind: Option<Kind>,
    /// Charset, for text kinds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charset: Option<Charset>,
    /// Released or blocked.
    pub verdict: Verdict,
    /// When blocked: the reason code (a finding code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Methods applied.
    pub methods: Vec<Method>,
    /// The output written, for released files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<OutputInfo>,
    /// Findings, in deterministic order.
    pub findings: Vec<Finding>,
    /// Reports for archive members, embedded objects and mail attachments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<FileReport>,
}

impl FileReport {
    /// A fresh report for `data` found at `path`, with the detection already made.
    pub fn new(path: impl Into<String>, data: &[u8], det: &crate::Detection) -> Self {
        FileReport {
            path: path.into(),
            sha256: crate::sha256_hex(data),
            size: data.len() as u64,
            kind: det.kind,
            claimed_kind: det.claimed,
            charset: det.charset,
            verdict: Verdict::Released,
            reason: None,
            methods: Vec::new(),
            output: None,
            findings: Vec::new(),
            children: Vec::new(),
        }
    }

    /// Whether sanitizing this file (or a child) took anything out or changed anything: a
    /// finding removed, neutralized, converted or blocked.
    pub fn changed_anything(&self) -> bool {
        self.findings.iter().any(|f| {
            matches!(
                f.action,
                Action::Removed | Action::Neutralized | Action::Converted | Action::Blocked
            )
        }) || self.children.iter().any(|c| c.changed_anything())
    }

    /// Whether any finding here or in a child is a dangerous factor.
    pub fn has_dangerous(&self) -> bool {
        self.findings.iter().any(|f| f.severity.is_dangerous())
            || self.children.iter().any(|c| c.has_dangerous())
    }

    /// The most severe finding code here or in children, preferring blocking findings.
    pub fn worst_code(&self) -> Option<String> {
        let mut all: Vec<&Finding> = Vec::new();
        self.collect(&mut all);
        all.into_iter()
            .max_by_key(|f| {
                (
                    f.action == Action::Blocked,
                    f.severity,
                    std::cmp::Reverse(f.code.clone()),
                )
            })
            .map(|f| f.code.clone())
    }

    fn collect<'a>(&'a self, out: &mut Vec<&'a Finding>) {
        out.extend(self.findings.iter());
        for c in &self.children {
            c.collect(out);
        }
    }

    /// Marks the report blocked with `reason`.
    pub fn block(&mut self, reason: impl Into<String>) {
        self.verdict = Verdict::Blocked;
        self.reason = Some(reason.into());
        self.output = None;
    }

    /// Sorts findings (most severe first, then code, then location), drops exact duplicates
    /// and does the same in every child, so that the report is deterministic.
    pub fn normalize(&mut self) {
        self.findings.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| a.code.cmp(&b.code))
                .then_with(|| a.location.cmp(&b.location))
                .then_with(|| a.action.cmp(&b.action))
                .then_with(|| a.detail.cmp(&b.detail))
        });
        self.findings.dedup();
        self.methods.sort();
        self.methods.dedup();
        for c in &mut self.children {
            c.normalize();
        }
    }

    /// Every finding code used in this report and its children.
    pub fn codes(&self) -> Vec<String> {
        let mut all = Vec::new();
        self.collect(&mut all);
        let mut codes: Vec<String> = all.into_iter().map(|f| f.code.clone()).collect();
        codes.sort();
        codes.dedup();
        codes
    }
}

/// Counts for a run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Files released (or clean, or verified).
    pub released: u64,
    /// Files blocked.
    pub blocked: u64,
    /// Blocked files by reason code, sorted by code.
    pub blocked_by_reason: std::collections::BTreeMap<String, u64>,
}

/// The report of one command run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// Always `kiyome`.
    pub tool: String,
    /// The kiyome version.
    pub version: String,
    /// The command that produced it (`inspect`, `sanitize`…).
    pub command: String,
    /// The mode, for sanitize (`disarm`, `text`, `image-pdf`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// SHA-256 of the effective policy, when a policy applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_sha256: Option<String>,
    /// Counts.
    pub summary: Summary,
    /// One report per input, in input order.
    pub files: Vec<FileReport>,
}

impl Report {
    /// A report for `command` with the given files; computes the summary.
    pub fn new(command: &str, files: Vec<FileReport>) -> Self {
        let mut summary = Summary::default();
        for f in &files {
            match f.verdict {
                Verdict::Released => summary.released += 1,
                Verdict::Blocked => {
                    summary.blocked += 1;
                    let reason = f.reason.clone().unwrap_or_else(|| "unspecified".into());
                    *summary.blocked_by_reason.entry(reason).or_default() += 1;
                }
            }
        }
        Report {
            tool: "kiyome".into(),
            version: crate::VERSION.into(),
            command: command.into(),
            mode: None,
            policy_sha256: None,
            summary,
            files,
        }
    }

    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}
