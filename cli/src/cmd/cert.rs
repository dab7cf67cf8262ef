//! `kiyome cert …`: signing keys, issuing, verifying, showing and rendering certificates, and
//! the disposal register (list, overdue, CSV export, contractor-certificate receipts).

use crate::Outcome;
use anyhow::{Context, bail};
use chrono::NaiveDate;
use kiyome_cert::bundle::{Bundle, verify_bundle, verify_bundle_with_ledger};
use kiyome_cert::jws::PublicKeys;
use kiyome_cert::keyring::KeyRing;
use kiyome_cert::ledger::{ContractorReceipt, Entry, Ledger};
use kiyome_cert::model::{Certificate, DisposalClass, Evidence, Method, RecordKind, Timestamp};
use kiyome_cert::{issue, pdf, register, view};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

#[path = "cert_erasure.rs"]
pub mod erasure;

/// Arguments of `kiyome cert`.
#[derive(clap::Args)]
pub struct Args {
    /// The key store (for `issue --from-erasure`, `issue --pending` and `pending`).
    #[command(flatten)]
    store: crate::cmd::keys::StoreArg,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(clap::Subcommand)]
enum Cmd {
    /// Manage the organisation's signing keys (署名鍵).
    #[command(subcommand)]
    Key(KeyCmd),
    /// Print a request template to fill in for `cert issue`.
    Template {
        /// A crypto-erase template instead of a media-disposal one.
        #[arg(long)]
        crypto_erase: bool,
    },
    /// Validate, sign and record a certificate from a request file (JSON), or, with
    /// `--from-erasure KEY` / `--pending`, from the evidence of crypto-erasures in the key store.
    Issue {
        /// The request (see `kiyome cert template`).
        #[arg(required_unless_present_any = ["from_erasure", "pending"])]
        request: Option<PathBuf>,
        /// Certify the completed erasure of this key (label or id) from the store's evidence,
        /// e.g. one executed without certification or completed by crash recovery.
        #[arg(long, conflicts_with_all = ["request", "pending", "out", "evidence"])]
        from_erasure: Option<String>,
        /// Certify every erasure awaiting a certificate (see `kiyome cert pending`).
        #[arg(long, conflicts_with_all = ["request", "out", "evidence"])]
        pending: bool,
        /// Profile for erasure certificates (default: the one recorded by `kiyome erase init`).
        #[arg(long)]
        profile: Option<PathBuf>,
        /// Key ring directory (erasures: default from `kiyome erase init`).
        #[arg(long, required_unless_present_any = ["from_erasure", "pending"])]
        keys: Option<PathBuf>,
        /// Ledger directory, created if missing (erasures: default from `kiyome erase init`).
        #[arg(long, required_unless_present_any = ["from_erasure", "pending"])]
        ledger: Option<PathBuf>,
        /// Where to write the certificate file.
        #[arg(long, required_unless_present_any = ["from_erasure", "pending"])]
        out: Option<PathBuf>,
        /// Directory for erasure certificate files (default from `kiyome erase init`).
        #[arg(long)]
        cert_dir: Option<PathBuf>,
        /// Photo or document to keep as evidence (repeatable).
        #[arg(long)]
        evidence: Vec<PathBuf>,
        /// Evidence store directory (default: LEDGER/evidence).
        #[arg(long)]
        evidence_store: Option<PathBuf>,
    },
    /// Crypto-erasures completed without a certificate (pending certification).
    Pending {
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Verify a certificate offline with the organisation's public keys.
    Verify(ReadArgs),
    /// Show a verified certificate in the terminal (bilingual).
    Show(ReadArgs),
    /// Render a verified certificate as a printable bilingual PDF.
    Render {
        #[command(flatten)]
        read: ReadArgs,
        /// Output PDF.
        #[arg(long)]
        pdf: PathBuf,
    },
    /// List the register, with search filters.
    List {
        #[command(flatten)]
        filter: FilterArgs,
    },
    /// Contractor certificates past their submission deadline.
    Overdue {
        /// Ledger directory.
        #[arg(long)]
        ledger: PathBuf,
        /// Reference date (default: today, JST).
        #[arg(long)]
        as_of: Option<NaiveDate>,
    },
    /// Export the register as CSV (UTF-8 with BOM) for audits.
    Export {
        #[command(flatten)]
        filter: FilterArgs,
        /// Output CSV file.
        #[arg(long)]
        csv: PathBuf,
    },
    /// Record receipt of the contractor's certificate for an earlier certificate.
    Receive {
        /// The kiyome certificate id it completes.
        certificate_id: String,
        /// The contractor's certificate reference.
        #[arg(long)]
        reference: String,
        /// Date received (default: today, JST).
        #[arg(long)]
        date: Option<NaiveDate>,
        /// Scan of the contractor's certificate (repeatable).
        #[arg(long)]
        evidence: Vec<PathBuf>,
        /// Key ring directory.
        #[arg(long)]
        keys: PathBuf,
        /// Ledger directory.
        #[arg(long)]
        ledger: PathBuf,
    },
}

#[derive(clap::Subcommand)]
enum KeyCmd {
    /// Create a key ring with its first key.
    Generate {
        /// Key ring directory.
        #[arg(long)]
        keys: PathBuf,
    },
    /// Retire the active key and make a new one (old keys keep verifying).
    Rotate {
        /// Key ring directory.
        #[arg(long)]
        keys: PathBuf,
    },
    /// List keys.
    List {
        /// Key ring directory.
        #[arg(long)]
        keys: PathBuf,
    },
    /// Export every public key as a JWK Set (publish this for verifiers).
    ExportPublic {
        /// Key ring directory.
        #[arg(long)]
        keys: PathBuf,
        /// Write to a file instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(clap::Args)]
struct ReadArgs {
    /// Certificate file.
    cert: PathBuf,
    /// Public keys: a JWK Set / JWK file, or a key ring directory.
    #[arg(long)]
    keys: PathBuf,
    /// Also check the certificate against this ledger directory.
    #[arg(long)]
    ledger: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
struct FilterArgs {
    /// Ledger directory.
    #[arg(long)]
    ledger: PathBuf,
    /// Performed on or after (YYYY-MM-DD, JST).
    #[arg(long)]
    from: Option<NaiveDate>,
    /// Performed on or before (YYYY-MM-DD, JST).
    #[arg(long)]
    to: Option<NaiveDate>,
    /// Disposal class: 1, 2 or 3.
    #[arg(long)]
    class: Option<u8>,
    /// Method, e.g. physical_destruction, cryptographic_erase.
    #[arg(long)]
    method: Option<String>,
    /// Serial number contains.
    #[arg(long)]
    serial: Option<String>,
    /// Contractor name contains.
    #[arg(long)]
    contractor: Option<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Runs `kiyome cert`.
pub fn run(args: Args) -> anyhow::Result<Outcome> {
    match args.cmd {
        Cmd::Key(k) => key(k),
        Cmd::Template { crypto_erase } => {
            println!("{}", serde_json::to_string_pretty(&template(crypto_erase))?);
            Ok(Outcome::Clean)
        }
        Cmd::Issue {
            from_erasure,
            pending,
            profile,
            keys,
            ledger,
            cert_dir,
            ..
        } if from_erasure.is_some() || pending => {
            let mut store = args.store.open()?;
            let stored = erasure::Settings::of(&store)?;
            let settings = erasure::Settings {
                profile: match (&profile, &stored) {
                    (Some(p), _) => erasure::read_profile(p)?,
                    (None, Some(s)) => s.profile.clone(),
                    (None, None) => bail!(
                        "no certificate profile: pass --profile FILE or record one with `kiyome erase init`"
                    ),
                },
                cert_keys: pick(keys, stored.as_ref().map(|s| &s.cert_keys), "--keys")?,
                ledger: pick(ledger, stored.as_ref().map(|s| &s.ledger), "--ledger")?,
                cert_dir: pick(cert_dir, stored.as_ref().map(|s| &s.cert_dir), "--cert-dir")?,
            };
            let todo = erasure::select(&store, from_erasure.as_deref())?;
            if todo.is_empty() {
                eprintln!("no erasure awaits a certificate");
                return Ok(Outcome::Clean);
            }
            let ok = erasure::certify(&settings, &mut store, &todo)?;
            Ok(if ok { Outcome::Clean } else { Outcome::Flagged })
        }
        Cmd::Issue {
            request,
            keys,
            ledger,
            out,
            evidence,
            evidence_store,
            ..
        } => {
            let (Some(request), Some(keys), Some(ledger), Some(out)) = (request, keys, ledger, out)
            else {
                bail!("cert issue needs REQUEST --keys --ledger --out (or --from-erasure KEY)")
            };
            let store = evidence_store.unwrap_or_else(|| ledger.join("evidence"));
            let mut req: Value = serde_json::from_slice(
                &std::fs::read(&request)
                    .with_context(|| format!("cannot read {}", request.display()))?,
            )
            .context("request is not JSON")?;
            let ev = store_evidence(&store, &evidence)?;
            if let Some(obj) = req.as_object_mut() {
                let list = obj.entry("evidence").or_insert_with(|| json!([]));
                if let Some(a) = list.as_array_mut() {
                    a.extend(ev.iter().map(|e| json!(e)));
                }
            }
            let cert = complete_request(req)?;
            let ring = KeyRing::open(&keys)?;
            let signed = issue_and_record(cert, &ring, &ledger, &out)?;
            println!("{signed}");
            Ok(Outcome::Clean)
        }
        Cmd::Pending { json } => {
            let list = args.store.open()?.pending_certification()?;
            erasure::print_pending(&list, json)?;
            Ok(if list.is_empty() {
                Outcome::Clean
            } else {
                Outcome::Flagged
            })
        }
        Cmd::Verify(r) => {
            let vb = read_verified(&r)?;
            let c = &vb.certificate.certificate;
            if r.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&json!({
                        "verified": true, "certificate_id": c.certificate_id, "kid": vb.certificate.kid,
                        "sha256": vb.certificate.sha256(), "record_kind": c.record_kind,
                        "ledger": vb.position.as_ref().map(|(i, h)| json!({"log_id": i.log_id, "leaf_index": i.leaf_index, "tree_size": i.tree_size, "root_hash": h.head.root_hash})),
                    }))?
                );
            } else {
                println!(
                    "verified (検証成功): {} {} kid {}",
                    c.certificate_id,
                    vb.certificate.sha256(),
                    vb.certificate.kid
                );
                if let Some((i, _)) = &vb.position {
                    println!(
                        "ledger (台帳): entry {} of {} in {}",
                        i.leaf_index, i.tree_size, i.log_id
                    );
                }
            }
            Ok(Outcome::Clean)
        }
        Cmd::Show(r) => {
            let vb = read_verified(&r)?;
            if r.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&vb.certificate.certificate)?
                );
            } else {
                print!("{}", view::text(&vb));
            }
            Ok(Outcome::Clean)
        }
        Cmd::Render { read, pdf: out } => {
            let vb = read_verified(&read)?;
            let bytes = kiyome_cert::pdf::render(&vb, &pdf::load_font()?)?;
            crate::io::write_atomic(&out, &bytes)?;
            eprintln!("wrote {}", out.display());
            Ok(Outcome::Clean)
        }
        Cmd::List { filter } => {
            let rows = filtered(&filter)?;
            if filter.json {
                let v: Vec<Value> = rows.iter().map(|r| json!({"seq": r.seq, "sha256": r.sha256, "certificate": r.certificate, "contractor_receipt": r.receipt})).collect();
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                for r in &rows {
                    print_row(r);
                }
                eprintln!("{} certificate(s) / 件", rows.len());
            }
            Ok(Outcome::Clean)
        }
        Cmd::Overdue { ledger, as_of } => {
            let as_of = as_of.unwrap_or_else(|| register::jst_date(Timestamp::now()));
            let l = Ledger::open(&ledger)?;
            let rows: Vec<_> = register::records(&l)?
                .into_iter()
                .filter(|r| r.overdue(as_of))
                .collect();
            for r in &rows {
                let k = r.certificate.contractor.as_ref();
                println!(
                    "{}  {}  due {}  {}",
                    r.certificate.certificate_id,
                    k.map(|k| k.name.as_str()).unwrap_or(""),
                    k.and_then(|k| k.certificate_due)
                        .map(|d| d.to_string())
                        .unwrap_or_default(),
                    r.certificate.media.serial_number
                );
            }
            eprintln!(
                "{} overdue contractor certificate(s) / 提出期限超過 {} 件",
                rows.len(),
                rows.len()
            );
            Ok(if rows.is_empty() {
                Outcome::Clean
            } else {
                Outcome::Flagged
            })
        }
        Cmd::Export { filter, csv } => {
            let rows = filtered(&filter)?;
            let bytes = register::csv(&rows, register::jst_date(Timestamp::now()));
            crate::io::write_atomic(&csv, &bytes)?;
            eprintln!(
                "wrote {} ({} rows, UTF-8 with BOM)",
                csv.display(),
                rows.len()
            );
            Ok(Outcome::Clean)
        }
        Cmd::Receive {
            certificate_id,
            reference,
            date,
            evidence,
            keys,
            ledger,
        } => {
            let ring = KeyRing::open(&keys)?;
            let mut l = Ledger::open(&ledger)?;
            if !register::records(&l)?
                .iter()
                .any(|r| r.certificate.certificate_id == certificate_id)
            {
                bail!("no certificate {certificate_id} in the ledger (台帳に証明書がありません)");
            }
            let receipt = ContractorReceipt {
                certificate_id,
                reference,
                received_on: date.unwrap_or_else(|| register::jst_date(Timestamp::now())),
                evidence: store_evidence(&ledger.join("evidence"), &evidence)?,
            };
            let a = l.append(
                |seq| Entry::ContractorReceipt { seq, receipt },
                &ring.active()?,
                Timestamp::now(),
            )?;
            println!("recorded as ledger entry {}", a.seq);
            Ok(Outcome::Clean)
        }
    }
}

