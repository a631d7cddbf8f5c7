#!/usr/bin/python3
"""Generate the isthmus/2 golden fixtures in fixtures/graph/<case>/ with python/isthmus_export.

Run from the repository root (Debian's python3-torch, python3-torchvision and python3-numpy):

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tools/make_graph_fixtures.py

Each case is an ordinary PyTorch model — reduced-width torchvision networks built from torchvision's own classes,
and the hand-written models of python/tests/sample_models.py — with EVERY parameter and buffer re-randomised from a
fixed seed (BatchNorm running statistics included, variances positive), exported by isthmus_export.export to ONE
self-contained model.safetensors (the spec in __metadata__["isthmus.spec"]), random inputs, and the outputs.

Golden outputs are computed in float64 from the very float32 weights and inputs that are written (then rounded to
float32); case.json records how far PyTorch's own float32 run is from them ("torch_f32_max_abs_diff") and the
largest output magnitude ("max_abs_output"), with the same layout and keys as fixtures/torch/<case>/case.json.
After writing, every case is read back, its spec run by isthmus_export's reference interpreter on the written
inputs and compared with the goldens.
"""
import copy
import json
import os
import shutil
import sys
import warnings
import zlib

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torchvision  # noqa: E402
from torch import nn  # noqa: E402
from torchvision.models.alexnet import AlexNet  # noqa: E402
from torchvision.models import convnext, efficientnet, mobilenetv2, mobilenetv3, resnet, squeezenet, vgg  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "python"))
sys.path.insert(0, os.path.join(ROOT, "python", "tests"))
sys.path.insert(0, HERE)
import isthmus_export  # noqa: E402
import fixture_case  # noqa: E402
import safetensors_io  # noqa: E402
import sample_models as S  # noqa: E402

torch.set_num_threads(1)
OUT_DIR = os.path.join(ROOT, "fixtures", "graph")
CASE_KEYS = fixture_case.CASE_KEYS


# ---------------------------------------------------------------------------------------------------------------
# reduced torchvision models: torchvision's classes and blocks, narrower
# ---------------------------------------------------------------------------------------------------------------

class NarrowResNet(resnet.ResNet):
    """torchvision's ResNet with stage widths width, 2 width, 4 width, 8 width (times the block's expansion)
    instead of 64 ... 512; the forward and the blocks are torchvision's."""

    def __init__(self, block, layers, width, num_classes):
        self._width = width
        super().__init__(block, layers, num_classes=num_classes)
        # torchvision builds the stem and the head for 64 channels
        self.conv1 = nn.Conv2d(3, width, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.fc = nn.Linear(8 * width * block.expansion, num_classes)

    def _make_layer(self, block, planes, blocks, stride=1, dilate=False):
        if planes == 64:
            self.inplanes = self._width
        return super()._make_layer(block, planes * self._width // 64, blocks, stride, dilate)


def resnet18_small():
    return NarrowResNet(resnet.BasicBlock, [2, 2, 2, 2], width=4, num_classes=10)


def resnet50_small():
    return NarrowResNet(resnet.Bottleneck, [1, 2, 1, 1], width=4, num_classes=10)


def mobilenet_v2_small():
    setting = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 2, 2], [6, 64, 2, 2], [6, 96, 1, 1], [6, 160, 1, 2],
               [6, 320, 1, 1]]
    model = mobilenetv2.MobileNetV2(num_classes=10, width_mult=0.25, inverted_residual_setting=setting)
    # the 1280-channel head conv is independent of width_mult below 1; keep the structure, narrow the width
    head = model.features[-1]
    cin = head[0].in_channels
    model.features[-1] = type(head)(cin, 64, kernel_size=1, norm_layer=nn.BatchNorm2d, activation_layer=nn.ReLU6)
    model.classifier[1] = nn.Linear(64, 10)
    return model


def mobilenet_v3_small_small():
    return torchvision.models.mobilenet_v3_small(width_mult=0.25, reduced_tail=True, num_classes=10)


