"""Lecture CNNs (course_utils.models.lecture): parameter counts and shapes against the slides
(seeds 000, 001, 002), recomputed by formula, and bad input."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils import models, shapes
from course_utils.models import lecture


def conv(k, c_in, c_out):
    return (k * k * c_in + 1) * c_out


def dense(n_in, n_out):
    return (n_in + 1) * n_out


def rows(model):
    return [(layer.name, tuple(layer.output.shape[1:]), layer.count_params())
            for layer in model.layers]


def test_builders_are_exported_by_the_models_package():
    for name in lecture.__all__:
        assert getattr(models, name) is getattr(lecture, name)


# --- LeNet-5 (seed 000) ----------------------------------------------------------------


def test_lenet5_reproduces_the_seed_000_summary_row_by_row():
    model = lecture.lenet5()
    slide = [  # seed 000, last "model.summary()" slide
        ("conv1", (28, 28, 6), 156), ("pool1", (14, 14, 6), 0), ("conv2", (10, 10, 16), 2_416),
        ("pool2", (5, 5, 16), 0), ("flatten", (400,), 0), ("dense1", (120,), 48_120),
        ("dense2", (84,), 10_164), ("output", (10,), 850),
    ]
    assert rows(model) == slide
    assert model.count_params() == 61_706
    assert 156 + 2_416 + 48_120 + 10_164 + 850 == 61_706
    assert shapes.layer_table(model).all_match


def test_lenet5_formulas_and_the_slide_typo():
    assert conv(5, 1, 6) == 156 and conv(5, 6, 16) == 2_416
    assert dense(400, 120) == 48_120 and dense(120, 84) == 10_164 and dense(84, 10) == 850
    # one seed 000 slide writes 16 × (3 × 3 × 6) + 16 for conv2: that is 880, not 2,416
    assert 16 * (3 * 3 * 6) + 16 == 880 != lecture.lenet5().get_layer("conv2").count_params()


def test_lenet5_activations_and_pooling_are_the_slides():
    model = lecture.lenet5()
    assert model.get_layer("conv1").activation.__name__ == "tanh"
    assert model.get_layer("conv2").activation.__name__ == "tanh"
    assert isinstance(model.get_layer("pool1"), keras.layers.AveragePooling2D)
    assert model.get_layer("dense1").activation.__name__ == "relu"
    assert model.get_layer("output").activation.__name__ == "softmax"


def test_lenet5_rgb_input_changes_only_the_first_layer():
    grey, rgb = lecture.lenet5(), lecture.lenet5(input_shape=(32, 32, 3))
    assert grey.get_layer("conv1").count_params() == 156
    assert rgb.get_layer("conv1").count_params() == 456
    rest = 61_706 - 156
    assert grey.count_params() - 156 == rgb.count_params() - 456 == rest == 61_550


def test_lenet5_insa_reproduces_the_insa_summary_row_by_row():
    model = lecture.lenet5_insa()
    slide = [  # Chevallier, Introduction to CNNs (INSA Toulouse), "A Pioneer: LeNet (1998)"
        ((28, 28, 6), 156), ((14, 14, 6), 0), ((14, 14, 6), 0), ((10, 10, 16), 2_416),
        ((5, 5, 16), 0), ((5, 5, 16), 0), ((1, 1, 120), 48_120), ((120,), 0), ((84,), 10_164),
        ((10,), 850),
    ]
    assert [r[1:] for r in rows(model)] == slide
    assert model.count_params() == lecture.lenet5().count_params() == 61_706
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds[:3] == ["Conv2D", "AveragePooling2D", "Activation"]  # activation after pooling
    assert model.get_layer("act1").get_config()["activation"] == "tanh"
    assert lecture.lenet5_insa(activation="sigmoid").get_layer("act2").get_config()[
        "activation"] == "sigmoid"
    assert shapes.layer_table(model).all_match


def test_lenet5_insa_conv3_is_a_dense_layer_on_the_flattened_maps():
    """On 5×5×16 maps, Conv2D(120, 5×5) computes what Flatten → Dense(120) computes with the
    same (reshaped) weights."""
    conv3 = keras.layers.Conv2D(120, (5, 5))
    dense120 = keras.layers.Dense(120)
    x = np.random.default_rng(0).normal(size=(3, 5, 5, 16)).astype("float32")
    conv_out = keras.ops.convert_to_numpy(conv3(x)).reshape(3, 120)
    dense120.build((None, 400))
    kernel, bias = conv3.get_weights()
    dense120.set_weights([kernel.reshape(400, 120), bias])
    dense_out = keras.ops.convert_to_numpy(dense120(x.reshape(3, 400)))
    np.testing.assert_allclose(conv_out, dense_out, atol=1e-5)


def test_lenet5_insa_bad_input():
    with pytest.raises(ValueError, match="lenet5_insa: activation must be"):
        lecture.lenet5_insa(activation="softmax")
    with pytest.raises(ValueError, match="lenet5_insa"):
        lecture.lenet5_insa(input_shape=(28, 28, 1))  # too small for three 5×5 convolutions
    with pytest.raises(ValueError, match="n_classes"):
        lecture.lenet5_insa(n_classes=1)


def test_mlp_baseline_has_the_slides_86950_parameters():
    model = lecture.mlp_baseline()
    assert model.count_params() == 1024 * 84 + 84 + 84 * 10 + 10 == 86_950
    rgb = lecture.mlp_baseline(input_shape=(32, 32, 3))
    assert rgb.get_layer("hidden").count_params() == 1024 * 3 * 84 + 84


@settings(max_examples=10, deadline=None)
@given(side=st.integers(16, 40), c_in=st.integers(1, 4), n_classes=st.integers(2, 12))
def test_lenet5_count_matches_the_formula_for_any_input(side, c_in, n_classes):
    model = lecture.lenet5(input_shape=(side, side, c_in), n_classes=n_classes)
    s2 = ((side - 4) // 2 - 4) // 2
    expected = (conv(5, c_in, 6) + conv(5, 6, 16) + dense(s2 * s2 * 16, 120) + dense(120, 84)
                + dense(84, n_classes))
    assert model.count_params() == expected
    assert model.output_shape == (None, n_classes)


# --- csci e-89 CNN (seed 001) -----------------------------------------------------------


def test_lecture_cnn_reproduces_the_seed_001_summaries():
    base = lecture.lecture_cnn(head=False)
    assert rows(base) == [
        ("conv1", (26, 26, 32), 320), ("pool1", (13, 13, 32), 0),
        ("conv2", (11, 11, 64), 18_496), ("pool2", (5, 5, 64), 0), ("conv3", (3, 3, 64), 36_928),
    ]
    assert base.count_params() == 55_744 == 320 + 18_496 + 36_928
    model = lecture.lecture_cnn()
    assert rows(model)[5:] == [("flatten", (576,), 0), ("dense1", (64,), 36_928),
                               ("output", (10,), 650)]
    assert model.count_params() == 93_322 == 55_744 + 36_928 + 650
    assert 9 * 32 + 32 == 320 and 64 * 32 * 9 + 64 == 18_496 and 64 * 64 * 9 + 64 == 36_928


# --- CIFAR-10 slide model (seed 002) -----------------------------------------------------


def test_cifar_slide_cnn_has_3692938_parameters():
    model = lecture.cifar_slide_cnn()
    assert rows(model) == [
        ("conv1", (30, 30, 32), 896), ("pool1", (15, 15, 32), 0), ("dropout1", (15, 15, 32), 0),
        ("flatten", (7_200,), 0), ("dense1", (512,), 3_686_912), ("dropout2", (512,), 0),
        ("output", (10,), 5_130),
    ]
    expected = conv(3, 3, 32) + dense(15 * 15 * 32, 512) + dense(512, 10)
    assert model.count_params() == expected == 3_692_938
    assert shapes.layer_table(model).all_match


def test_cifar_slide_cnn_variants_keep_the_parameter_count():
    plain = lecture.cifar_slide_cnn(dropout=(0, 0))
    assert not any(isinstance(layer, keras.layers.Dropout) for layer in plain.layers)
    augmented = lecture.cifar_slide_cnn(augment=True, seed=1)
    assert augmented.layers[0].name == "augmentation"
    assert plain.count_params() == augmented.count_params() == 3_692_938


def test_augmentation_changes_images_in_training_only():
    images = np.random.default_rng(0).random((4, 32, 32, 3)).astype("float32")
    aug = lecture.augmentation(seed=3)
    assert np.allclose(aug(images, training=False), images)
    assert not np.allclose(aug(images, training=True), images)


def test_cifar_deep_cnn_blocks_and_counts():
    model = lecture.cifar_deep_cnn(augment=False)
    names = [layer.name for layer in model.layers]
    assert names[:5] == ["image", "block1_conv1", "block1_bn1", "block1_relu1", "block1_conv2"]
    assert model.get_layer("block3_pool").output.shape[1:] == (4, 4, 64)
    convs = (3 * 16 + 16 * 16 + 16 * 32 + 32 * 32 + 32 * 64 + 64 * 64) * 9  # no conv bias
    bn = 4 * (16 + 16 + 32 + 32 + 64 + 64)
    assert model.count_params() == convs + bn + dense(64, 10) == 73_402
    assert shapes.layer_table(model).all_match
    with_aug = lecture.cifar_deep_cnn(augment=True)
    assert with_aug.get_layer("augmentation") is not None
    assert with_aug.count_params() == model.count_params()


def test_cifar_deep_cnn_predicts_probabilities():
    model = lecture.cifar_deep_cnn(n_filters=(4, 8), convs_per_block=1)
    p = model(np.zeros((2, 32, 32, 3), "float32"), training=False).numpy()
    assert p.shape == (2, 10) and np.allclose(p.sum(axis=1), 1, atol=1e-5)


# --- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("builder", "shape", "match"),
    [
        (lecture.lenet5, (28, 28), "input_shape must be"),
        (lecture.lenet5, (12, 12, 1), "must be >= 16"),
        (lecture.lenet5, (32, 32, 0), "channels must be >= 1"),
        (lecture.lenet5, "32x32", "input_shape must be"),
        (lecture.lecture_cnn, (16, 16, 1), "must be >= 18"),
        (lecture.cifar_slide_cnn, (3, 3, 3), "must be >= 4"),
        (lecture.cifar_deep_cnn, (4, 4, 3), "must be >= 8"),
        (lecture.mlp_baseline, (32.5, 32, 1), "input_shape must be"),
    ],
)
def test_wrong_input_shape_is_a_clear_error(builder, shape, match):
    with pytest.raises(ValueError, match=match):
        builder(input_shape=shape)


def test_other_bad_arguments_are_clear_errors():
    with pytest.raises(ValueError, match="lenet5: n_classes must be an integer >= 2, got 1"):
        lecture.lenet5(n_classes=1)
    with pytest.raises(ValueError, match="n_hidden must be"):
        lecture.mlp_baseline(n_hidden=0)
    with pytest.raises(ValueError, match="dropout must be 2 rates"):
        lecture.cifar_slide_cnn(dropout=(0.5,))
    with pytest.raises(ValueError, match="n_filters must be"):
        lecture.cifar_deep_cnn(n_filters=())
    with pytest.raises(ValueError, match="convs_per_block"):
        lecture.cifar_deep_cnn(convs_per_block=0)
    with pytest.raises(ValueError, match="flip must be"):
        lecture.augmentation(flip="diagonal")
    with pytest.raises(ValueError, match="translation must be"):
        lecture.augmentation(translation=1.5)


def test_integer_arguments_follow_the_shared_rule():
    """True is refused and NumPy integers are accepted, as everywhere in the package."""
    with pytest.raises(ValueError, match="lenet5: n_classes must be an integer >= 2, got True"):
        lecture.lenet5(n_classes=True)
    with pytest.raises(ValueError, match="cifar_deep_cnn: convs_per_block must be an integer"):
        lecture.cifar_deep_cnn(convs_per_block=True)
    assert lecture.lenet5(n_classes=np.int64(3)).output_shape == (None, 3)
    with pytest.raises(ValueError, match=r"cifar_slide_cnn: dropout must be a number in \[0, 1\)"):
        lecture.cifar_slide_cnn(dropout=(0.5, 1.0))
