"""Convolution by hand in NumPy: correlation, convolution, padding, pooling, im2col, activations.

Two versions of each convolution, as in the lectures:

- ``*_naive``: Python loops written to be read next to the slide formula
  ``a(r, c, l) = Σ_{u, v, k} w^l(u, v, k) · x(r·s + u, c·s + v, k) + b^l``;
- the vectorised one: every window is cut out at once (``sliding_window_view``), the windows
  are stretched into the rows of a patch matrix (*im2col*) and one matrix product with the
  filters does all the dot products.

Conventions (those of TensorFlow/Keras): images are ``(H, W)`` or ``(H, W, C)``, filters are
``(kh, kw, C, N_F)``, *no flip* in a CNN "convolution" (it is a correlation), ``same`` padding
puts the odd pixel at the bottom/right. ``padding`` is ``"valid"``, ``"same"``, ``"full"``, an
int p (p zeros on every side) or ``(top, bottom, left, right)``; ``stride`` is an int or
``(s_h, s_w)``. No TensorFlow import here.

Used in notebooks 02 and 02b (convolution by hand) and 03 (padding and stride).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .shapes import conv_output_size
from .validation import int_pair, is_int, positive_int, rate

__all__ = [
    "pad", "padding_amounts", "correlate2d_naive", "correlate2d", "convolve2d_naive",
    "convolve2d", "conv2d_naive", "conv2d", "im2col", "max_pool2d", "avg_pool2d", "relu",
    "leaky_relu", "sigmoid", "ACTIVATIONS", "activation", "activation_derivative", "translate",
    "equivariance_error", "invariance_error",
]

Padding = str | int | tuple[int, int, int, int]
Stride = int | tuple[int, int]


# --- argument checks -------------------------------------------------------------------------

def _as_array(name: str, value: Any, ndim: int, layout: str) -> np.ndarray:
    """``value`` as a non-empty numeric array with ``ndim`` dimensions, else ValueError."""
    arr = np.asarray(value)
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D {layout}, got an array of shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise ValueError(f"{name} must hold numbers, got dtype {arr.dtype}")
    return arr


def _stride_pair(stride: Stride) -> tuple[int, int]:
    return int_pair("stride", stride)


def _kernel_pair(kernel_size: int | tuple[int, int]) -> tuple[int, int]:
    return int_pair("kernel_size", kernel_size)


def _axis_padding(padding: Padding) -> tuple[Any, Any]:
    """Split a 2-D padding spec into the per-axis specs that conv_output_size understands."""
    if isinstance(padding, str) or is_int(padding):
        return padding, padding
    if isinstance(padding, (tuple, list)) and len(padding) == 4:
        return (padding[0], padding[1]), (padding[2], padding[3])
    raise ValueError(
        "padding must be 'valid', 'same', 'full', an int p >= 0 or (top, bottom, left, right), "
        f"got {padding!r}"
    )


def padding_amounts(
    in_hw: tuple[int, int], kernel_size: int | tuple[int, int], stride: Stride = 1,
    padding: Padding = "valid",
) -> tuple[int, int, int, int]:
    """Zeros added ``(top, bottom, left, right)`` for an input of ``in_hw = (H, W)`` pixels.

    ``same`` follows TensorFlow: the total ``max((⌈n/s⌉ − 1)·s + k − n, 0)`` is split with the
    odd pixel at the bottom/right. Raises ValueError if the kernel does not fit.
    """
    (kh, kw), (sh, sw) = _kernel_pair(kernel_size), _stride_pair(stride)
    pad_h, pad_w = _axis_padding(padding)
    rows = conv_output_size(int(in_hw[0]), kh, sh, pad_h)
    cols = conv_output_size(int(in_hw[1]), kw, sw, pad_w)
    return rows.pad_before, rows.pad_after, cols.pad_before, cols.pad_after


def pad(x: np.ndarray, padding: int | tuple[int, int, int, int], value: float = 0) -> np.ndarray:
    """Add ``value`` around the two spatial axes of ``x``: (H, W) or (H, W, C).

    ``padding`` is p (same on every side) or ``(top, bottom, left, right)``. Returns
    (H + top + bottom, W + left + right[, C]).
    """
    x = np.asarray(x)
    if x.ndim not in (2, 3):
        raise ValueError(f"x must be 2-D (H, W) or 3-D (H, W, C), got shape {x.shape}")
    if is_int(padding):
        padding = (padding,) * 4
    if not isinstance(padding, (tuple, list)) or len(padding) != 4:
        raise ValueError(
            f"padding must be an integer >= 0 or (top, bottom, left, right) of them, "
            f"got {padding!r}"
        )
    top, bottom, left, right = (positive_int("padding", p, minimum=0) for p in padding)
    widths = [(top, bottom), (left, right)] + [(0, 0)] * (x.ndim - 2)
    return np.pad(x, widths, constant_values=value)


# --- 2-D (single-channel) correlation and convolution ---------------------------------------

def correlate2d_naive(
    image: np.ndarray, kernel: np.ndarray, stride: Stride = 1, padding: Padding = "valid"
) -> np.ndarray:
    """Cross-correlation with a double loop: ``T[I](r, c) = Σ_{u,v} w(u, v)·I(r·s + u, c·s + v)``.

    ``image``: (H, W); ``kernel``: (kh, kw). Returns (H', W') with
    ``H' = ⌊(H + p_top + p_bottom − kh)/s_h⌋ + 1`` (same for W). This is what a CNN layer and
    ``scipy.signal.correlate2d`` compute (no flip).
    """
    image = _as_array("image", image, 2, "(H, W)")
    kernel = _as_array("kernel", kernel, 2, "(kh, kw)")
    (sh, sw), (kh, kw) = _stride_pair(stride), kernel.shape
    x = pad(image, padding_amounts(image.shape, (kh, kw), (sh, sw), padding))
    h_out, w_out = (x.shape[0] - kh) // sh + 1, (x.shape[1] - kw) // sw + 1
    out = np.zeros((h_out, w_out), dtype=np.result_type(image, kernel))
    for r in range(h_out):
        for c in range(w_out):
            patch = x[r * sh: r * sh + kh, c * sw: c * sw + kw]
            out[r, c] = np.sum(kernel * patch)
    return out


def correlate2d(
    image: np.ndarray, kernel: np.ndarray, stride: Stride = 1, padding: Padding = "valid"
) -> np.ndarray:
    """Vectorised cross-correlation, same result as :func:`correlate2d_naive`.

    ``image``: (H, W); ``kernel``: (kh, kw) → (H', W'). All windows at once + one matrix product.
    """
    image = _as_array("image", image, 2, "(H, W)")
    kernel = _as_array("kernel", kernel, 2, "(kh, kw)")
    return conv2d(image[:, :, None], kernel[:, :, None, None], stride=stride,
                  padding=padding)[:, :, 0]


def convolve2d_naive(
    image: np.ndarray, kernel: np.ndarray, stride: Stride = 1, padding: Padding = "valid"
) -> np.ndarray:
    """True convolution ``(I ⊛ w)(r, c) = Σ_{u,v} w(u, v)·I(r − u, c − v)``, with loops.

    Equal to correlation with the kernel flipped in both axes (``kernel[::-1, ::-1]``), which
    is how it is computed here. ``image``: (H, W); ``kernel``: (kh, kw) → (H', W').
    ``padding="full"`` and ``"valid"`` equal ``scipy.signal.convolve2d``'s modes.
    """
    kernel = _as_array("kernel", kernel, 2, "(kh, kw)")
    return correlate2d_naive(image, kernel[::-1, ::-1], stride, padding)


def convolve2d(
    image: np.ndarray, kernel: np.ndarray, stride: Stride = 1, padding: Padding = "valid"
) -> np.ndarray:
    """Vectorised true convolution: flip, then :func:`correlate2d`. (H, W), (kh, kw) → (H', W')."""
    kernel = _as_array("kernel", kernel, 2, "(kh, kw)")
    return correlate2d(image, kernel[::-1, ::-1], stride, padding)


# --- volumes: (H, W, C) with filters (kh, kw, C, N_F) ---------------------------------------

def _check_volume(x: Any, filters: Any, bias: Any) -> tuple[np.ndarray, np.ndarray, Any]:
    x = _as_array("x", x, 3, "(H, W, C)")
    filters = _as_array("filters", filters, 4, "(kh, kw, C, N_F)")
    if filters.shape[2] != x.shape[2]:
        raise ValueError(
            f"filters must have as many channels as x: x is (H, W, C) = {x.shape} with "
            f"C = {x.shape[2]}, filters are (kh, kw, C, N_F) = {filters.shape} with "
            f"C = {filters.shape[2]}"
        )
    if bias is not None:
        bias = np.asarray(bias)
        if bias.shape != (filters.shape[3],):
            raise ValueError(
                f"bias must have shape (N_F,) = ({filters.shape[3]},), got {bias.shape}"
            )
    return x, filters, bias


def conv2d_naive(
    x: np.ndarray, filters: np.ndarray, bias: np.ndarray | None = None, stride: Stride = 1,
    padding: Padding = "valid",
) -> np.ndarray:
    """A convolutional layer with loops over (r, c, l), the PoliMi slide formula:

    ``a(r, c, l) = Σ_{(u,v) ∈ U, k = 1..C} w^l(u, v, k) · x(r·s + u, c·s + v, k) + b^l``

    ``x``: (H, W, C); ``filters``: (kh, kw, C, N_F); ``bias``: (N_F,) or None.
    Returns (H', W', N_F).
    """
    x, filters, bias = _check_volume(x, filters, bias)
    kh, kw, _, n_filters = filters.shape
    sh, sw = _stride_pair(stride)
    xp = pad(x, padding_amounts(x.shape[:2], (kh, kw), (sh, sw), padding))
    h_out, w_out = (xp.shape[0] - kh) // sh + 1, (xp.shape[1] - kw) // sw + 1
    dtype = np.result_type(x, filters, *(() if bias is None else (bias,)))
    a = np.zeros((h_out, w_out, n_filters), dtype=dtype)
    for r in range(h_out):
        for c in range(w_out):
            patch = xp[r * sh: r * sh + kh, c * sw: c * sw + kw, :]  # (kh, kw, C)
            for l in range(n_filters):  # noqa: E741 - l is the slide's filter index
                a[r, c, l] = np.sum(filters[:, :, :, l] * patch)
                if bias is not None:
                    a[r, c, l] += bias[l]
    return a


def _windows(
    x: np.ndarray, kernel_hw: tuple[int, int], stride: Stride, padding: Padding
) -> np.ndarray:
    """Every (kh, kw, C) window of the padded ``x`` (H, W, C) as a view (H', W', kh, kw, C)."""
    (kh, kw), (sh, sw) = kernel_hw, _stride_pair(stride)
    pads = padding_amounts(x.shape[:2], (kh, kw), (sh, sw), padding)
    xp = pad(x, pads) if any(pads) else x
    view = sliding_window_view(xp, (kh, kw), axis=(0, 1))  # (Hp−kh+1, Wp−kw+1, C, kh, kw)
    return view[::sh, ::sw].transpose(0, 1, 3, 4, 2)


def im2col(
    x: np.ndarray, kernel_size: int | tuple[int, int], stride: Stride = 1,
    padding: Padding = "valid",
) -> np.ndarray:
    """The patch matrix ``X_col``: one column per output position, one row per window element.

    ``x``: (H, W) or (H, W, C). Returns ``(kh·kw·C, H'·W')``; columns run over output positions
    row by row, rows over (u, v, k) in the order of ``filters.reshape(kh·kw·C, N_F)``, so
    ``W_row @ X_col`` with ``W_row = filters.reshape(-1, N_F).T`` is the layer's output
    ``(N_F, H'·W')``. AlexNet conv1 (227×227×3, 11×11, stride 4) gives [363 × 3025].
    """
    x = np.asarray(x)
    if x.ndim == 2:
        x = x[:, :, None]
    x = _as_array("x", x, 3, "(H, W) or (H, W, C)")
    win = _windows(x, _kernel_pair(kernel_size), stride, padding)
    h_out, w_out = win.shape[:2]
    return win.reshape(h_out * w_out, -1).T


def conv2d(
    x: np.ndarray, filters: np.ndarray, bias: np.ndarray | None = None, stride: Stride = 1,
    padding: Padding = "valid",
) -> np.ndarray:
    """A convolutional layer, vectorised: im2col + one matrix product. Same as conv2d_naive.

    ``x``: (H, W, C); ``filters``: (kh, kw, C, N_F); ``bias``: (N_F,) or None.
    Returns (H', W', N_F) = ``patches (H'·W', kh·kw·C) @ filters (kh·kw·C, N_F) + bias``.
    Integer inputs give exact integer results; float32 stays float32.
    """
    x, filters, bias = _check_volume(x, filters, bias)
    kh, kw, _, n_filters = filters.shape
    win = _windows(x, (kh, kw), stride, padding)  # (H', W', kh, kw, C)
    h_out, w_out = win.shape[:2]
    patches = win.reshape(h_out * w_out, kh * kw * x.shape[2])  # the im2col copy
    dtype = np.result_type(x, filters)
    out = patches.astype(dtype, copy=False) @ filters.reshape(-1, n_filters).astype(dtype,
                                                                                      copy=False)
    out = out.reshape(h_out, w_out, n_filters)
    return out if bias is None else out + bias


# --- pooling and activations -----------------------------------------------------------------

def _pool(x: Any, pool_size: int | tuple[int, int], stride: Stride | None, padding: str,
          reduce: Any, name: str) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim not in (2, 3):
        raise ValueError(f"x must be 2-D (H, W) or 3-D (H, W, C), got shape {x.shape}")
    x3 = _as_array("x", x if x.ndim == 3 else x[:, :, None], 3, "(H, W, C)")
    if padding not in ("valid", "same"):
        raise ValueError(f"{name} padding must be 'valid' or 'same', got {padding!r}")
    kh, kw = _kernel_pair(pool_size)
    stride = (kh, kw) if stride is None else stride
    if padding == "same":  # padded cells are NaN and ignored by nanmax/nanmean (as in Keras)
        x3 = x3.astype(np.result_type(x3, np.float32))
        pads = padding_amounts(x3.shape[:2], (kh, kw), stride, "same")
        x3 = pad(x3, pads, value=np.nan)
    win = _windows(x3, (kh, kw), stride, "valid")  # (H', W', kh, kw, C)
    out = reduce(win, axis=(2, 3))
    return out if x.ndim == 3 else out[:, :, 0]


def max_pool2d(
    x: np.ndarray, pool_size: int | tuple[int, int] = 2, stride: Stride | None = None,
    padding: str = "valid",
) -> np.ndarray:
    """Max pooling of each channel: ``out(r, c, k) = max_{u,v} x(r·s + u, c·s + v, k)``.

    ``x``: (H, W) or (H, W, C); ``stride`` defaults to ``pool_size`` (as in Keras).
    Returns (H', W'[, C]) with H' = ⌊(H − pool)/s⌋ + 1 (``valid``) or ⌈H/s⌉ (``same``).
    """
    return _pool(x, pool_size, stride, padding, np.nanmax if padding == "same" else np.max,
                 "max_pool2d")


def avg_pool2d(
    x: np.ndarray, pool_size: int | tuple[int, int] = 2, stride: Stride | None = None,
    padding: str = "valid",
) -> np.ndarray:
    """Average pooling of each channel: the mean of every window (padding not counted).

    ``x``: (H, W) or (H, W, C); ``stride`` defaults to ``pool_size``. Returns (H', W'[, C]).
    """
    return _pool(x, pool_size, stride, padding, np.nanmean if padding == "same" else np.mean,
                 "avg_pool2d")


def relu(x: np.ndarray) -> np.ndarray:
    """ReLU, element-wise: ``max(0, x)``. Same shape as ``x``."""
    return np.maximum(np.asarray(x), 0)


def leaky_relu(x: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """Leaky ReLU, element-wise: ``x`` if ``x ≥ 0`` else ``alpha·x`` (PoliMi slide: alpha = 0.01).

    Keras' ``LeakyReLU`` uses ``negative_slope=0.3`` by default. Same shape as ``x``.
    """
    alpha = rate("alpha", alpha)
    x = np.asarray(x)
    return np.where(x >= 0, x, alpha * x)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic sigmoid, element-wise: ``σ(x) = 1 / (1 + e^{−x})``, range (0, 1).

    Computed without overflow for large ``|x|``. Same shape as ``x``.
    """
    x = np.asarray(x, dtype=float)
    e = np.exp(-np.abs(x))                     # ≤ 1, never overflows
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu")


