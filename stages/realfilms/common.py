"""What the real-film fold and test stages share: an arm's params, the rows it trains on, the stored features."""

import sys

import numpy as np

from stages.common import REAL_PARAMS, fail, load_params
from stages.realfilms import ARM_RULES, OUT
from stages.sections import classify_rules
from stages.validation import problems


def arm_params(name: str) -> tuple[dict, dict]:
    """(the arm's section, the classify section), both checked."""
    arms = load_params("arms", None, REAL_PARAMS)
    if not isinstance(arms, dict) or name not in arms:
        fail(f"{REAL_PARAMS}: arms has no '{name}' (it has {sorted(arms or {})})")
    if found := problems(f"arms.{name}", arms[name], ARM_RULES):
        fail(f"{REAL_PARAMS}: " + "; ".join(found))
    return arms[name], load_params("classify", classify_rules(), REAL_PARAMS)


def command_args(names: tuple[str, ...]) -> list[str]:
    """The stage's positional arguments (the arm, the fold), from its dvc.yaml command."""
    if len(sys.argv) != len(names) + 1:
        fail(f"usage: python -m {sys.modules['__main__'].__spec__.name} {' '.join(n.upper() for n in names)}")
    return sys.argv[1:]


def training_rows(arm: dict, manifest):
    """The rows the arm trains and monitors on: the films tree's (the manifest itself) or the drawn tree's, each
    drawn patch with its film's split and fold."""
    if arm["train_tree"] == "films":
        return manifest
    from riawelc.data.folds import tree_manifest

    films = manifest.groupby("radiograph")[["split", "fold"]].first()
    rows = tree_manifest(OUT / "drawn")
    rows = rows.assign(split=rows["radiograph"].map(films["split"]), fold=rows["radiograph"].map(films["fold"]))
    return rows.dropna(subset=["fold"]).reset_index(drop=True)


def feature_table(arm: dict) -> dict | None:
    """path -> classical features of the films tree (stage features), for a classical arm on it."""
    if arm["classifier"] != "classical" or arm["train_tree"] != "films":
        return None
    stored = np.load(OUT / "features" / "films.npz")
    return dict(zip(stored["paths"].tolist(), stored["features"]))
