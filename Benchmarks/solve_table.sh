#!/usr/bin/env bash
# The README's "Which agent solves which environment" table, measured: for each row, a
# 5-seed `rllab compare` (seeds 0-4, release build, the agent's config in agents/) into
# results/solve/<row>/, then one Markdown row: how many seeds' greedy evaluation mean reach
# the level, every seed's eval mean, and the median wall time of a run.
#
#     Benchmarks/solve_table.sh            # every row (about an hour on 2 cores)
#     Benchmarks/solve_table.sh pendulum   # rows whose name contains "pendulum"
#
# Runs use all cores (--jobs 2 here), so a run's wall time is measured beside one other run.
set -euo pipefail
cd "$(dirname "$0")/.."

# RLLAB=path uses a binary already built (e.g. a copy, while the tree is rebuilt).
rllab="${RLLAB:-}"
if [[ -z "$rllab" ]]; then
  swift build -c release --product rllab >&2
  rllab=.build/release/rllab
fi
filter="${1:-}"
out=results/solve
mkdir -p "$out"

# name | env | agents | level | extra compare arguments
rows=(
  "cartpole-v1-dqn|CartPole-v1|dqn|475|"
  "cartpole-v1-ppo|CartPole-v1|ppo|475|"
  "cartpole-v1-a2c|CartPole-v1|a2c|475|"
  "cartpole-v1-reinforce|CartPole-v1|reinforce|475|"
  "cartpole-v0-ppo|CartPole-v0|ppo|195|"
  "acrobot-ppo|Acrobot-v1|ppo|-100|"
  "mountaincar-dqn|MountainCar-v0|dqn|-110|"
  "mountaincar-ppo|MountainCar-v0|ppo|-110|"
  "mountaincar-a2c|MountainCar-v0|a2c|-110|"
  "mountaincar-value-iteration|MountainCar-v0|value-iteration|-110|"
  "pendulum-sac|Pendulum-v1|sac|-200|"
  "pendulum-td3|Pendulum-v1|td3|-200|"
  "pendulum-ddpg|Pendulum-v1|ddpg|-250|"
  "pendulum-ppo|Pendulum-v1|ppo|-250|"
  "mountaincarcontinuous-td3|MountainCarContinuous-v0|td3|90|"
  "frozenlake-value-iteration|FrozenLake-v1|value-iteration|0.7|--eval-episodes 1000"
  "frozenlake8x8-value-iteration|FrozenLake8x8-v1|value-iteration|0.85|--eval-episodes 1000"
  "frozenlake-q-learning|FrozenLake-v1|q-learning|0.7|--eval-episodes 1000"
  "cliffwalking-q-learning|CliffWalking-v1|q-learning|-13|"
  "taxi-q-learning|Taxi-v4|q-learning|8|--eval-episodes 1000"
)

echo "| environment | level | agent, config | result, seeds 0-4 (greedy eval mean) | median wall time per run |"
echo "| --- | --- | --- | --- | --- |"
for row in "${rows[@]}"; do
  IFS='|' read -r name env agent level extra <<<"$row"
  [[ -n "$filter" && "$name" != *"$filter"* ]] && continue
  dir="$out/$name"
  # shellcheck disable=SC2086
  "$rllab" compare --env "$env" --agents "$agent" --num-seeds 5 --overwrite --out "$dir" --quiet --no-plots $extra >"$dir.log" 2>&1 ||
    { echo "| $env | $level | \`$agent\` | failed: see $dir.log | |"; continue; }
  awk -F, -v env="$env" -v agent="$agent" -v level="$level" '
    NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    {
      score = $col["eval_mean"]; n++
      if (score + 0 >= level + 0) reached++
      scores = scores (n > 1 ? ", " : "") sprintf("%.4g", score)
      secs[n] = $col["train_seconds"] + 0
    }
    END {
      for (i = 2; i <= n; i++) for (j = i; j > 1 && secs[j - 1] > secs[j]; j--) { t = secs[j]; secs[j] = secs[j - 1]; secs[j - 1] = t }
      median = (n % 2) ? secs[(n + 1) / 2] : (secs[n / 2] + secs[n / 2 + 1]) / 2
      printf "| %s | %s | `%s`, `agents/%s.yml` | %d of %d >= %s (%s) | %.1f s |\n",
        env, level, agent, agent, reached, n, level, scores, median
    }' "$dir/summary.csv"
done
