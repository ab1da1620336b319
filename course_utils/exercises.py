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
def _reference_box_height(images: np.ndarray, threshold: int = 127) -> np.ndarray:
    rows = (np.asarray(images) > threshold).any(axis=2)  # (N, H): row holds ink
    first = rows.argmax(axis=1)
    last = rows.shape[1] - 1 - rows[:, ::-1].argmax(axis=1)
    return np.where(rows.any(axis=1), last - first + 1, 0)


def check_bounding_box_height(fn: Callable[..., Any], images: np.ndarray) -> bool:
    """Exercise 1.1: ``fn(images)`` (N, H, W) uint8 → (N,) rows from the first to the last row
    that holds a pixel > 127 (0 for an empty image)."""
    images = np.asarray(images)[:500]
    probe = np.concatenate([images, np.zeros((1, *images.shape[1:]), images.dtype)])
    ok, got = attempt(fn, probe)
    if not ok:
        return report("1.1", False, got)
    return compare_arrays("1.1", got, _reference_box_height(probe))


def check_dense_vs_conv(answer: Any) -> bool:
    """Exercise 1.2: (parameters of Dense(512) on a flattened 32×32×3 image,
    parameters of Conv2D(32, 3×3) on the 32×32×3 image)."""
    from .arithmetic import conv_params, dense_params

    expected = (dense_params(32 * 32 * 3, 512), conv_params(3, 3, 3, 32))
    if answer is None:
        return report("1.2", False, "no answer yet (got None)")
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        return report("1.2", False, f"expected a pair (dense, conv), got {answer!r}")
    names = ("Dense(512)", "Conv2D(32, 3×3)")
    for name, got, want in zip(names, answer, expected, strict=True):
        if isinstance(got, bool) or not isinstance(got, (int, np.integer)) or got != want:
            hint = "did you count the biases?" if got in (want - 512, want - 32) else \
                "weights per unit × units, plus one bias per unit"
            return report("1.2", False, f"{name}: got {got!r}, which is not right yet ({hint})")
    return report("1.2", True, f"{expected[0]:,} vs {expected[1]:,}")


def _random_cases(seed: int, shapes: list[tuple[tuple[int, int], tuple[int, int]]]
                  ) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [(rng.integers(-5, 6, image), rng.integers(-2, 3, kernel)) for image, kernel in shapes]


def check_correlate2d(fn: Callable[..., Any]) -> bool:
    """Exercise 2.1: ``fn(image, kernel)`` = valid cross-correlation, stride 1 (no flip)."""
    import scipy.signal

    shapes = [((4, 4), (3, 3)), ((6, 5), (3, 2)), ((7, 7), (1, 1)), ((5, 8), (5, 3))]
    for image, kernel in _random_cases(2, shapes):
        ok, got = attempt(fn, image, kernel)
        if not ok:
            return report("2.1", False, got)
        expected = scipy.signal.correlate2d(image, kernel, mode="valid")
        flipped = scipy.signal.convolve2d(image, kernel, mode="valid")
        try:
            got = np.asarray(got, dtype=float)
        except (TypeError, ValueError):
            return report("2.1", False, f"expected an array, got {type(got).__name__}")
        if got.shape != expected.shape:
            return report("2.1", False, f"image {image.shape} with kernel {kernel.shape}: "
                                        f"expected shape {expected.shape}, got {got.shape}")
        if not np.allclose(got, expected):
            hint = " (that is a convolution: the kernel is flipped)" if np.allclose(
                got, flipped) else ""
            return report("2.1", False, f"image {image.shape} with kernel {kernel.shape}: "
                                        f"values differ from the correlation{hint}")
    return report("2.1", True, f"{len(shapes)} random cases equal scipy.signal.correlate2d")


