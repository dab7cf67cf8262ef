//! Every mail in the shared corpus: no crash, a rebuilt message that Python's `email`
//! package parses without defects, no HTML in it, and the same decoded subjects and bodies
//! as Python's `email` finds in the original.

mod common;

use kiyome_core::{Inspection, Kind, KindClass, sniff};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn python() -> Option<&'static str> {
    let ok = Command::new("python3")
        .arg("-c")
        .arg("import email")
        .output();
    match ok {
        Ok(o) if o.status.success() => Some("python3"),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("python3 is required under CI for the mail peer check")
        }
        _ => {
            eprintln!("NOTICE: python3 missing: the Python email peer check is skipped");
            None
        }
    }
}

/// Runs pycheck.py over `files`; one JSON value per file, in order.
pub fn pycheck(files: &[PathBuf]) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("pycheck.py");
    std::fs::write(&script, include_str!("pycheck.py")).unwrap();
    let out = Command::new("python3")
        .arg(&script)
        .args(files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn norm(s: &str) -> String {
    s.replace("\r\n", "\n")
        .lines()
        .map(|l| l.trim_end())
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

fn norm_subject(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn corpus_mail() -> Option<Vec<PathBuf>> {
    let dir = kiyome_core::corpus::shared_corpus("mail corpus")?.join("email");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    Some(files)
}

fn kind_of(path: &Path, data: &[u8]) -> Kind {
    sniff(data, path.file_name().and_then(|n| n.to_str())).kind
}

#[test]
fn corpus_mail_rebuilds_parse_cleanly_in_python_and_decode_like_python() {
    let Some(files) = corpus_mail() else { return };
    let out_dir = tempfile::tempdir().unwrap();
    let mut outputs = Vec::new();
    let mut parsed = Vec::new();
    let mut blocked = Vec::new();
    for path in &files {
        let data = std::fs::read(path).unwrap();
        let mut kind = kind_of(path, &data);
        if kind.class() != KindClass::Mail && kind != Kind::Msg {
            // A few malformed messages have too few headers for the sniffer; the mail
            // handler must still cope with them when the engine hands them over as mail.
            eprintln!("{}: sniffed as {kind}; handled as eml", path.display());
            kind = Kind::Eml;
        }
        let result = common::with_ctx(|ctx| {
            let mut ins = Inspection::default();
            kiyome_mail::inspect(&data, kind, ctx, &mut ins)?;
            let mut out = Inspection::default();
            let d = kiyome_mail::disarm(&data, kind, ctx, &Default::default(), &mut out)?;
            let mails = kiyome_mail::load(&data, kind, ctx)?;
            Ok::<_, kiyome_core::Error>((d, mails))
        });
        match result {
            Ok((d, mails)) => {
                let ext = if d.kind == Kind::Mbox { "mbox" } else { "eml" };
                let name = path.file_name().unwrap().to_string_lossy();
                let out = out_dir.path().join(format!("{name}.out.{ext}"));
                std::fs::write(&out, &d.data).unwrap();
                if let Some(dump) = std::env::var_os("KIYOME_MAIL_DUMP") {
                    std::fs::write(Path::new(&dump).join(out.file_name().unwrap()), &d.data)
                        .unwrap();
                }
                let text = String::from_utf8_lossy(&d.data).to_ascii_lowercase();
                assert!(!text.contains("text/html"), "{name}: HTML survived");
                assert!(!text.contains("<script"), "{name}: script survived");
                assert!(d.data.is_ascii(), "{name}: output is not 7-bit");
                outputs.push((path.clone(), out, mails));
            }
            Err(e) => blocked.push(format!("{}: {} ({e})", path.display(), e.code())),
        }
        parsed.push(path.clone());
    }
    eprintln!(
        "mail corpus: {} files, {} rebuilt, blocked: {blocked:#?}",
        files.len(),
        outputs.len()
    );
    assert!(
        outputs.len() >= files.len() - 1,
        "too many blocked: {blocked:#?}"
    );
    if python().is_none() {
        return;
    }
    let out_paths: Vec<PathBuf> = outputs.iter().map(|(_, o, _)| o.clone()).collect();
    let in_paths: Vec<PathBuf> = outputs.iter().map(|(i, _, _)| i.clone()).collect();
    let py_out = pycheck(&out_paths);
    let py_in = pycheck(&in_paths);
    let mut mismatches = Vec::new();
    let mut compared = 0;
    for (((input, _, mails), pout), pin) in outputs.iter().zip(&py_out).zip(&py_in) {
        let name = input.file_name().unwrap().to_string_lossy();
        let out_msgs = pout["messages"]
            .as_array()
            .unwrap_or_else(|| panic!("{name}: {pout}"));
        assert_eq!(out_msgs.len(), mails.len(), "{name}: message count");
        for (m, (_, mail)) in out_msgs.iter().zip(mails) {
            let defects = m["defects"].as_array().unwrap();
            assert!(
                defects.is_empty(),
                "{name}: Python finds defects {defects:?}"
            );
            assert!(
                !m["types"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|t| t == "text/html")
            );
            // The rebuilt subject decodes (in Python) to exactly our decoded subject.
            let ours = mail.headers.subject.clone().unwrap_or_default();
            let theirs = m["subject"].as_str().unwrap_or("");
            assert_eq!(
                norm_subject(theirs),
                norm_subject(&ours),
                "{name}: rebuilt subject"
            );
        }
        // The original, decoded by Python, against our parse of it.
        let Some(in_msgs) = pin["messages"].as_array() else {
            continue;
        };
        if in_msgs.len() != mails.len() || input.extension().is_some_and(|e| e == "msg") {
            continue;
        }
        for (m, (_, mail)) in in_msgs.iter().zip(mails) {
            compared += 1;
            if let Some(theirs) = m["subject"].as_str() {
                let ours = mail.headers.subject.clone().unwrap_or_default();
                if !theirs.contains('\u{FFFD}') && norm_subject(theirs) != norm_subject(&ours) {
                    mismatches.push(format!("{name}: subject {theirs:?} vs ours {ours:?}"));
                }
            }
            if mail.parts.iter().any(|p| p.uuencoded) {
                continue;
            }
            let ours: Vec<String> = mail
                .parts
                .iter()
                .filter(|p| p.kind == kiyome_mail::model::PartKind::Text)
                .map(|p| norm(&p.text))
                .collect();
            let theirs: Vec<String> = m["bodies"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|b| b.as_str())
                .filter(|b| !b.contains('\u{FFFD}') && !b.trim().is_empty())
                .map(norm)
                .collect();
            for t in &theirs {
                if !ours.contains(t) {
                    mismatches.push(format!(
                        "{name}: body {:?} not among ours {:?}",
                        trunc(t),
                        ours.iter().map(|o| trunc(o)).collect::<Vec<_>>()
                    ));
                }
            }
        }
    }
    eprintln!("compared {compared} messages with Python; mismatches: {mismatches:#?}");
    assert!(mismatches.is_empty(), "{mismatches:#?}");
}

fn trunc(s: &str) -> String {
    s.chars().take(60).collect()
}
