"""Writes the seed inputs of the fuzz targets (formats/src/test/java/**/*FuzzTest.java).

Jazzer reads a target's seeds from src/test/resources/<package>/<Class>Inputs/<method>/; this script writes
every file in those directories (it empties them first), so regenerate rather than edit by hand:

    /usr/bin/python3 tools/make_fuzz_seeds.py

(Debian's python3 with python3-pil for the images; everything else is the standard library.) Seeds are small: a
few valid inputs of each kind the reader meets, and inputs that break each of its rules, so the fuzzer starts from
every branch rather than having to find the file format. The model targets (spec, hf) take a recipe, not a file:
a JSON document, a line "---", then one weight tensor a line, "name DTYPE dim dim ..." (see ModelRecipe.java);
their seeds are made from the models under fixtures/.
"""
import io
import json
import os
import shutil
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RES = os.path.join(ROOT, "formats", "src", "test", "resources", "dev", "isthmus", "formats")


def target(package, cls, method):
    d = os.path.join(RES, package, cls + "Inputs", method)
    if os.path.isdir(d):
        shutil.rmtree(d)
    os.makedirs(d)
    return d


def put(d, name, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---------------------------------------------------------------- JSON

def json_seeds():
    d = target("json", "JsonFuzzTest", "parse")
    put(d, "safetensors_header", '{"__metadata__":{"format":"pt","isthmus.spec":"{\\"a\\": [1]}"},'
        '"fc.bias":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},'
        '"fc.weight":{"dtype":"BF16","shape":[3,4],"data_offsets":[12,36]}}        ')
    with open(os.path.join(ROOT, "fixtures", "hf", "bert_base_padded", "model", "config.json"), "rb") as f:
        put(d, "hf_config", f.read())
    put(d, "numbers", "[0, -0, -0.0, 1.5e-3, 1E+2, 2e-400, 12345678901234567890, -9223372036854775808, 0.1e1]")
    put(d, "strings", '["\\" \\\\ \\/ \\b \\f \\n \\r \\t", "\\u00e9\\u4e2d", "\\ud83d\\ude00", "caf\xc3\xa9", ""]')
    put(d, "literals", ' \t\r\n{"t": true, "f": false, "n": null, "e": {}, "a": [], "nested": [[{"x": [{}]}]]} ')
    put(d, "deep", "[" * 600 + "]" * 600)
    put(d, "bad_trailing_comma", '{"a": 1,}')
    put(d, "bad_leading_zero", "[01]")
    put(d, "bad_single_quotes", "{'a': 1}")
    put(d, "bad_nan", "[NaN, Infinity]")
    put(d, "bad_bom", b"\xef\xbb\xbf{}")
    put(d, "bad_duplicate", '{"a": 1, "a": 2}')
    put(d, "bad_out_of_range", "[1e400]")
    put(d, "bad_escape", '["\\x41", "\\u12G4", "\\ud800"]')
    put(d, "bad_control", '["a\tb"]')
    put(d, "bad_comment", '{"a": 1 /* no */}')
    put(d, "bad_trailing_content", "{} {}")


# ---------------------------------------------------------------- safetensors

def st(header, data=b"", n=None):
    """An 8-byte length, the header (a dict is written as compact JSON), the data."""
    h = header if isinstance(header, bytes) else (json.dumps(header, separators=(",", ":"))
                                                  if not isinstance(header, str) else header).encode("utf-8")
    return struct.pack("<Q", len(h) if n is None else n) + h + data


def e(dtype, shape, begin, end):
    return {"dtype": dtype, "shape": shape, "data_offsets": [begin, end]}


def safetensors_seeds():
    d = target("safetensors", "SafetensorsFuzzTest", "open")
    f32 = struct.pack("<6f", 1, 2, 3, 4, 5, 6)
    put(d, "f32_2x3", st({"x": e("F32", [2, 3], 0, 24)}, f32))
    put(d, "metadata", st({"__metadata__": {"format": "pt", "k": "v"}, "x": e("F32", [2, 3], 0, 24)}, f32))
    put(d, "metadata_null", st({"__metadata__": None, "x": e("F32", [6], 0, 24)}, f32))
    put(d, "empty", st({}))
    put(d, "padded", st('{"x":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}' + " " * 6, f32[:4]))
    put(d, "zero_size", st({"a": e("F32", [0, 3], 0, 0), "b": e("I8", [2], 0, 2)}, b"\x01\x02"))
    dtypes = [("F64", 8), ("F16", 2), ("BF16", 2), ("F8_E4M3", 1), ("F8_E5M2", 1), ("I64", 8), ("I32", 4),
              ("I16", 2), ("I8", 1), ("U64", 8), ("U32", 4), ("U16", 2), ("U8", 1), ("BOOL", 1)]
    header, off = {}, 0
    for name, size in dtypes:
        header[name.lower()] = e(name, [2], off, off + 2 * size)
        off += 2 * size
    put(d, "every_dtype", st(header, bytes(range(off))))
    put(d, "unicode_names", st({"\u00e9": e("U8", [1], 0, 1), "\U0001F600": e("U8", [1], 1, 2)}, b"\x01\x02"))
    with open(os.path.join(ROOT, "fixtures", "ops", "activation_chain", "model.safetensors"), "rb") as f:
        put(d, "model_with_spec", f.read())
    # one file per rule broken
    put(d, "bad_too_small", b"\x02\x00\x00")
    put(d, "bad_header_too_large", st({}, n=1 << 40))
    put(d, "bad_header_out_of_bounds", st({}, n=40))
    put(d, "bad_utf8", st(b'{"\xff\xfe":{}}'))
    put(d, "bad_json", st('{"x": '))
    put(d, "bad_not_object", st("[1, 2]"))
    put(d, "bad_duplicate_name", st('{"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},'
                                     '"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', b"\x00"))
    put(d, "bad_duplicate_field", st('{"x":{"dtype":"U8","dtype":"U8","shape":[1],"data_offsets":[0,1]}}', b"\x00"))
    put(d, "bad_metadata_type", st({"__metadata__": {"k": 1}}))
    put(d, "bad_entry_not_object", st({"x": [1]}))
    put(d, "bad_entry_fields", st({"x": {"dtype": "F32", "shape": [1]}}))
    put(d, "bad_unknown_dtype", st({"x": e("Q4", [1], 0, 1)}, b"\x00"))
    put(d, "bad_negative_dim", st({"x": e("F32", [-1], 0, 4)}, f32[:4]))
    put(d, "bad_size_overflow", st({"x": e("F32", [1 << 62, 1 << 62], 0, 4)}, f32[:4]))
    put(d, "bad_huge_dim", st('{"x":{"dtype":"U8","shape":[123456789012345678901234567890],"data_offsets":[0,1]}}', b"\x00"))
    put(d, "bad_offsets_invalid", st({"x": e("F32", [1], 4, 0)}, f32[:4]))
    put(d, "bad_size_mismatch", st({"x": e("F32", [2], 0, 4)}, f32[:4]))
    put(d, "bad_offsets_out_of_bounds", st({"x": e("F32", [2], 0, 8)}, f32[:4]))
    put(d, "bad_overlap", st({"a": e("F32", [1], 0, 4), "b": e("F32", [1], 2, 6)}, f32))
    put(d, "bad_gap", st({"a": e("F32", [1], 0, 4), "b": e("F32", [1], 8, 12)}, f32[:12]))
    put(d, "bad_trailing_bytes", st({"a": e("F32", [1], 0, 4)}, f32[:8]))


# ---------------------------------------------------------------- npy

def npy(descr, shape, data, fortran=False, version=1, header=None):
    text = header if header is not None else "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (
        descr, "True" if fortran else "False", repr(tuple(shape)))
    raw = text.encode("latin-1" if version < 3 else "utf-8")
    prefix = 10 if version == 1 else 12
    pad = (-(prefix + len(raw) + 1)) % 64
    raw += b" " * pad + b"\n"
    length = struct.pack("<H", len(raw)) if version == 1 else struct.pack("<I", len(raw))
    return b"\x93NUMPY" + bytes([version, 0]) + length + raw + data


