"""course_utils.receptive_field: the recursion, the Keras chain reader, bounds, measured fields.

Hand-computed cases from the lectures, properties against Keras' own shapes, and receptive
fields *measured* from the input gradient of one output unit.
"""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from course_utils import models
from course_utils import receptive_field as rf
from tests.conftest import LECTURE_STACK


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
    rows = rf.receptive_field([(3,), (3,), (3,)])
    assert [r.size for r in rows] == [3, 5, 7]
    assert [r.jump for r in rows] == [1, 1, 1]
    assert rf.receptive_field([(7,)])[-1].size == 7


def test_lecture_network_with_pooling_covers_41_percent():
    rows = rf.receptive_field(LECTURE_STACK, input_size=28)
    assert [r.size for r in rows] == [3, 4, 8, 10, 18]
    assert [r.jump for r in rows] == [1, 2, 2, 4, 4]
    assert [r.out_size for r in rows] == [26, 13, 11, 5, 3]
    assert rows[-1].coverage == pytest.approx(324 / 784)
    assert round(100 * rows[-1].coverage, 1) == 41.3


def test_lecture_network_without_pooling_covers_6_25_percent():
    rows = rf.receptive_field([(3,), (3,), (3,)], input_size=28)
    assert [r.out_size for r in rows] == [26, 24, 22]
    assert rows[-1].coverage == 49 / 784 == 0.0625


def test_footprints_reproduce_the_slide_columns():
    # csci e-89 "Why pooling is a must": input 18, conv2d_1 16, maxpool 8, conv2d_2 6, maxpool 3, 1
    assert rf.footprint_sizes(LECTURE_STACK) == [18, 16, 8, 6, 3, 1]
    assert rf.footprint_sizes([(3,), (3,), (3,)]) == [7, 5, 3, 1]


def test_alexnet_first_layers_by_hand():
    rows = rf.receptive_field([(11, 4), (3, 2), (5, 1, 1, 2), (3, 2)], input_size=227)
    assert [r.size for r in rows] == [11, 19, 51, 67]
    assert [r.jump for r in rows] == [4, 8, 8, 16]
    assert [r.out_size for r in rows] == [55, 27, 27, 13]


def test_dilation_grows_the_field_exponentially():
    assert rf.receptive_field([(3, 1, 2)])[-1].size == 5
    assert [r.size for r in rf.receptive_field([(3, 1, 1), (3, 1, 2), (3, 1, 4)])] == [3, 7, 15]
    assert rf.RFLayer(3, dilation=4).effective_kernel == 9


def test_start_offsets_and_bounds():
    valid = rf.receptive_field([(3,)], input_size=10)[-1]
    same = rf.receptive_field([(3, 1, 1, "same")], input_size=10)[-1]
    assert (valid.start, same.start) == (1.0, 0.0)
    assert valid.bounds(0) == (0, 2)
    assert same.bounds(0) == (-1, 1) and same.bounds(0, input_size=10) == (0, 1)
    pooled = rf.receptive_field([(2, 2)])[-1]
    assert pooled.start == 0.5 and pooled.bounds(3) == (6, 7)


def test_same_padding_with_stride_follows_tensorflow():
    # 'same', k=3, s=2 on 8 pixels: TF pads 0 before / 1 after; on 7 pixels 1 before / 1 after
    assert rf.receptive_field([(3, 2, 1, "same")], input_size=8)[-1].pad_before == 0
    assert rf.receptive_field([(3, 2, 1, "same")], input_size=7)[-1].pad_before == 1


def test_receptive_field_frame():
    frame = rf.receptive_field_frame(rf.receptive_field(LECTURE_STACK, input_size=28))
    assert list(frame["RF"]) == [3, 4, 8, 10, 18]
    assert frame["coverage %"].iloc[-1] == 41.33
    assert rf.receptive_field_frame(rf.receptive_field([(3,)]))["coverage %"].isna().all()
    with pytest.raises(ValueError, match="RFRow"):
        rf.receptive_field_frame([(3, 1)])


def test_rflayer_and_names():
    rows = rf.receptive_field([rf.RFLayer(5, 1, 1, 0, name="conv_a"), (2, 2)])
    assert [r.name for r in rows] == ["conv_a", "layer_2"]


