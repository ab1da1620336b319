"""course_utils.exercises: the checks that build or train Keras models (notebooks 04, 05, 07, 09)
and the checks' argument validation; each on the reference answer, its typical mistakes and a stub.
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pytest

from course_utils import conv
from course_utils import exercises as ex
from course_utils.models import lecture
from tests.conftest import not_implemented as stub
from tests.test_exercises import (
    BARS,
    KERNEL_IMAGES,
    ink_runs,
    kernel_by_gradient_descent,
    one_line,
    returns_none,
)

# --- the checks that build or train Keras models ----------------------------------------------


def mlp(input_shape=(32, 32, 1), hidden=(84,)):
    return keras.Sequential([keras.Input(shape=input_shape), keras.layers.Flatten(),
                             *[keras.layers.Dense(n, activation="relu") for n in hidden],
                             keras.layers.Dense(10, activation="softmax")])


def test_check_lenet_params_agrees_with_keras(capsys):
    def counted_by_keras(c_in):
        layers = keras.layers
        return keras.Sequential([
            keras.Input((32, 32, c_in)), layers.Conv2D(6, 5), layers.AveragePooling2D(2),
            layers.Conv2D(16, 5), layers.AveragePooling2D(2), layers.Flatten(),
            layers.Dense(120), layers.Dense(84), layers.Dense(10)]).count_params()

    assert ex.check_lenet_params(counted_by_keras)
    assert one_line(capsys) == "✓ Exercise 4.1: correct (grey 61,706, RGB 62,006)"
    assert not ex.check_lenet_params(lambda c: lecture.lenet5(input_shape=(32, 32, c))
                                     .count_params())
    assert "uses course_utils.models.lecture.lenet5" in one_line(capsys)


@pytest.mark.parametrize("fn, passed, text", [
    (mlp, True, "✓ Exercise 4.2: correct (86,950 parameters)"),
    (lecture.mlp_baseline, False, "uses course_utils.models.lecture.mlp_baseline, which already "
                                  "is this exercise's answer (write the layers yourself"),
    (lambda: mlp(hidden=(120,)), False, "Dense units: expected [84, 10], got [120, 10] (Dense "
                                        "layers of 84 and 10 units"),
    (lambda: mlp(hidden=(120, 84)), False, "Dense layers of 84 and 10 units"),
    (lambda: mlp(input_shape=(28, 28, 1)), False, "input shape: expected (None, 32, 32, 1), got "
                                                  "(None, 28, 28, 1) (start with keras.Input"),
    (lambda: keras.Sequential([keras.layers.Dense(10)]), False, "could not read the model"),
    (lambda: "model", False, "expected a Keras model, got str"),
    (stub, False, "✗ Exercise 4.2: not implemented yet"),
    (returns_none, False, "✗ Exercise 4.2: expected a Keras model, got NoneType (your "
                          "function returned None: did you forget `return`?)"),
])
def test_check_mlp_baseline(fn, passed, text, capsys):
    assert ex.check_mlp_baseline(fn) is passed
    assert text in one_line(capsys)


class RateLogger(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.rates = []

    def on_epoch_end(self, epoch, logs=None):
        self.rates.append(float(self.model.optimizer.learning_rate))


class NoRates(keras.callbacks.Callback):
    pass


class EveryBatch(RateLogger):
    def on_train_batch_end(self, batch, logs=None):
        self.rates.append(float(self.model.optimizer.learning_rate))


class KeepsTheVariable(RateLogger):
    def on_epoch_end(self, epoch, logs=None):
        self.rates.append(self.model.optimizer.learning_rate)


class NeverAppends(RateLogger):
    def on_epoch_end(self, epoch, logs=None):
        pass


class StubLogger(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        raise NotImplementedError


class BrokenInit(keras.callbacks.Callback):
    def __init__(self):
        raise RuntimeError("oops")


@pytest.mark.parametrize("answer, passed, text", [
    (RateLogger, True, "✓ Exercise 5.2: correct (rates [0.08, 0.04, 0.02] logged)"),
    (NoRates, False, "expected an array, got NoneType (give it a list attribute `rates`"),
    (NeverAppends, False, "expected shape (3,), got (0,) (append the rate in on_epoch_end)"),
    (EveryBatch, False, "once per epoch"),
    (KeepsTheVariable, False, "append float(self.model.optimizer.learning_rate)"),
    (BrokenInit, False, "could not create it: raised RuntimeError: oops"),
    (StubLogger, False, "✗ Exercise 5.2: training with it failed: not implemented yet"),
    (dict, False, "expected a subclass of keras.callbacks.Callback, got <class 'dict'>"),
    (object, False, "expected a subclass of keras.callbacks.Callback, got <class 'object'>"),
    (None, False, "no answer yet (got None)"),
])
def test_check_lr_logger(answer, passed, text, capsys):
    assert ex.check_lr_logger(answer) is passed
    assert text in one_line(capsys)


def block(x, filters, stride, bias=False, always_project=False, use_stride=True, add=True):
    from keras import layers

    stride = stride if use_stride else 1
    shortcut = x
    if always_project or stride != 1 or x.shape[-1] != filters:
        shortcut = layers.Conv2D(filters, 1, strides=stride, use_bias=bias)(x)
        shortcut = layers.BatchNormalization()(shortcut)
    y = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=bias)(x)
    y = layers.ReLU()(layers.BatchNormalization()(y))
    y = layers.Conv2D(filters, 3, padding="same", use_bias=bias)(y)
    y = layers.BatchNormalization()(y)
    return layers.ReLU()(layers.Add()([y, shortcut]) if add else y)


@pytest.mark.parametrize("fn, passed, text", [
    (block, True, "✓ Exercise 7.2: correct (identity and projection shortcuts both right)"),
    (lambda x, f, s: block(x, f, s, add=False), False, "input (16, 16, 8), filters 8, stride 1: "
                                                       "Add layer: expected True, got False (no "
                                                       "Add layer"),
    (lambda x, f, s: block(x, f, s, bias=True), False, "no bias before BatchNorm"),
    (lambda x, f, s: block(x, f, s, always_project=True), False, "the shortcut is x itself"),
    (lambda x, f, s: block(x, f, s, use_stride=False), False, "stride 2: output shape: expected "
                                                              "(8, 8, 16), got (16, 16, 16) (the "
                                                              "first 3×3 conv"),
    (lambda x, f, s: 3, False, "cannot build a model from your output"),
    (stub, False, "✗ Exercise 7.2: not implemented yet"),
])
def test_check_basic_block(fn, passed, text, capsys):
    assert ex.check_basic_block(fn) is passed
    assert text in one_line(capsys)


def small_base():
    return keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(4, 3),
                             keras.layers.GlobalAveragePooling2D()])


def head(base, n, freeze=True, hidden=False):
    base.trainable = not freeze
    extra = [keras.layers.Dense(8)] if hidden else []
    return keras.Sequential([base, *extra, keras.layers.Dense(n, activation="softmax")])


@pytest.mark.parametrize("fn, passed, text", [
    (head, True, "✓ Exercise 9.1: correct (15 trainable parameters, the base frozen)"),
    (lambda b, n: head(b, n, freeze=False), False, "base frozen: expected True, got False "
                                                   "(freeze the base: base.trainable = False)"),
    (lambda b, n: head(b, n, hidden=True), False, "trainable parameters: expected 15, got 67 (a "
                                                  "single Dense layer on the 4 features)"),
    (lambda b, n: head(b, n + 1), False, "output shape: expected (None, 3), got (None, 4)"),
    (lambda b, n: b, False, "output shape: expected (None, 3), got (None, 4)"),
    (stub, False, "✗ Exercise 9.1: not implemented yet"),
    (returns_none, False, "✗ Exercise 9.1: expected a Keras model, got NoneType (your "
                          "function returned None: did you forget `return`?)"),
])
def test_check_transfer_head(fn, passed, text, capsys):
    assert ex.check_transfer_head(fn, small_base(), 3) is passed
    assert text in one_line(capsys)


def test_check_transfer_head_starts_from_an_unfrozen_base(capsys):
    base = small_base()
    base.trainable = False  # frozen before the exercise: forgetting to freeze must still fail
    before = [np.array(w) for w in base.weights]
    assert ex.check_transfer_head(lambda b, n: head(b, n, freeze=False), base, 3) is False
    assert "base frozen: expected True, got False" in one_line(capsys)
    # the check works on a copy: the caller's network is left as it was
    assert all(np.array_equal(np.array(w), b) for w, b in zip(base.weights, before, strict=True))


# --- notebook 07: exercises 7.1 (separable convolution), 7.3 (VGG-19), 7.4 (degradation nets) --


def separable(h, w, c, f, k):
    return h * w * c * k * k + h * w * c * f


@pytest.mark.parametrize("fn, passed, text", [
    (separable, True, "✓ Exercise 7.1: correct (4 layers agree)"),
    (lambda h, w, c, f, k: h * w * f * k * k * c, False, "that is a standard convolution"),
    (lambda h, w, c, f, k: h * w * c * k * k, False, "the pointwise 1×1 convolution"),
    (lambda h, w, c, f, k: h * w * c * f, False, "the depthwise k×k step is missing"),
    (lambda h, w, c, f, k: h * w * c * (k + f), False, "the kernel is k×k: square it"),
    (stub, False, "✗ Exercise 7.1: not implemented yet"),
])
def test_check_separable_mult_adds(fn, passed, text, capsys):
    assert ex.check_separable_mult_adds(fn) is passed
    assert text in one_line(capsys)


def test_separable_reference_is_what_the_cost_module_counts():
    from course_utils.cost import model_cost

    x = keras.Input((16, 16, 24))
    model = keras.Model(x, keras.layers.SeparableConv2D(40, 3, padding="same")(x))
    assert model_cost(model).mult_adds == separable(16, 16, 24, 40, 3)


def vgg19():
    from course_utils import models

    inputs = keras.Input((224, 224, 3))
    x = inputs
    for b, (n, f) in enumerate(((2, 64), (2, 128), (4, 256), (4, 512), (4, 512)), start=1):
        x = models.vgg_block(x, n, f, f"block{b}")
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(4096, activation="relu")(x)
    x = keras.layers.Dense(4096, activation="relu")(x)
    return keras.Model(inputs, keras.layers.Dense(1000, activation="softmax")(x))


@pytest.mark.parametrize("fn, passed, text", [
    (vgg19, True, "✓ Exercise 7.3: correct (16 convolutions + 3 dense layers, 143,667,240"),
    (lambda: __import__("course_utils.models", fromlist=["vgg16"]).vgg16(), False,
     "Conv2D layers: got 13, which is not right yet (that is VGG-16"),
    (stub, False, "✗ Exercise 7.3: not implemented yet"),
    (returns_none, False, "did you forget `return`?"),
])
def test_check_vgg19(fn, passed, text, capsys):
    assert ex.check_vgg19(fn) is passed
    assert text in one_line(capsys)


def residual_net(n_blocks, residual=True, add_always=False):
    layers = keras.layers

    def conv_bn(x, filters, kernel, stride):
        x = layers.Conv2D(filters, kernel, strides=stride, padding="same", use_bias=False)(x)
        return layers.BatchNormalization()(x)

    inputs = keras.Input((32, 32, 3))
    x = layers.Rescaling(1 / 255)(inputs)
    x = layers.ReLU()(conv_bn(x, 8, 3, 2))
    for stage, filters in enumerate((8, 16, 32)):
        for block in range(n_blocks):
            stride = 2 if (stage > 0 and block == 0) else 1
            y = conv_bn(layers.ReLU()(conv_bn(x, filters, 3, stride)), filters, 3, 1)
            if residual or add_always:
                same = stride == 1 and x.shape[-1] == filters
                y = layers.Add()([x if same else conv_bn(x, filters, 1, stride), y])
            x = layers.ReLU()(y)
    x = layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, layers.Dense(10, activation="softmax")(x))


def tiny_cifar_like(n=256):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, n)
    x = rng.integers(0, 256, (n, 32, 32, 3)).astype("uint8")
    x[np.arange(n), :, :, y % 3] //= 4  # a learnable colour cue per class
    return x, y


@pytest.mark.parametrize("fn, text", [
    (lambda n, r: residual_net(n, r, add_always=True), "n_blocks=2, residual=False: Add layers: "
                                                       "expected 0, got 6 (residual=False"),
    (lambda n, r: residual_net(n, False), "n_blocks=2, residual=True: Add layers: expected 6, "
                                          "got 0 (no Add layer: where are the shortcuts?)"),
    (stub, "✗ Exercise 7.4: not implemented yet"),
])
def test_check_residual_net_structure(fn, text, capsys):
    assert ex.check_residual_net(fn, *tiny_cifar_like(64)) is False
    assert text in one_line(capsys)


@pytest.mark.slow
def test_check_residual_net_trains(capsys):
    assert ex.check_residual_net(residual_net, *tiny_cifar_like()) is True
    assert "✓ Exercise 7.4: correct (both match mini_resnet and train" in one_line(capsys)


@pytest.mark.slow
def test_check_learned_kernel_passes_gradient_descent_with_gradient_tape(capsys):
    import tensorflow as tf

    def learn_kernel(images, targets, init, steps=200, learning_rate=0.1):
        x, y = tf.constant(images[..., None]), tf.constant(targets[..., None])
        kernel = tf.Variable(init[:, :, None, None])
        optimizer = keras.optimizers.Adam(learning_rate)
        for _ in range(steps):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean((tf.nn.conv2d(x, kernel, 1, "SAME") - y) ** 2)
            optimizer.apply_gradients([(tape.gradient(loss, kernel), kernel)])
        return kernel.numpy()

    assert ex.check_learned_kernel(learn_kernel, KERNEL_IMAGES) is True
    assert one_line(capsys).startswith("✓ Exercise 2.4: correct")


@pytest.mark.slow
def test_the_course_solution_recovers_every_kernel_the_grader_hides():
    """The grader hides a fresh kernel per submission (``cases(rng)``) and judges on the smooth
    photos of notebook 02b, where the loss is ill-conditioned (200 Adam steps missed 65 % of
    200 draws): the notebook's own solution must recover the kernel on every draw."""
    import nbformat
    import tensorflow as tf

    from course_utils.exercises import nb02, probes

    notebook = Path(__file__).parents[1] / "notebooks" / "02b_detectors_pooling_shifts.ipynb"
    cells = nbformat.read(notebook, 4).cells
    source = next(c.source for c in cells if "solution" in c.metadata.get("tags", [])
                  and "def learn_kernel(" in c.source)
    namespace = {"np": np, "tf": tf, "keras": keras}
    exec(source, namespace)  # noqa: S102 - the course's own solution cell
    spec = nb02.LEARNED_KERNEL
    context = spec.grading_context(None)
    for seed in range(8):
        cases = spec.cases(np.random.default_rng(seed), *context)
        outcomes = probes.roundtrip(
            probes.run(spec.probe, namespace["learn_kernel"], cases))
        verdict = spec.judge(outcomes, cases, context)
        assert verdict.passed, (seed, verdict.detail)


