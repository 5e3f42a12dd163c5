#!/usr/bin/env bash
# Issue 13's contention bar: vector CartPole collection with 2 threads against 1 thread,
# with another process keeping one core busy and with both cores free.
#
#   bash Benchmarks/contention.sh [RLLAB_BINARY [BASELINE_BINARY]]
#       (default .build/release/rllab; with a baseline, both binaries run in every round)
#
# Environment: MODE (blocks, the default, alternate or whole: see below), ROUNDS (rounds per
# case, default 3), CASES (any of "busy pinned free", default "busy free"), ENVS (copies,
# default 1024), LOCK (a command that each round runs under, e.g. a timing lock that keeps
# other work off the machine; default none). MODE=blocks: BLOCK_STEPS (steps per
# environment per run, default 400000000), BLOCKS (blocks per environment, default 100),
# PAIRS (below). MODE=alternate: SEGMENT_STEPS (steps per short run, default 40000000: 1-2
# s), CYCLES (cycles per round, default 12), BUSY_ARMS and FREE_ARMS (below). MODE=whole:
# STEPS (steps per run, default 400000000: 10-20 s).
#
# Cases:
#   busy    an ordinary competing process (`sh -c 'while :; do :; done'`, not pinned) runs
#           for the whole round, as in the issue;
#   pinned  the same process pinned to the last CPU with taskset;
#   free    no competing process.
#
# A virtual machine's speed moves by 10-30% within seconds (no steal time shows it), so a
# ratio of two long runs a minute apart mixes that drift into the pool's cost. Two modes
# separate them, each with a null test (the same thing against itself: the noise floor).
#
# MODE=blocks (in one process, the finest): `rllab bench env --threads T --against-threads
# R` steps two vector environments, with T and with R threads, in BLOCKS alternating blocks
# each (ABBA ABBA..., ~0.1 s a block), and prints the ratio of the total rates and the
# spread of the ratios of neighbouring blocks. Each environment keeps its pool for the whole
# run, so the pool's start and warm-up count once, as in one long run. PAIRS (default "2:1
# 1:1") lists the runs of a round as T:R: 2 threads against 1, and 1 against 1 (the null
# test), in an order that rotates from round to round (add 1:2 to swap which environment
# is made first: the two environments' memory differs, which alone moves a null test's
# ratio by a few percent on this VM); every binary given runs them (the
# binaries need --against-threads). For a binary without it (an older baseline), use
# MODE=alternate.
#
# MODE=alternate (across processes, any binary): a round is CYCLES cycles; a cycle runs each of the
# round's arms (a binary and a thread count) once, as a short process of SEGMENT_STEPS
# steps, in an order that rotates from cycle to cycle, so every arm takes every position
# equally and arms compared within a cycle ran seconds apart. Every run is a fresh process:
# its pool's start and warm-up (the governor finding the faster mode) count in every run.
# Arms are "BINARY:THREADS" (binary 1 is RLLAB_BINARY, 2 the baseline); the first arm is
# the reference, and every later arm is compared with it: per cycle (ratio of the two
# runs' rates) and per round (total steps over total wall time of each arm). An arm that
# repeats the reference is a null test: the ratio of identical runs shows the noise floor.
# Defaults: BUSY_ARMS (busy and pinned) "1:1 1:2 1:1" (2 threads against 1, and 1 thread
# against 1 thread as the null test); FREE_ARMS "2:2 1:2 2:2" with a baseline (new against
# the baseline with 2 threads, and the baseline against itself), "1:1 1:2 1:1" without.
# Rates are whole-process rates (steps over the wall time of the process, start-up
# included); the loop rate (rllab's own figure, the stepping loop alone) is shown too.
#
# MODE=whole (the earlier protocol): a round runs threads 1 and 2 back to back, one long
# run each (and the same for the baseline binary), in an order that rotates from round to
# round; the ratio threads 2 / threads 1 of each round compares runs seconds apart. Each
# run prints rllab's figure (median of 5 segments) and the whole run's rate (steps / wall
# seconds, start-up included). The summary gives every round's whole-run ratio, their
# median and the worst.
#
# All modes print each run's wall and CPU seconds and the CPU seconds other processes took
# meanwhile (the machine's busy time less this run's and the competing process's): runs
# that others disturbed show it. The bar: every busy ratio threads 2 / threads 1 >= 0.90.
# With RLLAB_POOL_STATS=1 in the environment, a 2-thread run also prints its worker pool's
# jobs and time per mode, stalls and skipped probes (MODE=alternate sums them per arm; the
# summaries give the share of jobs run alone).
set -euo pipefail
cd "$(dirname "$0")/.."

