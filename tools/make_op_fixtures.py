#!/usr/bin/python3
"""Generate the per-op golden fixtures in fixtures/ops/<case>/: every functional op of the isthmus/2 spec and the
modules Conv1d, BatchNorm1d, pools, LSTM, RNN, GroupNorm and the activations, on awkward shapes, against PyTorch.

Run from the repository root (Debian's python3-torch and python3-numpy):

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tools/make_op_fixtures.py

Each case is a small isthmus/2 spec of one op or a few, written by hand here, with random inputs (and random module
parameters, re-randomised from a seed derived from the case name). The spec is run node by node by PyTorch itself:
a module node by the torch.nn class of its name built from its constructor arguments, a functional node by the
PyTorch function or tensor method of its name called with the spec's argument names (so a misspelt argument fails
here first), size values as Python numbers and torch.Size, references resolved. torch 1.13 has no
scaled_dot_product_attention: it is written out, softmax(q·kᵀ·scale + mask)·v.

Goldens are computed in float64 from the very float32 inputs and parameters that are written (then rounded to
float32; integer results stay int64); case.json records how far PyTorch's own float32 run is from them, in the
layout of fixtures/graph/<case>/case.json. After writing, every case is read back and run again from the files.
"""
import json
import math
import os
import shutil
import sys
import warnings
import zlib

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "python", "tests"))
import fixture_case  # noqa: E402
import safetensors_io  # noqa: E402
from sample_models import randomise  # noqa: E402

torch.set_num_threads(1)
OUT_DIR = os.path.join(ROOT, "fixtures", "ops")
CASE_KEYS = fixture_case.CASE_KEYS
FLOW = ("op", "name", "input", "inputs", "output", "outputs")
TORCH_DTYPES = {"float32": torch.float32, "float": torch.float32, "int64": torch.int64, "long": torch.int64,
                "bool": torch.bool}


# ---------------------------------------------------------------------------------------------------------------
# inputs
# ---------------------------------------------------------------------------------------------------------------

class Input:
    """A model input: its spec dtype and how to draw it from a generator."""

    def __init__(self, dtype, shape, draw):
        self.dtype, self.shape, self.draw = dtype, tuple(shape), draw

    def make(self, gen):
        t = self.draw(self.shape, gen)
        assert tuple(t.shape) == self.shape
        return t


def randn(*shape, scale=1.0):
    return Input("F32", shape, lambda s, g: torch.randn(s, generator=g) * scale)


def uniform(lo, hi, *shape):
    return Input("F32", shape, lambda s, g: lo + (hi - lo) * torch.rand(s, generator=g))


def away(*shape):
    """Magnitudes in [0.5, 2], random signs: safe divisors and negative powers."""
    def draw(s, g):
        m = 0.5 + 1.5 * torch.rand(s, generator=g)
        return torch.where(torch.rand(s, generator=g) < 0.5, -m, m)
    return Input("F32", shape, draw)


def ints(lo, hi, *shape, dtype="I64"):
    return Input(dtype, shape, lambda s, g: torch.randint(lo, hi, s, generator=g,
                                                          dtype=torch.int64 if dtype == "I64" else torch.int32))


def key_mask(b, s, kind):
    """A key padding mask (b, 1, 1, s): "float" 0 / -inf / small biases, "ints" 1 = keep, 0 = drop; key 0 kept."""
    def draw(shape, g):
        keep = torch.rand(b, 1, 1, s, generator=g) > 0.35
        keep[..., 0] = True
        if kind == "ints":
            return keep.long()
        bias = 0.5 * torch.randn(b, 1, 1, s, generator=g)
        return torch.where(keep, bias, torch.tensor(float("-inf")))
    return Input("I64" if kind == "ints" else "F32", (b, 1, 1, s), draw)


# ---------------------------------------------------------------------------------------------------------------
# spec helpers
# ---------------------------------------------------------------------------------------------------------------

def N(op, inputs=None, out=None, name=None, **args):
    """A spec node; ``out`` a value name or a list of them."""
    d = {"op": op}
    if name is not None:
        d["name"] = name
    if inputs is not None:
        d["inputs"] = [inputs] if isinstance(inputs, str) else list(inputs)
    if out is not None:
        d["outputs"] = [out] if isinstance(out, str) else list(out)
    d.update(args)
    return d


def ref(name):
    return {"ref": name}


def sl(start=None, stop=None, step=None):
    return {"slice": [start, stop, step]}


CASES = []


def case(name, description, inputs, nodes, outputs, free=None, buffers=None):
    """inputs: name -> Input; free: input name -> dims declared -1 in the spec; buffers: get_attr tensors."""
    assert name not in {c["name"] for c in CASES}, name
    CASES.append(dict(name=name, description=description, inputs=inputs, nodes=nodes, outputs=outputs,
                      free=free or {}, buffers=buffers or {}))


# ---------------------------------------------------------------------------------------------------------------
# the spec run by PyTorch
# ---------------------------------------------------------------------------------------------------------------

def _tuples(v):
    if isinstance(v, list):
        return tuple(_tuples(e) for e in v)
    if isinstance(v, dict):
        return {k: _tuples(e) for k, e in v.items()}
    return v


def build_module(node):
    kw = {k: _tuples(v) for k, v in node.items() if k not in FLOW}
    return getattr(nn, node["op"])(**kw)


def sdpa(q, k, v, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None):
    """torch 2's F.scaled_dot_product_attention written out (dropout 0)."""
    assert dropout_p == 0.0
    sc = scale if scale is not None else 1.0 / math.sqrt(q.shape[-1])
    s = q @ k.transpose(-2, -1) * sc
    if is_causal:
        lq, lk = q.shape[-2], k.shape[-2]
        s = s.masked_fill(torch.ones(lq, lk, dtype=torch.bool).triu(1), float("-inf"))
    if attn_mask is not None:
        if attn_mask.dtype == torch.bool:
            s = s.masked_fill(~attn_mask, float("-inf"))
        else:
            s = s + attn_mask
    return torch.softmax(s, dim=-1) @ v


def _sizes(a, b):
    return not isinstance(a, torch.Tensor) and not isinstance(b, torch.Tensor)


def arith(op, args, kw):
    """add, sub, mul, div, rsub, rdiv, floordiv, pow, neg: of tensors with torch, of size values in Python."""
    a = args[0]
    b = args[1] if len(args) > 1 else kw.pop("other", None)
    alpha = kw.pop("alpha", 1)
    if op == "neg":
        return -a
    if op == "pow":
        e = kw.pop("exponent")
        return torch.pow(a, e) if isinstance(a, torch.Tensor) else a ** e
    if op == "rsub":
        return torch.rsub(a, b, alpha=alpha) if isinstance(a, torch.Tensor) else b - alpha * a
    if op == "rdiv":
        return b / a
    if op == "floordiv":
        assert _sizes(a, b)
        return a // b
    if _sizes(a, b):
        if op == "add":
            return a + alpha * b
        if op == "sub":
            return a - alpha * b
        if op == "mul":
            return a * b
        mode = kw.pop("rounding_mode", None)
        return a // b if mode == "floor" else int(a / b) if mode == "trunc" else a / b
    if not isinstance(a, torch.Tensor):
        a = torch.tensor(a)
    fn = {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div}[op]
    if op in ("add", "sub"):
        return fn(a, b, alpha=alpha)
    return fn(a, b, **kw)


ARITH = ("add", "sub", "mul", "div", "rsub", "rdiv", "floordiv", "pow", "neg")
IDENTITIES = ("contiguous", "clone", "detach")


def call(op, args, kw, node, tensors):
    """One functional node; returns the list of its results."""
    if op in ARITH:
        return [arith(op, args, dict(kw))]
    if op == "getitem":
        return [args[0][_index(kw["index"])]]
    if op == "size":
        return [args[0].size(kw["dim"]) if "dim" in kw else args[0].size()]
    if op == "get_attr":
        return [tensors[node["name"]]]
    if op == "scaled_dot_product_attention":
        return [sdpa(*args, **kw)]
    if op in ("cat", "concat", "stack"):
        return [getattr(torch, op)(list(args), **kw)]
    if op == "layer_norm":
        return [F.layer_norm(args[0], kw.pop("normalized_shape"), *args[1:], **kw)]
    if op == "view":
        return [args[0].view(kw["shape"])]
    if op == "to":
        return [args[0].to(TORCH_DTYPES[kw["dtype"]])]
    if op == "cumsum" and "dtype" in kw:
        return [torch.cumsum(args[0], kw["dim"], dtype=TORCH_DTYPES[kw["dtype"]])]
    if op in ("float", "long", "int", "bool", "type_as") + IDENTITIES:
        return [getattr(args[0], op)(*args[1:], **kw)]
    if op == "dropout":
        return [F.dropout(args[0], training=False, **kw)]
    if op == "stochastic_depth":
        import torchvision
        return [torchvision.ops.stochastic_depth(args[0], training=False, **kw)]
    if op in ("chunk", "split"):
        return list(getattr(torch, op)(args[0], **kw))
    fn = getattr(torch, op) if op in ("sigmoid", "tanh") else getattr(F, op, None) or getattr(torch, op)
    return [fn(*args, **kw)]


def _index(v):
    if isinstance(v, dict) and "slice" in v:
        return slice(*v["slice"])
    if v == "...":
        return Ellipsis
    if isinstance(v, (list, tuple)):
        return tuple(_index(e) for e in v)
    return v


