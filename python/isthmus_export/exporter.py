"""Turning a torch.nn.Module into one self-contained isthmus/2 safetensors file.

The module is traced with torch.fx. The modules the spec knows stay whole (one node each, with all their
constructor arguments); user modules and containers are traced through; the functions and tensor methods they call
become functional nodes under PyTorch's names. The traced graph is then run once on the example inputs to learn
what each value is (a tensor, a size, a tuple of how many pieces), every problem is collected, and only when there
is none is the file written: the tensors the nodes read, and the spec in ``__metadata__["isthmus.spec"]``.
"""
import dis
import inspect
import json
import logging
import math
import os
import traceback

import torch
import torch.fx
from torch import nn

from . import modules as M
from . import ops as O
from . import safetensors

log = logging.getLogger("isthmus_export")

FORMAT = "isthmus/2"
INPUT_DTYPES = {torch.float32: "F32", torch.int64: "I64", torch.int32: "I32", torch.float16: "F16",
                torch.bfloat16: "BF16"}
TENSOR_DTYPES = {torch.float32, torch.int64, torch.int32}


class ExportError(Exception):
    """Everything that stops a model from being exported, found in one pass: ``problems`` lists each one."""

    def __init__(self, what, problems):
        self.what = what
        self.problems = list(problems)
        n = len(self.problems)
        head = f"cannot export {what}: " + (self.problems[0] if n == 1 else f"{n} problems")
        super().__init__(head if n == 1 else head + "".join(f"\n  - {p}" for p in self.problems))

    def one_line(self):
        if len(self.problems) == 1:
            return f"cannot export {self.what}: {self.problems[0]}"
        return f"cannot export {self.what}: {len(self.problems)} problems: " + "; ".join(self.problems)


class ExportResult:
    """What :func:`export` wrote: ``path``, the ``spec`` (a dict), the ``tensors`` written (name -> shape) and the
    state-dict entries ``dropped`` because no node reads them."""

    def __init__(self, path, spec, tensors, dropped):
        self.path = path
        self.spec = spec
        self.tensors = tensors
        self.dropped = dropped

    def __repr__(self):
        return (f"ExportResult({self.path!r}, {len(self.spec['nodes'])} nodes, {len(self.tensors)} tensors, "
                f"{len(self.dropped)} dropped)")


# ---------------------------------------------------------------------------------------------------------------
# tracing
# ---------------------------------------------------------------------------------------------------------------

def _unpack_count(frame):
    """How many names the bytecode at ``frame`` unpacks into (``a, b = ...``), or None.

    torch.fx reads this to iterate a Proxy but looks the instruction up by index, which breaks on Python 3.11's
    inline caches; the byte offset ``f_lasti`` is reliable.
    """
    for inst in dis.get_instructions(frame.f_code):
        if inst.offset == frame.f_lasti:
            return inst.argval if inst.opname == "UNPACK_SEQUENCE" else None
    return None


def _proxy_iter(self):
    """Proxy.__iter__ that finds ``a, b = proxy`` by byte offset (see _unpack_count)."""
    n = _unpack_count(inspect.currentframe().f_back)
    if n is not None:
        return (self[i] for i in range(n))
    return self.tracer.iter(self)


class _FixedProxyIter:
    """Installs _proxy_iter on torch.fx.Proxy (and so on its Attribute proxies, ``x.shape``) while tracing."""

    def __enter__(self):
        self.saved = torch.fx.Proxy.__iter__
        torch.fx.Proxy.__iter__ = _proxy_iter

    def __exit__(self, *exc):
        torch.fx.Proxy.__iter__ = self.saved


class _Tracer(torch.fx.Tracer):
    def __init__(self):
        super().__init__()
        self.record_stack_traces = True

    def is_leaf_module(self, m, qualified_name):
        if M.kind_of(m) is not None:
            return True
        if isinstance(m, M.CONTAINERS):
            return False
        # Any other torch.nn module stays whole too: it is reported as unknown rather than traced into internals.
        return M.is_torch_nn(m)

    def iter(self, obj):
        node = obj.node
        if node.op == "call_module":
            kind = M.kind_of(self.root.get_submodule(node.target))
            if kind is not None and kind.results is not None:
                return (obj[i] for i in range(len(kind.results)))
        return super().iter(obj)


def _user_location(stack_trace):
    """``file:line: code`` of the innermost user frame in an fx node's recorded stack trace."""
    if not stack_trace:
        return None
    lines = stack_trace.splitlines()
    for i, line in enumerate(lines):
        s = line.strip()
        if s.startswith("File "):
            try:
                path = s.split('"')[1]
                lineno = s.split(", line ")[1].split(",")[0]
            except IndexError:
                continue
            if _is_library_file(path):
                continue
            code = lines[i + 1].strip() if i + 1 < len(lines) and not lines[i + 1].strip().startswith("File ") \
                else ""
            return f"{_short_path(path)}:{lineno}" + (f" `{code}`" if code else "")
    return None


_HERE = os.path.dirname(os.path.abspath(__file__))
_TORCH = os.path.dirname(os.path.abspath(torch.__file__))


