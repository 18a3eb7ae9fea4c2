#!/usr/bin/env python3
"""Trains a small Fashion-MNIST network in PyTorch and exports it to ONNX for scripts/fashion_onnx.lua.

784-128-10 ReLU, Adam 1e-3, batch 128, 2 epochs, inputs scaled to [0, 1]; written with
torch.onnx.export (opset 13, dynamic batch) to scripts/data/fashion_mlp.onnx, with the test
accuracy PyTorch measured printed and written beside it.

    /usr/bin/python3 bench/fashion_mnist_export.py [out.onnx]
"""
import gzip
import sys

import numpy as np
import torch
import torch.nn as nn

root = "/usr/share/datasets/fashion-mnist/"
out = sys.argv[1] if len(sys.argv) > 1 else "scripts/data/fashion_mlp.onnx"


def idx(name, offset):
    with gzip.open(root + name) as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


xtr = torch.tensor(idx("train-images-idx3-ubyte.gz", 16).reshape(-1, 784), dtype=torch.float32) / 255
ytr = torch.tensor(idx("train-labels-idx1-ubyte.gz", 8), dtype=torch.long)
xte = torch.tensor(idx("t10k-images-idx3-ubyte.gz", 16).reshape(-1, 784), dtype=torch.float32) / 255
yte = torch.tensor(idx("t10k-labels-idx1-ubyte.gz", 8), dtype=torch.long)

torch.manual_seed(0)
net = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
opt = torch.optim.Adam(net.parameters(), lr=1e-3)
loss_fn = nn.CrossEntropyLoss()
for epoch in range(2):
    perm = torch.randperm(len(xtr))
    for i in range(0, len(xtr), 128):
        b = perm[i:i + 128]
        opt.zero_grad()
        loss_fn(net(xtr[b]), ytr[b]).backward()
        opt.step()
net.eval()
with torch.no_grad():
    acc = (net(xte).argmax(1) == yte).float().mean().item()
torch.onnx.export(net, xte[:1], out, opset_version=13, input_names=["input"], output_names=["logits"],
                  dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
with open(out + ".accuracy", "w") as f:
    f.write(f"{acc:.4f}\n")
print(f"torch {torch.__version__}: test accuracy {acc:.4f}, wrote {out}")
