#!/usr/bin/python3
"""Generate fixtures/image_rgb/: "a model trained by someone else", declared with an RGB image input and labels.

Run from the repository root (Debian's python3-torch and python3-numpy):

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tools/make_image_fixture.py

The model is a small RGB CNN, saved the way a user would export their own
PyTorch model: its state_dict (including BatchNorm's running stats and
num_batches_tracked) as model.safetensors with {"format": "pt"} metadata, and
a hand-written spec model.json beside it:

    pixels [N,3,20,24] -> Conv2d(3,8,3,pad 1) -> BatchNorm2d(8) -> ReLU -> MaxPool2d(2)
                       -> Conv2d(8,16,3,stride 2) -> ReLU -> AdaptiveAvgPool2d(1)
                       -> Flatten -> Linear(16,5) -> logits

The input is declared as an image: RGB, scale 1/255, ImageNet mean/std, so a
tensor element is (pixel x scale - mean[c]) / std[c] in float32, NCHW.

It is trained here for a few seconds on a synthetic task with 5 labels,
"red", "green", "blue" (a mostly plain image of that dominant colour, with a
gradient, noise and a faint blob), "stripes" (bands 1.5-4 px wide of two random
colours, horizontal, vertical or diagonal) and "dots" (6-16 small discs of one
random colour on a plain background of another). Held-out accuracy is
measured on 2,000 fresh images.

Writes fixtures/image_rgb/:
    model/model.json, model/model.safetensors
    images/<label>_<nn>.png        12 RGB PNGs (colour type 2), 24x20 (W x H)
    images/gray_<label>_<nn>.png   2 grayscale PNGs (colour type 0), 24x20
    expected.json                  PyTorch's predictions from the PNGs as decoded
                                   back from disk ({"<file>": {"label", "score", "logits"}});
                                   a grayscale file is made RGB by repeating its channel
    README.md is written by hand.
The PNG rows use filter y % 5 (all five PNG filters appear in every file).
"""
import json
import math
import os
import shutil
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import png_rgb  # noqa: E402
import safetensors_io  # noqa: E402
from make_fixtures import SpecModel  # noqa: E402

torch.set_num_threads(1)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fixtures", "image_rgb")
H, W = 20, 24
LABELS = ["red", "green", "blue", "stripes", "dots"]
SCALE = 0.00392156862745098
MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]

SPEC = {
    "format": "isthmus/1",
    "inputs": [{"name": "pixels", "shape": [-1, 3, H, W], "dtype": "F32",
                "image": {"color": "rgb", "scale": SCALE, "mean": MEAN, "std": STD}}],
    "labels": LABELS,
    "nodes": [
        {"op": "Conv2d", "name": "conv1", "in_channels": 3, "out_channels": 8, "kernel_size": 3, "padding": 1},
        {"op": "BatchNorm2d", "name": "bn1", "num_features": 8},
        {"op": "ReLU"},
        {"op": "MaxPool2d", "kernel_size": 2},
        {"op": "Conv2d", "name": "conv2", "in_channels": 8, "out_channels": 16, "kernel_size": 3, "stride": 2},
        {"op": "ReLU"},
        {"op": "AdaptiveAvgPool2d", "output_size": 1},
        {"op": "Flatten"},
        {"op": "Linear", "name": "fc", "in_features": 16, "out_features": len(LABELS)},
    ],
}

# file name -> (label used to draw it, grayscale?)
SAMPLES = [
    ("red_01", "red", False), ("red_02", "red", False),
    ("green_03", "green", False), ("green_04", "green", False),
    ("blue_05", "blue", False), ("blue_06", "blue", False),
    ("stripes_07", "stripes", False), ("stripes_08", "stripes", False), ("stripes_09", "stripes", False),
    ("dots_10", "dots", False), ("dots_11", "dots", False), ("dots_12", "dots", False),
    ("gray_stripes_13", "stripes", True), ("gray_dots_14", "dots", True),
]


