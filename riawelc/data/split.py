"""Radiograph-level splits: every patch of a radiograph lands in exactly one split.

Patches cut from one film share its exposure, grain and often the very same defect, so a patch-level split
(as in the original RIAWELC) measures memory, not generalisation.
"""

import numpy as np
import pandas as pd

from riawelc.constants import CLASSES, SPLITS


class LeakageError(RuntimeError):
    """A content hash or a radiograph appears in more than one split."""


def explicit_assignment(manifest: pd.DataFrame, assignment: dict[str, list[str]], unassigned: str = "error") -> dict[str, str]:
    """Radiograph -> split from a published list (e.g. RIAWELC-RS's).

    `unassigned`: `error` (default) or `drop` for radiographs of the data that the list does not name.
    """
    unknown_splits = set(assignment) - set(SPLITS)
    if unknown_splits:
        raise ValueError(f"split.assignment names unknown split(s) {sorted(unknown_splits)}: use {list(SPLITS)}")
    mapping: dict[str, str] = {}
    for split, radiographs in assignment.items():
        for radiograph in radiographs or []:
            if radiograph in mapping:
                raise LeakageError(f"radiograph {radiograph} is assigned to both {mapping[radiograph]} and {split}")
            mapping[radiograph] = split
    missing = sorted(set(manifest["radiograph"]) - set(mapping))
    if missing and unassigned == "error":
        raise ValueError(
            f"split.assignment does not place radiograph(s) {missing}; add them or set split.unassigned: drop"
        )
    return mapping


def _deviation(counts: np.ndarray, totals: np.ndarray, fractions: np.ndarray) -> float:
    """Squared distance of each split's share of each class from its target fraction."""
    shares = counts / np.maximum(totals, 1)[None, :]
    return float(((shares - fractions[:, None]) ** 2).sum())


def automatic_assignment(manifest: pd.DataFrame, fractions: dict[str, float], seed: int, trials: int = 500) -> dict[str, str]:
    """Radiograph -> split, balancing every class's share of each split against the target fractions.

    Greedy over a shuffled radiograph order (largest first inside the shuffle's ties), repeated for `trials`
    seeded shuffles; the assignment closest to the targets wins. Deterministic for a seed.
    """
    if set(fractions) != set(SPLITS) or any(f <= 0 for f in fractions.values()):
        raise ValueError(f"split.fractions needs positive values for exactly {list(SPLITS)}, got {fractions}")
    target = np.array([fractions[s] for s in SPLITS], float)
    target = target / target.sum()
    table = pd.crosstab(manifest["radiograph"], manifest["label"]).reindex(columns=list(CLASSES), fill_value=0)
    if len(table) < len(SPLITS):
        raise ValueError(f"{len(table)} radiograph(s) cannot fill {len(SPLITS)} splits without leaking")
    radiographs, counts = table.index.to_numpy(), table.to_numpy(float)
    totals = counts.sum(axis=0)
    rng = np.random.default_rng(seed)
    best, best_score = None, np.inf
    for _ in range(trials):
        order = rng.permutation(len(radiographs))
        order = order[np.argsort(-counts[order].sum(axis=1), kind="stable")] if rng.random() < 0.5 else order
        split_counts = np.zeros((len(SPLITS), len(CLASSES)))
        choice = np.empty(len(radiographs), int)
        for r in order:
            scores = []
            for s in range(len(SPLITS)):
                split_counts[s] += counts[r]
                scores.append(_deviation(split_counts, totals, target))
                split_counts[s] -= counts[r]
            choice[r] = int(np.argmin(scores))
            split_counts[choice[r]] += counts[r]
        if (split_counts.sum(axis=1) == 0).any():
            continue
        score = _deviation(split_counts, totals, target)
        if score < best_score:
            best, best_score = choice.copy(), score
    if best is None:
        raise ValueError("no assignment gives every split at least one patch; add radiographs or change fractions")
    return {r: SPLITS[s] for r, s in zip(radiographs, best)}


def apply_assignment(manifest: pd.DataFrame, mapping: dict[str, str]) -> pd.DataFrame:
    """Manifest rows with a `split` column; rows of unplaced radiographs are left out."""
    split = manifest["radiograph"].map(mapping)
    return manifest.assign(split=split)[split.notna()].reset_index(drop=True)


def verify_no_leakage(manifest: pd.DataFrame) -> None:
    """Raise LeakageError naming every hash or radiograph found in two splits."""
    problems = []
    for column in ("md5", "radiograph"):
        spread = manifest.groupby(column)["split"].nunique()
        for key in spread[spread > 1].index[:20]:
            splits = sorted(manifest.loc[manifest[column] == key, "split"].unique())
            problems.append(f"{column} {key} in {splits}")
    if problems:
        raise LeakageError("leakage between splits:\n  " + "\n  ".join(problems))


def class_weights(manifest: pd.DataFrame) -> dict[str, float]:
    """Inverse-frequency weights on the training split: total / (n_classes * count)."""
    train = manifest[manifest["split"] == "train"]
    total = len(train)
    weights = {}
    for label in CLASSES:
        count = int((train["label"] == label).sum())
        weights[label] = round(total / (len(CLASSES) * count), 6) if count else 0.0
    return weights


def same_films_in_splits(patches: pd.DataFrame, split_manifest: pd.DataFrame,
                         splits: tuple[str, ...] = ("train", "val")) -> pd.DataFrame:
    """The patches of another tree of the same films (drawn defects on their windows: riawelc.synth.composite), each
    in its film's split of `split_manifest`; films of other splits, or that the split does not know, are left
    out, so a test film's pixels never train."""
    films = split_manifest.groupby("radiograph")["split"].first()
    rows = patches.assign(split=patches["radiograph"].map(films).fillna(""))
    return rows[rows["split"].isin(splits)].reset_index(drop=True)


def split_report(manifest: pd.DataFrame) -> dict:
    counts = {
        split: {c: int(((manifest["split"] == split) & (manifest["label"] == c)).sum()) for c in CLASSES}
        for split in SPLITS
    }
    return {
        "counts": counts,
        "images": {split: int((manifest["split"] == split).sum()) for split in SPLITS},
        "radiographs": {split: sorted(manifest.loc[manifest["split"] == split, "radiograph"].unique().tolist()) for split in SPLITS},
        "class_weights": class_weights(manifest),
    }