def _is_library_file(path):
    """Frames in torch or this package say nothing about where the user's model does something."""
    p = os.path.abspath(path)
    return p.startswith(_HERE + os.sep) or p.startswith(_TORCH + os.sep) or path.startswith("<")


def _short_path(path):
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return rel if not rel.startswith("..") else path


def _exception_location(exc):
    """The innermost frame of a traceback outside torch and this package, as ``file:line `code```."""
    best = None
    for fs in traceback.extract_tb(exc.__traceback__):
        if not _is_library_file(fs.filename):
            best = fs
    if best is None:
        return None
    return f"{_short_path(best.filename)}:{best.lineno}" + (f" `{best.line.strip()}`" if best.line else "")


# ---------------------------------------------------------------------------------------------------------------
# what the example run tells about each fx node
# ---------------------------------------------------------------------------------------------------------------

class TensorInfo:
    __slots__ = ("shape", "dtype")

    def __init__(self, t):
        self.shape = tuple(t.shape)
        self.dtype = t.dtype

    def __repr__(self):
        return f"Tensor{list(self.shape)}:{self.dtype}"


def _summary(v):
    if isinstance(v, torch.Tensor):
        return TensorInfo(v)
    if isinstance(v, torch.Size):
        return tuple(int(s) for s in v)
    if isinstance(v, (tuple, list)):
        return tuple(_summary(x) for x in v)
    return v


def _is_size(v):
    if isinstance(v, bool):
        return False
    if isinstance(v, (int, float)):
        return True
    return isinstance(v, tuple) and all(isinstance(x, int) and not isinstance(x, bool) for x in v)


class _ExampleRun(torch.fx.Interpreter):
    current = None

    def run_node(self, n):
        self.current = n
        result = super().run_node(n)
        n.meta["isthmus"] = _summary(result)
        return result


# ---------------------------------------------------------------------------------------------------------------
# conversion
# ---------------------------------------------------------------------------------------------------------------

class _Poison:
    """The result of a node that could not be converted: later nodes using it are converted but not reported."""

    def __repr__(self):
        return "<unconverted>"


POISON = _Poison()


class _Const:
    def __init__(self, value):
        self.value = value


def _dtype_name(dt):
    return str(dt).replace("torch.", "")


