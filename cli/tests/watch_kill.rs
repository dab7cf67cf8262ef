//! The gateway kill test (issue 5, "Done when"): a producer drops a few hundred files into the
//! spool (write, then rename) while `kiyome watch` runs and is killed with SIGKILL and
//! restarted at random moments. Afterwards every input is accounted for exactly once
//! (released to --out, quarantined, or both for a mail whose PPAP zip was held), and nothing
//! is left half-written. Inputs: plain and HTML mail (with a PDF and a docx attachment),
//! PPAP mail, text, executables and encrypted zips.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const INPUTS: usize = 300;

/// xorshift: deterministic "random" moments without a dependency; the seed is printed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn b64(data: &[u8]) -> String {
    use base64::Engine as _;
    let e = base64::engine::general_purpose::STANDARD.encode(data);
    e.as_bytes()
        .chunks(76)
        .map(|c| String::from_utf8_lossy(c).into_owned() + "\r\n")
        .collect()
}

/// A one-page PDF saying `text`.
fn pdf(text: &str) -> Vec<u8> {
    let content = format!("BT /F1 12 Tf 72 720 Td ({text}) Tj ET");
    let objs = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>".to_string(),
        format!(
            "<< /Length {} >>\nstream\n{content}\nendstream",
            content.len()
        ),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objs.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(b"xref\n0 5\n0000000000 65535 f \n");
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
    );
    out
}

