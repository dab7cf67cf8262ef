//! `kiyome sanitize --password` on encrypted zips (the PPAP case), end to end: blocked without
//! it, released (rebuilt unencrypted) with it, blocked with a clear reason when it is wrong.

use serde_json::Value;
use std::io::Read;
use std::path::Path;
use std::process::Command;

fn sanitize(zip: &Path, out: &Path, password: Option<&str>) -> (Option<i32>, Value) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kiyome"));
    c.args(["sanitize", "--json", "--out"]).arg(out).arg(zip);
    if let Some(p) = password {
        c.args(["--password", p]);
    }
    let o = c.output().expect("run kiyome");
    let v: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr)));
    (o.status.code(), v)
}

fn finding<'a>(file: &'a Value, code: &str) -> &'a Value {
    file["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["code"] == code))
        .unwrap_or_else(|| panic!("no {code} in {file}"))
}

#[test]
fn sanitize_password_opens_a_zipcrypto_zip_and_a_wrong_one_blocks_it() {
    let Some(zip) = kiyome_core::corpus::peer_tool("zip") else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("memo.txt"), "会議は10時から\n").expect("member");
    let st = Command::new(zip)
        .current_dir(dir.path())
        .args(["-q", "-P", "ppap-2025", "ppap.zip", "memo.txt"])
        .status()
        .expect("run zip");
    assert!(st.success());
    let input = dir.path().join("ppap.zip");

    let (code, r) = sanitize(&input, &dir.path().join("a"), None);
    let file = &r["files"][0];
    assert_eq!(code, Some(1), "{r}");
    assert_eq!(file["verdict"], "blocked");
    assert_eq!(finding(file, "archive.encrypted")["action"], "blocked");

    let (code, r) = sanitize(&input, &dir.path().join("b"), Some("wrong"));
    let file = &r["files"][0];
    assert_eq!(code, Some(1), "{r}");
    assert_eq!(file["verdict"], "blocked");
    assert!(
        file["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|f| f["detail"]
                .as_str()
                .unwrap_or("")
                .contains("the supplied password does not open")),
        "{file}"
    );
    assert!(!dir.path().join("b").join("ppap.zip").exists());

    let (code, r) = sanitize(&input, &dir.path().join("c"), Some("ppap-2025"));
    let file = &r["files"][0];
    assert_eq!(code, Some(0), "{r}");
    assert_eq!(file["verdict"], "released");
    let out = file["output"]["path"].as_str().expect("output path");
    let mut z = zip::ZipArchive::new(std::fs::File::open(out).expect("output")).expect("zip");
    let mut m = z.by_index(0).expect("member");
    assert!(!m.encrypted());
    let mut text = String::new();
    m.read_to_string(&mut text).expect("utf-8");
    assert_eq!(text, "会議は10時から\n");
    assert!(
        !String::from_utf8_lossy(&std::fs::read(out).expect("output")).contains("ppap-2025"),
        "the password leaked into the output"
    );
    assert!(
        !r.to_string().contains("ppap-2025"),
        "the password leaked into the report"
    );
}
