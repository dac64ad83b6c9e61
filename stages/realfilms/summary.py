"""Stage summary (foreach arm): the arm's folds merged: per-fold figures, their mean and spread, the figures of
all folds' patches pooled (per class too), and every scored patch's prediction. `python -m stages.realfilms.summary
ARM`."""

import json

import numpy as np
import pandas as pd

from riawelc.constants import CLASS_INDEX
from riawelc.metrics.classification import fold_scores, spread
from stages.common import REAL_PARAMS, load_params, write_json
from stages.realfilms import FOLD_RULES, OUT, RESULTS
from stages.realfilms.common import command_args

KEYS = ("accuracy", "macro_f1", "macro_f1_4")


def main() -> None:
    (name,) = command_args(("arm",))
    count = load_params("folds", FOLD_RULES, REAL_PARAMS)["count"]
    folder = OUT / "folds" / name
    runs = [json.loads((folder / f"fold{k}.json").read_text()) for k in range(count)]
    for run in runs:  # wall clock: it differs from run to run, so it stays in the fold files, out of the metrics
        run["training"].pop("seconds", None)
    predictions = pd.concat([pd.read_csv(folder / f"fold{k}.predictions.csv") for k in range(count)],
                            ignore_index=True)
    true, predicted = (predictions[c].map(CLASS_INDEX).to_numpy(np.int64) for c in ("true", "predicted"))
    summary = {"arm": name, "folds": count,
               "model": {key: spread([run["model"][key] for run in runs]) for key in KEYS},
               "majority": {key: spread([run["majority"][key] for run in runs]) for key in KEYS},
               "pooled": fold_scores(true, predicted), "runs": runs}
    out = RESULTS / "cv"
    out.mkdir(parents=True, exist_ok=True)
    predictions.to_csv(out / f"{name}.predictions.csv", index=False)
    write_json(out / f"{name}.json", summary)
    model, majority = summary["model"], summary["majority"]
    print(f"{name} CV: accuracy {model['accuracy']['mean']:.3f} ± {model['accuracy']['std']:.3f}, macro-F1 "
          f"{model['macro_f1']['mean']:.3f} ± {model['macro_f1']['std']:.3f} (majority "
          f"{majority['accuracy']['mean']:.3f} / {majority['macro_f1']['mean']:.3f})")


if __name__ == "__main__":
    main()
