"""PyTorch CPU peer of `rllab gan bench`: milliseconds per MLP GAN iteration.

The same model and step as RLLab's MLP GAN (the TensorFlow book's): G 256-512-1024-784
with LeakyReLU(0.2) and tanh, D 784-256 LeakyReLU(0.2), Dropout(0.3), 1 (sigmoid folded
into BCE-with-logits); D: SGD lr 0.01 on 100 real + 100 generated images with labels 0.9 /
0.1 (mean over the 200); G: Adam lr 1e-5 on 100 images with target 1, D frozen
(requires_grad off, as RLLab freezes it). Same batch and thread count as RLLab.

    python Benchmarks/torch_gan.py --threads 1 --iterations 200
"""
import argparse
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=1)
parser.add_argument("--iterations", type=int, default=200)
parser.add_argument("--warmup", type=int, default=20)
parser.add_argument("--batch-size", type=int, default=100)
args = parser.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)

G = nn.Sequential(nn.Linear(256, 256), nn.LeakyReLU(0.2), nn.Linear(256, 512), nn.LeakyReLU(0.2),
                  nn.Linear(512, 1024), nn.LeakyReLU(0.2), nn.Linear(1024, 784), nn.Tanh())
D = nn.Sequential(nn.Linear(784, 256), nn.LeakyReLU(0.2), nn.Dropout(0.3), nn.Linear(256, 1))
g_opt = torch.optim.Adam(G.parameters(), lr=1e-5)
d_opt = torch.optim.SGD(D.parameters(), lr=0.01)
B = args.batch_size
real = torch.rand(B, 784) * 2 - 1
d_targets = torch.cat([torch.full((B, 1), 0.9), torch.full((B, 1), 0.1)])
g_targets = torch.ones(B, 1)


def iteration():
    with torch.no_grad():
        fake = G(torch.randn(B, 256))
    d_opt.zero_grad()
    d_loss = F.binary_cross_entropy_with_logits(D(torch.cat([real, fake])), d_targets)
    d_loss.backward()
    d_opt.step()
    for p in D.parameters():
        p.requires_grad_(False)
    g_opt.zero_grad()
    g_loss = F.binary_cross_entropy_with_logits(D(G(torch.randn(B, 256))), g_targets)
    g_loss.backward()
    g_opt.step()
    for p in D.parameters():
        p.requires_grad_(True)


for _ in range(args.warmup):
    iteration()
# The median of 5 equal segments, as `rllab gan bench` (a shared machine is noisy).
per_segment = max(1, args.iterations // 5)
segment_ms = []
for _ in range(5):
    start = time.perf_counter()
    for _ in range(per_segment):
        iteration()
    segment_ms.append((time.perf_counter() - start) * 1000 / per_segment)
ms = sorted(segment_ms)[2]
print(f"torch {torch.__version__} MLP GAN iteration (batch {B}, {args.threads} thread{'s' if args.threads > 1 else ''}): {ms:.3f} ms")
