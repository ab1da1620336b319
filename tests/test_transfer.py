"""course_utils.transfer: few-shot splits, the softmax head on cached features, mean ± sd."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils import transfer


def blobs(n_per_class=30, d=5, k=3, seed=0, spread=0.5):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=3, size=(k, d))
    y = np.repeat(np.arange(k), n_per_class)
    return centres[y] + rng.normal(scale=spread, size=(len(y), d)), y


def test_few_shot_indices_are_stratified_disjoint_and_reproducible():
    y = np.repeat(np.arange(4), 25)
    val = transfer.few_shot_indices(y, 5, seed=1)
    train = transfer.few_shot_indices(y, 10, seed=2, exclude=val)
    assert np.bincount(y[val]).tolist() == [5] * 4 and np.bincount(y[train]).tolist() == [10] * 4
    assert not set(val) & set(train)
    assert np.array_equal(train, transfer.few_shot_indices(y, 10, seed=2, exclude=val))
    assert not np.array_equal(train, transfer.few_shot_indices(y, 10, seed=3, exclude=val))
    assert not np.all(np.diff(y[train]) >= 0)  # shuffled, not sorted by class


def test_few_shot_indices_reject_bad_input():
    y = np.repeat(np.arange(2), 3)
    with pytest.raises(ValueError, match="class 0 has 3 examples left, expected at least "
                                         "per_class=4"):
        transfer.few_shot_indices(y, 4)
    with pytest.raises(ValueError, match="per_class must be an integer >= 1, got 0"):
        transfer.few_shot_indices(y, 0)


def test_head_learns_separable_classes_and_is_deterministic():
    x, y = blobs()
    head = transfer.train_softmax_head(x, y, lr=1e-2, epochs=30, seed=0)
    assert head.accuracy(x, y) == 1.0
    again = transfer.train_softmax_head(x, y, lr=1e-2, epochs=30, seed=0)
    np.testing.assert_array_equal(head.W, again.W)
    other = transfer.train_softmax_head(x, y, lr=1e-2, epochs=30, seed=1)
    assert not np.array_equal(head.W, other.W)


def test_head_does_not_learn_with_a_tiny_learning_rate():
    x, y = blobs(spread=2.0, seed=3)
    fast = transfer.train_softmax_head(x, y, lr=1e-2, epochs=20, seed=0)
    frozen = transfer.train_softmax_head(x, y, lr=1e-7, epochs=20, seed=0)
    assert fast.accuracy(x, y) > frozen.accuracy(x, y) + 0.1


def test_dense_weights_give_the_same_logits():
    x, y = blobs(d=7)
    head = transfer.train_softmax_head(x, y, lr=1e-2, epochs=5, seed=0)
    kernel, bias = head.dense_weights()
    assert kernel.shape == (7, 3) and bias.shape == (3,)
    np.testing.assert_allclose(x @ kernel + bias, head.logits(x), rtol=1e-4, atol=1e-4)


def test_head_matches_keras_adam_without_dropout():
    """One full-batch epoch of our Adam = one Keras fit step on the standardised inputs."""
    keras = pytest.importorskip("keras")
    x, y = blobs(n_per_class=4, d=3)
    head = transfer.train_softmax_head(x, y, lr=0.05, epochs=3, batch_size=len(y), seed=0,
                                       dropout=0.0)
    start = transfer.train_softmax_head(x, y, lr=1e-30, epochs=1, batch_size=len(y), seed=0,
                                        dropout=0.0)  # the same initial weights, not moved
    z = ((x - head.mean) / head.std).astype("float32")
    dense = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3, activation="softmax")])
    dense.set_weights([start.W.astype("float32"), start.b.astype("float32")])
    dense.compile(keras.optimizers.Adam(0.05), "sparse_categorical_crossentropy")
    dense.fit(z, y, epochs=3, batch_size=len(y), shuffle=False, verbose=0)
    np.testing.assert_allclose(dense.get_weights()[0], head.W, atol=1e-4)


def test_head_rejects_bad_input():
    x, y = blobs()
    with pytest.raises(ValueError, match=r"features must be a non-empty \(N, D\) array"):
        transfer.train_softmax_head(x[:, 0], y, lr=1e-2)
    with pytest.raises(ValueError, match="labels must be 90 non-negative integers"):
        transfer.train_softmax_head(x, y[:-1], lr=1e-2)
    with pytest.raises(ValueError, match="lr must be a positive number, got 0"):
        transfer.train_softmax_head(x, y, lr=0)
    with pytest.raises(ValueError, match="dropout must be"):
        transfer.train_softmax_head(x, y, lr=1e-2, dropout=1.0)
    with pytest.raises(ValueError, match="labels must be below n_classes=2, got 2"):
        transfer.train_softmax_head(x, y, lr=1e-2, n_classes=2)
    head = transfer.train_softmax_head(x, y, lr=1e-2, epochs=1)
    with pytest.raises(ValueError, match="features must have 5 columns, got 4"):
        head.predict(x[:, :4])


def test_mean_sd():
    assert transfer.mean_sd([0.7, 0.8, 0.9]) == "0.800 ± 0.100"
    assert transfer.mean_sd([1, 3], digits=1) == "2.0 ± 1.4"
    with pytest.raises(ValueError, match="at least 2 values, got 1"):
        transfer.mean_sd([0.5])


def test_few_shot_split_is_disjoint_and_the_same_for_the_same_seeds():
    y = np.repeat(np.arange(3), 40)
    val, train = transfer.few_shot_split(y, 5, 10, seeds=(0, 1))
    assert np.bincount(y[val]).tolist() == [10] * 3 and sorted(train) == [0, 1]
    assert all(np.bincount(y[t]).tolist() == [5] * 3 and not set(t) & set(val)
               for t in train.values())
    assert not np.array_equal(train[0], train[1])
    val2, train2 = transfer.few_shot_split(y, 5, 10, seeds=(1,))
    np.testing.assert_array_equal(val, val2)
    np.testing.assert_array_equal(train[1], train2[1])
    with pytest.raises(ValueError, match="at least one seed"):
        transfer.few_shot_split(y, 5, 10, seeds=())


def test_cut_features_pools_the_named_layers_in_one_pass():
    keras = pytest.importorskip("keras")
    inputs = keras.Input((None, None, 3))
    c1 = keras.layers.Conv2D(4, 3, strides=2, name="c1")(inputs)
    c2 = keras.layers.Conv2D(6, 3, name="c2")(c1)
    model = keras.Model(inputs, c2)
    images = np.random.default_rng(0).integers(0, 256, (3, 28, 28)).astype("uint8")
    pooled, maps = transfer.cut_features(model, images, ["c1", "c2"], 32, maps=["c1"])
    assert pooled["c1"].shape == (3, 4) and pooled["c2"].shape == (3, 6)
    assert maps["c1"].shape == (3, 15, 15, 4)
    np.testing.assert_allclose(pooled["c1"], maps["c1"].mean(axis=(1, 2)), rtol=1e-5, atol=1e-4)
    with pytest.raises(ValueError, match="unknown: \\['c9'\\]"):
        transfer.cut_features(model, images, ["c9"], 32)


def test_validation_grid_is_the_mean_over_seeds_of_heads_on_validation():
    x, y = blobs(spread=1.0, seed=4)
    xv = x + np.random.default_rng(5).normal(scale=1.0, size=x.shape)  # new rows, same classes
    yv = y
    train = {s: {"a": x, "b": x[:, :2]} for s in (0, 1)}
    grid = transfer.validation_grid(train, {0: y, 1: y}, {"a": xv, "b": xv[:, :2]}, yv,
                                    lrs=[1e-2, 1e-7], epochs=20)
    want = np.mean([transfer.train_softmax_head(x, y, 1e-2, 20, seed=s).accuracy(xv, yv)
                    for s in (0, 1)])
    assert grid["a"][1e-2] == pytest.approx(want)
    assert grid["a"][1e-2] > grid["a"][1e-7] + 0.1  # a tiny rate leaves the head untrained
    with pytest.raises(ValueError, match="same seeds"):
        transfer.validation_grid(train, {0: y}, {"a": xv}, yv, lrs=[1e-2])


def test_filter_change_is_relative_to_the_weights_size():
    before = [np.ones((2, 2)), np.zeros(3)]
    assert transfer.filter_change(before, before) == 0
    after = [np.ones((2, 2)) * 2, np.zeros(3)]  # each weight moved by its own size
    assert transfer.filter_change(before, after) == pytest.approx(1.0)
    after = [np.ones((2, 2)), np.array([0.0, 0.0, 1.0])]
    assert transfer.filter_change(before, after) == pytest.approx(0.5)  # 1 / ‖(1,1,1,1)‖
    with pytest.raises(ValueError, match="equal shapes"):
        transfer.filter_change(before, [np.ones((2, 2)), np.zeros(4)])
    with pytest.raises(ValueError, match="equally long"):
        transfer.filter_change(before, before[:1])
