"""Stage fold (matrix: arm x fold): train an arm on the training films of one film fold, score the fold's real
patches. Fold k is scored, fold k+1 (mod K) monitors training (early stopping, best checkpoint, learning-rate cuts),
the other K-2 train. `python -m stages.realfilms.fold ARM FOLD`."""

from riawelc.quiet import import_tensorflow_quietly

import_tensorflow_quietly()  # first: the imports below start TensorFlow, whose start-up lines hide the stage's output

from riawelc.data.manifests import read_manifest  # noqa: E402
from riawelc.learn.arms import run_arm  # noqa: E402
from stages.common import REAL_PARAMS, fail, load_params, write_json  # noqa: E402
from stages.realfilms import FOLD_RULES, OUT  # noqa: E402
from stages.realfilms.common import arm_params, command_args, feature_table, training_rows  # noqa: E402


def main() -> None:
    name, fold_text = command_args(("arm", "fold"))
    arm, section = arm_params(name)
    count = load_params("folds", FOLD_RULES, REAL_PARAMS)["count"]
    if not fold_text.isdigit() or int(fold_text) >= count:
        fail(f"fold {fold_text!r}: expected 0 to {count - 1}")
    fold, monitor = int(fold_text), (int(fold_text) + 1) % count
    manifest = read_manifest(OUT / "split" / "manifest.csv")
    trainer = training_rows(arm, manifest)
    result, table = run_arm(arm, section, trainer[~trainer["fold"].isin([fold, monitor])],
                            trainer[trainer["fold"] == monitor], manifest[manifest["fold"] == fold],
                            manifest[~manifest["fold"].isin([fold, monitor])], feature_table(arm))
    out = OUT / "folds" / name
    out.mkdir(parents=True, exist_ok=True)
    table.assign(fold=fold).to_csv(out / f"fold{fold}.predictions.csv", index=False)
    write_json(out / f"fold{fold}.json", {"arm": name, "fold": fold, **result})
    print(f"{name} fold {fold}: {result['films']} accuracy {result['model']['accuracy']:.3f} macro-F1 "
          f"{result['model']['macro_f1']:.3f} (majority {result['majority']['accuracy']:.3f} / "
          f"{result['majority']['macro_f1']:.3f})")


if __name__ == "__main__":
    main()
