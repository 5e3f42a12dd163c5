"""Stable-Baselines3 DQN on CartPole-v1 with the RL-Zoo settings of agents/dqn.yml: the
peer of `rllab train --agent dqn` in `make bench` (Benchmarks/rows.d/dqn.sh).

Prints the greedy evaluation and, last, the training wall time as `<seconds> s`.

    python Benchmarks/sb3_dqn.py --seed 0 --timesteps 50000 [--eval-episodes 100] [--threads 1]
"""
import argparse
import time

import gymnasium as gym
import torch
from stable_baselines3 import DQN
from stable_baselines3.common.evaluation import evaluate_policy

# rl-baselines3-zoo hyperparams/dqn.yml, CartPole-v1 with `lin_2.3e-3` (the same numbers
# as agents/dqn.yml): SB3 calls the schedule with the progress remaining, 1 down to 0.
ZOO_CARTPOLE_V1 = dict(
    learning_rate=lambda progress_remaining: 2.3e-3 * progress_remaining,
    batch_size=64,
    buffer_size=100000,
    learning_starts=1000,
    gamma=0.99,
    target_update_interval=10,
    train_freq=256,
    gradient_steps=128,
    exploration_fraction=0.16,
    exploration_final_eps=0.04,
    policy_kwargs=dict(net_arch=[256, 256]),
)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--env", default="CartPole-v1")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timesteps", type=int, default=50000)
    parser.add_argument("--eval-episodes", type=int, default=0)
    # One thread by default: RLLab's run is single-threaded (a comparison runs one run per core).
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    env = gym.make(args.env)
    model = DQN("MlpPolicy", env, seed=args.seed, device="cpu", verbose=0, **ZOO_CARTPOLE_V1)
    start = time.perf_counter()
    model.learn(total_timesteps=args.timesteps)
    seconds = time.perf_counter() - start
    if args.eval_episodes > 0:
        eval_env = gym.make(args.env)
        eval_env.reset(seed=args.seed + 1_000_003)
        mean, std = evaluate_policy(model, eval_env, n_eval_episodes=args.eval_episodes, deterministic=True)
        print(f"sb3 dqn {args.env} seed {args.seed}: greedy mean {mean:.2f} +- {std:.2f} over {args.eval_episodes} episodes")
    print(f"sb3 dqn {args.env} seed {args.seed}: {args.timesteps} timesteps, {model._n_updates} gradient steps, "
          f"{torch.get_num_threads()} thread(s), train time {seconds:.2f} s")


if __name__ == "__main__":
    main()
