"""Receptive fields and model costs (course_utils.arithmetic, notebooks 06-07).

Hand-computed cases from the lectures, properties against Keras' own shapes, and receptive
fields *measured* from the input gradient of one output unit.
"""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils import arithmetic as ar
from course_utils import models

LECTURE_STACK = [(3,), (2, 2), (3,), (2, 2), (3,)]  # conv 3×3, pool 2×2, conv, pool, conv


def small_cnn(specs, n=28, pooling="max", activation="relu"):
    """A Keras chain of Conv2D/pooling layers from (kernel, stride, dilation, padding, kind)."""
    stack = [keras.Input((n, n, 1))]
    for k, s, d, p, kind in specs:
        if kind == "pool":
            pool = keras.layers.MaxPooling2D if pooling == "max" else keras.layers.AveragePooling2D
            stack.append(pool(pool_size=k, strides=s, padding=p))
        else:
            stack.append(keras.layers.Conv2D(2, k, strides=s, dilation_rate=d, padding=p,
                                             activation=activation))
    return keras.Sequential(stack)


# --- hand-computed cases -------------------------------------------------------------------


def test_three_3x3_convolutions_see_7x7():
    rows = ar.receptive_field([(3,), (3,), (3,)])
    assert [r.size for r in rows] == [3, 5, 7]
    assert [r.jump for r in rows] == [1, 1, 1]
    assert ar.receptive_field([(7,)])[-1].size == 7


def test_lecture_network_with_pooling_covers_41_percent():
    rows = ar.receptive_field(LECTURE_STACK, input_size=28)
    assert [r.size for r in rows] == [3, 4, 8, 10, 18]
    assert [r.jump for r in rows] == [1, 2, 2, 4, 4]
    assert [r.out_size for r in rows] == [26, 13, 11, 5, 3]
    assert rows[-1].coverage == pytest.approx(324 / 784)
    assert round(100 * rows[-1].coverage, 1) == 41.3


def test_lecture_network_without_pooling_covers_6_25_percent():
    rows = ar.receptive_field([(3,), (3,), (3,)], input_size=28)
    assert [r.out_size for r in rows] == [26, 24, 22]
    assert rows[-1].coverage == 49 / 784 == 0.0625


def test_footprints_reproduce_the_slide_columns():
    # seed 001 "Why pooling is a must": input 18, conv2d_1 16, maxpool 8, conv2d_2 6, maxpool 3, 1
    assert ar.footprint_sizes(LECTURE_STACK) == [18, 16, 8, 6, 3, 1]
    assert ar.footprint_sizes([(3,), (3,), (3,)]) == [7, 5, 3, 1]


def test_alexnet_first_layers_by_hand():
    rows = ar.receptive_field([(11, 4), (3, 2), (5, 1, 1, 2), (3, 2)], input_size=227)
    assert [r.size for r in rows] == [11, 19, 51, 67]
    assert [r.jump for r in rows] == [4, 8, 8, 16]
    assert [r.out_size for r in rows] == [55, 27, 27, 13]


def test_dilation_grows_the_field_exponentially():
    assert ar.receptive_field([(3, 1, 2)])[-1].size == 5
    assert [r.size for r in ar.receptive_field([(3, 1, 1), (3, 1, 2), (3, 1, 4)])] == [3, 7, 15]
    assert ar.RFLayer(3, dilation=4).effective_kernel == 9


def test_start_offsets_and_bounds():
    valid = ar.receptive_field([(3,)], input_size=10)[-1]
    same = ar.receptive_field([(3, 1, 1, "same")], input_size=10)[-1]
    assert (valid.start, same.start) == (1.0, 0.0)
    assert valid.bounds(0) == (0, 2)
    assert same.bounds(0) == (-1, 1) and same.bounds(0, input_size=10) == (0, 1)
    pooled = ar.receptive_field([(2, 2)])[-1]
    assert pooled.start == 0.5 and pooled.bounds(3) == (6, 7)


def test_same_padding_with_stride_follows_tensorflow():
    # 'same', k=3, s=2 on 8 pixels: TF pads 0 before / 1 after; on 7 pixels 1 before / 1 after
    assert ar.receptive_field([(3, 2, 1, "same")], input_size=8)[-1].pad_before == 0
    assert ar.receptive_field([(3, 2, 1, "same")], input_size=7)[-1].pad_before == 1


