//! A bounded walk over TIFF image file directories (IFDs), as found in TIFF files and in EXIF
//! blocks of JPEG (APP1), PNG (eXIf), WebP (EXIF chunk) and HEIF/JXL items.
//!
//! Only what matters for hidden information is collected: whether a GPS IFD exists, camera
//! make/model, personal fields (Artist, Copyright, owner and serial numbers, Windows XP tags),
//! maker notes, thumbnails (IFD1 in EXIF) and the XMP/IPTC/ICC blocks TIFF can embed. Offsets are
//! checked against the block; IFDs already visited are skipped (offset cycles are an attack on
//! naive readers); the number of IFDs and entries is capped.

use kiyome_core::{Finding, Inspection, Severity};
use std::collections::HashSet;

/// Most IFDs followed in one TIFF structure.
const MAX_IFDS: usize = 256;
/// Most directory entries read in one TIFF structure.
const MAX_ENTRIES: usize = 20_000;

/// What a TIFF structure carries.
#[derive(Debug, Default, Clone)]
pub struct TiffInfo {
    /// IFDs read.
    pub ifds: usize,
    /// Entries read.
    pub entries: usize,
    /// A GPS IFD with this many entries exists.
    pub gps_entries: Option<usize>,
    /// The GPS IFD holds latitude or longitude.
    pub gps_coordinates: bool,
    /// Camera make/model present.
    pub camera: bool,
    /// Names of personal fields present (Artist, Copyright…).
    pub personal: Vec<&'static str>,
    /// A MakerNote tag is present.
    pub maker_note: bool,
    /// Comment tags with text in them (EXIF UserComment, Windows XPComment).
    pub comments: Vec<&'static str>,
    /// An EXIF thumbnail (IFD1 with JPEGInterchangeFormat or strips) is present.
    pub thumbnail: bool,
    /// An EXIF sub-IFD (tag 34665) exists.
    pub exif_ifd: bool,
    /// Tag 700 (XMP) present.
    pub xmp: bool,
    /// Tag 33723 (IPTC) present.
    pub iptc: bool,
    /// Tag 34675 (ICC profile) present.
    pub icc: bool,
    /// EXIF orientation (tag 274) if present.
    pub orientation: Option<u16>,
    /// Pages (top-level IFD chain length) for TIFF files.
    pub pages: usize,
    /// Image dimensions per top-level IFD (width, height).
    pub dims: Vec<(u64, u64)>,
    /// Structural problems met (bad offsets, cycles, truncation).
    pub problems: Vec<String>,
}

#[derive(Clone, Copy)]
struct Rd<'a> {
    d: &'a [u8],
    le: bool,
}

impl Rd<'_> {
    fn u16(&self, off: usize) -> Option<u16> {
        let b = self.d.get(off..off.checked_add(2)?)?;
        Some(if self.le {
            u16::from_le_bytes([b[0], b[1]])
        } else {
            u16::from_be_bytes([b[0], b[1]])
        })
    }
    fn u32(&self, off: usize) -> Option<u32> {
        let b = self.d.get(off..off.checked_add(4)?)?;
        let a = [b[0], b[1], b[2], b[3]];
        Some(if self.le {
            u32::from_le_bytes(a)
        } else {
            u32::from_be_bytes(a)
        })
    }
}

/// Whether `d` starts with a classic TIFF header.
pub fn is_tiff_header(d: &[u8]) -> bool {
    d.starts_with(b"II*\0") || d.starts_with(b"MM\0*")
}

#[derive(Clone, Copy, PartialEq)]
enum IfdRole {
    /// A top-level IFD of a TIFF file (a page) or IFD0 of EXIF.
    Main,
    /// IFD1 of an EXIF block: the thumbnail.
    Thumbnail,
    Exif,
    Gps,
    Interop,
    Sub,
}

