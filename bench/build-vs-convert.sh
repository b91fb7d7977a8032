#!/usr/bin/env bash
# sifkit build of definition files against convert and against the pipeline Apptainer runs for
# every build (`umoci unpack` of the base, then mksquashfs of the tree), side by side in one run:
# best wall time of RUNS, peak RSS, and the ratio to `sifkit convert`.
#
#   bench/build-vs-convert.sh
#
#   convert          sifkit convert oci:BASE OUT                       (the baseline)
#   build, no %post  sifkit build OUT plain.def    (%files, %environment, %runscript, %labels,
#                                                   %help: streams as convert does)
#   build, %post     sifkit build OUT post.def     (the same plus a %post that writes a file and
#                                                   a %test: sandbox, runc, repack)
#   build on a SIF   sifkit build OUT on-sif.def   (plain.def's sections on "Bootstrap: localimage"
#                                                   of BASE converted to a SIF: unpacked, then
#                                                   converted as a directory)
#   umoci+mksquashfs umoci unpack BASE DIR && mksquashfs DIR OUT        (no runtime files, no SIF)
#
# BASE is the shared corpus's Debian image (../shared/bench/make-corpus.sh into $CORPUS). Every
# tool compresses with gzip on 2 threads (mksquashfs -processors 2, sifkit convert -j 2, build
# --compress-threads 2). Needs root for umoci unpack and for the %post build (rootless needs a
# subuid range).
#
# Environment: SIFKIT (default <repo>/build/cli/sifkit; build Release for numbers), RUNS
# (default 3), BENCH_DIR (default ${TMPDIR:-/tmp}/sifkit-bench-build), CORPUS.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=bench/lib.sh
source "$repo/bench/lib.sh"
sifkit="$(realpath "${SIFKIT:-$repo/build/cli/sifkit}")"
runs="${RUNS:-3}"
bench_require_sifkit "$sifkit"
bench_require_time
bench_require_tools umoci mksquashfs runc

corpus="${CORPUS:-${CORPUS_CACHE:-$HOME/.cache/sifkit-bench-corpus}}"
bash "$repo/../shared/bench/make-corpus.sh" "$corpus" debian >&2
base="$corpus/oci/debian"
bench_enter_workdir "${BENCH_DIR:-${TMPDIR:-/tmp}/sifkit-bench-build}"
mkdir files tmp
head -c 1048576 /dev/urandom >files/data.bin
common="Bootstrap: oci
From: $base:latest

%files
    files/data.bin /opt/app/data.bin

%environment
    export APP_HOME=/opt/app

%runscript
    exec /bin/sh -c 'echo \$APP_HOME'

%labels
    Version 1

%help
    A benchmark image."
printf '%s\n' "$common" >plain.def
printf '%s\n\n%%post\n    echo built >/opt/app/built\n\n%%test\n    test -f /opt/app/built\n' \
    "$common" >post.def

export TMPDIR="$bench_work/tmp"
printf 'base %s, best of %s runs\n\n' "$base" "$runs"
printf '%-18s %10s %10s %8s\n' task seconds "peak KiB" ratio
row() {  # TASK BASE_SECONDS
    printf '%-18s %10.3f %10d %8s\n' "$1" "$m_seconds" "$m_rss" \
        "$(awk -v a="$m_seconds" -v b="$2" 'BEGIN { printf "%.2f", a / b }')"
}
bench_setup() { rm -f out.sif out.sqfs; }
bench_measure "$runs" null "$sifkit" convert -q -j 2 "oci:$base" out.sif
baseline=$m_seconds
row convert "$baseline"
bench_measure "$runs" null "$sifkit" build -q --compress-threads 2 out.sif plain.def
row "build, no %post" "$baseline"
bench_measure "$runs" null "$sifkit" build -q --compress-threads 2 out.sif post.def
row "build, %post" "$baseline"
"$sifkit" convert -q -j 2 "oci:$base" base.sif
printf '%s\n' "$common" | sed -e 's/^Bootstrap: oci$/Bootstrap: localimage/' \
    -e "s|^From: .*|From: $bench_work/base.sif|" >on-sif.def
bench_measure "$runs" null "$sifkit" build -q --compress-threads 2 out.sif on-sif.def
row "build on a SIF" "$baseline"
# Old trees are moved aside and deleted at the end: creating files right after deleting many is
# slow on these disks.
n=0
bench_setup() {
    rm -f out.sqfs
    if [ -e bundle ]; then
        mv bundle "old-bundle-$n"
        n=$((n + 1))
    fi
}
bench_measure "$runs" null bash -c "umoci unpack --image '$base:latest' bundle >/dev/null &&
    mksquashfs bundle/rootfs out.sqfs -comp gzip -processors 2 -quiet -no-progress"
row "umoci+mksquashfs" "$baseline"
