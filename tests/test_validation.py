"""course_utils.validation: one rule and one message for every integer/shape/rate argument."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils import validation as v


@pytest.mark.parametrize("value", [3, np.int64(3), np.int8(3), np.uint16(3)])
def test_positive_int_accepts_python_and_numpy_integers(value):
    assert v.positive_int("n", value) == 3 and type(v.positive_int("n", value)) is int
    assert v.is_int(value)


@pytest.mark.parametrize("value", [True, False, 2.0, 1.5, "3", None, np.float32(3), [3]])
def test_positive_int_refuses_bools_floats_and_others(value):
    assert not v.is_int(value)
    with pytest.raises(ValueError, match=r"n must be an integer >= 1, got "):
        v.positive_int("n", value)


def test_positive_int_minimum_and_message():
    assert v.positive_int("pad", 0, minimum=0) == 0
    with pytest.raises(ValueError, match=r"^pad must be an integer >= 0, got -1$"):
        v.positive_int("pad", -1, minimum=0)
    with pytest.raises(ValueError, match=r"^lenet5: n_classes must be an integer >= 2, got 1$"):
        v.positive_int("lenet5: n_classes", 1, 2)


def test_int_pair():
    assert v.int_pair("stride", 2) == (2, 2)
    assert v.int_pair("stride", (1, np.int32(3))) == (1, 3)
    for bad in [(1, 2, 3), (0, 1), (True, 1), 0, "2", (1.0, 2)]:
        with pytest.raises(ValueError, match=r"stride must be an integer >= 1 or a pair"):
            v.int_pair("stride", bad)


def test_positive_ints():
    assert v.positive_ints("widths", [16, np.int64(32)]) == (16, 32)
    for bad in [[], (16, 0), (16, True), 16, "16", (16.0,)]:
        with pytest.raises(ValueError, match="widths must be a non-empty sequence of integers"):
            v.positive_ints("widths", bad)


def test_rate():
    assert v.rate("dropout", 0) == 0.0 and v.rate("dropout", np.float32(0.25)) == 0.25
    for bad in [1.0, -0.1, True, "0.5", None]:
        with pytest.raises(ValueError, match=r"dropout must be a number in \[0, 1\), got "):
            v.rate("dropout", bad)


def test_image_input_shape():
    assert v.image_input_shape((32, 30, np.int64(3)), 16, "b") == (32, 30, 3)
    with pytest.raises(ValueError, match=r"b: input_shape must be \(height, width, channels\)"):
        v.image_input_shape((32, 32), 16, "b")
    with pytest.raises(ValueError, match="input_shape must be"):
        v.image_input_shape((32.0, 32, 1), 16, "b")
    with pytest.raises(ValueError, match="input_shape must be"):
        v.image_input_shape((32, True, 1), 16, "b")
    with pytest.raises(ValueError, match="channels must be >= 1"):
        v.image_input_shape((32, 32, 0), 16, "b")
    with pytest.raises(ValueError, match="height and width must be >= 16"):
        v.image_input_shape((15, 32, 1), 16, "b")


def test_every_module_uses_the_shared_validators():
    """No module of the package keeps a private positive-integer check of its own."""
    from pathlib import Path

    package = Path(v.__file__).parent
    for path in sorted(package.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for private in ("def _check_positive_int", "def _check_count", "def _check_n_classes",
                        "def _positive_pair", "def _int_pair"):
            assert private not in text, f"{path.name} defines {private[4:]}"


def test_one_image():
    image = np.zeros((4, 5, 3))
    assert v.one_image(image) is image and v.one_image([[[1]]]).shape == (1, 1, 1)
    with pytest.raises(ValueError, match=r"one image \(H, W, C\), got shape \(2, 4, 5, 3\)"):
        v.one_image(np.zeros((2, 4, 5, 3)))
