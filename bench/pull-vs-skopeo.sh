#!/usr/bin/env bash
# sifkit pull from a loopback registry against the two-step way (skopeo copy to an OCI layout,
# then sifkit convert), side by side in one run, on the shared benchmark corpus
# (../shared/bench/make-corpus.sh): wall time, CPU time, peak RSS, bytes downloaded, and the
# ratio; then a warm-cache re-pull, which must download no blob (counted in the registry's
# access log). Same compressor and thread count for both.
#
#   bench/pull-vs-skopeo.sh
#
# Environment:
#   SIFKIT=PATH       sifkit binary (default: <repo>/build/cli/sifkit; build Release for numbers)
#   IMAGES="debian"   corpus images (small debian big)
#   RUNS=N            runs of each measurement, best wall time kept (default 3)
#   CORPUS=DIR        an existing corpus (default: built into
#                     ${CORPUS_CACHE:-$HOME/.cache/sifkit-bench-corpus})
#   SIFKIT_SHARED_DIR shared reference tree (default: <repo>/../shared)
#   BENCH_DIR=DIR     work directory (default: ${TMPDIR:-/tmp}/sifkit-bench-pull)
# Needs docker-registry, skopeo and /usr/bin/time (scripts/install-deps); root for the
# debian/big corpus (debootstrap).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=bench/lib.sh
. "$repo/bench/lib.sh"
sifkit="${SIFKIT:-$repo/build/cli/sifkit}"
shared="${SIFKIT_SHARED_DIR:-$repo/../shared}"
images="${IMAGES:-debian}"
runs="${RUNS:-3}"

bench_require_sifkit "$sifkit"
bench_require_time
bench_require_tools docker-registry skopeo python3

corpus="${CORPUS:-${CORPUS_CACHE:-$HOME/.cache/sifkit-bench-corpus}}"
if [ -z "${CORPUS:-}" ]; then
    # shellcheck disable=SC2086
    bash "$shared/bench/make-corpus.sh" "$corpus" $images >&2
fi

bench_enter_workdir "${BENCH_DIR:-${TMPDIR:-/tmp}/sifkit-bench-pull}"
work="$PWD"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >registry.yml <<YML
version: 0.1
log:
  level: warn
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: $work/storage
http:
  addr: 127.0.0.1:$port
YML
docker-registry serve registry.yml >registry.log 2>&1 &
registry_pid=$!
trap 'kill "$registry_pid" 2>/dev/null; rm -rf "$bench_work"' EXIT
for _ in $(seq 100); do
    if python3 -c "import socket; socket.create_connection(('127.0.0.1', $port))" 2>/dev/null; then
        break
    fi
    sleep 0.1
done
host="127.0.0.1:$port"

blob_gets() { grep -c "\"GET /v2/[^ ]*/blobs/sha256:[0-9a-f]* HTTP/1.1\" 20[06]" registry.log || true; }
row() { printf '%-8s %-36s %8s %8s %8s %10s\n' "$@"; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }

printf 'sifkit %s, %s, best of %s runs, registry on the loopback (plain HTTP)\n\n' \
    "$("$sifkit" --version | awk '{print $2}')" "$(date -u +%F)" "$runs"
row image tool wall_s cpu_s rss_MiB got_MiB
for image in $images; do
    layout="$corpus/oci/$image"
    [ -d "$layout" ] || { echo "no corpus image $layout" >&2; exit 1; }
    skopeo --insecure-policy copy --quiet --dest-tls-verify=false --preserve-digests \
        "oci:$layout:latest" "docker://$host/$image:latest"
    size=$(du -sb "$layout/blobs" | awk '{print $1}')

    # Cold: every blob comes from the registry.
    bench_setup() { rm -rf "$work/cache" "$work/$image.sif"; }
    SIFKIT_CACHEDIR="$work/cache" bench_measure "$runs" null \
        "$sifkit" pull -q --insecure "docker://$host/$image:latest" "$work/$image.sif"
    p_wall=$m_seconds p_rss=$m_rss
    cpu_of() { /usr/bin/time -f '%U %S' -o cpu.out "$@" >/dev/null && awk '{ printf "%.2f", $1 + $2 }' cpu.out; }
    bench_setup
    p_cpu=$(SIFKIT_CACHEDIR="$work/cache" cpu_of "$sifkit" pull -q --insecure \
        "docker://$host/$image:latest" "$work/$image.sif")
    row "$image" "sifkit pull (cold cache)" "$p_wall" "$p_cpu" "$((p_rss / 1024))" "$(mib "$size")"

    # Two steps: skopeo copy to a layout, then convert it.
    bench_setup() { rm -rf "$work/layout" "$work/$image.2.sif"; }
    bench_measure "$runs" null skopeo --insecure-policy copy --quiet --src-tls-verify=false \
        "docker://$host/$image:latest" "oci:$work/layout:latest"
    c_wall=$m_seconds c_rss=$m_rss
    c_cpu=$(cpu_of skopeo --insecure-policy copy --quiet --src-tls-verify=false \
        "docker://$host/$image:latest" "oci:$work/layout2:latest")
    rm -rf "$work/layout2"
    bench_setup() { rm -f "$work/$image.2.sif"; }
    bench_measure "$runs" null "$sifkit" convert -q "oci:$work/layout:latest" "$work/$image.2.sif"
    v_wall=$m_seconds v_rss=$m_rss
    v_cpu=$(cpu_of "$sifkit" convert -q --force "oci:$work/layout:latest" "$work/$image.2.sif")
    row "" "skopeo copy to oci:" "$c_wall" "$c_cpu" "$((c_rss / 1024))" "$(mib "$size")"
    row "" "sifkit convert oci:" "$v_wall" "$v_cpu" "$((v_rss / 1024))" "-"
    t_wall=$(awk -v a="$c_wall" -v b="$v_wall" 'BEGIN { printf "%.3f", a + b }')
    t_cpu=$(awk -v a="$c_cpu" -v b="$v_cpu" 'BEGIN { printf "%.2f", a + b }')
    row "" "  both steps" "$t_wall" "$t_cpu" "$(( (c_rss > v_rss ? c_rss : v_rss) / 1024 ))" "$(mib "$size")"

    # Warm: the cache has every blob; only the manifest is fetched.
    before=$(blob_gets)
    bench_setup() { rm -f "$work/$image.sif"; }
    SIFKIT_CACHEDIR="$work/cache" bench_measure "$runs" null \
        "$sifkit" pull -q --insecure "docker://$host/$image:latest" "$work/$image.sif"
    w_wall=$m_seconds w_rss=$m_rss
    after=$(blob_gets)
    row "" "sifkit pull (warm cache)" "$w_wall" "-" "$((w_rss / 1024))" "$((after - before)) blobs"
    awk -v t="$t_wall" -v p="$p_wall" -v w="$w_wall" \
        'BEGIN { printf "%-8s cold pull vs both steps: %.2fx faster; warm re-pull: %.2fx faster than cold\n\n", "", t / p, p / w }'
    if [ "$((after - before))" != 0 ]; then
        echo "FAILED: the warm re-pull downloaded $((after - before)) blob(s)" >&2
        exit 1
    fi
done
