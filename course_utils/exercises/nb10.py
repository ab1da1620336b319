"""Checks of notebook 10 (what CNNs see): occlusion, Grad-CAM, occlusion drop maps."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..saliency import grad_cam_from, occlude, occlusion_map, occlusion_positions
from .framework import NotRight, Spec, array, register
from .probes import STAND_INS


def _occlude_cases(rng: np.random.Generator | None) -> list[tuple]:
    image = (rng or np.random.default_rng(101)).uniform(0, 255, size=(12, 10, 3)).astype("float32")
    return [(image, 2, 3, 4), (image, 9, 8, 5)]  # the second square sticks out of the image


OCCLUDE = register(Spec(
    name="check_occlude", exercise="10.1", probe="call", cases=_occlude_cases, reference=occlude,
    compare=array(), label=lambda im, t, left, s: f"top={t}, left={left}, patch_size={s}", hints=[
        (lambda o, w, im, t, left, s: np.allclose(o, occlude(im, t, left, s, fill=0)),
         "grey is 127, not 0 (black)"),
        (lambda o, w, im, t, left, s: np.allclose(o, occlude(im, left, t, s)),
         "top is the row index, left the column index"),
    ]))


def check_occlude(fn: Any) -> bool:
    """Exercise 10.1: ``fn(image, top, left, patch_size)`` greys out a square of image (H, W, C)
    with 127 (on a copy)."""
    return OCCLUDE.run(fn)


def _grad_cam_cases(rng: np.random.Generator | None) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = rng or np.random.default_rng(102)
    return [(np.maximum(rng.normal(size=(5, 6, 8)), 0), rng.normal(size=(5, 6, 8)))]


def _unnormalised_cam(maps: np.ndarray, gradients: np.ndarray) -> np.ndarray:
    return np.maximum((maps * gradients.mean(axis=(0, 1))).sum(-1), 0)


GRAD_CAM = register(Spec(
    name="check_grad_cam", exercise="10.2", probe="call", cases=_grad_cam_cases,
    reference=grad_cam_from, compare=array(), label="", hints=[
        (lambda o, w, a, g: np.allclose(o, _unnormalised_cam(a, g)), "divide by the maximum"),
        (lambda o, w, a, g: np.min(o) < 0, "apply the ReLU: only positive evidence counts"),
        (lambda o, w, a, g: np.allclose(o, grad_cam_from(a * g, np.ones_like(g))),
         "α_c is the mean gradient of channel c: one weight per channel, not per pixel"),
    ]))


def check_grad_cam(fn: Any) -> bool:
    """Exercise 10.2: ``fn(maps, gradients)``, both (h, w, C) → ReLU(Σ_c α_c A_c) / max (h, w),
    α_c = mean over (h, w) of ∂y/∂A_c."""
    return GRAD_CAM.run(fn)


def occlusion_drops(predict: Any, image: np.ndarray, class_index: int,
                    patch_sizes: Sequence[int], fill: Any) -> dict[int, np.ndarray]:
    """{patch: p(image) − :func:`~course_utils.saliency.occlusion_map` (stride patch // 2)}: how
    much hiding each square lowers the class probability. ``predict``: a Keras-like model."""
    predict = STAND_INS[predict["stand_in"]]() if isinstance(predict, dict) else predict
    p_full = float(np.asarray(predict.predict(image[None].astype("float32")))[0, class_index])
    return {patch: p_full - occlusion_map(predict, image, class_index, patch,
                                          max(patch // 2, 1), fill)
            for patch in patch_sizes}


def _drop_maps(result: Any, *case: Any) -> dict[int, np.ndarray]:
    if not isinstance(result, dict):
        raise NotRight(f"expected a dict {{patch size: drop map}}, got {type(result).__name__}")
    return {int(k): np.asarray(v, dtype=float) for k, v in result.items()}


def _maps_problem(got: dict, want: dict, reveal: bool) -> str | None:
    if sorted(got) != sorted(want):
        return f"expected one map per patch size {sorted(want)}, got keys {sorted(got)}"
    for patch in want:
        if got[patch].shape != want[patch].shape:
            return f"patch {patch}: expected a map of shape {want[patch].shape}, got " \
                   f"{got[patch].shape}"
        if not np.allclose(got[patch], want[patch], atol=1e-6):
            return f"patch {patch}: the drops differ from the reference"
    return None


def _drops_cases(rng: np.random.Generator | None) -> list[tuple]:
    image = (rng or np.random.default_rng(103)).uniform(0, 60, size=(24, 20, 3)).astype("float32")
    image[:12, :10] += 150.0
    return [({"stand_in": "brightness"}, image, 0, (4, 6, 12), 127.0)]


def _full_probability(case: tuple) -> float:
    image, class_index = case[1], case[2]
    return float(STAND_INS["brightness"]()(image[None])[0, class_index])


OCCLUSION_DROPS = register(Spec(
    name="check_occlusion_drops", exercise="10.3", probe="call", cases=_drops_cases,
    reference=occlusion_drops, facts=_drop_maps, compare=_maps_problem,
    label="stand-in classifier, patch sizes (4, 6, 12)",
    success="shapes and drops right for 3 patch sizes", hints=[
        (lambda o, w, *c: all(np.allclose(o[k], _full_probability(c) - w[k]) for k in w),
         "you returned p(occluded): the drop is p(unoccluded image) − p(occluded)"),
        (lambda o, w, *c: all(np.allclose(o[k], -w[k]) for k in w),
         "the sign: drop = p(image) − p(occluded), positive where hiding hurts"),
        (lambda o, w, *c: all(np.allclose(o[k] - w[k], (o[k] - w[k]).flat[0]) for k in w),
         "off by a constant: measure against the unoccluded image's probability (not the "
         "map's maximum or 1)"),
        (lambda o, w, *c: any(o[k].shape != w[k].shape for k in w),
         lambda o, w, *c: "positions: saliency.occlusion_positions(H, patch, patch // 2) gives "
                          f"the rows, e.g. {occlusion_positions(24, 6, 3).tolist()} for patch 6"),
        (lambda o, w, *c: True, "hide the square with `fill` on a copy of the image, one copy "
                                "per position, and predict them in one batch"),
    ]))


def check_occlusion_drops(fn: Callable[..., Any]) -> bool:
    """Exercise 10.3 (open): ``fn(predict, image, class_index, patch_sizes, fill)`` → {patch
    size: (n_rows, n_cols) map of p(image) − p(image with the square hidden)} for squares at
    :func:`course_utils.saliency.occlusion_positions` with stride patch // 2. Validated on a
    stand-in classifier (:class:`probes.BrightnessClassifier`: a bright corner is the evidence)
    for three patch sizes: every map's shape (the positions) and every value (the drop from the
    unoccluded probability, not the occluded probability itself)."""
    return OCCLUSION_DROPS.run(fn)
