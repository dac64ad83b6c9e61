"""riawelc: weld radiograph inspection, from deduplicated RIAWELC patches to ONNX models."""

__version__ = "0.1.0"
