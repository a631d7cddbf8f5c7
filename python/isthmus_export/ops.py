"""PyTorch functions and tensor methods the spec knows, by the callable (or method name) torch.fx records.

Each form has PyTorch's signature in a small notation: parameters in positional order; ``@name`` is an operand (a
traced value there becomes one of the node's ``inputs``), ``@@name`` a list of operands (``torch.cat``'s tensors),
``*name`` collects the remaining positional arguments (``x.view(b, -1)``), names after ``|`` are keyword-only.
"""
import operator

import torch
import torch.nn.functional as F

try:  # torchvision is optional
    from torchvision.ops import stochastic_depth as _stochastic_depth
except Exception:  # pragma: no cover - torchvision absent or broken
    _stochastic_depth = None


class Param:
    def __init__(self, text):
        self.operand = text.startswith("@")
        self.operand_list = text.startswith("@@")
        self.varargs = text.startswith("*")
        self.name = text.lstrip("@*")


class Form:
    """One way of calling an op: a function object or a tensor method name, with its signature."""

    def __init__(self, op, signature, aliases=None):
        self.op = op
        pos, _, kw = signature.partition("|")
        self.positional = [Param(p) for p in pos.split()]
        self.keyword = [Param(p) for p in kw.split()]
        self.params = {p.name: p for p in self.positional + self.keyword}
        self.aliases = aliases or {}

    def bind(self, args, kwargs):
        """Map fx's positional args and kwargs onto PyTorch's parameter names: an ordered dict name -> value."""
        bound = {}
        args = list(args)
        for i, p in enumerate(self.positional):
            if p.varargs:
                rest = args[i:]
                # x.view(b, -1) and x.view((b, -1)) mean the same
                if len(rest) == 1 and isinstance(rest[0], (tuple, list, torch.Size)):
                    rest = list(rest[0])
                if rest:
                    bound[p.name] = list(rest)
                args = []
                break
            if i < len(args):
                bound[p.name] = args[i]
        if len(args) > len(self.positional):
            raise TypeError(f"takes {len(self.positional)} positional arguments, got {len(args)}")
        for k, v in kwargs.items():
            name = self.aliases.get(k, k)
            if name not in self.params:
                raise TypeError(f"unexpected argument {k!r}")
            if name in bound:
                raise TypeError(f"argument {k!r} given twice")
            bound[name] = v
        return bound


FUNCTIONS = {}   # callable -> Form
METHODS = {}     # tensor method name -> Form


def _reg(op, signature, *targets, aliases=None):
    form = Form(op, signature, aliases)
    for t in targets:
        if isinstance(t, str):
            METHODS[t] = form
        elif t is not None:
            FUNCTIONS[t] = form


def _unary(op, *extra):
    _reg(op, "@input", getattr(torch, op, None), op, op + "_", *extra)


_reg("add", "@input @other | alpha", torch.add, operator.add, operator.iadd, "add", "add_")
_reg("sub", "@input @other | alpha", torch.sub, torch.subtract, operator.sub, operator.isub,
     "sub", "sub_", "subtract")
_reg("rsub", "@input other | alpha", torch.rsub)
_reg("mul", "@input @other", torch.mul, torch.multiply, operator.mul, operator.imul, "mul", "mul_", "multiply")
_reg("div", "@input @other | rounding_mode", torch.div, torch.divide, operator.truediv, operator.itruediv,
     "div", "div_", "divide")
_reg("div", "@input @other", torch.true_divide, "true_divide")
_reg("floordiv", "@input @other", operator.floordiv, operator.ifloordiv)
_reg("pow", "@input exponent", torch.pow, operator.pow, operator.ipow, "pow", "pow_")
_reg("neg", "@input", torch.neg, torch.negative, operator.neg, "neg", "neg_", "negative")
for _op in ("sqrt", "rsqrt", "exp", "log", "reciprocal"):
    _unary(_op)
_unary("abs", operator.abs)
_reg("clamp", "@input min max", torch.clamp, torch.clip, "clamp", "clamp_", "clip", "clip_")
_reg("clamp", "@input min", torch.clamp_min, "clamp_min", "clamp_min_")
_reg("clamp", "@input max", torch.clamp_max, "clamp_max", "clamp_max_")

_reg("relu", "@input inplace", F.relu)
_reg("relu", "@input", torch.relu, torch.relu_, F.relu_, "relu", "relu_")
_reg("relu6", "@input inplace", F.relu6)
_reg("sigmoid", "@input", torch.sigmoid, F.sigmoid, "sigmoid", "sigmoid_")
_reg("tanh", "@input", torch.tanh, F.tanh, "tanh", "tanh_")
_reg("silu", "@input inplace", F.silu)
_reg("hardswish", "@input inplace", F.hardswish)
_reg("hardsigmoid", "@input inplace", F.hardsigmoid)
_reg("gelu", "@input | approximate", F.gelu)
_reg("leaky_relu", "@input negative_slope inplace", F.leaky_relu)
_reg("elu", "@input alpha inplace", F.elu)
_reg("softmax", "@input dim _stacklevel dtype", F.softmax)
_reg("softmax", "@input dim dtype", torch.softmax, "softmax")
_reg("log_softmax", "@input dim _stacklevel dtype", F.log_softmax)
_reg("log_softmax", "@input dim dtype", torch.log_softmax, "log_softmax")

