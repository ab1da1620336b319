"""course_utils.cost: depth, parameters, multiply–adds and activation memory (notebook 07)."""

from __future__ import annotations

import keras
import pytest

from course_utils import cost, models


def test_model_cost_of_the_lecture_cnn_by_hand():
    result = cost.model_cost(models.lecture_cnn())
    mult_adds = (26 * 26 * 32 * 9 + 11 * 11 * 64 * 9 * 32 + 3 * 3 * 64 * 9 * 64
                 + 576 * 64 + 64 * 10)
    activations = 784 + 26 * 26 * 32 + 13 * 13 * 32 + 11 * 11 * 64 + 5 * 5 * 64 + 576 + 64 + 10
    assert (result.depth, result.params, result.mult_adds) == (5, 93_322, mult_adds)
    assert result.activations == activations and result.activation_bytes == 4 * activations
    half = cost.model_cost(models.lecture_cnn(), bytes_per_value=2)
    assert half.activation_bytes == 2 * activations


def test_inception_operation_counts():
    naive = cost.model_cost(models.inception_model(bottleneck=False)).mult_adds
    reduced = cost.model_cost(models.inception_model(bottleneck=True)).mult_adds
    hw = 28 * 28
    assert naive == hw * (128 * 256 + 192 * 9 * 256 + 96 * 25 * 256) == 854_196_224
    assert reduced == hw * (64 * 256 * 3 + 128 * 256 + 192 * 9 * 64 + 96 * 25 * 64)
    assert reduced == 271_351_808  # Padova deck prints 358M for this sum


def test_depth_follows_the_longest_path_of_resnet50():
    resnet = models.build_without_weights(keras.applications.ResNet50, weights=None)
    result = cost.model_cost(resnet)
    assert result.depth == 50 and result.params == 25_636_712
    assert 3.8e9 < result.mult_adds < 4.2e9


def test_layer_costs_of_depthwise_separable_and_nested_models():
    inner = keras.Sequential([keras.Input((8, 8, 4)), keras.layers.DepthwiseConv2D(3)], name="in")
    outer = keras.Sequential([keras.Input((8, 8, 4)), inner,
                              keras.layers.SeparableConv2D(6, 3)])
    rows = cost.layer_costs(outer)
    assert [r.kind for r in rows] == ["DepthwiseConv2D", "SeparableConv2D"]
    assert rows[0].mult_adds == 6 * 6 * 4 * 9
    assert rows[1].mult_adds == 4 * 4 * 4 * 9 + 4 * 4 * 4 * 6
    assert cost.model_cost(outer).depth == 2


def test_model_cost_bad_input():
    with pytest.raises(ValueError, match="built Keras model"):
        cost.model_cost([1, 2])
    with pytest.raises(ValueError, match="bytes_per_value"):
        cost.model_cost(models.lecture_cnn(), bytes_per_value=0)


def test_a_graph_that_cannot_be_read_is_a_clear_error():
    shared = keras.layers.Conv2D(2, 3, name="shared")
    first = keras.Input((8, 8, 1))
    keras.Model(first, shared(first))  # the layer's first call belongs to another model
    second = keras.Input((8, 8, 1))
    x = keras.layers.Conv2D(1, 1, name="before")(second)
    model = keras.Model(second, shared(x))
    with pytest.raises(ValueError, match="cannot read the graph of model .*'shared'"):
        cost.model_cost(model)


# --- memory_table (notebook 04: csci e-89's Memory Requirements slide) --------------------------

LECTURE_CNN_ACTIVATIONS = [26 * 26 * 32, 13 * 13 * 32, 11 * 11 * 64, 5 * 5 * 64, 3 * 3 * 64, 0,
                           64, 10]  # Flatten only views its input


def test_memory_table_of_the_lecture_cnn_by_hand():
    table = cost.memory_table(models.lecture_cnn(), batch_size=64)
    assert [r.activations for r in table.rows] == LECTURE_CNN_ACTIVATIONS
    assert [r.activation_bytes for r in table.rows] == [64 * 4 * v for v in LECTURE_CNN_ACTIVATIONS]
    assert [r.param_bytes for r in table.rows] == [4 * r.params for r in table.rows]
    assert table.input_bytes == 64 * 784 * 4 and table.params == 93_322
    assert table.activation_bytes == 64 * 4 * (784 + sum(LECTURE_CNN_ACTIVATIONS))
    assert table.param_bytes == 4 * 93_322
    assert table.training_bytes(0) == table.activation_bytes + 2 * table.param_bytes
    assert table.training_bytes() == table.activation_bytes + 4 * table.param_bytes  # Adam
    frame = table.to_frame()
    assert list(frame.index[[0, -1]]) == ["input", "total"]
    assert frame.loc["total", "parameters"] == 93_322
    # model_cost counts the same activations for one image
    assert table.activation_bytes == 64 * cost.model_cost(models.lecture_cnn()).activation_bytes


def test_memory_table_scales_with_the_batch_and_reads_float16_dtypes():
    base = cost.memory_table(models.lecture_cnn(), 64)
    assert cost.memory_table(models.lecture_cnn(), 32).activation_bytes * 2 == base.activation_bytes
    assert cost.memory_table(models.lecture_cnn(), 64, bytes_per_value=2).param_bytes * 2 == \
        base.param_bytes
    for policy, weight_bytes in [("float16", 2), ("mixed_float16", 4)]:
        keras.config.set_dtype_policy(policy)
        try:
            model = models.lecture_cnn()
        finally:
            keras.config.set_dtype_policy("float32")
        table = cost.memory_table(model, 64)
        assert [r.activation_bytes for r in table.rows] == \
            [64 * 2 * v for v in LECTURE_CNN_ACTIVATIONS], policy
        assert table.param_bytes == weight_bytes * 93_322, policy
        assert table.input_bytes == base.input_bytes  # keras.Input stays float32


def test_memory_table_bad_input():
    with pytest.raises(ValueError, match="built Keras model, got list"):
        cost.memory_table([1, 2], 64)
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1"):
        cost.memory_table(models.lecture_cnn(), 0)
    with pytest.raises(ValueError, match="bytes_per_value must be an integer >= 1"):
        cost.memory_table(models.lecture_cnn(), 8, bytes_per_value=0.5)
    with pytest.raises(ValueError, match="optimizer_slots must be an integer >= 0"):
        cost.memory_table(models.lecture_cnn(), 8).training_bytes(-1)


def test_figures_of_notebook_07():
    import matplotlib.pyplot as plt

    fig = cost.top5_error_figure(models.ILSVRC_TOP5_ERROR, models.HUMAN_TOP5_ERROR)
    assert len(fig.axes[0].patches) == len(models.ILSVRC_TOP5_ERROR)
    costs = [cost.model_cost(models.lecture_cnn()), cost.model_cost(models.mini_vgg())]
    assert len(cost.cost_bars(costs).axes) == 3
    with pytest.raises(ValueError, match="at least one"):
        cost.top5_error_figure([])
    with pytest.raises(ValueError, match="at least one"):
        cost.cost_bars([])
    plt.close("all")
