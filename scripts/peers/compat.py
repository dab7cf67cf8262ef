#!/usr/bin/env python3
"""Agreement of `kiyome inspect` with independent peer tools (issue 2, "Done when").

- Every PDF where pdfid counts /JS, /JavaScript, /OpenAction, /AA, /Launch, /EmbeddedFile,
  /XFA or /RichMedia must get the matching kiyome finding.
- Every Office/OLE/RTF/ODF file where olevba finds VBA or XLM macros must get a finding of
  the macro family (in the file's report or any nested report).

Disagreements that are understood are listed in docs/compatibility.md as table rows
`| `LABEL` | `SIGNAL` | why |` (LABEL is `shared/<path>` or `fixtures/<name>`, SIGNAL a pdfid
keyword such as `/OpenAction` or `olevba:VBA` / `olevba:XLM`). Exit status: 0 when every
disagreement is explained, 1 otherwise, 2 on usage errors. Run through scripts/compat.sh.
"""

import argparse
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

PDF_SIGNALS = {
    "/JS": "pdf.javascript",
    "/JavaScript": "pdf.javascript",
    "/OpenAction": "pdf.open_action",
    "/AA": "pdf.additional_actions",
    "/Launch": "pdf.launch",
    "/EmbeddedFile": "pdf.embedded_file",
    "/XFA": "pdf.xfa",
    "/RichMedia": "pdf.rich_media",
}
MACRO_FAMILY = {
    "ooxml.vba_project", "ooxml.xlm_macro_sheet", "ole.vba", "ole.xlm_macro", "odf.macro",
    "sylk.macro",
}
OFFICE_EXT = {
    "doc", "docm", "docx", "dot", "dotm", "dotx", "xls", "xlsm", "xlsx", "xlsb", "xlt", "xltm",
    "xltx", "xla", "xlam", "ppt", "pptm", "pptx", "pps", "ppsm", "ppsx", "pot", "potm", "potx",
    "odt", "ods", "odp", "odg", "rtf", "slk", "msg", "mpp", "ole2", "ooxml",
}


def files_under(d):
    return sorted(p for p in Path(d).rglob("*") if p.is_file()
                  and p.name not in ("MANIFEST.tsv", "README.md"))


def codes_of(report):
    out, stack = set(), [report]
    while stack:
        r = stack.pop()
        out.update(f.get("code", "") for f in r.get("findings", []))
        stack.extend(r.get("children", []))
    return out


def run_kiyome(kiyome, paths):
    """Path -> file report; one process for all files, one per file if that fails."""
    reports = {}
    batch = subprocess.run([kiyome, "inspect", "--json", *map(str, paths)],
                           capture_output=True, stdin=subprocess.DEVNULL)
    if batch.returncode in (0, 1):
        for f in json.loads(batch.stdout)["files"]:
            reports[f["path"]] = f
        return reports
    for p in paths:
        r = subprocess.run([kiyome, "inspect", "--json", str(p)], capture_output=True,
                           stdin=subprocess.DEVNULL)
        if r.returncode in (0, 1):
            reports[str(p)] = json.loads(r.stdout)["files"][0]
    return reports


def run_pdfid(pdfid, paths):
    """Path -> {keyword: count} for files pdfid reads as PDF."""
    out = subprocess.run([pdfid, "-n", *map(str, paths)], capture_output=True, text=True,
                         errors="replace", stdin=subprocess.DEVNULL).stdout
    counts, current = {}, None
    for line in out.splitlines():
        m = re.match(r"^PDFiD \S+ (.*)$", line)
        if m:
            current = m.group(1)
            counts[current] = {}
            continue
        m = re.match(r"^\s+(/\S+)\s+(\d+)", line)
        if m and current is not None:
            counts[current][m.group(1)] = int(m.group(2))
        if "Not a PDF document" in line and current is not None:
            counts.pop(current, None)
            current = None
    return counts


def olevba_one(olevba, path):
    """{'VBA', 'XLM'} subset found in one file, or None when olevba failed on it.

    One process per file: olevba abandons the rest of a batch after an exception (such as
    an encrypted file it cannot open)."""
    try:
        res = subprocess.run([olevba, "-j", str(path)], capture_output=True, text=True,
                             errors="replace", stdin=subprocess.DEVNULL, timeout=120)
        entries = json.loads(res.stdout)
    except (subprocess.TimeoutExpired, json.JSONDecodeError):
        return None
    kinds, seen = set(), False
    for e in entries:
        if e.get("file") is None:
            continue
        if e.get("type") == "error":
            return None
        seen = True
        for m in e.get("macros") or []:
            kinds.add("XLM" if "xlm_macro" in (m.get("subfilename") or "") else "VBA")
    return kinds if seen else None