/// Walks a TIFF structure. `exif` is true for an EXIF block (the second top-level IFD is then
/// a thumbnail, not a page).
pub fn walk(d: &[u8], exif: bool) -> TiffInfo {
    let mut info = TiffInfo::default();
    let le = if d.starts_with(b"II*\0") {
        true
    } else if d.starts_with(b"MM\0*") {
        false
    } else {
        info.problems.push("no TIFF header".into());
        return info;
    };
    let r = Rd { d, le };
    let mut seen: HashSet<u32> = HashSet::new();
    let mut queue: Vec<(u32, IfdRole)> = Vec::new();
    let mut next = r.u32(4).unwrap_or(0);
    let mut top = 0usize;
    // The top-level chain: pages in a TIFF file; IFD0 and IFD1 (thumbnail) in EXIF.
    while next != 0 && info.ifds < MAX_IFDS {
        if !seen.insert(next) {
            info.problems.push(format!("IFD offset cycle at {next}"));
            break;
        }
        let role = if exif && top >= 1 {
            IfdRole::Thumbnail
        } else {
            IfdRole::Main
        };
        top += 1;
        match read_ifd(r, next, role, &mut info, &mut queue) {
            Some(n) => next = n,
            None => break,
        }
    }
    info.pages = if exif { top.min(1) } else { top };
    while let Some((off, role)) = queue.pop() {
        if info.ifds >= MAX_IFDS || info.entries >= MAX_ENTRIES {
            info.problems.push("IFD limit reached".into());
            break;
        }
        if !seen.insert(off) {
            info.problems.push(format!("IFD offset cycle at {off}"));
            continue;
        }
        read_ifd(r, off, role, &mut info, &mut queue);
    }
    info
}

/// Reads one IFD at `off`; returns the next-IFD offset (None when unreadable).
fn read_ifd(
    r: Rd<'_>,
    off: u32,
    role: IfdRole,
    info: &mut TiffInfo,
    queue: &mut Vec<(u32, IfdRole)>,
) -> Option<u32> {
    let base = off as usize;
    let Some(count) = r.u16(base) else {
        info.problems
            .push(format!("IFD offset {off} outside the block"));
        return None;
    };
    info.ifds += 1;
    let count = count as usize;
    if role == IfdRole::Gps {
        info.gps_entries = Some(count);
    }
    if role == IfdRole::Exif {
        info.exif_ifd = true;
    }
    let (mut w, mut h) = (0u64, 0u64);
    let mut thumb_tags = false;
    for i in 0..count {
        if info.entries >= MAX_ENTRIES {
            info.problems.push("entry limit reached".into());
            return None;
        }
        let e = base + 2 + i * 12;
        let (Some(tag), Some(typ), Some(cnt)) = (r.u16(e), r.u16(e + 2), r.u32(e + 4)) else {
            info.problems.push(format!("IFD at {off} truncated"));
            return None;
        };
        info.entries += 1;
        let value_u32 = || match typ {
            3 => r.u16(e + 8).map(u32::from),
            _ => r.u32(e + 8),
        };
        match tag {
            0x0100 => w = value_u32().unwrap_or(0) as u64,
            0x0101 => h = value_u32().unwrap_or(0) as u64,
            0x010F | 0x0110 => info.camera = true,
            0x013B => info.personal.push("Artist"),
            0x8298 => info.personal.push("Copyright"),
            0xA430 => info.personal.push("CameraOwnerName"),
            0xA431 => info.personal.push("BodySerialNumber"),
            0xA435 => info.personal.push("LensSerialNumber"),
            0x9286 => {
                info.personal.push("UserComment");
                // The first 8 bytes name the character code (EXIF 2.32, 4.6.5 Table 9).
                if value_bytes(r, e, typ, cnt)
                    .is_some_and(|v| has_text(v.get(8..).unwrap_or_default()))
                {
                    info.comments.push("EXIF UserComment");
                }
            }
            0x9C9C => {
                info.personal.push("Windows XP tag");
                if value_bytes(r, e, typ, cnt).is_some_and(has_text) {
                    info.comments.push("Windows XPComment");
                }
            }
            0x010E => info.personal.push("ImageDescription"),
            0x9C9B..=0x9C9F => info.personal.push("Windows XP tag"),
            0x927C => info.maker_note = true,
            0x02BC => info.xmp = true,
            0x83BB => info.iptc = true,
            0x8773 => info.icc = true,
            0x0112 if role == IfdRole::Main => {
                info.orientation = r.u16(e + 8);
            }
            0x0201 | 0x0111 if role == IfdRole::Thumbnail => thumb_tags = true,
            0x8769 | 0x8825 | 0xA005 | 0x014A => {
                let sub = match tag {
                    0x8769 => IfdRole::Exif,
                    0x8825 => IfdRole::Gps,
                    0xA005 => IfdRole::Interop,
                    _ => IfdRole::Sub,
                };
                if tag == 0x014A && cnt > 1 {
                    // SubIFDs: an array of offsets (raw previews).
                    if let Some(arr) = r.u32(e + 8) {
                        for k in 0..cnt.min(16) as usize {
                            if let Some(o) = r.u32(arr as usize + 4 * k) {
                                queue.push((o, sub));
                            }
                        }
                    }
                } else if let Some(o) = value_u32() {
                    queue.push((o, sub));
                }
            }
            0x0002 | 0x0004 if role == IfdRole::Gps => info.gps_coordinates = true,
            _ => {}
        }
    }
    if role == IfdRole::Main {
        info.dims.push((w, h));
    }
    if role == IfdRole::Thumbnail && (thumb_tags || count > 0) {
        info.thumbnail = true;
    }
    r.u32(base + 2 + count * 12)
}

