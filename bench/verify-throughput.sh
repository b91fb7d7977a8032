#!/usr/bin/env bash
# Throughput and memory of `sifkit verify` and `sifkit stage` on a multi-gigabyte signed image,
# against `sha256sum` of the same file (the floor: every byte must be hashed once) and against
# `cp` + `verify` (what stage replaces). Every run reads from the page cache (the image is read
# once beforehand), so the numbers compare the hashing and copy paths, not the disk. stage makes
# its copy durable (fsync) before renaming it into place, so it is also compared with
# cp + sync + verify, which gives the same guarantee.
#
#   bench/verify-throughput.sh
#
# Environment:
#   SIFKIT=PATH    sifkit binary (default: <repo>/build/cli/sifkit)
#   SIZE=3G        size of the partition object (random bytes, not sparse; anything `head -c` takes)
#   RUNS=3         runs per measurement; the best wall time is reported
#   BENCH_DIR=DIR  work directory (default: ${TMPDIR:-/tmp}/sifkit-bench-verify); a tree left by
#                  an earlier run is moved aside and deleted; removed at exit. Needs 3 x SIZE.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=bench/lib.sh
. "$repo/bench/lib.sh"
sifkit="${SIFKIT:-$repo/build/cli/sifkit}"
size="${SIZE:-3G}"
runs="${RUNS:-3}"
work="${BENCH_DIR:-${TMPDIR:-/tmp}/sifkit-bench-verify}"

bench_require_sifkit "$sifkit"
bench_require_time
bench_enter_workdir "$work"

echo "creating a signed image with a $size partition of random bytes ..."
head -c "$size" /dev/urandom >rootfs.bin
bench_stamp_squashfs rootfs.bin
printf 'Bootstrap: scratch\n' >recipe.def
"$sifkit" new image.sif
"$sifkit" add image.sif recipe.def --datatype 1 --groupid 1
"$sifkit" add image.sif rootfs.bin --datatype 4 --partfs 1 --parttype 2 --partarch 2 --groupid 1
rm -f rootfs.bin
"$sifkit" key generate --type ed25519 bench >/dev/null
"$sifkit" sign image.sif --key bench.key >/dev/null
bytes=$(stat -c %s image.sif)
cat image.sif >/dev/null  # warm the page cache
"$sifkit" verify image.sif --key bench.pub >/dev/null  # and check it verifies at all

measure() { bench_measure "$runs" null "$@"; }

declare -A secs rss
row() { # KEY CMD...
    local key="$1"
    shift
    measure "$@"
    secs[$key]=$m_seconds
    rss[$key]=$m_rss
}

row sha256sum sha256sum image.sif
row verify "$sifkit" verify image.sif --key bench.pub
bench_setup() { rm -f staged.sif copy.sif; }
row stage "$sifkit" stage image.sif staged.sif --key bench.pub
row cp_verify bash -c "cp image.sif copy.sif && '$sifkit' verify copy.sif --key bench.pub"
row cp_sync_verify bash -c "cp image.sif copy.sif && sync copy.sif && '$sifkit' verify copy.sif --key bench.pub"
row cp cp image.sif copy.sif
unset -f bench_setup
rm -f staged.sif copy.sif

print() { # LABEL KEY BASE
    awk -v l="$1" -v b="$bytes" -v t="${secs[$2]}" -v base="${secs[$3]}" -v r="${rss[$2]}" \
        'BEGIN { printf "%-40s %8.2f %10.0f %8.2fx %10.1f\n", l, t, b / 1048576 / t, t / base, r / 1024 }'
}
echo
echo "image: $bytes bytes; best of $runs runs; page cache warm; MiB/s = MiB of image per second"
printf '%-40s %8s %10s %9s %10s\n' "command" "seconds" "MiB/s" "ratio" "RSS MiB"
printf '%-40s %8s %10s %9s %10s\n' "----------------------------------------" "--------" \
    "----------" "---------" "----------"
print "sha256sum image.sif" sha256sum sha256sum
print "sifkit verify image.sif (vs sha256sum)" verify sha256sum
print "cp image.sif copy.sif" cp cp_verify
print "cp + sifkit verify copy (vs itself)" cp_verify cp_verify
print "cp + sync copy + sifkit verify copy" cp_sync_verify cp_verify
print "sifkit stage image.sif dest (vs cp+verify)" stage cp_verify
print "sifkit stage (vs cp+sync+verify)" stage cp_sync_verify
echo
echo "RSS = peak resident set size (/usr/bin/time %M); ratio = seconds / seconds of the reference row."
