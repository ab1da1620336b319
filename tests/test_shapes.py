"""Tests of course_utils.shapes (output size, parameters, operations, layer_table)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from course_utils import shapes


@pytest.fixture(scope="module")
def keras():
    import keras as _keras

    return _keras


# --- conv_output_size ------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("n", "k", "s", "padding", "size", "pads", "ignored"),
    [
        (28, 3, 1, "valid", 26, (0, 0), 0),  # csci e-89 conv2d_1
        (13, 3, 1, "valid", 11, (0, 0), 0),
        (5, 3, 1, "valid", 3, (0, 0), 0),
        (26, 2, 2, "valid", 13, (0, 0), 0),  # MaxPooling2D((2, 2))
        (11, 2, 2, "valid", 5, (0, 0), 1),  # 11 → 5: one row/column ignored
        (227, 11, 4, "valid", 55, (0, 0), 0),  # AlexNet conv1
        (6, 3, 2, "valid", 2, (0, 0), 1),  # INSA 6×6, stride 2
        (4, 3, 1, 1, 4, (1, 1), 0),  # INSA padding p = 1
        (32, 5, 1, 2, 32, (2, 2), 0),  # csci e-89: pad 2 keeps 32×32 with 5×5
        (4, 3, 2, "same", 2, (0, 1), 0),  # Keras same, stride 2: odd pixel at the end
        (5, 3, 2, "same", 3, (1, 1), 0),
        (4, 3, 1, "full", 6, (2, 2), 0),
        (7, 3, 2, (1, 0), 3, (1, 0), 1),
        (4, 1, 2, "same", 2, (0, 0), 1),
    ],
)
def test_conv_output_size_known_cases(n, k, s, padding, size, pads, ignored):
    out = shapes.conv_output_size(n, k, s, padding)
    assert (out.size, (out.pad_before, out.pad_after), out.ignored) == (size, pads, ignored)
    assert out.padded == sum(pads)


def test_output_size_formula_text():
    assert shapes.conv_output_size(28, 3).formula() == "⌊(28 − 3)/1⌋ + 1 = 26"
    assert shapes.conv_output_size(4, 3, 1, 1).formula() == "⌊(4 + 2 − 3)/1⌋ + 1 = 4"


@settings(max_examples=300, deadline=None)
@given(
    n=st.integers(1, 40), k=st.integers(1, 9), s=st.integers(1, 5),
    padding=st.one_of(st.sampled_from(["valid", "same", "full"]), st.integers(0, 4)),
)
def test_formula_equals_shape_tensorflow_produces(n, k, s, padding):
    import tensorflow as tf

    p = {"valid": 0, "full": k - 1}.get(padding, padding) if padding != "same" else 0
    assume(k <= n + 2 * p)  # TensorFlow's answer otherwise varies (error or a bogus size)
    spec = padding.upper() if padding in ("valid", "same") else [[0, 0], [p, p], [p, p], [0, 0]]
    x = tf.zeros((1, n, n + 1, 1))
    w = tf.zeros((k, k, 1, 1))
    shape = tf.nn.conv2d(x, w, strides=s, padding=spec).shape
    assert shapes.conv_output_size(n, k, s, padding).size == shape[1]
    assert shapes.conv_output_size(n + 1, k, s, padding).size == shape[2]


@settings(max_examples=100, deadline=None)
@given(n=st.integers(1, 30), k=st.integers(1, 5), s=st.integers(1, 4),
       padding=st.sampled_from(["valid", "same"]))
def test_formula_equals_tensorflow_pooling_shape(n, k, s, padding):
    import tensorflow as tf

    k = min(k, n) if padding == "valid" else k
    got = tf.nn.max_pool2d(tf.zeros((1, n, n, 1)), k, s, padding.upper()).shape[1]
    assert shapes.conv_output_size(n, k, s, padding).size == got


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((0, 3), "input size n must be an integer >= 1, got 0"),
        ((5, 0), "kernel size must be an integer >= 1"),
        ((5, 3, 0), "stride must be an integer >= 1, got 0"),
        ((5, 3, -2), "stride must be an integer >= 1"),
        ((5, 3, 1.5), "stride must be an integer >= 1, got 1.5"),
        ((5, 3, 1, -1), "padding must be an integer >= 0"),
        ((5, 3, 1, "half"), "padding must be 'valid', 'same', 'full'"),
        ((2, 3), r"kernel size 3 is larger than the padded input \(2 \+ 0 \+ 0 = 2 pixels\)"),
        ((True, 3), "input size n must be an integer"),
    ],
)
def test_conv_output_size_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        shapes.conv_output_size(*args)


# --- parameters and operations ---------------------------------------------------------------

def test_conv_params_lecture_numbers():
    assert shapes.conv_params(3, 3, 1, 32) == 320  # csci e-89
    assert shapes.conv_params(3, 3, 32, 64) == 18_496
    assert shapes.conv_params(3, 3, 64, 64) == 36_928
    assert shapes.conv_params(5, 5, 3, 2) == 152  # PoliMi quiz
    assert shapes.conv_params(3, 3, 3, 2) == 56  # INSA
    assert shapes.conv_params(3, 3, 3, 1000) == 28_000  # INSA Conv2D(1000, 3×3) on RGB
    assert shapes.conv_params(5, 5, 3, 2, bias=False) == 150


def test_dense_params_lecture_numbers():
    assert shapes.dense_params(576, 64) == 36_928
    assert shapes.dense_params(64, 10) == 650
    assert shapes.dense_params(224 * 224 * 3, 1000) == 150_529_000
    assert shapes.dense_params(32 * 32 * 3, 1, bias=False) == 3_072


def test_conv_ops_insa_example():
    ops = shapes.conv_ops(4, 4, 3, 3, 2)
    assert (ops.multiplications, ops.additions, ops.total) == (864, 864, 1_728)
    assert shapes.conv_ops(4, 4, (3, 3), 3, 2, bias=False).additions == 4 * 4 * 2 * 26


@pytest.mark.parametrize(
    ("fn", "args", "match"),
    [
        (shapes.conv_params, (3, 3, 0, 32), "c_in must be an integer >= 1"),
        (shapes.conv_params, (3, 3, 1, -1), "n_filters must be an integer >= 1"),
        (shapes.dense_params, (0, 10), "n_in must be an integer >= 1"),
        (shapes.conv_ops, (4, 4, (3, 3, 3), 3, 2), "kernel_size must be an integer >= 1 or a pair"),
        (shapes.conv_ops, (4, 0, 3, 3, 2), "w_out must be an integer >= 1"),
    ],
)
def test_params_and_ops_bad_input(fn, args, match):
    with pytest.raises(ValueError, match=match):
        fn(*args)


# --- connection_counts / network_connections ---------------------------------------------------

def test_network_connections_convnets_deck():
    # the ConvNets deck: (5·4) + (5·4) + (5·4) + (5·4) + 5 connections = Σ d_h·d_{h−1}
    assert shapes.network_connections((5, 4, 5, 4, 5, 1)) == 5 * 4 * 4 + 5 == 85
    assert shapes.network_connections([3, 2]) == 6


def test_connection_counts_small_layer():
    c = shapes.connection_counts(5, 2)
    assert (c.n_out, c.fully_connected, c.locally_connected, c.convolutional) == (4, 20, 8, 8)
    assert (c.fully_connected_params, c.locally_connected_params, c.convolutional_params) == \
        (20, 8, 2)
    with_bias = shapes.connection_counts(5, 2, bias=True)
    assert (with_bias.fully_connected_params, with_bias.locally_connected_params,
            with_bias.convolutional_params) == (24, 12, 3)
    assert [r["layer"] for r in c.rows()] == ["fully connected", "locally connected",
                                              "convolutional"]


@given(n=st.integers(1, 25), k=st.integers(1, 6), s=st.integers(1, 4),
       padding=st.sampled_from(["valid", "same", "full", 0, 1, 2, (0, 2)]))
@settings(max_examples=150, deadline=None)
def test_connection_counts_equal_the_edges_of_the_layer_matrix(n, k, s, padding):
    try:
        c = shapes.connection_counts(n, k, s, padding)
    except ValueError:
        assume(False)
    before = shapes.conv_output_size(n, k, s, padding).pad_before
    # the conv as an (n_out, n_in) matrix: row j holds the window of output j (padding dropped)
    matrix = np.zeros((c.n_out, n), int)
    for j in range(c.n_out):
        for t in range(k):
            i = j * s - before + t
            if 0 <= i < n:
                matrix[j, i] = 1
    assert c.locally_connected == c.convolutional == matrix.sum()
    assert c.fully_connected == matrix.size
    assert c.convolutional_params == k and c.locally_connected_params == matrix.sum()


def test_connection_counts_match_keras_parameters(keras):
    dense = keras.Sequential([keras.Input((5,)), keras.layers.Dense(4)])
    conv1d = keras.Sequential([keras.Input((5, 1)), keras.layers.Conv1D(1, 2)])
    c = shapes.connection_counts(5, 2, bias=True)
    assert c.fully_connected_params == dense.count_params()
    assert c.convolutional_params == conv1d.count_params()
    assert conv1d.output_shape == (None, c.n_out, 1)


@pytest.mark.parametrize(
    ("fn", "args", "match"),
    [
        (shapes.network_connections, ((5,),), "at least 2 layer sizes"),
        (shapes.network_connections, ("54",), "at least 2 layer sizes"),
        (shapes.network_connections, ((5, 0),), "layer size 1 must be an integer >= 1"),
        (shapes.connection_counts, (0, 2), "input size n must be an integer >= 1"),
        (shapes.connection_counts, (3, 5), "kernel size 5 is larger than the padded input"),
        (shapes.connection_counts, (5, 2, 1, "mirror"), "padding must be"),
    ],
)
def test_connection_counts_bad_input(fn, args, match):
    with pytest.raises(ValueError, match=match):
        fn(*args)


# --- layer_table -------------------------------------------------------------------------------

def lecture_cnn(keras):
    layers = keras.layers
    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Conv2D(64, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Conv2D(64, (3, 3), activation="relu"),
        layers.Flatten(),
        layers.Dense(64, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])


def test_layer_table_lecture_cnn(keras):
    table = shapes.layer_table(lecture_cnn(keras))
    assert [r.params for r in table.rows] == [320, 0, 18_496, 0, 36_928, 0, 36_928, 650]
    assert [r.output_shape for r in table.rows][:2] == [(None, 26, 26, 32), (None, 13, 13, 32)]
    assert table.total_params == 93_322 and table.all_match
    assert table.rows[0].params_formula == "(3·3·1 + 1)·32 = 320"
    assert table.rows[5].shape_formula == "3·3·64 = 576"
    text = str(table)
    assert "Total params: 93,322" in text and "36,928" in text


def test_layer_table_other_layers(keras):
    layers = keras.layers
    inp = keras.Input(shape=(32, 30, 3))
    x = layers.Rescaling(1 / 255)(inp)
    x = layers.Conv2D(8, (3, 5), strides=(2, 1), padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    y = layers.Conv2D(8, 1)(x)
    x = layers.Add()([x, y])
    x = layers.Concatenate()([x, y])
    x = layers.AveragePooling2D(3, strides=2, padding="same")(x)
    x = layers.Dropout(0.2)(x)
    x = layers.DepthwiseConv2D(3)(x)  # not recomputed: listed with Keras' values
    x = layers.GlobalAveragePooling2D()(x)
    out = layers.Dense(5, use_bias=False)(x)
    table = shapes.layer_table(keras.Model(inp, out))
    assert table.all_match
    kinds = {r.kind: r for r in table.rows}
    assert kinds["InputLayer"].params == 0
    assert kinds["Conv2D"].output_shape == (None, 16, 30, 8)
    assert kinds["BatchNormalization"].params == 32
    assert kinds["Concatenate"].output_shape[-1] == 16
    assert not kinds["DepthwiseConv2D"].recomputed
    assert kinds["Dense"].params_formula == "16·5 = 80"
    frame = table.to_frame()
    assert list(frame["params"]) == [r.params for r in table.rows]


def test_layer_table_bad_input(keras):
    with pytest.raises(ValueError, match="expected a built Keras model, got ndarray"):
        shapes.layer_table(np.zeros(3))
    unbuilt = keras.Sequential([keras.layers.Dense(3)])
    with pytest.raises(ValueError, match="expected a built Keras model"):
        shapes.layer_table(unbuilt)
