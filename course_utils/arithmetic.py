"""Shape, parameter, operation and receptive-field arithmetic of CNN layers (no TensorFlow import).
"""

from __future__ import annotations

# === section: notebooks 01-03 (output size, parameters, operations, layer_table) ===
import math
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Integral
from typing import Any

PADDING_MODES = ("valid", "same", "full")


def _check_positive_int(name: str, value: Any, minimum: int = 1) -> int:
    """Return ``value`` as an int, or raise ValueError if it is not an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, Integral) or int(value) < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _int_pair(name: str, value: Any, minimum: int = 1) -> tuple[int, int]:
    """``3`` -> ``(3, 3)``; ``(3, 5)`` -> ``(3, 5)``; checks both are integers >= ``minimum``."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or a pair (height, width), got {value!r}")
        return (_check_positive_int(name, value[0], minimum),
                _check_positive_int(name, value[1], minimum))
    v = _check_positive_int(name, value, minimum)
    return v, v


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


def _pads_1d(n: int, kernel: int, stride: int, padding: Any) -> tuple[int, int]:
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
        p = _check_positive_int("padding", padding, minimum=0)
        return p, p
    elif isinstance(padding, (tuple, list)) and len(padding) == 2:
        return (_check_positive_int("padding", padding[0], minimum=0),
                _check_positive_int("padding", padding[1], minimum=0))
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
    n = _check_positive_int("input size n", n)
    kernel = _check_positive_int("kernel size", kernel)
    stride = _check_positive_int("stride", stride)
    before, after = _pads_1d(n, kernel, stride, padding)
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
    kh, kw = _check_positive_int("kh", kh), _check_positive_int("kw", kw)
    c_in = _check_positive_int("c_in", c_in)
    n_filters = _check_positive_int("n_filters", n_filters)
    return (kh * kw * c_in + int(bool(bias))) * n_filters


def dense_params(n_in: int, n_out: int, bias: bool = True) -> int:
    """Trainable parameters of a Dense layer: ``(n_in + 1)·n_out`` (``n_in·n_out`` without bias)."""
    n_in, n_out = _check_positive_int("n_in", n_in), _check_positive_int("n_out", n_out)
    return (n_in + int(bool(bias))) * n_out


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
    h_out, w_out = _check_positive_int("h_out", h_out), _check_positive_int("w_out", w_out)
    kh, kw = _int_pair("kernel_size", kernel_size)
    c_in = _check_positive_int("c_in", c_in)
    n_filters = _check_positive_int("n_filters", n_filters)
    n_outputs = h_out * w_out * n_filters
    per_element = kh * kw * c_in
    return OpCount(n_outputs * per_element, n_outputs * (per_element - 1 + int(bool(bias))))


# --- layer_table: every row of model.summary() recomputed -----------------------------------

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


def _tensor_shape(tensor: Any) -> tuple[int | None, ...]:
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
    keras_out = _tensor_shape(layer.output)
    keras_params = int(layer.count_params())
    if kind == "InputLayer":
        return LayerRow(layer.name, kind, keras_out, 0, "input", "0", keras_out, keras_params,
                        True)
    inputs = layer.input if isinstance(layer.input, (list, tuple)) else [layer.input]
    in_shapes = [_tensor_shape(t) for t in inputs]
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


# === section: notebooks 06-07 (receptive fields) ===
# Receptive fields (Araujo, Norris & Sim, "Computing Receptive Fields of CNNs", Distill 2019):
# along one axis, layer l with kernel k, stride s, dilation d and padding p_before maps
#     k_eff = d·(k − 1) + 1                       (a dilated kernel spans k_eff pixels)
#     r_l = r_{l−1} + (k_eff − 1)·j_{l−1}          (receptive-field size, input pixels)
#     j_l = j_{l−1}·s                              (jump: input pixels between neighbours)
#     start_l = start_{l−1} + ((k_eff − 1)/2 − p_before)·j_{l−1}
# with r_0 = 1, j_0 = 1, start_0 = 0 (pixel i of the input has its centre at coordinate i).

_RF_WINDOW_LAYERS = {
    "Conv1D", "Conv2D", "Conv3D", "DepthwiseConv2D", "SeparableConv2D",
    "MaxPooling2D", "AveragePooling2D", "ZeroPadding2D",
}
_RF_STOP_LAYERS = {
    "Flatten", "Dense", "GlobalAveragePooling2D", "GlobalMaxPooling2D", "Reshape",
}
_RF_MERGE_LAYERS = {"Add", "Concatenate", "Multiply", "Average", "Subtract", "Maximum", "Minimum"}


