#!/usr/bin/python3
"""PyTorch's dynamic int8 on a benchmark model: the F32 module and `torch.quantization.quantize_dynamic` of it (its
nn.Linear layers to int8; activations quantized per call), same weights, same input, one process.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tools/torch_int8_latency.py --model bench/models/encoder \
        [--engine onednn|x86|fbgemm] [--rounds 5] [--seconds 2]

The model is built from its model.safetensors and isthmus spec as tools/torch_latency.py builds it; the input is the
model folder's in_*_b1.npy. The two modules are timed in alternating rounds (each round: warm-up, then single calls
for --seconds under torch.inference_mode()); the median of all calls is reported per module. Prints one JSON object:
{torch, engine, threads, f32_ms, int8_ms, f32_rounds, int8_rounds, cosine} (cosine of the int8 output to the F32 one).
"""
import argparse
import glob
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True)
    p.add_argument("--engine", default="onednn")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--seconds", type=float, default=2.0)
    a = p.parse_args()
    import numpy as np
    import torch
    sys.path.insert(0, HERE)
    import make_fixtures
    import safetensors_io

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    torch.backends.quantized.engine = a.engine
    tensors, meta = safetensors_io.load(os.path.join(a.model, "model.safetensors"))
    spec = json.loads(meta["isthmus.spec"])
    f32 = make_fixtures.SpecModel(spec)
    f32.load_state_dict({k: torch.from_numpy(v) for k, v in tensors.items()}, strict=True)
    f32.float().eval()
    int8 = torch.quantization.quantize_dynamic(f32, {torch.nn.Linear}, dtype=torch.qint8)
    for m in int8.modules():
        # torch 1.13's encoder-layer fast path reads linear1.weight as a tensor, which a quantized Linear's is not:
        # the flag only chooses that path, so the layer runs its ordinary forward (the F32 module keeps the fast path)
        if isinstance(m, torch.nn.TransformerEncoderLayer):
            m.activation_relu_or_gelu = 0
    inp = sorted(glob.glob(os.path.join(a.model, "in_*_b1.npy")))[0]
    name = os.path.basename(inp)[len("in_"):-len("_b1.npy")]
    feed = {name: torch.from_numpy(np.load(inp))}
    times = {"f32": [], "int8": []}
    medians = {"f32": [], "int8": []}
    with torch.inference_mode():
        ref = f32(**feed)
        out = int8(**feed)
        ref = ref if isinstance(ref, torch.Tensor) else ref[0]
        out = out if isinstance(out, torch.Tensor) else out[0]
        u, v = ref.double().flatten(), out.double().flatten()
        cosine = float(u @ v / (u.norm() * v.norm()))
        for r in range(a.rounds):
            for key, m in (("f32", f32), ("int8", int8)) if r % 2 == 0 else (("int8", int8), ("f32", f32)):
                for _ in range(3):
                    m(**feed)
                round_times = []
                end = time.perf_counter() + a.seconds
                while time.perf_counter() < end or len(round_times) < 5:
                    t0 = time.perf_counter()
                    m(**feed)
                    round_times.append((time.perf_counter() - t0) * 1e3)
                times[key] += round_times
                medians[key].append(float(np.median(round_times)))
    print(json.dumps({"torch": torch.__version__, "engine": a.engine, "threads": torch.get_num_threads(),
                      "f32_ms": float(np.median(times["f32"])), "int8_ms": float(np.median(times["int8"])),
                      "f32_rounds": medians["f32"], "int8_rounds": medians["int8"], "cosine": cosine}))


if __name__ == "__main__":
    main()