def run_spec(spec, tensors, inputs, double):
    """Runs ``spec`` on ``inputs`` (name -> tensor) with PyTorch; float64 throughout when ``double``."""
    def f(t):
        return t.double() if double and t.is_floating_point() else t

    tensors = {k: f(t) for k, t in tensors.items()}
    env = {k: f(t) for k, t in inputs.items()}
    prev = spec["inputs"][0]["name"]

    def resolve(v):
        if isinstance(v, dict):
            if set(v) == {"ref"}:
                return env[v["ref"]]
            return {k: resolve(e) for k, e in v.items()}
        if isinstance(v, list):
            return [resolve(e) for e in v]
        return v

    with torch.no_grad():
        for i, node in enumerate(spec["nodes"]):
            op = node["op"]
            names = node.get("inputs") or ([node["input"]] if "input" in node else [] if op == "get_attr" else [prev])
            args = [env[n] for n in names]
            if op[:1].isupper():
                m = build_module(node)
                own = {k: tensors[f"{node['name']}.{k}"] for k in m.state_dict()}
                m.load_state_dict(own, strict=True)
                m = (m.double() if double else m.float()).eval()
                if op == "LSTM":
                    out, (h, c) = m(args[0], tuple(args[1:3])) if len(args) == 3 else m(args[0])
                    results = [out, h, c]
                elif op in ("GRU", "RNN"):
                    results = list(m(*args))
                else:
                    results = [m(*args)]
            else:
                kw = {k: resolve(v) for k, v in node.items() if k not in FLOW}
                results = call(op, args, kw, node, tensors)
            outs = node.get("outputs") or [f"node{i}"] + [f"node{i}:{k}" for k in range(1, len(results))]
            assert len(outs) <= len(results), (i, op, len(results))
            for n, r in zip(outs, results):
                env[n] = r
            prev = outs[0]
    return [env[n] for n in spec["outputs"]]


# ---------------------------------------------------------------------------------------------------------------
# cases
# ---------------------------------------------------------------------------------------------------------------

