"""Stage pseudomask: turn each patch's true-label CAM into a binary pseudo-mask (the U-Net's only supervision).

`no_defect` patches get empty masks and stay in the U-Net's training set, so it learns to find nothing there.
Where the data has true masks (the synthetic sample does), the report also says how well pseudo-masks agree with
them: a measure of the weak supervision itself, never used for training.
"""

import numpy as np

from riawelc.data.manifests import read_manifest, read_masks
from riawelc.images import read_patch, write_png
from riawelc.inspect.cam import scale_maps, upsample
from riawelc.inspect.pseudomask import PseudoMaskConfig, make_pseudomask, mask_report
from riawelc.metrics.segmentation import per_class_scores
from stages.common import StageTimer, fail, load_params, paths, stage_dirs, write_json
from stages.sections import PSEUDOMASK_RULES as RULES


def main() -> None:
    params = load_params("pseudomask", RULES)
    folders = paths()
    out, results = stage_dirs("pseudomask")
    try:
        config = PseudoMaskConfig(**params)
    except (TypeError, ValueError) as error:
        fail(f"pseudomask params: {error}")
    manifest = read_manifest(folders["outputs"] / "split" / "manifest.csv")
    cams = np.load(folders["outputs"] / "gradcam" / "cams.npz", allow_pickle=True)
    maps = dict(zip(cams["paths"], cams["true_maps"]))
    scale = float(cams["scale"])
    masks_dir = out / "masks"
    with StageTimer(results) as timer:
        masks, mask_paths = [], []
        for row in manifest.itertuples():
            image = read_patch(row.path)
            heat = upsample(scale_maps(maps[row.path][None], scale), image.shape)[0]
            mask = make_pseudomask(image, heat, row.label, config)
            path = masks_dir / f"{row.md5}.png"  # hash names: unique even when two splits share a file name
            write_png(path, mask * 255)
            masks.append(mask)
            mask_paths.append(str(path))
    masks = np.stack(masks)
    manifest.assign(pseudomask=mask_paths).to_csv(out / "manifest.csv", index=False)
    report = {"per_class": mask_report(masks, manifest["label"].to_numpy())}
    has_truth = (manifest["mask"] != "") | (manifest["label"] == "no_defect")
    if (manifest["mask"] != "").any():
        truths = read_masks(manifest["mask"][has_truth], masks.shape[1:])
        report["agreement_with_true_masks"] = per_class_scores(masks[has_truth.to_numpy()], truths,
                                                               manifest["label"][has_truth].to_numpy())
    write_json(results / "report.json", report)
    print(f"pseudomask: {len(masks)} masks, {timer.seconds} s")


if __name__ == "__main__":
    main()
