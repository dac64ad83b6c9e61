"""Inspection: class activation maps from raw `cams`, pseudo-masks, patch inspection and whole-film inspection, the
real-film detector (top-hat candidates, numpy tree ensembles), and drawing the results. What the service uses, so it imports numpy, OpenCV, ONNX Runtime and the top level of riawelc
only: never TensorFlow, Keras, pandas or scikit-learn (tests/test_layout.py checks it from the source)."""

from riawelc.inspect.candidates import (COMPONENT_FEATURES, Candidates, CandidateSettings, black_tophat,
                                        find_candidates, peak_rule)
from riawelc.inspect.cam import class_heatmaps, fit_cam_scale, scale_maps, select_class_maps, upsample
from riawelc.inspect.detector import DETECTOR_FILE, Detection, Detector, DetectorError
from riawelc.inspect.drawing import outline, overlay, to_rgb
from riawelc.inspect.film import (FilmInspectError, FilmInspection, FilmModels, FilmSettings, Region, inspect_film,
                                  inspect_folder, read_film)
from riawelc.inspect.patches import Inspection, inspect_patches
from riawelc.inspect.pseudomask import PseudoMaskConfig, make_pseudomask
from riawelc.inspect.trees import Tree, TreeEnsemble, TreesError

__all__ = ["COMPONENT_FEATURES", "DETECTOR_FILE", "CandidateSettings", "Candidates", "Detection", "Detector",
           "DetectorError", "Tree", "TreeEnsemble", "TreesError", "black_tophat", "find_candidates", "peak_rule",
           "FilmInspectError", "FilmInspection", "FilmModels", "FilmSettings", "Inspection", "PseudoMaskConfig",
           "Region", "class_heatmaps", "fit_cam_scale", "inspect_film", "inspect_folder", "inspect_patches",
           "make_pseudomask", "outline", "overlay", "read_film", "scale_maps", "select_class_maps", "to_rgb",
           "upsample"]
