import numpy as np, cv2
def grain(f, sigma=2.0):
    return float(np.mean(np.abs(f.astype(np.float32) - cv2.GaussianBlur(f, (0, 0), sigma).astype(np.float32))))
rng = np.random.default_rng(0)
f = np.clip(np.rint(128 + 2.6 * rng.standard_normal((300, 4000))), 0, 255).astype(np.uint8)
print('white', round(grain(f), 2), [round(grain(cv2.GaussianBlur(f, (0, 0), s)), 2) for s in (1.0, 1.5, 2.0)])
