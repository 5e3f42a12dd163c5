"""SB3 reference numbers for RLLab's SAC, TD3 and OU noise (Tests/AgentsTests/ActorCriticReferenceTests.swift).

Runs Stable-Baselines3's own `SAC.train` and `TD3.train` for fixed small networks on a
fixed batch, with the policy's Gaussian draws and TD3's target smoothing noise recorded
as inputs, and writes:

- the networks before the update (SB3 names; the SAC actor's `mu` and `log_std` heads),
- the batch and the noise,
- the squashed actions and log-probabilities of the SAC actor for the first noise,
- every loss (from SB3's logger) and every gradient as each optimizer steps (captured by
  wrapping `optimizer.step`),
- every parameter after the update (Adam steps and Polyak target updates included),
- an Ornstein-Uhlenbeck noise sequence (SB3's OrnsteinUhlenbeckActionNoise) with the
  standard normals it drew, across a reset.

Run from the repository root (the output goes next to this script):
    Benchmarks/.venv/bin/python Tests/AgentsTests/Fixtures/actor_critic/generate_actor_critic.py
Versions are written into the output's "provenance" entry.
"""
import json
import os
import sys

import gymnasium as gym
import numpy as np
import stable_baselines3
import torch as th
from stable_baselines3 import SAC, TD3
from stable_baselines3.common.logger import configure
from stable_baselines3.common.noise import OrnsteinUhlenbeckActionNoise
from stable_baselines3.common.type_aliases import ReplayBufferSamples

th.set_num_threads(1)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "actor_critic.json")
B, OBS, ACT = 6, 3, 2
NET = [8, 6]


class Box3To2(gym.Env):
    """Spaces only: the update never steps it."""
    observation_space = gym.spaces.Box(-np.inf, np.inf, (OBS,), np.float32)
    action_space = gym.spaces.Box(np.array([-2.0, -1.0], np.float32), np.array([2.0, 3.0], np.float32))

    def reset(self, *, seed=None, options=None):
        return np.zeros(OBS, np.float32), {}

    def step(self, action):
        return np.zeros(OBS, np.float32), 0.0, False, False, {}


def entry(t):
    a = t.detach().cpu().numpy() if isinstance(t, th.Tensor) else np.asarray(t)
    return {"shape": list(a.shape), "data": [float(x) for x in a.astype(np.float64).ravel()]}


rng = np.random.default_rng(20261129)
batch = ReplayBufferSamples(
    observations=th.tensor(rng.normal(0, 1, (B, OBS)), dtype=th.float32),
    actions=th.tensor(rng.uniform(-1, 1, (B, ACT)), dtype=th.float32),
    next_observations=th.tensor(rng.normal(0, 1, (B, OBS)), dtype=th.float32),
    dones=th.tensor([[0.0], [1.0], [0.0], [0.0], [1.0], [0.0]], dtype=th.float32),
    rewards=th.tensor(rng.normal(0, 2, (B, 1)), dtype=th.float32),
)
out = {"provenance": {
    "script": "Tests/AgentsTests/Fixtures/actor_critic/generate_actor_critic.py",
    "stable_baselines3": stable_baselines3.__version__, "torch": th.__version__, "numpy": np.__version__,
    "python": sys.version.split()[0]}}
out["batch"] = {k: entry(getattr(batch, k)) for k in ["observations", "actions", "next_observations", "dones", "rewards"]}


def capture_steps(optimizers, log):
    """Wraps each optimizer's step to record the gradients it is about to apply."""
    for name, opt in optimizers.items():
        original = opt.step

        def step(*args, _name=name, _opt=opt, _original=original, **kwargs):
            grads = [p.grad.detach().clone() for group in _opt.param_groups for p in group["params"]]
            log.append((_name, grads))
            return _original(*args, **kwargs)
        opt.step = step


def named(module, prefix):
    return {f"{prefix}.{k}": entry(v) for k, v in module.state_dict().items()}


# ---------------------------------------------------------------- SAC
sac = SAC("MlpPolicy", Box3To2(), learning_rate=1e-3, batch_size=B, tau=0.1, gamma=0.95, ent_coef="auto_0.5",
          policy_kwargs=dict(net_arch=NET), seed=0, device="cpu")
