#!/bin/sh
# Runs COUNT generated layer stacks (seeds FIRST .. FIRST+COUNT-1) through `sifkit convert`, the
# shared reference flattening and `umoci raw unpack`, and compares the trees
# (tests/merge/merge_fuzz.py; without umoci the second reference is skipped, with a message).
#   tests/merge/run-generated.sh [COUNT [FIRST]]     default: 1000 seeds from 0
# SIFKIT_BIN: the sifkit binary (default build/cli/sifkit); SIFKIT_SHARED_DIR: the shared tree;
# JOBS: stacks converted in parallel (default 1).
# Exits non-zero when any seed fails; each failure prints its seed and a command to rebuild it.
set -eu
count=${1:-1000}
first=${2:-0}
here=$(cd "$(dirname "$0")" && pwd)
bin=${SIFKIT_BIN:-$here/../../build/cli/sifkit}
exec python3 "$here/merge_fuzz.py" --sifkit "$bin" --seeds "$first:$((first + count))" --jobs "${JOBS:-1}"
