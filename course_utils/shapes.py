"""Output sizes, parameters and operations of CNN layers; ``model.summary()`` recomputed.

Used in notebooks 01, 02, 03, 04, 05 and 07: the output-size formula
``⌊(n + 2p − k)/s⌋ + 1`` with every padding mode, the parameter counts ``(kh·kw·C + 1)·N_F`` and
``(n_in + 1)·n_out``, the operation count of a convolution, and :func:`layer_table`, which
recomputes every row of a Keras summary. No TensorFlow import here (Keras models are only read).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from numbers import Integral
from typing import Any

from .validation import int_pair, positive_int

__all__ = [
    "PADDING_MODES",
    "Connections",
    "connection_counts",
    "network_connections",
    "LayerRow",
    "LayerTable",
    "OpCount",
    "OutputSize",
    "conv_ops",
    "conv_output_size",
    "conv_params",
    "dense_params",
    "layer_table",
    "pads_1d",
    "tensor_shape",
]

PADDING_MODES = ("valid", "same", "full")


@dataclass(frozen=True)
class OutputSize:
    """Output length of a convolution (or pooling) along one axis, and how it came about.

    ``size = ⌊(n + pad_before + pad_after − kernel) / stride⌋ + 1``; ``ignored`` counts the
    input pixels at the far end that no window covers (the remainder of the floor division).
    """

    size: int
    pad_before: int
    pad_after: int
    ignored: int
    n: int
    kernel: int
    stride: int
    padding: str | int | tuple[int, int]

    @property
    def padded(self) -> int:
        """Pixels of padding added in total (before + after)."""
        return self.pad_before + self.pad_after

    def formula(self) -> str:
        """The computation as text, e.g. ``⌊(28 + 2 − 3)/1⌋ + 1 = 28``."""
        p = f" + {self.padded}" if self.padded else ""
        return f"⌊({self.n}{p} − {self.kernel})/{self.stride}⌋ + 1 = {self.size}"


def pads_1d(n: int, kernel: int, stride: int, padding: Any) -> tuple[int, int]:
    """(pad_before, pad_after) along one axis for a padding spec (see conv_output_size)."""
    if isinstance(padding, str):
        mode = padding.lower()
        if mode == "valid":
            return 0, 0
        if mode == "full":
            return kernel - 1, kernel - 1
        if mode == "same":  # TensorFlow/Keras: out = ⌈n/s⌉, the odd pixel goes after
            total = max((math.ceil(n / stride) - 1) * stride + kernel - n, 0)
            return total // 2, total - total // 2
    elif isinstance(padding, Integral) and not isinstance(padding, bool):
        p = positive_int("padding", padding, minimum=0)
        return p, p
    elif isinstance(padding, (tuple, list)) and len(padding) == 2:
        return (positive_int("padding", padding[0], minimum=0),
                positive_int("padding", padding[1], minimum=0))
    raise ValueError(
        "padding must be 'valid', 'same', 'full', an int p >= 0 or a pair (before, after), "
        f"got {padding!r}"
    )


def conv_output_size(
    n: int, kernel: int, stride: int = 1, padding: str | int | tuple[int, int] = "valid"
) -> OutputSize:
    """Output length of a convolution/pooling window sliding over ``n`` pixels.

    ``size = ⌊(n + 2p − kernel) / stride⌋ + 1`` (the lecture formula), where ``padding`` is

    - ``"valid"``: p = 0 (only windows that fit inside the image);
    - ``"same"``: TensorFlow/Keras rule, ``size = ⌈n / stride⌉``; the total padding
      ``max((size − 1)·stride + kernel − n, 0)`` is split with the odd pixel *after*
      (bottom/right), so stride 2 can pad asymmetrically;
    - ``"full"``: p = kernel − 1 (every window that overlaps the image by at least one pixel);
    - an int p: p zeros on both sides; a pair ``(before, after)``: asymmetric padding.

    Returns an :class:`OutputSize` with the size, the padding on each side and the number of
    input pixels ignored at the end. Raises ValueError if the kernel is larger than the padded
    input or an argument is not a positive integer.
    """
    n = positive_int("input size n", n)
    kernel = positive_int("kernel size", kernel)
    stride = positive_int("stride", stride)
    before, after = pads_1d(n, kernel, stride, padding)
    span = n + before + after
    if kernel > span:
        raise ValueError(
            f"kernel size {kernel} is larger than the padded input "
            f"({n} + {before} + {after} = {span} pixels); expected kernel <= {span}"
        )
    size = (span - kernel) // stride + 1
    ignored = (span - kernel) % stride
    spec = padding.lower() if isinstance(padding, str) else padding
    return OutputSize(size, before, after, ignored, n, kernel, stride, spec)


def conv_params(kh: int, kw: int, c_in: int, n_filters: int, bias: bool = True) -> int:
    """Trainable parameters of a Conv2D layer: ``(kh·kw·C + 1)·N_F`` (``kh·kw·C·N_F`` without bias).

    Each of the ``n_filters`` filters has ``kh × kw × c_in`` weights and one bias.
    """
    kh, kw = positive_int("kh", kh), positive_int("kw", kw)
    c_in = positive_int("c_in", c_in)
    n_filters = positive_int("n_filters", n_filters)
    return (kh * kw * c_in + int(bool(bias))) * n_filters


def dense_params(n_in: int, n_out: int, bias: bool = True) -> int:
    """Trainable parameters of a Dense layer: ``(n_in + 1)·n_out`` (``n_in·n_out`` without bias)."""
    n_in, n_out = positive_int("n_in", n_in), positive_int("n_out", n_out)
    return (n_in + int(bool(bias))) * n_out


def network_connections(sizes: Sequence[int]) -> int:
    """Connections of a fully connected network with layer sizes ``d_0, d_1, …, d_k``:
    ``Σ_{h=1..k} d_h · d_{h−1}`` (the anonymous *ConvNets* deck, "Fully Connected Networks";
    biases not counted). E.g. sizes (5, 4, 5, 4, 5, 1) → 20 + 20 + 20 + 20 + 5 = 85."""
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence) or len(sizes) < 2:
        raise ValueError(f"expected a sequence of at least 2 layer sizes, got {sizes!r}")
    d = [positive_int(f"layer size {i}", v) for i, v in enumerate(sizes)]
    return sum(a * b for a, b in pairwise(d))


@dataclass(frozen=True)
class Connections:
    """Connections (input → output edges) and parameters of three layers over the same 1-D
    input of ``n_in`` units with ``n_out`` outputs (see :func:`connection_counts`)."""

    n_in: int
    n_out: int
    kernel: int
    fully_connected: int  # n_in · n_out: every input reaches every output
    locally_connected: int  # each output reaches only its window (inputs, not padding)
    convolutional: int  # the same edges as locally connected
    fully_connected_params: int  # n_in · n_out (+ n_out biases)
    locally_connected_params: int  # one weight per edge, no sharing (+ n_out biases)
    convolutional_params: int  # kernel weights shared by all outputs (+ 1 bias)

    def rows(self) -> list[dict[str, Any]]:
        """One dict per layer kind: ``{"layer", "connections", "parameters"}``."""
        return [
            {"layer": "fully connected", "connections": self.fully_connected,
             "parameters": self.fully_connected_params},
            {"layer": "locally connected", "connections": self.locally_connected,
             "parameters": self.locally_connected_params},
            {"layer": "convolutional", "connections": self.convolutional,
             "parameters": self.convolutional_params},
        ]


def connection_counts(
    n_in: int, kernel: int, stride: int = 1, padding: str | int | tuple[int, int] = "valid",
    bias: bool = False,
) -> Connections:
    """Sparse interactions and parameter sharing, counted (the *ConvNets* deck, "Why CNNs?").

    Three layers map the same ``n_in`` inputs to the ``n_out`` outputs of a convolution with
    window ``kernel``, ``stride`` and ``padding`` (``n_out`` from :func:`conv_output_size`):

    - fully connected: ``n_in · n_out`` connections and as many weights;
    - locally connected: each output sees only its window — ``Σ_outputs (window ∩ input)``
      connections (``n_out · kernel`` without padding; edges to padding zeros are not
      connections), one weight per connection;
    - convolutional: the same connections, but the ``kernel`` weights are shared.

    ``bias=True`` adds one bias per output (fully/locally connected) or one per filter (conv).
    """
    out = conv_output_size(n_in, kernel, stride, padding)
    local = 0
    for j in range(out.size):
        start = j * out.stride - out.pad_before
        local += max(min(start + out.kernel, out.n) - max(start, 0), 0)  # window ∩ input
    b = int(bool(bias))
    return Connections(
        out.n, out.size, out.kernel, out.n * out.size, local, local,
        out.n * out.size + b * out.size, local + b * out.size, out.kernel + b,
    )


@dataclass(frozen=True)
class OpCount:
    """Multiplications and additions of a layer (INSA slide "Number of Operations")."""

    multiplications: int
    additions: int

    @property
    def total(self) -> int:
        """multiplications + additions."""
        return self.multiplications + self.additions


def conv_ops(
    h_out: int, w_out: int, kernel_size: int | tuple[int, int], c_in: int, n_filters: int,
    bias: bool = True,
) -> OpCount:
    """Operations of a Conv2D layer whose output is ``h_out × w_out × n_filters``.

    Each output element needs ``kh·kw·C`` multiplications, ``kh·kw·C − 1`` additions between
    the products and 1 addition for the bias, so per element ``2·kh·kw·C`` operations
    (with bias). E.g. 6×6×3 ∗ 3×3×3×2 → 4×4×2 outputs × 54 = 1,728.
    """
    h_out, w_out = positive_int("h_out", h_out), positive_int("w_out", w_out)
    kh, kw = int_pair("kernel_size", kernel_size)
    c_in = positive_int("c_in", c_in)
    n_filters = positive_int("n_filters", n_filters)
    n_outputs = h_out * w_out * n_filters
    per_element = kh * kw * c_in
    return OpCount(n_outputs * per_element, n_outputs * (per_element - 1 + int(bool(bias))))


_IDENTITY_LAYERS = {
    "Dropout", "SpatialDropout2D", "GaussianNoise", "GaussianDropout", "Activation", "ReLU",
    "LeakyReLU", "ELU", "PReLU", "Softmax", "Rescaling", "RandomFlip", "RandomRotation",
    "RandomZoom", "RandomTranslation", "RandomContrast", "RandomBrightness", "RandomCrop",
}


@dataclass(frozen=True)
class LayerRow:
    """One row of :func:`layer_table`: recomputed values next to what Keras reports."""

    name: str
    kind: str
    output_shape: tuple[int | None, ...]
    params: int
    shape_formula: str
    params_formula: str
    keras_output_shape: tuple[int | None, ...]
    keras_params: int
    recomputed: bool  # False for a layer type the table does not know (Keras values copied)

    @property
    def matches(self) -> bool:
        """True when the recomputed shape and parameter count equal Keras'."""
        return self.output_shape == self.keras_output_shape and self.params == self.keras_params


