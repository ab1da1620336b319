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
def _lenet5_params(c_in: int) -> int:
    """LeNet-5 (seed 000) on a 32×32×c_in input: (5·5·c_in + 1)·6 + 61,550 more parameters."""
    from .arithmetic import conv_params, dense_params

    return (conv_params(5, 5, c_in, 6) + conv_params(5, 5, 6, 16) + dense_params(400, 120)
            + dense_params(120, 84) + dense_params(84, 10))


def check_lenet_params(fn: Callable[..., Any]) -> bool:
    """Exercise 4.1: ``fn(c_in)`` → trainable parameters of LeNet-5 on a 32×32×c_in input."""
    for c_in in (1, 3, 2, 4, 10):
        ok, got = attempt(fn, c_in)
        if not ok:
            return report("4.1", False, got)
        want = _lenet5_params(c_in)
        if isinstance(got, bool) or not isinstance(got, (int, np.integer)):
            return report("4.1", False, f"expected an int for c_in={c_in}, got {got!r}")
        if got != want:
            hint = " (only the first convolution depends on c_in)" if c_in > 1 else ""
            return report("4.1", False, f"c_in={c_in}: expected {want:,}, got {got:,}{hint}")
    return report("4.1", True, f"grey {_lenet5_params(1):,}, RGB {_lenet5_params(3):,}")


def check_mlp_baseline(fn: Callable[..., Any]) -> bool:
    """Exercise 4.2: ``fn()`` → a Keras model 32×32×1 → Flatten → Dense(84) → Dense(10)."""
    ok, model = attempt(fn)
    if not ok:
        return report("4.2", False, model)
    if not (hasattr(model, "count_params") and hasattr(model, "layers")):
        return report("4.2", False, f"expected a Keras model, got {type(model).__name__}")
    try:
        in_shape = tuple(model.input_shape)
        out_shape = tuple(model.output_shape)
        dense = [layer for layer in model.layers if type(layer).__name__ == "Dense"]
        n_params = int(model.count_params())
    except Exception as exc:  # noqa: BLE001 - an unbuilt or odd model is a verdict
        return report("4.2", False, f"could not read the model ({type(exc).__name__}: {exc}); "
                                    "start it with keras.Input(shape=(32, 32, 1))")
    if in_shape != (None, 32, 32, 1):
        return report("4.2", False, f"input shape should be (None, 32, 32, 1), got {in_shape}")
    if out_shape != (None, 10):
        return report("4.2", False, f"output shape should be (None, 10), got {out_shape}")
    units = [layer.units for layer in dense]
    if units != [84, 10]:
        return report("4.2", False, f"expected Dense layers of 84 and 10 units, got {units}")
    want = 32 * 32 * 84 + 84 + 84 * 10 + 10
    if n_params != want:
        return report("4.2", False, f"expected {want:,} parameters, got {n_params:,}")
    return report("4.2", True, f"{n_params:,} parameters")


def check_per_class_accuracy(fn: Callable[..., Any]) -> bool:
    """Exercise 4.3: ``fn(cm)`` → (K,) fraction of each true class i predicted correctly,
    ``cm[i, i] / cm[i, :].sum()``, for a (K, K) confusion matrix ``cm``."""
    rng = np.random.default_rng(4)
    cases = [np.array([[5, 1], [2, 2]]), rng.integers(1, 30, (10, 10)),
             np.diag([3, 4, 5]) + 1]
    for cm in cases:
        ok, got = attempt(fn, cm.copy())
        if not ok:
            return report("4.3", False, got)
        want = np.diag(cm) / cm.sum(axis=1)
        try:
            got_arr = np.asarray(got, dtype=float)
        except (TypeError, ValueError):
            return report("4.3", False, f"expected an array of {len(cm)} numbers, got {got!r}")
        if got_arr.shape != want.shape:
            return report("4.3", False, f"expected shape {want.shape}, got {got_arr.shape}")
        if not np.allclose(got_arr, want):
            column = np.diag(cm) / cm.sum(axis=0)
            hint = " (rows are the true classes: divide by row sums)" if np.allclose(
                got_arr, column) else ""
            return report("4.3", False, f"wrong values for a {len(cm)}×{len(cm)} matrix{hint}")
    return report("4.3", True)


