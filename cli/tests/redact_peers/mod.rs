//! Peer checks of one redacted or scrubbed PDF, for the PDF corpus harness
//! (`corpus_redact_pdf.rs`): pdftotext, PyMuPDF, `strings` over `qpdf --qdf`, exiftool,
//! `qpdf --check`, revisions, the text that must stay, and rendering outside the boxes.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use unicode_normalization::UnicodeNormalization;

/// The peer tools (all required under CI; a missing one is reported once and its check
/// skipped elsewhere).
pub struct Peers {
    pub pdftotext: Option<PathBuf>,
    pub qpdf: Option<PathBuf>,
    pub exiftool: Option<PathBuf>,
    pub pdftoppm: Option<PathBuf>,
    pub strings: Option<PathBuf>,
    pub python: Option<PathBuf>,
}

impl Peers {
    pub fn find() -> Peers {
        let t = kiyome_core::corpus::peer_tool;
        Peers {
            pdftotext: t("pdftotext"),
            qpdf: t("qpdf"),
            exiftool: t("exiftool"),
            pdftoppm: t("pdftoppm"),
            strings: t("strings"),
            python: pymupdf_python(),
        }
    }
}

/// A Python with PyMuPDF: `$KIYOME_VENV`, the repository's `.venv`.
fn pymupdf_python() -> Option<PathBuf> {
    let mut c: Vec<PathBuf> = Vec::new();
    if let Some(v) = std::env::var_os("KIYOME_VENV") {
        c.push(Path::new(&v).join("bin/python"));
    }
    c.push(kiyome_core::corpus::repo_root().join(".venv/bin/python"));
    let found = c.into_iter().find(|p| {
        p.is_file()
            && Command::new(p)
                .args(["-c", "import fitz"])
                .output()
                .is_ok_and(|o| o.status.success())
    });
    if found.is_none() {
        assert!(
            !kiyome_core::corpus::is_ci(),
            "PyMuPDF missing under CI: run scripts/install-deps.sh"
        );
        eprintln!("NOTICE: PyMuPDF not found; its check is skipped");
    }
    found
}

/// Runs a peer with a time limit (`timeout`), returning stdout when it exits 0.
pub fn run(tool: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let out = Command::new("timeout")
        .arg("60")
        .arg(tool)
        .args(args)
        .output()
        .map_err(|e| format!("{}: {e}", tool.display()))?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(format!(
            "{} {:?} exit {:?}: {}",
            tool.file_name().unwrap_or_default().to_string_lossy(),
            args.iter()
                .map(|a| a.rsplit('/').next().unwrap_or(a))
                .collect::<Vec<_>>(),
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .next()
                .unwrap_or("")
        ))
    }
}

