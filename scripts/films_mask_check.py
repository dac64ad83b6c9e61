"""How often does a window labelled from the flaw table's 1 cm cells actually contain its defect?

Measured on the hand-masked GDXray films (W0001 crops at native scale, W0002 masks) that have rows in the
flaw table (RRT-12R: porosity, RRT-22R: crack and porosity), for seam-grid windows (grid) against windows centred on
black top-hat dark spots in porosity cells (spots), in every defect class's cells (spots-all) and, as a control,
in flaw-free stretches too (spots-all+nd). Prints figures only; writes nothing. Those films stay out of every training tree.

    python scripts/films_mask_check.py --gdxray ../shared/gdxray [--min-pixels 10]
"""

import argparse
import re
import sys
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

from riawelc.constants import DEFECT_CLASSES
from riawelc.films.flawtable import read_flaw_table
from riawelc.films.labels import CELL_PX, flaw_spans
from riawelc.films.options import load_options
from riawelc.films.windows import film_windows
from riawelc.seam import find_seam


def masked_films(gdxray: Path) -> list[tuple[str, Path, Path]]:
    """(film, image, mask) for W0001/W0002 pairs, named from W0001_readme.txt ('W0001_02 RRT-12R_M.tif')."""
    text = (gdxray / "W0001" / "W0001_readme.txt").read_text(errors="replace")
    names = dict(re.findall(r"^W0001_(\d+)\s+(\S+?)(?:_M\d?)?\.tif", text, re.MULTILINE))
    found = []
    for number, film in names.items():
        image = gdxray / "W0001" / f"W0001_{int(number):04d}.png"
        mask = gdxray / "W0002" / f"W0002_{int(number):04d}.png"
        if image.is_file() and mask.is_file():
            found.append((film, image, mask))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gdxray", type=Path, default=Path("../shared/gdxray"))
    parser.add_argument("--config", type=Path, help="film options YAML (as for riawelc films)")
    parser.add_argument("--min-pixels", type=int, default=10, help="mask pixels that make a window 'hit'")
    args = parser.parse_args()
    table = read_flaw_table(args.gdxray / "W0003" / "real-values.xls")
    base = load_options(args.config)
    spots = replace(base, defect_windows="dark_spots")
    modes = {
        "grid": replace(base, defect_windows="grid", no_defect_windows="grid"),
        "spots": replace(spots, spot_classes=("porosity",), no_defect_windows="grid"),
        "spots-all": replace(spots, spot_classes=DEFECT_CLASSES, no_defect_windows="grid"),
        "spots-all+nd": replace(spots, spot_classes=DEFECT_CLASSES, no_defect_windows="dark_spots"),
    }
    print(f"{'film':8} {'windows':10} {'class':20} {'n':>4} {'with defect':>12}  (>= {args.min_pixels} mask px)")
    totals: dict = {}
    for film_name, image_path, mask_path in masked_films(args.gdxray):
        flaws = table.films.get(film_name)
        if flaws is None:
            print(f"{film_name:8} no rows in the flaw table: skipped")
            continue
        film = cv2.imread(str(image_path), cv2.IMREAD_GRAYSCALE)
        mask = cv2.imread(str(mask_path), cv2.IMREAD_GRAYSCALE) > 0
        seam = find_seam(film, base.seam)
        if not seam.fits:
            print(f"{film_name:8} seam: {seam.reason}")
            continue
        spans = flaw_spans(flaws, film.shape[1], CELL_PX, base.cell_offset, base.tail_min_mm)
        for mode, options in modes.items():
            labelled, _ = film_windows(film, seam, spans, options)
            win = options.window
            for label in sorted({lab for _, lab in labelled}):
                hits = [int(mask[w.y0:w.y0 + win, w.x0:w.x0 + win].sum() >= args.min_pixels)
                        for w, lab in labelled if lab == label]
                key = (mode, label)
                totals[key] = np.add(totals.get(key, (0, 0)), (len(hits), sum(hits)))
                print(f"{film_name:8} {mode:12} {label:20} {len(hits):4d} {np.mean(hits):12.0%}")
    print("all films:")
    for (mode, label), (n, hit) in sorted(totals.items()):
        print(f"{'':8} {mode:12} {label:20} {n:4d} {hit / n:12.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