def test_receptive_field_frame():
    frame = ar.receptive_field_frame(ar.receptive_field(LECTURE_STACK, input_size=28))
    assert list(frame["RF"]) == [3, 4, 8, 10, 18]
    assert frame["coverage %"].iloc[-1] == 41.33
    assert ar.receptive_field_frame(ar.receptive_field([(3,)]))["coverage %"].isna().all()
    with pytest.raises(ValueError, match="RFRow"):
        ar.receptive_field_frame([(3, 1)])


def test_rflayer_and_names():
    rows = ar.receptive_field([ar.RFLayer(5, 1, 1, 0, name="conv_a"), (2, 2)])
    assert [r.name for r in rows] == ["conv_a", "layer_2"]


def test_receptive_field_of_keras_models():
    rows = ar.receptive_field(models.lecture_cnn())
    assert [r.name for r in rows] == ["conv1", "pool1", "conv2", "pool2", "conv3"]
    assert rows[-1].size == 18 and rows[-1].coverage == pytest.approx(324 / 784)
    alex = models.build_without_weights(models.alexnet)
    by_name = {r.name: r for r in ar.receptive_field(alex)}
    assert "pad2" not in by_name  # ZeroPadding2D folded into the next 'valid' conv
    assert (by_name["conv5"].size, by_name["pool3"].size) == (163, 195)
    assert by_name["pool3"].out_size == 6
    vgg = models.build_without_weights(models.vgg16)
    assert ar.receptive_field(vgg)[-2].size == 196  # block5_conv3
    assert ar.footprint_sizes(models.lecture_cnn()) == [18, 16, 8, 6, 3, 1]


def test_receptive_field_width_axis_of_a_non_square_kernel():
    model = keras.Sequential([keras.Input((20, 30, 1)), keras.layers.Conv2D(1, (3, 7))])
    assert ar.receptive_field(model, axis=0)[-1].size == 3
    assert ar.receptive_field(model, axis=1)[-1].size == 7
    assert ar.receptive_field(model, axis=1)[-1].out_size == 24


# --- bad input -------------------------------------------------------------------------


def test_bad_input_raises_clear_errors():
    with pytest.raises(ValueError, match="tuple"):
        ar.receptive_field([(3, 1, 1, 0, 9)])
    with pytest.raises(ValueError, match="kernel_size of layer 2"):
        ar.receptive_field([(3,), (0,)])
    with pytest.raises(ValueError, match="at least one"):
        ar.receptive_field([])
    with pytest.raises(ValueError, match="sequence of layers"):
        ar.receptive_field("conv")
    with pytest.raises(ValueError, match="pass input_size"):
        ar.receptive_field([(3, 2, 1, "same")])
    with pytest.raises(ValueError, match="input_size"):
        ar.receptive_field([(3,)], input_size=0)
    with pytest.raises(ValueError, match="padding"):
        ar.receptive_field([(3, 1, 1, "reflect")], input_size=9)
    with pytest.raises(ValueError, match="axis"):
        ar.receptive_field(models.lecture_cnn(), axis=2)
    with pytest.raises(ValueError, match="sequence of layers"):
        ar.footprint_sizes(3)


def test_merge_layers_are_refused():
    inputs = keras.Input((8, 8, 4))
    x = keras.layers.Add()([inputs, keras.layers.Conv2D(4, 3, padding="same")(inputs)])
    with pytest.raises(ValueError, match="merge layer"):
        ar.receptive_field(keras.Model(inputs, x))


# --- properties ----------------------------------------------------------------------------

layer_specs = st.lists(
    st.tuples(st.integers(1, 4), st.integers(1, 3), st.integers(1, 2)), min_size=1, max_size=5
)


@given(layer_specs)
def test_footprint_of_the_input_equals_the_receptive_field(specs):
    assert ar.footprint_sizes(specs)[0] == ar.receptive_field(specs)[-1].size


@given(layer_specs)
def test_receptive_field_closed_form(specs):
    # r = 1 + Σ_l (k_eff,l − 1)·Π_{i<l} s_i
    expected = 1 + sum((d * (k - 1)) * math.prod(s for _, s, _ in specs[:i])
                       for i, (k, _, d) in enumerate(specs))
    assert ar.receptive_field(specs)[-1].size == expected


