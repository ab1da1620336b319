"""Transfer learning on cached features (notebook 09): few-shot splits and a softmax head.

A frozen base computes each image's features once; the new head $h'$ — standardisation, dropout
and one softmax Dense layer — is then trained on those cached vectors. Gradients of a frozen base
are zero, so this is exactly what training ``base → Dense`` with ``base.trainable = False`` does,
at a small fraction of the cost: many heads (several seeds, learning rates, cut layers) can be
trained in seconds, which is what choosing hyper-parameters on a validation split needs.
"""

from __future__ import annotations

from dataclasses import dataclass

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
