#!/usr/bin/env python3
"""PyTorch CPU counterpart of `rllab bench core`: the same DQN step (SB3's), MLP-GAN iteration and
sgemm shapes, printed in the same line format, with the same thread count.

Usage: Benchmarks/.venv/bin/python Benchmarks/torch_core.py [--threads N] [--seconds S]
(`source Benchmarks/venv.sh torch` creates the venv). The thread count defaults to
RLLAB_BLAS_THREADS or 1, as the Swift core's OpenBLAS.
"""
import argparse
import os
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def timed(seconds, body):
    """Median ms per call over 5 runs of about seconds/5 each, after warm-up."""
    for _ in range(5):
        body()
    start, calls = time.perf_counter(), 0
    while time.perf_counter() - start < 0.05:
        body()
        calls += 1
    per_run = max(1, int(calls * seconds / 5 / 0.05))
    results = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(per_run):
            body()
        results.append((time.perf_counter() - start) * 1e3 / per_run)
    return statistics.median(results)


def dqn_step(hidden):
    """One update as SB3's DQN.train runs it, as `rllab bench core` times the Swift agent's
    own step: a batch of 64 sampled from a replay buffer of 2,048 random transitions (random
    rewards: data whose loss falls to zero would drive gradients into subnormal floats), TD
    target without gradient, Huber loss, gradients clipped to norm 10, Adam 2.3e-3."""
    def net():
        return nn.Sequential(nn.Linear(4, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 2))
    online, target = net(), net()
    target.load_state_dict(online.state_dict())
    opt = torch.optim.Adam(online.parameters(), lr=2.3e-3)
    size = 2048
    observations = torch.rand(size + 1, 4) * 2 - 1
    buffer = (observations[:-1], observations[1:], torch.rand(size), (torch.rand(size) < 0.05).float(),
              torch.randint(0, 2, (size,)))

    def step():
        index = torch.randint(0, size, (64,))
        obs, next_obs, reward, done, actions = (t[index] for t in buffer)
        with torch.no_grad():
            td = reward + (1 - done) * 0.99 * target(next_obs).max(dim=1).values
        q = online(obs).gather(1, actions.unsqueeze(1)).squeeze(1)
        loss = F.smooth_l1_loss(q, td)
        loss.item()  # SB3 records the loss every step
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(online.parameters(), 10)
        opt.step()
    return step


def gan_iteration():
    g = nn.Sequential(nn.Linear(256, 512), nn.LeakyReLU(0.2), nn.Linear(512, 1024), nn.LeakyReLU(0.2), nn.Linear(1024, 784), nn.Tanh())
    d = nn.Sequential(nn.Linear(784, 256), nn.LeakyReLU(0.2), nn.Linear(256, 1), nn.Sigmoid())
    g_opt = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    d_opt = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    real = torch.rand(100, 784) * 2 - 1
    ones, zeros = torch.ones(100, 1), torch.zeros(100, 1)

    def step():
        z = torch.randn(100, 256)
        fake = g(z)
        for p in d.parameters():
            p.requires_grad_(True)
        d_opt.zero_grad()
        d_loss = F.binary_cross_entropy(d(real), ones) + F.binary_cross_entropy(d(fake.detach()), zeros)
        d_loss.backward()
        d_opt.step()
        for p in d.parameters():
            p.requires_grad_(False)
        g_opt.zero_grad()
        g_loss = F.binary_cross_entropy(d(fake), ones)
        g_loss.backward()
        g_opt.step()
    return step


SGEMM_SHAPES = [(64, 64, 64), (64, 256, 256), (100, 256, 512), (100, 512, 1024), (100, 1024, 784), (100, 784, 256), (1024, 1024, 1024)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=int(os.environ.get("RLLAB_BLAS_THREADS", "1")))
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--only", default="", help="run only benchmarks whose printed name starts with this (dqn, dqn_step 4-256, gan, sgemm)")
    args = parser.parse_args()
    wanted = lambda name: name.startswith(args.only)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(f"backend: torch {torch.__version__} threads={torch.get_num_threads()}")
    for hidden in [h for h in (64, 256) if wanted(f"dqn_step 4-{h}-{h}-2 batch 64")]:
        print(f"dqn_step 4-{hidden}-{hidden}-2 batch 64: {timed(args.seconds, dqn_step(hidden)):.4f} ms/step")
    if wanted("gan_iteration G 256-512-1024-784 D 784-256-1 batch 100"):
        print(f"gan_iteration G 256-512-1024-784 D 784-256-1 batch 100: {timed(args.seconds, gan_iteration()):.4f} ms/step")
    for m, k, n in [s for s in SGEMM_SHAPES if wanted(f"sgemm {s[0]}x{s[1]}x{s[2]}")]:
        a, b = torch.rand(m, k), torch.rand(n, k)
        out = torch.empty(m, n)
        ms = timed(args.seconds / 2, lambda: torch.mm(a, b.t(), out=out))
        print(f"sgemm {m}x{k}x{n}: {2.0 * m * n * k / (ms * 1e6):.2f} GFLOP/s")


if __name__ == "__main__":
    main()
