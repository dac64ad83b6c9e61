"""The stages of the real-film pipeline (realfilms/dvc.yaml, params in realfilms/params.yaml): the GDXray/BAM
films cut into patch trees, their whole-film split and film folds, one stage per arm and fold, the test films,
and a summary per arm. Run from the repository root (the pipeline's stages set `wdir: ..`). What the stages share
is here and in `common`: nothing imports a stage."""

from pathlib import Path

from riawelc.constants import SPLITS
from stages.validation import choice, fractions, integer, number, numbers, odd_integer, text

OUT = Path("realfilms/out")  # cached outputs: trees, split, features, per-fold results
RESULTS = Path("results-real/realfilms")  # committed figures: per-arm CV summaries and test-film scores
TREES_RULES = {"films": text(), "options": text(), "drawn_seed": integer(0)}  # the trees section (films, drawn)
SPLIT_RULES = {"seed": integer(0, 2**32 - 1), "trials": integer(1), "fractions": fractions(SPLITS)}
FOLD_RULES = {"count": integer(2), "seed": integer(0)}
ARM_RULES = {"classifier": choice("cnn", "classical"), "train_tree": choice("films", "drawn")}
MASKED_RULES = {"root": text()}  # the hand-masked films: root/W0001 films, root/W0002 masks
DETECTOR_RULES = {"size": odd_integer(3), "smooth": number(0), "max_grain": number(0, low_open=True),
                  "min_area": integer(1), "extents": numbers(0, 255), "thresholds": numbers(0, 1), "seed": integer(0),
                  "estimators": integer(1), "learning_rate": number(0, 1), "max_leaf_nodes": integer(2), "min_samples_leaf": integer(1)}
BASELINE_RULES = {"tophat_sizes": numbers(3, 255, integers=True), "tophat_levels": numbers(0, 255),
                  "hysteresis_extents": numbers(0, 255), "hysteresis_peaks": numbers(0, 255), "unet_models": text(),
                  "unet_thresholds": numbers(0, 1)}
CELLS_RULES = {"folds": integer(2), "seeds": numbers(0, integers=True), "thresholds": numbers(0, 1),
               "min_areas": numbers(1, integers=True), "tophat_levels": numbers(0, 255),
               "class_estimators": integer(1), "cell_model_cs": numbers(0.0001)}
