"""The masked films scored as `riawelc inspect` writes them. The delineate stage scores the held-out detector's kept
regions outlined by the held-out delineator; inspect_film then drops components under FilmSettings.min_area (12 px).
Before the peak share no kept region was that small; drawn at a share, a region can split and leave small pieces.
    python research/issue16/session8/fragments.py REALFILMS_OUT   (realfilms/out of a built pipeline)
Prints both scorings; session 8's output is in REPORT.md."""
import sys
import json
from pathlib import Path
import numpy as np
from riawelc.inspect.delineator import Delineator
from riawelc.inspect.detector import Detector
from riawelc.inspect.pseudomask import remove_small_components
from riawelc.learn.lofo import mask_scores, summarise
from riawelc.metrics.filmeval import load_pair, read_annotated
R=Path(sys.argv[1])
items,_=read_annotated('../shared/gdxray'); films={i.name: load_pair(i) for i in items}
d=json.loads((R/'delineator/delineation.json').read_text())
a,b={},{}
for name,(film,truth) in films.items():
    det=Detector.load(R/f'masked/detector-{name}.json'); x=det.detect(film)
    kept=x.candidates.mask(x.probability>det.threshold)>0
    dl=Delineator.load(R/f'delineator/delineator-{name}.onnx', d['threshold'], d['radius'])
    m=dl.outline(film, x.candidates.smooth, kept)
    a[name]=mask_scores(m,truth); b[name]=mask_scores(remove_small_components(m.astype(np.uint8),12)>0,truth)
    print(name, a[name]['dice'], a[name]['false_components'], '->', b[name]['dice'], b[name]['false_components'])
print(summarise(a)); print(summarise(b))