@settings(max_examples=15, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 5), st.integers(1, 2), st.sampled_from(["valid", "same"]),
                       st.booleans()), min_size=1, max_size=4),
    st.integers(24, 40),
)
def test_output_sizes_equal_keras_shapes(specs, n):
    layers = [(k, s, 1, p, "pool" if pool else "conv") for k, s, p, pool in specs]
    model = small_cnn(layers, n)
    rows = ar.receptive_field(model)
    keras_sizes = [layer.output.shape[1] for layer in model.layers]
    assert [r.out_size for r in rows] == keras_sizes


# --- measured receptive fields ---------------------------------------------------------------


def test_measured_field_of_the_lecture_network_is_18x18():
    model = models.lecture_cnn()
    rows = ar.receptive_field(model)
    for position in [(0, 0), (1, 1), (2, 1)]:
        measured = ar.measure_receptive_field(model, "conv3", position=position)
        assert measured.size == (18, 18)
        assert measured.rows == rows[-1].bounds(position[0], 28)
        assert measured.cols == rows[-1].bounds(position[1], 28)
        assert measured.gradient.shape == (28, 28)


@pytest.mark.slow
@settings(max_examples=6, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 4), st.integers(1, 2), st.integers(1, 2),
                       st.sampled_from(["valid", "same"]), st.booleans()),
             min_size=1, max_size=3),
)
def test_measured_field_equals_computed_field(specs):
    layers = []
    for k, s, d, p, pool in specs:
        if pool:
            layers.append((max(k, 2), max(k, 2), 1, "valid", "pool"))
        else:
            layers.append((k, 1 if d > 1 else s, d, p, "conv"))
    model = small_cnn(layers, n=32, pooling="avg", activation=None)  # no dead ReLUs
    rows = ar.receptive_field(model)
    centre = rows[-1].out_size // 2
    measured = ar.measure_receptive_field(model, position=(centre, centre), n_samples=4)
    assert measured.rows == rows[-1].bounds(centre, 32)
    assert measured.cols == rows[-1].bounds(centre, 32)


def test_measured_field_is_clipped_at_the_border_with_same_padding():
    model = small_cnn([(5, 1, 1, "same", "conv"), (5, 1, 1, "same", "conv")], n=16)
    measured = ar.measure_receptive_field(model, position=(0, 15), n_samples=16)
    assert measured.rows == (0, 4) and measured.cols == (11, 15)
    assert ar.receptive_field(model)[-1].bounds(15, 16) == (11, 15)


def test_measure_receptive_field_bad_input():
    model = models.lecture_cnn()
    with pytest.raises(ValueError, match="position"):
        ar.measure_receptive_field(model, "conv3", position=(3, 0))
    with pytest.raises(ValueError, match="H, W, C"):
        ar.measure_receptive_field(model, "dense1")
    with pytest.raises(ValueError, match="n_samples"):
        ar.measure_receptive_field(model, "conv3", n_samples=0)


def test_measure_uses_given_inputs():
    model = models.lecture_cnn()
    digit = np.zeros((1, 28, 28, 1))
    digit[0, 10:20, 10:20] = 1.0
    measured = ar.measure_receptive_field(model, "conv1", position=(12, 12), inputs=digit)
    assert measured.rows[0] >= 12 and measured.rows[1] <= 14


# --- model cost ---------------------------------------------------------------------------


def test_model_cost_of_the_lecture_cnn_by_hand():
    cost = ar.model_cost(models.lecture_cnn())
    mult_adds = (26 * 26 * 32 * 9 + 11 * 11 * 64 * 9 * 32 + 3 * 3 * 64 * 9 * 64
                 + 576 * 64 + 64 * 10)
    activations = 784 + 26 * 26 * 32 + 13 * 13 * 32 + 11 * 11 * 64 + 5 * 5 * 64 + 576 + 64 + 10
    assert (cost.depth, cost.params, cost.mult_adds) == (5, 93_322, mult_adds)
    assert cost.activations == activations and cost.activation_bytes == 4 * activations
    half = ar.model_cost(models.lecture_cnn(), bytes_per_value=2)
    assert half.activation_bytes == 2 * activations


