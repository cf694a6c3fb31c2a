#!/usr/bin/env python3
"""PyTorch peer for Rewire's benchmarks: the same MLP, optimiser and data as `rewire train`.

  --mode dense    fully connected layers
  --mode set      binary masks re-applied after every step and a SET prune/regrow per epoch
                  (how most dynamic-sparse-training research code runs)

Same algorithm as Rewire: Erdos-Renyi masks with exactly round(p n m) edges, He-uniform weights on
the dense fan-in, inverted dropout on hidden layers, All-ReLU slopes -a, +a, -a, ..., softmax
cross-entropy averaged over the batch, v <- mu v - lr g ; w <- w + v - wd w (biases too), and
evaluation before the topology step. Prints one CSV row per epoch.
"""
import argparse
import math
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import CSV_HEADER, add_training_args, csv_row, load_fashion  # noqa: E402


def main():
    ap = add_training_args(argparse.ArgumentParser())
    ap.add_argument("--mode", choices=["dense", "set"], default="set")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--time-batches", type=int, default=0,
                    help="time this many training batches after 3 warm-up ones, print "
                         "'s_per_batch,S' and the peak memory, and stop (bench/scaling)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)
    sizes = [int(s) for s in a.arch.split("-")]
    xs, ys, xt, yt = (torch.from_numpy(v) for v in load_fashion(a.data))

    weights, biases, masks, vel_w, vel_b = [], [], [], [], []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        limit = math.sqrt(6.0 / n_in)
        w = torch.empty(n_out, n_in).uniform_(-limit, limit)
        mask = torch.ones(n_out, n_in)
        p = min(1.0, a.epsilon * (n_in + n_out) / (n_in * n_out)) if a.mode == "set" else 1.0
        if p < 1.0:
            count = int(round(p * n_in * n_out))
            flat = torch.zeros(n_in * n_out)
            flat[torch.from_numpy(rng.choice(n_in * n_out, count, replace=False))] = 1.0
            mask = flat.view(n_out, n_in)
        weights.append((w * mask).requires_grad_())
        biases.append(torch.zeros(n_out, requires_grad=True))
        masks.append(mask)
        vel_w.append(torch.zeros(n_out, n_in))
        vel_b.append(torch.zeros(n_out))
    slopes = [(-a.alpha if (l + 1) % 2 == 1 else a.alpha) for l in range(len(sizes) - 2)]

    def forward(x, train):
        for l, (w, b) in enumerate(zip(weights, biases)):
            x = x @ w.t() + b
            if l < len(weights) - 1:
                x = torch.where(x > 0, x, slopes[l] * x)
                if train and a.dropout > 0:
                    keep = (torch.rand_like(x) >= a.dropout).float()
                    x = x * keep / (1.0 - a.dropout)
        return x

    def evaluate(x, y):
        with torch.no_grad():
            out = forward(x, False)
            return torch.nn.functional.cross_entropy(out, y).item(), (out.argmax(1) == y).float().mean().item()

    def train_step(idx):
        """One mini-batch: forward with dropout, loss, backward, momentum step (masks re-applied in
        set mode, as DST research code does; a dense network has no mask to apply)."""
        out = forward(xs[idx], True)
        loss = torch.nn.functional.cross_entropy(out, ys[idx])
        for t in weights + biases:
            t.grad = None
        loss.backward()
        with torch.no_grad():
            for l in range(len(weights)):
                vel_w[l].mul_(a.momentum).sub_(a.lr * weights[l].grad)
                weights[l].add_(vel_w[l] - a.weight_decay * weights[l])
                if a.mode == "set":
                    weights[l].mul_(masks[l])
                    vel_w[l].mul_(masks[l])
                vel_b[l].mul_(a.momentum).sub_(a.lr * biases[l].grad)
                biases[l].add_(vel_b[l] - a.weight_decay * biases[l])
        return out, loss

    n = xs.shape[0]
    if a.time_batches:
        import resource
        perm = torch.from_numpy(rng.permutation(n))
        times = []
        for k in range(3 + a.time_batches):
            idx = perm[(k * a.batch) % (n - a.batch):][:a.batch]
            t0 = time.perf_counter()
            train_step(idx)
            if k >= 3:
                times.append(time.perf_counter() - t0)
        times.sort()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
        print(f"s_per_batch,{times[len(times) // 2]:.6f},peak_rss_mib,{rss:.0f}")
        return 0

    print(CSV_HEADER)
    for epoch in range(1, a.epochs + 1):
        perm = torch.from_numpy(rng.permutation(n))
        t0 = time.perf_counter()
        loss_sum, correct = 0.0, 0
        for start in range(0, n, a.batch):
            idx = perm[start:start + a.batch]
            out, loss = train_step(idx)
            loss_sum += loss.item() * len(idx)
            correct += (out.argmax(1) == ys[idx]).sum().item()
        train_seconds = time.perf_counter() - t0
        test_loss, test_acc = evaluate(xt, yt)
        t1 = time.perf_counter()
        if a.mode == "set" and epoch < a.epochs and a.zeta > 0:
            with torch.no_grad():
                for l in range(len(weights)):
                    m = masks[l]
                    if m.sum() == m.numel():
                        continue  # a fully connected layer does not evolve
                    w = weights[l]
                    present = m.bool()
                    vals = w[present]
                    pos, neg = vals[vals >= 0], vals[vals < 0]
                    k_pos, k_neg = int(round(a.zeta * pos.numel())), int(round(a.zeta * neg.numel()))
                    remove = torch.zeros_like(present)
                    if k_pos:
                        thr = pos.kthvalue(k_pos).values
                        remove |= present & (w >= 0) & (w <= thr)
                    if k_neg:
                        thr = neg.kthvalue(neg.numel() - k_neg + 1).values
                        remove |= present & (w < 0) & (w >= thr)
                    removed = int(remove.sum())
                    keep = present & ~remove
                    free = (~keep).flatten().nonzero().flatten().numpy()
                    new = torch.from_numpy(rng.choice(free, removed, replace=False))
                    limit = math.sqrt(6.0 / w.shape[1])
                    m.copy_(keep.float())
                    m.view(-1)[new] = 1.0
                    w.mul_(keep.float())
                    w.view(-1)[new] = torch.empty(removed).uniform_(-limit, limit)
                    vel_w[l].mul_(keep.float())
        evo_seconds = time.perf_counter() - t1
        conns = int(sum(m.sum().item() for m in masks))
        print(csv_row(epoch, loss_sum / n, correct / n, test_loss, test_acc, conns, train_seconds, evo_seconds), flush=True)


if __name__ == "__main__":
    sys.exit(main())
