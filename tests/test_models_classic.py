"""Classic architectures (course_utils.models.classic): parameter counts against the slides and
against Keras' own applications, block arithmetic, and the small CIFAR versions."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from course_utils import cost, models
from course_utils.models import classic


def weight_shapes(model):
    return [tuple(w.shape) for w in model.weights]


def conv(k, c_in, c_out):
    return (k * k * c_in + 1) * c_out


def dense(n_in, n_out):
    return (n_in + 1) * n_out


# --- AlexNet ---------------------------------------------------------------------------


def test_alexnet_follows_the_seed_003_shapes_and_counts():
    model = models.build_without_weights(models.alexnet)
    shapes = {layer.name: tuple(layer.output.shape[1:]) for layer in model.layers}
    assert shapes["conv1"] == (55, 55, 96) and shapes["pool1"] == (27, 27, 96)
    assert shapes["norm1"] == (27, 27, 96) and shapes["conv2"] == (27, 27, 256)
    assert shapes["pool2"] == (13, 13, 256) and shapes["conv5"] == (13, 13, 256)
    assert shapes["pool3"] == (6, 6, 256) and shapes["fc8"] == (1000,)
    expected = (conv(11, 3, 96) + conv(5, 96, 256) + conv(3, 256, 384) + conv(3, 384, 384)
                + conv(3, 384, 256) + dense(6 * 6 * 256, 4096) + dense(4096, 4096)
                + dense(4096, 1000))
    assert model.count_params() == expected == 62_378_344
    assert cost.model_cost(model).depth == 8
    paper = models.build_without_weights(models.alexnet, two_gpus=True)  # conv2/4/5 in 2 groups
    halves = (conv(5, 96, 256) - conv(5, 48, 256) + conv(3, 384, 384) - conv(3, 192, 384)
              + conv(3, 384, 256) - conv(3, 192, 256))
    assert paper.count_params() == expected - halves == 60_965_224
    assert cost.model_cost(paper).mult_adds < cost.model_cost(model).mult_adds


def test_alexnet_insa_reproduces_the_seed_004_table():
    model = models.build_without_weights(models.alexnet_insa)
    rows = [(tuple(layer.output.shape[1:]), layer.count_params()) for layer in model.layers]
    slide = [((54, 54, 96), 34_944), ((27, 27, 96), 0), ((17, 17, 256), 2_973_952),
             ((8, 8, 256), 0), ((6, 6, 384), 885_120), ((4, 4, 384), 1_327_488),
             ((2, 2, 256), 884_992), ((1, 1, 256), 0), ((256,), 0), ((4096,), 1_052_672),
             ((4096,), 0), ((4096,), 16_781_312), ((4096,), 0), ((1000,), 4_097_000),
             ((1000,), 0), ((17,), 17_017)]
    assert rows == slide
    assert model.count_params() == 28_054_497  # the slide's total says 28,854,497


def test_local_response_normalization_matches_the_formula():
    x = np.random.default_rng(0).normal(size=(2, 3, 3, 7)).astype("float32") * 10
    got = np.asarray(models.LocalResponseNormalization()(x))
    squares = np.pad(x**2, ((0, 0), (0, 0), (0, 0), (2, 2)))
    window = sum(squares[..., i:i + 7] for i in range(5))
    assert np.allclose(got, x / (2.0 + 1e-4 * window) ** 0.75, rtol=1e-5)
    layer = models.LocalResponseNormalization(depth_radius=3)
    assert models.LocalResponseNormalization.from_config(layer.get_config()).depth_radius == 3


# --- VGG ---------------------------------------------------------------------------------


def test_vgg16_equals_keras_applications():
    ours = models.build_without_weights(models.vgg16)
    theirs = models.build_without_weights(keras.applications.VGG16, weights=None)
    assert ours.count_params() == theirs.count_params() == 138_357_544
    assert weight_shapes(ours) == weight_shapes(theirs)
    assert [layer.name for layer in ours.layers[1:]] == [layer.name for layer in theirs.layers[1:]]
    assert ours.get_layer("block4_conv2").count_params() == 2_359_808  # INSA deck: 2,359,880


def test_vgg16_with_the_seed_004_head():
    model = models.build_without_weights(models.vgg16, n_classes=17)
    assert model.get_layer("fc1").count_params() == 102_764_544  # INSA deck: 182,764,544
    assert model.get_layer("predictions").count_params() == 69_649  # INSA deck: 69,645
    assert model.count_params() == 134_330_193  # the slide's total is right
    assert cost.model_cost(model).depth == 16


def test_vgg16_without_top_equals_keras():
    ours = models.build_without_weights(models.vgg16, include_top=False)
    theirs = models.build_without_weights(keras.applications.VGG16, weights=None,
                                          include_top=False)
    assert ours.count_params() == theirs.count_params() == 14_714_688


# --- Inception ---------------------------------------------------------------------------


def test_inception_modules_shapes_and_parameters():
    naive = models.inception_model(bottleneck=False)
    reduced = models.inception_model(bottleneck=True)
    assert tuple(naive.output.shape[1:]) == (28, 28, 128 + 192 + 96 + 256)
    assert tuple(reduced.output.shape[1:]) == (28, 28, 128 + 192 + 96 + 64)
    assert naive.count_params() == conv(1, 256, 128) + conv(3, 256, 192) + conv(5, 256, 96)
    assert reduced.count_params() == (conv(1, 256, 128) + conv(1, 256, 64) + conv(3, 64, 192)
                                      + conv(1, 256, 64) + conv(5, 64, 96) + conv(1, 256, 64))


def test_googlenet_follows_table_1():
    """Szegedy et al. 2015, Table 1: output sizes, 22 weighted layers, the params column."""
    model = models.build_without_weights(models.googlenet, aux=False)
    for name, side, depth in (("conv1", 112, 64), ("pool2", 28, 192),
                              ("inception_3b_concat", 28, 480), ("inception_4e_concat", 14, 832),
                              ("inception_5b_concat", 7, 1024)):
        assert tuple(model.get_layer(name).output.shape[1:]) == (side, side, depth), name
    assert cost.model_cost(model).depth == 22
    weights = sum(int(np.prod(w.shape)) for w in model.weights if w.path.endswith("kernel"))
    assert weights == 6_990_272 and model.count_params() == 6_998_552
    for name in ("3a", "3b", "4b"):  # rows where the params column (K = 1024) is the formula's
        module = [la for la in model.layers if la.name.startswith(f"inception_{name}_")]
        kernels = sum(int(np.prod(la.kernel.shape)) for la in module if hasattr(la, "kernel"))
        assert kernels / 1024 == pytest.approx(models.GOOGLENET_TABLE1_PARAMS_K[name], abs=1)
    table_total = 1024 * sum(models.GOOGLENET_TABLE1_PARAMS_K.values())  # 6,797.7K
    assert weights == pytest.approx(table_total, rel=0.01)  # other rows are off, the sum is not
    assert 1.5e9 < cost.model_cost(model).mult_adds < 1.6e9  # "1.5 billion multiply-adds"


def test_googlenet_auxiliary_heads():
    model = models.build_without_weights(models.googlenet)
    assert [tuple(o.shape) for o in model.outputs] == [(None, 1000)] * 3
    assert tuple(model.get_layer("aux1_pool").output.shape[1:]) == (4, 4, 512)
    assert tuple(model.get_layer("aux2_pool").output.shape[1:]) == (4, 4, 528)
    head = lambda c: conv(1, c, 128) + (4 * 4 * 128 + 1) * 1024 + (1024 + 1) * 1000  # noqa: E731
    plain = models.build_without_weights(models.googlenet, aux=False)
    assert model.count_params() - plain.count_params() == head(512) + head(528)
    small = models.build_without_weights(models.googlenet, input_shape=(65, 65, 3),
                                         n_classes=10)  # the smallest side with aux heads
    assert tuple(small.get_layer("aux1_pool").output.shape[1:3]) == (1, 1)
    with pytest.raises(ValueError, match="height and width"):
        models.googlenet(input_shape=(64, 64, 3))


# --- ResNet ------------------------------------------------------------------------------


def test_resnet50_equals_keras_applications():
    ours = models.build_without_weights(models.resnet50)
    theirs = models.build_without_weights(keras.applications.ResNet50, weights=None)
    assert ours.count_params() == theirs.count_params() == 25_636_712
    assert weight_shapes(ours) == weight_shapes(theirs)
    assert cost.model_cost(ours).depth == 50
    assert cost.model_cost(ours).mult_adds == cost.model_cost(theirs).mult_adds


def test_basic_block_identity_and_projection():
    x = keras.Input((8, 8, 16))
    same = keras.Model(x, models.basic_block(x, 16, name="a"))
    down = keras.Model(x, models.basic_block(x, 32, stride=2, name="b"))
    bn = 4  # γ, β, moving mean, moving variance per channel
    assert tuple(same.output.shape[1:]) == (8, 8, 16)
    assert same.count_params() == 2 * (9 * 16 * 16 + bn * 16)
    assert tuple(down.output.shape[1:]) == (4, 4, 32)
    assert down.count_params() == (9 * 16 * 32 + 9 * 32 * 32 + 16 * 32) + 3 * bn * 32


def test_bottleneck_block_parameters():
    x = keras.Input((14, 14, 256))
    block = keras.Model(x, models.bottleneck_block(x, 64, name="c"))  # identity shortcut
    assert tuple(block.output.shape[1:]) == (14, 14, 256)
    weights = conv(1, 256, 64) + conv(3, 64, 64) + conv(1, 64, 256)
    assert block.count_params() == weights + 4 * (64 + 64 + 256)
    strided = keras.Model(x, models.bottleneck_block(x, 128, stride=2, name="d"))
    assert tuple(strided.output.shape[1:]) == (7, 7, 512)
    assert strided.get_layer("d_0_conv").count_params() == conv(1, 256, 512)


def test_plain_counterpart_has_no_shortcuts():
    plain = models.mini_resnet(widths=(8, 16, 32), blocks_per_stage=3, residual=False)
    resid = models.mini_resnet(widths=(8, 16, 32), blocks_per_stage=3)
    assert not any(type(layer).__name__ == "Add" for layer in plain.layers)
    assert cost.model_cost(plain).depth == cost.model_cost(resid).depth == 20  # 6n + 2, n = 3
    projections = sum(layer.count_params() for layer in resid.layers
                      if layer.name.endswith(("_0_conv", "_0_bn")))
    assert resid.count_params() - plain.count_params() == projections > 0
    assert plain.name == "mini_plain"


def test_residual_block_output_is_relu_of_sum():
    x = keras.Input((4, 4, 2))
    model = keras.Model(x, models.basic_block(x, 2, name="r"))
    for w in model.weights:  # F(x) = 0: zero convolutions, BN with γ = 0
        w.assign(np.ones(w.shape) if "variance" in w.path else np.zeros(w.shape))
    data = np.random.default_rng(1).normal(size=(1, 4, 4, 2)).astype("float32")
    assert np.allclose(model.predict(data, verbose=0), np.maximum(data, 0), atol=1e-5)


# --- small versions ------------------------------------------------------------------------


def test_mini_models_shapes():
    for builder in (models.mini_vgg, models.mini_resnet):
        model = builder(widths=(8, 16))
        assert tuple(model.output.shape) == (None, 10)
        out = model.predict(np.zeros((2, 32, 32, 3), "uint8"), verbose=0)
        assert np.allclose(out.sum(axis=1), 1.0, atol=1e-5)
    deeper = models.mini_resnet(widths=(8, 16, 32))
    assert deeper.get_layer("stage3_block1_add").output.shape[1] == 4  # 32 / (2·2·2)
    flat = models.mini_resnet(widths=(8, 16), stem_stride=1)
    assert flat.get_layer("stage2_block1_add").output.shape[1] == 16


@pytest.mark.slow
def test_mini_models_learn_a_simple_task():
    rng = np.random.default_rng(0)
    n = 256
    y = rng.integers(0, 2, n)
    x = rng.integers(0, 60, (n, 16, 16, 3)).astype("uint8")
    x[y == 1, 4:12, 4:12, 0] = 250  # class 1: a red square in the middle
    for builder in (models.mini_vgg, models.mini_resnet):
        keras.utils.set_random_seed(0)
        model = builder(input_shape=(16, 16, 3), n_classes=2, widths=(8, 16))
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        model.fit(x, y, epochs=8, batch_size=32, verbose=0)
        assert model.evaluate(x, y, verbose=0)[1] >= 0.9, builder.__name__


# --- helpers and data ----------------------------------------------------------------------


def test_build_without_weights_leaves_no_pending_variables():
    from keras.src.backend.common import global_state

    models.build_without_weights(models.vgg16, include_top=False)
    assert not global_state.get_global_attribute("uninitialized_variables")
    model = models.build_without_weights(models.mini_vgg)
    assert model.count_params() == models.mini_vgg().count_params()


def test_ilsvrc_table_is_sorted_and_falls():
    years = [row[0] for row in models.ILSVRC_TOP5_ERROR]
    errors = [row[3] for row in models.ILSVRC_TOP5_ERROR]
    assert years == sorted(years)
    assert errors == sorted(errors, reverse=True)
    assert min(errors) < models.HUMAN_TOP5_ERROR < max(errors)


@pytest.mark.parametrize(
    "builder, kwargs, match",
    [
        (models.alexnet, {"input_shape": (32, 32, 3)}, "height and width"),
        (models.alexnet, {"n_classes": 1}, "n_classes"),
        (models.alexnet_insa, {"input_shape": (224, 224)}, "input_shape"),
        (models.vgg16, {"input_shape": "224"}, "input_shape"),
        (models.resnet50, {"n_classes": 2.5}, "n_classes"),
        (models.inception_model, {"input_shape": (28, 28, 0)}, "input_shape"),
        (models.mini_vgg, {"widths": ()}, "widths"),
        (models.mini_vgg, {"widths": (8, 8, 8, 8, 8, 8)}, "height and width"),
        (models.mini_resnet, {"blocks_per_stage": 0}, "blocks_per_stage"),
        (models.mini_vgg, {"convs_per_block": True}, "convs_per_block"),
    ],
)
def test_bad_arguments_raise_value_error(builder, kwargs, match):
    with pytest.raises(ValueError, match=match):
        builder(**kwargs)


def test_all_names_are_exported():
    for name in classic.__all__:
        assert hasattr(models, name), name


def test_integer_arguments_follow_the_shared_rule():
    """NumPy integers are accepted and True refused, as everywhere in the package."""
    model = models.mini_vgg(n_classes=np.int64(3), widths=[np.int64(4)],
                            convs_per_block=np.int32(1))
    assert model.output_shape == (None, 3)
    with pytest.raises(ValueError, match="n_classes must be an integer >= 2, got True"):
        models.mini_resnet(n_classes=True)
    with pytest.raises(ValueError, match="mini_vgg: widths must be a non-empty sequence"):
        models.mini_vgg(widths=[])


# --- the papers' weight decay and AlexNet's 10-crop test ------------------------------------


def test_paper_weight_decay_is_half_the_l2_coefficient():
    reg = models.paper_weight_decay(1e-4)
    w = np.array([[1.0, -2.0], [3.0, 0.5]], "float32")
    assert float(reg(w)) == pytest.approx(0.5e-4 * float((w**2).sum()), rel=1e-6)
    # gradient of the penalty = wd · w, the term the papers add before the momentum step
    import tensorflow as tf

    v = tf.Variable(w)
    with tf.GradientTape() as tape:
        penalty = reg(v)
    assert np.allclose(tape.gradient(penalty, v).numpy(), 1e-4 * w, rtol=1e-5)
    assert models.paper_weight_decay(0) is None


@pytest.mark.parametrize("bad", [-1e-4, "1e-4", True, float("nan")])
def test_paper_weight_decay_rejects_bad_values(bad):
    with pytest.raises(ValueError, match="weight_decay must be a number >= 0"):
        models.paper_weight_decay(bad)


def test_weight_decay_reaches_every_kernel():
    decayed = models.mini_resnet(widths=(8, 16), weight_decay=1e-4)
    plain = models.mini_resnet(widths=(8, 16))
    kernels = [layer for layer in decayed.layers if hasattr(layer, "kernel")]
    assert kernels and all(layer.kernel_regularizer is not None for layer in kernels)
    assert not any(getattr(layer, "kernel_regularizer", None) for layer in plain.layers)
    expected = sum(0.5e-4 * float(np.sum(layer.kernel.numpy() ** 2)) for layer in kernels)
    assert float(sum(decayed.losses)) == pytest.approx(expected, rel=1e-5)
    alexnet = models.build_without_weights(models.alexnet, weight_decay=5e-4)
    regs = [layer.kernel_regularizer for layer in alexnet.layers
            if hasattr(layer, "kernel_regularizer")]
    assert len(regs) == 8 and all(r.get_config()["l2"] == pytest.approx(2.5e-4) for r in regs)


def test_ten_crops_are_the_corners_the_centre_and_their_mirrors():
    images = np.arange(2 * 6 * 7 * 3).reshape(2, 6, 7, 3)
    crops = models.ten_crops(images, 4)
    assert crops.shape == (2, 10, 4, 4, 3)
    assert np.array_equal(crops[:, 0], images[:, :4, :4])
    assert np.array_equal(crops[:, 1], images[:, :4, 3:])
    assert np.array_equal(crops[:, 2], images[:, 2:, :4])
    assert np.array_equal(crops[:, 3], images[:, 2:, 3:])
    assert np.array_equal(crops[:, 4], images[:, 1:5, 1:5])
    assert np.array_equal(crops[:, 5:], crops[:, :5, :, ::-1])


@pytest.mark.parametrize("images, size", [(np.zeros((2, 3, 8, 3)), 4), (np.zeros((8, 8, 3)), 4),
                                          (np.zeros((1, 8, 8, 3)), 0)])
def test_ten_crops_rejects_bad_input(images, size):
    with pytest.raises(ValueError):
        models.ten_crops(images, size)
