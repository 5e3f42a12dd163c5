# Sourced by Benchmarks/run.sh. DQN training wall time per run, RL-Zoo CartPole-v1 settings
# (agents/dqn.yml), 50k steps, seed 0, one thread each; lower is better.
row "DQN CartPole-v1 training, RL-Zoo settings, 50k steps (vs SB3 DQN, 1 torch thread)" "s" 0 \
    "$rllab train --env CartPole-v1 --agent dqn --seed 0 --timesteps 50000 --quiet --out results/bench/dqn | grep ' steps in '" \
    "${python:+$python Benchmarks/sb3_dqn.py --env CartPole-v1 --seed 0 --timesteps 50000 --threads 1}"
