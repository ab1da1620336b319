"""Checks that students call to test their exercise answers.

Every ``check_*`` states its cases, its reference and the typical mistakes as
``(predicate, hint)`` pairs, and hands them to :func:`check`, which prints one line:
``✓ Exercise 2.1: correct (…)`` or ``✗ Exercise 2.1: <what is wrong> (<hint>)``.
A stub (``None``, ``...``, a function that raises ``NotImplementedError`` or returns ``None``)
gives a ✗ line, never a traceback: the student edition (solutions removed) runs cleanly.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .validation import is_int

Compare = Callable[[Any, Any, bool], "str | None"]
Hint = tuple[Callable[..., bool], "str | Callable[..., str]"]


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


class NotRight(Exception):
    """Raised by a ``convert`` step of :func:`check` when an answer has the wrong form."""


# --- comparisons: compare(got, want, reveal) -> None when right, else what is wrong ------------

def _show(value: Any) -> str:
    return f"{value:,}" if is_int(value) else repr(value)


def _equal(got: Any, want: Any) -> bool:
    try:
        return bool(got == want)
    except Exception:  # noqa: BLE001 - an answer that cannot be compared is not equal
        return False


def exact(got: Any, want: Any, reveal: bool) -> str | None:
    """``got == want``; a whole number (not ``bool``) where ``want`` is one."""
    if is_int(want) and got is not None and not is_int(got):
        return f"expected a whole number, got {got!r}"
    if _equal(got, want):
        return None
    return f"expected {_show(want)}, got {_show(got)}" if reveal else \
        f"got {_show(got)}, which is not right yet"


def number(rtol: float = 1e-9, atol: float = 0.0) -> Compare:
    """A real number within ``rtol``/``atol`` of the reference (``bool`` and strings rejected)."""
    def compare(got: Any, want: Any, reveal: bool) -> str | None:
        if isinstance(got, bool) or not isinstance(got, (int, float, np.number)):
            return f"expected a number, got {type(got).__name__}"
        if np.isclose(float(got), float(want), rtol=rtol, atol=atol):
            return None
        return f"expected {want:.6g}, got {got:.6g}" if reveal else \
            f"got {_show(got)}, which is not right yet"
    return compare


def array(atol: float = 1e-6, dtype: Any = None) -> Compare:
    """An array (or nested list) of the reference's shape, equal to ``atol``; if ``dtype`` is
    given, an ``np.ndarray`` answer must have it."""
    def compare(got: Any, want: Any, reveal: bool) -> str | None:
        try:
            if got is None:
                raise TypeError
            values = np.asarray(got, dtype=float)
        except (TypeError, ValueError):
            return f"expected an array, got {type(got).__name__}"
        if values.shape != np.shape(want):
            return f"expected shape {np.shape(want)}, got {values.shape}"
        if dtype is not None and isinstance(got, np.ndarray) and got.dtype != dtype:
            return f"expected dtype {np.dtype(dtype)}, got {got.dtype}"
        if np.allclose(values, want, atol=atol):
            return None
        worst = np.unravel_index(np.argmax(np.abs(values - want)), values.shape)
        return f"values differ, e.g. at index {tuple(map(int, worst))}"
    return compare


def named(names: Sequence[str], item: Compare = exact) -> Compare:
    """A tuple/list with one value per name, each compared with ``item``; the first wrong value
    is reported by its name."""
    def compare(got: Any, want: Any, reveal: bool) -> str | None:
        if not isinstance(got, (tuple, list)) or len(got) != len(names):
            return f"expected {len(names)} values ({', '.join(names)}), got {got!r}"
        for name, g, w in zip(names, got, want, strict=True):
            problem = item(g, w, reveal)
            if problem:
                return f"{name}: {problem}"
        return None
    return compare


# --- the builder -------------------------------------------------------------------------------

def _label(case: tuple) -> str:
    parts = [f"array of shape {a.shape}" if isinstance(a, np.ndarray) else repr(a) for a in case]
    return ", ".join(parts)


def _copy(value: Any) -> Any:
    return value.copy() if isinstance(value, (np.ndarray, list)) else value


def _hint(hints: Sequence[Hint], got: Any, want: Any, case: tuple) -> str:
    for predicate, hint in hints:
        try:
            matches = bool(predicate(got, want, *case))
        except Exception:  # noqa: BLE001 - a hint that does not apply to this answer
            matches = False
        if matches:
            return f" ({hint(got, want, *case) if callable(hint) else hint})"
    return ""


def check(
    exercise: str,
    answer: Any,
    reference: Any,
    *,
    cases: Sequence[tuple] | None = None,
    compare: Compare = exact,
    hints: Sequence[Hint] = (),
    convert: Callable[..., Any] | None = None,
    label: str | Callable[..., str] | None = None,
    success: str | Callable[[Any], str] = "",
) -> bool:
    """Check a student's answer and print one ✓/✗ line (see :func:`report`); return the verdict.

    - Value exercise (``cases`` is None): ``answer`` is compared with ``reference`` by
      ``compare(answer, reference, reveal=False)`` — the message never gives the answer away.
    - Function exercise: ``answer`` is the student's function; for each argument tuple in
      ``cases`` it is called on copies of the arguments and ``answer(*case)`` is compared with
      ``reference(*case)`` (``reveal=True``: the failing case and its expected value are named,
      ``label(*case)`` or ``label.format(*case)``). Changing an argument in place is a mistake.
    - ``convert(result, *case)`` turns the answer (or the function's result) into what is
      compared (e.g. a Keras model into its shapes and parameter count); it raises
      :class:`NotRight` for an answer of the wrong form.
    - ``hints``: ``(predicate, hint)`` pairs tried in order on a wrong answer;
      ``predicate(got, want, *case)`` true → `` (hint)`` is appended (``hint`` may be a function
      of the same arguments). A predicate that raises does not match.
    - ``success``: detail for the ✓ line, a string or a function of the answer.
    """
    if cases is None:
        if answer is None or answer is Ellipsis:
            return report(exercise, False, f"no answer yet (got {answer!r})")
        problem, hint = _verdict(answer, reference, (), compare, hints, convert, False)
        verdict = problem + hint if problem else None
    elif not callable(answer):
        return report(exercise, False, f"expected a function, got {type(answer).__name__}")
    else:
        verdict = None
        for case in cases:
            verdict = _case_verdict(answer, reference, tuple(case), compare, hints, convert, label)
            if verdict:
                break
    if verdict:
        return report(exercise, False, verdict)
    return report(exercise, True, success(answer) if callable(success) else success)


def _case_verdict(fn: Callable[..., Any], reference: Callable[..., Any], case: tuple,
                  compare: Compare, hints: Sequence[Hint], convert: Callable[..., Any] | None,
                  label: str | Callable[..., str] | None) -> str | None:
    """None when ``fn(*case)`` is right, else the message (prefixed by the case's label)."""
    where = label(*case) if callable(label) else _label(case) if label is None \
        else label.format(*case)
    prefix = f"{where}: " if where else ""
    want = reference(*case)
    args = tuple(_copy(a) for a in case)
    ok, got = attempt(fn, *args)
    if not ok:
        return got if got == "not implemented yet" else prefix + got
    changed = [i for i, (a, b) in enumerate(zip(args, case, strict=True))
               if isinstance(b, np.ndarray) and not np.array_equal(a, b, equal_nan=True)]
    if changed:
        return f"{prefix}your function changed its argument {changed[0] + 1} in place: " \
               "work on a copy"
    problem, hint = _verdict(got, want, case, compare, hints, convert, True)
    if problem and got is None and not hint:
        hint = " (your function returned None: did you forget `return`?)"
    return prefix + problem + hint if problem else None


def _verdict(got: Any, want: Any, case: tuple, compare: Compare, hints: Sequence[Hint],
             convert: Callable[..., Any] | None, reveal: bool) -> tuple[str | None, str]:
    """(what is wrong or None, the hint or "") for the answer ``got``."""
    if convert is not None:
        try:
            got = convert(got, *case)
        except NotRight as exc:
            return str(exc), ""
        except Exception as exc:  # noqa: BLE001 - student code runs inside convert
            return f"raised {type(exc).__name__}: {exc}", ""
    problem = compare(got, want, reveal)
    return problem, _hint(hints, got, want, case) if problem else ""


def check_keras_layout(answer: Any, images: np.ndarray) -> bool:
    """Used in notebook 00 (exercise 0.1): ``images`` (N, H, W) uint8 → float32 (N, H, W, 1)
    with values in [0, 1]."""
    images = np.asarray(images)
    return check("0.1", answer, (images.astype(np.float32) / 255.0)[..., None],
                 compare=array(dtype=np.float32), hints=[
        (lambda x, w: np.shape(x) == images.shape, "add the channel axis: x[..., np.newaxis]"),
        (lambda x, w: np.shape(x) == (len(images), 1, *images.shape[1:]),
         "Keras puts the channels last: (N, H, W, 1)"),
        (lambda x, w: np.max(x) > 1, "divide by 255 to get values in [0, 1]"),
    ])


def check_class_counts(answer: Any, labels: np.ndarray) -> bool:
    """Used in notebook 00 (exercise 0.2): the number of examples of each class 0..9 in
    ``labels`` (N,) → (10,)."""
    return check("0.2", answer, np.bincount(labels, minlength=10), compare=array(), hints=[
        (lambda c, w: np.size(c) < 10,
         "np.bincount stops at the largest label it sees: pass minlength=10"),
        (lambda c, w: np.isclose(np.sum(c), 1), "counts, not fractions"),
    ])


def _box_height(images: np.ndarray, threshold: int = 127) -> np.ndarray:
    """(N, H, W) → (N,) rows from the first to the last row holding a pixel > threshold."""
    rows = (np.asarray(images) > threshold).any(axis=2)  # (N, H): row holds ink
    first = rows.argmax(axis=1)
    last = rows.shape[1] - 1 - rows[:, ::-1].argmax(axis=1)
    return np.where(rows.any(axis=1), last - first + 1, 0)


def check_bounding_box_height(fn: Callable[..., Any], images: np.ndarray) -> bool:
    """Used in notebook 01 (exercise 1.1): ``fn(images)`` (N, H, W) uint8 → (N,) rows from the
    first to the last row that holds a pixel > 127 (0 for an empty image)."""
    images = np.asarray(images)[:500]
    probe = np.concatenate([images, np.zeros((1, *images.shape[1:]), images.dtype)])
    return check("1.1", fn, _box_height, cases=[(probe,)], compare=array(), label="", hints=[
        (lambda h, w, im: np.allclose(h, w - 1), "count both rows: last − first + 1"),
        (lambda h, w, im: np.allclose(h, _box_height(im.transpose(0, 2, 1))),
         "that is the width: rows are axis 1 of (N, H, W)"),
        (lambda h, w, im: np.allclose(h, _box_height(im, 126)), "ink means > 127, not ≥ 127"),
        (lambda h, w, im: np.allclose(h[w > 0], w[w > 0]), "an image without ink has height 0"),
    ])


def check_dense_vs_conv(answer: Any) -> bool:
    """Used in notebook 01 (exercise 1.2): (parameters of Dense(512) on a flattened 32×32×3
    image, parameters of Conv2D(32, 3×3) on the 32×32×3 image)."""
    from .shapes import conv_params, dense_params

    dense, conv = dense_params(32 * 32 * 3, 512), conv_params(3, 3, 3, 32)
    return check("1.2", answer, (dense, conv), compare=named(("Dense(512)", "Conv2D(32, 3×3)")),
                 success=f"{dense:,} vs {conv:,}", hints=[
        (lambda a, w: a[0] == dense - 512 or a[1] == conv - 32, "did you count the biases?"),
        (lambda a, w: a[0] == dense_params(32 * 32, 512),
         "the flattened image has 32·32·3 inputs"),
        (lambda a, w: a[1] == conv_params(3, 3, 1, 32), "each 3×3 filter spans all 3 channels"),
        (lambda a, w: a[1] > conv, "a convolution shares its weights over all positions"),
    ])


def _validation_gain(features: np.ndarray, base: np.ndarray, labels: np.ndarray,
                     n_fit: int) -> tuple[float, float]:
    """Validation accuracy of standardised logistic regression on ``base`` (N, d) and on
    ``base`` + ``features`` (N, k): fit on the first ``n_fit`` rows, score on the rest."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits

    scores = []
    for x in (base, np.hstack([base, features])):
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=300))
        with threadpool_limits(limits=1), warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(x[:n_fit], labels[:n_fit])
        scores.append(float(model.score(x[n_fit:], labels[n_fit:])))
    return scores[0], scores[1]


def check_new_feature(fn: Callable[..., Any], images: np.ndarray, labels: np.ndarray,
                      base: np.ndarray, min_gain: float = 0.01, max_columns: int = 28) -> bool:
    """Used in notebook 01 (exercise 1.3): ``fn(images)`` (N, 28, 28) uint8 → (N, k) new
    hand-crafted feature(s), k ≤ ``max_columns`` (a feature is a few numbers, d ≪ 784).
    Added to the ``base`` features (N, d), it must raise the validation accuracy of the
    notebook's linear classifier by at least ``min_gain``: fitted on the first 3/4 of the
    training images, scored on the last 1/4 (a validation split; the test set is not used)."""
    images, labels, base = np.asarray(images), np.asarray(labels), np.asarray(base, float)
    if not len(images) == len(labels) == len(base):
        raise ValueError(f"images, labels and base need one row per image, got {len(images)}, "
                         f"{len(labels)} and {len(base)}")
    n_fit = 3 * len(images) // 4
    found: dict[str, Any] = {}

    def gain(result: Any, x: np.ndarray) -> tuple[float, float]:
        try:
            values = np.asarray(result, dtype=float)
        except (TypeError, ValueError):
            raise NotRight(f"expected an array (N, k), got {type(result).__name__}") from None
        values = values[:, None] if values.ndim == 1 else values
        if values.ndim != 2 or len(values) != len(x):
            raise NotRight(f"expected one row per image, (N, k) = ({len(x)}, k), got shape "
                           f"{np.shape(result)}")
        if values.shape[1] > max_columns:
            raise NotRight(f"{values.shape[1]} numbers per image: a hand-crafted feature is a "
                           f"few numbers (at most {max_columns}), not the pixels")
        if not np.all(np.isfinite(values)):
            raise NotRight("your feature holds NaN or inf (an image without ink? divide by "
                           "np.maximum(count, 1))")
        found["values"] = values
        found["scores"] = _validation_gain(values, base, labels, n_fit)
        return found["scores"]

    def compare(got: tuple[float, float], want: float, reveal: bool) -> str | None:
        before, after = got
        if after - before >= want:
            return None
        return (f"validation accuracy {before:.3f} → {after:.3f} ({after - before:+.3f}); "
                f"a useful feature adds at least {want:+.3f}")

    def constant(got: Any, want: Any, x: np.ndarray) -> bool:
        return bool(np.all(np.ptp(found["values"], axis=0) == 0))

    def repeats(got: Any, want: Any, x: np.ndarray) -> bool:
        v = found["values"]
        r = np.corrcoef(np.hstack([v, base]).T)[:v.shape[1], v.shape[1]:]
        return bool(np.all(np.nanmax(np.abs(r), axis=1) > 0.98))

    return check("1.3", fn, lambda x: min_gain, cases=[(images,)], convert=gain,
                 compare=compare, label="", success=lambda f: (
                     "validation accuracy {:.3f} → {:.3f} with {} more number(s) per image"
                     .format(*found["scores"], found["values"].shape[1])), hints=[
        (constant, "your feature has the same value for every image: it cannot tell classes "
                   "apart"),
        (repeats, "it repeats a feature the classifier already has (correlation > 0.98)"),
        (lambda *_: True, "look at what separates the confused classes (trousers have two "
                          "legs, sandals many straps, bags no sleeves): count or measure it"),
    ])


def check_correlate2d(fn: Callable[..., Any]) -> bool:
    """Used in notebook 02 (exercise 2.1): ``fn(image, kernel)`` = valid cross-correlation of
    image (H, W) with kernel (kh, kw), stride 1, no flip → (H − kh + 1, W − kw + 1)."""
    import scipy.signal

    rng = np.random.default_rng(2)
    cases = [(rng.integers(-5, 6, image), rng.integers(-2, 3, kernel)) for image, kernel in
             [((4, 4), (3, 3)), ((6, 5), (3, 2)), ((7, 7), (1, 1)), ((5, 8), (5, 3))]]
    return check("2.1", fn, lambda im, k: scipy.signal.correlate2d(im, k, mode="valid"),
                 cases=cases, compare=array(),
                 label=lambda im, k: f"image {im.shape} with kernel {k.shape}",
                 success=f"{len(cases)} random cases equal scipy.signal.correlate2d", hints=[
        (lambda o, w, im, k: np.allclose(o, scipy.signal.convolve2d(im, k, mode="valid")),
         "that is a convolution: the kernel is flipped"),
        (lambda o, w, im, k: np.shape(o) == im.shape, "valid: no padding, the output shrinks"),
        (lambda o, w, im, k: np.shape(o) == tuple(np.subtract(w.shape, 1)),
         "forgot the +1: there are H − kh + 1 window positions"),
    ])


def _shifted(image: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """``image`` moved ``rows`` down and ``cols`` right, zeros where nothing moved in."""
    out = np.zeros_like(image)
    h, w = image.shape
    out[max(rows, 0):h + min(rows, 0), max(cols, 0):w + min(cols, 0)] = \
        image[max(-rows, 0):h - max(rows, 0), max(-cols, 0):w - max(cols, 0)]
    return out


def _same_correlation(kernel: Any, image: np.ndarray) -> np.ndarray:
    from .conv import correlate2d

    try:
        kernel = np.asarray(kernel, dtype=float)
    except (TypeError, ValueError):
        raise NotRight(f"expected a 3×3 array, got {type(kernel).__name__}") from None
    if kernel.shape != (3, 3):
        raise NotRight(f"expected a 3×3 kernel, got shape {kernel.shape}")
    return correlate2d(image, kernel, padding="same")


def check_shift_kernel(kernel: Any) -> bool:
    """Used in notebook 02 (exercise 2.2): a 3×3 kernel whose correlation (padding 'same') moves
    the image one pixel to the right: ``out[r, c] = image[r, c − 1]``, zeros in column 0."""
    image = np.random.default_rng(3).integers(0, 10, (6, 6))
    moves = {(r, c): _shifted(image, r, c) for r in (-1, 0, 1) for c in (-1, 0, 1)}
    return check("2.2", kernel, moves[0, 1], compare=array(),
                 convert=lambda k: _same_correlation(k, image), hints=[
        (lambda out, w: np.allclose(out, moves[0, -1]), "this moves the image to the LEFT: in "
         "a correlation the weight at column v reads pixel c + v − 1"),
        (lambda out, w: np.allclose(out, image), "the centre weight alone copies the image"),
        (lambda out, w: any(np.allclose(out, moves[r, c]) for r in (-1, 1) for c in (-1, 0, 1)),
         "this moves the image up or down: put the 1 in the middle row"),
    ])


def check_max_pool(fn: Callable[..., Any]) -> bool:
    """Used in notebook 02 (exercise 2.3): ``fn(x)`` = 2×2 max pooling with stride 2 of x
    (H, W) → (⌊H/2⌋, ⌊W/2⌋) (last odd row/column dropped, as Keras' MaxPooling2D((2, 2)))."""
    from .conv import avg_pool2d, max_pool2d

    rng = np.random.default_rng(4)
    cases = [(rng.integers(-9, 10, shape),) for shape in [(4, 4), (6, 8), (5, 7), (2, 2)]]
    return check("2.3", fn, lambda x: max_pool2d(x, 2), cases=cases, compare=array(),
                 label=lambda x: f"x of shape {x.shape}", hints=[
        (lambda o, w, x: np.allclose(o, avg_pool2d(x, 2)),
         "that is average pooling: take the maximum of each 2×2 block"),
        (lambda o, w, x: np.shape(o) == tuple(np.subtract(x.shape, 1)),
         "the stride defaults to the pool size: step 2, not 1"),
        (lambda o, w, x: np.shape(o) == x.shape, "2×2 pooling with stride 2 halves each side"),
        (lambda o, w, x: np.shape(o) == tuple(-(-np.array(x.shape) // 2)),
         "drop the last row/column when H or W is odd, as Keras' padding='valid' does"),
    ])


SOBEL_X = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])


class _Raised:
    """What a student function raised, kept so that the check can give a hint about it."""

    def __init__(self, exc: Exception) -> None:
        self.exc = exc


def _relative_error(got: np.ndarray, want: np.ndarray) -> float:
    """‖got − want‖ / ‖want‖ (Frobenius norms)."""
    return float(np.linalg.norm(np.asarray(got) - want) / np.linalg.norm(want))


def kernel_targets(images: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """``images`` (N, H, W) → (N, H, W): each image correlated with ``kernel`` (kh, kw),
    padding 'same' — what ``tf.nn.conv2d(..., padding="SAME")`` gives for one filter."""
    from .conv import correlate2d

    images = np.asarray(images, dtype=float)
    if images.ndim != 3:
        raise ValueError(f"images must be (N, H, W), got shape {images.shape}")
    return np.stack([correlate2d(image, kernel, padding="same") for image in images])


def check_learned_kernel(fn: Callable[..., Any], images: np.ndarray,
                         max_error: float = 0.05) -> bool:
    """Used in notebook 02 (exercise 2.4): ``fn(images, targets, init)`` trains a 3×3 kernel
    by gradient descent, starting from ``init`` (3, 3), so that the correlation of ``images``
    (N, H, W) with it (padding 'same') matches ``targets`` (N, H, W); it returns the learned
    (3, 3) kernel. Two runs from random starts: targets made by Sobel-x, then by a random
    kernel the student has never seen (so the kernel must be learned, not typed); each learned
    kernel must be within ``max_error`` (relative, ‖k − K‖/‖K‖) of the kernel that made the
    targets."""
    images = np.asarray(images, dtype=np.float32)
    if images.ndim != 3:
        raise ValueError(f"images must be (N, H, W), got shape {images.shape}")
    rng = np.random.default_rng(24)
    hidden = rng.normal(size=(3, 3)).round(1)
    truth: dict[int, np.ndarray] = {}
    cases = []
    for kernel in (SOBEL_X, hidden):
        targets = kernel_targets(images, kernel).astype(np.float32)
        truth[id(targets)] = kernel
        cases.append((images, targets, (0.1 * rng.normal(size=(3, 3))).astype(np.float32)))
    names = {id(cases[0][1]): "targets made by Sobel-x", id(cases[1][1]):
             "targets made by a kernel you have not seen"}

    if not callable(fn):
        return report("2.4", False, f"expected a function, got {type(fn).__name__}")

    def guarded(*args: Any) -> Any:
        try:
            return fn(*args)
        except NotImplementedError:
            raise
        except Exception as exc:  # noqa: BLE001 - a student's error becomes a verdict + hint
            return _Raised(exc)

    def as_kernel(result: Any, *_: Any) -> np.ndarray:
        if isinstance(result, _Raised):
            text = re.sub(r"\{\{.*?\}\}\s*", "", str(result.exc)).splitlines()[0][:120]
            message = f"raised {type(result.exc).__name__}: {text}"
            if "shape" in str(result.exc).lower():
                message += (" (prediction and targets differ in shape: padding='SAME' keeps "
                            "H×W, padding='VALID' loses a pixel on each side)")
            raise NotRight(message)
        try:
            kernel = np.asarray(result, dtype=float)
        except (TypeError, ValueError):
            raise NotRight(f"expected a (3, 3) array, got {type(result).__name__}") from None
        if kernel.size == 9:
            kernel = kernel.reshape(3, 3)       # (3, 3, 1, 1) as tf.nn.conv2d keeps it is fine
        else:
            raise NotRight(f"expected a (3, 3) kernel, got shape {kernel.shape}")
        if not np.all(np.isfinite(kernel)):
            raise NotRight("the kernel holds NaN or inf: the loss diverged — lower the "
                           "learning rate")
        return kernel

    def compare(got: np.ndarray, want: np.ndarray, reveal: bool) -> str | None:
        error = _relative_error(got, want)
        return None if error < max_error else \
            f"relative error ‖k − K‖/‖K‖ = {error:.3f}, should be below {max_error}"

    return check("2.4", guarded, lambda im, t, k0: truth[id(t)], cases=cases,
                 convert=as_kernel, compare=compare, label=lambda im, t, k0: names[id(t)],
                 success="Sobel-x and an unseen kernel recovered from random starts", hints=[
        (lambda k, w, *_: _relative_error(k[::-1, ::-1], w) < max_error,
         "your kernel is the target flipped (for Sobel-x, flipped = negated): is your forward "
         "pass a convolution (scipy.signal.convolve2d flips)? the targets are a correlation "
         "(tf.nn.conv2d); or is a sign wrong?"),
        (lambda k, w, *_: _relative_error(k.T, w) < max_error,
         "rows and columns swapped: the kernel is (kh, kw) = (rows, columns)"),
        (lambda k, w, *_: _relative_error(-k, w) < max_error,
         "the sign is flipped: compare prediction with target, and step against the gradient"),
        (lambda k, w, *_: _relative_error(k, SOBEL_X) < max_error,
         "that is Sobel-x, but these targets were made by another kernel: learn from `targets`"),
        (lambda k, w, im, t, k0: np.linalg.norm(k - k0) < 0.1 * np.linalg.norm(w - k0),
         "the kernel hardly moved from `init`: apply the gradient to the variable "
         "(optimizer.apply_gradients or kernel.assign_sub), more steps or a larger rate"),
        (lambda k, w, *_: np.abs(k).max() > 10 * np.abs(w).max(),
         "the kernel grew huge: the learning rate is too high (the loss diverges)"),
        (lambda k, w, *_: _relative_error(k, w) < 0.5,
         "close, but not there yet: train for more steps"),
    ])


def check_output_size(fn: Callable[..., Any]) -> bool:
    """Used in notebook 03 (exercise 3.1): ``fn(n, f, p, s)`` = ⌊(n + 2p − f)/s⌋ + 1 for many
    (n, f, p, s)."""
    from .shapes import conv_output_size

    cases = [(n, f, p, s) for n in (4, 6, 7, 28, 32, 227) for f in (1, 2, 3, 5, 11)
             for p in (0, 1, 2) for s in (1, 2, 3, 4) if f <= n + 2 * p]
    return check("3.1", fn, lambda n, f, p, s: conv_output_size(n, f, s, p).size, cases=cases,
                 label="n={}, f={}, p={}, s={}", success=f"{len(cases)} cases", hints=[
        (lambda o, w, n, f, p, s: isinstance(o, float), "use // (floor division): / gives a float"),
        (lambda o, w, n, f, p, s: o in (round((n + 2 * p - f) / s) + 1,
                                        -(-(n + 2 * p - f) // s) + 1),
         "round down (floor): a window that does not fit is dropped"),
        (lambda o, w, n, f, p, s: o == (n + p - f) // s + 1,
         "padding is added on both sides: n + 2p"),
        (lambda o, w, n, f, p, s: o == w - 1, "forgot the +1 (the first window)"),
        (lambda o, w, n, f, p, s: o == n + 2 * p - f + 1, "divide by the stride s"),
    ])


def check_layer_answer(answer: Any) -> bool:
    """Used in notebook 03 (exercise 3.2): (H', W', channels, parameters) of Conv2D(16, (5, 5),
    strides=2, padding="same") on a 64×64×3 input."""
    from .shapes import conv_output_size, conv_params

    size, params = conv_output_size(64, 5, 2, "same").size, conv_params(5, 5, 3, 16)
    return check("3.2", answer, (size, size, 16, params),
                 compare=named(("H'", "W'", "channels", "parameters")), hints=[
        (lambda a, w: a[0] == conv_output_size(64, 5, 2, "valid").size,
         "padding='same' gives ⌈n/s⌉, whatever the kernel size"),
        (lambda a, w: a[0] == 64, "a stride of 2 halves the size"),
        (lambda a, w: a[3] == params - 16, "did you count the biases?"),
        (lambda a, w: a[3] == conv_params(5, 5, 1, 16), "each 5×5 filter spans all 3 channels"),
    ])


def check_conv_ops(answer: Any) -> bool:
    """Used in notebook 03 (exercise 3.3): multiplications + additions (with bias) of the
    lecture CNN's first layer, Conv2D(32, (3, 3)) on 28×28×1 (INSA counting)."""
    from .shapes import conv_ops

    ops = conv_ops(26, 26, 3, 1, 32)
    return check("3.3", answer, ops.total, compare=number(), hints=[
        (lambda a, w: a == ops.multiplications, lambda a, w: f"{a:,} counts only the "
                                                            "multiplications"),
        (lambda a, w: a == conv_ops(26, 26, 3, 1, 32, bias=False).total,
         "one more addition per output for the bias"),
        (lambda a, w: a == conv_ops(28, 28, 3, 1, 32).total,
         "count the output positions: valid padding gives 26×26, not 28×28"),
        (lambda a, w: a * 32 == w, "each of the 32 filters makes its own output map"),
    ])


def _lenet5_params(c_in: int, bias: bool = True) -> int:
    """LeNet-5 (Boracchi's slides) on a 32×32×c_in input: (5·5·c_in + 1)·6 + 61,550 more."""
    from .shapes import conv_params, dense_params

    return (conv_params(5, 5, c_in, 6, bias) + conv_params(5, 5, 6, 16, bias)
            + dense_params(400, 120, bias) + dense_params(120, 84, bias)
            + dense_params(84, 10, bias))


def check_lenet_params(fn: Callable[..., Any]) -> bool:
    """Used in notebook 04 (exercise 4.1): ``fn(c_in)`` → trainable parameters of LeNet-5 on a
    32×32×c_in input."""
    return check("4.1", fn, _lenet5_params, cases=[(c,) for c in (1, 3, 2, 4, 10)],
                 label="c_in={}", success=f"grey {_lenet5_params(1):,}, "
                 f"RGB {_lenet5_params(3):,}", hints=[
        (lambda o, w, c: o == _lenet5_params(1), "only the first convolution depends on c_in"),
        (lambda o, w, c: o == _lenet5_params(c, bias=False), "did you count the biases?"),
    ])


def _keras_facts(model: Any, *case: Any) -> tuple:
    """(input shape, output shape, Dense units, parameters) of a Keras model."""
    if not (hasattr(model, "count_params") and hasattr(model, "layers")):
        raise NotRight(f"expected a Keras model, got {type(model).__name__}")
    try:
        return (tuple(model.input_shape), tuple(model.output_shape),
                [layer.units for layer in model.layers if type(layer).__name__ == "Dense"],
                int(model.count_params()))
    except Exception as exc:  # noqa: BLE001 - an unbuilt or odd model is a verdict
        raise NotRight(f"could not read the model ({type(exc).__name__}: {exc}); start it "
                       "with keras.Input(shape=(32, 32, 1))") from None


def check_mlp_baseline(fn: Callable[..., Any]) -> bool:
    """Used in notebook 04 (exercise 4.2): ``fn()`` → a Keras model 32×32×1 → Flatten →
    Dense(84) → Dense(10)."""
    want = ((None, 32, 32, 1), (None, 10), [84, 10], 32 * 32 * 84 + 84 + 84 * 10 + 10)
    return check("4.2", fn, lambda: want, cases=[()], convert=_keras_facts, label="",
                 compare=named(("input shape", "output shape", "Dense units", "parameters")),
                 success=f"{want[3]:,} parameters", hints=[
        (lambda m, w: m[0] != w[0], "start with keras.Input(shape=(32, 32, 1))"),
        (lambda m, w: m[2] != w[2], "Dense layers of 84 and 10 units: one hidden, one output"),
    ])


def check_per_class_accuracy(fn: Callable[..., Any]) -> bool:
    """Used in notebook 04 (exercise 4.3): ``fn(cm)`` → (K,) fraction of each true class i
    predicted correctly, ``cm[i, i] / cm[i, :].sum()``, for a (K, K) confusion matrix ``cm``."""
    rng = np.random.default_rng(4)
    cases = [(np.array([[5, 1], [2, 2]]),), (rng.integers(1, 30, (10, 10)),),
             (np.diag([3, 4, 5]) + 1,)]
    return check("4.3", fn, lambda cm: np.diag(cm) / cm.sum(axis=1), cases=cases,
                 compare=array(), label=lambda cm: f"a {len(cm)}×{len(cm)} matrix", hints=[
        (lambda o, w, cm: np.allclose(o, np.diag(cm) / cm.sum(axis=0)),
         "rows are the true classes: divide by row sums"),
        (lambda o, w, cm: np.allclose(o, np.diag(cm)), "divide by the row sums to get fractions"),
        (lambda o, w, cm: isinstance(o, (float, np.floating)),
         "one value per class, not the overall accuracy"),
    ])


_LENET_ROWS = ("conv1", "conv2", "dense 120", "dense 84", "output")
_LENET_ACTIVATIONS = ("tanh", "tanh", "relu", "relu", "softmax")


def _lenet_facts(model: Any, *_: Any) -> tuple:
    """(input shape, output shape, parameters of each Conv2D/Dense layer, their activations,
    total parameters) of a Keras model; NotRight for anything else."""
    if not (hasattr(model, "count_params") and hasattr(model, "layers")):
        raise NotRight(f"expected a Keras model, got {type(model).__name__}")
    try:
        weighted = [layer for layer in model.layers
                    if type(layer).__name__ in ("Conv2D", "Dense")]
        return (tuple(model.input_shape), tuple(model.output_shape),
                tuple(int(layer.count_params()) for layer in weighted),
                tuple(str(layer.get_config().get("activation")) for layer in weighted),
                int(model.count_params()))
    except Exception as exc:  # noqa: BLE001 - an unbuilt or odd model is a verdict
        raise NotRight(f"could not read the model ({type(exc).__name__}: {exc}); start it "
                       "with keras.Input(shape=(32, 32, 1))") from None


def _first_wrong_row(got: tuple, want: tuple) -> str:
    if len(got) != len(want):
        return (f"{len(got)} Conv2D/Dense layers, the slide's table has {len(want)} "
                f"({', '.join(_LENET_ROWS)})")
    for name, g, w in zip(_LENET_ROWS, got, want, strict=True):
        if g != w:
            return f"row {name} has {g:,} parameters, the slide's table {w:,}"
    return "the rows are right"


def _lenet_valid_padding_total() -> int:
    """Parameters of LeNet-5 with conv1 padded 'same' (32 → 32 → 16 → 12 → 6: 576 inputs)."""
    from .shapes import conv_params, dense_params

    return (conv_params(5, 5, 1, 6) + conv_params(5, 5, 6, 16) + dense_params(6 * 6 * 16, 120)
            + dense_params(120, 84) + dense_params(84, 10))


# Validation floor of exercise 4.4: the reference LeNet-5 (models.lenet5) trained as the check
# trains reached 0.868, 0.895 and 0.883 with seeds 0, 1, 2 on the quick-profile MNIST split of
# notebook 04 (3,600 fit / 400 validation digits); 0.80 leaves a margin of about 0.07.
# tests/test_exercises.py retrains the three seeds and keeps the floor honest.
LENET_MIN_ACCURACY = 0.80
LENET_TRAIN_EXAMPLES = 3000  # the check trains on at most this many images ...
LENET_VAL_EXAMPLES = 2000  # ... and evaluates on at most this many held-out ones
LENET_EPOCHS = 2


def lenet_validation_accuracy(build: Callable[[], Any], x: np.ndarray, y: np.ndarray,
                              x_val: np.ndarray, y_val: np.ndarray, seed: int = 0) -> float:
    """Build a model with ``build()``, train it as the check does, return its held-out accuracy.

    Seeded (``seed``) before the model is built, so the same builder and data give the same
    number on one machine. Adam, sparse cross-entropy, mini-batches of 32,
    :data:`LENET_EPOCHS` epochs on the first :data:`LENET_TRAIN_EXAMPLES` images of ``x``
    (N, 32, 32, 1), ``y`` (N,); accuracy on the first :data:`LENET_VAL_EXAMPLES` of ``x_val``,
    ``y_val`` — a validation split, never the test set.
    """
    import keras

    if len(x) != len(y) or len(x_val) != len(y_val) or not len(x) or not len(x_val):
        raise ValueError(f"expected non-empty x, y and x_val, y_val of equal lengths, got "
                         f"{len(x)}, {len(y)} and {len(x_val)}, {len(y_val)}")
    keras.utils.set_random_seed(seed)
    model = build()
    n, n_val = min(len(x), LENET_TRAIN_EXAMPLES), min(len(x_val), LENET_VAL_EXAMPLES)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x[:n], y[:n], epochs=LENET_EPOCHS, batch_size=32, verbose=0)
    return float(model.evaluate(x_val[:n_val], y_val[:n_val], verbose=0)[1])


def check_lenet_build(fn: Callable[..., Any], x: np.ndarray, y: np.ndarray, x_val: np.ndarray,
                      y_val: np.ndarray, min_accuracy: float) -> bool:
    """Used in notebook 04 (exercise 4.4): ``fn()`` builds LeNet-5 from the slide's table
    (uncompiled): 32×32×1 → Conv2D(6, 5×5, tanh, valid) → AveragePooling2D(2×2) →
    Conv2D(16, 5×5, tanh) → AveragePooling2D(2×2) → Flatten → Dense(120, relu) →
    Dense(84, relu) → Dense(10, softmax), 61,706 parameters. The structure is compared with
    :func:`course_utils.models.lenet5` (per-row parameters and activations, with a hint naming
    the first wrong row), then a fresh model is trained briefly
    (:func:`lenet_validation_accuracy`) and must reach ``min_accuracy`` on the held-out
    validation images ``x_val`` (N, 32, 32, 1), ``y_val`` (N,)."""
    from .models import lenet5

    want = _lenet_facts(lenet5())
    same_padding = _lenet_valid_padding_total()
    hints: list[Hint] = [
        (lambda g, w: g[4] == same_padding,
         f"{same_padding:,} parameters instead of {want[4]:,}: conv1 must be padding='valid' "
         "(32 → 28), so Flatten gets 5·5·16 = 400 values"),
        (lambda g, w: g[2] != w[2], lambda g, w: _first_wrong_row(g[2], w[2])),
        (lambda g, w: "linear" in g[3],
         lambda g, w: f"{_LENET_ROWS[g[3].index('linear')]} has no activation: the slide uses "
                      "tanh in the convolutions, relu in the hidden dense layers, softmax out"),
        (lambda g, w: g[3] != w[3], "activations: tanh, tanh (convolutions), relu, relu "
                                    "(dense), softmax (output)"),
    ]
    if not callable(fn):
        return report("4.4", False, f"expected a function, got {type(fn).__name__}")
    verdict = _case_verdict(fn, lambda: want, (), named(
        ("input shape", "output shape", "parameters per Conv2D/Dense", "activations",
         "total parameters")), hints, _lenet_facts, "")
    if verdict:
        return report("4.4", False, verdict)
    ok, accuracy = attempt(lenet_validation_accuracy, fn, x, y, x_val, y_val)
    if not ok:
        return report("4.4", False, f"training your model {accuracy}")
    if not np.isfinite(accuracy) or accuracy < min_accuracy:
        return report("4.4", False, f"validation accuracy {accuracy:.3f} after {LENET_EPOCHS} "
                      f"epochs, below {min_accuracy:.2f}: is the output a softmax over 10 "
                      "classes and are the inputs scaled to [0, 1]?")
    return report("4.4", True, f"validation accuracy {accuracy:.3f} ≥ {min_accuracy:.2f} after "
                  f"{LENET_EPOCHS} epochs on {min(len(x), LENET_TRAIN_EXAMPLES):,} digits")


def _early_stop_epoch(val_losses: Any, patience: int, improves: Callable = np.less) -> int | None:
    """Epoch (0-based) at which Keras' EarlyStopping(monitor="val_loss") stops, or None.

    An epoch improves when ``improves(loss, best)`` (``loss < best``); after ``patience`` epochs
    in a row without improvement training stops (Keras never stops at epoch 0).
    """
    best, wait = np.inf, 0
    for epoch, loss in enumerate(val_losses):
        wait += 1
        if improves(loss, best):
            best, wait = loss, 0
        elif wait >= patience and epoch > 0:
            return epoch
    return None


def check_early_stop_epoch(fn: Callable[..., Any]) -> bool:
    """Used in notebook 05 (exercise 5.1): ``fn(val_losses, patience)`` → the epoch (0-based)
    at which EarlyStopping stops, or None when it lets all epochs run."""
    cases = [([1.0, 0.8, 0.7, 0.75, 0.72, 0.71, 0.9], 3), ([1.0, 0.8, 0.7, 0.75, 0.69, 0.71, 0.9],
                                                            3),
             ([1.0, 0.9, 0.8, 0.7], 2), ([0.5, 0.6, 0.7, 0.4, 0.8], 1), ([0.5, 0.5, 0.5], 2)]
    return check("5.1", fn, _early_stop_epoch, cases=cases,
                 label="val_losses {}, patience {}", success=f"{len(cases)} runs agree with "
                 "keras.callbacks.EarlyStopping", hints=[
        (lambda o, w, v, p: o == _early_stop_epoch(v, p, np.less_equal),
         "an equal loss is no improvement: loss < best"),
        (lambda o, w, v, p: w is not None and o == w + 1, "epochs count from 0, and training "
         "stops as soon as `patience` epochs in a row did not improve"),
        (lambda o, w, v, p: w is None and o == len(v) - 1,
         "return None when EarlyStopping lets every epoch run"),
    ])


def _logged_rates(callback_class: Any) -> Any:
    """Train a tiny model 3 epochs at 0.08, 0.04, 0.02 with the student's callback; its
    ``rates`` attribute."""
    import keras

    if not (isinstance(callback_class, type) and issubclass(callback_class,
                                                            keras.callbacks.Callback)):
        raise NotRight(f"expected a subclass of keras.callbacks.Callback, got {callback_class!r}")
    ok, logger = attempt(callback_class)
    if not ok:
        raise NotRight(f"could not create it: {logger}")
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 3)).astype("float32"), rng.normal(size=(16, 1)).astype("float32")
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.08), loss="mse")
    halve = keras.callbacks.LearningRateScheduler(lambda epoch, lr: 0.08 / 2**epoch)
    ok, result = attempt(model.fit, x, y, epochs=3, batch_size=16, verbose=0,
                         callbacks=[halve, logger])
    if not ok:
        raise NotRight(f"training with it failed: {result}")
    return getattr(logger, "rates", None)


def check_lr_logger(callback_class: Any) -> bool:
    """Used in notebook 05 (exercise 5.2): a ``keras.callbacks.Callback`` subclass whose
    ``rates`` list gets the optimizer's learning rate (a float) at the end of every epoch."""
    return check("5.2", callback_class, [0.08, 0.04, 0.02], compare=array(),
                 convert=_logged_rates, success="rates [0.08, 0.04, 0.02] logged", hints=[
        (lambda r, w: r is None, "give it a list attribute `rates`: self.rates = [] in __init__"),
        (lambda r, w: len(r) == 0, "append the rate in on_epoch_end"),
        (lambda r, w: len(r) > 3, "once per epoch: on_epoch_end, not on every batch"),
        (lambda r, w: not all(isinstance(v, float) for v in r),
         "append float(self.model.optimizer.learning_rate): the variable itself keeps changing"),
    ])


def _no_pooling_reference() -> Any:
    """The slide model of notebook 05 without its MaxPooling2D layer."""
    import keras

    return keras.Sequential([
        keras.Input(shape=(32, 32, 3)),
        keras.layers.Conv2D(32, (3, 3), activation="relu", padding="valid"),
        keras.layers.Dropout(0.25),
        keras.layers.Flatten(),
        keras.layers.Dense(512, activation="relu"),
        keras.layers.Dropout(0.5),
        keras.layers.Dense(10, activation="softmax"),
    ])


def _layer_facts(model: Any) -> tuple:
    """(kinds of the layers in order, output shape, parameter count) of a built Keras model."""
    import keras

    if not isinstance(model, keras.Model):
        raise NotRight(f"expected a keras model, got {type(model).__name__}")
    kinds = tuple(type(layer).__name__ for layer in model.layers)
    return kinds, tuple(model.output_shape), int(model.count_params())


def _built(build_fn: Any) -> Any:
    ok, model = attempt(build_fn)
    if not ok:
        raise NotRight(model)
    return _layer_facts(model)


def _pooling_compare(got: Any, want: Any, reveal: bool) -> str | None:
    """Layers and output shape are named (the exercise states them); the parameter count is not
    given away."""
    if got[0] != want[0]:
        return f"layers {list(got[0])}, expected {list(want[0])}"
    if got[1] != want[1]:
        return f"output shape {got[1]}, expected {want[1]}"
    if got[2] != want[2]:
        return f"{got[2]:,} parameters, which is not right yet"
    return None


def check_no_pooling(build_fn: Callable[..., Any]) -> bool:
    """Used in notebook 05 (exercise 5.3): ``build_fn()`` → the slide model without its
    MaxPooling2D layer (Conv2D 32 3×3 valid → Dropout .25 → Flatten → Dense 512 → Dropout .5 →
    Dense 10 softmax) on (32, 32, 3) inputs."""
    want = _layer_facts(_no_pooling_reference())
    if not callable(build_fn):
        return report("5.3", False, f"expected a function, got {type(build_fn).__name__}")
    return check("5.3", build_fn, lambda: want, cases=[()], label="", convert=_layer_facts,
                 compare=_pooling_compare,
                 success="the slide model without pooling, layer for layer", hints=[
        (lambda g, w: "MaxPooling2D" in g[0], "remove the MaxPooling2D layer"),
        (lambda g, w: g[0] != w[0] and [k for k in g[0] if k != "Dropout"] == [
            k for k in w[0] if k != "Dropout"],
         "keep both Dropout layers where the slide has them"),
        (lambda g, w: g[0] == w[0] and g[2] > w[2],
         "keep padding='valid': with 'same' the feature map stays 32×32"),
        (lambda g, w: g[0] == w[0] and g[2] != w[2],
         "same filters (32, 3×3), Dense(512) and Dense(10) as the slide"),
    ])


def _welch_p_values(val_runs: dict, equal_var: bool = False, alternative: str = "two-sided",
                    field: str = "pvalue") -> dict:
    """{variant: p-value of Welch's two-sided t-test of the recipe's runs against its runs}
    (the other arguments give the typical mistakes' answers)."""
    from scipy import stats

    recipe = val_runs["recipe"]
    return {name: float(getattr(stats.ttest_ind(recipe, scores, equal_var=equal_var,
                                                alternative=alternative), field))
            for name, scores in val_runs.items() if name != "recipe"}


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


WELCH_CASES = [
    ({"recipe": [0.34, 0.32, 0.36], "without A": [0.29, 0.31, 0.28],
      "without B": [0.35, 0.33, 0.37]},),
    ({"recipe": [0.50, 0.52, 0.49, 0.51], "constant rate": [0.10, 0.25, 0.15, 0.12]},),
]


def check_welch_p_values(fn: Callable[..., Any]) -> bool:
    """Used in notebook 05b (exercise 5.5): ``fn(val_runs)`` with ``val_runs`` = {variant:
    [validation accuracy of each seed]} including "recipe" → {variant: p-value} for every other
    variant, from Welch's two-sided t-test (``scipy.stats.ttest_ind(recipe, variant,
    equal_var=False)``)."""
    return check("5.5", fn, _welch_p_values, cases=WELCH_CASES, compare=_p_values_compare,
                 label=lambda runs: f"runs of {sorted(runs)}",
                 success="Welch's p-values for every variant", hints=[
        (lambda g, w, r: "recipe" in g, "one p-value per variant: leave the recipe out, it is "
                                        "what every variant is compared with"),
        (lambda g, w, r: _p_values_compare(g, _welch_p_values(r, equal_var=True), False) is None,
         "Welch's test does not assume equal spreads: equal_var=False"),
        (lambda g, w, r: any(_p_values_compare(g, _welch_p_values(r, alternative=a), False)
                             is None for a in ("less", "greater")),
         "a two-sided test: keep scipy's default alternative"),
        (lambda g, w, r: _p_values_compare(g, _welch_p_values(r, field="statistic"), False)
         is None, "return the p-value (.pvalue), not the t statistic"),
    ])


def _seeds_needed(effect: float, sd: float, k: float = 2.0, two_means: bool = True) -> int:
    """Smallest n >= 2 with k · sd · sqrt(2 / n) < |effect| (sqrt(1 / n) if not two_means):
    n > 2 · (k · sd / effect)²."""
    ratio = (2.0 if two_means else 1.0) * (k * sd / abs(effect)) ** 2
    return max(2, math.floor(ratio) + 1)


def check_seeds_needed(fn: Callable[..., Any]) -> bool:
    """Used in notebook 05b (exercise 5.6): ``fn(effect, sd, k)`` → the smallest number of seeds
    n >= 2 per variant for which k standard errors of a difference of two means of n runs,
    ``k · sd · sqrt(2 / n)``, are smaller than ``|effect|``."""
    cases = [(0.05, 0.02, 2), (0.01, 0.021, 2), (0.003, 0.01, 2), (-0.05, 0.03, 2),
             (0.1, 0.025, 2), (0.02, 0.01, 3)]
    return check("5.6", fn, _seeds_needed, cases=cases, label="effect {}, sd {}, k {}",
                 success="seeds per variant for every case", hints=[
        (lambda g, w, e, s, k: g == _seeds_needed(e, s, k, two_means=False),
         "a difference of two means has the standard error sd·√(2/n): did you forget the 2?"),
        (lambda g, w, e, s, k: e < 0, "use the size of the effect: abs(effect)"),
        (lambda g, w, e, s, k: g == 1 or g == 0, "at least 2 runs: a standard deviation needs two"),
        (lambda g, w, e, s, k: g == w - 1, "n must make k·sd·√(2/n) *smaller* than the effect: "
                                           "the next whole number above 2·(k·sd/effect)²"),
    ])


def compare_pooling(build_fn: Callable[..., Any], x: np.ndarray, y: np.ndarray,
                    x_val: np.ndarray, y_val: np.ndarray, epochs: int = 2,
                    n_images: int = 2000, seed: int = 0) -> Any:
    """Used in notebook 05 (exercise 5.3): train the slide model and ``build_fn()`` with the
    slide recipe (RMSprop, batch 128) for ``epochs`` on the first ``n_images`` of ``x``/``y``
    ((N, 32, 32, 3) floats, (N,) labels); a DataFrame, one row per model: parameters, train
    accuracy, val accuracy (on ``x_val``/``y_val``) after the last epoch."""
    import keras
    import pandas as pd

    from .models import cifar_slide_cnn

    ok, student = attempt(build_fn)
    if not ok or not isinstance(student, keras.Model):
        print(f"✗ nothing to compare yet: build_fn() gave {student!r} (finish Exercise 5.3)")
        return None
    rows = {}
    for name, model in (("slide model", cifar_slide_cnn()), ("without pooling", student)):
        keras.utils.set_random_seed(seed)
        model.compile(optimizer=keras.optimizers.RMSprop(), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        history = model.fit(x[:n_images], y[:n_images], epochs=epochs, batch_size=128,
                            validation_data=(x_val, y_val), verbose=0)
        rows[name] = {"parameters": model.count_params(),
                      "train accuracy": history.history["accuracy"][-1],
                      "val accuracy": history.history["val_accuracy"][-1]}
    return pd.DataFrame(rows).T


def _stop_epochs(callback_class: Any, target: float, val_accuracies: Sequence[float]) -> Any:
    """Feed ``val_accuracies`` as epoch logs to ``callback_class(target)``; the epochs (0-based)
    at which it set ``model.stop_training``, and its ``stopped_epoch``."""
    import keras

    if not (isinstance(callback_class, type) and issubclass(callback_class,
                                                            keras.callbacks.Callback)):
        raise NotRight(f"expected a subclass of keras.callbacks.Callback, got {callback_class!r}")
    ok, callback = attempt(callback_class, target)
    if not ok:
        raise NotRight(f"could not create it with a target: {callback}")
    model = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(1)])
    callback.set_model(model)
    stops = []
    for epoch, val in enumerate(val_accuracies):
        model.stop_training = False
        logs = {"accuracy": 0.99, "loss": 0.1, "val_accuracy": float(val), "val_loss": 1 - val}
        ok, problem = attempt(callback.on_epoch_end, epoch, logs)
        if not ok:
            raise NotRight(f"on_epoch_end {problem}")
        if model.stop_training:
            stops.append(epoch)
            break
    return stops, getattr(callback, "stopped_epoch", "missing")


