"""Stable-Baselines3 SAC or TD3 on Pendulum-v1 with the RL-Zoo settings of agents/sac.yml
and agents/td3.yml: the peer of `rllab train --agent sac|td3` in `make bench`
(Benchmarks/rows.d/continuous.sh).

Prints the greedy evaluation (optional) and, last, the training wall time as `<seconds> s`.

    python Benchmarks/sb3_continuous.py --algo sac --seed 0 --timesteps 20000 [--eval-episodes 10] [--threads 1]
"""
import argparse
import time

import gymnasium as gym
import numpy as np
import torch
from stable_baselines3 import SAC, TD3
from stable_baselines3.common.evaluation import evaluate_policy
from stable_baselines3.common.noise import NormalActionNoise

# rl-baselines3-zoo hyperparams/sac.yml and td3.yml, Pendulum-v1 (the same numbers as agents/).
ZOO_PENDULUM_V1 = {
    "sac": dict(learning_rate=1e-3),
    "td3": dict(gamma=0.98, buffer_size=200000, learning_starts=10000, gradient_steps=1, train_freq=1,
                learning_rate=1e-3, policy_kwargs=dict(net_arch=[400, 300])),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--algo", choices=["sac", "td3"], default="sac")
    parser.add_argument("--env", default="Pendulum-v1")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timesteps", type=int, default=20000)
    parser.add_argument("--eval-episodes", type=int, default=0)
    # One thread by default: RLLab's run is single-threaded (a comparison runs one run per core).
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    env = gym.make(args.env)
    kwargs = dict(ZOO_PENDULUM_V1[args.algo])
    if args.algo == "td3":
        n = env.action_space.shape[0]
        kwargs["action_noise"] = NormalActionNoise(mean=np.zeros(n), sigma=0.1 * np.ones(n))
    model = (SAC if args.algo == "sac" else TD3)("MlpPolicy", env, seed=args.seed, device="cpu", verbose=0, **kwargs)
    start = time.perf_counter()
    model.learn(total_timesteps=args.timesteps)
    seconds = time.perf_counter() - start
    if args.eval_episodes > 0:
        eval_env = gym.make(args.env)
        eval_env.reset(seed=args.seed + 1_000_003)
        mean, std = evaluate_policy(model, eval_env, n_eval_episodes=args.eval_episodes, deterministic=True)
        print(f"sb3 {args.algo} {args.env} seed {args.seed}: greedy mean {mean:.2f} +- {std:.2f} over {args.eval_episodes} episodes")
    print(f"sb3 {args.algo} {args.env} seed {args.seed}: {args.timesteps} timesteps, {model._n_updates} gradient steps, "
          f"{torch.get_num_threads()} thread(s), train time {seconds:.2f} s")


if __name__ == "__main__":
    main()
