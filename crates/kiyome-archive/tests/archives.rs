//! Archive inspect and disarm against the fixtures and the shared corpus's hostile archives.

use kiyome_archive::ArchiveOptions;
use kiyome_core::{
    Budget, Ctx, Disarmed, Error, FileReport, Inspection, Kind, Limits, Nested, corpus, sniff,
};
use std::time::{Duration, Instant};

/// A stand-in engine: nested archives are inspected with this crate again (so depth, quines
/// and budgets are exercised); other members are reported clean and released unchanged.
struct Passthrough;

impl Nested for Passthrough {
    fn inspect_nested(&self, name: &str, data: &[u8], ctx: &Ctx<'_>) -> FileReport {
        let det = sniff(data, Some(name));
        let mut r = FileReport::new(name, data, &det);
        let mut out = Inspection::default();
        if matches!(det.kind, Kind::Zip | Kind::Gzip | Kind::Tar)
            && let Err(e) = kiyome_archive::inspect(data, det.kind, ctx, &mut out)
        {
            out.add(kiyome_core::Finding::from_error(&e, name));
        }
        r.findings = out.findings;
        r.children = out.children;
        r
    }

    fn sanitize_nested(
        &self,
        name: &str,
        data: &[u8],
        ctx: &Ctx<'_>,
    ) -> (FileReport, Option<Disarmed>) {
        let det = sniff(data, Some(name));
        let r = self.inspect_nested(name, data, ctx);
        let out = (!r.has_dangerous()).then(|| Disarmed {
            data: data.to_vec(),
            kind: det.kind,
        });
        (r, out)
    }
}

fn inspect(data: &[u8], kind: Kind) -> (Inspection, Result<(), Error>) {
    let b = Budget::new(&Limits::default());
    let ctx = Ctx::new(&b, &Passthrough);
    let mut out = Inspection::default();
    let r = kiyome_archive::inspect(data, kind, &ctx, &mut out);
    (out, r)
}

fn disarm(
    data: &[u8],
    kind: Kind,
    password: Option<&str>,
) -> (Inspection, Result<Disarmed, Error>) {
    let b = Budget::new(&Limits::default());
    let ctx = Ctx::new(&b, &Passthrough);
    let mut out = Inspection::default();
    let opts = ArchiveOptions {
        password: password.map(str::to_string),
        ..ArchiveOptions::default()
    };
    let r = kiyome_archive::disarm(data, kind, &ctx, &opts, &mut out);
    (out, r)
}

/// All codes in an inspection, its children included, and the error's code.
fn codes(out: &Inspection, r: Result<(), &Error>) -> Vec<String> {
    fn walk(f: &FileReport, v: &mut Vec<String>) {
        v.extend(f.findings.iter().map(|x| x.code.clone()));
        f.children.iter().for_each(|c| walk(c, v));
    }
    let mut v: Vec<String> = out.findings.iter().map(|f| f.code.clone()).collect();
    out.children.iter().for_each(|c| walk(c, &mut v));
    if let Err(e) = r {
        v.push(e.code().to_string());
    }
    v
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(corpus::fixtures_dir().join(name)).unwrap()
}

#[test]
fn zip_slip_fixture_is_rebuilt_with_safe_unique_utf8_names() {
    let (out, r) = disarm(&fixture("zip_slip.zip"), Kind::Zip, None);
    let d = r.unwrap();
    assert!(out.has("archive.path_traversal") && out.has("archive.absolute_path"));
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(d.data)).unwrap();
    let names: Vec<String> = (0..z.len())
        .map(|i| z.by_index(i).unwrap().name().unwrap().to_string())
        .collect();
    assert_eq!(names, ["evil.txt", "etc/cron.d/job", "Windows/win.ini"]);
}

#[test]
fn duplicate_names_are_renamed_not_lost() {
    let (out, r) = disarm(&fixture("zip_duplicate_names.zip"), Kind::Zip, None);
    let d = r.unwrap();
    assert!(out.has("archive.duplicate_name"));
    let z = zip::ZipArchive::new(std::io::Cursor::new(d.data)).unwrap();
    assert_eq!(z.len(), 3);
}

