"""Tests of course_utils.conv: worked examples of the lectures, naive == vectorised, and both
equal scipy.signal, tf.nn.conv2d and keras.layers.Conv2D (hypothesis over random shapes)."""

from __future__ import annotations

import os

import numpy as np
import pytest
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils import conv

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

SOBEL_Y = np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]])
IMAGE_4X4 = np.array([[1, 1, 0, 1], [0, 0, 0, 1], [1, 1, 1, 0], [1, 0, 0, 1]])
IMAGE_6X6 = np.array([
    [3, 1, 3, 5, 3, 3], [2, 2, 8, 8, 3, 9], [3, 4, 7, 7, 2, 7],
    [5, 3, 6, 8, 4, 7], [3, 8, 8, 5, 7, 4], [7, 9, 6, 4, 6, 9],
])


@pytest.fixture(scope="module")
def tf():
    import tensorflow

    return tensorflow


# --- worked examples from the slides ---------------------------------------------------------

def test_padova_3x3_convolution_with_flip():
    image = np.arange(1, 10).reshape(3, 3)
    expected = np.array([[-13, -20, -17], [-18, -24, -18], [13, 20, 17]])
    np.testing.assert_array_equal(conv.convolve2d(image, SOBEL_Y, padding=1), expected)
    np.testing.assert_array_equal(conv.convolve2d_naive(image, SOBEL_Y, padding="same"), expected)
    # correlation = convolution with the flipped kernel
    np.testing.assert_array_equal(conv.correlate2d(image, SOBEL_Y[::-1, ::-1], padding=1),
                                  expected)


def test_insa_4x4_sobel_valid_and_padded():
    np.testing.assert_array_equal(conv.correlate2d(IMAGE_4X4, SOBEL_Y), [[1, 1], [1, 0]])
    np.testing.assert_array_equal(
        conv.correlate2d_naive(IMAGE_4X4, SOBEL_Y, padding=1),
        [[0, 0, 1, 2], [0, 1, 1, -1], [2, 1, 0, 0], [-3, -4, -3, -1]],
    )


def test_insa_6x6_stride_1_and_2():
    stride1 = [[10, 13, 7, 4], [3, -3, -1, 0], [9, 4, 2, 5], [14, 2, -6, 2]]
    np.testing.assert_array_equal(conv.correlate2d(IMAGE_6X6, SOBEL_Y), stride1)
    np.testing.assert_array_equal(conv.correlate2d_naive(IMAGE_6X6, SOBEL_Y, stride=2),
                                  [[10, 7], [9, 2]])


def test_padova_7x7x3_volume_two_filters_stride_2():
    x = np.stack([
        [[0, 0, 1, 0, 2], [1, 0, 2, 0, 1], [1, 0, 2, 2, 0], [2, 0, 0, 2, 0], [2, 1, 2, 2, 0]],
        [[2, 1, 2, 1, 1], [2, 1, 2, 0, 1], [0, 2, 1, 0, 1], [1, 2, 2, 2, 2], [0, 1, 2, 0, 1]],
        [[2, 1, 1, 2, 0], [1, 0, 0, 1, 0], [0, 1, 0, 0, 0], [1, 0, 2, 1, 0], [2, 2, 1, 1, 1]],
    ], axis=-1)
    w0 = np.stack([[[-1, 0, 1], [0, 0, 1], [1, -1, 1]], [[-1, 0, 1], [1, -1, 1], [0, 1, 0]],
                   [[-1, 1, 1], [1, 1, 0], [0, -1, 0]]], axis=-1)
    w1 = np.stack([[[0, 1, -1], [0, -1, 0], [0, -1, 1]], [[-1, 0, 0], [1, -1, 0], [1, -1, 0]],
                   [[-1, 1, -1], [0, -1, -1], [1, 0, 0]]], axis=-1)
    filters = np.stack([w0, w1], axis=-1)
    expected = np.stack([[[2, 3, 3], [3, 7, 3], [8, 10, -3]],
                         [[-8, -8, -3], [-3, 1, 0], [-3, -8, -5]]], axis=-1)
    for fn in (conv.conv2d, conv.conv2d_naive):
        np.testing.assert_array_equal(fn(x, filters, [1, 0], stride=2, padding=1), expected)


