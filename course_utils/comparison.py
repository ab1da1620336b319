"""The course's one rule for "A beats B": a difference counts only when its 95 % interval
excludes zero; otherwise the verdict is "no clear difference".

Two sources of uncertainty, two functions:

- :func:`compare_on_test_set` — two trained models scored on the **same** test images. The
  uncertainty is which images happened to be in the test set: a paired bootstrap over the images.
  With ``d_i = correct_a[i] − correct_b[i] ∈ {−1, 0, +1}`` the accuracy difference is
  ``mean(d)``; resampling N images with replacement only changes how many of them fall in each
  of the three kinds (A right and B wrong, both equal, B right and A wrong), so one resample is a
  multinomial draw of those three counts: ``Δ* = (n₊* − n₋*) / N``. The interval is the 2.5 % and
  97.5 % quantiles of 10,000 such draws (seeded: the same interval on every run). Only images
  on which the two models disagree move the interval — McNemar's observation.
- :func:`compare_over_seeds` — the same two recipes trained with ≥ 5 seeds each. The uncertainty
  is training noise: the 95 % Student-t interval of the mean difference, paired by seed when
  both lists come from the same seeds (``paired=True``:
  ``mean(a − b) ± t₀.₉₇₅,ₙ₋₁ · sd(a − b)/√n``), else Welch's interval for two independent means.
  Three seeds are not enough: three runs agree in sign a quarter of the time with no effect.

Both return a :class:`Comparison`; ``print`` it for the one-line verdict a notebook shows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN_SEEDS = 5
LEVEL = 0.95
RESAMPLES = 10_000


@dataclass(frozen=True)
class Comparison:
    """``a − b`` with its 95 % interval ``[low, high]`` and how it was obtained."""

    a: str
    b: str
    difference: float
    low: float
    high: float
    method: str

    @property
    def verdict(self) -> str:
        """``"<a> beats <b>"``, ``"<b> beats <a>"`` or ``"no clear difference"``."""
        if self.low > 0:
            return f"{self.a} beats {self.b}"
        if self.high < 0:
            return f"{self.b} beats {self.a}"
        return "no clear difference"

    @property
    def clear(self) -> bool:
        """True when the interval excludes zero."""
        return self.low > 0 or self.high < 0

    def __str__(self) -> str:
        return (f"{self.a} − {self.b}: {self.difference:+.3f} (95 % interval {self.low:+.3f} to "
                f"{self.high:+.3f}; {self.method}) → {self.verdict}")


def _correct(values: object, name: str) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{name}: expected a 1-D array of per-image results, got shape "
                         f"{array.shape}")
    if array.dtype != bool and not np.isin(array, (0, 1)).all():
        raise ValueError(f"{name}: expected booleans or 0/1 (was each test image right?), "
                         f"got values such as {array[~np.isin(array, (0, 1))][:3].tolist()}")
    return array.astype(bool)


def compare_on_test_set(correct_a: object, correct_b: object, a: str = "A", b: str = "B",
                        seed: int = 0, images: str = "test") -> Comparison:
    """Paired bootstrap over the test images of two models' per-image correctness.

    ``correct_a, correct_b``: (N,) booleans (or 0/1), one per test image, in the same order —
    e.g. ``model.predict(x_test).argmax(1) == y_test``. Returns the accuracy difference a − b and
    its 95 % percentile interval from :data:`RESAMPLES` multinomial resamples (module docstring).
    ``images`` names the images in the method line: ``"test"``, or ``"validation"`` for a design
    choice, ``"training"`` for what trained networks fit (the same bootstrap).
    """
    ca, cb = _correct(correct_a, a), _correct(correct_b, b)
    if ca.shape != cb.shape:
        raise ValueError(f"expected the two models' results on the same test images, got "
                         f"{ca.size} and {cb.size} images")
    n = ca.size
    counts = np.array([(ca & ~cb).sum(), (ca == cb).sum(), (~ca & cb).sum()])
    draws = np.random.default_rng(seed).multinomial(n, counts / n, size=RESAMPLES)
    deltas = (draws[:, 0] - draws[:, 2]) / n
    low, high = np.quantile(deltas, [(1 - LEVEL) / 2, (1 + LEVEL) / 2])
    method = (f"paired bootstrap over {n:,} {images} images, {counts[0]:,} won by {a}, "
              f"{counts[2]:,} by {b}")
    return Comparison(a, b, float((counts[0] - counts[2]) / n), float(low), float(high), method)


def _scores(values: object, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D list of one score per seed, got shape "
                         f"{array.shape}")
    if array.size < MIN_SEEDS:
        raise ValueError(f"{name}: expected at least {MIN_SEEDS} seeds for a 95 % interval, got "
                         f"{array.size}")
    if not np.isfinite(array).all():
        raise ValueError(f"{name}: expected finite scores, got {array.tolist()}")
    return array


def compare_over_seeds(scores_a: object, scores_b: object, a: str = "A", b: str = "B",
                       paired: bool = True) -> Comparison:
    """95 % Student-t interval of the mean score difference over seeds.

    ``scores_a, scores_b``: (S,) scores (e.g. test accuracy), one per seed, S ≥ 5. ``paired``:
    entry i of both lists used the same seed (same initial weights, same data order) — then the
    interval is that of ``mean(a − b)``; otherwise Welch's interval for ``mean(a) − mean(b)``.
    """
    from scipy import stats

    sa, sb = _scores(scores_a, a), _scores(scores_b, b)
    if paired:
        if sa.shape != sb.shape:
            raise ValueError(f"paired=True expects one score per seed on both sides, got "
                             f"{sa.size} and {sb.size}")
        d = sa - sb
        half = stats.t.ppf((1 + LEVEL) / 2, d.size - 1) * d.std(ddof=1) / np.sqrt(d.size)
        diff, method = float(d.mean()), f"{d.size} seeds, paired t-interval"
    else:
        va, vb = sa.var(ddof=1) / sa.size, sb.var(ddof=1) / sb.size
        dof = (va + vb) ** 2 / (va ** 2 / (sa.size - 1) + vb ** 2 / (sb.size - 1)) \
            if va + vb > 0 else 1.0
        half = stats.t.ppf((1 + LEVEL) / 2, dof) * np.sqrt(va + vb)
        diff = float(sa.mean() - sb.mean())
        method = f"{sa.size} and {sb.size} seeds, Welch t-interval"
    return Comparison(a, b, diff, float(diff - half), float(diff + half), method)
