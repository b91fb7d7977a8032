#!/usr/bin/env bash
# Getting a root file system out of a SIF: sifkit (reading the squashfs in place) against the
# squashfs tools working on the partition file, side by side in one run: best wall time of RUNS,
# peak RSS, and the ratio to sifkit.
#
#   bench/export-vs-peers.sh [IMAGE.sif]
#
#   tar:      sifkit export --format tar IMAGE -   vs  sqfs2tar PART        (both into a pipe)
#   dir:      sifkit export IMAGE DIR              vs  rdsquashfs -u / -p DIR PART, unsquashfs -d DIR PART
#   extract:  sifkit extract IMAGE --partition F   vs  siftool dump ID IMAGE > F
#
# IMAGE defaults to the shared corpus's Debian image converted with sifkit (the corpus is built
# by ../shared/bench/make-corpus.sh into $CORPUS, see bench/convert-vs-peers.sh); any SIF with a
# squashfs primary partition works. The partition file the peers read is extracted once, untimed.
#
# Environment: SIFKIT (default <repo>/build/cli/sifkit; build Release for numbers), RUNS
# (default 3), BENCH_DIR (default ${TMPDIR:-/tmp}/sifkit-bench-export), CORPUS.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=bench/lib.sh
source "$repo/bench/lib.sh"
sifkit="$(realpath "${SIFKIT:-$repo/build/cli/sifkit}")"
runs="${RUNS:-3}"
bench_require_sifkit "$sifkit"
bench_require_time
bench_require_tools sqfs2tar rdsquashfs unsquashfs siftool

image="${1:-}"
bench_enter_workdir "${BENCH_DIR:-${TMPDIR:-/tmp}/sifkit-bench-export}"
if [ -z "$image" ]; then
    corpus="${CORPUS:-${CORPUS_CACHE:-$HOME/.cache/sifkit-bench-corpus}}"
    bash "$repo/../shared/bench/make-corpus.sh" "$corpus" debian >&2
    "$sifkit" convert -q "oci:$corpus/oci/debian" image.sif
    image="$bench_work/image.sif"
fi
image="$(realpath "$image")"
"$sifkit" extract "$image" --partition part.sqfs
part_id=$("$sifkit" list --json "$image" | python3 -c '
import json, sys
print(next(o["id"] for o in json.load(sys.stdin)["objects"]
           if o.get("partition", {}).get("part_type") == "primary-system"))')
size=$(stat -c %s part.sqfs)
files=$("$sifkit" ls -R "$image" / | wc -l)
printf 'image %s: squashfs %s bytes, %s entries, best of %s runs\n\n' "$image" "$size" "$files" "$runs"
printf '%-9s %-44s %10s %10s %8s\n' task tool seconds "peak KiB" ratio

row() {  # TASK TOOL BASE_SECONDS
    local ratio
    ratio=$(awk -v a="$m_seconds" -v b="$3" 'BEGIN { printf "%.2f", a / b }')
    printf '%-9s %-44s %10.3f %10d %8s\n' "$1" "$2" "$m_seconds" "$m_rss" "$ratio"
}

unset -f bench_setup
bench_measure "$runs" pipe "$sifkit" export --format tar "$image" -
base=$m_seconds
row tar "sifkit export --format tar" "$base"
bench_measure "$runs" pipe sqfs2tar part.sqfs
row tar "sqfs2tar" "$base"

# Directory exports: the previous tree is moved aside before each run (untimed) and all of them
# are deleted at the end, as creating files right after deleting many is slow on these disks.
mkdir -p trash
bench_setup() { if [ -e out ]; then mv out "trash/$RANDOM$RANDOM"; fi; }
bench_measure "$runs" null "$sifkit" export -q "$image" out
base=$m_seconds
row dir "sifkit export (dir)" "$base"
bench_measure "$runs" null rdsquashfs -q -u / -p out part.sqfs
row dir "rdsquashfs -u / -p" "$base"
bench_measure "$runs" null unsquashfs -no-progress -d out part.sqfs
row dir "unsquashfs -d" "$base"

bench_setup() { rm -f copy.sqfs; }
bench_measure "$runs" null "$sifkit" extract "$image" --partition copy.sqfs
base=$m_seconds
row extract "sifkit extract --partition" "$base"
bench_measure "$runs" null sh -c 'siftool dump "$0" "$1" > copy.sqfs' "$part_id" "$image"
row extract "siftool dump" "$base"
