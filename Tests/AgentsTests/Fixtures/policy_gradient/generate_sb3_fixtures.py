"""Fixtures for RLLab's policy-gradient pieces, computed by Stable-Baselines3 itself.

Run from the repository root with the Python peers' venv (Benchmarks/.venv or /work/pyenv):

    python Tests/AgentsTests/Fixtures/policy_gradient/generate_sb3_fixtures.py

It writes sb3_fixtures.json next to itself: for fixed networks (SB3's own orthogonal
initialization, weights dumped) and fixed rollouts,
- GAE advantages and returns from SB3's RolloutBuffer.compute_returns_and_advantage,
  with episode starts and final dones mixed;
- PPO's logged loss terms (policy, value, entropy, approx KL, clip fraction, total),
  the clipped gradients of one minibatch and the parameters after the Adam step, from
  SB3's PPO.train (n_epochs 1, one minibatch of the whole rollout);
- A2C's loss terms, gradients and parameters after the RMSprop step, from A2C.train;
  (networks of 16-16 hidden units keep the file small)
- categorical and diagonal-Gaussian log-probabilities and entropies from SB3's
  distributions;
- VecNormalize statistics after 300 steps of 3 CartPole-v1 copies with fixed actions,
  with the raw stream it saw.
"""
import json
import os

import gymnasium as gym
import numpy as np
import stable_baselines3
import torch as th
from stable_baselines3 import A2C, PPO
from stable_baselines3.common.distributions import CategoricalDistribution, DiagGaussianDistribution
from stable_baselines3.common.logger import configure
from stable_baselines3.common.vec_env import DummyVecEnv, VecNormalize

th.set_num_threads(1)
HERE = os.path.dirname(os.path.abspath(__file__))


def floats(t):
    return [float(x) for x in np.asarray(t.detach().cpu().numpy() if isinstance(t, th.Tensor) else t, dtype=np.float64).ravel()]


def policy_weights(policy):
    """The policy's parameters under RLLab's names (pi.*, vf.*, log_std)."""
    sd = policy.state_dict()
    names = {
        "pi.0.weight": "mlp_extractor.policy_net.0.weight", "pi.0.bias": "mlp_extractor.policy_net.0.bias",
        "pi.2.weight": "mlp_extractor.policy_net.2.weight", "pi.2.bias": "mlp_extractor.policy_net.2.bias",
        "pi.4.weight": "action_net.weight", "pi.4.bias": "action_net.bias",
        "vf.0.weight": "mlp_extractor.value_net.0.weight", "vf.0.bias": "mlp_extractor.value_net.0.bias",
        "vf.2.weight": "mlp_extractor.value_net.2.weight", "vf.2.bias": "mlp_extractor.value_net.2.bias",
        "vf.4.weight": "value_net.weight", "vf.4.bias": "value_net.bias",
    }
    out = {ours: {"shape": list(sd[theirs].shape), "values": floats(sd[theirs])} for ours, theirs in names.items()}
    if "log_std" in sd:
        out["log_std"] = {"shape": list(sd["log_std"].shape), "values": floats(sd["log_std"])}
    return out, names


def fill_rollout(model, rng, n_steps, n_envs, obs_fn):
    """A rollout with the policy's own actions/values/log-probs, perturbed so clipping acts."""
    buf = model.rollout_buffer
    buf.reset()
    rows = []
    for step in range(n_steps):
        obs = obs_fn(n_envs)
        with th.no_grad():
            actions, values, log_probs = model.policy(th.as_tensor(obs))
        actions = actions.numpy()
        rewards = rng.normal(size=n_envs).astype(np.float32)
        starts = (rng.random(n_envs) < 0.25).astype(np.float32)
        if step == 0:
            starts[:] = 1.0
        old_values = values.flatten() + th.as_tensor(rng.normal(scale=0.3, size=n_envs).astype(np.float32))
        old_log_probs = log_probs + th.as_tensor(rng.normal(scale=0.3, size=n_envs).astype(np.float32))
        if isinstance(model.action_space, gym.spaces.Discrete):
            actions = actions.reshape(-1, 1)
        buf.add(obs, actions, rewards, starts, old_values, old_log_probs)
        rows.append({"observations": floats(obs), "actions": floats(actions), "rewards": floats(rewards),
                     "episode_starts": floats(starts), "values": floats(old_values), "log_probs": floats(old_log_probs)})
    last_values = th.as_tensor(rng.normal(size=(n_envs, 1)).astype(np.float32))
    dones = np.array([i % 2 == 0 for i in range(n_envs)])
    buf.compute_returns_and_advantage(last_values=last_values, dones=dones)
    return {"steps": rows, "last_values": floats(last_values), "dones": [bool(d) for d in dones],
            "advantages": floats(buf.advantages), "returns": floats(buf.returns)}


