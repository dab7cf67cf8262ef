#!/usr/bin/env bash
# Image-PDF conversion and text extraction against peers, in one run, on the same files.
#
#   scripts/bench-convert.sh [DIR|FILE...]  (default: ../shared/corpus/pdf-general pdf-cjk)
#   DPI=150 QUALITY=75 scripts/bench-convert.sh …   (the defaults; both sides use the same)
#
# Image-PDF: kiyome `sanitize --mode image-pdf` against a PyMuPDF pipeline doing the same job
# (render at DPI, encode, insert into a new PDF), at the same DPI and JPEG quality (kiyome gets
# them through a policy file), on one core and on all cores; prints pages/s and output bytes
# per page. The peer runs twice: every page JPEG at QUALITY (the like-for-like size
# comparison: kiyome uses JPEG at QUALITY for photographic pages and lossless for the rest),
# and every page PNG. Text: kiyome `sanitize --mode text` against `pdftotext`. Uses the
# release build and the peers from scripts/install-deps.sh.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
dirs=("$@")
dpi="${DPI:-150}"
quality="${QUALITY:-75}"
if ((${#dirs[@]} == 0)); then
    dirs=("$repo/../shared/corpus/pdf-general" "$repo/../shared/corpus/pdf-cjk")
fi
venv="${KIYOME_VENV:-$repo/.venv}"
py="$venv/bin/python"
[[ -x "$py" ]] || { echo "run scripts/install-deps.sh first (no venv at $venv)" >&2; exit 2; }
"$py" -c 'import pymupdf' 2>/dev/null || "$py" -m pip install -q -r "$repo/scripts/peers/requirements.txt"
cargo build --release -q -p kiyome
kiyome="${CARGO_TARGET_DIR:-$repo/target}/release/kiyome"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Only files every tool can open: those pdftotext reads without error and that are not encrypted.
mapfile -t files < <(for d in "${dirs[@]}"; do find "$d" -type f -name '*.pdf'; done | sort -u | while read -r f; do
    if pdfinfo "$f" >/dev/null 2>&1 && ! pdfinfo "$f" 2>/dev/null | grep -q '^Encrypted: *yes'; then echo "$f"; fi
done)
pages=0
for f in "${files[@]}"; do
    n=$(pdfinfo "$f" 2>/dev/null | awk '/^Pages:/{print $2}')
    pages=$((pages + ${n:-0}))
done
echo "files: ${#files[@]}, pages: $pages, $dpi dpi, JPEG quality $quality"
printf '[image_pdf]\ndpi = %s\njpeg_quality = %s\n' "$dpi" "$quality" > "$work/policy.toml"
mkdir -p "$work/in"
# Copies, not symlinks: kiyome does not follow symbolic links when it walks a directory.
for f in "${files[@]}"; do cp "$f" "$work/in/$(basename "$f")"; done

calc() { awk "BEGIN { print $1 }"; }
secs() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N); calc "$e - $s"; }
# name seconds outdir: throughput over all input pages; size per page over the pages written
# (a file a tool refused adds its time but neither pages nor bytes).
report() {
    local out_pages out_files bytes
    out_files=$(find "$3" -type f -name '*.pdf' 2>/dev/null | wc -l)
    out_pages=$(find "$3" -type f -name '*.pdf' -exec pdfinfo {} \; 2>/dev/null | awk '/^Pages:/{s+=$2} END {print s+0}')
    bytes=$(find "$3" -type f -name '*.pdf' -printf '%s\n' 2>/dev/null | awk '{s+=$1} END {print s+0}')
    printf '%-28s %8.2f s  %8.1f pages/s  %9.0f bytes/page  (%d of %d files, %d pages written)\n' \
        "$1" "$2" "$(calc "$pages / $2")" "$(calc "$bytes / ($out_pages > 0 ? $out_pages : 1)")" \
        "$out_files" "${#files[@]}" "$out_pages"
}

for cores in 1 "$(nproc)"; do
    rm -rf "$work/k"
    t=$(secs env RAYON_NUM_THREADS="$cores" "$kiyome" sanitize --mode image-pdf --policy "$work/policy.toml" "$work/in" --out "$work/k")
    report "kiyome image-pdf ($cores core)" "$t" "$work/k"
    kt=$t
    for enc in jpeg png; do
        rm -rf "$work/p"
        t=$(secs "$py" scripts/peers/pymupdf_imagepdf.py "$work/p" "$dpi" "$cores" "$quality" "$enc" "${files[@]}")
        report "pymupdf $enc ($cores core)" "$t" "$work/p"
        printf '  ratio (pymupdf %s time / kiyome time): %.2f\n' "$enc" "$(calc "$t / $kt")"
    done
done

rm -rf "$work/t"
t=$(secs env RAYON_NUM_THREADS=1 "$kiyome" sanitize --mode text "$work/in" --out "$work/t")
printf '%-28s %8.2f s\n' "kiyome text (1 core)" "$t"
kt=$t
t=$(secs bash -c 'for f in "$@"; do pdftotext -q "$f" /dev/null; done' _ "${files[@]}")
printf '%-28s %8.2f s\n' "pdftotext (1 core)" "$t"
printf '  ratio (pdftotext time / kiyome time): %.2f\n' "$(calc "$t / $kt")"
