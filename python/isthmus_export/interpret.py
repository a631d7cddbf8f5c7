"""A reference interpreter of isthmus/1 and isthmus/2 specs with torch.

It reads the spec as the engine does — module nodes rebuilt from their class name and constructor arguments with
their tensors from the file, functional nodes run by their PyTorch names, size values as Python numbers and tuples,
``{"ref": ...}`` resolved — so that a file can be checked against the model it came from without the engine. It
also checks that every tensor in the file is read by some node, as the engine does at load.
"""
import json

import torch
import torch.nn.functional as F
from torch import nn

from . import safetensors

FLOW = ("op", "name", "input", "inputs", "output", "outputs")
DTYPES = {"float32": torch.float32, "float64": torch.float64, "float16": torch.float16, "int64": torch.int64,
          "int32": torch.int32, "bool": torch.bool}


class SpecError(Exception):
    pass


def load(path):
    """``(spec, tensors)`` of a self-contained safetensors file."""
    tensors, meta = safetensors.read(path)
    if "isthmus.spec" not in meta:
        raise SpecError(f"{path}: no isthmus.spec in the metadata")
    return json.loads(meta["isthmus.spec"]), tensors


def _tuples(v):
    if isinstance(v, list):
        return tuple(_tuples(e) for e in v)
    if isinstance(v, dict):
        return {k: _tuples(e) for k, e in v.items()}
    return v


def build_module(node):
    """A torch.nn module from a module node (op = class name, other keys = constructor arguments)."""
    op = node["op"]
    kw = {k: _tuples(v) for k, v in node.items() if k not in FLOW}
    if op == "TransformerEncoder":
        layer = nn.TransformerEncoderLayer(**kw.pop("encoder_layer"))
        norm = kw.pop("norm", None)
        return nn.TransformerEncoder(layer, norm=nn.LayerNorm(**norm) if norm else None, **kw)
    cls = getattr(nn, op, None)
    if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
        raise SpecError(f"unknown module {op}")
    if op in ("LayerNorm",) and isinstance(kw.get("normalized_shape"), tuple):
        kw["normalized_shape"] = list(kw["normalized_shape"])
    return cls(**kw)


def _index(v, resolve):
    v = resolve(v)
    if isinstance(v, dict) and "slice" in v:
        start, stop, step = (resolve(e) for e in v["slice"])
        return slice(start, stop, step)
    if v == "...":
        return Ellipsis
    if isinstance(v, list):
        return tuple(_index(e, resolve) for e in v)
    return v


def _add(input, other, alpha=1):
    if isinstance(input, torch.Tensor):
        return torch.add(input, other, alpha=alpha)
    return input + other * alpha


def _sub(input, other, alpha=1):
    if isinstance(input, torch.Tensor):
        return torch.sub(input, other, alpha=alpha)
    return input - other * alpha


def _div(input, other, rounding_mode=None):
    if isinstance(input, torch.Tensor) or isinstance(other, torch.Tensor):
        if not isinstance(input, torch.Tensor):
            input = torch.tensor(input, dtype=torch.float32)
        return torch.div(input, other, rounding_mode=rounding_mode)
    if rounding_mode == "floor":
        return input // other
    if rounding_mode == "trunc":
        return int(input / other)
    return input / other


def _mul(input, other):
    if isinstance(input, torch.Tensor):
        return torch.mul(input, other)
    return input * other


def _pow(a, exponent):
    return torch.pow(a, exponent) if isinstance(a, torch.Tensor) else a ** exponent


def _neg(a):
    return -a


def _reduce(fn):
    def run(x, dim=None, keepdim=False):
        if dim is None:
            return fn(x)
        return fn(x, dim=dim, keepdim=keepdim)
    return run


def _size(x, dim=None):
    return tuple(x.shape) if dim is None else x.shape[dim]


def _split(x, split_size_or_sections, dim=0):
    return torch.split(x, list(split_size_or_sections) if isinstance(split_size_or_sections, tuple)
                       else split_size_or_sections, dim)


def _to(x, dtype):
    return x.to(DTYPES[dtype])


def _identity(x, **kw):
    return x


