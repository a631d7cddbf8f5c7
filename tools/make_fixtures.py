#!/usr/bin/python3
"""Generate the PyTorch golden fixtures in fixtures/torch/<case>/.

Run from the repository root (needs Debian's python3-torch and python3-numpy):

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tools/make_fixtures.py

Every case is described by an "isthmus/1" spec. The script builds the torch
modules straight from the spec nodes (op = torch.nn class name, other keys =
its constructor arguments), registers each under its node "name" so that the
state-dict names are exactly PyTorch's, re-randomises every parameter and
buffer with a fixed seed, and runs the spec's data flow (node inputs/outputs)
on random inputs in eval mode.

Golden outputs are computed in float64 from the very float32 weights and
inputs that are written (then rounded to float32), so they are closer to the
exact answer than a float32 PyTorch run; each case.json also records how far
PyTorch's own float32 run is from them ("torch_f32_max_abs_diff"), a useful
lower bound for a test tolerance.

Per case the directory holds: the model (either model.safetensors with the spec
in __metadata__["isthmus.spec"], or a directory model/ with model.json +
model.safetensors), in_<name>.npy per model input, out_<i>.npy per model output
and case.json. After writing, everything is read back and re-checked.
"""
import json
import os
import shutil
import sys
import zlib

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402

torch.set_num_threads(1)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "fixtures", "torch")

FLOW_KEYS = ("op", "name", "input", "inputs", "output", "outputs")
NP_DTYPES = {"F32": np.dtype("<f4"), "I64": np.dtype("<i8"), "I32": np.dtype("<i4")}


# --------------------------------------------------------------------------
# spec -> torch modules
# --------------------------------------------------------------------------

def _args(d, drop=FLOW_KEYS):
    out = {}
    for k, v in d.items():
        if k in drop:
            continue
        out[k] = tuple(v) if isinstance(v, list) else v
    return out


def build_module(node):
    op = node["op"]
    if op == "TransformerEncoder":
        kw = _args(node, FLOW_KEYS + ("encoder_layer", "norm"))
        layer = nn.TransformerEncoderLayer(**_args(node["encoder_layer"], ()))
        norm = nn.LayerNorm(**_args(node["norm"], ())) if node.get("norm") else None
        return nn.TransformerEncoder(layer, norm=norm, **kw)
    cls = getattr(nn, op)
    return cls(**_args(node))


class SpecModel(nn.Module):
    """Runs an isthmus/1 spec with real torch modules."""

    def __init__(self, spec):
        super().__init__()
        self.spec = spec
        self.mods = []
        for i, node in enumerate(spec["nodes"]):
            m = build_module(node)
            if "name" in node:
                assert "." not in node["name"]
                self.add_module(node["name"], m)
            else:
                has_state = any(True for _ in m.parameters()) or any(True for _ in m.buffers())
                assert not has_state, f"node {i} ({node['op']}) has weights but no name"
                self.add_module(f"_anon{i}", m)
            self.mods.append(m)

    def forward(self, **inputs):
        vals = dict(inputs)
        prev = inputs[self.spec["inputs"][0]["name"]]
        for node, m in zip(self.spec["nodes"], self.mods):
            if "inputs" in node:
                args = [vals[n] for n in node["inputs"]]
            elif "input" in node:
                args = [vals[node["input"]]]
            else:
                args = [prev]
            if node["op"] == "Embedding" and args[0].dtype == torch.int32:
                args[0] = args[0].long()
            res = m(*args)
            results = list(res) if isinstance(res, tuple) else [res]
            if "outputs" in node:
                names = node["outputs"]
            elif "output" in node:
                names = [node["output"]]
            else:
                names = []
            for n, r in zip(names, results):
                vals[n] = r
            prev = results[0]
        if "outputs" in self.spec:
            return [vals[n] for n in self.spec["outputs"]]
        return [prev]


# --------------------------------------------------------------------------
# re-randomisation
# --------------------------------------------------------------------------

def _u(shape, lo, hi):
    return torch.rand(shape) * (hi - lo) + lo


@torch.no_grad()
def randomise(model):
    for mod in model.modules():
        for pname, p in list(mod.named_parameters(recurse=False)) + list(mod.named_buffers(recurse=False)):
            if p is None:
                continue
            if isinstance(mod, (nn.LayerNorm, nn.BatchNorm2d)):
                if pname == "weight":
                    p.copy_(_u(p.shape, 0.5, 1.5))
                elif pname == "bias":
                    p.copy_(_u(p.shape, -0.5, 0.5))
                elif pname == "running_mean":
                    p.copy_(_u(p.shape, -0.5, 0.5))
                elif pname == "running_var":
                    p.copy_(_u(p.shape, 0.5, 2.0))
                elif pname == "num_batches_tracked":
                    p.fill_(7)
                else:
                    raise ValueError(pname)
            elif isinstance(mod, nn.Embedding):
                p.copy_(_u(p.shape, -1.0, 1.0))
                if mod.padding_idx is not None:
                    p[mod.padding_idx].zero_()  # as PyTorch's own init
            elif p.dim() >= 2:
                fan_in = p.shape[1] * int(np.prod(p.shape[2:])) if p.dim() > 2 else p.shape[1]
                a = (3.0 / fan_in) ** 0.5 * 1.2
                p.copy_(_u(p.shape, -a, a))
            elif p.dim() == 1:
                p.copy_(_u(p.shape, -0.5, 0.5))
            else:
                raise ValueError(f"unexpected scalar {pname} in {type(mod).__name__}")


