"""Synthetic data with true masks: RIAWELC-format patches (the embedded sample) and whole films, and defects drawn
onto real film windows. May import numpy, OpenCV, riawelc.metrics (composite only) and the top level; `_fields`
holds what the generators share. `riawelc.synth.composite` (drawn defects on real windows: `write_composite`,
`CompositeError`) is imported by its full name, so that the sample generators stay free of riawelc.metrics and its
scikit-learn (the service's tests make patches with them)."""

from riawelc.synth.film import FilmSpec, generate_film, write_films
from riawelc.synth.patches import generate_patch, write_sample

__all__ = ["FilmSpec", "generate_film", "generate_patch", "write_films", "write_sample"]
