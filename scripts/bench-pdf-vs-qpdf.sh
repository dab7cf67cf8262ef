#!/usr/bin/env bash
# PDF disarm+rewrite against `qpdf in.pdf out.pdf` on the same files, in one run (issue 3:
# target "no slower"). Both are timed as whole processes with hyperfine (start-up included),
# then MB/s and files/s are printed for the set.
#
#   scripts/bench-pdf-vs-qpdf.sh [FILE.pdf...]    (default: four corpus PDFs)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
corpus="${KIYOME_CORPUS:-$repo/../shared/corpus}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"
cargo build -q --release -p kiyome-pdf --example disarm
bin="$CARGO_TARGET_DIR/release/examples/disarm"
files=("$@")
if [[ ${#files[@]} -eq 0 ]]; then
    files=("$corpus/pdf-general/pymupdf__mupdf_explored.pdf"
           "$corpus/pdf-general/pdfjs__tracemonkey.pdf"
           "$corpus/pdf-cjk/pdfjs__issue6286.pdf"
           "$corpus/pdf-general/qpdf__sample-form.pdf")
fi
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
list="$tmp/files"; printf '%s\n' "${files[@]}" >"$list"
bytes=$(cat "${files[@]}" | wc -c)
cat >"$tmp/kiyome.sh" <<EOS
while read -r f; do "$bin" "\$f" "$tmp/k.pdf" 2>/dev/null || true; done <"$list"
EOS
cat >"$tmp/qpdf.sh" <<EOS
while read -r f; do qpdf "\$f" "$tmp/q.pdf" 2>/dev/null || true; done <"$list"
EOS
hyperfine -N --warmup 2 --runs 10 --export-json "$tmp/h.json" \
    -n kiyome-disarm "bash $tmp/kiyome.sh" -n qpdf-rewrite "bash $tmp/qpdf.sh"
python3 - "$tmp/h.json" "$bytes" "${#files[@]}" <<'EOP'
import json, sys
r = json.load(open(sys.argv[1]))["results"]; mb = int(sys.argv[2]) / 1e6; n = int(sys.argv[3])
t = {x["command"]: x["mean"] for x in r}
for k, v in t.items():
    print(f"{k:14s} {v*1000:8.1f} ms  {mb/v:7.1f} MB/s  {n/v:6.1f} files/s")
print(f"kiyome/qpdf time ratio: {t['kiyome-disarm']/t['qpdf-rewrite']:.2f} (<= 1.00 means no slower)")
EOP