#[test]
fn ratio_bomb_and_nesting_are_stopped() {
    let (out, r) = inspect(&fixture("zip_ratio_bomb.zip"), Kind::Zip);
    assert!(codes(&out, r.as_ref().map(|_| ())).contains(&"limit.ratio".to_string()));
    let (out, r) = inspect(&fixture("zip_nested_depth.zip"), Kind::Zip);
    assert!(codes(&out, r.as_ref().map(|_| ())).contains(&"limit.depth".to_string()));
}

#[test]
fn corpus_hostile_archives_get_their_codes_quickly() {
    let Some(dir) = corpus::shared_corpus("corpus_hostile_archives_get_their_codes_quickly") else {
        return;
    };
    let cases: &[(&str, Kind, &str)] = &[
        (
            "zip_bomb__zbsm.zip",
            Kind::Zip,
            "archive.overlapping_entries",
        ),
        (
            "zip_bomb__Challenge9.zip",
            Kind::Zip,
            "limit.decompressed_size",
        ),
        ("tika__droste.zip", Kind::Zip, "archive.quine"),
        ("tika__quine.gz", Kind::Gzip, "archive.quine"),
        (
            "tika__testZip_absolutePath.zip",
            Kind::Zip,
            "archive.absolute_path",
        ),
        (
            "tika__testZip_relative.zip",
            Kind::Zip,
            "archive.path_traversal",
        ),
        ("tika__testZipEncrypted.zip", Kind::Zip, "archive.encrypted"),
        ("pocs__zipcrypto.zip", Kind::Zip, "archive.encrypted"),
        ("pocs__aes.zip", Kind::Zip, "archive.encrypted"),
        ("pocs__lzma.zip", Kind::Zip, "archive.unsupported_method"),
        ("pocs__hello.zip.gz", Kind::Gzip, "archive.polyglot"),
        (
            "tika__testZipEntryNameCharsetShiftSJIS.zip",
            Kind::Zip,
            "archive.legacy_name_charset",
        ),
    ];
    for (name, kind, code) in cases {
        let data = std::fs::read(dir.join("archives").join(name)).unwrap();
        let t = Instant::now();
        let (out, r) = inspect(&data, *kind);
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "{name} took {:?}",
            t.elapsed()
        );
        let c = codes(&out, r.as_ref().map(|_| ()));
        assert!(
            c.iter().any(|x| x == code),
            "{name}: expected {code}, got {c:?}"
        );
    }
}

#[test]
fn shift_jis_member_names_are_decoded() {
    let Some(dir) = corpus::shared_corpus("shift_jis_member_names_are_decoded") else {
        return;
    };
    let data =
        std::fs::read(dir.join("archives/tika__testZipEntryNameCharsetShiftSJIS.zip")).unwrap();
    let (out, _) = inspect(&data, Kind::Zip);
    let names: Vec<&str> = out.children.iter().map(|c| c.path.as_str()).collect();
    assert!(
        names
            .iter()
            .any(|n| n.chars().any(|c| ('\u{3040}'..='\u{30ff}').contains(&c)
                || ('\u{4e00}'..='\u{9fff}').contains(&c))),
        "{names:?}"
    );
}

#[test]
fn ppap_zip_is_blocked_without_password() {
    let Some(dir) = corpus::shared_corpus("ppap_zip_is_blocked_without_password") else {
        return;
    };
    let data =
        std::fs::read(dir.join("ole-legacy/oletools__dde-test-from-office2003.doc.zip")).unwrap();
    let (out, r) = disarm(&data, Kind::Zip, None);
    assert!(matches!(r, Err(Error::Encrypted { .. })) && out.has("archive.encrypted"));
    // With the corpus password the zip crate reports InvalidPassword for this ZipCrypto member
    // (its check byte); the member then stays unread and the archive stays blocked, never
    // released unchecked.
    let (_, r) = disarm(&data, Kind::Zip, Some("infected"));
    assert!(r.is_err());
}