def test_im2col_alexnet_shape_and_matrix_product():
    x = np.random.default_rng(0).standard_normal((227, 227, 3))
    cols = conv.im2col(x, 11, stride=4)
    assert cols.shape == (363, 3025)
    w = np.random.default_rng(1).standard_normal((11, 11, 3, 4))
    w_row = w.reshape(-1, 4).T  # [N_F × 363]
    out = (w_row @ cols).T.reshape(55, 55, 4)
    np.testing.assert_allclose(out, conv.conv2d(x, w, stride=4), rtol=1e-10, atol=1e-10)


def test_im2col_single_channel_columns_are_windows():
    x = np.arange(16).reshape(4, 4)
    cols = conv.im2col(x, 3)
    assert cols.shape == (9, 4)
    np.testing.assert_array_equal(cols[:, 1], x[0:3, 1:4].ravel())


# --- naive == vectorised == scipy ---------------------------------------------------------------

paddings = st.one_of(
    st.sampled_from(["valid", "same", "full"]),
    st.integers(0, 3),
    st.tuples(*[st.integers(0, 3)] * 4),
)


@st.composite
def image_kernel(draw, channels=False):
    h, w = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    kh, kw = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    padding = draw(paddings)
    # make sure the kernel fits into the padded image
    if padding == "valid":
        h, w = max(h, kh), max(w, kw)
    elif isinstance(padding, int):
        h, w = max(h, kh - 2 * padding), max(w, kw - 2 * padding)
    elif isinstance(padding, tuple):
        h, w = max(h, kh - padding[0] - padding[1]), max(w, kw - padding[2] - padding[3])
    stride = draw(st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3))))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    c = draw(st.integers(1, 3)) if channels else 1
    n_f = draw(st.integers(1, 3)) if channels else 1
    shape_x = (h, w, c) if channels else (h, w)
    shape_w = (kh, kw, c, n_f) if channels else (kh, kw)
    return rng.standard_normal(shape_x), rng.standard_normal(shape_w), stride, padding


@settings(max_examples=60, deadline=None)
@given(image_kernel())
def test_correlate_naive_equals_vectorised(case):
    image, kernel, stride, padding = case
    np.testing.assert_allclose(conv.correlate2d(image, kernel, stride, padding),
                               conv.correlate2d_naive(image, kernel, stride, padding),
                               rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(conv.convolve2d(image, kernel, stride, padding),
                               conv.convolve2d_naive(image, kernel, stride, padding),
                               rtol=1e-10, atol=1e-10)


@settings(max_examples=60, deadline=None)
@given(image_kernel(), st.sampled_from(["valid", "full", "same"]))
def test_equal_scipy_signal(case, mode):
    image, kernel, _, _ = case
    if mode == "valid" and (kernel.shape[0] > image.shape[0] or kernel.shape[1] > image.shape[1]):
        image = np.pad(image, [(0, kernel.shape[0]), (0, kernel.shape[1])])
    if mode == "same":  # scipy centres even kernels the other way round: compare odd ones
        kh, kw = kernel.shape
        kernel = kernel[: kh - 1 + kh % 2, : kw - 1 + kw % 2]
    np.testing.assert_allclose(conv.correlate2d(image, kernel, padding=mode),
                               scipy.signal.correlate2d(image, kernel, mode=mode), atol=1e-10)
    np.testing.assert_allclose(conv.convolve2d_naive(image, kernel, padding=mode),
                               scipy.signal.convolve2d(image, kernel, mode=mode), atol=1e-10)


@settings(max_examples=40, deadline=None)
@given(image_kernel(channels=True))
def test_conv2d_naive_equals_vectorised_with_bias(case):
    x, filters, stride, padding = case
    bias = np.arange(filters.shape[3], dtype=float)
    np.testing.assert_allclose(conv.conv2d(x, filters, bias, stride, padding),
                               conv.conv2d_naive(x, filters, bias, stride, padding),
                               rtol=1e-10, atol=1e-10)


def test_integer_inputs_give_exact_integers():
    out = conv.conv2d(np.ones((4, 4, 2), dtype=np.int64), np.ones((2, 2, 2, 1), dtype=np.int64))
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out[..., 0], np.full((3, 3), 8))


def test_float32_stays_float32():
    out = conv.conv2d(np.ones((5, 5, 1), np.float32), np.ones((3, 3, 1, 2), np.float32))
    assert out.dtype == np.float32


