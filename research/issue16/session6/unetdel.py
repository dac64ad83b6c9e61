"""A small U-Net trained on the hand masks of two masked films, scored on the third (leave one film out), alone and
as a delineator of the shipped detector's held-out regions (the masked stage's masks/<film>.png). Every setting is
fixed before scoring (the issue's probe's: 3 levels, 16-64 filters, 128-px tiles half centred on defects,
background-subtracted input, Dice + BCE); nothing is chosen on the scored film. Writes figures only, to unetdel.jsonl.
    python research/issue16/session6/unetdel.py MASKED_OUT [STEPS] [SEED]"""
import json, sys, time
from pathlib import Path
import cv2
import numpy as np

MASKED = Path(sys.argv[1]); STEPS = int(sys.argv[2]) if len(sys.argv) > 2 else 1500
SEED = int(sys.argv[3]) if len(sys.argv) > 3 else 0
ROOT = Path('/work/shared/gdxray')
FILMS = {'bam5': 1, 'RRT-12R': 2, 'RRT-22R': 3}
TILE, BATCH, RADIUS = 128, 16, 9
import tensorflow as tf  # noqa: E402
tf.config.threading.set_intra_op_parallelism_threads(2); tf.config.threading.set_inter_op_parallelism_threads(1)


def inputs(film):
    f = cv2.GaussianBlur(film.astype(np.float32), (0, 0), 1.0)
    hat = cv2.morphologyEx(f, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (41, 41))) - f
    local = f - cv2.GaussianBlur(f, (0, 0), 15.0)
    return np.clip(np.stack([hat / 10.0, local / 15.0], -1), -3, 3).astype(np.float32)


def load(name):
    i = FILMS[name]
    film = cv2.imread(str(ROOT / f'W0001/W0001_000{i}.png'), cv2.IMREAD_GRAYSCALE)
    truth = cv2.imread(str(ROOT / f'W0002/W0002_000{i}.png'), cv2.IMREAD_GRAYSCALE) > 0
    detector = cv2.imread(str(MASKED / 'masks' / f'{name}.png'), cv2.IMREAD_GRAYSCALE) > 0
    return inputs(film), truth, detector


def unet():
    L = tf.keras.layers
    def block(x, n):
        x = L.Conv2D(n, 3, padding='same', activation='relu')(x)
        return L.Conv2D(n, 3, padding='same', activation='relu')(x)
    x0 = L.Input((None, None, 2)); e1 = block(x0, 16); e2 = block(L.MaxPooling2D()(e1), 32)
    b = block(L.MaxPooling2D()(e2), 64)
    d2 = block(L.Concatenate()([L.UpSampling2D()(b), e2]), 32)
    d1 = block(L.Concatenate()([L.UpSampling2D()(d2), e1]), 16)
    return tf.keras.Model(x0, L.Conv2D(1, 1, activation='sigmoid')(d1))


def loss(y, p):
    bce = tf.reduce_mean(tf.keras.losses.binary_crossentropy(y, p))
    inter = tf.reduce_sum(y * p); dice = 1 - (2 * inter + 1) / (tf.reduce_sum(y) + tf.reduce_sum(p) + 1)
    return bce + dice


def batches(films, rng):
    while True:
        xs, ys = [], []
        for k in range(BATCH):
            x, t, _ = films[k % len(films)]  # each training film gives half the tiles
            h, w = t.shape
            if rng.random() < 0.5:
                ys_, xs_ = np.nonzero(t); j = rng.integers(len(ys_))
                cy = int(np.clip(ys_[j] + rng.integers(-48, 49), TILE // 2, h - TILE // 2))
                cx = int(np.clip(xs_[j] + rng.integers(-48, 49), TILE // 2, w - TILE // 2))
            else:
                cy, cx = rng.integers(TILE // 2, h - TILE // 2 + 1), rng.integers(TILE // 2, w - TILE // 2 + 1)
            a, b = x[cy - 64:cy + 64, cx - 64:cx + 64], t[cy - 64:cy + 64, cx - 64:cx + 64, None].astype(np.float32)
            if rng.random() < 0.5: a, b = a[:, ::-1], b[:, ::-1]
            if rng.random() < 0.5: a, b = a[::-1], b[::-1]
            xs.append(a); ys.append(b)
        yield np.stack(xs), np.stack(ys)


def predict(model, x):
    h, w = x.shape[:2]; H, W = -(-h // 4) * 4, -(-w // 4) * 4
    pad = np.pad(x, ((0, H - h), (0, W - w), (0, 0)), mode='reflect')
    out = np.zeros((H, W), np.float32)
    for x0 in range(0, W, 1024):  # column strips, 64 px of overlap each side
        a, b = max(0, x0 - 64), min(W, x0 + 1024 + 64)
        p = model(pad[None, :, a:b], training=False).numpy()[0, :, :, 0]
        out[:, x0:min(W, x0 + 1024)] = p[:, x0 - a:x0 - a + min(1024, W - x0)]
    return out[:h, :w]


def dice(p, t):
    return float(2 * (p & t).sum() / max(1, p.sum() + t.sum()))


data = {n: load(n) for n in FILMS}
disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * RADIUS + 1, 2 * RADIUS + 1))
for held in FILMS:
    tf.keras.utils.set_random_seed(SEED); rng = np.random.default_rng(SEED)
    model = unet(); opt = tf.keras.optimizers.Adam(1e-3)
    train = [data[n] for n in FILMS if n != held]
    step_fn = tf.function(lambda a, b: _step(a, b))
    def _step(a, b):
        with tf.GradientTape() as tape:
            l = loss(b, model(a, training=True))
        opt.apply_gradients(zip(tape.gradient(l, model.trainable_variables), model.trainable_variables))
        return l
    t0 = time.time(); gen = batches(train, rng)
    for s in range(STEPS):
        a, b = next(gen); l = step_fn(tf.constant(a), tf.constant(b))
        if s % 250 == 0: print(held, s, float(l), round(time.time() - t0), flush=True)
    x, truth, det = data[held]
    prob = predict(model, x)
    np.save(f'/tmp/s6/unet-{held}' + (f'-seed{SEED}' if SEED else '') + '.npy', prob)
    near = cv2.dilate(det.astype(np.uint8), disk) > 0
    line = {'film': held, 'steps': STEPS, 'seed': SEED, 'seconds': round(time.time() - t0), 'detector': dice(det, truth)}
    for th in (0.3, 0.5, 0.7):
        u = prob > th
        line[f'unet@{th}'] = dice(u, truth)
        line[f'unet_in_detector@{th}'] = dice(u & near, truth)
        line[f'detector_or_unet_in@{th}'] = dice(det | (u & near), truth)
    print(json.dumps(line), flush=True)
    with open(Path(__file__).with_name('unetdel.jsonl'), 'a') as f:
        f.write(json.dumps(line) + '\n')
