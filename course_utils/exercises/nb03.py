"""Checks of notebook 03 (padding, stride and output-size arithmetic)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..shapes import conv_ops, conv_output_size, conv_params
from .framework import Spec, named, number, register


def _output_size_cases(rng: np.random.Generator | None) -> list[tuple[int, int, int, int]]:
    """Every (n, f, p, s) of a grid in the notebook; 80 random ones when a grader draws them."""
    if rng is None:
        return [(n, f, p, s) for n in (4, 6, 7, 28, 32, 227) for f in (1, 2, 3, 5, 11)
                for p in (0, 1, 2) for s in (1, 2, 3, 4) if f <= n + 2 * p]
    cases = []
    while len(cases) < 80:
        n, f, p, s = (int(rng.integers(2, 300)), int(rng.integers(1, 12)), int(rng.integers(0, 4)),
                      int(rng.integers(1, 6)))
        if f <= n + 2 * p:
            cases.append((n, f, p, s))
    return cases


OUTPUT_SIZE = register(Spec(
    name="check_output_size", exercise="3.1", probe="call", cases=_output_size_cases,
    reference=lambda n, f, p, s: conv_output_size(n, f, s, p).size,
    label="n={}, f={}, p={}, s={}", success="{n} cases", hints=[
        (lambda o, w, n, f, p, s: isinstance(o, float), "use // (floor division): / gives a float"),
        (lambda o, w, n, f, p, s: o in (round((n + 2 * p - f) / s) + 1,
                                        -(-(n + 2 * p - f) // s) + 1),
         "round down (floor): a window that does not fit is dropped"),
        (lambda o, w, n, f, p, s: o == (n + p - f) // s + 1,
         "padding is added on both sides: n + 2p"),
        (lambda o, w, n, f, p, s: o == w - 1, "forgot the +1 (the first window)"),
        (lambda o, w, n, f, p, s: o == n + 2 * p - f + 1, "divide by the stride s"),
    ]))


def check_output_size(fn: Callable[..., Any]) -> bool:
    """Exercise 3.1: ``fn(n, f, p, s)`` = ⌊(n + 2p − f)/s⌋ + 1 for many (n, f, p, s)."""
    return OUTPUT_SIZE.run(fn)


_SIZE, _PARAMS = conv_output_size(64, 5, 2, "same").size, conv_params(5, 5, 3, 16)

LAYER_ANSWER = register(Spec(
    name="check_layer_answer", exercise="3.2", probe="value", cases=lambda rng: [()],
    reference=lambda: (_SIZE, _SIZE, 16, _PARAMS),
    compare=named(("H'", "W'", "channels", "parameters")), hints=[
        (lambda a, w: a[0] == conv_output_size(64, 5, 2, "valid").size,
         "padding='same' gives ⌈n/s⌉, whatever the kernel size"),
        (lambda a, w: a[0] == 64, "a stride of 2 halves the size"),
        (lambda a, w: a[3] == _PARAMS - 16, "did you count the biases?"),
        (lambda a, w: a[3] == conv_params(5, 5, 1, 16), "each 5×5 filter spans all 3 channels"),
    ]))


def check_layer_answer(answer: Any) -> bool:
    """Exercise 3.2: (H', W', channels, parameters) of Conv2D(16, (5, 5), strides=2,
    padding="same") on a 64×64×3 input."""
    return LAYER_ANSWER.run(answer)


_OPS = conv_ops(26, 26, 3, 1, 32)

CONV_OPS = register(Spec(
    name="check_conv_ops", exercise="3.3", probe="value", cases=lambda rng: [()],
    reference=lambda: _OPS.total, compare=number(), hints=[
        (lambda a, w: a == _OPS.multiplications,
         lambda a, w: f"{a:,} counts only the multiplications"),
        (lambda a, w: a == conv_ops(26, 26, 3, 1, 32, bias=False).total,
         "one more addition per output for the bias"),
        (lambda a, w: a == conv_ops(28, 28, 3, 1, 32).total,
         "count the output positions: valid padding gives 26×26, not 28×28"),
        (lambda a, w: a * 32 == w, "each of the 32 filters makes its own output map"),
    ]))


def check_conv_ops(answer: Any) -> bool:
    """Exercise 3.3: multiplications + additions (with bias) of the lecture CNN's first layer,
    Conv2D(32, (3, 3)) on 28×28×1 (INSA counting)."""
    return CONV_OPS.run(answer)
