"""Checks of notebook 08 (embeddings): pairwise distances, k-NN, choosing k."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.spatial.distance import cdist

from .framework import WRITE_IT, Spec, array, register


def _distance_functions() -> list:
    """The course's and the libraries' pairwise distances: the answer of 8.1."""
    from sklearn.metrics import pairwise_distances
    from sklearn.metrics.pairwise import euclidean_distances

    from .. import embeddings

    return [embeddings.pairwise_l2, cdist, pairwise_distances, euclidean_distances]


def _neighbour_searches() -> list:
    """The course's and scikit-learn's nearest-neighbour searches: the answer of 8.2."""
    from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors

    from .. import embeddings

    return [embeddings.nearest_neighbors, embeddings.knn_correct, KNeighborsClassifier,
            NearestNeighbors]


def _l2_cases(rng: np.random.Generator | None) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = rng or np.random.default_rng(81)
    return [(rng.normal(size=(7, 5)), rng.normal(size=(4, 5)))]


PAIRWISE_L2 = register(Spec(
    name="check_pairwise_l2", exercise="8.1", probe="call", cases=_l2_cases, reference=cdist,
    compare=array(), label="", forbidden=_distance_functions, reuse_hint=WRITE_IT, hints=[
        (lambda o, w, a, b: np.allclose(o, w**2), "take the square root: ‖·‖₂, not its square"),
        (lambda o, w, a, b: np.shape(o) == w.T.shape, "rows for a, columns for b: (N, M)"),
        (lambda o, w, a, b: np.allclose(o, cdist(a, b, "cityblock")),
         "that is the ℓ1 distance: square, sum, then take the root"),
    ]))


def check_pairwise_l2(fn: Any) -> bool:
    """Exercise 8.1: ``fn(a, b)`` for a (N, D), b (M, D) → the (N, M) matrix of ‖a_i − b_j‖₂
    (compared with SciPy's cdist)."""
    return PAIRWISE_L2.run(fn)


def knn_predict(train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray,
                k: int) -> np.ndarray:
    """scikit-learn's ``KNeighborsClassifier(n_neighbors=k)`` fitted on the training rows: the
    predicted label of each row of ``test_x`` (M, D) → (M,)."""
    from sklearn.neighbors import KNeighborsClassifier

    return KNeighborsClassifier(n_neighbors=k).fit(train_x, train_y).predict(test_x)


def _knn_cases(rng: np.random.Generator | None) -> list[tuple]:
    rng = rng or np.random.default_rng(82)
    train_x, test_x = rng.normal(size=(60, 3)), rng.normal(size=(25, 3))
    train_y = (train_x[:, 0] + 0.5 * rng.normal(size=60) > 0).astype(int)
    return [(train_x, train_y, test_x, 5)]


KNN_PREDICT = register(Spec(
    name="check_knn_predict", exercise="8.2", probe="call", cases=_knn_cases,
    reference=knn_predict, compare=array(), label="", forbidden=_neighbour_searches,
    reuse_hint="write the vote yourself: np.argsort and np.bincount", hints=[
        (lambda o, w, tx, ty, x, k: np.allclose(o, knn_predict(tx, ty, x, 1)),
         "vote among the k nearest, not only the nearest"),
        (lambda o, w, tx, ty, x, k: np.shape(o) == (len(x), k),
         "one label per test row: take the most frequent of the k neighbours' labels"),
    ]))


def check_knn_predict(fn: Any) -> bool:
    """Exercise 8.2: ``fn(train_x, train_y, test_x, k)`` = majority vote of the k nearest (ℓ2),
    compared with scikit-learn's ``KNeighborsClassifier`` (odd k, two classes: no ties)."""
    return KNN_PREDICT.run(fn)


def _stable_knn(train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray,
                k: int) -> np.ndarray:
    """k-NN vote (ℓ2) with neighbours in a stable order, so that ties break the same way."""
    d = ((test_x[:, None, :] - train_x[None, :, :]) ** 2).sum(axis=-1)
    nearest = np.argsort(d, axis=1, kind="stable")[:, :k]
    return np.array([np.bincount(v, minlength=2).argmax() for v in train_y[nearest]])


def _accuracies(x: np.ndarray, y: np.ndarray, ks: list, on_itself: bool = False) -> list[float]:
    """Accuracy of each k on the held-out rows ``i % 5 == 0`` (or of the database on itself)."""
    held = np.arange(len(y)) % 5 == 0
    if on_itself:
        return [float(np.mean(_stable_knn(x, y, x, k) == y)) for k in ks]
    return [float(np.mean(_stable_knn(x[~held], y[~held], x[held], k) == y[held])) for k in ks]


def _choose_k_cases(rng: np.random.Generator | None) -> list[tuple]:
    rng = rng or np.random.default_rng(83)
    y = rng.integers(0, 2, 200)
    x = np.column_stack([y + rng.normal(scale=0.8, size=200), rng.normal(size=200)])
    # k close to the database size always votes for the majority class: the worst k here
    return [(x, y, [1, 3, 15, 41, 151]), (x[:150], y[:150], [1, 5, 25, 111])]


CHOOSE_K = register(Spec(
    name="check_choose_k", exercise="8.3", probe="call", cases=_choose_k_cases,
    reference=lambda x, y, ks: ks[int(np.argmax(_accuracies(x, y, ks)))],
    label=lambda x, y, ks: f"{len(y)} rows, ks = {ks}",
    success="chosen on a validation split of the database", hints=[
        (lambda o, w, x, y, ks: o == ks[int(np.argmin(_accuracies(x, y, ks)))],
         "that k has the lowest validation accuracy: take the highest"),
        (lambda o, w, x, y, ks: o == 1 and max(_accuracies(x, y, ks, on_itself=True)) == 1.0,
         "k = 1 looks perfect when the database classifies itself (every row is its own nearest "
         "neighbour): classify the held-out rows with the OTHER rows only"),
    ]))


def check_choose_k(fn: Any) -> bool:
    """Exercise 8.3 (open): ``fn(train_x, train_y, ks)`` holds out the rows ``i % 5 == 0`` of
    the database, classifies them by a k-NN vote (ℓ2) of the other rows for every k in ``ks``
    and returns the k with the best validation accuracy (smallest on ties)."""
    return CHOOSE_K.run(fn)