def _first_reaching(target: float, val_accuracies: Sequence[float]) -> tuple:
    hits = [e for e, v in enumerate(val_accuracies) if v >= target]
    return (hits[:1], hits[0] if hits else None)


def _trained_with(callback_class: Any) -> tuple:
    """Train a logistic regression on two separable blobs with ``callback_class(0.9)``: (did it
    stop before 40 epochs, validation accuracy at the stop ≥ 0.9, one epoch earlier < 0.9)."""
    import keras

    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(-1, 1, (200, 2)), rng.normal(1, 1, (200, 2))]).astype("float32")
    y = np.repeat([0, 1], 200)
    order = rng.permutation(400)
    x, y = x[order], y[order]
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(0.02), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    callback = callback_class(0.9)
    history = model.fit(x[:300], y[:300], epochs=40, batch_size=32, verbose=0,
                        validation_data=(x[300:], y[300:]), callbacks=[callback])
    val = history.history["val_accuracy"]
    return (len(val) < 40, val[-1] >= 0.9, len(val) == 1 or val[-2] < 0.9)


def check_stop_at_target(callback_class: Any) -> bool:
    """Used in notebook 05 (exercise 5.4): ``callback_class(target)`` stops training (sets
    ``self.model.stop_training``) at the end of the first epoch whose ``val_accuracy`` is
    ``>= target`` and stores that epoch in ``stopped_epoch`` (None before)."""
    cases = [(0.8, [0.5, 0.7, 0.85, 0.9]), (0.8, [0.85, 0.9]), (0.95, [0.5, 0.7, 0.9]),
             (0.6, [0.5, 0.6, 0.55, 0.7])]

    def convert(callback, target, val_accuracies):
        return _stop_epochs(callback, target, val_accuracies)

    passed = check("5.4", lambda t, v: callback_class, _first_reaching, cases=cases,
                   label="target {}, val_accuracy per epoch {}", convert=convert,
                   compare=named(("stopped at epochs", "stopped_epoch")),
                   success="stops on the first epoch that reaches the target", hints=[
        (lambda g, w, t, v: g[0] and w[0] and g[0][0] == 0 and w[0][0] > 0,
         "look at logs['val_accuracy'], not the training accuracy"),
        (lambda g, w, t, v: g[0] != w[0] and w[0] and v[w[0][0]] == t,
         "reaching the target counts: use >=, not >"),
        (lambda g, w, t, v: not g[0] and w[0],
         "set self.model.stop_training = True when the target is reached"),
        (lambda g, w, t, v: g[0] == w[0] and g[1] != w[1],
         "store the epoch in self.stopped_epoch (set it to None in __init__)"),
    ])
    if not passed:
        return False
    ok, facts = attempt(_trained_with, callback_class)
    if not ok:
        return report("5.4", False, f"training with it failed: {facts}")
    return report("5.4", all(facts), "also stops a real fit as soon as val_accuracy ≥ 0.9" if
                  all(facts) else "in a real fit it did not stop at the first epoch reaching "
                  "the target")


