"""Stage delineator: trains the delineator (riawelc.inspect.delineator), a small U-Net that outlines the detector's
kept regions as the hand masks do. It learns from the masked films' masks alone, so the detector's choices never
retrain it: one delineator per masked film, trained on the other films (delineator-<film>.onnx, for the leave-one-
film-out figures of stage delineate), and one trained on all of them, the one the inspection runs (delineator.onnx,
with delineation.json: its threshold, reach and sha256). Each film's input maps are smoothed as the detector smooths
that film (the params' detector.smooth and detector.max_grain). Every setting is the params' `delineator` section,
fixed beforehand: none is chosen on the masked films. Writes realfilms/out/delineator (cached).
`python -m stages.realfilms.delineator`.
"""

from riawelc.digest import sha256_of
from riawelc.inspect.delineator import DELINEATOR_FILE, delineator_maps
from riawelc.inspect.tophat import film_smoothing
from riawelc.learn.delineator import DelineatorParams, export_delineator, train_delineator
from riawelc.metrics.annotated import AnnotatedError, load_pair, read_annotated
from stages.common import REAL_PARAMS, fail, load_params, write_json
from stages.realfilms import OUT
from stages.realfilms.rules import MASKED_RULES, SMOOTHING_RULES
from stages.validation import integer, number, numbers, problems

RULES = {"steps": integer(1), "batch_size": integer(1), "tile": integer(8), "learning_rate": number(0, low_open=True),
         "filters": numbers(1, integers=True), "centred": number(0, 1), "jitter": integer(0), "seed": integer(0),
         "threshold": number(0, 1), "radius": integer(0)}


def main() -> None:
    p = load_params("delineator", RULES, REAL_PARAMS)
    detector = load_params("detector", None, REAL_PARAMS)  # of it only what smooths the film, as the detector does
    smoothing = {key: detector.get(key) for key in SMOOTHING_RULES} if isinstance(detector, dict) else detector
    if found := problems("detector", smoothing, SMOOTHING_RULES):
        fail(f"{REAL_PARAMS}: " + "; ".join(found))
    try:
        params = DelineatorParams(p["steps"], p["batch_size"], p["tile"], p["learning_rate"], tuple(p["filters"]),
                                  p["centred"], p["jitter"], p["seed"])
        items, _ = read_annotated(load_params("masked", MASKED_RULES, REAL_PARAMS)["root"])
        films = {item.name: load_pair(item) for item in items}
    except (AnnotatedError, ValueError) as error:
        fail(f"{REAL_PARAMS}: delineator: {error}")
    if len(films) < 2:
        fail(f"leave one film out needs at least two masked films, found {len(films)}")
    out = OUT / "delineator"
    maps = {name: delineator_maps(film, film_smoothing(film, smoothing["smooth"], smoothing["max_grain"]))
            for name, (film, _) in films.items()}
    for name in films:
        print(f"{name}: delineator trained on the other {len(films) - 1} films")
        model = train_delineator([(maps[o], films[o][1]) for o in films if o != name], params)
        export_delineator(model, out / f"delineator-{name}.onnx")
    print(f"all {len(films)} films: the delineator the inspection runs")
    path = export_delineator(train_delineator([(maps[n], films[n][1]) for n in films], params), out / DELINEATOR_FILE)
    write_json(out / "delineation.json", {"file": DELINEATOR_FILE, "threshold": float(p["threshold"]),
                                          "radius": int(p["radius"]), "sha256": sha256_of(path),
                                          "trained_on": sorted(films)})


if __name__ == "__main__":
    main()
