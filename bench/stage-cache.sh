#!/usr/bin/env bash
# What the per-node stage cache saves: the second `sifkit stage --cache-dir` of an image on a
# node against the first one (which copies), against staging without a cache, and against the
# two hits that read data: a source file the cache has not seen (verified in place, no copy)
# and --rehash (the cached copy hashed again). The page cache is warm for every run, so the
# numbers compare work done, not the disk.
#
#   bench/stage-cache.sh
#
# Environment:
#   SIFKIT=PATH    sifkit binary (default: <repo>/build/cli/sifkit)
#   SIZE=1G        size of the partition object (random bytes)
#   RUNS=3         runs per measurement; the best wall time is reported
#   BENCH_DIR=DIR  work directory (default: ${TMPDIR:-/tmp}/sifkit-bench-cache); moved aside and
#                  deleted when left by an earlier run; removed at exit. Needs 3 x SIZE.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=bench/lib.sh
. "$repo/bench/lib.sh"
sifkit="${SIFKIT:-$repo/build/cli/sifkit}"
size="${SIZE:-1G}"
runs="${RUNS:-3}"
work="${BENCH_DIR:-${TMPDIR:-/tmp}/sifkit-bench-cache}"

bench_require_sifkit "$sifkit"
bench_require_time
bench_enter_workdir "$work"

echo "creating a signed image with a $size partition of random bytes ..."
head -c "$size" /dev/urandom >rootfs.bin
bench_stamp_squashfs rootfs.bin
"$sifkit" new image.sif
"$sifkit" add image.sif rootfs.bin --datatype 4 --partfs 1 --parttype 2 --partarch 2 --groupid 1
rm -f rootfs.bin
"$sifkit" key generate --type ed25519 bench >/dev/null
"$sifkit" sign image.sif --key bench.key >/dev/null
bytes=$(stat -c %s image.sif)
cat image.sif >/dev/null

declare -A secs rss
row() { # KEY CMD...
    local key="$1"
    shift
    bench_measure "$runs" null "$@"
    secs[$key]=$m_seconds
    rss[$key]=$m_rss
}
key=(--key bench.pub)

bench_setup() { rm -f staged.sif; }
row plain "$sifkit" stage image.sif staged.sif "${key[@]}"
bench_setup() { rm -rf cache; }
row miss "$sifkit" stage image.sif --cache-dir cache "${key[@]}"
unset -f bench_setup
row hit "$sifkit" stage image.sif --cache-dir cache "${key[@]}"
row rehash "$sifkit" stage image.sif --cache-dir cache --rehash "${key[@]}"
bench_setup() { rm -f other.sif && cp image.sif other.sif && cat other.sif >/dev/null; }
row new_source "$sifkit" stage other.sif --cache-dir cache "${key[@]}"
unset -f bench_setup

print() { # LABEL KEY
    awk -v l="$1" -v t="${secs[$2]}" -v base="${secs[miss]}" -v r="${rss[$2]}" \
        'BEGIN { printf "%-52s %9.3f %9.3fx %9.1f\n", l, t, t / base, r / 1024 }'
}
echo
echo "image: $bytes bytes; best of $runs runs; page cache warm; ratio = seconds / first stage"
printf '%-52s %9s %10s %9s\n' "command" "seconds" "ratio" "RSS MiB"
print "stage image.sif DEST (no cache)" plain
print "stage --cache-dir: first job on the node (copies)" miss
print "stage --cache-dir: next jobs (hit)" hit
print "stage --cache-dir --rehash (hit, copy hashed again)" rehash
print "stage --cache-dir, a source file new to the cache" new_source
