"""Stage masked: the hand-masked films, leave one film out. For each film, the detector (candidates and a rejector
trained on the other two films and, with detector.learn_from_table, on the tabled films' cells but the film's own;
its extent, threshold and peak share chosen by cross-fit between them), the same candidates kept by their peak
(no learning), the black top-hat (no learning) and the embedded pipeline's U-Net, each with its settings chosen on
the other two films by their mean Dice. Writes the figures (results-real/realfilms/masked.json),
each film's masks, its held-out detector, and a contact sheet of the detector's found, missed and false components
per film (realfilms/out/masked: cached, never committed, since they show film). `python -m stages.realfilms.masked`.
"""

from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from riawelc.images import write_png
from riawelc.inspect.candidates import CandidateSettings, black_tophat, peak_rule
from riawelc.inspect.film import FilmInspectError, FilmModels, FilmSettings, inspect_film
from riawelc.inspect.pseudomask import remove_small_components
from riawelc.inspect.tophat import film_smoothing
from riawelc.learn.detector import BoostingParams, build_detector, film_candidates, train_rejector
from riawelc.learn.lofo import leave_one_out_grid, mask_scores, summarise, summary_lines
from riawelc.metrics.annotated import AnnotatedError, load_pair, read_annotated
from riawelc.metrics.sheets import write_sheet
from stages.common import REAL_PARAMS, fail, load_params, write_json
from stages.realfilms import OUT, RESULTS, TREES_RULES
from stages.realfilms.detection import BASELINE_RULES, DETECTOR_RULES, tabled_films
from stages.realfilms.rules import MASKED_RULES


def detector_params() -> tuple[dict, CandidateSettings, BoostingParams]:
    """The detector section, checked, as candidate settings and boosting params."""
    p = load_params("detector", DETECTOR_RULES, REAL_PARAMS)
    settings = CandidateSettings(size=p["size"], smooth=p["smooth"], max_grain=p["max_grain"],
                                 extent=min(p["extents"]), min_area=p["min_area"], peak=max(p["extents"]))
    return p, settings, BoostingParams(p["estimators"], p["learning_rate"], p["max_leaf_nodes"], p["min_samples_leaf"])


def masked_films() -> dict:
    root = load_params("masked", MASKED_RULES, REAL_PARAMS)["root"]
    try:
        items, notes = read_annotated(root)
        films = {item.name: load_pair(item) for item in items}
    except (AnnotatedError, ValueError) as error:
        fail(str(error))
    for note in notes:
        print(note)
    if len(films) < 3:
        fail(f"{root}: leave-one-film-out with cross-fit needs at least three masked films, found {len(films)}")
    return films


def tophat_rows(films, base, settings) -> dict:
    """The black top-hat, no learning; each film smoothed as the detector smooths it (settings.max_grain)."""
    bad = [s for s in base["tophat_sizes"] if s % 2 == 0]
    if bad:
        fail(f"{REAL_PARAMS}: baselines.tophat_sizes must be odd, got {bad}")

    @lru_cache(maxsize=None)
    def hat(name, size):
        film = films[name][0]
        return black_tophat(film, size, film_smoothing(film, settings.smooth, settings.max_grain))

    def predict(name, point):
        size, level = point
        return remove_small_components((hat(name, size) > level).astype(np.uint8), 12)

    grid = [(s, lv) for s in base["tophat_sizes"] for lv in base["tophat_levels"]]
    return leave_one_out_grid(films, grid, predict, lambda p: {"size": p[0], "level": p[1]})


def hysteresis_rows(films, settings, base) -> dict:
    candidates = film_candidates(films, settings, base["hysteresis_extents"])

    def predict(name, point):
        extent, peak = point
        return candidates[extent][name].mask(peak_rule(candidates[extent][name], replace(settings, peak=peak)))

    grid = [(e, p) for e in base["hysteresis_extents"] for p in base["hysteresis_peaks"] if p >= e]
    return leave_one_out_grid(films, grid, predict, lambda p: {"extent": p[0], "peak": p[1]})


def unet_rows(films, base) -> dict | str:
    try:
        models = FilmModels.load(base["unet_models"])
    except FilmInspectError as error:
        fail(f"{REAL_PARAMS}: baselines.unet_models: {error}")
    maps = {name: inspect_film(film, models, FilmSettings(source="unet", threshold=0.5)).probability
            for name, (film, _) in films.items()}
    return leave_one_out_grid(films, base["unet_thresholds"],
                              lambda name, t: remove_small_components((maps[name] > t).astype(np.uint8), 12),
                              lambda t: {"threshold": t})


