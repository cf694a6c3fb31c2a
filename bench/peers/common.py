"""Shared pieces of Rewire's Python peers: Fashion-MNIST from Debian's IDX files, standardised
with the training statistics exactly as `rewire train` does, and the per-epoch CSV line."""
import gzip
import struct

import numpy as np

CSV_HEADER = "epoch,train_loss,train_accuracy,test_loss,test_accuracy,connections,epoch_seconds,evolution_seconds"


def load_idx(path):
    with gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    nd = magic & 0xFF
    dims = struct.unpack(">" + "I" * nd, data[4:4 + 4 * nd])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * nd).reshape(dims)


def load_fashion(root="/usr/share/datasets/fashion-mnist"):
    xs = load_idx(f"{root}/train-images-idx3-ubyte.gz").reshape(60000, -1).astype(np.float32)
    ys = load_idx(f"{root}/train-labels-idx1-ubyte.gz").astype(np.int64)
    xt = load_idx(f"{root}/t10k-images-idx3-ubyte.gz").reshape(10000, -1).astype(np.float32)
    yt = load_idx(f"{root}/t10k-labels-idx1-ubyte.gz").astype(np.int64)
    mean, std = xs.mean(0), xs.std(0)
    std[std < 1e-8] = 1.0
    return (xs - mean) / std, ys, (xt - mean) / std, yt


def csv_row(epoch, train_loss, train_acc, test_loss, test_acc, connections, seconds, evolution):
    return (f"{epoch},{train_loss:.6f},{train_acc:.6f},{test_loss:.6f},{test_acc:.6f},{connections},"
            f"{seconds:.4f},{evolution:.4f}")


def add_training_args(ap):
    """The options every peer shares with `rewire train` (reference configuration defaults)."""
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--arch", default="784-1000-1000-1000-10")
    ap.add_argument("--epsilon", type=float, default=20)
    ap.add_argument("--zeta", type=float, default=0.3)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=0.01)
    ap.add_argument("--momentum", type=float, default=0.9)
    ap.add_argument("--weight-decay", type=float, default=2e-4)
    ap.add_argument("--dropout", type=float, default=0.3)
    ap.add_argument("--alpha", type=float, default=0.6)
    ap.add_argument("--seed", type=int, default=1)
    return ap
