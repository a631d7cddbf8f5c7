"""Tiny 8-bit PNG encoder/decoder for RGB and grayscale images (numpy + zlib only, no PIL).

write(path, img, filters=...) writes an (H, W, 3) uint8 array as colour type 2
(RGB) or an (H, W) uint8 array as colour type 0 (grayscale); bit depth 8, no
interlace. `filters` picks the row filter: an int 0..4 for every row, or
"cycle" for row y using filter y % 5 (None, Sub, Up, Average, Paeth in turn,
so one small file exercises all five in a decoder).

read(path) decodes 8-bit non-interlaced PNGs of colour type 0 (gray),
2 (RGB), 4 (gray + alpha) and 6 (RGBA) with any row filters and returns
(array, colour type): (H, W) for type 0, (H, W, C) otherwise.

(tools/png_gray.py wraps this for the grayscale files of tools/train_mnist.py.)
"""
import struct
import zlib

import numpy as np

_SIG = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}


def _chunk(kind, data):
    c = struct.pack(">I", len(data)) + kind + data
    return c + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = np.abs(p - a), np.abs(p - b), np.abs(p - c)
    return np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, c))


def _filter_row(ft, cur, prev, bpp):
    """cur, prev: int32 rows of raw bytes; returns the filtered bytes."""
    left = np.concatenate([np.zeros(bpp, np.int32), cur[:-bpp]])
    upleft = np.concatenate([np.zeros(bpp, np.int32), prev[:-bpp]])
    if ft == 0:
        pred = np.zeros_like(cur)
    elif ft == 1:
        pred = left
    elif ft == 2:
        pred = prev
    elif ft == 3:
        pred = (left + prev) // 2
    elif ft == 4:
        pred = _paeth(left, prev, upleft)
    else:
        raise ValueError(f"bad filter type {ft}")
    return ((cur - pred) & 0xFF).astype(np.uint8)


def write(path, img, filters=0):
    img = np.asarray(img)
    if img.dtype != np.uint8:
        raise ValueError("expected uint8 pixels")
    if img.ndim == 2:
        ctype, bpp = 0, 1
    elif img.ndim == 3 and img.shape[2] == 3:
        ctype, bpp = 2, 3
    else:
        raise ValueError("expected an (H, W) gray or (H, W, 3) RGB array")
    h, w = img.shape[:2]
    rows = img.reshape(h, w * bpp).astype(np.int32)
    prev = np.zeros(w * bpp, np.int32)
    raw = bytearray()
    for y in range(h):
        ft = y % 5 if filters == "cycle" else int(filters)
        raw.append(ft)
        raw += _filter_row(ft, rows[y], prev, bpp).tobytes()
        prev = rows[y]
    ihdr = struct.pack(">IIBBBBB", w, h, 8, ctype, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(_SIG + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(bytes(raw), 9))
                + _chunk(b"IEND", b""))


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != _SIG:
        raise ValueError("not a PNG")
    pos = 8
    idat = b""
    w = h = ctype = None
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + n]
        (crc,) = struct.unpack(">I", data[pos + 8 + n : pos + 12 + n])
        if zlib.crc32(kind + body) & 0xFFFFFFFF != crc:
            raise ValueError(f"bad CRC in {kind!r}")
        pos += 12 + n
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or ctype not in _CHANNELS or interlace != 0:
                raise ValueError("only 8-bit non-interlaced gray/RGB/gray+alpha/RGBA PNGs are supported")
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    bpp = _CHANNELS[ctype]
    stride = w * bpp
    raw = zlib.decompress(idat)
    if len(raw) != h * (stride + 1):
        raise ValueError("wrong amount of image data")
    out = np.zeros((h, stride), dtype=np.uint8)
    prev = np.zeros(stride, dtype=np.int32)
    for y in range(h):
        ft = raw[y * (stride + 1)]
        line = np.frombuffer(raw, dtype=np.uint8, count=stride, offset=y * (stride + 1) + 1).astype(np.int32)
        cur = np.zeros(stride, dtype=np.int32)
        for x in range(stride):
            a = cur[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if ft == 0:
                p = 0
            elif ft == 1:
                p = a
            elif ft == 2:
                p = b
            elif ft == 3:
                p = (a + b) // 2
            elif ft == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                p = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            else:
                raise ValueError(f"bad filter type {ft}")
            cur[x] = (line[x] + p) & 0xFF
        out[y] = cur
        prev = cur
    if ctype == 0:
        return out, ctype
    return out.reshape(h, w, bpp), ctype
