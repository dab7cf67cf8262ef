#!/usr/bin/env bash
# Image re-encoding as a user runs it — the release `kiyome sanitize` (decode under limits,
# re-encode without metadata or trailing data, re-inspection, atomic write) — against `mat2`,
# in one run, on the same files (issue 3: target at least 10× faster).
#
# Files: every JPEG, PNG, GIF, BMP, TIFF and WebP (by content, as kiyome sniffs it) of the
# shared corpus and test-corpus/files, or the files given. Files kiyome blocks are counted by
# reason and not timed; files mat2 cannot clean (it has no BMP or WebP support) are timed for
# kiyome only and left out of the ratio.
# Timing (median of BENCH_RUNS runs, default 3, after a warm-up), per kind and overall: one
# `kiyome sanitize --out DIR FILES…` process against one `mat2 FILES…` process on copies, so
# start-up counts once for each. kiyome runs on all cores as a user runs it; the same set on
# one thread (RAYON_NUM_THREADS=1) is printed too.
#
#   scripts/bench-image-vs-mat2.sh [IMAGE...]
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
corpus="${KIYOME_CORPUS:-$repo/../shared/corpus}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"
command -v mat2 >/dev/null || { echo "mat2 not installed (scripts/install-deps.sh)" >&2; exit 2; }
if [[ -z "${KIYOME_BIN:-}" ]]; then   # KIYOME_BIN: another build, e.g. for a quick try
    cargo build -q --release -p kiyome
    KIYOME_BIN="$CARGO_TARGET_DIR/release/kiyome"
fi
export KIYOME_BIN
PYTHONPATH="$repo/scripts" python3 - "$corpus" "$repo/test-corpus/files" "$@" <<'EOP'
import atexit, os, shutil, subprocess, sys, tempfile
import bench_lib as b

KINDS = ["jpeg", "png", "gif", "bmp", "tiff", "webp"]
kiyome = os.environ["KIYOME_BIN"]
given = sys.argv[3:]
tmp = tempfile.mkdtemp()
atexit.register(shutil.rmtree, tmp, True)

# Sniff with kiyome itself (inspect reports the kind by content).
cands = given or b.corpus_files(sys.argv[1:3])
r = subprocess.run([kiyome, "inspect", "--json", *cands], capture_output=True)
kinds = {f["path"]: f["kind"] for f in __import__("json").loads(r.stdout)["files"]}
images = [f for f in cands if kinds.get(f) in KINDS]
reports = b.classify(kiyome, images)
released = [f for f in images if reports[f]["verdict"] == "released"]
print(f"images: {len(images)} ({b.total_mb(images):.1f} MB), {len(released)} released by kiyome")
b.print_blocked([f for f in images if f not in released], reports)

# Copies with a plain name per file (mat2 writes NAME.cleaned.EXT beside its input and picks
# its parser by extension, so each copy gets the extension of its real kind).
EXT = {"jpeg": "jpg", "png": "png", "gif": "gif", "bmp": "bmp", "tiff": "tiff", "webp": "webp"}
src = os.path.join(tmp, "src"); os.makedirs(src)
copy = {}
for i, f in enumerate(released):
    c = os.path.join(src, f"{i:04d}.{EXT[kinds[f]]}")
    shutil.copyfile(f, c)
    copy[f] = c

def mat2_accepts(f):
    d = os.path.join(tmp, "probe"); b.fresh_dir(d)
    c = os.path.join(d, os.path.basename(copy[f]))
    shutil.copyfile(copy[f], c)
    subprocess.run(["mat2", c], capture_output=True)
    stem, ext = os.path.splitext(c)
    return os.path.exists(f"{stem}.cleaned{ext}")

both = [f for f in released if mat2_accepts(f)]
only_kiyome = [f for f in released if f not in both]
if only_kiyome:
    per = {}
    for f in only_kiyome:
        per[kinds[f]] = per.get(kinds[f], 0) + 1
    print("mat2 cannot clean (kiyome timed alone, not in the ratio): "
          + ", ".join(f"{k} ×{n}" for k, n in sorted(per.items())))

def kiyome_on(files, threads=None):
    env = dict(os.environ)
    if threads:
        env["RAYON_NUM_THREADS"] = str(threads)
    out = os.path.join(tmp, "k")
    def run():
        b.fresh_dir(out)
        subprocess.run([kiyome, "sanitize", "--out", out, *[copy[f] for f in files]],
                       capture_output=True, env=env)
    return run

def mat2_on(files):
    work = os.path.join(tmp, "m")
    def run():
        b.fresh_dir(work)
        paths = []
        for f in files:
            p = os.path.join(work, os.path.basename(copy[f]))
            shutil.copyfile(copy[f], p)
            paths.append(p)
        subprocess.run(["mat2", *paths], capture_output=True)
    return run

def mat2_copy_cost(files):
    # The copies mat2 needs are part of its timed run; subtract their cost.
    work = os.path.join(tmp, "m")
    def run():
        b.fresh_dir(work)
        for f in files:
            shutil.copyfile(copy[f], os.path.join(work, os.path.basename(copy[f])))
    return run

groups = [(k, [f for f in released if kinds[f] == k]) for k in KINDS]
groups = [(k, fs) for k, fs in groups if fs] + [("all", released)]
n = b.runs()
print(f"{n} runs (median) per measurement")
for k, fs in groups:
    mb = b.total_mb(fs)
    tk = b.median_time(kiyome_on(fs), n)
    tk1 = b.median_time(kiyome_on(fs, 1), n)
    print(f"{k}: {len(fs)} files, {mb:.2f} MB")
    print(b.line("kiyome sanitize (all cores)", tk, fs, mb))
    print(b.line("kiyome sanitize (1 thread)", tk1, fs, mb))
    common = [f for f in fs if f in both]
    if not common:
        print("  mat2: cannot clean these")
        continue
    cmb = b.total_mb(common)
    tm = b.median_time(mat2_on(common), n) - b.median_time(mat2_copy_cost(common), n)
    tkc = tk if len(common) == len(fs) else b.median_time(kiyome_on(common), n)
    tkc1 = tk1 if len(common) == len(fs) else b.median_time(kiyome_on(common, 1), n)
    if len(common) != len(fs):
        print(b.line(f"kiyome on the {len(common)} mat2 cleans", tkc, common, cmb))
    print(b.line("mat2", tm, common, cmb))
    print(f"  ratio mat2/kiyome on the {len(common)} files both clean: {tm / tkc:.1f}× "
          f"(1 thread: {tm / tkc1:.1f}×)")
EOP