/// A minimal Word document saying `text`.
fn docx(text: &str) -> Vec<u8> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default();
    let parts = [
        ("[Content_Types].xml", r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#.to_string()),
        ("_rels/.rels", r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#.to_string()),
        ("word/document.xml", format!(r#"<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>"#)),
    ];
    for (n, d) in parts {
        w.start_file(n, o).unwrap();
        w.write_all(d.as_bytes()).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// What the pipeline must do with input `i`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// An output, nothing quarantined.
    Released,
    /// Blocked: the original in the quarantine, no output.
    Quarantined,
    /// Released without its PPAP zip: an output, and the original in the quarantine.
    Held,
}

const CASES: usize = 6;

fn expect(i: usize) -> Expect {
    match i % CASES {
        2 | 5 => Expect::Quarantined,
        3 => Expect::Held,
        _ => Expect::Released,
    }
}

/// Input `i`: plain mail, text, executable, PPAP mail, HTML mail with a PDF and a docx
/// attachment, or an encrypted zip file. Every input has distinct bytes.
fn input(i: usize) -> (String, Vec<u8>) {
    let head = |kind: &str| {
        format!(
            "From: sender{i}@example.jp\r\nTo: staff@city.example.lg.jp\r\nSubject: {kind} {i}\r\nMessage-ID: <m{i}@example.jp>\r\nMIME-Version: 1.0\r\n"
        )
    };
    match i % CASES {
        0 => (
            format!("m{i:04}.eml"),
            format!(
                "{}\r\nbody {i} see https://example.jp/{i}\r\n",
                head("report")
            )
            .into_bytes(),
        ),
        1 => (format!("n{i:04}.txt"), format!("note number {i}\n").into_bytes()),
        2 => {
            let mut mz = b"MZ\x90\x00".to_vec();
            mz.extend_from_slice(format!("payload {i}").as_bytes());
            (format!("x{i:04}.exe"), mz)
        }
        3 => {
            let zip = kiyome_mail::ppap::encrypted_zip(
                &[("見積書.txt", format!("見積 {i}").as_bytes())],
                "pw",
            );
            (
                format!("p{i:04}.eml"),
                format!(
                    "{}Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\npassword follows\r\n--b\r\nContent-Type: application/zip\r\nContent-Disposition: attachment; filename=\"e{i}.zip\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}--b--\r\n",
                    head("estimate"),
                    b64(&zip)
                )
                .into_bytes(),
            )
        }
        4 => (
            format!("a{i:04}.eml"),
            format!(
                "{}Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>minutes {i} <a href=\"https://example.jp/{i}\">link</a><img src=\"http://t.example/{i}.gif\"></p>\r\n--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"invoice{i}.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}--b\r\nContent-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document\r\nContent-Disposition: attachment; filename=\"minutes{i}.docx\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}--b--\r\n",
                head("minutes"),
                b64(&pdf(&format!("Invoice {i}"))),
                b64(&docx(&format!("minutes {i}")))
            )
            .into_bytes(),
        ),
        _ => (
            format!("z{i:04}.zip"),
            kiyome_mail::ppap::encrypted_zip(&[("a.txt", format!("secret {i}").as_bytes())], "pw"),
        ),
    }
}

fn watcher(dirs: &Dirs, once: bool) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kiyome"));
    c.arg("watch")
        .arg("--in")
        .arg(&dirs.spool)
        .arg("--out")
        .arg(&dirs.out)
        .arg("--quarantine")
        .arg(&dirs.q)
        .args(["--interval-ms", "10", "--health-secs", "1"]);
    if once {
        c.arg("--once");
    }
    c.stdout(Stdio::null()).stderr(Stdio::null());
    c
}

struct Dirs {
    spool: PathBuf,
    out: PathBuf,
    q: PathBuf,
}

#[test]
fn watch_survives_sigkill_and_accounts_for_every_input_exactly_once() {
    let tmp = tempfile::tempdir().unwrap();
    let dirs = Dirs {
        spool: tmp.path().join("in"),
        out: tmp.path().join("out"),
        q: tmp.path().join("q"),
    };
    fs::create_dir_all(&dirs.spool).unwrap();
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(42)
        | 1;
    eprintln!("watch kill test seed {seed}");
    let mut rng = Rng(seed);
    // Generated once: encrypted zips are salted at random, so bytes differ per call.
    let inputs: std::sync::Arc<Vec<(String, Vec<u8>)>> =
        std::sync::Arc::new((0..INPUTS).map(input).collect());
    let spool = dirs.spool.clone();
    let produced = inputs.clone();
    let producer = std::thread::spawn(move || {
        let mut r = Rng(seed ^ 0x9E37_79B9_7F4A_7C15);
        for i in 0..INPUTS {
            let (name, data) = &produced[i];
            // The write-then-rename protocol: a half-written file is never visible.
            let tmp = spool.join(format!("{name}.tmp"));
            fs::write(&tmp, data).unwrap();
            fs::rename(&tmp, spool.join(name)).unwrap();
            if r.below(10) == 0 {
                std::thread::sleep(Duration::from_millis(r.below(30)));
            }
        }
    });
    let start = Instant::now();
    let mut kills = 0;
    while !producer.is_finished() || kills < 20 {
        let mut child = watcher(&dirs, false).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(5 + rng.below(120)));
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        kills += 1;
        assert!(
            start.elapsed() < Duration::from_secs(240),
            "kill loop too slow"
        );
    }
    producer.join().unwrap();
    let status = watcher(&dirs, true).status().unwrap();
    assert!(
        status.code().is_some_and(|c| c == 0 || c == 1),
        "final run: {status}"
    );
    eprintln!("{kills} SIGKILLs");
    check(&dirs, &inputs);
}

fn ready_files(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

fn check(dirs: &Dirs, inputs: &[(String, Vec<u8>)]) {
    // Nothing left in the spool or in processing.
    let left: Vec<String> = ready_files(&dirs.spool);
    assert!(left.is_empty(), "left in spool: {left:?}");
    let processing = ready_files(&dirs.spool.join(".kiyome/processing"));
    assert!(processing.is_empty(), "left in processing: {processing:?}");
    // One audit record per input.
    let journal = fs::read_to_string(dirs.spool.join(".kiyome/journal.jsonl")).unwrap();
    let mut by_name: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for line in journal.lines() {
        let Ok(v) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if v["type"] == "audit" {
            by_name
                .entry(v["name"].as_str().unwrap().to_string())
                .or_default()
                .push(v);
        }
    }
    let expected: BTreeSet<String> = inputs.iter().map(|(n, _)| n.clone()).collect();
    let got: BTreeSet<String> = by_name.keys().cloned().collect();
    assert_eq!(
        got, expected,
        "inputs without (or with unexpected) audit records"
    );
    let dup: Vec<_> = by_name
        .iter()
        .filter(|(_, v)| v.len() != 1)
        .map(|(k, v)| (k, v.len()))
        .collect();
    assert!(dup.is_empty(), "accounted for more than once: {dup:?}");
    // Outputs: complete, matching their recorded hash, one per released input, no temp files.
    let outs = ready_files(&dirs.out);
    assert!(
        !outs.iter().any(|n| n.ends_with(".tmp")),
        "temp files in out: {outs:?}"
    );
    let mut released = 0;
    let mut quarantined = 0;
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let store = kiyome_mail::quarantine::Store::open(&dirs.q, 14).unwrap();
    for (name, recs) in &by_name {
        let r = &recs[0];
        let i: usize = name[1..5].parse().unwrap();
        let original = &inputs[i].1;
        let want = expect(i);
        *counts.entry(format!("{want:?}")).or_default() += 1;
        assert_eq!(
            r["sha256"],
            kiyome_core::sha256_hex(original),
            "{name}: recorded hash"
        );
        assert_eq!(r["held"], want == Expect::Held, "{name}: held");
        if want == Expect::Quarantined {
            assert_eq!(r["verdict"], "blocked", "{name}");
        } else {
            assert_eq!(r["verdict"], "released", "{name}: {:?}", r["reason"]);
            released += 1;
            let path = PathBuf::from(r["output"]["path"].as_str().unwrap());
            let data = fs::read(&path).unwrap_or_else(|e| panic!("{name}: output {path:?}: {e}"));
            assert_eq!(
                r["output"]["sha256"],
                kiyome_core::sha256_hex(&data),
                "{name}: half-written output"
            );
            let text = String::from_utf8_lossy(&data);
            if i % CASES == 4 {
                // Both attachments went through the pipeline and came out.
                assert!(
                    text.contains("Content-Type: application/pdf")
                        && text.contains("wordprocessingml.document"),
                    "{name}: attachments missing"
                );
                assert!(!text.contains("text/html"), "{name}: HTML survived");
            }
            if want == Expect::Held {
                assert!(
                    !text.contains(&format!("e{i}.zip\"")),
                    "{name}: zip released"
                );
            }
        }
        if want != Expect::Released {
            quarantined += 1;
            let e = store
                .get(r["sha256"].as_str().unwrap())
                .unwrap()
                .unwrap_or_else(|| panic!("{name}: not quarantined"));
            assert!(e.names.contains(name));
            assert_eq!(&store.original(&e).unwrap(), original);
            assert_eq!(r["quarantine_sha256"], e.sha256, "{name}");
            if want == Expect::Held {
                assert_eq!(e.reason, "mail.encrypted_attachment");
                assert_eq!(e.message_ids, [format!("m{i}@example.jp")]);
            }
        } else {
            assert!(r["quarantine_sha256"].is_null(), "{name}");
        }
    }
    assert_eq!(
        outs.len(),
        released,
        "outputs vs released records: {outs:?}"
    );
    assert_eq!(
        store.list().unwrap().len(),
        quarantined,
        "quarantine entries"
    );
    for sub in ["entries", "objects"] {
        let mut stack = vec![dirs.q.join(sub)];
        while let Some(d) = stack.pop() {
            for e in fs::read_dir(&d).unwrap().flatten() {
                let n = e.file_name().to_string_lossy().into_owned();
                assert!(!n.ends_with(".tmp"), "temp file left in quarantine: {n}");
                if e.file_type().unwrap().is_dir() {
                    stack.push(e.path());
                }
            }
        }
    }
    eprintln!("{INPUTS} inputs: {released} released, {quarantined} quarantined: {counts:?}");
}

/// A kill between an item's last step (leaving processing/) and the removal of its plan left
/// the plan behind for ever (seen once in the kill loop, seed 1796175501747119611): the next
/// start removes a plan whose item is gone.
#[test]
fn a_plan_whose_item_finished_is_removed_on_the_next_start() {
    let tmp = tempfile::tempdir().unwrap();
    let dirs = Dirs {
        spool: tmp.path().join("in"),
        out: tmp.path().join("out"),
        q: tmp.path().join("q"),
    };
    let processing = dirs.spool.join(".kiyome/processing");
    fs::create_dir_all(&processing).unwrap();
    let orphan = processing.join("20261202T000000.000000Z-1-000001__gone.txt.plan");
    fs::write(
        &orphan,
        dirs.out.join("gone.txt").to_string_lossy().as_bytes(),
    )
    .unwrap();
    let status = watcher(&dirs, true).status().unwrap();
    assert!(status.success(), "{status}");
    assert!(!orphan.exists(), "the orphan plan is still in processing/");
    assert!(ready_files(&processing).is_empty());
}
