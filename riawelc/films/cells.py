"""The inspector's level: a film's 1 cm cells, what the flaw table says of each, and cell-level scores.

A cell is defect when a crack, porosity or lack-of-penetration flaw covers it (cells c ... c + ceil(l/10) - 1 of a
flaw of l mm starting in cell c), clean when no flaw does, and left out (None) when only flaws outside the four
classes cover it. An inspection calls a cell defect when a kept region's centre lies in it.
"""

from __future__ import annotations

import numpy as np

from riawelc.films.flawtable import OTHER, FilmFlaws
from riawelc.films.labels import CELL_PX, cell_of


def cell_truth(flaws: FilmFlaws, width: int, cell_px: float = CELL_PX) -> dict[int, frozenset[str] | None]:
    """Cell number (1-based) -> the defect classes the table puts in it (empty: clean), or None (only other
    flaws). Cells 1 ... the table's Max. cells, or as many whole cells as the film is wide."""
    count = flaws.max_cells or int(width // cell_px)
    classes: dict[int, set[str]] = {}
    other: set[int] = set()
    for flaw in flaws.flaws:
        for cell in flaw.cells(count):
            if flaw.label == OTHER:
                other.add(cell)
            else:
                classes.setdefault(cell, set()).add(flaw.label)
    return {cell: (frozenset(classes[cell]) if cell in classes else None if cell in other else frozenset())
            for cell in range(1, count + 1)}


def cells_hit(xs: np.ndarray, cell_px: float = CELL_PX) -> np.ndarray:
    """Cell number of each x (film column)."""
    return np.array([cell_of(float(x), cell_px) for x in np.asarray(xs, np.float64).ravel()], np.int64)


def precision_recall_f1(predicted: np.ndarray, true: np.ndarray) -> dict:
    predicted, true = np.asarray(predicted, bool), np.asarray(true, bool)
    tp, fp, fn = (int(np.sum(a & b)) for a, b in ((predicted, true), (predicted, ~true), (~predicted, true)))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4), "tp": tp, "fp": fp,
            "fn": fn, "cells": int(len(true)), "positives": int(true.sum())}


def every_cell_scores(true: np.ndarray) -> dict:
    """The trivial predictor that calls every cell a defect."""
    return precision_recall_f1(np.ones(len(true), bool), true)
