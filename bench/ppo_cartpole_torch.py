"""PPO on CartPole-v1 in PyTorch, the peer of ScriptableNN's PPO in the `rl` benchmark table.

The same algorithm and hyperparameters as scripts/cartpole_ppo.lua (rl-baselines3-zoo's tuned
CartPole-v1 settings, Stable-Baselines3's PPO loss): 8 environments, rollouts of 32 steps,
GAE(0.8) with gamma 0.98, 20 epochs of one 256-transition minibatch, clip range and learning rate
annealed linearly to 0, Adam with eps 1e-5, value coefficient 0.5, gradient norm clipped to 0.5,
two hidden layers of 64 tanh units for the policy and for the value. The environment is CartPole-v1's
equations in NumPy, stepped for all 8 copies at once.

Usage: python3 bench/ppo_cartpole_torch.py [steps] [seed] [warmup]  -> one JSON line on stdout.
The first `warmup` steps (default 0) are run but not timed.
"""
import json
import sys
import time

import numpy as np
import torch
from torch import nn


class CartPoleVec:
    """N copies of Gymnasium's CartPole-v1 (explicit Euler, 500-step limit), same-step autoreset."""

    def __init__(self, n, seed):
        self.n = n
        self.rng = np.random.default_rng(seed)
        self.state = self.rng.uniform(-0.05, 0.05, size=(n, 4))
        self.t = np.zeros(n, dtype=np.int64)
        self.ret = np.zeros(n)
        self.finished = []

    def step(self, action):
        x, x_dot, th, th_dot = self.state.T
        force = np.where(action == 1, 10.0, -10.0)
        cos, sin = np.cos(th), np.sin(th)
        temp = (force + 0.05 * th_dot ** 2 * sin) / 1.1
        th_acc = (9.8 * sin - cos * temp) / (0.5 * (4.0 / 3.0 - 0.1 * cos ** 2 / 1.1))
        x_acc = temp - 0.05 * th_acc * cos / 1.1
        self.state = np.stack([x + 0.02 * x_dot, x_dot + 0.02 * x_acc, th + 0.02 * th_dot, th_dot + 0.02 * th_acc], axis=1)
        self.t += 1
        x, th = self.state[:, 0], self.state[:, 2]
        terminated = (np.abs(x) > 2.4) | (np.abs(th) > 12 * 2 * np.pi / 360)
        truncated = ~terminated & (self.t >= 500)
        reward = np.ones(self.n)
        self.ret += reward
        done = terminated | truncated
        final = self.state.copy()
        if done.any():
            for i in np.nonzero(done)[0]:
                self.finished.append(self.ret[i])
            k = int(done.sum())
            self.state[done] = self.rng.uniform(-0.05, 0.05, size=(k, 4))
            self.t[done] = 0
            self.ret[done] = 0
        return self.state.astype(np.float32), reward, terminated, truncated, final.astype(np.float32)


def mlp(out, gain_last):
    net = nn.Sequential(nn.Linear(4, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, out))
    with torch.no_grad():
        net[-1].weight.mul_(gain_last)
        net[-1].bias.zero_()
    return net


def main():
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    warmup = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    torch.manual_seed(seed)
    n, n_steps, batch, epochs = 8, 32, 256, 20
    gamma, lam, clip0, lr0, vf_coef, max_norm = 0.98, 0.8, 0.2, 1e-3, 0.5, 0.5
    pi, vf = mlp(2, 0.01), mlp(1, 1.0)
    params = list(pi.parameters()) + list(vf.parameters())
    opt = torch.optim.Adam(params, lr=lr0, eps=1e-5)
    env = CartPoleVec(n, seed)
    obs = env.state.astype(np.float32)
    steps = 0
    start = time.perf_counter()
    timed_from = 0
    total += warmup
    while steps < total:
        if timed_from == 0 and steps >= warmup:
            start, timed_from = time.perf_counter(), steps
        b_obs = np.zeros((n_steps, n, 4), np.float32)
        b_act = np.zeros((n_steps, n), np.int64)
        b_logp = np.zeros((n_steps, n), np.float32)
        b_val = np.zeros((n_steps, n), np.float32)
        b_rew = np.zeros((n_steps, n), np.float32)
        b_done = np.zeros((n_steps, n), np.float32)
        for t in range(n_steps):
            with torch.no_grad():
                o = torch.from_numpy(obs)
                logits = pi(o)
                dist = torch.distributions.Categorical(logits=logits)
                a = dist.sample()
                b_logp[t] = dist.log_prob(a).numpy()
                b_val[t] = vf(o).squeeze(1).numpy()
            b_obs[t] = obs
            b_act[t] = a.numpy()
            obs, r, term, trunc, final = env.step(b_act[t])
            if trunc.any():
                with torch.no_grad():
                    r = r + gamma * trunc * vf(torch.from_numpy(final)).squeeze(1).numpy()
            b_rew[t] = r
            b_done[t] = term | trunc
            steps += n
        with torch.no_grad():
            next_v = vf(torch.from_numpy(obs)).squeeze(1).numpy()
        adv = np.zeros((n_steps, n), np.float32)
        gae = np.zeros(n, np.float32)
        for t in reversed(range(n_steps)):
            nv = next_v if t == n_steps - 1 else b_val[t + 1]
            not_done = 1.0 - b_done[t]
            delta = b_rew[t] + gamma * nv * not_done - b_val[t]
            gae = delta + gamma * lam * not_done * gae
            adv[t] = gae
        ret = adv + b_val
        progress = max(0.0, 1.0 - steps / total)
        clip = clip0 * progress
        for g in opt.param_groups:
            g["lr"] = lr0 * progress
        O = torch.from_numpy(b_obs.reshape(-1, 4))
        A = torch.from_numpy(b_act.reshape(-1))
        LP = torch.from_numpy(b_logp.reshape(-1))
        ADV = torch.from_numpy(adv.reshape(-1))
        RET = torch.from_numpy(ret.reshape(-1))
        m = n * n_steps
        for _ in range(epochs):
            perm = torch.randperm(m)
            for s in range(0, m, batch):
                idx = perm[s:s + batch]
                dist = torch.distributions.Categorical(logits=pi(O[idx]))
                logp = dist.log_prob(A[idx])
                a_ = ADV[idx]
                a_ = (a_ - a_.mean()) / (a_.std() + 1e-8)
                ratio = torch.exp(logp - LP[idx])
                pg = -torch.min(a_ * ratio, a_ * torch.clamp(ratio, 1 - clip, 1 + clip)).mean()
                v_loss = ((vf(O[idx]).squeeze(1) - RET[idx]) ** 2).mean()
                loss = pg + vf_coef * v_loss - 0.0 * dist.entropy().mean()
                opt.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(params, max_norm)
                opt.step()
    seconds = time.perf_counter() - start
    last = env.finished[-100:]
    print(json.dumps({"steps": steps - timed_from, "seconds": seconds, "steps_per_second": (steps - timed_from) / seconds,
                      "mean_return": float(np.mean(last)) if last else float("nan"),
                      "torch": torch.__version__, "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
