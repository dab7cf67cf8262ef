//! OCR with tesseract (jpn+eng), in a bubblewrap sandbox, on pixels kiyome decoded itself.
//!
//! tesseract never sees the hostile original: the image is first decoded by kiyome under the
//! pixel limits ([`crate::image_page`]) or rendered by kiyome (image-PDF pages), and handed
//! over as a fresh grayscale PNG on stdin. tesseract runs under `prlimit --as` (address-space
//! cap) inside `bwrap` with every namespace unshared (no network), a read-only `/usr`, a
//! private `/tmp`, no environment but `OMP_THREAD_LIMIT=1`, and a wall-clock limit after which
//! the sandbox is killed. Its TSV output gives words with boxes: text mode joins them into
//! lines; the image-PDF text layer places each word over its pixels.

use crate::render::PageImage;
use kiyome_core::{Error, Kind, LimitKind, Limits};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// OCR options (`[ocr]` in the policy). Everything is off by default.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OcrOptions {
    /// Text mode: read the text of images with OCR (default false: images are blocked in
    /// text mode, since they have no text to keep).
    pub images: bool,
    /// Image-PDF mode: add an invisible OCR text layer (text render mode 3) so that the
    /// output can be searched and copied from (default false: the output holds no text and
    /// no font at all).
    pub image_pdf_text_layer: bool,
    /// tesseract languages (default `jpn+eng`); each must be installed.
    pub languages: String,
    /// Wall-clock limit of one OCR run, in seconds (default 60).
    pub timeout_secs: u64,
    /// Address-space cap of the sandbox, in MiB (default 2048).
    pub memory_mib: u64,
    /// Largest image handed to tesseract, in pixels (default 40 000 000); a larger decoded
    /// image is scaled down to fit before OCR.
    pub max_pixels: u64,
}

impl Default for OcrOptions {
    fn default() -> Self {
        OcrOptions {
            images: false,
            image_pdf_text_layer: false,
            languages: "jpn+eng".into(),
            timeout_secs: 60,
            memory_mib: 2048,
            max_pixels: 40_000_000,
        }
    }
}

/// One recognised word, in pixels of the image it was read from (origin top left).
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    /// The text, cleaned of control characters.
    pub text: String,
    /// Left edge.
    pub left: u32,
    /// Top edge.
    pub top: u32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
    /// Block, paragraph and line numbers from tesseract: words with equal keys share a line.
    pub line: (u32, u32, u32),
}

fn find(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// The languages tesseract has installed (asked once per process).
fn installed_languages(tesseract: &PathBuf) -> &'static [String] {
    static LANGS: OnceLock<Vec<String>> = OnceLock::new();
    LANGS.get_or_init(|| {
        let Ok(out) = Command::new(tesseract)
            .arg("--list-langs")
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
        else {
            return Vec::new();
        };
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .skip(1) // "List of available languages in …"
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect()
    })
}

/// Why OCR cannot run on this machine with these options, if it cannot: the message says
/// what to install, in English and Japanese.
pub fn unavailable_reason(opts: &OcrOptions) -> Option<String> {
    let mut missing: Vec<String> = Vec::new();
    match find("tesseract") {
        None => missing
            .push("tesseract with Japanese (Debian: tesseract-ocr tesseract-ocr-jpn)".to_string()),
        Some(t) => {
            let have = installed_languages(&t);
            for lang in opts.languages.split('+').filter(|l| !l.is_empty()) {
                if !have.iter().any(|h| h == lang) {
                    missing.push(format!(
                        "tesseract language data `{lang}` (Debian: tesseract-ocr-{lang})"
                    ));
                }
            }
        }
    }
    if find("bwrap").is_none() {
        missing.push("bubblewrap (Debian: bubblewrap)".into());
    }
    if find("prlimit").is_none() {
        missing.push("prlimit (Debian: util-linux)".into());
    }
    (!missing.is_empty()).then(|| {
        format!(
            "OCR needs {} / OCRには次のインストールが必要です",
            missing.join(" and ")
        )
    })
}

/// Text of an image file by OCR: decoded by kiyome under `limits`, re-encoded, read by
/// tesseract in its sandbox. Lines in reading order, words of Japanese text joined without
/// the spaces tesseract puts between them.
pub fn image_text(
    data: &[u8],
    kind: Kind,
    opts: &OcrOptions,
    limits: &Limits,
) -> Result<String, Error> {
    if let Some(reason) = unavailable_reason(opts) {
        return Err(Error::unsupported(format!(
            "OCR of {kind} images: {reason}"
        )));
    }
    if matches!(kind, Kind::Heic | Kind::Avif | Kind::Jxl | Kind::Svg) {
        return Err(Error::unsupported(format!(
            "decoding {kind} images for OCR"
        )));
    }
    let page = crate::image_page(data, 72.0, limits)?;
    let words = page_words(&page, None, opts)?;
    Ok(words_to_text(&words))
}