def _rf_size(kernels: Sequence[int], strides: Sequence[int], jump_first: bool = False) -> int:
    """``r = r + (k − 1)·j; j = j·s`` from ``r = j = 1`` (``jump_first``: j updated first)."""
    size, jump = 1, 1
    for k, s in zip(kernels, strides, strict=True):
        jump *= s if jump_first else 1
        size += (k - 1) * jump
        jump *= 1 if jump_first else s
    return size


def check_rf_size(fn: Callable[..., Any]) -> bool:
    """Used in notebook 06 (exercise 6.1): ``fn(kernel_sizes, strides)`` → receptive-field size
    (input pixels) of one unit of the last layer of a stack, ``r = r + (k − 1)·j; j = j·s``."""
    from .receptive_field import receptive_field

    cases = [([3, 3, 3], [1, 1, 1]), ([3, 2, 3, 2, 3], [1, 2, 1, 2, 1]), ([7], [1]),
             ([11, 3, 5, 3], [4, 2, 1, 2]), ([1, 1], [2, 2]), ([5, 2, 3], [2, 2, 1])]
    return check("6.1", fn, lambda k, s: receptive_field(list(zip(k, s, strict=True)))[-1].size,
                 cases=cases, label="kernels {}, strides {}", success=f"{len(cases)} stacks "
                 "agree with receptive_field.receptive_field", hints=[
        (lambda o, w, k, s: o == 1 + sum(x - 1 for x in k),
         "did you multiply the jumps? j = j·s after each layer"),
        (lambda o, w, k, s: o == _rf_size(k, s, jump_first=True),
         "add (k − 1)·j with the jump of the layers below, then update j"),
    ])


