"""Kept components touching the film's left or right edge, on every W0003 film (all-film detector)."""
import sys; sys.path.insert(0, '/work/main')
import os; os.chdir('/work/main')
import numpy as np, cv2
from pathlib import Path
from riawelc.inspect.detector import Detector
from riawelc.inspect.film import FilmSettings, inspected_band, read_film
from stages.realfilms.detection import films_to_score
paths, _ = films_to_score(Path('../shared/gdxray/W0003'), '../shared/gdxray')
det = Detector.load(Path('/work/rerun/realfilms/out/masked/detector-all.json'))
tot = 0
for name in sorted(paths):
    film = read_film(paths[name])
    seam, region, note = inspected_band(film, FilmSettings(source='candidates'))
    d = det.detect(film, seam, region)
    keep = np.flatnonzero(d.probability > det.threshold)
    lab = d.candidates.labels
    W = film.shape[1]
    left = set(np.unique(lab[:, :3]).tolist()) - {0}
    right = set(np.unique(lab[:, W - 3:]).tolist()) - {0}
    top = set(np.unique(lab[:3]).tolist()) | set(np.unique(lab[-3:]).tolist())
    edge = [k for k in keep if (k + 1) in left | right]
    if edge:
        areas = [int((lab == k + 1).sum()) for k in edge]
        boxes = [cv2.boundingRect((lab == k + 1).astype(np.uint8)) for k in edge]
        cols = film[:, :20].mean(0).round(0).tolist()
        print(name, 'edge comps', len(edge), 'px', areas, 'boxes', boxes, 'left cols', cols[:8], 'median', int(np.median(film)))
        tot += sum(areas)
print('total edge px', tot)