class _Converter:
    def __init__(self, root, gm, input_names):
        self.root = root
        self.gm = gm
        self.input_names = input_names     # placeholder node -> spec input name
        self.nodes = []                    # spec nodes
        self.problems = []
        self.env = {}                      # fx node -> value name | tuple | _Const | POISON
        self.kind = {}                     # value name -> "tensor" | "size"
        self.size_of = {}                  # value name of a whole-shape size tuple -> its tensor's value name
        self.reads = {}                    # state-dict name -> (shape, dtype, who, reading node's name)
        self.get_attrs = {}                # name -> tensor, for get_attr nodes

    # ---- reporting ------------------------------------------------------------------------------------------

    def where(self, node):
        loc = _user_location(node.stack_trace)
        return f" at {loc}" if loc else ""

    def problem(self, node, text):
        tag = f" (fx node {node.name})" if node.op in ("call_function", "call_method", "get_attr") else ""
        self.problems.append(text + tag + self.where(node))

    # ---- values -----------------------------------------------------------------------------------------------

    def meta(self, node):
        return node.meta.get("isthmus")

    def value(self, x):
        """The structure for an fx argument: a Node becomes its value name/tuple; constants stay."""
        if isinstance(x, torch.fx.Node):
            return self.env[x]
        return x

    def is_value(self, v):
        return isinstance(v, str) and v in self.kind or v is POISON

    def json_arg(self, node, name, x):
        """A non-operand argument as JSON: size values become {"ref": ...}; tensors are refused."""
        if isinstance(x, torch.fx.Node):
            v = self.env[x]
            if v is POISON:
                return None
            if isinstance(v, _Const):
                return self.json_arg(node, name, v.value)
            if isinstance(v, str) and self.kind.get(v) == "size":
                return {"ref": v}
            if isinstance(v, tuple):
                raise _Refuse(f"argument {name!r} of {O.describe_target(node)} is a tuple of tensors")
            raise _Refuse(f"argument {name!r} of {O.describe_target(node)} is a tensor; the spec only takes "
                          f"numbers, sizes and tuples there")
        if isinstance(x, bool) or x is None or isinstance(x, (int, str)):
            return x
        if isinstance(x, float):
            if not math.isfinite(x):
                raise _Refuse(f"argument {name!r} of {O.describe_target(node)} is {x}, which JSON cannot hold")
            return x
        if isinstance(x, (tuple, list, torch.Size)):
            return [self.json_arg(node, name, e) for e in x]
        if isinstance(x, slice):
            return {"slice": [self.json_arg(node, name, x.start), self.json_arg(node, name, x.stop),
                              self.json_arg(node, name, x.step)]}
        if x is Ellipsis:
            return "..."
        if isinstance(x, torch.dtype):
            return _dtype_name(x)
        raise _Refuse(f"argument {name!r} of {O.describe_target(node)} is a {type(x).__name__} ({x!r}), which "
                      f"the spec cannot express")

    def emit(self, spec_node, node, outputs, kinds):
        spec_node["outputs"] = list(outputs)
        for name, k in zip(outputs, kinds):
            self.kind[name] = k
        self.nodes.append(spec_node)

    def value_kind(self, info):
        if isinstance(info, TensorInfo):
            return "tensor"
        if _is_size(info):
            return "size"
        return None

    # ---- the walk ---------------------------------------------------------------------------------------------

    def run(self, live):
        outputs = None
        for node in self.gm.graph.nodes:
            if node not in live:
                continue
            try:
                if node.op == "placeholder":
                    name = self.input_names.get(node)
                    self.env[node] = name
                    if name is not None:
                        self.kind[name] = "tensor"
                elif node.op == "get_attr":
                    self.do_get_attr(node)
                elif node.op == "call_module":
                    self.do_module(node)
                elif node.op in ("call_function", "call_method"):
                    self.do_call(node)
                elif node.op == "output":
                    outputs = node.args[0]
            except _Refuse as e:
                self.problem(node, str(e))
                self.env[node] = POISON
            except Exception as e:  # noqa: BLE001 - a case this converter does not foresee: say where
                self.problem(node, f"cannot convert fx node {node.name} ({node.op} {node.target}): "
                                   f"{type(e).__name__}: {e}")
                self.env[node] = POISON
        return outputs

    def do_get_attr(self, node):
        target = node.target
        try:
            t = _get_attr_path(self.gm, target)
        except AttributeError:
            raise _Refuse(f"get_attr {target!r}: no such attribute")
        if not isinstance(t, torch.Tensor):
            raise _Refuse(f"get_attr {target!r} is a {type(t).__name__}, not a tensor")
        self.get_attrs[target] = t
        self.reads.setdefault(target, (list(t.shape), t.dtype, f"get_attr {target}", target))
        self.emit({"op": "get_attr", "name": target, "inputs": []}, node, [node.name], ["tensor"])
        self.env[node] = node.name

    def do_module(self, node):
        qual = node.target
        m = self.gm.get_submodule(qual)
        kind = M.kind_of(m)
        if kind is None:
            raise _Refuse(f"module {qual} ({_class_name(type(m))}) is not in the spec")
        # forward arguments -> node inputs
        try:
            bound = M.forward_signature(m).bind(*node.args, **node.kwargs)
        except TypeError as e:
            raise _Refuse(f"module {qual} ({kind.op}): {e}")
        inputs = []
        missing = False
        for pname, x in bound.arguments.items():
            if pname in kind.inputs:
                parts = x if pname in kind.pairs and isinstance(x, (tuple, list)) else [x]
                for part in parts:
                    if part is None:
                        missing = True
                        continue
                    v = self.value(part)
                    if v is POISON:
                        self.env[node] = POISON
                        return
                    if not (isinstance(v, str) and self.kind.get(v) == "tensor"):
                        raise _Refuse(f"module {qual} ({kind.op}): argument {pname!r} is not a tensor")
                    if missing:
                        raise _Refuse(f"module {qual} ({kind.op}): {pname!r} given without the inputs before it")
                    inputs.append(v)
            elif x is not None and not (pname == "is_causal" and x is False):
                raise _Refuse(f"module {qual} ({kind.op}): argument {pname!r} is not supported by the spec")
        in_info = self.meta(node.args[0]) if node.args and isinstance(node.args[0], torch.fx.Node) else None
        rank = len(in_info.shape) if isinstance(in_info, TensorInfo) else None
        try:
            args = M.module_args(kind, m, rank)
        except M.Unsupported as e:
            raise _Refuse(f"module {qual} ({kind.op}): {e}")
        for suffix, (shape, dtype) in kind.tensors(args).items():
            self.reads.setdefault(f"{qual}.{suffix}", (list(shape), dtype, f"{kind.op} {qual}", qual))
        spec_node = {"op": kind.op, "name": qual}
        spec_node.update(args)
        spec_node["inputs"] = inputs
        info = self.meta(node)
        if kind.results is None:
            if not isinstance(info, TensorInfo):
                raise _Refuse(f"module {qual} ({kind.op}) returned {info!r}, not a tensor")
            self.emit(spec_node, node, [node.name], ["tensor"])
            self.env[node] = node.name
            return
        names = []

        def structure(template, info_part):
            if isinstance(template, tuple):
                if not isinstance(info_part, tuple) or len(info_part) != len(template):
                    raise _Refuse(f"module {qual} ({kind.op}) returned {info!r}, expected {kind.results!r}")
                return tuple(structure(t, i) for t, i in zip(template, info_part))
            name = node.name if not names else f"{node.name}:{template}"
            names.append(name)
            return name

        self.env[node] = structure(kind.results, info)
        self.emit(spec_node, node, names, ["tensor"] * len(names))

    # ---- functions and methods --------------------------------------------------------------------------------

    def do_call(self, node):
        if node.op == "call_function" and node.target is getattr:
            return self.do_getattr(node)
        if node.op == "call_method" and node.target in ("dim", "ndimension"):
            return self.const_rank(node)
        form = O.form_of(node)
        if form is None:
            raise _Refuse(f"{O.describe_target(node)} is not in the spec")
        try:
            bound = form.bind(node.args, node.kwargs)
        except TypeError as e:
            raise _Refuse(f"{O.describe_target(node)}: {e}")
        op = form.op
        special = getattr(self, "op_" + op, None)
        if special is not None:
            return special(node, form, bound)
        return self.generic(node, form, bound)

    def const_rank(self, node):
        info = self.meta(node.args[0])
        self.env[node] = _Const(len(info.shape))

    def do_getattr(self, node):
        obj, attr = node.args[0], node.args[1]
        v = self.value(obj)
        if v is POISON:
            self.env[node] = POISON
            return
        if attr == "shape":
            return self.emit_size(node, v, None)
        if attr == "ndim":
            info = self.meta(obj)
            self.env[node] = _Const(len(info.shape))
            return
        raise _Refuse(f"the attribute Tensor.{attr} is not in the spec")

    def emit_size(self, node, v, dim):
        if not (isinstance(v, str) and self.kind.get(v) == "tensor"):
            raise _Refuse("size of something that is not a tensor")
        spec_node = {"op": "size"}
        if dim is not None:
            spec_node["dim"] = dim
        spec_node["inputs"] = [v]
        self.emit(spec_node, node, [node.name], ["size"])
        if dim is None:
            self.size_of[node.name] = v
        self.env[node] = node.name

    def operands(self, node, bound, form):
        """Split bound arguments into node inputs (traced values in operand slots) and JSON arguments."""
        inputs, args, poisoned = [], {}, False
        gap = False
        for name, x in bound.items():
            p = form.params[name]
            if p.operand_list:
                for e in x:
                    v = self.value(e)
                    if v is POISON:
                        poisoned = True
                    elif not self.is_value(v):
                        raise _Refuse(f"{O.describe_target(node)}: {name} holds a constant, not a traced value")
                    else:
                        inputs.append(v)
            elif p.operand:
                v = self.value(x)
                if v is POISON:
                    poisoned = True
                    inputs.append(v)
                elif isinstance(v, _Const):
                    args[name] = v.value
                elif self.is_value(v):
                    if gap:
                        raise _Refuse(f"{O.describe_target(node)}: {name} given without the operands before it")
                    inputs.append(v)
                elif x is None:
                    gap = True
                elif isinstance(v, tuple):
                    raise _Refuse(f"{O.describe_target(node)}: {name} is a tuple of values")
                else:
                    args[name] = self.json_arg(node, name, x)
            else:
                if name.startswith("_"):   # PyTorch-internal (F.softmax's _stacklevel)
                    continue
                if name in O.DROP_IF and x == O.DROP_IF[name] and not isinstance(x, torch.fx.Node):
                    continue
                if name in ("dtype", "memory_format") and x is not None:
                    raise _Refuse(f"{O.describe_target(node)}: {name}={x} is not supported")
                args[name] = self.json_arg(node, name, x)
        return inputs, args, poisoned

    def finish(self, node, spec_node, n_results=1):
        info = self.meta(node)
        if n_results == 1:
            k = self.value_kind(info)
            if k is None:
                raise _Refuse(f"{O.describe_target(node)} returned {info!r}, which is neither a tensor nor a size")
            self.emit(spec_node, node, [node.name], [k])
            self.env[node] = node.name
        else:
            names = [node.name] + [f"{node.name}:{i}" for i in range(1, n_results)]
            self.emit(spec_node, node, names, ["tensor"] * n_results)
            self.env[node] = tuple(names)

    def generic(self, node, form, bound):
        op = form.op
        inputs, args, poisoned = self.operands(node, bound, form)
        if poisoned:
            self.env[node] = POISON
            return
        # operator.sub(1, x): the constant came first
        if "input" in args and op in O.REVERSED:
            const = args.pop("input")
            if len(inputs) != 1 or "rounding_mode" in args:
                raise _Refuse(f"{O.describe_target(node)} with a constant first operand is not supported")
            op = O.REVERSED[op]
            args = {"other": const, **args}
        elif "input" in args:
            raise _Refuse(f"{O.describe_target(node)} on a constant")
        if op == "floordiv":
            if any(self.kind.get(v) == "tensor" for v in inputs):
                raise _Refuse("// on a tensor is not in the spec (only on sizes); "
                              "use torch.div(a, b, rounding_mode='floor')")
        if op in ("dropout", "stochastic_depth"):
            training = args.get("training", True)
            p = args.get("p", 0.5)
            if training is not False and p not in (0, 0.0):
                raise _Refuse(f"{O.describe_target(node)} with training=True drops at inference too "
                              f"(pass training=self.training)")
        if op in ("softmax", "log_softmax") and args.get("dim") is None:
            raise _Refuse(f"{O.describe_target(node)} without dim")
        if op in ("max_pool1d", "max_pool2d") and args.get("return_indices"):
            raise _Refuse(f"{O.describe_target(node)} with return_indices=True")
        spec_node = {"op": op}
        spec_node.update(args)
        spec_node["inputs"] = inputs
        self.finish(node, spec_node)

    def op_getitem(self, node, form, bound):
        base = self.value(bound["input"])
        index = bound["index"]
        if base is POISON:
            if not isinstance(index, torch.fx.Node) or self.env.get(index) is not POISON:
                self.check_index(node, index)
            self.env[node] = POISON
            return
        if isinstance(base, tuple):
            idx = self.value(index)
            if isinstance(idx, _Const):
                idx = idx.value
            if isinstance(idx, (int, slice)) and not isinstance(idx, bool):
                try:
                    self.env[node] = base[idx]
                except IndexError:
                    raise _Refuse(f"index {idx} out of range for a result of {len(base)} values")
                return
            raise _Refuse(f"indexing a tuple of results with {index!r}")
        self.check_index(node, index)
        if isinstance(index, int) and base in self.size_of:
            return self.emit_size(node, self.size_of[base], index)
        spec_node = {"op": "getitem", "index": self.json_arg(node, "index", index), "inputs": [base]}
        self.finish(node, spec_node)

    def check_index(self, node, index):
        parts = index if isinstance(index, tuple) else (index,)
        for part in parts:
            if isinstance(part, torch.fx.Node):
                v = self.env.get(part)
                if v is POISON or isinstance(v, _Const):
                    continue
                if not (isinstance(v, str) and self.kind.get(v) == "size" and isinstance(self.meta(part), int)):
                    raise _Refuse("indexing with a tensor (tensor-valued index) is not in the spec")
            elif isinstance(part, list):
                raise _Refuse("indexing with a list (advanced indexing) is not in the spec")
            elif isinstance(part, bool):
                raise _Refuse("indexing with a bool is not in the spec")
            elif isinstance(part, slice):
                for e in (part.start, part.stop, part.step):
                    if isinstance(e, torch.fx.Node) and self.kind.get(self.env.get(e)) == "tensor":
                        raise _Refuse("slicing with a tensor bound is not in the spec")

    def op_size(self, node, form, bound):
        v = self.value(bound["input"])
        if v is POISON:
            self.env[node] = POISON
            return
        dim = bound.get("dim")
        if isinstance(dim, torch.fx.Node):
            raise _Refuse("Tensor.size with a traced dim")
        return self.emit_size(node, v, dim)

    def _pieces(self, node, form, bound):
        inputs, args, poisoned = self.operands(node, bound, form)
        if poisoned:
            self.env[node] = POISON
            return
        info = self.meta(node)
        if not isinstance(info, tuple) or not all(isinstance(i, TensorInfo) for i in info):
            raise _Refuse(f"{O.describe_target(node)} returned {info!r}")
        spec_node = {"op": form.op}
        spec_node.update(args)
        spec_node["inputs"] = inputs
        self.finish(node, spec_node, n_results=len(info))

    op_chunk = _pieces
    op_split = _pieces

    def op_to(self, node, form, bound):
        rest = bound.pop("args", [])
        dtype = bound.pop("dtype", None)
        if len(rest) == 1 and isinstance(rest[0], torch.dtype) and dtype is None:
            dtype = rest[0]
        elif rest:
            raise _Refuse(f"Tensor.to{tuple(rest)!r}: only Tensor.to(dtype) is in the spec")
        if not isinstance(dtype, torch.dtype):
            raise _Refuse("Tensor.to without a dtype: only Tensor.to(dtype) is in the spec")
        for k in ("non_blocking", "copy", "memory_format"):
            if bound.get(k) not in (None, False):
                raise _Refuse(f"Tensor.to with {k}={bound[k]!r}")
        v = self.value(bound["input"])
        if v is POISON:
            self.env[node] = POISON
            return
        self.finish(node, {"op": "to", "dtype": _dtype_name(dtype), "inputs": [v]})

    def op_contiguous(self, node, form, bound):
        fmt = bound.pop("memory_format", None)
        if fmt not in (None, torch.contiguous_format):
            raise _Refuse(f"Tensor.contiguous(memory_format={fmt})")
        return self.generic(node, form, bound)

    op_clone = op_contiguous
    op_float = op_contiguous
    op_long = op_contiguous

    # ---- outputs ----------------------------------------------------------------------------------------------

    def outputs(self, out):
        """[(value name, wanted name or None)] for the graph's output structure."""
        result = []

        def walk(x, key):
            if isinstance(x, dict):
                for k, e in x.items():
                    if not isinstance(k, str):
                        raise _Refuse(f"output dict key {k!r} is not a string")
                    walk(e, k)
            elif isinstance(x, (tuple, list)):
                for e in x:
                    walk(e, None)
            elif isinstance(x, torch.fx.Node):
                v = self.env.get(x)
                if v is POISON:
                    result.append((POISON, key))
                elif isinstance(v, tuple):
                    if key is not None:
                        raise _Refuse(f"output {key!r} is a tuple")
                    walk_values(v)
                elif isinstance(v, str) and self.kind.get(v) == "tensor":
                    result.append((v, key))
                else:
                    raise _Refuse(f"output {key or x.name!r} is not a tensor ({self.meta(x)!r})")
            else:
                raise _Refuse(f"output {key!r} is a constant ({x!r}), not a traced tensor")

        def walk_values(v):
            for e in v:
                if isinstance(e, tuple):
                    walk_values(e)
                else:
                    result.append((e, None))

        walk(out, None)
        return result