def check_n_3x3_layers(answer: Any) -> bool:
    """Used in notebook 06 (exercise 6.2): fewest stacked 3×3 stride-1 convolutions (no
    pooling) whose receptive field covers a whole 28×28 digit: ``1 + 2n >= 28``."""
    want = next(n for n in range(1, 100) if 1 + 2 * n >= 28)
    return check("6.2", answer, want, success=f"{want} layers see {1 + 2 * want}×{1 + 2 * want} "
                 "pixels", hints=[
        (lambda n, w: n < w, lambda n, w: f"{n} layers see only {1 + 2 * n} pixels"),
        (lambda n, w: n > w, lambda n, w: f"{n} layers are enough, but fewer would do"),
    ])


def _dilated_offsets(dilations: Sequence[int]) -> set[int]:
    """Input offsets (one axis) a unit on top of 3×3 convolutions with these dilations sees."""
    offsets = {0}
    for d in dilations:
        offsets = {o + t for o in offsets for t in (-d, 0, d)}
    return offsets


def _holes(dilations: Sequence[int]) -> list[int]:
    """Offsets inside the field of 3×3 layers with these dilations that no path reaches."""
    half = sum(dilations)
    return sorted(set(range(-half, half + 1)) - _dilated_offsets(dilations))


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
    holes = _holes(dilations)
    return f"field of {size} pixels, but offsets {holes[:6]} are never seen" if holes else None


