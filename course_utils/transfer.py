"""Transfer learning on cached features (notebook 09): few-shot splits and a softmax head.

A frozen base computes each image's features once; the new head $h'$ — standardisation, dropout
and one softmax Dense layer — is then trained on those cached vectors. Gradients of a frozen base
are zero, so this is exactly what training ``base → Dense`` with ``base.trainable = False`` does,
at a small fraction of the cost: many heads (several seeds, learning rates, cut layers) can be
trained in seconds, which is what choosing hyper-parameters on a validation split needs.
Notebook 09 chooses the cut and the head's learning rate this way; 09b recomputes that choice
(:func:`few_shot_split`, :func:`cut_features`, :func:`validation_grid`) before fine-tuning, and
measures how far fine-tuning moved the filters (:func:`filter_change`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .validation import positive_int, rate


def _features(x: object, name: str = "features") -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or len(x) == 0:
        raise ValueError(f"{name} must be a non-empty (N, D) array, got shape {x.shape}")
    return x


def _labels(y: object, n: int) -> np.ndarray:
    y = np.asarray(y)
    if y.shape != (n,) or not np.issubdtype(y.dtype, np.integer) or (y < 0).any():
        raise ValueError(f"labels must be {n} non-negative integers (N,), got shape {y.shape} "
                         f"and dtype {y.dtype}")
    return y.astype(np.int64)


def few_shot_indices(labels: object, per_class: int, seed: int = 0,
                     exclude: object = ()) -> np.ndarray:
    """Indices of ``per_class`` examples of every class, drawn without replacement, shuffled.

    labels: (N,) integer class labels. ``exclude``: indices that must not be drawn (e.g. a
    validation split). Raises ValueError when a class has fewer than ``per_class`` candidates.
    """
    labels = np.asarray(labels)
    per_class = positive_int("per_class", per_class)
    rng = np.random.default_rng(seed)
    allowed = np.ones(len(labels), bool)
    allowed[np.asarray(exclude, dtype=np.int64)] = False
    picked = []
    for c in np.unique(labels):
        candidates = np.flatnonzero((labels == c) & allowed)
        if len(candidates) < per_class:
            raise ValueError(f"class {c} has {len(candidates)} examples left, "
                             f"expected at least per_class={per_class}")
        picked.append(rng.choice(candidates, per_class, replace=False))
    return rng.permutation(np.concatenate(picked))


@dataclass(frozen=True)
class SoftmaxHead:
    """A trained head: ``p = softmax(((x − mean) / std) · W + b)``.

    mean, std: (D,) standardisation learned from the training features; W: (D, K); b: (K,).
    """

    mean: np.ndarray
    std: np.ndarray
    W: np.ndarray
    b: np.ndarray

    def logits(self, features: object) -> np.ndarray:
        """(N, K) scores of (N, D) features."""
        x = _features(features)
        if x.shape[1] != len(self.mean):
            raise ValueError(f"features must have {len(self.mean)} columns, got {x.shape[1]}")
        return ((x - self.mean) / self.std) @ self.W + self.b

    def predict(self, features: object) -> np.ndarray:
        """(N,) predicted classes."""
        return self.logits(features).argmax(axis=1)

    def accuracy(self, features: object, labels: object) -> float:
        """Fraction of correctly classified rows."""
        x = _features(features)
        return float(np.mean(self.predict(x) == _labels(labels, len(x))))

    def dense_weights(self) -> list[np.ndarray]:
        """``[kernel (D, K), bias (K,)]`` of one Dense layer that computes the same logits.

        The standardisation is folded in: ``kernel = W / std[:, None]``,
        ``bias = b − (mean / std) · W``.
        """
        kernel = self.W / self.std[:, None]
        bias = self.b - (self.mean / self.std) @ self.W
        return [kernel.astype("float32"), bias.astype("float32")]


def train_softmax_head(features: object, labels: object, lr: float, epochs: int = 40,
                       batch_size: int = 25, seed: int = 0, dropout: float = 0.3,
                       n_classes: int | None = None) -> SoftmaxHead:
    """Train standardisation → dropout → softmax Dense on cached features with Adam.

    features: (N, D); labels: (N,) in 0..K−1. Mini-batches of ``batch_size`` in a new random
    order each epoch; cross-entropy loss; Adam (β₁ = 0.9, β₂ = 0.999, ε = 1e−7, as in Keras);
    Glorot-uniform initial weights and inverted dropout of rate ``dropout`` on the inputs, all
    drawn from ``seed``. Deterministic for a given seed.
    """
    x = _features(features)
    y = _labels(labels, len(x))
    if not (isinstance(lr, (int, float)) and lr > 0):
        raise ValueError(f"lr must be a positive number, got {lr!r}")
    epochs = positive_int("epochs", epochs)
    batch_size = positive_int("batch_size", batch_size)
    dropout = rate("dropout", dropout)
    k = positive_int("n_classes", n_classes) if n_classes is not None else int(y.max()) + 1
    if y.max() >= k:
        raise ValueError(f"labels must be below n_classes={k}, got {y.max()}")
    rng = np.random.default_rng(seed)
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-3
    z = (x - mean) / std
    d = x.shape[1]
    limit = np.sqrt(6 / (d + k))
    params = [rng.uniform(-limit, limit, (d, k)), np.zeros(k)]
    moments = [[np.zeros_like(p), np.zeros_like(p)] for p in params]
    onehot = np.eye(k)[y]
    step = 0
    for _ in range(epochs):
        order = rng.permutation(len(y))
        for start in range(0, len(y), batch_size):
            idx = order[start:start + batch_size]
            inputs = z[idx]
            if dropout > 0:
                inputs = inputs * (rng.random(inputs.shape) >= dropout) / (1 - dropout)
            scores = inputs @ params[0] + params[1]
            scores -= scores.max(axis=1, keepdims=True)
            p = np.exp(scores)
            p /= p.sum(axis=1, keepdims=True)
            g = (p - onehot[idx]) / len(idx)  # d(mean cross-entropy)/d(scores)
            grads = [inputs.T @ g, g.sum(axis=0)]
            step += 1
            for param, grad, (m, v) in zip(params, grads, moments, strict=True):
                m += (1 - 0.9) * (grad - m)
                v += (1 - 0.999) * (grad ** 2 - v)
                m_hat, v_hat = m / (1 - 0.9 ** step), v / (1 - 0.999 ** step)
                param -= lr * m_hat / (np.sqrt(v_hat) + 1e-7)
    return SoftmaxHead(mean, std, params[0], params[1])


def mean_sd(values: object, digits: int = 3) -> str:
    """``"0.757 ± 0.012"``: mean and sample standard deviation (ddof = 1) of ≥ 2 values."""
    v = np.asarray(values, dtype=float).ravel()
    if len(v) < 2:
        raise ValueError(f"mean_sd needs at least 2 values, got {len(v)}")
    return f"{v.mean():.{digits}f} ± {v.std(ddof=1):.{digits}f}"


def few_shot_split(labels: object, per_class: int, val_per_class: int, seeds: Sequence[int],
                   val_seed: int = 100) -> tuple[np.ndarray, dict[int, np.ndarray]]:
    """A validation split and one few-shot training set per seed, disjoint from it.

    labels: (N,) integer classes. Returns ``(val_idx, {seed: train_idx})``: ``val_per_class``
    images of every class drawn with ``val_seed``, and for each seed ``per_class`` images of every
    class drawn from the rest (:func:`few_shot_indices`). Notebooks 09 and 09b draw the same sets.
    """
    val_idx = few_shot_indices(labels, val_per_class, seed=val_seed)
    if not len(seeds):
        raise ValueError("seeds must name at least one seed, got none")
    return val_idx, {s: few_shot_indices(labels, per_class, seed=s, exclude=val_idx)
                     for s in seeds}


def cut_features(model: Any, images: np.ndarray, cuts: Sequence[str], image_size: int,
                 maps: Sequence[str] = (), batch_size: int = 50
                 ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """One pass of ``images`` through ``model``: pooled features at each cut, and feature maps.

    images: (N, H, W) grey or (N, H, W, 3), values 0–255, resized to ``image_size`` first.
    Returns ``({cut: (N, C) GlobalAveragePooling2D of the layer's output}, {name: (N, h, w, c)
    output of the layer})`` for the layer names in ``cuts`` and ``maps``.
    """
    import keras

    from .models.efficientnet import resize_images

    names = [layer.name for layer in model.layers]
    missing = [n for n in (*cuts, *maps) if n not in names]
    if missing or not cuts:
        raise ValueError(f"expected at least one cut and layer names of the model, got cuts "
                         f"{list(cuts)} and maps {list(maps)} (unknown: {missing})")
    outputs = [keras.layers.GlobalAveragePooling2D()(model.get_layer(c).output) for c in cuts]
    outputs += [model.get_layer(n).output for n in maps]
    extractor = keras.Model(model.input, outputs)
    out = extractor.predict(resize_images(images, image_size), batch_size=batch_size, verbose=0)
    out = out if isinstance(out, list) else [out]
    return dict(zip(cuts, out[:len(cuts)], strict=True)), dict(zip(maps, out[len(cuts):],
                                                                  strict=True))


def validation_grid(train: Mapping[int, Mapping[str, object]], y_train: Mapping[int, object],
                    val: Mapping[str, object], y_val: object, lrs: Sequence[float],
                    epochs: int = 40, batch_size: int = 25) -> dict[str, dict[float, float]]:
    """Mean validation accuracy of heads for every (cut, learning rate), over seeds.

    train: {seed: {cut: (N, D) training features}}; y_train: {seed: (N,)}; val: {cut: (M, D)};
    y_val: (M,). For each cut and ``lr``, one :func:`train_softmax_head` per seed (the seed also
    seeds the head) is scored on ``val[cut]``; returns ``{cut: {lr: mean accuracy}}``.
    """
    seeds = list(train)
    if not seeds or set(seeds) != set(y_train):
        raise ValueError(f"expected the same seeds in train and y_train, got {seeds} and "
                         f"{list(y_train)}")
    if not lrs:
        raise ValueError("expected at least one learning rate, got none")
    return {cut: {lr: float(np.mean([
        train_softmax_head(train[s][cut], y_train[s], lr, epochs, batch_size, seed=s)
        .accuracy(val[cut], y_val) for s in seeds])) for lr in lrs} for cut in val}


def filter_change(before: Sequence[object], after: Sequence[object]) -> float:
    """How far weights moved: ``‖after − before‖ / ‖before‖`` (Frobenius norms over all arrays).

    before, after: lists of arrays of equal shapes, e.g. a block's ``get_weights()`` before and
    after fine-tuning. 0 = untouched; 1 = moved as far as the weights' own size.
    """
    if len(before) != len(after) or not len(before):
        raise ValueError(f"expected two equally long, non-empty lists of weights, got "
                         f"{len(before)} and {len(after)}")
    pairs = [(np.asarray(b, float), np.asarray(a, float)) for b, a in zip(before, after,
                                                                          strict=True)]
    if any(b.shape != a.shape for b, a in pairs):
        raise ValueError(f"expected equal shapes, got {[(b.shape, a.shape) for b, a in pairs]}")
    size = np.sqrt(sum(np.sum(b ** 2) for b, _ in pairs))
    if size == 0:
        raise ValueError("the weights before are all zero: no relative change")
    return float(np.sqrt(sum(np.sum((a - b) ** 2) for b, a in pairs)) / size)
