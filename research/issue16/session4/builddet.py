"""The masked stage's detectors (all-film and held out for each film) with the current library, saved to a folder."""
import sys
from common import *
from pathlib import Path
from riawelc.inspect.candidates import CandidateSettings
from riawelc.learn.detector import BoostingParams, build_detector
OUTD = Path(sys.argv[1]); OUTD.mkdir(exist_ok=True)
settings = CandidateSettings(size=41, smooth=1.0, extent=3.0, min_area=12, peak=5.0, max_grain=float(os.environ['MAX_GRAIN']) if os.environ.get('MAX_GRAIN') else None)
for label, train in (('all', NAMES), *((h, [o for o in NAMES if o != h]) for h in NAMES)):
    det, ch = build_detector({n: films[n] for n in train}, settings, EXT, THR, 0, BoostingParams(),
                             candidates={e: {n: CANDS[e][n] for n in train} for e in EXT})
    det.save(OUTD / f'detector-{label}.json')
    print(label, ch.extent, ch.threshold, round(ch.crossfit_dice, 4), flush=True)