def npy_seeds():
    d = target("npy", "NpyFuzzTest", "read")
    src = os.path.join(ROOT, "formats", "src", "test", "resources", "npy")
    for name in sorted(os.listdir(src)):
        if name.endswith(".npy"):
            shutil.copy(os.path.join(src, name), os.path.join(d, "numpy_" + name))
    put(d, "v3_utf8", npy("<f4", (2,), struct.pack("<2f", 1, 2), version=3))
    put(d, "long_suffix", npy(None, None, b"\x01\x02", header="{'descr': '|u1', 'fortran_order': False, 'shape': (2L,), }"))
    put(d, "double_quotes", npy(None, None, struct.pack("<i", 7), header='{"descr": "<i4", "fortran_order": False, "shape": (1,)}'))
    put(d, "fortran_vector", npy("<i2", (1, 3), struct.pack("<3h", 1, 2, 3), fortran=True))
    put(d, "scalar_bool", npy("|b1", (), b"\x01"))
    put(d, "bad_magic", b"\x93NUMPZ\x01\x00" + b"\x00" * 8)
    put(d, "bad_version", npy("<f4", (1,), b"\x00" * 4, version=4))
    put(d, "bad_header_length", b"\x93NUMPY\x01\x00\xff\xff{}")
    put(d, "bad_native_order", npy("=f4", (1,), b"\x00" * 4))
    put(d, "bad_complex", npy("<c8", (1,), b"\x00" * 8))
    put(d, "bad_string", npy("<U3", (1,), b"\x00" * 12))
    put(d, "bad_negative_dim", npy("<f4", (-1,), b""))
    put(d, "bad_huge_dim", npy(None, None, b"", header="{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999,), }"))
    put(d, "bad_overflow", npy("<f8", (1 << 40, 1 << 40), b""))
    put(d, "bad_truncated", npy("<f4", (4,), b"\x00" * 8))
    put(d, "bad_trailing", npy("<f4", (1,), b"\x00" * 8))
    put(d, "bad_extra_key", npy(None, None, b"", header="{'descr': '<f4', 'fortran_order': False, 'shape': (0,), 'x': 1}"))
    put(d, "bad_nested", npy(None, None, b"", header="{'descr': '<f4', 'fortran_order': False, 'shape': " + "(" * 40 + ")" * 40 + "}"))


