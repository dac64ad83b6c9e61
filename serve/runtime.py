"""The exported models as ONNX Runtime sessions, with their cards. No TensorFlow anywhere on this path.

`load_models` checks what the export stage promises (files present, cards readable, sha256 of each ONNX file equal
to its card's, input "image", the classifier's "probabilities" and "cams" outputs, the class list of
riawelc.constants) and raises ModelError with the reason otherwise: the app then stays up and answers 503.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort

from riawelc.constants import CLASSES, CLASSIFIER, PATCH_SIZE, UNET
from riawelc.digest import sha256_of
from riawelc.inspect.delineator import Delineator, DelineatorError, delineator_of
from riawelc.inspect.detector import DETECTOR_FILE, Detector, DetectorError
from riawelc.inspect.film import FilmModels, FilmSettings, inspect_film
from riawelc.inspect.patches import Inspection, inspect_patches
from riawelc.inspect.pseudomask import PseudoMaskConfig

CLASSIFIER_OUTPUTS = ("probabilities", "cams")
DEFAULT_MASK_THRESHOLD = 0.5


class ModelError(RuntimeError):
    """The models cannot be used; the message says why (shown by /ready and in 503 problems)."""


def _read_card(model_dir: Path, name: str) -> tuple[Path, dict]:
    onnx_path, card_path = model_dir / f"{name}.onnx", model_dir / f"{name}.json"
    for path in (onnx_path, card_path):
        if not path.is_file():
            raise ModelError(f"{path} is missing (run the pipeline's export stage, or set RIAWELC_MODEL_DIR)")
    try:
        card = json.loads(card_path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelError(f"{card_path} is not a readable JSON card: {error}") from None
    if not isinstance(card, dict):
        raise ModelError(f"{card_path} is not a JSON object")
    expected = card.get("onnx", {}).get("sha256") if isinstance(card.get("onnx"), dict) else None
    if not expected:
        raise ModelError(f"{card_path} has no onnx.sha256")
    actual = sha256_of(onnx_path)
    if actual != expected:
        raise ModelError(f"{onnx_path} is corrupt or was replaced: sha256 {actual[:12]}..., its card says "
                         f"{expected[:12]}...")
    if list(card.get("classes", [])) != list(CLASSES):
        raise ModelError(f"{card_path} lists classes {card.get('classes')}, this service knows {list(CLASSES)}")
    return onnx_path, card


def _session(path: Path, threads: int) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads  # 0 = ONNX Runtime's choice (all cores)
    options.inter_op_num_threads = 1
    try:
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as error:  # noqa: BLE001 - ORT raises its own exception types for bad files
        raise ModelError(f"ONNX Runtime cannot load {path}: {error}") from None
    if [i.name for i in session.get_inputs()] != ["image"]:
        raise ModelError(f"{path} takes inputs {[i.name for i in session.get_inputs()]}, expected ['image']")
    return session


def pseudomask_config(card: dict) -> tuple[PseudoMaskConfig, str]:
    """The pseudomask stage's parameters from the classifier card's "pseudomask" field, else riawelc.inspect.pseudomask's
    own defaults. Returns the config and where it came from."""
    given = card.get("pseudomask")
    if not given:
        return PseudoMaskConfig(), "riawelc.inspect.pseudomask defaults (the classifier card has no pseudomask field)"
    if not isinstance(given, dict):
        raise ModelError(f"classifier card: pseudomask must be an object, got {given!r}")
    known = {f.name for f in dataclasses.fields(PseudoMaskConfig)}
    unknown = sorted(set(given) - known)  # from a newer pipeline: say so rather than fail or hide it
    try:
        config = PseudoMaskConfig(**{k: v for k, v in given.items() if k in known})
    except (TypeError, ValueError) as error:
        raise ModelError(f"classifier card: pseudomask parameters are invalid: {error}") from None
    return config, "classifier card" + (f" (ignored unknown parameters: {', '.join(unknown)})" if unknown else "")


@dataclass
class Models:
    classifier: ort.InferenceSession
    unet: ort.InferenceSession
    cards: dict[str, dict]
    cam_scale: float
    mask_threshold: float
    pseudomask: PseudoMaskConfig
    pseudomask_source: str
    detector: Detector | None = None
    detector_path: str | None = None
    detector_sha256: str | None = None  # of the file as loaded (the inspection report names it)
    delineator: Delineator | None = None  # the ONNX delineator the detector file names, checked by its sha256

    @property
    def version(self) -> str:
        """classifier and U-Net sha256 prefixes: the X-Model-Version header and /model/info's version."""
        return "-".join(self.cards[name]["onnx"]["sha256"][:12] for name in (CLASSIFIER, UNET))

    @property
    def film(self) -> FilmModels:
        """riawelc.inspect.film's view of these same sessions (nothing loaded twice): the U-Net threshold is the
        service's (RIAWELC_MASK_THRESHOLD, else the card's), the CAM and pseudomask parameters the card's."""
        return FilmModels(self.classifier, self.unet, self.cam_scale, self.mask_threshold, self.pseudomask,
                          f"service models {self.version}", self.detector, self.delineator)

    def classify(self, pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """riawelc.inspect.patches.ClassifierFn on ONNX Runtime: (N, 227, 227, 1) float32 -> probabilities, cams."""
        probabilities, cams = self.classifier.run(list(CLASSIFIER_OUTPUTS), {"image": pixels})
        return probabilities, cams

    def segment(self, pixels: np.ndarray) -> np.ndarray:
        """riawelc.inspect.patches.SegmenterFn on ONNX Runtime: (N, 224, 224, 1) float32 -> mask probabilities."""
        return self.unet.run(["mask"], {"image": pixels})[0]

    def inspect(self, patches: np.ndarray, with_unet: bool = True) -> tuple[Inspection, np.ndarray]:
        """riawelc.inspect.patches.inspect_patches on these sessions, as one batch; also returns the raw cams.

        Without the U-Net (classification only) the segmenter is a stand-in returning zeros, so the masks of the
        Inspection are empty and must not be reported.
        """
        raw_cams = []

        def classify(pixels):
            probabilities, cams = self.classify(pixels)
            raw_cams.append(cams)
            return probabilities, cams

        segment = self.segment if with_unet else (lambda pixels: np.zeros(pixels.shape, np.float32))
        result = inspect_patches(patches, classify, segment, self.cam_scale, self.mask_threshold,
                                 batch_size=max(1, len(patches)))
        return result, np.concatenate(raw_cams)


def load_detector(model_dir: Path, path: str | Path | None,
                  threads: int | None = None) -> tuple[Detector | None, str | None, Delineator | None]:
    """The real-film detector from `path` (an error when it cannot be used), else MODEL_DIR/detector.json when it
    exists, else none; and the delineator its file names, beside it."""
    chosen = Path(path) if path is not None else model_dir / DETECTOR_FILE
    if path is None and not chosen.is_file():
        return None, None, None
    try:
        detector = Detector.load(chosen)
        return detector, str(chosen), delineator_of(detector.delineation, chosen.parent, threads)
    except (DetectorError, DelineatorError) as error:
        raise ModelError(f"RIAWELC_DETECTOR: {error}") from None


def load_models(model_dir: str | Path, onnx_threads: int = 1, mask_threshold: float | None = None,
                detector: str | Path | None = None) -> Models:
    """Load and check both models (and the detector), then run one warm-up inspection; ModelError with the reason
    on any problem."""
    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        raise ModelError(f"model folder {model_dir} does not exist (run the pipeline, or set RIAWELC_MODEL_DIR)")
    classifier_path, classifier_card = _read_card(model_dir, CLASSIFIER)
    unet_path, unet_card = _read_card(model_dir, UNET)
    classifier = _session(classifier_path, onnx_threads)
    missing = set(CLASSIFIER_OUTPUTS) - {o.name for o in classifier.get_outputs()}
    if missing:
        raise ModelError(f"{classifier_path} lacks the outputs {sorted(missing)}")
    unet = _session(unet_path, onnx_threads)
    if "mask" not in {o.name for o in unet.get_outputs()}:
        raise ModelError(f"{unet_path} has no output named 'mask'")
    cam_scale = classifier_card.get("cam_scale")
    if not isinstance(cam_scale, (int, float)) or not np.isfinite(cam_scale) or cam_scale <= 0:
        raise ModelError(f"the classifier card's cam_scale must be a positive number, got {cam_scale!r}")
    if mask_threshold is None:
        mask_threshold = (unet_card.get("metrics") or {}).get("threshold", DEFAULT_MASK_THRESHOLD)
    config, source = pseudomask_config(classifier_card)
    loaded, detector_path, delineator = load_detector(model_dir, detector, onnx_threads)
    models = Models(classifier, unet, {CLASSIFIER: classifier_card, UNET: unet_card}, float(cam_scale),
                    float(mask_threshold), config, source, loaded, detector_path,
                    sha256_of(detector_path) if detector_path else None, delineator)
    try:  # warm-up: the first run allocates ONNX Runtime's buffers; also proves the graphs fit together
        result, _ = models.inspect(np.zeros((1, PATCH_SIZE, PATCH_SIZE), np.uint8))
    except Exception as error:  # noqa: BLE001 - any failure here means the models are unusable
        raise ModelError(f"warm-up inference failed: {type(error).__name__}: {error}") from None
    if result.probabilities.shape != (1, len(CLASSES)):
        raise ModelError(f"the classifier returns probabilities of shape {result.probabilities.shape}")
    try:  # and one window of the whole-film path (/inspect) on the same sessions
        inspect_film(np.zeros((PATCH_SIZE, PATCH_SIZE), np.uint8), models.film, FilmSettings(region="film"))
    except Exception as error:  # noqa: BLE001
        raise ModelError(f"warm-up film inspection failed: {type(error).__name__}: {error}") from None
    return models