/// NFKC, lower case, no white space: how terms are matched (as kiyome matches them).
pub fn fold(s: &str) -> String {
    s.nfkc()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The terms found in a text, line by line and across each line break (a term wrapped
/// onto the next line, or hyphenated at its end, is still the term).
pub fn terms_in(text: &str, terms: &[String]) -> Vec<String> {
    let lines: Vec<String> = text.lines().map(fold).filter(|l| !l.is_empty()).collect();
    let mut found = Vec::new();
    for t in terms {
        let ft = fold(t);
        if ft.is_empty() {
            continue;
        }
        let hit = lines.iter().enumerate().any(|(i, l)| {
            l.contains(&ft)
                || lines.get(i + 1).is_some_and(|n| {
                    format!("{l}{n}").contains(&ft)
                        || format!("{}{n}", l.trim_end_matches('-')).contains(&ft)
                })
        });
        if hit {
            found.push(t.clone());
        }
    }
    found
}

pub fn pdftotext(p: &Peers, file: &Path) -> Result<String, String> {
    let tool = p.pdftotext.as_deref().ok_or("no pdftotext")?;
    run(tool, &["-q", path(file), "-"]).map(|b| String::from_utf8_lossy(&b).into_owned())
}

pub fn pymupdf_text(p: &Peers, file: &Path) -> Result<String, String> {
    let py = p.python.as_deref().ok_or("no PyMuPDF")?;
    let script = "import sys,fitz\nd=fitz.open(sys.argv[1])\n\
                  sys.stdout.write('\\n'.join(pg.get_text() for pg in d))";
    run(py, &["-c", script, path(file)]).map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// A copy of `file` without annotations (PyMuPDF sets each page's /Annots to null): the
/// reference for "nothing else lost", since pdftotext extracts the text of annotation
/// appearances (comments, form values) that the scrub removes on purpose.
pub fn without_annotations(p: &Peers, file: &Path, dir: &Path) -> Result<PathBuf, String> {
    let py = p.python.as_deref().ok_or("no PyMuPDF")?;
    let out = dir.join("reference.pdf");
    let script = "import sys,fitz\nd=fitz.open(sys.argv[1])\n\
                  for pg in d: d.xref_set_key(pg.xref,'Annots','null')\n\
                  d.save(sys.argv[2])";
    run(py, &["-c", script, path(file), path(&out)])?;
    Ok(out)
}

pub fn path(p: &Path) -> &str {
    p.to_str().unwrap_or("")
}

/// `qpdf --qdf --object-streams=disable` of `file`, split into (font program bytes, the
/// rest). Font programs (/Length1–3, /FontFile*, Type1C/CIDFontType0C/OpenType) carry glyph
/// names and copyright notices made of ordinary words; they are judged apart.
pub fn qdf(p: &Peers, file: &Path, dir: &Path) -> Result<(Vec<u8>, Vec<u8>), String> {
    let tool = p.qpdf.as_deref().ok_or("no qpdf")?;
    let out = dir.join(format!(
        "{}.qdf",
        file.file_name().unwrap_or_default().to_string_lossy()
    ));
    // qpdf exits 3 on warnings but still writes the file.
    let st = Command::new("timeout")
        .arg("60")
        .arg(tool)
        .args(["--qdf", "--object-streams=disable", path(file), path(&out)])
        .output()
        .map_err(|e| e.to_string())?;
    if !matches!(st.status.code(), Some(0) | Some(3)) || !out.is_file() {
        return Err(format!("qpdf --qdf exit {:?}", st.status.code()));
    }
    let bytes = std::fs::read(&out).map_err(|e| e.to_string())?;
    let (mut fonts, mut rest) = (Vec::new(), Vec::new());
    for obj in split_objects(&bytes) {
        let head = &obj[..obj.len().min(1024)];
        let is_font = [
            &b"/Length1"[..],
            b"/Length2",
            b"/Length3",
            b"/Subtype /Type1C",
            b"/Subtype /CIDFontType0C",
            b"/Subtype /OpenType",
        ]
        .iter()
        .any(|k| head.windows(k.len()).any(|w| w == *k));
        if is_font {
            fonts.extend_from_slice(obj);
        } else {
            rest.extend_from_slice(obj);
        }
    }
    Ok((fonts, rest))
}

fn split_objects(b: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut start = 0;
    let pat = b"\nendobj";
    let mut i = 0;
    while i + pat.len() <= b.len() {
        if &b[i..i + pat.len()] == pat {
            out.push(&b[start..i + pat.len()]);
            start = i + pat.len();
            i = start;
        } else {
            i += 1;
        }
    }
    out.push(&b[start..]);
    out
}

/// Terms found by `strings` (8-bit, UTF-16BE and UTF-16LE) in `bytes`.
pub fn strings_terms(
    p: &Peers,
    bytes: &[u8],
    dir: &Path,
    terms: &[String],
) -> Result<Vec<String>, String> {
    let tool = p.strings.as_deref().ok_or("no strings")?;
    let f = dir.join("strings-input.bin");
    std::fs::write(&f, bytes).map_err(|e| e.to_string())?;
    let mut text = String::new();
    for enc in ["S", "b", "l"] {
        let out = run(tool, &["-a", "-n", "3", "-e", enc, path(&f)])?;
        text.push_str(&String::from_utf8_lossy(&out));
        text.push('\n');
    }
    let lower = text.to_lowercase();
    Ok(terms
        .iter()
        .filter(|t| lower.contains(&t.to_lowercase()))
        .cloned()
        .collect())
}

/// Author, Creator and Producer as exiftool reads them (empty values dropped).
pub fn exif_people(p: &Peers, file: &Path) -> Result<Vec<String>, String> {
    let tool = p.exiftool.as_deref().ok_or("no exiftool")?;
    let out = run(
        tool,
        &["-s", "-Author", "-Creator", "-Producer", path(file)],
    )?;
    Ok(String::from_utf8_lossy(&out)
        .lines()
        .filter_map(|l| {
            l.split_once(':')
                .map(|(k, v)| format!("{}: {}", k.trim(), v.trim()))
        })
        .filter(|l| !l.ends_with(": "))
        .collect())
}

pub fn qpdf_check(p: &Peers, file: &Path) -> Result<(), String> {
    let tool = p.qpdf.as_deref().ok_or("no qpdf")?;
    run(tool, &["--check", path(file)]).map(|_| ())
}

/// One revision: one `startxref`, no `/Prev` (the output has no object streams, so a /Prev
/// would be visible).
pub fn revisions_problem(bytes: &[u8]) -> Option<String> {
    let n = bytes.windows(9).filter(|w| *w == b"startxref").count();
    let prev = bytes.windows(5).any(|w| w == b"/Prev");
    (n != 1 || prev).then(|| format!("{n} startxref, /Prev {prev}"))
}

/// Characters (folded) of `input` that are missing from `output` and that `output` has in
/// excess, after every term was taken out of each input line. Order-insensitive: pdftotext
/// may order a re-placed line differently.
pub fn text_delta(input: &str, output: &str, terms: &[String]) -> (usize, usize, usize) {
    let folded: Vec<String> = terms
        .iter()
        .map(|t| fold(t))
        .filter(|t| !t.is_empty())
        .collect();
    let mut a: HashMap<char, i64> = HashMap::new();
    let mut total = 0usize;
    for line in input.lines() {
        // Every occurrence of every term, overlapping ones too ("あい" and "いう" in
        // "あいう"), is taken out, as the redaction removes the union of its matches.
        let chars: Vec<char> = fold(line).chars().collect();
        let mut gone = vec![false; chars.len()];
        for t in &folded {
            let tc: Vec<char> = t.chars().collect();
            for s in 0..chars.len().saturating_sub(tc.len() - 1) {
                if chars[s..s + tc.len()] == tc[..] {
                    gone[s..s + tc.len()].iter_mut().for_each(|g| *g = true);
                }
            }
        }
        let l: String = chars
            .iter()
            .zip(&gone)
            .filter(|(_, g)| !**g)
            .map(|(c, _)| *c)
            .collect();
        for c in l.chars() {
            *a.entry(c).or_default() += 1;
            total += 1;
        }
    }
    for line in output.lines() {
        for c in fold(line).chars() {
            *a.entry(c).or_default() -= 1;
        }
    }
    let missing = a.values().filter(|v| **v > 0).sum::<i64>() as usize;
    let extra = a.values().filter(|v| **v < 0).map(|v| -v).sum::<i64>() as usize;
    (missing, extra, total)
}

/// A rendered page (RGB).
pub struct Page {
    pub w: usize,
    pub h: usize,
    pub rgb: Vec<u8>,
}

/// Renders the first `pages` pages at `dpi` without annotations (scrub removes them).
pub fn render(
    p: &Peers,
    file: &Path,
    dir: &Path,
    tag: &str,
    pages: u32,
    dpi: u32,
) -> Result<Vec<Page>, String> {
    let tool = p.pdftoppm.as_deref().ok_or("no pdftoppm")?;
    let prefix = dir.join(tag);
    run(
        tool,
        &[
            "-r",
            &dpi.to_string(),
            "-f",
            "1",
            "-l",
            &pages.to_string(),
            "-hide-annotations",
            path(file),
            path(&prefix),
        ],
    )?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| e.to_string())?
        .flatten()
        .map(|e| e.path())
        .filter(|f| {
            f.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(&format!("{tag}-")))
        })
        .collect();
    files.sort();
    files.iter().map(|f| read_ppm(f)).collect()
}

fn read_ppm(f: &Path) -> Result<Page, String> {
    let b = std::fs::read(f).map_err(|e| e.to_string())?;
    // P6\n<w> <h>\n255\n<data>
    let mut fields = Vec::new();
    let mut i = 0;
    while fields.len() < 4 && i < b.len() {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let s = i;
        while i < b.len() && !b[i].is_ascii_whitespace() {
            i += 1;
        }
        fields.push(String::from_utf8_lossy(&b[s..i]).into_owned());
    }
    i += 1;
    if fields.first().map(String::as_str) != Some("P6") {
        return Err("not a PPM".into());
    }
    let w: usize = fields[1].parse().map_err(|_| "ppm width")?;
    let h: usize = fields[2].parse().map_err(|_| "ppm height")?;
    let rgb = b.get(i..i + w * h * 3).ok_or("short ppm")?.to_vec();
    Ok(Page { w, h, rgb })
}

/// Pixels that differ between `a` (input) and `b` (output) outside the boxes of the output
/// (pixels of the box colour, magenta, grown by `grow` pixels for antialiased edges).
pub fn pixels_outside_boxes(a: &Page, b: &Page, grow: usize) -> Result<usize, String> {
    if a.w != b.w || a.h != b.h {
        return Err(format!("page size {}×{} became {}×{}", a.w, a.h, b.w, b.h));
    }
    let (w, h) = (b.w, b.h);
    let boxed = |x: usize, y: usize| {
        let p = &b.rgb[(y * w + x) * 3..(y * w + x) * 3 + 3];
        p[0] > 200 && p[1] < 80 && p[2] > 200
    };
    // Box mask, grown by `grow` in both directions (a separable dilation).
    let mut m = vec![false; w * h];
    for y in 0..h {
        for x in 0..w {
            if boxed(x, y) {
                m[y * w + x] = true;
            }
        }
    }
    let mut g = m.clone();
    for y in 0..h {
        for x in 0..w {
            if m[y * w + x] {
                for dy in y.saturating_sub(grow)..(y + grow + 1).min(h) {
                    for dx in x.saturating_sub(grow)..(x + grow + 1).min(w) {
                        g[dy * w + dx] = true;
                    }
                }
            }
        }
    }
    let mut diff = 0;
    for (i, grown) in g.iter().enumerate() {
        if !grown && a.rgb[i * 3..i * 3 + 3] != b.rgb[i * 3..i * 3 + 3] {
            diff += 1;
        }
    }
    Ok(diff)
}
