#!/usr/bin/env python3
"""Share of identical pixels between RLLab's rgb_array frames and Gymnasium 1.4.0's.

For each classic-control environment: one Gymnasium episode (gym.make(id,
render_mode="rgb_array"), reset(seed=S), actions from numpy's default_rng(S), every frame
rendered), then `rllab render --env ID --seed S --state S0 --actions ... --out DIR` from
Gymnasium's start state S0 with the same actions (the dynamics are bit-exact, so the
states are the same), and a pixel-by-pixel
comparison of every frame. Also writes a side-by-side PNG per environment (Gymnasium
left, RLLab right, differing pixels in magenta on the third panel).

    SDL_VIDEODRIVER=dummy python3 Benchmarks/render_identity.py .build/release/rllab results/render-identity

Requires gymnasium 1.4.0, pygame 2.6.1, numpy.
"""
import os
import subprocess
import sys

import numpy as np
import gymnasium as gym
import pygame

RLLAB = sys.argv[1] if len(sys.argv) > 1 else ".build/release/rllab"
OUT = sys.argv[2] if len(sys.argv) > 2 else "results/render-identity"
os.makedirs(OUT, exist_ok=True)
SEEDS = [0, 1, 2]
STEPS = 60


def load_png(path):
    surface = pygame.image.load(path)
    return np.transpose(pygame.surfarray.array3d(surface), (1, 0, 2))


def save_png(array, path):
    pygame.image.save(pygame.surfarray.make_surface(np.transpose(array, (1, 0, 2))), path)


print(f"{'environment':<26} {'frames':>6} {'identical pixels':>17} {'worst frame':>12}")
for env_id in ["CartPole-v1", "Acrobot-v1", "MountainCar-v0", "Pendulum-v1", "MountainCarContinuous-v0"]:
    if env_id not in gym.registry:
        continue
    total = same = 0
    worst = 1.0
    frames_count = 0
    for seed in SEEDS:
        env = gym.make(env_id, render_mode="rgb_array")
        env.reset(seed=seed)
        # RLLab's reset draws from GSL, not numpy: start both from Gymnasium's state.
        state = ",".join(repr(float(v)) for v in np.asarray(env.unwrapped.state, dtype=np.float64))
        rng = np.random.default_rng(seed)
        frames = [env.render()]
        actions = []
        for _ in range(STEPS):
            if isinstance(env.action_space, gym.spaces.Discrete):
                a = int(rng.integers(env.action_space.n))
                text = str(a)
            else:
                a = rng.uniform(-1, 1, size=env.action_space.shape).astype(np.float32) * env.action_space.high
                text = ",".join(repr(float(v)) for v in a)
            actions.append(text)
            _, _, terminated, truncated, _ = env.step(a)
            frames.append(env.render())
            if terminated or truncated:
                break
        env.close()
        folder = os.path.join(OUT, f"{env_id}-seed{seed}")
        subprocess.run([RLLAB, "render", "--env", env_id, "--seed", str(seed), "--state=" + state, "--actions=" + ",".join(actions),
                        "--out", folder], check=True, stdout=subprocess.DEVNULL)
        for i, reference in enumerate(frames):
            ours = load_png(os.path.join(folder, f"frame_{i:04d}.png"))
            assert ours.shape == reference.shape, (env_id, ours.shape, reference.shape)
            equal = np.all(ours == reference, axis=2)
            total += equal.size
            same += int(equal.sum())
            worst = min(worst, float(equal.mean()))
            frames_count += 1
            if seed == SEEDS[0] and i == min(10, len(frames) - 1):
                diff = reference.copy()
                diff[~equal] = (255, 0, 255)
                gap = np.full((reference.shape[0], 8, 3), 128, dtype=np.uint8)
                save_png(np.concatenate([reference, gap, ours, gap, diff], axis=1),
                         os.path.join(OUT, f"{env_id}.side-by-side.png"))
    print(f"{env_id:<26} {frames_count:>6} {100.0 * same / total:>16.3f}% {100.0 * worst:>11.3f}%")
