"""The files of one golden case, shared by the fixture scripts: in_<name>.npy per input, out_<i>.npy per output and
case.json (the layout GraphFixturesTest, OpFixturesTest and the CLI tests read)."""
import json
import os

import numpy as np

CASE_KEYS = ["model", "inputs", "outputs", "description", "output_shapes", "torch_f32_max_abs_diff", "max_abs_output"]


def numpy_of(t):
    """A torch tensor as the engine returns it: floats as little-endian F32, integers and booleans as I64."""
    if t.is_floating_point():
        return np.array(t.detach().float().numpy(), dtype="<f4", order="C")  # (ascontiguousarray makes 0-d 1-d)
    return np.array(t.detach().long().numpy(), dtype="<i8", order="C")  # int32 and bool results: the engine's I64


def write(d, inputs, outputs, description, diff):
    """Writes the inputs (name -> torch tensor), PyTorch's outputs (torch tensors) and case.json into directory d."""
    in_files = {}
    for k, v in inputs.items():
        fn = f"in_{k}.npy"
        np.save(os.path.join(d, fn), v.numpy())
        in_files[k] = fn
    out_files = []
    for i, o in enumerate(outputs):
        fn = f"out_{i}.npy"
        np.save(os.path.join(d, fn), numpy_of(o))
        out_files.append(fn)
    biggest = max([float(o.double().abs().max()) for o in outputs if o.numel()] + [0.0])
    cj = {
        "model": "model.safetensors",
        "inputs": in_files,
        "outputs": out_files,
        "description": description,
        "output_shapes": [list(o.shape) for o in outputs],
        "torch_f32_max_abs_diff": float(f"{diff:.3g}"),
        "max_abs_output": float(f"{biggest:.4g}"),
    }
    assert list(cj) == CASE_KEYS
    with open(os.path.join(d, "case.json"), "w") as f:
        json.dump(cj, f, indent=1)
        f.write("\n")