def _early_stop_epoch(val_losses: Any, patience: int, min_delta: float = 0.0) -> int | None:
    """Epoch (0-based) at which Keras' EarlyStopping(monitor="val_loss") stops, or None.

    An epoch improves when ``loss < best − min_delta``; after ``patience`` epochs in a row
    without improvement training stops (Keras never stops at epoch 0).
    """
    best, wait = np.inf, 0
    for epoch, loss in enumerate(val_losses):
        wait += 1
        if loss < best - min_delta:
            best, wait = loss, 0
            continue
        if wait >= patience and epoch > 0:
            return epoch
    return None


def check_early_stop_epoch(fn: Callable[..., Any]) -> bool:
    """Exercise 5.1: ``fn(val_losses, patience)`` → the epoch (0-based) at which EarlyStopping
    stops, or None when it lets all epochs run."""
    cases = [
        ([1.0, 0.8, 0.7, 0.75, 0.72, 0.71, 0.9], 3),
        ([1.0, 0.8, 0.7, 0.75, 0.69, 0.71, 0.9], 3),
        ([1.0, 0.9, 0.8, 0.7], 2),
        ([0.5, 0.6, 0.7, 0.4, 0.8], 1),
        ([0.5, 0.5, 0.5], 2),
    ]
    for losses, patience in cases:
        ok, got = attempt(fn, list(losses), patience)
        if not ok:
            return report("5.1", False, got)
        want = _early_stop_epoch(losses, patience)
        if got != want or isinstance(got, bool):
            return report("5.1", False, f"val_losses {losses}, patience {patience}: expected "
                                        f"{want}, got {got!r}")
    return report("5.1", True, f"{len(cases)} runs agree with keras.callbacks.EarlyStopping")


def check_lr_logger(callback_class: Any) -> bool:
    """Exercise 5.2: a ``keras.callbacks.Callback`` subclass whose ``rates`` list gets the
    optimizer's learning rate (a float) at the end of every epoch."""
    import keras

    if not (isinstance(callback_class, type) and issubclass(callback_class,
                                                            keras.callbacks.Callback)):
        return report("5.2", False, f"expected a subclass of keras.callbacks.Callback, got "
                                    f"{callback_class!r}")
    ok, logger = attempt(callback_class)
    if not ok:
        return report("5.2", False, f"could not create it: {logger}")
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 3)).astype("float32"), rng.normal(size=(16, 1)).astype("float32")
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.08), loss="mse")
    halve = keras.callbacks.LearningRateScheduler(lambda epoch, lr: 0.08 / 2**epoch)
    ok, result = attempt(model.fit, x, y, epochs=3, batch_size=16, verbose=0,
                         callbacks=[halve, logger])
    if not ok:
        return report("5.2", False, f"training with it failed: {result}")
    rates = getattr(logger, "rates", None)
    if not isinstance(rates, list):
        return report("5.2", False, f"expected a list attribute `rates`, got {rates!r}")
    want = [0.08, 0.04, 0.02]
    try:
        close = len(rates) == 3 and np.allclose([float(r) for r in rates], want)
    except (TypeError, ValueError):
        close = False
    if not close:
        return report("5.2", False, f"with a rate halved every epoch from 0.08, expected "
                                    f"{want}, got {rates!r}")
    return report("5.2", True, "rates [0.08, 0.04, 0.02] logged")


