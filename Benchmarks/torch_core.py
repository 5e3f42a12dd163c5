#!/usr/bin/env python3
"""PyTorch CPU counterpart of `rllab bench core`: the same DQN step, MLP-GAN iteration and
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
    """Cycles through 32 random batches, as the Swift benchmark (a single batch would drive
    gradients into subnormal floats)."""
    def net():
        return nn.Sequential(nn.Linear(4, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 2))
    online, target = net(), net()
    opt = torch.optim.Adam(online.parameters(), lr=2.3e-3)
    batches = [(torch.rand(64, 4) * 2 - 1, torch.rand(64, 4) * 2 - 1, torch.rand(64),
                (torch.rand(64) >= 0.05).float(), torch.randint(0, 2, (64,))) for _ in range(32)]
    counter = [0]

    def step():
        obs, next_obs, reward, not_done, actions = batches[counter[0]]
        counter[0] = (counter[0] + 1) % len(batches)
        with torch.no_grad():
            td = reward + target(next_obs).max(dim=1).values * 0.99 * not_done
        q = online(obs).gather(1, actions.unsqueeze(1)).squeeze(1)
        loss = F.smooth_l1_loss(q, td)
        opt.zero_grad()
        loss.backward()
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
