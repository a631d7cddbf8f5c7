#!/usr/bin/python3
"""Export the peer-benchmark models from ONE seed, for every engine: isthmus, ONNX Runtime, PyTorch.

    /usr/bin/python3 tools/export_models.py [--out bench/models] [--seed 20250607] [--only cnn,gru,encoder]

Needs Debian's python3-torch, python3-numpy and python3-onnx (run with /usr/bin/python3). Builds

    cnn      the seed CNN: conv 1->32 3x3 pad 1, ReLU, maxpool 2; conv 32->64 likewise; flatten; fc 3136->128, ReLU;
             fc 128->10. Input x [B, 1, 28, 28].
    gru      the seed GRU: GRU(100, 256, num_layers=2, batch_first=True) + Linear(256->10) on every step.
             Input x [B, 50, 100]; outputs logits [B, 50, 10] and h_n [2, B, 256].
    encoder  a DistilBERT-size encoder: nn.TransformerEncoder of 6 x TransformerEncoderLayer(768, 12 heads, 3072,
             exact GELU, batch_first, post-LN). Input x [B, 128, 768].
    resnet50, mobilenet_v2, efficientnet_b0, resnet18
             torchvision's classifiers at full size (random weights, BatchNorm statistics randomised), exported
             with python/isthmus_export. Input x [B, 3, 224, 224].

from their isthmus/1 specs (the torch modules are built from the spec by tools/make_fixtures.py's SpecModel, so the
state-dict names are exactly PyTorch's), re-randomises every parameter (make_fixtures.randomise: nn.TransformerEncoder
deep-copies its layer, so without this every layer would be identical with zero attention biases), and writes per
model into OUT/<name>/:

    model.safetensors     the weights, with the spec in __metadata__["isthmus.spec"]
    model.onnx            torch.onnx.export, opset 14, dynamic batch axis (the GRU as a native ONNX GRU op)
    in_x_b<B>.npy         a sample input per benchmarked batch size B (float32, N(0, 1))
    out_<name>_b<B>.npy   the expected outputs, computed by PyTorch in float64 from the very float32 weights and
                          inputs written (then rounded to float32)

and OUT/manifest.json describing all of it (input/output names, batch sizes, FLOPs per run, how far PyTorch's own
float32 run is from the float64 answer; for the torchvision models the builder's name and the bytes a run moves, see
memory_traffic). Every engine is checked against these outputs (max |diff| <= 1e-4 x max(1, max |expected|)) by the
benchmarks before it is timed. The files are generated on demand and never committed (OUT is git-ignored).
"""
import argparse
import json
import os
import shutil
import sys
import time
import warnings
import zlib

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_fixtures  # noqa: E402  (SpecModel, randomise: the spec conventions of the golden fixtures)
import safetensors_io  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(HERE), "python"))

torch.set_num_threads(1)
# torch.onnx's advice about GRU batch sizes and prim::Constant shape inference does not apply here: the exported GRU
# builds its zero initial state from the input's shape, and the benchmarks check ORT's outputs at every batch size.
warnings.filterwarnings("ignore", category=UserWarning, module=r"torch\.onnx")

ROOT = os.path.dirname(HERE)
DEFAULT_OUT = os.path.join(ROOT, "bench", "models")
DEFAULT_SEED = 20250607
OPSET = 14
MANIFEST_VERSION = 1


def spec_of(inputs, nodes, outputs=None, labels=None):
    return make_fixtures.spec_of(inputs, nodes, outputs=outputs, labels=labels)


def fin(name, shape):
    return {"name": name, "shape": list(shape), "dtype": "F32"}


# ---------------------------------------------------------------------------- models

def cnn_flops(b):
    conv1 = 2 * 28 * 28 * 32 * 1 * 9
    conv2 = 2 * 14 * 14 * 64 * 32 * 9
    fc = 2 * 3136 * 128 + 2 * 128 * 10
    return b * (conv1 + conv2 + fc)


def gru_flops(b, seq=50, hidden=256, inp=100, layers=2, classes=10):
    per_step = 0
    for layer in range(layers):
        i = inp if layer == 0 else hidden
        per_step += 2 * 3 * hidden * (i + hidden)  # X W_ih^T + h W_hh^T (gate math not counted)
    per_step += 2 * hidden * classes
    return b * seq * per_step


def encoder_flops(b, seq=128, d=768, ff=3072, layers=6):
    proj = 2 * seq * d * (3 * d) + 2 * seq * d * d  # QKV and output projections
    attn = 2 * (2 * seq * seq * d)                  # Q K^T and P V over all heads
    ffn = 2 * 2 * seq * d * ff
    return b * layers * (proj + attn + ffn)


