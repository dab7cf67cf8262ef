#!/usr/bin/env bash
# Metadata scrub throughput, kiyome vs mat2 vs `exiftool -all=`, in one run on the same files.
# Files: the Office/ODF documents (ooxml-general, odf) and JPEG/PNG/TIFF/WebP images
# (images-metadata) of the shared corpus plus test-corpus/files, kept only when mat2 accepts
# them too. kiyome scrubs AND verifies every output (one process, like mat2's one process for
# all files). exiftool cannot write Office packages, so it runs on the images only.
# Prints seconds, files/s and the ratios (targets: ≥ 10× mat2, faster than exiftool).
# All three run single-threaded, one process for all files, on the same copies.
# Usage: scripts/bench-scrub-office.sh [CORPUS_DIR]
#   Always a release build of kiyome (`cargo build --release`): debug figures mean nothing.
#   KIYOME_BENCH_MAX_FILES=N keeps N of the accepted files, spread over the list (a quick try).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
corpus="${1:-${KIYOME_CORPUS:-$root/../shared/corpus}}"
command -v mat2 >/dev/null || { echo "mat2 not installed (apt-get install mat2)" >&2; exit 2; }
command -v exiftool >/dev/null || { echo "exiftool not installed (apt-get install libimage-exiftool-perl)" >&2; exit 2; }
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
mkdir -p "$work/in" "$work/probe" "$work/kiyome" "$work/mat2" "$work/exif"
for f in "$corpus"/ooxml-general/* "$corpus"/odf/* "$corpus"/images-metadata/* "$root"/test-corpus/files/*; do
  case "$(basename "$f")" in
    *.docx|*.xlsx|*.pptx|*.odt|*.ods|*.odp|*.jpg|*.jpeg|*.png|*.tif|*.tiff|*.webp) cp "$f" "$work/in/" ;;
  esac
done
# Keep only files every tool accepts, so that all do the same work.
cd "$root"
cargo build -q --release -p kiyome-redact --example scrub
bin="${CARGO_TARGET_DIR:-$root/target}/release/examples/scrub"
echo "kiyome build: release (target/release/examples/scrub)"
echo "peers: $(mat2 --version 2>/dev/null | head -1), exiftool $(exiftool -ver)"
"$bin" "$work/probe" "$work"/in/* 2>/dev/null || true
cp "$work"/in/* "$work/mat2/"; mat2 "$work"/mat2/* >/dev/null 2>&1 || true
for f in "$work"/in/*; do
  b="$(basename "$f")"; stem="${b%.*}"; ext="${b##*.}"
  if [ ! -e "$work/mat2/$stem.cleaned.$ext" ] || [ ! -e "$work/probe/$b" ]; then rm -f "$f"; fi
done
if [ -n "${KIYOME_BENCH_MAX_FILES:-}" ]; then
  # Spread over the sorted list, so a quick try still mixes documents and images.
  total=$(ls "$work/in" | wc -l)
  ls "$work/in" | sort | awk -v n="$KIYOME_BENCH_MAX_FILES" -v t="$total" \
    'int(NR*n/t) == int((NR-1)*n/t)' | while read -r f; do rm -f "$work/in/$f"; done
fi
rm -rf "$work/mat2" "$work/probe"; mkdir -p "$work/mat2"
n=$(ls "$work/in" | wc -l); bytes=$(cat "$work"/in/* | wc -c)
imgs=$(ls "$work/in" | grep -E -i '\.(jpe?g|png|tiff?|webp)$' | wc -l)
echo "files: $n ($(awk "BEGIN{printf \"%.1f\", $bytes/1048576}") MB), of which $imgs images"
now() { date +%s.%N; }
t0=$(now); "$bin" "$work/kiyome" "$work"/in/* 2>/dev/null; t1=$(now)
cp "$work"/in/* "$work/mat2/"
t2=$(now); mat2 "$work"/mat2/* >/dev/null 2>&1 || true; t3=$(now)
# Images only, for exiftool and for a like-for-like kiyome run.
for f in "$work"/in/*; do case "${f,,}" in *.jpg|*.jpeg|*.png|*.tif|*.tiff|*.webp) cp "$f" "$work/exif/" ;; esac; done
mkdir -p "$work/kimg"
t4=$(now); "$bin" "$work/kimg" "$work"/exif/* 2>/dev/null; t5=$(now)
t6=$(now); exiftool -q -q -all= -overwrite_original "$work"/exif/* >/dev/null 2>&1 || true; t7=$(now)
awk -v n="$n" -v i="$imgs" -v k="$(echo "$t1 - $t0" | bc)" -v m="$(echo "$t3 - $t2" | bc)" \
    -v ki="$(echo "$t5 - $t4" | bc)" -v e="$(echo "$t7 - $t6" | bc)" 'BEGIN{
  printf "all files   kiyome (scrub+verify): %.2f s  %.1f files/s\n", k, n/k;
  printf "all files   mat2:                  %.2f s  %.1f files/s\n", m, n/m;
  printf "images      kiyome (scrub+verify): %.2f s  %.1f files/s\n", ki, i/ki;
  printf "images      exiftool -all=:        %.2f s  %.1f files/s\n", e, i/e;
  printf "ratio mat2/kiyome: %.1fx   exiftool/kiyome (images): %.1fx\n", m/k, e/ki }'
