#!/usr/bin/python3
"""Rewire against its peers on one configuration, alternating runs in one session.

Peers: PyTorch dense MLP, PyTorch with binary masks + SET per epoch, and a truly sparse SciPy
implementation in the style of the SET reference code. All train the same architecture with the same
optimiser, data and threads. Prints the BLAS in use (Debian's torch falls back to the reference BLAS
unless OpenBLAS is installed: `apt-get install libopenblas0-openmp`), then a table of median seconds
per epoch end to end (training pass + prune/regrow; evaluation excluded), the ratio to Rewire, the
two parts apart, and the test accuracy after the same number of epochs.

Usage: /usr/bin/python3 bench/suite.py [--epochs 3] [--rounds 1] [--threads 2] [--peers rewire,torch-dense,torch-set,scipy-set]
"""
import argparse
import csv
import io
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
REFERENCE = ["--arch", "784-1000-1000-1000-10", "--epsilon", "20", "--zeta", "0.3", "--batch", "128", "--lr", "0.01",
             "--momentum", "0.9", "--weight-decay", "0.0002", "--dropout", "0.3"]


def blas_report():
    lines = []
    try:
        out = subprocess.run(["update-alternatives", "--query", "libblas.so.3-x86_64-linux-gnu"], capture_output=True,
                             text=True).stdout
        value = [l.split(":", 1)[1].strip() for l in out.splitlines() if l.startswith("Value:")]
        lines.append("libblas.so.3 -> " + (value[0] if value else "unknown"))
    except OSError:
        lines.append("libblas.so.3 -> unknown (no update-alternatives)")
    return lines


def parse_csv(text):
    return list(csv.DictReader(io.StringIO(text)))


def run_peer(name, epochs, threads, seed):
    if name == "rewire":
        with tempfile.TemporaryDirectory() as d:
            subprocess.run([os.path.join(ROOT, "build", "bin", "rewire"), "train", "--dataset", "fashion-mnist",
                            *REFERENCE, "--activation", "allrelu:0.6", "--epochs", str(epochs), "--threads",
                            str(threads), "--seed", str(seed), "--quiet", "--out", os.path.join(d, "run")], check=True)
            with open(os.path.join(d, "run", "metrics.csv")) as f:
                return parse_csv(f.read())
    py = [sys.executable]
    common = ["--epochs", str(epochs), "--seed", str(seed)]
    if name == "torch-dense":
        cmd = py + [os.path.join(HERE, "peers", "torch_mlp.py"), "--mode", "dense", "--threads", str(threads)] + common
    elif name == "torch-set":
        cmd = py + [os.path.join(HERE, "peers", "torch_mlp.py"), "--mode", "set", "--threads", str(threads)] + common
    elif name == "scipy-set":
        cmd = py + [os.path.join(HERE, "peers", "scipy_set.py")] + common
    else:
        raise SystemExit(f"bench/suite.py: unknown peer {name}")
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads))
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    return parse_csv(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--peers", default="rewire,torch-dense,torch-set,scipy-set")
    a = ap.parse_args()
    peers = a.peers.split(",")
    for line in blas_report():
        print(line)
    # Per epoch, end to end as the Performance issue counts it: the training pass plus that
    # epoch's prune/regrow (evolution_seconds; 0 for dense, and after the last epoch); evaluation
    # is excluded for every peer. The training pass and the evolution are also shown apart.
    total = {p: [] for p in peers}
    train = {p: [] for p in peers}
    evolve = {p: [] for p in peers}
    accuracy = {p: [] for p in peers}
    for r in range(a.rounds):
        for p in peers:  # alternate peers within every round
            rows = run_peer(p, a.epochs, a.threads, seed=r + 1)
            t = [float(row["epoch_seconds"]) for row in rows]
            e = [float(row.get("evolution_seconds") or 0.0) for row in rows]
            train[p] += t
            evolve[p] += e
            total[p] += [x + y for x, y in zip(t, e)]
            accuracy[p].append(float(rows[-1]["test_accuracy"]))
            print(f"round {r + 1}: {p:12s} {statistics.median(x + y for x, y in zip(t, e)):8.3f} s/epoch "
                  f"(training {statistics.median(t):.3f} + prune/regrow {statistics.median(e):.4f}), "
                  f"test accuracy {100 * accuracy[p][-1]:.2f}%", flush=True)
    base = statistics.median(total["rewire"]) if "rewire" in total else None
    print(f"\n| peer | median s/epoch, end to end ({a.threads} threads) | x Rewire | training pass | prune/regrow "
          f"| test accuracy after {a.epochs} epochs |")
    print("|---|---|---|---|---|---|")
    for p in peers:
        m = statistics.median(total[p])
        ratio = f"{m / base:.1f}x" if base else ""
        acc = ", ".join(f"{100 * x:.2f}%" for x in accuracy[p])
        print(f"| {p} | {m:.3f} | {ratio} | {statistics.median(train[p]):.3f} | {statistics.median(evolve[p]):.4f} "
              f"| {acc} |")

if __name__ == "__main__":
    main()
