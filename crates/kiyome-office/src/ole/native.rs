//! OLE 1.0 structures shared by compound files and RTF: the `\x01Ole10Native` / Package
//! payload ([MS-OLEDS] 2.3.6 and the undocumented Packager format) and the OLE1
//! `ObjectHeader` found in RTF `\objdata` ([MS-OLEDS] 2.2.4 EmbeddedObject / LinkedObject).

/// A bounded little-endian reader over a byte slice: every read checks the length first.
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Reader { data, pos: 0 }
    }

    /// Current offset.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Takes `n` bytes.
    pub fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let s = self.data.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }

    /// Reads a `u16`.
    pub fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_le_bytes([b[0], b[1]]))
    }

    /// Reads a `u32`.
    pub fn u32(&mut self) -> Option<u32> {
        self.take(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// Reads a zero-terminated byte string of at most `max` bytes (without the terminator).
    pub fn cstr(&mut self, max: usize) -> Option<&'a [u8]> {
        let rest = self.data.get(self.pos..)?;
        let n = rest.iter().take(max + 1).position(|&b| b == 0)?;
        let s = &rest[..n];
        self.pos += n + 1;
        Some(s)
    }

    /// Bytes left.
    pub fn rest(&self) -> &'a [u8] {
        self.data.get(self.pos..).unwrap_or(&[])
    }
}

/// Lossy, bounded rendering of an 8-bit name (Packager names are in the system code page;
/// Shift_JIS is tried first because the users are Japanese).
pub fn ansi_name(b: &[u8]) -> String {
    let b = &b[..b.len().min(260)];
    if b.is_ascii() {
        return String::from_utf8_lossy(b).into_owned();
    }
    let (s, _, bad) = encoding_rs::SHIFT_JIS.decode(b);
    if !bad {
        return s.into_owned();
    }
    encoding_rs::WINDOWS_1252.decode(b).0.into_owned()
}

/// A file carried by an OLE Package object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package<'a> {
    /// The label / file name shown to the user.
    pub name: String,
    /// The source path the packager recorded.
    pub source: String,
    /// The file's bytes.
    pub data: &'a [u8],
}

/// Parses Packager native data. `with_size` is true for a `\x01Ole10Native` stream (which
/// starts with a 4-byte total size) and false for the native data of an OLE1 object.
pub fn parse_package(data: &[u8], with_size: bool) -> Option<Package<'_>> {
    let mut r = Reader::new(data);
    if with_size {
        r.u32()?;
    }
    let _flags = r.u16()?;
    let label = r.cstr(1024)?;
    let source = r.cstr(1024)?;
    // Two reserved/unknown 32-bit values (oletools reads them the same way), then the path
    // of the temporary copy Packager writes when the icon is double-clicked.
    r.u32()?;
    r.u32()?;
    let _temp = r.cstr(1024)?;
    let size = r.u32()? as usize;
    let body = r.take(size.min(r.rest().len()))?;
    let name = if label.is_empty() {
        base_name(&ansi_name(source))
    } else {
        base_name(&ansi_name(label))
    };
    Some(Package {
        name,
        source: ansi_name(source),
        data: body,
    })
}

/// The last path component of a Windows or Unix path.
pub fn base_name(p: &str) -> String {
    p.rsplit(['\\', '/']).next().unwrap_or(p).to_string()
}

/// An OLE1 object as stored in RTF `\objdata`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ole1Object<'a> {
    /// 1 = linked, 2 = embedded (other values are malformed).
    pub format_id: u32,
    /// ProgID of the server, e.g. `Package`, `Equation.3`, `Word.Document.8`, `OLE2Link`.
    pub class_name: String,
    /// For linked objects the topic (usually the linked file's path).
    pub topic: String,
    /// The native data of an embedded object.
    pub native: &'a [u8],
}

/// Parses an OLE1 `ObjectHeader` and what follows it.
pub fn parse_ole1(data: &[u8]) -> Option<Ole1Object<'_>> {
    let mut r = Reader::new(data);
    let _version = r.u32()?;
    let format_id = r.u32()?;
    let class_name = lp_string(&mut r)?;
    let mut topic = String::new();
    let mut native: &[u8] = &[];
    if format_id == 1 || format_id == 2 {
        topic = lp_string(&mut r).unwrap_or_default();
        let _item = lp_string(&mut r);
        if format_id == 2 {
            let size = r.u32().unwrap_or(0) as usize;
            let avail = r.rest().len();
            native = r.take(size.min(avail)).unwrap_or(&[]);
        }
    }
    Some(Ole1Object {
        format_id,
        class_name,
        topic,
        native,
    })
}

/// A `LengthPrefixedAnsiString` (length includes the terminating zero), bounded.
fn lp_string(r: &mut Reader<'_>) -> Option<String> {
    let len = r.u32()? as usize;
    if len > 4096 {
        return None;
    }
    let b = r.take(len)?;
    let b = b.split(|&c| c == 0).next().unwrap_or(b);
    Some(ansi_name(b))
}

/// The CFB signature.
pub const CFB_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

#[cfg(test)]
mod tests {
    use super::*;

    fn package_native(name: &str, body: &[u8]) -> Vec<u8> {
        let mut v = vec![2, 0];
        v.extend_from_slice(name.as_bytes());
        v.push(0);
        v.extend_from_slice(b"C:\\x\\");
        v.extend_from_slice(name.as_bytes());
        v.push(0);
        v.extend_from_slice(&[0, 0, 3, 0]);
        v.extend_from_slice(&8u32.to_le_bytes());
        v.extend_from_slice(b"C:\\t\\a\0");
        v.extend_from_slice(&(body.len() as u32).to_le_bytes());
        v.extend_from_slice(body);
        v
    }

    #[test]
    fn package_payload_yields_name_and_bytes() {
        let n = package_native("run.bat", b"@echo off");
        let p = parse_package(&n, false).unwrap();
        assert_eq!(p.name, "run.bat");
        assert_eq!(p.data, b"@echo off");
    }

    #[test]
    fn truncated_package_is_none_or_short_not_a_panic() {
        let n = package_native("run.bat", b"@echo off");
        for cut in 0..n.len() {
            let _ = parse_package(&n[..cut], false);
            let _ = parse_ole1(&n[..cut]);
        }
    }

    #[test]
    fn ole1_header_gives_class_name() {
        let mut v = Vec::new();
        v.extend_from_slice(&0x0501u32.to_le_bytes());
        v.extend_from_slice(&2u32.to_le_bytes());
        v.extend_from_slice(&11u32.to_le_bytes());
        v.extend_from_slice(b"Equation.3\0");
        v.extend_from_slice(&0u32.to_le_bytes());
        v.extend_from_slice(&0u32.to_le_bytes());
        v.extend_from_slice(&3u32.to_le_bytes());
        v.extend_from_slice(b"abc");
        let o = parse_ole1(&v).unwrap();
        assert_eq!(o.class_name, "Equation.3");
        assert_eq!(o.native, b"abc");
    }
}
