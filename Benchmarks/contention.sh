#!/usr/bin/env bash
# Issue 13's contention bar: vector CartPole collection with 2 threads against 1 thread,
# with another process keeping one core busy and with both cores free.
#
#   bash Benchmarks/contention.sh [RLLAB_BINARY]      (default .build/release/rllab)
#
# Environment: STEPS (steps per run, default 400000000: 10-20 s a run on a 2-core AMD EPYC
# VM), REPS (repetitions per case, default 3), CASES (any of "busy pinned free", default
# "busy free"), ENVS (copies, default 1024).
#
# Cases:
#   busy    an ordinary competing process (`sh -c 'while :; do :; done'`, not pinned) runs
#           for the whole case, as in the issue;
#   pinned  the same process pinned to the last CPU with taskset;
#   free    no competing process.
# Within a case, runs alternate threads 1 and 2 (ABBA order across repetitions, so a slow
# drift of the machine does not favour either). Each run prints rllab's figure (median of
# 5 segments) and the whole run's rate (steps / wall seconds, start-up included), with the
# wall and CPU seconds of /usr/bin/time; each repetition prints the ratios threads 2 /
# threads 1 of both. The bar: every busy ratio >= 0.90. With RLLAB_POOL_STATS=1 in the
# environment, a 2-thread run also prints its worker pool's jobs per mode and stalls.
set -euo pipefail
cd "$(dirname "$0")/.."
rllab=${1:-.build/release/rllab}
steps=${STEPS:-400000000}
reps=${REPS:-3}
cases=${CASES:-busy free}
envs=${ENVS:-1024}
[ -x "$rllab" ] || { echo "error: $rllab is not an executable (build with: swift build -c release --product rllab)" >&2; exit 2; }
command -v taskset >/dev/null || { echo "error: taskset not found (util-linux)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "error: /usr/bin/time not found (Debian package time)" >&2; exit 2; }

busy_pid=""
stop_busy() {
    if [ -n "$busy_pid" ]; then kill "$busy_pid" 2>/dev/null || true; wait "$busy_pid" 2>/dev/null || true; busy_pid=""; fi
}
trap stop_busy EXIT
trap 'stop_busy; exit 130' INT TERM

last_cpu=$(( $(nproc) - 1 ))
echo "cpu: $(lscpu | grep 'Model name' | sed 's/Model name: *//'), $(nproc) CPUs; binary: $rllab; steps per run: $steps; copies: $envs"
echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)"

# run THREADS: prints "median wall_rate wall user sys [pool statistics]".
run() {
    local threads=$1 out timing median total wall user sys pool
    out=$( { /usr/bin/time -f 'TIME %e %U %S' "$rllab" bench env --env CartPole-v1 --num-envs "$envs" \
        --threads "$threads" --steps "$steps" --segments 5; } 2>&1 )
    median=$(echo "$out" | grep -Eo '[0-9]+ steps/s' | cut -d' ' -f1)
    total=$(echo "$out" | grep -Eo '[0-9]+ steps, median' | cut -d' ' -f1)
    timing=$(echo "$out" | grep '^TIME ')
    pool=$(echo "$out" | grep '^worker pool' | sed 's/^worker pool //' || true)
    read -r _ wall user sys <<< "$timing"
    [ -n "$median" ] && [ -n "$total" ] || { echo "error: unexpected output: $out" >&2; exit 1; }
    echo "$median $(awk -v n="$total" -v w="$wall" 'BEGIN { printf "%.0f", n / w }') $wall $user $sys $pool"
}

mega() { awk -v r="$1" 'BEGIN { printf "%.1f", r / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

for case in $cases; do
    case $case in
        busy) sh -c 'while :; do :; done' & busy_pid=$! ;;
        pinned) taskset -c "$last_cpu" sh -c 'while :; do :; done' & busy_pid=$! ;;
        free) ;;
        *) echo "error: unknown case $case (use busy, pinned, free)" >&2; exit 2 ;;
    esac
    sleep 1
    echo "== case $case${busy_pid:+ (competing process $busy_pid)}; load $(cut -d' ' -f1-3 /proc/loadavg)"
    for rep in $(seq 1 "$reps"); do
        if [ $((rep % 2)) = 1 ]; then order="1 2"; else order="2 1"; fi
        declare -A result=()
        for threads in $order; do
            result[$threads]=$(run "$threads")
            read -r median wrate wall user sys pool <<< "${result[$threads]}"
            echo "$case rep $rep threads $threads: median $(mega "$median") M steps/s, whole run $(mega "$wrate") M steps/s, wall ${wall} s, cpu user ${user} s sys ${sys} s${pool:+; pool $pool}"
        done
        read -r m1 w1 _ <<< "${result[1]}"
        read -r m2 w2 _ <<< "${result[2]}"
        echo "$case rep $rep ratio threads2/threads1: median $(ratio "$m2" "$m1"), whole run $(ratio "$w2" "$w1")"
        unset result
    done
    stop_busy
done
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
