//! Outlook `.msg` files ([MS-OXMSG]): an OLE compound file with one stream per property.
//!
//! Read: subject (`0037`), plain body (`1000`), HTML body (`1013`), sender (`0C1A`/`5D01`/
//! `0C1F`), recipients (`__recip_version1.0_#…`, `3001`/`39FE`/`3003`, type `0C15`), ids
//! (`1035` Message-ID, `1042` In-Reply-To), the submit time (`0039` in the property stream),
//! and attachments (`__attach_version1.0_#…`: data `3701`, names `3707`/`3704`/`3001`, MIME tag
//! `370E`). An embedded message (`3701000D` storage) is converted to MIME and handed on as an
//! attached `.eml`, so it is sanitized recursively like any attached message. The RTF body
//! (`1009`) is an alternative rendering of the same text and is not carried over.

use crate::model::{Headers, Mail, Mailbox, Part, PartKind, safe_name};
use kiyome_core::{Ctx, Error, LimitKind};
use std::io::{Cursor, Read, Seek};
use std::path::{Path, PathBuf};

/// Most attachments or recipients read from one message.
const MAX_CHILDREN: usize = 1_000;

/// Parses an Outlook message.
pub fn parse(data: &[u8], ctx: &Ctx<'_>) -> Result<Mail, Error> {
    let mut cf = cfb::CompoundFile::open(Cursor::new(data))
        .map_err(|e| Error::parse("msg", format!("not a readable compound file: {e}")))?;
    if !cf.is_stream("/__properties_version1.0") && !cf.is_stream("/__substg1.0_0037001F") {
        return Err(Error::parse(
            "msg",
            "compound file without Outlook message properties",
        ));
    }
    read_message(&mut cf, Path::new("/"), ctx, 0)
}

fn read_message<F: Read + Seek>(
    cf: &mut cfb::CompoundFile<F>,
    root: &Path,
    ctx: &Ctx<'_>,
    level: u32,
) -> Result<Mail, Error> {
    ctx.budget.check_time()?;
    let mut mail = Mail::default();
    let top = level == 0;
    let h = &mut mail.headers;
    h.subject = string_prop(cf, root, "0037", ctx)?;
    let sender_name = string_prop(cf, root, "0C1A", ctx)?;
    let sender_addr = match string_prop(cf, root, "5D01", ctx)? {
        Some(a) => Some(a),
        None => string_prop(cf, root, "0C1F", ctx)?.filter(|a| a.contains('@')),
    };
    if sender_name.is_some() || sender_addr.is_some() {
        h.from.push(Mailbox {
            name: sender_name,
            addr: sender_addr,
        });
    }
    h.message_id = string_prop(cf, root, "1035", ctx)?.map(|s| strip_brackets(&s));
    h.in_reply_to = string_prop(cf, root, "1042", ctx)?
        .map(|s| vec![strip_brackets(&s)])
        .unwrap_or_default();
    h.date = submit_time(cf, root, if top { 32 } else { 24 }, ctx)?;
    read_recipients(cf, root, h, ctx)?;
    if let Some(body) = string_prop(cf, root, "1000", ctx)? {
        mail.parts
            .push(Part::body(PartKind::Text, "body (1000)".into(), body));
    }
    let html = match binary_prop(cf, root, "10130102", ctx)? {
        Some(b) => Some(crate::decode::html_bytes(&b)),
        None => string_prop(cf, root, "1013", ctx)?,
    };
    if let Some(html) = html {
        mail.parts
            .push(Part::body(PartKind::Html, "html body (1013)".into(), html));
    }
    read_attachments(cf, root, &mut mail, ctx, level)?;
    Ok(mail)
}

fn strip_brackets(s: &str) -> String {
    s.trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_string()
}

fn children(cf: &cfb::CompoundFile<impl Read + Seek>, root: &Path, prefix: &str) -> Vec<PathBuf> {
    match cf.read_storage(root) {
        Ok(entries) => entries
            .filter(|e| e.is_storage() && e.name().starts_with(prefix))
            .map(|e| e.path().to_path_buf())
            .take(MAX_CHILDREN + 1)
            .collect(),
        Err(_) => Vec::new(),
    }
}

fn read_recipients<F: Read + Seek>(
    cf: &mut cfb::CompoundFile<F>,
    root: &Path,
    h: &mut Headers,
    ctx: &Ctx<'_>,
) -> Result<(), Error> {
    let recips = children(cf, root, "__recip_version1.0_");
    if recips.len() > MAX_CHILDREN {
        return Err(Error::limit(
            LimitKind::Entries,
            recips.len() as u64,
            MAX_CHILDREN as u64,
        ));
    }
    for r in recips {
        let name = string_prop(cf, &r, "3001", ctx)?;
        let addr = match string_prop(cf, &r, "39FE", ctx)? {
            Some(a) => Some(a),
            None => string_prop(cf, &r, "3003", ctx)?.filter(|a| a.contains('@')),
        };
        let kind = u32_prop(cf, &r, 0x0C15_0003, 8, ctx)?.unwrap_or(1);
        let mb = Mailbox { name, addr };
        match kind {
            2 => h.cc.push(mb),
            3 => {} // Bcc: not carried into the rebuilt message
            _ => h.to.push(mb),
        }
    }
    Ok(())
}

