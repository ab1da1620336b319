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

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .probe import layer_probe
from .validation import is_int

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "embedding_panels",
    "extract_features",
    "feature_extractor",
    "flatten_images",
    "knn_correct",
    "nearest_neighbors",
    "neighbors_figure",
    "pairwise_l2",
    "pca_2d",
    "silhouette",
    "thumbnail_scatter",
    "tsne_2d",
]


def _as_matrix(x: Any, name: str) -> np.ndarray:
    """``x`` as a float (N, D) array with N ≥ 1, or ValueError."""
    x = np.asarray(x, dtype="float64")
    if x.ndim != 2 or len(x) == 0:
        raise ValueError(f"{name} must be a non-empty (N, D) array of vectors, got shape {x.shape}")
    return x


def _as_labels(y: Any, n: int, name: str = "y") -> np.ndarray:
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


def knn_correct(
    train_x: Any, train_y: Any, test_x: Any, test_y: Any, k: int = 5
) -> np.ndarray:
    """Which test vectors a k-nearest-neighbour vote (ℓ2, majority) fitted on the train vectors
    classifies right.

    train_x: (N, D), train_y: (N,), test_x: (M, D), test_y: (M,). Returns (M,) booleans: the k
    nearest training vectors of test vector j vote for ``test_y[j]``. Their mean is the kNN
    accuracy; two spaces' booleans on the same queries are what a paired test compares
    (``comparison.compare_on_test_set``).
    """
    from sklearn.neighbors import KNeighborsClassifier

    train_x, test_x = _as_matrix(train_x, "train_x"), _as_matrix(test_x, "test_x")
    train_y = _as_labels(train_y, len(train_x), "train_y")
    test_y = _as_labels(test_y, len(test_x), "test_y")
    if train_x.shape[1] != test_x.shape[1]:
        raise ValueError(f"train_x and test_x must have the same dimension, got "
                         f"{train_x.shape[1]} and {test_x.shape[1]}")
    if not is_int(k) or not 1 <= k <= len(train_x):
        raise ValueError(f"k must be an int between 1 and {len(train_x)}, got {k!r}")
    classifier = KNeighborsClassifier(n_neighbors=int(k)).fit(train_x, train_y)
    return classifier.predict(test_x) == test_y


def silhouette(x: Any, y: Any) -> float:
    """Mean silhouette score of the classes ``y`` in the space of ``x`` (ℓ2): in [−1, 1].

    For point i with mean distance a(i) to its own class and b(i) to the nearest other class,
    s(i) = (b(i) − a(i)) / max(a(i), b(i)); near 1: tight, well separated classes; near 0:
    overlapping classes.
    """
    from sklearn.metrics import silhouette_score

    x = _as_matrix(x, "x")
    y = _as_labels(y, len(x))
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


