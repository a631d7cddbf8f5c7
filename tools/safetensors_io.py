"""Minimal safetensors reader/writer (numpy only; no `safetensors` package needed).

Format: 8-byte little-endian u64 header length N, then N bytes of UTF-8 JSON
header, then the raw little-endian tensor data. The header maps each tensor
name to {"dtype", "shape", "data_offsets": [begin, end]} (offsets relative to
the start of the data block) and may hold "__metadata__": {str: str}.

The writer lays the tensors out in sorted name order, contiguous with no gaps,
and pads the header with trailing spaces so that N is a multiple of 8.
"""
import json
import struct

import numpy as np

_DTYPES = {
    "F64": np.dtype("<f8"),
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "I64": np.dtype("<i8"),
    "I32": np.dtype("<i4"),
    "I16": np.dtype("<i2"),
    "I8": np.dtype("i1"),
    "U8": np.dtype("u1"),
    "BOOL": np.dtype("?"),
}
_NAMES = {v: k for k, v in _DTYPES.items()}


def _dtype_name(dt):
    dt = np.dtype(dt)
    for k, v in _DTYPES.items():
        if v.kind == dt.kind and v.itemsize == dt.itemsize:
            return k
    raise ValueError(f"unsupported dtype {dt}")


def save(path, tensors, metadata=None):
    """Write a dict name -> numpy array (or torch tensor) to `path`."""
    arrays = {}
    for name, t in tensors.items():
        if hasattr(t, "detach"):  # torch tensor
            t = t.detach().cpu().numpy()
        a = np.asarray(t)
        kind = _dtype_name(a.dtype)
        # (not np.ascontiguousarray: it turns 0-d scalars into shape [1])
        arrays[name] = np.array(a, dtype=_DTYPES[kind], order="C", copy=True)
    header = {}
    if metadata:
        for k, v in metadata.items():
            if not isinstance(k, str) or not isinstance(v, str):
                raise TypeError("metadata must map str -> str")
        header["__metadata__"] = dict(metadata)
    offset = 0
    order = sorted(arrays)
    for name in order:
        a = arrays[name]
        n = a.nbytes
        header[name] = {
            "dtype": _dtype_name(a.dtype),
            "shape": list(a.shape),
            "data_offsets": [offset, offset + n],
        }
        offset += n
    hbytes = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    pad = (-len(hbytes)) % 8
    hbytes += b" " * pad
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hbytes)))
        f.write(hbytes)
        for name in order:
            f.write(arrays[name].tobytes(order="C"))


def load(path):
    """Read `path`; returns (dict name -> numpy array, metadata dict or {})."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n].decode("utf-8"))
    data = raw[8 + n :]
    meta = header.pop("__metadata__", None) or {}
    out = {}
    spans = []
    for name, info in header.items():
        dt = _DTYPES[info["dtype"]]
        b, e = info["data_offsets"]
        shape = tuple(info["shape"])
        count = int(np.prod(shape)) if shape else 1
        if e - b != count * dt.itemsize:
            raise ValueError(f"{name}: size mismatch {e - b} vs {count * dt.itemsize}")
        out[name] = np.frombuffer(data[b:e], dtype=dt).reshape(shape).copy()
        spans.append((b, e, name))
    spans.sort()
    pos = 0
    for b, e, name in spans:
        if b != pos:
            raise ValueError(f"gap/overlap before {name}: {pos} != {b}")
        pos = e
    if pos != len(data):
        raise ValueError(f"trailing bytes: data block {len(data)} != {pos}")
    return out, meta


def check_layout(path):
    """Stricter checks for files we wrote: N % 8 == 0 and sorted-name order."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    assert n % 8 == 0, f"{path}: header length {n} not a multiple of 8"
    header = json.loads(raw[8 : 8 + n].decode("utf-8"))
    header.pop("__metadata__", None)
    names = sorted(header)
    pos = 0
    for name in names:
        b, e = header[name]["data_offsets"]
        assert b == pos, f"{path}: {name} not in sorted order / contiguous"
        pos = e
    return True
