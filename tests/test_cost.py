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
    assert reduced == 271_351_808  # seed 003 prints 358M for this sum


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
