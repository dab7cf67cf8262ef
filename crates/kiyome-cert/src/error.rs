//! The one error type of kiyome-cert. Rule violations carry a Japanese and an English message
//! because both the records officer and an outside auditor read them.

use std::fmt;

/// A broken disposal rule, found before anything is signed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Violation {
    /// Stable machine-readable code, e.g. `rule.formatting`.
    pub code: &'static str,
    /// 日本語の説明.
    pub ja: String,
    /// English explanation.
    pub en: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {} / {}", self.code, self.ja, self.en)
    }
}

/// Everything that can go wrong while issuing, verifying, logging or rendering certificates.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The certificate breaks the guideline's class/method rules or another issuing rule;
    /// nothing was signed.
    #[error("certificate refused (証明書を発行できません): {}", list(.0))]
    Rules(Vec<Violation>),
    /// A value cannot be put into canonical JSON (RFC 8785) by this implementation.
    #[error("cannot canonicalise JSON: {0}")]
    Canonical(String),
    /// A JWS, key, proof or ledger entry is malformed.
    #[error("malformed {what}: {detail}")]
    Malformed {
        /// What was being read (`jws`, `jwk`, `ledger entry 12`, …).
        what: String,
        /// What is wrong with it.
        detail: String,
    },
    /// A signature, hash, proof or consistency check failed: the record was altered.
    #[error("verification failed (検証に失敗しました): {0}")]
    Verification(String),
    /// The signing key named by a JWS `kid` is not among the trusted public keys.
    #[error("unknown signing key (未知の署名鍵): kid {0}")]
    UnknownKey(String),
    /// The key ring or ledger is in a state that forbids the operation.
    #[error("{0}")]
    State(String),
    /// No Japanese font was found for the printable certificate.
    #[error(
        "no Japanese font found (日本語フォントが見つかりません): tried {0}; install the Debian package fonts-ipafont (apt-get install fonts-ipafont) or set KIYOME_JP_FONT"
    )]
    FontMissing(String),
    /// Building the PDF failed.
    #[error("cannot build PDF: {0}")]
    Pdf(String),
    /// An I/O error on the key ring, ledger or evidence store.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

fn list(v: &[Violation]) -> String {
    v.iter()
        .map(|x| x.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

impl Error {
    /// Builds an [`Error::Malformed`].
    pub fn malformed(what: impl Into<String>, detail: impl fmt::Display) -> Self {
        Error::Malformed {
            what: what.into(),
            detail: detail.to_string(),
        }
    }

    /// Builds an [`Error::Verification`].
    pub fn verify(detail: impl Into<String>) -> Self {
        Error::Verification(detail.into())
    }
}

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, Error>;