/// The bytes of an entry's value: inline in the entry when they fit in 4 bytes, else at the
/// offset the entry gives (TIFF 6.0, section 2); `None` when outside the block.
fn value_bytes<'a>(r: Rd<'a>, e: usize, typ: u16, cnt: u32) -> Option<&'a [u8]> {
    let size = match typ {
        1 | 2 | 6 | 7 => 1,
        3 | 8 => 2,
        4 | 9 | 11 => 4,
        5 | 10 | 12 => 8,
        _ => return None,
    };
    let n = (cnt as usize).checked_mul(size)?;
    let at = if n <= 4 {
        e.checked_add(8)?
    } else {
        r.u32(e.checked_add(8)?)? as usize
    };
    r.d.get(at..at.checked_add(n)?)
}

/// Whether a comment value holds anything but NULs and spaces (cameras write blank ones).
fn has_text(v: &[u8]) -> bool {
    v.iter().any(|b| *b != 0 && *b != b' ')
}

/// Adds the findings for an EXIF block found at `loc`.
pub fn report(info: &TiffInfo, loc: &str, out: &mut Inspection) {
    report_as(info, loc, false, out)
}

/// Adds the findings for a TIFF structure; for a TIFF file (`tiff_file`), its own image tags
/// are not metadata, so `image.exif` needs camera or personal fields or an EXIF IFD.
pub fn report_as(info: &TiffInfo, loc: &str, tiff_file: bool, out: &mut Inspection) {
    let i = Severity::Info;
    if let Some(n) = info.gps_entries {
        let what = if info.gps_coordinates {
            "GPS present: location coordinates"
        } else {
            "GPS present: GPS IFD without coordinates"
        };
        out.add(
            Finding::new("image.gps", Severity::Medium, loc).detail(format!("{what} ({n} tags)")),
        );
    }
    let exif = info.camera || !info.personal.is_empty() || info.exif_ifd;
    if exif || (!tiff_file && info.entries > 0) {
        let mut d = format!("{} tags in {} IFDs", info.entries, info.ifds);
        if info.camera {
            d.push_str("; camera make/model");
        }
        if !info.personal.is_empty() {
            let mut p = info.personal.clone();
            p.sort();
            p.dedup();
            d.push_str(&format!("; personal fields: {}", p.join(", ")));
        }
        out.add(Finding::new("image.exif", i, loc).detail(d));
    }
    if info.maker_note {
        out.add(Finding::new("image.maker_note", i, loc).detail("camera maker note"));
    }
    if !info.comments.is_empty() {
        out.add(Finding::new("image.comment", i, loc).detail(info.comments.join(", ")));
    }
    if info.thumbnail {
        out.add(Finding::new("image.thumbnail", i, loc).detail("EXIF thumbnail (IFD1)"));
    }
    if info.xmp {
        out.add(Finding::new("image.xmp", i, loc).detail("XMP in TIFF tag 700"));
    }
    if info.iptc {
        out.add(Finding::new("image.iptc", i, loc).detail("IPTC in TIFF tag 33723"));
    }
    if info.icc {
        out.add(Finding::new("image.icc_profile", i, loc).detail("ICC profile in tag 34675"));
    }
    if !info.problems.is_empty() {
        out.add(
            Finding::new("image.malformed_metadata", Severity::Low, loc)
                .detail(info.problems.join("; ")),
        );
    }
}