# === section: notebooks 06-07 ===
def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def check_rf_size(fn: Callable[..., Any]) -> bool:
    """Exercise 6.1: ``fn(kernel_sizes, strides)`` → receptive-field size (input pixels) of one
    unit of the last layer of a stack, ``r = r + (k − 1)·j; j = j·s`` from ``r = j = 1``."""
    from .arithmetic import receptive_field

    cases = [([3, 3, 3], [1, 1, 1]), ([3, 2, 3, 2, 3], [1, 2, 1, 2, 1]), ([7], [1]),
             ([11, 3, 5, 3], [4, 2, 1, 2]), ([1, 1], [2, 2]), ([5, 2, 3], [2, 2, 1])]
    for kernels, strides in cases:
        ok, got = attempt(fn, list(kernels), list(strides))
        if not ok:
            return report("6.1", False, got)
        want = receptive_field(list(zip(kernels, strides, strict=True)))[-1].size
        if not _is_int(got) or got != want:
            hint = " (did you multiply the jumps? j = j·s after each layer)" if _is_int(got) \
                and got == 1 + sum(k - 1 for k in kernels) else ""
            return report("6.1", False, f"kernels {kernels}, strides {strides}: expected "
                                        f"{want}, got {got!r}{hint}")
    return report("6.1", True, f"{len(cases)} stacks agree with arithmetic.receptive_field")


def check_n_3x3_layers(answer: Any) -> bool:
    """Exercise 6.2: fewest stacked 3×3 stride-1 convolutions (no pooling) whose receptive
    field covers a whole 28×28 digit: ``1 + 2n >= 28``."""
    if answer is None:
        return report("6.2", False, "no answer yet (got None)")
    if not _is_int(answer):
        return report("6.2", False, f"expected a whole number of layers, got {answer!r}")
    want = next(n for n in range(1, 100) if 1 + 2 * n >= 28)
    if answer == want:
        return report("6.2", True, f"{want} layers see {1 + 2 * want}×{1 + 2 * want} pixels")
    if answer < want:
        return report("6.2", False, f"{answer} layers see only {1 + 2 * answer} pixels")
    return report("6.2", False, f"{answer} layers are enough, but fewer would do")


def _dilated_offsets(dilations: list[int] | tuple[int, ...]) -> set[int]:
    """Input offsets (one axis) a unit on top of 3×3 convolutions with these dilations sees."""
    offsets = {0}
    for d in dilations:
        offsets = {o + t for o in offsets for t in (-d, 0, d)}
    return offsets


def check_dilations(dilations: Any) -> bool:
    """Exercise 6.3: dilation rates of at most four 3×3 stride-1 convolutions whose receptive
    field covers 28 pixels without holes (every offset inside the field is seen)."""
    if dilations is None:
        return report("6.3", False, "no answer yet (got None)")
    if not isinstance(dilations, (list, tuple)) or not all(
            _is_int(d) and d >= 1 for d in dilations):
        return report("6.3", False, f"expected a list of dilation rates >= 1, got {dilations!r}")
    if not 1 <= len(dilations) <= 4:
        return report("6.3", False, f"use 1 to 4 layers, got {len(dilations)}")
    size = 1 + 2 * sum(dilations)
    if size < 28:
        return report("6.3", False, f"receptive field {size} pixels, need at least 28")
    half = sum(dilations)
    holes = sorted(set(range(-half, half + 1)) - _dilated_offsets(dilations))
    if holes:
        return report("6.3", False, f"field of {size} pixels, but offsets {holes[:6]} are never "
                                    "seen (gridding): grow the dilation gradually")
    return report("6.3", True, f"{size}×{size} pixels with {len(dilations)} layers, no holes")


def check_conv_mult_adds(fn: Callable[..., Any]) -> bool:
    """Exercise 7.1: ``fn(h_out, w_out, n_filters, kernel_size, c_in)`` → multiply–adds of a
    Conv2D layer: ``h_out·w_out·n_filters·kernel_size²·c_in``."""
    cases = [(28, 28, 192, 3, 256), (28, 28, 96, 5, 64), (55, 55, 96, 11, 3), (1, 1, 1, 1, 1),
             (7, 5, 3, 3, 2)]
    for h, w, f, k, c in cases:
        ok, got = attempt(fn, h, w, f, k, c)
        if not ok:
            return report("7.1", False, got)
        want = h * w * f * k * k * c
        if not _is_int(got) or got != want:
            hint = " (the kernel is k×k: square it)" if got == h * w * f * k * c else ""
            return report("7.1", False, f"{h}×{w}×{f} output, {k}×{k}×{c} kernels: expected "
                                        f"{want:,}, got {got!r}{hint}")
    return report("7.1", True, f"{len(cases)} layers, e.g. 28×28×192×3×3×256 = "
                               f"{28 * 28 * 192 * 9 * 256:,}")