# --- against TensorFlow / Keras ------------------------------------------------------------------

def _tf_padding(padding, x_hw, kernel_hw, stride):
    """Our padding spec as tf.nn.conv2d's (string or explicit [[0,0],[t,b],[l,r],[0,0]])."""
    if padding in ("valid", "same"):
        return padding.upper()
    top, bottom, left, right = conv.padding_amounts(x_hw, kernel_hw, stride, padding)
    return [[0, 0], [top, bottom], [left, right], [0, 0]]


@settings(max_examples=50, deadline=None)
@given(image_kernel(channels=True))
def test_conv2d_equals_tf_nn_conv2d(tf, case):
    x, filters, stride, padding = case
    tf_pad = _tf_padding(padding, x.shape[:2], filters.shape[:2], stride)
    ref = tf.nn.conv2d(x[None], filters, strides=stride, padding=tf_pad).numpy()[0]
    np.testing.assert_allclose(conv.conv2d(x, filters, stride=stride, padding=padding), ref,
                               rtol=1e-5, atol=1e-5)


@settings(max_examples=15, deadline=None)
@given(image_kernel(channels=True))
def test_conv2d_equals_keras_conv2d_layer(case):
    import keras

    x, filters, stride, padding = case
    if padding not in ("valid", "same"):
        padding = "valid"
        x = np.pad(x, [(0, filters.shape[0]), (0, filters.shape[1]), (0, 0)])
    bias = np.linspace(-1, 1, filters.shape[3])
    layer = keras.layers.Conv2D(filters.shape[3], filters.shape[:2], strides=stride,
                                padding=padding, dtype="float64")
    layer.build((None, *x.shape))
    layer.set_weights([filters, bias])
    ref = keras.ops.convert_to_numpy(layer(x[None]))[0]
    np.testing.assert_allclose(conv.conv2d(x, filters, bias, stride, padding), ref,
                               rtol=1e-5, atol=1e-5)


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 12), st.integers(2, 12), st.integers(1, 3), st.integers(1, 4),
       st.integers(1, 3), st.sampled_from(["valid", "same"]), st.integers(0, 1000))
def test_pooling_equals_tf(tf, h, w, c, size, stride, padding, seed):
    x = np.random.default_rng(seed).standard_normal((max(h, size), max(w, size), c))
    kwargs = dict(ksize=size, strides=stride, padding=padding.upper())
    np.testing.assert_allclose(conv.max_pool2d(x, size, stride, padding),
                               tf.nn.max_pool2d(x[None], **kwargs).numpy()[0], atol=1e-12)
    np.testing.assert_allclose(conv.avg_pool2d(x, size, stride, padding),
                               tf.nn.avg_pool2d(x[None], **kwargs).numpy()[0], atol=1e-12)


def test_pooling_2d_input_and_default_stride():
    x = np.array([[1, 2, 5, 6], [3, 4, 7, 8], [0, 0, 1, 1], [0, 4, 1, 1]])
    np.testing.assert_array_equal(conv.max_pool2d(x), [[4, 8], [4, 1]])
    np.testing.assert_allclose(conv.avg_pool2d(x), [[2.5, 6.5], [1.0, 1.0]])


def test_relu_and_leaky_relu(tf):
    x = np.linspace(-3, 3, 13)
    np.testing.assert_array_equal(conv.relu(x), np.maximum(x, 0))
    np.testing.assert_allclose(conv.leaky_relu(x), tf.nn.leaky_relu(x, alpha=0.01).numpy())
    np.testing.assert_allclose(conv.leaky_relu(x, 0.3), tf.nn.leaky_relu(x, alpha=0.3).numpy())


def test_pad_shapes_and_values():
    x = np.ones((2, 3, 4))
    p = conv.pad(x, (1, 2, 3, 0))
    assert p.shape == (5, 6, 4)
    assert p.sum() == x.sum()
    np.testing.assert_array_equal(conv.pad(np.ones((1, 1)), 1), [[0, 0, 0], [0, 1, 0], [0, 0, 0]])


