"""Stage features: the classical baseline's hand-made features of every patch of the films tree, once (the folds
and the test stage look them up by path instead of computing them again)."""

import numpy as np

from riawelc.data.manifests import read_manifest
from riawelc.images import read_patches
from riawelc.learn.classical import patch_features
from stages.realfilms import OUT


def main() -> None:
    manifest = read_manifest(OUT / "split" / "manifest.csv")
    paths = manifest["path"].to_numpy(str)
    features = patch_features(read_patches(list(paths)))
    out = OUT / "features"
    out.mkdir(parents=True, exist_ok=True)
    np.savez(out / "films.npz", paths=paths, features=features)
    print(f"features: {features.shape[0]} patches x {features.shape[1]} features")


if __name__ == "__main__":
    main()
