"""EnvPool's side of the vector CartPole benchmark: its best steps per second here.

Tries EnvPool's synchronous mode (batch_size = num_envs) over a grid of num_envs and
num_threads (up to the number of cores), actions from a table drawn before the clock
starts, and prints the best configuration last as `... <number> steps/s`.
"""

import argparse
import os
import time

import envpool
import numpy as np


def measure(task: str, num_envs: int, num_threads: int, seconds: float, seed: int) -> float:
    env = envpool.make(task, env_type="gymnasium", num_envs=num_envs, batch_size=num_envs,
                       num_threads=num_threads, seed=seed)
    env.reset()
    rng = np.random.default_rng(seed)
    table = rng.integers(0, 2, size=(61, num_envs)).astype(np.int32)
    calls = 0
    start = time.perf_counter()
    end = start
    while end - start < seconds:
        env.step(table[calls % 61])
        calls += 1
        end = time.perf_counter()
    env.close()
    return calls * num_envs / (end - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--env", default="CartPole-v1")
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    best = (0.0, 0, 0)
    for num_threads in sorted({1, cores}):
        for num_envs in (8, 64, 256, 1024, 4096):
            rate = measure(args.env, num_envs, num_threads, args.seconds, args.seed)
            print(f"envpool {envpool.__version__} {args.env} num_envs={num_envs} num_threads={num_threads}: {rate:.0f} steps/s", flush=True)
            best = max(best, (rate, num_envs, num_threads))
    rate, num_envs, num_threads = best
    print(f"envpool {envpool.__version__} {args.env} best (num_envs={num_envs}, num_threads={num_threads}): {rate:.0f} steps/s")


if __name__ == "__main__":
    main()