def efficientnet_b0_small():
    setting, _ = efficientnet._efficientnet_conf("efficientnet_b0", width_mult=0.25, depth_mult=0.5)
    # the first five of its seven stages; the head conv is 4 times the last stage's width, as in b0
    return efficientnet.EfficientNet(setting[:5], dropout=0.2, stochastic_depth_prob=0.2, num_classes=10)


def squeezenet1_1_small():
    model = squeezenet.SqueezeNet(version="1_1", num_classes=10)
    Fire = squeezenet.Fire
    model.features = nn.Sequential(
        nn.Conv2d(3, 16, kernel_size=3, stride=2), nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
        Fire(16, 4, 16, 16), Fire(32, 4, 16, 16),
        nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
        Fire(32, 8, 32, 32), Fire(64, 8, 32, 32),
        nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
        Fire(64, 12, 24, 24), Fire(48, 12, 24, 24), Fire(48, 16, 32, 32), Fire(64, 16, 32, 32))
    model.classifier[1] = nn.Conv2d(64, 10, kernel_size=1)
    return model


def vgg11_bn_small():
    cfg = [8, "M", 16, "M", 32, 32, "M", 32, 32, "M", 32, 32, "M"]     # vgg11's "A", narrower
    model = vgg.VGG(vgg.make_layers(cfg, batch_norm=True), num_classes=10, init_weights=False)
    model.classifier = nn.Sequential(
        nn.Linear(32 * 7 * 7, 32), nn.ReLU(True), nn.Dropout(p=0.5),
        nn.Linear(32, 32), nn.ReLU(True), nn.Dropout(p=0.5),
        nn.Linear(32, 10))
    return model