@dataclass(frozen=True)
class LayerTable:
    """The rows of :func:`layer_table` plus totals; ``str(table)`` prints it like a summary."""

    rows: tuple[LayerRow, ...]
    keras_total: int

    @property
    def total_params(self) -> int:
        """Sum of the recomputed parameter counts."""
        return sum(r.params for r in self.rows)

    @property
    def all_match(self) -> bool:
        """Every recomputed row and the total equal Keras'."""
        return all(r.matches for r in self.rows) and self.total_params == self.keras_total

    def to_text(self) -> str:
        """The table as aligned text: layer, output shape, parameters, and how each is computed."""
        header = ("Layer (type)", "Output shape", "Param #", "shape from", "params from")
        body = [
            (f"{r.name} ({r.kind})", str(r.output_shape), f"{r.params:,}", r.shape_formula,
             r.params_formula)
            for r in self.rows
        ]
        widths = [max(len(line[i]) for line in [header, *body]) for i in range(5)]
        fmt = "  ".join(f"{{:<{w}}}" if i != 2 else f"{{:>{w}}}" for i, w in enumerate(widths))
        lines = [fmt.format(*header), "-" * (sum(widths) + 8)]
        lines += [fmt.format(*line) for line in body]
        lines.append("-" * (sum(widths) + 8))
        lines.append(f"Total params: {self.total_params:,}  (Keras: {self.keras_total:,})")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()

    def to_frame(self) -> Any:
        """The rows as a pandas DataFrame (pandas is imported here)."""
        import pandas as pd

        return pd.DataFrame([
            {"layer": r.name, "type": r.kind, "output shape": r.output_shape,
             "params": r.params, "shape from": r.shape_formula, "params from": r.params_formula,
             "Keras params": r.keras_params, "matches": r.matches}
            for r in self.rows
        ])


