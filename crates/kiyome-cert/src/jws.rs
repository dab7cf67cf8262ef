//! JWS compact serialisation (RFC 7515 §7.1) with `alg: EdDSA` over Ed25519 (RFC 8037), and the
//! JWK / JWK Set form of public keys (RFC 7517, OKP keys per RFC 8037 §2) with RFC 7638
//! thumbprints as key ids.

use crate::jcs;
use crate::{Error, Result};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// `typ` of a signed certificate.
pub const TYP_CERTIFICATE: &str = "kiyome-certificate+jws";
/// `typ` of a signed tree head of the ledger.
pub const TYP_TREE_HEAD: &str = "kiyome-tree-head+jws";

/// The protected header. Exactly these three members, in canonical JSON: no `crit`, no `jku`
/// or `jwk` (a verifier must never take the key from the message itself), no `b64: false`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// Always `EdDSA` (RFC 8037 §3.1).
    pub alg: String,
    /// Key id: the RFC 7638 thumbprint of the signing key's JWK.
    pub kid: String,
    /// What is signed: [`TYP_CERTIFICATE`] or [`TYP_TREE_HEAD`]; stops one kind of signed
    /// object being passed off as the other.
    pub typ: String,
}

/// Strict base64url without padding (RFC 7515 §2). Non-zero trailing bits are refused by the
/// engine, so one string has one meaning and a flipped last character cannot go unnoticed.
pub fn b64(data: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(data)
}

/// Decodes strict base64url without padding.
pub fn unb64(s: &str, what: &str) -> Result<Vec<u8>> {
    URL_SAFE_NO_PAD
        .decode(s)
        .map_err(|e| Error::malformed(what, e))
}

/// An Ed25519 signing key with its key id. The secret zeroizes on drop (ed25519-dalek
/// `zeroize` feature) and is never printed.
pub struct KeyPair {
    kid: String,
    key: SigningKey,
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyPair {{ kid: {}, secret: <redacted> }}", self.kid)
    }
}

impl KeyPair {
    /// Builds the key from its 32-byte seed (RFC 8032 private key).
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        let key = SigningKey::from_bytes(seed);
        let kid = thumbprint(key.verifying_key().as_bytes());
        KeyPair { kid, key }
    }

    /// Generates a fresh key from the operating system's random source.
    pub fn generate() -> Result<Self> {
        let mut seed = zeroize::Zeroizing::new([0u8; 32]);
        getrandom::fill(&mut seed[..])
            .map_err(|e| Error::State(format!("no system randomness: {e}")))?;
        Ok(Self::from_seed(&seed))
    }

    /// The seed, for storing in the key ring (zeroizing).
    pub fn seed(&self) -> zeroize::Zeroizing<[u8; 32]> {
        zeroize::Zeroizing::new(self.key.to_bytes())
    }

    /// The key id (RFC 7638 thumbprint).
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public half.
    pub fn public(&self) -> [u8; 32] {
        self.key.verifying_key().to_bytes()
    }

    /// The public key as a JWK.
    pub fn jwk(&self) -> Jwk {
        Jwk::from_public(&self.public())
    }

    /// Signs `payload` as a compact JWS with the given `typ`.
    pub fn sign_compact(&self, typ: &str, payload: &[u8]) -> Result<String> {
        let header = Header {
            alg: "EdDSA".into(),
            kid: self.kid.clone(),
            typ: typ.into(),
        };
        let mut input = b64(&jcs::to_canonical(&header)?);
        input.push('.');
        input.push_str(&b64(payload));
        let sig = self.key.sign(input.as_bytes());
        input.push('.');
        input.push_str(&b64(&sig.to_bytes()));
        Ok(input)
    }
}

/// RFC 7638 thumbprint of an Ed25519 public key: SHA-256 over the canonical required members
/// `{"crv":"Ed25519","kty":"OKP","x":…}`, base64url.
pub fn thumbprint(x: &[u8; 32]) -> String {
    let json = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#, b64(x));
    b64(&Sha256::digest(json.as_bytes()))
}