def check_basic_block(fn: Callable[..., Any]) -> bool:
    """Exercise 7.2: ``fn(x, filters, stride)`` builds a residual basic block on the Keras
    tensor ``x``: output = ReLU(F(x) + shortcut(x)); checked against
    :func:`course_utils.models.basic_block` (shapes, an Add layer, parameter count)."""
    import keras

    from .models import basic_block

    for shape, filters, stride in [((16, 16, 8), 8, 1), ((16, 16, 8), 16, 2)]:
        x = keras.Input(shape)
        ok, out = attempt(fn, x, filters, stride)
        if not ok:
            return report("7.2", False, out)
        try:
            model = keras.Model(x, out)
        except Exception as exc:  # noqa: BLE001 - a wrong answer is a verdict, not a crash
            return report("7.2", False, f"cannot build a model from your output: {exc}")
        reference = keras.Model(x, basic_block(x, filters, stride, name=f"ref{stride}"))
        want_shape = tuple(reference.output.shape[1:])
        if tuple(model.output.shape[1:]) != want_shape:
            return report("7.2", False, f"input {shape}, filters {filters}, stride {stride}: "
                                        f"expected output {want_shape}, "
                                        f"got {tuple(model.output.shape[1:])}")
        if not any(type(layer).__name__ == "Add" for layer in model.layers):
            return report("7.2", False, "no Add layer: where is the shortcut?")
        if model.count_params() != reference.count_params():
            return report("7.2", False, f"stride {stride}: {model.count_params():,} parameters, "
                                        f"expected {reference.count_params():,} (two 3×3 convs "
                                        "without bias, BatchNorm after each, a 1×1 projection "
                                        "shortcut only when the shape changes)")
    return report("7.2", True, "identity and projection shortcuts both right")


def check_vgg_row(answer: Any) -> bool:
    """Exercise 7.3: parameters of VGG-16's Conv2D(512, 3×3) on 512 channels (with bias)."""
    from .arithmetic import conv_params

    want = conv_params(3, 3, 512, 512)
    if answer == 2_359_880:
        return report("7.3", False, "that is the slide's typo: recompute (3·3·512 + 1)·512")
    return compare_numbers("7.3", answer, want)


# === section: notebooks 08-10 ===
def _check_function_output(
    exercise: str, fn: Any, args: tuple, expected: np.ndarray, atol: float = 1e-6
) -> bool:
    """Call student ``fn(*args)`` and compare its result with ``expected`` (never raises)."""
    ok, result = attempt(fn, *args)
    if not ok:
        return report(exercise, False, str(result))
    return compare_arrays(exercise, result, expected, atol=atol)


def check_pairwise_l2(fn: Any) -> bool:
    """Exercise 8.1: ``fn(a, b)`` returns the (N, M) matrix of ‖a_i − b_j‖₂ (vs SciPy's cdist)."""
    from scipy.spatial.distance import cdist

    rng = np.random.default_rng(81)
    a, b = rng.normal(size=(7, 5)), rng.normal(size=(4, 5))
    return _check_function_output("8.1", fn, (a, b), cdist(a, b), atol=1e-6)


def check_knn_predict(fn: Any) -> bool:
    """Exercise 8.2: ``fn(train_x, train_y, test_x, k)`` = majority vote of the k nearest (ℓ2).

    Compared with scikit-learn's ``KNeighborsClassifier`` on two classes with odd k (no ties).
    """
    from sklearn.neighbors import KNeighborsClassifier

    rng = np.random.default_rng(82)
    train_x = rng.normal(size=(60, 3))
    train_y = (train_x[:, 0] + 0.5 * rng.normal(size=60) > 0).astype(int)
    test_x = rng.normal(size=(25, 3))
    expected = KNeighborsClassifier(n_neighbors=5).fit(train_x, train_y).predict(test_x)
    return _check_function_output("8.2", fn, (train_x, train_y, test_x, 5), expected)