fn read_attachments<F: Read + Seek>(
    cf: &mut cfb::CompoundFile<F>,
    root: &Path,
    mail: &mut Mail,
    ctx: &Ctx<'_>,
    level: u32,
) -> Result<(), Error> {
    let atts = children(cf, root, "__attach_version1.0_");
    if atts.len() > MAX_CHILDREN {
        return Err(Error::limit(
            LimitKind::Entries,
            atts.len() as u64,
            MAX_CHILDREN as u64,
        ));
    }
    for (i, a) in atts.iter().enumerate() {
        let location = format!("attachment {} ({})", i + 1, leaf(a));
        let raw_name = match string_prop(cf, a, "3707", ctx)? {
            Some(n) => Some(n),
            None => match string_prop(cf, a, "3704", ctx)? {
                Some(n) => Some(n),
                None => string_prop(cf, a, "3001", ctx)?,
            },
        };
        let mime = string_prop(cf, a, "370E", ctx)?.unwrap_or_default();
        let embedded = a.join("__substg1.0_3701000D");
        if cf.is_storage(&embedded) {
            // An attached Outlook message: parse it (one level deeper) and pass it on as MIME.
            let deeper = ctx.deeper()?;
            let inner = read_message(cf, &embedded, &deeper, level + 1)?;
            let eml = crate::build::raw_eml(&inner);
            let fallback = format!("attached-message-{}.eml", i + 1);
            let mut name = safe_name(raw_name.as_deref().unwrap_or(""), &fallback);
            if !name.to_ascii_lowercase().ends_with(".eml") {
                name.push_str(".eml");
            }
            mail.parts.push(Part::attachment(
                location,
                name,
                "message/rfc822".into(),
                eml,
            ));
            continue;
        }
        match binary_prop(cf, a, "37010102", ctx)? {
            Some(data) => {
                let fallback = format!("attachment-{}", i + 1);
                mail.parts.push(Part::attachment(
                    location,
                    safe_name(raw_name.as_deref().unwrap_or(""), &fallback),
                    mime.to_ascii_lowercase(),
                    data,
                ));
            }
            None => mail.malformed.push(format!(
                "{location}: attachment without data (link or OLE object)"
            )),
        }
    }
    Ok(())
}

