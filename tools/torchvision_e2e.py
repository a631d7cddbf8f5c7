#!/usr/bin/python3
"""Export full-size torchvision classifiers with isthmus_export and record PyTorch's outputs, for the end-to-end test.

    OMP_NUM_THREADS=1 /usr/bin/python3 tools/torchvision_e2e.py --out DIR [--models resnet18,resnet50,...] [--size 224]

For each model: torchvision's builder with random weights, every parameter and BatchNorm statistic re-randomised
(so a bug in folding or indexing cannot hide behind identity statistics), exported with isthmus_export.export to
DIR/<model>/model.safetensors, a random input in_x.npy and PyTorch's output out_0.npy computed in float64 from the
very float32 weights and input, plus case.json in the layout of fixtures/graph (GraphFixturesTest and the CLI test
read it). Needs Debian's python3-torch and python3-torchvision; the models are large (vgg11_bn is 530 MB), so the
files go to a temporary directory, never into git.
"""
import argparse
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "python"))
import isthmus_export  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixture_case  # noqa: E402

MODELS = ["resnet18", "resnet50", "mobilenet_v2", "mobilenet_v3_small", "efficientnet_b0", "squeezenet1_1",
          "vgg11_bn", "alexnet"]


def randomise(model, gen):
    """Every parameter and buffer random, scaled so that activations stay O(1) through the whole network."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (torch.nn.BatchNorm2d, torch.nn.BatchNorm1d)):
                m.weight.uniform_(0.5, 1.0, generator=gen)
                m.bias.uniform_(-0.2, 0.2, generator=gen)
                m.running_mean.uniform_(-0.2, 0.2, generator=gen)
                m.running_var.uniform_(0.5, 1.5, generator=gen)
            elif isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)):
                fan_in = m.weight[0].numel()
                m.weight.normal_(0, (2.0 / fan_in) ** 0.5, generator=gen)
                if m.bias is not None:
                    m.bias.uniform_(-0.1, 0.1, generator=gen)


def one(name, out_dir, size, seed):
    import torchvision
    gen = torch.Generator().manual_seed(seed)
    model = getattr(torchvision.models, name)()
    randomise(model, gen)
    model.float().eval()
    d = os.path.join(out_dir, name)
    os.makedirs(d, exist_ok=True)
    x = torch.randn(1, 3, size, size, generator=gen)
    isthmus_export.export(model, {"x": x}, os.path.join(d, "model.safetensors"))
    with torch.no_grad():
        ref = model.double()(x.double()).numpy()
        f32 = model.float()(x).numpy()
    diff = float(np.abs(f32.astype(np.float64) - ref).max())
    fixture_case.write(d, {"x": x}, [torch.from_numpy(ref)], f"torchvision {name}, full size, random weights and BatchNorm "
                       f"statistics, input 1x3x{size}x{size}", diff)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--seed", type=int, default=20261206)
    args = ap.parse_args()
    torch.set_num_threads(1)
    for i, name in enumerate(n for n in args.models.split(",") if n):
        if name not in MODELS:
            ap.error(f"unknown model {name!r}; known: {', '.join(MODELS)}")
        t0 = time.time()
        one(name, args.out, args.size, args.seed + i)
        print(f"{name}: exported and run in {time.time() - t0:.1f} s", flush=True)


if __name__ == "__main__":
    main()
