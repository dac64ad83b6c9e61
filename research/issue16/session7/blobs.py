"""Does a matched filter for pores help the cell calls? Porosity is where the cell model misses most (28.8 of its
68 porosity-only defect cells, mean of 5 seeds), and the cell features see pores only through black top-hats (a
max-based response that grain inflates). The scale-normalised Laplacian of Gaussian is the matched filter of a
round dark spot of radius ~ sigma * sqrt(2): per cell, its maximum and its count of local peaks above 4 / 6 / 8 of
the film's robust sigma (inside the inspected band), at sigma 1.5, 2.5 and 4 px, as the library's cell features
are built (own, minus the film's median cell, the stronger neighbour). Writes /tmp/s7/blobs.npz (figures only).
    python research/issue16/session7/blobs.py"""
import sys; sys.path.insert(0, '/work/main'); sys.path.insert(0, '/work/main/research/issue16/session4')
import cv2
import numpy as np
from riawelc.inspect.cells import cell_of_columns
from tabled import tabled_films

SIGMAS = (1.5, 2.5, 4.0)
LEVELS = (4.0, 6.0, 8.0)
stored = np.load('/tmp/s5cells.npz')
out = {}
for name, film, labels, cells, seam, region, note, masks in tabled_films():
    count = stored[f'{name}/features'].shape[0]
    inside = np.ones(film.shape, bool) if region is None else np.asarray(region, bool)
    f = film.astype(np.float32)
    cols = []
    for s in SIGMAS:
        response = s * s * cv2.Laplacian(cv2.GaussianBlur(f, (0, 0), s), cv2.CV_32F, ksize=3)  # dark spot: > 0
        values = response[inside]
        centre = np.median(values)
        sigma = 1.4826 * np.median(np.abs(values - centre)) + 1e-6
        z = np.where(inside, (response - centre) / sigma, 0)
        peaks = (z == cv2.dilate(z, np.ones((5, 5), np.uint8))) & inside
        cell = cell_of_columns(np.arange(film.shape[1])) - 1  # 0-based cell of each column
        on = cell < count
        zmax = np.zeros(count)
        np.maximum.at(zmax, cell[on], z.max(axis=0)[on])
        cols.append(zmax)
        for level in LEVELS:
            n = np.zeros(count)
            np.add.at(n, cell[on], (peaks & (z > level)).sum(axis=0)[on])
            cols.append(np.log1p(n))
    own = np.stack(cols, 1)
    out[name] = own
    print(name, note, own.shape, np.round(own.max(0)[:4], 1), flush=True)
np.savez('/tmp/s7/blobs.npz', **out)
