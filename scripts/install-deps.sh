#!/usr/bin/env bash
# Installs everything kiyome's tests, peer comparisons and benchmarks need on a bare Debian 12
# machine (run as root), and the Python peer tools in a virtual environment.
#
# Idempotent: packages already installed and a venv already matching
# scripts/peers/requirements.txt are skipped, so re-runs take about a second.
#
#   scripts/install-deps.sh            # system packages + venv at $KIYOME_VENV or ./.venv
#   KIYOME_SKIP_APT=1 scripts/...      # venv only (no root needed)
#
# Tests find the peer tools (pdfid, olevba, …) by looking in $KIYOME_PEERS_BIN, then
# $KIYOME_VENV/bin, then <repo>/.venv/bin, then PATH (kiyome_core::corpus::peer_tool).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${KIYOME_VENV:-$repo/.venv}"
requirements="$repo/scripts/peers/requirements.txt"

# Debian packages, by purpose (docs: README.md "Tests"):
packages=(
    # independent PDF checks and metadata peers
    qpdf poppler-utils poppler-data libimage-exiftool-perl mat2
    # LibreOffice for image-PDF conversion, sandboxed by bubblewrap
    libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui bubblewrap
    # Japanese fonts for rendering
    fonts-ipafont
    # PKCS#11 token for crypto-erase tests
    softhsm2 opensc
    # independent implementation of the container format (scripts/container-vectors.py)
    python3-cryptography
    # encryption peer, OCR, benchmarking
    age tesseract-ocr tesseract-ocr-jpn hyperfine
    # Info-ZIP's zip writes the ZipCrypto-encrypted zips of the archive password tests
    zip
    # prlimit (memory caps in the corpus harness), GNU time
    util-linux time
    # Python virtual environments for the peer tools
    python3-venv
)

log() { printf 'install-deps: %s\n' "$*" >&2; }

install_apt() {
    if [[ "${KIYOME_SKIP_APT:-0}" == 1 ]]; then
        log "KIYOME_SKIP_APT=1: system packages not checked"
        return
    fi
    local missing=()
    for p in "${packages[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$p")
        fi
    done
    if ((${#missing[@]} == 0)); then
        log "system packages: all ${#packages[@]} present"
        return
    fi
    log "installing: ${missing[*]}"
    local sudo=()
    if [[ "$(id -u)" != 0 ]]; then sudo=(sudo); fi
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
}

install_venv() {
    local stamp="$venv/.kiyome-requirements"
    if [[ -x "$venv/bin/python" && -x "$venv/bin/pdfid" && -f "$stamp" ]] &&
        cmp -s "$stamp" "$requirements"; then
        log "python peers: $venv up to date"
        return
    fi
    # The machine's python3 (pyenv's on this kind of machine, Debian's elsewhere).
    local py
    py="$(command -v python3)"
    if [[ ! -x "$venv/bin/python" ]]; then
        log "creating venv $venv"
        "$py" -m venv "$venv"
    fi
    log "pip install -r scripts/peers/requirements.txt into $venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$requirements"
    # The pdfid package ships a module but no console script: give tests a `pdfid` command.
    printf '#!/bin/sh\nexec "%s" -m pdfid "$@"\n' "$venv/bin/python" >"$venv/bin/pdfid"
    chmod +x "$venv/bin/pdfid"
    cp "$requirements" "$stamp"
}

install_apt
install_venv
log "done; peers in $venv/bin (set KIYOME_PEERS_BIN to use another directory)"