# ----------------------------------------------------------------------------- figures (08)
# matplotlib is imported inside each figure: the measurements above do not need it.
def embedding_panels(
    maps: dict[str, np.ndarray],
    labels: np.ndarray,
    class_names: Sequence[str] | None = None,
    size: float = 3.6,
) -> Figure:
    """Side-by-side 2-D maps of the same points, coloured by class (t-SNE, PCA, ...).

    ``maps``: {panel title: (N, 2) coordinates}; ``labels``: (N,) class ids; panels are laid out
    two per row when there are four, otherwise in one row.

    Used in notebook 08.
    """
    import matplotlib.pyplot as plt

    from .plotting import fit_width

    if not maps:
        raise ValueError("expected at least one map, got none")
    labels = np.asarray(labels)
    for title, points in maps.items():
        if np.shape(points) != (len(labels), 2):
            raise ValueError(f"map {title!r} must have shape ({len(labels)}, 2), "
                             f"got {np.shape(points)}")
    ncols = 2 if len(maps) == 4 else len(maps)
    nrows = -(-len(maps) // ncols)
    fig, axes = plt.subplots(nrows, ncols, squeeze=False, layout="constrained",
                             figsize=fit_width(ncols, nrows, size=size, aspect=1.0, extra=1.2))
    classes = np.unique(labels)
    colours = plt.get_cmap("tab10" if len(classes) <= 10 else "tab20")
    for ax, (title, points) in zip(axes.flat, maps.items(), strict=False):
        for k, c in enumerate(classes):
            chosen = labels == c
            name = class_names[c] if class_names is not None else str(c)
            ax.scatter(points[chosen, 0], points[chosen, 1], s=5, color=colours(k % 20),
                       label=name)
        ax.set_title(title, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    handles, names = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="outside right center", markerscale=3, fontsize=8,
               frameon=False)
    return fig


def neighbors_figure(
    queries: np.ndarray,
    neighbors: dict[str, np.ndarray],
    query_labels: np.ndarray,
    neighbor_labels: dict[str, np.ndarray],
    class_names: Sequence[str],
    size: float = 1.0,
) -> Figure:
    """Image retrieval: each query next to its k nearest neighbours, one row per space.

    ``queries``: (Q, H, W[, C]); ``neighbors``: {space name: (Q, k, H, W[, C]) images};
    ``neighbor_labels``: {space name: (Q, k)}. A neighbour's title is green when it has the
    query's class, red otherwise.

    Used in notebook 08.
    """
    import matplotlib.pyplot as plt

    from .plotting import fit_width, show_image

    spaces = list(neighbors)
    n_queries, k = np.shape(neighbor_labels[spaces[0]])[:2]
    if len(queries) != n_queries:
        raise ValueError(f"expected {n_queries} queries, got {len(queries)}")
    nrows = n_queries * len(spaces)
    fig, axes = plt.subplots(nrows, k + 1, squeeze=False, layout="constrained",
                             figsize=fit_width(k + 1, nrows, size=size, extra=0.8))
    for q in range(n_queries):
        for s, space in enumerate(spaces):
            row = axes[q * len(spaces) + s]
            show_image(row[0], queries[q], f"query: {class_names[query_labels[q]]}")
            row[0].set_ylabel(space, fontsize=8)
            for j in range(k):
                label = neighbor_labels[space][q][j]
                same = label == query_labels[q]
                show_image(row[j + 1], neighbors[space][q][j], class_names[label],
                      "tab:green" if same else "tab:red")
    return fig


def thumbnail_scatter(
    points: np.ndarray, images: Sequence[np.ndarray], zoom: float | Sequence[float] = 0.5,
    title: str = "", size: float = 7.0,
) -> Figure:
    """A 2-D map (e.g. t-SNE) drawn with a small thumbnail of each image at its point.

    ``points``: (N, 2); ``images``: N images (H, W[, 3]); ``zoom`` scales the thumbnails (one
    number, or one per image when the images have different sizes).

    Used in notebook 08.
    """
    import matplotlib.pyplot as plt
    from matplotlib.offsetbox import AnnotationBbox, OffsetImage

    points = np.asarray(points)
    if points.shape != (len(images), 2):
        raise ValueError(f"points must have shape ({len(images)}, 2), got {points.shape}")
    fig, ax = plt.subplots(figsize=(size, size * 0.8), layout="constrained")
    ax.scatter(points[:, 0], points[:, 1], s=0)
    zooms = np.broadcast_to(np.asarray(zoom, dtype=float), (len(images),))
    for (x, y), image, z in zip(points, images, zooms, strict=True):
        image = np.asarray(image)
        box = OffsetImage(image, zoom=z, cmap="gray" if image.ndim == 2 else None)
        ax.add_artist(AnnotationBbox(box, (x, y), frameon=False))
    margin = 0.08 * np.ptp(points, axis=0)
    ax.set_xlim(points[:, 0].min() - margin[0], points[:, 0].max() + margin[0])
    ax.set_ylim(points[:, 1].min() - margin[1], points[:, 1].max() + margin[1])
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title)
    return fig
