#!/usr/bin/env python3
"""Scaling table: seconds per epoch and peak memory of Rewire for epsilon in {5, 10, 20, 50} and
hidden widths {1k, 10k, 100k} (Fashion-MNIST, 784-W-W-W-10, the reference training step, 2
threads), dense PyTorch at the same widths, and the density at which dense PyTorch becomes faster.

Each point runs in its own process (build/bin/scaling; peak memory is the point's own) and times a
number of batches after warm-up; seconds per epoch = median batch time x 469 batches + one SET
step. Extra, denser points per width locate the crossover: Rewire's batch time is fitted as
a + b * edges over all its points of that width, and the crossover density is where the fit meets
dense PyTorch's batch time. Usage: /usr/bin/python3 bench/scaling_table.py [--widths 1000,10000,100000]
"""
import argparse
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TABLE_EPS = [5, 10, 20, 50]
CROSSOVER_EPS = {1000: [100, 200, 350], 10000: [300, 1000], 100000: []}
BATCHES = {1000: 100, 10000: 30, 100000: 8}
TORCH_BATCHES = {1000: 20, 10000: 5}


def rewire_point(build, width, eps, threads):
    out = subprocess.run([os.path.join(build, "bin", "scaling"), str(width), str(eps), str(BATCHES.get(width, 8)),
                          str(threads)], capture_output=True, text=True)
    if out.returncode != 0:
        return None, out.stderr.strip()
    f = out.stdout.strip().split(",")
    return {"width": int(f[0]), "eps": float(f[1]), "edges": int(f[2]), "density": float(f[3]),
            "s_batch": float(f[5]), "s_epoch": float(f[6]), "evolution": float(f[7]), "rss": float(f[8]),
            "data_rss": float(f[9])}, ""


def torch_point(width, threads):
    arch = f"784-{width}-{width}-{width}-10"
    params = 784 * width + 2 * width * width + 10 * width
    need = params * 4 * 3 / 2**30  # weights, velocities, gradients
    if need > 16:
        return None, f"does not fit: {params / 1e9:.0f}G weights need ~{need:.0f} GiB for weights, momentum and gradients"
    out = subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "bench", "peers", "torch_mlp.py"), "--mode", "dense",
                          "--arch", arch, "--threads", str(threads), "--time-batches", str(TORCH_BATCHES.get(width, 3))],
                         capture_output=True, text=True)
    if out.returncode != 0:
        return None, out.stderr.strip().splitlines()[-1]
    f = out.stdout.strip().split(",")
    return {"s_batch": float(f[1]), "rss": float(f[3])}, ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--widths", default="1000,10000,100000")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    a = ap.parse_args()
    widths = [int(w) for w in a.widths.split(",")]
    batches_per_epoch = (60000 + 127) // 128
    print(f"cpu: {open('/proc/cpuinfo').read().split('model name')[1].split(':')[1].splitlines()[0].strip()}, "
          f"{os.cpu_count()} cores; {a.threads} threads; Fashion-MNIST 784-W-W-W-10, batch 128")
    print("width,epsilon,edges,hidden_density,s_per_batch,s_per_epoch,evolution_s,peak_rss_mib,model_rss_mib")
    results = {}
    for w in widths:
        pts = []
        for eps in TABLE_EPS + CROSSOVER_EPS.get(w, []):
            p, err = rewire_point(a.build, w, eps, a.threads)
            if p is None:
                print(f"{w},{eps},,,,,,,  # {err}", flush=True)
                continue
            p["table"] = eps in TABLE_EPS
            pts.append(p)
            print(f"{w},{eps:g},{p['edges']},{p['density']:.5f},{p['s_batch']:.5f},{p['s_epoch']:.3f},"
                  f"{p['evolution']:.4f},{p['rss']:.0f},{p['rss'] - p['data_rss']:.0f}"
                  + ("" if p["table"] else "   # crossover point"), flush=True)
        t, err = torch_point(w, a.threads)
        results[w] = (pts, t, err)
        if t:
            print(f"{w},dense torch,,1.0,{t['s_batch']:.5f},{t['s_batch'] * batches_per_epoch:.3f},,{t['rss']:.0f},",
                  flush=True)
        else:
            print(f"{w},dense torch,,,,,,,  # {err}", flush=True)

    print("\ncrossover (dense PyTorch faster above this hidden density; fit t = a + b * edges):")
    for w, (pts, t, err) in results.items():
        if not t or len(pts) < 2:
            print(f"  width {w}: {err or 'too few points'}")
            continue
        xs = [p["edges"] for p in pts]
        ys = [p["s_batch"] for p in pts]
        n = len(xs)
        mx, my = sum(xs) / n, sum(ys) / n
        b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
        a0 = my - b * mx
        possible = 784 * w + 2 * w * w + 10 * w
        edges = (t["s_batch"] - a0) / b
        beyond = max(xs) < edges
        print(f"  width {w}: dense torch {t['s_batch'] * 1e3:.1f} ms/batch; Rewire {a0 * 1e3:.2f} ms + "
              f"{b * 1e9:.2f} ns/edge per batch -> equal at {edges / 1e6:.2f}M edges = "
              f"{100 * edges / possible:.1f}% of the {possible / 1e6:.2f}M possible"
              + (" (extrapolated beyond the densest point measured)" if beyond else ""))


if __name__ == "__main__":
    sys.exit(main())