/// Words of a page image (rendered or decoded by kiyome), by OCR. `dpi`, when known, is
/// passed to tesseract instead of its estimate.
pub fn page_words(
    page: &PageImage,
    dpi: Option<f32>,
    opts: &OcrOptions,
) -> Result<Vec<Word>, Error> {
    if let Some(reason) = unavailable_reason(opts) {
        return Err(Error::unsupported(format!("OCR: {reason}")));
    }
    let (png, scale) = grayscale_png(page, opts.max_pixels)?;
    let tsv = run(&png, dpi.map(|d| d / scale), opts)?;
    let mut words = parse_tsv(&tsv);
    if scale != 1.0 {
        for w in &mut words {
            let s = |v: u32| (v as f32 * scale).round() as u32;
            (w.left, w.top, w.width, w.height) = (s(w.left), s(w.top), s(w.width), s(w.height));
        }
    }
    Ok(words)
}

/// The page as an 8-bit grayscale PNG, scaled down to at most `max_pixels`; returns the
/// factor from the PNG's pixels back to the page's.
fn grayscale_png(page: &PageImage, max_pixels: u64) -> Result<(Vec<u8>, f32), Error> {
    let gray: Vec<u8> = page
        .rgb
        .chunks_exact(3)
        .map(|p| ((p[0] as u32 * 299 + p[1] as u32 * 587 + p[2] as u32 * 114) / 1000) as u8)
        .collect();
    let img = image::GrayImage::from_raw(page.width_px, page.height_px, gray)
        .ok_or_else(|| Error::parse("image", "page buffer does not match its size"))?;
    let pixels = page.width_px as u64 * page.height_px as u64;
    let (img, scale) = if pixels > max_pixels.max(1) {
        let f = (max_pixels.max(1) as f64 / pixels as f64).sqrt();
        let w = ((page.width_px as f64 * f) as u32).max(1);
        let h = ((page.height_px as f64 * f) as u32).max(1);
        let small = image::imageops::resize(&img, w, h, image::imageops::FilterType::Triangle);
        (small, page.width_px as f32 / w as f32)
    } else {
        (img, 1.0)
    };
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(
            img.as_raw(),
            img.width(),
            img.height(),
            image::ExtendedColorType::L8,
        )
        .map_err(|e| Error::parse("png", e.to_string()))?;
    Ok((png, scale))
}

use image::ImageEncoder;