class _Refuse(Exception):
    pass


def _get_attr_path(root, target):
    obj = root
    for part in target.split("."):
        obj = getattr(obj, part)
    return obj


# ---------------------------------------------------------------------------------------------------------------
# graph passes
# ---------------------------------------------------------------------------------------------------------------

def _is_inplace(node, gm):
    if node.op == "call_method":
        return node.target.endswith("_") and not node.target.startswith("_")
    if node.op == "call_function":
        try:
            if node.target in O.INPLACE_FUNCTIONS:
                return True
        except TypeError:
            return False
        return node.kwargs.get("inplace") is True
    if node.op == "call_module":
        return getattr(gm.get_submodule(node.target), "inplace", False) is True
    return False


def _view_base(node):
    form = O.form_of(node)
    if form is not None and form.op in O.VIEW_OPS and node.args and isinstance(node.args[0], torch.fx.Node):
        return node.args[0]
    return None


def _resolve_inplace(gm, problems, where):
    """Make in-place ops functional: later readers of the changed value read the op's result instead.

    Refused when the changed value is a parameter or buffer, or is seen through a view (then PyTorch changes
    memory that other values share, which the spec cannot follow)."""
    graph = gm.graph
    order = {n: i for i, n in enumerate(graph.nodes)}
    views = {}
    for n in graph.nodes:
        b = _view_base(n)
        if b is not None:
            views.setdefault(b, []).append(n)
    for n in list(graph.nodes):
        if not _is_inplace(n, gm) or not n.args or not isinstance(n.args[0], torch.fx.Node):
            continue
        base = n.args[0]
        if base.op == "get_attr":
            problems.append(f"in-place {_describe(n, gm)} changes the parameter {base.target}{where(n)}")
            continue
        # every value sharing memory with base
        family, todo = {base}, [base]
        while todo:
            x = todo.pop()
            related = list(views.get(x, []))
            b = _view_base(x)
            if b is not None:
                related.append(b)
            for r in related:
                if r not in family and r is not n:
                    family.add(r)
                    todo.append(r)
        later = [(x, u) for x in family for u in x.users if u is not n and order[u] > order[n]]
        if not later:
            continue
        if len(family) > 1:
            problems.append(f"in-place {_describe(n, gm)} changes a value that is also seen through a view and "
                            f"read later{where(n)}")
            continue
        for x, u in later:
            u.replace_input_with(x, n)


