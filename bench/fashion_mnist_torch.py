#!/usr/bin/env python3
"""PyTorch's run of the plain Fashion-MNIST recipe, the peer of scripts/fashion_mnist.lua.

784-256-128-10 ReLU, Adam 1e-3, batch 128, 15 epochs (the plain recipe), on Debian's
dataset-fashion-mnist, timed for the whole process as `time` sees it. Threads from argv[1]
(default: torch's own choice).

    /usr/bin/python3 bench/fashion_mnist_torch.py [threads] [epochs]
"""
import gzip
import sys
import time

import numpy as np
import torch
import torch.nn as nn

start = time.time()
root = "/usr/share/datasets/fashion-mnist/"
if len(sys.argv) > 1 and sys.argv[1] != "-":
    torch.set_num_threads(int(sys.argv[1]))
epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 15


def idx(name, offset):
    with gzip.open(root + name) as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


xtr = torch.tensor(idx("train-images-idx3-ubyte.gz", 16).reshape(-1, 784), dtype=torch.float32) / 255
ytr = torch.tensor(idx("train-labels-idx1-ubyte.gz", 8), dtype=torch.long)
xte = torch.tensor(idx("t10k-images-idx3-ubyte.gz", 16).reshape(-1, 784), dtype=torch.float32) / 255
yte = torch.tensor(idx("t10k-labels-idx1-ubyte.gz", 8), dtype=torch.long)

torch.manual_seed(1)
net = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
opt = torch.optim.Adam(net.parameters(), lr=1e-3)
loss_fn = nn.CrossEntropyLoss()
for epoch in range(epochs):
    perm = torch.randperm(len(xtr))
    for i in range(0, len(xtr), 128):
        b = perm[i:i + 128]
        opt.zero_grad()
        loss = loss_fn(net(xtr[b]), ytr[b])
        loss.backward()
        opt.step()
with torch.no_grad():
    acc = (net(xte).argmax(1) == yte).float().mean().item()
print(f"torch {torch.__version__} threads {torch.get_num_threads()}: test accuracy {acc:.4f} ({epochs} epochs, {time.time() - start:.1f} s)")
