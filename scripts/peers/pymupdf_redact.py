#!/usr/bin/env python3
"""The PyMuPDF peer for scripts/bench-redact-pdf.sh: true redaction with apply_redactions.

Usage: pymupdf_redact.py OUT.pdf IN.pdf [TERM...]
For every page: every match of every term (page.search_for) becomes a redaction annotation
filled black, then page.apply_redactions() removes the text under it (and image pixels, the
default); doc.scrub() drops metadata like kiyome's scrub does, and the file is saved with
garbage collection. Prints: pages, seconds spent in PyMuPDF (without interpreter start),
matches."""
import sys
import time

import pymupdf as fitz  # PyMuPDF (the `fitz` name is deprecated)


def main():
    out, src, terms = sys.argv[1], sys.argv[2], sys.argv[3:]
    t0 = time.perf_counter()
    doc = fitz.open(src)
    hits = 0
    for page in doc:
        for term in terms:
            for rect in page.search_for(term):
                page.add_redact_annot(rect, fill=(0, 0, 0))
                hits += 1
        page.apply_redactions()
    doc.scrub()
    doc.save(out, garbage=3, deflate=True)
    t1 = time.perf_counter()
    print(f"{doc.page_count} {t1 - t0:.4f} {hits}")


if __name__ == "__main__":
    main()
