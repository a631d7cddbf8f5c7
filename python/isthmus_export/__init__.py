"""isthmus_export: PyTorch models to self-contained isthmus/2 safetensors files.

    import torch, torchvision, isthmus_export
    model = torchvision.models.resnet18()
    isthmus_export.export(model, {"x": torch.randn(1, 3, 224, 224)}, "resnet18.safetensors")

See python/README.md and docs/spec.md.
"""
from .exporter import ExportError, ExportResult, build, export
from .interpret import Interpreter, SpecError, interpret, load
from .safetensors import read as read_safetensors, write as write_safetensors

__all__ = ["export", "build", "ExportError", "ExportResult", "interpret", "Interpreter", "SpecError", "load",
           "read_safetensors", "write_safetensors"]
