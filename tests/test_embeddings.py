"""course_utils.embeddings: features, distances, nearest neighbours, kNN, silhouette, maps;
and the notebook-08/09 exercise checks."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.spatial.distance import cdist

from course_utils import embeddings as emb


def two_blobs(n=40, d=5, gap=6.0, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    x = rng.normal(size=(n, d)) + gap * y[:, None]
    return x, y


def test_flatten_images_scales_uint8():
    images = np.full((3, 4, 5), 255, dtype=np.uint8)
    flat = emb.flatten_images(images)
    assert flat.shape == (3, 20) and flat.dtype == np.float32 and flat.max() == 1.0
    assert emb.flatten_images(np.zeros((2, 4, 4, 3), dtype="float32")).shape == (2, 48)
    with pytest.raises(ValueError, match=r"\(N, H, W\)"):
        emb.flatten_images(np.zeros(5))


@settings(max_examples=25, deadline=None)
@given(arrays(np.float64, (6, 3), elements=st.floats(-100, 100)),
       arrays(np.float64, (4, 3), elements=st.floats(-100, 100)))
def test_pairwise_l2_matches_scipy(a, b):
    np.testing.assert_allclose(emb.pairwise_l2(a, b), cdist(a, b), atol=1e-5)


def test_pairwise_l2_bad_input():
    with pytest.raises(ValueError, match="same dimension"):
        emb.pairwise_l2(np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"\(N, D\)"):
        emb.pairwise_l2(np.zeros(3), np.zeros((2, 3)))


def test_nearest_neighbors_finds_itself_first():
    x, _ = two_blobs()
    indices, distances = emb.nearest_neighbors(x[:5], x, k=3)
    assert indices.shape == distances.shape == (5, 3)
    assert indices[:, 0].tolist() == [0, 1, 2, 3, 4]
    np.testing.assert_allclose(distances[:, 0], 0.0, atol=1e-9)
    assert (np.diff(distances, axis=1) >= 0).all()
    with pytest.raises(ValueError, match="k must be"):
        emb.nearest_neighbors(x[:5], x, k=0)
    with pytest.raises(ValueError, match="same dimension"):
        emb.nearest_neighbors(x[:5, :2], x, k=1)


def test_knn_correct_and_silhouette_separate_blobs_from_noise():
    x, y = two_blobs()
    correct = emb.knn_correct(x[:30], y[:30], x[30:], y[30:], k=3)
    assert correct.shape == (len(x) - 30,) and correct.dtype == bool and correct.all()
    # a query whose label disagrees with its neighbourhood is the one marked wrong
    flipped = y[30:].copy()
    flipped[0] = 1 - flipped[0]
    marked = emb.knn_correct(x[:30], y[:30], x[30:], flipped, k=3)
    assert not marked[0] and marked[1:].all()
    assert emb.silhouette(x, y) > 0.5
    noise = np.random.default_rng(1).normal(size=x.shape)
    assert abs(emb.silhouette(noise, y)) < 0.1


def test_knn_and_silhouette_bad_input():
    x, y = two_blobs()
    with pytest.raises(ValueError, match="one label per vector"):
        emb.knn_correct(x, y[:-1], x, y)
    with pytest.raises(ValueError, match="k must be"):
        emb.knn_correct(x, y, x, y, k=1000)
    with pytest.raises(ValueError, match="at least 2 classes"):
        emb.silhouette(x, np.zeros(len(x)))


@pytest.mark.slow
def test_pca_and_tsne_maps():
    x, y = two_blobs(n=60, d=10)
    pca = emb.pca_2d(x)
    assert pca.shape == (60, 2)
    # the first principal component separates the blobs
    assert np.sign(pca[y == 0, 0].mean()) != np.sign(pca[y == 1, 0].mean())
    tsne = emb.tsne_2d(x, perplexity=10, seed=0)
    assert tsne.shape == (60, 2)
    np.testing.assert_allclose(tsne, emb.tsne_2d(x, perplexity=10, seed=0))  # reproducible
    assert emb.knn_correct(tsne, y, tsne, y, k=1).all()
    with pytest.raises(ValueError, match="perplexity"):
        emb.tsne_2d(x, perplexity=60)
    with pytest.raises(ValueError, match="max_iter"):
        emb.tsne_2d(x, max_iter=10)
    assert emb.tsne_2d(np.repeat(x, 8, axis=1), perplexity=10, pca_dims=5).shape == (60, 2)
    with pytest.raises(ValueError, match="at least 2"):
        emb.pca_2d(x[:1])


def test_feature_extractor_reads_a_middle_layer():
    import keras

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name="hidden"),
                              keras.layers.Dense(2, name="out")])
    extractor = emb.feature_extractor(model, "hidden")
    features = emb.extract_features(extractor, np.ones((5, 4)))
    assert features.shape == (5, 3)
    w, b = model.get_layer("hidden").get_weights()
    np.testing.assert_allclose(features, np.ones((5, 4)) @ w + b, rtol=1e-5)
    with pytest.raises(ValueError, match="no layer 'nope'"):
        emb.feature_extractor(model, "nope")
    with pytest.raises(ValueError, match="at least one input"):
        emb.extract_features(extractor, np.ones((0, 4)))


# --- figures (notebook 08) ----------------------------------------------------------------


def test_figures_of_notebook_08():
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(0)
    labels = np.arange(20) % 4
    fig = emb.embedding_panels({"a": rng.normal(size=(20, 2)), "b": rng.normal(size=(20, 2))},
                               labels, ["w", "x", "y", "z"])
    assert len(fig.axes) == 2
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["w", "x", "y", "z"]
    images = rng.integers(0, 255, (3, 8, 8), dtype=np.uint8)
    fig = emb.neighbors_figure(images[:2], {"pixels": np.stack([images[:2]] * 2, 1)},
                               np.array([0, 1]), {"pixels": np.array([[0, 1], [1, 1]])},
                               ["zero", "one"])
    assert len(fig.axes) == 2 * 3
    assert [fig.axes[j].title.get_color() for j in (1, 2)] == ["tab:green", "tab:red"]
    assert len(emb.thumbnail_scatter(rng.normal(size=(3, 2)), images).axes) == 1
    plt.close("all")


def test_figures_of_notebook_08_bad_input():
    images = np.zeros((3, 8, 8), np.uint8)
    with pytest.raises(ValueError, match="at least one map, got none"):
        emb.embedding_panels({}, np.arange(3))
    with pytest.raises(ValueError, match=r"map 'a' must have shape \(20, 2\), got \(3, 2\)"):
        emb.embedding_panels({"a": np.zeros((3, 2))}, np.arange(20) % 4)
    with pytest.raises(ValueError, match="expected 2 queries, got 3"):
        emb.neighbors_figure(images, {"pixels": np.zeros((2, 1, 8, 8))}, np.array([0, 1, 0]),
                             {"pixels": np.zeros((2, 1), int)}, ["zero", "one"])
    with pytest.raises(ValueError, match=r"points must have shape \(3, 2\), got \(2, 2\)"):
        emb.thumbnail_scatter(np.zeros((2, 2)), images)