@dataclass(frozen=True)
class RFLayer:
    """One layer as the receptive-field calculator sees it (one spatial axis).

    ``padding`` is ``"valid"``, ``"same"``, an int p (both sides) or a pair (before, after).
    """

    kernel_size: int
    stride: int = 1
    dilation: int = 1
    padding: str | int | tuple[int, int] = 0
    name: str = ""

    @property
    def effective_kernel(self) -> int:
        """Pixels a dilated kernel spans: ``d·(k − 1) + 1``."""
        return self.dilation * (self.kernel_size - 1) + 1


@dataclass(frozen=True)
class RFRow:
    """Receptive field of one unit of a layer's output, in input pixels (one axis).

    ``size`` r, ``jump`` j (input pixels between neighbouring units), ``start`` (centre of
    unit 0's field; unit i is centred at ``start + i·jump``), ``out_size`` (the layer's output
    length, None when the input size is unknown) and ``coverage``: the fraction of an
    ``input_size × input_size`` input one field covers, ``min(r, n)² / n²``.
    """

    name: str
    kernel_size: int
    stride: int
    dilation: int
    pad_before: int
    size: int
    jump: int
    start: float
    out_size: int | None
    coverage: float | None

    def bounds(self, index: int, input_size: int | None = None) -> tuple[int, int]:
        """First and last input pixel of unit ``index``'s field (clipped to the input).

        The field of unit i spans ``start + i·jump ± (size − 1)/2``.
        """
        centre = self.start + index * self.jump
        first, last = centre - (self.size - 1) / 2, centre + (self.size - 1) / 2
        first, last = int(math.ceil(first)), int(math.floor(last))
        if input_size is not None:
            first, last = max(first, 0), min(last, input_size - 1)
        return first, last


def _as_rf_layer(spec: Any, i: int) -> RFLayer:
    """An :class:`RFLayer` from an RFLayer or a tuple (kernel, stride, dilation, padding)."""
    if isinstance(spec, RFLayer):
        layer = spec
    elif isinstance(spec, (tuple, list)) and 1 <= len(spec) <= 4:
        layer = RFLayer(*spec, name=f"layer_{i + 1}")
    else:
        raise ValueError(
            "each layer must be an RFLayer or a tuple (kernel_size, stride, dilation, padding) "
            f"of 1 to 4 items, got {spec!r} for layer {i + 1}"
        )
    _check_positive_int(f"kernel_size of layer {i + 1}", layer.kernel_size)
    _check_positive_int(f"stride of layer {i + 1}", layer.stride)
    _check_positive_int(f"dilation of layer {i + 1}", layer.dilation)
    return layer


def _pad_before(layer: RFLayer, n: int | None) -> tuple[int, int | None]:
    """(pad_before, output length) of ``layer`` on an input of length ``n`` (None: unknown)."""
    k = layer.effective_kernel
    if n is not None:
        out = conv_output_size(n, k, layer.stride, layer.padding)
        return out.pad_before, out.size
    padding = layer.padding
    if isinstance(padding, str) and padding.lower() == "same":
        if layer.stride != 1:
            raise ValueError(
                f"layer {layer.name!r} has padding 'same' with stride {layer.stride}: its padding "
                "depends on the input length; pass input_size"
            )
        return (k - 1) // 2, None
    return _pads_1d(1 << 30, k, layer.stride, padding)[0], None


def _rf_rows(layers: Sequence[RFLayer], input_size: int | None) -> list[RFRow]:
    """Apply the receptive-field recursion layer by layer (see the section comment)."""
    rows, size, jump, start, n = [], 1, 1, 0.0, input_size
    for layer in layers:
        pad, n = _pad_before(layer, n)
        k = layer.effective_kernel
        start = start + ((k - 1) / 2 - pad) * jump
        size = size + (k - 1) * jump
        jump = jump * layer.stride
        coverage = None if input_size is None else min(size, input_size) ** 2 / input_size**2
        rows.append(RFRow(layer.name, layer.kernel_size, layer.stride, layer.dilation, pad,
                          size, jump, start, n, coverage))
    return rows


