"""Gymnasium's side of `rllab bench env`: steps per second of a random-action loop.

Mirrors gymnasium.utils.performance.benchmark_step, but steps `env.unwrapped` (no
wrappers) as the issue asks, with resets on termination. Prints one line ending in
`<number> steps/s`, the same shape as `rllab bench env`.
"""

import argparse
import time

import gymnasium as gym


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--env", default="CartPole-v1")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    env = gym.make(args.env).unwrapped
    env.reset(seed=args.seed)
    env.action_space.seed(args.seed)
    steps = 0
    start = time.perf_counter()
    end = start
    while end - start < args.seconds:
        steps += 1
        _, _, terminated, truncated, _ = env.step(env.action_space.sample())
        if terminated or truncated:
            env.reset()
        end = time.perf_counter()
    rate = steps / (end - start)
    print(f"gymnasium {gym.__version__} {args.env} env.unwrapped.step: {rate:.0f} steps/s")


if __name__ == "__main__":
    main()
