# Sourced by Benchmarks/run.sh. SAC and TD3 training wall time per run on Pendulum-v1,
# RL-Zoo settings (agents/sac.yml, agents/td3.yml), 20k steps, seed 0, one thread each;
# lower is better.
row "SAC Pendulum-v1 training, RL-Zoo settings, 20k steps (vs SB3 SAC, 1 torch thread)" "s" 0 \
    "$rllab train --env Pendulum-v1 --agent sac --seed 0 --timesteps 20000 --quiet --out results/bench/sac | grep ' steps in '" \
    "${python:+$python Benchmarks/sb3_continuous.py --algo sac --seed 0 --timesteps 20000 --threads 1}"
row "TD3 Pendulum-v1 training, RL-Zoo settings, 20k steps (vs SB3 TD3, 1 torch thread)" "s" 0 \
    "$rllab train --env Pendulum-v1 --agent td3 --seed 0 --timesteps 20000 --quiet --out results/bench/td3 | grep ' steps in '" \
    "${python:+$python Benchmarks/sb3_continuous.py --algo td3 --seed 0 --timesteps 20000 --threads 1}"
