#!/usr/bin/env bash
# Issue 13's contention bar: vector CartPole collection with 2 threads against 1 thread,
# with another process keeping one core busy and with both cores free.
#
#   bash Benchmarks/contention.sh [RLLAB_BINARY [BASELINE_BINARY]]
#       (default .build/release/rllab; with a baseline, both binaries run in every round)
#
# Environment: STEPS (steps per run, default 400000000: 10-20 s a run on a 2-core AMD EPYC
# VM), ROUNDS (rounds per case, default 3), CASES (any of "busy pinned free", default
# "busy free"), ENVS (copies, default 1024), LOCK (a command that each round runs under,
# e.g. a timing lock that keeps other work off the machine; default none).
#
# Cases:
#   busy    an ordinary competing process (`sh -c 'while :; do :; done'`, not pinned) runs
#           for the whole round, as in the issue;
#   pinned  the same process pinned to the last CPU with taskset;
#   free    no competing process.
# A round runs threads 1 and 2 back to back (and the same for the baseline binary), in an
# order that rotates from round to round, so a drift of the machine (a virtual machine's
# speed moves by 10-20% within minutes) favours neither; the ratio threads 2 / threads 1
# of each round compares runs seconds apart. Each run prints rllab's figure (median of 5
# segments), the whole run's rate (steps / wall seconds, start-up included), its wall and
# CPU seconds, and the CPU seconds other processes took meanwhile (the machine's busy time
# less this run's and the competing process's): runs that others disturbed show it. The
# summary gives every round's whole-run ratio, their median and the worst. The bar: every
# busy ratio >= 0.90. With RLLAB_POOL_STATS=1 in the environment, a 2-thread run also
# prints its worker pool's jobs and time per mode, stalls and skipped probes.
set -euo pipefail
cd "$(dirname "$0")/.."

