#!/usr/bin/env python3
"""Truly sparse SciPy peer in the style of the SET reference code (Mocanu et al.; Curci et al.):
each layer's weights are a scipy.sparse CSR matrix (inputs x outputs), the forward pass and dX use
sparse products, dW is computed on the existing edges only, and SET prunes and regrows after every
epoch but the last. Same algorithm and data as `rewire train` (see torch_mlp.py). Prints one CSV
row per epoch.
"""
import argparse
import math
import os
import sys
import time

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import CSV_HEADER, add_training_args, csv_row, load_fashion  # noqa: E402


def er_layer(n_in, n_out, epsilon, rng):
    p = min(1.0, epsilon * (n_in + n_out) / (n_in * n_out))
    count = n_in * n_out if p >= 1.0 else int(round(p * n_in * n_out))
    keys = np.sort(rng.choice(n_in * n_out, count, replace=False))
    limit = math.sqrt(6.0 / n_in)
    vals = rng.uniform(-limit, limit, count).astype(np.float32)
    w = sp.csr_matrix((vals, (keys // n_out, keys % n_out)), shape=(n_in, n_out), dtype=np.float32)
    w.sort_indices()
    return w, p >= 1.0


def main():
    ap = add_training_args(argparse.ArgumentParser())
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    sizes = [int(s) for s in a.arch.split("-")]
    xs, ys, xt, yt = load_fashion(a.data)
    L = len(sizes) - 1
    W, dense, B, VW, VB = [], [], [], [], []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        w, d = er_layer(n_in, n_out, a.epsilon, rng)
        W.append(w)
        dense.append(d)
        B.append(np.zeros(n_out, np.float32))
        VW.append(np.zeros(w.nnz, np.float32))
        VB.append(np.zeros(n_out, np.float32))
    slopes = [(-a.alpha if (l + 1) % 2 == 1 else a.alpha) for l in range(L - 1)]

    def forward(x, train):
        acts, gates = [x], []
        for l in range(L):
            z = (W[l].T @ acts[-1].T).T + B[l]  # sparse product
            if l < L - 1:
                gate = np.where(z > 0, 1.0, slopes[l]).astype(np.float32)
                z = z * gate
                if train and a.dropout > 0:
                    keep = (rng.random(z.shape) >= a.dropout).astype(np.float32) / (1 - a.dropout)
                    z, gate = z * keep, gate * keep
                gates.append(gate)
            acts.append(z.astype(np.float32))
        return acts, gates

    def softmax_loss(z, y):
        z = z - z.max(1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(1, keepdims=True)
        loss = -np.log(np.maximum(p[np.arange(len(y)), y], 1e-30)).sum()
        return p, loss

    print(CSV_HEADER)
    n = xs.shape[0]
    for epoch in range(1, a.epochs + 1):
        perm = rng.permutation(n)
        t0 = time.perf_counter()
        loss_sum, correct = 0.0, 0
        for start in range(0, n, a.batch):
            idx = perm[start:start + a.batch]
            x, y = xs[idx], ys[idx]
            acts, gates = forward(x, True)
            p, loss = softmax_loss(acts[-1], y)
            loss_sum += loss
            correct += int((acts[-1].argmax(1) == y).sum())
            delta = p
            delta[np.arange(len(y)), y] -= 1.0
            delta /= len(y)
            for l in reversed(range(L)):
                w = W[l]
                coo_rows = np.repeat(np.arange(w.shape[0]), np.diff(w.indptr))
                # dW only on existing edges, as the reference code does
                grad = np.einsum("bi,bi->i", acts[l][:, coo_rows], delta[:, w.indices])
                db = delta.sum(0)
                if l > 0:
                    delta = (w @ delta.T).T * gates[l - 1]  # old weights
                VW[l] = a.momentum * VW[l] - a.lr * grad
                w.data += VW[l] - a.weight_decay * w.data
                VB[l] = a.momentum * VB[l] - a.lr * db
                B[l] += VB[l] - a.weight_decay * B[l]
        train_seconds = time.perf_counter() - t0
        z = forward(xt, False)[0][-1]
        p, test_loss = softmax_loss(z, yt)
        test_acc = float((z.argmax(1) == yt).mean())
        t1 = time.perf_counter()
        if epoch < a.epochs and a.zeta > 0:
            for l in range(L):
                if dense[l]:
                    continue
                w = W[l]
                vals = w.data
                pos, neg = np.flatnonzero(vals >= 0), np.flatnonzero(vals < 0)
                k_pos, k_neg = int(round(a.zeta * len(pos))), int(round(a.zeta * len(neg)))
                drop = np.concatenate([pos[np.argsort(vals[pos], kind="stable")[:k_pos]],
                                       neg[np.argsort(-vals[neg], kind="stable")[:k_neg]]])
                keep = np.ones(len(vals), bool)
                keep[drop] = False
                rows = np.repeat(np.arange(w.shape[0]), np.diff(w.indptr))
                kept_keys = rows[keep].astype(np.int64) * w.shape[1] + w.indices[keep]
                taken = set(kept_keys.tolist())
                new = []
                while len(new) < len(drop):
                    k = int(rng.integers(w.shape[0] * w.shape[1]))
                    if k not in taken:
                        taken.add(k)
                        new.append(k)
                new = np.array(new, np.int64)
                limit = math.sqrt(6.0 / w.shape[0])
                keys = np.concatenate([kept_keys, new])
                data = np.concatenate([vals[keep], rng.uniform(-limit, limit, len(new)).astype(np.float32)])
                vel = np.concatenate([VW[l][keep], np.zeros(len(new), np.float32)])
                order = np.argsort(keys, kind="stable")
                keys, data, vel = keys[order], data[order], vel[order]
                W[l] = sp.csr_matrix((data, (keys // w.shape[1], keys % w.shape[1])), shape=w.shape, dtype=np.float32)
                VW[l] = vel  # sorted keys are CSR order, so state stays aligned
        evo_seconds = time.perf_counter() - t1
        print(csv_row(epoch, loss_sum / n, correct / n, test_loss / len(yt), test_acc, sum(w.nnz for w in W),
                      train_seconds, evo_seconds), flush=True)


if __name__ == "__main__":
    sys.exit(main())