def conv_linear_flops(model, shape):
    """2 x the multiply-adds of every Conv2d and Linear for one forward pass on an input of this shape."""
    total = [0]

    def hook(mod, inp, out):
        if isinstance(mod, torch.nn.Conv2d):
            total[0] += 2 * out.numel() * (mod.in_channels // mod.groups) * mod.kernel_size[0] * mod.kernel_size[1]
        elif isinstance(mod, torch.nn.Linear):
            total[0] += 2 * out.numel() * mod.in_features

    hs = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    with torch.no_grad():
        model(torch.zeros(shape))
    for h in hs:
        h.remove()
    return total[0]


def memory_traffic(model, shape):
    """Bytes one forward pass on an input of this shape must move at the least, in an engine that fuses what ONNX
    Runtime and isthmus fuse, counted layer by layer with hooks (float32, 4 bytes a value):

        Conv2d, Linear           read the input and the weights (and bias), write the output: BatchNorm and the
                                 activation that follow are folded into the layer
        residual add             one more read of the skip tensor (folded into the last convolution's output)
        MaxPool2d, avg pools     read the input, write the output
        squeeze-and-excitation   the pool's read above, plus the scale multiply's read and write of the tensor

    Flatten, Dropout and StochasticDepth move nothing in eval mode. Returns {"total", "weights", "activations",
    "largest_layer"} in bytes, largest_layer being the most one Conv2d or Linear reads and writes (its working set)."""
    import torchvision.models.efficientnet as tv_efficientnet
    import torchvision.models.mobilenetv2 as tv_mobilenetv2
    import torchvision.models.resnet as tv_resnet
    import torchvision.ops.misc as tv_misc
    acts, weights, largest = [0], [0], [0]

    def layer(mod, inp, out):
        w = sum(p.numel() for p in mod.parameters(recurse=False))
        a = inp[0].numel() + out.numel()
        acts[0] += 4 * a
        weights[0] += 4 * w
        largest[0] = max(largest[0], 4 * (a + w))

    def pool(mod, inp, out):
        acts[0] += 4 * (inp[0].numel() + out.numel())

    def residual(mod, inp, out):
        if isinstance(mod, (tv_resnet.BasicBlock, tv_resnet.Bottleneck)) or getattr(mod, "use_res_connect", False):
            acts[0] += 4 * out.numel()

    def squeeze_excitation(mod, inp, out):
        acts[0] += 4 * (inp[0].numel() + out.numel())

    hooks = []
    for m in model.modules():
        if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)):
            hooks.append(m.register_forward_hook(layer))
        elif isinstance(m, (torch.nn.MaxPool2d, torch.nn.AdaptiveAvgPool2d, torch.nn.AvgPool2d)):
            hooks.append(m.register_forward_hook(pool))
        elif isinstance(m, (tv_resnet.BasicBlock, tv_resnet.Bottleneck, tv_mobilenetv2.InvertedResidual,
                            tv_efficientnet.MBConv)):
            hooks.append(m.register_forward_hook(residual))
        elif isinstance(m, tv_misc.SqueezeExcitation):
            hooks.append(m.register_forward_hook(squeeze_excitation))
    with torch.no_grad():
        model(torch.zeros(shape))
    for h in hooks:
        h.remove()
    return {"total": acts[0] + weights[0], "weights": weights[0], "activations": acts[0], "largest_layer": largest[0]}


def torchvision_model(factory):
    def build():
        import torchvision
        return getattr(torchvision.models, factory)()
    return build


def vision(title, factory, batches):
    return dict(
        title=title,
        torchvision=torchvision_model(factory),
        factory=factory,
        input_shape=lambda b: (b, 3, 224, 224),
        batches=batches,
        outputs=["output"],
        dynamic={"x": {0: "batch"}, "output": {0: "batch"}},
    )


