"""Annotated films in GDXray's layout: `W0001/W0001_000k.png` (film k) and `W0002/W0002_000k.png` (its mask,
nonzero = defect), named by `W0001/W0001_readme.txt` lines such as `W0001_02 RRT-12R_M.tif`. A module of its own so
that what only reads them (the delineator's training) does not depend on the inspection's code."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from riawelc.inspect.filmfile import read_film

FILMS_DIR, MASKS_DIR, README = "W0001", "W0002", "W0001_readme.txt"
_FILM_NUMBER = re.compile(r"^W0001_(\d+)\.png$", re.IGNORECASE)
_README_LINE = re.compile(r"^\s*W0001_(\d+)\s+(\S+)")


class AnnotatedError(ValueError):
    """The annotated-film folder cannot be used; the message names the problem."""


@dataclass(frozen=True)
class AnnotatedFilm:
    name: str
    film: Path
    mask: Path


def _readme_names(folder: Path) -> dict[int, str]:
    """Film number -> film name from W0001_readme.txt (first mention wins: the readme lists films twice)."""
    path = folder / README
    names: dict[int, str] = {}
    if path.is_file():
        for line in path.read_text(errors="replace").splitlines():
            if match := _README_LINE.match(line):
                stem = re.sub(r"(_M\d?)?\.tiff?$", "", match.group(2), flags=re.IGNORECASE)
                names.setdefault(int(match.group(1)), stem)
    return names


def read_annotated(root: str | Path) -> tuple[list[AnnotatedFilm], list[str]]:
    """The films of `root` that have a mask, and a note for every film left out (no mask)."""
    root = Path(root)
    films_dir, masks_dir = root / FILMS_DIR, root / MASKS_DIR
    for folder in (films_dir, masks_dir):
        if not folder.is_dir():
            raise AnnotatedError(f"{root} is not an annotated-film folder: {folder} is missing "
                                 f"(expected {FILMS_DIR}/W0001_000k.png films and {MASKS_DIR}/W0002_000k.png masks)")
    names = _readme_names(films_dir)
    films, notes = [], []
    for path in sorted(films_dir.iterdir()):
        match = _FILM_NUMBER.match(path.name)
        if not match or not path.is_file():
            continue
        number = int(match.group(1))
        mask = masks_dir / f"W0002_{match.group(1)}.png"
        name = names.get(number, path.stem)
        if not mask.is_file():
            notes.append(f"{path.name} ({name}): no mask {mask.name}, left out")
            continue
        films.append(AnnotatedFilm(name, path, mask))
    if not films:
        raise AnnotatedError(f"{films_dir} holds no W0001_000k.png film with a mask in {masks_dir}")
    return films, notes


def load_pair(item: AnnotatedFilm) -> tuple[np.ndarray, np.ndarray]:
    """(film uint8, truth bool) of one annotated film; BadImage / AnnotatedError name the file."""
    film = read_film(item.film)
    truth = read_film(item.mask) > 0
    if film.shape != truth.shape:
        raise AnnotatedError(f"{item.name}: film {item.film.name} is {film.shape[1]} x {film.shape[0]} px but its "
                             f"mask {item.mask.name} is {truth.shape[1]} x {truth.shape[0]}")
    return film, truth
