"""Film-grouped folds: whole films (radiographs) go to folds, so no film is ever on two sides of a fold."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from riawelc.constants import CLASSES
from riawelc.data.dataset import scan_tree
from riawelc.data.dedup import deduplicate


def tree_manifest(root: Path) -> pd.DataFrame:
    """Every patch of a RIAWELC-layout tree (path, label, radiograph), exact duplicates removed as dedup does."""
    return deduplicate(scan_tree(root)).manifest


def film_folds(manifest: pd.DataFrame, folds: int, seed: int) -> dict[str, int]:
    """Film -> fold. The rarest class's films are dealt first, each to the fold with the fewest patches of that
    class so far (ties broken by a seeded shuffle), so every class spreads over as many folds as it has films."""
    table = pd.crosstab(manifest["radiograph"], manifest["label"]).reindex(columns=list(CLASSES), fill_value=0)
    if len(table) < folds:
        raise ValueError(f"{len(table)} films cannot fill {folds} folds")
    rng = np.random.default_rng(seed)
    counts = np.zeros((folds, len(CLASSES)))
    assignment: dict[str, int] = {}
    for column in table.sum().sort_values().index:  # rarest class first
        c = CLASSES.index(column)
        films = [f for f in table.index[table[column] > 0] if f not in assignment]
        films.sort(key=lambda f: (-table.loc[f, column], f))
        for film in films:
            order = rng.permutation(folds)
            fold = int(order[np.argmin(counts[order, c] * 1000 + counts[order].sum(axis=1))])
            assignment[film] = fold
            counts[fold] += table.loc[film].to_numpy()
    return assignment