def test_padding_amounts_same_stride_2_is_asymmetric():
    assert conv.padding_amounts((4, 4), 3, 2, "same") == (0, 1, 0, 1)
    assert conv.padding_amounts((5, 5), 3, 2, "same") == (1, 1, 1, 1)
    assert conv.padding_amounts((4, 4), 3, 1, "full") == (2, 2, 2, 2)


# --- bad input ---------------------------------------------------------------------------------

def test_kernel_larger_than_padded_input():
    with pytest.raises(ValueError, match="larger than the padded input"):
        conv.correlate2d(np.ones((2, 2)), np.ones((3, 3)))
    with pytest.raises(ValueError, match="larger than the padded input"):
        conv.conv2d_naive(np.ones((2, 5, 1)), np.ones((4, 3, 1, 1)), padding=(0, 1, 0, 0))


@pytest.mark.parametrize("stride", [0, -1, (1, 0), 1.5, True, (1, 2, 3)])
def test_bad_stride(stride):
    with pytest.raises(ValueError, match="stride must be an integer >= 1 or a pair"):
        conv.correlate2d(np.ones((5, 5)), np.ones((3, 3)), stride=stride)


def test_channel_mismatch():
    with pytest.raises(ValueError, match=r"as many channels as x.*C = 3.*C = 2"):
        conv.conv2d(np.ones((5, 5, 3)), np.ones((3, 3, 2, 4)))


@pytest.mark.parametrize("fn", [conv.correlate2d, conv.correlate2d_naive, conv.convolve2d])
def test_wrong_ndim_2d(fn):
    with pytest.raises(ValueError, match=r"image must be 2-D \(H, W\), got .*\(5, 5, 3\)"):
        fn(np.ones((5, 5, 3)), np.ones((3, 3)))
    with pytest.raises(ValueError, match=r"kernel must be 2-D"):
        fn(np.ones((5, 5)), np.ones(3))


def test_wrong_ndim_volume():
    with pytest.raises(ValueError, match=r"x must be 3-D \(H, W, C\)"):
        conv.conv2d(np.ones((5, 5)), np.ones((3, 3, 1, 1)))
    with pytest.raises(ValueError, match=r"filters must be 4-D \(kh, kw, C, N_F\)"):
        conv.conv2d_naive(np.ones((5, 5, 1)), np.ones((3, 3, 1)))


def test_bad_bias_padding_and_values():
    with pytest.raises(ValueError, match=r"bias must have shape \(N_F,\) = \(2,\)"):
        conv.conv2d(np.ones((5, 5, 1)), np.ones((3, 3, 1, 2)), bias=[1, 2, 3])
    with pytest.raises(ValueError, match="padding must be 'valid', 'same', 'full'"):
        conv.correlate2d(np.ones((5, 5)), np.ones((3, 3)), padding="half")
    with pytest.raises(ValueError, match="padding must be"):
        conv.correlate2d(np.ones((5, 5)), np.ones((3, 3)), padding=(1, 2))
    with pytest.raises(ValueError, match="integer >= 0"):
        conv.correlate2d(np.ones((5, 5)), np.ones((3, 3)), padding=-1)
    with pytest.raises(ValueError, match="must not be empty"):
        conv.correlate2d(np.ones((0, 5)), np.ones((3, 3)))
    with pytest.raises(ValueError, match="must hold numbers"):
        conv.correlate2d(np.array([["a"]]), np.ones((1, 1)))
    with pytest.raises(ValueError, match=r"x must be 2-D \(H, W\) or 3-D"):
        conv.pad(np.ones(3), 1)
    with pytest.raises(ValueError, match=r"\(top, bottom, left, right\)"):
        conv.pad(np.ones((3, 3)), (1, 1))


def test_bad_pooling_and_activation_arguments():
    with pytest.raises(ValueError, match="padding must be 'valid' or 'same'"):
        conv.max_pool2d(np.ones((4, 4)), padding="full")
    with pytest.raises(ValueError, match="kernel_size must be an integer >= 1 or a pair"):
        conv.avg_pool2d(np.ones((4, 4)), pool_size=0)
    with pytest.raises(ValueError, match="larger than the padded input"):
        conv.max_pool2d(np.ones((1, 4)), pool_size=2)
    with pytest.raises(ValueError, match=r"x must be 2-D \(H, W\) or 3-D"):
        conv.max_pool2d(np.ones((1, 4, 4, 1)))
    with pytest.raises(ValueError, match=r"alpha must be a number in \[0, 1\)"):
        conv.leaky_relu(np.ones(3), alpha=-0.1)
    with pytest.raises(ValueError, match="kernel_size must be an integer >= 1 or a pair"):
        conv.im2col(np.ones((4, 4)), (3, 3, 3))