def _class_name(cls):
    if getattr(nn, cls.__name__, None) is cls:
        return f"torch.nn.{cls.__name__}"
    return f"{cls.__module__}.{cls.__qualname__}"


def _describe(node, gm):
    if node.op == "call_module":
        return f"{type(gm.get_submodule(node.target)).__name__} {node.target}"
    return O.describe_target(node)


def _live_nodes(graph):
    live = set()
    todo = [n for n in graph.nodes if n.op == "output"]
    while todo:
        n = todo.pop()
        if n in live:
            continue
        live.add(n)
        todo.extend(n.all_input_nodes)
    for n in graph.nodes:
        if n.op == "placeholder":
            live.add(n)
    return live


# ---------------------------------------------------------------------------------------------------------------
# export
# ---------------------------------------------------------------------------------------------------------------

def _check_image(image, inputs):
    problems = []
    if image is None:
        return {}, problems
    if "color" in image:
        image = {inputs[0]["name"]: image}
    for name, obj in image.items():
        target = next((i for i in inputs if i["name"] == name), None)
        if target is None:
            problems.append(f"image: no input named {name!r}")
            continue
        if not isinstance(obj, dict) or obj.get("color") not in ("rgb", "grayscale"):
            problems.append(f"image for {name!r}: 'color' must be 'rgb' or 'grayscale'")
            continue
        channels = 3 if obj["color"] == "rgb" else 1
        unknown = set(obj) - {"color", "scale", "mean", "std"}
        if unknown:
            problems.append(f"image for {name!r}: unknown keys {sorted(unknown)}")
        out = {"color": obj["color"]}
        out["scale"] = float(obj.get("scale", 1.0))
        for key, default in (("mean", 0.0), ("std", 1.0)):
            vals = [float(v) for v in obj.get(key, [default] * channels)]
            if len(vals) != channels:
                problems.append(f"image for {name!r}: {key} needs {channels} values, got {len(vals)}")
            out[key] = vals
        if any(s == 0 for s in out["std"]):
            problems.append(f"image for {name!r}: std must not be 0")
        shape = target["shape"]
        if len(shape) != 4 or shape[1] != channels:
            problems.append(f"image for {name!r}: the input must be (N, {channels}, H, W), it is {shape}")
        target["image"] = out
    return image, problems