def _keras_rf_layers(model: Any, axis: int) -> list[RFLayer]:
    """The chain of Conv/Pool layers of a Keras model (up to Flatten/Dense/GAP).

    A ZeroPadding2D followed by a 'valid' window layer is folded into that layer's padding
    (AlexNet's "pad 2" is ZeroPadding2D(2) + Conv2D 'valid' in Keras); otherwise it stays a
    1-pixel "kernel" that only shifts the start.
    """
    def pick(value: Any) -> int:  # Keras stores (height, width) pairs
        return int(value[axis]) if isinstance(value, (tuple, list)) else int(value)

    layers: list[RFLayer] = []
    pending: RFLayer | None = None  # a ZeroPadding2D waiting for the next window layer
    for layer in model.layers:
        kind = type(layer).__name__
        if kind in _RF_STOP_LAYERS:
            break
        if kind in _RF_MERGE_LAYERS:
            raise ValueError(
                "receptive_field(model) follows a single chain of layers, but the model has a "
                f"merge layer {layer.name!r} ({kind}); pass a list of layers along one path"
            )
        if kind not in _RF_WINDOW_LAYERS:
            continue  # activations, normalisation, dropout: same spatial grid
        cfg = layer.get_config()
        if kind == "ZeroPadding2D":
            if pending is not None:
                layers.append(pending)
            pad = cfg["padding"][axis]
            pending = RFLayer(1, 1, 1, (int(pad[0]), int(pad[1])), layer.name)
            continue
        if kind.endswith("Pooling2D"):
            kernel = cfg["pool_size"]
            stride = cfg["strides"] if cfg["strides"] is not None else kernel
            dilation: Any = 1
        else:
            kernel, stride, dilation = cfg["kernel_size"], cfg["strides"], cfg["dilation_rate"]
        padding = cfg["padding"]
        if pending is not None and padding == "valid":
            padding = pending.padding  # ZeroPadding2D + 'valid' window = a padded window
        elif pending is not None:
            layers.append(pending)
        pending = None
        layers.append(RFLayer(pick(kernel), pick(stride), pick(dilation), padding, layer.name))
    if pending is not None:
        layers.append(pending)
    return layers


def receptive_field(
    layers: Sequence[Any] | Any, input_size: int | None = None, axis: int = 0
) -> list[RFRow]:
    """Receptive field of every layer of a stack: size, jump, start and coverage (one axis).

    ``layers``: a sequence of :class:`RFLayer` or tuples ``(kernel_size, stride, dilation,
    padding)`` (trailing items optional: stride 1, dilation 1, padding 0), or a Keras model,
    whose Conv/Pooling/ZeroPadding layers are read in order until the first Flatten, Dense or
    global pooling layer (``axis`` 0 = height, 1 = width; ``input_size`` defaults to the
    model's input height/width). Recursion, with r_0 = 1, j_0 = 1, start_0 = 0::

        k_eff = d·(k − 1) + 1,  r = r + (k_eff − 1)·j,  start = start + ((k_eff − 1)/2 − p)·j,
        j = j·s

    Returns one :class:`RFRow` per layer. E.g. three 3×3 convolutions: sizes 3, 5, 7.
    """
    if hasattr(layers, "layers") and hasattr(layers, "get_config"):
        if axis not in (0, 1):
            raise ValueError(f"axis must be 0 (height) or 1 (width), got {axis!r}")
        if input_size is None:
            shape = layers.input_shape if hasattr(layers, "input_shape") else None
            input_size = shape[1 + axis] if shape is not None else None
        specs = _keras_rf_layers(layers, axis)
    elif isinstance(layers, (list, tuple)):
        specs = [_as_rf_layer(spec, i) for i, spec in enumerate(layers)]
    else:
        raise ValueError(
            "expected a sequence of layers (kernel_size, stride, dilation, padding) or a Keras "
            f"model, got {type(layers).__name__}"
        )
    if not specs:
        raise ValueError("expected at least one convolution or pooling layer, got none")
    if input_size is not None:
        input_size = _check_positive_int("input_size", input_size)
    return _rf_rows(specs, input_size)


def receptive_field_frame(rows: Sequence[RFRow]) -> Any:
    """The rows of :func:`receptive_field` as a pandas DataFrame (pandas is imported here).

    Columns: layer, kernel, stride, dilation, pad (before), output (length), RF (size),
    jump, start and coverage % (when the input size was known).
    """
    import pandas as pd

    if not rows or not all(isinstance(r, RFRow) for r in rows):
        raise ValueError("expected the non-empty list of RFRow that receptive_field returns")
    return pd.DataFrame([
        {"layer": r.name, "kernel": r.kernel_size, "stride": r.stride, "dilation": r.dilation,
         "pad": r.pad_before, "output": r.out_size, "RF": r.size, "jump": r.jump,
         "start": r.start,
         "coverage %": None if r.coverage is None else round(100 * r.coverage, 2)}
        for r in rows
    ])


