#!/usr/bin/env python3
"""Peer pipeline for the image-PDF benchmark (PyMuPDF, AGPL: a peer only, never a dependency).

For every input PDF: render each page at DPI (RGB, no alpha, PyMuPDF's default), encode it,
insert the image into a new PDF page of the same size, save the PDF. ENCODING is one of:

- ``jpeg``: every page as JPEG at QUALITY (``Pixmap.tobytes("jpeg", jpg_quality=QUALITY)``;
  PyMuPDF inserts a JPEG stream as DCTDecode without re-encoding it). This is the variant to
  compare with kiyome at the same quality: kiyome uses JPEG at that quality for photographic
  pages only and stores text and line art losslessly.
- ``png``: every page as PNG (lossless; PyMuPDF re-compresses it as Flate), the pipeline's
  straightforward form.

Prints one JSON line: pages, seconds, output bytes. A file the peer fails on is counted as
not ok (a data point, not a crash).

Usage: pymupdf_imagepdf.py OUTDIR DPI WORKERS QUALITY ENCODING FILE...
"""
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import pymupdf


def convert(args):
    path, outdir, dpi, quality, encoding = args
    t0 = time.perf_counter()
    try:
        src = pymupdf.open(path)
        out = pymupdf.open()
        for page in src:
            pix = page.get_pixmap(dpi=dpi, alpha=False)
            if encoding == "jpeg":
                img = pix.tobytes("jpeg", jpg_quality=quality)
            else:
                img = pix.tobytes("png")
            rect = page.rect
            p = out.new_page(width=rect.width, height=rect.height)
            p.insert_image(p.rect, stream=img)
        dest = os.path.join(outdir, os.path.basename(path))
        out.save(dest, garbage=3, deflate=True)
        n = len(src)
        size = os.path.getsize(dest)
        ok = True
    except Exception:  # a peer failing on a hostile file is a data point, not a crash
        n, size, ok = 0, 0, False
    return {"file": path, "ok": ok, "pages": n, "bytes": size, "seconds": time.perf_counter() - t0}


def main():
    if len(sys.argv) < 7 or sys.argv[5] not in ("jpeg", "png"):
        sys.exit(__doc__)
    outdir, dpi, workers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    quality, encoding, files = int(sys.argv[4]), sys.argv[5], sys.argv[6:]
    os.makedirs(outdir, exist_ok=True)
    jobs = [(f, outdir, dpi, quality, encoding) for f in files]
    t0 = time.perf_counter()
    if workers <= 1:
        results = [convert(j) for j in jobs]
    else:
        with ProcessPoolExecutor(max_workers=workers) as ex:
            results = list(ex.map(convert, jobs))
    total = time.perf_counter() - t0
    pages = sum(r["pages"] for r in results)
    size = sum(r["bytes"] for r in results if r["ok"])
    print(json.dumps({"peer": "pymupdf", "encoding": encoding, "quality": quality, "dpi": dpi,
                      "workers": workers, "files": len(files),
                      "ok": sum(r["ok"] for r in results), "pages": pages,
                      "seconds": total, "bytes": size}))


if __name__ == "__main__":
    main()