# --------------------------------------------------------------------------
# cases
# --------------------------------------------------------------------------

CASES = []


def case(name, spec, inputs, description, form="file", model_ref=None, share_from=None):
    """inputs: {input name: concrete shape} or {name: ("ids", shape, vocab)}."""
    CASES.append(dict(name=name, spec=spec, inputs=inputs, description=description,
                      form=form, model_ref=model_ref, share_from=share_from))


def spec_of(inputs, nodes, outputs=None, labels=None):
    s = {"format": "isthmus/1", "inputs": inputs}
    if labels is not None:
        s["labels"] = labels
    s["nodes"] = nodes
    if outputs is not None:
        s["outputs"] = outputs
    return s


def fin(name="x", shape=(-1, 3, -1, -1), dtype="F32"):
    return {"name": name, "shape": list(shape), "dtype": dtype}


def single(name, node, shape, description, spec_shape=None, form="file"):
    if spec_shape is None:
        spec_shape = [-1] + list(shape[1:])
    case(name, spec_of([fin("x", spec_shape)], [node]), {"x": shape}, description, form=form)


DIGITS = [str(i) for i in range(10)]
SEED_CNN_NODES = [
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
]


def define_cases():
    # ---- 1, 2: seed CNN ---------------------------------------------------
    seed_spec = spec_of([fin("x", [-1, 1, 28, 28])], SEED_CNN_NODES, labels=DIGITS)
    case("cnn_seed", seed_spec, {"x": (3, 1, 28, 28)},
         "Seed CNN (conv1/conv2/fc1/fc2, 28x28 grayscale -> 10 logits), batch 3.")
    case("cnn_seed_b1", seed_spec, {"x": (1, 1, 28, 28)},
         "Seed CNN, batch 1; shares the weights of ../cnn_seed.",
         model_ref="../cnn_seed/model.safetensors", share_from="cnn_seed")

    # ---- 3: conv variants -------------------------------------------------
    C = "Conv2d"
    single("conv_stride2", {"op": C, "name": "conv", "in_channels": 3, "out_channels": 5, "kernel_size": 3,
                            "stride": 2, "padding": 1},
           (3, 3, 13, 11), "Conv2d k3 stride 2 pad 1 on odd 13x11, batch 3.")
    single("conv_dilation2", {"op": C, "name": "conv", "in_channels": 3, "out_channels": 4, "kernel_size": 3,
                              "dilation": 2},
           (2, 3, 13, 11), "Conv2d k3 dilation 2, no padding, 13x11.")
    single("conv_groups2", {"op": C, "name": "conv", "in_channels": 4, "out_channels": 6, "kernel_size": 3,
                            "padding": 1, "groups": 2},
           (3, 4, 13, 11), "Conv2d groups=2 (4 -> 6 channels).", form="dir")
    single("conv_depthwise", {"op": C, "name": "conv", "in_channels": 6, "out_channels": 6, "kernel_size": 3,
                              "padding": 1, "groups": 6},
           (1, 6, 13, 11), "Depthwise Conv2d (groups = channels = 6), batch 1.")
    single("conv_depthwise_mult2", {"op": C, "name": "conv", "in_channels": 4, "out_channels": 8,
                                    "kernel_size": 3, "stride": 2, "groups": 4},
           (2, 4, 13, 11), "Depthwise Conv2d with channel multiplier 2 (groups 4, 4 -> 8), stride 2.")
    single("conv_same_even", {"op": C, "name": "conv", "in_channels": 3, "out_channels": 4, "kernel_size": 4,
                              "padding": "same"},
           (2, 3, 13, 11), "Conv2d padding='same' with even kernel 4 (asymmetric padding: 1 before, 2 after).")
    single("conv_same_dilation", {"op": C, "name": "conv", "in_channels": 3, "out_channels": 4,
                                  "kernel_size": [4, 3], "dilation": [3, 2], "padding": "same"},
           (2, 3, 13, 11), "Conv2d padding='same', kernel (4,3), dilation (3,2) (total pad 9 -> 4/5 rows, 4 -> 2/2 cols).")
    single("conv_same_dilation_odd", {"op": C, "name": "conv", "in_channels": 3, "out_channels": 4,
                                      "kernel_size": 3, "dilation": 2, "padding": "same", "bias": False},
           (1, 3, 13, 11), "Conv2d padding='same', k3 dilation 2, bias=False, batch 1.")
    single("conv_valid", {"op": C, "name": "conv", "in_channels": 3, "out_channels": 4, "kernel_size": 3,
                          "padding": "valid"},
           (3, 3, 13, 11), "Conv2d padding='valid'.", form="dir")
    single("conv_pairs", {"op": C, "name": "conv", "in_channels": 3, "out_channels": 5, "kernel_size": [3, 5],
                          "stride": [2, 1], "padding": [1, 2], "dilation": [1, 2]},
           (3, 3, 13, 11), "Conv2d with pair arguments: kernel (3,5), stride (2,1), padding (1,2), dilation (1,2).")
    single("conv_nobias", {"op": C, "name": "conv", "in_channels": 3, "out_channels": 4, "kernel_size": 3,
                           "padding": 1, "bias": False},
           (3, 3, 13, 11), "Conv2d bias=False (no .bias tensor in the weights).")
    single("conv_1x1_b1", {"op": C, "name": "conv", "in_channels": 5, "out_channels": 3, "kernel_size": 1},
           (1, 5, 7, 9), "Pointwise 1x1 Conv2d, batch 1.")

    # ---- pooling ----------------------------------------------------------
    M = "MaxPool2d"
    single("maxpool_pad", {"op": M, "kernel_size": 3, "stride": 2, "padding": 1},
           (3, 3, 13, 11), "MaxPool2d k3 stride 2 padding 1 (padding is -inf, input has negatives).")
    single("maxpool_stride1", {"op": M, "kernel_size": 2, "stride": 1},
           (2, 3, 13, 11), "MaxPool2d k2 stride 1 (stride != kernel).")
    single("maxpool_dilation", {"op": M, "kernel_size": 3, "stride": 1, "dilation": 2},
           (2, 3, 13, 11), "MaxPool2d k3 stride 1 dilation 2.")
    single("maxpool_ceil", {"op": M, "kernel_size": 2, "ceil_mode": True},
           (2, 3, 13, 11), "MaxPool2d k2 ceil_mode=True on odd 13x11 -> 7x6.")
    single("maxpool_ceil_pad", {"op": M, "kernel_size": 3, "stride": 3, "padding": 1, "ceil_mode": True},
           (2, 3, 13, 11), "MaxPool2d k3 s3 pad1 ceil_mode: width 11 hits the 'last window must start inside input+left pad' rule (5x4).")
    single("maxpool_pairs", {"op": M, "kernel_size": [2, 3], "stride": [1, 2], "padding": [1, 1]},
           (2, 3, 13, 11), "MaxPool2d kernel (2,3), stride (1,2), padding (1,1).")
    A = "AvgPool2d"
    single("avgpool_pad_incl", {"op": A, "kernel_size": 3, "stride": 2, "padding": 1},
           (3, 3, 13, 11), "AvgPool2d k3 s2 pad1 count_include_pad=True (default).")
    single("avgpool_pad_excl", {"op": A, "kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False},
           (3, 3, 13, 11), "AvgPool2d k3 s2 pad1 count_include_pad=False.")
    single("avgpool_ceil", {"op": A, "kernel_size": 3, "stride": 2, "ceil_mode": True},
           (2, 3, 12, 10), "AvgPool2d k3 s2 ceil_mode on 12x10: last windows overhang the input and divide by the clipped size.")
    single("avgpool_ceil_pad", {"op": A, "kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True,
                                "count_include_pad": True},
           (2, 3, 12, 10), "AvgPool2d k3 s2 pad1 ceil_mode count_include_pad=True (divisor counts padding but not overhang).",
           form="dir")
    single("avgpool_divisor", {"op": A, "kernel_size": [3, 2], "stride": [2, 2], "padding": [1, 1],
                               "divisor_override": 5},
           (2, 3, 13, 11), "AvgPool2d kernel (3,2) pad (1,1) divisor_override=5.")
    single("avgpool_default_stride", {"op": A, "kernel_size": 2},
           (1, 3, 13, 11), "AvgPool2d k2 (stride defaults to kernel), floor mode on odd size, batch 1.")
    AA = "AdaptiveAvgPool2d"
    single("adaptive_avgpool_3x2", {"op": AA, "output_size": [3, 2]},
           (2, 4, 7, 5), "AdaptiveAvgPool2d 7x5 -> (3,2) (non-dividing, overlapping windows).")
    single("adaptive_avgpool_1", {"op": AA, "output_size": 1},
           (3, 4, 7, 5), "AdaptiveAvgPool2d -> 1 (global average).")
    single("adaptive_avgpool_int4", {"op": AA, "output_size": 4},
           (2, 4, 7, 5), "AdaptiveAvgPool2d output_size=4 (int) on 7x5.")
    single("adaptive_avgpool_up", {"op": AA, "output_size": [9, 6]},
           (1, 2, 7, 5), "AdaptiveAvgPool2d to a larger size 7x5 -> (9,6).")

    # ---- batch norm -------------------------------------------------------
    case("batchnorm_conv",
         spec_of([fin("x", [-1, 3, -1, -1])], [
             {"op": "Conv2d", "name": "conv", "in_channels": 3, "out_channels": 8, "kernel_size": 3, "padding": 1,
              "bias": False},
             {"op": "BatchNorm2d", "name": "bn", "num_features": 8},
             {"op": "ReLU"},
         ]),
         {"x": (3, 3, 9, 9)}, "Conv2d(bias=False) -> BatchNorm2d (random running stats, affine, eval) -> ReLU.")
    case("batchnorm_variants",
         spec_of([fin("x", [-1, 4, -1, -1])], [
             {"op": "BatchNorm2d", "name": "bn_noaffine", "num_features": 4, "eps": 1e-3, "affine": False,
              "output": "a"},
             {"op": "BatchNorm2d", "name": "bn_mom", "num_features": 4, "momentum": 0.3, "eps": 0.01,
              "input": "x", "output": "b"},
         ], outputs=["a", "b"]),
         {"x": (2, 4, 5, 6)}, "BatchNorm2d affine=False eps=1e-3, and BatchNorm2d momentum=0.3 eps=0.01, both on x (two outputs).")
    single("batchnorm_batch_stats", {"op": "BatchNorm2d", "name": "bn", "num_features": 3,
                                     "track_running_stats": False},
           (4, 3, 5, 6), "BatchNorm2d track_running_stats=False: even in eval mode PyTorch normalises with the batch's own statistics (biased var).")

    # ---- activations etc. -------------------------------------------------
    acts = [
        ("relu", {"op": "ReLU"}),
        ("silu", {"op": "SiLU"}),
        ("sigmoid", {"op": "Sigmoid"}),
        ("tanh", {"op": "Tanh"}),
        ("gelu", {"op": "GELU"}),
        ("gelu_none", {"op": "GELU", "approximate": "none"}),
        ("gelu_tanh", {"op": "GELU", "approximate": "tanh"}),
        ("softmax1", {"op": "Softmax", "dim": 1}),
        ("softmax_last", {"op": "Softmax", "dim": -1}),
        ("dropout", {"op": "Dropout", "p": 0.3}),
    ]
    nodes = [dict(n, input="x", output=o) for o, n in acts]
    case("activations",
         spec_of([fin("x", [-1, 4, 5, 6])], nodes, outputs=[o for o, _ in acts]),
         {"x": (2, 4, 5, 6)},
         "Element-wise ops, each applied to x (N(0,3^2)) as its own output: " + ", ".join(o for o, _ in acts) + ".",
         form="dir")
    case("activations_chain",
         spec_of([fin("x", [-1, 6])], [
             {"op": "Linear", "name": "fc", "in_features": 6, "out_features": 8},
             {"op": "SiLU"}, {"op": "Dropout"}, {"op": "GELU", "approximate": "tanh"}, {"op": "Tanh"},
             {"op": "Sigmoid"}, {"op": "Softmax", "dim": 1},
         ]),
         {"x": (5, 6)}, "Linear -> SiLU -> Dropout -> GELU(tanh) -> Tanh -> Sigmoid -> Softmax(dim=1) on rank 2.")
    case("layernorm",
         spec_of([fin("x", [-1, 3, 5, 7])], [
             {"op": "LayerNorm", "name": "ln_int", "normalized_shape": 7, "output": "a"},
             {"op": "LayerNorm", "name": "ln_list", "normalized_shape": [5, 7], "eps": 1e-3, "input": "x",
              "output": "b"},
             {"op": "LayerNorm", "normalized_shape": [3, 5, 7], "elementwise_affine": False, "input": "x",
              "output": "c"},
         ], outputs=["a", "b", "c"]),
         {"x": (2, 3, 5, 7)},
         "LayerNorm over the last dim (int 7), last two dims ([5,7], eps 1e-3) and last three without affine; x = 2*N(0,1)+1.")
    case("flatten_linear",
         spec_of([fin("x", [-1, 3, 4, 5])], [
             {"op": "Flatten", "start_dim": 1, "end_dim": 2},
             {"op": "Linear", "name": "fc3", "in_features": 5, "out_features": 4, "output": "r3"},
             {"op": "Flatten", "start_dim": 0, "end_dim": -2, "output": "r2"},
             {"op": "Linear", "name": "fc4", "in_features": 5, "out_features": 6, "bias": False, "input": "x",
              "output": "r4"},
             {"op": "Flatten", "start_dim": -3, "input": "r4", "output": "f"},
         ], outputs=["r3", "r2", "r4", "f"]),
         {"x": (2, 3, 4, 5)},
         "Flatten(1,2) -> Linear on rank 3; Flatten(0,-2); Linear(bias=False) on rank 4; Flatten(start_dim=-3).")
    case("cnn_mixed",
         spec_of([fin("x", [-1, 3, -1, -1])], [
             {"op": "Conv2d", "name": "stem", "in_channels": 3, "out_channels": 8, "kernel_size": 3, "stride": 2,
              "padding": 1, "bias": False},
             {"op": "BatchNorm2d", "name": "stem_bn", "num_features": 8},
             {"op": "SiLU"},
             {"op": "MaxPool2d", "kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
             {"op": "Conv2d", "name": "dw", "in_channels": 8, "out_channels": 8, "kernel_size": 3,
              "padding": "same", "groups": 8},
             {"op": "GELU"},
             {"op": "Conv2d", "name": "pw", "in_channels": 8, "out_channels": 12, "kernel_size": 1},
             {"op": "ReLU", "output": "features"},
             {"op": "AdaptiveAvgPool2d", "output_size": 1},
             {"op": "Flatten"},
             {"op": "Dropout", "p": 0.2},
             {"op": "Linear", "name": "head", "in_features": 12, "out_features": 5},
             {"op": "Softmax", "dim": 1, "output": "probs"},
         ], outputs=["probs", "features"], labels=["a", "b", "c", "d", "e"]),
         {"x": (2, 3, 23, 19)},
         "Small mobile-style CNN: strided conv, BN, SiLU, ceil-mode maxpool, depthwise 'same' conv, GELU, 1x1 conv, "
         "global pool, Linear, Softmax; outputs probs and the intermediate feature map.")

    # ---- 4: seed GRU ------------------------------------------------------
    case("gru_seed",
         spec_of([fin("x", [-1, -1, 100])], [
             {"op": "GRU", "name": "gru", "input_size": 100, "hidden_size": 256, "num_layers": 2,
              "batch_first": True, "outputs": ["gru_out", "h_n"]},
             {"op": "Linear", "name": "fc", "in_features": 256, "out_features": 10, "input": "gru_out",
              "output": "logits"},
         ], outputs=["logits", "h_n"]),
         {"x": (3, 7, 100)},
         "Seed GRU(100,256,2 layers,batch_first) -> per-step Linear(256,10); outputs logits [3,7,10] and h_n [2,3,256].")

    # ---- 5: GRU variants --------------------------------------------------
    def gru_case(name, gkw, shape, desc, form="file", spec_shape=None):
        node = dict({"op": "GRU", "name": "gru"}, **gkw)
        node["outputs"] = ["y", "h_n"]
        if spec_shape is None:
            spec_shape = [-1, -1, shape[2]]
        case(name, spec_of([fin("x", spec_shape)], [node], outputs=["y", "h_n"]), {"x": shape}, desc, form=form)

    gru_case("gru_bidir", {"input_size": 13, "hidden_size": 17, "num_layers": 2, "batch_first": True,
                           "bidirectional": True},
             (3, 5, 13), "Bidirectional 2-layer GRU(13,17), batch_first; outputs y [3,5,34] and h_n [4,3,17].",
             form="dir")
    gru_case("gru_time_major", {"input_size": 13, "hidden_size": 17, "num_layers": 2, "dropout": 0.25},
             (6, 2, 13), "Time-major GRU(13,17,2 layers, dropout 0.25 ignored in eval), input [T=6,B=2,13].")
    gru_case("gru_bidir_time_major", {"input_size": 5, "hidden_size": 7, "bidirectional": True},
             (4, 3, 5), "Single-layer bidirectional time-major GRU(5,7).")
    gru_case("gru_seq1", {"input_size": 13, "hidden_size": 17, "num_layers": 2, "batch_first": True},
             (3, 1, 13), "GRU with sequence length 1.")
    gru_case("gru_b1", {"input_size": 13, "hidden_size": 17, "batch_first": True},
             (1, 9, 13), "GRU with batch 1, T=9.")
    gru_case("gru_nobias", {"input_size": 13, "hidden_size": 17, "num_layers": 2, "bias": False,
                            "batch_first": True},
             (2, 5, 13), "GRU bias=False (no bias_ih/bias_hh tensors).")
    case("gru_h0",
         spec_of([fin("x", [-1, -1, 6]), fin("h0", [2, -1, 9])], [
             {"op": "GRU", "name": "gru", "input_size": 6, "hidden_size": 9, "num_layers": 2, "batch_first": True,
              "inputs": ["x", "h0"], "outputs": ["y", "h_n"]},
         ], outputs=["y", "h_n"]),
         {"x": (2, 4, 6), "h0": (2, 2, 9)},
         "GRU given an initial hidden state as a second model input (node 'inputs': [x, h0]).")

    # ---- 6: BERT-style encoder -------------------------------------------
    bert_layer = {"d_model": 64, "nhead": 4, "dim_feedforward": 96, "activation": "gelu", "batch_first": True}
    case("transformer_bert",
         spec_of([fin("x", [-1, -1, 64])], [
             {"op": "TransformerEncoder", "name": "encoder", "num_layers": 2, "encoder_layer": bert_layer},
         ]),
         {"x": (3, 9, 64)},
         "BERT-style post-LN TransformerEncoder: 2 x TransformerEncoderLayer(d_model 64, nhead 4, ff 96, exact GELU, batch_first).")

    # ---- 7: transformer variants -----------------------------------------
    def enc(name, layer, num_layers, shape, desc, norm=None, form="file", spec_shape=None):
        node = {"op": "TransformerEncoder", "name": "encoder", "num_layers": num_layers, "encoder_layer": layer}
        if norm is not None:
            node["norm"] = norm
        if spec_shape is None:
            spec_shape = [-1, -1, shape[2]]
        case(name, spec_of([fin("x", spec_shape)], [node]), {"x": shape}, desc, form=form)

    enc("transformer_odd_heads", {"d_model": 45, "nhead": 5, "dim_feedforward": 50, "batch_first": True},
        2, (2, 6, 45), "TransformerEncoder d_model 45, nhead 5 (head dim 9), ff 50, relu, post-LN, 2 layers.")
    enc("transformer_heads3", {"d_model": 45, "nhead": 3, "dim_feedforward": 32, "dropout": 0.0,
                               "activation": "gelu", "layer_norm_eps": 1e-6, "batch_first": True},
        1, (2, 5, 45), "TransformerEncoder 1 layer, d_model 45, nhead 3 (head dim 15), gelu, layer_norm_eps 1e-6.")
    enc("transformer_norm_first", {"d_model": 32, "nhead": 4, "dim_feedforward": 48, "activation": "gelu",
                                   "batch_first": True, "norm_first": True},
        2, (2, 7, 32), "Pre-LN (norm_first=True) TransformerEncoder with a final norm (LayerNorm(32)).",
        norm={"normalized_shape": 32}, form="dir")
    enc("transformer_final_norm", {"d_model": 32, "nhead": 2, "dim_feedforward": 40, "batch_first": True},
        2, (2, 5, 32), "Post-LN relu TransformerEncoder with a final norm (LayerNorm(32, eps 1e-4)).",
        norm={"normalized_shape": 32, "eps": 1e-4})
    enc("transformer_seq_major", {"d_model": 32, "nhead": 4, "dim_feedforward": 40},
        2, (6, 3, 32), "TransformerEncoder with batch_first=False (default): input [T=6, B=3, 32].")
    enc("transformer_seq1", {"d_model": 32, "nhead": 4, "dim_feedforward": 40, "batch_first": True,
                             "activation": "gelu"},
        2, (3, 1, 32), "TransformerEncoder on sequence length 1.")
    enc("transformer_b1", {"d_model": 32, "nhead": 4, "dim_feedforward": 40, "batch_first": True,
                           "norm_first": True},
        2, (1, 8, 32), "Pre-LN TransformerEncoder, batch 1, T=8.")
    case("transformer_layer",
         spec_of([fin("x", [-1, -1, 24])], [
             {"op": "TransformerEncoderLayer", "name": "layer", "d_model": 24, "nhead": 3, "dim_feedforward": 30,
              "activation": "gelu", "batch_first": True},
         ]),
         {"x": (2, 5, 24)}, "A standalone TransformerEncoderLayer node (d_model 24, nhead 3, gelu, post-LN).")
    case("transformer_layer_seq_major",
         spec_of([fin("x", [-1, -1, 24])], [
             {"op": "TransformerEncoderLayer", "name": "layer", "d_model": 24, "nhead": 2, "dim_feedforward": 16,
              "norm_first": True},
         ]),
         {"x": (5, 2, 24)}, "A standalone pre-LN relu TransformerEncoderLayer, batch_first=False, input [5,2,24].")
    for idt, tag in (("I64", "i64"), ("I32", "i32")):
        case(f"embedding_transformer_{tag}",
             spec_of([fin("ids", [-1, -1], idt)], [
                 {"op": "Embedding", "name": "embed", "num_embeddings": 50, "embedding_dim": 32,
                  **({"padding_idx": 0} if tag == "i32" else {})},
                 {"op": "TransformerEncoder", "name": "encoder", "num_layers": 2,
                  "encoder_layer": {"d_model": 32, "nhead": 4, "dim_feedforward": 64, "activation": "gelu",
                                    "batch_first": True}},
                 {"op": "Linear", "name": "head", "in_features": 32, "out_features": 6},
             ]),
             {"ids": ("ids", (2, 11), 50)},
             f"Embedding(50,32{', padding_idx 0' if tag == 'i32' else ''}) on {idt} token ids [2,11] "
             "-> 2-layer TransformerEncoder -> per-token Linear(32,6).",
             form="dir" if tag == "i32" else "file")
    case("embedding_only",
         spec_of([fin("ids", [-1], "I64")], [
             {"op": "Embedding", "name": "embed", "num_embeddings": 10, "embedding_dim": 4},
         ]),
         {"ids": ("ids", (7,), 10)}, "Embedding(10,4) on a rank-1 int64 id vector.")


# --------------------------------------------------------------------------
# writing and checking
# --------------------------------------------------------------------------

def make_inputs(c, gen):
    out = {}
    spec_inputs = {i["name"]: i for i in c["spec"]["inputs"]}
    for name, sh in c["inputs"].items():
        dt = spec_inputs[name]["dtype"]
        if isinstance(sh, tuple) and sh and sh[0] == "ids":
            _, shape, vocab = sh
            a = torch.randint(0, vocab, shape, generator=gen).numpy()
            a.flat[0] = 0
            a.flat[-1] = vocab - 1
            out[name] = a.astype(NP_DTYPES[dt])
        else:
            x = torch.randn(sh, generator=gen)
            if c["name"] == "activations":
                x = x * 3.0
            elif c["name"] == "layernorm":
                x = x * 2.0 + 1.0
            out[name] = x.numpy().astype(NP_DTYPES[dt])
    return out


def run(model, inputs_np, double, grad):
    tens = {}
    for k, v in inputs_np.items():
        t = torch.from_numpy(v.copy())
        if t.is_floating_point():
            t = t.double() if double else t.float()
        tens[k] = t
    m = model.double() if double else model.float()
    with torch.set_grad_enabled(grad):
        outs = m(**tens)
    return [o.detach().numpy() for o in outs]


def write_case(c, models):
    name = c["name"]
    d = os.path.join(OUT_DIR, name)
    os.makedirs(d)
    seed = zlib.crc32(name.encode()) & 0x7FFFFFFF
    torch.manual_seed(seed)
    spec = c["spec"]
    if c["share_from"]:
        model = models[c["share_from"]]
    else:
        model = SpecModel(spec)
        randomise(model)
        model.float()
        model.eval()
        # The weights written are F32; make sure the model holds exactly them.
    models[name] = model
    gen = torch.Generator().manual_seed(seed + 1)
    inputs = make_inputs(c, gen)

    ref = [o.astype(np.float32) for o in run(model, inputs, double=True, grad=True)]
    f32_fast = run(model, inputs, double=False, grad=False)
    f32_slow = run(model, inputs, double=False, grad=True)
    model.float()
    diff_fast = max(float(np.abs(a - b).max()) for a, b in zip(ref, f32_fast))
    diff_slow = max(float(np.abs(a - b).max()) for a, b in zip(ref, f32_slow))
    fast_vs_slow = max(float(np.abs(a - b).max()) for a, b in zip(f32_fast, f32_slow))
    for o in ref:
        assert np.all(np.isfinite(o))

    sd = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    for k, v in sd.items():
        assert v.dtype in (torch.float32, torch.int64), (k, v.dtype)

    if c["model_ref"]:
        model_field = c["model_ref"]
    elif c["form"] == "dir":
        md = os.path.join(d, "model")
        os.makedirs(md)
        with open(os.path.join(md, "model.json"), "w") as f:
            json.dump(spec, f, indent=1)
            f.write("\n")
        safetensors_io.save(os.path.join(md, "model.safetensors"), sd)
        model_field = "model"
    else:
        safetensors_io.save(os.path.join(d, "model.safetensors"), sd,
                            metadata={"isthmus.spec": json.dumps(spec, separators=(",", ":"))})
        model_field = "model.safetensors"

    in_files = {}
    for k, v in inputs.items():
        fn = f"in_{k}.npy"
        np.save(os.path.join(d, fn), v)
        in_files[k] = fn
    out_files = []
    for i, o in enumerate(ref):
        fn = f"out_{i}.npy"
        np.save(os.path.join(d, fn), np.ascontiguousarray(o, dtype="<f4"))
        out_files.append(fn)
    cj = {
        "model": model_field,
        "inputs": in_files,
        "outputs": out_files,
        "description": c["description"],
        "output_shapes": [list(o.shape) for o in ref],
        "torch_f32_max_abs_diff": float(f"{max(diff_fast, diff_slow):.3g}"),
        "max_abs_output": float(f"{max(float(np.abs(o).max()) for o in ref):.4g}"),
    }
    with open(os.path.join(d, "case.json"), "w") as f:
        json.dump(cj, f, indent=1)
        f.write("\n")
    return diff_fast, diff_slow, fast_vs_slow


def verify_case(name):
    """Read everything back with our own reader and re-run torch on it."""
    d = os.path.join(OUT_DIR, name)
    with open(os.path.join(d, "case.json")) as f:
        cj = json.load(f)
    mpath = os.path.normpath(os.path.join(d, cj["model"]))
    if os.path.isdir(mpath):
        st = os.path.join(mpath, "model.safetensors")
        with open(os.path.join(mpath, "model.json")) as f:
            spec = json.load(f)
        tensors, meta = safetensors_io.load(st)
        assert "isthmus.spec" not in meta
    else:
        st = mpath
        tensors, meta = safetensors_io.load(st)
        spec = json.loads(meta["isthmus.spec"])
    safetensors_io.check_layout(st)
    assert spec["format"] == "isthmus/1"
    model = SpecModel(spec)
    expected = set(model.state_dict().keys())
    assert set(tensors) == expected, (name, set(tensors) ^ expected)
    for k, v in tensors.items():
        assert v.dtype == (np.int64 if k.endswith("num_batches_tracked") else np.float32), (k, v.dtype)
        # exact shapes (load_state_dict would silently accept [1] for a 0-d scalar)
        assert tuple(v.shape) == tuple(model.state_dict()[k].shape), (name, k, v.shape)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in tensors.items()}, strict=True)
    model.eval()
    inputs = {}
    for i in spec["inputs"]:
        a = np.load(os.path.join(d, cj["inputs"][i["name"]]))
        assert a.dtype == NP_DTYPES[i["dtype"]], (name, a.dtype)
        assert a.ndim == len(i["shape"])
        for s, t in zip(a.shape, i["shape"]):
            assert t == -1 or s == t
        inputs[i["name"]] = a
    outs = run(model, inputs, double=False, grad=False)
    assert len(outs) == len(cj["outputs"])
    worst = 0.0
    for o, fn in zip(outs, cj["outputs"]):
        g = np.load(os.path.join(d, fn))
        assert g.dtype == np.dtype("<f4") and g.flags.c_contiguous
        assert g.shape == o.shape, (name, g.shape, o.shape)
        worst = max(worst, float(np.abs(g - o).max()))
    assert worst < 1e-4, (name, worst)
    return worst