fn key(k: KeyCmd) -> anyhow::Result<Outcome> {
    match k {
        KeyCmd::Generate { keys } => {
            let r = KeyRing::create(&keys, Timestamp::now())?;
            println!("{}", r.active()?.kid());
        }
        KeyCmd::Rotate { keys } => println!("{}", KeyRing::open(&keys)?.rotate(Timestamp::now())?),
        KeyCmd::List { keys } => {
            for k in KeyRing::open(&keys)?.keys() {
                let state = match k.retired_at {
                    Some(t) => format!("retired {t}"),
                    None => "active".into(),
                };
                println!("{}  created {}  {state}", k.kid, k.created_at);
            }
        }
        KeyCmd::ExportPublic { keys, out } => {
            let s = serde_json::to_string_pretty(&KeyRing::open(&keys)?.jwk_set()?)? + "\n";
            match out {
                Some(p) => crate::io::write_atomic(&p, s.as_bytes())?,
                None => print!("{s}"),
            }
        }
    }
    Ok(Outcome::Clean)
}

/// Reads public keys from a JWK Set file or a key ring directory.
pub fn public_keys(path: &Path) -> anyhow::Result<PublicKeys> {
    if path.is_dir() {
        return Ok(KeyRing::open(path)?.public_keys()?);
    }
    Ok(PublicKeys::from_json(&std::fs::read(path).with_context(
        || format!("cannot read {}", path.display()),
    )?)?)
}

