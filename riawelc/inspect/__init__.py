"""Inspection: class activation maps from raw `cams`, pseudo-masks, patch inspection and whole-film inspection, the
real-film detector (top-hat candidates, numpy tree ensembles, the 1 cm cell model), and drawing the results. What
the service uses, so it imports numpy, OpenCV, ONNX Runtime and the top level of riawelc only: never TensorFlow,
Keras, pandas or scikit-learn (tests/test_layout.py checks it from the source)."""

from riawelc.lazy import lazy_exports

# Public names by module; each is imported on first use (riawelc/lazy.py says why).
EXPORTS = {
    "candidates": ("COMPONENT_FEATURES", "Candidates", "CandidateSettings", "black_tophat", "find_candidates",
                   "peak_rule"),
    "cam": ("class_heatmaps", "fit_cam_scale", "scale_maps", "select_class_maps", "upsample"),
    "cells": ("CELL_FEATURES", "Cell", "CellModel", "CellModelError", "call_cells", "cell_features"),
    "delineator": ("DELINEATOR_FILE", "Delineator", "DelineatorError", "delineator_maps", "delineator_of"),
    "detector": ("DETECTOR_FILE", "Detection", "Detector", "DetectorError"),
    "drawing": ("outline", "overlay", "to_rgb"),
    "film": ("FilmInspectError", "FilmInspection", "FilmModels", "FilmSettings", "Region", "inspect_film",
             "inspect_folder", "read_film"),
    "patches": ("Inspection", "inspect_patches"),
    "pseudomask": ("PseudoMaskConfig", "disk", "make_pseudomask"),
    "trees": ("Tree", "TreeEnsemble", "TreesError"),
}
__all__ = [name for names in EXPORTS.values() for name in names]
__getattr__, __dir__ = lazy_exports(__name__, EXPORTS)