def train_once(model, names):
    """Runs the algorithm's own train() once, recording clipped gradients and the logged terms."""
    model.set_logger(configure(folder=None, format_strings=[]))
    model._current_progress_remaining = 1.0
    params = dict(model.policy.named_parameters())
    recorded = {}
    original_step = model.policy.optimizer.step

    def step(*args, **kwargs):
        for ours, theirs in list(names.items()) + [("log_std", "log_std")]:
            if theirs in params and params[theirs].grad is not None:
                recorded[ours] = floats(params[theirs].grad)
        return original_step(*args, **kwargs)

    model.policy.optimizer.step = step
    model.train()
    after = {ours: floats(params[theirs]) for ours, theirs in list(names.items()) + [("log_std", "log_std")] if theirs in params}
    logged = {k: float(v) for k, v in model.logger.name_to_value.items()}
    return recorded, after, logged


def ppo_case(env_id, seed, clip_range_vf, max_grad_norm, n_steps=8, n_envs=4):
    env = DummyVecEnv([lambda: gym.make(env_id)] * n_envs)
    model = PPO("MlpPolicy", env, n_steps=n_steps, batch_size=n_steps * n_envs, n_epochs=1, gamma=0.97, gae_lambda=0.9,
                clip_range=0.2, clip_range_vf=clip_range_vf, ent_coef=0.01, vf_coef=0.5, max_grad_norm=max_grad_norm,
                learning_rate=3e-4, seed=seed, device="cpu", policy_kwargs=dict(net_arch=[16, 16]))
    weights, names = policy_weights(model.policy)
    rng = np.random.default_rng(seed)
    low = env.observation_space.low.clip(-2, 2)
    high = env.observation_space.high.clip(-2, 2)
    rollout = fill_rollout(model, rng, n_steps, n_envs, lambda n: rng.uniform(low, high, size=(n,) + low.shape).astype(np.float32))
    grads, after, logged = train_once(model, names)
    return {"env": env_id, "gamma": 0.97, "gae_lambda": 0.9, "clip_range": 0.2, "clip_range_vf": clip_range_vf or 0.0,
            "ent_coef": 0.01, "vf_coef": 0.5, "max_grad_norm": max_grad_norm, "learning_rate": 3e-4,
            "n_steps": n_steps, "n_envs": n_envs, "weights": weights, "rollout": rollout, "gradients": grads,
            "parameters_after": after,
            "losses": {"policy": logged["train/policy_gradient_loss"], "value": logged["train/value_loss"],
                       "entropy": logged["train/entropy_loss"], "approx_kl": logged["train/approx_kl"],
                       "clip_fraction": logged["train/clip_fraction"], "total": logged["train/loss"]}}