def check_transfer_head(fn: Any, base: Any, n_classes: int) -> bool:
    """Exercise 9.1: ``fn(base, n_classes)`` puts a softmax Dense head on a frozen base.

    Checks: output (None, n_classes); no weight of ``base`` trainable; trainable parameters =
    the head's D·n_classes + n_classes, with D the base's pooled feature size.
    """
    ok, model = attempt(fn, base, n_classes)
    if not ok:
        return report("9.1", False, str(model))
    if not hasattr(model, "output_shape") or not hasattr(model, "trainable_weights"):
        return report("9.1", False, f"expected a Keras model, got {type(model).__name__}")
    if tuple(model.output_shape) != (None, n_classes):
        return report("9.1", False, f"output shape should be (None, {n_classes}), got "
                      f"{model.output_shape}")
    if base.trainable_weights:
        return report("9.1", False, "the base still has trainable weights: freeze it "
                      "(base.trainable = False)")
    n_features = int(base.output_shape[-1])
    expected = n_features * n_classes + n_classes
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    if trainable != expected:
        return report("9.1", False, f"{trainable:,} trainable parameters; a single Dense layer on "
                      f"{n_features} features has {expected:,}")
    return report("9.1", True, f"{trainable:,} trainable parameters")


def check_top_k_accuracy(fn: Any) -> bool:
    """Exercise 9.2: ``fn(probs, labels, k)`` = fraction of rows whose label is among the k
    largest probabilities."""
    rng = np.random.default_rng(92)
    probs = rng.dirichlet(np.ones(20), size=50)
    labels = rng.integers(0, 20, size=50)
    top = np.argsort(-probs, axis=1)
    for k in (1, 5):
        expected = float(np.mean([label in row[:k] for label, row in zip(labels, top,
                                                                          strict=True)]))
        ok, got = attempt(fn, probs, labels, k)
        if not ok:
            return report("9.2", False, str(got))
        if isinstance(got, bool) or not isinstance(got, (int, float, np.number)):
            return report("9.2", False, f"expected a number, got {type(got).__name__}")
        if not np.isclose(float(got), expected):
            return report("9.2", False, f"for k = {k}: got {got}, expected {expected:.2f}")
    return report("9.2", True)


def check_occlude(fn: Any) -> bool:
    """Exercise 10.1: ``fn(image, top, left, patch_size)`` greys out a square (a copy)."""
    from .saliency import occlude

    image = np.random.default_rng(101).uniform(0, 255, size=(12, 10, 3)).astype("float32")
    original = image.copy()
    for top, left, size in ((2, 3, 4), (9, 8, 5)):  # the second square sticks out of the image
        ok, got = attempt(fn, image, top, left, size)
        if not ok:
            return report("10.1", False, str(got))
        if not np.array_equal(image, original):
            return report("10.1", False, "the input image was modified: work on a copy")
        expected = occlude(original, top, left, size)
        if np.shape(got) != expected.shape:
            return report("10.1", False, f"expected shape {expected.shape}, got {np.shape(got)}")
        if not np.allclose(np.asarray(got, dtype=float), expected):
            where = "inside the image" if top + size <= 12 else "where the square sticks out"
            return report("10.1", False, f"wrong pixels for top={top}, left={left}, "
                          f"patch_size={size} ({where})")
    return report("10.1", True)


def check_grad_cam(fn: Any) -> bool:
    """Exercise 10.2: ``fn(maps, gradients)`` = ReLU(Σ_c α_c A_c) / max, α_c = mean of ∂y/∂A_c."""
    from .saliency import grad_cam_from

    rng = np.random.default_rng(102)
    maps = np.maximum(rng.normal(size=(5, 6, 8)), 0)
    gradients = rng.normal(size=(5, 6, 8))
    return _check_function_output("10.2", fn, (maps, gradients), grad_cam_from(maps, gradients),
                                  atol=1e-6)


# === end ===
