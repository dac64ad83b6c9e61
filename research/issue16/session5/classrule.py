"""Which class does a defect cell get? The inspection's cell calls under the cells stage's folds and seeds, each
defect cell classed by: its most probable candidate (shipped), the rejector-weighted sum of its candidates' class
probabilities, or its largest candidate. Reads the cells stage's realfilms/out/cells/candidates.npz.
    python research/issue16/session5/classrule.py [CANDIDATES_NPZ]"""
import sys, json; sys.path.insert(0, '/work/main')
import numpy as np
from riawelc.constants import DEFECT_CLASSES
from riawelc.films.cells import precision_recall_f1
from riawelc.inspect.candidates import COMPONENT_FEATURES
from riawelc.learn.detector import BoostingParams, fit_ensemble
from stages.realfilms.cellmodel import choose_and_fit
from stages.realfilms.cells import single_class_rows

stored = np.load(sys.argv[1] if len(sys.argv) > 1 else '/work/rerun/realfilms/out/cells/candidates.npz')
names = sorted({k.split('/')[0] for k in stored.files})
data = {}
for n in names:
    f = stored[f'{n}/features']
    data[n] = {'rows': {'probability': stored[f'{n}/probability'], 'features': f, 'area': f[:, 0]},
               'cells': stored[f'{n}/cells'], 'cell_of_candidate': stored[f'{n}/cell_of_candidate'],
               'classes': [frozenset(c.split('|')) - {''} for c in stored[f'{n}/cell_classes']]}
readable = {n: (stored[f'{n}/cell_features'], stored[f'{n}/cell_truth']) for n in names if f'{n}/cell_features' in stored.files}
boosting = BoostingParams(100, 0.05, 7, 10)
RULES = ('most_probable', 'weighted_sum', 'largest')


def classify(rule, mine, probability, features, class_p):
    if not len(mine):
        return 'unclassified'
    if rule == 'most_probable':
        k = mine[np.argmax(probability[mine])]
        return DEFECT_CLASSES[int(np.argmax(class_p[k]))]
    if rule == 'largest':
        k = mine[np.argmax(features[mine, 0])]
        return DEFECT_CLASSES[int(np.argmax(class_p[k]))]
    return DEFECT_CLASSES[int(np.argmax((probability[mine, None] * class_p[mine]).sum(axis=0)))]


scores = {r: {c: [] for c in DEFECT_CLASSES} for r in RULES}
for seed in range(5):
    order = np.random.default_rng(seed).permutation(names)
    folds = [sorted(order[k::5]) for k in range(5)]
    hits = {r: {c: ([], []) for c in DEFECT_CLASSES} for r in RULES}
    for fold in folds:
        train = [n for n in names if n not in fold and n in readable]
        model, c, t = choose_and_fit(readable, train, [0.1, 1.0, 10.0], seed)
        x, y = single_class_rows(data, train, 0.8, 0)
        classifier = fit_ensemble(x, y, None, list(DEFECT_CLASSES), list(COMPONENT_FEATURES), seed, boosting)
        for n in fold:
            r = data[n]['rows']
            defect = model.predict_proba(readable[n][0])[:, 1] > t
            class_p = classifier.probabilities(r['features']) if len(r['features']) else np.zeros((0, 3))
            for rule in RULES:
                called = [classify(rule, np.flatnonzero(data[n]['cell_of_candidate'] == cell), r['probability'],
                                   r['features'], class_p) if d else '' for cell, d in zip(data[n]['cells'], defect)]
                for cls in DEFECT_CLASSES:
                    hits[rule][cls][0].append(np.array([k == cls for k in called]))
                    hits[rule][cls][1].append(np.array([cls in k for k in data[n]['classes']]))
    for rule in RULES:
        for cls in DEFECT_CLASSES:
            scores[rule][cls].append(precision_recall_f1(np.concatenate(hits[rule][cls][0]), np.concatenate(hits[rule][cls][1]))['f1'])
for rule in RULES:
    line = {'rule': rule, **{c: round(float(np.mean(v)), 4) for c, v in scores[rule].items()},
            'macro': round(float(np.mean([np.mean(v) for v in scores[rule].values()])), 4)}
    print(json.dumps(line))
    with open('/work/main/research/issue16/session5/classrule.jsonl', 'a') as f:
        f.write(json.dumps(line) + '\n')
