#!/usr/bin/env python3
"""Training speed under real conditions: with another process keeping one core busy, and on very
sparse layers (subnormal floats). Runs `rewire train` of one or more builds, alternating, and prints
seconds per training pass (metrics.csv's epoch_seconds: forward, backward, update).

  ref        the reference configuration (Fashion-MNIST, 784-1000-1000-1000-10, eps 20), idle with
             2 threads and busy with --threads 1, 2 and the default (auto; 2 before it existed):
             the busy/1-thread ratios
  table      eps in {1, 5, 20} x width {1k, 20k, 100k} (784-W-W-W-10), idle and busy, 2 threads
  subnormal  784-20000-20000-10, eps 5, --init he-uniform and he-sparse, 2 threads, idle, each
             build as it is and with flush-to-zero forced from outside (LD_PRELOAD of the first
             build's bin/libftz_preload.so): a build that flushes in every engine thread runs
             within noise of its forced figure

"Busy" is a shell busy loop (`while :; do :; done`) in its own process for the whole run, left to
the scheduler like any other program. Wide networks train on a subsample of Fashion-MNIST
(written as IDX files to a temporary folder: 12,800 samples at width 20k, 3,840 at 100k) and their
figures are scaled to the 60,000 samples of an epoch. ref and subnormal take the median of epochs
2.. of --repeat runs per build (the first epoch also pages the buffers in); table the median of
the second epochs of --repeat runs per cell.

Usage: /usr/bin/python3 bench/under_load.py ref|table|subnormal [--build DIR ...] [--repeat R]
       [--epochs E] [--widths 1000,20000,100000] [--eps 1,5,20] [--csv FILE]
"""
import argparse
import csv
import gzip
import os
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FMNIST = "/usr/share/datasets/fashion-mnist"
REFERENCE = ["--arch", "784-1000-1000-1000-10", "--epsilon", "20", "--zeta", "0.3", "--batch", "128", "--lr",
             "0.01", "--momentum", "0.9", "--weight-decay", "0.0002", "--dropout", "0.3", "--activation",
             "allrelu:0.6"]
SAMPLES = {1000: 60000, 20000: 12800, 100000: 3840}


def subsample(tmp, n):
    """IDX files of the first n training samples and 1,000 test samples; returns the two specs."""
    out = []
    for kind, count in (("train", n), ("t10k", 1000)):
        with gzip.open(os.path.join(FMNIST, f"{kind}-images-idx3-ubyte.gz")) as f:
            magic, total, rows, cols = struct.unpack(">IIII", f.read(16))
            images = f.read(count * rows * cols)
        with gzip.open(os.path.join(FMNIST, f"{kind}-labels-idx1-ubyte.gz")) as f:
            f.read(8)
            labels = f.read(count)
        img = os.path.join(tmp, f"{kind}{count}-images")
        lab = os.path.join(tmp, f"{kind}{count}-labels")
        with open(img, "wb") as f:
            f.write(struct.pack(">IIII", magic, count, rows, cols) + images)
        with open(lab, "wb") as f:
            f.write(struct.pack(">II", 2049, count) + labels)
        out.append(f"idx:{img},{lab}")
    return out


def train(build, args, epochs, busy, tmp, preload=None):
    """Training-pass seconds of epochs 2.. of one run (all of them when epochs == 1)."""
    out = os.path.join(tmp, "run")
    shutil.rmtree(out, ignore_errors=True)
    hog = subprocess.Popen(["/bin/sh", "-c", "while :; do :; done"]) if busy else None
    try:
        env = dict(os.environ, LD_PRELOAD=preload) if preload else None
        r = subprocess.run([os.path.join(build, "bin", "rewire"), "train", *args, "--epochs", str(epochs), "--seed",
                            "1", "--quiet", "--out", out], capture_output=True, text=True, env=env)
    finally:
        if hog:
            hog.kill()
            hog.wait()
    if r.returncode != 0:
        sys.exit(f"under_load: {build}: rewire train {' '.join(args)} failed: {r.stderr.strip()}")
    with open(os.path.join(out, "metrics.csv")) as f:
        rows = list(csv.DictReader(f))
    secs = [float(row["epoch_seconds"]) for row in rows]
    return secs[1:] if len(secs) > 1 else secs