# --- activations with derivatives, translation (notebook 02's equivariance section) ----------

@pytest.mark.parametrize("name", conv.ACTIVATIONS)
def test_activations_equal_tf_and_derivatives_equal_gradient_tape(tf, name):
    x = np.concatenate([np.linspace(-12, 12, 97), [-0.5, 0.5, 3.0]])   # avoids the kink at 0
    x = x[x != 0]
    tf_fn = {"sigmoid": tf.nn.sigmoid, "tanh": tf.nn.tanh, "relu": tf.nn.relu,
             "leaky_relu": lambda v: tf.nn.leaky_relu(v, alpha=0.01)}[name]
    xv = tf.Variable(x)
    with tf.GradientTape() as tape:
        y = tf_fn(xv)
    # TF keeps alpha as a float32 constant: agreement to float32 precision
    np.testing.assert_allclose(conv.activation(name, x), y.numpy(), rtol=1e-7, atol=1e-15)
    np.testing.assert_allclose(conv.activation_derivative(name, x), tape.gradient(y, xv).numpy(),
                               rtol=1e-7, atol=1e-15)


def test_sigmoid_has_no_overflow_and_derivative_peaks_at_a_quarter():
    with np.errstate(over="raise"):
        assert conv.sigmoid(np.array([-1000.0, 1000.0])).tolist() == [0.0, 1.0]
    assert conv.activation_derivative("sigmoid", 0.0) == 0.25
    assert conv.activation_derivative("tanh", 0.0) == 1.0
    assert conv.activation_derivative("leaky_relu", -3.0, alpha=0.2) == 0.2


def test_translate_moves_and_fills_with_zeros():
    x = np.arange(1, 13).reshape(3, 4)
    np.testing.assert_array_equal(conv.translate(x, 1, 2), [[0, 0, 0, 0], [0, 0, 1, 2],
                                                            [0, 0, 5, 6]])
    np.testing.assert_array_equal(conv.translate(x, -1, -1), [[6, 7, 8, 0], [10, 11, 12, 0],
                                                              [0, 0, 0, 0]])
    np.testing.assert_array_equal(conv.translate(x, 0, 0), x)
    assert not conv.translate(x, 3, 0).any() and conv.translate(x, 0, 9).shape == x.shape
    volume = np.stack([x, -x], axis=-1)
    np.testing.assert_array_equal(conv.translate(volume, 1, 1)[..., 1], -conv.translate(x, 1, 1))


def test_correlation_is_translation_equivariant_away_from_borders():
    image = np.random.default_rng(0).integers(0, 256, (20, 24)).astype(float)
    kernel = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    for rows, cols in [(0, 3), (2, -1), (-4, 5)]:
        moved_then_filtered = conv.correlate2d(conv.translate(image, rows, cols), kernel,
                                               padding="same")
        filtered_then_moved = conv.translate(conv.correlate2d(image, kernel, padding="same"),
                                             rows, cols)
        m = 1 + max(abs(rows), abs(cols))             # kernel radius + the shift
        assert np.array_equal(moved_then_filtered[m:-m, m:-m], filtered_then_moved[m:-m, m:-m])


def test_bad_activation_and_translate_arguments():
    with pytest.raises(ValueError, match=r"activation must be one of .* got 'softplus'"):
        conv.activation("softplus", np.ones(3))
    with pytest.raises(ValueError, match=r"activation must be one of .* got 'elu'"):
        conv.activation_derivative("elu", np.ones(3))
    with pytest.raises(ValueError, match=r"alpha must be a number in \[0, 1\)"):
        conv.activation_derivative("leaky_relu", np.ones(3), alpha=2.0)
    with pytest.raises(ValueError, match=r"x must be 2-D \(H, W\) or 3-D .* got shape \(3,\)"):
        conv.translate(np.ones(3), 1, 1)
    with pytest.raises(ValueError, match="rows and cols must be whole numbers, got 1.5"):
        conv.translate(np.ones((3, 3)), 1.5, 0)
