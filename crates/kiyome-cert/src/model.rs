//! The certificate model: NIST SP 800-88 Rev.1 Appendix G fields plus those of the MIC
//! local-government guideline (disposal class, methods ①–⑤, witness, contractor, evidence,
//! lease), and the crypto-erase section. Every type serialises to the canonical-JSON subset
//! of [`crate::jcs`] (strings, integers, booleans; no floats). Absent optionals are omitted,
//! never `null`.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Value of [`Certificate::format`].
pub const FORMAT: &str = "kiyome-erasure-certificate/1";

/// A UTC instant written as `YYYY-MM-DDTHH:MM:SSZ` (RFC 3339, whole seconds): one spelling per
/// instant, as canonical JSON requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub DateTime<Utc>);

impl Timestamp {
    /// The current time, truncated to whole seconds.
    pub fn now() -> Self {
        Self::from_unix(Utc::now().timestamp()).unwrap_or(Timestamp(DateTime::UNIX_EPOCH))
    }
    /// From Unix seconds.
    pub fn from_unix(secs: i64) -> Option<Self> {
        DateTime::from_timestamp(secs, 0).map(Timestamp)
    }
    /// Parses the exact `YYYY-MM-DDTHH:MM:SSZ` form.
    pub fn parse(s: &str) -> Option<Self> {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%SZ")
            .ok()
            .map(|n| Timestamp(n.and_utc()))
            .filter(|t| t.to_string() == s)
    }
}

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%dT%H:%M:%SZ"))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Timestamp::parse(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("{s:?} is not YYYY-MM-DDTHH:MM:SSZ")))
    }
}

/// The whole certificate (the JWS payload).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Certificate {
    /// Always [`FORMAT`].
    pub format: String,
    /// Unique id, e.g. `KYC-20261122-4f1c9a0b`.
    pub certificate_id: String,
    /// What this record attests.
    pub record_kind: RecordKind,
    /// When it was signed.
    pub issued_at: Timestamp,
    /// The organisation issuing it (the signing key's owner).
    pub issuer: Issuer,
    /// The guideline's disposal class of the data that was on the media.
    pub disposal_class: DisposalClass,
    /// Person performing sanitization (SP 800-88 App. G).
    pub performer: Person,
    /// Media information (SP 800-88 App. G).
    pub media: Media,
    /// Sanitization details (SP 800-88 App. G).
    pub sanitization: Sanitization,
    /// Media destination (SP 800-88 App. G).
    pub destination: Destination,
    /// The performer's attestation (SP 800-88 App. G "Signature").
    pub attestation: Attestation,
    /// Validation by a second person (SP 800-88 App. G).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation: Option<Validation>,
    /// 立会者: the staff member who witnessed the disposal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub witness: Option<Witness>,
    /// The disposal contractor (委託先), when one did the work.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contractor: Option<Contractor>,
    /// The lease contract, for leased equipment returned to the lessor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease: Option<Lease>,
    /// Photos and documents, by SHA-256 (the files live in the evidence store).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
    /// Cryptographic-erase details (kiyome's own key destruction).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crypto_erase: Option<CryptoErase>,
    /// Why a crypto-erase could only be recorded as a logical deletion.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub logical_deletion_reasons: Vec<String>,
}

/// What a record attests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// Sanitization of media (destruction, degaussing, overwrite, block erase, SED erase…).
    Sanitization,
    /// Cryptographic erase of kiyome containers by destroying their key.
    CryptoErase,
    /// An honest record that data was deleted logically only; NOT a sanitization certificate.
    LogicalDeletion,
}

/// The issuing organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Issuer {
    /// Organisation, e.g. `○○市`.
    pub organisation: String,
    /// Department, e.g. `総務部情報政策課`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
}

/// Disposal class of the guideline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisposalClass {
    /// (1) マイナンバー利用事務系 / resident information.
    Class1,
    /// (2) 機密性2以上.
    Class2,
    /// (3) 機密性1.
    Class3,
}

/// A person (SP 800-88 App. G: name, title, organisation, location, phone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    /// Name.
    pub name: String,
    /// Title.
    pub title: String,
    /// Organisation.
    pub organisation: String,
    /// Location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// Kind of media, as far as the sanitization rules care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaType {
    /// Magnetic hard disk.
    Hdd,
    /// Solid-state drive.
    Ssd,
    /// USB memory, SD card and other flash memory.
    Flash,
    /// Smartphone, tablet and other devices with built-in flash.
    MobileDevice,
    /// Magnetic tape (LTO…), floppy disks.
    MagneticTape,
    /// CD/DVD/BD.
    Optical,
    /// Paper.
    Paper,
    /// A logical volume or kiyome container (no physical medium of its own).
    Virtual,
    /// Anything else.
    Other,
}

impl MediaType {
    /// Every media type, for exhaustive tests and help texts.
    pub const ALL: [MediaType; 9] = [
        MediaType::Hdd,
        MediaType::Ssd,
        MediaType::Flash,
        MediaType::MobileDevice,
        MediaType::MagneticTape,
        MediaType::Optical,
        MediaType::Paper,
        MediaType::Virtual,
        MediaType::Other,
    ];
}

/// Whether the data was backed up (SP 800-88 App. G).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackedUp {
    /// Yes.
    Yes,
    /// No.
    No,
    /// Unknown.
    Unknown,
}

/// Media information (SP 800-88 App. G).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Media {
    /// Make / vendor.
    pub make: String,
    /// Model.
    pub model: String,
    /// Serial number.
    pub serial_number: String,
    /// Property (asset) number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub property_number: Option<String>,
    /// Media type.
    pub media_type: MediaType,
    /// Source: the user or computer it came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Classification of the data before sanitization, e.g. `機密性2`.
    pub classification: String,
    /// Data backed up.
    pub backed_up: BackedUp,
    /// Backup location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_location: Option<String>,
}