# ---------------------------------------------------------------- model recipes

def safetensors_header(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        return json.loads(f.read(n).decode("utf-8"))


def table(header):
    lines = []
    for name, entry in header.items():
        if name != "__metadata__":
            lines.append(" ".join([name, entry["dtype"]] + [str(x) for x in entry["shape"]]))
    return "\n".join(lines) + "\n"


def elements(header):
    total = 0
    for name, entry in header.items():
        if name != "__metadata__":
            n = 1
            for x in entry["shape"]:
                n *= x
            total += n
    return total


def spec_seeds():
    d = target("spec", "SpecFuzzTest", "load")
    count = 0
    for kind in ("ops", "graph"):
        base = os.path.join(ROOT, "fixtures", kind)
        for case in sorted(os.listdir(base)):
            path = os.path.join(base, case, "model.safetensors")
            if not os.path.isfile(path):
                continue
            h = safetensors_header(path)
            spec = (h.get("__metadata__") or {}).get("isthmus.spec")
            if spec is None or elements(h) > (1 << 18):
                continue
            text = json.dumps(json.loads(spec), separators=(",", ":")) + "\n---\n" + table(h)
            if len(text) > 8192:
                continue
            put(d, kind + "_" + case, text)
            count += 1
    with open(os.path.join(ROOT, "fixtures", "image_rgb", "model", "model.json")) as f:
        spec = json.dumps(json.load(f), separators=(",", ":"))
    put(d, "image_rgb", spec + "\n---\n" + table(safetensors_header(
        os.path.join(ROOT, "fixtures", "image_rgb", "model", "model.safetensors"))))
    put(d, "bad_not_json", "{\"format\": \"isthmus/1\", \n---\nfc.weight F32 3 4\n")
    put(d, "bad_missing_tensor", '{"format":"isthmus/1","inputs":[{"name":"x","shape":[-1,4]}],'
        '"nodes":[{"op":"Linear","name":"fc","in_features":4,"out_features":3}]}\n---\nfc.weight F32 3 4\n')
    put(d, "bad_shape", '{"format":"isthmus/1","inputs":[{"name":"x","shape":[-1,5]}],'
        '"nodes":[{"op":"Linear","name":"fc","in_features":4,"out_features":3}]}\n---\nfc.weight F32 3 4\nfc.bias F32 3\n')
    return count


def hf_seeds():
    d = target("hf", "HfFuzzTest", "load")
    base = os.path.join(ROOT, "fixtures", "hf")
    for case in sorted(os.listdir(base)):
        model = os.path.join(base, case, "model")
        if not os.path.isfile(os.path.join(model, "config.json")):
            continue
        with open(os.path.join(model, "config.json"), "rb") as f:
            config = json.dumps(json.loads(f.read()), separators=(",", ":"))
        put(d, case, config + "\n---\n" + table(safetensors_header(os.path.join(model, "model.safetensors"))))
    put(d, "bad_architecture", '{"architectures":["GPT2LMHeadModel"],"model_type":"gpt2"}\n---\nwte.weight F32 4 2\n')
    put(d, "bad_layers", '{"model_type":"bert","num_hidden_layers":1000000,"hidden_size":4,"num_attention_heads":2}\n---\n'
        'embeddings.word_embeddings.weight F32 10 4\n')


# ---------------------------------------------------------------- images

def image_seeds():
    from PIL import Image
    d = target("image", "ImageFuzzTest", "load")

    def save(name, img, fmt, **kw):
        b = io.BytesIO()
        img.save(b, fmt, **kw)
        put(d, name, b.getvalue())

    rgb = Image.new("RGB", (7, 5))
    rgb.putdata([((x * 37) % 256, (y * 51) % 256, (x * y * 13) % 256) for y in range(5) for x in range(7)])
    save("rgb.png", rgb, "PNG")
    save("gray.png", rgb.convert("L"), "PNG")
    save("gray_alpha.png", rgb.convert("LA"), "PNG")
    save("rgba.png", rgb.convert("RGBA"), "PNG")
    save("palette.png", rgb.convert("P", palette=Image.ADAPTIVE, colors=8), "PNG")
    save("bilevel.png", rgb.convert("1"), "PNG")
    save("gray16.png", rgb.convert("I").point(lambda v: v * 257), "PNG")
    save("same_size.png", rgb.resize((5, 6)), "PNG")
    save("rgb.jpg", rgb, "JPEG", quality=90)
    save("progressive.jpg", rgb, "JPEG", quality=80, progressive=True)
    save("gray.jpg", rgb.convert("L"), "JPEG")
    save("cmyk.jpg", rgb.convert("CMYK"), "JPEG")
    save("rgb.bmp", rgb, "BMP")
    save("palette.bmp", rgb.convert("P", palette=Image.ADAPTIVE, colors=16), "BMP")
    save("rgb.gif", rgb.convert("P", palette=Image.ADAPTIVE, colors=16), "GIF")
    frames = [rgb.convert("P"), rgb.rotate(180).convert("P")]
    b = io.BytesIO()
    frames[0].save(b, "GIF", save_all=True, append_images=frames[1:], duration=10, loop=0)
    put(d, "animated.gif", b.getvalue())
    save("rgb.tiff", rgb, "TIFF")
    save("deflate.tiff", rgb.convert("L"), "TIFF", compression="tiff_deflate")
    save("one_pixel.png", Image.new("RGB", (1, 1), (200, 10, 30)), "PNG")
    put(d, "bad_truncated.png", open(os.path.join(d, "rgb.png"), "rb").read()[:60])
    put(d, "bad_not_an_image", b"P6 not a format ImageIO reads")
    # ImageFuzzTest's finding: a BMP embedding a JPEG of 1.24 GB in 73 bytes (ImageIO allocated it before reading)
    put(d, "bad_bmp_embedded_size.bmp", bytes.fromhex(
        "424dae00020000000000360000002800000007000000f600000001001800040000007800ff49"
        "00000500000001001800040000007800ffffffffffffffffffffffffffffffde000000"))


def main():
    json_seeds()
    safetensors_seeds()
    npy_seeds()
    n = spec_seeds()
    hf_seeds()
    image_seeds()
    print("seeds written under", os.path.relpath(RES, ROOT), "(%d spec seeds from fixtures)" % n, file=sys.stderr)


if __name__ == "__main__":
    main()
