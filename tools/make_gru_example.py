#!/usr/bin/python3
"""Train the bundled GRU sequence example (examples/gru/).

Run from the repository root (Debian's python3-torch and python3-numpy; no
data to download, the task is generated here):

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tools/make_gru_example.py

The task: a 3-axis signal (think of an accelerometer strapped to a vibrating
machine) of 24..128 time steps is one of four waveforms, and the model names
it: "sine", "square", "sawtooth" or "noise". Each sequence is drawn as

    period  ~ U(6, min(32, T / 1.5)) steps   (the same on all three axes)
    per axis: phase ~ U(0, 1) cycles, amplitude ~ U(0.3, 2.0) with a random
              sign, offset ~ U(-0.5, 0.5), additive Gaussian noise of
              std ~ U(0.02, 0.15) x |amplitude|
    sine:     sin(2 pi u)            (u = t / period + phase, mod 1)
    square:   +1 if u < 0.5 else -1
    sawtooth: 2 u - 1                (rising or, with a negative amplitude, falling)
    noise:    Gaussian noise smoothed by a moving average of 1..4 steps,
              rescaled to the amplitude of a sine (std |amplitude| / sqrt 2)

The model is a 1-layer unidirectional GRU(3, 32, batch_first) whose final
hidden state h_n (1, B, 32) is flattened to (B, 32) and classified by
Linear(32, 4):

    signal [B, T, 3] -> GRU -> h_n [1, B, 32] -> Flatten(0, 1) -> Linear(32, 4) -> logits [B, 4]

Training: Adam (lr 3e-3, cosine decay), batches of 64 sequences of one random
length each, fresh data every step, one torch thread. Held-out accuracy is
measured on 2,000 sequences from a different seed, each at its own length,
run one at a time (batch 1) as `isthmus predict` runs a file.

Writes examples/gru/:
    model.safetensors   F32 weights (gru.*, fc.*), spec in __metadata__["isthmus.spec"]
    sequences/*.npy     6 signals, float32, shape (steps, 3), different lengths
    sequences/*.csv     6 signals, a header line "x,y,z" then one row per step,
                        numbers with 4 decimals
    expected.json       PyTorch's prediction for every file, computed from the
                        files as read back (CSV text parsed to float32):
                        {"<file>": {"label", "score" (softmax prob of the top
                        label), "logits"}}
    train_log.json      accuracy and training settings
File names are <true class>_<index>.<ext>.
"""
import argparse
import json
import math
import os
import sys
import time
from fractions import Fraction

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402
from make_fixtures import SpecModel  # noqa: E402

torch.set_num_threads(1)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "examples", "gru")
CLASSES = ["sine", "square", "sawtooth", "noise"]
HIDDEN = 32
MIN_T, MAX_T = 24, 128
N_TEST = 2000

SPEC = {
    "format": "isthmus/1",
    "inputs": [{"name": "signal", "shape": [-1, -1, 3], "dtype": "F32"}],
    "labels": CLASSES,
    "nodes": [
        {"op": "GRU", "name": "gru", "input_size": 3, "hidden_size": HIDDEN, "batch_first": True,
         "outputs": ["seq", "h_n"]},
        {"op": "Flatten", "start_dim": 0, "end_dim": 1, "input": "h_n"},
        {"op": "Linear", "name": "fc", "in_features": HIDDEN, "out_features": len(CLASSES)},
    ],
}

# (file name index, class, length, format)
SAMPLES = [
    (1, "sine", 30, "npy"), (2, "square", 45, "npy"), (3, "sawtooth", 60, "npy"),
    (4, "noise", 80, "npy"), (5, "sine", 100, "npy"), (6, "square", 120, "npy"),
    (7, "sawtooth", 25, "csv"), (8, "noise", 40, "csv"), (9, "sine", 55, "csv"),
    (10, "square", 70, "csv"), (11, "sawtooth", 90, "csv"), (12, "noise", 110, "csv"),
]


# --------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------

