#!/usr/bin/env bash
# PDF redaction and scrub speed, in one run on the same files, pages and terms:
#  1. `kiyome redact` (release build; redaction + scrub + the independent verify of the
#     output) against PyMuPDF apply_redactions (+ doc.scrub(), scripts/peers/pymupdf_redact.py)
#     with the terms scripts/peers/pick_terms.py picks from each file's own text. Both are
#     timed as whole processes (wall clock, best of RUNS); PyMuPDF's in-process time (without
#     the Python start) is shown too. Prints ms per page for each and the ratio
#     (target: kiyome at least as fast per page).
#  2. `kiyome scrub` against mat2 and `exiftool -all=` on the same PDFs (target: 10× mat2).
# Files kiyome or a peer refuses (encrypted, damaged…) are dropped from both sides, so all do
# the same work.
# Usage: scripts/bench-redact-pdf.sh [FILE.pdf...]   (default: the shared corpus's pdf-redaction,
#        pdf-cjk and pdf-general). KIYOME_BENCH_PROFILE=debug uses a debug build (a quick look
#        only); RUNS=N repeats each timing (default 3).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
corpus="${KIYOME_CORPUS:-$root/../shared/corpus}"
venv="${KIYOME_VENV:-$root/.venv}"
py="$venv/bin/python"
runs="${RUNS:-3}"
for t in pdftotext mat2 exiftool; do
  command -v "$t" >/dev/null || { echo "$t not installed (scripts/install-deps.sh)" >&2; exit 2; }
done
"$py" -c 'import pymupdf' 2>/dev/null || { echo "PyMuPDF missing in $venv (scripts/install-deps.sh)" >&2; exit 2; }
if [ $# -gt 0 ]; then files=("$@"); else
  files=("$corpus"/pdf-redaction/*.pdf "$corpus"/pdf-cjk/*.pdf "$corpus"/pdf-general/*.pdf)
fi
cd "$root"
profile="${KIYOME_BENCH_PROFILE:-release}"
if [ "$profile" = release ]; then cargo build -q --release --bin kiyome; else cargo build -q --bin kiyome; fi
kiyome="${CARGO_TARGET_DIR:-$root/target}/$profile/kiyome"
echo "kiyome build: $profile; PyMuPDF $("$py" -c 'import pymupdf; print(pymupdf.VersionBind)'); mat2 $(mat2 --version 2>&1 | head -1 | awk '{print $2}'); exiftool $(exiftool -ver)"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
now() { date +%s.%N; }
# Best wall time of $runs runs of a command (seconds); fails when the command fails.
best() {
  local b="" s e t
  for _ in $(seq "$runs"); do
    s=$(now); "$@" >/dev/null 2>&1 || return 1; e=$(now)
    t=$(echo "$e - $s" | bc)
    if [ -z "$b" ] || [ "$(echo "$t < $b" | bc)" = 1 ]; then b=$t; fi
  done
  echo "$b"
}

echo
echo "== redact: kiyome redact vs PyMuPDF apply_redactions (ms per page, best of $runs)"
printf "%-46s %5s %5s %10s %10s %10s %7s\n" file pages terms kiyome pymupdf "(in-proc)" ratio
tk=0; tp=0; tpi=0; tpages=0; nfiles=0
for f in "${files[@]}"; do
  b="$(basename "$f")"
  mapfile -t terms < <("$py" "$root/scripts/peers/pick_terms.py" "$f" 2>/dev/null || true)
  [ "${#terms[@]}" -gt 0 ] && [ -n "${terms[0]}" ] || continue
  targs=(); for t in "${terms[@]}"; do targs+=(--term "$t"); done
  # Both must accept the file.
  "$kiyome" redact "$f" --out "$work/k.pdf" "${targs[@]}" >/dev/null 2>&1 || { echo "  skipped $b (kiyome refuses it)"; continue; }
  probe=$("$py" "$root/scripts/peers/pymupdf_redact.py" "$work/p.pdf" "$f" "${terms[@]}" 2>/dev/null) || { echo "  skipped $b (PyMuPDF fails)"; continue; }
  pages=$(echo "$probe" | awk '{print $1}')
  [ "$pages" -gt 0 ] || continue
  k=$(best "$kiyome" redact "$f" --out "$work/k.pdf" "${targs[@]}") || continue
  p=$(best "$py" "$root/scripts/peers/pymupdf_redact.py" "$work/p.pdf" "$f" "${terms[@]}") || continue
  pi=$("$py" "$root/scripts/peers/pymupdf_redact.py" "$work/p.pdf" "$f" "${terms[@]}" | awk '{print $2}')
  awk -v n="$b" -v pg="$pages" -v nt="${#terms[@]}" -v k="$k" -v p="$p" -v pi="$pi" 'BEGIN{
    printf "%-46s %5d %5d %10.2f %10.2f %10.2f %6.2fx\n", substr(n,1,46), pg, nt, 1000*k/pg, 1000*p/pg, 1000*pi/pg, p/k }'
  tk=$(echo "$tk + $k" | bc); tp=$(echo "$tp + $p" | bc); tpi=$(echo "$tpi + $pi" | bc)
  tpages=$((tpages + pages)); nfiles=$((nfiles + 1))
done
if [ "$nfiles" -gt 0 ]; then
  awk -v n="$nfiles" -v pg="$tpages" -v k="$tk" -v p="$tp" -v pi="$tpi" 'BEGIN{
    printf "all %d files, %d pages: kiyome %.2f ms/page, PyMuPDF %.2f ms/page (in-process %.2f); PyMuPDF/kiyome %.2fx (in-process %.2fx)\n",
      n, pg, 1000*k/pg, 1000*p/pg, 1000*pi/pg, p/k, pi/k }'
fi

echo
echo "== scrub: kiyome scrub vs mat2 vs exiftool -all= (one run over the same PDFs)"
mkdir -p "$work/in" "$work/ks" "$work/m" "$work/e"
for f in "${files[@]}"; do
  b="$(basename "$f")"
  "$kiyome" scrub "$f" --out "$work/ks/$b" >/dev/null 2>&1 || continue
  cp "$f" "$work/m/$b"; mat2 "$work/m/$b" >/dev/null 2>&1 || true
  if [ -e "$work/m/${b%.pdf}.cleaned.pdf" ]; then cp "$f" "$work/in/$b"; fi
done
rm -rf "$work/ks" "$work/m"; mkdir -p "$work/ks" "$work/m"
n=$(ls "$work/in" | wc -l)
[ "$n" -gt 0 ] || { echo "no PDF accepted by kiyome and mat2"; exit 0; }
s=$(now); for f in "$work"/in/*; do "$kiyome" scrub "$f" --out "$work/ks/$(basename "$f")" >/dev/null 2>&1 || true; done; e=$(now); ks=$(echo "$e - $s" | bc)
cp "$work"/in/* "$work/m/"
s=$(now); mat2 "$work"/m/*.pdf >/dev/null 2>&1 || true; e=$(now); ms=$(echo "$e - $s" | bc)
cp "$work"/in/* "$work/e/"
s=$(now); exiftool -q -q -all= -overwrite_original "$work"/e/*.pdf >/dev/null 2>&1 || true; e=$(now); es=$(echo "$e - $s" | bc)
awk -v n="$n" -v k="$ks" -v m="$ms" -v e="$es" 'BEGIN{
  printf "%d PDFs: kiyome scrub (+verify) %.2f s, mat2 %.2f s, exiftool -all= %.2f s\n", n, k, m, e;
  printf "ratio mat2/kiyome %.1fx, exiftool/kiyome %.1fx\n", m/k, e/k }'
