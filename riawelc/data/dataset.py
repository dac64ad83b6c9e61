"""Adapter for the RIAWELC folder tree.

Accepted layouts under a root (optionally one wrapper folder deeper, e.g. `Dataset_partitioned/`):
  {training,validation,testing}/{Difetto1,Difetto2,Difetto4,NoDifetto}/*.png   (the original release)
  {training,validation,testing}/{crack,lack_of_penetration,no_defect,porosity}/*.png   (renamed)
  {Difetto1,...}/*.png or {crack,...}/*.png   (no split level)
A `masks/` folder beside them holds true masks by file name (the synthetic sample has them).

File names carry brackets (`RRT-30R_Img1_A80_S1_[9][58].png`): folders are listed with iterdir,
never globbed, because `[9]` is a character class to glob.
"""

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from riawelc.constants import CLASSES, MASKS_DIRNAME, ORIGINAL_SPLITS, RIAWELC_FOLDERS, SPLITS
from riawelc.images import IMAGE_SUFFIXES, BadImage, decode_patch
from riawelc.quiet import native_stderr_silenced

CLASS_FOLDERS = {**RIAWELC_FOLDERS, **{name: name for name in CLASSES}}
SPLIT_FOLDERS = ORIGINAL_SPLITS + SPLITS
SPLIT_ORDER = {name: i for i, name in enumerate(SPLIT_FOLDERS)}
_RADIOGRAPH = re.compile(r"^(?P<radiograph>.+?)_Img\d")


class DatasetError(ValueError):
    """The tree is not a RIAWELC tree, or names in it cannot be read; the message says what and where."""


@dataclass(frozen=True)
class Patch:
    path: Path
    label: str
    radiograph: str
    orig_split: str  # "" when the tree has no split level
    md5: str


@dataclass(frozen=True)
class Reject:
    path: Path
    reason: str


@dataclass
class Scan:
    root: Path
    patches: list[Patch]
    rejects: list[Reject]
    masks: dict[str, Path]  # file name -> true mask


def radiograph_id(file_name: str) -> str:
    """`RRT-30R_Img1_A80_S1_[9][58].png` -> `RRT-30R`; `bam5_Img2_...` -> `bam5`."""
    match = _RADIOGRAPH.match(file_name)
    if not match:
        raise DatasetError(f"cannot read a radiograph id from {file_name!r}: expected '<id>_Img<n>_...'")
    return match["radiograph"]


def _visible_dirs(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def find_dataset_root(root: Path) -> Path:
    """The folder that holds the split or class folders: root itself or a single wrapper folder below it."""
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"dataset folder {root} does not exist")
    known = set(SPLIT_FOLDERS) | set(CLASS_FOLDERS)
    folder = root
    for _ in range(3):
        dirs = [d for d in _visible_dirs(folder) if d.name != MASKS_DIRNAME]
        if any(d.name in known for d in dirs):
            return folder
        if len(dirs) != 1:
            break
        folder = dirs[0]
    raise DatasetError(
        f"no RIAWELC folders under {root}: expected {', '.join(ORIGINAL_SPLITS)} "
        f"or class folders ({', '.join(sorted(CLASS_FOLDERS))}); found {[d.name for d in _visible_dirs(root)]}"
    )


def _class_folders(parent: Path) -> list[tuple[Path, str]]:
    dirs = [d for d in _visible_dirs(parent) if d.name != MASKS_DIRNAME]
    unknown = [d.name for d in dirs if d.name not in CLASS_FOLDERS]
    if unknown:
        raise DatasetError(
            f"unknown class folder(s) {unknown} in {parent}: expected {', '.join(sorted(CLASS_FOLDERS))}"
        )
    return [(d, CLASS_FOLDERS[d.name]) for d in dirs]


def _layout(root: Path) -> list[tuple[Path, str, str]]:
    """(folder, label, original split) for every class folder of the tree."""
    dirs = [d for d in _visible_dirs(root) if d.name != MASKS_DIRNAME]
    splits = [d for d in dirs if d.name in SPLIT_FOLDERS]
    if not splits:
        return [(folder, label, "") for folder, label in _class_folders(root)]
    others = [d.name for d in dirs if d.name not in SPLIT_FOLDERS]
    if others:
        raise DatasetError(f"folder(s) {others} in {root} beside the split folders: expected only {SPLIT_FOLDERS}")
    return [(folder, label, split.name) for split in splits for folder, label in _class_folders(split)]


def _loose_files(root: Path, layout) -> list[Reject]:
    """Files outside any class folder: reported, never silently ignored."""
    parents = {root} | {folder.parent for folder, _, _ in layout}
    return [
        Reject(p, "not inside a class folder")
        for parent in sorted(parents)
        for p in sorted(parent.iterdir())
        if p.is_file()
    ]


def scan_tree(root: Path | str, check_images: bool = True) -> Scan:
    """List every patch of a RIAWELC tree with its label, radiograph, original split and MD5.

    Unusable files (corrupt, not an image, wrong size or depth, hidden, outside a class folder) become
    Rejects with a reason. File names without a radiograph id raise DatasetError listing all of them,
    because a patch whose radiograph is unknown cannot be split without leaking.
    """
    root = find_dataset_root(Path(root))
    layout = _layout(root)
    patches, rejects, unparseable = [], _loose_files(root, layout), []
    for folder, label, split in layout:
        for path in sorted(folder.iterdir()):
            if path.is_dir():
                rejects.append(Reject(path, "unexpected sub-folder inside a class folder"))
                continue
            if path.name.startswith(".") or path.suffix.lower() not in IMAGE_SUFFIXES:
                rejects.append(Reject(path, f"not an image file name ({path.suffix or 'no extension'})"))
                continue
            try:
                radiograph = radiograph_id(path.name)
            except DatasetError:
                unparseable.append(path)
                continue
            data = path.read_bytes()
            if check_images:
                try:
                    with native_stderr_silenced():  # a corrupt file is a Reject, not a libpng error line
                        decode_patch(data, path.name)
                except BadImage as error:
                    rejects.append(Reject(path, str(error)))
                    continue
            patches.append(Patch(path, label, radiograph, split, hashlib.md5(data).hexdigest()))
    if unparseable:
        listed = "\n  ".join(str(p) for p in unparseable[:50])
        more = f"\n  ... and {len(unparseable) - 50} more" if len(unparseable) > 50 else ""
        raise DatasetError(
            f"{len(unparseable)} file name(s) have no radiograph id ('<id>_Img<n>_...'):\n  {listed}{more}"
        )
    return Scan(root, patches, rejects, _masks(root))


def _masks(root: Path) -> dict[str, Path]:
    folder = root / MASKS_DIRNAME
    if not folder.is_dir():
        return {}
    return {p.name: p for p in sorted(folder.iterdir()) if p.is_file() and not p.name.startswith(".")}


