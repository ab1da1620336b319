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


# --- LeNet-5 (PoliMi deck) ----------------------------------------------------------------


def test_lenet5_reproduces_the_seed_000_summary_row_by_row():
    model = lecture.lenet5()
    slide = [  # PoliMi deck, last "model.summary()" slide
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
    # one PoliMi deck slide writes 16 × (3 × 3 × 6) + 16 for conv2: that is 880, not 2,416
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


# --- csci e-89 CNN (csci e-89 deck) -----------------------------------------------------------


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


def test_lecture_cnn_downsamples_by_max_pooling_average_pooling_or_stride():
    average = lecture.lecture_cnn(downsampling="average")
    assert [type(layer).__name__ for layer in average.layers][:5] == [
        "Conv2D", "AveragePooling2D", "Conv2D", "AveragePooling2D", "Conv2D"]
    assert rows(average)[:5] == rows(lecture.lecture_cnn())[:5]  # same shapes and parameters
    strided = lecture.lecture_cnn(downsampling="stride")
    assert rows(strided)[:3] == [("conv1", (13, 13, 32), 320), ("conv2", (6, 6, 64), 18_496),
                                 ("conv3", (4, 4, 64), 36_928)]  # ⌊(28 − 3)/2⌋ + 1 = 13, …
    assert strided.count_params() == 55_744 + (4 * 4 * 64 + 1) * 64 + 650 == 121_994
    with pytest.raises(ValueError, match=r"downsampling must be one of \('max', 'average', "):
        lecture.lecture_cnn(downsampling="min")


# --- CIFAR-10 slide model (ConvNets deck) -----------------------------------------------------


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


def test_augmentation_options_reach_the_layer():
    aug = lecture.augmentation(translation=0.125, fill_mode="constant", interpolation="nearest")
    shift = aug.get_layer("random_translation")
    assert (shift.fill_mode, shift.interpolation, shift.height_factor) == (
        "constant", "nearest", 0.125)


# --- the deeper CIFAR model of notebook 05: a small ResNet --------------------------------


def _cifar_resnet_params(w0, w1, w2, w3, n_classes=10, batch_norm=True):
    """Conv kernels 9·c_in·c_out (+ bias c_out without BatchNorm), BatchNorm 4·c, dense head."""
    convs = [(3, w0), (w0, w1), (w1, w1), (w1, w1), (w1, w2), (w2, w3), (w3, w3), (w3, w3)]
    per_channel = 4 if batch_norm else 1
    return sum(9 * a * b + per_channel * b for a, b in convs) + dense(w3, n_classes)


def test_cifar_resnet_has_414074_parameters():
    model = lecture.cifar_resnet(augment=False)
    assert model.count_params() == _cifar_resnet_params(16, 32, 64, 128) == 414_074
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    moving_statistics = 2 * (16 + 32 + 32 + 32 + 64 + 128 + 128 + 128)
    assert trainable == 414_074 - moving_statistics == 412_954
    assert model.get_layer("layer1_add").output.shape[1:] == (16, 16, 32)
    assert model.get_layer("layer3_add").output.shape[1:] == (4, 4, 128)
    assert model.output_shape == (None, 10)


def test_cifar_resnet_options_and_counts():
    plain = lecture.cifar_resnet(widths=(8, 16, 32, 64), augment=False, batch_norm=False)
    assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in plain.layers)
    assert plain.count_params() == _cifar_resnet_params(8, 16, 32, 64, batch_norm=False)
    full = lecture.cifar_resnet(widths=(8, 16, 32, 64), mean=[0.5, 0.4, 0.3],
                                std=[0.25, 0.25, 0.25], seed=0)
    assert full.get_layer("augmentation") is not None
    assert full.count_params() == _cifar_resnet_params(8, 16, 32, 64)  # normalisation: constants
    assert [layer.name for layer in full.layers[:3]] == ["image", "normalize", "augmentation"]


def test_cifar_resnet_normalizes_per_channel_and_predicts_probabilities():
    mean, std = np.array([0.5, 0.4, 0.3]), np.array([0.25, 0.2, 0.1])
    model = lecture.cifar_resnet(widths=(4, 4, 8, 8), mean=mean, std=std, augment=False)
    images = np.random.default_rng(0).random((2, 32, 32, 3)).astype("float32")
    normalized = model.get_layer("normalize")(images).numpy()
    assert np.allclose(normalized, (images - mean) / std, atol=1e-5)
    p = model(images, training=False).numpy()
    assert p.shape == (2, 10) and np.allclose(p.sum(axis=1), 1, atol=1e-5)


def test_cifar_resnet_weight_decay_adds_the_l2_penalty():
    model = lecture.cifar_resnet(widths=(4, 4, 8, 8), augment=False, weight_decay=1e-3)
    model(np.zeros((1, 32, 32, 3), "float32"))
    kernels = [layer.kernel for layer in model.layers if hasattr(layer, "kernel")]
    expected = 1e-3 * sum(float(np.sum(k.numpy() ** 2)) for k in kernels)
    assert np.isclose(float(sum(model.losses)), expected, rtol=1e-4)
    assert not lecture.cifar_resnet(widths=(4, 4, 8, 8), weight_decay=0).losses


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
        (lecture.cifar_resnet, (4, 4, 3), "must be >= 8"),
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
    with pytest.raises(ValueError, match=r"widths must be 4 integers .*got \(8, 16\)"):
        lecture.cifar_resnet(widths=(8, 16))
    with pytest.raises(ValueError, match="cifar_resnet: widths must be"):
        lecture.cifar_resnet(widths=(8, 16, 0, 4))
    with pytest.raises(ValueError, match="give both mean and std or neither"):
        lecture.cifar_resnet(mean=[0.5, 0.5, 0.5])
    with pytest.raises(ValueError, match=r"std must be 3 positive numbers .*got \[0.2, 0.0, 0.2\]"):
        lecture.cifar_resnet(mean=[0.5, 0.5, 0.5], std=[0.2, 0.0, 0.2])
    with pytest.raises(ValueError, match="mean must be 3 numbers"):
        lecture.cifar_resnet(mean=[0.5, 0.5], std=[0.2, 0.2, 0.2])
    with pytest.raises(ValueError, match="augment and batch_norm must be True or False"):
        lecture.cifar_resnet(batch_norm="yes")
    with pytest.raises(ValueError, match="weight_decay"):
        lecture.cifar_resnet(weight_decay=-1e-4)
    with pytest.raises(ValueError, match="fill_mode must be"):
        lecture.augmentation(fill_mode="mirror")
    with pytest.raises(ValueError, match="interpolation must be"):
        lecture.augmentation(interpolation="cubic")
    with pytest.raises(ValueError, match="flip must be"):
        lecture.augmentation(flip="diagonal")
    with pytest.raises(ValueError, match="translation must be"):
        lecture.augmentation(translation=1.5)


def test_integer_arguments_follow_the_shared_rule():
    """True is refused and NumPy integers are accepted, as everywhere in the package."""
    with pytest.raises(ValueError, match="lenet5: n_classes must be an integer >= 2, got True"):
        lecture.lenet5(n_classes=True)
    with pytest.raises(ValueError, match="cifar_resnet: n_classes must be an integer"):
        lecture.cifar_resnet(n_classes=True)
    assert lecture.lenet5(n_classes=np.int64(3)).output_shape == (None, 3)
    with pytest.raises(ValueError, match=r"cifar_slide_cnn: dropout must be a number in \[0, 1\)"):
        lecture.cifar_slide_cnn(dropout=(0.5, 1.0))