def check_dilations(dilations: Any) -> bool:
    """Used in notebook 06 (exercise 6.3): dilation rates of at most four 3×3 stride-1
    convolutions whose receptive field covers 28 pixels without holes."""
    field = lambda d: f"{1 + 2 * sum(d)}×{1 + 2 * sum(d)} pixels"  # noqa: E731
    return check("6.3", dilations, 28, compare=_dilation_problem,
                 success=lambda d: f"{field(d)} with {len(d)} layers, no holes", hints=[
        (lambda d, w: len(d) > 4, "four layers suffice when the rates grow"),
        (lambda d, w: 1 + 2 * sum(d) < w, "a 3×3 layer with dilation d adds 2·d pixels"),
        (lambda d, w: bool(_holes(d)), "gridding: sort the rates; each may be at most "
                                       "2·(sum of the smaller ones) + 1"),
    ])


def _scale_facts(model: Any, *_: Any) -> tuple[int, int, int, int]:
    """(Conv2D layers, measured field of the first conv's centre unit, of the last conv's,
    pixels inside the last field that no path reaches) — fields measured from gradients."""
    from .receptive_field import measure_receptive_field

    if not hasattr(model, "layers") or not hasattr(model, "count_params"):
        raise NotRight(f"expected a Keras model, got {type(model).__name__}")
    if tuple(model.input_shape[1:]) != (28, 28, 1):
        raise NotRight(f"expected a model for 28×28×1 digits, got input {model.input_shape[1:]}")
    convs = [layer for layer in model.layers if type(layer).__name__ == "Conv2D"]
    if not convs:
        raise NotRight("your model has no Conv2D layer")
    # inputs of both signs: a random ReLU unit that is off for every positive input still
    # passes gradients for some of them
    inputs = np.random.default_rng(64).normal(size=(16, 28, 28, 1))
    first = measure_receptive_field(model, convs[0].name, inputs=inputs)
    last = measure_receptive_field(model, convs[-1].name, inputs=inputs)
    (r0, r1), (c0, c1) = last.rows, last.cols
    holes = int((last.gradient[r0:r1 + 1, c0:c1 + 1] == 0).sum())
    return len(convs), first.size[0], last.size[0], holes