def footprint_sizes(layers: Sequence[Any] | Any) -> list[int]:
    """Size of the patch one unit of the LAST layer sees in every earlier layer (one axis).

    Read from the top down, as in the lecture table "Why pooling is a must": the last layer
    sees 1 unit of itself, and a patch of ``f`` units of layer l covers
    ``f_{l−1} = (f − 1)·s_l + k_eff_l`` units of layer l − 1. Returns ``[f_0, f_1, …, f_L]``
    where ``f_0`` (the input) equals the receptive-field size and ``f_L = 1``.
    Accepts the same ``layers`` as :func:`receptive_field` (padding does not matter here).
    """
    if hasattr(layers, "layers") and hasattr(layers, "get_config"):
        specs = _keras_rf_layers(layers, 0)
    elif isinstance(layers, (list, tuple)):
        specs = [_as_rf_layer(spec, i) for i, spec in enumerate(layers)]
    else:
        raise ValueError(
            f"expected a sequence of layers or a Keras model, got {type(layers).__name__}"
        )
    sizes = [1]
    for layer in reversed(specs):
        sizes.append((sizes[-1] - 1) * layer.stride + layer.effective_kernel)
    return sizes[::-1]


@dataclass(frozen=True)
class MeasuredRF:
    """Receptive field measured from input gradients of one output unit.

    ``gradient``: (H, W) mean |∂ unit / ∂ input| over the samples (summed over input
    channels); ``rows``/``cols``: first and last input pixel with a non-zero gradient.
    """

    gradient: Any
    rows: tuple[int, int]
    cols: tuple[int, int]
    position: tuple[int, int]

    @property
    def size(self) -> tuple[int, int]:
        """(height, width) of the measured field in input pixels."""
        return self.rows[1] - self.rows[0] + 1, self.cols[1] - self.cols[0] + 1


