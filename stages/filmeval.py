"""Stage filmeval: whole-film inspection with the exported models against the masks of annotated films, beside
the black top-hat baseline (no learning) over the same inspected pixels.

The films come from `filmeval.films` in GDXray's annotated layout: the embedded profile's synthetic films
(stage filmsample) or, in the real-data profile, ../shared/gdxray's three hand-masked films. Thresholds are
chosen on the training data's val split against its true masks when it has them (`thresholds: val`), else
taken from the model cards and the a-priori top-hat level: never on the evaluated films. Pictures (film, human
mask outlined green, prediction magenta) go to outputs/filmeval/pictures, never to results/: real films are
licensed for research use and stay out of git.
"""

from pathlib import Path

from riawelc.filmeval import (TOPHAT, AnnotatedError, evaluate_film, load_pair, mean_scores, read_annotated,
                              true_mask_patches, two_colour_picture, validation_thresholds)
from riawelc.filminspect import MODEL_FILES, REGIONS, SOURCES, FilmInspectError, FilmModels, FilmSettings
from riawelc.images import BadImage, read_mask, read_patches, write_png
from stages.common import StageTimer, fail, load_params, paths, read_manifest, stage_dirs, write_json
from stages.validation import Rule, choice, flag, integer, number, text

RULES = {
    "films": text(),
    "sources": Rule(f"a non-empty list of {', '.join(SOURCES)}",
                    lambda v: isinstance(v, list) and bool(v) and all(s in SOURCES for s in v) and len(set(v)) == len(v)),
    "variant": choice(*MODEL_FILES), "region": choice(*REGIONS), "stride": integer(16, 227),
    "cover": number(0, 1, low_open=True), "min_area": integer(0), "thresholds": choice("val", "cards"),
    "pictures": flag(),
}


def _thresholds(params: dict, models: FilmModels, manifest: Path) -> tuple[dict, str]:
    if params["thresholds"] == "cards":
        return {}, "model cards (learned) and 4 sigma (top-hat), as asked"
    rows = read_manifest(manifest)
    val = rows[rows["split"] == "val"].to_dict("records")
    found = true_mask_patches(val, read_patches, read_mask)
    if found is None:
        return {}, f"model cards and 4 sigma: the val split of {manifest} has no true masks"
    chosen = validation_thresholds(models, *found, params["sources"])
    return ({m: t for m, (t, _) in chosen.items()},
            f"best pooled Dice on the {len(val)} val patches of {manifest} against their true masks")


def main() -> None:
    params = load_params("filmeval", RULES)
    folders = paths()
    settings = FilmSettings(stride=params["stride"], region=params["region"], min_area=params["min_area"])
    try:  # before any output exists
        films, notes = read_annotated(params["films"])
        models = FilmModels.load(folders["models"], params["variant"])
    except (AnnotatedError, FilmInspectError) as error:
        fail(str(error))
    out, results = stage_dirs("filmeval")
    with StageTimer(results) as timer:
        thresholds, threshold_source = _thresholds(params, models, folders["outputs"] / "split" / "manifest.csv")
        scores, seconds = {}, {}
        for item in films:
            try:
                film, truth = load_pair(item)
            except (BadImage, AnnotatedError) as error:
                notes.append(f"{item.name}: {error}, left out")
                continue
            scores[item.name], masks = evaluate_film(film, truth, models, params["sources"], thresholds, settings,
                                                     params["cover"])
            seconds[item.name] = {m: s.pop("seconds") for m, s in scores[item.name].items() if "seconds" in s}
            if params["pictures"]:
                for method, mask in masks.items():
                    write_png(out / "pictures" / f"{item.name}_{method}.png", two_colour_picture(film, mask, truth))
        timer.extra["inspection_seconds"] = seconds
    if not scores:
        fail(f"no annotated film of {params['films']} could be read: " + "; ".join(notes))
    mean = mean_scores(scores)
    write_json(results / "metrics.json", {
        "films": len(scores), "threshold_source": threshold_source,
        "thresholds": {m: scores[next(iter(scores))][m]["threshold"] for m in mean},
        "mean": mean, "per_film": scores, "notes": notes})
    for note in notes:
        print(f"filmeval: {note}")
    print(f"filmeval: {len(scores)} films, thresholds from {threshold_source}")
    for method, entry in mean.items():
        print(f"  {method:11} mean Dice {entry['dice']:.3f}, IoU {entry['iou']:.3f}, defects found "
              f"{entry['defects_found']}/{entry['defects']}, false-positive components per film "
              f"{entry['false_positive_components_per_film']}" + ("  (baseline)" if method == TOPHAT else ""))


if __name__ == "__main__":
    main()
