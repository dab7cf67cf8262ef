//! Encrypted zips (the PPAP case): blocked without a password; opened, checked and rebuilt
//! unencrypted with the operator's password, for both ZipCrypto (written by Info-ZIP's
//! `zip -P`, an independent writer) and WinZip AES (written by the zip crate); blocked with a
//! clear reason when the password is wrong.

use kiyome_archive::ArchiveOptions;
use kiyome_core::{
    Action, Budget, Ctx, Disarmed, Error, FileReport, Inspection, Kind, Limits, Nested, sniff,
};
use std::io::{Read, Write};
use std::process::Command;

/// Members are released unchanged; the engine's own handling is not under test here.
struct Release;

impl Nested for Release {
    fn inspect_nested(&self, name: &str, data: &[u8], _ctx: &Ctx<'_>) -> FileReport {
        FileReport::new(name, data, &sniff(data, Some(name)))
    }

    fn sanitize_nested(
        &self,
        name: &str,
        data: &[u8],
        ctx: &Ctx<'_>,
    ) -> (FileReport, Option<Disarmed>) {
        let kind = sniff(data, Some(name)).kind;
        (
            self.inspect_nested(name, data, ctx),
            Some(Disarmed {
                data: data.to_vec(),
                kind,
            }),
        )
    }
}

const MEMBERS: &[(&str, &[u8])] = &[
    ("報告書.txt", "令和7年度 予算案\n".as_bytes()),
    ("data/table.csv", b"a,b\n1,2\n3,4\n"),
];

fn disarm(data: &[u8], password: Option<&str>) -> (Inspection, Result<Disarmed, Error>) {
    let b = Budget::new(&Limits::default());
    let ctx = Ctx::new(&b, &Release);
    let mut out = Inspection::default();
    let opts = ArchiveOptions {
        password: password.map(str::to_string),
        ..ArchiveOptions::default()
    };
    let r = kiyome_archive::disarm(data, Kind::Zip, &ctx, &opts, &mut out);
    (out, r)
}

fn unpack(zip: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(zip)).expect("a zip");
    let mut v = Vec::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).expect("unencrypted member");
        let name = f.name().expect("utf-8 name").to_string();
        assert!(!f.encrypted(), "{name} is still encrypted");
        let mut data = Vec::new();
        f.read_to_end(&mut data).expect("member data");
        v.push((name, data));
    }
    v.sort();
    v
}

/// A ZipCrypto zip written by `zip -P`, or `None` (skipped with a notice, a failure under CI)
/// when Info-ZIP's zip is not installed.
fn zipcrypto(password: &str) -> Option<Vec<u8>> {
    let zip = kiyome_core::corpus::peer_tool("zip")?;
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, data) in MEMBERS {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, data).expect("write member");
    }
    let out = dir.path().join("ppap.zip");
    let st = Command::new(zip)
        .current_dir(dir.path())
        .args(["-q", "-P", password, "-r"])
        .arg(&out)
        .args(MEMBERS.iter().map(|(n, _)| *n))
        .status()
        .expect("run zip");
    assert!(st.success());
    Some(std::fs::read(out).expect("read zip"))
}

/// A WinZip AES-256 zip written by the zip crate.
fn aes(password: &str) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .with_aes_encryption(zip::AesMode::Aes256, password);
    for (name, data) in MEMBERS {
        w.start_file(*name, opts).expect("start member");
        w.write_all(data).expect("write member");
    }
    w.finish().expect("finish").into_inner()
}

fn expected() -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = MEMBERS
        .iter()
        .map(|(n, d)| (n.to_string(), d.to_vec()))
        .collect();
    v.sort();
    v
}

fn check_scheme(data: &[u8], scheme: &str) {
    // Without a password: blocked, the members never read.
    let (out, r) = disarm(data, None);
    let e = r.expect_err("blocked without a password");
    assert!(matches!(e, Error::Encrypted { .. }), "{e}");
    assert!(e.to_string().contains("no password supplied"), "{e}");
    let f = out
        .findings
        .iter()
        .find(|f| f.code == "archive.encrypted")
        .expect("archive.encrypted");
    assert_eq!(f.action, Action::Blocked);
    assert!(f.detail.contains(scheme), "{}", f.detail);
    assert!(out.children.is_empty(), "members were handed on unchecked");

    // With the password: every member checked, the archive rebuilt without encryption.
    let (out, r) = disarm(data, Some("s3cret-パス"));
    let d = r.unwrap_or_else(|e| panic!("{scheme}: {e}"));
    assert_eq!(unpack(&d.data), expected(), "{scheme}");
    assert_eq!(out.children.len(), MEMBERS.len());
    let f = out
        .findings
        .iter()
        .find(|f| f.code == "archive.encrypted")
        .expect("reported");
    assert!(
        f.detail.contains("opened with the operator's password"),
        "{}",
        f.detail
    );

    // A wrong password: blocked, and the reason says so.
    let (out, r) = disarm(data, Some("wrong"));
    let e = r.expect_err("blocked with a wrong password");
    assert!(matches!(e, Error::Encrypted { .. }), "{e}");
    assert!(
        e.to_string()
            .contains("the supplied password does not open"),
        "{e}"
    );
    assert!(out.children.is_empty());
    assert!(
        out.findings
            .iter()
            .filter(|f| f.code == "archive.encrypted")
            .all(|f| f.action == Action::Blocked)
    );
}

#[test]
fn zipcrypto_zip_opens_only_with_its_password() {
    let Some(data) = zipcrypto("s3cret-パス") else {
        return;
    };
    check_scheme(&data, "ZipCrypto");
}

#[test]
fn aes_zip_opens_only_with_its_password() {
    check_scheme(&aes("s3cret-パス"), "AES");
}

#[test]
fn one_wrong_password_in_many_is_never_taken_for_the_right_one() {
    // ZipCrypto checks a password with one byte, so about 1 wrong password in 256 passes that
    // check; the decrypted data must then still fail (inflate or CRC), never be released.
    let Some(data) = zipcrypto("s3cret-パス") else {
        return;
    };
    for i in 0..600 {
        let (_, r) = disarm(&data, Some(&format!("guess-{i}")));
        let e = r.expect_err("a wrong password never opens the zip");
        assert!(matches!(e, Error::Encrypted { .. }), "guess-{i}: {e}");
    }
}
