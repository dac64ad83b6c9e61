"""What the cells probes share: the tabled films the cells stage scores (same selection), and its film-grouped CV
of a cell rule whose parameters are chosen on the training folds (5 folds x seeds 0-4)."""
import sys; sys.path.insert(0, '/work/main')
from pathlib import Path
import numpy as np
from riawelc.films.cells import cell_truth, precision_recall_f1
from riawelc.films.flawtable import read_flaw_table
from riawelc.films.tree import find_table
from riawelc.inspect.film import FilmSettings, inspected_band, read_film
from stages.realfilms.detection import films_to_score

FILMS = Path('../shared/gdxray/W0003')


def tabled_films():
    """Yield (name, film, labels, cells, seam, region, note, masked names) for every film the cells stage scores."""
    table = read_flaw_table(find_table(FILMS))
    paths, masks = films_to_score(FILMS, '../shared/gdxray')
    for name in sorted(table.films):
        flaws = table.films[name]
        if flaws.unusable or name not in paths:
            continue
        if all(v is None for v in cell_truth(flaws, 1).values()) and flaws.max_cells:
            continue
        film = read_film(paths[name])
        labels = cell_truth(flaws, film.shape[1])
        cells = np.array([c for c, v in labels.items() if v is not None], np.int64)
        seam, region, note = inspected_band(film, FilmSettings(source='candidates'))
        yield name, film, labels, cells, seam, region, note, masks


def cells_cv(data, predict, grid, seeds=range(5)):
    """Pooled F1 per seed of a cell rule predict(name, point), its point chosen on the training folds by pooled F1.
    data: name -> {'y': truth per cell, ...}."""
    names = sorted(data)
    f1s = []
    for seed in seeds:
        order = np.random.default_rng(seed).permutation(names)
        folds = [sorted(order[k::5]) for k in range(5)]
        pred, tru = [], []
        for fold in folds:
            train = [n for n in names if n not in fold]
            cache = {(n, pt): predict(n, pt) for n in train for pt in grid}
            best = max(grid, key=lambda pt: (precision_recall_f1(np.concatenate([cache[(n, pt)] for n in train]),
                                                                 np.concatenate([data[n]['y'] for n in train]))['f1'], pt))
            for n in fold:
                pred.append(predict(n, best)); tru.append(data[n]['y'])
        s = precision_recall_f1(np.concatenate(pred), np.concatenate(tru))
        f1s.append(s['f1'])
        print(f'seed {seed}: F1 {s["f1"]:.4f} P {s["precision"]:.3f} R {s["recall"]:.3f}', flush=True)
    return f1s