def make_signal(cls, T, rng):
    """One (T, 3) float64 signal of class index `cls`."""
    t = np.arange(T, dtype=np.float64)
    period = rng.uniform(6.0, min(32.0, T / 1.5))
    out = np.empty((T, 3))
    for axis in range(3):
        amp = rng.uniform(0.3, 2.0) * rng.choice([-1.0, 1.0])
        phase = rng.uniform(0.0, 1.0)
        offset = rng.uniform(-0.5, 0.5)
        u = (t / period + phase) % 1.0
        name = CLASSES[cls]
        if name == "sine":
            w = np.sin(2 * math.pi * u)
        elif name == "square":
            w = np.where(u < 0.5, 1.0, -1.0)
        elif name == "sawtooth":
            w = 2.0 * u - 1.0
        else:
            k = int(rng.integers(1, 5))
            z = rng.normal(size=T + k - 1)
            w = np.convolve(z, np.ones(k) / k, mode="valid")
            w = w / (w.std() + 1e-9) / math.sqrt(2.0)
        out[:, axis] = offset + amp * w + rng.normal(0.0, rng.uniform(0.02, 0.15) * abs(amp), size=T)
    return out


def batch(rng, n, T):
    ys = rng.integers(0, len(CLASSES), size=n)
    xs = np.stack([make_signal(int(c), T, rng) for c in ys]).astype(np.float32)
    return torch.from_numpy(xs), torch.from_numpy(ys.astype(np.int64))


# --------------------------------------------------------------------------
# model
# --------------------------------------------------------------------------

class GruClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(3, HIDDEN, batch_first=True)
        self.fc = nn.Linear(HIDDEN, len(CLASSES))

    def forward(self, x):
        _, h_n = self.gru(x)
        return self.fc(torch.flatten(h_n, 0, 1))


@torch.no_grad()
def held_out_accuracy(model, seed):
    model.eval()
    rng = np.random.default_rng(seed)
    correct = 0
    per_class = np.zeros((len(CLASSES), 2), dtype=np.int64)
    for _ in range(N_TEST):
        c = int(rng.integers(0, len(CLASSES)))
        T = int(rng.integers(MIN_T, MAX_T + 1))
        x = torch.from_numpy(make_signal(c, T, rng).astype(np.float32))[None]
        ok = int(model(x).argmax(1)) == c
        correct += ok
        per_class[c] += (ok, 1)
    return correct / N_TEST, {CLASSES[i]: float(per_class[i, 0] / per_class[i, 1]) for i in range(len(CLASSES))}


# --------------------------------------------------------------------------
# files
# --------------------------------------------------------------------------

def fmt(v):
    s = f"{v:.4f}"
    return "0.0000" if s == "-0.0000" else s


def check_nearest_f32(text, value):
    """value (float32) must be the float32 nearest to the decimal `text`, however it is parsed."""
    exact = Fraction(text)
    f = np.float32(value)
    d = abs(Fraction(float(f)) - exact)
    for nb in (np.nextafter(f, np.float32(np.inf)), np.nextafter(f, np.float32(-np.inf))):
        assert abs(Fraction(float(nb)) - exact) > d, (text, value)


def write_csv(path, a):
    with open(path, "w", newline="\n") as f:
        f.write("x,y,z\n")
        for row in a:
            f.write(",".join(fmt(v) for v in row) + "\n")


