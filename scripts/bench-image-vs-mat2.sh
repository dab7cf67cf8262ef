#!/usr/bin/env bash
# Image metadata removal throughput, kiyome vs mat2, in one run on the same files.
# Files: the JPEG/PNG/TIFF/WebP images of the shared corpus (images-metadata) and of
# test-corpus/files. Prints files/s and MB/s for each tool and the speed ratio (target ≥ 10×).
# Usage: scripts/bench-image-vs-mat2.sh [CORPUS_DIR]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
corpus="${1:-${KIYOME_CORPUS:-$root/../shared/corpus}}"
command -v mat2 >/dev/null || { echo "mat2 not installed (apt-get install mat2)" >&2; exit 2; }
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
mkdir -p "$work/in" "$work/kiyome" "$work/mat2"
for f in "$corpus"/images-metadata/* "$root"/test-corpus/files/*; do
  case "$(file -b --mime-type "$f")" in
    image/jpeg|image/png|image/tiff|image/webp) cp "$f" "$work/in/" ;;
  esac
done
# Keep only files both tools accept, so that both do the same work.
cp "$work"/in/* "$work/mat2/"
mat2 --lightweight "$work"/mat2/* >/dev/null 2>&1 || true
for f in "$work"/in/*; do
  b="$(basename "$f")"; stem="${b%.*}"; ext="${b##*.}"
  [ -e "$work/mat2/$stem.cleaned.$ext" ] || rm -f "$f"
done
rm -rf "$work/mat2"; mkdir -p "$work/mat2"
n=$(ls "$work/in" | wc -l); bytes=$(cat "$work"/in/* | wc -c)
echo "files: $n ($(awk "BEGIN{printf \"%.1f\", $bytes/1048576}") MB)"
cd "$root"
cargo build -q --release -p kiyome-image --example reencode
bin="${CARGO_TARGET_DIR:-$root/target}/release/examples/reencode"
t0=$(date +%s.%N); "$bin" "$work/kiyome" "$work"/in/* 2>/dev/null; t1=$(date +%s.%N)
cp "$work"/in/* "$work/mat2/"
t2=$(date +%s.%N); mat2 "$work"/mat2/* >/dev/null 2>&1 || true; t3=$(date +%s.%N)
awk -v n="$n" -v b="$bytes" -v k="$(echo "$t1 - $t0" | bc)" -v m="$(echo "$t3 - $t2" | bc)" 'BEGIN{
  printf "kiyome: %.2f s  %.1f files/s  %.2f MB/s\n", k, n/k, b/1048576/k;
  printf "mat2:   %.2f s  %.1f files/s  %.2f MB/s\n", m, n/m, b/1048576/m;
  printf "ratio (mat2 time / kiyome time): %.1fx\n", m/k }'
