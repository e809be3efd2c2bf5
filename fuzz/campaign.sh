#!/bin/sh
# Run every fuzz target once for a number of executions, several at a time, and print the table
# of docs/robustness.md (executions, time, executions per second, coverage, result).
#
#   fuzz/campaign.sh [-r RUNS] [-j JOBS] [-b BUILD_DIR] [TARGET...]
#   fuzz/campaign.sh -s LOG_DIR          # only the table, from the logs of an earlier campaign
#
# RUNS defaults to 10000000 (issue 12: at least 10^7 executions per target), JOBS to 2 (one
# target per core), BUILD_DIR to build-fuzz (see fuzz/run.sh for how to configure it), the
# targets to all eight, longest first. Each target runs through fuzz/run.sh, bounded by RUNS and
# by 2 hours; its log is BUILD_DIR/fuzz-logs/TARGET.log. A target that found something ends
# early with its input in BUILD_DIR/fuzz-work/TARGET-crash-* (or -leak-, -timeout-, -oom-).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
runs=10000000
jobs=2
build=$here/../build-fuzz
summary=""
while getopts r:j:b:s: opt; do
    case $opt in
    r) runs=$OPTARG ;;
    j) jobs=$OPTARG ;;
    b) build=$OPTARG ;;
    s) summary=$OPTARG ;;
    *) sed -n 2,12p "$0" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
targets=${*:-extract readstat profile tabulated csv gazetteer geo config}

# One row per log: target | executions | seconds | exec/s | edges | features | corpus | result
table() {
    printf '| target | executions | time | executions/s | coverage (edges / features) | corpus | result |\n'
    printf '|---|---|---|---|---|---|---|\n'
    for log in "$1"/*.log; do
        [ -e "$log" ] || continue
        t=$(basename "$log" .log)
        awk -v t="$t" '
            /stat::number_of_executed_units:/ { ex = $2 }
            /stat::average_exec_per_sec:/ { eps = $2 }
            /^Done [0-9]+ runs in [0-9]+ second/ { secs = $5 }
            / cov: [0-9]+ ft: [0-9]+ corp: / {
                for (i = 1; i <= NF; i++) {
                    if ($i == "cov:") cov = $(i + 1)
                    if ($i == "ft:") ft = $(i + 1)
                    if ($i == "corp:") corp = $(i + 1)
                }
            }
            /ERROR: libFuzzer|ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer|fuzz: invariant violated|deadly signal/ { bad = 1 }
            END {
                res = bad ? "**failed**" : (secs != "" ? "no findings" : "stopped before the end")
                n = ex; s = ""
                while (length(n) > 3) { s = "," substr(n, length(n) - 2) s; n = substr(n, 1, length(n) - 3) }
                printf "| %s | %s | %s | %s | %s / %s | %s | %s |\n", t, n s,
                    secs ? sprintf("%d min %02d s", secs / 60, secs % 60) : "–",
                    eps ? eps : "–", cov, ft, corp, res
            }' "$log"
    done
}

if [ -n "$summary" ]; then
    table "$summary"
    exit 0
fi

logs=$build/fuzz-logs
mkdir -p "$logs"
queue=$logs/.queue
lock=$logs/.lock
printf '%s\n' $targets > "$queue"
rm -rf "$lock"

# A worker takes the next target from the queue (under a lock) until the queue is empty.
worker() {
    while :; do
        while ! mkdir "$lock" 2>/dev/null; do sleep 1; done
        t=$(head -n 1 "$queue")
        [ -n "$t" ] && sed -i 1d "$queue"
        rmdir "$lock"
        [ -z "$t" ] && return 0
        echo "campaign: $t started $(date '+%H:%M:%S')" >&2
        "$here/run.sh" "$t" "$runs" 7200 "$build" > "$logs/$t.log" 2>&1 || true
        echo "campaign: $t ended $(date '+%H:%M:%S')" >&2
    done
}

i=0
while [ "$i" -lt "$jobs" ]; do
    worker &
    i=$((i + 1))
done
wait
rm -f "$queue"
table "$logs"