def build(module, example_inputs, *, labels=None, image=None, dynamic=None):
    """Trace ``module`` and build the spec and the tensors to write; raises ExportError with every problem."""
    what = type(module).__name__
    if not isinstance(module, nn.Module):
        raise ExportError(what, ["not a torch.nn.Module"])
    if not isinstance(example_inputs, dict) or not example_inputs:
        raise ExportError(what, ["example_inputs must be a non-empty dict name -> tensor"])
    module.eval()
    problems = []
    if M.kind_of(module) is not None:
        raise ExportError(what, [f"the model itself is a {_class_name(type(module))}; put it inside a container "
                                 f"(e.g. nn.Sequential(model)) so that its tensors have a name"])
    if M.is_torch_nn(module) and not isinstance(module, M.CONTAINERS):
        raise ExportError(what, [f"the model is a {_class_name(type(module))}, which is not in the spec"])

    # ---- inputs --------------------------------------------------------------------------------------------
    spec_inputs = []
    for name, t in example_inputs.items():
        if not isinstance(t, torch.Tensor):
            problems.append(f"example input {name!r} is a {type(t).__name__}, not a tensor")
            continue
        if t.dtype not in INPUT_DTYPES:
            problems.append(f"example input {name!r} has dtype {t.dtype}; the spec takes "
                            f"{', '.join(str(d).replace('torch.', '') for d in INPUT_DTYPES)}")
            continue
        shape = list(t.shape)
        free = {0} if shape else set()
        for d in (dynamic or {}).get(name, []):
            if not isinstance(d, int) or not -len(shape) <= d < len(shape):
                problems.append(f"dynamic: input {name!r} has no dimension {d!r}")
                continue
            free.add(d % len(shape))
        spec_inputs.append({"name": name, "shape": [-1 if i in free else s for i, s in enumerate(shape)],
                            "dtype": INPUT_DTYPES[t.dtype]})
    for name in dynamic or {}:
        if name not in example_inputs:
            problems.append(f"dynamic: no input named {name!r}")
    _, image_problems = _check_image(image, spec_inputs)
    problems += image_problems
    if labels is not None:
        labels = list(labels)
        if not all(isinstance(s, str) for s in labels):
            problems.append("labels must be strings")

    sig = inspect.signature(module.forward)
    concrete = {}
    params = [p for p in sig.parameters.values()
              if p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)]
    for p in params:
        if p.name not in example_inputs:
            if p.default is inspect.Parameter.empty:
                problems.append(f"forward needs {p.name!r}: give it in example_inputs")
            else:
                concrete[p.name] = p.default
    for name in example_inputs:
        if name not in sig.parameters:
            problems.append(f"forward has no parameter {name!r}")
    if problems:
        raise ExportError(what, problems)

    # ---- trace ---------------------------------------------------------------------------------------------
    tracer = _Tracer()
    try:
        with _FixedProxyIter():
            graph = tracer.trace(module, concrete_args=concrete or None)
    except Exception as e:  # noqa: BLE001 - whatever fx raised, said with the user's line
        loc = _exception_location(e)
        first = str(e).strip().splitlines()[0] if str(e).strip() else ""
        raise ExportError(what, [f"tracing failed{' at ' + loc if loc else ''}: {type(e).__name__}: {first}"]) from e
    gm = torch.fx.GraphModule(module, graph, class_name=what)

    placeholders = [n for n in gm.graph.nodes if n.op == "placeholder"]
    input_names, run_args = {}, []
    for p, ph in zip(params, placeholders):
        if p.name in example_inputs:
            input_names[ph] = p.name
            run_args.append(example_inputs[p.name])
        else:
            run_args.append(concrete[p.name])
    example_run = _ExampleRun(gm)
    try:
        with torch.no_grad():
            example_run.run(*run_args)
    except Exception as e:  # noqa: BLE001
        node = example_run.current
        loc = _user_location(node.stack_trace) if node is not None else None
        first = str(e).strip().splitlines()[0] if str(e).strip() else ""
        raise ExportError(what, [f"the model failed on the example inputs{' at ' + loc if loc else ''}: "
                                 f"{type(e).__name__}: {first}"]) from e

    def where(n):
        loc = _user_location(n.stack_trace)
        return f" at {loc}" if loc else ""

    _resolve_inplace(gm, problems, where)
    live = _live_nodes(gm.graph)
    conv = _Converter(module, gm, input_names)
    out = conv.run(live)
    problems += conv.problems
    try:
        outs = conv.outputs(out)
    except _Refuse as e:
        problems.append(str(e))
        outs = []

    # ---- output names: a dict's keys name its values ------------------------------------------------------
    input_set = {i["name"] for i in spec_inputs}
    rename = {}                                        # value name -> final name
    owner = {n: n for n in conv.kind}                  # final name -> value name, for every name in use
    out_names, extra_nodes = [], []
    for v, key in outs:
        if v is POISON:
            continue
        cur = rename.get(v, v)
        if key is None or key == cur:
            out_names.append(cur)
            continue
        if key in out_names:
            problems.append(f"output {key!r} appears twice")
            continue
        if key in input_set:
            problems.append(f"output {key!r} has the name of an input")
            continue
        if key in owner:                               # another value holds the name: move it aside
            holder = owner.pop(key)
            fresh = _fresh(key, set(owner) | input_set | {key})
            rename[holder] = fresh
            owner[fresh] = holder
        if v in input_set or cur in out_names:         # the value keeps its name; a copy takes the key
            extra_nodes.append({"op": "clone", "inputs": [cur], "outputs": [key]})
            owner[key] = key
        else:
            rename[v] = key
            owner.pop(cur, None)
            owner[key] = v
        out_names.append(key)

    nodes = _prune([_renamed(n, rename) for n in conv.nodes] + extra_nodes, out_names)
    readers = {n["name"] for n in nodes if "name" in n}

    # ---- tensors ---------------------------------------------------------------------------------------------
    state = module.state_dict()
    tensors = {}
    for name, (shape, dtype, who, reader) in sorted(conv.reads.items()):
        if reader not in readers:
            continue
        t = state.get(name)
        if t is None:
            t = conv.get_attrs.get(name)
        if t is None:
            hint = ""
            if f"{name}_g" in state or f"{name}_orig" in state or any(k.startswith(
                    name.rsplit(".", 1)[0] + ".parametrizations.") for k in state):
                hint = " (weight norm, pruning or a parametrization: remove it before exporting)"
            problems.append(f"{who} reads {name}, which is not in the state dict{hint}")
            continue
        if list(t.shape) != list(shape):
            problems.append(f"{who} reads {name} with shape {list(shape)}, the state dict has {list(t.shape)}")
            continue
        if name in conv.get_attrs:
            if t.dtype not in TENSOR_DTYPES:
                problems.append(f"{name} has dtype {t.dtype}; the file takes float32, int64 and int32 tensors")
                continue
        elif t.dtype != dtype:
            problems.append(f"{who}: {name} is {t.dtype}, expected {dtype} (call model.float() first)")
            continue
        tensors[name] = t.detach().to("cpu").contiguous()
    dropped = sorted(set(state) - set(tensors))

    if labels is not None and not problems and out_names:
        first = _first_output_info(gm, conv, outs)
        if isinstance(first, TensorInfo) and first.shape and first.shape[-1] != len(labels):
            problems.append(f"{len(labels)} labels for a first output whose last dimension is {first.shape[-1]}")
    if problems:
        raise ExportError(what, problems)

    spec = {"format": FORMAT, "inputs": spec_inputs}
    if labels is not None:
        spec["labels"] = labels
    spec["nodes"] = nodes
    spec["outputs"] = out_names
    return spec, tensors, dropped


