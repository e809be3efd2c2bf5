#!/bin/sh
# Run one libFuzzer target, bounded (docs/robustness.md).
#
#   fuzz/run.sh TARGET [RUNS] [SECONDS] [BUILD_DIR]
#
# TARGET is csv, extract, gazetteer, geo, tabulated, profile, readstat or config. RUNS (default 10000000)
# bounds the executions, SECONDS (default 7200) the time. BUILD_DIR (default build-fuzz) is a
# build configured with
#   CC=clang meson setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false
# The working corpus grows in BUILD_DIR/fuzz-work/TARGET; fuzz/corpus/TARGET (the seeds and
# regression inputs) is read but never written. A crashing input is written to
# BUILD_DIR/fuzz-work/TARGET-crash-*: minimise it, fix the reader and copy it into
# fuzz/corpus/TARGET/ as crash-<what>, so the replay test keeps it fixed.
set -eu
target=${1:?usage: fuzz/run.sh TARGET [RUNS] [SECONDS] [BUILD_DIR]}
runs=${2:-10000000}
secs=${3:-7200}
here=$(cd "$(dirname "$0")" && pwd)
build=${4:-$here/../build-fuzz}
work=$build/fuzz-work
# inputs up to 8 KiB (SAS files have 16 KiB pages: 32 KiB for readstat); FUZZ_MAX_LEN overrides
maxlen=8192
[ "$target" = readstat ] && maxlen=32768
maxlen=${FUZZ_MAX_LEN:-$maxlen}
mkdir -p "$work/$target"
export MZATLAS_DATA="$here/../data"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
exec "$build/fuzz/fuzz_$target" \
    -dict="$here/$target.dict" \
    -runs="$runs" -max_total_time="$secs" \
    -max_len="$maxlen" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$work/$target-" \
    "$work/$target" "$here/corpus/$target"
