#!/usr/bin/env bash
# Crypto-erase benchmark, in one run (issue 8):
#  1. encrypt/decrypt throughput of `kiyome` vs `age` on the same 1 GiB file, and the
#     single-core `openssl speed -evp aes-256-gcm` figure as the limit;
#  2. a 4 GiB stream through pipes (stdin -> encrypt -> decrypt -> stdout) with the peak RSS of
#     both processes (must stay under 64 MiB);
#  3. erasure latency with 10^3, 10^5 and 10^6 keys (bulk-created stores).
#
# Hardware AES: the `aes` and `polyval` crates detect AES-NI / PCLMULQDQ (and VAES) at run time
# (cpufeatures), so no RUSTFLAGS=-C target-cpu=native is needed; the release profile is used.
#
# Usage: scripts/bench-erase.sh [WORKDIR]   (needs ~8 GiB free for the 10^6-key store and files)
# Env: BENCH_SIZES="1000 100000 1000000", BENCH_GIB=1, STREAM_GIB=4, SKIP_STREAM=1, SKIP_LATENCY=1
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${1:-$(mktemp -d /tmp/kiyome-bench.XXXXXX)}
mkdir -p "$WORK"
SIZES=${BENCH_SIZES:-"1000 100000 1000000"}
GIB=${BENCH_GIB:-1}
STREAM_GIB=${STREAM_GIB:-4}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}
cargo build --release -q -p kiyome -p kiyome-benches --bin kiyome --bin kiyome-erase-bench
BIN=$CARGO_TARGET_DIR/release
K=$BIN/kiyome
export KIYOME_STORE=$WORK/keys.db
rm -f "$WORK"/keys.db "$WORK"/keys.db.root
$K keys init --erase-wait 0 >/dev/null
$K keys create bench --series bench --owner bench --class 2 --retention-end 2030-01-01 >/dev/null

best() { # best wall time in seconds of 3 runs of "$@"
  local b=999999 t
  for _ in 1 2 3; do
    local s=$(date +%s.%N); "$@"; local e=$(date +%s.%N)
    t=$(echo "$e - $s" | bc -l); if (( $(echo "$t < $b" | bc -l) )); then b=$t; fi
  done
  echo "$b"
}
mibs() { echo "scale=0; $GIB * 1024 / $1" | bc -l; }

echo "== throughput on a ${GIB} GiB file (page cache; best of 3)"
IN=$WORK/plain.bin
[ -s "$IN" ] || head -c $((GIB << 30)) /dev/urandom > "$IN"
age-keygen -o "$WORK/age.key" 2>/dev/null || true
RECIP=$(grep -o 'age1[0-9a-z]*' "$WORK/age.key" | head -1)
$K encrypt "$IN" --key bench --out "$WORK/c.kiy" 2>/dev/null  # warm
te=$(best sh -c "$K encrypt '$IN' --key bench --out '$WORK/c.kiy' 2>/dev/null")
td=$(best sh -c "$K decrypt '$WORK/c.kiy' --out '$WORK/p.out' 2>/dev/null")
cmp -s "$IN" "$WORK/p.out" || { echo "kiyome round trip differs"; exit 1; }
ae=$(best age -r "$RECIP" -o "$WORK/c.age" "$IN")
ad=$(best age -d -i "$WORK/age.key" -o "$WORK/p.age" "$WORK/c.age")
cmp -s "$IN" "$WORK/p.age" || { echo "age round trip differs"; exit 1; }
rm -f "$WORK/p.out" "$WORK/p.age" "$WORK/c.age"
OSSL=$(openssl speed -evp aes-256-gcm -bytes 16384 -seconds 3 2>/dev/null | awk '/^AES-256-GCM|^aes-256-gcm/ {v=$NF} END {sub("k","",v); print v}')
OSSL_MIBS=$(echo "scale=0; $OSSL * 1000 / 1048576" | bc -l)
KE=$(mibs "$te"); KD=$(mibs "$td"); AE=$(mibs "$ae"); AD=$(mibs "$ad")
printf '%-28s %8s MiB/s\n' "kiyome encrypt" "$KE" "kiyome decrypt" "$KD" "age encrypt" "$AE" "age decrypt" "$AD" "openssl aes-256-gcm 16KiB" "$OSSL_MIBS"
echo "ratio kiyome/age: encrypt $(echo "scale=2; $KE / $AE" | bc -l)x, decrypt $(echo "scale=2; $KD / $AD" | bc -l)x (target >= 1.5x)"
echo "share of openssl: encrypt $(echo "scale=0; 100 * $KE / $OSSL_MIBS" | bc -l)%, decrypt $(echo "scale=0; 100 * $KD / $OSSL_MIBS" | bc -l)% (target >= 50%)"

if [ -z "${SKIP_STREAM:-}" ]; then
  echo "== ${STREAM_GIB} GiB stream through pipes: peak RSS"
  start=$(date +%s.%N)
  out=$(head -c $((STREAM_GIB << 30)) /dev/zero \
    | /usr/bin/time -f %M -o "$WORK/rss-enc" $K encrypt - --key bench --out - 2>/dev/null \
    | /usr/bin/time -f %M -o "$WORK/rss-dec" $K decrypt - --out - 2>/dev/null \
    | wc -c)
  end=$(date +%s.%N)
  re=$(tail -1 "$WORK/rss-enc"); rd=$(tail -1 "$WORK/rss-dec")
  echo "bytes out: $out (expected $((STREAM_GIB << 30))); $(echo "scale=1; $end - $start" | bc -l) s; peak RSS encrypt ${re} KiB, decrypt ${rd} KiB (limit 65536 KiB)"
  [ "$out" -eq $((STREAM_GIB << 30)) ] && [ "$re" -lt 65536 ] && [ "$rd" -lt 65536 ] || { echo "STREAM CHECK FAILED"; exit 1; }
fi

if [ -z "${SKIP_LATENCY:-}" ]; then
  echo "== erasure latency (one key per erasure, file root, synchronous=FULL)"
  for n in $SIZES; do
    $BIN/kiyome-erase-bench "$WORK" "$n" 20
  done
fi
echo "work dir: $WORK"