def define_cases():
    # ---- elementwise arithmetic: broadcasting, size-1 dimensions, rank 0 and 1 operands ----------------------
    case("add_sub_mul_broadcast",
         "add / sub / mul of (2,3,4), a rank-0 and a rank-1 operand on either side, (2,1,4) with (3,1), (1,3,1) with "
         "(2,1,5), rank 0 with rank 0 and with rank 1; batch free.",
         {"x": randn(2, 3, 4), "s": randn(), "v": randn(4), "c": randn(3, 1), "a": randn(2, 1, 4),
          "p": randn(1, 3, 1), "q": randn(2, 1, 5)},
         [N("add", ["x", "s"], "o0"), N("add", ["s", "x"], "o1"), N("sub", ["x", "v"], "o2"),
          N("sub", ["v", "x"], "o3"), N("mul", ["v", "x"], "o4"), N("add", ["a", "c"], "o5"),
          N("mul", ["c", "a"], "o6"), N("sub", ["p", "q"], "o7"), N("mul", ["s", "s"], "o8"),
          N("sub", ["s", "v"], "o9")],
         ["o0", "o1", "o2", "o3", "o4", "o5", "o6", "o7", "o8", "o9"], free={"x": [0], "a": [0], "q": [0]})
    case("div_by_tensor",
         "div of tensors broadcast both ways ((2,3,4) by (4), (3,1) by (2,1,4), rank 0 by (3,4)); rdiv and rsub of a "
         "number; div by a number.",
         {"x": randn(2, 3, 4), "d": away(4), "c": randn(3, 1), "e": away(2, 1, 4), "s": randn(), "m": away(3, 4)},
         [N("div", ["x", "d"], "o0"), N("div", ["c", "e"], "o1"), N("div", ["s", "m"], "o2"),
          N("rdiv", ["m"], "o3", other=2.0), N("rsub", ["x"], "o4", other=1.0), N("div", ["x"], "o5", other=-4.0)],
         ["o0", "o1", "o2", "o3", "o4", "o5"], free={"x": [0, 1]})
    case("alpha_and_constants",
         "add / sub with a number other and alpha (x + 3·2, x − 3·2), rsub (2 − x), mul by a negative number, "
         "neg; the same on a rank-0 input.",
         {"x": randn(3, 5), "s": randn()},
         [N("add", ["x"], "o0", other=2.0, alpha=3), N("sub", ["x"], "o1", other=2.0, alpha=3),
          N("rsub", ["x"], "o2", other=2.0), N("mul", ["x"], "o3", other=-1.5), N("neg", ["x"], "o4"),
          N("rsub", ["s"], "o5", other=1.0), N("neg", ["s"], "o6"), N("add", ["s"], "o7", other=0.25)],
         ["o0", "o1", "o2", "o3", "o4", "o5", "o6", "o7"], free={"x": [0]})
    case("alpha_number_first",
         "alpha where the number comes first: rsub(x, 2, alpha=3) = 2 − 3·x, rsub by a size value with alpha, "
         "add / sub of a size value and a tensor with alpha (n + 2·x, n − 3·x), and the same on I64 tensors.",
         {"x": randn(3, 5), "i": ints(-5, 6, 2, 4)},
         [N("rsub", ["x"], "o0", other=2.0, alpha=3), N("size", ["x"], "n", dim=-1),
          N("rsub", ["x"], "o1", other=ref("n"), alpha=2), N("add", ["n", "x"], "o2", alpha=2),
          N("sub", ["n", "x"], "o3", alpha=3), N("rsub", ["i"], "o4", other=7, alpha=2),
          N("add", ["n", "i"], "o5", alpha=3), N("sub", ["n", "i"], "o6", alpha=-2)],
         ["o0", "o1", "o2", "o3", "o4", "o5", "o6"], free={"x": [0], "i": [0, 1]})
    case("pow_exponents",
         "pow with exponents 2, 3 (negative bases), 0.5, -1, -2.5 (positive bases) and 0; pow of a size value "
         "(x · size(-1) ** -0.5, x · size(-1) ** 2).",
         {"x": randn(2, 6), "p": uniform(0.5, 2.0, 2, 6)},
         [N("pow", ["x"], "o0", exponent=2), N("pow", ["x"], "o1", exponent=3), N("pow", ["p"], "o2", exponent=0.5),
          N("pow", ["p"], "o3", exponent=-1), N("pow", ["p"], "o4", exponent=-2.5), N("pow", ["x"], "o5", exponent=0),
          N("size", ["x"], "n", dim=-1), N("pow", ["n"], "r", exponent=-0.5), N("mul", ["x", "r"], "o6"),
          N("pow", ["n"], "n2", exponent=2), N("mul", ["x", "n2"], "o7")],
         ["o0", "o1", "o2", "o3", "o4", "o5", "o6", "o7"], free={"x": [0], "p": [0]})
    case("unary_math",
         "neg, sqrt, rsqrt, exp, log, abs, reciprocal on (3,4), and exp / abs on a rank-0 input.",
         {"x": randn(3, 4), "p": uniform(0.2, 3.0, 3, 4), "s": randn()},
         [N("neg", ["x"], "o0"), N("sqrt", ["p"], "o1"), N("rsqrt", ["p"], "o2"), N("exp", ["x"], "o3"),
          N("log", ["p"], "o4"), N("abs", ["x"], "o5"), N("reciprocal", ["p"], "o6"), N("exp", ["s"], "o7"),
          N("abs", ["s"], "o8")],
         ["o0", "o1", "o2", "o3", "o4", "o5", "o6", "o7", "o8"], free={"x": [1], "p": [0, 1]})
    case("clamp_bounds",
         "clamp with min only, max only, both, min above max (all max, as PyTorch); clip; hardtanh functional (min_val, "
         "max_val) and the Hardtanh module.",
         {"x": randn(2, 3, 5, scale=2.0)},
         [N("clamp", ["x"], "o0", min=-0.5), N("clamp", ["x"], "o1", max=0.3), N("clamp", ["x"], "o2", min=-1, max=2),
          N("clip", ["x"], "o3", min=0.1), N("hardtanh", ["x"], "o4", min_val=-0.25, max_val=1.5),
          N("Hardtanh", ["x"], "o5", name="ht", min_val=-2.0, max_val=0.5), N("clamp", ["x"], "o6", min=1.0, max=-1.0)],
         ["o0", "o1", "o2", "o3", "o4", "o5", "o6"], free={"x": [0, 2]})

    # ---- integer tensors ------------------------------------------------------------------------------------------
    case("int_arithmetic",
         "I64 inputs: add / mul / sub of (2,3) and (3) broadcast, with a number (add 3, mul -2, sub 4 alpha 2, "
         "rsub 7), "
         "neg, with a size value; getitem, cat and permute of I64 tensors; float() of the result.",
         {"i": ints(-5, 6, 2, 3), "j": ints(-4, 5, 3), "x": randn(4, 2)},
         [N("add", ["i", "j"], "o0"), N("mul", ["i", "j"], "o1"), N("sub", ["j", "i"], "o2"),
          N("add", ["i"], "o3", other=3), N("mul", ["i"], "o4", other=-2), N("sub", ["i"], "o5", other=4, alpha=2),
          N("rsub", ["i"], "o6", other=7), N("neg", ["i"], "o7"), N("size", ["x"], "n", dim=0),
          N("add", ["i", "n"], "o8"), N("getitem", ["o0"], "o9", index=[sl(None, None, None), -1]),
          N("cat", ["i", "o1"], "o10", dim=-1), N("permute", ["o10"], "o11", dims=[1, 0]),
          N("float", ["o11"], "o12")],
         ["o0", "o1", "o2", "o3", "o4", "o5", "o6", "o7", "o8", "o9", "o10", "o11", "o12"], free={"i": [0], "x": [0]})
    case("casts",
         "to / float / long / int / bool / type_as: float() of an I64 input, long() of floats (truncated toward zero, "
         "negatives included), to('int64'), to('float32') of a float tensor, an I32 input, bool then long, type_as.",
         {"i": ints(-9, 10, 3, 4), "x": randn(3, 4, scale=3.0), "k": ints(-3, 4, 4, dtype="I32")},
         [N("float", ["i"], "o0"), N("long", ["x"], "o1"), N("to", ["x"], "o2", dtype="int64"),
          N("to", ["x"], "o3", dtype="float32"), N("to", ["i"], "o4", dtype="float32"), N("int", ["x"], "o5"),
          N("bool", ["i"], "b"), N("long", ["b"], "o6"), N("type_as", ["i", "x"], "o7"), N("type_as", ["x", "i"], "o8"),
          N("float", ["k"], "o9"), N("mul", ["i", "k"], "o10"), N("to", ["x"], "o11", dtype="bool")],
         ["o0", "o1", "o2", "o3", "o4", "o5", "o6", "o7", "o8", "o9", "o10", "o11", "b"], free={"i": [0], "x": [0]})

    # ---- activations ----------------------------------------------------------------------------------------------
    case("activation_functions",
         "relu, relu6, sigmoid, tanh, silu, hardswish, hardsigmoid, gelu (none, tanh), leaky_relu(0.2), elu(0.7) on "
         "inputs spanning ±8 (every saturation).",
         {"x": randn(2, 4, 5, scale=4.0)},
         [N("relu", ["x"], "o0"), N("relu6", ["x"], "o1"), N("sigmoid", ["x"], "o2"), N("tanh", ["x"], "o3"),
          N("silu", ["x"], "o4"), N("hardswish", ["x"], "o5"), N("hardsigmoid", ["x"], "o6"), N("gelu", ["x"], "o7"),
          N("gelu", ["x"], "o8", approximate="tanh"), N("leaky_relu", ["x"], "o9", negative_slope=0.2),
          N("elu", ["x"], "o10", alpha=0.7)],
         ["o0", "o1", "o2", "o3", "o4", "o5", "o6", "o7", "o8", "o9", "o10"], free={"x": [0, 1, 2]})
    case("activation_modules",
         "ReLU, ReLU6, SiLU, Sigmoid, Tanh, Hardswish, Hardsigmoid, GELU('tanh'), LeakyReLU(0.1), ELU(0.5), "
         "Hardtanh(-2, 0.5) modules, each on the input.",
         {"x": randn(3, 7, scale=4.0)},
         [N("ReLU", ["x"], "o0", inplace=True), N("ReLU6", ["x"], "o1"), N("SiLU", ["x"], "o2"),
          N("Sigmoid", ["x"], "o3"),
          N("Tanh", ["x"], "o4"), N("Hardswish", ["x"], "o5"), N("Hardsigmoid", ["x"], "o6"),
          N("GELU", ["x"], "o7", approximate="tanh"), N("LeakyReLU", ["x"], "o8", negative_slope=0.1),
          N("ELU", ["x"], "o9", alpha=0.5), N("Hardtanh", ["x"], "o10", min_val=-2.0, max_val=0.5)],
         ["o0", "o1", "o2", "o3", "o4", "o5", "o6", "o7", "o8", "o9", "o10"], free={"x": [0]})
    case("activation_chain",
         "Activations one after another on the same value (each the only reader of the previous: written in place), "
         "an add whose result feeds an activation (a fusion candidate), and the intermediate kept as an output.",
         {"x": randn(2, 9, scale=3.0), "y": randn(9)},
         [N("add", ["x", "y"], "a"), N("relu6", ["a"], "b"), N("Hardswish", ["b"], "c", name="hs"),
          N("sub", ["c", "y"], "d"), N("Hardsigmoid", ["d"], "e", name="hsig"), N("LeakyReLU", ["e"], "f", name="lr"),
          N("ELU", ["a"], "g", name="elu", alpha=2.0)],
         ["f", "g", "b"], free={"x": [0]})

    # ---- softmax --------------------------------------------------------------------------------------------------
    case("softmax_axes",
         "softmax and log_softmax of a (2,3,1,5) tensor along every axis, positive and negative (a size-1 axis "
         "included), and of a rank-0 and a rank-1 input.",
         {"x": randn(2, 3, 1, 5, scale=3.0), "s": randn(), "v": randn(6)},
         [N("softmax", ["x"], "o0", dim=0), N("softmax", ["x"], "o1", dim=1), N("softmax", ["x"], "o2", dim=-2),
          N("softmax", ["x"], "o3", dim=-1), N("log_softmax", ["x"], "o4", dim=-4),
          N("log_softmax", ["x"], "o5", dim=1),
          N("log_softmax", ["x"], "o6", dim=2), N("log_softmax", ["x"], "o7", dim=3), N("softmax", ["s"], "o8", dim=0),
          N("log_softmax", ["v"], "o9", dim=-1)],
         ["o0", "o1", "o2", "o3", "o4", "o5", "o6", "o7", "o8", "o9"], free={"x": [0, 3]})
    case("softmax_modules",
         "Softmax(dim=1), LogSoftmax(dim=-1), and the legacy dim=None rule: Softmax() of a rank-3 tensor (dim 0), "
         "LogSoftmax() of a rank-2 tensor (dim 1) and of a rank-4 tensor (dim 1).",
         {"x": randn(2, 3, 4, scale=2.0), "y": randn(3, 5, scale=2.0), "z": randn(2, 3, 2, 2, scale=2.0)},
         [N("Softmax", ["x"], "o0", dim=1), N("LogSoftmax", ["x"], "o1", dim=-1), N("Softmax", ["x"], "o2"),
          N("LogSoftmax", ["y"], "o3"), N("LogSoftmax", ["z"], "o4")],
         ["o0", "o1", "o2", "o3", "o4"])

    # ---- matmul ---------------------------------------------------------------------------------------------------
    case("matmul_vectors",
         "matmul 1-D × 1-D (a rank-0 result), 1-D × 2-D, 2-D × 1-D, 1-D × 3-D, 3-D × 1-D.",
         {"a": randn(4), "b": randn(4), "m": randn(4, 5), "n": randn(3, 4), "t": randn(2, 4, 5), "u": randn(2, 3, 4)},
         [N("matmul", ["a", "b"], "o0"), N("matmul", ["a", "m"], "o1"), N("matmul", ["n", "a"], "o2"),
          N("matmul", ["a", "t"], "o3"), N("matmul", ["u", "b"], "o4")],
         ["o0", "o1", "o2", "o3", "o4"], free={"t": [0], "u": [0, 1]})
    case("matmul_batched",
         "matmul with broadcast batch dimensions: (2,1,3,4) @ (5,4,6), (3,4) @ (2,4,6), (2,3,4) @ (4,6), "
         "(1,3,4) @ (2,4,1); bmm (3,2,4) @ (3,4,5).",
         {"a": randn(2, 1, 3, 4), "b": randn(5, 4, 6), "c": randn(3, 4), "d": randn(2, 4, 6), "e": randn(2, 3, 4),
          "f": randn(4, 6), "g": randn(1, 3, 4), "h": randn(2, 4, 1), "p": randn(3, 2, 4), "q": randn(3, 4, 5)},
         [N("matmul", ["a", "b"], "o0"), N("matmul", ["c", "d"], "o1"), N("matmul", ["e", "f"], "o2"),
          N("matmul", ["g", "h"], "o3"), N("bmm", ["p", "q"], "o4")],
         ["o0", "o1", "o2", "o3", "o4"], free={"a": [0], "d": [0], "p": [0, 1], "q": [0, 2]})
    case("matmul_transposed",
         "matmul by a transpose of the second operand's last two dimensions (read in place when fused): "
         "(2,3,4) @ (2,5,4)ᵀ, (2,1,3,4) @ (5,6,4)ᵀ, (3,4) @ (5,4)ᵀ, (3,4) @ permute (4,5) → (5,4)ᵀ, and "
         "q @ k.transpose(-2, -1) * scale, (3,4) @ (2,5,4)ᵀ.",
         {"a": randn(2, 3, 4), "b": randn(2, 5, 4), "c": randn(2, 1, 3, 4), "d": randn(5, 6, 4), "e": randn(3, 4),
          "f": randn(5, 4)},
         [N("transpose", ["b"], "bt", dim0=-2, dim1=-1), N("matmul", ["a", "bt"], "o0"),
          N("transpose", ["d"], "dt", dim0=1, dim1=2), N("matmul", ["c", "dt"], "o1"),
          N("transpose", ["f"], "ft", dim0=0, dim1=1), N("matmul", ["e", "ft"], "o2"),
          N("permute", ["f"], "fp", dims=[1, 0]), N("matmul", ["e", "fp"], "m3"), N("mul", ["m3"], "o3", other=0.5),
          N("transpose", ["b"], "bt2", dim0=2, dim1=1), N("matmul", ["e", "bt2"], "o4")],
         ["o0", "o1", "o2", "o3", "o4"], free={"a": [0, 1], "b": [1]})

    # ---- cat, stack, split, chunk ---------------------------------------------------------------------------------
    case("cat_stack",
         "cat of 1 tensor, of 3 at dim -1 and at dim 0 (different sizes along it, one of size 0), at dim -2; stack of "
         "1 tensor, of 3 at dims 0, -1 and 1, of rank-0 tensors.",
         {"a": randn(2, 3), "b": randn(2, 1), "c": randn(2, 4), "z": randn(0, 3), "d": randn(4, 3), "s": randn(),
          "t": randn()},
         [N("cat", ["a"], "o0", dim=0), N("cat", ["a", "b", "c"], "o1", dim=-1), N("cat", ["a", "z", "d"], "o2"),
          N("cat", ["d", "a"], "o3", dim=-2), N("stack", ["a"], "o4"), N("stack", ["a", "a", "a"], "o5", dim=0),
          N("stack", ["c", "c", "c"], "o6", dim=-1),
          N("stack", ["a", "a", "a"], "o7", dim=1), N("stack", ["s", "t", "s"], "o8"),
          N("concat", ["b", "b"], "o9", dim=1)],
         ["o0", "o1", "o2", "o3", "o4", "o5", "o6", "o7", "o8", "o9"], free={"a": [0], "b": [0], "c": [0]})
    case("chunk_split",
         "chunk of 7 into 3 (3, 3, 1), of 5 into 4 (2, 2, 1: fewer than asked), of 2 into 5 (more chunks than "
         "elements), at a negative dim; split by 3 (3, 3, 1), by the list [2, 0, 5] (a piece of size 0), by a size "
         "larger than the dimension.",
         {"x": randn(2, 7), "y": randn(5, 3), "z": randn(2, 3)},
         [N("chunk", ["x"], ["c0", "c1", "c2"], chunks=3, dim=-1), N("chunk", ["y"], ["d0", "d1", "d2"], chunks=4),
          N("chunk", ["z"], ["e0", "e1"], chunks=5, dim=0),
          N("split", ["x"], ["s0", "s1", "s2"], split_size_or_sections=3, dim=1),
          N("split", ["x"], ["t0", "t1", "t2"], split_size_or_sections=[2, 0, 5], dim=-1),
          N("split", ["y"], ["u0"], split_size_or_sections=9)],
         ["c0", "c1", "c2", "d0", "d1", "d2", "e0", "e1", "s0", "s1", "s2", "t0", "t1", "t2", "u0"], free={"x": [0],
             "y": [1]})
    case("chunk_empty",
         "chunk of a size-0 dimension into 3 (three empty pieces, as PyTorch), split of it by 2 (one empty piece).",
         {"x": randn(3, 4)},
         [N("getitem", ["x"], "e", index=[sl(None, None, None), sl(5, 2, None)]),
          N("chunk", ["e"], ["c0", "c1", "c2"], chunks=3, dim=1),
          N("split", ["e"], ["s0"], split_size_or_sections=2, dim=-1),
          N("add", ["c1"], "o0", other=1.0)],
         ["c0", "c1", "c2", "s0", "o0"], free={"x": [0]})

    # ---- shapes: view / reshape / flatten / squeeze / permute / transpose -----------------------------------------
    case("view_reshape_refs",
         "view and reshape to shapes holding size values: view(b, -1), reshape(b · t, c), view(-1, t // 2, 2), "
         "view to (size tuple item, -1), reshape to a rank-0 tensor, view of a size-0 tensor.",
         {"x": randn(3, 4, 6), "one": randn(1, 1)},
         [N("size", ["x"], "b", dim=0), N("size", ["x"], "t", dim=1), N("size", ["x"], "c", dim=-1),
          N("view", ["x"], "o0", shape=[ref("b"), -1]), N("mul", ["b", "t"], "bt"),
          N("reshape", ["x"], "o1", shape=[ref("bt"), ref("c")]), N("floordiv", ["t"], "h", other=2),
          N("view", ["x"], "o2", shape=[-1, ref("h"), 2]), N("size", ["x"], "sz"),
          N("getitem", ["sz"], "last", index=-1), N("view", ["x"], "o3", shape=[ref("last"), -1]),
          N("reshape", ["one"], "o4", shape=[]), N("getitem", ["x"], "e", index=[sl(None, None, None), sl(3, 1, None)]),
          N("view", ["e"], "o5", shape=[ref("b"), 6, 0]), N("view", ["x"], "o6", shape=[2, ref("b"), -1, 3])],
         ["o0", "o1", "o2", "o3", "o4", "o5", "o6"], free={"x": [0, 1]})
    case("size_arithmetic",
         "Size values: size() tuple, getitem of it (an int, a negative int, a slice, a stepped slice), add / sub / "
         "mul / floordiv / div / neg of sizes, a negative size as a slice bound, a float size times a tensor, "
         "sizes as the number operand of add / sub / rsub / rdiv / mul.",
         {"x": randn(2, 5, 8)},
         [N("size", ["x"], "sz"), N("getitem", ["sz"], "n", index=1), N("getitem", ["sz"], "w", index=-1),
          N("getitem", ["sz"], "tail", index=sl(1, None, None)), N("getitem", ["tail"], "w2", index=1),
          N("getitem", ["sz"], "ev", index=sl(None, None, 2)), N("getitem", ["ev"], "b", index=0),
          N("add", ["n", "w"], "nw"), N("sub", ["nw"], "nw1", other=1), N("sub", ["w", "n"], "d"),
          N("floordiv", ["w"], "h", other=3), N("neg", ["h"], "mh"), N("mul", ["n", "w2"], "area"),
          N("view", ["x"], "o0", shape=[ref("b"), ref("area")]),
          N("getitem", ["x"], "o1", index=["...", sl(ref("mh"), None, None)]),
          N("getitem", ["x"], "o2", index=[sl(None, None, None), sl(None, ref("d"), None), sl(ref("h"), ref("nw1"),
          2)]),
          N("div", ["w", "n"], "ratio"), N("mul", ["x", "ratio"], "o3"), N("sub", ["ratio", "x"], "o4"),
          N("rsub", ["n"], "m7", other=7), N("mul", ["x", "m7"], "o5"), N("rsub", ["x"], "o6", other=ref("n")),
          N("rdiv", ["x"], "o7", other=ref("w")), N("add", ["x"], "o8", other=ref("n")),
          N("sub", ["x"], "o9", other=ref("w"), alpha=2), N("mul", ["x"], "o10", other=ref("mh"))],
         ["o0", "o1", "o2", "o3", "o4", "o5", "o6", "o7", "o8", "o9", "o10"], free={"x": [0]})
    case("size_division",
         "div of size values with rounding_mode floor and trunc, of negative sizes too, floordiv of a negative size, "
         "pow of a size: as view sizes and slice bounds.",
         {"x": randn(2, 5, 8)},
         [N("size", ["x"], "n", dim=1), N("size", ["x"], "w", dim=-1), N("div", ["w", "n"], "q1", rounding_mode="floor"),
          N("neg", ["w"], "mw"), N("div", ["mw", "n"], "q2", rounding_mode="trunc"),
          N("div", ["mw", "n"], "q3", rounding_mode="floor"), N("floordiv", ["mw"], "q4", other=3),
          N("pow", ["q1"], "q5", exponent=3),
          N("getitem", ["x"], "o0", index=["...", sl(ref("q2"), None, None)]),
          N("getitem", ["x"], "o1", index=["...", sl(ref("q3"), ref("q4"), None)]),
          N("view", ["x"], "o2", shape=[ref("q5"), -1, ref("q1")])],
         ["o0", "o1", "o2"], free={"x": [0, 1, 2]})
    case("flatten_squeeze_unsqueeze",
         "flatten (default, start 1, negative start and end, of rank 1 and 0), the Flatten module, squeeze of a "
         "size-1 dim at a negative index, of a dim that is not 1 (no-op), of every size-1 dim; unsqueeze at 0, -1, "
         "rank (the end) and of a rank-0 tensor.",
         {"x": randn(2, 1, 3, 1), "v": randn(5), "s": randn()},
         [N("flatten", ["x"], "o0"), N("flatten", ["x"], "o1", start_dim=1),
          N("flatten", ["x"], "o2", start_dim=-3, end_dim=-2),
          N("flatten", ["v"], "o3"), N("flatten", ["s"], "o4"), N("Flatten", ["x"], "o5"),
          N("squeeze", ["x"], "o6", dim=-1), N("squeeze", ["x"], "o7", dim=2), N("squeeze", ["x"], "o8"),
          N("unsqueeze", ["v"], "o9", dim=0), N("unsqueeze", ["x"], "o10", dim=-1), N("unsqueeze", ["v"], "o11", dim=1),
          N("unsqueeze", ["s"], "o12", dim=0), N("Flatten", ["x"], "o13", start_dim=0, end_dim=2)],
         ["o0", "o1", "o2", "o3", "o4", "o5", "o6", "o7", "o8", "o9", "o10", "o11", "o12", "o13"])
    case("permute_transpose",
         "permute and transpose of rank 1 to 5, with negative dims; transpose of a dim with itself.",
         {"a": randn(4), "b": randn(2, 3), "c": randn(2, 3, 4), "d": randn(2, 1, 3, 2), "e": randn(2, 3, 1, 2, 3)},
         [N("permute", ["a"], "o0", dims=[-1]), N("permute", ["b"], "o1", dims=[-1, 0]),
          N("permute", ["c"], "o2", dims=[2, 0, 1]), N("permute", ["d"], "o3", dims=[-1, 1, -4, 2]),
          N("permute", ["e"], "o4", dims=[4, 2, 0, 3, 1]), N("transpose", ["a"], "o5", dim0=0, dim1=-1),
          N("transpose", ["b"], "o6", dim0=0, dim1=1), N("transpose", ["c"], "o7", dim0=-1, dim1=0),
          N("transpose", ["d"], "o8", dim0=1, dim1=-2), N("transpose", ["e"], "o9", dim0=-5, dim1=-2),
          N("transpose", ["c"], "o10", dim0=1, dim1=1), N("permute", ["e"], "o11", dims=[0, 1, 2, 3, 4])],
         ["o0", "o1", "o2", "o3", "o4", "o5", "o6", "o7", "o8", "o9", "o10", "o11"], free={"c": [0], "e": [0, 4]})
    case("identities",
         "contiguous, clone, detach, dropout, stochastic_depth, Identity, Dropout: results equal to the input; an "
         "input returned as an output directly, next to a relu of it (which must not write over it).",
         {"x": randn(2, 3)},
         [N("contiguous", ["x"], "o0"), N("clone", ["x"], "o1"), N("detach", ["x"], "o2"),
          N("dropout", ["x"], "o3", p=0.5),
          N("stochastic_depth", ["x"], "o4", p=0.3, mode="row"), N("Identity", ["x"], "o5"),
          N("Dropout", ["x"], "o6", p=0.2), N("relu", ["x"], "o7")],
         ["o0", "o1", "o2", "o3", "o4", "o5", "o6", "o7", "x"], free={"x": [0]})

    # ---- getitem --------------------------------------------------------------------------------------------------
    case("getitem_slices",
         "x[:, 5:2] (empty), x[..., ::2], x[:, -3:-1], x[1:, None, ..., -1], x[-1], x[None,], x[..., None], "
         "x[-100:, 1:100:3], x[:, :, 1] and getitem on an empty result.",
         {"x": randn(3, 4, 5)},
         [N("getitem", ["x"], "o0", index=[sl(None, None, None), sl(5, 2, None)]),
          N("getitem", ["x"], "o1", index=["...", sl(None, None, 2)]),
          N("getitem", ["x"], "o2", index=[sl(None, None, None), sl(-3, -1, None)]),
          N("getitem", ["x"], "o3", index=[sl(1, None, None), None, "...", -1]),
          N("getitem", ["x"], "o4", index=-1), N("getitem", ["x"], "o5", index=[None]),
          N("getitem", ["x"], "o6", index=["...", None]),
          N("getitem", ["x"], "o7", index=[sl(-100, None, None), sl(1, 100, 3)]),
          N("getitem", ["x"], "o8", index=[sl(None, None, None), sl(None, None, None), 1]),
          N("getitem", ["o0"], "o9", index=["...", sl(1, None, 2)]),
          N("getitem", ["x"], "o10", index=[None, 0, None, sl(None, -2, None), -3])],
         ["o0", "o1", "o2", "o3", "o4", "o5", "o6", "o7", "o8", "o9", "o10"], free={"x": [0]})
    case("getitem_none",
         "x[None] as the exporter writes it (\"index\": null) on a rank-3 and a rank-0 tensor, and x[None][0].",
         {"x": randn(2, 3, 4), "s": randn()},
         [N("getitem", ["x"], "o0", index=None), N("getitem", ["s"], "o1", index=None),
          N("getitem", ["o0"], "o2", index=0)],
         ["o0", "o1", "o2"], free={"x": [0]})
    case("getitem_refs",
         "getitem with size values: x[:, -1] as x[:, t - 1], x[:, :t // 2], x[:, t - 2:, ::s] on a free sequence "
         "dimension, and on an I64 tensor.",
         {"x": randn(2, 6, 3), "i": ints(0, 9, 2, 6)},
         [N("size", ["x"], "t", dim=1), N("sub", ["t"], "t1", other=1),
          N("getitem", ["x"], "o0", index=[sl(None, None, None), ref("t1")]),
          N("floordiv", ["t"], "h", other=2),
          N("getitem", ["x"], "o1", index=[sl(None, None, None), sl(None, ref("h"), None)]),
          N("sub", ["t"], "t2", other=2), N("size", ["x"], "c", dim=-1), N("sub", ["c"], "c1", other=1),
          N("getitem", ["x"], "o2", index=[sl(None, None, None), sl(ref("t2"), None, None), sl(None, None, ref("c1"))]),
          N("getitem", ["i"], "o3", index=[sl(None, None, None), sl(ref("h"), None, None)]),
          N("getitem", ["i"], "o4", index=["...", ref("t1")])],
         ["o0", "o1", "o2", "o3", "o4"], free={"x": [0, 1], "i": [0, 1]})

    # ---- reductions -----------------------------------------------------------------------------------------------
    case("reductions",
         "mean / sum / amax over one dim, several dims (negative ones included) with and without keepdim, every dim "
         "(absent dim: a rank-0 result; all dims listed with keepdim), and a sum over a size-0 dimension.",
         {"x": randn(2, 3, 4, 5)},
         [N("mean", ["x"], "o0", dim=1), N("sum", ["x"], "o1", dim=[0, 2], keepdim=True),
          N("amax", ["x"], "o2", dim=[-1, -3]), N("mean", ["x"], "o3"), N("sum", ["x"], "o4"),
          N("amax", ["x"], "o5", dim=[0, 1, 2, 3], keepdim=True), N("mean", ["x"], "o6", dim=[-1, 0, 2], keepdim=True),
          N("sum", ["x"], "o7", dim=-1), N("amax", ["x"], "o8", dim=2, keepdim=True),
          N("mean", ["x"], "o9", dim=[3, 2]),
          N("getitem", ["x"], "e", index=[sl(None, None, None), sl(3, None, None)]), N("sum", ["e"], "o10", dim=1),
          N("amax", ["x"], "o11")],
         ["o0", "o1", "o2", "o3", "o4", "o5", "o6", "o7", "o8", "o9", "o10", "o11"], free={"x": [0, 2]})

    case("reductions_rank0",
         "mean / sum / amax of a rank-0 tensor over dim 0, dim [-1] with keepdim, and every dim.",
         {"s": randn()},
         [N("mean", ["s"], "o0", dim=0), N("sum", ["s"], "o1", dim=[-1], keepdim=True), N("amax", ["s"], "o2", dim=[0]),
          N("sum", ["s"], "o3")],
         ["o0", "o1", "o2", "o3"])

    # ---- norms ----------------------------------------------------------------------------------------------------
    case("layer_norm_function",
         "layer_norm over the last dim and the last two, with weight and bias (get_attr), with weight only, with "
         "neither; eps 1e-3; the LayerNorm module without elementwise_affine, and with normalized_shape an int.",
         {"x": randn(2, 3, 4, scale=2.0)},
         [N("get_attr", None, "w", name="ln.weight"), N("get_attr", None, "b", name="ln.bias"),
          N("get_attr", None, "w2", name="ln2.weight"),
          N("layer_norm", ["x", "w", "b"], "o0", normalized_shape=[4]),
          N("layer_norm", ["x", "w2"], "o1", normalized_shape=[3, 4], eps=1e-3),
          N("layer_norm", ["x"], "o2", normalized_shape=[4]), N("layer_norm", ["x"], "o3", normalized_shape=[3, 4]),
          N("LayerNorm", ["x"], "o4", name="lnm", normalized_shape=[4], elementwise_affine=False),
          N("LayerNorm", ["x"], "o5", name="lni", normalized_shape=4, eps=1e-4)],
         ["o0", "o1", "o2", "o3", "o4", "o5"], free={"x": [0]},
         buffers={"ln.weight": (4,), "ln.bias": (4,), "ln2.weight": (3, 4)})
    case("group_norm",
         "GroupNorm on (N, C), (N, C, L) and (N, C, H, W); 1 group, a group per channel, without affine.",
         {"a": randn(3, 6), "b": randn(2, 6, 5), "c": randn(1, 4, 3, 2)},
         [N("GroupNorm", ["a"], "o0", name="g0", num_groups=2, num_channels=6),
          N("GroupNorm", ["b"], "o1", name="g1", num_groups=1, num_channels=6),
          N("GroupNorm", ["b"], "o2", name="g2", num_groups=6, num_channels=6, eps=1e-3),
          N("GroupNorm", ["c"], "o3", name="g3", num_groups=2, num_channels=4, affine=False)],
         ["o0", "o1", "o2", "o3"], free={"a": [0], "b": [0, 2], "c": [2, 3]})
    case("batch_norm1d",
         "BatchNorm1d in eval mode on (N, C) and (N, C, L); without affine; without running statistics (the batch's "
         "own statistics); L = 1.",
         {"a": randn(4, 3), "b": randn(2, 3, 5), "c": randn(3, 3, 1)},
         [N("BatchNorm1d", ["a"], "o0", name="bn0", num_features=3),
          N("BatchNorm1d", ["b"], "o1", name="bn1", num_features=3, eps=1e-3, affine=False),
          N("BatchNorm1d", ["b"], "o2", name="bn2", num_features=3, track_running_stats=False),
          N("BatchNorm1d", ["c"], "o3", name="bn3", num_features=3)],
         ["o0", "o1", "o2", "o3"], free={"a": [0], "b": [0, 2]})

    # ---- pooling --------------------------------------------------------------------------------------------------
    case("adaptive_pools",
         "adaptive_avg_pool1d / 2d with sizes that don't divide the input (7 → 3, 5 → 7, (7, 5) → (3, 2), "
         "(None, 2)), AdaptiveAvgPool1d / 2d modules, unbatched input.",
         {"x": randn(2, 3, 7), "y": randn(1, 2, 7, 5), "u": randn(3, 5)},
         [N("adaptive_avg_pool1d", ["x"], "o0", output_size=3), N("adaptive_avg_pool1d", ["u"], "o1", output_size=7),
          N("adaptive_avg_pool2d", ["y"], "o2", output_size=[3, 2]),
          N("adaptive_avg_pool2d", ["y"], "o3", output_size=[None, 2]),
          N("AdaptiveAvgPool1d", ["x"], "o4", output_size=1), N("AdaptiveAvgPool2d", ["y"], "o5", output_size=4),
          N("AdaptiveAvgPool1d", ["u"], "o6", output_size=[2])],
         ["o0", "o1", "o2", "o3", "o4", "o5", "o6"], free={"x": [0, 2], "y": [0]})
    case("pool1d",
         "max_pool1d / avg_pool1d with padding, ceil_mode (a last window that would start in the padding is "
         "dropped), dilation, count_include_pad false, divisor_override; MaxPool1d / AvgPool1d modules; unbatched.",
         {"x": randn(2, 3, 5), "y": randn(1, 2, 6), "u": randn(2, 7)},
         [N("max_pool1d", ["x"], "o0", kernel_size=2, stride=2, padding=1, ceil_mode=True),
          N("avg_pool1d", ["x"], "o1", kernel_size=2, stride=2, padding=1, ceil_mode=True),
          N("avg_pool1d", ["x"], "o2", kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
          N("max_pool1d", ["y"], "o3", kernel_size=2, stride=1, dilation=3),
          N("max_pool1d", ["y"], "o4", kernel_size=3, stride=2, padding=1, dilation=2, ceil_mode=True),
          N("MaxPool1d", ["u"], "o5", kernel_size=3, stride=1, padding=1),
          N("AvgPool1d", ["x"], "o6", kernel_size=3, stride=1, padding=1, count_include_pad=False),
          N("AvgPool1d", ["y"], "o7", kernel_size=4, stride=3, ceil_mode=True),
          N("avg_pool1d", ["y"], "o8", kernel_size=2)],
         ["o0", "o1", "o2", "o3", "o4", "o5", "o6", "o7", "o8"], free={"x": [0], "y": [0]})
    case("pool2d",
         "max_pool2d / avg_pool2d with padding, ceil_mode, dilation, rectangular windows and strides, "
         "count_include_pad false, divisor_override; unbatched input.",
         {"x": randn(2, 2, 5, 7), "u": randn(3, 6, 6)},
         [N("max_pool2d", ["x"], "o0", kernel_size=[3, 2], stride=[2, 3], padding=[1, 1], ceil_mode=True),
          N("max_pool2d", ["x"], "o1", kernel_size=2, stride=1, dilation=[2, 3]),
          N("avg_pool2d", ["x"], "o2", kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
          N("avg_pool2d", ["x"], "o3", kernel_size=[2, 3], stride=2, padding=[1, 0], divisor_override=5),
          N("max_pool2d", ["u"], "o4", kernel_size=2), N("MaxPool2d", ["x"], "o5", kernel_size=2, ceil_mode=True),
          N("AvgPool2d", ["u"], "o6", kernel_size=3, stride=2, padding=1, ceil_mode=True)],
         ["o0", "o1", "o2", "o3", "o4", "o5", "o6"], free={"x": [0, 2, 3]})

    # ---- Conv1d ---------------------------------------------------------------------------------------------------
    for b in (1, 3):
        case(f"conv1d_b{b}",
             f"Conv1d on batch {b}: stride 2 with padding, padding 'same' with dilation, 'valid', depthwise groups, no "
             "bias; then BatchNorm1d (folded into the conv when fused) and ReLU / Hardswish (epilogues).",
             {"x": randn(b, 4, 9)},
             [N("Conv1d", ["x"], "c0", name="conv0", in_channels=4, out_channels=6, kernel_size=3, stride=2, padding=1),
              N("BatchNorm1d", ["c0"], "n0", name="bn0", num_features=6), N("ReLU", ["n0"], "o0"),
              N("Conv1d", ["x"], "o1", name="conv1", in_channels=4, out_channels=4, kernel_size=3, padding="same",
                dilation=2, groups=4),
              N("Conv1d", ["x"], "c2", name="conv2", in_channels=4, out_channels=2, kernel_size=4, padding="valid",
                bias=False),
              N("Hardswish", ["c2"], "o2"),
              N("Conv1d", ["x"], "o3", name="conv3", in_channels=4, out_channels=6, kernel_size=[5], stride=[3],
                groups=2, padding=[2])],
             ["o0", "o1", "o2", "o3"], free={"x": [0, 2]})
    case("conv1d_edges",
         "Conv1d on an unbatched (C, L) input, on L = 1 with a kernel of 1 and of 3 with padding 1, on L equal to "
         "the dilated kernel, padding 'same' with an even kernel (one more on the right) and with dilation.",
         {"u": randn(3, 6), "p": randn(2, 3, 1), "q": randn(1, 3, 5)},
         [N("Conv1d", ["u"], "o0", name="c0", in_channels=3, out_channels=2, kernel_size=2),
          N("Conv1d", ["p"], "o1", name="c1", in_channels=3, out_channels=4, kernel_size=1),
          N("Conv1d", ["p"], "o2", name="c2", in_channels=3, out_channels=2, kernel_size=3, padding=1),
          N("Conv1d", ["q"], "o3", name="c3", in_channels=3, out_channels=2, kernel_size=3, dilation=2),
          N("Conv1d", ["q"], "o4", name="c4", in_channels=3, out_channels=2, kernel_size=4, padding="same"),
          N("Conv1d", ["q"], "o5", name="c5", in_channels=3, out_channels=3, kernel_size=2, padding="same", dilation=3,
            groups=3)],
         ["o0", "o1", "o2", "o3", "o4", "o5"], free={"p": [0]})

    case("conv_wide_padding",
         "Convolutions padded wider than their (dilated) kernel, as PyTorch allows: Conv1d kernel 3 padding 4 on "
         "L = 2, kernel 1 padding 2, kernel 2 dilation 2 padding 3; Conv2d kernel 3 padding (4, 5) on 2×3.",
         {"x": randn(2, 3, 2), "y": randn(1, 2, 2, 3)},
         [N("Conv1d", ["x"], "o0", name="c0", in_channels=3, out_channels=4, kernel_size=3, padding=4),
          N("Conv1d", ["x"], "o1", name="c1", in_channels=3, out_channels=2, kernel_size=1, padding=2),
          N("Conv1d", ["x"], "o2", name="c2", in_channels=3, out_channels=5, kernel_size=2, dilation=2, padding=3),
          N("Conv2d", ["y"], "o3", name="c3", in_channels=2, out_channels=3, kernel_size=3, padding=[4, 5])],
         ["o0", "o1", "o2", "o3"], free={"x": [0, 2]})

    # ---- recurrent ------------------------------------------------------------------------------------------------
    for b, t in ((1, 4), (3, 1), (3, 5)):
        case(f"lstm_b{b}_t{t}",
             f"LSTM on batch {b}, sequence length {t}: 2 layers, bidirectional, proj_size 3, batch_first, with h_0 "
             "and c_0 inputs; and a 1-layer LSTM without h_0 (zeros).",
             {"x": randn(b, t, 5), "h0": randn(4, b, 3), "c0": randn(4, b, 6)},
             [N("LSTM", ["x", "h0", "c0"], ["o0", "o1", "o2"], name="lstm", input_size=5, hidden_size=6, num_layers=2,
                batch_first=True, bidirectional=True, proj_size=3),
              N("LSTM", ["x"], ["o3", "o4", "o5"], name="single", input_size=5, hidden_size=4, batch_first=True)],
             ["o0", "o1", "o2", "o3", "o4", "o5"], free={"x": [0, 1], "h0": [1], "c0": [1]})
    case("lstm_variants",
         "LSTM time-major with h_0 / c_0, bidirectional 1 layer without bias; unbatched (L, H_in) with h_0 / c_0; "
         "proj_size without bidirectional.",
         {"x": randn(4, 2, 3), "h0": randn(2, 2, 5), "c0": randn(2, 2, 5), "u": randn(3, 3), "uh": randn(1, 2),
          "uc": randn(1, 4)},
         [N("LSTM", ["x", "h0", "c0"], ["o0", "o1", "o2"], name="tm", input_size=3, hidden_size=5, bidirectional=True,
            bias=False),
          N("LSTM", ["u", "uh", "uc"], ["o3", "o4", "o5"], name="ub", input_size=3, hidden_size=4, proj_size=2),
          N("LSTM", ["x"], ["o6", "o7", "o8"], name="pr", input_size=3, hidden_size=4, num_layers=3, proj_size=1)],
         ["o0", "o1", "o2", "o3", "o4", "o5", "o6", "o7", "o8"], free={"x": [0, 1], "h0": [1], "c0": [1]})
    for b in (1, 3):
        case(f"rnn_b{b}",
             f"RNN tanh (2 layers, bidirectional, batch_first, h_0 input) and RNN relu (time-major, no bias), GRU "
             f"bidirectional with h_0, on batch {b}.",
             {"x": randn(b, 4, 3), "h0": randn(4, b, 5), "y": randn(3, b, 3), "g0": randn(2, b, 4)},
             [N("RNN", ["x", "h0"], ["o0", "o1"], name="tanh", input_size=3, hidden_size=5, num_layers=2,
              batch_first=True,
                bidirectional=True),
              N("RNN", ["y"], ["o2", "o3"], name="relu", input_size=3, hidden_size=4, nonlinearity="relu", bias=False),
              N("GRU", ["y", "g0"], ["o4", "o5"], name="gru", input_size=3, hidden_size=4, bidirectional=True)],
             ["o0", "o1", "o2", "o3", "o4", "o5"], free={"x": [0, 1], "h0": [1], "y": [0, 1], "g0": [1]})
    case("rnn_unbatched_seq1",
         "RNN relu and GRU on an unbatched (L, H_in) input of sequence length 1 with h_0; RNN tanh, 3 layers.",
         {"u": randn(1, 3), "h": randn(1, 4), "v": randn(2, 3)},
         [N("RNN", ["u", "h"], ["o0", "o1"], name="r", input_size=3, hidden_size=4, nonlinearity="relu"),
          N("GRU", ["u", "h"], ["o2", "o3"], name="g", input_size=3, hidden_size=4),
          N("RNN", ["v"], ["o4", "o5"], name="deep", input_size=3, hidden_size=2, num_layers=3)],
         ["o0", "o1", "o2", "o3", "o4", "o5"], free={"u": [0], "v": [0]})

    # ---- attention ------------------------------------------------------------------------------------------------
    for b, lq, lk in ((1, 1, 1), (3, 4, 5)):
        case(f"sdpa_b{b}_q{lq}_k{lk}",
             f"scaled_dot_product_attention in PyTorch's layout (B, H, L, E), batch {b}, {lq} queries, {lk} keys: "
             "no mask; a float key padding mask (B, 1, 1, S) with -inf and biases; a bool one (I64 input to('bool')); "
             "scale; is_causal; rank-3 (B, L, E).",
             {"q": randn(b, 2, lq, 4), "k": randn(b, 2, lk, 4), "v": randn(b, 2, lk, 4), "mf": key_mask(b, lk, "float"),
              "mi": key_mask(b, lk, "ints"), "q3": randn(b, lq, 4), "k3": randn(b, lk, 4), "v3": randn(b, lk, 4)},
             [N("scaled_dot_product_attention", ["q", "k", "v"], "o0"),
              N("scaled_dot_product_attention", ["q", "k", "v", "mf"], "o1"),
              N("to", ["mi"], "mb", dtype="bool"),
              N("scaled_dot_product_attention", ["q", "k", "v", "mb"], "o2", scale=0.3),
              N("scaled_dot_product_attention", ["q", "k", "v"], "o3", is_causal=True),
              N("scaled_dot_product_attention", ["q3", "k3", "v3"], "o4")],
             ["o0", "o1", "o2", "o3", "o4"],
             free={"q": [0, 2], "k": [0, 2], "v": [0, 2], "mf": [0, 3], "mi": [0, 3], "q3": [0, 1], "k3": [0, 1],
                   "v3": [0, 1]})
    # ---- hand-written attention (fused into scaled_dot_product_attention when it can be) ---------------------------
    def attention(q, k, v, mask, o, tag, scale_op="mul", scale=0.5):
        nodes = [N("transpose", [k], f"{tag}kt", dim0=-2, dim1=-1), N("matmul", [q, f"{tag}kt"], f"{tag}s"),
                 N(scale_op, [f"{tag}s"], f"{tag}ss", other=scale)]
        last = f"{tag}ss"
        if mask is not None:
            nodes.append(N("add", [last, mask], f"{tag}sm"))
            last = f"{tag}sm"
        return nodes + [N("softmax", [last], f"{tag}p", dim=-1), N("matmul", [f"{tag}p", v], o)]

    case("attention_handwritten",
         "softmax(q @ k.transpose(-2, -1) · s + mask) @ v written out: without a mask, with a key padding mask "
         "(B, 1, 1, S) (fused), with a mask per query (B, 1, L, S) (not a key mask: left unfused), scaled by div; "
         "batch free.",
         {"q": randn(3, 2, 3, 4), "k": randn(3, 2, 5, 4), "v": randn(3, 2, 5, 4), "m": key_mask(3, 5, "float"),
          "pm": randn(3, 1, 3, 5)},
         attention("q", "k", "v", None, "o0", "a") + attention("q", "k", "v", "m", "o1", "b")
         + attention("q", "k", "v", "pm", "o2", "c") + attention("q", "k", "v", "m", "o3", "d", "div", 3.0),
         ["o0", "o1", "o2", "o3"], free={"q": [0], "k": [0], "v": [0], "m": [0], "pm": [0]})

    case("attention_value_width",
         "Hand-written attention whose values are wider than queries and keys (E = 4, Ev = 6), without a mask and "
         "with a key padding mask: the attention kernel takes Ev = E only, so these stay unfused.",
         {"q": randn(2, 3, 2, 4), "k": randn(2, 3, 5, 4), "v": randn(2, 3, 5, 6), "m": key_mask(2, 5, "float")},
         attention("q", "k", "v", None, "o0", "a") + attention("q", "k", "v", "m", "o1", "b"),
         ["o0", "o1"], free={"q": [0], "k": [0], "v": [0], "m": [0]})

    causal = torch.zeros(3, 3).masked_fill(torch.ones(3, 3, dtype=torch.bool).triu(1), float("-inf"))
    case("attention_query_masks",
         "Hand-written attention with masks that differ per query, which a key padding mask cannot express: a causal "
         "(L, S) buffer broadcast over (B, H) (batch free, run with B = L = 3) and a (1, 1, L, S) one.",
         {"q": randn(3, 2, 3, 4), "k": randn(3, 2, 3, 4), "v": randn(3, 2, 3, 4)},
         [N("get_attr", None, "causal", name="causal"), N("unsqueeze", ["causal"], "c1", dim=0),
          N("unsqueeze", ["c1"], "c2", dim=0)]
         + attention("q", "k", "v", "causal", "o0", "a") + attention("q", "k", "v", "c2", "o1", "b"),
         ["o0", "o1"], free={"q": [0], "k": [0], "v": [0]}, buffers={"causal": causal})
    case("attention_shared_keys",
         "Hand-written attention of queries (B, H, L, E), batch free, with keys and values (1, H, S, E) shared by "
         "every batch row (get_attr buffers), broadcast by the matmuls.",
         {"q": randn(3, 2, 3, 4)},
         [N("get_attr", None, "k", name="mem.k"), N("get_attr", None, "v", name="mem.v")]
         + attention("q", "k", "v", None, "o0", "a"),
         ["o0"], free={"q": [0]}, buffers={"mem.k": (1, 2, 5, 4), "mem.v": (1, 2, 5, 4)})

    case("attention_rdiv_scores",
         "softmax(c / (q @ kᵀ)) @ v: a reversed division of the scores is not a scale (positive q and k keep the "
         "scores away from 0).",
         {"q": uniform(0.5, 1.0, 2, 2, 3, 4), "k": uniform(0.5, 1.0, 2, 2, 5, 4), "v": randn(2, 2, 5, 4)},
         attention("q", "k", "v", None, "o0", "a", "rdiv", 4.0),
         ["o0"], free={"q": [0], "k": [0], "v": [0]})

    # ---- what the fusion passes rewrite ---------------------------------------------------------------------------
    case("fusion_epilogues",
         "Patterns the fusion passes fold, checked against the nodes one by one: Conv2d → ReLU → MaxPool2d(2) → "
         "Sigmoid on an odd 5×7 map, Conv1d + residual add → ReLU6, Linear + residual → GELU, add → Hardswish, "
         "x · sigmoid(x), hardsigmoid(x) · x, Conv1d → BatchNorm1d without running statistics (not folded).",
         {"x": randn(2, 3, 5, 7), "s": randn(2, 4, 6), "t": randn(2, 3, 4), "y": randn(2, 4, 6)},
         [N("Conv2d", ["x"], "c0", name="conv", in_channels=3, out_channels=4, kernel_size=3, padding=1),
          N("ReLU", ["c0"], "r0"), N("MaxPool2d", ["r0"], "p0", kernel_size=2), N("Sigmoid", ["p0"], "o0"),
          N("Conv1d", ["s"], "c1", name="c1d", in_channels=4, out_channels=4, kernel_size=3, padding=1),
          N("add", ["c1", "s"], "a1"), N("ReLU6", ["a1"], "o1"),
          N("Linear", ["t"], "l2", name="fc", in_features=4, out_features=4), N("add", ["t", "l2"], "a2"),
          N("GELU", ["a2"], "o2"), N("add", ["s", "y"], "a3"), N("hardswish", ["a3"], "o3"),
          N("sigmoid", ["y"], "g4"), N("mul", ["y", "g4"], "o4"), N("hardsigmoid", ["s"], "g5"), N("mul", ["g5", "s"], "o5"),
          N("Conv1d", ["y"], "c6", name="c6", in_channels=4, out_channels=3, kernel_size=2),
          N("BatchNorm1d", ["c6"], "o6", name="bn6", num_features=3, track_running_stats=False)],
         ["o0", "o1", "o2", "o3", "o4", "o5", "o6"], free={"x": [0], "s": [0, 2], "t": [0], "y": [0, 2]})
    case("broadcast_high_rank",
         "Broadcasts of rank 5 and 6: (2,1,3,1,2) + (4,1,5,1), (1,2,1,3,1,2) · (2,1,3,1,2,1), and a size-1 "
         "dimension of the result itself.",
         {"a": randn(2, 1, 3, 1, 2), "b": randn(4, 1, 5, 1), "c": randn(1, 2, 1, 3, 1, 2), "d": randn(2, 1, 3, 1, 2, 1),
          "e": randn(1, 3, 1), "f": randn(1, 1, 4)},
         [N("add", ["a", "b"], "o0"), N("mul", ["c", "d"], "o1"), N("sub", ["e", "f"], "o2")],
         ["o0", "o1", "o2"], free={"a": [0], "d": [0, 2]})

    # ---- empty tensors --------------------------------------------------------------------------------------------
    case("empty_tensors",
         "Ops on tensors with a size-0 dimension (x[:, 5:2]): exp, add of a broadcast operand, softmax along and "
         "across it, sum over it (zeros), amax across it, matmul with an inner size of 0 (zeros), cat with a "
         "non-empty tensor, permute.",
         {"x": randn(3, 4), "y": randn(4, 2), "v": randn(1)},
         [N("getitem", ["x"], "e", index=[sl(None, None, None), sl(5, 2, None)]),
          N("getitem", ["y"], "z", index=sl(3, 1, None)),
          N("exp", ["e"], "o0"), N("add", ["e", "v"], "o1"), N("softmax", ["e"], "o2", dim=-1),
          N("softmax", ["e"], "o3", dim=0), N("sum", ["e"], "o4", dim=1), N("amax", ["e"], "o5", dim=0),
          N("matmul", ["e", "z"], "o6"), N("cat", ["e", "x"], "o7", dim=1), N("permute", ["e"], "o8", dims=[1, 0]),
          N("mean", ["e"], "o9", dim=0)],
         ["o0", "o1", "o2", "o3", "o4", "o5", "o6", "o7", "o8", "o9"], free={"x": [0]})
    case("broadcast_free_dims",
         "Broadcasting where the spec leaves dimensions free: x declared (?, 4) and run as (1, 4) against (3, 1); "
         "(?, ?) against (?, 1), both run with size 1 somewhere.",
         {"x": randn(1, 4), "c": randn(3, 1), "a": randn(2, 1), "b": randn(1, 1)},
         [N("add", ["x", "c"], "o0"), N("mul", ["c", "x"], "o1"), N("sub", ["a", "b"], "o2"),
          N("add", ["b", "x"], "o3")],
         ["o0", "o1", "o2", "o3"], free={"x": [0], "a": [0, 1], "b": [0]})

    # ---- constants ------------------------------------------------------------------------------------------------
    case("get_attr",
         "get_attr of an F32 buffer (added to the input, and returned as is) and of an I64 buffer (times an I64 "
         "input, and to float); a rank-0 buffer.",
         {"x": randn(2, 3), "i": ints(-3, 4, 2, 3)},
         [N("get_attr", None, "w", name="scale.w"), N("add", ["x", "w"], "o0"),
          N("get_attr", None, "k", name="table.idx"), N("mul", ["i", "k"], "o1"), N("float", ["k"], "kf"),
          N("mul", ["x", "kf"], "o2"), N("get_attr", None, "s", name="s0"), N("mul", ["x", "s"], "o3"),
          N("relu", ["w"], "o4")],
         ["o0", "o1", "o2", "o3", "w", "o4"], free={"x": [0], "i": [0]},
         buffers={"scale.w": (3,), "table.idx": ("I64", (2, 3)), "s0": ()})

    # ---- comparisons, running sums, linear of values ------------------------------------------------------------
    case("ne_cumsum",
         "RoBERTa's position ids from input ids: ne(ids, 1) -> int -> cumsum(dim=1) * mask + 1 (padding index 1); "
         "ne of two F32 tensors broadcast (many equal elements), of I64 tensors broadcast, of an F32 tensor and a "
         "number, of I64 and a fraction; cumsum of F32 along dim 0 and -1, of "
         "a BOOL (counts), of I64 with dtype float32.",
         {"ids": ints(0, 4, 3, 7), "row": ints(0, 4, 7),
          "x": Input("F32", (2, 3, 4), lambda s, g: torch.randint(-2, 3, s, generator=g).float() / 2),
          "y": Input("F32", (3, 1), lambda s, g: torch.randint(-2, 3, s, generator=g).float() / 2),
          "z": Input("F32", (2, 5), lambda s, g: torch.tensor([0.5, 0.25, -0.5])[torch.randint(0, 3, s, generator=g)])},
         [N("ne", ["ids"], "m", other=1), N("int", ["m"], "mi"), N("cumsum", ["mi"], "cs", dim=1),
          N("mul", ["cs", "mi"], "inc"), N("add", ["inc"], "pos", other=1),
          N("ne", ["x", "y"], "o1"), N("ne", ["ids", "row"], "o2"), N("ne", ["z"], "o3", other=0.5),
          N("ne", ["ids"], "o4", other=1.5), N("cumsum", ["x"], "o5", dim=0), N("cumsum", ["x"], "o6", dim=-1),
          N("cumsum", ["m"], "o7", dim=1), N("cumsum", ["ids"], "o8", dim=0, dtype="float32")],
         ["pos", "m", "o1", "o2", "o3", "o4", "o5", "o6", "o7", "o8"], free={"ids": [0, 1], "x": [0], "z": [1]})
    case("pad_constant",
         "pad (constant): the last dimension (1, 2) with value -1.5, the middle one before (0, 0, 1, 0), three "
         "dimensions with MobileBERT's [0, 0, 0, 1, 0, 0]; an empty slice padded to one row of zeros; an I64 tensor "
         "padded with 7; MobileBERT's trigram embedding: cat of x[:, 1:] padded after, x, x[:, :-1] padded before.",
         {"x": randn(2, 3, 4), "i": ints(-5, 6, 3, 2)},
         [N("pad", ["x"], "o0", pad=[1, 2], value=-1.5), N("pad", ["x"], "o1", pad=[0, 0, 1, 0]),
          N("pad", ["x"], "o2", pad=[0, 0, 0, 1, 0, 0]),
          N("getitem", ["x"], "e", index=[sl(None, None, None), sl(3, None, None)]),
          N("pad", ["e"], "o3", pad=[0, 0, 0, 1]), N("pad", ["i"], "o4", pad=[2, 0], value=7),
          N("getitem", ["x"], "nx", index=[sl(None, None, None), sl(1, None, None)]),
          N("pad", ["nx"], "nxp", pad=[0, 0, 0, 1, 0, 0], value=0),
          N("getitem", ["x"], "pv", index=[sl(None, None, None), sl(None, -1, None)]),
          N("pad", ["pv"], "pvp", pad=[0, 0, 1, 0, 0, 0], value=0),
          N("cat", ["nxp", "x", "pvp"], "o5", dim=2)],
         ["o0", "o1", "o2", "o3", "o4", "o5"], free={"x": [0, 1], "i": [0]})
    case("linear_function",
         "linear(x, W, b) with W and b get_attr constants (a pass makes it a Linear over them), without bias on a "
         "rank-1 input, with the weight and bias as inputs, a decoder tied to an Embedding's table (the same tensor "
         "read by the Embedding and by get_attr), and a get_attr weight also read by another node.",
         {"x": randn(2, 3, 4), "v": randn(4), "wt": randn(5, 4), "bt": randn(5), "ids": ints(0, 6, 2, 3)},
         [N("get_attr", None, "w", name="dec.weight"), N("get_attr", None, "b", name="dec.bias"),
          N("linear", ["x", "w", "b"], "o0"), N("linear", ["v", "w"], "o1"), N("linear", ["x", "wt", "bt"], "o2"),
          N("Embedding", ["ids"], "e", name="emb", num_embeddings=6, embedding_dim=4),
          N("get_attr", None, "ew", name="emb.weight"), N("linear", ["e", "ew", "b"], "o3"),
          N("relu", ["w"], "o4")],
         ["o0", "o1", "o2", "o3", "o4"], free={"x": [0, 1], "ids": [0, 1]},
         buffers={"dec.weight": (6, 4), "dec.bias": (6,)})

    # ---- modules of the rest of the table -------------------------------------------------------------------------
    case("linear_embedding",
         "Linear on a rank-1 (unbatched) and a rank-3 input, without bias; Embedding of I64 ids of rank 2 and 0.",
         {"v": randn(4), "x": randn(2, 3, 4), "ids": ints(0, 6, 2, 3), "one": ints(0, 6)},
         [N("Linear", ["v"], "o0", name="fc", in_features=4, out_features=3),
          N("Linear", ["x"], "o1", name="fc2", in_features=4, out_features=5, bias=False),
          N("Embedding", ["ids"], "o2", name="emb", num_embeddings=6, embedding_dim=3),
          N("Embedding", ["one"], "o3", name="emb2", num_embeddings=6, embedding_dim=2)],
         ["o0", "o1", "o2", "o3"], free={"x": [0, 1], "ids": [0, 1]})


# ---------------------------------------------------------------------------------------------------------------
# writing and checking
# ---------------------------------------------------------------------------------------------------------------

def make_spec(c):
    inputs = []
    for name, inp in c["inputs"].items():
        shape = list(inp.shape)
        for d in c["free"].get(name, []):
            shape[d] = -1
        inputs.append({"name": name, "shape": shape, "dtype": inp.dtype})
    return {"format": "isthmus/2", "inputs": inputs, "nodes": c["nodes"], "outputs": c["outputs"]}


def make_tensors(c, seed):
    """Module parameters (randomised) under their node names, and the get_attr buffers."""
    tensors = {}
    gen = torch.Generator().manual_seed(seed + 2)
    for node in c["nodes"]:
        if node["op"][:1].isupper():
            m = build_module(node)
            randomise(m, seed + len(tensors))
            for k, t in m.state_dict().items():
                tensors[f"{node['name']}.{k}"] = t.detach().clone().contiguous()
    for name, spec in c["buffers"].items():
        if isinstance(spec, torch.Tensor):
            tensors[name] = spec.clone()
        elif spec and isinstance(spec[0], str):
            tensors[name] = torch.randint(-4, 5, spec[1], generator=gen, dtype=torch.int64)
        else:
            tensors[name] = torch.randn(spec, generator=gen)
    return tensors


def write_case(c):
    name = c["name"]
    d = os.path.join(OUT_DIR, name)
    os.makedirs(d)
    seed = zlib.crc32(name.encode()) & 0x7FFFFFFF
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed + 1)
    inputs = {k: v.make(gen) for k, v in c["inputs"].items()}
    tensors = make_tensors(c, seed)
    spec = make_spec(c)
    safetensors_io.save(os.path.join(d, "model.safetensors"), {k: t.numpy() for k, t in tensors.items()},
                        {"isthmus.spec": json.dumps(spec)})
    ref = run_spec(spec, tensors, inputs, double=True)
    f32 = run_spec(spec, tensors, inputs, double=False)
    diff = 0.0
    for r, o in zip(ref, f32):
        assert isinstance(r, torch.Tensor), (name, "an output is not a tensor")
        assert r.shape == o.shape and r.dtype.is_floating_point == o.dtype.is_floating_point, name
        assert torch.isfinite(r.double()).all(), (name, "non-finite golden")
        if r.numel():
            diff = max(diff, float((r.double() - o.double()).abs().max()))
    fixture_case.write(d, inputs, ref, c["description"], diff)
    return spec, tensors, diff


def verify_case(name):
    """Reads everything back and runs the spec again from the files: the goldens must come out bit for bit."""
    d = os.path.join(OUT_DIR, name)
    with open(os.path.join(d, "case.json")) as f:
        cj = json.load(f)
    assert list(cj) == CASE_KEYS, name
    path = os.path.join(d, cj["model"])
    safetensors_io.check_layout(path)
    arrays, meta = safetensors_io.load(path)
    spec = json.loads(meta["isthmus.spec"])
    assert spec["format"] == "isthmus/2"
    np_dtypes = {"F32": np.float32, "I64": np.int64, "I32": np.int32}
    inputs = {}
    for i in spec["inputs"]:
        a = np.load(os.path.join(d, cj["inputs"][i["name"]]))
        assert a.dtype == np_dtypes[i["dtype"]], (name, i["name"], a.dtype)
        assert a.ndim == len(i["shape"]) and all(t in (-1, s) for s, t in zip(a.shape, i["shape"])), name
        inputs[i["name"]] = torch.from_numpy(a)
    outs = run_spec(spec, {k: torch.from_numpy(v) for k, v in arrays.items()}, inputs, double=True)
    assert len(outs) == len(cj["outputs"]), name
    for o, fn, shape in zip(outs, cj["outputs"], cj["output_shapes"]):
        g = np.load(os.path.join(d, fn))
        assert list(g.shape) == shape == list(o.shape), name
        assert np.array_equal(g, fixture_case.numpy_of(o)), (name, fn)


def main():
    warnings.filterwarnings("ignore", message="Implicit dimension choice")  # Softmax() of the legacy rule
    define_cases()
    if os.path.isdir(OUT_DIR):
        for entry in os.listdir(OUT_DIR):
            p = os.path.join(OUT_DIR, entry)
            if os.path.isdir(p):
                shutil.rmtree(p)
    os.makedirs(OUT_DIR, exist_ok=True)
    print(f"{'case':28s} {'nodes':>5s} {'tensors':>7s} {'bytes':>7s} {'f32 diff':>9s}")
    total = 0
    for c in CASES:
        spec, tensors, diff = write_case(c)
        verify_case(c["name"])
        d = os.path.join(OUT_DIR, c["name"])
        size = sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))
        total += size
        print(f"{c['name']:28s} {len(spec['nodes']):5d} {len(tensors):7d} {size:7d} {diff:9.2g}")
    print(f"{len(CASES)} cases ok; {total / 1e6:.3f} MB in {os.path.relpath(OUT_DIR, ROOT)}")


if __name__ == "__main__":
    main()