# Hand-written PyTorch models: cross-check that the spec-built modules carry the
# same state-dict names and compute the same thing as ordinary torch code.

class SeedCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.fc1 = nn.Linear(3136, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
        return self.fc2(torch.relu(self.fc1(x.flatten(1))))


class SeedGRU(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(100, 256, num_layers=2, batch_first=True)
        self.fc = nn.Linear(256, 10)

    def forward(self, x):
        y, h = self.gru(x)
        return self.fc(y), h


class Bert(nn.Module):
    def __init__(self):
        super().__init__()
        layer = nn.TransformerEncoderLayer(64, 4, 96, activation="gelu", batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, 2)

    def forward(self, x):
        return self.encoder(x)


def cross_check():
    for name, cls in (("cnn_seed", SeedCNN), ("gru_seed", SeedGRU), ("transformer_bert", Bert)):
        d = os.path.join(OUT_DIR, name)
        tensors, _ = safetensors_io.load(os.path.join(d, "model.safetensors"))
        m = cls()
        m.load_state_dict({k: torch.from_numpy(v) for k, v in tensors.items()}, strict=True)
        m.eval()
        x = torch.from_numpy(np.load(os.path.join(d, "in_x.npy")))
        with torch.no_grad():
            outs = m(x)
        outs = outs if isinstance(outs, tuple) else (outs,)
        for i, o in enumerate(outs):
            g = np.load(os.path.join(d, f"out_{i}.npy"))
            err = float(np.abs(o.numpy() - g).max())
            assert err < 1e-4, (name, i, err)
        print(f"  cross-check {name} vs hand-written torch model: ok")


def main():
    define_cases()
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names))
    if os.path.isdir(OUT_DIR):
        for entry in os.listdir(OUT_DIR):
            p = os.path.join(OUT_DIR, entry)
            if os.path.isdir(p):
                shutil.rmtree(p)
    os.makedirs(OUT_DIR, exist_ok=True)
    models = {}
    print(f"{'case':32s} {'f64 vs f32 fast':>16s} {'f64 vs f32 slow':>16s} {'fast vs slow':>13s}")
    for c in CASES:
        a, b, f = write_case(c, models)
        print(f"{c['name']:32s} {a:16.3g} {b:16.3g} {f:13.3g}")
    print("verifying (reading everything back)...")
    for n in names:
        verify_case(n)
    cross_check()
    total = 0
    for dp, _, fns in os.walk(OUT_DIR):
        for fn in fns:
            total += os.path.getsize(os.path.join(dp, fn))
    print(f"{len(names)} cases ok; {total / 1e6:.2f} MB in {OUT_DIR}")


if __name__ == "__main__":
    main()
