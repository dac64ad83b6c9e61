"""The model cards (the JSON the export stage writes beside each ONNX file) as the /model/info answer."""

import dataclasses

from riawelc.constants import CLASSES, CLASSIFIER, UNET
from serve.runtime import Models
from serve.schemas import ModelInfo, ModelMetadata, Rules, TensorMetadata

ONNX_DATATYPES = {"float32": "FP32", "float": "FP32"}
SYNTHETIC_NOTICE = ("These models were trained on the project's synthetic sample: they demonstrate the pipeline "
                    "and are not for inspecting real films.")
UNKNOWN_DATA_NOTICE = ("The model cards do not say whether the training data was real or synthetic: treat the "
                       "results as a demonstration.")


def tensors(card: dict, names: list[str] | None = None) -> tuple[list[TensorMetadata], list[TensorMetadata]]:
    """Card input/outputs as V2 tensor metadata (a named, dynamic dimension is -1)."""
    def shape(dims):
        return [d if isinstance(d, int) else -1 for d in dims]

    entry = card.get("input", {})
    inputs = [TensorMetadata(entry.get("name", "image"), ONNX_DATATYPES.get(entry.get("dtype"), "FP32"),
                             shape(entry.get("shape", [])))]
    outputs = [TensorMetadata(o["name"], "FP32", shape(o.get("shape", []))) for o in card.get("outputs", [])
               if names is None or o["name"] in names]
    return inputs, outputs


def training_data(card: dict) -> dict:
    """What the card says about the training data: its DVC hash and, from the card's `training_data` object
    ({"name": ..., "synthetic": bool}, written by the export stage), its name and whether it is synthetic
    (None = the card does not say)."""
    described = card.get("training_data") if isinstance(card.get("training_data"), dict) else {}
    synthetic = described.get("synthetic")
    return {"md5": card.get("training_data_md5"), "name": described.get("name"),
            "synthetic": synthetic if isinstance(synthetic, bool) else None}


def model_info(models: Models, rules: dict | None = None) -> ModelInfo:
    """The service as one KServe V2 model (the classifier's tensors), its two ONNX models and the data notice; and
    the acceptance rules /inspect judges by (`rules`: serve.acceptance.load_acceptance's description)."""
    entries = []
    for name in (CLASSIFIER, UNET):
        card = models.cards[name]
        inputs, outputs = tensors(card)
        entries.append(ModelMetadata(
            name=name, versions=[card["onnx"]["sha256"][:12]], platform="onnxruntime_onnx", inputs=inputs,
            outputs=outputs, task=card.get("task", ""), sha256=card["onnx"]["sha256"], opset=card["onnx"].get("opset"),
            metrics=card.get("metrics") or {}, training_data=training_data(card)))
    data = training_data(models.cards[CLASSIFIER])
    notice = SYNTHETIC_NOTICE if data["synthetic"] else UNKNOWN_DATA_NOTICE if data["synthetic"] is None else None
    inputs, outputs = tensors(models.cards[CLASSIFIER], ["probabilities", "cams"])
    return ModelInfo(
        name="riawelc", versions=[models.version], platform="onnxruntime_onnx", inputs=inputs, outputs=outputs,
        classes=list(CLASSES), models=entries, training_data=data, synthetic_notice=notice,
        cam_scale=models.cam_scale, mask_threshold=models.mask_threshold,
        pseudomask=dataclasses.asdict(models.pseudomask), pseudomask_source=models.pseudomask_source,
        detector=({"path": models.detector_path, "settings": models.detector.settings.as_dict(),
                   "threshold": models.detector.threshold, "delineation": models.detector.delineation,
                   "card": models.detector.card}
                  if models.detector is not None else None),
        rules=Rules(**rules) if rules else None)
