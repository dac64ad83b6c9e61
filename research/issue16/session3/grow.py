import sys; sys.path.insert(0, '/work/main'); sys.path.insert(0, '/work/main/research/issue16')
import os; os.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'
import cv2, numpy as np
from stages.realfilms.masked import masked_films
from riawelc.inspect.candidates import black_tophat
from riawelc.learn.detector import dice
from linefilt import line_response
films = masked_films()

def grow(seed, low):
    n, lab = cv2.connectedComponents((low | seed).astype(np.uint8), connectivity=8)
    keep = np.zeros(n, bool); keep[np.unique(lab[seed])] = True; keep[0] = False
    return keep[lab]

for name, (film, truth) in films.items():
    seed = cv2.imread(f'realfilms/out/masked/masks/{name}.png', 0) > 0
    truth = truth > 0
    print(name, 'base', round(dice(seed, truth), 3))
    for s in (1.0, 2.0, 3.0):
        for size in (41,):
            hat = black_tophat(film, size, s)
            row = []
            for L in (2, 2.5, 3, 3.5, 4, 5):
                g = grow(seed, hat > L)
                row.append(f'{L}:{dice(g, truth):.3f}/{g.sum()}')
            print(f'  hat s{s} {size}', ' '.join(row))
    lr = line_response(film)
    row = []
    for L in (2, 2.5, 3, 3.5, 4, 5, 6):
        g = grow(seed, lr > L)
        row.append(f'{L}:{dice(g, truth):.3f}/{g.sum()}')
    print('  line', ' '.join(row))
