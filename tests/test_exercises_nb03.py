"""Exercise 3.4 (notebook 03): a convolutional stack built to a target shape and trained a few
steps. Its reference comes from the formulas of course_utils.shapes; the check must pass a right
answer, name the typical mistakes (valid vs same, a wrong stride, pooling, a missing softmax),
refuse the course's builders and a model that does not learn, and wait for a stub."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from course_utils import config, data, models, training
from course_utils import exercises as ex
from course_utils.exercises import nb03
from course_utils.models import lecture
from tests.conftest import not_implemented as stub
from tests.test_exercises import one_line

TARGET = ((28, 28, 8), (13, 13, 16), (7, 7, 32))


def stack(paddings=("same", "valid", "same"), strides=(1, 2, 2), filters=(8, 16, 32),
          pool=False, out="softmax", frozen=False):
    """A builder of exercise 3.4's stack with one thing changed (the defaults are right)."""
    def build():
        layers = keras.layers
        kernels = (5, 3, 3)
        convs = [layers.Conv2D(f, k, strides=s, padding=p, activation="relu")
                 for f, k, s, p in zip(filters, kernels, strides, paddings, strict=True)]
        body = [convs[0], *([layers.MaxPooling2D(2)] if pool else []), *convs[1:]]
        model = keras.Sequential([keras.Input(shape=(28, 28, 1)), *body, layers.Flatten(),
                                  layers.Dense(10, activation=out)])
        model.trainable = not frozen
        return model
    return build


def tiny_digits(n=8):
    rng = np.random.default_rng(0)
    return rng.uniform(0, 1, (n, 28, 28, 1)).astype("float32"), rng.integers(0, 10, n)


def test_reference_is_the_formula_and_keras():
    model = stack()()
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    assert nb03.stack_maps() == TARGET == tuple(tuple(c.output.shape[1:]) for c in convs)
    assert nb03.stack_params() == model.count_params() == 21_706
    # (5·5·1 + 1)·8 + (3·3·8 + 1)·16 + (3·3·16 + 1)·32 + (7·7·32 + 1)·10
    assert nb03.stack_params() == 208 + 1_168 + 4_640 + 15_690
    valid_first = ((8, 5, 1, "valid"), *nb03.STACK_CONVS[1:])
    assert nb03.stack_maps(valid_first) == ((24, 24, 8), (11, 11, 16), (6, 6, 32))


@pytest.mark.parametrize(("maps", "text"), [
    (((24, 24, 8), (11, 11, 16), (6, 6, 32)), "conv1 gives 24×24: padding='valid'"),
    (((28, 28, 8), (14, 14, 16), (7, 7, 32)), "conv2 gives 14×14: padding='same'"),
    (((28, 28, 8), (13, 13, 16), (6, 6, 32)), "conv3 gives 6×6: padding='valid'"),
    (((28, 28, 8), (26, 26, 16), (13, 13, 32)), "as a stride of 1 would; the table's stride is 2"),
    (((14, 14, 8), (6, 6, 16), (3, 3, 32)), "as a stride of 2 would; the table's stride is 1"),
    (((28, 28, 8), (13, 13, 16), (7, 7, 16)), "conv3 has 16 filters, the table asks for 32"),
    (((28, 28, 8), (13, 13, 16)), "2 Conv2D layers, the table has 3"),
    (TARGET, "the feature maps are right"),
])
def test_first_wrong_map_names_the_mistake(maps, text):
    assert text in nb03.first_wrong_map(maps)


