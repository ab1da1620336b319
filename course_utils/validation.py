"""Argument validators shared by every module of the package (one rule, one message).

Every validator returns the cleaned value or raises ``ValueError("NAME must be ..., got VALUE")``.
Integers may be Python or NumPy integers; ``True``/``False`` are refused (``bool`` is a subclass
of ``int`` in Python, but ``n_classes=True`` is always a mistake). No TensorFlow import here.
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

import numpy as np

__all__ = [
    "image_input_shape",
    "int_pair",
    "is_int",
    "one_image",
    "positive_int",
    "positive_ints",
    "rate",
]


def is_int(value: Any) -> bool:
    """True for a Python or NumPy integer, False for ``bool`` and everything else."""
    return isinstance(value, Integral) and not isinstance(value, bool)


def positive_int(name: str, value: Any, minimum: int = 1) -> int:
    """``value`` as an ``int`` if it is an integer >= ``minimum``, else ValueError.

    ``positive_int("stride", 2) == 2``; ``positive_int("pad", 0, minimum=0) == 0``;
    ``positive_int("n", True)`` raises "n must be an integer >= 1, got True".
    """
    if not is_int(value) or int(value) < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def int_pair(name: str, value: Any, minimum: int = 1) -> tuple[int, int]:
    """``3`` → ``(3, 3)``; ``(3, 5)`` → ``(3, 5)``; both entries integers >= ``minimum``."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2 or not all(is_int(v) and int(v) >= minimum for v in value):
            raise ValueError(
                f"{name} must be an integer >= {minimum} or a pair (height, width) of them, "
                f"got {value!r}"
            )
        return int(value[0]), int(value[1])
    if not is_int(value) or int(value) < minimum:
        raise ValueError(
            f"{name} must be an integer >= {minimum} or a pair (height, width) of them, "
            f"got {value!r}"
        )
    return int(value), int(value)


def positive_ints(name: str, values: Any, minimum: int = 1) -> tuple[int, ...]:
    """A non-empty list/tuple of integers >= ``minimum`` as a tuple of ``int``, else ValueError."""
    ok = isinstance(values, (tuple, list)) and len(values) > 0 and all(
        is_int(v) and int(v) >= minimum for v in values
    )
    if not ok:
        raise ValueError(
            f"{name} must be a non-empty sequence of integers >= {minimum}, got {values!r}"
        )
    return tuple(int(v) for v in values)


def rate(name: str, value: Any, low: float = 0.0, high: float = 1.0) -> float:
    """A real number in the half-open interval ``[low, high)`` as a float, else ValueError."""
    if isinstance(value, bool) or not isinstance(value, Real) or not low <= value < high:
        raise ValueError(f"{name} must be a number in [{low:g}, {high:g}), got {value!r}")
    return float(value)


def image_input_shape(input_shape: Any, min_side: int, builder: str) -> tuple[int, int, int]:
    """``input_shape`` = (height, width, channels) of integers, sides >= ``min_side``.

    ``builder`` (the model builder's name) starts the message, e.g. "lenet5: input_shape must be
    (height, width, channels) of integers, got (32, 32)".
    """
    if not isinstance(input_shape, (tuple, list)) or len(input_shape) != 3 or not all(
        is_int(v) for v in input_shape
    ):
        raise ValueError(
            f"{builder}: input_shape must be (height, width, channels) of integers, "
            f"got {input_shape!r}"
        )
    height, width, channels = (int(v) for v in input_shape)
    shape = (height, width, channels)
    if channels < 1:
        raise ValueError(f"{builder}: channels must be >= 1, got input_shape {shape}")
    if height < min_side or width < min_side:
        raise ValueError(
            f"{builder}: height and width must be >= {min_side} so that every layer keeps at "
            f"least one pixel, got input_shape {shape}"
        )
    return shape


def one_image(image: Any) -> np.ndarray:
    """``image`` as an array if it is one image (H, W, C), else ValueError."""
    image = np.asarray(image)
    if image.ndim != 3:
        raise ValueError(f"expected one image (H, W, C), got shape {image.shape}")
    return image
