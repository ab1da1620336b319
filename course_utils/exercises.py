"""Checks that students call to test their exercise answers.

Every ``check_*`` function reports with :func:`report` and never raises on a stub (``None``, a
function that raises ``NotImplementedError``, an array of the wrong shape): the student edition of
a notebook (solutions removed) must then print a clear "not yet" instead of a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def report(exercise: str, passed: bool, detail: str = "") -> bool:
    """Print ``✓ Exercise <exercise>: correct`` or ``✗ Exercise <exercise>: <detail>``.

    Returns ``passed`` so tests (and notebooks) can use the verdict.
    """
    if passed:
        print(f"✓ Exercise {exercise}: correct" + (f" ({detail})" if detail else ""))
    else:
        print(f"✗ Exercise {exercise}: {detail or 'not correct yet'}")
    return bool(passed)


def attempt(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[bool, Any]:
    """Call student code ``fn(*args, **kwargs)`` safely.

    Returns ``(True, result)``, or ``(False, message)`` when ``fn`` is not callable, raises
    ``NotImplementedError`` ("not implemented yet") or raises anything else ("raised X: ...").
    """
    if not callable(fn):
        return False, f"expected a function, got {type(fn).__name__}"
    try:
        return True, fn(*args, **kwargs)
    except NotImplementedError:
        return False, "not implemented yet"
    except Exception as exc:  # noqa: BLE001 - any error in student code is a verdict, not a crash
        return False, f"raised {type(exc).__name__}: {exc}"


def compare_arrays(
    exercise: str, answer: Any, expected: np.ndarray, atol: float = 1e-6
) -> bool:
    """Report whether ``answer`` is an array equal to ``expected`` (same shape, to ``atol``)."""
    if answer is None:
        return report(exercise, False, "no answer yet (got None)")
    try:
        got = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        return report(exercise, False, f"expected an array, got {type(answer).__name__}")
    if got.shape != np.shape(expected):
        return report(exercise, False, f"expected shape {np.shape(expected)}, got {got.shape}")
    if not np.allclose(got, expected, atol=atol):
        worst = np.unravel_index(np.argmax(np.abs(got - expected)), got.shape)
        return report(exercise, False, f"values differ, e.g. at index {tuple(map(int, worst))}")
    return report(exercise, True)


def compare_numbers(exercise: str, answer: Any, expected: float, rtol: float = 1e-9) -> bool:
    """Report whether ``answer`` is a number equal to ``expected`` (relative tolerance ``rtol``)."""
    if answer is None:
        return report(exercise, False, "no answer yet (got None)")
    if isinstance(answer, bool) or not isinstance(answer, (int, float, np.number)):
        return report(exercise, False, f"expected a number, got {type(answer).__name__}")
    if not np.isclose(float(answer), float(expected), rtol=rtol, atol=0.0):
        return report(exercise, False, f"got {answer}, which is not right yet")
    return report(exercise, True)


# === section: lead (setup notebook 00) ===
def check_keras_layout(answer: Any, images: np.ndarray) -> bool:
    """Exercise 0.1: ``images`` (N, H, W) uint8 -> float32 (N, H, W, 1) with values in [0, 1]."""
    expected = (np.asarray(images, dtype=np.float32) / 255.0)[..., None]
    if isinstance(answer, np.ndarray) and answer.dtype != np.float32:
        return report("0.1", False, f"expected dtype float32, got {answer.dtype}")
    return compare_arrays("0.1", answer, expected, atol=1e-6)


def check_class_counts(answer: Any, labels: np.ndarray) -> bool:
    """Exercise 0.2: the number of examples of each class 0..9 in ``labels`` (N,)."""
    return compare_arrays("0.2", answer, np.bincount(labels, minlength=10))


# === section: notebooks 01-03 ===
# === section: notebooks 04-05 ===
# === section: notebooks 06-07 ===
# === section: notebooks 08-10 ===
# === end ===
