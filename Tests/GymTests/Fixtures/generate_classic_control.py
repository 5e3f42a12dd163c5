#!/usr/bin/env python3
"""Reference trajectories for MountainCar-v0, Acrobot-v1 and Pendulum-v1.

Run with gymnasium 1.4.0 (pip install gymnasium==1.4.0):

    python3 Tests/GymTests/Fixtures/generate_classic_control.py Tests/GymTests/Fixtures/classic_control

Each trajectory: gym.make(env_id) (default wrappers: PassiveEnvChecker,
OrderEnforcing, TimeLimit), env.reset(seed=reset_seed), then
env.unwrapped.state = np.array(s0, dtype=np.float64), then env.step(a) for each
action until terminated, truncated or the actions run out.

Output (same conventions as ../conformance/README.md: floats by Python repr of
float64, float32 observations converted exactly to float64, booleans 0/1):

  episodes.csv      traj_id,env_id,max_episode_steps,reset_seed,n_steps,terminated,truncated,return,note
  <env>_steps.csv   traj_id,step,action,state_0..,obs_0..,reward,terminated,truncated
                    step 0 holds s0 (action, obs and flags empty, reward 0.0).

Pendulum actions are float32 arrays of shape (1,); the action column is the
float32 torque as passed (before Gymnasium's clipping), written as float64.
"""
import math
import os
import sys

import numpy as np
import gymnasium as gym

assert gym.__version__ == "1.4.0", gym.__version__

OUT = sys.argv[1] if len(sys.argv) > 1 else "."
episodes = []


def r(x):
    return repr(float(x))


def run(writer, traj_id, env_id, reset_seed, s0, policy, note, max_steps=None):
    env = gym.make(env_id)
    env.reset(seed=reset_seed)
    env.unwrapped.state = np.array(s0, dtype=np.float64)
    n_state = len(s0)
    n_obs = env.observation_space.shape[0]
    writer.append([str(traj_id), "0", ""] + [r(v) for v in s0] + [""] * n_obs + ["0.0", "", ""])
    total = 0.0
    k = 0
    obs = None
    terminated = truncated = False
    while True:
        k += 1
        a = policy(k, obs, env)
        if a is None:
            k -= 1
            break
        obs, reward, terminated, truncated, _ = env.step(a)
        total += float(reward)
        state = [float(v) for v in np.asarray(env.unwrapped.state, dtype=np.float64)]
        assert len(state) == n_state
        action_text = r(a[0]) if isinstance(a, np.ndarray) else str(int(a))
        writer.append([str(traj_id), str(k), action_text] + [r(v) for v in state]
                      + [r(v) for v in np.asarray(obs, dtype=np.float32)]
                      + [r(reward), str(int(terminated)), str(int(truncated))])
        if terminated or truncated:
            break
    episodes.append([str(traj_id), env_id, str(env.spec.max_episode_steps), str(reset_seed), str(k),
                     str(int(terminated)), str(int(truncated)), r(total), note])
    env.close()


def write(name, header, rows):
    with open(os.path.join(OUT, name), "w", newline="\n") as f:
        f.write(",".join(header) + "\n")
        for row in rows:
            f.write(",".join(row) + "\n")


def seq(actions):
    return lambda k, obs, env: actions[k - 1] if k <= len(actions) else None


def random_discrete(seed, n, count):
    values = np.random.default_rng(seed).integers(0, n, size=count)
    return seq([int(v) for v in values])


traj = 0

# MountainCar-v0 -----------------------------------------------------------------
mc = []
def mc_run(seed, s0, policy, note):
    global traj
    run(mc, traj, "MountainCar-v0", seed, s0, policy, note)
    traj += 1

env = gym.make("MountainCar-v0"); env.reset(seed=3); s_reset = [float(v) for v in env.unwrapped.state]
mc_run(3, s_reset, random_discrete(30, 3, 200), "reset state then random actions: truncated at 200")
mc_run(4, [-1.1, -0.05], seq([0] * 200), "always left: hits the left wall (velocity zeroed) and stays there")
mc_run(5, [-1.2, 0.0], seq([0, 0, 1, 2, 0, 0, 2, 2, 2, 0]), "starts at the wall pushing left")
mc_run(6, [-0.5, 0.0], lambda k, obs, env: 2 if (obs is None or obs[1] >= 0) else 0, "energy pumping: reaches the goal")
mc_run(7, [0.45, 0.069], seq([2] * 20), "near the goal at top speed: velocity clipped then terminates")
mc_run(8, [0.49999, 0.0], seq([1, 1, 2, 2, 2]), "just below the goal")
mc_run(9, [0.3, -0.07], seq([0] * 30), "fast leftward: speed clipped at -0.07")
rng = np.random.default_rng(11)
for i in range(6):
    s0 = [float(rng.uniform(-1.2, 0.6)), float(rng.uniform(-0.07, 0.07))]
    mc_run(20 + i, s0, random_discrete(100 + i, 3, 200), "random state and actions")
