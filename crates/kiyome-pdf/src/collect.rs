//! A finding collector that keeps reports bounded: a hostile file with 100 000 JavaScript
//! actions yields a few dozen findings and a count, not a 100 MB report.

use kiyome_core::{Action, Finding, Inspection, Severity};
use std::collections::BTreeMap;

/// Most findings kept per code; the rest are summarised in one finding.
const PER_CODE: usize = 32;

/// Collects findings, capped per code, remembering which codes were seen.
#[derive(Default)]
pub(crate) struct Collector {
    findings: Vec<Finding>,
    counts: BTreeMap<String, (usize, Severity, Action)>,
}

impl Collector {
    /// Adds a finding (dropped, but counted, past the per-code cap).
    pub(crate) fn add(&mut self, f: Finding) {
        let e = self
            .counts
            .entry(f.code.clone())
            .or_insert((0, f.severity, f.action));
        e.0 += 1;
        e.1 = e.1.max(f.severity);
        if e.0 <= PER_CODE {
            self.findings.push(f);
        }
    }

    /// Whether a finding with this code was added.
    pub(crate) fn has(&self, code: &str) -> bool {
        self.counts.contains_key(code)
    }

    /// Moves the findings into `out`, with one summary finding per code past the cap.
    pub(crate) fn finish(self, out: &mut Inspection) {
        out.findings.extend(self.findings);
        for (code, (n, severity, action)) in self.counts {
            if n > PER_CODE {
                out.add(
                    Finding::new(&code, severity, "more locations")
                        .detail(format!("{} more occurrences not listed", n - PER_CODE))
                        .action(action),
                );
            }
        }
    }
}