def test_receptive_field_of_keras_models():
    rows = rf.receptive_field(models.lecture_cnn())
    assert [r.name for r in rows] == ["conv1", "pool1", "conv2", "pool2", "conv3"]
    assert rows[-1].size == 18 and rows[-1].coverage == pytest.approx(324 / 784)
    alex = models.build_without_weights(models.alexnet)
    by_name = {r.name: r for r in rf.receptive_field(alex)}
    assert "pad2" not in by_name  # ZeroPadding2D folded into the next 'valid' conv
    assert (by_name["conv5"].size, by_name["pool3"].size) == (163, 195)
    assert by_name["pool3"].out_size == 6
    vgg = models.build_without_weights(models.vgg16)
    assert rf.receptive_field(vgg)[-2].size == 196  # block5_conv3
    assert rf.footprint_sizes(models.lecture_cnn()) == [18, 16, 8, 6, 3, 1]


def test_receptive_field_width_axis_of_a_non_square_kernel():
    model = keras.Sequential([keras.Input((20, 30, 1)), keras.layers.Conv2D(1, (3, 7))])
    assert rf.receptive_field(model, axis=0)[-1].size == 3
    assert rf.receptive_field(model, axis=1)[-1].size == 7
    assert rf.receptive_field(model, axis=1)[-1].out_size == 24


# --- bad input -------------------------------------------------------------------------


def test_bad_input_raises_clear_errors():
    with pytest.raises(ValueError, match="tuple"):
        rf.receptive_field([(3, 1, 1, 0, 9)])
    with pytest.raises(ValueError, match="kernel_size of layer 2"):
        rf.receptive_field([(3,), (0,)])
    with pytest.raises(ValueError, match="at least one"):
        rf.receptive_field([])
    with pytest.raises(ValueError, match="sequence of layers"):
        rf.receptive_field("conv")
    with pytest.raises(ValueError, match="pass input_size"):
        rf.receptive_field([(3, 2, 1, "same")])
    with pytest.raises(ValueError, match="input_size"):
        rf.receptive_field([(3,)], input_size=0)
    with pytest.raises(ValueError, match="padding"):
        rf.receptive_field([(3, 1, 1, "reflect")], input_size=9)
    with pytest.raises(ValueError, match="axis"):
        rf.receptive_field(models.lecture_cnn(), axis=2)
    with pytest.raises(ValueError, match="sequence of layers"):
        rf.footprint_sizes(3)


def test_merge_layers_are_refused():
    inputs = keras.Input((8, 8, 4))
    x = keras.layers.Add()([inputs, keras.layers.Conv2D(4, 3, padding="same")(inputs)])
    with pytest.raises(ValueError, match="merge layer"):
        rf.receptive_field(keras.Model(inputs, x))


# --- properties ----------------------------------------------------------------------------

layer_specs = st.lists(
    st.tuples(st.integers(1, 4), st.integers(1, 3), st.integers(1, 2)), min_size=1, max_size=5
)


@given(layer_specs)
def test_footprint_of_the_input_equals_the_receptive_field(specs):
    assert rf.footprint_sizes(specs)[0] == rf.receptive_field(specs)[-1].size


@given(layer_specs)
def test_receptive_field_closed_form(specs):
    # r = 1 + Σ_l (k_eff,l − 1)·Π_{i<l} s_i
    expected = 1 + sum((d * (k - 1)) * math.prod(s for _, s, _ in specs[:i])
                       for i, (k, _, d) in enumerate(specs))
    assert rf.receptive_field(specs)[-1].size == expected


@settings(max_examples=15, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 5), st.integers(1, 2), st.sampled_from(["valid", "same"]),
                       st.booleans()), min_size=1, max_size=4),
    st.integers(24, 40),
)
def test_output_sizes_equal_keras_shapes(specs, n):
    layers = [(k, s, 1, p, "pool" if pool else "conv") for k, s, p, pool in specs]
    model = small_cnn(layers, n)
    rows = rf.receptive_field(model)
    keras_sizes = [layer.output.shape[1] for layer in model.layers]
    assert [r.out_size for r in rows] == keras_sizes


# --- measured receptive fields ---------------------------------------------------------------


def test_measured_field_of_the_lecture_network_is_18x18():
    model = models.lecture_cnn()
    rows = rf.receptive_field(model)
    for position in [(0, 0), (1, 1), (2, 1)]:
        measured = rf.measure_receptive_field(model, "conv3", position=position)
        assert measured.size == (18, 18)
        assert measured.rows == rows[-1].bounds(position[0], 28)
        assert measured.cols == rows[-1].bounds(position[1], 28)
        assert measured.gradient.shape == (28, 28)


