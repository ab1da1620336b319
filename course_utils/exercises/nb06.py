"""Checks of notebook 06 (receptive fields): the recursion, 3×3 stacks, dilations, a design
measured from gradients."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from ..receptive_field import gridding_holes, measure_receptive_field, receptive_field
from ..validation import is_int
from .framework import NotRight, Spec, register
from .rebuild import rebuild


def _rf_calculators() -> list:
    """The course's receptive-field calculators: the answer of exercise 6.1."""
    from .. import receptive_field as rf

    return [rf.receptive_field, rf.receptive_field_recursion, rf.receptive_field_frame,
            rf.receptive_field_growth, rf.footprint_sizes, rf.keras_chain]


def rf_size(kernels: Sequence[int], strides: Sequence[int]) -> int:
    """Receptive field of the last layer of a stack (:func:`receptive_field`)."""
    return receptive_field(list(zip(kernels, strides, strict=True)))[-1].size


def _rf_size_stride_first(kernels: Sequence[int], strides: Sequence[int]) -> int:
    """The typical mistake ``j = j·s`` before ``r = r + (k − 1)·j``: the true field of the stack
    whose strides are moved one layer down (a 1×1 layer of stride s₁ first)."""
    return rf_size([1, *kernels], [strides[0], *strides[1:], 1])


RF_CASES = [([3, 3, 3], [1, 1, 1]), ([3, 2, 3, 2, 3], [1, 2, 1, 2, 1]), ([7], [1]),
            ([11, 3, 5, 3], [4, 2, 1, 2]), ([1, 1], [2, 2]), ([5, 2, 3], [2, 2, 1])]


def _rf_cases(rng: np.random.Generator | None) -> list[tuple[list[int], list[int]]]:
    if rng is None:
        return RF_CASES
    depths = rng.integers(1, 7, 10)
    return RF_CASES + [(rng.integers(1, 8, n).tolist(), rng.integers(1, 4, n).tolist())
                       for n in depths]


RF_SIZE = register(Spec(
    name="check_rf_size", exercise="6.1", probe="call", cases=_rf_cases, reference=rf_size,
    label="kernels {}, strides {}",
    success="{n} stacks agree with receptive_field.receptive_field", forbidden=_rf_calculators,
    reuse_hint="write the recursion yourself: r = r + (k − 1)·j, then j = j·s", hints=[
        (lambda o, w, k, s: o == 1 + sum(x - 1 for x in k),
         "did you multiply the jumps? j = j·s after each layer"),
        (lambda o, w, k, s: o == _rf_size_stride_first(k, s),
         "add (k − 1)·j with the jump of the layers below, then update j"),
    ]))


def check_rf_size(fn: Callable[..., Any]) -> bool:
    """Exercise 6.1: ``fn(kernel_sizes, strides)`` → receptive-field size (input pixels) of one
    unit of the last layer of a stack, ``r = r + (k − 1)·j; j = j·s``."""
    return RF_SIZE.run(fn)


_N_LAYERS = next(n for n in range(1, 100) if 1 + 2 * n >= 28)

N_3X3_LAYERS = register(Spec(
    name="check_n_3x3_layers", exercise="6.2", probe="value", cases=lambda rng: [()],
    reference=lambda: _N_LAYERS,
    success=f"{_N_LAYERS} layers see {1 + 2 * _N_LAYERS}×{1 + 2 * _N_LAYERS} pixels", hints=[
        (lambda n, w: n < w, lambda n, w: f"{n} layers see only {1 + 2 * n} pixels"),
        (lambda n, w: n > w, lambda n, w: f"{n} layers are enough, but fewer would do"),
    ]))


def check_n_3x3_layers(answer: Any) -> bool:
    """Exercise 6.2: fewest stacked 3×3 stride-1 convolutions (no pooling) whose receptive
    field covers a whole 28×28 digit: ``1 + 2n >= 28``."""
    return N_3X3_LAYERS.run(answer)


def _dilation_problem(dilations: Any, want: Any, reveal: bool) -> str | None:
    """None when 1–4 dilation rates give a field of ≥ ``want`` pixels without holes."""
    if not isinstance(dilations, (list, tuple)) or not all(is_int(d) and d >= 1
                                                           for d in dilations):
        return f"expected a list of dilation rates >= 1, got {dilations!r}"
    if not 1 <= len(dilations) <= 4:
        return f"use 1 to 4 layers, got {len(dilations)}"
    size = 1 + 2 * sum(dilations)
    if size < want:
        return f"receptive field {size} pixels, need at least {want}"
    holes = gridding_holes(dilations)
    return f"field of {size} pixels, but offsets {holes[:6]} are never seen" if holes else None


