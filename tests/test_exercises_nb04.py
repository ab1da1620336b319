"""Notebook 04's checks that must reject what the course already has or what is not the slide's
network (issue 20): a LeNet-5 with max pooling fails exercise 4.4 at the structure stage, the
course's builders fail 4.2 and 4.4, and notebook 04 (with 04b) calls every 4.x check once."""

from __future__ import annotations

from pathlib import Path

import keras
import nbformat
import numpy as np
import pytest

from course_utils import exercises as ex
from course_utils.models import lecture
from tests.test_exercises import one_line

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def lenet(pooling=keras.layers.AveragePooling2D):
    def build():
        layers = keras.layers
        return keras.Sequential([
            keras.Input(shape=(32, 32, 1)),
            layers.Conv2D(6, 5, activation="tanh"), pooling(2),
            layers.Conv2D(16, 5, activation="tanh"), pooling(2),
            layers.Flatten(), layers.Dense(120, activation="relu"),
            layers.Dense(84, activation="relu"), layers.Dense(10, activation="softmax"),
        ])
    return build


def tiny(n=8):
    rng = np.random.default_rng(0)
    return rng.uniform(0, 1, (n, 32, 32, 1)).astype("float32"), rng.integers(0, 10, n)


def test_max_pooling_is_not_the_slides_lenet(capsys):
    x, y = tiny()
    assert ex.check_lenet_build(lenet(keras.layers.MaxPooling2D), x, y, x, y, 0.0) is False
    line = one_line(capsys)
    assert "pooling layers: expected ('AveragePooling2D', 'AveragePooling2D')" in line, line
    assert "uses average pooling (AveragePooling2D), not max pooling" in line, line


@pytest.mark.parametrize(("check", "answer", "name"), [
    (lambda a: ex.check_lenet_build(a, *tiny(), *tiny(), 0.0), lambda: lecture.lenet5(),
     "course_utils.models.lecture.lenet5"),
    (lambda a: ex.check_lenet_build(a, *tiny(), *tiny(), 0.0), lecture.lenet5_insa,
     "course_utils.models.lecture.lenet5_insa"),
    (ex.check_mlp_baseline, lambda: lecture.mlp_baseline(), "course_utils.models.lecture"
                                                             ".mlp_baseline"),
])
def test_the_course_builders_are_refused(check, answer, name, capsys):
    assert check(answer) is False
    line = one_line(capsys)
    assert f"uses {name}, which already is this exercise's answer" in line, line


def test_notebook_04_calls_each_check_once_across_its_parts():
    parts = [NOTEBOOKS / "04_lenet_mnist.ipynb", *sorted(NOTEBOOKS.glob("04b_*.ipynb"))]
    calls = [name for part in parts for cell in nbformat.read(part, as_version=4).cells
             if cell.cell_type == "code" and "solution" not in cell.metadata.get("tags", [])
             for name in ("check_lenet_params", "check_mlp_baseline", "check_per_class_accuracy",
                          "check_lenet_build") if f"ex.{name}(" in cell.source]
    assert calls == ["check_lenet_params", "check_mlp_baseline", "check_per_class_accuracy",
                     "check_lenet_build"]
