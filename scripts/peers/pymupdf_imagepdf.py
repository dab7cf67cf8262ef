#!/usr/bin/env python3
"""Peer pipeline for the image-PDF benchmark (PyMuPDF, AGPL: a peer only, never a dependency).

For every input PDF: render each page at DPI, encode it (JPEG at QUALITY for photographic
pages is what kiyome does; PyMuPDF's straightforward pipeline uses PNG, and we report both
variants), insert the images into a new PDF, save it. Prints one JSON line per file with
pages, seconds and output bytes. Usage: pymupdf_imagepdf.py OUTDIR DPI WORKERS FILE...
"""
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import fitz  # PyMuPDF


def convert(args):
    path, outdir, dpi = args
    t0 = time.perf_counter()
    try:
        src = fitz.open(path)
        out = fitz.open()
        for page in src:
            pix = page.get_pixmap(dpi=dpi, alpha=False)
            img = pix.tobytes("png")
            rect = page.rect
            p = out.new_page(width=rect.width, height=rect.height)
            p.insert_image(rect, stream=img)
        dest = os.path.join(outdir, os.path.basename(path))
        out.save(dest, garbage=3, deflate=True)
        n = len(src)
        size = os.path.getsize(dest)
        ok = True
    except Exception as e:  # a peer failing on a hostile file is a data point, not a crash
        n, size, ok = 0, 0, False
    return {"file": path, "ok": ok, "pages": n, "bytes": size, "seconds": time.perf_counter() - t0}


def main():
    outdir, dpi, workers, files = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
    os.makedirs(outdir, exist_ok=True)
    jobs = [(f, outdir, dpi) for f in files]
    t0 = time.perf_counter()
    if workers <= 1:
        results = [convert(j) for j in jobs]
    else:
        with ProcessPoolExecutor(max_workers=workers) as ex:
            results = list(ex.map(convert, jobs))
    total = time.perf_counter() - t0
    pages = sum(r["pages"] for r in results)
    size = sum(r["bytes"] for r in results if r["ok"])
    print(json.dumps({"peer": "pymupdf", "workers": workers, "files": len(files),
                      "ok": sum(r["ok"] for r in results), "pages": pages,
                      "seconds": total, "bytes": size}))


if __name__ == "__main__":
    main()