def _first_output_info(gm, conv, outs):
    want = outs[0][0]
    for n in gm.graph.nodes:
        v = conv.env.get(n)
        if v == want:
            return n.meta.get("isthmus")
        if isinstance(v, tuple):
            flat = _flatten(v)
            if want in flat:
                info = n.meta.get("isthmus")
                flat_info = _flatten(info) if isinstance(info, tuple) else []
                return flat_info[flat.index(want)] if len(flat_info) == len(flat) else None
    return None


def _flatten(t):
    out = []
    for e in t:
        if isinstance(e, tuple):
            out += _flatten(e)
        else:
            out.append(e)
    return out


def _refs(x, found):
    if isinstance(x, dict):
        if set(x) == {"ref"}:
            found.add(x["ref"])
        else:
            for v in x.values():
                _refs(v, found)
    elif isinstance(x, list):
        for v in x:
            _refs(v, found)
    return found


def _prune(nodes, outputs):
    """Drop nodes none of whose results is read: a whole-shape ``size`` whose elements all became ``size`` with
    a ``dim``, for one."""
    needed = set(outputs)
    kept = []
    for n in reversed(nodes):
        if any(o in needed for o in n["outputs"]):
            kept.append(n)
            needed.update(n.get("inputs", []))
            _refs({k: v for k, v in n.items() if k not in ("inputs", "outputs")}, needed)
    return kept[::-1]


