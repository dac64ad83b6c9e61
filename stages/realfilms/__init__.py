"""The stages of the real-film pipeline (realfilms/dvc.yaml, params in realfilms/params.yaml): the GDXray/BAM
films cut into patch trees, their whole-film split and film folds, one stage per arm and fold, the test films,
and a summary per arm. Run from the repository root (the pipeline's stages set `wdir: ..`). What the stages share
is here and in `common`: nothing imports a stage."""

from pathlib import Path

from riawelc.constants import SPLITS
from stages.validation import choice, fractions, integer, text

OUT = Path("realfilms/out")  # cached outputs: trees, split, features, per-fold results
RESULTS = Path("results-real/realfilms")  # committed figures: per-arm CV summaries and test-film scores
TREES_RULES = {"films": text(), "options": text(), "drawn_seed": integer(0)}  # the trees section (films, drawn)
SPLIT_RULES = {"seed": integer(0, 2**32 - 1), "trials": integer(1), "fractions": fractions(SPLITS)}
FOLD_RULES = {"count": integer(2), "seed": integer(0)}
ARM_RULES = {"classifier": choice("cnn", "classical"), "train_tree": choice("films", "drawn")}
# The detector's stages' rules (masked, detector, baselines, cells) are in stages/realfilms/detection.py, so that
# changing them does not rerun the CNN folds, which import this file.
