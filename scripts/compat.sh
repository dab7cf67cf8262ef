#!/usr/bin/env bash
# Agreement of `kiyome inspect` with pdfid and olevba over ../shared/corpus and
# test-corpus/files (issue 2). Prints the agreement table and every disagreement; exits 1 when
# a disagreement is not explained in docs/compatibility.md.
#
#   scripts/compat.sh [--markdown-out FILE]
#
# Environment: KIYOME_BIN (default: a release build), KIYOME_CORPUS (default ../shared/corpus),
# peers found as everywhere else: $KIYOME_PEERS_BIN, $KIYOME_VENV/bin, ./.venv/bin, PATH
# (scripts/install-deps.sh installs them).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

peer() {
    local d
    for d in "${KIYOME_PEERS_BIN:-}" "${KIYOME_VENV:+$KIYOME_VENV/bin}" "$repo/.venv/bin"; do
        if [[ -n "$d" && -x "$d/$1" ]]; then echo "$d/$1"; return; fi
    done
    command -v "$1" || { echo "compat: peer tool $1 not found; run scripts/install-deps.sh" >&2; exit 2; }
}

if [[ -z "${KIYOME_BIN:-}" ]]; then
    cargo build --release -q -p kiyome
    KIYOME_BIN="${CARGO_TARGET_DIR:-$repo/target}/release/kiyome"
fi
corpus="${KIYOME_CORPUS:-$repo/../shared/corpus}"
args=()
if [[ -d "$corpus" ]]; then args+=(--corpus "$corpus"); fi
pdfid="$(peer pdfid)"
olevba="$(peer olevba)"
# The peers' own interpreter runs the comparison: it is the one Python known to be there.
exec "$(dirname "$olevba")/python3" "$repo/scripts/peers/compat.py" \
    --kiyome "$KIYOME_BIN" --pdfid "$pdfid" --olevba "$olevba" \
    --fixtures "$repo/test-corpus/files" --exceptions "$repo/docs/compatibility.md" \
    "${args[@]}" "$@"
