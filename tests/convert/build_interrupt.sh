#!/usr/bin/env bash
# sifkit build interrupted while %post runs: Ctrl-C (SIGINT to the foreground process group, as a
# terminal sends it) and SIGTERM to sifkit alone (as `kill` or a batch system sends it). Either
# way the commands in the container end, the work directory is removed, no output appears, and
# sifkit dies of the signal. Needs root (or a subuid range) and runc; skips (77) otherwise,
# except under CI=true.
#
#   tests/convert/build_interrupt.sh SIFKIT_BINARY
set -euo pipefail
sifkit="$1"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

skip() {
    if [ "${CI:-}" = true ]; then
        echo "FAILED: $* (CI=true: not skipped)" >&2
        exit 1
    fi
    echo "SKIPPED: $*" >&2
    exit 77
}
[ "$(id -u)" = 0 ] || skip "needs root (runc with the image's owners)"
command -v runc >/dev/null || skip "runc not found (apt-get install runc)"
command -v setsid >/dev/null || skip "setsid (util-linux) not found"

area="$(mktemp -d)"
trap 'rm -rf "$area"' EXIT
python3 "$repo/tests/fixtures/oci/make-fixtures.py" "$area/fx" >/dev/null
mkdir "$area/tmp"
# An unusual duration, so that looking for "sleep 2999" finds only this build's command.
cat >"$area/slow.def" <<DEF
Bootstrap: oci
From: $area/fx/layout:latest

%post
    echo started > /started
    sleep 2999
DEF

failures=0
check() {
    if ! eval "$1"; then
        echo "FAILED: $2" >&2
        failures=$((failures + 1))
    fi
}

# interrupt HOW: starts a build in its own session, waits for %post to run, interrupts it.
interrupt() {
    local how="$1"
    setsid env TMPDIR="$area/tmp" "$sifkit" build "$area/out.sif" "$area/slow.def" \
        >"$area/log" 2>&1 &
    local pid=$!
    for _ in $(seq 1 200); do
        compgen -G "$area/tmp/sifkit-build-*/rootfs/started" >/dev/null && break
        sleep 0.05
    done
    check 'compgen -G "$area/tmp/sifkit-build-*/rootfs/started" >/dev/null' "$how: %post started"
    local started=$SECONDS
    case "$how" in
        ctrl-c) kill -INT -- "-$pid" ;;   # the whole foreground group, as a terminal does
        sigterm) kill -TERM "$pid" ;;     # sifkit alone: it passes the signal to runc
    esac
    # A build that does not stop is a failure, not a hung test.
    for _ in $(seq 1 300); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL -- "-$pid" 2>/dev/null || true
    local status=0
    wait "$pid" || status=$?
    local expected=$([ "$how" = ctrl-c ] && echo 130 || echo 143)
    check '[ "$status" = "$expected" ]' "$how: sifkit ended with $status, not $expected"
    check '[ $((SECONDS - started)) -lt 30 ]' "$how: the build did not stop at once (sleep 2999)"
    check '[ -z "$(ls -A "$area/tmp")" ]' "$how: the work directory is left: $(ls -A "$area/tmp")"
    check '[ ! -e "$area/out.sif" ]' "$how: an output was written"
    check '! pgrep -f "sleep 2999" >/dev/null' "$how: the command in the container still runs"
    pkill -f "sleep 2999" || true
    rm -rf "$area/tmp"/*
}

interrupt ctrl-c
interrupt sigterm
if [ "$failures" != 0 ]; then
    cat "$area/log" >&2
    exit 1
fi
echo "build interrupts: ok"
