"""Embeddings: feature vectors from a layer of a CNN, 2-D maps (t-SNE, PCA), nearest neighbours.

Seed 000 "Latent representation in CNNs": the last layers of a CNN give a data-driven feature
vector FEN(I); distances d(I₁, I₂) = ‖FEN(I₁) − FEN(I₂)‖₂ in that space are "much more meaningful
than data itself", while t-SNE with ℓ2 distances between raw pixels is "bad!". The functions here
make that measurable: k-nearest-neighbour accuracy and silhouette score, in pixel space and in
embedding space.

TensorFlow is only imported by :func:`feature_extractor` (it builds a Keras sub-model).
Used in notebooks 08 (t-SNE of embeddings) and 09 (transfer learning).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .probe import layer_probe
from .validation import is_int

__all__ = [
    "extract_features",
    "feature_extractor",
    "flatten_images",
    "knn_accuracy",
    "nearest_neighbors",
    "pairwise_l2",
    "pca_2d",
    "silhouette",
    "tsne_2d",
]


def _as_matrix(x: Any, name: str) -> np.ndarray:
    """``x`` as a float (N, D) array with N ≥ 1, or ValueError."""
    x = np.asarray(x, dtype="float64")
    if x.ndim != 2 or len(x) == 0:
        raise ValueError(f"{name} must be a non-empty (N, D) array of vectors, got shape {x.shape}")
    return x


def _check_labels(y: Any, n: int, name: str = "y") -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != n:
        raise ValueError(f"{name} must be a 1-D array with one label per vector ({n}), "
                         f"got shape {y.shape}")
    return y


def flatten_images(images: Any) -> np.ndarray:
    """Pixel-space vectors: (N, H, W) or (N, H, W, C) images → (N, H·W·C) float32 in [0, 1].

    uint8 images are divided by 255, so ℓ2 distances between them are comparable across data sets.
    """
    images = np.asarray(images)
    if images.ndim not in (3, 4) or len(images) == 0:
        raise ValueError(f"expected images (N, H, W) or (N, H, W, C), got shape {images.shape}")
    scale = 255.0 if images.dtype == np.uint8 else 1.0
    return images.reshape(len(images), -1).astype("float32") / scale


def feature_extractor(model: Any, layer_name: str) -> Any:
    """A Keras model from ``model``'s input to the output of layer ``layer_name`` (shared weights).

    E.g. the penultimate Dense layer of a classifier: its activations are the embedding.
    """
    return layer_probe(model, layer_name, name=f"{model.name}_to_{layer_name}")


def extract_features(extractor: Any, x: np.ndarray, batch_size: int = 64) -> np.ndarray:
    """Run ``extractor`` on inputs ``x`` (N, ...) and flatten: returns (N, D) float32 features."""
    if len(x) == 0:
        raise ValueError("expected at least one input, got an empty array")
    features = extractor.predict(x, batch_size=batch_size, verbose=0)
    return np.asarray(features, dtype="float32").reshape(len(x), -1)


def pairwise_l2(a: Any, b: Any) -> np.ndarray:
    """Euclidean distances d[i, j] = ‖a_i − b_j‖₂ between rows of a (N, D) and b (M, D): (N, M).

    Uses ‖a − b‖² = ‖a‖² + ‖b‖² − 2 a·b (one matrix product instead of N·M loops).
    """
    a, b = _as_matrix(a, "a"), _as_matrix(b, "b")
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"a and b must have the same dimension D, got {a.shape[1]} and "
                         f"{b.shape[1]}")
    squared = (a**2).sum(1)[:, None] + (b**2).sum(1)[None, :] - 2.0 * a @ b.T
    return np.sqrt(np.maximum(squared, 0.0))


def nearest_neighbors(queries: Any, database: Any, k: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """The k database vectors nearest (ℓ2) to each query: ``(indices, distances)``, each (Q, k).

    queries: (Q, D), database: (N, D). Neighbours are sorted nearest first.
    """
    from sklearn.neighbors import NearestNeighbors

    queries, database = _as_matrix(queries, "queries"), _as_matrix(database, "database")
    if queries.shape[1] != database.shape[1]:
        raise ValueError(f"queries and database must have the same dimension, got "
                         f"{queries.shape[1]} and {database.shape[1]}")
    if not is_int(k) or not 1 <= k <= len(database):
        raise ValueError(f"k must be an int between 1 and {len(database)}, got {k!r}")
    index = NearestNeighbors(n_neighbors=int(k)).fit(database)
    distances, indices = index.kneighbors(queries)
    return indices, distances


def knn_accuracy(
    train_x: Any, train_y: Any, test_x: Any, test_y: Any, k: int = 5
) -> float:
    """Accuracy of a k-nearest-neighbour classifier (ℓ2, majority vote) fitted on the train vectors.

    train_x: (N, D), train_y: (N,), test_x: (M, D), test_y: (M,). Returns the fraction of test
    vectors whose k nearest training vectors vote for their true label.
    """
    from sklearn.neighbors import KNeighborsClassifier

    train_x, test_x = _as_matrix(train_x, "train_x"), _as_matrix(test_x, "test_x")
    train_y = _check_labels(train_y, len(train_x), "train_y")
    test_y = _check_labels(test_y, len(test_x), "test_y")
    if train_x.shape[1] != test_x.shape[1]:
        raise ValueError(f"train_x and test_x must have the same dimension, got "
                         f"{train_x.shape[1]} and {test_x.shape[1]}")
    if not is_int(k) or not 1 <= k <= len(train_x):
        raise ValueError(f"k must be an int between 1 and {len(train_x)}, got {k!r}")
    classifier = KNeighborsClassifier(n_neighbors=int(k)).fit(train_x, train_y)
    return float(classifier.score(test_x, test_y))


def silhouette(x: Any, y: Any) -> float:
    """Mean silhouette score of the classes ``y`` in the space of ``x`` (ℓ2): in [−1, 1].

    For point i with mean distance a(i) to its own class and b(i) to the nearest other class,
    s(i) = (b(i) − a(i)) / max(a(i), b(i)); near 1: tight, well separated classes; near 0:
    overlapping classes.
    """
    from sklearn.metrics import silhouette_score

    x = _as_matrix(x, "x")
    y = _check_labels(y, len(x))
    if len(np.unique(y)) < 2:
        raise ValueError("silhouette needs at least 2 classes in y, got 1")
    return float(silhouette_score(x, y, metric="euclidean"))


def pca_2d(x: Any) -> np.ndarray:
    """Projection of x (N, D) on its first two principal components: (N, 2)."""
    from sklearn.decomposition import PCA

    x = _as_matrix(x, "x")
    if len(x) < 2:
        raise ValueError(f"PCA needs at least 2 vectors, got {len(x)}")
    return PCA(n_components=2).fit_transform(x)


def tsne_2d(
    x: Any, perplexity: float = 30.0, seed: int = 0, max_iter: int = 500, pca_dims: int = 50
) -> np.ndarray:
    """t-SNE map of x (N, D) to the plane (N, 2), ℓ2 distances, PCA initialisation.

    Vectors with more than ``pca_dims`` dimensions are first reduced to ``pca_dims`` by PCA (the
    usual speed-up recommended by van der Maaten & Hinton; it keeps the large distances and
    drops pixel noise). ``perplexity`` (about the number of effective neighbours) must be
    smaller than N; ``max_iter`` ≥ 250 optimisation steps; the map is reproducible for a fixed
    ``seed``. Only neighbourhoods are meaningful in a t-SNE map: cluster sizes and distances
    between clusters are not.
    """
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE

    x = _as_matrix(x, "x")
    if not 0 < perplexity < len(x):
        raise ValueError(f"perplexity must be between 0 and N = {len(x)}, got {perplexity}")
    if max_iter < 250:
        raise ValueError(f"max_iter must be at least 250, got {max_iter}")
    if x.shape[1] > pca_dims and len(x) > pca_dims:
        x = PCA(n_components=pca_dims, random_state=seed).fit_transform(x)
    tsne = TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed,
                learning_rate="auto", max_iter=max_iter)
    return tsne.fit_transform(x.astype("float32"))