# --------------------------------------------------------------------------
# synthetic images
# --------------------------------------------------------------------------

def draw(label, rng, gray=False):
    """One (H, W, 3) uint8 image of `label` (gray: all channels equal)."""
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float64)

    def colour():
        if gray:
            return np.full(3, rng.uniform(0, 255))
        return rng.uniform(0, 255, size=3)

    if label in ("red", "green", "blue"):
        c = LABELS.index(label)
        base = rng.uniform(0, 100, size=3)
        base[c] = rng.uniform(150, 255)
        gx, gy = rng.uniform(-2.5, 2.5, size=2)
        img = base + (gx * (xx - W / 2) + gy * (yy - H / 2))[..., None]
        cy, cx, r = rng.uniform(0, H), rng.uniform(0, W), rng.uniform(3, 7)
        blob = np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * r * r))[..., None]
        img = img + blob * rng.uniform(-40, 40, size=3)
        img = img + rng.normal(0, rng.uniform(3, 12), size=img.shape)
    elif label == "stripes":
        c1, c2 = colour(), colour()
        while np.abs(c1 - c2).max() < 90:
            c2 = colour()
        width = rng.uniform(1.5, 4.0)
        angle = rng.choice([0.0, 90.0, 45.0, 135.0]) + rng.uniform(-8, 8)
        t = xx * math.cos(math.radians(angle)) + yy * math.sin(math.radians(angle)) + rng.uniform(0, 8)
        band = (np.floor(t / width) % 2)[..., None]
        img = c1 * band + c2 * (1 - band)
        img = img + rng.normal(0, rng.uniform(2, 8), size=(H, W, 1 if gray else 3))
    elif label == "dots":
        bg, fg = colour(), colour()
        while np.abs(bg - fg).max() < 90:
            fg = colour()
        img = np.broadcast_to(bg, (H, W, 3)).copy()
        for _ in range(int(rng.integers(6, 17))):
            cy, cx, r = rng.uniform(0, H), rng.uniform(0, W), rng.uniform(0.8, 2.0)
            inside = ((yy - cy) ** 2 + (xx - cx) ** 2) <= r * r
            img[inside] = fg
        img = img + rng.normal(0, rng.uniform(2, 8), size=(H, W, 1 if gray else 3))
    else:
        raise ValueError(label)
    img = np.clip(np.rint(img), 0, 255).astype(np.uint8)
    if gray:
        img = np.repeat(img[..., :1], 3, axis=2)
    return img


def to_tensor(u8):
    """uint8 [N,H,W,3] -> float32 [N,3,H,W] exactly as the spec: (pixel * scale - mean[c]) / std[c]."""
    x = torch.from_numpy(np.ascontiguousarray(u8)).permute(0, 3, 1, 2).float()
    x = x * torch.tensor(SCALE, dtype=torch.float32)
    mean = torch.tensor(MEAN, dtype=torch.float32)[None, :, None, None]
    std = torch.tensor(STD, dtype=torch.float32)[None, :, None, None]
    return ((x - mean) / std).contiguous()


def dataset(rng, n):
    ys = rng.integers(0, len(LABELS), size=n)
    # 1 in 10 texture images is gray, so a gray picture of stripes or dots is in distribution
    xs = np.stack([draw(LABELS[y], rng, gray=(y >= 3 and rng.random() < 0.1)) for y in ys])
    return xs, ys.astype(np.int64)


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 16, 3, stride=2)
        self.fc = nn.Linear(16, len(LABELS))

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.adaptive_avg_pool2d(F.relu(self.conv2(x)), 1)
        return self.fc(torch.flatten(x, 1))


