"""Does gating the detector's mask by the cell model help the masked films? The cell model is trained on the
tabled films' cells without the scored film (RRT-12R, RRT-22R: the two masked films the table lists; bam5 is not
tabled), with C and threshold chosen by the stage's inner CV; the crop's cells start at its left edge. Dice of the
held-out detector's mask, ungated and with regions whose centre lies in a clean cell dropped.
    python research/issue16/session5/gate.py   (needs /tmp/s5cells.npz from collect.py)"""
import sys, json; sys.path.insert(0, '/work/main')
import cv2
import numpy as np
from riawelc.inspect.cells import cell_features, cell_of_columns
from riawelc.inspect.detector import Detector
from riawelc.learn.lofo import mask_scores
from riawelc.metrics.annotated import load_pair, read_annotated
from stages.realfilms.cellmodel import as_cell_model, choose_and_fit

stored = np.load('/tmp/s5cells.npz')
names = sorted({k.split('/')[0] for k in stored.files})
cells = {n: (stored[f'{n}/features'][stored[f'{n}/cells'] - 1], stored[f'{n}/y']) for n in names}
items, _ = read_annotated('../shared/gdxray')
for item in items:
    if item.name not in names:
        continue
    film, truth = load_pair(item)
    fitted, c, t = choose_and_fit(cells, [n for n in names if n != item.name], [0.1, 1.0, 10.0], 0)
    model = as_cell_model(fitted, t)
    detector = Detector.load(f'/tmp/masked_old/detector-{item.name}.json')
    detection = detector.detect(film)
    cand = detection.candidates
    x = cand.centres()[:, 0]
    p_cell = model.probabilities(cell_features(film, cand.smooth, None, None, x, detection.probability, cand.features))
    kept = detection.probability > detector.threshold
    in_defect_cell = (p_cell > t)[cell_of_columns(x) - 1]
    row = {'film': item.name, 'cells': len(p_cell), 'defect_cells': int((p_cell > t).sum()), 'C': c, 'threshold': t}
    for label, keep in (('ungated', kept), ('gated', kept & in_defect_cell)):
        s = mask_scores(cand.mask(keep), truth)
        row[label] = {k: s[k] for k in ('dice', 'found', 'components', 'false_components')}
    truth_cols = np.flatnonzero(truth.any(axis=0))
    row['truth_cells'] = sorted(set(cell_of_columns(truth_cols).tolist()))
    print(json.dumps(row), flush=True)
    with open('/work/main/research/issue16/session5/gate.jsonl', 'a') as f:
        f.write(json.dumps(row) + '\n')