sac.set_logger(configure(None, []))
sac.replay_buffer.sample = lambda batch_size, env=None: batch
noise = [th.tensor(rng.normal(0, 1, (B, ACT)), dtype=th.float32) for _ in range(2)]
queue = list(noise)
original_rsample = th.distributions.Normal.rsample
# torch's Normal.rsample is loc + eps * scale; the eps come from the recorded list.
th.distributions.Normal.rsample = lambda self, sample_shape=th.Size(): self.loc + queue.pop(0) * self.scale
sac_fix = {"noise": entry(noise[0]), "next_noise": entry(noise[1]), "log_ent_coef": entry(sac.log_ent_coef)}
sac_fix.update(named(sac.actor, "actor"))
sac_fix.update(named(sac.critic, "critic"))
sac_fix.update(named(sac.critic_target, "critic_target"))
with th.no_grad():
    queue.insert(0, noise[0])
    actions_pi, log_prob = sac.actor.action_log_prob(batch.observations)
sac_fix["actions_pi"] = entry(actions_pi)
sac_fix["log_prob"] = entry(log_prob)
log = []
capture_steps({"ent_coef": sac.ent_coef_optimizer, "critic": sac.critic.optimizer, "actor": sac.actor.optimizer}, log)
sac.train(gradient_steps=1, batch_size=B)
assert not queue
th.distributions.Normal.rsample = original_rsample
values = sac.logger.name_to_value
sac_fix["loss.ent_coef"] = entry([values["train/ent_coef_loss"]])
sac_fix["loss.critic"] = entry([values["train/critic_loss"]])
sac_fix["loss.actor"] = entry([values["train/actor_loss"]])
sac_fix["ent_coef"] = entry([values["train/ent_coef"]])
for name, grads in log:
    for i, g in enumerate(grads):
        sac_fix[f"grad.{name}.{i}"] = entry(g)
after = {}
after.update(named(sac.actor, "actor"))
after.update(named(sac.critic, "critic"))
after.update(named(sac.critic_target, "critic_target"))
after["log_ent_coef"] = entry(sac.log_ent_coef)
sac_fix.update({f"after.{k}": v for k, v in after.items()})
out["sac"] = sac_fix

# ---------------------------------------------------------------- TD3 (two updates: the second moves the actor)
td3 = TD3("MlpPolicy", Box3To2(), learning_rate=1e-3, batch_size=B, tau=0.1, gamma=0.95,
          policy_kwargs=dict(net_arch=NET), seed=1, device="cpu")
td3.set_logger(configure(None, []))
td3.replay_buffer.sample = lambda batch_size, env=None: batch
td3_fix = {}
td3_fix.update(named(td3.actor, "actor"))
td3_fix.update(named(td3.actor_target, "actor_target"))
td3_fix.update(named(td3.critic, "critic"))
td3_fix.update(named(td3.critic_target, "critic_target"))
# TD3.train draws its smoothing noise with Tensor.normal_; record the same draws by re-seeding.
th.manual_seed(7)
smoothing = [th.empty(B, ACT).normal_(0, td3.target_policy_noise) for _ in range(2)]
for i, s in enumerate(smoothing):
    td3_fix[f"smoothing.{i}"] = entry(s)
th.manual_seed(7)
log = []
capture_steps({"critic": td3.critic.optimizer, "actor": td3.actor.optimizer}, log)
td3.train(gradient_steps=2, batch_size=B)
values = td3.logger.name_to_value
td3_fix["loss.critic_mean"] = entry([values["train/critic_loss"]])  # mean over the two updates
td3_fix["loss.actor"] = entry([values["train/actor_loss"]])
counts = {}
for name, grads in log:
    k = counts.get(name, 0)
    counts[name] = k + 1
    for i, g in enumerate(grads):
        td3_fix[f"grad.{name}{k}.{i}"] = entry(g)
after = {}
after.update(named(td3.actor, "actor"))
after.update(named(td3.actor_target, "actor_target"))
after.update(named(td3.critic, "critic"))
after.update(named(td3.critic_target, "critic_target"))
td3_fix.update({f"after.{k}": v for k, v in after.items()})
out["td3"] = td3_fix

# ---------------------------------------------------------------- Ornstein-Uhlenbeck noise
ou = OrnsteinUhlenbeckActionNoise(mean=np.zeros(ACT), sigma=0.5 * np.ones(ACT))
np.random.seed(3)
normals = np.random.normal(size=(12, ACT))
np.random.seed(3)
outputs = []
for t in range(12):
    if t == 8:
        ou.reset()
    outputs.append(ou())
out["ou"] = {"normals": entry(normals), "outputs": entry(np.array(outputs)), "reset_before": entry([8]),
             "sigma": entry([0.5]), "theta": entry([0.15]), "dt": entry([1e-2])}

with open(OUT, "w") as f:
    json.dump(out, f, indent=None, separators=(",", ":"))
print("wrote", OUT)
