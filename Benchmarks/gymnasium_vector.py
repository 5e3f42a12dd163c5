"""Gymnasium's side of `rllab bench env --num-envs N`: SyncVectorEnv steps per second.

N copies of the environment in gymnasium.vector.SyncVectorEnv (default next-step
autoreset), actions from a table drawn before the clock starts (as the RLLab side does).
Prints one line ending in `<number> steps/s` (environment steps summed over copies).
"""

import argparse
import time

import gymnasium as gym
import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--env", default="CartPole-v1")
    parser.add_argument("--num-envs", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    envs = gym.vector.SyncVectorEnv([lambda: gym.make(args.env) for _ in range(args.num_envs)])
    envs.reset(seed=args.seed)
    rng = np.random.default_rng(args.seed)
    table = rng.integers(0, envs.single_action_space.n, size=(61, args.num_envs))
    calls = 0
    start = time.perf_counter()
    end = start
    while end - start < args.seconds:
        envs.step(table[calls % 61])
        calls += 1
        end = time.perf_counter()
    rate = calls * args.num_envs / (end - start)
    print(f"gymnasium {gym.__version__} SyncVectorEnv {args.env} ({args.num_envs} envs): {rate:.0f} steps/s")


if __name__ == "__main__":
    main()
