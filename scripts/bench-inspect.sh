#!/usr/bin/env bash
# Inspect throughput against the peer tools, in one run (issue 2, "Done when"): kiyome inspect
# (release build) over the corpus PDFs and Office/OLE/RTF/ODF files, against pdfid on the same
# PDFs plus olevba on the same Office files. Both sides use every core. Prints files/s, MB/s
# and the ratio (target: kiyome at least 10x faster). Also times kiyome over the whole corpus.
#
#   scripts/bench-inspect.sh [FILE...]  # KIYOME_BIN, KIYOME_CORPUS, peers as in compat.sh
# With FILE arguments, only those files are used (a quick try); by default the whole corpus.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

peer() {
    local d
    for d in "${KIYOME_PEERS_BIN:-}" "${KIYOME_VENV:+$KIYOME_VENV/bin}" "$repo/.venv/bin"; do
        if [[ -n "$d" && -x "$d/$1" ]]; then echo "$d/$1"; return; fi
    done
    command -v "$1" || { echo "bench: $1 not found; run scripts/install-deps.sh" >&2; exit 2; }
}
if [[ -z "${KIYOME_BIN:-}" ]]; then
    cargo build --release -q -p kiyome
    KIYOME_BIN="${CARGO_TARGET_DIR:-$repo/target}/release/kiyome"
fi
corpus="${KIYOME_CORPUS:-$repo/../shared/corpus}"
[[ -d "$corpus" ]] || { echo "bench: no corpus at $corpus" >&2; exit 2; }
pdfid="$(peer pdfid)"
olevba="$(peer olevba)"
cores="$(nproc)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# The same selection as scripts/compat.sh: PDFs for pdfid, Office/OLE/RTF/ODF for olevba.
office_re='\.(doc|docm|docx|dot|dotm|dotx|xls|xlsm|xlsx|xlsb|xlt|xltm|xltx|xla|xlam|ppt|pptm|pptx|pps|ppsm|ppsx|pot|potm|potx|odt|ods|odp|odg|rtf|slk|msg|mpp|ole2|ooxml)$'
if [[ $# -gt 0 ]]; then
    printf '%s\n' "$@" | sort >"$tmp/all"
else
    find "$corpus" -type f ! -name MANIFEST.tsv ! -name README.md | sort >"$tmp/all"
fi
grep -Ei '\.pdf$' "$tmp/all" >"$tmp/pdf" || true
grep -Ei "$office_re" "$tmp/all" >"$tmp/office" || true
cat "$tmp/pdf" "$tmp/office" >"$tmp/both"

bytes() { xargs -d '\n' cat <"$1" | wc -c; }
now() { date +%s.%N; }
# xargs exits 123 when a command exited 1..125: kiyome's "dangerous factor found" is fine,
# anything else (a crash is 125) stops the benchmark.
found() { local rc=$?; [[ $rc -eq 123 ]]; }
calc() { awk "BEGIN { printf \"%.${2:-3}f\", $1 }"; }
# Warm the page cache so that both sides read from memory.
xargs -d '\n' cat <"$tmp/all" >/dev/null

n_both=$(wc -l <"$tmp/both"); b_both=$(bytes "$tmp/both")
n_all=$(wc -l <"$tmp/all"); b_all=$(bytes "$tmp/all")

t0=$(now)
xargs -d '\n' "$KIYOME_BIN" inspect --json <"$tmp/both" >/dev/null || found
t_k=$(calc "$(now) - $t0")

t0=$(now)
RAYON_NUM_THREADS=1 xargs -d '\n' "$KIYOME_BIN" inspect --json <"$tmp/both" >/dev/null || found
t_k1=$(calc "$(now) - $t0")

t0=$(now)
xargs -d '\n' "$KIYOME_BIN" inspect --json <"$tmp/all" >/dev/null || found
t_kall=$(calc "$(now) - $t0")

# pdfid reads many files per process; olevba runs one process per file because it abandons
# the rest of a batch at the first file it cannot decrypt.
t0=$(now)
xargs -d '\n' -n 32 -P "$cores" "$pdfid" -n <"$tmp/pdf" >/dev/null 2>&1 || true
xargs -d '\n' -n 1 -P "$cores" "$olevba" -j <"$tmp/office" >/dev/null 2>&1 || true
t_p=$(calc "$(now) - $t0")

rate() { calc "$1 / $2" 1; }
mbps() { calc "$1 / 1048576 / $2" 2; }
printf '\ninspect throughput on %s cores (%s PDFs + %s Office/OLE/RTF/ODF files, %s MB)\n' \
    "$cores" "$(wc -l <"$tmp/pdf")" "$(wc -l <"$tmp/office")" "$(calc "$b_both / 1048576" 1)"
printf '| tool | seconds | files/s | MB/s |\n| --- | ---: | ---: | ---: |\n'
printf '| kiyome inspect | %.3f | %s | %s |\n' "$t_k" "$(rate "$n_both" "$t_k")" "$(mbps "$b_both" "$t_k")"
printf '| kiyome inspect, 1 thread | %.3f | %s | %s |\n' "$t_k1" "$(rate "$n_both" "$t_k1")" "$(mbps "$b_both" "$t_k1")"
printf '| pdfid + olevba | %.3f | %s | %s |\n' "$t_p" "$(rate "$n_both" "$t_p")" "$(mbps "$b_both" "$t_p")"
printf '| kiyome inspect, every file of the run (%s, any kind) | %.3f | %s | %s |\n' "$n_all" "$t_kall" \
    "$(rate "$n_all" "$t_kall")" "$(mbps "$b_all" "$t_kall")"
ratio=$(calc "$t_p / $t_k" 1)
printf '\nratio: kiyome is %sx faster than pdfid + olevba (target >= 10x)\n' "$ratio"