@pytest.mark.parametrize(("build", "text"), [
    (stack(paddings=("valid", "valid", "same")), "conv1 gives 24×24: padding='valid'"),
    (stack(paddings=("same", "same", "same")), "conv2 gives 14×14: padding='same'"),
    (stack(paddings=("same", "valid", "valid")), "conv3 gives 6×6: padding='valid'"),
    (stack(strides=(1, 1, 2)), "conv2 gives 26×26, as a stride of 1 would"),
    (stack(strides=(2, 2, 2)), "conv1 gives 14×14, as a stride of 2 would"),
    (stack(filters=(8, 16, 16)), "conv3 has 16 filters"),
    (stack(pool=True), "no pooling layers here: the strides do the downsampling"),
    (stack(out="relu"), "output activation: expected 'softmax', got 'relu'"),
    (lambda: keras.Sequential([keras.Input(shape=(28, 28, 1)), keras.layers.Flatten(),
                               keras.layers.Dense(10, activation="softmax")]),
     "three Conv2D layers, then Flatten and Dense(10, softmax)"),
    (lecture.lecture_cnn, "uses course_utils.models.lecture.lecture_cnn, which already is"),
    (lambda: models.lecture_cnn(head=False), "uses course_utils.models.lecture.lecture_cnn"),
    (lambda: "a model", "expected a Keras model, got str"),
    (stub, "not implemented yet"),
    (None, "expected a function, got NoneType"),
])
def test_check_conv_stack_rejects_the_typical_mistakes(build, text, capsys):
    x, y = tiny_digits()
    assert ex.check_conv_stack(build, x, y) is False
    line = one_line(capsys)
    assert line.startswith("✗ Exercise 3.4: ") and text in line, line
    assert "21,706" not in line  # a wrong answer is not told the parameter count


def test_check_conv_stack_validates_its_data():
    x, y = tiny_digits()
    with pytest.raises(ValueError, match=r"expected digits x of shape \(N, 28, 28, 1\) and "
                                         r"labels y of shape \(N,\), got \(8, 28, 28\) and"):
        ex.check_conv_stack(stack(), x[..., 0], y)
    with pytest.raises(ValueError, match=r"got \(8, 28, 28, 1\) and \(3,\)"):
        nb03.stack_losses(stack(), x, y[:3])


@pytest.fixture(scope="module")
def digits():
    """1,024 real MNIST digits from the bundled set, (N, 28, 28, 1) in [0, 1]."""
    mnist = data.load_mnist(n_train=nb03.STACK_TRAIN_EXAMPLES, n_test=10, source="offline")
    return training.scale_images(mnist.x_train), mnist.y_train


@pytest.mark.slow
def test_check_conv_stack_passes_a_right_answer_that_learns(digits, capsys):
    x, y = digits
    assert ex.check_conv_stack(stack(), x, y) is True
    line = one_line(capsys)
    assert line.startswith("✓ Exercise 3.4: correct (7×7×32 before Flatten, 21,706 parameters; "
                           "training loss "), line
    first, last = (float(v) for v in line.split("training loss ")[1].split(" over")[0]
                   .split(" → "))
    assert last < first


@pytest.mark.slow
def test_stack_losses_do_not_depend_on_what_ran_before(digits):
    """The check builds the model after seeding: the same answer, the same losses, whatever the
    kernel drew from the random generators before (notebook 03 in quick vs full differed)."""
    x, y = digits[0][:256], digits[1][:256]
    first = nb03.stack_losses(stack(), x, y)
    keras.utils.set_random_seed(123)
    keras.random.normal((3,))
    lecture.lecture_cnn()  # draws initial weights
    assert nb03.stack_losses(stack(), x, y) == first


@pytest.mark.slow
def test_check_conv_stack_fails_a_model_that_does_not_learn(digits, capsys):
    x, y = digits
    assert ex.check_conv_stack(stack(frozen=True), x[:128], y[:128]) is False
    assert "the training loss does not fall" in one_line(capsys)


def test_conv_stack_context_is_what_notebook_03_loads():
    x, y = ex.conv_stack_context(config.get_profile("quick"), "offline")
    mnist = data.load_mnist(n_train=4000, n_test=1000, source="offline")  # the quick profile
    np.testing.assert_array_equal(x, training.scale_images(mnist.x_train))
    np.testing.assert_array_equal(y, mnist.y_train)
    assert x.shape[1:] == (28, 28, 1) and x.dtype == np.float32 and 0 <= x.min() <= x.max() <= 1
    graded = ex.spec("check_conv_stack").grading_context(None)
    np.testing.assert_array_equal(graded[0], x)