def _fresh(base, taken):
    i = 1
    while f"{base}_{i}" in taken:
        i += 1
    return f"{base}_{i}"


def _renamed(node, rename):
    if not rename:
        return node

    def sub(x):
        if isinstance(x, dict):
            if set(x) == {"ref"}:
                return {"ref": rename.get(x["ref"], x["ref"])}
            return {k: sub(v) for k, v in x.items()}
        if isinstance(x, list):
            return [sub(e) for e in x]
        return x

    out = {}
    for k, v in node.items():
        if k in ("inputs", "outputs"):
            out[k] = [rename.get(e, e) for e in v]
        elif k in ("op", "name"):
            out[k] = v
        else:
            out[k] = sub(v)
    return out


def export(module, example_inputs, path, *, labels=None, image=None, dynamic=None):
    """Export ``module`` to ONE self-contained isthmus/2 safetensors file at ``path``.

    ``example_inputs``: forward argument name -> example tensor (its dtype and shape become the input's; dimension
    0 is free). ``dynamic``: input name -> more free dimensions (``{"x": [1]}`` for a sequence length).
    ``labels``: class names of the first output's last dimension. ``image``: how ``isthmus predict`` turns an
    image file into the input, ``{"color": "rgb"|"grayscale", "scale": s, "mean": [...], "std": [...]}`` (or
    input name -> such a dict). The module is put in eval mode. Raises :class:`ExportError` listing every problem;
    nothing is written then. Returns an :class:`ExportResult`.
    """
    spec, tensors, dropped = build(module, example_inputs, labels=labels, image=image, dynamic=dynamic)
    for name in dropped:
        log.info("not written (no node reads it): %s", name)
    meta = {"isthmus.spec": json.dumps(spec, separators=(",", ":"))}
    tmp = f"{path}.tmp{os.getpid()}"
    try:
        safetensors.write(tmp, tensors, meta)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    log.info("wrote %s: %d nodes, %d tensors", path, len(spec["nodes"]), len(tensors))
    return ExportResult(str(path), spec, {k: list(v.shape) for k, v in tensors.items()}, dropped)