write("mountaincar_steps.csv",
      ["traj_id", "step", "action", "state_0", "state_1", "obs_0", "obs_1", "reward", "terminated", "truncated"], mc)

# Acrobot-v1 ---------------------------------------------------------------------
ac = []
def ac_run(seed, s0, policy, note):
    global traj
    run(ac, traj, "Acrobot-v1", seed, s0, policy, note)
    traj += 1

env = gym.make("Acrobot-v1"); env.reset(seed=5); s_reset = [float(v) for v in env.unwrapped.state]
ac_run(5, s_reset, random_discrete(50, 3, 500), "reset state (float32 values) then random actions: truncated at 500")
ac_run(6, [0.05, -0.03, 0.01, 0.02], lambda k, obs, env: 2 if (obs is not None and obs[5] > 0) else 0,
       "torque follows dtheta2 (float32 obs): swings up and terminates")
ac_run(7, [math.pi - 0.01, 0.02, 12.0, 27.0], random_discrete(70, 3, 60), "near the top with velocities near the bounds (wrap and bound)")
ac_run(8, [-3.1, 3.1, -12.5, -28.2], seq([0] * 40 + [2] * 40), "negative extremes beyond the velocity bounds: bound and wrap then terminates")
ac_run(9, [3.0, 0.5, 0.0, 0.0], seq([1] * 5), "already above the bar: terminates at once")
ac_run(10, [0.0, 0.0, 0.0, 0.0], seq([1] * 30 + [2] * 30 + [0] * 30), "at rest: zero, then +1, then -1 torque")
rng = np.random.default_rng(12)
for i in range(5):
    s0 = [float(rng.uniform(-math.pi, math.pi)), float(rng.uniform(-math.pi, math.pi)),
          float(rng.uniform(-4 * math.pi, 4 * math.pi)), float(rng.uniform(-9 * math.pi, 9 * math.pi))]
    ac_run(30 + i, s0, random_discrete(200 + i, 3, 150), "random state and actions")
write("acrobot_steps.csv",
      ["traj_id", "step", "action"] + [f"state_{i}" for i in range(4)] + [f"obs_{i}" for i in range(6)]
      + ["reward", "terminated", "truncated"], ac)

# Pendulum-v1 --------------------------------------------------------------------
pe = []
def pe_run(seed, s0, torques, note):
    global traj
    actions = [np.array([t], dtype=np.float32) for t in torques]
    run(pe, traj, "Pendulum-v1", seed, s0, seq(actions), note)
    traj += 1

env = gym.make("Pendulum-v1"); env.reset(seed=7); s_reset = [float(v) for v in env.unwrapped.state]
rng = np.random.default_rng(70)
pe_run(7, s_reset, list(rng.uniform(-2, 2, size=200)), "reset state then random torques: truncated at 200")
pe_run(8, [math.pi, 0.0], [2.5, -3.0, 7.0, -2.0, 2.0, 2.0000002, -100.0, 0.1, 1.7, -0.3], "torque clipping and float32 torques")
pe_run(9, [0.5, 7.9], [2.0] * 30, "speed clipped at +8")
pe_run(10, [-0.5, -7.9], [-2.0] * 30, "speed clipped at -8")
pe_run(11, [-math.pi, 0.0], [0.0] * 5, "theta = -pi: angle_normalize at the period boundary")
pe_run(12, [10.0, -3.0], [0.5] * 20, "theta far outside [-pi, pi)")
pe_run(13, [-25.0, 3.0], [-0.7] * 20, "theta far below -pi (floored modulo)")
pe_run(14, [0.0, 0.0], [0.0] * 10, "upright at rest: zero reward")
for i in range(4):
    s0 = [float(rng.uniform(-math.pi, math.pi)), float(rng.uniform(-8, 8))]
    pe_run(20 + i, s0, list(rng.uniform(-3, 3, size=120)), "random state and torques (some clipped)")
write("pendulum_steps.csv",
      ["traj_id", "step", "action", "state_0", "state_1", "obs_0", "obs_1", "obs_2", "reward", "terminated", "truncated"], pe)

write("episodes.csv", ["traj_id", "env_id", "max_episode_steps", "reset_seed", "n_steps", "terminated", "truncated", "return", "note"], episodes)
print(f"wrote {len(episodes)} trajectories to {OUT}")