def detector_rows(films, p, settings, boosting, out, tabled) -> tuple[dict, list[dict]]:
    """Per film, the held-out detector's scores (trained without the film's own table cells too); and its operating
    points: at each rejector threshold of the grid, every film's held-out detector (its own extent) keeping the
    candidates above it, summarised."""
    candidates = film_candidates(films, settings, p["extents"])
    rows, detections = {}, {}
    for name, (film, truth) in films.items():
        training = {o: films[o] for o in films if o != name}
        detector, choice = build_detector(training, settings, p["extents"], p["thresholds"], p["seed"], boosting,
                                          candidates={e: {o: c[o] for o in training} for e, c in candidates.items()},
                                          peak_shares=p["peak_shares"], tabled=without(tabled, name))
        detector.card = {"trained_on": sorted(training), "held_out": name, "crossfit": choice.grid,
                         "table_films": table_names(without(tabled, name))}
        detector.save(out / f"detector-{name}.json")
        detection = detections[name] = detector.detect(film)
        mask = detection.candidates.mask(detection.probability > detector.threshold)
        write_png(out / "masks" / f"{name}.png", mask * np.uint8(255))
        counts = write_sheet(out / "sheets" / f"{name}.png", film, mask, truth)
        rows[name] = {**mask_scores(mask, truth), "chosen": {"extent": choice.extent, "threshold": choice.threshold,
                                                             "peak_share": choice.peak_share},
                      "crossfit_mean_dice": round(choice.crossfit_dice, 4), "sheet": counts}
        print(f"  {name}: extent {choice.extent:g}, threshold {choice.threshold:g}, peak share {choice.peak_share:g} "
              f"-> Dice {rows[name]['dice']:.3f}, "
              f"found {rows[name]['found']}/{rows[name]['components']}, false {rows[name]['false_components']}")
    points = [{"threshold": t, **summarise({name: mask_scores(d.candidates.mask(d.probability > t), films[name][1])
                                            for name, d in detections.items()})} for t in p["thresholds"]]
    return rows, points


def without(tabled: dict | None, name: str) -> dict | None:
    """The tabled films but `name` (a held-out film's own cells stay out of its training)."""
    return None if tabled is None else {e: [t for t in films if t.name != name] for e, films in tabled.items()}


def table_names(tabled: dict | None) -> list[str]:
    return [] if tabled is None else sorted(t.name for t in next(iter(tabled.values())))


def table_held_out(films, settings, boosting, seed, final, extent, tabled, out) -> None:
    """For each tabled film that is not a masked one, the final detector with its rejector retrained without the
    film's table cells (detector-<film>.json): the later stages score every film by a detector that never learned
    from it (stages.realfilms.detection.held_out_detector). When the other films' cells cannot teach (one class
    only), the masked films alone, and the card says so."""
    parts = [(c, films[n][1]) for n, c in film_candidates(films, settings, [extent])[extent].items()]
    for name in sorted(table_names(tabled)):
        if name in films:
            continue
        others, card = without(tabled, name), {**final.card, "held_out": name}
        try:
            rejector = train_rejector(parts, seed, boosting, others[extent])
            card["table_films"] = table_names(others)
        except ValueError as error:
            rejector = train_rejector(parts, seed, boosting)
            card.update(table_films=[], table_note=f"the masked films alone: {error}")
            print(f"{name}: {card['table_note']}")
        replace(final, rejector=rejector, card=card).save(out / f"detector-{name}.json")
    print(f"{len(table_names(tabled))} tabled films: a detector each that never learned from its cells")


def main() -> None:
    p, settings, boosting = detector_params()
    base = load_params("baselines", BASELINE_RULES, REAL_PARAMS)
    films = masked_films()
    out = OUT / "masked"
    out.mkdir(parents=True, exist_ok=True)
    tabled = None
    if p["learn_from_table"]:
        films_dir = Path(load_params("trees", TREES_RULES, REAL_PARAMS)["films"])
        try:
            tabled, notes = tabled_films(films_dir, load_params("masked", MASKED_RULES, REAL_PARAMS)["root"],
                                         settings, p["extents"])
        except ValueError as error:
            fail(f"{REAL_PARAMS}: detector.learn_from_table: {error}")
        print("\n".join(notes + [f"learning from the table's cells of {len(table_names(tabled))} films"]))
    try:
        final, choice = build_detector(films, settings, p["extents"], p["thresholds"], p["seed"], boosting,
                                       peak_shares=p["peak_shares"], tabled=tabled)
    except ValueError as error:
        fail(f"{REAL_PARAMS}: detector.learn_from_table: {error} (set it to false to learn from the masks alone)")
    final.card = {"trained_on": sorted(films), "crossfit": choice.grid, "table_films": table_names(tabled)}
    final.save(out / "detector-all.json")
    print(f"all films: extent {choice.extent:g}, threshold {choice.threshold:g}, peak share {choice.peak_share:g} "
          f"(cross-fit mean Dice {choice.crossfit_dice:.3f})")
    if tabled:
        table_held_out(films, settings, boosting, p["seed"], final, choice.extent, tabled, out)
    try:
        detector, operating_points = detector_rows(films, p, settings, boosting, out, tabled)
    except ValueError as error:
        fail(f"{REAL_PARAMS}: detector.learn_from_table: {error} (set it to false to learn from the masks alone)")
    methods = {"detector": detector,
               "hysteresis": hysteresis_rows(films, settings, base),
               "tophat": tophat_rows(films, base, settings),
               "unet": unet_rows(films, base)}
    results = {"protocol": "leave one film out: each film scored with settings chosen (and models trained) on the "
                           "other films only; choices by the other films' mean Dice",
               "detector_learns_from_table": table_names(tabled),  # those films' cells, never the scored film's
               "films": {name: {"height": int(f.shape[0]), "width": int(f.shape[1]), "true_px": int(t.sum())}
                         for name, (f, t) in films.items()},
               "summary": {method: summarise(rows) for method, rows in methods.items()},
               "per_film": methods,
               "detector_operating_points": {
                   "what": "each film's held-out detector at every rejector threshold of the grid (not chosen: a "
                           "curve of component recall against false components, for reading the trade-off)",
                   "points": operating_points}}
    write_json(RESULTS / "masked.json", results)
    print("\n".join(summary_lines(results["summary"], methods)))


if __name__ == "__main__":
    main()
