"""course_utils.comparison: the one rule for "A beats B", on constructed cases where the answer
is known, and against SciPy's own tests and intervals."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from course_utils.comparison import Comparison, compare_on_test_set, compare_over_seeds


def two_models(n: int, both: int, only_a: int, only_b: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-image correctness of two models: ``both`` right together, ``only_a``/``only_b`` right
    alone, the rest wrong for both (shuffled with a fixed seed)."""
    a = np.r_[np.ones(both + only_a), np.zeros(only_b), np.zeros(n - both - only_a - only_b)]
    b = np.r_[np.ones(both), np.zeros(only_a), np.ones(only_b),
              np.zeros(n - both - only_a - only_b)]
    order = np.random.default_rng(1).permutation(n)
    return a[order].astype(bool), b[order].astype(bool)


def test_a_real_difference_is_found():
    a, b = two_models(10_000, 8_000, 300, 150)
    result = compare_on_test_set(a, b, "ResNet", "VGG")
    assert result.difference == pytest.approx(0.015)
    assert result.low > 0 and result.verdict == "ResNet beats VGG" and result.clear
    assert "10,000 test images, 300 won by ResNet, 150 by VGG" in str(result)


def test_no_difference_is_invented():
    a, b = two_models(1_000, 700, 40, 40)
    result = compare_on_test_set(a, b)
    assert result.difference == 0 and result.low < 0 < result.high
    assert result.verdict == "no clear difference" and not result.clear
    same = compare_on_test_set(a, a)
    assert (same.low, same.high) == (0, 0) and same.verdict == "no clear difference"


def test_the_sign_names_the_winner():
    a, b = two_models(2_000, 1_000, 20, 90)
    assert compare_on_test_set(a, b, "A", "B").verdict == "B beats A"


@given(st.integers(0, 60), st.integers(0, 60))
def test_bootstrap_agrees_with_mcnemar_away_from_the_boundary(only_a, only_b):
    """Where McNemar's exact test is far from 0.05 (p < 0.01 or p > 0.2), both rules agree."""
    a, b = two_models(500, 300, only_a, only_b)
    discordant = only_a + only_b
    p = stats.binomtest(only_a, discordant).pvalue if discordant else 1.0
    clear = compare_on_test_set(a, b).clear
    if p < 0.01:
        assert clear
    elif p > 0.2:
        assert not clear


def test_false_alarms_are_rare_when_nothing_differs():
    rng = np.random.default_rng(7)
    alarms = 0
    for _ in range(200):
        truth = rng.random(800) < 0.7
        a = truth ^ (rng.random(800) < 0.1)  # two models of the same quality, errors independent
        b = truth ^ (rng.random(800) < 0.1)
        alarms += compare_on_test_set(a, b, seed=int(rng.integers(1 << 30))).clear
    assert alarms <= 20  # 5 % expected; 10 % is far in the tail for 200 trials


def test_seeds_paired_interval_is_scipys():
    a = np.array([0.71, 0.74, 0.69, 0.73, 0.72, 0.75])
    b = np.array([0.70, 0.71, 0.69, 0.70, 0.71, 0.72])
    result = compare_over_seeds(a, b, "aug", "plain")
    ci = stats.ttest_rel(a, b).confidence_interval(0.95)
    assert (result.low, result.high) == pytest.approx((ci.low, ci.high))
    assert result.verdict == "aug beats plain" and "6 seeds, paired t-interval" in str(result)


def test_seeds_welch_interval_is_scipys():
    a = np.array([0.61, 0.66, 0.58, 0.70, 0.63])
    b = np.array([0.60, 0.62, 0.64, 0.59, 0.61, 0.65, 0.60])
    result = compare_over_seeds(a, b, paired=False)
    ci = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    assert (result.low, result.high) == pytest.approx((ci.low, ci.high))
    assert result.verdict == "no clear difference"


def test_noise_alone_gives_no_clear_difference():
    a = [0.70, 0.72, 0.69, 0.71, 0.73]
    b = [0.72, 0.70, 0.71, 0.69, 0.72]
    assert compare_over_seeds(a, b).verdict == "no clear difference"


@pytest.mark.parametrize("a, b, kwargs, message", [
    ([0.7, 0.8, 0.9], [0.6, 0.7, 0.8], {}, "expected at least 5 seeds"),
    ([0.7] * 5, [0.6] * 6, {}, "paired=True expects one score per seed on both sides"),
    ([[0.7] * 5], [0.6] * 5, {}, "expected a 1-D list of one score per seed"),
    ([0.7] * 4 + [np.nan], [0.6] * 5, {}, "expected finite scores"),
])
def test_seed_comparison_rejects_bad_input(a, b, kwargs, message):
    with pytest.raises(ValueError, match=message):
        compare_over_seeds(a, b, **kwargs)


@pytest.mark.parametrize("a, b, message", [
    ([True, False], [True], "expected the two models' results on the same test images"),
    ([0.3, 1.0], [1, 0], "expected booleans or 0/1"),
    (np.ones((2, 2)), [1, 0], "expected a 1-D array of per-image results"),
    ([], [], "expected a 1-D array of per-image results"),
])
def test_test_set_comparison_rejects_bad_input(a, b, message):
    with pytest.raises(ValueError, match=message):
        compare_on_test_set(a, b)


def test_the_printed_line():
    line = str(Comparison("A", "B", 0.02, 0.01, 0.03, "5 seeds, paired t-interval"))
    assert line == ("A − B: +0.020 (95 % interval +0.010 to +0.030; 5 seeds, paired "
                    "t-interval) → A beats B")


def test_the_images_are_named_in_the_method_line():
    a, b = np.array([True] * 8 + [False] * 2), np.array([True] * 5 + [False] * 5)
    on_test = compare_on_test_set(a, b, "A", "B")
    on_validation = compare_on_test_set(a, b, "A", "B", images="validation")
    assert "over 10 test images" in on_test.method
    assert "over 10 validation images" in on_validation.method
    assert (on_validation.low, on_validation.high) == (on_test.low, on_test.high)
