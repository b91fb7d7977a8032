# Shared pieces of the benchmark scripts (sourced, not run).
#
#   bench_require_sifkit BIN     fails unless BIN runs
#   bench_require_time           fails unless /usr/bin/time exists (peak RSS measurements)
#   bench_require_tools TOOL...  fails naming the first TOOL not on PATH (the peers compared)
#   bench_find_siftool           prints the reference siftool: $SIFTOOL, else the oracle's
#                                build/oracle/siftool, else the one on PATH (empty: none)
#   bench_stamp_squashfs FILE    writes squashfs's magic over FILE's first 4 bytes (in place,
#                                sparse files stay sparse), so that `sifkit add --partfs 1`,
#                                which checks the declared file system's magic, takes a
#                                stand-in partition of random or zero bytes
#   bench_enter_workdir DIR      makes DIR afresh (a tree left by an interrupted run is moved
#                                aside and deleted), removes it at exit, and cd's into it
#   bench_measure RUNS SINK CMD...
#                                runs CMD RUNS times and sets m_seconds (best wall time,
#                                nanosecond clock) and m_rss (largest peak RSS in KiB, from
#                                /usr/bin/time); SINK is null (stdout to /dev/null) or pipe (into
#                                cat >/dev/null); a function bench_setup, when defined, runs
#                                before each run, untimed. Fails the script if CMD fails.

bench_require_sifkit() {
    if ! "$1" --help >/dev/null 2>&1; then
        echo "sifkit not found or not working at $1 (build it: cmake --build build -j2)" >&2
        exit 1
    fi
}

bench_require_time() {
    if [ ! -x /usr/bin/time ]; then
        echo "/usr/bin/time is missing (scripts/install-deps installs the time package)" >&2
        exit 1
    fi
}

bench_require_tools() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null || { echo "missing $tool (scripts/install-deps)" >&2; exit 1; }
    done
}

bench_find_siftool() {
    if [ -n "${SIFTOOL:-}" ]; then
        echo "$SIFTOOL"
    elif [ -x "$repo/build/oracle/siftool" ]; then
        echo "$repo/build/oracle/siftool"
    else
        command -v siftool || true
    fi
}

bench_stamp_squashfs() {
    printf 'hsqs' | dd of="$1" bs=4 count=1 conv=notrunc status=none
}

bench_enter_workdir() {
    bench_work="$1"
    if [ -e "$bench_work" ]; then
        local old="$bench_work.old.$$"
        mv "$bench_work" "$old"
        rm -rf "$old"
    fi
    mkdir -p "$bench_work"
    trap 'rm -rf "$bench_work"' EXIT
    cd "$bench_work"
}

bench_measure() {
    local runs="$1" sink="$2"
    shift 2
    local t0 t1 t r x
    m_seconds=""
    m_rss=0
    for ((k = 0; k < runs; k++)); do
        if declare -F bench_setup >/dev/null; then bench_setup; fi
        t0=$(date +%s%N)
        if [ "$sink" = null ]; then
            /usr/bin/time -f '%M %x' -o time.out "$@" >/dev/null
        else
            /usr/bin/time -f '%M %x' -o time.out "$@" | cat >/dev/null
        fi
        t1=$(date +%s%N)
        read -r r x < <(tail -n 1 time.out)
        if [ "$x" != 0 ]; then
            echo "FAILED (exit $x): $*" >&2
            exit 1
        fi
        t=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", (b - a) / 1e9 }')
        if [ -z "$m_seconds" ] || awk -v a="$t" -v b="$m_seconds" 'BEGIN { exit !(a < b) }'; then
            m_seconds=$t
        fi
        if [ "$r" -gt "$m_rss" ]; then
            m_rss=$r
        fi
    done
}
