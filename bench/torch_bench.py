"""PyTorch side of the side-by-side benchmark: the same networks, weights and data as
ScriptableNN (read from the folder given as argv[1]); prints one JSON object of timings.
Thread settings come from the environment (OPENBLAS_NUM_THREADS, SNN_TORCH_THREADS)."""
import json, os, sys, time
import numpy as np
import torch

torch.set_num_threads(int(os.environ.get("SNN_TORCH_THREADS", "1")))
d = sys.argv[1]
meta = json.load(open(os.path.join(d, "meta.json")))


def build(name):
    sizes = meta[name]["sizes"]
    mods = []
    for i in range(len(sizes) - 1):
        lin = torch.nn.Linear(sizes[i], sizes[i + 1])
        w = np.fromfile(os.path.join(d, f"{name}_w{i}.bin"), dtype=np.float32).reshape(sizes[i + 1], sizes[i])
        b = np.fromfile(os.path.join(d, f"{name}_b{i}.bin"), dtype=np.float32)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(w))
            lin.bias.copy_(torch.from_numpy(b))
        mods.append(lin)
        if i < len(sizes) - 2:
            mods.append(torch.nn.ReLU())
    return torch.nn.Sequential(*mods)


def median_seconds(fn, min_time=0.05, runs=7):
    for _ in range(5):
        fn()
    reps = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(reps):
            fn()
        if time.perf_counter() - t0 >= min_time:
            break
        reps *= 2
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        for _ in range(reps):
            fn()
        times.append((time.perf_counter() - t0) / reps)
    times.sort()
    return times[len(times) // 2]


X = np.fromfile(os.path.join(d, "mlp_x.bin"), dtype=np.float32).reshape(-1, 784)
Y = np.fromfile(os.path.join(d, "mlp_y.bin"), dtype=np.float32).astype(np.int64)
Xs = np.fromfile(os.path.join(d, "small_x.bin"), dtype=np.float32).reshape(-1, 16)
out = {}

for batch in (32, 128, 512):
    net = build("mlp")
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    lossf = torch.nn.CrossEntropyLoss()
    x = torch.from_numpy(X[:batch].copy())
    y = torch.from_numpy(Y[:batch].copy())

    def step():
        opt.zero_grad()
        loss = lossf(net(x), y)
        loss.backward()
        opt.step()

    out[f"train_{batch}"] = batch / median_seconds(step)

with torch.no_grad():
    for name, data in (("small", Xs), ("mlp", X)):
        net = build(name).eval()
        x1 = torch.from_numpy(data[:1].copy())
        out[f"infer1_{name}"] = median_seconds(lambda: net(x1)) * 1e6
    net = build("mlp").eval()
    x256 = torch.from_numpy(X[:256].copy())
    out["infer256_mlp"] = 256 / median_seconds(lambda: net(x256))

# The matrix products of the MLP, as GFLOP/s.
for (m, k, n) in ((128, 784, 256), (128, 256, 784), (784, 128, 256)):
    a = torch.rand(m, k)
    b = torch.rand(k, n)
    out[f"mm_{m}x{k}x{n}"] = 2 * m * n * k / median_seconds(lambda: torch.mm(a, b)) / 1e9

print(json.dumps(out))