MODELS = {
    "cnn": dict(
        title="seed CNN",
        spec=spec_of([fin("x", [-1, 1, 28, 28])], make_fixtures.SEED_CNN_NODES, labels=make_fixtures.DIGITS),
        input_shape=lambda b: (b, 1, 28, 28),
        batches=[1, 32],
        outputs=["output"],
        dynamic={"x": {0: "batch"}, "output": {0: "batch"}},
        flops=cnn_flops,
    ),
    "gru": dict(
        title="seed GRU (2x256, seq 50)",
        spec=spec_of([fin("x", [-1, -1, 100])], [
            {"op": "GRU", "name": "gru", "input_size": 100, "hidden_size": 256, "num_layers": 2,
             "batch_first": True, "outputs": ["gru_out", "h_n"]},
            {"op": "Linear", "name": "fc", "in_features": 256, "out_features": 10, "input": "gru_out",
             "output": "logits"},
        ], outputs=["logits", "h_n"]),
        input_shape=lambda b: (b, 50, 100),
        batches=[1, 32],
        outputs=["logits", "h_n"],
        dynamic={"x": {0: "batch"}, "logits": {0: "batch"}, "h_n": {1: "batch"}},
        flops=gru_flops,
    ),
    "encoder": dict(
        title="DistilBERT-size encoder (6x768, 12 heads, 3072, seq 128)",
        spec=spec_of([fin("x", [-1, -1, 768])], [
            {"op": "TransformerEncoder", "name": "encoder", "num_layers": 6,
             "encoder_layer": {"d_model": 768, "nhead": 12, "dim_feedforward": 3072, "activation": "gelu",
                               "batch_first": True}},
        ]),
        input_shape=lambda b: (b, 128, 768),
        batches=[1],
        outputs=["output"],
        dynamic={"x": {0: "batch"}, "output": {0: "batch"}},
        flops=encoder_flops,
    ),
    "resnet50": vision("ResNet-50 (torchvision)", "resnet50", [1]),
    "mobilenet_v2": vision("MobileNetV2 (torchvision)", "mobilenet_v2", [1]),
    "efficientnet_b0": vision("EfficientNet-B0 (torchvision)", "efficientnet_b0", [1]),
    "resnet18": vision("ResNet-18 (torchvision)", "resnet18", [8]),
}


class Exported(torch.nn.Module):
    """A plain forward(x) around the spec-built model, for torch.onnx.export."""

    def __init__(self, spec_model, input_name):
        super().__init__()
        self.m = spec_model
        self.input_name = input_name

    def forward(self, x):
        outs = self.m(**{self.input_name: x})
        return outs[0] if len(outs) == 1 else tuple(outs)


def run_torch(model, x, double):
    m = model.double() if double else model.float()
    t = torch.from_numpy(x.copy())
    t = t.double() if double else t.float()
    with torch.no_grad():
        outs = m(x=t)
    model.float()
    if isinstance(outs, torch.Tensor):
        outs = [outs]
    return [o.detach().numpy() for o in outs]


class Named(torch.nn.Module):
    """forward(x=...) around a torchvision classifier, so that it runs like the spec-built models."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model(x)


def build_torchvision(cfg, st_path):
    """The classifier with every parameter and BatchNorm statistic re-randomised, exported with isthmus_export."""
    import isthmus_export
    model = cfg["torchvision"]()
    with torch.no_grad():
        make_fixtures.randomise(model)
    for m in model.modules():  # well-conditioned activations through 50 layers: unit-ish gains, positive variances
        if isinstance(m, (torch.nn.BatchNorm2d,)):
            with torch.no_grad():
                m.weight.uniform_(0.5, 1.0)
                m.bias.uniform_(-0.1, 0.1)
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
        elif isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)):
            fan_in = m.weight[0].numel()
            with torch.no_grad():
                m.weight.normal_(0, (2.0 / fan_in) ** 0.5)
                if m.bias is not None:
                    m.bias.uniform_(-0.1, 0.1)
    model.float().eval()
    isthmus_export.export(DictOutput(model), {"x": torch.zeros(cfg["input_shape"](1))}, st_path)
    return model


class DictOutput(torch.nn.Module):
    """The classifier with its result named "output", as the other models' and the ONNX file's."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return {"output": self.model(x)}