def alexnet_small():
    model = AlexNet(num_classes=10)
    model.features = nn.Sequential(
        nn.Conv2d(3, 8, kernel_size=11, stride=4, padding=2), nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(8, 16, kernel_size=5, padding=2), nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(16, 24, kernel_size=3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(24, 16, kernel_size=3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(16, 16, kernel_size=3, padding=1), nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=3, stride=2))
    model.classifier = nn.Sequential(
        nn.Dropout(p=0.5), nn.Linear(16 * 6 * 6, 32), nn.ReLU(inplace=True),
        nn.Dropout(p=0.5), nn.Linear(32, 32), nn.ReLU(inplace=True),
        nn.Linear(32, 10))
    return model


def convnext_tiny_small():
    C = convnext.CNBlockConfig
    setting = [C(8, 16, 1), C(16, 32, 1), C(32, 64, 2), C(64, None, 1)]
    return convnext.ConvNeXt(setting, stochastic_depth_prob=0.1, layer_scale=0.5, num_classes=10)


# ---------------------------------------------------------------------------------------------------------------
# cases
# ---------------------------------------------------------------------------------------------------------------

CASES = []


def case(name, build, inputs, description, dynamic=None, labels=None):
    """inputs: name -> shape (float32 N(0, 1)), or name -> ("ids", shape, vocab), or name -> ("mask", shape)."""
    CASES.append(dict(name=name, build=build, inputs=inputs, description=description, dynamic=dynamic,
                      labels=labels))


def define_cases():
    case("resnet18", resnet18_small, {"x": (2, 3, 32, 32)},
         "torchvision ResNet with BasicBlock, layers [2, 2, 2, 2] (resnet18's structure) at widths 4/8/16/32, "
         "10 classes; input 2x3x32x32.")
    case("resnet50", resnet50_small, {"x": (1, 3, 32, 32)},
         "torchvision ResNet with Bottleneck (expansion 4, downsample 1x1 convs), layers [1, 2, 1, 1] at widths "
         "4/8/16/32, 10 classes; input 1x3x32x32.")
    case("mobilenet_v2", mobilenet_v2_small, {"x": (1, 3, 32, 32)},
         "torchvision MobileNetV2(width_mult=0.25) with one block fewer in two stages and a 64-channel head "
         "conv, 10 classes: inverted residuals, ReLU6, depthwise convs, F.adaptive_avg_pool2d, flatten.")
    case("mobilenet_v3_small", mobilenet_v3_small_small, {"x": (2, 3, 32, 32)},
         "torchvision mobilenet_v3_small(width_mult=0.25, reduced_tail=True, num_classes=10): Hardswish, squeeze-excitation with "
         "Hardsigmoid (scale * input), residual adds.", labels=[f"class{i}" for i in range(10)])
    case("efficientnet_b0", efficientnet_b0_small, {"x": (1, 3, 32, 32)},
         "torchvision EfficientNet from efficientnet_b0's config at width_mult 0.25, depth_mult 0.5, its first five "
         "stages (head conv 4 x 32 channels), 10 classes: "
         "MBConv with SiLU, squeeze-excitation with Sigmoid, stochastic_depth (training=False) before the "
         "residual add.")
    case("squeezenet1_1", squeezenet1_1_small, {"x": (1, 3, 64, 64)},
         "torchvision SqueezeNet 1_1 with its Fire modules at a quarter of their width (fewer in the last "
         "stage), 10 classes: cat of the 1x1 and 3x3 expands, ceil-mode max pools, conv classifier, "
         "AdaptiveAvgPool2d, flatten.")
    case("vgg11_bn", vgg11_bn_small, {"x": (1, 3, 32, 32)},
         "torchvision VGG with make_layers(vgg11's 'A' config at widths 8..32, batch_norm=True) and a narrow "
         "classifier (Linear 1568->32->32->10 with ReLU and Dropout); AdaptiveAvgPool2d(7) upsamples the 1x1 map.")
    case("alexnet", alexnet_small, {"x": (1, 3, 64, 64)},
         "torchvision AlexNet with narrow features (conv 11x11 stride 4, 5x5, three 3x3; 3x3 stride-2 max pools) "
         "and classifier (Linear 576->32->32->10); AdaptiveAvgPool2d(6) upsamples the 1x1 map.")
    case("convnext_tiny", convnext_tiny_small, {"x": (1, 3, 32, 32)},
         "torchvision ConvNeXt with block settings 8/16/32/64 (1, 1, 2, 1 blocks), layer_scale 0.5, 10 classes: "
         "CNBlock (7x7 depthwise conv, permute, LayerNorm, Linear, GELU, Linear, permute), layer_scale as "
         "get_attr * block, stochastic_depth, LayerNorm2d traced through to layer_norm with get_attr "
         "weight and bias.")
    case("gru_seed", S.SeedGRU, {"x": (3, 9, 3)},
         "The seed GRU class: GRU(3, 64, num_layers=2, batch_first=True), 'output, hidden = self.gru(x)', "
         "fc(output[:, -1, :]) to 4 classes; input 3x9x3 (batch, time free).", dynamic={"x": [1]})
    case("lstm", S.LSTMClassifier, {"x": (2, 7, 5)},
         "LSTM(5, 12, num_layers=2, batch_first=True, bidirectional=True); 'out, (h, c) = self.lstm(x)'; outputs "
         "fc(out[:, -1, :]) and h.mean(0) + c[-1].sum(-1, keepdim=True).", dynamic={"x": [1]})
    case("lstm_proj_seq1", lambda: S.LSTMClassifier(proj_size=4), {"x": (3, 1, 5)},
         "The same LSTM classifier with proj_size=4 (weight_hr_l*), on sequence length 1.", dynamic={"x": [1]})
    case("rnn_tanh", lambda: S.RNNClassifier("tanh"), {"x": (6, 2, 6)},
         "Time-major RNN(6, 10, num_layers=2, nonlinearity='tanh'); head(h_n[-1]) (Linear, Tanh, Linear) and the "
         "full output sequence.", dynamic={"x": [0, 1]})
    case("rnn_relu_seq1", lambda: S.RNNClassifier("relu"), {"x": (1, 3, 6)},
         "Time-major RNN(6, 10, num_layers=2, nonlinearity='relu') on sequence length 1, batch 3.",
         dynamic={"x": [0, 1]})
    case("speech_conv1d", S.SpeechFrontEnd, {"x": (2, 8, 40)},
         "Conv1d speech front-end over (N, 8 mels, T): Conv1d(stride 2) -> BatchNorm1d -> ReLU -> MaxPool1d -> "
         "depthwise Conv1d(padding 'same') -> BatchNorm1d -> ReLU6 -> Conv1d(dilation 2) -> BatchNorm1d -> "
         "LeakyReLU -> AvgPool1d(count_include_pad=False) -> AdaptiveAvgPool1d(1) -> squeeze -> Dropout -> "
         "Linear -> log_softmax.", dynamic={"x": [2]})
    case("attention", S.AttentionBlock, {"x": (2, 6, 32)},
         "Pre-LN transformer block with hand-written 4-head self-attention: b, t = x.size(0), x.size(1); "
         "qkv chunk(3); view(b, t, 4, -1).permute / reshape.transpose; softmax(q @ k.transpose(-2, -1) * scale) "
         "@ v; view(b * t, -1); GELU MLP; head(x.mean(dim=1)).", dynamic={"x": [1]})
    case("attention_mask", S.AttentionBlock, {"x": (2, 5, 32), "mask": ("mask", (2, 1, 5, 5))},
         "The attention block with an additive mask input (0 or -10000, per batch row and key) added to the "
         "scores before the softmax.", dynamic={"x": [1], "mask": [2, 3]})
    case("inception_cat", S.Inception, {"x": (2, 3, 16, 16)},
         "Two Inception-like blocks: four branches (1x1; 1x1 -> 3x3; 1x1 -> 5x5; maxpool 3x3 stride 1 -> 1x1) "
         "torch.cat on channels, BatchNorm2d, F.relu; then torch.split([16, 8]), a sigmoid gate, cat, "
         "mean((2, 3)), Linear.")
    case("functional_ops", S.FunctionalOps, {"x": (2, 3, 6), "input": (4, 2, 3)},
         "Functional ops on two inputs: size unpacking (b, t, _ = x.shape), view to input.size(0), rsub, rdiv, "
         "pow, neg, clamp, exp/sqrt/rsqrt/log/reciprocal, stack, sum/amax/mean, a size value added to a tensor, "
         "GroupNorm, permute/unsqueeze/squeeze/transpose, getitem on a size tuple, floordiv, activations, "
         "pool1d functions, to/float; dict outputs u, z, w, pooled, same (a copy of an input), t.",
         dynamic={"x": [1]})


# ---------------------------------------------------------------------------------------------------------------
# writing and checking
# ---------------------------------------------------------------------------------------------------------------

def make_inputs(c, gen):
    out = {}
    for name, spec in c["inputs"].items():
        if isinstance(spec, tuple) and spec and spec[0] == "mask":
            shape = spec[1]
            keep = torch.rand(shape[0], 1, 1, shape[3], generator=gen) > 0.3
            keep[..., 0] = True
            out[name] = torch.where(keep, 0.0, -1e4).expand(shape).contiguous()
        elif isinstance(spec, tuple) and spec and spec[0] == "ids":
            _, shape, vocab = spec
            out[name] = torch.randint(0, vocab, shape, generator=gen)
        else:
            out[name] = torch.randn(spec, generator=gen)
    return out


def as_list(outs):
    if isinstance(outs, dict):
        return list(outs.values())
    if isinstance(outs, (tuple, list)):
        return list(outs)
    return [outs]


def run(model, inputs, double, grad):
    m = copy.deepcopy(model)
    m = m.double() if double else m.float()
    m.eval()
    ins = {k: (v.double() if double and v.is_floating_point() else v) for k, v in inputs.items()}
    with torch.set_grad_enabled(grad):
        outs = as_list(m(**ins))
    return [o.detach().float() if double else o.detach() for o in outs]


def write_case(c):
    name = c["name"]
    d = os.path.join(OUT_DIR, name)
    os.makedirs(d)
    seed = zlib.crc32(name.encode()) & 0x7FFFFFFF
    torch.manual_seed(seed)
    model = c["build"]()
    S.randomise(model, seed)
    model.float().eval()
    inputs = make_inputs(c, torch.Generator().manual_seed(seed + 1))

    result = isthmus_export.export(model, inputs, os.path.join(d, "model.safetensors"),
                                   dynamic=c["dynamic"], labels=c["labels"])
    ref = run(model, inputs, double=True, grad=True)
    f32_fast = run(model, inputs, double=False, grad=False)
    f32_slow = run(model, inputs, double=False, grad=True)
    diff = max(float((a - b).abs().max()) for outs in (f32_fast, f32_slow) for a, b in zip(ref, outs))
    for o in ref:
        assert torch.isfinite(o).all(), name

    fixture_case.write(d, inputs, ref, c["description"], diff)
    return result, diff


def verify_case(name):
    """Read everything back (numpy and isthmus_export's own readers) and run the spec on the written inputs."""
    d = os.path.join(OUT_DIR, name)
    with open(os.path.join(d, "case.json")) as f:
        cj = json.load(f)
    assert list(cj) == CASE_KEYS, name
    path = os.path.join(d, cj["model"])
    safetensors_io.check_layout(path)
    arrays, meta = safetensors_io.load(path)
    spec, tensors = isthmus_export.load(path)
    assert json.loads(meta["isthmus.spec"]) == spec and set(arrays) == set(tensors)
    assert spec["format"] == "isthmus/2"
    inputs = {}
    for i in spec["inputs"]:
        a = np.load(os.path.join(d, cj["inputs"][i["name"]]))
        assert a.dtype == {"F32": np.float32, "I64": np.int64, "I32": np.int32}[i["dtype"]], (name, a.dtype)
        assert a.ndim == len(i["shape"]) and all(t in (-1, s) for s, t in zip(a.shape, i["shape"])), name
        inputs[i["name"]] = torch.from_numpy(a)
    outs = isthmus_export.interpret(spec, inputs, tensors)
    assert len(outs) == len(cj["outputs"]) == len(spec["outputs"]), name
    worst = 0.0
    for o, fn, shape in zip(outs, cj["outputs"], cj["output_shapes"]):
        g = np.load(os.path.join(d, fn))
        assert g.dtype == np.dtype("<f4") and list(g.shape) == shape == list(o.shape), name
        worst = max(worst, float(np.abs(g - o.numpy()).max()))
    assert worst < 1e-4, (name, worst)
    return worst


def main():
    warnings.filterwarnings("ignore", category=UserWarning, module=r"torchvision")
    define_cases()
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names))
    if os.path.isdir(OUT_DIR):
        for entry in os.listdir(OUT_DIR):
            p = os.path.join(OUT_DIR, entry)
            if os.path.isdir(p):
                shutil.rmtree(p)
    os.makedirs(OUT_DIR, exist_ok=True)
    print(f"{'case':20s} {'nodes':>5s} {'tensors':>7s} {'bytes':>9s} {'f32 diff':>9s} {'interp diff':>11s}")
    total = 0
    for c in CASES:
        result, diff = write_case(c)
        worst = verify_case(c["name"])
        d = os.path.join(OUT_DIR, c["name"])
        size = sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))
        total += size
        assert size < 1_000_000, (c["name"], size)
        print(f"{c['name']:20s} {len(result.spec['nodes']):5d} {len(result.tensors):7d} {size:9d} {diff:9.2g} "
              f"{worst:11.2g}")
    print(f"{len(CASES)} cases ok; {total / 1e6:.2f} MB in {os.path.relpath(OUT_DIR, ROOT)}")


if __name__ == "__main__":
    main()
