//! Rules checked before anything is signed. The class/method table follows the MIC guideline
//! (地方公共団体における情報セキュリティポリシーに関するガイドライン, 情報システム機器の廃棄等):
//! formatting is never a disposal; class (1) only physical destruction; class (2) ①–⑤;
//! class (3) ①–⑤ or overwrite of all OS-accessible areas. Added from NIST SP 800-88 Rev.1
//! Appendix A: degaussing only works on magnetic media; paper and optical discs cannot be
//! overwritten or block-erased; overwrite on flash (SSD, USB, phones) misses wear-levelled
//! copies and is refused unless a justification is recorded.

use crate::Violation;
use crate::model::{Certificate, DisposalClass, MediaType, Method, MethodType, RecordKind};

fn v(code: &'static str, ja: impl Into<String>, en: impl Into<String>) -> Violation {
    Violation {
        code,
        ja: ja.into(),
        en: en.into(),
    }
}

/// Checks the class × method × media rules alone. `justified` is whether a flash-overwrite
/// justification is recorded. Returns every violation found (empty = allowed).
pub fn check_method(
    class: DisposalClass,
    method: Method,
    media: MediaType,
    justified: bool,
) -> Vec<Violation> {
    use MediaType as T;
    use Method as M;
    if method == M::Formatting {
        return vec![v(
            "rule.formatting",
            "フォーマットは消去方法として認められません",
            "formatting is never an acceptable disposal method",
        )];
    }
    let mut out = Vec::new();
    let class_ok = match class {
        DisposalClass::Class1 => method == M::PhysicalDestruction,
        DisposalClass::Class2 => method != M::OverwriteOsAccessible,
        DisposalClass::Class3 => true,
    };
    if !class_ok {
        out.push(match class {
            DisposalClass::Class1 => v(
                "rule.class_method",
                "区分(1)(マイナンバー・住民情報)の媒体は物理的な破壊のみ認められます",
                "class (1) media (My Number / resident data) may only be physically destroyed",
            ),
            _ => v(
                "rule.class_method",
                "区分(2)(機密性2以上)ではOSからアクセス可能な領域のみの上書きは認められません(①〜⑤)",
                "class (2) media (confidentiality 2+) need methods ①–⑤; an OS-accessible overwrite is not enough",
            ),
        });
    }
    let applicable = match (method, media) {
        (M::PhysicalDestruction, _) => true,
        (_, T::Paper) => false,
        (M::Degaussing, T::Hdd | T::MagneticTape) => true,
        (M::Degaussing, _) => false,
        (M::CryptographicErase, _) => true,
        (_, T::Optical) => false,
        (M::BlockErase, T::MagneticTape | T::Virtual) => false,
        _ => true,
    };
    if !applicable {
        out.push(if method == M::Degaussing {
            v(
                "rule.degauss_non_magnetic",
                "磁気的な破壊は磁気媒体(HDD・磁気テープ)にしか効果がありません",
                "degaussing only works on magnetic media (HDD, magnetic tape)",
            )
        } else {
            v(
                "rule.media_method",
                format!("この方法({method:?})はこの媒体({media:?})には適用できません"),
                format!("method {method:?} cannot be applied to {media:?} media"),
            )
        });
    }
    let overwrite = matches!(method, M::OverwriteAllAreas | M::OverwriteOsAccessible);
    let flash = matches!(media, T::Ssd | T::Flash | T::MobileDevice);
    if overwrite && flash && !justified {
        out.push(v(
            "rule.flash_overwrite",
            "SSD・フラッシュメモリへの上書き消去は、理由を記録しない限り認められません(ウェアレベリングで残存するため)",
            "overwriting SSD/flash media is refused unless a justification is recorded (wear levelling keeps copies)",
        ));
    }
    out
}

/// The SP 800-88 method type each guideline method corresponds to.
pub fn method_types(method: Method) -> &'static [MethodType] {
    match method {
        Method::PhysicalDestruction => &[MethodType::Destruct],
        Method::Degaussing | Method::BlockErase | Method::CryptographicErase => {
            &[MethodType::Purge]
        }
        Method::OverwriteAllAreas => &[MethodType::Clear, MethodType::Purge],
        Method::OverwriteOsAccessible | Method::Formatting => &[MethodType::Clear],
    }
}

/// Rules whose breach turns a crypto-erase into an honest logical-deletion record.
pub const LOGICAL_DELETION_CODES: &[&str] = &["rule.key_after_data", "rule.key_exported"];

