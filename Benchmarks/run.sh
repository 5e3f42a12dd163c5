#!/usr/bin/env bash
# `make bench`: every RLLab benchmark (release build) side by side with its Python peer,
# alternating ours and theirs in one run on this machine. Writes results/bench/BENCH.md.
#
#   bash Benchmarks/run.sh              all rows, with peers (installs them into Benchmarks/.venv)
#   bash Benchmarks/run.sh --only-ours  RLLab figures alone, no Python
#   bash Benchmarks/run.sh --rows pg    only the rows of Benchmarks/rows.d/pg.sh (names
#                                       comma-separated; with or without --only-ours)
set -euo pipefail
cd "$(dirname "$0")/.."
only_ours=0
rows=""
while [ $# -gt 0 ]; do
    case "$1" in
        --only-ours) only_ours=1 ;;
        --rows) rows=${2:?--rows needs names of files in Benchmarks/rows.d, e.g. pg}; shift ;;
        *) echo "error: unknown option $1 (use --only-ours, --rows NAMES)" >&2; exit 2 ;;
    esac
    shift
done
rllab=.build/release/rllab
out=results/bench
mkdir -p "$out"
table="$out/BENCH.md.tmp"
: > "$table"

# The number before the unit at the end of a line such as "... 123456 steps/s".
figure() { grep -Eo '[0-9.e+-]+ [a-zA-Z/]+$' | tail -1 | cut -d' ' -f1; }

# row TASK UNIT HIGHER_IS_BETTER "OURS COMMAND" "PEER COMMAND"
row() {
    local task=$1 unit=$2 higher=$3 ours_cmd=$4 peer_cmd=$5
    echo "== $task" >&2
    local ours peer ratio
    ours=$(eval "$ours_cmd" | tee /dev/stderr | figure)
    if [ $only_ours = 1 ] || [ -z "$peer_cmd" ]; then
        peer="-"; ratio="-"
    else
        peer=$(eval "$peer_cmd" | tee /dev/stderr | figure)
        if [ "$higher" = 1 ]; then
            ratio=$(python3 -c "print(f'{$ours / $peer:.1f}x')")
        else
            ratio=$(python3 -c "print(f'{$peer / $ours:.1f}x')")
        fi
    fi
    echo "| $task | $ours $unit | $peer $unit | $ratio |" >> "$table"
}

python=""
if [ $only_ours = 0 ]; then
    python=$(bash Benchmarks/venv.sh gymnasium==1.4.0 torch numpy stable-baselines3)
fi

if [ -z "$rows" ]; then
    row "CartPole-v1 step, scalar, 1 core (vs Gymnasium env.unwrapped.step)" "steps/s" 1 \
        "$rllab bench env --env CartPole-v1 --steps 20000000" \
        "$python Benchmarks/gymnasium_step.py --env CartPole-v1 --seconds 5"
    for extra in Benchmarks/rows.d/*.sh; do
        [ -e "$extra" ] && source "$extra"
    done
else
    for name in ${rows//,/ }; do
        [ -e "Benchmarks/rows.d/$name.sh" ] || { echo "error: no Benchmarks/rows.d/$name.sh" >&2; exit 2; }
        source "Benchmarks/rows.d/$name.sh"
    done
fi

{
    echo "# RLLab benchmarks"
    echo
    echo "$(date -u '+%Y-%m-%d %H:%M UTC'); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; $(swift --version 2>/dev/null | head -1)"
    [ -n "$python" ] && echo "Peers: $($python -c 'import sys, importlib.metadata as m; print(f"Python {sys.version.split()[0]}, " + ", ".join(f"{p} {m.version(p)}" for p in ["gymnasium", "torch", "numpy", "stable-baselines3"]))')"
    echo
    echo "| task | RLLab | peer | ratio (RLLab advantage) |"
    echo "| --- | --- | --- | --- |"
    cat "$table"
} > "$out/BENCH.md"
rm -f "$table"
cat "$out/BENCH.md"
