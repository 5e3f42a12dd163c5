#!/usr/bin/env python3
"""Reference trajectories for the classic-control environments (CartPole-v0/v1,
MountainCar-v0, MountainCarContinuous-v0, Acrobot-v1, Pendulum-v1).

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

# ================================================================================
# The wide set: at least 100 trajectories per classic-control environment from start
# states spread over the whole state space (angles beyond +-pi, velocities at and
# beyond their clip limits, positions at the bounds), uniformly random discrete
# actions, float32 continuous actions beyond the action bounds, and some environment
# options. Files: wide_episodes.csv (traj_id,env_id,options,reset_seed,n_steps,
# terminated,truncated,return,note; options as key=value;key=value) and
# wide_<env>_steps.csv (same columns as <env>_steps.csv). Plus acrobot_resets.csv:
# Acrobot reset states (float32, as Gymnasium's reset leaves them) and their
# observations (numpy's float32 cos and sin), with reset options low/high.
# ================================================================================

wide_episodes = []


def run_wide(writer, traj_id, env_id, options, reset_seed, s0, policy, note):
    kwargs = dict(options)
    env = gym.make(env_id, **kwargs)
    env.reset(seed=reset_seed)
    env.unwrapped.state = np.array(s0, dtype=np.float64)
    n_obs = env.observation_space.shape[0]
    writer.append([str(traj_id), "0", ""] + [r(v) for v in s0] + [""] * n_obs + ["0.0", "", ""])
    total = 0.0
    k = 0
    obs = None
    terminated = truncated = False
    while True:
        a = policy(k + 1, obs, env)
        if a is None:
            break
        k += 1
        obs, reward, terminated, truncated, _ = env.step(a)
        total += float(reward)
        state = [float(v) for v in np.asarray(env.unwrapped.state, dtype=np.float64)]
        action_text = r(a[0]) if isinstance(a, np.ndarray) else str(int(a))
        writer.append([str(traj_id), str(k), action_text] + [r(v) for v in state]
                      + [r(v) for v in np.asarray(obs, dtype=np.float32)]
                      + [r(reward), str(int(terminated)), str(int(truncated))])
        if terminated or truncated:
            break
    option_text = ";".join(f"{key}={str(value).lower() if isinstance(value, bool) else r(value)}"
                           for key, value in options)
    wide_episodes.append([str(traj_id), env_id, option_text, str(reset_seed), str(k),
                          str(int(terminated)), str(int(truncated)), r(total), note])
    env.close()


def random_actions(seed, n, count):
    values = np.random.default_rng(seed).integers(0, n, size=count)
    return seq([int(v) for v in values])


def random_torques(seed, low, high, count, extremes=()):
    """float32 torques uniform in [low, high), with `extremes` mixed in at random steps."""
    rng_t = np.random.default_rng(seed)
    values = list(rng_t.uniform(low, high, size=count))
    for i, value in enumerate(extremes):
        values[int(rng_t.integers(0, count))] = value
    return seq([np.array([v], dtype=np.float32) for v in values])


wide_traj = 1000
wide = {}


def wide_run(env_id, options, s0, policy, note, reset_seed=None):
    global wide_traj
    rows = wide.setdefault(env_id, [])
    run_wide(rows, wide_traj, env_id, options, wide_traj if reset_seed is None else reset_seed, s0, policy, note)
    wide_traj += 1


# CartPole-v1 (and v0, sutton_barto_reward): random states inside the termination
# box, states on and beyond its edges, large velocities.
rng = np.random.default_rng(1001)
theta_max = 12 * 2 * math.pi / 360
for i in range(100):
    scale = 1.0 if i % 2 == 0 else 0.2  # every other start slower and closer to upright: longer episodes
    s0 = [rng.uniform(-2.4, 2.4), scale * rng.uniform(-3, 3), scale * rng.uniform(-theta_max, theta_max),
          scale * rng.uniform(-3.5, 3.5)]
    env_id = "CartPole-v0" if i % 10 == 9 else "CartPole-v1"
    options = [("sutton_barto_reward", True)] if i % 7 == 3 else []
    wide_run(env_id, options, [float(v) for v in s0], random_actions(5000 + i, 2, 60), "random state and actions")
for i, s0 in enumerate([[2.4, 0.0, 0.0, 0.0], [-2.4, 0.0, 0.0, 0.0], [0.0, 0.0, theta_max, 0.0],
                        [0.0, 0.0, -theta_max, 0.0], [2.5, 0.0, 0.0, 0.0], [0.0, 0.0, 0.3, 0.0],
                        [0.0, 50.0, 0.0, -50.0], [0.0, -50.0, 0.0, 50.0], [1e-300, -1e-300, 5e-324, 0.0],
                        [-0.0, 0.0, -0.0, 0.0], [2.39, 1.0, 0.2, 2.0], [-2.39, -1.0, -0.2, -2.0]]):
    wide_run("CartPole-v1", [], s0, random_actions(5200 + i, 2, 60), "edge of the state space")

# MountainCar-v0: random states over the whole box, walls, clip limits, the goal.
rng = np.random.default_rng(1002)
for i in range(100):
    s0 = [rng.uniform(-1.2, 0.6), rng.uniform(-0.07, 0.07)]
    options = [("goal_velocity", float(rng.uniform(0, 0.05)))] if i % 8 == 5 else []
    wide_run("MountainCar-v0", options, [float(v) for v in s0], random_actions(6000 + i, 3, 80), "random state and actions")
for i, s0 in enumerate([[-1.2, -0.07], [-1.2, 0.0], [-1.2, 0.07], [0.6, 0.07], [0.6, -0.07], [0.5, 0.0],
                        [0.4999999999999999, 0.0], [-0.5, 0.07], [-0.5, -0.07], [-1.3, -0.1], [0.7, 0.1]]):
    wide_run("MountainCar-v0", [], s0, random_actions(6200 + i, 3, 80), "edge of the state space")
for i in range(4):
    s0 = [float(rng.uniform(-1.2, 0.6)), float(rng.uniform(-0.07, 0.07))]
    wide_run("MountainCar-v0", [], s0, lambda k, obs, env: 2 if (obs is None or obs[1] >= 0) else 0,
             "energy pumping to the goal")

# Acrobot-v1: angles over [-3pi, 3pi] (several wraps), velocities over and beyond the bounds.
rng = np.random.default_rng(1003)
v1, v2 = 4 * math.pi, 9 * math.pi
for i in range(100):
    while True:  # non-terminal starts (about half of the angle pairs are terminal)
        scale = 1.0 if i % 2 == 0 else 0.1  # every other start slower: longer episodes
        s0 = [rng.uniform(-3 * math.pi, 3 * math.pi), rng.uniform(-3 * math.pi, 3 * math.pi),
              scale * rng.uniform(-v1 - 2, v1 + 2), scale * rng.uniform(-v2 - 4, v2 + 4)]
        if not -math.cos(s0[0]) - math.cos(s0[1] + s0[0]) > 1.0:
            break
    wide_run("Acrobot-v1", [], [float(v) for v in s0], random_actions(7000 + i, 3, 100), "random state and actions")
for i, s0 in enumerate([[math.pi, -math.pi, v1, v2], [-math.pi, math.pi, -v1, -v2], [0.0, 0.0, v1, -v2],
                        [100.0, -100.0, 0.0, 0.0], [2 * math.pi, -2 * math.pi, -v1, v2], [0.0, math.pi, 0.0, 0.0],
                        [math.pi / 2, 0.0, 13.0, 29.0], [-math.pi / 2, 0.0, -13.0, -29.0]]):
    wide_run("Acrobot-v1", [], s0, random_actions(7200 + i, 3, 60), "edge of the state space")

# Pendulum-v1: angles over [-4pi, 4pi] and far beyond, speeds at the clip limits, float32
# torques beyond +-2 (clipped), some gravity options.
rng = np.random.default_rng(1004)
extremes = [2.0, -2.0, 2.0000002, -1e6, 1e-45, 0.0, -0.0, np.nextafter(np.float32(2), np.float32(0))]
for i in range(100):
    s0 = [rng.uniform(-4 * math.pi, 4 * math.pi), rng.uniform(-8, 8)]
    options = [("g", float(rng.uniform(5, 15)))] if i % 9 == 4 else []
    wide_run("Pendulum-v1", options, [float(v) for v in s0],
             random_torques(8000 + i, -3, 3, 50, extremes if i % 4 == 0 else ()), "random state and float32 torques")
for i, s0 in enumerate([[math.pi, 8.0], [-math.pi, -8.0], [0.0, 8.0], [1e4, 0.0], [-1e4, 3.0],
                        [3 * math.pi, -8.0], [-3 * math.pi, 0.0], [1e-300, 0.0]]):
    wide_run("Pendulum-v1", [], s0, random_torques(8200 + i, -2.5, 2.5, 50, extremes), "edge of the state space")

# MountainCarContinuous-v0: random states, float32 forces beyond +-1, exactly +-1,
# pumping policies that reach the goal, goal_velocity options, the reset state.
rng = np.random.default_rng(1005)
force_extremes = [1.0, -1.0, 1.0000001, -1.0000001, 50.0, -50.0, 0.0, -0.0]
for i in range(100):
    s0 = [rng.uniform(-1.2, 0.6), rng.uniform(-0.07, 0.07)]
    options = [("goal_velocity", float(rng.uniform(0, 0.03)))] if i % 8 == 5 else []
    wide_run("MountainCarContinuous-v0", options, [float(v) for v in s0],
             random_torques(9000 + i, -1.5, 1.5, 80, force_extremes if i % 3 == 0 else ()), "random state and float32 forces")
for i, s0 in enumerate([[-1.2, -0.07], [-1.2, 0.0], [0.6, 0.07], [0.45, 0.0], [0.44999998807907104, 0.0],
                        [-0.5, 0.07], [-0.5, -0.07], [-1.3, -0.1], [0.7, 0.1], [-1.1999999, -0.0699999]]):
    wide_run("MountainCarContinuous-v0", [], s0, random_torques(9200 + i, -2, 2, 80, force_extremes), "edge of the state space")


def pump(seed, scale):
    rng_p = np.random.default_rng(seed)

    def policy(k, obs, env):
        v = env.unwrapped.state[1]
        return np.array([scale * (1 if v >= 0 else -1) + rng_p.uniform(-0.3, 0.3)], dtype=np.float32)
    return policy


for i in range(8):
    s0 = [float(rng.uniform(-0.8, 0.0)), float(rng.uniform(-0.02, 0.02))]
    options = [("goal_velocity", 0.01)] if i == 3 else []
    wide_run("MountainCarContinuous-v0", options, s0, pump(9300 + i, [1.0, 1.2, 2.0, 1.0][i % 4]), "pumping to the goal")
env = gym.make("MountainCarContinuous-v0"); env.reset(seed=9400); s_reset = [float(v) for v in env.unwrapped.state]
wide_run("MountainCarContinuous-v0", [], s_reset, random_torques(9400, -1, 1, 1000), "reset state, random forces: truncated at 999",
         reset_seed=9400)

names = {"CartPole": "cartpole", "MountainCar": "mountaincar", "MountainCarContinuous": "mountaincarcontinuous",
         "Acrobot": "acrobot", "Pendulum": "pendulum"}
for env_id in ["CartPole-v1", "MountainCar-v0", "MountainCarContinuous-v0", "Acrobot-v1", "Pendulum-v1"]:
    rows = wide[env_id]
    if env_id == "CartPole-v1":
        rows = rows + wide.get("CartPole-v0", [])
        rows.sort(key=lambda row: (int(row[0]), int(row[1])))
    n_state = {"CartPole-v1": 4, "MountainCar-v0": 2, "MountainCarContinuous-v0": 2, "Acrobot-v1": 4, "Pendulum-v1": 2}[env_id]
    n_obs = gym.make(env_id).observation_space.shape[0]
    write(f"wide_{names[env_id.split('-')[0]]}_steps.csv",
          ["traj_id", "step", "action"] + [f"state_{i}" for i in range(n_state)] + [f"obs_{i}" for i in range(n_obs)]
          + ["reward", "terminated", "truncated"], rows)
write("wide_episodes.csv", ["traj_id", "env_id", "options", "reset_seed", "n_steps", "terminated", "truncated", "return", "note"],
      wide_episodes)

# Acrobot resets: Gymnasium's float32 reset state and the observation numpy computes
# from it (float32 cos and sin), over default and custom reset ranges.
resets = []
for i in range(300):
    bound = [None, 1.0, 4.0, 50.0, 1e5, 3e5][i % 6]
    options = None if bound is None else {"low": -bound, "high": bound}
    env = gym.make("Acrobot-v1")
    obs, _ = env.reset(seed=20000 + i, options=options)
    state = env.unwrapped.state
    assert state.dtype == np.float32
    resets.append([str(i), "" if bound is None else r(bound)] + [r(v) for v in state] + [r(v) for v in obs])
write("acrobot_resets.csv", ["reset_id", "bound"] + [f"state_{i}" for i in range(4)] + [f"obs_{i}" for i in range(6)], resets)
print(f"wrote {len(wide_episodes)} wide trajectories and {len(resets)} Acrobot resets to {OUT}")
