#!/usr/bin/env python3
"""PDF agreement check: kiyome inspect against pdfid, over the shared corpus's PDFs.

For every PDF where pdfid counts /JS, /JavaScript, /OpenAction, /AA, /Launch, /EmbeddedFile,
/XFA or /RichMedia, kiyome's report (file or any child) must carry the matching finding.
Each file is inspected in its own process with a 10 s timeout, so one crash cannot hide another.

usage: scripts/pdf-vs-pdfid.py KIYOME_BIN PDFID_BIN [DIR...]   (default DIR: ../shared/corpus)
Prints one line per disagreement and a summary; exits 1 on any crash, timeout or disagreement.
"""
import json, os, re, subprocess, sys, time

MAP = {
    "/JS": "pdf.javascript", "/JavaScript": "pdf.javascript",
    "/OpenAction": "pdf.open_action", "/AA": "pdf.additional_actions",
    "/Launch": "pdf.launch", "/EmbeddedFile": "pdf.embedded_file",
    "/XFA": "pdf.xfa", "/RichMedia": "pdf.rich_media",
}

def codes(rep):
    out = {f["code"] for f in rep.get("findings", [])}
    for c in rep.get("children", []):
        out |= codes(c)
    return out

def pdfid(binary, path):
    try:
        txt = subprocess.run([binary, path], capture_output=True, text=True, timeout=60).stdout
    except subprocess.TimeoutExpired:
        return None
    counts = {}
    for line in txt.splitlines():
        m = re.match(r"\s*(/\S+)\s+(\d+)", line)
        if m:
            counts[m.group(1)] = int(m.group(2))
    return counts

def main():
    kiyome, pdfid_bin = sys.argv[1], sys.argv[2]
    dirs = sys.argv[3:] or [os.path.join(os.path.dirname(__file__), "..", "..", "shared", "corpus")]
    files = []
    for d in dirs:
        for root, _, names in os.walk(d):
            for n in names:
                p = os.path.join(root, n)
                if n.lower().endswith(".pdf") or os.path.basename(root).startswith("pdf-"):
                    files.append(p)
    files.sort()
    bad = 0
    slow = []
    for p in files:
        t = time.monotonic()
        try:
            r = subprocess.run([kiyome, "inspect", "--json", p], capture_output=True, text=True, timeout=10)
        except subprocess.TimeoutExpired:
            print(f"TIMEOUT {p}"); bad += 1; continue
        dt = time.monotonic() - t
        if dt > 5:
            slow.append((dt, p))
        if r.returncode not in (0, 1):
            print(f"CRASH rc={r.returncode} {p}: {r.stderr.strip()[:200]}"); bad += 1; continue
        rep = json.loads(r.stdout)["files"][0]
        have = codes(rep)
        counts = pdfid(pdfid_bin, p)
        if counts is None:
            print(f"PDFID-TIMEOUT {p}"); continue
        missing = sorted({MAP[k] for k, n in counts.items() if k in MAP and n > 0} - have)
        if missing:
            print(f"DISAGREE {p}: pdfid counts {[k for k in MAP if counts.get(k)]}, kiyome lacks {missing}")
            bad += 1
    print(f"{len(files)} files, {bad} problems, slowest: {sorted(slow)[-3:]}")
    sys.exit(1 if bad else 0)

main()