# One round, run by the script itself under $LOCK: `contention.sh --round CASE ROUND BINARY...`.
# Prints a line per run and a machine-readable "result" line per run.
if [ "${1:-}" = --round ]; then
    case=$2; round=$3; shift 3
    binaries=("$@")
    steps=${STEPS:-400000000}; envs=${ENVS:-1024}
    tick=$(getconf CLK_TCK)
    busy_pid=""
    stop_busy() { if [ -n "$busy_pid" ]; then kill "$busy_pid" 2>/dev/null || true; wait "$busy_pid" 2>/dev/null || true; busy_pid=""; fi; }
    trap stop_busy EXIT
    trap 'stop_busy; exit 130' INT TERM
    case $case in
        busy) sh -c 'while :; do :; done' & busy_pid=$! ;;
        pinned) taskset -c "$(( $(nproc) - 1 ))" sh -c 'while :; do :; done' & busy_pid=$! ;;
        free) ;;
        *) echo "error: unknown case $case (use busy, pinned, free)" >&2; exit 2 ;;
    esac
    sleep 1
    # The machine's busy CPU time in ticks (user, nice, system, irq, softirq: not idle, iowait, steal).
    machine_busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }
    process_ticks() { if [ -n "$1" ]; then awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; else echo 0; fi; }
    # The binaries in an order that rotates with the round, each one's two runs back to
    # back, threads 1 first in odd rounds of the first binary and alternating from there.
    runs=()
    count=${#binaries[@]}
    for i in $(seq 0 $((count - 1))); do
        b=$(( (i + round) % count ))
        if [ $(( (round + b) % 2 )) = 1 ]; then runs+=("$b 1" "$b 2"); else runs+=("$b 2" "$b 1"); fi
    done
    echo "== case $case round $round${busy_pid:+ (competing process $busy_pid)}: $(date -u +%H:%M:%S) UTC, load $(cut -d' ' -f1-3 /proc/loadavg)"
    for run in "${runs[@]}"; do
        read -r b threads <<< "$run"
        rllab=${binaries[$b]}
        machine0=$(machine_busy); other0=$(process_ticks "$busy_pid")
        out=$( { /usr/bin/time -f 'TIME %e %U %S' "$rllab" bench env --env CartPole-v1 --num-envs "$envs" \
            --threads "$threads" --steps "$steps" --segments 5; } 2>&1 )
        machine1=$(machine_busy); other1=$(process_ticks "$busy_pid")
        median=$(echo "$out" | grep -Eo '[0-9]+ steps/s' | cut -d' ' -f1)
        total=$(echo "$out" | grep -Eo '[0-9]+ steps, median' | cut -d' ' -f1)
        pool=$(echo "$out" | grep '^worker pool' | sed 's/^worker pool //' || true)
        read -r _ wall user sys <<< "$(echo "$out" | grep '^TIME ')"
        [ -n "$median" ] && [ -n "$total" ] || { echo "error: unexpected output: $out" >&2; exit 1; }
        others=$(awk -v m=$((machine1 - machine0)) -v o=$((other1 - other0)) -v t="$tick" -v u="$user" -v s="$sys" \
            'BEGIN { x = (m - o) / t - u - s; printf "%.2f", x < 0 ? 0 : x }')
        whole=$(awk -v n="$total" -v w="$wall" 'BEGIN { printf "%.0f", n / w }')
        echo "$case round $round binary $((b + 1)) threads $threads: median $(awk -v r="$median" 'BEGIN { printf "%.1f", r / 1e6 }') M steps/s, whole run $(awk -v r="$whole" 'BEGIN { printf "%.1f", r / 1e6 }') M steps/s, wall $wall s, cpu user $user s sys $sys s, others ${others} s${pool:+; pool $pool}"
        echo "result $case $round $b $threads $whole $median $others"
    done
    exit 0
fi

rllab=${1:-.build/release/rllab}
baseline=${2:-}
rounds=${ROUNDS:-3}
cases=${CASES:-busy free}
binaries=("$rllab")
[ -n "$baseline" ] && binaries+=("$baseline")
for b in "${binaries[@]}"; do
    [ -x "$b" ] || { echo "error: $b is not an executable (build with: swift build -c release --product rllab)" >&2; exit 2; }
done
command -v taskset >/dev/null || { echo "error: taskset not found (util-linux)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "error: /usr/bin/time not found (Debian package time)" >&2; exit 2; }
read -r -a lock <<< "${LOCK:-}"

echo "cpu: $(lscpu | grep 'Model name' | sed 's/Model name: *//'), $(nproc) CPUs; steps per run: ${STEPS:-400000000}; copies: ${ENVS:-1024}"
for b in "${!binaries[@]}"; do echo "binary $((b + 1)): ${binaries[$b]}"; done
echo "start: $(date -u +%H:%M:%S) UTC, load $(cut -d' ' -f1-3 /proc/loadavg)"

results=$(mktemp)
trap 'rm -f "$results"' EXIT
for case in $cases; do
    for round in $(seq 1 "$rounds"); do
        "${lock[@]}" bash "$0" --round "$case" "$round" "${binaries[@]}" | tee -a "$results" | grep -v '^result '
    done
done

# Summary: per case and binary, each round's whole-run ratio threads 2 / threads 1, the median and the worst,
# and the median whole-run rates; with a baseline, each round's ratio of the binaries' 2-thread rates.
echo "== summary (whole-run rates; ratio = threads 2 / threads 1 within a round)"
awk '$1 == "result" {
        key = $2 " " $4; rate[key, $3, $5] = $6; others[key, $3, $5] = $8
        if (!(key in seen)) { seen[key] = 1; keys[++nkeys] = key }
        if ($3 > rounds) rounds = $3
    }
    function median(a, n,    i, j, t) {
        for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
        return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    END {
        for (k = 1; k <= nkeys; k++) {
            split(keys[k], part, " "); n = 0; line = ""; worst = ""; delete r; delete one; delete two
            for (round = 1; round <= rounds; round++) {
                a = rate[keys[k], round, 1]; b = rate[keys[k], round, 2]
                if (a == "" || b == "") continue
                n++; r[n] = b / a; one[n] = a; two[n] = b
                line = line sprintf(" %.3f", b / a) ((others[keys[k], round, 1] + others[keys[k], round, 2] > 1) ? "*" : "")
                if (worst == "" || b / a < worst) worst = b / a
            }
            if (n == 0) continue
            printf "%s binary %d: ratios%s; median %.3f, worst %.3f; median rates %.1f (1 thread) and %.1f (2 threads) M steps/s\n",
                part[1], part[2] + 1, line, median(r, n), worst, median(one, n) / 1e6, median(two, n) / 1e6
        }
        for (k = 1; k <= nkeys; k++) {
            split(keys[k], part, " "); if (part[2] != 1) continue
            base = part[1] " 0"; n = 0; line = ""; delete r
            for (round = 1; round <= rounds; round++) {
                a = rate[base, round, 2]; b = rate[keys[k], round, 2]
                if (a == "" || b == "") continue
                n++; r[n] = a / b; line = line sprintf(" %.3f", a / b)
            }
            if (n) printf "%s 2 threads, binary 1 / binary 2:%s; median %.3f\n", part[1], line, median(r, n)
        }
        print "(* : others took more than 1 CPU second in that round)"
    }' "$results"
echo "end: $(date -u +%H:%M:%S) UTC, load $(cut -d' ' -f1-3 /proc/loadavg)"
