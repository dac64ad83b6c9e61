"""Issue 16, session 4: the hand-masked films made as grainy as the W0003 films, scored by the masked stage's
held-out detectors and top-hats, each film smoothed by 1 px (fixed) or film-adaptively (the detector's max_grain).

Grain is real: the high-frequency residual (film - Gaussian 3 px) of the seam bands of the two films the flaw
table calls flaw-free ('No indication': RRT-202R, RRT-210R), tiled onto each masked film at seeded offsets and
scaled (0.65 brings the crops' grain to about 2.1 grey levels, the W0003 median; 1.0 to about 3.1, the grainiest).

    .venv/bin/python research/issue16/session4/grain_robustness.py realfilms/out/masked   # from the repo root
"""
import json
import sys
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
from riawelc.inspect.candidates import black_tophat  # noqa: E402
from riawelc.inspect.tophat import film_grain, film_smoothing  # noqa: E402
from riawelc.inspect.detector import Detector  # noqa: E402
from riawelc.inspect.film import FilmSettings, inspected_band, read_film  # noqa: E402
from riawelc.inspect.pseudomask import remove_small_components  # noqa: E402
from riawelc.learn.lofo import mask_scores  # noqa: E402
from stages.realfilms.detection import films_to_score  # noqa: E402
from stages.realfilms.masked import masked_films  # noqa: E402

FLAW_FREE = ("RRT-202R", "RRT-210R")


def grain_bank(root="../shared/gdxray") -> list[np.ndarray]:
    paths, _ = films_to_score(Path(root) / "W0003", root)
    bank = []
    for name in FLAW_FREE:
        film = read_film(paths[name])
        seam, _, _ = inspected_band(film, FilmSettings(source="candidates"))
        centre = int(np.median(seam.y_at(np.arange(film.shape[1]))))
        band = film[centre - 160:centre + 160, 100:-100].astype(np.float32)
        bank.append(band - cv2.GaussianBlur(band, (0, 0), 3.0))
    return bank


def add_grain(film, bank, seed, scale):
    rng = np.random.default_rng(seed)
    h, w = film.shape
    grain = np.zeros((h, w), np.float32)
    for y in range(0, h, 300):
        for x in range(0, w, 1000):
            tile = bank[rng.integers(len(bank))]
            th, tw = min(300, h - y), min(1000, w - x)
            oy, ox = rng.integers(0, tile.shape[0] - th + 1), rng.integers(0, tile.shape[1] - tw + 1)
            grain[y:y + th, x:x + tw] = tile[oy:oy + th, ox:ox + tw]
    return np.clip(np.rint(film.astype(np.float32) + scale * grain), 0, 255).astype(np.uint8)


def main(masked_dir: Path) -> None:
    films = masked_films()
    chosen = json.loads(Path("results-real/realfilms/masked.json").read_text())["per_film"]["tophat"]
    bank = grain_bank()
    rows = []
    for scale in (0.0, 0.65, 1.0):
        for seed, (name, (film, truth)) in enumerate(films.items()):
            detector = Detector.load(masked_dir / f"detector-{name}.json")
            grainy = add_grain(film, bank, seed, scale) if scale else film
            for mode, settings in (("fixed 1 px", replace(detector.settings, max_grain=None, smooth=1.0)),
                                   ("adaptive", detector.settings)):
                sigma = film_smoothing(grainy, settings.smooth, settings.max_grain)
                found = replace(detector, settings=settings).detect(grainy)
                det = mask_scores(found.candidates.mask(found.probability > detector.threshold), truth)
                size, level = chosen[name]["chosen"]["size"], chosen[name]["chosen"]["level"]
                hat = remove_small_components((black_tophat(grainy, size, sigma) > level).astype(np.uint8), 12)
                top = mask_scores(hat, truth)
                rows.append({"scale": scale, "film": name, "grain": round(film_grain(grainy), 2), "mode": mode,
                             "sigma": sigma, "detector": {k: det[k] for k in ("dice", "found", "components",
                                                                               "false_components")},
                             "tophat": {k: top[k] for k in ("dice", "found", "components", "false_components")}})
                r = rows[-1]
                print(f"scale {scale:4} {name:8} grain {r['grain']:4} {mode:10} sigma {sigma:4}: detector Dice "
                      f"{det['dice']:.3f} ({det['found']}/{det['components']}, {det['false_components']} false); "
                      f"top-hat {top['dice']:.3f} ({top['false_components']} false)", flush=True)
    for scale in (0.0, 0.65, 1.0):
        for mode in ("fixed 1 px", "adaptive"):
            picked = [r for r in rows if r["scale"] == scale and r["mode"] == mode]
            print(f"scale {scale}, {mode}: detector mean Dice {np.mean([r['detector']['dice'] for r in picked]):.3f}"
                  f" (false {[r['detector']['false_components'] for r in picked]}), top-hat "
                  f"{np.mean([r['tophat']['dice'] for r in picked]):.3f} "
                  f"(false {[r['tophat']['false_components'] for r in picked]})")
    Path(__file__).with_name("grain_robustness.json").write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
