"""Speed of the recommended method (hysteresis: 41-px top-hat, seeds > 16, extent > 10, min area 12) on one whole
W0003 film (about 1,300 x 5,000 px), and of the seam band restriction; median of 3 runs."""
import time
import cv2
import numpy as np
from common import ROOT
from hyst import predict
import sys
sys.path.insert(0, "/work/i15")
from riawelc.seam import find_seam

film = cv2.imread(str(ROOT / "W0003/W0003_0038.png"), cv2.IMREAD_GRAYSCALE)
p = {"size": 41, "low": 10, "r": 0, "c": 0, "high": 16, "min_area": 12}
for label, fn in (("hysteresis whole film", lambda: predict(film, p)), ("seam finder", lambda: find_seam(film))):
    times = []
    for _ in range(3):
        t = time.perf_counter(); fn(); times.append(time.perf_counter() - t)
    print(f"{label}: film {film.shape[1]} x {film.shape[0]} px, median {np.median(times):.2f} s (2 shared cores)")
