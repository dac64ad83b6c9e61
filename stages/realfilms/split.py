"""Stage split: the films tree deduplicated as the dedup stage does, its films split as the split stage splits them
(train / val / test, for the test stage) and dealt to K film folds (for the fold stages). One manifest, both columns."""

from riawelc.data.dataset import DatasetError
from riawelc.data.folds import film_folds, tree_manifest
from riawelc.data.split import LeakageError, apply_assignment, automatic_assignment, verify_no_leakage
from stages.common import REAL_PARAMS, fail, load_params, write_json
from stages.realfilms import FOLD_RULES, OUT, SPLIT_RULES


def main() -> None:
    params = load_params("split", SPLIT_RULES, REAL_PARAMS)
    folds = load_params("folds", FOLD_RULES, REAL_PARAMS)
    try:
        manifest = tree_manifest(OUT / "films")
        split = apply_assignment(manifest, automatic_assignment(manifest, params["fractions"], params["seed"],
                                                                params["trials"]))
        verify_no_leakage(split)
        fold_of = film_folds(manifest, folds["count"], folds["seed"])
    except (DatasetError, ValueError, LeakageError) as error:
        fail(str(error))
    if len(split) != len(manifest):
        fail(f"the split left out {len(manifest) - len(split)} patches")
    split = split.assign(fold=split["radiograph"].map(fold_of))
    out = OUT / "split"
    out.mkdir(parents=True, exist_ok=True)
    split.to_csv(out / "manifest.csv", index=False)
    films = {name: sorted(set(rows["radiograph"])) for name, rows in split.groupby("split")}
    write_json(out / "films.json", {"splits": films, "folds": {
        str(k): sorted(f for f, v in fold_of.items() if v == k) for k in range(folds["count"])}})
    print("split: " + ", ".join(f"{name} {len(names)} films" for name, names in films.items())
          + f"; {folds['count']} folds")


if __name__ == "__main__":
    main()