def keras_layers(specs):
    """(kernel, stride, dilation, padding, pool) draws → small_cnn layers: pools are 'valid'
    k×k/k windows (k >= 2), a dilated conv has stride 1 (Keras refuses both > 1)."""
    layers = []
    for k, s, d, p, pool in specs:
        if pool:
            layers.append((max(k, 2), max(k, 2), 1, "valid", "pool"))
        else:
            layers.append((k, 1 if d > 1 else s, d, p, "conv"))
    return layers


@pytest.mark.slow
@settings(max_examples=6)
@given(
    st.lists(st.tuples(st.integers(1, 4), st.integers(1, 2), st.integers(1, 2),
                       st.sampled_from(["valid", "same"]), st.booleans()),
             min_size=1, max_size=3),
)
# the three failures random draws found before the suite was derandomized: two stacks that
# shrink 32 pixels below one, and the bounds bug (pool 4 → 8 px, pool 3 → 2 px ignoring 2, 'same'
# 2×2 conv: measured (12, 23), the theoretical field clipped to the image gave (12, 31))
@example([(4, 1, 1, "valid", True), (4, 1, 1, "valid", True), (4, 1, 1, "valid", True)])
@example([(4, 1, 1, "valid", True), (4, 1, 1, "valid", True), (3, 1, 1, "valid", False)])
@example([(4, 1, 1, "valid", True), (3, 1, 1, "valid", True), (2, 1, 1, "same", False)])
def test_measured_field_equals_computed_field(specs):
    layers = keras_layers(specs)
    try:  # a stack that shrinks 32 pixels below one is not a network Keras can build
        rows = rf.receptive_field([(k, s, d, p) for k, s, d, p, _ in layers], input_size=32)
    except ValueError:
        assume(False)
    model = small_cnn(layers, n=32, pooling="avg", activation=None)  # no dead ReLUs
    assert [r.out_size for r in rf.receptive_field(model)] == [r.out_size for r in rows]
    centre = rows[-1].out_size // 2
    measured = rf.measure_receptive_field(model, position=(centre, centre), n_samples=4)
    assert measured.rows == rows[-1].bounds(centre, 32)
    assert measured.cols == rows[-1].bounds(centre, 32)


def test_bounds_of_the_issue_case():
    rows = rf.receptive_field([(4, 4), (3, 3), (2, 1, 1, "same")], input_size=32)
    assert [r.out_size for r in rows] == [8, 2, 2]
    assert rows[-1].bounds(1) == (12, 35)  # theoretical: the 'same' pad reaches past pixel 31
    assert rows[-1].bounds(1, 32) == (12, 23)  # pool 3 on 8 units ignores units 6, 7


def test_bounds_exclude_pixels_only_padding_reaches():
    # a 1×1 conv with stride 2 reads pixels 0, 2, …, 30 of 32: the 'same' 5×5 conv after it
    # has a theoretical field centre ± 4 (unit 15: pixels 26 … 34), of which the image holds
    # 26 … 31 and the chain reads 26 … 30
    rows = rf.receptive_field([(1, 2), (5, 1, 1, "same")], input_size=32)
    last = rows[-1]
    assert (last.size, last.jump, last.out_size) == (9, 2, 16)
    assert last.bounds(15) == (26, 34)  # the theoretical field, padding included
    assert last.bounds(15, 32) == (26, 30)  # the pixels that can change the unit
    assert last.bounds(0, 32) == (0, 4)
    hand_made = rf.RFRow("x", 3, 1, 1, 1, 3, 1, 0.0, 10, None)  # no path: only clipped
    assert hand_made.bounds(0, 10) == (0, 1)
    with pytest.raises(ValueError, match="index must be between 0 and 15"):
        last.bounds(16, 32)
    with pytest.raises(ValueError, match="input_size must be an integer >= 1"):
        last.bounds(0, 0)


def test_bounds_of_a_unit_that_reads_padding_only():
    rows = rf.receptive_field([(1, 1, 1, 2)], input_size=4)  # 1×1 conv, 2 zeros on each side
    assert rows[-1].out_size == 8 and rows[-1].bounds(0) == (-2, -2)
    with pytest.raises(ValueError, match="reads padding only"):
        rows[-1].bounds(0, 4)
    assert rows[-1].bounds(2, 4) == (0, 0)


