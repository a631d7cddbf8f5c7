"""Tests of isthmus_export: export, read the file back, check the spec and run it with the reference interpreter.

    cd /work/wt/exporter && PYTHONPATH=python /usr/bin/python3 -m unittest discover -s python/tests -v
"""
import inspect
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import unittest
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON_DIR = os.path.dirname(HERE)
ROOT = os.path.dirname(PYTHON_DIR)
sys.path.insert(0, PYTHON_DIR)
sys.path.insert(0, HERE)

import isthmus_export as ie  # noqa: E402
import sample_models as S  # noqa: E402

torch.set_num_threads(1)

try:
    import torchvision
except Exception:  # pragma: no cover
    torchvision = None

TOL = 1e-5


# ---------------------------------------------------------------------------------------------------------------
# what docs/spec.md allows
# ---------------------------------------------------------------------------------------------------------------

def spec_ops():
    """The op names in the tables of docs/spec.md: (module ops, functional ops)."""
    with open(os.path.join(ROOT, "docs", "spec.md"), encoding="utf-8") as f:
        text = f.read()
    modules, functions = set(), set()
    section = None
    for line in text.splitlines():
        if line.startswith("## "):
            section = line
        elif line.startswith("| `"):
            first = line.split("|")[1]
            names = set(re.findall(r"`([A-Za-z_0-9]+)`", first))
            if "Modules" in section:
                modules |= names
            elif "Functions" in section:
                functions |= names
    return modules, functions


MODULE_OPS, FUNCTION_OPS = spec_ops()


def constructor_params(cls):
    if cls in (nn.GRU, nn.RNN, nn.LSTM):  # (*args, **kwargs) in PyTorch; these are RNNBase's names
        return {"input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout", "bidirectional",
                "proj_size", "nonlinearity"}
    return set(inspect.signature(cls.__init__).parameters) - {"self", "device", "dtype"}


def check_spec(test, spec, tensors):
    """Structure: the format, every op in docs/spec.md, module arguments under PyTorch's constructor names, values
    defined before use, references to defined values, and every tensor read by exactly the nodes that name it."""
    test.assertEqual(spec["format"], "isthmus/2")
    defined = set()
    for i in spec["inputs"]:
        test.assertEqual(set(i) - {"image"}, {"name", "shape", "dtype"})
        test.assertIn(i["dtype"], ("F32", "I64", "I32", "F16", "BF16"))
        test.assertNotIn(i["name"], defined)
        defined.add(i["name"])
    read = set()
    for k, node in enumerate(spec["nodes"]):
        where = f"node {k} {node}"
        op = node["op"]
        test.assertIn("inputs", node, where)
        test.assertIn("outputs", node, where)
        for v in node["inputs"]:
            test.assertIn(v, defined, f"{where}: {v} used before it is defined")
        refs = []
        _collect_refs({key: val for key, val in node.items() if key not in ("inputs", "outputs")}, refs)
        for r in refs:
            test.assertIn(r, defined, f"{where}: ref {r} undefined")
        for v in node["outputs"]:
            test.assertNotIn(v, defined, f"{where}: {v} defined twice")
            defined.add(v)
        if op[0].isupper():
            test.assertIn(op, MODULE_OPS, where)
            cls = getattr(nn, op)
            test.assertLessEqual(set(node) - {"op", "name", "inputs", "outputs"}, constructor_params(cls), where)
            if op == "TransformerEncoder":
                test.assertLessEqual(set(node["encoder_layer"]), constructor_params(nn.TransformerEncoderLayer))
            prefix = node["name"] + "."
            read |= {t for t in tensors if t.startswith(prefix)}
        else:
            test.assertIn(op, FUNCTION_OPS, where)
            if op == "get_attr":
                test.assertEqual(node["inputs"], [])
                test.assertIn(node["name"], tensors)
                read.add(node["name"])
    for v in spec["outputs"]:
        test.assertIn(v, defined)
    test.assertEqual(read, set(tensors), "tensors no node reads")


