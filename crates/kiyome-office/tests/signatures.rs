//! Digital signatures that disarm invalidates are removed with everything that points at
//! them, so the output neither carries a stale signature nor a dangling relationship.

use kiyome_core::corpus::shared_corpus;
use kiyome_core::{Action, Budget, Ctx, Inspection, Limits, NoNesting, sniff};
use kiyome_office::OfficeOptions;
use std::io::Read;

#[test]
fn signed_docx_loses_its_signature_parts_and_origin_relationship() {
    let Some(dir) = shared_corpus("signed_docx_loses_its_signature_parts_and_origin_relationship")
    else {
        return;
    };
    let data = std::fs::read(dir.join("ooxml-general/tika__testWORD_signed.docx")).unwrap();
    let kind = sniff(&data, Some("s.docx")).kind;
    let b = Budget::new(&Limits::default());
    let ctx = Ctx::new(&b, &NoNesting);
    let mut out = Inspection::default();
    let d = kiyome_office::disarm(&data, kind, &ctx, &OfficeOptions::default(), &mut out)
        .expect("disarmed");
    let f = out
        .findings
        .iter()
        .find(|f| f.code == "ooxml.signature")
        .expect("ooxml.signature");
    assert_eq!(f.action, Action::Removed);
    assert!(f.detail.contains("invalidates"), "{}", f.detail);

    let mut z = zip::ZipArchive::new(std::io::Cursor::new(&d.data)).expect("zip");
    let mut names = Vec::new();
    let mut text = String::new();
    for i in 0..z.len() {
        let mut m = z.by_index(i).expect("member");
        let name = m.name().expect("utf-8").to_string();
        if name.ends_with(".rels") || name == "[Content_Types].xml" {
            m.read_to_string(&mut text).expect("xml");
        }
        names.push(name);
    }
    assert!(
        !names
            .iter()
            .any(|n| n.to_ascii_lowercase().contains("xmlsignatures")),
        "{names:?}"
    );
    assert!(
        !text.contains("digital-signature"),
        "a relationship or override still names the signature"
    );
    assert!(!text.contains("_xmlsignatures"), "{text}");

    // The rebuilt package inspects without a signature and without anomalies.
    let b = Budget::new(&Limits::default());
    let ctx = Ctx::new(&b, &NoNesting);
    let mut check = Inspection::default();
    kiyome_office::inspect(&d.data, d.kind, &ctx, &mut check).expect("inspect");
    assert!(
        !check.has("ooxml.signature") && !check.has("ooxml.package_anomaly"),
        "{:?}",
        check.findings
    );
}