def main():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    model = SmallCNN()
    steps = 2000
    opt = torch.optim.Adam(model.parameters(), lr=5e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
    t0 = time.time()
    for step in range(1, steps + 1):
        model.train()
        xs, ys = dataset(rng, 64)
        loss = F.cross_entropy(model(to_tensor(xs)), torch.from_numpy(ys))
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 200 == 0:
            print(f"step {step}/{steps}: loss {float(loss):.4f}, {time.time() - t0:.0f}s", flush=True)
    train_seconds = time.time() - t0
    model.eval()
    xs, ys = dataset(np.random.default_rng(1000), 2000)
    with torch.no_grad():
        pred = model(to_tensor(xs)).argmax(1).numpy()
    acc = float((pred == ys).mean())
    print(f"held-out accuracy on {len(ys)} images: {acc:.4f}; trained {train_seconds:.0f}s")

    if os.path.isdir(OUT):
        for sub in ("model", "images"):
            shutil.rmtree(os.path.join(OUT, sub), ignore_errors=True)
    os.makedirs(os.path.join(OUT, "model"), exist_ok=True)
    os.makedirs(os.path.join(OUT, "images"), exist_ok=True)
    sd = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    assert sd["bn1.num_batches_tracked"].dtype == torch.int64 and sd["bn1.num_batches_tracked"].dim() == 0
    st_path = os.path.join(OUT, "model", "model.safetensors")
    safetensors_io.save(st_path, sd, metadata={"format": "pt"})
    safetensors_io.check_layout(st_path)
    with open(os.path.join(OUT, "model", "model.json"), "w") as f:
        json.dump(SPEC, f, indent=2)
        f.write("\n")

    srng = np.random.default_rng(2000)
    for name, label, gray in SAMPLES:
        img = draw(label, srng, gray=gray)
        png_rgb.write(os.path.join(OUT, "images", name + ".png"), img[..., 0] if gray else img, filters="cycle")

    # Expected predictions: weights read back, the spec run by make_fixtures.SpecModel,
    # pixels as decoded back from the PNG files.
    t, meta = safetensors_io.load(st_path)
    assert meta == {"format": "pt"}
    with open(os.path.join(OUT, "model", "model.json")) as f:
        spec = json.load(f)
    assert spec == SPEC
    m2 = SpecModel(spec)
    m2.load_state_dict({k: torch.from_numpy(v) for k, v in t.items()}, strict=True)
    m2.eval()
    try:
        from PIL import Image  # independent decoder, when python3-pil is installed
    except ImportError:
        Image = None
    expected = {}
    right = 0
    for name, label, gray in sorted(SAMPLES):
        fn = name + ".png"
        px, ctype = png_rgb.read(os.path.join(OUT, "images", fn))
        assert ctype == (0 if gray else 2)
        if Image is not None:
            with Image.open(os.path.join(OUT, "images", fn)) as im:
                assert im.mode == ("L" if gray else "RGB") and im.size == (W, H)
                assert np.array_equal(np.asarray(im), px)
        rgb = np.repeat(px[..., None], 3, axis=2) if ctype == 0 else px
        assert rgb.shape == (H, W, 3)
        x = to_tensor(rgb[None])
        with torch.no_grad():
            (logits,) = m2(pixels=x)
            ref = model(x)
        assert torch.allclose(logits, ref, atol=1e-6, rtol=0), (fn, logits, ref)
        logits = logits[0]
        probs = torch.softmax(logits, 0)
        top = int(probs.argmax())
        v = torch.topk(logits, 2).values
        right += LABELS[top] == label
        expected[fn] = {"label": LABELS[top], "score": float(probs[top]), "logits": [float(z) for z in logits]}
        print(f"{fn:22s} -> {LABELS[top]:8s} {float(probs[top]):.4f} (logit gap {float(v[0] - v[1]):.2f})")
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    print(f"wrote {len(SAMPLES)} PNGs; model right on {right}/{len(SAMPLES)}")
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(OUT) for f in fs)
    print(f"fixtures/image_rgb: {total} bytes")


if __name__ == "__main__":
    main()