def _collect_refs(x, out):
    if isinstance(x, dict):
        if set(x) == {"ref"}:
            out.append(x["ref"])
        else:
            for v in x.values():
                _collect_refs(v, out)
    elif isinstance(x, list):
        for v in x:
            _collect_refs(v, out)


def check_file_layout(test, path):
    """The safetensors rules the writer promises: header length a multiple of 8, space padding, tensors back to
    back in sorted name order."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    test.assertEqual(n % 8, 0)
    header_text = raw[8:8 + n].decode("utf-8")
    test.assertEqual(header_text, header_text.rstrip(" ") + " " * (len(header_text) - len(header_text.rstrip(" "))))
    header = json.loads(header_text)
    header.pop("__metadata__")
    pos = 0
    for name in sorted(header):
        begin, end = header[name]["data_offsets"]
        test.assertEqual(begin, pos, name)
        pos = end
    test.assertEqual(8 + n + pos, len(raw))


# ---------------------------------------------------------------------------------------------------------------
# the shared check
# ---------------------------------------------------------------------------------------------------------------

class ExportCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def path(self, name="model.safetensors"):
        return os.path.join(self.tmp.name, name)

    def roundtrip(self, model, inputs, *, dynamic=None, labels=None, image=None, others=()):
        """Export, read back, check structure and tensors, and compare the interpreted spec with the model on
        ``inputs`` and on each dict in ``others`` (other shapes for the free dimensions)."""
        model.eval()
        path = self.path()
        result = ie.export(model, inputs, path, dynamic=dynamic, labels=labels, image=image)
        check_file_layout(self, path)
        tensors, meta = ie.read_safetensors(path)
        spec = json.loads(meta["isthmus.spec"])
        self.assertEqual(spec, result.spec)
        check_spec(self, spec, tensors)
        state = model.state_dict()
        for name, t in tensors.items():
            self.assertIn(name, state)
            self.assertEqual(t.dtype, state[name].dtype, name)
            self.assertEqual(t.shape, state[name].shape, name)
            self.assertTrue(torch.equal(t, state[name]), name)
        self.assertEqual(sorted(set(state) - set(tensors)), result.dropped)
        for case in (inputs,) + tuple(others):
            with torch.no_grad():
                expected = model(**case)
            if isinstance(expected, dict):
                expected = list(expected.values())
            elif isinstance(expected, (tuple, list)):
                expected = list(expected)
            else:
                expected = [expected]
            got = ie.interpret(path, case)
            self.assertEqual(len(got), len(expected))
            for g, e in zip(got, expected):
                self.assertEqual(g.shape, e.shape)
                self.assertLessEqual(float((g - e).abs().max()), TOL)
        return spec, tensors

    @staticmethod
    def nodes(spec, op):
        return [n for n in spec["nodes"] if n["op"] == op]


# ---------------------------------------------------------------------------------------------------------------
# torchvision
# ---------------------------------------------------------------------------------------------------------------

@unittest.skipIf(torchvision is None, "torchvision is not installed")
class TorchvisionTest(ExportCase):
    def check_model(self, name, size=64, **kwargs):
        torch.manual_seed(0)
        model = getattr(torchvision.models, name)(**kwargs)
        S.randomise(model, 1)
        x = torch.randn(1, 3, size, size, generator=torch.Generator().manual_seed(2))
        spec, tensors = self.roundtrip(model, {"x": x}, others=[{"x": torch.randn(2, 3, size, size)}])
        self.assertEqual(spec["inputs"], [{"name": "x", "shape": [-1, 3, size, size], "dtype": "F32"}])
        self.assertEqual(len(spec["outputs"]), 1)
        return spec, tensors

    def test_resnet18(self):
        spec, tensors = self.check_model("resnet18")
        conv = self.nodes(spec, "Conv2d")[0]
        self.assertEqual(conv, {"op": "Conv2d", "name": "conv1", "in_channels": 3, "out_channels": 64,
                                "kernel_size": [7, 7], "stride": [2, 2], "padding": [3, 3], "dilation": [1, 1],
                                "groups": 1, "bias": False, "padding_mode": "zeros", "inputs": ["x"],
                                "outputs": ["conv1"]})
        self.assertEqual(len(self.nodes(spec, "add")), 8)
        self.assertEqual(tensors["bn1.num_batches_tracked"].dtype, torch.int64)
        self.assertEqual(tensors["bn1.num_batches_tracked"].shape, ())
        self.assertEqual(spec["nodes"][-1]["op"], "Linear")

    def test_resnet50(self):
        spec, _ = self.check_model("resnet50")
        self.assertEqual(len(self.nodes(spec, "add")), 16)

    def test_mobilenet_v2(self):
        spec, _ = self.check_model("mobilenet_v2")
        self.assertTrue(self.nodes(spec, "ReLU6"))
        self.assertEqual(self.nodes(spec, "adaptive_avg_pool2d")[0]["output_size"], [1, 1])

    def test_mobilenet_v3_small(self):
        spec, _ = self.check_model("mobilenet_v3_small")
        self.assertTrue(self.nodes(spec, "Hardswish"))
        self.assertTrue(self.nodes(spec, "Hardsigmoid"))

    def test_efficientnet_b0(self):
        spec, _ = self.check_model("efficientnet_b0")
        sd = self.nodes(spec, "stochastic_depth")
        self.assertTrue(sd)
        self.assertFalse(sd[0]["training"])

    def test_squeezenet1_1(self):
        spec, _ = self.check_model("squeezenet1_1")
        self.assertTrue(all(len(n["inputs"]) == 2 and n["dim"] == 1 for n in self.nodes(spec, "cat")))

    def test_vgg11_bn(self):
        self.check_model("vgg11_bn")

    def test_alexnet(self):
        self.check_model("alexnet")

    def test_convnext_tiny(self):
        spec, tensors = self.check_model("convnext_tiny")
        scales = [n for n in self.nodes(spec, "get_attr") if n["name"].endswith("layer_scale")]
        self.assertEqual(len(scales), 18)
        self.assertEqual(scales[0]["name"], "features.1.0.layer_scale")
        self.assertEqual(list(tensors["features.1.0.layer_scale"].shape), [96, 1, 1])
        self.assertTrue(self.nodes(spec, "layer_norm"))   # LayerNorm2d is traced through to F.layer_norm


# ---------------------------------------------------------------------------------------------------------------
# hand-written models
# ---------------------------------------------------------------------------------------------------------------

def randn(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


class HandWrittenTest(ExportCase):
    def test_seed_gru(self):
        model = S.randomise(S.SeedGRU(), 3)
        spec, _ = self.roundtrip(model, {"x": randn(2, 7, 3)}, dynamic={"x": [1]},
                                 others=[{"x": randn(3, 1, 3)}, {"x": randn(1, 12, 3)}])
        self.assertEqual(spec["inputs"][0]["shape"], [-1, -1, 3])
        gru, pick, fc = spec["nodes"]
        self.assertEqual(gru["op"], "GRU")
        self.assertEqual({k: gru[k] for k in ("input_size", "hidden_size", "num_layers", "batch_first")},
                         {"input_size": 3, "hidden_size": 64, "num_layers": 2, "batch_first": True})
        self.assertEqual(len(gru["outputs"]), 2)
        self.assertEqual(pick, {"op": "getitem", "index": [{"slice": [None, None, None]}, -1,
                                                           {"slice": [None, None, None]}],
                                "inputs": [gru["outputs"][0]], "outputs": pick["outputs"]})
        self.assertEqual(fc["inputs"], pick["outputs"])

    def test_lstm_bidirectional(self):
        model = S.randomise(S.LSTMClassifier(), 4)
        spec, _ = self.roundtrip(model, {"x": randn(3, 6, 5)}, dynamic={"x": [1]},
                                 others=[{"x": randn(2, 1, 5)}])
        lstm = self.nodes(spec, "LSTM")[0]
        self.assertEqual(len(lstm["outputs"]), 3)
        self.assertTrue(lstm["bidirectional"] and lstm["batch_first"] and lstm["num_layers"] == 2)
        self.assertEqual(lstm["proj_size"], 0)
        # the tuple unpacking leaves no getitem on the LSTM's results, only the tensor indexing
        getitems = self.nodes(spec, "getitem")
        self.assertEqual([g["inputs"] for g in getitems], [[lstm["outputs"][0]], [lstm["outputs"][2]]])
        self.assertEqual(self.nodes(spec, "mean")[0]["inputs"], [lstm["outputs"][1]])

    def test_lstm_projection(self):
        model = S.randomise(S.LSTMClassifier(proj_size=4), 5)
        _, tensors = self.roundtrip(model, {"x": randn(2, 6, 5)}, dynamic={"x": [1]})
        self.assertEqual(list(tensors["lstm.weight_hr_l1_reverse"].shape), [4, 12])

    def test_rnn_tanh_and_relu(self):
        for nl in ("tanh", "relu"):
            with self.subTest(nonlinearity=nl):
                model = S.randomise(S.RNNClassifier(nl), 6)
                spec, _ = self.roundtrip(model, {"x": randn(5, 2, 6)}, dynamic={"x": [1]},
                                         others=[{"x": randn(9, 1, 6)}])
                rnn = self.nodes(spec, "RNN")[0]
                self.assertEqual(rnn["nonlinearity"], nl)
                self.assertFalse(rnn["batch_first"])
                self.assertEqual(spec["outputs"][1], rnn["outputs"][0])
                self.assertEqual(self.nodes(spec, "getitem")[0]["inputs"], [rnn["outputs"][1]])

    def test_gru_initial_state_and_tuple_output(self):
        class M(nn.Module):
            def __init__(self):
                super().__init__()
                self.gru = nn.GRU(4, 5, num_layers=2, bidirectional=True)

            def forward(self, x, h0):
                return self.gru(x, h0)

        model = S.randomise(M(), 7)
        spec, _ = self.roundtrip(model, {"x": randn(3, 2, 4), "h0": randn(4, 2, 5)},
                                 dynamic={"x": [1], "h0": [1]})
        gru = spec["nodes"][0]
        self.assertEqual(gru["inputs"], ["x", "h0"])
        self.assertEqual(spec["outputs"], gru["outputs"])
        self.assertEqual(spec["inputs"][1]["shape"], [-1, -1, 5])

    def test_lstm_initial_state(self):
        class M(nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm = nn.LSTM(4, 5, batch_first=True)

            def forward(self, x, h0, c0):
                out, (h, c) = self.lstm(x, (h0, c0))
                return out, h, c

        model = S.randomise(M(), 8)
        spec, _ = self.roundtrip(model, {"x": randn(2, 3, 4), "h0": randn(1, 2, 5), "c0": randn(1, 2, 5)})
        self.assertEqual(spec["nodes"][0]["inputs"], ["x", "h0", "c0"])

    def test_speech_front_end(self):
        model = S.randomise(S.SpeechFrontEnd(), 9)
        spec, tensors = self.roundtrip(model, {"x": randn(2, 8, 40)}, dynamic={"x": [2]},
                                       others=[{"x": randn(1, 8, 57)}])
        ops = [n["op"] for n in spec["nodes"]]
        self.assertEqual(ops[:4], ["Conv1d", "BatchNorm1d", "ReLU", "MaxPool1d"])
        self.assertIn("AdaptiveAvgPool1d", ops)
        self.assertEqual(ops[-2:], ["Linear", "log_softmax"])
        self.assertEqual(self.nodes(spec, "Conv1d")[1]["padding"], "same")
        self.assertEqual(list(tensors["features.0.weight"].shape), [12, 8, 5])

    def test_attention(self):
        model = S.randomise(S.AttentionBlock(), 10)
        spec, _ = self.roundtrip(model, {"x": randn(2, 5, 32)}, dynamic={"x": [1]},
                                 others=[{"x": randn(3, 9, 32)}, {"x": randn(1, 1, 32)}])
        self.assertEqual(len(self.nodes(spec, "matmul")), 2)
        sizes = {n["outputs"][0]: n["dim"] for n in self.nodes(spec, "size")}
        self.assertEqual(sorted(sizes.values()), [0, 1])
        view = self.nodes(spec, "view")[0]
        self.assertEqual(view["shape"][2:], [4, -1])
        self.assertEqual([r["ref"] for r in view["shape"][:2]], sorted(sizes, key=sizes.get))
        mul = [n for n in self.nodes(spec, "mul") if all(i in sizes for i in n["inputs"])]
        self.assertEqual(len(mul), 1)    # b * t, on size values
        self.assertEqual(self.nodes(spec, "chunk")[0]["chunks"], 3)
        self.assertEqual(len(self.nodes(spec, "chunk")[0]["outputs"]), 3)

    def test_attention_with_mask(self):
        model = S.randomise(S.AttentionBlock(), 11)
        mask = torch.zeros(2, 1, 5, 5)
        mask[1, :, :, 3:] = -1e4
        spec, _ = self.roundtrip(model, {"x": randn(2, 5, 32), "mask": mask},
                                 dynamic={"x": [1], "mask": [2, 3]},
                                 others=[{"x": randn(1, 7, 32), "mask": randn(1, 1, 7, 7)}])
        self.assertEqual(spec["inputs"][1]["shape"], [-1, 1, -1, -1])
        self.assertTrue(any("mask" in n["inputs"] for n in self.nodes(spec, "add")))

    def test_branches_and_cat(self):
        model = S.randomise(S.Inception(), 12)
        spec, _ = self.roundtrip(model, {"x": randn(2, 3, 16, 16)}, others=[{"x": randn(1, 3, 16, 16)}])
        cats = self.nodes(spec, "cat")
        self.assertEqual([len(c["inputs"]) for c in cats], [4, 4, 2])
        split = self.nodes(spec, "split")[0]
        self.assertEqual(split["split_size_or_sections"], [16, 8])
        self.assertEqual(len(split["outputs"]), 2)

    def test_transformer_encoder(self):
        class M(nn.Module):
            def __init__(self):
                super().__init__()
                self.emb = nn.Embedding(20, 16, padding_idx=0)
                layer = nn.TransformerEncoderLayer(16, 4, 24, activation="gelu", batch_first=True,
                                                   norm_first=True)
                self.enc = nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(16))
                self.fc = nn.Linear(16, 3)

            def forward(self, ids, pad):
                return self.fc(self.enc(self.emb(ids), src_key_padding_mask=pad)[:, 0])

        model = S.randomise(M(), 13)
        ids = torch.randint(1, 20, (2, 6), generator=torch.Generator().manual_seed(0))
        pad = torch.zeros(2, 6)
        pad[1, 4:] = float("-inf")
        # PyTorch's fast path turns the float padding mask into a bool one, and says so
        warnings.filterwarnings("ignore", "Converting mask without torch.bool dtype", UserWarning)
        spec, tensors = self.roundtrip(model, {"ids": ids, "pad": pad}, dynamic={"ids": [1], "pad": [1]})
        enc = self.nodes(spec, "TransformerEncoder")[0]
        self.assertEqual(enc["inputs"][1], "pad")
        self.assertEqual(enc["encoder_layer"], {"d_model": 16, "nhead": 4, "dim_feedforward": 24, "dropout": 0.1,
                                                "activation": "gelu", "layer_norm_eps": 1e-5,
                                                "batch_first": True, "norm_first": True})
        self.assertEqual(enc["norm"], {"normalized_shape": [16], "eps": 1e-5, "elementwise_affine": True})
        self.assertIn("enc.layers.1.self_attn.in_proj_weight", tensors)
        self.assertEqual(spec["inputs"][0]["dtype"], "I64")

    def test_functions_sizes_and_dict_outputs(self):
        model = S.randomise(S.FunctionalOps(), 14)
        spec, tensors = self.roundtrip(model, {"x": randn(2, 3, 6), "input": randn(4, 2, 3)},
                                       dynamic={"x": [1]}, others=[{"x": randn(3, 5, 6), "input": randn(1, 2, 3)}])
        self.assertEqual(spec["outputs"], ["u", "z", "w", "pooled", "same", "t"])
        self.assertIn({"op": "clone", "inputs": ["input"], "outputs": ["same"]}, spec["nodes"])
        self.assertNotIn("unused.weight", tensors)
        self.assertIn("offset", tensors)
        ops = {n["op"] for n in spec["nodes"]}
        for op in ("rsub", "rdiv", "pow", "neg", "clamp", "stack", "amax", "floordiv", "getitem", "size",
                   "reshape", "hardswish", "avg_pool1d", "max_pool1d", "adaptive_avg_pool1d", "to", "float"):
            self.assertIn(op, ops)
        self.assertIn({"op": "rsub", "other": 1, "inputs": ["view"], "outputs": ["sub"]}, spec["nodes"])

    def test_inplace_on_a_value_read_later(self):
        class M(nn.Module):
            def forward(self, x):
                y = x * 2
                y.relu_()
                y += 1
                return y * 3

        spec, _ = self.roundtrip(M(), {"x": randn(2, 3)})
        self.assertEqual([n["op"] for n in spec["nodes"]], ["mul", "relu", "add", "mul"])

    def test_labels_and_image(self):
        model = S.randomise(S.Inception(num_classes=3), 15)
        image = {"color": "rgb", "scale": 1 / 255, "mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25]}
        spec, _ = self.roundtrip(model, {"x": randn(1, 3, 16, 16)}, labels=["a", "b", "c"], image=image)
        self.assertEqual(spec["labels"], ["a", "b", "c"])
        self.assertEqual(spec["inputs"][0]["image"], image)
        with self.assertRaises(ie.ExportError) as cm:
            ie.export(model, {"x": randn(1, 3, 16, 16)}, self.path("x.safetensors"), labels=["a", "b"])
        self.assertIn("2 labels", str(cm.exception))


# ---------------------------------------------------------------------------------------------------------------
# what cannot be exported
# ---------------------------------------------------------------------------------------------------------------

class ErrorTest(ExportCase):
    def test_all_problems_at_once_and_nothing_written(self):
        path = self.path()
        with self.assertRaises(ie.ExportError) as cm:
            ie.export(S.Unsupported(), {"x": randn(2, 4), "idx": torch.tensor([0, 1])}, path)
        problems = cm.exception.problems
        self.assertEqual(len(problems), 3, problems)
        self.assertIn("module act (torch.nn.Softplus) is not in the spec", problems[0])
        self.assertIn("torch.einsum is not in the spec", problems[1])
        self.assertIn("tensor-valued index", problems[2])
        for p in problems:
            self.assertIn("sample_models.py:", p)
        self.assertIn("y[idx]", problems[2])
        self.assertFalse(os.path.exists(path))
        self.assertEqual(os.listdir(self.tmp.name), [])
        self.assertNotIn("\n", cm.exception.one_line())

    def test_unknown_torch_modules_are_not_traced_into(self):
        class M(nn.Module):
            def __init__(self):
                super().__init__()
                self.attn = nn.MultiheadAttention(8, 2)
                self.up = nn.Upsample(scale_factor=2)
                self.conv = nn.Conv3d(1, 1, 1)

            def forward(self, x):
                y, _ = self.attn(x, x, x)
                return self.conv(self.up(y).unsqueeze(1).unsqueeze(1))

        with self.assertRaises(ie.ExportError) as cm:
            ie.export(M(), {"x": randn(3, 2, 8)}, self.path())
        text = str(cm.exception)
        for q in ("attn (torch.nn.MultiheadAttention)", "up (torch.nn.Upsample)", "conv (torch.nn.Conv3d)"):
            self.assertIn(q, text)
        self.assertEqual(len(cm.exception.problems), 3)

    def test_missing_tensor(self):
        model = nn.Sequential(nn.utils.weight_norm(nn.Conv2d(3, 4, 3)))
        with self.assertRaises(ie.ExportError) as cm:
            ie.export(model, {"input": randn(1, 3, 8, 8)}, self.path())
        self.assertIn("0.weight, which is not in the state dict (weight norm", str(cm.exception))

    def test_dropout_in_training_mode(self):
        class M(nn.Module):
            def forward(self, x):
                return F.dropout(x, 0.5)

        with self.assertRaises(ie.ExportError) as cm:
            ie.export(M(), {"x": randn(2, 3)}, self.path())
        self.assertIn("training=True", str(cm.exception))

    def test_control_flow_on_values(self):
        class M(nn.Module):
            def forward(self, x):
                if x.sum() > 0:
                    return x
                return -x

        with self.assertRaises(ie.ExportError) as cm:
            ie.export(M(), {"x": randn(2, 3)}, self.path())
        self.assertIn("tracing failed at", str(cm.exception))
        self.assertIn("if x.sum() > 0", str(cm.exception))

    def test_bad_arguments(self):
        model = S.SeedGRU()
        with self.assertRaises(ie.ExportError) as cm:
            ie.export(model, {"y": randn(1, 2, 3), "x": torch.zeros(1, 2, 3, dtype=torch.bool)}, self.path(),
                      dynamic={"x": [5], "z": [1]})
        text = str(cm.exception)
        self.assertIn("dtype torch.bool", text)
        self.assertIn("no input named 'z'", text)
        self.assertIn("no parameter 'y'", text)


# ---------------------------------------------------------------------------------------------------------------
# the safetensors writer and reader, the interpreter on the existing golden fixtures, the command line
# ---------------------------------------------------------------------------------------------------------------

class SafetensorsTest(ExportCase):
    def test_roundtrip(self):
        tensors = {"b.w": torch.randn(3, 4), "a": torch.tensor(7), "c": torch.arange(5, dtype=torch.int32),
                   "e": torch.zeros(0, 3), "h": torch.randn(2, 2).half(), "t": torch.randn(4, 2).t()}
        path = self.path()
        ie.write_safetensors(path, tensors, {"k": "v"})
        check_file_layout(self, path)
        back, meta = ie.read_safetensors(path)
        self.assertEqual(meta, {"k": "v"})
        self.assertEqual(set(back), set(tensors))
        for k, t in tensors.items():
            self.assertEqual(back[k].dtype, t.dtype)
            self.assertTrue(torch.equal(back[k], t), k)
        header, _ = ie.safetensors.read_header(path)
        self.assertEqual(header["a"], {"dtype": "I64", "shape": [], "data_offsets": [0, 8]})


def read_npy(path):
    """A .npy file (little-endian, C order, f4/i8/i4) as a torch tensor."""
    with open(path, "rb") as f:
        raw = f.read()
    assert raw[:6] == b"\x93NUMPY"
    major = raw[6]
    n, start = (struct.unpack("<H", raw[8:10])[0], 10) if major == 1 else (struct.unpack("<I", raw[8:12])[0], 12)
    header = eval(raw[start:start + n].decode("latin1"))  # noqa: S307 - a dict literal written by numpy
    dtype = {"<f4": torch.float32, "<i8": torch.int64, "<i4": torch.int32}[header["descr"]]
    assert not header["fortran_order"]
    data = bytearray(raw[start + n:])
    return torch.frombuffer(data, dtype=dtype).reshape(header["shape"]) if data else torch.zeros(header["shape"])


class InterpreterOnFixturesTest(unittest.TestCase):
    """The reference interpreter against the PyTorch goldens of fixtures/torch (isthmus/1 files)."""

    CASES = ("cnn_seed", "gru_bidir", "gru_h0", "transformer_norm_first", "layernorm", "cnn_mixed",
             "embedding_transformer_i32", "activations", "flatten_linear", "batchnorm_variants")

    def test_fixtures(self):
        base = os.path.join(ROOT, "fixtures", "torch")
        for case in self.CASES:
            with self.subTest(case=case):
                d = os.path.join(base, case)
                with open(os.path.join(d, "case.json")) as f:
                    cj = json.load(f)
                model = os.path.join(d, cj["model"])
                if os.path.isdir(model):
                    with open(os.path.join(model, "model.json")) as f:
                        spec = json.load(f)
                    tensors, _ = ie.read_safetensors(os.path.join(model, "model.safetensors"))
                else:
                    spec, tensors = ie.load(model)
                inputs = {k: read_npy(os.path.join(d, v)) for k, v in cj["inputs"].items()}
                outs = ie.interpret(spec, inputs, tensors)
                for o, fn in zip(outs, cj["outputs"]):
                    self.assertLessEqual(float((o - read_npy(os.path.join(d, fn))).abs().max()), 1e-4)


class CommandLineTest(ExportCase):
    def cli(self, *args):
        env = dict(os.environ, PYTHONPATH=PYTHON_DIR + os.pathsep + HERE)
        return subprocess.run([sys.executable, "-m", "isthmus_export", *args], capture_output=True, text=True,
                              env=env, cwd=self.tmp.name)

    def test_writes_a_file(self):
        out = self.path("gru.safetensors")
        labels = self.path("labels.txt")
        with open(labels, "w") as f:
            f.write("a\nb\nc\nd\n")
        r = self.cli("sample_models:SeedGRU", "--input", "x=2x5x3", "--dynamic", "x=1", "--labels", labels,
                     "-o", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("gru.safetensors: 3 nodes", r.stdout)
        spec, _ = ie.load(out)
        self.assertEqual(spec["inputs"], [{"name": "x", "shape": [-1, -1, 3], "dtype": "F32"}])
        self.assertEqual(spec["labels"], ["a", "b", "c", "d"])

    @unittest.skipIf(torchvision is None, "torchvision is not installed")
    def test_torchvision_factory_with_kwargs(self):
        out = self.path("r.safetensors")
        r = self.cli("torchvision.models:resnet18", "--kwargs", '{"num_classes": 7}', "--input", "x=1x3x32x32",
                     "-o", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        spec, tensors = ie.load(out)
        self.assertEqual(list(tensors["fc.weight"].shape), [7, 512])

    def test_integer_input(self):
        out = self.path("e.safetensors")
        r = self.cli("sample_models:TokenTagger", "--kwargs", '{"tags": 3}', "--input", "ids=1x4:int64",
                     "--dynamic", "ids=1", "-o", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        spec, _ = ie.load(out)
        self.assertEqual(spec["inputs"], [{"name": "ids", "shape": [-1, -1], "dtype": "I64"}])
        self.assertEqual([n["op"] for n in spec["nodes"]], ["Embedding", "GRU", "Linear"])

    def test_bad_factory(self):
        out = self.path("x.safetensors")
        r = self.cli("torchvision.models:no_such_model", "--input", "x=1x3x8x8", "-o", out)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr.count("\n"), 1, r.stderr)
        self.assertIn("error: torchvision.models has no no_such_model", r.stderr)
        self.assertNotIn("Traceback", r.stderr)
        self.assertFalse(os.path.exists(out))

    def test_export_error_is_one_line(self):
        r = self.cli("sample_models:Unsupported", "--input", "x=2x4", "--input", "idx=2:int64", "-o", "u.st")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr.count("\n"), 1, r.stderr)
        self.assertIn("3 problems", r.stderr)
        r = self.cli("sample_models:Unsupported", "--input", "x=2x4", "--input", "idx=2:int64", "-o", "u.st",
                     "--verbose")
        self.assertIn("Traceback", r.stderr)

    def test_usage_errors(self):
        for args in (["sample_models:SeedGRU", "-o", "x.st"],
                     ["sample_models:SeedGRU", "--input", "x=2xq", "-o", "x.st"],
                     ["sample_models:SeedGRU", "--input", "x=2x3x3"],
                     ["sample_models", "--input", "x=2x3x3", "-o", "x.st"]):
            with self.subTest(args=args):
                r = self.cli(*args)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertEqual(r.stderr.count("\n"), 1, r.stderr)

    def test_help(self):
        r = self.cli("--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("MODULE:CALLABLE", r.stdout)
        self.assertIn("--dynamic", r.stdout)


if __name__ == "__main__":
    unittest.main()