def tensor_shape(tensor: Any) -> tuple[int | None, ...]:
    """Shape of a (symbolic) Keras tensor, batch axis included (None when unknown)."""
    return tuple(None if d is None else int(d) for d in tensor.shape)


def _window_output_hw(
    in_shape: Sequence[int | None], kernel: tuple[int, int], strides: tuple[int, int],
    padding: str,
) -> tuple[tuple[int, int], str]:
    """Output (H', W') of a sliding window over (batch, H, W, C) and the formula text."""
    h = conv_output_size(in_shape[1], kernel[0], strides[0], padding)
    w = conv_output_size(in_shape[2], kernel[1], strides[1], padding)
    text = h.formula() if (h.formula() == w.formula()) else f"H: {h.formula()}; W: {w.formula()}"
    if padding == "same":
        text = f"same: {text}"
    return (h.size, w.size), text


def _layer_row(layer: Any) -> LayerRow:
    """Recompute output shape and parameters of one Keras layer from its input shape."""
    kind = type(layer).__name__
    keras_out = tensor_shape(layer.output)
    keras_params = int(layer.count_params())
    if kind == "InputLayer":
        return LayerRow(layer.name, kind, keras_out, 0, "input", "0", keras_out, keras_params,
                        True)
    inputs = layer.input if isinstance(layer.input, (list, tuple)) else [layer.input]
    in_shapes = [tensor_shape(t) for t in inputs]
    x = in_shapes[0]
    cfg = layer.get_config()
    if kind == "Conv2D" and cfg.get("data_format", "channels_last") == "channels_last":
        if tuple(cfg["dilation_rate"]) != (1, 1) or cfg.get("groups", 1) != 1:
            return _unknown_row(layer, kind, keras_out, keras_params)
        kernel, strides = tuple(cfg["kernel_size"]), tuple(cfg["strides"])
        hw, s_text = _window_output_hw(x, kernel, strides, cfg["padding"])
        out = (x[0], *hw, cfg["filters"])
        params = conv_params(kernel[0], kernel[1], x[3], cfg["filters"], cfg["use_bias"])
        bias = " + 1" if cfg["use_bias"] else ""
        p_text = f"({kernel[0]}·{kernel[1]}·{x[3]}{bias})·{cfg['filters']} = {params:,}"
    elif kind in ("MaxPooling2D", "AveragePooling2D"):
        pool = tuple(cfg["pool_size"])
        strides = tuple(cfg["strides"]) if cfg["strides"] is not None else pool
        hw, s_text = _window_output_hw(x, pool, strides, cfg["padding"])
        out, params, p_text = (x[0], *hw, x[3]), 0, "0 (no weights)"
    elif kind in ("GlobalAveragePooling2D", "GlobalMaxPooling2D") and not cfg.get("keepdims"):
        out, params, s_text, p_text = (x[0], x[3]), 0, f"one value per channel: {x[3]}", "0"
    elif kind == "Flatten":
        size = math.prod(x[1:])
        out, params, p_text = (x[0], size), 0, "0"
        s_text = "·".join(str(d) for d in x[1:]) + f" = {size:,}"
    elif kind == "Dense":
        units, n_in = cfg["units"], x[-1]
        out = (*x[:-1], units)
        params = dense_params(n_in, units, cfg["use_bias"])
        s_text = f"{units} units"
        p_text = f"({n_in:,} + 1)·{units:,} = {params:,}" if cfg["use_bias"] else \
            f"{n_in:,}·{units:,} = {params:,}"
    elif kind == "BatchNormalization":
        out, params = x, 4 * x[-1]
        s_text, p_text = "unchanged", f"4·{x[-1]} = {params:,} (γ, β, moving mean, variance)"
    elif kind in ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"):
        out, params, s_text, p_text = x, 0, "unchanged (element-wise)", "0"
    elif kind == "Concatenate" and cfg.get("axis", -1) in (-1, len(x) - 1):
        out = (*x[:-1], sum(s[-1] for s in in_shapes))
        params, p_text = 0, "0"
        s_text = " + ".join(str(s[-1]) for s in in_shapes) + f" = {out[-1]} channels"
    elif kind in _IDENTITY_LAYERS:
        out, params, s_text, p_text = x, 0, "unchanged", "0"
    else:
        return _unknown_row(layer, kind, keras_out, keras_params)
    return LayerRow(layer.name, kind, tuple(out), int(params), s_text, p_text, keras_out,
                    keras_params, True)