def _scales_problem(got: tuple, want: Any, reveal: bool) -> str | None:
    n_conv, first, last, holes = got
    octaves = np.log2(last / first)
    if n_conv > 3:
        return f"{n_conv} Conv2D layers: use at most 3"
    if octaves < 3:
        return f"the last conv sees {last} px, the first {first} px: {octaves:.2f} octaves, " \
               "need at least 3"
    if holes:
        return f"{holes} pixels inside the last field never reach the unit (holes)"
    return None


def check_scales_design(model: Any) -> bool:
    """Used in notebook 06 (exercise 6.4, open): a Keras model for 28×28×1 inputs with at most
    three Conv2D layers whose last convolution analyses the image at least 3 octaves coarser
    than its first: ``log2(r_last / r_first) ≥ 3``, both fields **measured from gradients**
    (:func:`course_utils.receptive_field.measure_receptive_field`, centre unit, 16 random
    normal inputs — the calculator is not trusted here), and no hole in the last field."""
    return check("6.4", model, 3.0, convert=_scale_facts, compare=_scales_problem,
                 success=lambda m: "{} conv layers, fields {} → {} px measured, "
                                   "no holes".format(*_scale_facts(m)), hints=[
        (lambda g, w: g[0] > 3, "the claim says more conv layers give more scales; find "
                                "another way to grow the field: pooling, stride or dilation"),
        (lambda g, w: np.log2(g[2] / g[1]) < 3, "a 3×3 conv adds 2·jump pixels: make the jump "
                                                "grow (pooling or stride) between the convs"),
        (lambda g, w: g[3] > 0, "gridding: a stride or dilation larger than the kernel below "
                                "it skips pixels"),
    ])


def check_conv_mult_adds(fn: Callable[..., Any]) -> bool:
    """Used in notebook 07 (exercise 7.1): ``fn(h_out, w_out, n_filters, kernel_size, c_in)`` →
    multiply–adds of a Conv2D layer: ``h_out·w_out·n_filters·kernel_size²·c_in``."""
    cases = [(28, 28, 192, 3, 256), (28, 28, 96, 5, 64), (55, 55, 96, 11, 3), (1, 1, 1, 1, 1),
             (7, 5, 3, 3, 2)]
    return check("7.1", fn, lambda h, w, f, k, c: h * w * f * k * k * c, cases=cases,
                 label="{0}×{1}×{2} output, {3}×{3}×{4} kernels", success=f"{len(cases)} layers, "
                 f"e.g. 28×28×192×3×3×256 = {28 * 28 * 192 * 9 * 256:,}", hints=[
        (lambda o, want, h, w, f, k, c: o * k == want, "the kernel is k×k: square it"),
        (lambda o, want, h, w, f, k, c: o * c == want, "each filter spans all c_in channels"),
        (lambda o, want, h, w, f, k, c: o == 2 * want, "one multiply–add per weight, not two"),
    ])


def _block_facts(out: Any, x: Any, *_: Any) -> tuple:
    """(output shape, has an Add layer, parameters) of the model from Keras input x to out."""
    import keras

    try:
        model = keras.Model(x, out)
    except Exception as exc:  # noqa: BLE001 - a wrong answer is a verdict, not a crash
        raise NotRight(f"cannot build a model from your output: {exc}") from None
    return (tuple(model.output.shape[1:]),
            any(type(layer).__name__ == "Add" for layer in model.layers),
            int(model.count_params()))


def check_basic_block(fn: Callable[..., Any]) -> bool:
    """Used in notebook 07 (exercise 7.2): ``fn(x, filters, stride)`` builds a residual basic
    block on the Keras tensor ``x``: output = ReLU(F(x) + shortcut(x)); compared with
    :func:`course_utils.models.basic_block` (output shape, an Add layer, parameter count)."""
    import keras

    from .models import basic_block

    cases = [(keras.Input((16, 16, 8)), 8, 1), (keras.Input((16, 16, 8)), 16, 2)]
    return check("7.2", fn, lambda x, f, s: _block_facts(basic_block(x, f, s, name=f"ref{s}"), x),
                 cases=cases, convert=_block_facts,
                 compare=named(("output shape", "Add layer", "parameters")),
                 label=lambda x, f, s: f"input {tuple(x.shape[1:])}, filters {f}, stride {s}",
                 success="identity and projection shortcuts both right", hints=[
        (lambda o, w, *_: not o[1], "no Add layer: where is the shortcut?"),
        (lambda o, w, *_: o[0] != w[0], "the first 3×3 conv and the shortcut take the stride"),
        (lambda o, w, x, f, s: o[2] - w[2] in (2 * f, 3 * f),
         "no bias before BatchNorm: use_bias=False"),
        (lambda o, w, x, f, s: s == 1 and o[2] > w[2], "same shape: the shortcut is x itself"),
        (lambda *_: True, "two 3×3 convs without bias, BatchNorm after each, a 1×1 projection "
                          "shortcut only when the shape changes"),
    ])


def check_vgg_row(answer: Any) -> bool:
    """Used in notebook 07 (exercise 7.3): parameters of VGG-16's Conv2D(512, 3×3) on 512
    channels (with bias)."""
    from .shapes import conv_params

    return check("7.3", answer, conv_params(3, 3, 512, 512), compare=number(), hints=[
        (lambda a, w: a == 2_359_880, "that is the slide's typo: recompute (3·3·512 + 1)·512"),
        (lambda a, w: a == conv_params(3, 3, 512, 512, bias=False), "did you count the biases?"),
        (lambda a, w: a == conv_params(3, 3, 1, 512), "each filter spans all 512 input channels"),
    ])


def check_separable_mult_adds(fn: Callable[..., Any]) -> bool:
    """Used in notebook 07 (exercise 7.1): ``fn(h_out, w_out, c_in, n_filters, kernel_size)`` →
    multiply–adds of a depthwise-separable convolution (Keras ``SeparableConv2D``, the building
    block of MobileNet and EfficientNet): depthwise ``h_out·w_out·c_in·k²`` (one k×k filter per
    input channel) + pointwise ``h_out·w_out·c_in·n_filters`` (a 1×1 convolution)."""
    cases = [(112, 112, 32, 64, 3), (14, 14, 512, 512, 5), (7, 5, 3, 2, 1), (1, 1, 1, 1, 1)]
    return check("7.1", fn, lambda h, w, c, f, k: h * w * c * (k * k + f), cases=cases,
                 label="{0}×{1} output, {2} → {3} channels, {4}×{4} kernels",
                 success=f"{len(cases)} layers agree", hints=[
        (lambda o, want, h, w, c, f, k: o == h * w * f * k * k * c,
         "that is a standard convolution: here each input channel gets its own k×k filter, "
         "then a 1×1 convolution mixes the channels"),
        (lambda o, want, h, w, c, f, k: o == h * w * c * k * k, "the pointwise 1×1 convolution "
                                                                 "(c_in → n_filters) is missing"),
        (lambda o, want, h, w, c, f, k: o == h * w * c * f, "the depthwise k×k step is missing"),
        (lambda o, want, h, w, c, f, k: o == h * w * c * (k + f), "the kernel is k×k: square it"),
    ])


