#!/usr/bin/env bash
# Metadata scrub throughput, kiyome vs mat2 vs `exiftool -all=`, in one run on the same files.
# Files: the Office/ODF documents (ooxml-general, odf) and JPEG/PNG/TIFF/WebP images
# (images-metadata) of the shared corpus plus test-corpus/files, kept only when mat2 accepts
# them too. kiyome scrubs AND verifies every output (one process, like mat2's one process for
# all files). exiftool cannot write Office packages, so it runs on the images only.
# Prints seconds, files/s and the ratios (targets: ≥ 10× mat2, faster than exiftool).
# Usage: scripts/bench-scrub-office.sh [CORPUS_DIR]   (builds the example in release mode;
#        KIYOME_BENCH_PROFILE=debug uses a debug build instead, for a quick look only)
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
profile="${KIYOME_BENCH_PROFILE:-release}"
if [ "$profile" = release ]; then
  cargo build -q --release -p kiyome-redact --example scrub
else
  cargo build -q -p kiyome-redact --example scrub
fi
bin="${CARGO_TARGET_DIR:-$root/target}/$profile/examples/scrub"
echo "kiyome build: $profile"
"$bin" "$work/probe" "$work"/in/* 2>/dev/null || true
cp "$work"/in/* "$work/mat2/"; mat2 "$work"/mat2/* >/dev/null 2>&1 || true
for f in "$work"/in/*; do
  b="$(basename "$f")"; stem="${b%.*}"; ext="${b##*.}"
  if [ ! -e "$work/mat2/$stem.cleaned.$ext" ] || [ ! -e "$work/probe/$b" ]; then rm -f "$f"; fi
done
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
