"""Patch trees in the RIAWELC layout, exact-duplicate removal, radiograph-level splits, and the manifests the
dedup and split stages write. May import numpy, OpenCV, pandas and the top level of riawelc."""

from riawelc.data.dataset import DatasetError, Patch, Reject, Scan, find_dataset_root, radiograph_id, scan_tree
from riawelc.data.dedup import DedupResult, deduplicate, dedup_report
from riawelc.data.folds import film_folds
from riawelc.data.manifests import load_split, read_manifest, read_masks
from riawelc.data.split import (LeakageError, apply_assignment, automatic_assignment, class_weights,
                                explicit_assignment, same_films_in_splits, split_report, verify_no_leakage)

__all__ = ["DatasetError", "DedupResult", "LeakageError", "Patch", "Reject", "Scan", "apply_assignment",
           "automatic_assignment", "class_weights", "dedup_report", "deduplicate", "explicit_assignment",
           "film_folds", "find_dataset_root", "load_split", "radiograph_id", "read_manifest", "read_masks",
           "same_films_in_splits", "scan_tree", "split_report", "verify_no_leakage"]
