"""The torch.nn modules of the isthmus spec: their constructor arguments, tensors, inputs and results.

Each known module becomes one spec node whose ``op`` is the class name and whose other keys are ALL its constructor
arguments, read back from the instance. ``KNOWN`` maps each class to a ``Kind`` that knows how to do that, which
state-dict tensors (name suffix -> shape) the engine will read for it, which forward arguments become node inputs,
and the shape of its result (one tensor, or a tuple such as a GRU's ``(output, h_n)``).
"""
import inspect

import torch
import torch.nn.functional as F
from torch import nn


class Unsupported(Exception):
    """A known module used in a way the spec cannot express (raised while reading it back)."""


def _plain(v):
    if isinstance(v, (tuple, list, torch.Size)):
        return [_plain(x) for x in v]
    return v


# ---------------------------------------------------------------------------------------------------------------
# constructor arguments, read back from an instance
# ---------------------------------------------------------------------------------------------------------------

def _conv(m):
    if m.transposed:
        raise Unsupported("transposed convolution")
    return {"in_channels": m.in_channels, "out_channels": m.out_channels, "kernel_size": _plain(m.kernel_size),
            "stride": _plain(m.stride), "padding": m.padding if isinstance(m.padding, str) else _plain(m.padding),
            "dilation": _plain(m.dilation), "groups": m.groups, "bias": m.bias is not None,
            "padding_mode": m.padding_mode}


def _batchnorm(m):
    return {"num_features": m.num_features, "eps": m.eps, "momentum": m.momentum, "affine": m.affine,
            "track_running_stats": m.track_running_stats}


def _groupnorm(m):
    return {"num_groups": m.num_groups, "num_channels": m.num_channels, "eps": m.eps, "affine": m.affine}


def _layernorm(m):
    return {"normalized_shape": _plain(m.normalized_shape), "eps": m.eps,
            "elementwise_affine": m.elementwise_affine}


def _maxpool(m):
    if m.return_indices:
        raise Unsupported("return_indices=True")
    return {"kernel_size": _plain(m.kernel_size), "stride": _plain(m.stride), "padding": _plain(m.padding),
            "dilation": _plain(m.dilation), "return_indices": m.return_indices, "ceil_mode": m.ceil_mode}


def _avgpool1d(m):
    return {"kernel_size": _plain(m.kernel_size), "stride": _plain(m.stride), "padding": _plain(m.padding),
            "ceil_mode": m.ceil_mode, "count_include_pad": m.count_include_pad}


def _avgpool2d(m):
    d = _avgpool1d(m)
    d["divisor_override"] = m.divisor_override
    return d


def _adaptive(m):
    return {"output_size": _plain(m.output_size)}


def _linear(m):
    return {"in_features": m.in_features, "out_features": m.out_features, "bias": m.bias is not None}


def _embedding(m):
    return {"num_embeddings": m.num_embeddings, "embedding_dim": m.embedding_dim, "padding_idx": m.padding_idx,
            "max_norm": m.max_norm, "norm_type": m.norm_type, "scale_grad_by_freq": m.scale_grad_by_freq,
            "sparse": m.sparse}


def _softmax_dim(m, rank):
    if m.dim is not None:
        return m.dim
    # What PyTorch does for the deprecated implicit dim (torch.nn.functional._get_softmax_dim).
    return 0 if rank in (0, 1, 3) else 1


def _rnn(m):
    d = {"input_size": m.input_size, "hidden_size": m.hidden_size, "num_layers": m.num_layers, "bias": m.bias,
         "batch_first": m.batch_first, "dropout": float(m.dropout), "bidirectional": m.bidirectional}
    if m.mode == "LSTM":
        d["proj_size"] = m.proj_size
    elif m.mode in ("RNN_TANH", "RNN_RELU"):
        d["nonlinearity"] = m.nonlinearity
    return d


def _activation_name(act):
    if act is F.relu or isinstance(act, nn.ReLU):
        return "relu"
    if act is F.gelu or (isinstance(act, nn.GELU) and act.approximate == "none"):
        return "gelu"
    raise Unsupported(f"activation {act!r} (only relu and exact gelu)")


def _encoder_layer(m):
    attn = m.self_attn
    if not attn._qkv_same_embed_dim or attn.in_proj_bias is None or attn.bias_k is not None or attn.add_zero_attn:
        raise Unsupported("self_attn is not the standard MultiheadAttention of a TransformerEncoderLayer")
    for lin in (m.linear1, m.linear2, attn.out_proj):
        if lin.bias is None:
            raise Unsupported("a Linear without bias inside the layer")
    if not (m.norm1.elementwise_affine and m.norm2.elementwise_affine):
        raise Unsupported("a LayerNorm without elementwise_affine inside the layer")
    return {"d_model": attn.embed_dim, "nhead": attn.num_heads, "dim_feedforward": m.linear1.out_features,
            "dropout": m.dropout.p, "activation": _activation_name(m.activation), "layer_norm_eps": m.norm1.eps,
            "batch_first": attn.batch_first, "norm_first": m.norm_first}