def read_csv(path):
    with open(path) as f:
        lines = f.read().splitlines()
    assert lines[0] == "x,y,z"
    rows = []
    for line in lines[1:]:
        texts = line.split(",")
        vals = [np.float32(float(s)) for s in texts]
        for s, v in zip(texts, vals):
            check_nearest_f32(s, v)
        rows.append(vals)
    return np.asarray(rows, dtype=np.float32)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=8000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    model = GruClassifier()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.steps)
    t0 = time.time()
    run_loss = run_acc = 0.0
    for step in range(1, args.steps + 1):
        model.train()
        x, y = batch(rng, 64, int(rng.integers(MIN_T, MAX_T + 1)))
        logits = model(x)
        loss = F.cross_entropy(logits, y)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        run_loss = 0.98 * run_loss + 0.02 * float(loss)
        run_acc = 0.98 * run_acc + 0.02 * float((logits.argmax(1) == y).float().mean())
        if step % 500 == 0:
            print(f"step {step}/{args.steps}: loss {run_loss:.4f}, train acc {run_acc:.4f}, "
                  f"{time.time() - t0:.0f}s", flush=True)
    train_seconds = time.time() - t0
    model.eval()
    acc, per_class = held_out_accuracy(model, args.seed + 1000)
    print(f"held-out accuracy on {N_TEST} sequences: {acc:.4f} ({int(round(acc * N_TEST))}/{N_TEST}); "
          f"per class {per_class}")

    os.makedirs(OUT, exist_ok=True)
    sd = {k: v.detach().float().contiguous() for k, v in model.state_dict().items()}
    model_path = os.path.join(OUT, "model.safetensors")
    safetensors_io.save(model_path, sd, metadata={"isthmus.spec": json.dumps(SPEC, separators=(",", ":"))})
    safetensors_io.check_layout(model_path)

    seq_dir = os.path.join(OUT, "sequences")
    os.makedirs(seq_dir, exist_ok=True)
    for fn in os.listdir(seq_dir):
        if fn.endswith((".npy", ".csv")):
            os.remove(os.path.join(seq_dir, fn))
    srng = np.random.default_rng(args.seed + 2000)
    names = []
    for idx, cls, T, kind in SAMPLES:
        a = make_signal(CLASSES.index(cls), T, srng).astype(np.float32)
        fn = f"{cls}_{idx:02d}.{kind}"
        if kind == "npy":
            np.save(os.path.join(seq_dir, fn), a)
        else:
            write_csv(os.path.join(seq_dir, fn), a)
        names.append(fn)

    # Expected predictions from the files as read back, with the weights as read back, run
    # by the spec (make_fixtures.SpecModel) and cross-checked against the training module.
    t, meta = safetensors_io.load(model_path)
    spec = json.loads(meta["isthmus.spec"])
    assert spec == SPEC
    spec_model = SpecModel(spec)
    spec_model.load_state_dict({k: torch.from_numpy(v) for k, v in t.items()}, strict=True)
    spec_model.eval()
    expected = {}
    right = 0
    for fn in sorted(names):
        path = os.path.join(seq_dir, fn)
        if fn.endswith(".npy"):
            a = np.load(path)
            assert a.dtype == np.dtype("<f4") and a.ndim == 2 and a.shape[1] == 3
        else:
            a = read_csv(path)
        x = torch.from_numpy(a)[None]
        with torch.no_grad():
            (logits,) = spec_model(signal=x)
            ref = model(x)
        assert logits.shape == (1, len(CLASSES))
        assert torch.equal(logits, ref), (fn, logits, ref)
        logits = logits[0]
        probs = torch.softmax(logits, 0)
        top = int(probs.argmax())
        gap = float(torch.topk(logits, 2).values[0] - torch.topk(logits, 2).values[1])
        right += CLASSES[top] == fn.rsplit("_", 1)[0]
        expected[fn] = {"label": CLASSES[top], "score": float(probs[top]), "logits": [float(v) for v in logits]}
        print(f"{fn:18s} T={a.shape[0]:3d} -> {CLASSES[top]:8s} {float(probs[top]):.4f} (logit gap {gap:.2f})")
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    print(f"wrote {len(names)} sequences; model right on {right}/{len(names)} of them")
    with open(os.path.join(OUT, "train_log.json"), "w") as f:
        json.dump({"held_out_accuracy": acc, "held_out": N_TEST, "held_out_per_class": per_class,
                   "steps": args.steps, "batch": 64, "seed": args.seed,
                   "train_seconds": round(train_seconds), "torch": torch.__version__}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
