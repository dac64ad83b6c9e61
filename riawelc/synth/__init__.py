"""Synthetic data with true masks: RIAWELC-format patches (the embedded sample), whole films, and defects drawn onto
real film windows. May import numpy, OpenCV, riawelc.metrics and the top level; `_fields` holds what the
generators share."""

from riawelc.synth.composite import CompositeError, write_composite
from riawelc.synth.film import FilmSpec, generate_film, write_films
from riawelc.synth.patches import generate_patch, write_sample

__all__ = ["CompositeError", "FilmSpec", "generate_film", "generate_patch", "write_composite", "write_films",
           "write_sample"]