def point(builds, args, epochs, repeat, busy, tmp, scale=1.0, preload=None):
    """Median seconds per build, the builds alternating run by run."""
    got = {b: [] for b in builds}
    for _ in range(repeat):
        for b in builds:
            got[b] += [s * scale for s in train(b, args, epochs, busy, tmp, preload)]
    return {b: statistics.median(v) for b, v in got.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["ref", "table", "subnormal"])
    ap.add_argument("--build", action="append", help="build folder(s) with bin/rewire [build]")
    ap.add_argument("--repeat", type=int, default=3, help="runs per build and cell [3; use 1 for wide tables]")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--widths", default="1000,20000,100000")
    ap.add_argument("--eps", default="1,5,20")
    ap.add_argument("--csv", help="also append the rows to this CSV file")
    a = ap.parse_args()
    builds = a.build or [os.path.join(ROOT, "build")]
    if not os.path.isdir(FMNIST):
        sys.exit("under_load: Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)")
    cpu = open("/proc/cpuinfo").read().split("model name")[1].split(":")[1].splitlines()[0].strip()
    print(f"cpu: {cpu}, {os.cpu_count()} cores; builds: {', '.join(builds)}")
    sink = open(a.csv, "a") if a.csv else None

    def emit(row):
        print(",".join(str(x) for x in row), flush=True)
        if sink:
            sink.write(",".join(str(x) for x in row) + "\n")
            sink.flush()

    with tempfile.TemporaryDirectory() as tmp:
        if a.what == "ref":
            emit(["build", "idle_2t", "busy_1t", "busy_2t", "busy_default", "busy_2t/busy_1t", "busy_default/busy_1t"])
            base = ["--dataset", "fashion-mnist", *REFERENCE]
            idle = point(builds, base + ["--threads", "2"], a.epochs, a.repeat, False, tmp)
            busy = {t: point(builds, base + (["--threads", t] if t else []), a.epochs, a.repeat, True, tmp)
                    for t in ("1", "2", "")}
            for b in builds:
                emit([b, f"{idle[b]:.3f}", f"{busy['1'][b]:.3f}", f"{busy['2'][b]:.3f}", f"{busy[''][b]:.3f}",
                      f"{busy['2'][b] / busy['1'][b]:.2f}", f"{busy[''][b] / busy['1'][b]:.2f}"])
        elif a.what == "table":
            emit(["width", "epsilon", "load", *[f"s_per_epoch[{b}]" for b in builds]])
            for w in (int(x) for x in a.widths.split(",")):
                n = SAMPLES.get(w, 3840)
                data = ["--dataset", "fashion-mnist"] if n >= 60000 else []
                if not data:
                    train_spec, test_spec = subsample(tmp, n)
                    data = ["--dataset", train_spec, "--test-dataset", test_spec]
                for eps in a.eps.split(","):
                    args = data + REFERENCE + ["--threads", "2"]
                    args[args.index("--arch") + 1] = f"784-{w}-{w}-{w}-10"
                    args[args.index("--epsilon") + 1] = eps
                    for busy in (False, True):
                        r = point(builds, args, 2, a.repeat, busy, tmp, scale=60000 / n)
                        emit([w, eps, "busy" if busy else "idle", *[f"{r[b]:.2f}" for b in builds]])
        else:
            preload = os.path.join(builds[0], "bin", "libftz_preload.so")
            if not os.path.exists(preload):
                sys.exit(f"under_load: {preload} is missing (cmake --build {builds[0]} --target ftz_preload)")
            emit(["init", *[f"s_per_epoch[{b}],forced_ftz,ratio" for b in builds]])
            for init in ("he-uniform", "he-sparse"):
                args = ["--dataset", "fashion-mnist", *REFERENCE, "--threads", "2", "--init", init]
                args[args.index("--arch") + 1] = "784-20000-20000-10"
                args[args.index("--epsilon") + 1] = "5"
                plain = point(builds, args, a.epochs, a.repeat, False, tmp)
                forced = point(builds, args, a.epochs, a.repeat, False, tmp, preload=preload)
                emit([init, *[f"{plain[b]:.2f},{forced[b]:.2f},{plain[b] / forced[b]:.2f}" for b in builds]])


if __name__ == "__main__":
    main()
