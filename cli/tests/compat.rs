//! Agreement with independent tools (issue 2, "Done when"): `scripts/compat.sh` runs pdfid on
//! every PDF and olevba on every Office/OLE/RTF/ODF file of both corpora and fails when kiyome
//! misses a factor they see, unless docs/compatibility.md explains that disagreement.

use std::process::Command;

#[test]
fn kiyome_agrees_with_pdfid_and_olevba_beyond_documented_exceptions() {
    let (Some(pdfid), Some(_olevba)) = (
        kiyome_core::corpus::peer_tool("pdfid"),
        kiyome_core::corpus::peer_tool("olevba"),
    ) else {
        return;
    };
    let root = kiyome_core::corpus::repo_root();
    let mut cmd = Command::new("bash");
    cmd.arg(root.join("scripts/compat.sh"))
        .env("KIYOME_BIN", env!("CARGO_BIN_EXE_kiyome"))
        .env("KIYOME_PEERS_BIN", pdfid.parent().expect("peer dir"));
    if let Some(corpus) = kiyome_core::corpus::shared_corpus("compat") {
        cmd.env("KIYOME_CORPUS", corpus);
    }
    let out = cmd.output().expect("run scripts/compat.sh");
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        out.status.success(),
        "kiyome disagrees with pdfid/olevba beyond docs/compatibility.md (tables above)"
    );
}