def _encoder(m):
    layers = [_encoder_layer(layer) for layer in m.layers]
    for i, layer in enumerate(layers[1:], 1):
        if layer != layers[0]:
            raise Unsupported(f"layers.{i} is configured differently from layers.0")
    d = {"num_layers": m.num_layers, "encoder_layer": layers[0]}
    if m.norm is not None:
        if type(m.norm) is not nn.LayerNorm:
            raise Unsupported(f"norm is a {type(m.norm).__name__}, not a LayerNorm")
        d["norm"] = _layernorm(m.norm)
    d["enable_nested_tensor"] = m.enable_nested_tensor
    d["mask_check"] = getattr(m, "mask_check", True)
    return d


def _none(m):
    return {}


def _inplace(m):
    return {"inplace": m.inplace}


# ---------------------------------------------------------------------------------------------------------------
# tensors each module node reads: suffix -> (shape, dtype)
# ---------------------------------------------------------------------------------------------------------------

F32, I64 = torch.float32, torch.int64


def _t_conv(a):
    k = a["kernel_size"] if isinstance(a["kernel_size"], list) else [a["kernel_size"]]
    t = {"weight": ([a["out_channels"], a["in_channels"] // a["groups"]] + k, F32)}
    if a["bias"]:
        t["bias"] = ([a["out_channels"]], F32)
    return t


def _t_batchnorm(a):
    c = a["num_features"]
    t = {}
    if a["affine"]:
        t["weight"] = ([c], F32)
        t["bias"] = ([c], F32)
    if a["track_running_stats"]:
        t["running_mean"] = ([c], F32)
        t["running_var"] = ([c], F32)
        t["num_batches_tracked"] = ([], I64)
    return t


def _t_groupnorm(a):
    c = a["num_channels"]
    return {"weight": ([c], F32), "bias": ([c], F32)} if a["affine"] else {}


def _t_layernorm(a):
    s = a["normalized_shape"]
    return {"weight": (s, F32), "bias": (s, F32)} if a["elementwise_affine"] else {}


def _t_linear(a):
    t = {"weight": ([a["out_features"], a["in_features"]], F32)}
    if a["bias"]:
        t["bias"] = ([a["out_features"]], F32)
    return t


def _t_embedding(a):
    return {"weight": ([a["num_embeddings"], a["embedding_dim"]], F32)}


def _t_rnn(gates):
    def tensors(a):
        h = a["hidden_size"]
        proj = a.get("proj_size", 0)
        h_out = proj if proj > 0 else h
        dirs = 2 if a["bidirectional"] else 1
        t = {}
        for layer in range(a["num_layers"]):
            in_size = a["input_size"] if layer == 0 else h_out * dirs
            for suffix in ("", "_reverse")[:dirs]:
                t[f"weight_ih_l{layer}{suffix}"] = ([gates * h, in_size], F32)
                t[f"weight_hh_l{layer}{suffix}"] = ([gates * h, h_out], F32)
                if a["bias"]:
                    t[f"bias_ih_l{layer}{suffix}"] = ([gates * h], F32)
                    t[f"bias_hh_l{layer}{suffix}"] = ([gates * h], F32)
                if proj > 0:
                    t[f"weight_hr_l{layer}{suffix}"] = ([proj, h], F32)
        return t
    return tensors


def _t_encoder_layer(a):
    d, ff = a["d_model"], a["dim_feedforward"]
    return {"self_attn.in_proj_weight": ([3 * d, d], F32), "self_attn.in_proj_bias": ([3 * d], F32),
            "self_attn.out_proj.weight": ([d, d], F32), "self_attn.out_proj.bias": ([d], F32),
            "linear1.weight": ([ff, d], F32), "linear1.bias": ([ff], F32),
            "linear2.weight": ([d, ff], F32), "linear2.bias": ([d], F32),
            "norm1.weight": ([d], F32), "norm1.bias": ([d], F32),
            "norm2.weight": ([d], F32), "norm2.bias": ([d], F32)}


def _t_encoder(a):
    t = {}
    layer = _t_encoder_layer(a["encoder_layer"])
    for i in range(a["num_layers"]):
        for k, v in layer.items():
            t[f"layers.{i}.{k}"] = v
    if "norm" in a:
        for k, v in _t_layernorm(a["norm"]).items():
            t[f"norm.{k}"] = v
    return t


def _t_none(a):
    return {}


# ---------------------------------------------------------------------------------------------------------------
# the table
# ---------------------------------------------------------------------------------------------------------------

class Kind:
    """How one known module class is written.

    ``inputs``: the forward parameters that may carry node inputs, in the node's input order; a parameter named in
    ``pairs`` holds a tuple of tensors (LSTM's ``hx`` = ``(h_0, c_0)``); ``must_be_none`` names forward parameters
    the spec has no input for. ``results``: ``None`` for one tensor, else a nested tuple of result names
    (``("output", "h_n")``; LSTM ``("output", ("h_n", "c_n"))``), flattened in order into the node's outputs.
    """

    def __init__(self, cls, args, tensors, inputs=("input",), pairs=(), must_be_none=(), results=None):
        self.cls = cls
        self.op = cls.__name__
        self.args = args
        self.tensors = tensors
        self.inputs = inputs
        self.pairs = pairs
        self.must_be_none = must_be_none
        self.results = results


_RNN_RESULTS = ("output", "h_n")
_KINDS = [
    Kind(nn.Conv1d, _conv, _t_conv),
    Kind(nn.Conv2d, _conv, _t_conv),
    Kind(nn.BatchNorm1d, _batchnorm, _t_batchnorm),
    Kind(nn.BatchNorm2d, _batchnorm, _t_batchnorm),
    Kind(nn.GroupNorm, _groupnorm, _t_groupnorm),
    Kind(nn.LayerNorm, _layernorm, _t_layernorm),
    Kind(nn.MaxPool1d, _maxpool, _t_none),
    Kind(nn.MaxPool2d, _maxpool, _t_none),
    Kind(nn.AvgPool1d, _avgpool1d, _t_none),
    Kind(nn.AvgPool2d, _avgpool2d, _t_none),
    Kind(nn.AdaptiveAvgPool1d, _adaptive, _t_none),
    Kind(nn.AdaptiveAvgPool2d, _adaptive, _t_none),
    Kind(nn.Linear, _linear, _t_linear),
    Kind(nn.Embedding, _embedding, _t_embedding),
    Kind(nn.Flatten, lambda m: {"start_dim": m.start_dim, "end_dim": m.end_dim}, _t_none),
    Kind(nn.Dropout, lambda m: {"p": m.p, "inplace": m.inplace}, _t_none),
    Kind(nn.Identity, _none, _t_none),
    Kind(nn.Softmax, None, _t_none),        # dim: see softmax_args
    Kind(nn.LogSoftmax, None, _t_none),
    Kind(nn.ReLU, _inplace, _t_none),
    Kind(nn.ReLU6, _inplace, _t_none),
    Kind(nn.LeakyReLU, lambda m: {"negative_slope": m.negative_slope, "inplace": m.inplace}, _t_none),
    Kind(nn.ELU, lambda m: {"alpha": m.alpha, "inplace": m.inplace}, _t_none),
    Kind(nn.GELU, lambda m: {"approximate": m.approximate}, _t_none),
    Kind(nn.SiLU, _inplace, _t_none),
    Kind(nn.Sigmoid, _none, _t_none),
    Kind(nn.Tanh, _none, _t_none),
    Kind(nn.Hardswish, _inplace, _t_none),
    Kind(nn.Hardsigmoid, _inplace, _t_none),
    Kind(nn.GRU, _rnn, _t_rnn(3), inputs=("input", "hx"), results=_RNN_RESULTS),
    Kind(nn.RNN, _rnn, _t_rnn(1), inputs=("input", "hx"), results=_RNN_RESULTS),
    Kind(nn.LSTM, _rnn, _t_rnn(4), inputs=("input", "hx"), pairs=("hx",), results=("output", ("h_n", "c_n"))),
    Kind(nn.TransformerEncoderLayer, _encoder_layer, _t_encoder_layer, inputs=("src", "src_key_padding_mask"),
         must_be_none=("src_mask", "is_causal")),
    Kind(nn.TransformerEncoder, _encoder, _t_encoder, inputs=("src", "src_key_padding_mask"),
         must_be_none=("mask", "is_causal")),
]
KNOWN = {k.cls: k for k in _KINDS}

CONTAINERS = (nn.Sequential, nn.ModuleList, nn.ModuleDict)


def kind_of(m):
    """The Kind of a module the spec knows, or None.

    A subclass of a known class counts as that class when it keeps the class's forward (PyTorch's own
    NonDynamicallyQuantizableLinear, a user's ``class MyReLU(nn.ReLU): pass``); one that overrides forward is
    traced through like any user module.
    """
    for cls in type(m).__mro__:
        k = KNOWN.get(cls)
        if k is not None:
            return k if type(m).forward is cls.forward else None
    return None


def is_torch_nn(m):
    mod = type(m).__module__
    return mod.startswith("torch.nn") or mod.startswith("torch.ao.nn")


def module_args(kind, m, input_rank=None):
    """All constructor arguments of ``m`` as JSON values."""
    if kind.cls in (nn.Softmax, nn.LogSoftmax):
        return {"dim": _softmax_dim(m, input_rank)}
    return kind.args(m)


def forward_signature(m):
    return inspect.signature(m.forward)