def _layer_norm(x, weight=None, bias=None, normalized_shape=None, eps=1e-5):
    ns = normalized_shape if isinstance(normalized_shape, (tuple, list)) else (normalized_shape,)
    return F.layer_norm(x, ns, weight, bias, eps)


def _stack_like(fn):
    def run(*tensors, dim=0):
        return fn(list(tensors), dim=dim)
    return run


def _getitem(x, index):
    return x[index]


def _shape_arg(fn, key):
    def run(x, **kw):
        shape = kw.pop(key)
        return fn(x, shape if isinstance(shape, tuple) else (shape,))
    return run


# op -> (function of (*inputs, **args))
FUNCTIONS = {
    "add": _add, "sub": _sub, "mul": _mul, "div": _div,
    "rsub": lambda x, other, alpha=1: other - x * alpha,
    "rdiv": lambda x, other: other / x,
    "floordiv": lambda input, other: input // other,
    "pow": _pow, "neg": _neg,
    "sqrt": torch.sqrt, "rsqrt": torch.rsqrt, "exp": torch.exp, "log": torch.log, "abs": torch.abs,
    "reciprocal": torch.reciprocal,
    "clamp": lambda x, min=None, max=None: torch.clamp(x, min=min, max=max),
    "relu": lambda x, inplace=False: F.relu(x),
    "relu6": lambda x, inplace=False: F.relu6(x),
    "sigmoid": torch.sigmoid, "tanh": torch.tanh,
    "silu": lambda x, inplace=False: F.silu(x),
    "hardswish": lambda x, inplace=False: F.hardswish(x),
    "hardsigmoid": lambda x, inplace=False: F.hardsigmoid(x),
    "gelu": lambda x, approximate="none": F.gelu(x, approximate=approximate),
    "leaky_relu": lambda x, negative_slope=0.01, inplace=False: F.leaky_relu(x, negative_slope),
    "elu": lambda x, alpha=1.0, inplace=False: F.elu(x, alpha),
    "softmax": lambda x, dim: torch.softmax(x, dim),
    "log_softmax": lambda x, dim: torch.log_softmax(x, dim),
    "matmul": torch.matmul, "bmm": torch.bmm,
    "cat": _stack_like(torch.cat), "stack": _stack_like(torch.stack),
    "flatten": lambda x, start_dim=0, end_dim=-1: torch.flatten(x, start_dim, end_dim),
    "reshape": _shape_arg(torch.reshape, "shape"),
    "view": _shape_arg(lambda x, s: x.view(s), "shape"),
    "permute": lambda x, dims: x.permute(dims),
    "transpose": lambda x, dim0, dim1: x.transpose(dim0, dim1),
    "contiguous": lambda x: x.contiguous(),
    "dropout": _identity, "stochastic_depth": _identity, "clone": lambda x: x.clone(), "detach": _identity,
    "squeeze": lambda x, dim=None: x.squeeze() if dim is None else x.squeeze(dim),
    "unsqueeze": lambda x, dim: x.unsqueeze(dim),
    "chunk": lambda x, chunks, dim=0: torch.chunk(x, chunks, dim),
    "split": _split,
    "getitem": _getitem,
    "size": _size,
    "mean": _reduce(torch.mean), "sum": _reduce(torch.sum),
    "amax": lambda x, dim=(), keepdim=False: torch.amax(x, dim=dim, keepdim=keepdim),
    "layer_norm": _layer_norm,
    "adaptive_avg_pool1d": F.adaptive_avg_pool1d, "adaptive_avg_pool2d": F.adaptive_avg_pool2d,
    "avg_pool1d": F.avg_pool1d, "avg_pool2d": F.avg_pool2d,
    "max_pool1d": F.max_pool1d, "max_pool2d": F.max_pool2d,
    "to": _to, "float": lambda x: x.float(), "long": lambda x: x.long(),
}


