"""Comparing training runs over seeds: Welch's t-test and how many seeds a difference needs.

Used in notebook 05b (exercises 5.5 and 5.6). SciPy is imported where it is used.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any


def welch_tests(val_runs: Mapping[str, Sequence[float]], baseline: str = "recipe",
                **ttest_options: Any) -> dict[str, Any]:
    """{variant: ``scipy.stats.ttest_ind(baseline runs, variant runs, equal_var=False)``} for
    every variant of ``val_runs`` ({name: [score of each seed]}) but the baseline.

    Welch's two-sided t-test by default; ``ttest_options`` are passed on (e.g.
    ``alternative="less"``). Each result has ``.statistic`` and ``.pvalue``.
    """
    from scipy import stats

    if baseline not in val_runs:
        raise ValueError(f"val_runs must hold the baseline {baseline!r}, got keys "
                         f"{sorted(val_runs)}")
    options = {"equal_var": False, **ttest_options}
    return {name: stats.ttest_ind(val_runs[baseline], scores, **options)
            for name, scores in val_runs.items() if name != baseline}


def welch_p_values(val_runs: Mapping[str, Sequence[float]], baseline: str = "recipe",
                   **ttest_options: Any) -> dict[str, float]:
    """{variant: p-value} of :func:`welch_tests`."""
    return {name: float(result.pvalue)
            for name, result in welch_tests(val_runs, baseline, **ttest_options).items()}


def seeds_needed(effect: float, sd: float, k: float = 2.0, two_means: bool = True) -> int:
    """Smallest number of seeds n >= 2 per variant with ``k · sd · sqrt(2 / n) < |effect|``:
    k standard errors of a difference of two means of n runs below the effect, i.e. the next
    whole number above ``2 · (k · sd / effect)²`` (``sqrt(1 / n)`` and ``(k · sd / effect)²``
    for one mean, ``two_means=False``)."""
    if effect == 0 or sd < 0:
        raise ValueError(f"expected a non-zero effect and sd >= 0, got effect={effect}, sd={sd}")
    ratio = (2.0 if two_means else 1.0) * (k * sd / abs(effect)) ** 2
    return max(2, math.floor(ratio) + 1)
