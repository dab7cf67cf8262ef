#!/usr/bin/env bash
# PDF disarm+rewrite as a user runs it — the release `kiyome sanitize` (rebuild, re-inspection
# and atomic write included) — against `qpdf in.pdf out.pdf`, in one run, on the same files
# (issue 3: target "no slower").
#
# Files: every PDF (by content) of the shared corpus and test-corpus/files that qpdf rewrites
# (exit 0 or 3), or the files given. Of those, the files kiyome blocks (encrypted, damaged,
# unknown filters, active content it refuses…) are counted by reason and not timed, so that
# both tools do the same work on the rest.
# Timing (median of BENCH_RUNS runs, default 3, after a warm-up):
#   - per file: one process per file, one after the other, for both tools (start-up included);
#   - batch: one `kiyome sanitize` over all files (parallel on all cores) against qpdf run on
#     all cores by a process pool.
# Prints MB/s and files/s for each, and the kiyome/qpdf time ratios (≤ 1.00: no slower).
#
#   scripts/bench-pdf-vs-qpdf.sh [FILE.pdf...]
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
corpus="${KIYOME_CORPUS:-$repo/../shared/corpus}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"
command -v qpdf >/dev/null || { echo "qpdf not installed (scripts/install-deps.sh)" >&2; exit 2; }
if [[ -z "${KIYOME_BIN:-}" ]]; then   # KIYOME_BIN: another build, e.g. for a quick try
    cargo build -q --release -p kiyome
    KIYOME_BIN="$CARGO_TARGET_DIR/release/kiyome"
fi
export KIYOME_BIN
PYTHONPATH="$repo/scripts" python3 - "$corpus" "$repo/test-corpus/files" "$@" <<'EOP'
import atexit, os, shutil, subprocess, sys, tempfile
from concurrent.futures import ThreadPoolExecutor
import bench_lib as b

kiyome = os.environ["KIYOME_BIN"]
given = sys.argv[3:]
cands = given or [f for f in b.corpus_files(sys.argv[1:3]) if b.PDF_MAGIC in b.head(f)]
tmp = tempfile.mkdtemp()
atexit.register(shutil.rmtree, tmp, True)
qout = os.path.join(tmp, "q.pdf")

def qpdf(f, out=qout):
    return subprocess.run(["qpdf", f, out], capture_output=True).returncode

accepted = [f for f in cands if qpdf(f) in (0, 3)]
print(f"PDFs: {len(cands)} candidates, {len(accepted)} that qpdf rewrites "
      f"({len(cands) - len(accepted)} qpdf refuses)")
reports = b.classify(kiyome, accepted)
timed = [f for f in accepted if reports[f]["verdict"] == "released"]
b.print_blocked([f for f in accepted if reports[f]["verdict"] != "released"], reports)
if not timed:
    sys.exit("nothing to time")
mb = b.total_mb(timed)
print(f"timed: {len(timed)} files, {mb:.1f} MB, {b.runs()} runs (median)")

kout = os.path.join(tmp, "k")
def kiyome_each():
    for f in timed:
        subprocess.run([kiyome, "sanitize", "--out", kout, f], capture_output=True)
def qpdf_each():
    for f in timed:
        qpdf(f)
def kiyome_batch():
    b.fresh_dir(kout)
    subprocess.run([kiyome, "sanitize", "--out", kout, *timed], capture_output=True)
cores = os.cpu_count() or 1
def qpdf_batch():
    with ThreadPoolExecutor(cores) as pool:
        list(pool.map(lambda i: qpdf(timed[i], os.path.join(tmp, f"q{i}.pdf")), range(len(timed))))

t = {}
for name, fn in [("kiyome sanitize, per file", kiyome_each), ("qpdf, per file", qpdf_each),
                 (f"kiyome sanitize, batch ({cores} cores)", kiyome_batch),
                 (f"qpdf, {cores} processes at once", qpdf_batch)]:
    t[name] = b.median_time(fn, b.runs())
    print(b.line(name, t[name], timed, mb))
names = list(t)
print(f"kiyome/qpdf time ratio, per file: {t[names[0]] / t[names[1]]:.2f}; "
      f"batch: {t[names[2]] / t[names[3]]:.2f} (<= 1.00 means no slower)")
EOP