# One round, run by the script itself under $LOCK: `contention.sh --round CASE ROUND BINARY...`
# (MODE=whole and blocks) or `contention.sh --round CASE ROUND ARMS BINARY...` (MODE=alternate).
# Prints a line per run and a machine-readable "result" (whole), "segment" (alternate) or
# "blocks" (blocks) line per run.
if [ "${1:-}" = --round ]; then
    case=$2; round=$3; shift 3
    mode=${MODE:-blocks}
    if [ "$mode" = alternate ]; then read -r -a arms <<< "$1"; shift; fi
    binaries=("$@")
    envs=${ENVS:-1024}
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
    mega() { awk -v r="$1" 'BEGIN { printf "%.1f", r / 1e6 }'; }
    # One run of binary $1 with $2 threads for $3 steps in $4 segments. Sets out (rllab's
    # output), median (rllab's figure), total (steps), wall (seconds, from the clock in
    # nanoseconds), user, sys, others (other processes' CPU seconds), pool (pool statistics).
    bench() {
        local machine0 other0 machine1 other1 t0 t1
        machine0=$(machine_busy); other0=$(process_ticks "$busy_pid")
        t0=$(date +%s%N)
        out=$( { /usr/bin/time -f 'TIME %e %U %S' "$1" bench env --env CartPole-v1 --num-envs "$envs" \
            --threads "$2" --steps "$3" --segments "$4"; } 2>&1 )
        t1=$(date +%s%N)
        machine1=$(machine_busy); other1=$(process_ticks "$busy_pid")
        median=$(echo "$out" | grep -Eo '[0-9]+ steps/s' | cut -d' ' -f1)
        total=$(echo "$out" | grep -Eo '[0-9]+ steps, median' | cut -d' ' -f1)
        pool=$(echo "$out" | grep '^worker pool' | sed 's/^worker pool //' || true)
        read -r _ _ user sys <<< "$(echo "$out" | grep '^TIME ')"
        [ -n "$median" ] && [ -n "$total" ] && [ -n "$sys" ] || { echo "error: unexpected output: $out" >&2; exit 1; }
        wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", (b - a) / 1e9 }')
        others=$(awk -v m=$((machine1 - machine0)) -v o=$((other1 - other0)) -v t="$tick" -v u="$user" -v s="$sys" \
            'BEGIN { x = (m - o) / t - u - s; printf "%.2f", x < 0 ? 0 : x }')
    }
    echo "== case $case round $round${busy_pid:+ (competing process $busy_pid)}: $(date -u +%H:%M:%S) UTC, load $(cut -d' ' -f1-3 /proc/loadavg)"
    if [ "$mode" = blocks ]; then
        read -r -a pairs <<< "${PAIRS:-2:1 1:1}"
        n=${#pairs[@]}; count=${#binaries[@]}
        for i in $(seq 0 $((n * count - 1))); do
            j=$(( (i + round - 1) % (n * count) ))
            b=$(( j / n )); IFS=: read -r threads against <<< "${pairs[$((j % n))]}"
            machine0=$(machine_busy); other0=$(process_ticks "$busy_pid")
            t0=$(date +%s%N)
            out=$( { /usr/bin/time -f 'TIME %e %U %S' "${binaries[$b]}" bench env --env CartPole-v1 --num-envs "$envs" \
                --threads "$threads" --against-threads "$against" --steps "${BLOCK_STEPS:-400000000}" --blocks "${BLOCKS:-100}"; } 2>&1 )
            t1=$(date +%s%N)
            machine1=$(machine_busy); other1=$(process_ticks "$busy_pid")
            read -r _ _ user sys <<< "$(echo "$out" | grep '^TIME ')"
            # rates, ratio of totals, median, quartiles and range of the block pairs' ratios
            figures=$(echo "$out" | sed -nE 's/.*: ([0-9]+) steps\/s against ([0-9]+) steps\/s; ratio of totals ([0-9.]+); block pairs: median ratio ([0-9.]+), quartiles ([0-9.]+)-([0-9.]+), range ([0-9.]+)-([0-9.]+).*/\1 \2 \3 \4 \5 \6 \7 \8/p')
            [ -n "$figures" ] && [ -n "$sys" ] || { echo "error: unexpected output (does ${binaries[$b]} know --against-threads?): $out" >&2; exit 1; }
            pool=$(echo "$out" | grep '^worker pool' | sed 's/^worker pool //' || true)
            stats=$(echo "$pool" | sed -nE 's/.*: ([0-9]+) jobs parallel \(([0-9.]+) s.*\), ([0-9]+) alone \(([0-9.]+) s.*\), ([0-9]+) stalls.*/\1 \2 \3 \4 \5/p')
            wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
            others=$(awk -v m=$((machine1 - machine0)) -v o=$((other1 - other0)) -v t="$tick" -v u="$user" -v s="$sys" \
                'BEGIN { x = (m - o) / t - u - s; printf "%.2f", x < 0 ? 0 : x }')
            read -r r1 r2 total med q1 q3 lo hi <<< "$figures"
            # Per environment: the calling thread's CPU seconds and share of wall time off its core in its blocks.
            cores=$(echo "$out" | sed -nE 's/^calling thread in the ([0-9]+) threads environment.s blocks: wall ([0-9.]+) s, cpu ([0-9.]+) s, off its core ([0-9.]+)%; ([0-9]+) voluntary and ([0-9]+) involuntary.*/\1 threads: cpu \3 s, off core \4%, \6 preemptions;/p' | tr '\n' ' ')
            echo "$case round $round binary $((b + 1)) $threads threads against $against: $(mega "$r1") against $(mega "$r2") M steps/s, ratio of totals $total; block pairs median $med, quartiles $q1-$q3, range $lo-$hi; ${cores}wall $wall s, cpu user $user s sys $sys s, others $others s${pool:+; pool $pool}"
            echo "blocks $case $round $((b + 1)) $threads $against $r1 $r2 $total $med $q1 $q3 $lo $hi $others ${stats:-0 0 0 0 0}"
        done
    elif [ "$mode" = alternate ]; then
        cycles=${CYCLES:-12}; steps=${SEGMENT_STEPS:-40000000}
        n=${#arms[@]}
        for cycle in $(seq 1 "$cycles"); do
            # Rotated by the cycle (and the round), so every arm takes every position equally.
            line="cycle $cycle:"
            for i in $(seq 0 $((n - 1))); do
                a=$(( (i + cycle + round) % n ))
                IFS=: read -r b threads <<< "${arms[$a]}"
                bench "${binaries[$((b - 1))]}" "$threads" "$steps" 1
                whole=$(awk -v n="$total" -v w="$wall" 'BEGIN { printf "%.0f", n / w }')
                # Pool statistics: jobs parallel, seconds parallel, jobs alone, seconds alone, stalls (zeros without).
                stats=$(echo "$pool" | sed -nE 's/.*: ([0-9]+) jobs parallel \(([0-9.]+) s.*\), ([0-9]+) alone \(([0-9.]+) s.*\), ([0-9]+) stalls.*/\1 \2 \3 \4 \5/p')
                line="$line arm $((a + 1)) ($b:$threads) $(mega "$whole") ($(mega "$median") loop, ${wall} s, others ${others} s${stats:+, pool $(echo "$stats" | awk '{ printf "%.1f%% alone, %d stalls", 100 * $3 / ($1 + $3), $5 }')});"
                echo "segment $case $round $cycle $((a + 1)) $b $threads $total $wall $median $others ${stats:-0 0 0 0 0}"
            done
            echo "$line"
        done
    else
        steps=${STEPS:-400000000}
        # The binaries in an order that rotates with the round, each one's two runs back to
        # back, threads 1 first in odd rounds of the first binary and alternating from there.
        runs=()
        count=${#binaries[@]}
        for i in $(seq 0 $((count - 1))); do
            b=$(( (i + round) % count ))
            if [ $(( (round + b) % 2 )) = 1 ]; then runs+=("$b 1" "$b 2"); else runs+=("$b 2" "$b 1"); fi
        done
        for run in "${runs[@]}"; do
            read -r b threads <<< "$run"
            bench "${binaries[$b]}" "$threads" "$steps" 5
            whole=$(awk -v n="$total" -v w="$wall" 'BEGIN { printf "%.0f", n / w }')
            echo "$case round $round binary $((b + 1)) threads $threads: median $(mega "$median") M steps/s, whole run $(mega "$whole") M steps/s, wall $wall s, cpu user $user s sys $sys s, others ${others} s${pool:+; pool $pool}"
            echo "result $case $round $b $threads $whole $median $others"
        done
    fi
    exit 0
fi

rllab=${1:-.build/release/rllab}
baseline=${2:-}
mode=${MODE:-blocks}
rounds=${ROUNDS:-3}
cases=${CASES:-busy free}
binaries=("$rllab")
[ -n "$baseline" ] && binaries+=("$baseline")
for b in "${binaries[@]}"; do
    [ -x "$b" ] || { echo "error: $b is not an executable (build with: swift build -c release --product rllab)" >&2; exit 2; }
done
case $mode in blocks|alternate|whole) ;; *) echo "error: unknown MODE $mode (use blocks, alternate or whole)" >&2; exit 2 ;; esac
command -v taskset >/dev/null || { echo "error: taskset not found (util-linux)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "error: /usr/bin/time not found (Debian package time)" >&2; exit 2; }
read -r -a lock <<< "${LOCK:-}"
busy_arms=${BUSY_ARMS:-1:1 1:2 1:1}
if [ -n "$baseline" ]; then free_arms=${FREE_ARMS:-2:2 1:2 2:2}; else free_arms=${FREE_ARMS:-1:1 1:2 1:1}; fi
for pair in ${PAIRS:-2:1 1:1}; do
    [[ $pair =~ ^[1-9][0-9]*:[1-9][0-9]*$ ]] || { echo "error: pair $pair is not THREADS:AGAINST_THREADS (both >= 1)" >&2; exit 2; }
done
for arm in $busy_arms $free_arms; do
    [[ $arm =~ ^[0-9]+:[0-9]+$ ]] && [ "${arm%%:*}" -ge 1 ] && [ "${arm%%:*}" -le ${#binaries[@]} ] && [ "${arm#*:}" -ge 1 ] \
        || { echo "error: arm $arm is not BINARY:THREADS with BINARY 1..${#binaries[@]} and THREADS >= 1" >&2; exit 2; }
done

echo "cpu: $(lscpu | grep 'Model name' | sed 's/Model name: *//'), $(nproc) CPUs; mode $mode; copies: ${ENVS:-1024}"
if [ "$mode" = blocks ]; then
    echo "steps per environment per run: ${BLOCK_STEPS:-400000000}; blocks: ${BLOCKS:-100}; runs (threads:against): ${PAIRS:-2:1 1:1}"
elif [ "$mode" = alternate ]; then
    echo "steps per run: ${SEGMENT_STEPS:-40000000}; cycles per round: ${CYCLES:-12}; arms (binary:threads): busy $busy_arms, free $free_arms"
else
    echo "steps per run: ${STEPS:-400000000}"
fi
for b in "${!binaries[@]}"; do echo "binary $((b + 1)): ${binaries[$b]}"; done
echo "start: $(date -u +%H:%M:%S) UTC, load $(cut -d' ' -f1-3 /proc/loadavg)"

results=$(mktemp)
trap 'rm -f "$results"' EXIT
for case in $cases; do
    if [ "$case" = free ]; then arms=$free_arms; else arms=$busy_arms; fi
    for round in $(seq 1 "$rounds"); do
        if [ "$mode" = alternate ]; then
            "${lock[@]}" bash "$0" --round "$case" "$round" "$arms" "${binaries[@]}" | tee -a "$results" | grep -v '^segment '
        elif [ "$mode" = blocks ]; then
            "${lock[@]}" bash "$0" --round "$case" "$round" "${binaries[@]}" | tee -a "$results" | grep -v '^blocks '
        else
            "${lock[@]}" bash "$0" --round "$case" "$round" "${binaries[@]}" | tee -a "$results" | grep -v '^result '
        fi
    done
done

# The median of a[1..n] (insertion sort; n is small), for the summaries' awk programs.
awk_median='function median(a, n,    i, j, t) {
    for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
'

if [ "$mode" = blocks ]; then
    # Summary: per case, binary and pair, every round's ratio of totals and median block-pair
    # ratio, the median and worst over rounds, and the pool's share of jobs alone and stalls.
    echo "== summary (MODE=blocks; ratio = rate with THREADS / rate with AGAINST threads, in one process)"
    awk "$awk_median"'
    $1 == "blocks" {
        key = $2 " binary " $4 ", " $5 " threads against " $6
        if (!(key in n)) { keys[++nkeys] = key; n[key] = 0 }
        i = ++n[key]; total[key, i] = $9; med[key, i] = $10; others[key, i] = $15
        pj[key] += $16; aj[key] += $18; st[key] += $20
        pool[key, i] = ($16 + $18 > 0) ? sprintf(" (%.1f%% alone, %d stalls)", 100 * $18 / ($16 + $18), $20) : ""
    }
    END {
        for (k = 1; k <= nkeys; k++) {
            key = keys[k]; line = ""; mline = ""; worst = ""; delete t; delete m
            for (i = 1; i <= n[key]; i++) {
                t[i] = total[key, i]; m[i] = med[key, i]
                line = line sprintf(" %.3f%s%s", t[i], others[key, i] > 1 ? "*" : "", pool[key, i])
                mline = mline sprintf(" %.3f", m[i])
                if (worst == "" || t[i] < worst) worst = t[i]
            }
            printf "%s: ratios of totals%s; median %.3f, worst %.3f; block-pair medians%s", key, line, median(t, n[key]), worst, mline
            if (pj[key] + aj[key] > 0) printf "; pool over all rounds %.2f%% of jobs alone, %d stalls", 100 * aj[key] / (pj[key] + aj[key]), st[key]
            printf "\n"
        }
        print "(* : others took more than 1 CPU second in that run)"
    }' "$results"
elif [ "$mode" = alternate ]; then
    # Summary: per case, for each arm after the first, each round's ratio to the first arm
    # (total steps / total wall of each arm's runs in the round), the median and worst of the
    # per-cycle ratios, and the same over all rounds; the loop rates' per-cycle median; and
    # each 2-thread arm's pool statistics (share of jobs alone, stalls).
    echo "== summary (whole-process rates; arm k / arm 1 within a round: total = total steps / total wall per arm; cycle = the two runs of one cycle)"
    awk "$awk_median"'
    $1 == "segment" {
        c = $2; r = $3; y = $4; k = $5
        if (!(c in seenCase)) { seenCase[c] = 1; caseList[++ncases] = c }
        if (k > arms[c]) arms[c] = k
        if (r > rounds[c]) rounds[c] = r
        if (y > cycles[c, r]) cycles[c, r] = y
        label[c, k] = $6 ":" $7
        steps[c, r, k] += $8; wall[c, r, k] += $9
        rate[c, r, y, k] = $8 / $9; loop[c, r, y, k] = $10; others[c, r] += $11
        pjobs[c, k] += $12; ajobs[c, k] += $14; stalls[c, k] += $16
        rpjobs[c, r, k] += $12; rajobs[c, r, k] += $14; rstalls[c, r, k] += $16
    }
    END {
        for (ci = 1; ci <= ncases; ci++) {
            c = caseList[ci]
            for (k = 2; k <= arms[c]; k++) {
                delete all; delete totals; delete loops; na = 0; nt = 0; nl = 0
                printf "%s: arm %d (%s) / arm 1 (%s)\n", c, k, label[c, k], label[c, 1]
                for (r = 1; r <= rounds[c]; r++) {
                    if (wall[c, r, 1] == "" || wall[c, r, k] == "") continue
                    total = (steps[c, r, k] / wall[c, r, k]) / (steps[c, r, 1] / wall[c, r, 1])
                    totals[++nt] = total
                    delete rc; n = 0; line = ""
                    for (y = 1; y <= cycles[c, r]; y++) {
                        if (rate[c, r, y, 1] == "" || rate[c, r, y, k] == "") continue
                        x = rate[c, r, y, k] / rate[c, r, y, 1]
                        rc[++n] = x; all[++na] = x; line = line sprintf(" %.3f", x)
                        loops[++nl] = loop[c, r, y, k] / loop[c, r, y, 1]
                        if (n == 1 || x < worst) worst = x
                    }
                    pool = ""
                    if (rpjobs[c, r, k] + rajobs[c, r, k] > 0)
                        pool = sprintf("; pool %.2f%% of jobs alone, %d stalls", 100 * rajobs[c, r, k] / (rpjobs[c, r, k] + rajobs[c, r, k]), rstalls[c, r, k])
                    printf "  round %d: total %.3f; cycles%s; median %.3f, worst %.3f; rates %.1f and %.1f M steps/s; others %.1f s%s\n",
                        r, total, line, median(rc, n), worst, steps[c, r, 1] / wall[c, r, 1] / 1e6, steps[c, r, k] / wall[c, r, k] / 1e6, others[c, r], pool
                }
                if (nt == 0) continue
                lo = ""; for (i = 1; i <= nt; i++) if (lo == "" || totals[i] < lo) lo = totals[i]
                wc = ""; for (i = 1; i <= na; i++) if (wc == "" || all[i] < wc) wc = all[i]
                pool = ""
                if (pjobs[c, k] + ajobs[c, k] > 0) pool = sprintf("; pool %.2f%% of jobs alone, %d stalls", 100 * ajobs[c, k] / (pjobs[c, k] + ajobs[c, k]), stalls[c, k])
                printf "  all rounds: round totals median %.3f, worst %.3f; %d cycles: median %.3f, worst %.3f; loop rates per cycle: median %.3f%s\n",
                    median(totals, nt), lo, na, median(all, na), wc, median(loops, nl), pool
            }
        }
    }' "$results"
else
    # Summary: per case and binary, each round's whole-run ratio threads 2 / threads 1, the median and the worst,
    # and the median whole-run rates; with a baseline, each round's ratio of the binaries' 2-thread rates.
    echo "== summary (whole-run rates; ratio = threads 2 / threads 1 within a round)"
    awk "$awk_median"'$1 == "result" {
            key = $2 " " $4; rate[key, $3, $5] = $6; others[key, $3, $5] = $8
            if (!(key in seen)) { seen[key] = 1; keys[++nkeys] = key }
            if ($3 > rounds) rounds = $3
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
fi
echo "end: $(date -u +%H:%M:%S) UTC, load $(cut -d' ' -f1-3 /proc/loadavg)"