fn read_verified(r: &ReadArgs) -> anyhow::Result<kiyome_cert::bundle::VerifiedBundle> {
    let keys = public_keys(&r.keys)?;
    let bytes =
        std::fs::read(&r.cert).with_context(|| format!("cannot read {}", r.cert.display()))?;
    Ok(match &r.ledger {
        Some(dir) => verify_bundle_with_ledger(&bytes, &keys, dir)?,
        None => verify_bundle(&bytes, &keys)?,
    })
}

/// Fills in format, id and issue time, and the record kind, then parses the request.
pub fn complete_request(mut req: Value) -> anyhow::Result<Certificate> {
    let now = Timestamp::now();
    let Some(obj) = req.as_object_mut() else {
        bail!("the request must be a JSON object")
    };
    obj.insert("format".into(), json!(kiyome_cert::model::FORMAT));
    obj.insert("issued_at".into(), json!(now));
    if !obj.contains_key("certificate_id") {
        obj.insert("certificate_id".into(), json!(new_certificate_id()?));
    }
    if !obj.contains_key("record_kind") {
        let k = if obj.contains_key("crypto_erase") {
            "crypto_erase"
        } else {
            "sanitization"
        };
        obj.insert("record_kind".into(), json!(k));
    }
    if obj
        .get("evidence")
        .and_then(|e| e.as_array())
        .is_some_and(|a| a.is_empty())
    {
        obj.remove("evidence");
    }
    serde_json::from_value(req)
        .context("the request does not match the certificate model (see `kiyome cert template`)")
}

