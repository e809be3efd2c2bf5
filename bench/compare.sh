#!/bin/sh
# Compare the reader of several builds on a busy machine (docs/performance.md, "What is left").
#
#   bench/compare.sh [-n N] [-f FILE] [--perf] BUILD_DIR...
#
# Runs `readbench --repeat 1` in one thread (MZATLAS_THREADS=1) N times per build (default 8),
# the builds taking turns so that a change in the machine's load hits them all alike, and prints
# the minimum and the median of the process CPU time per build. With --perf it instead records
# each build once with `perf record` (5 repetitions) and prints the samples of libmzatlas and of
# the kernel per sample of SHA-256: the hashing's work is the same in every build, so a lower
# ratio is a faster reader, however busy the machine was. FILE defaults to the standard extract
# of mzbench (/tmp/mzatlas-bench/extract-4800000-psu-size20.csv). MZATLAS_DATA must point to
# data/ (as for readbench).
set -eu
n=8
file=/tmp/mzatlas-bench/extract-4800000-psu-size20.csv
perf=0
while [ $# -gt 0 ]; do
    case "$1" in
    -n) n=$2; shift 2 ;;
    -f) file=$2; shift 2 ;;
    --perf) perf=1; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    -*) echo "compare.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
    esac
done
[ $# -gt 0 ] || { echo "usage: compare.sh [-n N] [-f FILE] [--perf] BUILD_DIR..." >&2; exit 2; }
[ -r "$file" ] || { echo "compare.sh: $file: not readable (bench/gen_extract writes one)" >&2; exit 4; }
for b in "$@"; do
    [ -x "$b/bench/readbench" ] || { echo "compare.sh: $b/bench/readbench: not built" >&2; exit 4; }
done

if [ "$perf" = 1 ]; then
    data=$(mktemp)
    trap 'rm -f "$data"' EXIT
    for b in "$@"; do
        MZATLAS_THREADS=1 perf record -q -o "$data" "$b/bench/readbench" --repeat 5 "$file" \
            >/dev/null 2>&1
        perf report -i "$data" --stdio --sort dso,sym 2>/dev/null |
            awk -v b="$b" '/^ +[0-9.]+%/ { p = $1 + 0
                                if ($0 ~ /sha256/) sha += p
                                else if ($0 ~ /libmzatlas/) mz += p
                                else if ($0 ~ /\[k\]/) k += p }
                           END { if (sha == 0) { print b ": no SHA-256 samples"; exit 1 }
                                 printf "%-32s libmzatlas/SHA-256 %.3f  kernel/SHA-256 %.3f\n",
                                        b, mz / sha, k / sha }'
    done
    exit 0
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT
i=0
while [ $i -lt "$n" ]; do
    for b in "$@"; do
        t=$(MZATLAS_THREADS=1 "$b/bench/readbench" --repeat 1 "$file" 2>&1 |
            sed -n 's/.*median CPU: whole process \([0-9.]*\) s.*/\1/p')
        [ -n "$t" ] || { echo "compare.sh: $b: readbench failed" >&2; exit 3; }
        echo "$b $t" >>"$out"
    done
    i=$((i + 1))
done
for b in "$@"; do
    awk -v b="$b" '$1 == b { print $2 }' "$out" | sort -n |
        awk -v b="$b" '{ v[NR] = $1 }
                       END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
                             printf "%-32s CPU min %.3f s  median %.3f s  (%d runs)\n",
                                    b, v[1], m, NR }'
done