def test_new_checks_reject_bad_data():
    with pytest.raises(ValueError, match=r"images must be \(N, H, W\), got shape \(4, 4\)"):
        ex.check_learned_kernel(kernel_by_gradient_descent, np.ones((4, 4)))
    with pytest.raises(ValueError, match=r"images must be \(N, H, W\), got shape \(3,\)"):
        conv.kernel_targets(np.ones(3), ex.SOBEL_X)
    with pytest.raises(ValueError, match="one row per image, got 160, 160 and 3"):
        ex.check_new_feature(ink_runs, BARS[0], BARS[1], np.ones((3, 2)))


# --- 4.4: build LeNet-5 from the slide's table and train it (notebook 04) ----------------------

def lenet_data(n: int = 96, seed: int = 0):
    """Tiny MNIST-shaped data: (n, 32, 32, 1) float32 in [0, 1] and labels 0..9."""
    rng = np.random.default_rng(seed)
    return rng.uniform(0, 1, (n, 32, 32, 1)).astype("float32"), rng.integers(0, 10, n)


def lenet_variant(padding="valid", conv_act="tanh", conv2_kernel=5):
    def build():
        layers = keras.layers
        return keras.Sequential([
            keras.Input(shape=(32, 32, 1)),
            layers.Conv2D(6, 5, activation=conv_act, padding=padding),
            layers.AveragePooling2D(2),
            layers.Conv2D(16, conv2_kernel, activation="tanh"),
            layers.AveragePooling2D(2),
            layers.Flatten(),
            layers.Dense(120, activation="relu"),
            layers.Dense(84, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ])
    return build


@pytest.mark.slow
def test_check_lenet_build_passes_the_reference_and_trains(capsys):
    x, y = lenet_data()
    assert ex.check_lenet_build(lenet_variant(), x, y, x, y, min_accuracy=0.0) is True
    assert one_line(capsys).startswith("✓ Exercise 4.4: correct (validation accuracy ")
    assert ex.check_lenet_build(lenet_variant(), x, y, x, y, min_accuracy=1.01) is False
    assert "below 1.01" in one_line(capsys)
    assert ex.check_lenet_build(lecture.lenet5, x, y, x, y, min_accuracy=0.0) is False
    assert "uses course_utils.models.lecture.lenet5" in one_line(capsys)


@pytest.mark.parametrize(("build", "text"), [
    (lenet_variant(padding="same"), "82,826 parameters instead of 61,706: conv1 must be "
                                    "padding='valid'"),
    (lenet_variant(conv2_kernel=3), "row conv2 has 880 parameters, the slide's table 2,416"),
    (lenet_variant(conv_act=None), "conv1 has no activation"),
    (lenet_variant(conv_act="relu"), "activations: tanh, tanh (convolutions), relu, relu"),
    (lambda: keras.Sequential([keras.Input(shape=(32, 32, 1)), keras.layers.Flatten(),
                               keras.layers.Dense(10, activation="softmax")]),
     "1 Conv2D/Dense layers, the slide's table has 5"),
    (lambda: "lenet", "expected a Keras model, got str"),
])
def test_check_lenet_build_names_the_typical_mistake(build, text, capsys):
    x, y = lenet_data(8)
    assert ex.check_lenet_build(build, x, y, x, y, min_accuracy=0.0) is False
    line = one_line(capsys)
    assert line.startswith("✗ Exercise 4.4: ") and text in line, line


def test_check_lenet_build_on_stubs_and_bad_data(capsys):
    x, y = lenet_data(8)
    assert ex.check_lenet_build(stub, x, y, x, y, 0.8) is False
    assert one_line(capsys) == "✗ Exercise 4.4: not implemented yet"
    assert ex.check_lenet_build(None, x, y, x, y, 0.8) is False
    assert one_line(capsys) == "✗ Exercise 4.4: expected a function, got NoneType"
    with pytest.raises(ValueError, match="equal lengths, got 8, 3 and 8, 8"):
        ex.lenet_validation_accuracy(lecture.lenet5, x, y[:3], x, y)


# --- notebook 05: exercise 5.4 (stop at a target); 5.3: tests/test_exercises_nb05.py ----------

class _StopAt(keras.callbacks.Callback):
    """A configurable answer to exercise 5.4 (right with the defaults)."""

    key, strict, stop, remember = "val_accuracy", False, True, True

    def __init__(self, target):
        super().__init__()
        self.target = target
        self.stopped_epoch = None

    def on_epoch_end(self, epoch, logs=None):
        value = logs[self.key]
        if (value > self.target) if self.strict else (value >= self.target):
            if self.stop:
                self.model.stop_training = True
            if self.remember:
                self.stopped_epoch = epoch


def _variant(**changes):
    return type("Variant", (_StopAt,), changes)


@pytest.mark.parametrize(("answer", "passed", "text"), [
    (_StopAt, True, "stops a real fit as soon as val_accuracy ≥ 0.9"),
    (_variant(key="accuracy"), False, "look at logs['val_accuracy']"),
    (_variant(strict=True), False, "use >=, not >"),
    (_variant(stop=False), False, "set self.model.stop_training = True"),
    (_variant(remember=False), False, "store the epoch in self.stopped_epoch"),
    (keras.callbacks.Callback, False, "could not create it with 0.8"),
    (_variant(on_epoch_end=keras.callbacks.Callback.on_epoch_end), False,
     "set self.model.stop_training = True"),
    (int, False, "expected a subclass of keras.callbacks.Callback"),
])
def test_check_stop_at_target(answer, passed, text, capsys):
    assert ex.check_stop_at_target(answer) is passed
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert text in line and line.startswith("✓" if passed else "✗")


@pytest.mark.slow
def test_lenet_floor_is_calibrated_with_a_margin():
    """The reference LeNet-5 clears exercise 4.4's floor by >= 0.05 with seeds 0, 1, 2 on notebook
    04's quick-profile split (the data the notebook's check sees)."""
    from sklearn.model_selection import train_test_split

    from course_utils import config, data, training

    quick = config.get_profile("quick")
    mnist = data.load_mnist(n_train=quick.n_train, n_test=quick.n_test)
    x = training.scale_images(mnist.x_train, pad=2)
    x_fit, x_val, y_fit, y_val = train_test_split(x, mnist.y_train, test_size=0.1,
                                                  stratify=mnist.y_train, random_state=0)
    accuracies = [ex.lenet_validation_accuracy(lecture.lenet5, x_fit, y_fit, x_val, y_val, seed)
                  for seed in (0, 1, 2)]
    assert min(accuracies) >= ex.LENET_MIN_ACCURACY + 0.05, accuracies
