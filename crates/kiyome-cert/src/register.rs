//! The disposal register: certificates in the ledger, searchable, with contractor-certificate
//! follow-up and a CSV export for audits (UTF-8 with BOM and CRLF so Excel opens Japanese
//! text correctly).

use crate::jws::unb64;
use crate::ledger::{ContractorReceipt, Entry, Ledger};
use crate::model::{Certificate, DisposalClass, Method, RecordKind, Timestamp};
use crate::{Error, Result, jcs, labels};
use chrono::{FixedOffset, NaiveDate};
use sha2::{Digest, Sha256};

/// The date in Japan Standard Time (UTC+9) of an instant: the date printed on forms.
pub fn jst_date(t: Timestamp) -> NaiveDate {
    match FixedOffset::east_opt(9 * 3600) {
        Some(jst) => t.0.with_timezone(&jst).date_naive(),
        None => t.0.date_naive(),
    }
}

/// One certificate of the register.
#[derive(Debug, Clone)]
pub struct Record {
    /// Ledger position.
    pub seq: u64,
    /// The certificate.
    pub certificate: Certificate,
    /// SHA-256 of its JWS.
    pub sha256: String,
    /// The contractor's certificate, if received later.
    pub receipt: Option<ContractorReceipt>,
}

impl Record {
    /// Whether the contractor's certificate is still owed.
    pub fn contractor_certificate_pending(&self) -> bool {
        self.certificate
            .contractor
            .as_ref()
            .is_some_and(|c| c.certificate_reference.is_none())
            && self.receipt.is_none()
    }

    /// Whether the contractor's certificate is owed and past its deadline on `as_of`.
    pub fn overdue(&self, as_of: NaiveDate) -> bool {
        self.contractor_certificate_pending()
            && self
                .certificate
                .contractor
                .as_ref()
                .and_then(|c| c.certificate_due)
                .is_some_and(|due| due < as_of)
    }
}

/// Reads the register from a ledger (payloads are read, not re-verified: run
/// `kiyome ledger verify` for that).
pub fn records(ledger: &Ledger) -> Result<Vec<Record>> {
    let mut out: Vec<Record> = Vec::new();
    for e in ledger.entries() {
        match e {
            Entry::Certificate { seq, jws } => {
                let p = jws
                    .split('.')
                    .nth(1)
                    .ok_or_else(|| Error::malformed("ledger certificate", "not a JWS"))?;
                let certificate: Certificate =
                    jcs::parse_canonical(&unb64(p, "certificate")?, "certificate")?;
                out.push(Record {
                    seq: *seq,
                    certificate,
                    sha256: hex::encode(Sha256::digest(jws.as_bytes())),
                    receipt: None,
                });
            }
            Entry::ContractorReceipt { receipt, .. } => {
                for r in out.iter_mut() {
                    if r.certificate.certificate_id == receipt.certificate_id {
                        r.receipt = Some(receipt.clone());
                    }
                }
            }
            Entry::KeyEvent { .. } => {}
        }
    }
    Ok(out)
}

/// Search filters of `kiyome cert list`; every set field must match.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Performed on or after (JST date).
    pub from: Option<NaiveDate>,
    /// Performed on or before (JST date).
    pub to: Option<NaiveDate>,
    /// Disposal class.
    pub class: Option<DisposalClass>,
    /// Method.
    pub method: Option<Method>,
    /// Serial number contains (case-insensitive).
    pub serial: Option<String>,
    /// Contractor name contains (case-insensitive).
    pub contractor: Option<String>,
    /// Record kind.
    pub kind: Option<RecordKind>,
}

impl Filter {
    /// Whether `r` matches.
    pub fn matches(&self, r: &Record) -> bool {
        let c = &r.certificate;
        let day = jst_date(c.sanitization.performed_at);
        let contains =
            |hay: &str, needle: &str| hay.to_lowercase().contains(&needle.to_lowercase());
        self.from.is_none_or(|d| day >= d)
            && self.to.is_none_or(|d| day <= d)
            && self.class.is_none_or(|k| c.disposal_class == k)
            && self.method.is_none_or(|m| c.sanitization.method == m)
            && self.kind.is_none_or(|k| c.record_kind == k)
            && self
                .serial
                .as_deref()
                .is_none_or(|s| contains(&c.media.serial_number, s))
            && self
                .contractor
                .as_deref()
                .is_none_or(|s| c.contractor.as_ref().is_some_and(|k| contains(&k.name, s)))
    }
}

/// The CSV export: UTF-8 with a byte-order mark, CRLF line ends (RFC 4180), bilingual
/// header. Cells starting with `= + - @` (or tab/CR) get a leading `'` so a spreadsheet does
/// not run them as formulas (CSV injection).
pub fn csv(records: &[Record], as_of: NaiveDate) -> Vec<u8> {
    let header = [
        "台帳番号 / Ledger seq",
        "証明書番号 / Certificate ID",
        "種別 / Record kind",
        "実施日 / Date performed (JST)",
        "区分 / Class",
        "方法 / Method",
        "方法種別 / Method type",
        "媒体 / Media type",
        "メーカー / Make",
        "型番 / Model",
        "製造番号 / Serial",
        "資産番号 / Property number",
        "実施者 / Performer",
        "委託先 / Contractor",
        "委託先証明書 / Contractor certificate",
        "提出期限 / Due",
        "状況 / Status",
        "証明書ハッシュ / Certificate SHA-256",
    ];
    let mut out = vec![0xEF, 0xBB, 0xBF];
    push_row(&mut out, header.iter().map(|s| s.to_string()));
    for r in records {
        let c = &r.certificate;
        let k = c.contractor.as_ref();
        let reference = r
            .receipt
            .as_ref()
            .map(|x| x.reference.clone())
            .or_else(|| k.and_then(|k| k.certificate_reference.clone()))
            .unwrap_or_default();
        let status = if r.overdue(as_of) {
            "期限超過 / overdue"
        } else if r.contractor_certificate_pending() {
            "未提出 / pending"
        } else {
            "完了 / complete"
        };
        push_row(
            &mut out,
            [
                r.seq.to_string(),
                c.certificate_id.clone(),
                labels::record_kind(c.record_kind).to_string(),
                jst_date(c.sanitization.performed_at).to_string(),
                labels::class(c.disposal_class).to_string(),
                labels::method(c.sanitization.method).to_string(),
                format!("{:?}", c.sanitization.method_type),
                labels::media_type(c.media.media_type).to_string(),
                c.media.make.clone(),
                c.media.model.clone(),
                c.media.serial_number.clone(),
                c.media.property_number.clone().unwrap_or_default(),
                c.performer.name.clone(),
                k.map(|k| k.name.clone()).unwrap_or_default(),
                reference,
                k.and_then(|k| k.certificate_due)
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                status.to_string(),
                r.sha256.clone(),
            ]
            .into_iter(),
        );
    }
    out
}

fn push_row(out: &mut Vec<u8>, cells: impl Iterator<Item = String>) {
    let mut first = true;
    for cell in cells {
        if !first {
            out.push(b',');
        }
        first = false;
        let mut v = cell;
        if v.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            v.insert(0, '\'');
        }
        out.push(b'"');
        out.extend_from_slice(v.replace('"', "\"\"").as_bytes());
        out.push(b'"');
    }
    out.extend_from_slice(b"\r\n");
}
