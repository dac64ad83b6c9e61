"""Options of the film -> patch conversion (riawelc.films.tree): defaults, checks, and loading from YAML."""

from dataclasses import dataclass, field, fields
from pathlib import Path

import yaml

from riawelc.constants import CLASSES, NO_DEFECT, PATCH_SIZE
from riawelc.seam import SeamSettings

ANNOTATED_FILMS = ("bam5", "RRT-12R", "RRT-22R")  # hand-masked in W0001/W0002: never in a patch tree (they train only leave one film out)
WINDOW_MODES = ("grid", "dark_spots")


class FilmsError(ValueError):
    """Input the conversion cannot start from (no folder, no readme, no table, bad options)."""


@dataclass(frozen=True)
class FilmOptions:
    patch_size: int = PATCH_SIZE  # side of the written patches
    window_scale: float = 1.0  # window side in film pixels = patch_size * window_scale, resized to patch_size
    stride: int = 114  # film pixels between neighbouring windows along the seam
    rows: int = 1  # rows of windows, centred on the seam line
    row_stride: int = 114  # film pixels between rows
    margin: int = 25  # px: overlap needed to carry a flawed cell's class, and clearance from other flaws
    exclude: tuple = ANNOTATED_FILMS  # never written (reserved for evaluation)
    defect_windows: str = "grid"  # grid, or dark_spots: centre defect windows on black top-hat candidates
    no_defect_windows: str = "grid"  # the same for no_defect windows (a control: both classes show dark spots)
    spot_classes: tuple = ("porosity",)  # defect classes that dark_spots applies to (see the README's figures)
    spots_per_cell: int = 2  # dark_spots: windows per 1 cm cell
    spot_min_share: float = 0.5  # dark_spots: a further spot of a stretch needs this share of its strongest
    spot_kernel: int = 41  # dark_spots: length of the black top-hats' lines, film pixels (pores ~10-40)
    cell_offset: float = 0.0  # film pixels from the left edge to cell 1
    tail_min_mm: float = 0.0  # > 0: flaws this long may run into one more cell, windows there are left out
    # (a flaw starting late in its cell c ends in cell c + ceil(l/10)). Off: on the hand-masked films it did
    # not make no_defect windows cleaner and it costs 10 % of the patches (README, "Real films").
    min_length_share: float = 0.9  # the table's film length over the film's width: below this (or above its
    # inverse) the film does not fit the cell grid (tubes and pipes, with 2 or 14 cells on a 20-cell film)
    seam_rows: dict = field(default_factory=dict)  # film -> [top, bottom] shares of its height to search
    # for the seam, for films whose second bright band a person has checked (two-band films are refused without)
    sheet_patches: int = 48  # patches per class contact sheet
    seed: int = 0  # contact sheet sampling
    seam: SeamSettings = field(default_factory=SeamSettings)

    @property
    def window(self) -> int:
        return int(round(self.patch_size * self.window_scale))

    def check(self) -> "FilmOptions":
        problems = []
        if self.patch_size < 16 or self.window < 16:
            problems.append(f"patch_size {self.patch_size} and window {self.window} must be at least 16")
        if self.stride < 1 or self.row_stride < 1 or self.rows < 1:
            problems.append("stride, row_stride and rows must be positive")
        if self.margin < 0 or self.margin * 2 >= self.window:
            problems.append(f"margin {self.margin} must be >= 0 and under half the window ({self.window})")
        for name in ("defect_windows", "no_defect_windows"):
            if getattr(self, name) not in WINDOW_MODES:
                problems.append(f"{name} {getattr(self, name)!r}: use one of {WINDOW_MODES}")
        for film, rows in self.seam_rows.items():
            if not (isinstance(rows, (list, tuple)) and len(rows) == 2 and 0 <= rows[0] < rows[1] <= 1):
                problems.append(f"seam_rows {film}: {rows!r} must be [top, bottom] with 0 <= top < bottom <= 1")
        if set(self.spot_classes) - set(CLASSES) - {NO_DEFECT} or NO_DEFECT in self.spot_classes:
            problems.append(f"spot_classes {self.spot_classes}: use defect classes of {CLASSES}")
        if not 0 < self.min_length_share <= 1:
            problems.append("min_length_share must be in (0, 1]")
        if problems:
            raise FilmsError("bad film options: " + "; ".join(problems))
        return self


def load_options(config: Path | None = None, **overrides) -> FilmOptions:
    """Defaults < the YAML file's `films:` section (or its top level) < overrides that are not None."""
    values: dict = {}
    if config is not None:
        if not Path(config).is_file():
            raise FilmsError(f"no options file {config}")
        try:
            tree = yaml.safe_load(Path(config).read_text()) or {}
        except yaml.YAMLError as error:
            raise FilmsError(f"{config} is not valid YAML: {error}") from error
        if not isinstance(tree, dict):
            raise FilmsError(f"{config}: expected a mapping of film options (or a films: section)")
        section = tree.get("films", tree) or {}
        if not isinstance(section, dict):
            raise FilmsError(f"{config}: the films: section must be a mapping of options")
        values = dict(section)
    values.update({k: v for k, v in overrides.items() if v is not None})
    known = {f.name for f in fields(FilmOptions)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise FilmsError(f"unknown film option(s) {unknown}; known: {sorted(known)}")
    seam = values.pop("seam", None) or {}
    seam_known = {f.name for f in fields(SeamSettings)}
    if set(seam) - seam_known:
        raise FilmsError(f"unknown seam option(s) {sorted(set(seam) - seam_known)}; known: {sorted(seam_known)}")
    for name in ("exclude", "spot_classes"):  # lists: a YAML list or a comma-separated flag
        if name in values:
            items = values[name].split(",") if isinstance(values[name], str) else values[name]
            values[name] = tuple(str(item).strip() for item in items if str(item).strip())
    seam = {k: tuple(v) if isinstance(v, list) else v for k, v in seam.items()}
    try:
        return FilmOptions(**values, seam=SeamSettings(**seam)).check()
    except TypeError as error:
        raise FilmsError(f"bad film options: {error}") from error
