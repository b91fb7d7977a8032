#!/usr/bin/env bash
# Throughput and memory of `sifkit dump` on a large object, against plain cat and dd of the same
# bytes and against the reference siftool. Every run reads from the page cache (the object is
# read once beforehand), so the numbers compare the copy paths, not the disk.
#
#   bench/dump-throughput.sh
#
# Two sinks: /dev/null (the kernel may skip the copy entirely for zero-copy writers such as
# sendfile, so this is an upper bound) and a pipe into `cat >/dev/null` (every byte is copied:
# the realistic case of `sifkit dump ... | tar ...`).
#
# Environment:
#   SIFKIT=PATH    sifkit binary (default: <repo>/build/cli/sifkit)
#   SIFTOOL=PATH   reference siftool (default: <repo>/build/oracle/siftool, else siftool on PATH)
#   SIZE=2G        object size (anything `head -c` accepts)
#   RUNS=3         runs per measurement; the best is reported
#   BENCH_DIR=DIR  work directory (default: ${TMPDIR:-/tmp}/sifkit-bench-dump); a tree left by
#                  an earlier run is moved aside and deleted; removed at exit
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=bench/lib.sh
. "$repo/bench/lib.sh"
sifkit="${SIFKIT:-$repo/build/cli/sifkit}"
siftool="$(bench_find_siftool)"
size="${SIZE:-2G}"
runs="${RUNS:-3}"
work="${BENCH_DIR:-${TMPDIR:-/tmp}/sifkit-bench-dump}"

bench_require_sifkit "$sifkit"
bench_require_time

bench_enter_workdir "$work"

echo "creating a $size object (random bytes) and an image holding it ..."
head -c "$size" /dev/urandom >object.bin
bytes=$(stat -c %s object.bin)
"$sifkit" new image.sif
"$sifkit" add image.sif object.bin --datatype 4 --partfs 4 --parttype 3 --partarch 2
offset=$("$sifkit" info 1 image.sif | awk '/Offset:/ { print $2 }')
rm -f object.bin  # every reader below reads the same bytes of image.sif
cat image.sif >/dev/null  # warm the page cache

# Checks that the tools copy the right bytes before timing them.
want=$(dd if=image.sif bs=1M iflag=skip_bytes,count_bytes skip="$offset" count="$bytes" \
    status=none | sha256sum | cut -d' ' -f1)
got=$("$sifkit" dump 1 image.sif | sha256sum | cut -d' ' -f1)
if [ "$want" != "$got" ]; then
    echo "sifkit dump produced different bytes ($got, want $want)" >&2
    exit 1
fi

# measure SINK CMD...: see bench_measure in bench/lib.sh.
measure() { bench_measure "$runs" "$@"; }

row() { # LABEL CMD...
    local label="$1"
    shift
    local null_t null_r
    measure null "$@"
    null_t=$m_seconds
    null_r=$m_rss
    measure pipe "$@"
    awk -v l="$label" -v b="$bytes" -v nt="$null_t" -v nr="$null_r" -v pt="$m_seconds" \
        -v pr="$m_rss" \
        'function rate(t) { return sprintf("%.0f", b / 1048576 / t) }
         BEGIN { printf "%-34s %10s %10.1f %10s %10.1f\n", l, rate(nt), nr / 1024, rate(pt), pr / 1024 }'
}

echo
echo "object: $bytes bytes at offset $offset; best of $runs runs; MB/s = MiB/s of object bytes"
printf '%-34s %10s %10s %10s %10s\n' "" "/dev/null" "" "pipe" ""
printf '%-34s %10s %10s %10s %10s\n' "command" "MB/s" "RSS MiB" "MB/s" "RSS MiB"
printf '%-34s %10s %10s %10s %10s\n' "----------------------------------" "----------" "----------" \
    "----------" "----------"
row "sifkit dump 1 image.sif" "$sifkit" dump 1 image.sif
if [ -n "$siftool" ]; then
    row "siftool dump 1 image.sif" "$siftool" dump 1 image.sif
fi
row "dd bs=1M skip=OFFSET count=SIZE" dd if=image.sif bs=1M iflag=skip_bytes,count_bytes \
    skip="$offset" count="$bytes" status=none
row "tail -c +OFFSET+1 image.sif" tail -c +$((offset + 1)) image.sif
row "cat image.sif (whole file)" cat image.sif
echo
echo "RSS = peak resident set size of the command (/usr/bin/time %M); time = wall clock per run."
