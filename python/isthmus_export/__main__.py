"""python3 -m isthmus_export: export a model built by a factory function to an isthmus/2 safetensors file."""
import argparse
import importlib
import json
import logging
import sys

USAGE_ERROR = 2
EXAMPLES = """\
examples:
  python3 -m isthmus_export torchvision.models:resnet18 --input x=1x3x224x224 -o resnet18.safetensors
  python3 -m isthmus_export torchvision.models:mobilenet_v3_small --kwargs '{"num_classes": 10}' \\
      --input x=1x3x224x224 --labels labels.txt -o mobilenet.safetensors
  python3 -m isthmus_export mypkg.models:Tagger --input ids=1x16:int64 --dynamic ids=1 -o tagger.safetensors

The factory is called with the --kwargs; its weights are whatever it builds (load a checkpoint inside the factory
to export trained weights). Example inputs are random: N(0, 1) for floats, zeros for integers. Dimension 0 of
every input is free (-1) in the spec; --dynamic NAME=D[,D...] frees more (a sequence length).
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        sys.stderr.write(f"isthmus_export: {message} (see --help)\n")
        sys.exit(USAGE_ERROR)


class UsageError(Exception):
    pass


def _parser():
    p = _Parser(prog="python3 -m isthmus_export",
                description="Export a PyTorch model to ONE self-contained isthmus/2 .safetensors file (weights "
                            "under their state-dict names, the spec in the metadata).",
                epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("factory", metavar="MODULE:CALLABLE",
                   help="what builds the model, e.g. torchvision.models:resnet18 (MODULE must be importable)")
    p.add_argument("--input", "-i", action="append", default=[], metavar="NAME=D0xD1x...[:DTYPE]",
                   help="an input of forward, with an example shape; DTYPE float32 (default), int64 or int32; "
                        "repeat for several inputs, in forward's order")
    p.add_argument("--dynamic", action="append", default=[], metavar="NAME=D[,D...]",
                   help="more free dimensions of an input besides dimension 0 (e.g. x=1 for a sequence length)")
    p.add_argument("--labels", metavar="FILE",
                   help="class names of the first output's last dimension: one per line, or a JSON list")
    p.add_argument("--image", metavar="JSON",
                   help='how images become the first input, e.g. \'{"color": "rgb", "scale": 0.00392156862745098, '
                        '"mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}\'')
    p.add_argument("--kwargs", default="{}", metavar="JSON", help="keyword arguments for the factory")
    p.add_argument("--seed", type=int, default=0, help="seed for the random example inputs (default 0)")
    p.add_argument("-o", "--output", required=True, metavar="FILE.safetensors", help="the file to write")
    p.add_argument("--verbose", "-v", action="store_true",
                   help="say what is dropped and written; show the traceback on errors")
    return p


_DTYPES = {"float32": "float32", "f32": "float32", "float": "float32", "int64": "int64", "i64": "int64",
           "long": "int64", "int32": "int32", "i32": "int32", "int": "int32"}


def parse_input(text):
    name, sep, rest = text.partition("=")
    if not sep or not name:
        raise UsageError(f"--input {text!r}: expected NAME=D0xD1x...[:DTYPE]")
    dims, _, dtype = rest.partition(":")
    dtype = dtype or "float32"
    if dtype not in _DTYPES:
        raise UsageError(f"--input {text!r}: dtype {dtype!r} is not float32, int64 or int32")
    try:
        shape = [int(d) for d in dims.lower().split("x")]
    except ValueError:
        raise UsageError(f"--input {text!r}: shape {dims!r} is not like 1x3x224x224") from None
    if any(d < 0 for d in shape):
        raise UsageError(f"--input {text!r}: negative dimension")
    return name, shape, _DTYPES[dtype]


def parse_dynamic(items):
    out = {}
    for text in items:
        name, sep, dims = text.partition("=")
        try:
            out.setdefault(name, []).extend(int(d) for d in dims.split(","))
        except ValueError:
            raise UsageError(f"--dynamic {text!r}: expected NAME=D[,D...]") from None
        if not sep or not name:
            raise UsageError(f"--dynamic {text!r}: expected NAME=D[,D...]")
    return out


def read_labels(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if text.lstrip().startswith("["):
        labels = json.loads(text)
        if not isinstance(labels, list) or not all(isinstance(s, str) for s in labels):
            raise ValueError(f"{path}: a JSON label file must hold a list of strings")
        return labels
    return [line.strip() for line in text.splitlines() if line.strip()]


def load_factory(spec):
    mod_name, sep, attr = spec.partition(":")
    if not sep or not mod_name or not attr:
        raise UsageError(f"factory {spec!r}: expected MODULE:CALLABLE, e.g. torchvision.models:resnet18")
    try:
        mod = importlib.import_module(mod_name)
    except ImportError as e:
        raise LookupError(f"cannot import {mod_name}: {e}") from e
    obj = mod
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise LookupError(f"{mod_name} has no {attr}")
        obj = getattr(obj, part)
    if not callable(obj):
        raise LookupError(f"{spec} is not callable")
    return obj


def main(argv=None):
    args = _parser().parse_args(argv)
    logging.basicConfig(format="isthmus_export: %(message)s", level=logging.INFO if args.verbose else logging.WARNING)
    try:
        return _run(args)
    except UsageError as e:
        sys.stderr.write(f"isthmus_export: {e} (see --help)\n")
        return USAGE_ERROR
    except Exception as e:  # noqa: BLE001 - one line, the traceback only on request
        if args.verbose:
            import traceback
            traceback.print_exc()
        from .exporter import ExportError
        if isinstance(e, ExportError):
            msg = e.one_line()
        elif isinstance(e, (LookupError, OSError, ValueError)):
            msg = str(e)
        else:
            msg = f"{type(e).__name__}: {e}"
        sys.stderr.write(f"isthmus_export: error: {' '.join(msg.split())}\n")
        return 1


def _run(args):
    if not args.input:
        raise UsageError("give at least one --input NAME=SHAPE")
    inputs = [parse_input(t) for t in args.input]
    dynamic = parse_dynamic(args.dynamic)
    try:
        kwargs = json.loads(args.kwargs)
    except json.JSONDecodeError as e:
        raise UsageError(f"--kwargs is not JSON: {e}") from None
    if not isinstance(kwargs, dict):
        raise UsageError("--kwargs must be a JSON object")
    image = None
    if args.image:
        try:
            image = json.loads(args.image)
        except json.JSONDecodeError as e:
            raise UsageError(f"--image is not JSON: {e}") from None
    labels = read_labels(args.labels) if args.labels else None

    import torch
    from . import export
    factory = load_factory(args.factory)
    model = factory(**kwargs)
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"{args.factory} returned a {type(model).__name__}, not a torch.nn.Module")
    gen = torch.Generator().manual_seed(args.seed)
    examples = {}
    for name, shape, dtype in inputs:
        if dtype == "float32":
            examples[name] = torch.randn(shape, generator=gen)
        else:
            examples[name] = torch.zeros(shape, dtype=getattr(torch, dtype))
    result = export(model, examples, args.output, labels=labels, image=image, dynamic=dynamic)
    n_bytes = sum(_numel(s) for s in result.tensors.values())
    print(f"{args.output}: {len(result.spec['nodes'])} nodes, {len(result.tensors)} tensors "
          f"({n_bytes:,} elements), outputs {', '.join(result.spec['outputs'])}")
    return 0


def _numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


if __name__ == "__main__":
    sys.exit(main())
