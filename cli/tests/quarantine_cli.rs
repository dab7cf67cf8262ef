//! The quarantine and PPAP release on the command line (issue 5): a PPAP zip inside an
//! attached message is held and released; every message of an mbox is recorded; retention
//! comes from `--retention-days` or the policy; `kiyome quarantine list|show|release|purge`
//! with a fixed clock (`KIYOME_NOW`); `kiyome release` errors; `sanitize --audit`.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const PASSWORD: &str = "ppap-2026";
const T0: &str = "2026-01-10T09:00:00Z";
const T0_UNIX: i64 = 1_768_035_600;
const DAY: i64 = 86_400;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn kiyome_at(now: &str, args: &[&str]) -> Run {
    let o = Command::new(env!("CARGO_BIN_EXE_kiyome"))
        .env("KIYOME_NOW", now)
        .args(args)
        .output()
        .unwrap();
    Run {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn kiyome(args: &[&str]) -> Run {
    kiyome_at(T0, args)
}

fn s(p: &Path) -> String {
    p.to_str().unwrap().to_string()
}

fn b64(data: &[u8]) -> String {
    use base64::Engine as _;
    let e = base64::engine::general_purpose::STANDARD.encode(data);
    e.as_bytes()
        .chunks(76)
        .map(|c| String::from_utf8_lossy(c).into_owned() + "\r\n")
        .collect()
}

/// A message carrying the password-protected zip `見積書.zip` (one text member).
fn ppap_message(id: &str, from: &str) -> String {
    let zip = kiyome_mail::ppap::encrypted_zip(
        &[("見積書.txt", "見積金額: 100万円".as_bytes())],
        PASSWORD,
    );
    format!(
        "From: {from}\r\nTo: staff@city.example.lg.jp\r\nSubject: estimate\r\nMessage-ID: <{id}>\r\n\
MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"in\"\r\n\r\n\
--in\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe password follows in a second mail.\r\n\
--in\r\nContent-Type: application/zip\r\nContent-Disposition: attachment; filename=\"estimate.zip\"\r\n\
Content-Transfer-Encoding: base64\r\n\r\n{}--in--\r\n",
        b64(&zip)
    )
}

/// An outer message whose only attachment is `inner` as message/rfc822.
fn forwarded(inner: &str) -> String {
    format!(
        "From: boss@example.jp\r\nTo: staff@city.example.lg.jp\r\nSubject: Fwd: estimate\r\n\
Message-ID: <outer@example.jp>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"out\"\r\n\r\n\
--out\r\nContent-Type: text/plain\r\n\r\nForwarding.\r\n\
--out\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment; filename=\"fwd.eml\"\r\n\r\n\
{inner}\r\n--out--\r\n"
    )
}

struct Dirs {
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

impl Dirs {
    fn new() -> Dirs {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().to_path_buf();
        Dirs { _tmp: tmp, root }
    }
    fn p(&self, n: &str) -> PathBuf {
        self.root.join(n)
    }
    fn write(&self, n: &str, data: &[u8]) -> PathBuf {
        let p = self.p(n);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, data).unwrap();
        p
    }
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn list(q: &Path) -> Vec<Value> {
    let r = kiyome(&["quarantine", "--dir", &s(q), "list", "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    serde_json::from_str::<Value>(&r.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn ppap_inside_an_attached_message_is_held_and_released_with_its_password() {
    let d = Dirs::new();
    let mail = forwarded(&ppap_message("inner@example.jp", "sender@example.com"));
    let input = d.write("in/fwd.eml", mail.as_bytes());
    let (out, q, rel, audit) = (d.p("out"), d.p("q"), d.p("rel"), d.p("audit.jsonl"));
    let r = kiyome(&[
        "sanitize",
        &s(&input),
        "--out",
        &s(&out),
        "--quarantine",
        &s(&q),
        "--audit",
        &s(&audit),
        "--json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).unwrap();
    let f = &report["files"][0];
    assert_eq!(f["verdict"], "released");
    let nested = f["children"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "eml")
        .expect("the attached message has its own report");
    assert!(
        nested["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["code"] == "mail.encrypted_attachment"),
        "{nested}"
    );
    // The released message does not carry the zip; the notice names the inner id.
    let released = std::fs::read_to_string(out.join("fwd.eml")).unwrap();
    assert!(!released.contains("estimate.zip\""), "zip released");

    // The original is kept under both ids.
    let entries = list(&q);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["reason"], "mail.encrypted_attachment");
    let ids: Vec<&str> = entries[0]["message_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(ids, ["outer@example.jp", "inner@example.jp"]);
    assert_eq!(entries[0]["expires_unix"], T0_UNIX + 14 * DAY);

    // The audit record says it was held.
    let rec: Value = serde_json::from_str(
        std::fs::read_to_string(&audit)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(rec["held"], true);
    assert_eq!(rec["channel"], "mail");
    assert_eq!(rec["quarantine_sha256"], entries[0]["sha256"]);

    // Wrong password: a clear error, exit 2, nothing written.
    let r = kiyome(&[
        "release",
        "<inner@example.jp>",
        "--password",
        "wrong",
        "--quarantine",
        &s(&q),
        "--out",
        &s(&rel),
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("wrong password") && r.stderr.contains("nothing was released"),
        "{}",
        r.stderr
    );
    assert!(files_in(&rel).is_empty(), "{:?}", files_in(&rel));
    assert!(list(&q)[0]["released"].is_null());

    // The right password, by the inner id (as the notice says) and by the outer one.
    let pw = d.write("pw.txt", format!("{PASSWORD}\n").as_bytes());
    for (id, dir) in [("inner@example.jp", "rel"), ("outer@example.jp", "rel2")] {
        let r = kiyome_at(
            "2026-01-20T09:00:00Z",
            &[
                "release",
                id,
                "--password-file",
                &s(&pw),
                "--quarantine",
                &s(&q),
                "--out",
                &s(&d.p(dir)),
                "--json",
            ],
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        let rep: Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(rep["files"][0]["path"], "estimate.zip/見積書.txt");
        assert_eq!(rep["files"][0]["verdict"], "released");
        let text = std::fs::read_to_string(d.p(dir).join("見積書.txt")).unwrap();
        assert!(text.contains("100万円"), "{text}");
    }
    // Released ten days later: kept at least the retention period from then.
    let e = &list(&q)[0];
    assert_eq!(e["released"], "2026-01-20T09:00:00Z");
    assert_eq!(e["expires_unix"], T0_UNIX + 10 * DAY + 14 * DAY);
}

#[test]
fn every_message_of_an_mbox_is_recorded_and_its_own_zip_released_by_its_id() {
    let d = Dirs::new();
    let plain =
        "From: a@example.jp\r\nMessage-ID: <first@example.jp>\r\nSubject: one\r\n\r\nhello\r\n";
    let mbox = format!(
        "From a@example.jp Thu Jan  1 00:00:00 2026\r\n{plain}\r\n\
From b@example.com Thu Jan  1 00:00:00 2026\r\n{}\r\n\
From c@example.org Thu Jan  1 00:00:00 2026\r\n{}\r\n",
        ppap_message("second@example.com", "b@example.com"),
        ppap_message("third@example.org", "c@example.org").replace("estimate.zip", "other.zip")
    );
    let input = d.write("in/box.mbox", mbox.as_bytes());
    let (out, q, audit) = (d.p("out"), d.p("q"), d.p("a/audit.jsonl"));
    let r = kiyome(&[
        "sanitize",
        &s(&input),
        "--out",
        &s(&out),
        "--quarantine",
        &s(&q),
        "--audit",
        &s(&audit),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let e = &list(&q)[0];
    assert_eq!(
        e["message_ids"],
        serde_json::json!([
            "first@example.jp",
            "second@example.com",
            "third@example.org"
        ])
    );
    let rec: Value = serde_json::from_str(std::fs::read_to_string(&audit).unwrap().trim()).unwrap();
    assert_eq!(rec["message_ids"], e["message_ids"]);
    assert_eq!(
        rec["senders"],
        serde_json::json!(["a@example.jp", "b@example.com", "c@example.org"])
    );
    // Each sender's zip is released by its own message id, and only that one.
    let r = kiyome(&[
        "release",
        "third@example.org",
        "--password",
        PASSWORD,
        "--quarantine",
        &s(&q),
        "--out",
        &s(&d.p("rel")),
        "--json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let rep: Value = serde_json::from_str(&r.stdout).unwrap();
    let paths: Vec<&str> = rep["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["other.zip/見積書.txt"]);
}

#[test]
fn retention_comes_from_the_option_or_the_policy() {
    let d = Dirs::new();
    let exe = d.write("in/x.exe", b"MZ\x90\x00payload");
    let policy = d.write("policy.toml", b"[quarantine]\nretention_days = 5\n");
    let expires = |q: &Path| list(q)[0]["expires_unix"].as_i64().unwrap();
    let run = |q: &str, extra: &[&str]| {
        let mut args = vec![
            "sanitize".to_string(),
            s(&exe),
            "--out".into(),
            s(&d.p("out")),
            "--quarantine".into(),
            s(&d.p(q)),
        ];
        args.extend(extra.iter().map(|x| x.to_string()));
        let a: Vec<&str> = args.iter().map(|x| x.as_str()).collect();
        let r = kiyome(&a);
        assert_eq!(r.code, 1, "blocked: {}", r.stderr);
    };
    run("q-default", &[]);
    assert_eq!(expires(&d.p("q-default")), T0_UNIX + 14 * DAY);
    run("q-option", &["--retention-days", "3"]);
    assert_eq!(expires(&d.p("q-option")), T0_UNIX + 3 * DAY);
    run("q-policy", &["--policy", &s(&policy)]);
    assert_eq!(expires(&d.p("q-policy")), T0_UNIX + 5 * DAY);
    run(
        "q-both",
        &["--policy", &s(&policy), "--retention-days", "30"],
    );
    assert_eq!(expires(&d.p("q-both")), T0_UNIX + 30 * DAY);
    // `kiyome policy show` documents the key.
    let r = kiyome(&["policy", "show"]);
    assert!(
        r.stdout.contains("[quarantine]") && r.stdout.contains("retention_days = 14"),
        "{}",
        r.stdout
    );
    // The option needs a quarantine.
    let r = kiyome(&[
        "sanitize",
        &s(&exe),
        "--out",
        &s(&d.p("out")),
        "--retention-days",
        "3",
    ]);
    assert_eq!(r.code, 2);
}

#[test]
fn quarantine_list_show_release_and_purge_of_only_expired_originals() {
    let d = Dirs::new();
    let q = d.p("q");
    let old = d.write("in1/old.exe", b"MZ\x90\x00old payload");
    let new = d.write("in2/new.txt.lnk", b"L\x00\x00\x00\x01\x14\x02\x00new");
    let held = d.write(
        "in3/m.eml",
        ppap_message("held@example.jp", "x@example.jp").as_bytes(),
    );
    let sanitize = |now: &str, input: &Path, days: &str| {
        let r = kiyome_at(
            now,
            &[
                "sanitize",
                &s(input),
                "--out",
                &s(&d.p("out")),
                "--quarantine",
                &s(&q),
                "--retention-days",
                days,
            ],
        );
        assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    };
    sanitize(T0, &old, "14");
    sanitize("2026-01-20T09:00:00Z", &new, "14");
    sanitize(T0, &held, "30");
    let entries = list(&q);
    assert_eq!(entries.len(), 3, "{entries:?}");
    // Newest first.
    assert_eq!(entries[0]["names"][0], s(&new));
    let old_sha = kiyome_core::sha256_hex(b"MZ\x90\x00old payload");

    // Human list: one line per entry and a count.
    let r = kiyome(&["quarantine", "--dir", &s(&q), "list"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("3 entries"), "{}", r.stdout);
    assert!(r.stdout.contains(&old_sha[..16]), "{}", r.stdout);

    // Show by an 8-digit prefix and by message id; unknown ids are an error.
    let r = kiyome(&["quarantine", "--dir", &s(&q), "show", &old_sha[..8]]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let shown: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(shown["sha256"], old_sha);
    assert_eq!(shown["reason"], "kind.executable");
    assert_eq!(shown["report"]["verdict"], "blocked");
    let r = kiyome(&["quarantine", "--dir", &s(&q), "show", "<held@example.jp>"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("mail.encrypted_attachment"));
    let r = kiyome(&["quarantine", "--dir", &s(&q), "show", "nobody@example.jp"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no quarantine entry"), "{}", r.stderr);

    // Release re-runs the pipeline: an executable stays blocked, nothing is written.
    let rel = d.p("rel");
    let r = kiyome(&[
        "quarantine",
        "--dir",
        &s(&q),
        "release",
        &old_sha,
        "--out",
        &s(&rel),
        "--json",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let rep: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(rep["files"][0]["verdict"], "blocked");
    assert!(files_in(&rel).is_empty());
    // The held message itself releases (without its zip) when the pipeline allows it.
    let r = kiyome(&[
        "quarantine",
        "--dir",
        &s(&q),
        "release",
        "held@example.jp",
        "--out",
        &s(&rel),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(files_in(&rel), ["m.eml"]);

    // Purge: one second before the old entry expires nothing goes; at 14 days only it goes.
    let purge = |now: &str| {
        let r = kiyome_at(now, &["quarantine", "--dir", &s(&q), "purge", "--json"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        serde_json::from_str::<Value>(&r.stdout).unwrap()
    };
    assert_eq!(purge("2026-01-24T08:59:59Z").as_array().unwrap().len(), 0);
    let gone = purge("2026-01-24T09:00:00Z");
    assert_eq!(gone.as_array().unwrap().len(), 1, "{gone}");
    assert_eq!(gone[0]["sha256"], old_sha);
    let left: Vec<String> = list(&q)
        .iter()
        .map(|e| e["sha256"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(left.len(), 2);
    assert!(!left.contains(&old_sha));
    let object = q.join("objects").join(&old_sha[..2]).join(&old_sha);
    assert!(!object.exists(), "the original itself is removed");
    // The human form in Japanese and English.
    let r = kiyome_at(
        "2026-01-24T09:00:00Z",
        &["quarantine", "--dir", &s(&q), "purge"],
    );
    assert!(
        r.stdout.contains("purged 0") && r.stdout.contains("削除"),
        "{}",
        r.stdout
    );
    // A malformed clock is a usage error, not a purge at the wrong time.
    let r = kiyome_at("yesterday", &["quarantine", "--dir", &s(&q), "purge"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("KIYOME_NOW"), "{}", r.stderr);
    // A missing store is an error.
    let r = kiyome(&["quarantine", "--dir", &s(&d.p("none")), "list"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no quarantine"), "{}", r.stderr);
}

#[test]
fn release_errors_are_clear_and_write_nothing() {
    let d = Dirs::new();
    let q = d.p("q");
    let rel = d.p("rel");
    let exe = d.write("in/x.exe", b"MZ\x90\x00payload");
    let r = kiyome(&[
        "sanitize",
        &s(&exe),
        "--out",
        &s(&d.p("out")),
        "--quarantine",
        &s(&q),
    ]);
    assert_eq!(r.code, 1);
    let sha = kiyome_core::sha256_hex(b"MZ\x90\x00payload");
    let release = |args: &[&str]| {
        let mut a = vec!["release"];
        a.extend_from_slice(args);
        kiyome(&a)
    };
    // No password.
    let r = release(&["x@y", "--quarantine", &s(&q), "--out", &s(&rel)]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--password"), "{}", r.stderr);
    // Unknown id.
    let r = release(&[
        "nobody@example.jp",
        "--password",
        "p",
        "--quarantine",
        &s(&q),
        "--out",
        &s(&rel),
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no held message"), "{}", r.stderr);
    // An entry that holds no zip.
    let r = release(&[
        &sha,
        "--password",
        "p",
        "--quarantine",
        &s(&q),
        "--out",
        &s(&rel),
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("holds no password-protected zip"),
        "{}",
        r.stderr
    );
    // No store there.
    let r = release(&[
        &sha,
        "--password",
        "p",
        "--quarantine",
        &s(&d.p("missing")),
        "--out",
        &s(&rel),
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no quarantine"), "{}", r.stderr);
    assert!(!d.p("missing").exists(), "a typo must not create a store");
    // Both password options.
    let r = release(&["x", "--password", "a", "--password-file", "f", "--out", "o"]);
    assert_eq!(r.code, 2);
    assert!(files_in(&rel).is_empty());
}

#[test]
fn sanitize_audit_has_one_record_per_input_with_hashes() {
    let d = Dirs::new();
    d.write("in/a.txt", b"hello\n");
    d.write("in/b.exe", b"MZ\x90\x00x");
    d.write(
        "in/c.eml",
        b"From: s@example.jp\r\nMessage-ID: <c@example.jp>\r\nSubject: c\r\n\r\nsee http://example.jp\r\n",
    );
    let audit = d.p("audit.jsonl");
    // A torn last line from an earlier crash is closed, not glued to the next record.
    std::fs::write(&audit, b"{\"type\":\"audit\",\"na").unwrap();
    let r = kiyome(&[
        "sanitize",
        &s(&d.p("in")),
        "--out",
        &s(&d.p("out")),
        "--audit",
        &s(&audit),
        "--policy",
        &s(&d.write("p.toml", b"version = \"city-7\"\n")),
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let text = std::fs::read_to_string(&audit).unwrap();
    let recs: Vec<Value> = text
        .lines()
        .skip(1)
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(recs.len(), 3, "{text}");
    for rec in &recs {
        let name = rec["name"].as_str().unwrap();
        let data = std::fs::read(name).unwrap();
        assert_eq!(rec["sha256"], kiyome_core::sha256_hex(&data), "{name}");
        assert_eq!(rec["policy_version"], "city-7");
        assert_eq!(rec["time"], "2026-01-10T09:00:00.000Z");
        for key in [
            "channel", "source", "methods", "verdict", "findings", "output", "kind",
        ] {
            assert!(rec.get(key).is_some(), "{name}: no {key}");
        }
        if rec["verdict"] == "released" {
            let out = std::fs::read(rec["output"]["path"].as_str().unwrap()).unwrap();
            assert_eq!(rec["output"]["sha256"], kiyome_core::sha256_hex(&out));
        }
    }
    let by = |suffix: &str| {
        recs.iter()
            .find(|r| r["name"].as_str().unwrap().ends_with(suffix))
            .unwrap()
    };
    assert_eq!(by("b.exe")["verdict"], "blocked");
    assert_eq!(by("b.exe")["reason"], "kind.executable");
    assert_eq!(by("c.eml")["channel"], "mail");
    assert_eq!(by("c.eml")["source"], "s@example.jp");
    assert_eq!(by("c.eml")["message_id"], "c@example.jp");
    assert_eq!(by("a.txt")["channel"], "file");
    assert!(
        by("c.eml")["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "mail.link")
    );
}

/// A zip holding a message with a PPAP zip: the outer zip is not a message `kiyome release`
/// could open, so nothing is announced as held; the encrypted zip is removed and the notice
/// of the inner message says why (regression: it used to say "held" with nothing kept).
#[test]
fn ppap_in_a_message_inside_a_zip_is_removed_not_announced_as_held() {
    use std::io::Write as _;
    let d = Dirs::new();
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        z.start_file("forwarded.eml", zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(ppap_message("boxed@example.jp", "sender@example.com").as_bytes())
            .unwrap();
        z.finish().unwrap();
    }
    let input = d.write("in/mails.zip", buf.get_ref());
    let (out, q) = (d.p("out"), d.p("q"));
    let r = kiyome(&[
        "sanitize",
        &s(&input),
        "--out",
        &s(&out),
        "--quarantine",
        &s(&q),
        "--json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(report["files"][0]["verdict"], "released", "{report}");
    let text = report.to_string();
    assert!(
        !text.contains("held for release"),
        "nothing may be announced as held: {text}"
    );
    assert!(text.contains("cannot be held"), "{text}");
    assert!(list(&q).is_empty(), "nothing quarantined as held");
    // The rebuilt message inside the released zip has the notice and no zip.
    let zip_out = std::fs::read(out.join("mails.zip")).unwrap();
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(zip_out)).unwrap();
    let mut eml = String::new();
    std::io::Read::read_to_string(&mut z.by_name("forwarded.eml").unwrap(), &mut eml).unwrap();
    assert!(
        !eml.contains("estimate.zip\""),
        "encrypted zip released: {eml}"
    );
    // The notice is the base64 text body after the headers.
    use base64::Engine as _;
    let body: String = eml
        .split_once("\r\n\r\n")
        .or_else(|| eml.split_once("\n\n"))
        .map(|(_, b)| b.split_whitespace().collect())
        .unwrap_or_default();
    let notice = base64::engine::general_purpose::STANDARD
        .decode(body)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    assert!(
        notice.contains("「estimate.zip」") && notice.contains("removed"),
        "the notice names the removed zip: {notice}"
    );
}
