"""`riawelc quantize`: int8 copies of exported models, calibrated on training patches, compared with fp32."""

import csv
import json
from pathlib import Path
from typing import Annotated

import typer

from riawelc.cli.common import fail
from riawelc.constants import MODEL_NAMES


def read_split(manifest: Path, split: str) -> list[dict]:
    with open(manifest, newline="") as file:
        return [row for row in csv.DictReader(file) if row["split"] == split]


def quantize(
    models: Annotated[Path, typer.Option("--models", help="folder with classifier.onnx, unet.onnx and their cards")]
    = Path("models"),
    manifest: Annotated[Path, typer.Option(
        "--manifest", help="split manifest: calibration from its train rows, comparison on its test rows")]
    = Path("outputs/split/manifest.csv"),
    out: Annotated[Path, typer.Option("--out", help="folder for the int8 models, cards and int8_report.json")]
    = Path("outputs/int8"),
    calibration: Annotated[int, typer.Option("--calibration", help="training patches for calibration")] = 128,
    seed: Annotated[int, typer.Option("--seed", help="which training patches calibrate")] = 0,
    threads: Annotated[int | None, typer.Option(
        "--threads", help="ONNX Runtime threads for the speed figures", show_default=False)] = None,
) -> None:
    """int8 copies of the exported models, calibrated on training patches, compared with fp32.

    Writes <out>/classifier.int8.onnx and <out>/unet.int8.onnx (static QDQ quantisation, QUInt8 activations,
    QInt8 weights; riawelc.deploy.quantize), copies the two cards (with an "int8" field: file, sha256,
    calibration) and the fp32 files beside them, so that riawelc inspect --models <out> --variant int8 uses
    them, and prints and writes <out>/int8_report.json: patch throughput fp32 vs int8 (batch 32, best of 5,
    taking turns), test accuracy and agreement of the classifier, test Dice of the U-Net against the true masks
    (where the data has them) and against fp32. The calibration patches are drawn (seeded) from the manifest's
    train split; the comparison uses its test split. Needs onnx (the pipeline group).
    """
    for path in [models / f"{name}.onnx" for name in MODEL_NAMES] + [manifest]:
        if not path.is_file():
            fail(f"error: {path} does not exist")
    import numpy as np

    from riawelc.constants import CLASS_INDEX, PATCH_SIZE
    from riawelc.deploy.quantize import int8_models
    from riawelc.images import read_mask, read_patches

    train, test = read_split(manifest, "train"), read_split(manifest, "test")
    rng = np.random.default_rng(seed)
    chosen = [train[i] for i in sorted(rng.choice(len(train), min(calibration, len(train)), replace=False))]
    masks = None
    if any(row.get("mask") for row in test):
        masks = np.stack([read_mask(row["mask"]) if row.get("mask") else np.zeros((PATCH_SIZE, PATCH_SIZE), np.uint8)
                          for row in test])
    quality, speed = int8_models(models, read_patches([row["path"] for row in chosen]),
                                 read_patches([row["path"] for row in test]),
                                 np.array([CLASS_INDEX[row["label"]] for row in test]), masks, out, threads)
    report = {**quality, "calibration": {**quality["calibration"], "seed": seed}}
    for name in MODEL_NAMES:
        report[name] = {**speed[name], **report[name]}
        print(f"{name}: {json.dumps(report[name])}", flush=True)
    (out / "int8_report.json").write_text(json.dumps(report, indent=1) + "\n")
    print(f"int8 models, cards and int8_report.json in {out}")
