#!/usr/bin/env bash
# Image-PDF conversion and text extraction against peers, in one run, on the same files.
#
#   scripts/bench-convert.sh [DIR...]     (default: ../shared/corpus/pdf-general pdf-cjk)
#
# Image-PDF: kiyome `sanitize --mode image-pdf` (150 dpi) against a PyMuPDF pipeline doing the
# same job (render at 150 dpi, encode, insert into a new PDF), on one core and on all cores;
# prints pages/s and output bytes per page. Text: kiyome `sanitize --mode text` against
# `pdftotext`. Uses the release build and the peers from scripts/install-deps.sh.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
dirs=("$@")
if ((${#dirs[@]} == 0)); then
    dirs=("$repo/../shared/corpus/pdf-general" "$repo/../shared/corpus/pdf-cjk")
fi
venv="${KIYOME_VENV:-$repo/.venv}"
py="$venv/bin/python"
[[ -x "$py" ]] || { echo "run scripts/install-deps.sh first (no venv at $venv)" >&2; exit 2; }
"$py" -c 'import fitz' 2>/dev/null || "$py" -m pip install -q pymupdf
cargo build --release -q -p kiyome
kiyome="${CARGO_TARGET_DIR:-$repo/target}/release/kiyome"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Only files every tool can open: those pdftotext reads without error and that are not encrypted.
mapfile -t files < <(for d in "${dirs[@]}"; do find "$d" -type f -name '*.pdf'; done | sort | while read -r f; do
    if pdfinfo "$f" >/dev/null 2>&1 && ! pdfinfo "$f" 2>/dev/null | grep -q '^Encrypted: *yes'; then echo "$f"; fi
done)
pages=0
for f in "${files[@]}"; do
    n=$(pdfinfo "$f" 2>/dev/null | awk '/^Pages:/{print $2}')
    pages=$((pages + ${n:-0}))
done
echo "files: ${#files[@]}, pages: $pages"
mkdir -p "$work/in"
for f in "${files[@]}"; do ln -s "$f" "$work/in/$(basename "$f")"; done

calc() { awk "BEGIN { print $1 }"; }
secs() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N); calc "$e - $s"; }
report() { # name seconds bytes
    printf '%-28s %8.2f s  %8.1f pages/s  %9.0f bytes/page\n' "$1" "$2" "$(calc "$pages / $2")" "$(calc "$3 / $pages")"
}
bytes_of() { find "$1" -type f -name '*.pdf' -printf '%s\n' | awk '{s+=$1} END {print s+0}'; }

for cores in 1 "$(nproc)"; do
    rm -rf "$work/k" "$work/p"
    t=$(secs env RAYON_NUM_THREADS="$cores" "$kiyome" sanitize --mode image-pdf "$work/in" --out "$work/k")
    report "kiyome image-pdf ($cores core)" "$t" "$(bytes_of "$work/k")"
    kt=$t
    t=$(secs "$py" scripts/peers/pymupdf_imagepdf.py "$work/p" 150 "$cores" "${files[@]}")
    report "pymupdf image-pdf ($cores core)" "$t" "$(bytes_of "$work/p")"
    printf '  ratio (pymupdf time / kiyome time): %.2f\n' "$(calc "$t / $kt")"
done

rm -rf "$work/t"
t=$(secs env RAYON_NUM_THREADS=1 "$kiyome" sanitize --mode text "$work/in" --out "$work/t")
printf '%-28s %8.2f s\n' "kiyome text (1 core)" "$t"
kt=$t
t=$(secs bash -c 'for f in "$@"; do pdftotext -q "$f" /dev/null; done' _ "${files[@]}")
printf '%-28s %8.2f s\n' "pdftotext (1 core)" "$t"
printf '  ratio (pdftotext time / kiyome time): %.2f\n' "$(calc "$t / $kt")"
