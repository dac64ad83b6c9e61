from common import *
def grain(f, sigma=2.0):
    return float(np.mean(np.abs(f.astype(np.float32) - cv2.GaussianBlur(f, (0, 0), sigma).astype(np.float32))))
for n, (f, t) in films.items():
    print(n, f.shape, 'grain', round(grain(f), 2), 'after s1', round(grain(cv2.GaussianBlur(f, (0, 0), 1.0)), 2))
from pathlib import Path
from riawelc.inspect.film import read_film
for n in ['W0003_0001', 'W0003_0010', 'W0003_0038']:
    f = read_film(Path(f'../shared/gdxray/W0003/{n}.png'))
    band = f[f.shape[0]//2-150:f.shape[0]//2+150]
    print(n, 'grain', round(grain(band), 2), 'after s1', round(grain(cv2.GaussianBlur(band, (0, 0), 1.0)), 2), 'after s1.5', round(grain(cv2.GaussianBlur(band, (0, 0), 1.5)), 2), 'after s2', round(grain(cv2.GaussianBlur(band, (0, 0), 2.0)), 2))