def _model_facts(model: Any, *_: Any) -> tuple:
    """(output shape, Conv2D layers, parameters) of a Keras model; NotRight for anything else."""
    if not hasattr(model, "count_params") or not hasattr(model, "layers"):
        raise NotRight(f"expected a Keras model, got {type(model).__name__}")
    import keras

    return (tuple(model.output.shape[1:]),
            sum(isinstance(layer, keras.layers.Conv2D) for layer in model.layers),
            int(model.count_params()))


def check_vgg19(fn: Callable[..., Any]) -> bool:
    """Used in notebook 07 (exercise 7.3): ``fn()`` builds VGG-19 (Simonyan & Zisserman 2015,
    configuration E) for 224×224×3 images and 1000 classes; compared with
    ``keras.applications.VGG19(weights=None)``: output shape, number of Conv2D layers and
    parameters. Built without drawing random weights (:func:`models.build_without_weights`)."""
    import keras

    from .models import build_without_weights

    def facts(builder: Any) -> tuple:
        ok, model = attempt(build_without_weights, builder)
        if not ok:
            raise NotRight(model)
        if model is None:
            raise NotRight("your function returned None: did you forget `return`?")
        return _model_facts(model)

    want = facts(lambda: keras.applications.VGG19(weights=None))
    if not callable(fn):
        return report("7.3", False, f"expected a function, got {type(fn).__name__}")
    return check("7.3", fn, want, convert=facts,
                 compare=named(("output shape", "Conv2D layers", "parameters")),
                 success=f"16 convolutions + 3 dense layers, {want[2]:,} parameters", hints=[
        (lambda got, w: got[2] == 138_357_544, "that is VGG-16: VGG-19 has four convolutions "
                                               "in each of blocks 3, 4 and 5"),
        (lambda got, w: got[0] != w[0], "the head: Flatten → Dense 4096 → Dense 4096 → Dense 1000 "
                                        "(softmax)"),
        (lambda got, w: got[1] == w[1], "the convolutions are right: check the filters per block "
                                        "(64, 128, 256, 512, 512) and the dense layers"),
        (lambda got, w: got[1] != w[1], "blocks of 2, 2, 4, 4, 4 convolutions (3×3, 'same'), "
                                        "each block ending in a 2×2 max-pool"),
    ])


def _net_facts(model: Any, *_: Any) -> tuple:
    """(output shape, weighted depth, Add layers, parameters) of a Keras model."""
    from .cost import model_cost

    if not hasattr(model, "count_params") or not hasattr(model, "layers"):
        raise NotRight(f"expected a Keras model, got {type(model).__name__}")
    return (tuple(model.output.shape[1:]), model_cost(model).depth,
            sum(type(layer).__name__ == "Add" for layer in model.layers),
            int(model.count_params()))


def _training_losses(model: Any, x: np.ndarray, y: np.ndarray, epochs: int = 4) -> list[float]:
    """Per-epoch training loss of ``model`` (SGD, momentum 0.9) on ``x``, ``y``: does it learn?"""
    import keras

    keras.utils.set_random_seed(0)
    model.compile(optimizer=keras.optimizers.SGD(0.025, momentum=0.9),
                  loss="sparse_categorical_crossentropy")
    history = model.fit(x, y, batch_size=64, epochs=epochs, verbose=0)
    return [float(v) for v in history.history["loss"]]


def check_residual_net(fn: Callable[..., Any], x: np.ndarray, y: np.ndarray) -> bool:
    """Used in notebook 07 (exercise 7.4): ``fn(n_blocks, residual)`` builds the networks of the
    degradation experiment for 32×32×3 images and 10 classes: stem (3×3 conv 8, stride 2, BN,
    ReLU) → 3 stages of ``n_blocks`` basic blocks with 8, 16, 32 filters (the first block of
    stages 2 and 3 has stride 2) → global average pooling → Dense(10, softmax);
    ``residual=False`` leaves out every shortcut. Compared with
    :func:`course_utils.models.mini_resnet` (output shape, weighted depth ``6n + 2``, Add layers,
    parameters); then both versions (n = 2) are trained for a few epochs on ``x`` (N, 32, 32, 3)
    uint8, ``y`` (N,) and their training loss must fall."""
    from .models import mini_resnet

    def reference(n: int, residual: bool) -> tuple:
        return _net_facts(mini_resnet(widths=(8, 16, 32), blocks_per_stage=n, residual=residual))

    hints: list[Hint] = [
        (lambda o, w, n, r: r and o[2] == 0, "no Add layer: where are the shortcuts?"),
        (lambda o, w, n, r: not r and o[2] > 0, "residual=False: the plain network has no Add"),
        (lambda o, w, n, r: o[1] == w[1] - 2, "count the stem convolution and the Dense layer "
                                              "too: 6n + 2 weighted layers"),
        (lambda o, w, n, r: o[1] != w[1], "3 stages × n blocks × 2 convolutions, plus the stem "
                                          "and the Dense layer"),
        (lambda o, w, n, r: o[0] != w[0], "the last layer: Dense(10, softmax)"),
        (lambda o, w, n, r: r and o[3] > w[3], "a 1×1 projection shortcut only where the shape "
                                               "changes (first block of stages 2 and 3); convs "
                                               "without bias before BatchNorm"),
        (lambda o, w, *_: o[3] != w[3], "3×3 convs without bias, BatchNorm after each; widths "
                                        "8, 16, 32; the stem has stride 2"),
    ]
    for case in ((2, True), (2, False), (1, True)):
        verdict = _case_verdict(fn, reference, case, named(
            ("output shape", "weighted layers", "Add layers", "parameters")), hints, _net_facts,
            lambda n, r: f"n_blocks={n}, residual={r}")
        if verdict:
            return report("7.4", False, verdict)
    falls = {}
    for residual in (True, False):
        losses = _training_losses(fn(2, residual), x, y)
        if not np.all(np.isfinite(losses)) or losses[-1] >= losses[0]:
            return report("7.4", False, f"residual={residual}: the training loss does not fall "
                          f"({losses[0]:.2f} → {losses[-1]:.2f}); is the output a softmax and "
                          "does every block pass its input on?")
        falls[residual] = f"{losses[0]:.2f} → {losses[-1]:.2f}"
    return report("7.4", True, f"both match mini_resnet and train: loss {falls[True]} "
                  f"(residual), {falls[False]} (plain)")


def check_pairwise_l2(fn: Any) -> bool:
    """Used in notebook 08 (exercise 8.1): ``fn(a, b)`` for a (N, D), b (M, D) → the (N, M)
    matrix of ‖a_i − b_j‖₂ (compared with SciPy's cdist)."""
    from scipy.spatial.distance import cdist

    rng = np.random.default_rng(81)
    return check("8.1", fn, cdist, cases=[(rng.normal(size=(7, 5)), rng.normal(size=(4, 5)))],
                 compare=array(), label="", hints=[
        (lambda o, w, a, b: np.allclose(o, w**2), "take the square root: ‖·‖₂, not its square"),
        (lambda o, w, a, b: np.shape(o) == w.T.shape, "rows for a, columns for b: (N, M)"),
        (lambda o, w, a, b: np.allclose(o, cdist(a, b, "cityblock")),
         "that is the ℓ1 distance: square, sum, then take the root"),
    ])


def check_knn_predict(fn: Any) -> bool:
    """Used in notebook 08 (exercise 8.2): ``fn(train_x, train_y, test_x, k)`` = majority vote
    of the k nearest (ℓ2), compared with scikit-learn's ``KNeighborsClassifier`` (odd k, two
    classes: no ties)."""
    from sklearn.neighbors import KNeighborsClassifier

    def knn(train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray, k: int) -> np.ndarray:
        return KNeighborsClassifier(n_neighbors=k).fit(train_x, train_y).predict(test_x)

    rng = np.random.default_rng(82)
    train_x, test_x = rng.normal(size=(60, 3)), rng.normal(size=(25, 3))
    train_y = (train_x[:, 0] + 0.5 * rng.normal(size=60) > 0).astype(int)
    return check("8.2", fn, knn, cases=[(train_x, train_y, test_x, 5)], compare=array(),
                 label="", hints=[
        (lambda o, w, tx, ty, x, k: np.allclose(o, knn(tx, ty, x, 1)),
         "vote among the k nearest, not only the nearest"),
        (lambda o, w, tx, ty, x, k: np.shape(o) == (len(x), k),
         "one label per test row: take the most frequent of the k neighbours' labels"),
    ])


def check_choose_k(fn: Any) -> bool:
    """Used in notebook 08 (exercise 8.3, open): ``fn(train_x, train_y, ks)`` holds out the rows
    ``i % 5 == 0`` of the database, classifies them by a k-NN vote (ℓ2) of the other rows for
    every k in ``ks`` and returns the k with the best validation accuracy (smallest on ties)."""
    def knn(train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray, k: int) -> np.ndarray:
        d = ((test_x[:, None, :] - train_x[None, :, :]) ** 2).sum(axis=-1)
        nearest = np.argsort(d, axis=1, kind="stable")[:, :k]
        return np.array([np.bincount(v, minlength=2).argmax() for v in train_y[nearest]])

    def accuracies(x: np.ndarray, y: np.ndarray, ks: list, on_itself: bool = False) -> list:
        held = np.arange(len(y)) % 5 == 0
        if on_itself:
            return [float(np.mean(knn(x, y, x, k) == y)) for k in ks]
        return [float(np.mean(knn(x[~held], y[~held], x[held], k) == y[held])) for k in ks]

    def reference(x: np.ndarray, y: np.ndarray, ks: list) -> int:
        return ks[int(np.argmax(accuracies(x, y, ks)))]

    rng = np.random.default_rng(83)
    y = rng.integers(0, 2, 200)
    x = np.column_stack([y + rng.normal(scale=0.8, size=200), rng.normal(size=200)])
    # k close to the database size always votes for the majority class: the worst k here
    cases = [(x, y, [1, 3, 15, 41, 151]), (x[:150], y[:150], [1, 5, 25, 111])]
    return check("8.3", fn, reference, cases=cases,
                 label=lambda x, y, ks: f"{len(y)} rows, ks = {ks}", hints=[
        (lambda o, w, x, y, ks: o == ks[int(np.argmin(accuracies(x, y, ks)))],
         "that k has the lowest validation accuracy: take the highest"),
        (lambda o, w, x, y, ks: o == 1 and max(accuracies(x, y, ks, on_itself=True)) == 1.0,
         "k = 1 looks perfect when the database classifies itself (every row is its own nearest "
         "neighbour): classify the held-out rows with the OTHER rows only"),
    ], success="chosen on a validation split of the database")


def _transfer_facts(model: Any, base: Any, n_classes: int, before: list) -> tuple:
    """(output shape, base frozen, trainable parameters) of a transfer model; "base frozen" is
    measured: one SGD step on two random images must leave every weight of ``base`` unchanged."""
    import keras

    if not hasattr(model, "output_shape") or not hasattr(model, "trainable_weights"):
        raise NotRight(f"expected a Keras model, got {type(model).__name__}")
    n_trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    shape = tuple(32 if side is None else side for side in base.input_shape[1:])
    x = np.random.default_rng(91).uniform(0, 255, size=(2, *shape)).astype("float32")
    try:
        model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
        model.fit(x, np.arange(2) % n_classes, epochs=1, batch_size=2, verbose=0)
        moved = any(not np.array_equal(np.asarray(w), b)
                    for w, b in zip(base.weights, before, strict=True))
    finally:
        for w, b in zip(base.weights, before, strict=True):
            w.assign(b)  # the notebook's network is left as it was
    return tuple(model.output_shape), not moved, n_trainable


