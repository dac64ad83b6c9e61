"""Reading what the dedup and split stages write: manifests, and the patches, labels and masks of a split."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from riawelc.constants import CLASS_INDEX
from riawelc.images import read_mask, read_patches


def read_manifest(path: Path) -> pd.DataFrame:
    """A manifest CSV (dedup, split) as written: empty cells stay empty strings, never NaN."""
    return pd.read_csv(path, keep_default_na=False)


def load_split(manifest, split: str | None, mask_column: str | None = None):
    """(rows, images (N, 227, 227, 1) uint8, labels (N,) class indices[, masks (N, 227, 227) uint8 0/1]) of one
    split, or of every row when split is None."""
    rows = manifest if split is None else manifest[manifest["split"] == split]
    rows = rows.reset_index(drop=True)
    images = read_patches(list(rows["path"]))
    labels = rows["label"].map(CLASS_INDEX).to_numpy(np.int64)
    if mask_column is None:
        return rows, images, labels
    return rows, images, labels, read_masks(rows[mask_column], images.shape[1:3])


def read_masks(paths, shape):
    """Masks from files; an empty path means an empty mask (no_defect patches)."""
    return np.stack([read_mask(p) if p else np.zeros(shape, np.uint8) for p in paths])