def activation(name: str, x: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """The activation ``name`` (one of :data:`ACTIVATIONS`) applied element-wise to ``x``.

    sigmoid ``1/(1 + e^{−x})``; tanh ``(e^x − e^{−x})/(e^x + e^{−x})``; relu ``max(0, x)``;
    leaky_relu ``x`` if ``x ≥ 0`` else ``alpha·x``. Same shape as ``x``.
    """
    if name not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {name!r}")
    x = np.asarray(x, dtype=float)
    return {"sigmoid": sigmoid, "tanh": np.tanh, "relu": relu,
            "leaky_relu": lambda v: leaky_relu(v, alpha)}[name](x)


def activation_derivative(name: str, x: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """d activation / dx, element-wise, for ``name`` in :data:`ACTIVATIONS`.

    sigmoid ``σ(x)(1 − σ(x))`` (at most 1/4, at x = 0); tanh ``1 − tanh²(x)``; relu ``1`` for
    ``x > 0`` else ``0``; leaky_relu ``1`` for ``x > 0`` else ``alpha`` (at x = 0 the
    left derivative, as TensorFlow's gradients use). Same shape as ``x``.
    """
    if name not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {name!r}")
    x = np.asarray(x, dtype=float)
    if name == "sigmoid":
        s = sigmoid(x)
        return s * (1 - s)
    if name == "tanh":
        return 1 - np.tanh(x) ** 2
    if name == "relu":
        return (x > 0).astype(float)
    return np.where(x > 0, 1.0, rate("alpha", alpha))


def translate(x: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """``x`` (H, W) or (H, W, C) moved ``rows`` down and ``cols`` right (negative: up / left).

    ``out[r, c] = x[r − rows, c − cols]`` where that pixel exists, 0 where nothing moved in
    (no wrap-around). Same shape and dtype as ``x``.
    """
    x = np.asarray(x)
    if x.ndim not in (2, 3):
        raise ValueError(f"x must be 2-D (H, W) or 3-D (H, W, C), got shape {x.shape}")
    if not (is_int(rows) and is_int(cols)):
        raise ValueError(f"rows and cols must be whole numbers, got {rows!r} and {cols!r}")
    h, w = x.shape[:2]
    out = np.zeros_like(x)
    if abs(rows) >= h or abs(cols) >= w:
        return out
    out[max(rows, 0):h + min(rows, 0), max(cols, 0):w + min(cols, 0)] = \
        x[max(-rows, 0):h - max(rows, 0), max(-cols, 0):w - max(cols, 0)]
    return out


def _image_and_response(f: Callable[[np.ndarray], Any], x: Any) -> tuple[np.ndarray, np.ndarray]:
    """``x`` as an array and ``f(x)``, refusing a response of norm 0 (no relative error)."""
    x = np.asarray(x)
    fx = np.asarray(f(x), dtype=float)
    if not np.linalg.norm(fx) > 0:
        raise ValueError("f(x) is zero everywhere: a relative error ‖·‖/‖f(x)‖ is undefined")
    return x, fx


def equivariance_error(f: Callable[[np.ndarray], Any], x: Any, rows: int, cols: int) -> float:
    """How far ``f`` is from commuting with a move: ``‖f(S x) − S f(x)‖ / ‖f(x)‖``.

    ``S`` is :func:`translate` by ``rows``/``cols`` (zeros move in); ``x``: (H, W) or (H, W, C);
    ``f(x)`` must be a map that can be moved the same way, (H', W') or (H', W', C'), the shape
    of ``f(S x)``. 0 means *equivariant* for this move: shift-then-f equals f-then-shift.
    Norms are Frobenius (over every value).
    """
    x, fx = _image_and_response(f, x)
    if fx.ndim not in (2, 3):
        raise ValueError(f"f(x) must be a map (H', W') or (H', W', C') to be moved, got shape "
                         f"{fx.shape}")
    moved_first = np.asarray(f(translate(x, rows, cols)), dtype=float)
    return float(np.linalg.norm(moved_first - translate(fx, rows, cols)) / np.linalg.norm(fx))


def invariance_error(f: Callable[[np.ndarray], Any], x: Any, rows: int, cols: int) -> float:
    """How much a move changes ``f``'s output: ``‖f(S x) − f(x)‖ / ‖f(x)‖``.

    ``S`` is :func:`translate` by ``rows``/``cols``; ``f(x)`` may have any shape (a map, a
    pooled vector). 0 means *invariant* for this move; for non-negative outputs that do not
    overlap their moved copy at all (and keep their norm) the value is √2.
    """
    x, fx = _image_and_response(f, x)
    moved = np.asarray(f(translate(x, rows, cols)), dtype=float)
    if moved.shape != fx.shape:
        raise ValueError(f"f(S x) has shape {moved.shape} but f(x) has {fx.shape}")
    return float(np.linalg.norm(moved - fx) / np.linalg.norm(fx))


def kernel_targets(images: Any, kernel: np.ndarray) -> np.ndarray:
    """``images`` (N, H, W) → (N, H, W): each image correlated with ``kernel`` (kh, kw),
    padding 'same' — what ``tf.nn.conv2d(..., padding="SAME")`` gives for one filter."""
    images = np.asarray(images, dtype=float)
    if images.ndim != 3:
        raise ValueError(f"images must be (N, H, W), got shape {images.shape}")
    return np.stack([correlate2d(image, kernel, padding="same") for image in images])