def check_transfer_head(fn: Any, base: Any, n_classes: int) -> bool:
    """Used in notebook 09 (exercise 9.1): ``fn(base, n_classes)`` puts a softmax Dense head on
    a frozen base: output (None, n_classes), trainable parameters D·n_classes + n_classes
    (D: the base's pooled feature size), and the base's weights do not change in a training
    step. The check first makes ``base`` trainable, so forgetting to freeze it fails."""
    base.trainable = True  # an unfrozen base, whatever happened to it before
    before = [np.array(w) for w in base.weights]
    n_features = int(base.output_shape[-1])
    want = ((None, n_classes), True, n_features * n_classes + n_classes)
    return check("9.1", fn, lambda *_: want, cases=[(base, n_classes)],
                 convert=lambda model, *case: _transfer_facts(model, *case, before),
                 compare=named(("output shape", "base frozen", "trainable parameters")),
                 label="", success=lambda _: f"{want[2]:,} trainable parameters, base unchanged "
                 "by a training step", hints=[
        (lambda o, w, *_: not o[1], "freeze the base: base.trainable = False"),
        (lambda o, w, *_: o[2] > w[2], f"a single Dense layer on the {n_features} features"),
    ])


def check_top_k_accuracy(fn: Any) -> bool:
    """Used in notebook 09 (exercise 9.2): ``fn(probs, labels, k)`` = fraction of rows whose
    label is among the k largest probabilities."""
    def top_k(probs: np.ndarray, labels: np.ndarray, k: int) -> float:
        top = np.argsort(-probs, axis=1)[:, :k]
        return float(np.mean([label in row for label, row in zip(labels, top, strict=True)]))

    rng = np.random.default_rng(92)
    probs, labels = rng.dirichlet(np.ones(20), size=50), rng.integers(0, 20, size=50)
    return check("9.2", fn, top_k, cases=[(probs, labels, k) for k in (1, 5)],
                 compare=number(rtol=1e-6, atol=1e-9), label=lambda p, y, k: f"k = {k}", hints=[
        (lambda o, w, *_: np.isclose(o, 100 * w), "a fraction in [0, 1], not a percentage"),
        (lambda o, w, p, y, k: np.isclose(o, top_k(-p, y, k)),
         "the k LARGEST probabilities: sort in descending order"),
        (lambda o, w, p, y, k: np.isclose(o, w * len(y)), "divide by the number of rows"),
    ])


def _pick_cut_cases() -> list[tuple]:
    """Two data sets of 3 classes (10 training, 30 validation rows per class) and two candidate
    cuts each: 'narrow' — 4 informative features (generalises), 'wide' — a weak signal among 300
    noise features (fits the training rows perfectly, poor on new rows). The names of the good
    cut differ between the cases, so no fixed answer passes."""
    rng = np.random.default_rng(93)
    y_train, y_val = np.repeat(np.arange(3), 10), np.repeat(np.arange(3), 30)
    centres = rng.normal(scale=1.5, size=(3, 4))

    def narrow(y: np.ndarray) -> np.ndarray:
        return centres[y] + rng.normal(size=(len(y), 4))

    def wide(y: np.ndarray) -> np.ndarray:
        return np.concatenate([0.2 * centres[y], rng.normal(size=(len(y), 300))], axis=1)

    cases = []
    for good, bad in (("block5", "top"), ("top", "block5")):
        train = {good: narrow(y_train), bad: wide(y_train)}
        val = {good: narrow(y_val), bad: wide(y_val)}
        cases.append((dict(sorted(train.items())), y_train, dict(sorted(val.items())), y_val, 1e-2))
    return cases


def check_pick_cut(fn: Any) -> bool:
    """Used in notebook 09 (exercise 9.3, open): ``fn(train_features, y_train, val_features,
    y_val, lr)`` returns the cut (a key of the dictionaries) whose heads
    (``transfer.train_softmax_head``, seeds 0, 1, 2) have the best mean validation accuracy."""
    from .transfer import train_softmax_head

    def score(features: dict, y: np.ndarray, cut: str, evaluate: dict, y_eval: np.ndarray,
              lr: float, seeds: tuple = (0, 1, 2)) -> float:
        return float(np.mean([train_softmax_head(features[cut], y, lr, seed=s)
                              .accuracy(evaluate[cut], y_eval) for s in seeds]))

    def reference(train: dict, y_train: np.ndarray, val: dict, y_val: np.ndarray, lr: float) -> str:
        return max(train, key=lambda cut: score(train, y_train, cut, val, y_val, lr))

    def by_training(train: dict, y_train: np.ndarray, val: dict, y_val: np.ndarray,
                    lr: float) -> str:
        return max(train, key=lambda cut: score(train, y_train, cut, train, y_train, lr))

    return check("9.3", fn, reference, cases=_pick_cut_cases(), label="", hints=[
        (lambda o, w, *case: o == by_training(*case),
         "that cut has the best TRAINING accuracy: with many features a head fits 100 training "
         "images perfectly; judge each cut by the accuracy on the validation features"),
        (lambda o, w, train, *_: o == max(train, key=lambda c: train[c].shape[1]),
         "the largest feature vector is not the best by itself: train heads and compare their "
         "validation accuracy"),
    ], success="chosen by validation accuracy")


def check_occlude(fn: Any) -> bool:
    """Used in notebook 10 (exercise 10.1): ``fn(image, top, left, patch_size)`` greys out a
    square of image (H, W, C) with 127 (on a copy)."""
    from .saliency import occlude

    image = np.random.default_rng(101).uniform(0, 255, size=(12, 10, 3)).astype("float32")
    cases = [(image, 2, 3, 4), (image, 9, 8, 5)]  # the second square sticks out of the image
    return check("10.1", fn, occlude, cases=cases, compare=array(),
                 label=lambda im, t, left, s: f"top={t}, left={left}, patch_size={s}", hints=[
        (lambda o, w, im, t, left, s: np.allclose(o, occlude(im, t, left, s, fill=0)),
         "grey is 127, not 0 (black)"),
        (lambda o, w, im, t, left, s: np.allclose(o, occlude(im, left, t, s)),
         "top is the row index, left the column index"),
    ])


def check_grad_cam(fn: Any) -> bool:
    """Used in notebook 10 (exercise 10.2): ``fn(maps, gradients)``, both (h, w, C) →
    ReLU(Σ_c α_c A_c) / max (h, w), α_c = mean over (h, w) of ∂y/∂A_c."""
    from .saliency import grad_cam_from

    rng = np.random.default_rng(102)
    maps, gradients = np.maximum(rng.normal(size=(5, 6, 8)), 0), rng.normal(size=(5, 6, 8))
    unnormalised = np.maximum((maps * gradients.mean(axis=(0, 1))).sum(-1), 0)
    return check("10.2", fn, grad_cam_from, cases=[(maps, gradients)], compare=array(),
                 label="", hints=[
        (lambda o, w, a, g: np.allclose(o, unnormalised), "divide by the maximum"),
        (lambda o, w, a, g: np.min(o) < 0, "apply the ReLU: only positive evidence counts"),
        (lambda o, w, a, g: np.allclose(o, grad_cam_from(a * g, np.ones_like(g))),
         "α_c is the mean gradient of channel c: one weight per channel, not per pixel"),
    ])


def _occlusion_drops(predict: Callable[..., Any], image: np.ndarray, class_index: int,
                     patch_sizes: Sequence[int], fill: Any) -> dict[int, np.ndarray]:
    """Reference of exercise 10.3: {patch: p(image) − p(square at occlusion_positions hidden)},
    stride ``patch // 2``."""
    from .saliency import occlusion_positions

    p_full = float(np.asarray(predict(image[None]))[0, class_index])
    out = {}
    for patch in patch_sizes:
        rows = occlusion_positions(image.shape[0], patch, max(patch // 2, 1))
        cols = occlusion_positions(image.shape[1], patch, max(patch // 2, 1))
        batch = np.repeat(image[None].astype("float32"), len(rows) * len(cols), axis=0)
        for k, (t, left) in enumerate((t, c) for t in rows for c in cols):
            batch[k, t:t + patch, left:left + patch] = fill
        out[patch] = p_full - np.asarray(predict(batch))[:, class_index].reshape(len(rows),
                                                                                 len(cols))
    return out


class _BrightnessClassifier:
    """A stand-in model for exercise 10.3: softmax over (mean of the top-left quarter,
    mean of the rest) / 50 — hiding the bright top-left corner lowers p(class 0)."""

    def __call__(self, batch: Any) -> np.ndarray:
        batch = np.asarray(batch, dtype="float64")
        h, w = batch.shape[1] // 2, batch.shape[2] // 2
        logits = np.stack([batch[:, :h, :w].mean(axis=(1, 2, 3)),
                           batch.mean(axis=(1, 2, 3))], axis=1) / 50
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)


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


def check_occlusion_drops(fn: Any) -> bool:
    """Used in notebook 10 (exercise 10.3, open): ``fn(predict, image, class_index, patch_sizes,
    fill)`` → {patch size: (n_rows, n_cols) map of p(image) − p(image with the square hidden)}
    for squares at :func:`course_utils.saliency.occlusion_positions` with stride patch // 2.
    Validated on a stand-in classifier (a bright corner is the evidence) for three patch
    sizes: every map's shape (the positions) and every value (the drop from the unoccluded
    probability, not the occluded probability itself)."""
    from .saliency import occlusion_positions

    rng = np.random.default_rng(103)
    image = rng.uniform(0, 60, size=(24, 20, 3)).astype("float32")
    image[:12, :10] += 150.0
    predict = _BrightnessClassifier()
    case = (predict, image, 0, (4, 6, 12), 127.0)

    def raw(o: dict, w: dict, *c: Any) -> bool:  # returned p(occluded), not the drop
        p_full = predict(image[None])[0, 0]
        return all(np.allclose(o[k], p_full - w[k]) for k in w)

    def shapes_off(o: dict, w: dict, *c: Any) -> bool:
        return any(o[k].shape != w[k].shape for k in w)

    return check("10.3", fn, _occlusion_drops, cases=[case], convert=_drop_maps,
                 compare=_maps_problem, label="stand-in classifier, patch sizes (4, 6, 12)",
                 success="shapes and drops right for 3 patch sizes", hints=[
        (raw, "you returned p(occluded): the drop is p(unoccluded image) − p(occluded)"),
        (lambda o, w, *c: all(np.allclose(o[k], -w[k]) for k in w),
         "the sign: drop = p(image) − p(occluded), positive where hiding hurts"),
        (lambda o, w, *c: all(np.allclose(o[k] - w[k], (o[k] - w[k]).flat[0]) for k in w),
         "off by a constant: measure against the unoccluded image's probability (not the "
         "map's maximum or 1)"),
        (shapes_off, lambda o, w, *c: "positions: saliency.occlusion_positions(H, patch, "
         f"patch // 2) gives the rows, e.g. {occlusion_positions(24, 6, 3).tolist()} for patch 6"),
        (lambda o, w, *c: True, "hide the square with `fill` on a copy of the image, one copy "
                                "per position, and predict them in one batch"),
    ])
