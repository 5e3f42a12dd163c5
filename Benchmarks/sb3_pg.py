"""Stable-Baselines3 PPO or A2C on CartPole-v1 with the RL-Zoo settings of agents/ppo.yml
and agents/a2c.yml: the peer of `rllab train --agent ppo|a2c` and of the time-to-solve of
`rllab compare --agents ppo --eval-freq 1000 --eval-episodes 10 --stop-at 475` in
`make bench` (Benchmarks/rows.d/pg.sh).

Training wall time (prints, last, `train time <seconds> s`):

    python Benchmarks/sb3_pg.py --algo ppo --seed 0 --timesteps 100000 [--threads 1|2]

Time to solve (EvalCallback every 1000 environment steps, 10 greedy episodes, stopped by
StopTrainingOnRewardThreshold; prints each seed's time and, last, the median as
`median time to solve <seconds> s`):

    python Benchmarks/sb3_pg.py --algo ppo --solve --seeds 0,1,2 --eval-freq 1000 --eval-episodes 10 --stop-at 475
"""
import argparse
import statistics
import time

import gymnasium as gym
import torch
from stable_baselines3 import A2C, PPO
from stable_baselines3.common.callbacks import EvalCallback, StopTrainingOnRewardThreshold
from stable_baselines3.common.env_util import make_vec_env


def linear(initial):
    # RL-Zoo's `lin_X`: SB3 calls the schedule with the progress remaining, 1 down to 0.
    return lambda progress_remaining: initial * progress_remaining


# rl-baselines3-zoo hyperparams/ppo.yml and a2c.yml, CartPole-v1 (the same numbers as agents/).
ZOO_CARTPOLE_V1 = {
    "ppo": dict(n_envs=8, n_timesteps=100000, kwargs=lambda: dict(
        n_steps=32, batch_size=256, gae_lambda=0.8, gamma=0.98, n_epochs=20, ent_coef=0.0,
        learning_rate=linear(1e-3), clip_range=linear(0.2))),
    "a2c": dict(n_envs=8, n_timesteps=500000, kwargs=lambda: dict(ent_coef=0.0)),
}


def make(algo, env_id, seed):
    zoo = ZOO_CARTPOLE_V1[algo]
    env = make_vec_env(env_id, n_envs=zoo["n_envs"], seed=seed)
    model = (PPO if algo == "ppo" else A2C)("MlpPolicy", env, seed=seed, device="cpu", verbose=0, **zoo["kwargs"]())
    return model, zoo


def train(args):
    model, zoo = make(args.algo, args.env, args.seed)
    timesteps = args.timesteps or zoo["n_timesteps"]
    start = time.perf_counter()
    model.learn(total_timesteps=timesteps)
    seconds = time.perf_counter() - start
    print(f"sb3 {args.algo} {args.env} seed {args.seed}: {timesteps} timesteps, {model._n_updates} updates, "
          f"{torch.get_num_threads()} thread(s), train time {seconds:.2f} s")


def solve(args):
    times = []
    for seed in [int(s) for s in args.seeds.split(",")]:
        model, zoo = make(args.algo, args.env, seed)
        eval_env = make_vec_env(args.env, n_envs=1, seed=seed + 1_000_003)
        stop = StopTrainingOnRewardThreshold(reward_threshold=args.stop_at, verbose=0)
        # eval_freq counts calls of the callback, one per vector step of n_envs steps.
        callback = EvalCallback(eval_env, callback_on_new_best=stop, eval_freq=max(args.eval_freq // zoo["n_envs"], 1),
                                n_eval_episodes=args.eval_episodes, deterministic=True, verbose=0)
        timesteps = args.timesteps or zoo["n_timesteps"]
        start = time.perf_counter()
        model.learn(total_timesteps=timesteps, callback=callback)
        seconds = time.perf_counter() - start
        solved = callback.best_mean_reward >= args.stop_at
        times.append(seconds if solved else float("inf"))
        print(f"sb3 {args.algo} {args.env} seed {seed}: {'solved' if solved else 'not solved'} "
              f"(best eval mean {callback.best_mean_reward:.1f}) after {model.num_timesteps} steps in {seconds:.2f} s")
    print(f"sb3 {args.algo} {args.env} seeds {args.seeds}: {torch.get_num_threads()} thread(s), "
          f"median time to solve {statistics.median(times):.2f} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--algo", choices=["ppo", "a2c"], default="ppo")
    parser.add_argument("--env", default="CartPole-v1")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timesteps", type=int, default=0, help="0: RL-Zoo's n_timesteps")
    # One thread by default, as RLLab's run (RLLAB_BLAS_THREADS=1); make bench also compares
    # two threads on each side (torch's intra-op threads, RLLab's policy and value networks).
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    parser.add_argument("--solve", action="store_true", help="measure the time to solve instead")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--eval-freq", type=int, default=1000, help="environment steps between evaluations")
    parser.add_argument("--eval-episodes", type=int, default=10)
    parser.add_argument("--stop-at", type=float, default=475)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    if args.solve:
        solve(args)
    else:
        train(args)


if __name__ == "__main__":
    main()