/// Runs tesseract on `png` in the sandbox and returns its TSV output.
fn run(png: &[u8], dpi: Option<f32>, opts: &OcrOptions) -> Result<String, Error> {
    let tesseract = find("tesseract").unwrap_or_default();
    let mem = opts.memory_mib.saturating_mul(1024 * 1024);
    let mut cmd = Command::new("prlimit");
    cmd.arg(format!("--as={mem}"))
        .arg("--")
        .arg("bwrap")
        .args(["--unshare-all", "--die-with-parent", "--new-session"])
        .args(["--ro-bind", "/usr", "/usr"])
        .args([
            "--symlink",
            "usr/lib",
            "/lib",
            "--symlink",
            "usr/lib64",
            "/lib64",
        ])
        .args(["--symlink", "usr/bin", "/bin"])
        .args(["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"])
        .args([
            "--chdir",
            "/tmp",
            "--clearenv",
            "--setenv",
            "OMP_THREAD_LIMIT",
            "1",
        ])
        .arg(&tesseract)
        .args(["stdin", "stdout", "-l"])
        .arg(&opts.languages);
    if let Some(d) = dpi {
        cmd.args([
            "--dpi",
            &format!("{}", d.round().clamp(70.0, 2400.0) as u32),
        ]);
    }
    cmd.arg("tsv")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = cmd.spawn()?;
    let mut stdin = child.stdin.take();
    let input = png.to_vec();
    let feeder = std::thread::spawn(move || {
        if let Some(s) = stdin.as_mut() {
            let _ = s.write_all(&input);
        }
        drop(stdin);
    });
    let mut stdout = child.stdout.take();
    // TSV of a page is small; 16 MiB is far beyond any real page and bounds a runaway.
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(s) = stdout.as_mut() {
            let _ = s.take(16 << 20).read_to_end(&mut buf);
        }
        buf
    });
    let start = Instant::now();
    let limit = Duration::from_secs(opts.timeout_secs.max(1));
    let status = loop {
        if let Some(s) = child.try_wait()? {
            break s;
        }
        if start.elapsed() > limit {
            // bwrap runs tesseract with --die-with-parent: killing it ends the sandbox.
            let _ = child.kill();
            let _ = child.wait();
            let _ = feeder.join();
            let _ = reader.join();
            return Err(Error::limit(
                LimitKind::WallTime,
                start.elapsed().as_millis() as u64,
                limit.as_millis() as u64,
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let _ = feeder.join();
    let out = reader.join().unwrap_or_default();
    if !status.success() {
        return Err(Error::parse(
            "ocr",
            format!("tesseract failed ({status}) in its sandbox"),
        ));
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Words (level 5 rows) of tesseract's TSV output, empty and control characters dropped.
pub fn parse_tsv(tsv: &str) -> Vec<Word> {
    let mut words = Vec::new();
    for line in tsv.lines().skip(1) {
        let cols: Vec<&str> = line.splitn(12, '\t').collect();
        if cols.len() < 12 || cols[0] != "5" {
            continue;
        }
        let n = |i: usize| cols[i].trim().parse::<u32>().unwrap_or(0);
        let text: String = cols[11].chars().filter(|c| !c.is_control()).collect();
        let text = text.trim().to_string();
        if text.is_empty() {
            continue;
        }
        words.push(Word {
            text,
            left: n(6),
            top: n(7),
            width: n(8),
            height: n(9),
            line: (n(2), n(3), n(4)),
        });
    }
    words
}

fn is_wide(c: char) -> bool {
    matches!(c as u32, 0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD)
}

/// Joins words into lines (tesseract's order), paragraphs separated by a blank line. Latin
/// words get a space between them; next to a wide (CJK) character a space is written only
/// where the image shows a gap, since tesseract splits Japanese into "words" that were never
/// separated.
pub fn words_to_text(words: &[Word]) -> String {
    let mut out = String::new();
    let mut prev: Option<&Word> = None;
    for w in words {
        match prev {
            Some(p) if p.line == w.line => {
                let a = p.text.chars().last().is_some_and(is_wide);
                let b = w.text.chars().next().is_some_and(is_wide);
                let gap = w.left as f64 - (p.left + p.width) as f64;
                let h = p.height.max(w.height).max(1) as f64;
                // Latin words are separated; next to Japanese only a visible gap counts
                // (`2024年` stays together, `区 Hello` keeps its space).
                let space = match (a, b) {
                    (false, false) => true,
                    (true, true) => gap > h,
                    _ => gap > 0.35 * h,
                };
                if space {
                    out.push(' ');
                }
            }
            Some(p) => {
                out.push('\n');
                if (p.line.0, p.line.1) != (w.line.0, w.line.1) {
                    out.push('\n');
                }
            }
            None => {}
        }
        out.push_str(&w.text);
        prev = Some(w);
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TSV: &str = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
1\t1\t0\t0\t0\t0\t0\t0\t900\t200\t-1\t\n\
4\t1\t1\t1\t1\t0\t23\t23\t474\t43\t-1\t\n\
5\t1\t1\t1\t1\t1\t23\t23\t100\t43\t93.3\t東京\n\
5\t1\t1\t1\t1\t2\t142\t19\t53\t57\t93.0\t都\n\
5\t1\t1\t1\t1\t3\t383\t27\t114\t35\t95.6\tHello\n\
5\t1\t1\t1\t1\t4\t500\t27\t114\t35\t95.6\tworld\u{7}\n\
5\t1\t1\t1\t2\t1\t22\t104\t279\t42\t93.2\t住民票\n\
5\t1\t2\t1\t1\t1\t22\t160\t100\t42\t93.2\t2024\n\
5\t1\t2\t1\t1\t2\t124\t160\t40\t42\t93.2\t年\n";

    #[test]
    fn tsv_words_become_lines_without_spaces_inside_japanese() {
        let words = parse_tsv(TSV);
        assert_eq!(words.len(), 7);
        assert_eq!(words[0].left, 23);
        assert_eq!(words[3].text, "world");
        assert_eq!(
            words_to_text(&words),
            "東京都 Hello world\n住民票\n\n2024年\n"
        );
    }

    #[test]
    fn missing_languages_are_named_with_what_to_install() {
        let opts = OcrOptions {
            languages: "jpn+zzz_not_a_language".into(),
            ..OcrOptions::default()
        };
        let reason = unavailable_reason(&opts).expect("zzz is never installed");
        assert!(reason.contains("tesseract"), "{reason}");
        assert!(reason.contains("インストール"), "{reason}");
    }
}
