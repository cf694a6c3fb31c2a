#!/usr/bin/python3
"""Reads Rewire's exports back with independent readers (Debian's python3-networkx and python3-scipy)
and checks they hold the same edges and weights as the edge list.

Usage: read_exports.py REWIRE_BINARY WORK_DIR
Trains a small model (2 epochs, a topology step), exports it in every format, then:
  graphml  networkx.read_graphml: the edges, signed weights, int-typed layer/index attributes
  gexf     networkx.read_gexf (GEXF 1.2draft): the edges, |w| as weight, signed w, layer
  npz      scipy.sparse.load_npz per layer: CSR outputs x inputs with the same entries
  mtx      scipy.io.mmread per layer: the same entries; every file ends in .mtx
"""
import csv
import os
import subprocess
import sys

import networkx as nx
import numpy as np
import scipy.io
import scipy.sparse


def fail(msg):
    print("FAIL:", msg, file=sys.stderr)
    sys.exit(1)


def main():
    rewire, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    run = os.path.join(work, "run")
    subprocess.run([rewire, "train", "--dataset", "synthetic:madelon:features=30,samples=400,informative=6",
                    "--arch", "30-40-20-2", "--epsilon", "4", "--epochs", "2", "--batch", "32", "--threads", "1",
                    "--induced-loss-samples", "0", "--quiet", "--force", "--out", run], check=True)

    def export(fmt, name):
        out = subprocess.run([rewire, "export", run, "--format", fmt, "-o", os.path.join(work, name)], check=True,
                             capture_output=True, text=True).stdout
        return [line.split(" ", 1)[1] for line in out.splitlines() if line.startswith("wrote ")]

    export("edgelist", "m.csv")
    with open(os.path.join(work, "m.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    ref = {(int(r["source"]), int(r["target"])): (int(r["layer"]), float(r["weight"])) for r in rows}
    if len(ref) != len(rows) or len(rows) < 100:
        fail(f"edge list: {len(rows)} rows, {len(ref)} distinct edges")
    sizes = [30, 40, 20, 2]
    offsets = np.cumsum([0] + sizes)

    # GraphML
    export("graphml", "m.graphml")
    g = nx.read_graphml(os.path.join(work, "m.graphml"))
    if not g.is_directed() or g.number_of_nodes() != sum(sizes) or g.number_of_edges() != len(ref):
        fail(f"graphml: {g.number_of_nodes()} nodes, {g.number_of_edges()} edges, directed {g.is_directed()}")
    for u, v, d in g.edges(data=True):
        key = (int(u[1:]), int(v[1:]))
        layer, w = ref[key]
        if d["layer"] != layer or not isinstance(d["layer"], int) or abs(d["weight"] - w) > 1e-6 * max(1, abs(w)):
            fail(f"graphml edge {key}: {d} against layer {layer}, weight {w}")
        if abs(d["abs_weight"] - abs(w)) > 1e-6 * max(1, abs(w)):
            fail(f"graphml edge {key}: abs_weight {d['abs_weight']}")
    n = g.nodes["n35"]
    if n != {"layer": 1, "index": 5} or not isinstance(n["index"], int):
        fail(f"graphml node n35: {n}")

    # GEXF 1.2draft
    export("gexf", "m.gexf")
    x = nx.read_gexf(os.path.join(work, "m.gexf"))
    if x.number_of_nodes() != sum(sizes) or x.number_of_edges() != len(ref):
        fail(f"gexf: {x.number_of_nodes()} nodes, {x.number_of_edges()} edges")
    for u, v, d in x.edges(data=True):
        key = (int(u), int(v))
        layer, w = ref[key]
        if d["layer"] != layer or abs(d["w"] - w) > 1e-6 * max(1, abs(w)) or abs(d["weight"] - abs(w)) > 1e-6 * max(1, abs(w)):
            fail(f"gexf edge {key}: {d} against layer {layer}, weight {w}")
    if x.nodes["35"].get("layer") != 1 or x.nodes["35"].get("index") != 5:
        fail(f"gexf node 35: {x.nodes['35']}")

    # npz and mtx, per layer; -o without the extension and with a foreign one
    for fmt, name, read in (("npz", "m", scipy.sparse.load_npz), ("mtx", "m.txt", scipy.io.mmread)):
        files = export(fmt, name)
        if [os.path.basename(p) for p in files] != [f"m_layer{l}.{fmt}" for l in range(3)]:
            fail(f"{fmt}: wrote {files}")
        for l, path in enumerate(files):
            m = scipy.sparse.csr_matrix(read(path))
            if m.shape != (sizes[l + 1], sizes[l]):
                fail(f"{path}: shape {m.shape}")
            expected = {(t - offsets[l + 1], s - offsets[l]): w for (s, t), (ll, w) in ref.items() if ll == l}
            coo = m.tocoo()
            got = {(int(i), int(j)): float(v) for i, j, v in zip(coo.row, coo.col, coo.data)}
            if m.nnz != len(expected) or set(got) != set(expected):
                fail(f"{path}: {m.nnz} entries, expected {len(expected)}")
            worst = max(abs(got[k] - expected[k]) for k in expected)
            if worst > 1e-6:
                fail(f"{path}: weights differ by up to {worst}")
            if fmt == "npz":
                raw = np.load(path)
                if raw["data"].dtype != np.float32 or raw["indptr"].dtype != np.int64:
                    fail(f"{path}: dtypes {raw['data'].dtype}, {raw['indptr'].dtype}")
    print(f"graphml, gexf, npz and mtx read back with networkx {nx.__version__} and scipy {scipy.__version__}: "
          f"{len(ref)} edges, the same weights")


if __name__ == "__main__":
    main()
