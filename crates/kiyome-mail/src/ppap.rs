//! PPAP: password-protected zip attachments whose password arrives in a second mail.
//!
//! Such an attachment cannot be checked, so it is held: the rebuilt message says so, the
//! original message goes to the quarantine, and an operator who received the password can
//! release the attachment with `kiyome release MESSAGE-ID --password …`: [`decrypt_zip`]
//! opens it (ZipCrypto or WinZip AES) and every member then goes through the normal
//! sanitize pipeline.

use kiyome_core::{Ctx, Error, LimitKind};
use std::io::{Cursor, Read};

/// Whether `data` is a zip with at least one encrypted member: bit 0 of the general-purpose
/// flag in a central-directory (`PK\1\2`, offset 8) or local header (`PK\3\4`, offset 6)
/// (APPNOTE 4.4.4). Our own scan, independent of the archive handler.
pub fn is_encrypted_zip(data: &[u8]) -> bool {
    if !data.starts_with(b"PK\x03\x04") && !data.starts_with(b"PK\x05\x06") {
        return false;
    }
    let flag_at = |i: usize, off: usize| -> bool { data.get(i + off).is_some_and(|b| b & 1 == 1) };
    let mut i = 0;
    while i + 4 <= data.len() {
        match &data[i..i + 4] {
            b"PK\x01\x02" if flag_at(i, 8) => return true,
            b"PK\x03\x04" if flag_at(i, 6) => return true,
            _ => {}
        }
        i += 1;
    }
    false
}

/// One decrypted member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The member path as stored (shown only; never used as a file-system path).
    pub name: String,
    /// The decrypted, decompressed bytes.
    pub data: Vec<u8>,
}

/// Decrypts and unpacks an encrypted zip with `password`, under the limits of `ctx`.
/// A wrong password is an [`Error::Encrypted`]; directories are skipped.
pub fn decrypt_zip(data: &[u8], password: &[u8], ctx: &Ctx<'_>) -> Result<Vec<Member>, Error> {
    let mut zip =
        zip::ZipArchive::new(Cursor::new(data)).map_err(|e| Error::parse("zip", e.to_string()))?;
    let max_entries = ctx.limits().max_entries;
    if zip.len() as u64 > max_entries {
        return Err(Error::limit(
            LimitKind::Entries,
            zip.len() as u64,
            max_entries,
        ));
    }
    let mut out = Vec::new();
    for i in 0..zip.len() {
        ctx.budget.check_time()?;
        let f = zip.by_index_decrypt(i, password).map_err(|e| match e {
            zip::result::ZipError::InvalidPassword => Error::Encrypted {
                format: "zip",
                detail: "wrong password".into(),
            },
            other => Error::parse("zip", other.to_string()),
        })?;
        if f.is_dir() {
            continue;
        }
        let name = f.name().map(|n| n.into_owned()).unwrap_or_default();
        let compressed = f.compressed_size();
        let max = ctx.limits().max_stream_bytes;
        let mut buf = Vec::new();
        f.take(max + 1)
            .read_to_end(&mut buf)
            .map_err(|e| Error::Encrypted {
                format: "zip",
                detail: format!("member {i}: {e} (wrong password?)"),
            })?;
        ctx.limits().check_ratio(compressed, buf.len() as u64)?;
        ctx.budget.consume(buf.len() as u64)?;
        out.push(Member { name, data: buf });
    }
    Ok(out)
}

/// Builds an AES-256 encrypted zip (fixtures and tests).
pub fn encrypted_zip(members: &[(&str, &[u8])], password: &str) -> Vec<u8> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .with_aes_encryption(zip::AesMode::Aes256, password);
    for (name, data) in members {
        if w.start_file(*name, opts).is_ok() {
            let _ = w.write_all(data);
        }
    }
    w.finish().map(|c| c.into_inner()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiyome_core::{Budget, Limits, NoNesting};

    #[test]
    fn encrypted_zip_is_seen_and_opened_only_with_its_password() {
        let z = encrypted_zip(&[("見積書.txt", "金額: 100円".as_bytes())], "s3cret");
        assert!(is_encrypted_zip(&z));
        let budget = Budget::new(&Limits::default());
        let ctx = Ctx::new(&budget, &NoNesting);
        let m = decrypt_zip(&z, b"s3cret", &ctx).unwrap();
        assert_eq!(m[0].name, "見積書.txt");
        assert_eq!(m[0].data, "金額: 100円".as_bytes());
        let err = decrypt_zip(&z, b"wrong", &ctx).unwrap_err();
        assert_eq!(err.code(), "encrypted");
    }

    #[test]
    fn plain_zip_is_not_encrypted() {
        use std::io::Write;
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        w.start_file("a.txt", zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(b"hello").unwrap();
        let z = w.finish().unwrap().into_inner();
        assert!(!is_encrypted_zip(&z));
        assert!(!is_encrypted_zip(b"not a zip"));
    }
}