/// A fresh certificate id, `KYC-<JST date>-<8 random hex digits>`.
pub fn new_certificate_id() -> anyhow::Result<String> {
    let mut r = [0u8; 4];
    getrandom::fill(&mut r).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(format!(
        "KYC-{}-{}",
        register::jst_date(Timestamp::now()).format("%Y%m%d"),
        hex::encode(r)
    ))
}

/// An explicit option, else the store's setting, else an error naming the option.
fn pick(explicit: Option<PathBuf>, stored: Option<&PathBuf>, opt: &str) -> anyhow::Result<PathBuf> {
    explicit.or_else(|| stored.cloned()).with_context(|| {
        format!("pass {opt} or record the certification settings with `kiyome erase init`")
    })
}

/// Validates, signs, appends to the ledger and writes the certificate file. Returns a
/// one-line summary. Used by `cert issue` and by `erase execute`.
pub fn issue_and_record(
    cert: Certificate,
    ring: &KeyRing,
    ledger: &Path,
    out: &Path,
) -> anyhow::Result<String> {
    let outcome = issue::validate(cert)?;
    let key = ring.active()?;
    let signed = issue::sign(outcome.validated(), &key)?;
    let mut l = erasure::open_or_create(ledger)?;
    let jws = signed.jws.clone();
    let appended = l.append(
        |seq| Entry::Certificate { seq, jws },
        &key,
        Timestamp::now(),
    )?;
    let bundle = Bundle::new(&signed, l.log_id(), &appended);
    crate::io::write_atomic(out, &bundle.to_bytes()?)?;
    let c = &signed.certificate;
    let mut s = format!(
        "issued {} ({:?}) ledger entry {} sha256 {} -> {}",
        c.certificate_id,
        c.record_kind,
        appended.seq,
        signed.sha256(),
        out.display()
    );
    if let issue::Outcome::LogicalDeletion(_, why) = &outcome {
        s.push_str(
            "\nNOT a crypto-erase certificate: recorded as logical deletion (論理削除として記録):",
        );
        for v in why {
            s.push_str(&format!("\n  {v}"));
        }
    }
    Ok(s)
}

