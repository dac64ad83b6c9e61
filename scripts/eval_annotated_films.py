"""Whole-film inspection and the black top-hat baseline against the hand-drawn masks of the annotated films.

    python scripts/eval_annotated_films.py --gdxray ../shared/gdxray --models models [--out outputs/annotated-films]

Reads W0001/W0001_000{1,2,3}.png (native-scale crops of bam5, RRT-12R, RRT-22R) and W0002/W0002_000{1,2,3}.png
(their hand masks), runs riawelc.filminspect with every probability source and the top-hat baseline over the same
inspected pixels, and prints pixel IoU / Dice / AP, component recall and false-positive components per film side by
side. Thresholds are never chosen here: the learned sources use their model cards' thresholds (chosen on the
training data's validation split), the top-hat its a-priori TOPHAT_SIGMAS. Pictures (film, map and human mask in
two colours) and scores.json go to --out, which must stay out of git (GDXray films are research-only):
the default, outputs/, is ignored.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from riawelc.constants import CLASSES, NO_DEFECT, PATCH_SIZE  # noqa: E402
from riawelc.filminspect import (SOURCES, FilmModels, FilmSettings, extract_regions, inspect_film,  # noqa: E402
                                 read_film)
from riawelc.filmmetrics import (TOPHAT_SIGMAS, best_threshold, black_tophat_score, film_scores,  # noqa: E402
                                 tophat_mask)
from riawelc.images import read_mask, read_patches, write_png  # noqa: E402

FILMS = {1: "bam5", 2: "RRT-12R", 3: "RRT-22R"}


def two_colour_picture(film: np.ndarray, predicted: np.ndarray, truth: np.ndarray, width: int = 2400) -> np.ndarray:
    """Film in gray; human mask outlined green, prediction filled magenta (overlap shows both)."""
    picture = cv2.cvtColor(film, cv2.COLOR_GRAY2BGR)
    picture[predicted > 0] = (0.5 * picture[predicted > 0] + 0.5 * np.array([255, 0, 255])).astype(np.uint8)
    contours, _ = cv2.findContours((truth > 0).astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    cv2.drawContours(picture, contours, -1, (0, 255, 0), 2)
    scale = min(1.0, width / picture.shape[1])
    return cv2.resize(picture, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)


def validation_thresholds(models: FilmModels, manifest: Path, split: str = "val") -> dict:
    """Per method, (threshold, pooled Dice) with the best Dice on the `split` patches of the training data's
    manifest against their true masks (patches without a mask file count as clean, as no_defect patches are)."""
    with open(manifest, newline="") as file:
        rows = [row for row in csv.DictReader(file) if row["split"] == split]
    if not rows:
        raise SystemExit(f"error: {manifest} has no {split} rows")
    if not any(row.get("mask") for row in rows):
        raise SystemExit(f"error: the {split} rows of {manifest} have no true masks: pass --manifest '' to skip")
    patches = read_patches([row["path"] for row in rows])
    truths = [read_mask(row["mask"]) if row.get("mask") else np.zeros((PATCH_SIZE, PATCH_SIZE), np.uint8)
              for row in rows]
    unet, gated = [], []
    for start in range(0, len(patches), 32):
        probabilities, _, masks = models.run(patches[start:start + 32].astype(np.float32))
        unet += list(masks)
        gated += list(masks * (1 - probabilities[:, CLASSES.index(NO_DEFECT)])[:, None, None])
    tophat = [black_tophat_score(patch[..., 0]) for patch in patches]
    probability_grid, sigma_grid = np.round(np.arange(0.05, 0.96, 0.05), 2), np.arange(1.0, 20.01, 0.5)
    return {"unet": best_threshold(unet, truths, probability_grid),
            "unet_gated": best_threshold(gated, truths, probability_grid),
            "tophat": best_threshold(tophat, truths, sigma_grid), "patches": len(rows), "split": split}


def _row(film: str, method: str, scores: dict) -> str:
    recall, fp = scores["component_recall"], scores["false_positives"]
    ap = "  n/a" if scores["ap"] is None else f"{scores['ap']:.3f}"
    by_size = " ".join(f"{recall[k]['found']}/{recall[k]['total']}" for k in ("small", "medium", "large"))
    return (f"{film:8} {method:16} {scores['iou']:.3f} {scores['dice']:.3f} {ap}  "
            f"{recall['all']['found']:3d}/{recall['all']['total']:<3d} ({by_size:>14})  {fp['all']:4d}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--gdxray", type=Path, default=Path("../shared/gdxray"))
    p.add_argument("--models", type=Path, default=Path("models"))
    p.add_argument("--variant", default="fp32")
    p.add_argument("--out", type=Path, default=Path("outputs/annotated-films"))
    p.add_argument("--manifest", default="outputs/split/manifest.csv",
                   help="training data manifest whose val split (with true masks) chooses the @val thresholds; "
                        "'' skips")
    p.add_argument("--cover", type=float, default=0.3, help="share of a human defect to cover to count as found")
    p.add_argument("--sources", default=",".join(SOURCES), help="learned probability sources to compare")
    p.add_argument("--region", default="seam", choices=("seam", "film"))
    p.add_argument("--stride", type=int, default=FilmSettings().stride)
    args = p.parse_args(argv)

    models = FilmModels.load(args.models, args.variant)
    sources = [s for s in args.sources.split(",") if s]
    chosen = validation_thresholds(models, Path(args.manifest)) if args.manifest else {}
    for method in ("unet", "unet_gated", "tophat"):
        if method in chosen:
            print(f"{method}: threshold {chosen[method][0]:g} chosen on {chosen['patches']} {chosen['split']} patches "
                  f"of {args.manifest} (pooled Dice there {chosen[method][1]:.3f})")
    results = {}
    print(f"{'film':8} {'method':16} {'IoU':5} {'Dice':5} {'AP':5}  found (small medium large)       FP")
    for index, name in FILMS.items():
        film = read_film(args.gdxray / "W0001" / f"W0001_000{index}.png")
        truth = read_film(args.gdxray / "W0002" / f"W0002_000{index}.png") > 0
        if film.shape != truth.shape:
            raise SystemExit(f"error: {name}: film {film.shape} and mask {truth.shape} differ")
        results[name] = {}
        inspected = None

        def score(label, score_map, mask, threshold, extra=None):
            scores = film_scores(score_map, truth, threshold, args.cover, mask)
            scores.update(extra or {})
            results[name][label] = scores
            print(_row(name, label, scores))
            write_png(args.out / f"{name}_{label.replace(' ', '_').replace('@', 'at')}.png",
                      two_colour_picture(film, mask, truth))

        for source in sources:
            settings = FilmSettings(source=source, region=args.region, stride=args.stride)
            inspection = inspect_film(film, models, settings)
            inspected = inspection.inspected
            extra = {"seconds": round(inspection.seconds, 2), "region": inspection.region_note,
                     "truth_inspected_share": float(truth[inspected].sum() / max(truth.sum(), 1))}
            score(source, inspection.probability, inspection.mask, inspection.threshold, extra)
            if source in chosen:
                mask, _ = extract_regions(inspection.probability, inspection.class_maps, chosen[source][0],
                                          settings.min_area)
                score(f"{source} @val", inspection.probability, mask, chosen[source][0], extra)
        tophat = black_tophat_score(film, region=inspected)
        score("tophat", tophat, tophat_mask(film, region=inspected), TOPHAT_SIGMAS)
        if "tophat" in chosen:
            score("tophat @val", tophat, tophat_mask(film, sigmas=chosen["tophat"][0], region=inspected),
                  chosen["tophat"][0])
        if sources:
            first = results[name][sources[0]]
            print(f"{'':8} ({first['region']}; {first['truth_inspected_share']:.0%} of the human defect pixels lie "
                  f"in it; the top-hat is scored over the same pixels; {int(truth.sum())} defect px = "
                  f"{truth.mean():.2%})")
    print("mean Dice: " + ", ".join(f"{m} {np.mean([results[f][m]['dice'] for f in results]):.3f}"
                                    for m in results[next(iter(results))]))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "scores.json").write_text(json.dumps({"models": models.name, "cover": args.cover,
                                                      "validation_thresholds": chosen, "films": results},
                                                     indent=1) + "\n")
    print(f"pictures and scores.json in {args.out} (keep out of git: GDXray films are research-only)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
