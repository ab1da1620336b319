"""Notebook 05, exercise 5.3 (Chollet's experiment): the check of the lecture's MNIST CNN without
pooling and the experiment that trains both networks (``training.pooling_experiment``).

The check must pass the right network, name the typical mistakes, refuse the course's own builder
(``models.lecture_cnn``) and never print the parameter count a wrong answer should find.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from course_utils import comparison, models, training
from course_utils import exercises as ex
from tests.conftest import not_implemented as stub
from tests.test_exercises import one_line

NO_POOL_PARAMETERS = 320 + 18_496 + 36_928 + (22 * 22 * 64 + 1) * 64 + 650  # 2,038,922


def lecture_cnn_without_pooling(pool=(), padding="valid", dropout=False, dense=64,
                                input_shape=(28, 28, 1), filters=(32, 64, 64)):
    """The right answer with the defaults; each argument makes one typical mistake.
    ``pool``: indices of the convolutions followed by a MaxPooling2D layer."""
    layers = keras.layers
    stack = [keras.Input(shape=input_shape)]
    for i, n in enumerate(filters):
        stack.append(layers.Conv2D(n, (3, 3), activation="relu", padding=padding))
        if i in pool:
            stack.append(layers.MaxPooling2D((2, 2)))
    stack += [layers.Flatten(), layers.Dense(dense, activation="relu")]
    if dropout:
        stack.append(layers.Dropout(0.5))
    stack.append(layers.Dense(10, activation="softmax"))
    return keras.Sequential(stack)


def via_the_course_builder():
    """Strips the pooling layers off the course's own network: the exercise done for you."""
    built = models.lecture_cnn()
    return keras.Sequential([keras.Input(shape=(28, 28, 1))] + [
        layer for layer in built.layers if "pool" not in layer.name])


@pytest.mark.parametrize(("build", "passed", "text"), [
    (lecture_cnn_without_pooling, True, "the lecture CNN without pooling, layer for layer"),
    (lambda: lecture_cnn_without_pooling(pool=(0, 1)), False, "remove both MaxPooling2D"),
    (lambda: lecture_cnn_without_pooling(pool=(0,)), False, "remove both MaxPooling2D"),
    (lambda: lecture_cnn_without_pooling(dropout=True), False, "no Dropout"),
    (lambda: lecture_cnn_without_pooling(filters=(32, 64)), False, "keep all three convolutions"),
    (lambda: lecture_cnn_without_pooling(padding="same"), False, "keep padding='valid'"),
    (lambda: lecture_cnn_without_pooling(dense=512), False, "same layers as the lecture CNN"),
    (lambda: lecture_cnn_without_pooling(filters=(32, 64, 128)), False,
     "same layers as the lecture CNN"),
    (lambda: lecture_cnn_without_pooling(input_shape=(32, 32, 3)), False,
     "keras.Input(shape=(28, 28, 1))"),
    (models.lecture_cnn, False, "uses course_utils.models.lecture.lecture_cnn"),
    (via_the_course_builder, False, "write the layers yourself"),
    (stub, False, "not implemented yet"),
    (lambda: "a model", False, "expected a Keras model, got str"),
])
def test_check_no_pooling(build, passed, text, capsys):
    assert ex.check_no_pooling(build) is passed
    line = one_line(capsys)
    assert line.startswith("✓ Exercise 5.3" if passed else "✗ Exercise 5.3"), line
    assert text in line, line
    assert f"{NO_POOL_PARAMETERS:,}" not in line  # a wrong answer never learns the count


def test_the_reference_is_the_lecture_cnn_without_its_pooling_layers():
    spec = ex.spec("check_no_pooling")
    want = spec.reference()
    assert want.parameters == NO_POOL_PARAMETERS == 2_038_922
    assert want.input_shape == (None, 28, 28, 1) and want.output_shape == (None, 10)
    kept = [type(layer).__name__ for layer in models.lecture_cnn().layers
            if "Pooling" not in type(layer).__name__]
    assert list(want.layer_kinds) == kept


def digits(n, seed=0):
    """n random 28×28×1 images whose label is which quarter of the image is brightest (0..3)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 4, n)
    x = rng.uniform(0, 0.2, (n, 28, 28, 1)).astype("float32")
    for i, label in enumerate(labels):
        r, c = divmod(int(label), 2)
        x[i, 14 * r:14 * r + 14, 14 * c:14 * c + 14] += 0.8
    return x, labels


@pytest.mark.slow
def test_pooling_experiment_trains_both_networks_and_measures_what_chollet_argues(capsys):
    x, y = digits(96)
    x_val, y_val = digits(48, seed=1)
    table, verdict = training.pooling_experiment(lecture_cnn_without_pooling, x, y, x_val, y_val,
                                                 epochs=1)
    assert list(table.index) == list(training.POOLING_ROWS)
    assert list(table["parameters"]) == [93_322, NO_POOL_PARAMETERS]
    assert list(table["last conv output"]) == ["3×3×64", "22×22×64"]
    assert list(table["receptive field"]) == ["18×18", "7×7"]
    assert table["field coverage"].round(4).tolist() == [round(18**2 / 784, 4), 0.0625]
    assert table[["train accuracy", "val accuracy"]].stack().between(0, 1).all()
    assert isinstance(verdict, comparison.Comparison)
    assert (verdict.a, verdict.b) == ("without pooling", "with pooling")
    difference = table.loc["without pooling", "val accuracy"] - table.loc["with pooling",
                                                                          "val accuracy"]
    assert verdict.difference == pytest.approx(difference)
    assert training.pooling_experiment(stub, x, y, x_val, y_val) is None
    assert "finish Exercise 5.3" in capsys.readouterr().out


def test_pooling_experiment_rejects_bad_input():
    x, y = digits(4)
    with pytest.raises(ValueError, match="equal lengths"):
        training.pooling_experiment(lecture_cnn_without_pooling, x, y, x[:0], y[:0])
