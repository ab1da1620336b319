"""Checks of notebook 05b (the training recipe): Welch's p-values, seeds needed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..stats import seeds_needed, welch_p_values, welch_tests
from .framework import WRITE_IT, Spec, number, register


def _p_values_compare(got: Any, want: dict, reveal: bool) -> str | None:
    if not isinstance(got, dict):
        return f"expected a dict {{variant: p-value}}, got {type(got).__name__}"
    if set(got) != set(want):
        return f"expected one p-value for each of {sorted(want)}, got keys {sorted(got)}"
    for name in want:
        problem = number(rtol=1e-6)(got[name], want[name], reveal)
        if problem:
            return f"{name!r}: {problem}"
    return None


def _same_as(got: Any, want: dict) -> bool:
    return _p_values_compare(got, want, False) is None


WELCH_CASES = [
    ({"recipe": [0.34, 0.32, 0.36], "without A": [0.29, 0.31, 0.28],
      "without B": [0.35, 0.33, 0.37]},),
    ({"recipe": [0.50, 0.52, 0.49, 0.51], "constant rate": [0.10, 0.25, 0.15, 0.12]},),
]


def _welch_cases(rng: np.random.Generator | None) -> list[tuple[dict]]:
    if rng is None:
        return WELCH_CASES
    return WELCH_CASES + [({name: rng.normal(0.5, 0.03, int(rng.integers(3, 6))).round(3).tolist()
                            for name in ("recipe", "variant", "other")},) for _ in range(3)]


WELCH = register(Spec(
    name="check_welch_p_values", exercise="5.5", probe="call", cases=_welch_cases,
    reference=welch_p_values, compare=_p_values_compare,
    label=lambda runs: f"runs of {sorted(runs)}",
    success="Welch's p-values for every variant", forbidden=lambda: [welch_p_values, welch_tests],
    reuse_hint="call scipy.stats.ttest_ind yourself, once per variant", hints=[
        (lambda g, w, r: "recipe" in g, "one p-value per variant: leave the recipe out, it is "
                                        "what every variant is compared with"),
        (lambda g, w, r: _same_as(g, welch_p_values(r, equal_var=True)),
         "Welch's test does not assume equal spreads: equal_var=False"),
        (lambda g, w, r: any(_same_as(g, welch_p_values(r, alternative=a))
                             for a in ("less", "greater")),
         "a two-sided test: keep scipy's default alternative"),
        (lambda g, w, r: _same_as(g, {n: float(t.statistic) for n, t in welch_tests(r).items()}),
         "return the p-value (.pvalue), not the t statistic"),
    ]))


def check_welch_p_values(fn: Callable[..., Any]) -> bool:
    """Exercise 5.5: ``fn(val_runs)`` with ``val_runs`` = {variant: [validation accuracy of each
    seed]} including "recipe" → {variant: p-value} for every other variant, from Welch's
    two-sided t-test (``scipy.stats.ttest_ind(recipe, variant, equal_var=False)``)."""
    return WELCH.run(fn)


SEEDS_CASES = [(0.05, 0.02, 2), (0.01, 0.021, 2), (0.003, 0.01, 2), (-0.05, 0.03, 2),
               (0.1, 0.025, 2), (0.02, 0.01, 3)]

SEEDS_NEEDED = register(Spec(
    name="check_seeds_needed", exercise="5.6", probe="call", cases=lambda rng: SEEDS_CASES,
    reference=seeds_needed, label="effect {}, sd {}, k {}",
    success="seeds per variant for every case", forbidden=lambda: [seeds_needed],
    reuse_hint=WRITE_IT, hints=[
        (lambda g, w, e, s, k: g == seeds_needed(e, s, k, two_means=False),
         "a difference of two means has the standard error sd·√(2/n): did you forget the 2?"),
        (lambda g, w, e, s, k: e < 0, "use the size of the effect: abs(effect)"),
        (lambda g, w, e, s, k: g == 1 or g == 0, "at least 2 runs: a standard deviation needs two"),
        (lambda g, w, e, s, k: g == w - 1, "n must make k·sd·√(2/n) *smaller* than the effect: "
                                           "the next whole number above 2·(k·sd/effect)²"),
    ]))


def check_seeds_needed(fn: Callable[..., Any]) -> bool:
    """Exercise 5.6: ``fn(effect, sd, k)`` → the smallest number of seeds n >= 2 per variant
    for which k standard errors of a difference of two means of n runs,
    ``k · sd · sqrt(2 / n)``, are smaller than ``|effect|``."""
    return SEEDS_NEEDED.run(fn)
