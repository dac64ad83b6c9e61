"""Exact-duplicate removal and a near-duplicate audit.

RIAWELC ships the same bytes in more than one split folder, which leaks test patches into training.
Exact duplicates are found by the MD5 of the file bytes (as RIAWELC-RS does) and one copy is kept.

Conflicting labels (the same bytes under different class folders) are resolved by this rule: the label most
copies carry wins; a tie goes to the copy in the earliest original split (training, validation, testing),
then to the first path in sort order. Every conflict is reported.
"""

import hashlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pandas as pd

from riawelc.constants import CLASSES
from riawelc.data.dataset import SPLIT_ORDER, Patch, Scan
from riawelc.images import decode_gray

MANIFEST_COLUMNS = ["path", "md5", "label", "radiograph", "orig_split", "copies", "mask"]
NEAR_DUPLICATE_MODES = ("report", "remove_pixel", "remove_phash")


@dataclass
class DedupResult:
    manifest: pd.DataFrame  # one row per unique MD5
    conflicts: list[dict]  # hashes whose copies carry different labels
    near_duplicates: dict  # audit of pixel-identical and perceptual neighbours
    removed_near: int


def _copy_order(patch: Patch) -> tuple:
    return (SPLIT_ORDER.get(patch.orig_split, len(SPLIT_ORDER)), str(patch.path))


def resolve_label(copies: list[Patch]) -> str:
    """Majority label; ties go to the earliest copy (original split order, then path)."""
    votes = Counter(p.label for p in copies)
    best = max(votes.values())
    return next(p.label for p in sorted(copies, key=_copy_order) if votes[p.label] == best)


def remove_exact_duplicates(scan: Scan) -> tuple[pd.DataFrame, list[dict]]:
    groups: dict[str, list[Patch]] = {}
    for patch in scan.patches:
        groups.setdefault(patch.md5, []).append(patch)
    rows, conflicts = [], []
    for md5, copies in groups.items():
        keep = min(copies, key=_copy_order)
        label = resolve_label(copies)
        if len({p.label for p in copies}) > 1:
            conflicts.append({"md5": md5, "kept_label": label, "copies": [[str(p.path), p.label] for p in copies]})
        mask = scan.masks.get(keep.path.name)
        rows.append({
            "path": str(keep.path), "md5": md5, "label": label, "radiograph": keep.radiograph,
            "orig_split": keep.orig_split, "copies": len(copies), "mask": str(mask) if mask else "",
        })
    manifest = pd.DataFrame(rows, columns=MANIFEST_COLUMNS).sort_values("path", ignore_index=True)
    return manifest, conflicts


def perceptual_hash(image: np.ndarray) -> int:
    """64-bit DCT hash (pHash): bits of the 8x8 lowest frequencies against their median."""
    small = cv2.resize(image.astype(np.float32), (32, 32), interpolation=cv2.INTER_AREA)
    low = cv2.dct(small)[:8, :8].flatten()
    bits = low > np.median(low[1:])
    return int(np.packbits(bits).view(">u8")[0])


def _hamming_pairs(hashes: np.ndarray, max_distance: int, chunk: int = 1024):
    """(i, j, distance) for i < j within max_distance; chunked so 20k hashes stay in memory."""
    for start in range(0, len(hashes), chunk):
        block = hashes[start:start + chunk, None] ^ hashes[None, :]
        distance = np.bitwise_count(block)
        for a, j in zip(*np.nonzero(distance <= max_distance)):
            i = start + a
            if i < j:
                yield int(i), int(j), int(distance[a, j])


