"""Reading and writing safetensors files with torch alone.

Layout: an 8-byte little-endian u64 header length N, N bytes of UTF-8 JSON (padded with spaces so that N is a
multiple of 8), then the raw little-endian tensor data. The header maps each tensor name to
``{"dtype", "shape", "data_offsets": [begin, end]}`` (offsets into the data block) and may hold
``"__metadata__": {str: str}``. The writer lays tensors out in sorted name order, back to back.
"""
import ctypes
import json
import struct
import sys

import torch

DTYPES = {
    torch.float32: "F32",
    torch.float16: "F16",
    torch.bfloat16: "BF16",
    torch.float64: "F64",
    torch.int64: "I64",
    torch.int32: "I32",
    torch.int16: "I16",
    torch.int8: "I8",
    torch.uint8: "U8",
    torch.bool: "BOOL",
}
TORCH_DTYPES = {v: k for k, v in DTYPES.items()}


def _require_little_endian():
    if sys.byteorder != "little":
        raise RuntimeError("safetensors data is little-endian; this machine is big-endian")


def _raw_bytes(t):
    t = t.detach().to("cpu").contiguous()
    n = t.numel() * t.element_size()
    if n == 0:
        return b""
    return ctypes.string_at(t.data_ptr(), n)


def write(path, tensors, metadata=None):
    """Write ``tensors`` (name -> torch.Tensor) to ``path``; ``metadata`` maps str -> str."""
    _require_little_endian()
    header = {}
    if metadata:
        for k, v in metadata.items():
            if not isinstance(k, str) or not isinstance(v, str):
                raise TypeError("safetensors metadata must map str to str")
        header["__metadata__"] = dict(metadata)
    order = sorted(tensors)
    offset = 0
    for name in order:
        t = tensors[name]
        if t.dtype not in DTYPES:
            raise TypeError(f"{name}: dtype {t.dtype} has no safetensors name")
        n = t.numel() * t.element_size()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + n]}
        offset += n
    hbytes = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    hbytes += b" " * ((-len(hbytes)) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hbytes)))
        f.write(hbytes)
        for name in order:
            f.write(_raw_bytes(tensors[name]))


def read(path):
    """Read ``path``; returns ``(tensors, metadata)``: name -> torch.Tensor and the ``__metadata__`` dict."""
    _require_little_endian()
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise ValueError(f"{path}: too short for a safetensors file")
    (n,) = struct.unpack("<Q", raw[:8])
    if 8 + n > len(raw):
        raise ValueError(f"{path}: header length {n} runs past the end of the file")
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    data = memoryview(raw)[8 + n:]
    meta = header.pop("__metadata__", None) or {}
    tensors = {}
    spans = []
    for name, info in header.items():
        dtype = TORCH_DTYPES[info["dtype"]]
        shape = tuple(info["shape"])
        begin, end = info["data_offsets"]
        count = 1
        for s in shape:
            count *= s
        size = torch.tensor([], dtype=dtype).element_size()
        if end - begin != count * size:
            raise ValueError(f"{path}: {name} holds {end - begin} bytes, its shape needs {count * size}")
        if count == 0:
            t = torch.empty(shape, dtype=dtype)
        else:
            t = torch.frombuffer(bytearray(data[begin:end]), dtype=dtype).reshape(shape)
        tensors[name] = t
        spans.append((begin, end, name))
    spans.sort()
    pos = 0
    for begin, end, name in spans:
        if begin != pos:
            raise ValueError(f"{path}: gap or overlap before {name}")
        pos = end
    if pos != len(data):
        raise ValueError(f"{path}: {len(data) - pos} bytes after the last tensor")
    return tensors, meta


def read_header(path):
    """The raw header of ``path`` (with ``__metadata__``) and its length N, without reading the data."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        return json.loads(f.read(n).decode("utf-8")), n