/// A public JWK (RFC 7517) of type OKP / Ed25519 (RFC 8037 §2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    /// `OKP`.
    pub kty: String,
    /// `Ed25519`.
    pub crv: String,
    /// The public key, base64url.
    pub x: String,
    /// The key id (RFC 7638 thumbprint).
    pub kid: String,
    /// `EdDSA`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    /// `sig`.
    #[serde(default, rename = "use", skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
}

impl Jwk {
    /// The JWK of a public key.
    pub fn from_public(x: &[u8; 32]) -> Self {
        Jwk {
            kty: "OKP".into(),
            crv: "Ed25519".into(),
            x: b64(x),
            kid: thumbprint(x),
            alg: Some("EdDSA".into()),
            use_: Some("sig".into()),
        }
    }
}

/// A JWK Set (RFC 7517 §5).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JwkSet {
    /// The keys.
    pub keys: Vec<Jwk>,
}

/// The trusted public keys of an organisation, by key id.
#[derive(Debug, Clone, Default)]
pub struct PublicKeys {
    keys: BTreeMap<String, VerifyingKey>,
}

impl PublicKeys {
    /// Adds a key; its id is recomputed from the key, never trusted from the file.
    pub fn insert(&mut self, x: &[u8; 32]) -> Result<String> {
        let vk = VerifyingKey::from_bytes(x).map_err(|e| Error::malformed("jwk", e))?;
        let kid = thumbprint(x);
        self.keys.insert(kid.clone(), vk);
        Ok(kid)
    }

    /// Reads a JWK Set or a single JWK (the output of `kiyome cert key export-public`).
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        let v: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| Error::malformed("jwk", e))?;
        let jwks: Vec<Jwk> = if v.get("keys").is_some() {
            serde_json::from_value::<JwkSet>(v)
                .map_err(|e| Error::malformed("jwks", e))?
                .keys
        } else {
            vec![serde_json::from_value(v).map_err(|e| Error::malformed("jwk", e))?]
        };
        let mut out = PublicKeys::default();
        for j in jwks {
            if j.kty != "OKP" || j.crv != "Ed25519" {
                return Err(Error::malformed(
                    "jwk",
                    "only OKP/Ed25519 keys are accepted",
                ));
            }
            let x: [u8; 32] = unb64(&j.x, "jwk x")?
                .try_into()
                .map_err(|_| Error::malformed("jwk", "x is not 32 bytes"))?;
            let kid = out.insert(&x)?;
            if kid != j.kid {
                return Err(Error::malformed(
                    "jwk",
                    "kid is not the RFC 7638 thumbprint",
                ));
            }
        }
        Ok(out)
    }

    /// Key ids known.
    pub fn kids(&self) -> impl Iterator<Item = &str> {
        self.keys.keys().map(|s| s.as_str())
    }

    /// Whether no key is known.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Verifies a compact JWS of type `typ`; returns the key id and the payload bytes.
    pub fn verify_compact(&self, jws: &str, typ: &str) -> Result<(String, Vec<u8>)> {
        let mut parts = jws.split('.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(Error::malformed("jws", "not three dot-separated parts"));
        };
        let header: Header = jcs::parse_canonical(&unb64(h, "jws header")?, "jws header")?;
        if header.alg != "EdDSA" {
            return Err(Error::verify(format!("alg {} is not EdDSA", header.alg)));
        }
        if header.typ != typ {
            return Err(Error::verify(format!(
                "typ {} where {typ} was expected",
                header.typ
            )));
        }
        let vk = self
            .keys
            .get(&header.kid)
            .ok_or_else(|| Error::UnknownKey(header.kid.clone()))?;
        let sig: [u8; 64] = unb64(s, "jws signature")?
            .try_into()
            .map_err(|_| Error::malformed("jws", "signature is not 64 bytes"))?;
        let signing_input = &jws.as_bytes()[..h.len() + 1 + p.len()];
        // verify_strict: rejects small-order keys and non-canonical S (malleability).
        vk.verify_strict(signing_input, &Signature::from_bytes(&sig))
            .map_err(|_| Error::verify("Ed25519 signature does not match (署名が一致しません)"))?;
        Ok((header.kid, unb64(p, "jws payload")?))
    }
}
