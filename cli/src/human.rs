//! Reports for a person: one line per file, findings indented, Japanese and English labels.

use kiyome_core::{FileReport, Report, Verdict};

/// Prints a report for a terminal.
pub fn print_report(report: &Report) {
    for f in &report.files {
        print_file(f, 0);
    }
    let s = &report.summary;
    println!(
        "\n{}: {} released/合格, {} blocked/遮断",
        report.command, s.released, s.blocked
    );
    for (reason, n) in &s.blocked_by_reason {
        println!("  {n:>5}  {reason}");
    }
}

fn print_file(f: &FileReport, depth: usize) {
    let pad = "  ".repeat(depth);
    let verdict = match f.verdict {
        Verdict::Released => "OK     ",
        Verdict::Blocked => "BLOCKED",
    };
    let claimed = match f.claimed_kind {
        Some(c) if c != f.kind => format!(" (name says {c})"),
        _ => String::new(),
    };
    let reason = f
        .reason
        .as_deref()
        .map(|r| format!("  [{r}]"))
        .unwrap_or_default();
    println!("{pad}{verdict} {} — {}{claimed}{reason}", f.path, f.kind);
    if let Some(o) = &f.output {
        println!("{pad}        → {} ({}, {} bytes)", o.path, o.kind, o.size);
    }
    for x in &f.findings {
        let sev = format!("{:?}", x.severity).to_lowercase();
        let detail = if x.detail.is_empty() {
            String::new()
        } else {
            format!(": {}", x.detail)
        };
        println!(
            "{pad}        {sev:<6} {} @ {} [{}]{detail}",
            x.code,
            x.location,
            format!("{:?}", x.action).to_lowercase()
        );
    }
    for c in &f.children {
        print_file(c, depth + 1);
    }
}