def run_olevba(olevba, paths):
    """Path -> set of 'VBA'/'XLM' (empty when none), or None when olevba failed on it."""
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = pool.map(lambda p: olevba_one(olevba, p), paths)
        return {str(p): r for p, r in zip(paths, results)}


def exceptions(doc):
    """(label, signal) -> explanation, from docs/compatibility.md table rows."""
    out = {}
    if not Path(doc).is_file():
        return out
    for line in Path(doc).read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\|\s*`((?:shared|fixtures)/[^`]+)`\s*\|\s*`([^`]+)`\s*\|(.*)\|\s*$", line)
        if m:
            out[(m.group(1), m.group(2))] = m.group(3).strip()
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kiyome", required=True)
    ap.add_argument("--pdfid", required=True)
    ap.add_argument("--olevba", required=True)
    ap.add_argument("--corpus", help="the shared corpus directory (optional)")
    ap.add_argument("--fixtures", required=True)
    ap.add_argument("--exceptions", required=True, help="docs/compatibility.md")
    ap.add_argument("--markdown-out", help="also write the tables to this file")
    a = ap.parse_args()

    labelled = []  # (label, path)
    if a.corpus and Path(a.corpus).is_dir():
        labelled += [("shared/" + str(p.relative_to(a.corpus)), p) for p in files_under(a.corpus)]
    labelled += [("fixtures/" + str(p.relative_to(a.fixtures)), p)
                 for p in files_under(a.fixtures)]

    def head(p):
        with open(p, "rb") as f:
            return f.read(1024)

    pdfs = [(l, p) for l, p in labelled if p.suffix.lower() == ".pdf" or b"%PDF-" in head(p)]
    office = [(l, p) for l, p in labelled if p.suffix.lower().lstrip(".") in OFFICE_EXT]
    reports = run_kiyome(a.kiyome, sorted({p for _, p in pdfs + office}))
    pdfid = run_pdfid(a.pdfid, [p for _, p in pdfs])
    vba = run_olevba(a.olevba, [p for _, p in office])
    known = exceptions(a.exceptions)

    rows = {}  # signal -> [peer positives, agree, excepted, disagree, kiyome-only]
    disagreements, excepted, notes = [], [], []

    def tally(signal, peer, ours, label, codes):
        r = rows.setdefault(signal, [0, 0, 0, 0, 0])
        if peer:
            r[0] += 1
            if ours:
                r[1] += 1
            elif (label, signal) in known:
                r[2] += 1
                excepted.append((label, signal, known[(label, signal)]))
            else:
                r[3] += 1
                disagreements.append((label, signal, ",".join(sorted(codes)) or "-"))
        elif ours:
            r[4] += 1

    for label, p in pdfs:
        counts = pdfid.get(str(p))
        rep = reports.get(str(p))
        if counts is None:
            continue  # pdfid does not read it as a PDF
        if rep is None:
            notes.append(f"{label}: kiyome produced no report")
            continue
        codes = codes_of(rep)
        for kw, code in PDF_SIGNALS.items():
            tally(kw, counts.get(kw, 0) > 0, code in codes, label, codes)

    for label, p in office:
        kinds = vba.get(str(p))
        rep = reports.get(str(p))
        if rep is None:
            notes.append(f"{label}: kiyome produced no report")
            continue
        if kinds is None:
            notes.append(f"{label}: olevba failed on it")
            continue
        codes = codes_of(rep)
        ours = bool(codes & MACRO_FAMILY)
        if "VBA" in kinds or not kinds:
            tally("olevba:VBA", "VBA" in kinds, ours, label, codes)
        if "XLM" in kinds:
            tally("olevba:XLM", True, ours, label, codes)

    lines = [f"Files: {len(pdfs)} PDFs (pdfid read {len(pdfid)}), {len(office)} Office/OLE/RTF/ODF.",
             "", "| peer signal | peer finds it | kiyome agrees | explained exception |"
             " unexplained | kiyome only |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for sig in list(PDF_SIGNALS) + ["olevba:VBA", "olevba:XLM"]:
        r = rows.get(sig, [0, 0, 0, 0, 0])
        lines.append(f"| `{sig}` | {r[0]} | {r[1]} | {r[2]} | {r[3]} | {r[4]} |")
    if disagreements:
        lines += ["", "Unexplained disagreements (peer finds it, kiyome does not):", "",
                  "| file | signal | kiyome codes |", "| --- | --- | --- |"]
        lines += [f"| `{l}` | `{s}` | {c} |" for l, s, c in disagreements]
    if notes:
        lines += ["", "Notes:"] + [f"- {n}" for n in notes]
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    if a.markdown_out:
        Path(a.markdown_out).write_text(text, encoding="utf-8")
    print(f"\ncompat: {len(disagreements)} unexplained disagreements, {len(excepted)} explained",
          file=sys.stderr)
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
