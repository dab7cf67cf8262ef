//! uuencode blocks (`begin 644 name` … `end`) inside text bodies and x-uuencode parts.
//!
//! Old clients and some malware campaigns send attachments this way; a MIME-only scanner sees
//! plain text and lets the executable through. Every block becomes an attachment (and a
//! `mail.uuencode` finding) and is removed from the body text.

use kiyome_core::{Ctx, Error};

/// A decoded block: the file name from its `begin` line and the bytes.
pub type Block = (String, Vec<u8>);

/// Most uuencode blocks taken from one body.
const MAX_BLOCKS: usize = 64;

/// Splits `text` into the body without uuencode blocks and the decoded blocks
/// `(file name, bytes)`. A `begin` line without a matching `end` is decoded up to the end
/// of the text.
pub fn extract(text: &str, ctx: &Ctx<'_>) -> Result<(String, Vec<Block>), Error> {
    if !text.contains("begin ") {
        return Ok((text.to_string(), Vec::new()));
    }
    let mut body = String::with_capacity(text.len());
    let mut blocks = Vec::new();
    let mut current: Option<(String, Vec<u8>)> = None;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\r', '\n']);
        if let Some((_, data)) = current.as_mut() {
            // Mail gateways pad or strip trailing blanks; `end ` still ends the block.
            if bare.trim_end() == "end" {
                if let Some(done) = current.take() {
                    blocks.push(done);
                }
                continue;
            }
            if bare == "`" || bare.is_empty() {
                continue;
            }
            let decoded = decode_line(bare);
            ctx.budget.consume(decoded.len() as u64)?;
            data.extend_from_slice(&decoded);
            continue;
        }
        if let Some(name) = begin_line(bare) {
            if blocks.len() >= MAX_BLOCKS {
                return Err(Error::limit(
                    kiyome_core::LimitKind::Entries,
                    blocks.len() as u64 + 1,
                    MAX_BLOCKS as u64,
                ));
            }
            ctx.budget.check_time()?;
            current = Some((name, Vec::new()));
            continue;
        }
        body.push_str(line);
    }
    if let Some(unterminated) = current {
        blocks.push(unterminated);
    }
    Ok((body, blocks))
}

/// `begin MODE NAME` with an octal mode (also `begin-base64` is not uuencode and is left).
fn begin_line(line: &str) -> Option<String> {
    let rest = line.strip_prefix("begin ")?.trim_start_matches(' ');
    let (mode, name) = rest.split_once([' ', '\t'])?;
    if mode.len() < 3 || mode.len() > 4 || !mode.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return None;
    }
    Some(name.trim().to_string())
}

/// One uuencoded line: the first character gives the byte count, then groups of four
/// characters each carry three bytes (character - 32, six bits each; '`' stands for 0).
fn decode_line(line: &str) -> Vec<u8> {
    let bytes = line.as_bytes();
    let Some(&first) = bytes.first() else {
        return Vec::new();
    };
    let count = (first.wrapping_sub(32) & 0x3F) as usize;
    let mut out = Vec::with_capacity(count);
    let six = |c: u8| c.wrapping_sub(32) & 0x3F;
    for chunk in bytes[1..].chunks(4) {
        let mut q = [0u8; 4];
        for (i, c) in chunk.iter().enumerate() {
            q[i] = six(*c);
        }
        out.push((q[0] << 2) | (q[1] >> 4));
        out.push((q[1] << 4) | (q[2] >> 2));
        out.push((q[2] << 6) | q[3]);
    }
    out.truncate(count);
    out
}

/// Encodes bytes as uuencode lines (used by tests and fixtures).
pub fn encode(name: &str, data: &[u8]) -> String {
    let enc = |v: u8| if v == 0 { b'`' } else { v + 32 };
    let mut s = format!("begin 644 {name}\n");
    for chunk in data.chunks(45) {
        let mut line = vec![enc(chunk.len() as u8)];
        for g in chunk.chunks(3) {
            let b = [g[0], *g.get(1).unwrap_or(&0), *g.get(2).unwrap_or(&0)];
            line.push(enc(b[0] >> 2));
            line.push(enc(((b[0] & 3) << 4) | (b[1] >> 4)));
            line.push(enc(((b[1] & 0xF) << 2) | (b[2] >> 6)));
            line.push(enc(b[2] & 0x3F));
        }
        s.push_str(&String::from_utf8_lossy(&line));
        s.push('\n');
    }
    s.push_str("`\nend\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiyome_core::{Budget, Limits, NoNesting};

    #[test]
    fn uuencode_block_is_cut_out_of_the_body_and_decoded() {
        let payload: Vec<u8> = (0u8..=255).cycle().take(1000).collect();
        let text = format!("hello\n{}bye\n", encode("evil.exe", &payload));
        let budget = Budget::new(&Limits::default());
        let ctx = Ctx::new(&budget, &NoNesting);
        let (body, blocks) = extract(&text, &ctx).unwrap();
        assert_eq!(body, "hello\nbye\n");
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].0, "evil.exe");
        assert_eq!(blocks[0].1, payload);
    }

    #[test]
    fn crlf_lines_padded_end_and_extra_spaces_in_begin_still_decode() {
        let payload = b"MZ\x90\x00 a small program".to_vec();
        let block = encode("prog.exe", &payload)
            .replace("begin 644 ", "begin  0755\t")
            .replace("\nend\n", "\nend  \n")
            .replace('\n', "\r\n");
        let budget = Budget::new(&Limits::default());
        let ctx = Ctx::new(&budget, &NoNesting);
        let (body, blocks) = extract(&format!("{block}after\r\n"), &ctx).unwrap();
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].0, "prog.exe");
        assert_eq!(blocks[0].1, payload);
        // The padded `end` closed the block: what follows is body text again.
        assert_eq!(body, "after\r\n");
    }

    #[test]
    fn prose_mentioning_begin_is_not_a_block() {
        let budget = Budget::new(&Limits::default());
        let ctx = Ctx::new(&budget, &NoNesting);
        let (body, blocks) = extract("we begin 10 minutes late\n", &ctx).unwrap();
        assert!(blocks.is_empty());
        assert_eq!(body, "we begin 10 minutes late\n");
    }
}
