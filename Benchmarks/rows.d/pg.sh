# Sourced by Benchmarks/run.sh. Policy-gradient rows (issue 13): PPO and A2C training wall
# time per run on CartPole-v1 with RL-Zoo's settings (agents/ppo.yml, agents/a2c.yml),
# seed 0, with the same thread count on both sides: one (RLLAB_BLAS_THREADS=1; torch gets
# 1 thread) and two (RLLAB_BLAS_THREADS=2, where the separate policy and value networks
# run on two threads at once, the same bytes as one; torch gets 2 intra-op threads); and
# the median time to solve CartPole-v1 (greedy evaluation of 10 episodes every 1000 steps,
# stopped at 475: RLLab over seeds 0-9, one run at a time; SB3's EvalCallback with
# StopTrainingOnRewardThreshold over seeds 0-2). Lower is better.
row "PPO CartPole-v1 training, RL-Zoo settings, 1e5 steps, 1 thread (vs SB3 PPO, 1 torch thread)" "s" 0 \
    "RLLAB_BLAS_THREADS=1 $rllab train --env CartPole-v1 --agent ppo --seed 0 --quiet --out results/bench/ppo | grep ' steps in '" \
    "${python:+$python Benchmarks/sb3_pg.py --algo ppo --seed 0 --threads 1}"
row "PPO CartPole-v1 training, RL-Zoo settings, 1e5 steps, 2 threads (vs SB3 PPO, 2 torch threads)" "s" 0 \
    "RLLAB_BLAS_THREADS=2 $rllab train --env CartPole-v1 --agent ppo --seed 0 --quiet --out results/bench/ppo-2 | grep ' steps in '" \
    "${python:+$python Benchmarks/sb3_pg.py --algo ppo --seed 0 --threads 2}"
row "A2C CartPole-v1 training, RL-Zoo settings, 5e5 steps, 1 thread (vs SB3 A2C, 1 torch thread)" "s" 0 \
    "RLLAB_BLAS_THREADS=1 $rllab train --env CartPole-v1 --agent a2c --seed 0 --quiet --out results/bench/a2c | grep ' steps in '" \
    "${python:+$python Benchmarks/sb3_pg.py --algo a2c --seed 0 --threads 1}"
row "A2C CartPole-v1 training, RL-Zoo settings, 5e5 steps, 2 threads (vs SB3 A2C, 2 torch threads)" "s" 0 \
    "RLLAB_BLAS_THREADS=2 $rllab train --env CartPole-v1 --agent a2c --seed 0 --quiet --out results/bench/a2c-2 | grep ' steps in '" \
    "${python:+$python Benchmarks/sb3_pg.py --algo a2c --seed 0 --threads 2}"

# The median of summary.csv's solved_seconds (a run that never solved counts as
# infinitely slow), printed as "<seconds> s".
median_solved() {
    python3 -c '
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
times = [float(r["solved_seconds"]) if r["solved_seconds"] else float("inf") for r in rows]
solved = sum(1 for r in rows if r["solved_seconds"])
print(f"{solved} of {len(times)} runs solved; median time to solve {statistics.median(times):.3f} s")' "$1"
}
row "PPO time to solve CartPole-v1 (eval every 1000 steps, 10 episodes, stop at 475; median of 10 seeds vs SB3's of 3)" "s" 0 \
    "rm -rf results/bench/ppo-solve && RLLAB_BLAS_THREADS=1 $rllab compare --env CartPole-v1 --agents ppo --num-seeds 10 --jobs 1 --eval-freq 1000 --eval-episodes 10 --stop-at 475 --out results/bench/ppo-solve > /dev/null && median_solved results/bench/ppo-solve/summary.csv" \
    "${python:+$python Benchmarks/sb3_pg.py --algo ppo --solve --seeds 0,1,2 --eval-freq 1000 --eval-episodes 10 --stop-at 475 --threads 1}"