def _unknown_row(layer: Any, kind: str, keras_out: tuple, keras_params: int) -> LayerRow:
    return LayerRow(layer.name, kind, keras_out, keras_params, "(Keras' value, not recomputed)",
                    "(Keras' value, not recomputed)", keras_out, keras_params, False)


def layer_table(model: Any, check: bool = True) -> LayerTable:
    """Recompute every row of ``model.summary()``: output shape, parameters, and the formula.

    Works for Keras 3 models (Sequential or functional) whose layers are Conv2D, pooling,
    Flatten, Dense, BatchNormalization, merge layers and shape-preserving layers (Dropout,
    activations, augmentation); other layer types are listed with Keras' numbers and
    ``recomputed=False``. With ``check=True`` an AssertionError is raised when a recomputed row
    (or the total) differs from Keras. Keras is imported by the model itself, not here.
    """
    if not hasattr(model, "layers") or not hasattr(model, "count_params"):
        raise ValueError(f"expected a built Keras model, got {type(model).__name__}")
    if not model.built:
        raise ValueError("expected a built Keras model (give it a keras.Input), got an unbuilt one")
    rows = tuple(_layer_row(layer) for layer in model.layers)
    table = LayerTable(rows, int(model.count_params()))
    if check:
        for r in rows:
            if r.recomputed and not r.matches:
                raise AssertionError(
                    f"layer {r.name} ({r.kind}): recomputed {r.output_shape}, {r.params:,} "
                    f"params but Keras reports {r.keras_output_shape}, {r.keras_params:,}"
                )
        if table.total_params != table.keras_total:
            raise AssertionError(
                f"total {table.total_params:,} params differs from Keras' {table.keras_total:,}"
            )
    return table