fn store_evidence(store: &Path, files: &[PathBuf]) -> anyhow::Result<Vec<Evidence>> {
    let mut out = Vec::new();
    for f in files {
        let data =
            std::fs::read(f).with_context(|| format!("cannot read evidence {}", f.display()))?;
        let sha = hex::encode(Sha256::digest(&data));
        let dest = store.join(&sha);
        if !dest.exists() {
            crate::io::write_atomic(&dest, &data)?;
        }
        out.push(Evidence {
            sha256: sha,
            file_name: f
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            description: None,
        });
    }
    Ok(out)
}

fn filtered(f: &FilterArgs) -> anyhow::Result<Vec<register::Record>> {
    let class = match f.class {
        None => None,
        Some(1) => Some(DisposalClass::Class1),
        Some(2) => Some(DisposalClass::Class2),
        Some(3) => Some(DisposalClass::Class3),
        Some(n) => bail!("class must be 1, 2 or 3, not {n}"),
    };
    let method: Option<Method> = match &f.method {
        None => None,
        Some(m) => {
            Some(serde_json::from_value(json!(m)).with_context(|| format!("unknown method {m}"))?)
        }
    };
    let filter = register::Filter {
        from: f.from,
        to: f.to,
        class,
        method,
        serial: f.serial.clone(),
        contractor: f.contractor.clone(),
        kind: None,
    };
    let l = Ledger::open(&f.ledger)?;
    Ok(register::records(&l)?
        .into_iter()
        .filter(|r| filter.matches(r))
        .collect())
}

