"""Checks of notebook 10 (what CNNs see) and its part 2, 10b: occlusion (10.1), the Grad-CAM
formula (10.2), the square-size study of occlusion maps (10.3), the area under a deletion curve
(10.4)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from ..saliency import deletion_auc, grad_cam_from, occlude, occlusion_map, occlusion_positions
from .framework import NotRight, Spec, Verdict, array, number, register
from .probes import STAND_INS


def _occluders() -> list:
    """The course's occlusion code: the answer of exercise 10.1 (and of 10.3's maps)."""
    from .. import saliency

    return [saliency.occlude, saliency.occlusion_map]


def _grad_cams() -> list:
    """The course's Grad-CAM formula: the answer of exercise 10.2 (``saliency.grad_cam`` only
    takes the gradients and calls it; its listing shows no formula)."""
    from .. import saliency

    return [saliency.grad_cam_from]


def _occlusion_maps() -> list:
    """The course's occlusion map: the answer of exercise 10.3's maps (``saliency.occlude``, the
    answer of 10.1, is allowed there)."""
    from .. import saliency

    return [saliency.occlusion_map]


def _occlude_cases(rng: np.random.Generator | None) -> list[tuple]:
    image = (rng or np.random.default_rng(101)).uniform(0, 255, size=(12, 10, 3)).astype("float32")
    return [(image, 2, 3, 4), (image, 9, 8, 5)]  # the second square sticks out of the image


OCCLUDE = register(Spec(
    name="check_occlude", exercise="10.1", probe="call", cases=_occlude_cases, reference=occlude,
    compare=array(), label=lambda im, t, left, s: f"top={t}, left={left}, patch_size={s}",
    forbidden=_occluders,
    reuse_hint="write it yourself: copy the image, then set the square to 127",
    hints=[
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
    reference=grad_cam_from, compare=array(), label="", forbidden=_grad_cams,
    reuse_hint="write it yourself: α = mean gradient over h, w; ReLU of the weighted sum; / max",
    hints=[
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


class StudyFacts(NamedTuple):
    """What exercise 10.3 returns: {patch: drop map}, {patch: criterion score}, the chosen patch."""

    maps: dict
    scores: dict
    choice: Any


def _study_facts(result: Any, *case: Any) -> StudyFacts:
    if not isinstance(result, (tuple, list)) or len(result) != 3:
        raise NotRight("expected (maps, scores, choice): {patch size: drop map}, {patch size: "
                       f"score}} and the chosen size, got {type(result).__name__}")
    maps, scores, choice = result
    if not isinstance(maps, dict) or not isinstance(scores, dict):
        raise NotRight(f"expected maps and scores as dicts {{patch size: …}}, got "
                       f"{type(maps).__name__} and {type(scores).__name__}")
    return StudyFacts({int(k): np.asarray(v, dtype=float) for k, v in maps.items()},
                      {int(k): float(v) for k, v in scores.items()}, choice)


def _maps_problem(got: dict, want: dict) -> str | None:
    if sorted(got) != sorted(want):
        return f"expected one map per patch size {sorted(want)}, got keys {sorted(got)}"
    for patch in want:
        if got[patch].shape != want[patch].shape:
            return f"patch {patch}: expected a map of shape {want[patch].shape}, got " \
                   f"{got[patch].shape}"
        if not np.allclose(got[patch], want[patch], atol=1e-6):
            return f"patch {patch}: the drops differ from the reference"
    return None


def _study_problem(got: StudyFacts, want: dict, reveal: bool) -> str | None:
    """None when the maps are right and the choice is the best size by the study's own scores
    (one finite score per size; best = largest or smallest)."""
    problem = _maps_problem(got.maps, want)
    if problem:
        return problem
    if sorted(got.scores) != sorted(want) or not all(np.isfinite(list(got.scores.values()))):
        return f"expected one finite score per patch size {sorted(want)}, got {got.scores}"
    if got.choice not in want:
        return f"the choice {got.choice!r} is not one of the patch sizes {sorted(want)}"
    values = list(got.scores.values())
    if got.scores[int(got.choice)] not in (max(values), min(values)):
        return f"the choice {got.choice} is not the best size by your scores {got.scores}"
    return None


def _scores_follow_the_maps(values: list, cases: list, context: tuple) -> Verdict | None:
    """Stage 2: images whose maps differ (same sizes) must not all get the same scores."""
    scores = [_study_facts(v).scores for v in values]
    if all(other == scores[0] for other in scores[1:]):
        return Verdict(False, f"your scores {scores[0]} are the same for {len(scores)} images "
                              "whose maps differ: compute each size's score from its map")
    return None


def _drops_cases(rng: np.random.Generator | None) -> list[tuple]:
    """The stand-in's evidence is a bright top-left quarter: a strong (+150) bright corner, a
    small bright spot, a weak (+40) corner — three images whose drop maps differ in size and
    shape; three patch sizes each."""
    image = (rng or np.random.default_rng(103)).uniform(0, 60, size=(24, 20, 3)).astype("float32")
    corner, spot, weak = image.copy(), image.copy(), image.copy()
    corner[:12, :10] += 150.0
    spot[2:6, 3:7] += 150.0
    weak[:12, :10] += 40.0
    return [({"stand_in": "brightness"}, im, 0, (4, 6, 12), 127.0) for im in (corner, spot, weak)]


def _full_probability(case: tuple) -> float:
    image, class_index = case[1], case[2]
    return float(STAND_INS["brightness"]()(image[None])[0, class_index])


OCCLUSION_DROPS = register(Spec(
    name="check_occlusion_drops", exercise="10.3", probe="call", cases=_drops_cases,
    reference=occlusion_drops, facts=_study_facts, compare=_study_problem,
    then=_scores_follow_the_maps, forbidden=_occlusion_maps,
    reuse_hint="hide the squares yourself, with your occlude of exercise 10.1: the maps are "
               "what this exercise writes",
    label=lambda *case: f"stand-in classifier, patch sizes {case[3]}",
    success="maps right for 3 patch sizes, the choice follows scores computed from them",
    hints=[
        (lambda o, w, *c: all(np.allclose(o.maps[k], _full_probability(c) - w[k]) for k in w),
         "you returned p(occluded): the drop is p(unoccluded image) − p(occluded)"),
        (lambda o, w, *c: all(np.allclose(o.maps[k], -w[k]) for k in w),
         "the sign: drop = p(image) − p(occluded), positive where hiding hurts"),
        (lambda o, w, *c: all(np.allclose(o.maps[k] - w[k], (o.maps[k] - w[k]).flat[0])
                              for k in w),
         "off by a constant: measure against the unoccluded image's probability (not the "
         "map's maximum or 1)"),
        (lambda o, w, *c: any(o.maps[k].shape != w[k].shape for k in w),
         lambda o, w, *c: "positions: saliency.occlusion_positions(H, patch, patch // 2) gives "
                          f"the rows, e.g. {occlusion_positions(24, 6, 3).tolist()} for patch 6"),
        (lambda o, w, *c: any(not np.allclose(o.maps[k], w[k], atol=1e-6) for k in w),
         "hide the square with `fill` on a copy of the image, one copy per position, and "
         "predict them in one batch"),
        (lambda o, w, *c: True, "score each size by a criterion computed from its map (e.g. "
                                "the share of positions whose drop exceeds half the largest), "
                                "then choose the size with the best score"),
    ]))


def check_occlusion_drops(fn: Callable[..., Any]) -> bool:
    """Exercise 10.3 (open): ``fn(predict, image, class_index, patch_sizes, fill)`` → ``(maps,
    scores, choice)``: ``maps`` {patch size: (n_rows, n_cols) map of p(image) − p(image with
    the square hidden)} for squares at :func:`course_utils.saliency.occlusion_positions` with
    stride patch // 2; ``scores`` {patch size: the study's criterion computed from that map};
    ``choice`` the size with the best (largest or smallest) score. Validated on a stand-in
    classifier (:class:`probes.BrightnessClassifier`: a bright corner is the evidence) on three
    images (a strong corner, a small spot, a weak corner), three patch sizes each: every map's
    shape and values, one finite score per size, the choice consistent with the scores, and
    scores that change when the maps do (a criterion not computed from the maps fails). An
    answer using ``saliency.occlusion_map`` fails (the maps are the exercise)."""
    return OCCLUSION_DROPS.run(fn)


def _deletion_aucs() -> list:
    """The course's deletion score: the answer of exercise 10.4."""
    from .. import saliency

    return [saliency.deletion_auc]


