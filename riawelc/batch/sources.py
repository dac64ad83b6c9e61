"""SOURCE -> the film paths of a batch: a folder (its film files, as `riawelc inspect` takes them), a glob
(`archive/**/*.dcm`), or a list file (.txt: a path a line, # comments; .csv: a `path` column, else the first one).
Relative paths in a list are taken from the list's folder. A path named twice is inspected once."""

from __future__ import annotations

import csv
import glob
import os
from pathlib import Path

from riawelc.radiograph import FILM_SUFFIXES, film_paths

LIST_SUFFIXES = (".txt", ".csv")
GLOB_CHARACTERS = "*?["


class SourceError(ValueError):
    """A SOURCE that names no films; the message says why."""


def film_sources(source: str | Path) -> list[Path]:
    text = str(source)
    path = Path(text)
    if path.is_dir():
        files = film_paths(path)
    elif path.is_file() and path.suffix.lower() in LIST_SUFFIXES:
        files = _listed(path)
    elif path.is_file():
        raise SourceError(f"{text} is a file but not a list (.txt or .csv): give a folder, a glob or a list")
    elif any(c in text for c in GLOB_CHARACTERS):
        files = [Path(p) for p in sorted(glob.glob(text, recursive=True))
                 if Path(p).is_file() and Path(p).suffix.lower() in FILM_SUFFIXES]
    else:
        raise SourceError(f"{text} does not exist (give a folder, a glob or a .txt/.csv list of films)")
    unique = list(dict.fromkeys(Path(os.path.normpath(f)) for f in files))
    if not unique:
        raise SourceError(f"{text} names no film files ({', '.join(FILM_SUFFIXES)})")
    return unique


def _listed(path: Path) -> list[Path]:
    """A list's paths; a listed file that is missing or no film is still a film of the batch (its row says why)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise SourceError(f"cannot read the list {path}: {error}") from None
    if path.suffix.lower() == ".csv":
        rows = [row for row in csv.reader(text.splitlines()) if row and any(cell.strip() for cell in row)]
        header = [cell.strip().lower() for cell in rows[0]] if rows else []
        column = header.index("path") if "path" in header else 0
        names = [row[column].strip() for row in rows[1 if "path" in header else 0:] if len(row) > column]
    else:
        names = [line.strip() for line in text.splitlines()]
    return [path.parent / name for name in names if name and not name.startswith("#")]
