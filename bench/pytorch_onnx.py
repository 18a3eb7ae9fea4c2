#!/usr/bin/env python3
"""Writes the PyTorch-exported ONNX fixtures the importer is tested against.

Each case is a small PyTorch network exported with torch.onnx.export at several opsets, with a
fixed batch of inputs and PyTorch's outputs for it, so the test checks PyTorch -> ONNX -> ScriptableNN
against PyTorch itself. Run it with Debian's python3-torch (1.13):

    /usr/bin/python3 bench/pytorch_onnx.py tests/ScriptableNN.Tests/data/pytorch

Files per case and opset: NAME.opsetK.onnx, NAME.input.bin and NAME.output.bin (float32,
little-endian, row-major), and manifest.json listing them with their shapes.
"""
import json
import os
import sys

import torch
import torch.nn as nn


def cases():
    torch.manual_seed(0)
    yield "mlp_relu", nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 4)), (6,)
    yield "mlp_tanh_softmax", nn.Sequential(nn.Linear(6, 12), nn.Tanh(), nn.Linear(12, 3), nn.Softmax(dim=1)), (6,)
    yield "leaky_logsoftmax", nn.Sequential(nn.Linear(5, 8), nn.LeakyReLU(0.1), nn.Linear(8, 3), nn.LogSoftmax(dim=1)), (5,)
    yield "prelu_elu", nn.Sequential(nn.Linear(4, 8), nn.PReLU(8), nn.Linear(8, 8), nn.ELU(0.7), nn.Linear(8, 2)), (4,)
    yield "softplus_sigmoid", nn.Sequential(nn.Linear(3, 6), nn.Softplus(), nn.Linear(6, 1), nn.Sigmoid()), (3,)
    yield "hardtanh_relu6", nn.Sequential(nn.Linear(4, 6), nn.Hardtanh(-0.5, 0.5), nn.Linear(6, 6), nn.ReLU6(), nn.Linear(6, 2)), (4,)
    yield "flatten_dropout", nn.Sequential(nn.Flatten(), nn.Linear(16, 10), nn.ReLU(), nn.Dropout(0.3), nn.Linear(10, 3)), (1, 4, 4)
    yield "no_bias", nn.Sequential(nn.Linear(5, 7, bias=False), nn.Sigmoid(), nn.Linear(7, 2, bias=False)), (5,)


def main(out):
    os.makedirs(out, exist_ok=True)
    manifest = []
    for name, net, shape in cases():
        net.eval()
        x = torch.randn(32, *shape)
        with torch.no_grad():
            y = net(x)
        x.numpy().astype("<f4").tofile(os.path.join(out, f"{name}.input.bin"))
        y.numpy().astype("<f4").tofile(os.path.join(out, f"{name}.output.bin"))
        for opset in (9, 11, 13, 17):
            path = os.path.join(out, f"{name}.opset{opset}.onnx")
            torch.onnx.export(net, x, path, opset_version=opset, input_names=["input"], output_names=["output"],
                              dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
            manifest.append({"name": name, "opset": opset, "file": os.path.basename(path),
                             "input": list(x.shape), "output": list(y.shape)})
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump({"torch": torch.__version__, "cases": manifest}, f, indent=1)
    print(f"wrote {len(manifest)} models with torch {torch.__version__} to {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "pytorch-onnx")
