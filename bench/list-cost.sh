#!/usr/bin/env bash
# Shows that `sifkit list`, `sifkit header` and `sifkit info` cost O(descriptors), not O(file
# size): the same three objects, once with a 1 MB partition and once with a 20 GB one, each
# command timed N times on both images, with the reference siftool side by side.
#
#   bench/list-cost.sh
#
# Environment:
#   SIFKIT=PATH       sifkit binary (default: <repo>/build/cli/sifkit; build it first)
#   SIFTOOL=PATH      reference siftool (default: <repo>/build/oracle/siftool, else siftool on PATH)
#   N=50              calls per command and image
#   BIG_SIZE=20G      size of the big partition (anything `truncate -s` accepts)
#   BIG_MODE=add      how the big image is built:
#                       add   - `sifkit add` streams the sparse file into the image (timed and
#                               reported; writes BIG_SIZE of real zeros to disk)
#                       patch - add a 4 KiB partition, then grow its descriptor, the header's
#                               data size and the file (sparse) to BIG_SIZE; same layout as add
#                     add falls back to patch when the disk has too little free space.
#   BENCH_DIR=DIR     work directory (default: ${TMPDIR:-/tmp}/sifkit-bench-list-cost); a tree
#                     left there by an earlier run is moved aside and deleted; removed at exit
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=bench/lib.sh
. "$repo/bench/lib.sh"
sifkit="${SIFKIT:-$repo/build/cli/sifkit}"
siftool="$(bench_find_siftool)"
n="${N:-50}"
big_size="${BIG_SIZE:-20G}"
big_mode="${BIG_MODE:-add}"
work="${BENCH_DIR:-${TMPDIR:-/tmp}/sifkit-bench-list-cost}"

bench_require_sifkit "$sifkit"

bench_enter_workdir "$work"

now_ns() { date +%s%N; }
bytes_of() { numfmt --from=iec "$1"; }

# ---- images ---------------------------------------------------------------------------------
# Both images: a definition file, a JSON labels object and one primary squashfs partition (the
# partition's bytes are not a real file system, only squashfs's magic: no command here looks
# inside it).
printf 'Bootstrap: scratch\n' >recipe.def
printf '{"org.label-schema.schema-version":"1.0"}\n' >labels.json
make_image() { # IMAGE PARTITION_FILE
    "$sifkit" new "$1"
    "$sifkit" add "$1" recipe.def --datatype 1 --groupid 1
    "$sifkit" add "$1" labels.json --datatype 3 --groupid 1
    "$sifkit" add "$1" "$2" --datatype 4 --partfs 1 --parttype 2 --partarch 2 --groupid 1
}

head -c 1M /dev/urandom >small.part
bench_stamp_squashfs small.part
make_image small.sif small.part
rm -f small.part

big_bytes="$(bytes_of "$big_size")"
free_bytes="$(( $(df --output=avail -B1 . | tail -1) ))"
if [ "$big_mode" = add ] && [ "$free_bytes" -lt $((big_bytes + (2 << 30))) ]; then
    echo "only $((free_bytes >> 20)) MiB free here: building the big image with BIG_MODE=patch"
    big_mode=patch
fi

add_seconds=""
case "$big_mode" in
    add)
        truncate -s "$big_size" big.part
        bench_stamp_squashfs big.part
        echo "streaming a $big_size sparse file into big.sif with sifkit add ..."
        t0=$(now_ns)
        make_image big.sif big.part
        t1=$(now_ns)
        add_seconds=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
        rm -f big.part
        ;;
    patch)
        head -c 4096 /dev/zero >big.part
        bench_stamp_squashfs big.part
        make_image big.sif big.part
        rm -f big.part
        # Grow object 3 (slot 2, the last object in the file) from 4096 bytes to BIG_SIZE.
        python3 - big.sif "$big_bytes" <<'PY'
import os, struct, sys
path, size = sys.argv[1], int(sys.argv[2])
with open(path, "r+b") as f:
    header = f.read(128)
    descroff = struct.unpack_from("<q", header, 0x60)[0]
    datalen = struct.unpack_from("<q", header, 0x78)[0]
    slot = descroff + 2 * 585
    f.seek(slot)
    d = f.read(585)
    offset, old, padded = struct.unpack_from("<qqq", d, 17)
    assert d[4] == 1 and struct.unpack_from("<I", d, 5)[0] == 3 and old == 4096
    grow = size - old
    f.seek(slot + 25)
    f.write(struct.pack("<qq", size, padded + grow))
    f.seek(0x78)
    f.write(struct.pack("<q", datalen + grow))
    f.truncate(offset + size)
PY
        ;;
    *)
        echo "BIG_MODE must be add or patch" >&2
        exit 2
        ;;
esac

echo
echo "images:"
for img in small.sif big.sif; do
    printf '  %-10s %14s bytes apparent, %10s on disk\n' "$img" "$(stat -c %s "$img")" \
        "$(du -h "$img" | cut -f1)"
done
if [ -n "$add_seconds" ]; then
    echo "  building big.sif (sifkit add of a $big_size sparse file) took ${add_seconds} s"
fi
"$sifkit" list big.sif
if [ -n "$siftool" ]; then
    "$siftool" list big.sif >/dev/null  # the reference accepts the big image too
fi

# ---- timing ---------------------------------------------------------------------------------
# Mean wall-clock milliseconds per call over N calls (one warm-up call first), process start-up
# included: what a script calling the command pays.
mean_ms() { # IMAGE TOOL ARGS... (the image is appended)
    local img="$1"
    shift
    "$@" "$img" >/dev/null
    local t0 t1
    t0=$(now_ns)
    for ((i = 0; i < n; i++)); do
        "$@" "$img" >/dev/null
    done
    t1=$(now_ns)
    awk -v a="$t0" -v b="$t1" -v n="$n" 'BEGIN { printf "%.2f", (b - a) / n / 1e6 }'
}

echo
echo "mean ms per call over N=$n calls (1 MB image vs $big_size image)"
printf '%-26s %10s %10s %10s\n' "command" "1 MB" "$big_size" "ratio"
printf '%-26s %10s %10s %10s\n' "--------------------------" "----------" "----------" "----------"
row() { # LABEL TOOL ARGS...
    local label="$1"
    shift
    local small big
    small=$(mean_ms small.sif "$@")
    big=$(mean_ms big.sif "$@")
    printf '%-26s %10s %10s %10s\n' "$label" "$small" "$big" \
        "$(awk -v s="$small" -v b="$big" 'BEGIN { printf "%.2f", b / s }')"
}
row "sifkit list" "$sifkit" list
row "sifkit list --json" "$sifkit" list --json
row "sifkit header" "$sifkit" header
row "sifkit header --json" "$sifkit" header --json
row "sifkit info 3" "$sifkit" info 3
row "sifkit info 3 --json" "$sifkit" info --json 3
if [ -n "$siftool" ]; then
    row "siftool list" "$siftool" list
    row "siftool header" "$siftool" header
    row "siftool info 3" "$siftool" info 3
else
    echo "(siftool not found: reference rows skipped)"
fi
echo
echo "ratio = ${big_size} time / 1 MB time; ~1.0 means the cost does not depend on the file size."