fn print_row(r: &register::Record) {
    let c = &r.certificate;
    let kind = match c.record_kind {
        RecordKind::Sanitization => "sanitization",
        RecordKind::CryptoErase => "crypto-erase",
        RecordKind::LogicalDeletion => "LOGICAL-DELETION",
    };
    println!(
        "{:>5}  {}  {}  {}  {:?}  {:?}  {}  {}",
        r.seq,
        c.certificate_id,
        register::jst_date(c.sanitization.performed_at),
        kind,
        c.disposal_class,
        c.sanitization.method,
        c.media.serial_number,
        c.contractor
            .as_ref()
            .map(|k| k.name.as_str())
            .unwrap_or("-")
    );
}

fn template(crypto: bool) -> Value {
    let mut v = json!({
        "disposal_class": "class2",
        "issuer": {"organisation": "○○市", "department": "総務部情報政策課"},
        "performer": {"name": "山田 太郎", "title": "主任", "organisation": "○○市 情報政策課", "location": "○○市役所 本庁舎3階", "phone": "000-000-0000"},
        "media": {"make": "Example", "model": "HDD-1000", "serial_number": "SN0001", "property_number": "R07-0001",
                  "media_type": "hdd", "source": "PC-123", "classification": "機密性2", "backed_up": "no"},
        "sanitization": {"method_type": "destruct", "method": "physical_destruction", "method_used": "破砕 / shredding",
                         "verification_method": "目視確認 / visual inspection", "post_classification": "なし / unclassified",
                         "performed_at": Timestamp::now()},
        "destination": {"kind": "disposed"},
        "attestation": {"statement": "上記のとおりデータを消去したことを証明します。 I attest that the sanitization described above was performed.",
                        "date": register::jst_date(Timestamp::now())},
        "validation": {"person": {"name": "佐藤 花子", "title": "係長", "organisation": "○○市 情報政策課"}, "date": register::jst_date(Timestamp::now())},
        "witness": {"name": "鈴木 一郎", "title": "主事", "organisation": "○○市 情報政策課"},
        "contractor": {"name": "株式会社○○リサイクル", "certificate_due": register::jst_date(Timestamp::now())},
    });
    if crypto {
        v["media"]["media_type"] = json!("virtual");
        v["sanitization"] = json!({"method_type": "purge", "method": "cryptographic_erase", "method_used": "鍵の破棄 / key destruction",
            "verification_method": "鍵ストアで鍵の不在を確認 / key absent from store", "post_classification": "なし / unclassified",
            "tool": "kiyome", "tool_version": env!("CARGO_PKG_VERSION"), "performed_at": Timestamp::now()});
        v["crypto_erase"] = json!({"key_id": "k-0001", "algorithm": "AES-256-GCM", "strength_bits": 256,
            "key_created_at": Timestamp::now(), "key_first_use_at": Timestamp::now(), "data_first_written_at": Timestamp::now(),
            "key_destroyed_at": Timestamp::now(), "root_custody": "file:/path/to/root.key",
            "containers": [{"id": "c-0001", "sha256": "0".repeat(64)}], "earlier_copies_useless_from": Timestamp::now(),
            "requester": "山田 太郎", "approver": "佐藤 花子", "ever_exported": false});
        if let Some(o) = v.as_object_mut() {
            o.remove("contractor");
        }
    }
    v
}