/// Whether an XMP packet mentions GPS coordinates (exif:GPSLatitude and friends).
pub fn xmp_has_gps(xmp: &[u8]) -> bool {
    xmp.windows(11).any(|w| w == b"GPSLatitude") || xmp.windows(12).any(|w| w == b"GPSLongitude")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A little-endian TIFF with IFD0 {Make, GPS pointer} and a GPS IFD {lat ref, lat}.
    pub(crate) fn tiff_with_gps() -> Vec<u8> {
        let mut t = b"II*\0".to_vec();
        t.extend(8u32.to_le_bytes());
        // IFD0 at 8: 2 entries
        t.extend(2u16.to_le_bytes());
        t.extend([0x0F, 0x01, 2, 0, 4, 0, 0, 0]);
        t.extend(*b"Can\0");
        t.extend([0x25, 0x88, 4, 0, 1, 0, 0, 0]);
        t.extend(38u32.to_le_bytes());
        t.extend(0u32.to_le_bytes());
        // GPS IFD at 38: 1 entry (GPSLatitudeRef)
        t.extend(1u16.to_le_bytes());
        t.extend([0x01, 0x00, 2, 0, 2, 0, 0, 0]);
        t.extend(*b"N\0\0\0");
        t.extend(0u32.to_le_bytes());
        t
    }

    #[test]
    fn finds_gps_and_camera() {
        let info = walk(&tiff_with_gps(), true);
        assert!(info.camera);
        assert_eq!(info.gps_entries, Some(1));
        assert!(info.problems.is_empty(), "{:?}", info.problems);
    }

    /// A little-endian EXIF TIFF: IFD0 {ExifIFD pointer} → Exif IFD {MakerNote, UserComment}.
    fn exif_with_maker_note_and_comment(comment: &[u8]) -> Vec<u8> {
        let mut t = b"II*\0".to_vec();
        t.extend(8u32.to_le_bytes());
        // IFD0 at 8: 1 entry (ExifIFD → 26)
        t.extend(1u16.to_le_bytes());
        t.extend([0x69, 0x87, 4, 0, 1, 0, 0, 0]);
        t.extend(26u32.to_le_bytes());
        t.extend(0u32.to_le_bytes());
        // Exif IFD at 26: 2 entries, values from 56
        t.extend(2u16.to_le_bytes());
        t.extend([0x7C, 0x92, 7, 0, 6, 0, 0, 0]); // MakerNote, 6 bytes at 56
        t.extend(56u32.to_le_bytes());
        t.extend([0x86, 0x92, 7, 0]); // UserComment
        t.extend((8 + comment.len() as u32).to_le_bytes());
        t.extend(62u32.to_le_bytes());
        t.extend(0u32.to_le_bytes());
        assert_eq!(t.len(), 56);
        t.extend(*b"Nikon\0");
        t.extend(*b"ASCII\0\0\0");
        t.extend(comment);
        t
    }

    #[test]
    fn maker_note_and_user_comment_in_the_exif_ifd_are_found() {
        let info = walk(
            &exif_with_maker_note_and_comment(b"meet at the station"),
            true,
        );
        assert!(info.maker_note);
        assert_eq!(info.comments, vec!["EXIF UserComment"]);
        let mut out = Inspection::default();
        report(&info, "APP1", &mut out);
        assert!(out.has("image.maker_note") && out.has("image.comment"));
    }

    #[test]
    fn blank_user_comment_is_not_a_comment() {
        // Canon bodies write 264 bytes of blanks (exif-py Canon_40D.jpg).
        let info = walk(&exif_with_maker_note_and_comment(&[b' '; 20]), true);
        assert!(info.comments.is_empty());
        assert!(info.personal.contains(&"UserComment"));
    }

    #[test]
    fn ifd_cycle_is_detected_not_followed_forever() {
        let mut t = b"II*\0".to_vec();
        t.extend(8u32.to_le_bytes());
        t.extend(0u16.to_le_bytes());
        t.extend(8u32.to_le_bytes()); // next IFD = itself
        let info = walk(&t, false);
        assert!(info.problems.iter().any(|p| p.contains("cycle")));
        assert_eq!(info.ifds, 1);
    }

    #[test]
    fn truncated_block_is_a_problem_not_a_panic() {
        let t = tiff_with_gps();
        for n in 0..t.len() {
            let _ = walk(&t[..n], true);
        }
    }
}