def test_measured_field_is_clipped_at_the_border_with_same_padding():
    model = small_cnn([(5, 1, 1, "same", "conv"), (5, 1, 1, "same", "conv")], n=16)
    measured = rf.measure_receptive_field(model, position=(0, 15), n_samples=16)
    assert measured.rows == (0, 4) and measured.cols == (11, 15)
    assert rf.receptive_field(model)[-1].bounds(15, 16) == (11, 15)


def test_measure_receptive_field_bad_input():
    model = models.lecture_cnn()
    with pytest.raises(ValueError, match="position"):
        rf.measure_receptive_field(model, "conv3", position=(3, 0))
    with pytest.raises(ValueError, match="H, W, C"):
        rf.measure_receptive_field(model, "dense1")
    with pytest.raises(ValueError, match="n_samples"):
        rf.measure_receptive_field(model, "conv3", n_samples=0)


def test_measure_uses_given_inputs():
    model = models.lecture_cnn()
    digit = np.zeros((1, 28, 28, 1))
    digit[0, 10:20, 10:20] = 1.0
    measured = rf.measure_receptive_field(model, "conv1", position=(12, 12), inputs=digit)
    assert measured.rows[0] >= 12 and measured.rows[1] <= 14


# --- the one Keras chain reader ----------------------------------------------------------------


def test_keras_chain_reads_dilation_padding_and_stops():
    model = keras.Sequential([
        keras.Input((20, 20, 1)),
        keras.layers.Conv2D(2, 3, dilation_rate=2, padding="same", name="dilated"),
        keras.layers.ReLU(name="relu"),
        keras.layers.ZeroPadding2D(((1, 2), (0, 0)), name="pad"),
        keras.layers.MaxPooling2D(2, name="pool"),
        keras.layers.Flatten(),
        keras.layers.Dense(3),
    ])
    chain = rf.keras_chain(model)
    assert chain == [rf.RFLayer(3, 1, 2, "same", "dilated"), rf.RFLayer(2, 2, 1, (1, 2), "pool")]
    assert rf.keras_chain(model, axis=1)[1].padding == (0, 0)
    assert rf.keras_chain(model, up_to="relu") == chain[:1]
    with pytest.raises(ValueError, match="has no layer 'nope'"):
        rf.keras_chain(model, up_to="nope")


def test_keras_chain_through_merges_follows_the_main_path():
    inputs = keras.Input((8, 8, 4))
    y = keras.layers.Conv2D(4, 3, padding="same", name="conv")(inputs)
    model = keras.Model(inputs, keras.layers.Add(name="add")([inputs, y]))
    with pytest.raises(ValueError, match="merge layer 'add'"):
        rf.keras_chain(model)
    assert [layer.name for layer in rf.keras_chain(model, through_merges=True)] == ["conv"]


def test_recursion_is_public_and_carries_the_path():
    specs = [rf.RFLayer(3, name="a"), rf.RFLayer(2, 2, name="b")]
    rows = rf.receptive_field_recursion(specs, input_size=10)
    assert [r.size for r in rows] == [3, 4] and rows[-1].path == tuple(specs)
    assert rows == rf.receptive_field(specs, input_size=10)


# --- figures (notebook 06) ----------------------------------------------------------


def test_figures_of_notebook_06():
    import matplotlib.pyplot as plt

    image, grad = np.zeros((28, 28)), np.random.default_rng(0).random((28, 28))
    fig = rf.receptive_field_figure(image, grad, {"theory": ((4, 21), (4, 21))}, "t")
    assert len(fig.axes) == 3 and len(fig.axes[0].patches) == 1
    with pytest.raises(ValueError, match="gradient"):
        rf.receptive_field_figure(image, grad[:5], {})
    fig2 = rf.receptive_field_growth({"a": rf.receptive_field(LECTURE_STACK)}, 28)
    assert len(fig2.axes[0].lines) == 2  # the stack and the whole-input line
    with pytest.raises(ValueError, match="at least one"):
        rf.receptive_field_growth({})
    yy, xx = np.mgrid[:21, :21]
    fig3 = rf.effective_rf_figure(np.exp(-((yy - 10) ** 2 + (xx - 10) ** 2) / 18.0), 21)
    legend = [t.get_text() for t in fig3.axes[1].get_legend().get_texts()]
    assert any("σ = 3.0" in text for text in legend)  # exp(−d²/18) has σ = 3
    with pytest.raises(ValueError, match="H, W"):
        rf.effective_rf_figure(np.zeros(5), 3)
    plt.close("all")