def audit_near_duplicates(manifest: pd.DataFrame, phash_distance: int, max_listed: int = 200) -> tuple[dict, set[int], set[int]]:
    """Pairs of kept patches from DIFFERENT radiographs that are pixel-identical or perceptual neighbours.

    Returns the audit (counts, the first `max_listed` pairs of each kind) and, for removal, the rows that are the
    later member of a pixel-identical pair and of a perceptual pair. Pairs are counted, not kept: on 20k
    similar-looking weld patches there can be very many.
    """
    pixel_md5, hashes = [], []
    for path in manifest["path"]:
        image = decode_gray(Path(path).read_bytes(), path)
        pixel_md5.append(hashlib.md5(image.tobytes()).hexdigest())
        hashes.append(perceptual_hash(image))
    radiographs, paths = manifest["radiograph"].to_numpy(), manifest["path"].to_numpy()
    audit = {"pixel_identical_pairs": 0, "phash_neighbour_pairs": 0, "phash_max_distance": phash_distance,
             "pixel_identical": [], "phash_neighbours": []}
    pixel_drop, phash_drop = set(), set()
    first_with_pixels: dict[str, int] = {}
    for j, key in enumerate(pixel_md5):
        i = first_with_pixels.setdefault(key, j)
        if i != j and radiographs[i] != radiographs[j]:
            audit["pixel_identical_pairs"] += 1
            pixel_drop.add(j)
            if len(audit["pixel_identical"]) < max_listed:
                audit["pixel_identical"].append([paths[i], paths[j]])
    for i, j, distance in _hamming_pairs(np.array(hashes, dtype=np.uint64), phash_distance):
        if radiographs[i] != radiographs[j]:
            audit["phash_neighbour_pairs"] += 1
            phash_drop.add(j)
            if len(audit["phash_neighbours"]) < max_listed:
                audit["phash_neighbours"].append([paths[i], paths[j], distance])
    return audit, pixel_drop, phash_drop


def deduplicate(scan: Scan, near_duplicates: str = "report", phash_distance: int = 4) -> DedupResult:
    """`near_duplicates`: `report` (audit only), `remove_pixel` or `remove_phash` (drop the later patch of
    each pair: pixel-identical pairs only, or those and perceptual neighbours)."""
    if near_duplicates not in NEAR_DUPLICATE_MODES:
        raise ValueError(f"dedup.near_duplicates must be one of {', '.join(NEAR_DUPLICATE_MODES)}, not {near_duplicates!r}")
    manifest, conflicts = remove_exact_duplicates(scan)
    audit, pixel_drop, phash_drop = audit_near_duplicates(manifest, phash_distance)
    drop = {"report": set(), "remove_pixel": pixel_drop, "remove_phash": pixel_drop | phash_drop}[near_duplicates]
    kept = manifest.drop(index=sorted(drop)).reset_index(drop=True)
    return DedupResult(kept, conflicts, audit, len(drop))


def count_table(frame: pd.DataFrame) -> dict:
    """{original split: {class: count}} with every class present, plus totals."""
    table = {}
    for split in sorted(frame["orig_split"].unique(), key=lambda s: SPLIT_ORDER.get(s, 99)):
        part = frame[frame["orig_split"] == split]
        table[split or "unsplit"] = {c: int((part["label"] == c).sum()) for c in CLASSES}
    table["total"] = {c: int((frame["label"] == c).sum()) for c in CLASSES}
    return table


def dedup_report(scan: Scan, result: DedupResult) -> dict:
    before = pd.DataFrame(
        [{"label": p.label, "orig_split": p.orig_split} for p in scan.patches], columns=["label", "orig_split"]
    )
    return {
        "images_before": len(scan.patches),
        "images_after": len(result.manifest),
        "exact_duplicates_removed": len(scan.patches) - len(result.manifest) - result.removed_near,
        "near_duplicates_removed": result.removed_near,
        "label_conflicts": len(result.conflicts),
        "pixel_identical_pairs": result.near_duplicates["pixel_identical_pairs"],
        "phash_neighbour_pairs": result.near_duplicates["phash_neighbour_pairs"],
        "rejected_files": len(scan.rejects),
        "before": count_table(before),
        "after": count_table(result.manifest),
    }
