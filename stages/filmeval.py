"""Stage filmeval: whole-film inspection with the exported models against the masks of annotated films, beside
the black top-hat baseline (no learning) over the same inspected pixels.

The films come from `filmeval.films` in GDXray's annotated layout: the embedded profile's synthetic films
(stage filmsample) or, in the real-data profile, ../shared/gdxray's three hand-masked films. Thresholds are
chosen on the training data's val split against its true masks when it has them (`thresholds: val`), else
taken from the model cards and the a-priori top-hat level, or (`thresholds: leave_one_film_out`) for each film on
the other annotated films: never on the film being scored. Pictures (film, human
mask outlined green, prediction magenta) go to outputs/filmeval/pictures, never to results/: real films are
licensed for research use and stay out of git.
"""

from pathlib import Path

from riawelc.data.manifests import read_manifest
from riawelc.images import BadImage, read_mask, read_patches, write_png
from riawelc.inspect.film import MODEL_FILES, REGIONS, SOURCES, FilmInspectError, FilmModels, FilmSettings
from riawelc.metrics.annotated import AnnotatedError, load_pair, read_annotated
from riawelc.metrics.filmeval import (
    TOPHAT,
    film_maps,
    leave_one_film_out,
    mean_scores,
    score_film,
    true_mask_patches,
    two_colour_picture,
    validation_thresholds,
)
from stages.common import StageTimer, fail, load_params, paths, stage_dirs, write_json
from stages.validation import Rule, choice, flag, integer, number, text

RULES = {
    "films": text(),
    "sources": Rule(f"a non-empty list of {', '.join(SOURCES)}",
                    lambda v: isinstance(v, list) and bool(v) and all(s in SOURCES for s in v) and len(set(v)) == len(v)),
    "variant": choice(*MODEL_FILES), "region": choice(*REGIONS), "stride": integer(16, 227),
    "cover": number(0, 1, low_open=True), "min_area": integer(0), "thresholds": choice("val", "cards", "leave_one_film_out"),
    "pictures": flag(),
}


def _thresholds(params: dict, models: FilmModels, manifest: Path) -> tuple[dict, str]:
    """One threshold per method for every film, and where it came from."""
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
        maps, truths, pixels = {}, {}, {}
        for item in films:
            try:
                pixels[item.name], truths[item.name] = load_pair(item)
            except (BadImage, AnnotatedError) as error:
                notes.append(f"{item.name}: {error}, left out")
                continue
            maps[item.name] = film_maps(pixels[item.name], models, params["sources"], settings)
        if not maps:
            fail(f"no annotated film of {params['films']} could be read: " + "; ".join(notes))
        if params["thresholds"] == "leave_one_film_out":
            try:
                per_film = leave_one_film_out(maps, truths)
            except AnnotatedError as error:
                fail(str(error))
            threshold_source = "leave one film out: each film at the best pooled Dice of the other films"
        else:
            chosen, threshold_source = _thresholds(params, models, folders["outputs"] / "split" / "manifest.csv")
            per_film = {name: chosen for name in maps}
        scores, seconds = {}, {}
        for name, one in maps.items():
            scores[name], masks = score_film(one, truths[name], per_film[name], params["min_area"], params["cover"])
            seconds[name] = {m: s.pop("seconds") for m, s in scores[name].items() if "seconds" in s}
            if params["pictures"]:
                for method, mask in masks.items():
                    write_png(out / "pictures" / f"{name}_{method}.png",
                              two_colour_picture(pixels[name], mask, truths[name]))
        timer.extra["inspection_seconds"] = seconds
    mean = mean_scores(scores)
    write_json(results / "metrics.json", {
        "films": len(scores), "threshold_source": threshold_source,
        "thresholds": {name: {m: entry["threshold"] for m, entry in film.items()} for name, film in scores.items()},
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
