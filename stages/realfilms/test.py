"""Stage test (foreach arm): train an arm on the split's train films (monitored on its val films), score the real
patches of its test films. `python -m stages.realfilms.test ARM`."""

from riawelc.quiet import import_tensorflow_quietly

import_tensorflow_quietly()  # first: the imports below start TensorFlow, whose start-up lines hide the stage's output

from riawelc.data.manifests import read_manifest  # noqa: E402
from riawelc.learn.arms import run_arm  # noqa: E402
from stages.common import write_json  # noqa: E402
from stages.realfilms import OUT, RESULTS  # noqa: E402
from stages.realfilms.common import arm_params, command_args, feature_table, training_rows  # noqa: E402


def main() -> None:
    (name,) = command_args(("arm",))
    arm, section = arm_params(name)
    manifest = read_manifest(OUT / "split" / "manifest.csv")
    trainer = training_rows(arm, manifest)
    result, table = run_arm(arm, section, trainer[trainer["split"] == "train"], trainer[trainer["split"] == "val"],
                            manifest[manifest["split"] == "test"], manifest[manifest["split"] == "train"],
                            feature_table(arm))
    out = RESULTS / "test"
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / f"{name}.predictions.csv", index=False)
    seconds = result["training"].pop("seconds", None)  # wall clock: printed, kept out of the metrics
    write_json(out / f"{name}.json", {"arm": name, "scored": "test films", **result})
    print(f"{name} test films: accuracy {result['model']['accuracy']:.3f} macro-F1 {result['model']['macro_f1']:.3f} "
          f"(majority {result['majority']['accuracy']:.3f} / {result['majority']['macro_f1']:.3f})"
          + (f"; trained in {seconds:.0f} s" if seconds is not None else ""))


if __name__ == "__main__":
    main()