def measure_receptive_field(
    model: Any,
    layer: str | None = None,
    position: tuple[int, int] | None = None,
    inputs: Any = None,
    n_samples: int = 8,
    seed: int = 0,
) -> MeasuredRF:
    """Measure a receptive field: which input pixels change one unit of ``layer``'s output.

    The unit is at ``position`` (row, col) of the layer's output (default: the centre); its
    value summed over channels is differentiated with respect to the input for every sample of
    ``inputs`` (N, H, W, C) (default: ``n_samples`` uniform random images). A pixel belongs to
    the measured field when its gradient is non-zero for at least one sample (max pooling and
    ReLU route each sample's gradient through only some pixels, so several samples are used).
    TensorFlow is imported here. Returns a :class:`MeasuredRF`.
    """
    import keras
    import numpy as np
    import tensorflow as tf

    target = model.layers[-1] if layer is None else model.get_layer(layer)
    probe = keras.Model(model.inputs, target.output)
    out_shape = tuple(target.output.shape)
    if len(out_shape) != 4:
        raise ValueError(f"expected a layer with (batch, H, W, C) output, got {out_shape}")
    if position is None:
        position = (out_shape[1] // 2, out_shape[2] // 2)
    i, j = (int(p) for p in position)
    if not (0 <= i < out_shape[1] and 0 <= j < out_shape[2]):
        raise ValueError(f"position must lie in the {out_shape[1:3]} output, got {position}")
    if inputs is None:
        shape = (_check_positive_int("n_samples", n_samples), *model.input_shape[1:])
        inputs = np.random.default_rng(seed).uniform(0.0, 1.0, shape)
    x = tf.convert_to_tensor(np.asarray(inputs, dtype="float32"))
    with tf.GradientTape() as tape:
        tape.watch(x)
        unit = tf.reduce_sum(probe(x, training=False)[:, i, j, :])
    grad = np.abs(tape.gradient(unit, x).numpy()).sum(axis=-1)  # (N, H, W)
    hit_rows = np.flatnonzero((grad > 0).any(axis=(0, 2)))
    hit_cols = np.flatnonzero((grad > 0).any(axis=(0, 1)))
    if hit_rows.size == 0:
        raise ValueError(f"the unit at {position} of {target.name!r} has zero gradient everywhere")
    return MeasuredRF(grad.mean(axis=0), (int(hit_rows[0]), int(hit_rows[-1])),
                      (int(hit_cols[0]), int(hit_cols[-1])), (i, j))


# --- cost of a whole Keras model: depth, parameters, multiply-adds, activation memory ---------

_VIEW_LAYERS = {"InputLayer", "Flatten", "Reshape", "Dropout", "SpatialDropout2D"}
_WEIGHTED_KINDS = {"Conv1D", "Conv2D", "Conv3D", "DepthwiseConv2D", "SeparableConv2D", "Dense"}


@dataclass(frozen=True)
class LayerCost:
    """Cost of one layer for ONE input image.

    ``mult_adds``: multiply–accumulate operations of the convolutions/dense products (biases,
    pooling, normalisation and activations are not counted); ``activations``: number of values
    in the layer's output (0 for layers that only view their input: Flatten, Dropout, ...).
    """

    name: str
    kind: str
    output_shape: tuple[int, ...]
    params: int
    mult_adds: int
    activations: int


@dataclass(frozen=True)
class ModelCost:
    """Totals of :func:`model_cost` for one input image.

    ``depth``: weighted (conv/dense) layers on the longest input→output path;
    ``activation_bytes`` = (input values + sum of layer activations) · bytes per value.
    """

    name: str
    depth: int
    params: int
    mult_adds: int
    activations: int
    activation_bytes: int
    layers: tuple[LayerCost, ...]


def _layer_mult_adds(layer: Any, kind: str, in_shape: tuple[int, ...],
                     out_shape: tuple[int, ...]) -> int:
    """Multiply–adds of a weighted layer: conv ``H'·W'·C'·kh·kw·C/groups``, dense ``n_in·n_out``."""
    n_out = math.prod(out_shape)
    if kind in ("Conv1D", "Conv2D", "Conv3D"):
        groups = getattr(layer, "groups", 1) or 1
        return n_out * math.prod(layer.kernel_size) * in_shape[-1] // groups
    if kind == "DepthwiseConv2D":
        return n_out * math.prod(layer.kernel_size)
    if kind == "SeparableConv2D":
        depthwise = math.prod(out_shape[:-1]) * in_shape[-1] * layer.depth_multiplier
        return depthwise * math.prod(layer.kernel_size) + depthwise * out_shape[-1]
    if kind == "Dense":
        return n_out * in_shape[-1]
    return 0


def _parents(layer: Any) -> list[Any]:
    """Layers whose outputs feed ``layer`` (first call of the layer in a functional graph)."""
    nodes = getattr(layer, "_inbound_nodes", None) or []
    if not nodes:
        return []
    return [t._keras_history.operation for t in nodes[0].input_tensors]


def layer_costs(model: Any) -> list[LayerCost]:
    """Per-layer :class:`LayerCost` of a built Keras model (nested models are expanded)."""
    rows = []
    for layer in model.layers:
        kind = type(layer).__name__
        if hasattr(layer, "layers") and hasattr(layer, "inputs"):
            rows.extend(layer_costs(layer))
            continue
        if kind == "InputLayer":  # the input is counted once by model_cost
            continue
        out_shape = _tensor_shape(layer.output)[1:]
        in_tensor = layer.input if not isinstance(layer.input, (list, tuple)) else layer.input[0]
        in_shape = _tensor_shape(in_tensor)[1:]
        activations = 0 if kind in _VIEW_LAYERS else math.prod(out_shape)
        rows.append(LayerCost(layer.name, kind, out_shape, int(layer.count_params()),
                              _layer_mult_adds(layer, kind, in_shape, out_shape), activations))
    return rows


def _weighted_depth(model: Any) -> int:
    """Conv/dense layers on the longest path through the (functional or sequential) graph."""
    depth: dict[int, int] = {}
    best = 0
    for layer in model.layers:  # Keras keeps layers in topological order
        kind = type(layer).__name__
        if hasattr(layer, "layers") and hasattr(layer, "inputs"):
            own = _weighted_depth(layer)
        else:
            own = int(kind in _WEIGHTED_KINDS)
        before = [depth.get(id(p), 0) for p in _parents(layer)]
        depth[id(layer)] = (max(before) if before else best) + own
        best = max(best, depth[id(layer)])
    return best


def model_cost(model: Any, bytes_per_value: int = 4) -> ModelCost:
    """Depth, parameters, multiply–adds and activation memory of a Keras model for ONE image.

    Walks the built model's layers (see :func:`layer_costs`): multiply–adds sum the conv and
    dense products, activation memory counts the input plus every layer's output values
    (the forward pass of one image, float32 = 4 bytes per value; training stores them all
    for the backward pass).
    """
    if not hasattr(model, "layers") or not getattr(model, "built", False):
        raise ValueError(f"expected a built Keras model, got {type(model).__name__}")
    bytes_per_value = _check_positive_int("bytes_per_value", bytes_per_value)
    rows = layer_costs(model)
    n_input = sum(math.prod(_tensor_shape(t)[1:]) for t in model.inputs)
    activations = n_input + sum(r.activations for r in rows)
    return ModelCost(model.name, _weighted_depth(model), int(model.count_params()),
                     sum(r.mult_adds for r in rows), activations,
                     activations * bytes_per_value, tuple(rows))


# === end ===