fn leaf(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Reads a whole stream, bounded by the stream limit and the shared budget.
fn read_stream<F: Read + Seek>(
    cf: &mut cfb::CompoundFile<F>,
    path: &Path,
    ctx: &Ctx<'_>,
) -> Result<Option<Vec<u8>>, Error> {
    if !cf.is_stream(path) {
        return Ok(None);
    }
    let len = cf.entry(path).map(|e| e.len()).unwrap_or(0);
    let max = ctx.limits().max_stream_bytes;
    if len > max {
        return Err(Error::limit(LimitKind::StreamSize, len, max));
    }
    ctx.budget.consume(len)?;
    let mut s = cf
        .open_stream(path)
        .map_err(|e| Error::parse("msg", format!("stream {}: {e}", path.display())))?;
    let mut buf = Vec::with_capacity(len as usize);
    s.by_ref()
        .take(max)
        .read_to_end(&mut buf)
        .map_err(|e| Error::parse("msg", format!("stream {}: {e}", path.display())))?;
    Ok(Some(buf))
}

fn binary_prop<F: Read + Seek>(
    cf: &mut cfb::CompoundFile<F>,
    root: &Path,
    tag: &str,
    ctx: &Ctx<'_>,
) -> Result<Option<Vec<u8>>, Error> {
    read_stream(cf, &root.join(format!("__substg1.0_{tag}")), ctx)
}

/// A string property: Unicode (`001F`, UTF-16LE) preferred, else 8-bit (`001E`) decoded by
/// charset detection (Japanese Outlook writes CP932 there).
fn string_prop<F: Read + Seek>(
    cf: &mut cfb::CompoundFile<F>,
    root: &Path,
    id: &str,
    ctx: &Ctx<'_>,
) -> Result<Option<String>, Error> {
    if let Some(b) = binary_prop(cf, root, &format!("{id}001F"), ctx)? {
        let (s, _, _) = encoding_rs::UTF_16LE.decode(&b);
        return Ok(Some(s.trim_end_matches('\0').to_string()).filter(|s| !s.is_empty()));
    }
    if let Some(b) = binary_prop(cf, root, &format!("{id}001E"), ctx)? {
        let b: &[u8] = b.strip_suffix(&[0]).unwrap_or(&b);
        let (s, _) = kiyome_core::charset::decode_guess(b);
        return Ok(Some(s.trim_end_matches('\0').to_string()).filter(|s| !s.is_empty()));
    }
    Ok(None)
}

/// Finds a fixed-size property in `__properties_version1.0`: after a header of
/// `header` bytes come 16-byte entries (tag u32, flags u32, 8-byte value) ([MS-OXMSG] 2.4).
fn fixed_prop<F: Read + Seek>(
    cf: &mut cfb::CompoundFile<F>,
    root: &Path,
    tag: u32,
    header: usize,
    ctx: &Ctx<'_>,
) -> Result<Option<[u8; 8]>, Error> {
    let Some(props) = read_stream(cf, &root.join("__properties_version1.0"), ctx)? else {
        return Ok(None);
    };
    let body = props.get(header..).unwrap_or(&[]);
    for e in body.chunks_exact(16) {
        let t = u32::from_le_bytes([e[0], e[1], e[2], e[3]]);
        if t == tag {
            let mut v = [0u8; 8];
            v.copy_from_slice(&e[8..16]);
            return Ok(Some(v));
        }
    }
    Ok(None)
}

fn u32_prop<F: Read + Seek>(
    cf: &mut cfb::CompoundFile<F>,
    root: &Path,
    tag: u32,
    header: usize,
    ctx: &Ctx<'_>,
) -> Result<Option<u32>, Error> {
    Ok(fixed_prop(cf, root, tag, header, ctx)?
        .map(|v| u32::from_le_bytes([v[0], v[1], v[2], v[3]])))
}

/// PR_CLIENT_SUBMIT_TIME (0x0039, PT_SYSTIME: 100 ns ticks since 1601-01-01 UTC).
fn submit_time<F: Read + Seek>(
    cf: &mut cfb::CompoundFile<F>,
    root: &Path,
    header: usize,
    ctx: &Ctx<'_>,
) -> Result<Option<String>, Error> {
    let Some(v) = fixed_prop(cf, root, 0x0039_0040, header, ctx)? else {
        return Ok(None);
    };
    let ticks = u64::from_le_bytes(v);
    let secs = (ticks / 10_000_000) as i64 - 11_644_473_600;
    Ok(chrono::DateTime::from_timestamp(secs, 0).map(|d| d.to_rfc2822()))
}

#[cfg(test)]
pub(crate) fn test_msg(subject: &str, body: &str, attachments: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut cf = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
    let utf16 = |s: &str| -> Vec<u8> { s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect() };
    let put = |cf: &mut Cfb2, path: &str, data: &[u8]| {
        cf.create_stream(path).unwrap().write_all(data).unwrap();
    };
    type Cfb2 = cfb::CompoundFile<Cursor<Vec<u8>>>;
    put(&mut cf, "/__properties_version1.0", &[0u8; 32]);
    put(&mut cf, "/__substg1.0_0037001F", &utf16(subject));
    put(&mut cf, "/__substg1.0_1000001F", &utf16(body));
    for (i, (name, data)) in attachments.iter().enumerate() {
        let dir = format!("/__attach_version1.0_#{i:08X}");
        cf.create_storage(&dir).unwrap();
        put(
            &mut cf,
            &format!("{dir}/__substg1.0_3707001F"),
            &utf16(name),
        );
        put(&mut cf, &format!("{dir}/__substg1.0_37010102"), data);
    }
    cf.flush().unwrap();
    cf.into_inner().into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiyome_core::{Budget, Limits, NoNesting};

    #[test]
    fn outlook_message_properties_and_attachments_are_read() {
        let data = test_msg("会議の件①", "本文です", &[("資料.pdf", b"%PDF-1.4 x")]);
        let budget = Budget::new(&Limits::default());
        let ctx = Ctx::new(&budget, &NoNesting);
        let mail = parse(&data, &ctx).unwrap();
        assert_eq!(mail.headers.subject.as_deref(), Some("会議の件①"));
        assert_eq!(mail.parts[0].text, "本文です");
        assert_eq!(mail.parts[1].name, "資料.pdf");
        assert_eq!(mail.parts[1].data, b"%PDF-1.4 x");
    }

    #[test]
    fn a_compound_file_that_is_not_a_message_is_refused() {
        use std::io::Write;
        let mut cf = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
        cf.create_stream("/WordDocument")
            .unwrap()
            .write_all(b"x")
            .unwrap();
        cf.flush().unwrap();
        let data = cf.into_inner().into_inner();
        let budget = Budget::new(&Limits::default());
        let ctx = Ctx::new(&budget, &NoNesting);
        assert_eq!(parse(&data, &ctx).unwrap_err().code(), "parse.failed");
        assert_eq!(parse(b"not ole", &ctx).unwrap_err().code(), "parse.failed");
    }
}
