"""Print what TensorFlow's op determinism costs per training epoch on this machine.

    python scripts/determinism_cost.py --epochs 3     # after `dvc repro split` (reads outputs/split)

Each setting runs in its own process (op determinism cannot be switched off once on), with the classify params
of params.yaml, on the train split of the embedded sample.
"""

import argparse
import json
import subprocess
import sys

CHILD = """
import json, sys, time
from pathlib import Path
import yaml
from riawelc.data.manifests import load_split, read_manifest
from riawelc.learn.determinism import seed_everything
from riawelc.learn.models import build_classifier
from riawelc.learn.training import train_classifier, train_config

deterministic, epochs = sys.argv[1] == "on", int(sys.argv[2])
all_params = yaml.safe_load(Path("params.yaml").read_text())
params = all_params["classify"]
manifest = read_manifest(Path(all_params["paths"]["outputs"]) / "split" / "manifest.csv")
_, x_train, y_train = load_split(manifest, "train")
_, x_val, y_val = load_split(manifest, "val")
params.update(frozen_epochs=epochs, finetune_epochs=0, patience=epochs + 1)
seed_everything(params["seed"], deterministic)
model = build_classifier(params["model"], params["weights"], params["dropout"])
summary = train_classifier(model, (x_train, y_train), (x_val, y_val), train_config(params, None))
print(json.dumps({"epoch_seconds": summary["history"]["seconds"], "val_loss": summary["history"]["val_loss"]}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    runs = {}
    for setting in ("off", "on"):
        out = subprocess.run([sys.executable, "-c", CHILD, setting, str(args.epochs)], capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"training with op determinism {setting} failed:\n{out.stderr[-2000:]}")
        runs[setting] = json.loads(out.stdout.strip().splitlines()[-1])
    for setting, run in runs.items():
        seconds = run["epoch_seconds"][1:] or run["epoch_seconds"]  # the first epoch also builds the graph
        print(f"op determinism {setting:3}: {sum(seconds) / len(seconds):6.1f} s/epoch after the first "
              f"(all: {', '.join(f'{s:.1f}' for s in run['epoch_seconds'])}); val loss {run['val_loss'][-1]:.10f}")
    off, on = (sum(runs[s]["epoch_seconds"][1:]) for s in ("off", "on"))
    print(f"cost: {100 * (on - off) / off:+.1f} % per epoch")


if __name__ == "__main__":
    main()
