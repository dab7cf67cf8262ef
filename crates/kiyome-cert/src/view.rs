//! The human view of a certificate: bilingual sections of label/value rows, shared by
//! `kiyome cert show` (terminal) and `kiyome cert render --pdf`.

use crate::bundle::VerifiedBundle;
use crate::labels;
use crate::model::{Certificate, Person, Timestamp};
use crate::register::jst_date;
use crate::wareki;

/// A titled group of rows.
#[derive(Debug, Clone)]
pub struct Section {
    /// Bilingual title.
    pub title: &'static str,
    /// (bilingual label, value) rows.
    pub rows: Vec<(&'static str, String)>,
}

/// A timestamp as 和暦 (JST) and ISO 8601 UTC.
pub fn when(t: Timestamp) -> String {
    format!("{} ({t})", wareki::wareki(jst_date(t)).unwrap_or_default())
}

fn person(rows: &mut Vec<(&'static str, String)>, p: &Person) {
    rows.push(("氏名 / Name", p.name.clone()));
    rows.push(("役職 / Title", p.title.clone()));
    rows.push(("所属 / Organisation", p.organisation.clone()));
    if let Some(v) = &p.location {
        rows.push(("所在地 / Location", v.clone()));
    }
    if let Some(v) = &p.phone {
        rows.push(("電話 / Phone", v.clone()));
    }
}

fn opt(rows: &mut Vec<(&'static str, String)>, label: &'static str, v: &Option<String>) {
    if let Some(v) = v {
        rows.push((label, v.clone()));
    }
}

/// The sections of a certificate.
pub fn sections(c: &Certificate) -> Vec<Section> {
    let mut out = Vec::new();
    let mut r = vec![
        ("証明書番号 / Certificate ID", c.certificate_id.clone()),
        ("発行日時 / Issued", when(c.issued_at)),
        (
            "発行者 / Issuer",
            match &c.issuer.department {
                Some(d) => format!("{} {d}", c.issuer.organisation),
                None => c.issuer.organisation.clone(),
            },
        ),
        (
            "廃棄区分 / Disposal class",
            labels::class(c.disposal_class).into(),
        ),
    ];
    for reason in &c.logical_deletion_reasons {
        r.push(("論理削除の理由 / Why logical only", reason.clone()));
    }
    out.push(Section {
        title: "概要 / Summary",
        rows: r,
    });

    let mut r = Vec::new();
    person(&mut r, &c.performer);
    out.push(Section {
        title: "実施者 / Person performing sanitization",
        rows: r,
    });

    let m = &c.media;
    let mut r = vec![
        ("メーカー / Make", m.make.clone()),
        ("型番 / Model", m.model.clone()),
        ("製造番号 / Serial number", m.serial_number.clone()),
    ];
    opt(&mut r, "資産番号 / Property number", &m.property_number);
    r.push((
        "媒体種別 / Media type",
        labels::media_type(m.media_type).into(),
    ));
    opt(&mut r, "出所 / Source", &m.source);
    r.push((
        "消去前の分類 / Pre-sanitization classification",
        m.classification.clone(),
    ));
    r.push((
        "バックアップ / Data backed up",
        labels::backed_up(m.backed_up).into(),
    ));
    opt(
        &mut r,
        "バックアップ先 / Backup location",
        &m.backup_location,
    );
    out.push(Section {
        title: "媒体 / Media",
        rows: r,
    });

    let s = &c.sanitization;
    let mut r = vec![
        (
            "方法種別 / Method type",
            labels::method_type(s.method_type).into(),
        ),
        ("消去方法 / Method", labels::method(s.method).into()),
        ("使用した方法 / Method used", s.method_used.clone()),
    ];
    opt(&mut r, "方法の詳細 / Method details", &s.method_details);
    opt(&mut r, "使用ツール / Tool", &s.tool);
    opt(&mut r, "ツールの版 / Tool version", &s.tool_version);
    r.push((
        "検証方法 / Verification method",
        s.verification_method.clone(),
    ));
    r.push((
        "消去後の分類 / Post-sanitization classification",
        s.post_classification.clone(),
    ));
    opt(
        &mut r,
        "フラッシュ上書きの理由 / Flash overwrite justification",
        &s.flash_overwrite_justification,
    );
    opt(&mut r, "備考 / Notes", &s.notes);
    r.push(("実施日時 / Performed", when(s.performed_at)));
    r.push((
        "媒体の行き先 / Destination",
        labels::destination(c.destination.kind).into(),
    ));
    opt(
        &mut r,
        "行き先の詳細 / Destination details",
        &c.destination.details,
    );
    out.push(Section {
        title: "消去 / Sanitization",
        rows: r,
    });

    if let Some(k) = &c.crypto_erase {
        let mut r = vec![("鍵ID / Key id", k.key_id.clone())];
        opt(&mut r, "鍵ラベル / Key label", &k.key_label);
        opt(&mut r, "文書系列 / Series", &k.series);
        opt(&mut r, "所有者 / Owner", &k.owner);
        r.push((
            "方式 / Algorithm",
            format!("{} ({} bit)", k.algorithm, k.strength_bits),
        ));
        r.push(("鍵作成 / Key created", when(k.key_created_at)));
        r.push(("鍵の初回使用 / Key first use", when(k.key_first_use_at)));
        r.push((
            "データ初回書込 / Data first written",
            when(k.data_first_written_at),
        ));
        r.push(("鍵破棄 / Key destroyed", when(k.key_destroyed_at)));
        r.push(("ルート鍵の保管 / Root custody", k.root_custody.clone()));
        r.push((
            "旧バックアップ無効化 / Earlier copies useless from",
            when(k.earlier_copies_useless_from),
        ));
        for x in &k.containers {
            r.push((
                "対象コンテナ / Container",
                match x.size {
                    Some(n) => format!("id {} file sha256:{} ({n} bytes)", x.id, x.sha256),
                    None => format!("id {} file sha256:{}", x.id, x.sha256),
                },
            ));
        }
        r.push(("申請者 / Requester", k.requester.clone()));
        r.push(("承認者 / Approver", k.approver.clone()));
        r.push((
            "鍵の外部出力 / Ever exported",
            if k.ever_exported {
                "あり / yes"
            } else {
                "なし / no"
            }
            .into(),
        ));
        out.push(Section {
            title: "暗号化消去 / Cryptographic erase",
            rows: r,
        });
    }

    let mut r = Vec::new();
    if let Some(w) = &c.witness {
        r.push((
            "立会者 / Witness",
            format!("{} ({}, {})", w.name, w.title, w.organisation),
        ));
    }
    if let Some(k) = &c.contractor {
        r.push(("委託先 / Contractor", k.name.clone()));
        opt(&mut r, "契約番号 / Contract number", &k.contract_number);
        opt(
            &mut r,
            "委託先証明書 / Contractor certificate",
            &k.certificate_reference,
        );
        if let Some(d) = k.certificate_due {
            r.push(("提出期限 / Submission deadline", wareki::both(d)));
        }
    }
    if let Some(l) = &c.lease {
        r.push((
            "リース契約 / Lease contract",
            format!("{} ({})", l.contract_number, l.lessor),
        ));
        if let Some(d) = l.return_date {
            r.push(("返却日 / Return date", wareki::both(d)));
        }
    }
    for e in &c.evidence {
        let d = e.description.as_deref().unwrap_or("");
        r.push((
            "証拠 / Evidence",
            format!("{} {d} sha256:{}", e.file_name, e.sha256),
        ));
    }
    if !r.is_empty() {
        out.push(Section {
            title: "立会・委託・証拠 / Witness, contractor, evidence",
            rows: r,
        });
    }

    let mut r = vec![
        ("証明文 / Attestation", c.attestation.statement.clone()),
        ("証明日 / Date", wareki::both(c.attestation.date)),
    ];
    if let Some(v) = &c.validation {
        r.push((
            "検証者 / Validated by",
            format!(
                "{} ({}, {})",
                v.person.name, v.person.title, v.person.organisation
            ),
        ));
        r.push(("検証日 / Validation date", wareki::both(v.date)));
    }
    out.push(Section {
        title: "証明と検証 / Attestation and validation",
        rows: r,
    });
    out
}

/// The record section: hash, key, ledger position. Printed on paper so that it can be matched
/// to the signed record.
pub fn record_section(vb: &VerifiedBundle) -> Section {
    let mut r = vec![
        (
            "証明書ハッシュ / Certificate SHA-256",
            vb.certificate.sha256(),
        ),
        ("署名鍵 / Signing key (kid)", vb.certificate.kid.clone()),
    ];
    match &vb.position {
        Some((inc, head)) => {
            r.push(("台帳ID / Ledger id", inc.log_id.clone()));
            r.push((
                "台帳番号 / Ledger position",
                format!("{} / {}", inc.leaf_index, inc.tree_size),
            ));
            r.push(("ルートハッシュ / Tree root", head.head.root_hash.clone()));
            r.push(("木頭署名日時 / Tree head signed", when(head.head.timestamp)));
        }
        None => r.push(("台帳 / Ledger", "記録なし / not recorded".into())),
    }
    Section {
        title: "記録 / Record (署名済み / signed)",
        rows: r,
    }
}

/// Plain-text rendering for the terminal.
pub fn text(vb: &VerifiedBundle) -> String {
    let c = &vb.certificate.certificate;
    let mut out = format!(
        "{}\n{}\n",
        labels::record_kind(c.record_kind),
        "=".repeat(60)
    );
    let mut all = sections(c);
    all.push(record_section(vb));
    for s in all {
        out.push_str(&format!("\n[{}]\n", s.title));
        for (l, v) in s.rows {
            out.push_str(&format!("  {l}: {v}\n"));
        }
    }
    out
}
