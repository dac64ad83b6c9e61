"""Real W0003 grain for the probes (grainaug.py, augdet.py, adaptive.py): the bank and add_grain of
grain_robustness.py, and the probes' own grain measure (mean |f - G2(f)|, the blur taken on the uint8 film)."""
import sys; sys.path.insert(0, '/work/main')
import numpy as np, cv2
from grain_robustness import add_grain, grain_bank as bank  # noqa: F401


def grain(f, sigma=2.0):
    return float(np.mean(np.abs(f.astype(np.float32) - cv2.GaussianBlur(f, (0, 0), sigma).astype(np.float32))))
