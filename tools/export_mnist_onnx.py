#!/usr/bin/python3
"""Write the bundled MNIST model (examples/mnist) as ONNX, for ONNX Runtime in bench/cold-start.

    /usr/bin/python3 tools/export_mnist_onnx.py OUT.onnx [MODEL.safetensors]

The torch module is built from the file's own isthmus/1 spec (tools/make_fixtures.py's SpecModel) and given the file's
weights, so ONNX Runtime runs the very model `isthmus predict` runs. Needs Debian's python3-torch.
"""
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_fixtures  # noqa: E402
import safetensors_io  # noqa: E402


class Logits(torch.nn.Module):
    def __init__(self, m, input_name):
        super().__init__()
        self.m = m
        self.input_name = input_name

    def forward(self, x):
        return self.m(**{self.input_name: x})[0]


def main():
    out = sys.argv[1]
    src = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(HERE), "examples", "mnist", "model.safetensors")
    tensors, meta = safetensors_io.load(src)
    spec = json.loads(meta["isthmus.spec"])
    model = make_fixtures.SpecModel(spec)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in tensors.items()})
    model.eval()
    name = spec["inputs"][0]["name"]
    shape = [1] + [d for d in spec["inputs"][0]["shape"][1:]]
    torch.onnx.export(Logits(model, name), (torch.zeros(shape),), out, opset_version=14, input_names=[name],
                      output_names=["output"], dynamic_axes={name: {0: "batch"}, "output": {0: "batch"}})


if __name__ == "__main__":
    main()