/// SP 800-88 method type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MethodType {
    /// Clear.
    Clear,
    /// Purge.
    Purge,
    /// Destroy ("Destruct" on the App. G form).
    Destruct,
}

/// The guideline's disposal methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// ① 物理的な破壊.
    PhysicalDestruction,
    /// ② 磁気的な破壊 (degaussing).
    Degaussing,
    /// ③ OSからアクセスできない領域を含めた領域のデータ消去装置又はデータ消去ソフトウェアによる上書き消去.
    OverwriteAllAreas,
    /// ④ ブロック消去.
    BlockErase,
    /// ⑤ 暗号化消去.
    CryptographicErase,
    /// (class 3 only) OSからアクセス可能な全ての記憶領域の上書き消去.
    OverwriteOsAccessible,
    /// フォーマット: never an acceptable disposal; kept so that it can be refused by name.
    Formatting,
}

impl Method {
    /// Every method, for exhaustive tests.
    pub const ALL: [Method; 7] = [
        Method::PhysicalDestruction,
        Method::Degaussing,
        Method::OverwriteAllAreas,
        Method::BlockErase,
        Method::CryptographicErase,
        Method::OverwriteOsAccessible,
        Method::Formatting,
    ];
}

/// Sanitization details (SP 800-88 App. G).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sanitization {
    /// Clear / Purge / Destruct.
    pub method_type: MethodType,
    /// The guideline method.
    pub method: Method,
    /// Method used, in words (e.g. `ATA Sanitize Crypto Scramble`, `shredder`).
    pub method_used: String,
    /// Method details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method_details: Option<String>,
    /// Tool used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool: Option<String>,
    /// Tool version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_version: Option<String>,
    /// Verification method (full, quick sampling, visual inspection…).
    pub verification_method: String,
    /// Post-sanitization classification.
    pub post_classification: String,
    /// Notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Why an overwrite on flash media is acceptable here (required for overwrite on
    /// SSD/flash: wear levelling keeps copies the overwrite cannot reach).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flash_overwrite_justification: Option<String>,
    /// When the sanitization was performed.
    pub performed_at: Timestamp,
}

/// Where the media went (SP 800-88 App. G "Media Destination").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DestinationKind {
    /// Internal reuse.
    InternalReuse,
    /// External reuse.
    ExternalReuse,
    /// Recycling facility.
    RecyclingFacility,
    /// Manufacturer.
    Manufacturer,
    /// Returned to the lessor.
    ReturnedToLessor,
    /// Disposed of / destroyed.
    Disposed,
    /// Other (see details).
    Other,
}

/// Media destination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Destination {
    /// Kind of destination.
    pub kind: DestinationKind,
    /// Details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
}

/// The performer's attestation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attestation {
    /// The statement attested.
    pub statement: String,
    /// Date of the attestation.
    pub date: NaiveDate,
}

/// Validation by a second person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Validation {
    /// The validator.
    pub person: Person,
    /// Date of validation.
    pub date: NaiveDate,
}

/// 立会者.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Witness {
    /// Name.
    pub name: String,
    /// Title.
    pub title: String,
    /// Organisation.
    pub organisation: String,
}

/// The disposal contractor and the certificate it owes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contractor {
    /// Contractor's name.
    pub name: String,
    /// Contract or order number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_number: Option<String>,
    /// Reference of the contractor's own certificate, once received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_reference: Option<String>,
    /// Deadline for submitting the contractor's certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_due: Option<NaiveDate>,
}

/// Lease contract of leased equipment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lease {
    /// Contract number.
    pub contract_number: String,
    /// Lessor.
    pub lessor: String,
    /// Return date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_date: Option<NaiveDate>,
}

/// A photo or document kept in the evidence store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    /// SHA-256 of the file, lower-case hex (its name in the store).
    pub sha256: String,
    /// Original file name.
    pub file_name: String,
    /// What it shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A kiyome container covered by a crypto-erase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContainerRef {
    /// Container id. For kiyome containers: the SHA-256 of the container's 112-byte header
    /// (unique per container, because the header holds a random salt), lower-case hex.
    pub id: String,
    /// SHA-256 of the whole container file (header and every chunk, exactly as written),
    /// lower-case hex: `sha256sum FILE` of the container reproduces it.
    pub sha256: String,
    /// Length of the container file in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
}

/// Cryptographic-erase details; mirrors the erase engine's `ErasureEvidence`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CryptoErase {
    /// Key id in the key store.
    pub key_id: String,
    /// Key label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_label: Option<String>,
    /// Records series the key protected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series: Option<String>,
    /// Owner of the records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Algorithm, e.g. `AES-256-GCM`.
    pub algorithm: String,
    /// Key strength in bits.
    pub strength_bits: u32,
    /// When the key was created.
    pub key_created_at: Timestamp,
    /// When the key first encrypted data.
    pub key_first_use_at: Timestamp,
    /// When the data covered was first written (must not precede the key's first use).
    pub data_first_written_at: Timestamp,
    /// When the key was destroyed.
    pub key_destroyed_at: Timestamp,
    /// Root of the key hierarchy: `pkcs11:…` (token) or `file:…`.
    pub root_custody: String,
    /// Containers covered.
    pub containers: Vec<ContainerRef>,
    /// From when earlier copies of the key store (backups) became useless.
    pub earlier_copies_useless_from: Timestamp,
    /// Who requested the erasure.
    pub requester: String,
    /// Who approved it.
    pub approver: String,
    /// Signatures of the requester and approver over the erasure request, hex, as recorded
    /// by the key store.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approval_signatures: Vec<String>,
    /// Whether the key was ever exported from the store.
    pub ever_exported: bool,
}
