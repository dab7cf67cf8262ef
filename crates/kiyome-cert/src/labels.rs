//! Bilingual (Japanese / English) labels of the model's values, shared by the terminal view,
//! the PDF and the CSV export.

use crate::model::{
    BackedUp, DestinationKind, DisposalClass, MediaType, Method, MethodType, RecordKind,
};

/// Label of a disposal class.
pub fn class(c: DisposalClass) -> &'static str {
    match c {
        DisposalClass::Class1 => "(1) マイナンバー利用事務系・住民情報 / My Number & resident data",
        DisposalClass::Class2 => "(2) 機密性2以上 / confidentiality 2 and above",
        DisposalClass::Class3 => "(3) 機密性1 / confidentiality 1",
    }
}

/// Label of a guideline method.
pub fn method(m: Method) -> &'static str {
    match m {
        Method::PhysicalDestruction => "① 物理的な破壊 / physical destruction",
        Method::Degaussing => "② 磁気的な破壊 / degaussing",
        Method::OverwriteAllAreas => {
            "③ OSからアクセスできない領域を含む上書き消去 / overwrite incl. areas the OS cannot reach"
        }
        Method::BlockErase => "④ ブロック消去 / block erase",
        Method::CryptographicErase => "⑤ 暗号化消去 / cryptographic erase",
        Method::OverwriteOsAccessible => {
            "OSからアクセス可能な全領域の上書き消去 / overwrite of all OS-accessible areas"
        }
        Method::Formatting => "フォーマット / formatting",
    }
}

/// Label of an SP 800-88 method type.
pub fn method_type(m: MethodType) -> &'static str {
    match m {
        MethodType::Clear => "Clear (消去)",
        MethodType::Purge => "Purge (除去)",
        MethodType::Destruct => "Destruct (破壊)",
    }
}

/// Label of a media type.
pub fn media_type(m: MediaType) -> &'static str {
    match m {
        MediaType::Hdd => "HDD / hard disk",
        MediaType::Ssd => "SSD",
        MediaType::Flash => "フラッシュメモリ / flash memory",
        MediaType::MobileDevice => "モバイル端末 / mobile device",
        MediaType::MagneticTape => "磁気テープ / magnetic tape",
        MediaType::Optical => "光ディスク / optical disc",
        MediaType::Paper => "紙 / paper",
        MediaType::Virtual => "論理ボリューム・暗号化コンテナ / logical volume or container",
        MediaType::Other => "その他 / other",
    }
}

/// Label of the backed-up answer.
pub fn backed_up(b: BackedUp) -> &'static str {
    match b {
        BackedUp::Yes => "はい / yes",
        BackedUp::No => "いいえ / no",
        BackedUp::Unknown => "不明 / unknown",
    }
}

/// Label of a destination.
pub fn destination(d: DestinationKind) -> &'static str {
    match d {
        DestinationKind::InternalReuse => "内部再利用 / internal reuse",
        DestinationKind::ExternalReuse => "外部再利用 / external reuse",
        DestinationKind::RecyclingFacility => "リサイクル施設 / recycling facility",
        DestinationKind::Manufacturer => "製造元 / manufacturer",
        DestinationKind::ReturnedToLessor => "リース返却 / returned to lessor",
        DestinationKind::Disposed => "廃棄 / disposed of",
        DestinationKind::Other => "その他 / other",
    }
}

/// Title of a record.
pub fn record_kind(k: RecordKind) -> &'static str {
    match k {
        RecordKind::Sanitization => "データ消去完了証明書 / Certificate of Sanitization",
        RecordKind::CryptoErase => "暗号化消去完了証明書 / Certificate of Cryptographic Erase",
        RecordKind::LogicalDeletion => {
            "論理削除記録(消去証明ではありません) / Logical Deletion Record (not a sanitization certificate)"
        }
    }
}
