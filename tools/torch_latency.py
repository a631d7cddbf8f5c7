#!/usr/bin/python3
"""PyTorch's own latency on the peer-benchmark models (the files written by tools/export_models.py).

    /usr/bin/python3 tools/torch_latency.py [--models bench/models] [--threads 1 2] [--only M,...] [--quick] > torch.json
    /usr/bin/python3 tools/torch_latency.py --case cnn=1,2 --case resnet50=1 ...   (models on their own thread counts)

For each thread count T a fresh child process runs with OPENBLAS_NUM_THREADS = OMP_NUM_THREADS = T and
torch.set_num_threads(T) (Debian's PyTorch does its GEMMs in OpenBLAS, which reads its thread count from the
environment at start and ignores torch.set_num_threads). OpenBLAS picks its kernels for the CPU it finds (an
inherited OPENBLAS_CORETYPE is dropped unless --blas-coretype inherit): PyTorch gets its best BLAS, and the JSON says
which. The child loads each model with the weights every engine gets: from model.safetensors and its isthmus/1 spec,
or for the torchvision models torchvision's own module with the weights of model.safetensors. It checks its output on
the sample input against the exported PyTorch float64 answer (max |diff| <= 1e-4 x max(1, max |expected|)), warms up,
then times single calls under torch.inference_mode() in eval mode and reports the median. The error is the largest
distance of a chunk's median from the overall median, the measured calls being cut into 5 chunks in time order (like
the per-iteration medians of the JMH results).

Prints one JSON object: {"torch": version, "blas": which BLAS, "results": [{model, batch, threads, median_ms,
error_ms, p10_ms, p90_ms, runs, warmup_runs, max_abs_diff}, ...]}.
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TOLERANCE = 1e-4  # x max(1, max |expected|), as the JMH benchmarks' gate
CHUNKS = 5

QUICK = dict(warmup_runs=3, warmup_seconds=0.5, min_runs=10, min_seconds=1.0, max_runs=5000)
FULL = dict(warmup_runs=10, warmup_seconds=3.0, min_runs=50, min_seconds=8.0, max_runs=50000)


def blas_info():
    """Which BLAS this process's PyTorch uses (Debian's torch links libblas.so.3, whichever alternative is installed)."""
    import ctypes
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 6 and "blas" in os.path.basename(parts[-1]):
                libs.add(os.path.realpath(parts[-1]))
    for p in sorted(libs):
        try:
            lib = ctypes.CDLL(p)
            lib.openblas_get_config.restype = ctypes.c_char_p
            lib.openblas_get_corename.restype = ctypes.c_char_p
            return f"{lib.openblas_get_config().decode()} (kernels: {lib.openblas_get_corename().decode()})"
        except (OSError, AttributeError):
            continue
    if any("/blas/" in p for p in libs):
        return "reference BLAS (libblas3, unoptimised: install libopenblas0-pthread)"
    return ", ".join(sorted(libs)) or "unknown"


def named_input(net, input_name):
    """net(x) called as net(**{input_name: x}), like the spec-built models."""
    import torch

    class Named(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.net = net

        def forward(self, **inputs):
            return self.net(inputs[input_name])

    return Named()


def child(models_dir, threads, only, settings):
    import numpy as np
    import torch
    sys.path.insert(0, HERE)
    import make_fixtures
    import safetensors_io

    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    with open(os.path.join(models_dir, "manifest.json")) as f:
        manifest = json.load(f)
    results = []
    for name, m in manifest["models"].items():
        if only and name not in only:
            continue
        d = os.path.join(models_dir, m["dir"])
        tensors, meta = safetensors_io.load(os.path.join(d, m["safetensors"]))
        if "torchvision" in m:
            # torchvision's own module, with the weights isthmus_export wrote (its names under the wrapper's "model.")
            import torchvision
            net = getattr(torchvision.models, m["torchvision"])()
            net.load_state_dict({k[len("model."):]: torch.from_numpy(v) for k, v in tensors.items()}, strict=True)
            model = named_input(net, m["input"])
        else:
            spec = json.loads(meta["isthmus.spec"])
            model = make_fixtures.SpecModel(spec)
            model.load_state_dict({k: torch.from_numpy(v) for k, v in tensors.items()}, strict=True)
        model.float().eval()
        for b, c in m["cases"].items():
            x = torch.from_numpy(np.load(os.path.join(d, c["input"])))
            feed = {m["input"]: x}
            with torch.inference_mode():
                outs = model(**feed)
            if isinstance(outs, torch.Tensor):
                outs = [outs]
            diff = 0.0
            scale = 1.0
            for oname, o in zip(m["outputs"], outs):
                want = np.load(os.path.join(d, c["outputs"][oname]))
                diff = max(diff, float(np.abs(o.numpy().astype(np.float64) - want).max()))
                scale = max(scale, float(np.abs(want).max()))
            if not diff <= TOLERANCE * scale:
                raise SystemExit(f"torch_latency: PyTorch's own output on {name} batch {b} differs from the exported "
                                 f"one by {diff:.3g} > {TOLERANCE * scale:.3g}; re-export the models")
            with torch.inference_mode():
                t_end = time.perf_counter() + settings["warmup_seconds"]
                warm = 0
                while warm < settings["warmup_runs"] or time.perf_counter() < t_end:
                    model(**feed)
                    warm += 1
                times = []
                t_end = time.perf_counter() + settings["min_seconds"]
                while (len(times) < settings["min_runs"] or time.perf_counter() < t_end) \
                        and len(times) < settings["max_runs"]:
                    t0 = time.perf_counter()
                    model(**feed)
                    times.append((time.perf_counter() - t0) * 1e3)
            a = np.array(times)
            med = float(np.median(a))
            chunk_medians = [float(np.median(ch)) for ch in np.array_split(a, min(CHUNKS, len(a)))]
            err = max(abs(cm - med) for cm in chunk_medians)
            results.append({
                "model": name, "batch": int(b), "threads": threads,
                "median_ms": med, "error_ms": err,
                "p10_ms": float(np.percentile(a, 10)), "p90_ms": float(np.percentile(a, 90)),
                "runs": len(times), "warmup_runs": warm, "max_abs_diff": diff,
            })
            print(f"torch_latency: {name} b{b} t{threads}: {med:.3f} ms ± {err:.3f} ({len(times)} runs)",
                  file=sys.stderr, flush=True)
    return {"torch": torch.__version__, "blas": blas_info(), "results": results}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", default=os.path.join(ROOT, "bench", "models"))
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--only", default="", help="comma-separated model names (default: all in the manifest)")
    ap.add_argument("--case", action="append", default=[], metavar="MODEL=T1,T2",
                    help="measure MODEL on these thread counts only (repeatable; replaces --only and --threads; "
                         "bench/run passes its cases so)")
    ap.add_argument("--quick", action="store_true", help="short warm-up and measurement (about a minute in all)")
    ap.add_argument("--blas-coretype", default="auto",
                    help="OpenBLAS kernels: 'auto' (default) lets OpenBLAS detect the CPU, ignoring an inherited "
                         "OPENBLAS_CORETYPE (which may pin slower kernels, e.g. Haswell on an AVX-512 machine); "
                         "'inherit' keeps the environment's; any other value is an OPENBLAS_CORETYPE such as SkylakeX")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    only = [n for n in args.only.split(",") if n]
    settings = QUICK if args.quick else FULL
    if args.child is not None:
        json.dump(child(args.models, args.child, only, settings), sys.stdout)
        return
    out = {"mode": "quick" if args.quick else "full", "settings": settings, "blas_coretype": args.blas_coretype,
           "inherited_openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"), "results": []}
    runs = [(t, only) for t in args.threads]   # (threads, models; [] = all)
    if args.case:
        per_model = {}
        for c in args.case:
            model, _, ts = c.partition("=")
            if not model or not ts:
                ap.error(f"--case {c!r}: expected MODEL=T1,T2")
            per_model[model] = {int(t) for t in ts.split(",") if t}
        runs = [(t, [m for m, ts in per_model.items() if t in ts]) for t in sorted(set().union(*per_model.values()))]
    for t, only in runs:
        env = dict(os.environ, OPENBLAS_NUM_THREADS=str(t), OMP_NUM_THREADS=str(t), MKL_NUM_THREADS=str(t))
        if args.blas_coretype == "auto":
            env.pop("OPENBLAS_CORETYPE", None)
        elif args.blas_coretype != "inherit":
            env["OPENBLAS_CORETYPE"] = args.blas_coretype
        cmd = [sys.executable, os.path.abspath(__file__), "--models", args.models, "--child", str(t),
               "--only", ",".join(only)] + (["--quick"] if args.quick else [])
        res = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, check=True)
        r = json.loads(res.stdout)
        out["torch"] = r["torch"]
        out["blas"] = r["blas"]
        out["results"].extend(r["results"])
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