/// Checks a whole certificate. Returns every violation (empty = may be signed).
pub fn check(c: &Certificate) -> Vec<Violation> {
    let mut out = Vec::new();
    let required = [
        ("certificate_id", &c.certificate_id),
        ("issuer.organisation", &c.issuer.organisation),
        ("performer.name", &c.performer.name),
        ("performer.title", &c.performer.title),
        ("performer.organisation", &c.performer.organisation),
        ("media.make", &c.media.make),
        ("media.model", &c.media.model),
        ("media.serial_number", &c.media.serial_number),
        ("media.classification", &c.media.classification),
        ("sanitization.method_used", &c.sanitization.method_used),
        (
            "sanitization.verification_method",
            &c.sanitization.verification_method,
        ),
        (
            "sanitization.post_classification",
            &c.sanitization.post_classification,
        ),
        ("attestation.statement", &c.attestation.statement),
    ];
    for (name, value) in required {
        if value.trim().is_empty() {
            out.push(v(
                "rule.missing_field",
                format!("必須項目 {name} が空です"),
                format!("required field {name} is empty"),
            ));
        }
    }
    if c.format != crate::model::FORMAT {
        out.push(v(
            "rule.format",
            "未知の証明書形式です",
            format!("format must be {}", crate::model::FORMAT),
        ));
    }
    let s = &c.sanitization;
    if c.record_kind != RecordKind::LogicalDeletion {
        out.extend(check_method(
            c.disposal_class,
            s.method,
            c.media.media_type,
            s.flash_overwrite_justification
                .as_deref()
                .is_some_and(|j| !j.trim().is_empty()),
        ));
        if !method_types(s.method).contains(&s.method_type) {
            out.push(v(
                "rule.method_type",
                "Clear/Purge/Destructの区分が消去方法と一致しません",
                format!(
                    "method type {:?} does not match method {:?} (expected one of {:?})",
                    s.method_type,
                    s.method,
                    method_types(s.method)
                ),
            ));
        }
        if !c.logical_deletion_reasons.is_empty() {
            out.push(v(
                "rule.record_kind",
                "論理削除の理由は論理削除記録にのみ記載できます",
                "logical-deletion reasons belong to logical-deletion records only",
            ));
        }
    } else if c.logical_deletion_reasons.is_empty() {
        out.push(v(
            "rule.record_kind",
            "論理削除記録には理由が必要です",
            "a logical-deletion record needs its reasons",
        ));
    }
    if let Some(val) = &c.validation
        && val.person.name.trim() == c.performer.name.trim()
    {
        out.push(v(
            "rule.validator_is_performer",
            "検証者は実施者と別の者でなければなりません",
            "validation must be done by a second person, not the performer",
        ));
    }
    if let Some(k) = &c.contractor
        && k.certificate_reference.is_none()
        && k.certificate_due.is_none()
    {
        out.push(v(
            "rule.contractor_deadline",
            "委託先の証明書の参照番号か提出期限を記録してください",
            "record the contractor's certificate reference or its submission deadline",
        ));
    }
    for e in &c.evidence {
        if !is_sha256_hex(&e.sha256) {
            out.push(v(
                "rule.evidence_hash",
                format!("証拠ファイル {} のハッシュが不正です", e.file_name),
                format!("evidence {} has no valid lower-case SHA-256", e.file_name),
            ));
        }
    }
    check_crypto(c, &mut out);
    out
}

fn check_crypto(c: &Certificate, out: &mut Vec<Violation>) {
    let kind = c.record_kind;
    let Some(k) = &c.crypto_erase else {
        if kind == RecordKind::CryptoErase {
            out.push(v(
                "rule.crypto_section",
                "暗号化消去の証明書には鍵の情報が必要です",
                "a crypto-erase certificate needs its crypto_erase section",
            ));
        }
        return;
    };
    if kind == RecordKind::Sanitization || c.sanitization.method != Method::CryptographicErase {
        out.push(v(
            "rule.crypto_section",
            "鍵の情報は暗号化消去(⑤)の記録にのみ記載できます",
            "a crypto_erase section requires record kind crypto_erase and method ⑤",
        ));
    }
    if k.containers.is_empty() || k.containers.iter().any(|x| !is_sha256_hex(&x.sha256)) {
        out.push(v(
            "rule.containers",
            "対象コンテナとそのハッシュを記録してください",
            "list the containers covered, each with its SHA-256",
        ));
    }
    if k.key_created_at > k.key_first_use_at || k.key_destroyed_at < k.key_first_use_at {
        out.push(v(
            "rule.key_times",
            "鍵の作成・初回使用・破棄の時刻が矛盾しています",
            "key creation, first use and destruction times are inconsistent",
        ));
    }
    if kind == RecordKind::LogicalDeletion {
        return;
    }
    // The two conditions under which destroying the key does not make the data unrecoverable:
    // plaintext existed before encryption began, or a copy of the key left the store.
    if k.key_first_use_at > k.data_first_written_at {
        out.push(v(
            "rule.key_after_data",
            "データが鍵の初回使用より前に書き込まれており、最初から暗号化されていたと言えません",
            "the data was written before the key's first use, so it was not encrypted from the first write",
        ));
    }
    if k.ever_exported {
        out.push(v(
            "rule.key_exported",
            "鍵が一度でも外部に出力されているため暗号化消去とは認められません",
            "the key was exported at least once, so destroying the stored copy is not a cryptographic erase",
        ));
    }
}

/// Whether `s` is 64 lower-case hex digits.
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}
