"""int8 copies of the exported models, calibrated on training patches, compared with fp32.

    python scripts/quantize_models.py --models models --manifest outputs/split/manifest.csv --out outputs/int8

Writes <out>/classifier.int8.onnx and <out>/unet.int8.onnx (static QDQ quantisation, QUInt8 activations, QInt8
weights; riawelc.deploy.quantize), copies the two cards (with an "int8" field: file, sha256, calibration) and the fp32
files beside them, so `FilmModels.load(out, "int8" | "int8_classifier" | "fp32")` and
`python -m riawelc.inspect.film --models <out> --variant int8` use them, and prints and writes
<out>/int8_report.json: patch throughput fp32 vs int8 (batch 32, best of 5, taking turns), test accuracy and agreement of the classifier,
test Dice of the U-Net against the true masks (where the data has them) and against fp32.
The calibration patches are drawn (seeded) from the manifest's train split; the comparison uses its test split.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from riawelc.constants import CLASS_INDEX, PATCH_SIZE  # noqa: E402
from riawelc.deploy.quantize import int8_models  # noqa: E402
from riawelc.images import read_mask, read_patches  # noqa: E402


def read_split(manifest: Path, split: str) -> list[dict]:
    with open(manifest, newline="") as file:
        return [row for row in csv.DictReader(file) if row["split"] == split]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", type=Path, default=Path("models"))
    p.add_argument("--manifest", type=Path, default=Path("outputs/split/manifest.csv"))
    p.add_argument("--out", type=Path, default=Path("outputs/int8"))
    p.add_argument("--calibration", type=int, default=128, help="training patches for calibration")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=None, help="ONNX Runtime threads for the speed figures")
    args = p.parse_args(argv)
    for path in (args.models / "classifier.onnx", args.models / "unet.onnx", args.manifest):
        if not path.is_file():
            print(f"error: {path} does not exist", file=sys.stderr)
            return 2
    train, test = read_split(args.manifest, "train"), read_split(args.manifest, "test")
    rng = np.random.default_rng(args.seed)
    chosen = [train[i] for i in sorted(rng.choice(len(train), min(args.calibration, len(train)), replace=False))]
    masks = None
    if any(row.get("mask") for row in test):
        masks = np.stack([read_mask(row["mask"]) if row.get("mask") else np.zeros((PATCH_SIZE, PATCH_SIZE), np.uint8)
                          for row in test])
    quality, speed = int8_models(args.models, read_patches([row["path"] for row in chosen]),
                                 read_patches([row["path"] for row in test]),
                                 np.array([CLASS_INDEX[row["label"]] for row in test]), masks, args.out, args.threads)
    report = {**quality, "calibration": {**quality["calibration"], "seed": args.seed}}
    for name in ("classifier", "unet"):
        report[name] = {**speed[name], **report[name]}
        print(f"{name}: {json.dumps(report[name])}", flush=True)
    (args.out / "int8_report.json").write_text(json.dumps(report, indent=1) + "\n")
    print(f"int8 models, cards and int8_report.json in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
