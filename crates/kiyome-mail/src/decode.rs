//! Small decoding helpers: HTML bytes of unknown charset.

use encoding_rs::Encoding;

/// Decodes HTML bytes: BOM first, then a `<meta charset>` / `http-equiv` declaration in the
/// first 4 KiB, then kiyome's Japanese-first detection.
pub fn html_bytes(data: &[u8]) -> String {
    if let Some((enc, bom)) = Encoding::for_bom(data) {
        let (s, _) = enc.decode_without_bom_handling(&data[bom..]);
        return s.into_owned();
    }
    let head = String::from_utf8_lossy(&data[..data.len().min(4096)]).to_ascii_lowercase();
    if let Some(pos) = head.find("charset=") {
        let rest = &head[pos + 8..];
        let label: String = rest
            .trim_start_matches(['"', '\''])
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
            .collect();
        if let Some(enc) = Encoding::for_label(label.as_bytes()) {
            let (s, _) = enc.decode_without_bom_handling(data);
            return s.into_owned();
        }
    }
    kiyome_core::charset::decode_guess(data).0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_charset_shift_jis_is_honoured() {
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode("<meta charset=\"shift_jis\">①㈱テスト");
        assert!(html_bytes(&sjis).contains("①㈱テスト"));
    }
}
