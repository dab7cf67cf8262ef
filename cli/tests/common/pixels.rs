//! Page pixels for image-PDF fidelity checks: `pdftoppm` renderings and `pdfimages`
//! extractions read as grey images, and their mean absolute difference.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A grey image, one byte per pixel.
#[derive(Debug, Clone)]
pub struct Grey {
    /// Width in pixels.
    pub w: usize,
    /// Height in pixels.
    pub h: usize,
    /// Pixels, row-major.
    pub px: Vec<u8>,
}

impl Grey {
    /// Reads a binary PGM (P5) or PPM (P6) with 8-bit samples; colour becomes grey with the
    /// weights poppler uses (0.299, 0.587, 0.114).
    pub fn read_pnm(data: &[u8]) -> Result<Grey, String> {
        let mut fields = Vec::new();
        let mut i = 0;
        while fields.len() < 4 && i < data.len() {
            while i < data.len() && data[i].is_ascii_whitespace() {
                i += 1;
            }
            if i < data.len() && data[i] == b'#' {
                while i < data.len() && data[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            let start = i;
            while i < data.len() && !data[i].is_ascii_whitespace() {
                i += 1;
            }
            fields.push(String::from_utf8_lossy(&data[start..i]).into_owned());
        }
        i += 1; // the single whitespace after the maximum value
        let [magic, w, h, max] = fields.as_slice() else {
            return Err("short PNM header".into());
        };
        let (w, h): (usize, usize) = (
            w.parse().map_err(|_| "bad width")?,
            h.parse().map_err(|_| "bad height")?,
        );
        if max != "255" {
            return Err(format!("PNM maximum {max}"));
        }
        let body = data.get(i..).unwrap_or_default();
        let px = match magic.as_str() {
            "P5" if body.len() >= w * h => body[..w * h].to_vec(),
            "P6" if body.len() >= w * h * 3 => body[..w * h * 3]
                .chunks_exact(3)
                .map(|p| {
                    ((p[0] as u32 * 299 + p[1] as u32 * 587 + p[2] as u32 * 114 + 500) / 1000) as u8
                })
                .collect(),
            m => return Err(format!("PNM {m} with {} bytes for {w}×{h}", body.len())),
        };
        Ok(Grey { w, h, px })
    }

    /// This image resampled (nearest neighbour) to `w`×`h`.
    pub fn resized(&self, w: usize, h: usize) -> Grey {
        let mut px = Vec::with_capacity(w * h);
        for y in 0..h {
            let sy = (y * self.h / h.max(1)).min(self.h.saturating_sub(1));
            let row = &self.px[sy * self.w..(sy + 1) * self.w];
            for x in 0..w {
                px.push(row[(x * self.w / w.max(1)).min(self.w.saturating_sub(1))]);
            }
        }
        Grey { w, h, px }
    }

    /// Mean absolute difference to `other` (same size) over the rectangle `x0..x1 × y0..y1`.
    pub fn mean_diff_in(&self, other: &Grey, x0: usize, y0: usize, x1: usize, y1: usize) -> f64 {
        let (x1, y1) = (x1.min(self.w), y1.min(self.h));
        let mut sum = 0u64;
        for y in y0..y1 {
            let a = &self.px[y * self.w + x0..y * self.w + x1];
            let b = &other.px[y * other.w + x0..y * other.w + x1];
            sum += a
                .iter()
                .zip(b)
                .map(|(p, q)| p.abs_diff(*q) as u64)
                .sum::<u64>();
        }
        let n = (x1.saturating_sub(x0) * y1.saturating_sub(y0)).max(1);
        sum as f64 / n as f64
    }

    /// Mean absolute difference to `other`, resampling `other` to this size first when the
    /// sizes differ by rounding (at most 2 pixels a side); `None` when they differ more.
    pub fn mean_diff(&self, other: &Grey) -> Option<f64> {
        let o;
        let other = if (other.w, other.h) == (self.w, self.h) {
            other
        } else if other.w.abs_diff(self.w) <= 2 && other.h.abs_diff(self.h) <= 2 {
            o = other.resized(self.w, self.h);
            &o
        } else {
            return None;
        };
        Some(self.mean_diff_in(other, 0, 0, self.w, self.h))
    }

    /// Pixels darker than `level`.
    pub fn ink(&self, level: u8) -> usize {
        self.px.iter().filter(|&&p| p < level).count()
    }
}

/// The files a tool wrote into `dir` with names starting with `prefix`, sorted by name.
fn written(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.file_name()
                        .map(|n| n.to_string_lossy().starts_with(prefix))
                        .unwrap_or(false)
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// `pdftoppm -r DPI -gray -cropbox` of every page of `pdf` (the crop box, as viewers show a
/// page and as kiyome renders it): one grey image per page, or the reason
/// poppler could not render the file.
pub fn pdftoppm(bin: &Path, pdf: &Path, dpi: u32, dir: &Path) -> Result<Vec<Grey>, String> {
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let out = Command::new("timeout")
        .arg("300")
        .arg(bin)
        .args(["-r", &dpi.to_string(), "-gray", "-cropbox"])
        .arg(pdf)
        .arg(dir.join("p"))
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "pdftoppm {:?}: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .next()
                .unwrap_or("")
        ));
    }
    read_all(&written(dir, "p"))
}

/// `pdfimages` of `pdf` (decoded to PNM): one grey image per image, in page order.
pub fn pdfimages(bin: &Path, pdf: &Path, dir: &Path) -> Result<Vec<Grey>, String> {
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let out = Command::new(bin)
        .arg(pdf)
        .arg(dir.join("i"))
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!("pdfimages {:?}", out.status.code()));
    }
    read_all(&written(dir, "i"))
}

fn read_all(files: &[PathBuf]) -> Result<Vec<Grey>, String> {
    files
        .iter()
        .map(|p| {
            let data = std::fs::read(p).map_err(|e| e.to_string())?;
            let _ = std::fs::remove_file(p);
            Grey::read_pnm(&data).map_err(|e| format!("{}: {e}", p.display()))
        })
        .collect()
}

/// Page sizes in points as `pdfinfo -f 1 -l N` prints them, with each page's rotation.
pub fn page_sizes(pdfinfo: &Path, pdf: &Path) -> Option<Vec<(f64, f64, u32)>> {
    let pages = Command::new(pdfinfo).arg(pdf).output().ok()?;
    if !pages.status.success() {
        return None;
    }
    let n: usize = String::from_utf8_lossy(&pages.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:").and_then(|n| n.trim().parse().ok()))?;
    let out = Command::new(pdfinfo)
        .args(["-f", "1", "-l", &n.to_string()])
        .arg(pdf)
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut sizes = Vec::new();
    let mut rots = Vec::new();
    for l in text.lines() {
        if !l.starts_with("Page ") {
            continue;
        }
        if let Some((_, rest)) = l.split_once(" size:") {
            let mut it = rest.split_whitespace();
            let w: f64 = it.next()?.parse().ok()?;
            it.next(); // "x"
            let h: f64 = it.next()?.parse().ok()?;
            sizes.push((w, h));
        } else if let Some((_, rest)) = l.split_once(" rot:") {
            rots.push(rest.trim().parse::<u32>().ok()?);
        }
    }
    if sizes.len() != n {
        return None;
    }
    Some(
        sizes
            .into_iter()
            .enumerate()
            .map(|(i, (w, h))| (w, h, rots.get(i).copied().unwrap_or(0)))
            .collect(),
    )
}