def _auc_cases(rng: np.random.Generator | None) -> list[tuple[np.ndarray, np.ndarray]]:
    """Uneven steps (a plain mean is wrong) and a first fraction above 0 (dividing by the last
    fraction instead of the span is wrong)."""
    rng = rng or np.random.default_rng(104)
    return [(np.array([0.0, 0.05, 0.1, 0.2, 0.5]), np.array([0.9, 0.6, 0.3, 0.1, 0.0])),
            (np.array([0.1, 0.3, 0.6]), np.sort(rng.uniform(0, 1, 3))[::-1].copy())]


def _area(fractions: np.ndarray, p: np.ndarray) -> float:
    return float(np.sum(np.diff(fractions) * (p[1:] + p[:-1]) / 2))


def _reference_auc(fractions: np.ndarray, p: np.ndarray) -> float:
    return float(deletion_auc(fractions, p)[0])


DELETION_AUC = register(Spec(
    name="check_deletion_auc", exercise="10.4", probe="call", cases=_auc_cases,
    reference=_reference_auc, compare=number(rtol=1e-6),
    label=lambda f, p: f"fractions {f.tolist()}", forbidden=_deletion_aucs,
    reuse_hint="write it yourself: the trapezoid rule (np.trapezoid may do the sum), divided by "
               "the span of the fractions",
    hints=[
        (lambda o, w, f, p: np.isclose(o, np.mean(p)),
         "the fractions are not evenly spaced: weight each value by its interval (trapezoid "
         "rule), not a plain mean"),
        (lambda o, w, f, p: np.isclose(o, _area(f, p)),
         "divide the area by the span f_last − f_first: the score is a mean probability"),
        (lambda o, w, f, p: np.isclose(o, _area(f, p) / f[-1]),
         "divide by the span f_last − f_first, not by the last fraction"),
        (lambda o, w, f, p: np.isclose(o, np.sum(np.diff(f) * p[:-1]) / (f[-1] - f[0])),
         "the trapezoid rule averages the two ends of each interval (not the left end only)"),
    ]))


def check_deletion_auc(fn: Any) -> bool:
    """Exercise 10.4: ``fn(fractions, p)`` — increasing fractions (F,) of pixels hidden and the
    class probability p (F,) after hiding them → the area under the deletion curve divided by
    the span, (1/(f_F − f_1)) ∫ p df by the trapezoid rule (a number). Refuses
    ``saliency.deletion_auc``, the library's answer."""
    return DELETION_AUC.run(fn)
