"""Shared helpers of the side-by-side benchmarks (bench-pdf-vs-qpdf.sh, bench-image-vs-mat2.sh).

Both benchmarks time what a user runs: the release `kiyome sanitize` binary (rebuild,
re-inspection and atomic write included) against a peer tool, on the same files, in one run.
Files kiyome blocks are classified first, counted and listed, and left out of the timed set so
that both tools do the same work.
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

PDF_MAGIC = b"%PDF-"


def corpus_files(dirs):
    """Every regular file under `dirs`, sorted, without the corpus manifest and README."""
    out = []
    for d in dirs:
        for root, _, names in os.walk(d):
            for n in names:
                if n in ("MANIFEST.tsv", "README.md"):
                    continue
                p = os.path.join(root, n)
                if os.path.isfile(p):
                    out.append(p)
    return sorted(out)


def head(path, n=1024):
    with open(path, "rb") as f:
        return f.read(n)


def total_mb(files):
    return sum(os.path.getsize(f) for f in files) / 1e6


def classify(kiyome, files, extra_args=()):
    """Runs `kiyome sanitize --json` once over `files`; returns {path: file report}."""
    if not files:
        return {}
    with tempfile.TemporaryDirectory() as out:
        r = subprocess.run(
            [kiyome, "sanitize", "--json", *extra_args, "--out", out, *files],
            capture_output=True,
        )
        if r.returncode not in (0, 1):
            sys.exit(f"kiyome sanitize failed ({r.returncode}): {r.stderr.decode()[:500]}")
        report = json.loads(r.stdout)
    return {f["path"]: f for f in report["files"]}


def median_time(fn, runs):
    """Median wall time of `runs` calls of `fn` (after one untimed warm-up call)."""
    fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def fresh_dir(path):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)


def line(name, seconds, files, mb):
    return (
        f"  {name:34s} {seconds * 1000:9.1f} ms {mb / seconds:8.2f} MB/s "
        f"{len(files) / seconds:8.1f} files/s"
    )


def runs():
    return int(os.environ.get("BENCH_RUNS", "3"))


def print_blocked(blocked, reports):
    if not blocked:
        return
    by_reason = {}
    for f in blocked:
        by_reason.setdefault(reports[f].get("reason") or "?", []).append(f)
    print(f"blocked by kiyome (not timed): {len(blocked)}")
    for reason, fs in sorted(by_reason.items()):
        print(f"  {len(fs):4d}  {reason}: " + ", ".join(os.path.basename(x) for x in fs[:6])
              + (" …" if len(fs) > 6 else ""))
