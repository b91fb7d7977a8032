#!/usr/bin/env bash
# sifkit convert against the pipeline Apptainer uses (umoci unpack to disk, then mksquashfs)
# and against tar2sqfs on a flattened tar, side by side in one run, on the shared benchmark
# corpus (../shared/bench/make-corpus.sh): wall time, CPU time, peak RSS and output size, and the
# ratios. Same compressor, level and thread count for every tool.
#
#   bench/convert-vs-peers.sh
#
# Environment:
#   SIFKIT=PATH       sifkit binary (default: <repo>/build/cli/sifkit; build Release for numbers)
#   IMAGES="debian"   corpus images (small debian big; big takes a while to build)
#   SETTINGS="gzip:9 zstd:3"  compressor:level pairs
#   JOBS=N            threads for every tool (default: nproc)
#   CORPUS=DIR        an existing corpus (default: built into $BENCH_DIR/corpus, kept between runs
#                     in ${CORPUS_CACHE:-$HOME/.cache/sifkit-bench-corpus})
#   SIFKIT_SHARED_DIR shared reference tree (default: <repo>/../shared)
#   BENCH_DIR=DIR     work directory (default: ${TMPDIR:-/tmp}/sifkit-bench-convert); trees left
#                     by an earlier run are moved aside and deleted at the end
# Needs root for the debian/big corpus (debootstrap) and for umoci to keep owners.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
sifkit="${SIFKIT:-$repo/build/cli/sifkit}"
shared="${SIFKIT_SHARED_DIR:-$repo/../shared}"
images="${IMAGES:-debian}"
settings="${SETTINGS:-gzip:9 zstd:3}"
jobs="${JOBS:-$(nproc)}"
work="${BENCH_DIR:-${TMPDIR:-/tmp}/sifkit-bench-convert}"

bench_require_tools umoci mksquashfs tar2sqfs /usr/bin/time
"$sifkit" --version >/dev/null || { echo "sifkit not working at $sifkit" >&2; exit 1; }

# Deleting many files right before creating many is slow on these disks: old trees are moved
# aside now and deleted when the run is over.
trash="$work.trash.$$"
mkdir -p "$trash"
if [ -e "$work" ]; then mv "$work" "$trash/previous"; fi
mkdir -p "$work"
cleanup() { rm -rf "$trash" "$work"; }
trap cleanup EXIT

corpus="${CORPUS:-${CORPUS_CACHE:-$HOME/.cache/sifkit-bench-corpus}}"
if [ -z "${CORPUS:-}" ]; then
    # shellcheck disable=SC2086
    bash "$shared/bench/make-corpus.sh" "$corpus" $images >&2
fi

# measure NAME CMD...: runs CMD once; sets wall, cpu (user+sys) and rss (KiB)
measure() {
    local name="$1"
    shift
    /usr/bin/time -f '%e %U %S %M' -o "$work/time.$name" "$@" >/dev/null 2>"$work/err.$name" || {
        echo "FAILED: $*" >&2
        cat "$work/err.$name" >&2
        exit 1
    }
    read -r wall user sys rss <"$work/time.$name"
    cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
}

row() { printf '%-8s %-9s %-28s %8s %8s %9s %10s\n' "$@"; }

printf 'sifkit %s, %s threads, %s\n\n' "$("$sifkit" --version | awk '{print $2}')" "$jobs" "$(date -u +%F)"
row image setting tool wall_s cpu_s rss_MiB size_MiB
for image in $images; do
    layout="$corpus/oci/$image"
    [ -d "$layout" ] || { echo "no corpus image $layout" >&2; exit 1; }
    for setting in $settings; do
        comp="${setting%%:*}"
        level="${setting#*:}"
        xlevel=(-Xcompression-level "$level")
        [ "$comp" = gzip ] && xlevel=(-Xcompression-level "$level")
        sif="$work/$image.$comp.sif"

        measure sifkit "$sifkit" convert -q --force --jobs "$jobs" --compression "$comp" --level "$level" \
            "oci:$layout:latest" "$sif"
        s_wall=$wall s_cpu=$cpu
        s_size=$(stat -c %s "$sif")
        row "$image" "$setting" "sifkit convert" "$wall" "$cpu" "$((rss / 1024))" \
            "$(awk -v b="$s_size" 'BEGIN { printf "%.1f", b / 1048576 }')"

        bundle="$work/bundle.$image.$comp"
        measure umoci umoci unpack --image "$layout:latest" "$bundle"
        u_wall=$wall u_cpu=$cpu u_rss=$rss
        measure mksquashfs mksquashfs "$bundle/rootfs" "$work/$image.$comp.sqfs" -noappend -no-progress \
            -quiet -comp "$comp" "${xlevel[@]}" -processors "$jobs"
        m_size=$(stat -c %s "$work/$image.$comp.sqfs")
        p_wall=$(awk -v a="$u_wall" -v b="$wall" 'BEGIN { printf "%.2f", a + b }')
        p_cpu=$(awk -v a="$u_cpu" -v b="$cpu" 'BEGIN { printf "%.2f", a + b }')
        p_rss=$((u_rss > rss ? u_rss : rss))
        row "" "" "umoci unpack + mksquashfs" "$p_wall" "$p_cpu" "$((p_rss / 1024))" \
            "$(awk -v b="$m_size" 'BEGIN { printf "%.1f", b / 1048576 }')"

        # tar2sqfs gets the flattened tree as a tar stream made beforehand (not timed).
        tar -C "$bundle/rootfs" --numeric-owner --xattrs --xattrs-include='*' -cf "$work/flat.tar" .
        mv "$bundle" "$trash/bundle.$image.$comp"
        measure tar2sqfs sh -c "tar2sqfs -q -f -c $comp -X level=$level -j $jobs '$work/$image.$comp.t2s' < '$work/flat.tar'"
        t_size=$(stat -c %s "$work/$image.$comp.t2s")
        row "" "" "tar2sqfs (flattened tar)" "$wall" "$cpu" "$((rss / 1024))" \
            "$(awk -v b="$t_size" 'BEGIN { printf "%.1f", b / 1048576 }')"
        rm -f "$work/flat.tar"

        awk -v pw="$p_wall" -v sw="$s_wall" -v pc="$p_cpu" -v sc="$s_cpu" -v ms="$m_size" -v ss="$s_size" \
            'BEGIN { printf "%-8s %-9s speed-up vs umoci+mksquashfs: %.2fx wall, %.2fx cpu; size vs mksquashfs: %+.2f%% (SIF incl. header)\n\n", "", "", pw / sw, pc / sc, (ss - ms) * 100 / ms }'
    done
done
