"""numpy's side of `rllab bench solve`: value iteration on FrozenLake 8x8, median ms.

The model is Gymnasium's own `P` (FrozenLake-v1, map_name=8x8, slippery), turned into
dense arrays once outside the clock; each repetition runs synchronous value iteration
(V <- max_a sum_s' p (r + gamma V(s') (1 - done))) until the largest change in a sweep
is below theta, the rule `rllab solve` uses. Prints `... <number> ms`.
"""

import argparse
import time

import gymnasium as gym
import numpy as np


def dense_model(env):
    P = env.unwrapped.P
    n_s, n_a = len(P), len(P[0])
    prob = np.zeros((n_s, n_a, n_s))
    reward = np.zeros((n_s, n_a))
    cont = np.zeros((n_s, n_a, n_s))  # probability mass that continues (not terminal)
    for s in range(n_s):
        for a in range(n_a):
            for p, s2, r, done in P[s][a]:
                prob[s, a, s2] += p
                reward[s, a] += p * r
                if not done:
                    cont[s, a, s2] += p
    return prob, reward, cont


def value_iteration(reward, cont, gamma, theta):
    n_s, n_a, _ = cont.shape
    flat = cont.reshape(n_s * n_a, n_s)
    r = reward.reshape(n_s * n_a)
    v = np.zeros(n_s)
    sweeps = 0
    while True:
        sweeps += 1
        q = (r + gamma * (flat @ v)).reshape(n_s, n_a)
        new = q.max(axis=1)
        delta = np.abs(new - v).max()
        v = new
        if delta < theta:
            return v, sweeps


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gamma", type=float, default=0.99)
    parser.add_argument("--theta", type=float, default=1e-10)
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args()
    env = gym.make("FrozenLake-v1", map_name="8x8", is_slippery=True)
    _, reward, cont = dense_model(env)
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        v, sweeps = value_iteration(reward, cont, args.gamma, args.theta)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    print(f"numpy {np.__version__} value-iteration FrozenLake8x8 (gamma {args.gamma}, theta {args.theta}, "
          f"{sweeps} sweeps, V(0)={v[0]:.6f}, median of {args.repeats}): {times[len(times) // 2]:.4f} ms")


if __name__ == "__main__":
    main()
