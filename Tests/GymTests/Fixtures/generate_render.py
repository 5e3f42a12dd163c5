#!/usr/bin/env python3
"""Reference renderings from Gymnasium 1.4.0 (pygame 2.6.1) for RLLab's render tests.

Run with gymnasium 1.4.0 and pygame 2.6.1 (pip install gymnasium==1.4.0 pygame==2.6.1):

    SDL_VIDEODRIVER=dummy python3 Tests/GymTests/Fixtures/generate_render.py Tests/GymTests/Fixtures/render

Writes:

  ansi.json   a list of trajectories {env_id, options, seed, actions, states, frames}:
              gym.make(env_id, render_mode="ansi", **options), env.reset(seed=seed), then
              env.step(a) for each action; frames[0] is env.render() after the reset, frames[i]
              after step i, states[i] is env.unwrapped.s when frames[i] was rendered. Actions come
              from numpy's default_rng(seed) (integers over the action space) and stop at the end
              of the episode. (RLLab's resets and slippery moves draw from GSL, not numpy, so the
              tests set each state and last action and compare the frame.)
  rgb.json    a list of states {env_id, file, state}: gym.make(env_id, render_mode="rgb_array"),
              env.reset(seed=0), env.unwrapped.state = state (float64), env.render() saved as
              the PNG `file` (RGB, 8 bits, written by pygame.image.save of the returned array).
"""
import json
import os
import sys

import numpy as np
import gymnasium as gym
import pygame

assert gym.__version__ == "1.4.0", gym.__version__
assert pygame.version.ver == "2.6.1", pygame.version.ver

OUT = sys.argv[1] if len(sys.argv) > 1 else "."
os.makedirs(OUT, exist_ok=True)

ansi = []
for env_id, options, seed, steps in [
    ("FrozenLake-v1", {}, 0, 30),
    ("FrozenLake-v1", {}, 3, 30),
    ("FrozenLake-v1", {"is_slippery": False}, 1, 12),
    ("FrozenLake8x8-v1", {}, 5, 40),
    ("CliffWalking-v1", {}, 0, 25),
    ("CliffWalking-v1", {"is_slippery": True}, 2, 25),
    ("Taxi-v4", {}, 0, 40),
    ("Taxi-v4", {}, 7, 40),
]:
    env = gym.make(env_id, render_mode="ansi", **options)
    env.reset(seed=seed)
    rng = np.random.default_rng(seed)
    frames = [env.render()]
    states = [int(env.unwrapped.s)]
    actions = []
    for _ in range(steps):
        a = int(rng.integers(env.action_space.n))
        actions.append(a)
        _, _, terminated, truncated, _ = env.step(a)
        frames.append(env.render())
        states.append(int(env.unwrapped.s))
        if terminated or truncated:
            break
    ansi.append({"env_id": env_id, "options": {k: str(v).lower() for k, v in options.items()},
                 "seed": seed, "actions": actions, "states": states, "frames": frames})
    env.close()

# A Taxi trajectory that picks the passenger up (the taxi cell turns green) and drops them
# off, found by breadth-first search over the deterministic model from reset(seed=11).
env = gym.make("Taxi-v4", render_mode="ansi")
obs, _ = env.reset(seed=11)
P = env.unwrapped.P
from collections import deque
start = obs
parent = {start: None}
queue = deque([start])
goal = None
while queue:
    s = queue.popleft()
    row, col, pas, dest = env.unwrapped.decode(s)
    if pas == 4:
        goal = s
        break
    for a in range(6):
        (_, s2, _, _), = P[s][a]
        if s2 not in parent:
            parent[s2] = (s, a)
            queue.append(s2)
path = []
s = goal
while parent[s] is not None:
    s, a = parent[s]
    path.append(a)
path.reverse()
path += [0, 2, 1, 3, 5]
frames = [env.render()]
states = [int(env.unwrapped.s)]
actions = []
for a in path:
    actions.append(a)
    _, _, terminated, truncated, _ = env.step(a)
    frames.append(env.render())
    states.append(int(env.unwrapped.s))
    if terminated or truncated:
        break
ansi.append({"env_id": "Taxi-v4", "options": {}, "seed": 11, "actions": actions, "states": states, "frames": frames})

with open(os.path.join(OUT, "ansi.json"), "w") as f:
    json.dump(ansi, f, indent=1)

rgb = []
states = {
    "CartPole-v1": [[0.0, 0.0, 0.0, 0.0], [-1.3, 0.2, 0.17, -0.5], [2.0, 0.0, -0.2, 0.0]],
    "Acrobot-v1": [[0.0, 0.0, 0.0, 0.0], [1.0, -0.7, 0.3, 0.1], [-2.5, 2.0, 0.0, 0.0]],
    "MountainCar-v0": [[-0.5, 0.0], [-1.1, 0.01], [0.45, 0.03]],
    "Pendulum-v1": [[0.0, 0.0], [2.3, 1.0], [-1.0, 0.0]],
}
for env_id, env_states in states.items():
    env = gym.make(env_id, render_mode="rgb_array")
    env.reset(seed=0)
    for i, state in enumerate(env_states):
        env.unwrapped.state = np.array(state, dtype=np.float64)
        frame = env.render()
        name = f"{env_id}_{i}.png"
        pygame.image.save(pygame.surfarray.make_surface(np.transpose(frame, (1, 0, 2))), os.path.join(OUT, name))
        rgb.append({"env_id": env_id, "file": name, "state": state})
    env.close()
with open(os.path.join(OUT, "rgb.json"), "w") as f:
    json.dump(rgb, f, indent=1)
print(f"wrote {len(ansi)} ansi trajectories and {len(rgb)} rgb frames to {OUT}")
