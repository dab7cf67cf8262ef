//! The test vector of docs/certificate-format.md: fixed key (RFC 8037 Appendix A.1), fixed
//! certificate → exact JWS. Regenerate the files with KIYOME_REGEN_VECTORS=1 only when the
//! format changes on purpose (and bump the format version).

mod common;

use kiyome_cert::jws::{PublicKeys, thumbprint};
use kiyome_cert::{issue, jcs};
use std::path::PathBuf;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

#[test]
fn rfc8037_key_has_the_rfc_thumbprint() {
    let k = common::fixed_key();
    assert_eq!(
        kiyome_cert::jws::b64(&k.public()),
        "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
    );
    // RFC 8037 Appendix A.3.
    assert_eq!(
        thumbprint(&k.public()),
        "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
    );
    assert_eq!(k.kid(), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
}

#[test]
fn fixed_certificate_signs_to_the_published_jws() {
    let key = common::fixed_key();
    let v = issue::validate(common::disposal()).unwrap();
    let signed = issue::sign(v.validated(), &key).unwrap();
    let payload = jcs::to_canonical(&common::disposal()).unwrap();
    let jwk = serde_json::to_string_pretty(&key.jwk()).unwrap() + "\n";
    if std::env::var_os("KIYOME_REGEN_VECTORS").is_some() {
        std::fs::write(dir().join("certificate.json"), &payload).unwrap();
        std::fs::write(dir().join("certificate.jws"), format!("{}\n", signed.jws)).unwrap();
        std::fs::write(dir().join("key.jwk"), &jwk).unwrap();
    }
    let want_payload = std::fs::read(dir().join("certificate.json")).unwrap();
    let want_jws = std::fs::read_to_string(dir().join("certificate.jws")).unwrap();
    assert_eq!(payload, want_payload, "canonical payload changed");
    assert_eq!(signed.jws, want_jws.trim_end(), "JWS changed");
    assert_eq!(jwk, std::fs::read_to_string(dir().join("key.jwk")).unwrap());
    // Ed25519 is deterministic (RFC 8032 §5.1.6), so the same input always gives this JWS,
    // and it verifies with the public JWK alone.
    let keys = PublicKeys::from_json(jwk.as_bytes()).unwrap();
    let back = issue::verify_jws(want_jws.trim_end(), &keys).unwrap();
    assert_eq!(back.certificate, common::disposal());
    assert_eq!(
        back.sha256(),
        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
            want_jws.trim_end().as_bytes()
        ))
    );
}
