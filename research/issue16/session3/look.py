import sys; sys.path.insert(0, '/work/main')
import os; os.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'
import cv2, numpy as np
from pathlib import Path
from riawelc.inspect.detector import Detector
from riawelc.inspect.film import FilmSettings, inspected_band, read_film
from stages.realfilms.detection import films_to_score
paths, _ = films_to_score(Path('../shared/gdxray/W0003'), '../shared/gdxray')
det = Detector.load('realfilms/out/masked/detector-all.json')
for name in sys.argv[1:]:
    film = read_film(paths[name])
    seam, region, note = inspected_band(film, FilmSettings(source='candidates'))
    d = det.detect(film, seam, region)
    keep = d.probability > det.threshold
    m = d.candidates.mask(keep)
    print(name, film.shape, note, 'kept', keep.sum(), 'px', m.sum())
    f = d.candidates.features[keep]
    order = np.argsort(-f[:, 0])[:8]
    for i in order:
        print('   area %d peak %.0f w %d h %d seamdist %.2f prob %.2f' % (f[i,0], f[i,1], f[i,6], f[i,7], f[i,11], d.probability[keep][i]))
    rgb = cv2.cvtColor(film, cv2.COLOR_GRAY2BGR)
    cnt, _ = cv2.findContours(m, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    cv2.drawContours(rgb, cnt, -1, (0, 0, 255), 2)
    s = 1600 / film.shape[1]
    cv2.imwrite(f'/tmp/look_{name}.png', cv2.resize(rgb, None, fx=s, fy=s, interpolation=cv2.INTER_AREA))
