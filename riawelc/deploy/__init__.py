"""From trained Keras models to what the service runs: ONNX export with parity checks and model cards, canonical
ONNX bytes (the same model gives the same file), and int8 copies. May import TensorFlow (export), ONNX and ONNX
Runtime, riawelc.metrics and the top level."""

from riawelc.deploy.export import (export_onnx, model_card, name_dimensions, parity, rename_value, run_onnx,
                                   save_canonical, write_card)
from riawelc.deploy.onnxgraph import canonicalize
from riawelc.deploy.quantize import int8_models, quantize_model

__all__ = ["canonicalize", "export_onnx", "int8_models", "model_card", "name_dimensions", "parity", "quantize_model",
           "rename_value", "run_onnx", "save_canonical", "write_card"]
