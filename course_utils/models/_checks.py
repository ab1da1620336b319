"""Argument checks shared by the model builders."""

from __future__ import annotations

from typing import Any


def check_input_shape(input_shape: Any, min_side: int, builder: str) -> tuple[int, int, int]:
    """Validate ``input_shape`` = (height, width, channels) of positive ints, sides >= min_side."""
    try:
        shape = tuple(int(v) for v in input_shape)
        ok = len(shape) == 3 and all(v == w for v, w in zip(shape, input_shape, strict=True))
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(
            f"{builder}: input_shape must be (height, width, channels) of ints, "
            f"got {input_shape!r}"
        )
    height, width, channels = shape
    if channels < 1:
        raise ValueError(f"{builder}: channels must be >= 1, got input_shape {shape}")
    if height < min_side or width < min_side:
        raise ValueError(
            f"{builder}: height and width must be >= {min_side} so that every layer keeps at "
            f"least one pixel, got input_shape {shape}"
        )
    return shape