class Interpreter:
    """Runs a spec; ``run(**inputs)`` returns the list of outputs in the spec's order."""

    def __init__(self, spec, tensors):
        if spec.get("format") not in ("isthmus/1", "isthmus/2"):
            raise SpecError(f"format {spec.get('format')!r}")
        self.spec = spec
        self.tensors = tensors
        self.modules = []
        self.read = set()
        for i, node in enumerate(spec["nodes"]):
            if node["op"][:1].isupper():
                self.modules.append(self._module(i, node))
            else:
                if node["op"] != "get_attr" and node["op"] not in FUNCTIONS:
                    raise SpecError(f"node {i}: unknown op {node['op']!r}")
                if node["op"] == "get_attr":
                    if node["name"] not in tensors:
                        raise SpecError(f"node {i}: get_attr {node['name']!r} is not in the file")
                    self.read.add(node["name"])
                self.modules.append(None)
        unread = set(tensors) - self.read
        if unread:
            raise SpecError(f"tensors no node reads: {sorted(unread)}")

    def _module(self, i, node):
        m = build_module(node)
        own = m.state_dict()
        if own:
            prefix = node.get("name")
            if prefix is None:
                raise SpecError(f"node {i} ({node['op']}) has tensors but no name")
            state = {}
            for k, t in own.items():
                full = f"{prefix}.{k}"
                if full not in self.tensors:
                    raise SpecError(f"node {i} ({node['op']} {prefix}): {full} is not in the file")
                if tuple(self.tensors[full].shape) != tuple(t.shape):
                    raise SpecError(f"{full}: shape {list(self.tensors[full].shape)}, expected {list(t.shape)}")
                state[k] = self.tensors[full]
                self.read.add(full)
            m.load_state_dict(state, strict=True)
        m.eval()
        return m

    def run(self, **inputs):
        env = {}
        for spec_in in self.spec["inputs"]:
            name = spec_in["name"]
            if name not in inputs:
                raise SpecError(f"input {name!r} not given")
            env[name] = inputs[name]
        prev = [env[self.spec["inputs"][0]["name"]]]
        with torch.no_grad():
            for i, (node, module) in enumerate(zip(self.spec["nodes"], self.modules)):
                if "inputs" in node:
                    args = [env[n] for n in node["inputs"]]
                elif "input" in node:
                    args = [env[node["input"]]]
                elif node["op"] == "get_attr":
                    args = []
                else:
                    args = prev[:1]
                results = self._node(node, module, args, env)
                names = node.get("outputs") or ([node["output"]] if "output" in node else [])
                if not names:
                    names = [f"node{i}"] + [f"node{i}:{k}" for k in range(1, len(results))]
                if len(names) != len(results):
                    raise SpecError(f"node {i} ({node['op']}) names {len(names)} results, it has {len(results)}")
                for n, r in zip(names, results):
                    env[n] = r
                prev = results
        outs = self.spec.get("outputs")
        return [env[n] for n in outs] if outs else prev[:1]

    def _node(self, node, module, args, env):
        def resolve(v):
            if isinstance(v, dict):
                if set(v) == {"ref"}:
                    return env[v["ref"]]
                return {k: resolve(e) for k, e in v.items()}
            if isinstance(v, list):
                return [resolve(e) for e in v]
            return v

        op = node["op"]
        if module is not None:
            if op == "Embedding" and args[0].dtype != torch.int64:
                args = [args[0].long()]
            if op == "LSTM":
                res = module(args[0], tuple(args[1:3])) if len(args) == 3 else module(args[0])
                out, (h, c) = res
                return [out, h, c]
            if op in ("GRU", "RNN"):
                return list(module(*args))
            if op in ("TransformerEncoder", "TransformerEncoderLayer") and len(args) == 2:
                return [module(args[0], src_key_padding_mask=args[1])]
            return [module(*args)]
        if op == "get_attr":
            return [self.tensors[node["name"]]]
        kw = {k: v for k, v in node.items() if k not in FLOW}
        if op == "getitem":
            return [_getitem(args[0], _index(kw["index"], resolve))]
        kw = {k: _tuples(resolve(v)) for k, v in kw.items()}
        res = FUNCTIONS[op](*args, **kw)
        if op in ("chunk", "split"):
            return list(res)
        return [res]


def interpret(model, inputs, tensors=None):
    """Run a spec on ``inputs`` (name -> tensor); ``model`` is a .safetensors path or a spec dict (then
    ``tensors`` holds its tensors). Returns the outputs in the spec's order."""
    if isinstance(model, dict):
        spec = model
        tensors = tensors or {}
    else:
        spec, tensors = load(model)
    return Interpreter(spec, tensors).run(**inputs)