def test_inception_operation_counts():
    naive = ar.model_cost(models.inception_model(bottleneck=False)).mult_adds
    reduced = ar.model_cost(models.inception_model(bottleneck=True)).mult_adds
    hw = 28 * 28
    assert naive == hw * (128 * 256 + 192 * 9 * 256 + 96 * 25 * 256) == 854_196_224
    assert reduced == hw * (64 * 256 * 3 + 128 * 256 + 192 * 9 * 64 + 96 * 25 * 64)
    assert reduced == 271_351_808  # seed 003 prints 358M for this sum


def test_depth_follows_the_longest_path_of_resnet50():
    cost = ar.model_cost(models.build_without_weights(keras.applications.ResNet50, weights=None))
    assert cost.depth == 50 and cost.params == 25_636_712
    assert 3.8e9 < cost.mult_adds < 4.2e9


def test_layer_costs_of_depthwise_separable_and_nested_models():
    inner = keras.Sequential([keras.Input((8, 8, 4)), keras.layers.DepthwiseConv2D(3)], name="in")
    outer = keras.Sequential([keras.Input((8, 8, 4)), inner,
                              keras.layers.SeparableConv2D(6, 3)])
    rows = ar.layer_costs(outer)
    assert [r.kind for r in rows] == ["DepthwiseConv2D", "SeparableConv2D"]
    assert rows[0].mult_adds == 6 * 6 * 4 * 9
    assert rows[1].mult_adds == 4 * 4 * 4 * 9 + 4 * 4 * 4 * 6
    assert ar.model_cost(outer).depth == 2


def test_model_cost_bad_input():
    with pytest.raises(ValueError, match="built Keras model"):
        ar.model_cost([1, 2])
    with pytest.raises(ValueError, match="bytes_per_value"):
        ar.model_cost(models.lecture_cnn(), bytes_per_value=0)


# --- exercise checks and figures of notebook 06 ------------------------------------------------


def _stub(*args):
    raise NotImplementedError


def test_exercise_checks_of_notebook_06(capsys):
    from course_utils import exercises as ex

    def rf_size(kernels, strides):
        size, jump = 1, 1
        for k, s in zip(kernels, strides, strict=True):
            size, jump = size + (k - 1) * jump, jump * s
        return size

    assert ex.check_rf_size(rf_size)
    assert not ex.check_rf_size(_stub) and not ex.check_rf_size(None)
    assert not ex.check_rf_size(lambda ks, ss: 1 + sum(k - 1 for k in ks))
    assert "multiply the jumps" in capsys.readouterr().out
    assert ex.check_n_3x3_layers(14)
    assert not any(ex.check_n_3x3_layers(a) for a in (None, 13, 15, 14.0, "14"))
    assert ex.check_dilations([1, 2, 4, 8]) and ex.check_dilations((1, 3, 9, 1))
    assert not ex.check_dilations([1, 1, 1])  # too small
    assert not ex.check_dilations([1, 4, 16])  # holes
    assert "gridding" in capsys.readouterr().out
    assert not any(ex.check_dilations(a) for a in (None, 5, [0, 20], [1, 2, 4, 8, 16]))


def test_figures_of_notebook_06():
    import matplotlib.pyplot as plt

    from course_utils import plotting

    image, grad = np.zeros((28, 28)), np.random.default_rng(0).random((28, 28))
    fig = plotting.receptive_field_figure(image, grad, {"theory": ((4, 21), (4, 21))}, "t")
    assert len(fig.axes) == 3 and len(fig.axes[0].patches) == 1
    with pytest.raises(ValueError, match="gradient"):
        plotting.receptive_field_figure(image, grad[:5], {})
    fig2 = plotting.receptive_field_growth({"a": ar.receptive_field(LECTURE_STACK)}, 28)
    assert len(fig2.axes[0].lines) == 2  # the stack and the whole-input line
    with pytest.raises(ValueError, match="at least one"):
        plotting.receptive_field_growth({})
    yy, xx = np.mgrid[:21, :21]
    fig3 = plotting.effective_rf_figure(np.exp(-((yy - 10) ** 2 + (xx - 10) ** 2) / 18.0), 21)
    legend = [t.get_text() for t in fig3.axes[1].get_legend().get_texts()]
    assert any("σ = 3.0" in text for text in legend)  # exp(−d²/18) has σ = 3
    with pytest.raises(ValueError, match="H, W"):
        plotting.effective_rf_figure(np.zeros(5), 3)
    plt.close("all")
