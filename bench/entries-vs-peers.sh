#!/usr/bin/env bash
# Memory per file-system entry: sifkit convert, tar2sqfs and mksquashfs side by side in one run
# on the same tree of N empty files (1,000 per directory), so that the peak RSS is almost all
# per-entry bookkeeping. Prints wall time, peak RSS, and bytes per entry: (peak RSS on N entries
# - peak RSS on a 1-entry tree) / N.
#
#   bench/entries-vs-peers.sh [N ...]        default: 250000 1000000
#
# sifkit reads the tree as a tar (`tar:` source, one layer: the same merge as an image),
# tar2sqfs reads the same tar on stdin, mksquashfs reads the unpacked tree (from /dev/shm, so
# that the disk does not dominate). Same compressor (gzip) and one thread for all.
#
# Environment:
#   SIFKIT=PATH       sifkit binary (default: <repo>/build/cli/sifkit; build Release for numbers)
#   BENCH_DIR=DIR     work directory (default: /dev/shm/sifkit-bench-entries, else $TMPDIR)
#   MAX_ENTRIES=N     passed to sifkit's --max-entries (default: large enough for every N)
#   FILE_BYTES=B      bytes in each file (default 0). Empty files need no data record; with
#                     B > 0 every tool also keeps each file's data position and block list.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=bench/lib.sh
. "$repo/bench/lib.sh"
sifkit="${SIFKIT:-$repo/build/cli/sifkit}"
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(250000 1000000)
default_dir=/dev/shm/sifkit-bench-entries
[ -d /dev/shm ] && [ -w /dev/shm ] || default_dir="${TMPDIR:-/tmp}/sifkit-bench-entries"

bench_require_sifkit "$sifkit"
bench_require_time
bench_require_tools tar2sqfs mksquashfs python3 tar
bench_enter_workdir "${BENCH_DIR:-$default_dir}"

# make_tree DIR N: N files of FILE_BYTES bytes, 1,000 per directory, names of realistic length.
make_tree() {
    python3 - "$1" "$2" "${FILE_BYTES:-0}" <<'EOF'
import os, sys
root, count, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(root)
for i in range(count):
    d = os.path.join(root, "dir%04d" % (i // 1000))
    if i % 1000 == 0:
        os.mkdir(d)
    fd = os.open(os.path.join(d, "file-%07d.txt" % i), os.O_CREAT | os.O_WRONLY, 0o644)
    os.write(fd, (b"%07d\n" % i) * (size // 8) + b"x" * (size % 8))
    os.close(fd)
EOF
    touch -h -d @1700000000 "$1"
}

declare -A base
run_all() {
    local n="$1" tree="tree.$1" tarball="tree.$1.tar"
    make_tree "$tree" "$n"
    tar -C "$tree" --numeric-owner -cf "$tarball" .
    local max="${MAX_ENTRIES:-$((n * 2 + 100))}"
    bench_measure 1 null "$sifkit" convert -q --force --jobs 1 --compression gzip \
        --max-entries "$max" "tar:$tarball" "sifkit.$n.sif"
    r_sifkit=$m_rss t_sifkit=$m_seconds
    bench_measure 1 null sh -c "tar2sqfs -q -f -c gzip -j 1 'tar2sqfs.$n.sqfs' < '$tarball'"
    r_tar2sqfs=$m_rss t_tar2sqfs=$m_seconds
    bench_measure 1 null mksquashfs "$tree" "mksquashfs.$n.sqfs" -noappend -no-progress -quiet \
        -comp gzip -processors 1
    r_mksquashfs=$m_rss t_mksquashfs=$m_seconds
    mv "$tree" "$tree.done"  # deleted at exit: deleting right before creating is slow
    rm -f "$tarball" ./*."$n".sif ./*."$n".sqfs
}

row() { printf '%-12s %-11s %9s %10s %15s\n' "$@"; }

run_all 1
base[sifkit]=$r_sifkit base[tar2sqfs]=$r_tar2sqfs base[mksquashfs]=$r_mksquashfs

printf 'sifkit %s, one thread, gzip, files of %s bytes, %s\n\n' "$("$sifkit" --version | awk '{print $2}')" \
    "${FILE_BYTES:-0}" "$(date -u +%F)"
row entries tool wall_s rss_MiB bytes/entry
for n in "${counts[@]}"; do
    run_all "$n"
    for tool in sifkit tar2sqfs mksquashfs; do
        rss_var="r_$tool" time_var="t_$tool"
        rss=${!rss_var}
        row "$n" "$tool" "${!time_var}" "$((rss / 1024))" \
            "$(awk -v r="$rss" -v b="${base[$tool]}" -v n="$n" \
                'BEGIN { printf "%.0f", (r - b) * 1024 / n }')"
    done
    awk -v s="$r_sifkit" -v t="$r_tar2sqfs" -v m="$r_mksquashfs" -v n="$n" \
        -v bs="${base[sifkit]}" -v bt="${base[tar2sqfs]}" -v bm="${base[mksquashfs]}" \
        'BEGIN { printf "%-12s sifkit bytes/entry vs tar2sqfs %.2fx, vs mksquashfs %.2fx\n\n", "",
                 (s - bs) / (t - bt), (s - bs) / (m - bm) }'
done