def _field(d: Sequence[int]) -> str:
    return f"{1 + 2 * sum(d)}×{1 + 2 * sum(d)} pixels"


DILATIONS = register(Spec(
    name="check_dilations", exercise="6.3", probe="value", cases=lambda rng: [()],
    reference=lambda: 28, compare=_dilation_problem,
    success=lambda d: f"{_field(d)} with {len(d)} layers, no holes", hints=[
        (lambda d, w: len(d) > 4, "four layers suffice when the rates grow"),
        (lambda d, w: 1 + 2 * sum(d) < w, "a 3×3 layer with dilation d adds 2·d pixels"),
        (lambda d, w: bool(gridding_holes(d)), "gridding: sort the rates; each may be at most "
                                               "2·(sum of the smaller ones) + 1"),
    ]))


def check_dilations(dilations: Any) -> bool:
    """Exercise 6.3: dilation rates of at most four 3×3 stride-1 convolutions whose receptive
    field covers 28 pixels without holes."""
    return DILATIONS.run(dilations)


class ScaleFacts(NamedTuple):
    """What exercise 6.4 measures: Conv2D layers, fields (px) of the first and last conv's
    centre unit, pixels inside the last field that no path reaches."""

    n_conv: int
    first_field: int
    last_field: int
    holes: int


def scale_facts(model: Any) -> ScaleFacts:
    """The :class:`ScaleFacts` of a Keras model for 28×28×1 inputs, fields measured from
    gradients (16 random normal inputs: a ReLU unit off for every positive input still passes
    gradients for some of them)."""
    if tuple(model.input_shape[1:]) != (28, 28, 1):
        raise NotRight(f"expected a model for 28×28×1 digits, got input {model.input_shape[1:]}")
    convs = [layer for layer in model.layers if type(layer).__name__ == "Conv2D"]
    if not convs:
        raise NotRight("your model has no Conv2D layer")
    inputs = np.random.default_rng(64).normal(size=(16, 28, 28, 1))
    first = measure_receptive_field(model, convs[0].name, inputs=inputs)
    last = measure_receptive_field(model, convs[-1].name, inputs=inputs)
    (r0, r1), (c0, c1) = last.rows, last.cols
    holes = int((last.gradient[r0:r1 + 1, c0:c1 + 1] == 0).sum())
    return ScaleFacts(len(convs), first.size[0], last.size[0], holes)


def _scales_problem(got: ScaleFacts, want: float, reveal: bool) -> str | None:
    octaves = np.log2(got.last_field / got.first_field)
    if got.n_conv > 3:
        return f"{got.n_conv} Conv2D layers: use at most 3"
    if octaves < want:
        return f"the last conv sees {got.last_field} px, the first {got.first_field} px: " \
               f"{octaves:.2f} octaves, need at least {want:g}"
    if got.holes:
        return f"{got.holes} pixels inside the last field never reach the unit (holes)"
    return None


SCALES_DESIGN = register(Spec(
    name="check_scales_design", exercise="6.4", probe="value", cases=lambda rng: [()],
    reference=lambda: 3.0, facts=lambda got: scale_facts(rebuild(got, sent_weights=True)),
    compare=_scales_problem,
    success=lambda g: f"{g.n_conv} conv layers, fields {g.first_field} → {g.last_field} px "
                      "measured, no holes", hints=[
        (lambda g, w: g.n_conv > 3, "the claim says more conv layers give more scales; find "
                                    "another way to grow the field: pooling, stride or dilation"),
        (lambda g, w: np.log2(g.last_field / g.first_field) < 3,
         "a 3×3 conv adds 2·jump pixels: make the jump grow (pooling or stride) between the "
         "convs"),
        (lambda g, w: g.holes > 0, "gridding: a stride or dilation larger than the kernel below "
                                   "it skips pixels"),
    ]))


def check_scales_design(model: Any) -> bool:
    """Exercise 6.4 (open): a Keras model for 28×28×1 inputs with at most three Conv2D layers
    whose last convolution analyses the image at least 3 octaves coarser than its first:
    ``log2(r_last / r_first) ≥ 3``, both fields **measured from gradients** of the model
    rebuilt from its config and weights
    (:func:`course_utils.receptive_field.measure_receptive_field`, centre unit, 16 random
    normal inputs — the calculator is not trusted here), and no hole in the last field."""
    return SCALES_DESIGN.run(model)