def check_shift_kernel(kernel: Any) -> bool:
    """Exercise 2.2: a 3×3 kernel whose correlation (padding 'same') moves the image one pixel
    to the right: ``out[r, c] = image[r, c − 1]``, zeros in the first column."""
    from .conv import correlate2d

    if kernel is None:
        return report("2.2", False, "no answer yet (got None)")
    try:
        kernel = np.asarray(kernel, dtype=float)
    except (TypeError, ValueError):
        return report("2.2", False, f"expected a 3×3 array, got {type(kernel).__name__}")
    if kernel.shape != (3, 3):
        return report("2.2", False, f"expected a 3×3 kernel, got shape {kernel.shape}")
    image = np.random.default_rng(3).integers(0, 10, (6, 6))
    expected = np.zeros_like(image)
    expected[:, 1:] = image[:, :-1]
    got = correlate2d(image, kernel, padding="same")
    if np.allclose(got, expected):
        return report("2.2", True)
    left = np.zeros_like(image)
    left[:, :-1] = image[:, 1:]
    if np.allclose(got, left):
        return report("2.2", False, "this moves the image to the LEFT: in a correlation the "
                                    "weight at column v reads pixel c + v − 1")
    return report("2.2", False, "the output is not the image moved one pixel to the right")


def check_max_pool(fn: Callable[..., Any]) -> bool:
    """Exercise 2.3: ``fn(x)`` = 2×2 max pooling with stride 2 of x (H, W) (last odd row/column
    dropped, as Keras' MaxPooling2D((2, 2)) does)."""
    from .conv import max_pool2d

    rng = np.random.default_rng(4)
    for shape in [(4, 4), (6, 8), (5, 7), (2, 2)]:
        x = rng.integers(-9, 10, shape)
        ok, got = attempt(fn, x)
        if not ok:
            return report("2.3", False, got)
        expected = max_pool2d(x, 2)
        if np.shape(got) != expected.shape:
            return report("2.3", False, f"x of shape {shape}: expected shape {expected.shape}, "
                                        f"got {np.shape(got)}")
        if not np.array_equal(np.asarray(got), expected):
            return report("2.3", False, f"x of shape {shape}: values differ from the maxima of "
                                        "the 2×2 blocks")
    return report("2.3", True)


def check_output_size(fn: Callable[..., Any]) -> bool:
    """Exercise 3.1: ``fn(n, f, p, s)`` = ⌊(n + 2p − f)/s⌋ + 1 for many (n, f, p, s)."""
    from .arithmetic import conv_output_size

    cases = [(n, f, p, s) for n in (4, 6, 7, 28, 32, 227) for f in (1, 2, 3, 5, 11)
             for p in (0, 1, 2) for s in (1, 2, 3, 4) if f <= n + 2 * p]
    for n, f, p, s in cases:
        ok, got = attempt(fn, n, f, p, s)
        if not ok:
            return report("3.1", False, got)
        want = conv_output_size(n, f, s, p).size
        if isinstance(got, bool) or not isinstance(got, (int, np.integer)):
            return report("3.1", False, f"n={n}, f={f}, p={p}, s={s}: expected an int, "
                                        f"got {got!r}")
        if got != want:
            return report("3.1", False, f"n={n}, f={f}, p={p}, s={s}: expected {want}, "
                                        f"got {got}")
    return report("3.1", True, f"{len(cases)} cases")


def check_layer_answer(answer: Any) -> bool:
    """Exercise 3.2: (H', W', channels, parameters) of Conv2D(16, (5, 5), strides=2,
    padding="same") on a 64×64×3 input."""
    from .arithmetic import conv_output_size, conv_params

    size = conv_output_size(64, 5, 2, "same").size
    expected = (size, size, 16, conv_params(5, 5, 3, 16))
    if answer is None:
        return report("3.2", False, "no answer yet (got None)")
    if not isinstance(answer, (tuple, list)) or len(answer) != 4:
        return report("3.2", False, f"expected 4 numbers (H', W', channels, parameters), "
                                    f"got {answer!r}")
    for name, got, want in zip(("H'", "W'", "channels", "parameters"), answer, expected,
                               strict=True):
        if got != want:
            return report("3.2", False, f"{name}: got {got!r}, which is not right yet")
    return report("3.2", True)


def check_conv_ops(answer: Any) -> bool:
    """Exercise 3.3: multiplications + additions (with bias) of the lecture CNN's first layer,
    Conv2D(32, (3, 3)) on 28×28×1 (INSA counting)."""
    from .arithmetic import conv_ops

    ops = conv_ops(26, 26, 3, 1, 32)
    if isinstance(answer, (int, np.integer)) and answer == ops.multiplications:
        return report("3.3", False, f"{answer:,} counts only the multiplications")
    return compare_numbers("3.3", answer, ops.total)


# === section: notebooks 04-05 ===
# === section: notebooks 06-07 ===
# === section: notebooks 08-10 ===
# === end ===
