"""Oriented thin-line (crack) filter: anisotropic Gaussian second derivative across the line (sigma_x 1.5 px) and
smoothing along it (sigma_l 10 px), at angles -30..30 deg (near the seam direction) and 90 deg; max over angles,
divided by a robust sigma of the response (1.4826 MAD). Positive = dark thin line."""
import cv2
import numpy as np


def kernel(angle_deg, s_across=1.5, s_along=10.0):
    half = int(3 * s_along)
    y, x = np.mgrid[-half:half + 1, -half:half + 1].astype(np.float32)
    a = np.deg2rad(angle_deg)
    u = x * np.cos(a) + y * np.sin(a)      # along
    v = -x * np.sin(a) + y * np.cos(a)     # across
    g = np.exp(-u ** 2 / (2 * s_along ** 2) - v ** 2 / (2 * s_across ** 2))
    k = (v ** 2 / s_across ** 4 - 1 / s_across ** 2) * g  # d2/dv2 of the Gaussian: positive on a dark line
    k -= k.mean()
    return (k / np.abs(k).sum()).astype(np.float32)


KERNELS = [kernel(a) for a in (-30, -20, -10, 0, 10, 20, 30, 90)]


def line_response(film):
    f = film.astype(np.float32)
    r = np.max([cv2.filter2D(f, cv2.CV_32F, k) for k in KERNELS], axis=0)
    mad = 1.4826 * np.median(np.abs(r - np.median(r)))
    return (r - np.median(r)) / max(mad, 1e-6)