def export_one(name, cfg, out_dir, seed):
    d = os.path.join(out_dir, name)
    if os.path.isdir(d):
        shutil.rmtree(d)
    os.makedirs(d)
    model_seed = (seed * 1_000_003 + zlib.crc32(name.encode())) & 0x7FFFFFFF
    torch.manual_seed(model_seed)
    st_path = os.path.join(d, "model.safetensors")
    if "torchvision" in cfg:
        net = build_torchvision(cfg, st_path)
        model = Named(net).eval()
        sd = net.state_dict()
        input_name = "x"
        wrapper = model
        cfg = dict(cfg, flops=lambda b, net=net, shape=cfg["input_shape"]: conv_linear_flops(net, shape(b)),
                   traffic=lambda b, net=net, shape=cfg["input_shape"]: memory_traffic(net, shape(b)))
    else:
        spec = cfg["spec"]
        model = make_fixtures.SpecModel(spec)
        make_fixtures.randomise(model)
        model.float()
        model.eval()
        sd = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
        safetensors_io.save(st_path, sd, metadata={"isthmus.spec": json.dumps(spec, separators=(",", ":"))})
        safetensors_io.check_layout(st_path)
        input_name = spec["inputs"][0]["name"]
        wrapper = Exported(model, input_name).eval()

    # ---- ONNX
    example = torch.randn(cfg["input_shape"](1 if "torchvision" in cfg else 2))
    onnx_path = os.path.join(d, "model.onnx")
    torch.onnx.export(wrapper, (example,), onnx_path, opset_version=OPSET, input_names=[input_name],
                      output_names=cfg["outputs"], dynamic_axes=cfg["dynamic"], do_constant_folding=True)
    import onnx
    om = onnx.load(onnx_path)
    onnx.checker.check_model(om)
    ops = sorted({n.op_type for n in om.graph.node})
    if name == "gru":
        assert "GRU" in ops, f"the GRU was not exported as an ONNX GRU op: {ops}"

    # ---- sample inputs and expected outputs
    gen = torch.Generator().manual_seed(model_seed + 1)
    cases = {}
    for b in cfg["batches"]:
        x = torch.randn(cfg["input_shape"](b), generator=gen).numpy().astype("<f4")
        in_file = f"in_{input_name}_b{b}.npy"
        np.save(os.path.join(d, in_file), x)
        ref = run_torch(model, x, double=True)
        f32 = run_torch(model, x, double=False)
        assert len(ref) == len(cfg["outputs"])
        out_files = {}
        for oname, o in zip(cfg["outputs"], ref):
            assert np.all(np.isfinite(o)), (name, oname)
            fn = f"out_{oname}_b{b}.npy"
            np.save(os.path.join(d, fn), np.ascontiguousarray(o, dtype="<f4"))
            out_files[oname] = fn
        diff = max(float(np.abs(a.astype(np.float64) - r).max()) for a, r in zip(f32, ref))
        cases[str(b)] = {
            "input": in_file,
            "input_shape": list(x.shape),
            "outputs": out_files,
            "output_shapes": [list(o.shape) for o in ref],
            "max_abs_output": float(f"{max(float(np.abs(o).max()) for o in ref):.4g}"),
            "torch_f32_max_abs_diff": float(f"{diff:.3g}"),
            "flops": cfg["flops"](b),
        }
        if "traffic" in cfg:
            cases[str(b)]["bytes_moved"] = cfg["traffic"](b)
    entry = {
        "title": cfg["title"],
        "dir": name,
        "seed": model_seed,
        "safetensors": "model.safetensors",
        "onnx": "model.onnx",
        "onnx_opset": OPSET,
        "onnx_ops": ops,
        "input": input_name,
        "outputs": cfg["outputs"],
        "batches": cfg["batches"],
        "params": int(sum(v.numel() for k, v in sd.items() if v.is_floating_point())),
        "cases": cases,
    }
    if "factory" in cfg:  # tools/torch_latency.py rebuilds it and loads the weights from model.safetensors
        entry["torchvision"] = cfg["factory"]
    return entry


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=DEFAULT_OUT, help="output directory (default: bench/models)")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED, help="the one seed all models derive from")
    ap.add_argument("--only", default=",".join(MODELS), help="comma-separated subset of " + ",".join(MODELS))
    args = ap.parse_args()
    names = [n for n in args.only.split(",") if n]
    for n in names:
        if n not in MODELS:
            ap.error(f"unknown model {n!r}; known: {', '.join(MODELS)}")
    os.makedirs(args.out, exist_ok=True)
    manifest_path = os.path.join(args.out, "manifest.json")
    manifest = None
    if os.path.isfile(manifest_path):
        with open(manifest_path) as f:
            manifest = json.load(f)
        if manifest.get("seed") != args.seed or manifest.get("version") != MANIFEST_VERSION:
            manifest = None
    if manifest is None:
        manifest = {"version": MANIFEST_VERSION, "seed": args.seed, "models": {}}
    manifest.update({"generator": "tools/export_models.py", "torch": torch.__version__, "numpy": np.__version__})
    for n in names:
        t0 = time.time()
        manifest["models"][n] = export_one(n, MODELS[n], args.out, args.seed)
        m = manifest["models"][n]
        diffs = ", ".join(f"b{b}: {c['torch_f32_max_abs_diff']:.2g}" for b, c in m["cases"].items())
        print(f"{n:8s} {m['params'] / 1e6:7.2f} M params  ONNX ops {m['onnx_ops']}  "
              f"torch f32 vs f64 max |diff| {diffs}  ({time.time() - t0:.1f} s)", flush=True)
    manifest["models"] = {k: manifest["models"][k] for k in MODELS if k in manifest["models"]}
    with open(manifest_path, "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    print(f"wrote {manifest_path}")


if __name__ == "__main__":
    main()