def a2c_case(env_id, seed, n_steps=5, n_envs=4):
    env = DummyVecEnv([lambda: gym.make(env_id)] * n_envs)
    model = A2C("MlpPolicy", env, n_steps=n_steps, gamma=0.99, gae_lambda=1.0, ent_coef=0.01, vf_coef=0.5,
                max_grad_norm=0.5, learning_rate=7e-4, seed=seed, device="cpu", policy_kwargs=dict(net_arch=[16, 16]))
    weights, names = policy_weights(model.policy)
    rng = np.random.default_rng(seed + 100)
    low = env.observation_space.low.clip(-2, 2)
    high = env.observation_space.high.clip(-2, 2)
    rollout = fill_rollout(model, rng, n_steps, n_envs, lambda n: rng.uniform(low, high, size=(n,) + low.shape).astype(np.float32))
    grads, after, logged = train_once(model, names)
    return {"env": env_id, "gamma": 0.99, "gae_lambda": 1.0, "ent_coef": 0.01, "vf_coef": 0.5, "max_grad_norm": 0.5,
            "learning_rate": 7e-4, "n_steps": n_steps, "n_envs": n_envs, "weights": weights, "rollout": rollout,
            "gradients": grads, "parameters_after": after,
            "losses": {"policy": logged["train/policy_loss"], "value": logged["train/value_loss"],
                       "entropy": logged["train/entropy_loss"]}}


def distributions(seed):
    g = th.Generator().manual_seed(seed)
    logits = th.randn(16, 5, generator=g) * 3
    actions = th.randint(0, 5, (16,), generator=g)
    cat = CategoricalDistribution(5).proba_distribution(logits)
    mean = th.randn(16, 3, generator=g)
    log_std = th.randn(3, generator=g) * 0.5
    act = mean + th.randn(16, 3, generator=g) * 1.5
    gauss = DiagGaussianDistribution(3)
    gauss.proba_distribution(mean, log_std)
    return {"categorical": {"logits": floats(logits), "actions": [int(a) for a in actions],
                            "log_prob": floats(cat.log_prob(actions)), "entropy": floats(cat.entropy())},
            "gaussian": {"mean": floats(mean), "log_std": floats(log_std), "actions": floats(act),
                         "log_prob": floats(gauss.log_prob(act)), "entropy": floats(gauss.entropy())}}


def vec_normalize(steps=300, n_envs=3):
    """VecNormalize over 3 CartPole-v1 copies with fixed actions. The raw observations,
    rewards and dones are recorded too: RLLab's environments do not draw Gymnasium's
    random numbers, so its test replays this stream into its normalizer."""
    env = DummyVecEnv([lambda: gym.make("CartPole-v1")] * n_envs)
    env.seed(0)
    venv = VecNormalize(env, gamma=0.98, clip_obs=10.0, clip_reward=10.0)
    venv.reset()
    stream = [{"observations": floats(venv.get_original_obs())}]
    last_obs = last_rewards = None
    for t in range(steps):
        a = [(t * 7 + i * 3) % 5 % 2 for i in range(n_envs)]
        last_obs, last_rewards, dones, _ = venv.step(np.array(a))
        stream.append({"observations": floats(venv.get_original_obs()), "rewards": floats(venv.get_original_reward()),
                       "dones": [bool(d) for d in dones]})
    return {"n_envs": n_envs, "gamma": 0.98, "stream": stream,
            "obs_mean": floats(venv.obs_rms.mean), "obs_var": floats(venv.obs_rms.var), "obs_count": float(venv.obs_rms.count),
            "ret_mean": float(venv.ret_rms.mean), "ret_var": float(venv.ret_rms.var), "ret_count": float(venv.ret_rms.count),
            "last_observations": floats(last_obs), "last_rewards": floats(last_rewards)}


def main():
    fixtures = {
        "provenance": {"stable_baselines3": stable_baselines3.__version__, "torch": th.__version__, "numpy": np.__version__,
                       "gymnasium": gym.__version__,
                       "command": "python Tests/AgentsTests/Fixtures/policy_gradient/generate_sb3_fixtures.py"},
        "ppo": [ppo_case("CartPole-v1", 1, None, 1e6), ppo_case("CartPole-v1", 2, 0.15, 0.5), ppo_case("Pendulum-v1", 3, None, 0.5)],
        "a2c": [a2c_case("CartPole-v1", 4), a2c_case("Pendulum-v1", 5)],
        "distributions": distributions(6),
        "vec_normalize": vec_normalize(),
    }
    with open(os.path.join(HERE, "sb3_fixtures.json"), "w") as f:
        json.dump(fixtures, f, separators=(",", ":"))


if __name__ == "__main__":
    main()