_reg("matmul", "@input @other", torch.matmul, operator.matmul, "matmul")
_reg("bmm", "@input @mat2", torch.bmm, "bmm")
_reg("cat", "@@tensors dim", torch.cat, getattr(torch, "concat", None), getattr(torch, "concatenate", None))
_reg("stack", "@@tensors dim", torch.stack)
_reg("flatten", "@input start_dim end_dim", torch.flatten, "flatten")
_reg("reshape", "@input shape", torch.reshape)
_reg("reshape", "@input *shape", "reshape")
_reg("view", "@input *shape", "view")
_reg("permute", "@input dims", torch.permute)
_reg("permute", "@input *dims", "permute")
_reg("transpose", "@input dim0 dim1", torch.transpose, torch.swapaxes, "transpose", "swapaxes")
_reg("contiguous", "@input memory_format", "contiguous")
_reg("dropout", "@input p training inplace", F.dropout)
_reg("stochastic_depth", "@input p mode training", _stochastic_depth)
_reg("clone", "@input | memory_format", torch.clone, "clone")
_reg("detach", "@input", torch.detach, "detach")
_reg("squeeze", "@input dim", torch.squeeze, "squeeze")
_reg("unsqueeze", "@input dim", torch.unsqueeze, "unsqueeze")
_reg("chunk", "@input chunks dim", torch.chunk, "chunk")
_reg("split", "@input split_size_or_sections dim", torch.split, "split",
     aliases={"tensor": "input", "split_size": "split_size_or_sections"})
_reg("getitem", "@input index", operator.getitem)
_reg("size", "@input dim", "size")
_reg("mean", "@input dim keepdim | dtype", torch.mean, "mean")
_reg("sum", "@input dim keepdim | dtype", torch.sum, "sum")
_reg("amax", "@input dim keepdim", torch.amax, "amax")
_reg("layer_norm", "@input normalized_shape @weight @bias eps", F.layer_norm)
_reg("adaptive_avg_pool1d", "@input output_size", F.adaptive_avg_pool1d, torch.adaptive_avg_pool1d)
_reg("adaptive_avg_pool2d", "@input output_size", F.adaptive_avg_pool2d)
_reg("avg_pool1d", "@input kernel_size stride padding ceil_mode count_include_pad", F.avg_pool1d, torch.avg_pool1d)
_reg("avg_pool2d", "@input kernel_size stride padding ceil_mode count_include_pad divisor_override", F.avg_pool2d)
_reg("max_pool1d", "@input kernel_size stride padding dilation ceil_mode return_indices",
     F.max_pool1d, torch.max_pool1d)
_reg("max_pool2d", "@input kernel_size stride padding dilation ceil_mode return_indices",
     F.max_pool2d, torch.max_pool2d)
_reg("to", "@input *args | dtype non_blocking copy memory_format", "to")
_reg("float", "@input | memory_format", "float")
_reg("long", "@input | memory_format", "long")

# Ops that change their input in place: the spec computes a new value instead, which is only the same when the
# old value is not read again.
INPLACE_FUNCTIONS = {operator.iadd, operator.isub, operator.imul, operator.itruediv, operator.ifloordiv,
                     operator.ipow, torch.relu_, F.relu_}

# Arguments with no meaning for the spec, dropped when they hold PyTorch's default.
DROP_IF = {"dtype": None, "memory_format": None, "non_blocking": False, "copy": False}

# Ops whose operand may be a constant while the other is a traced value: operator.sub(1, x) -> rsub.
REVERSED = {"add": "add", "mul": "mul", "sub": "rsub", "div": "rdiv"}

# Ops that return a view of (or the same memory as) their first input: an in-place change through one of them
# changes the input too.
VIEW_OPS = {"view", "reshape", "getitem", "transpose", "permute", "squeeze", "unsqueeze", "flatten", "chunk",
            "split", "contiguous", "detach", "dropout", "stochastic_depth", "to", "float", "long"}


def form_of(node):
    """The Form of an fx call_function/call_method node, or None when the spec does not know it."""
    if node.op == "call_function":
        try:
            return FUNCTIONS.get(node.target)
        except TypeError:  # unhashable target
            return None
    if node.op == "call_method":
        return METHODS.get(node.target)
    return None


def describe_target(node):
    """How a user would spell the function or method of an fx node: ``torch.einsum``, ``Tensor.new_zeros``."""
    if node.op == "call_method":
        return f"Tensor.{node.target}"
    t = node.target
    mod = getattr(t, "__module__", None) or ""
    name = getattr(t, "__qualname__", None) or getattr(t, "__name__", None) or repr(t)
    short = getattr(t, "__name__", None)
    if short and getattr(torch, short, None) is t:
        return f"torch.{short}"
    if short and getattr(F, short, None) is t:
        return f"torch.nn.functional.{short}"
    if mod in ("_operator", "operator"):
        return f"operator.{name}"
    if mod.startswith("torch._C._nn") or mod == "torch.nn.functional":
        return f"torch.nn.functional.{name}"
    if mod.startswith("torch._C") or mod == "torch" or (mod == "" and hasattr(torch, name)):
        return f"torch.{name}"
    if mod == "builtins":
        return name
    return f"{mod}.{name}" if mod else name
