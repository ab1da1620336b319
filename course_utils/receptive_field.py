"""Receptive fields: the recursion, the Keras chain reader, footprints and the measured field.

Used in notebooks 06 (receptive fields) and 10
(:func:`course_utils.feature_visualisation.receptive_field_of` crops the patch one unit sees).

Araujo, Norris & Sim, "Computing Receptive Fields of CNNs" (Distill 2019): along one axis,
layer l with kernel k, stride s, dilation d and padding p_before maps

    k_eff = d·(k − 1) + 1                       (a dilated kernel spans k_eff pixels)
    r_l = r_{l−1} + (k_eff − 1)·j_{l−1}          (receptive-field size, input pixels)
    j_l = j_{l−1}·s                              (jump: input pixels between neighbours)
    start_l = start_{l−1} + ((k_eff − 1)/2 − p_before)·j_{l−1}

with r_0 = 1, j_0 = 1, start_0 = 0 (pixel i of the input has its centre at coordinate i).
:func:`receptive_field_recursion` is that recursion; :func:`keras_chain` is the one place that
reads a Keras model's layers into :class:`RFLayer` specs; :func:`measure_receptive_field`
measures a field from input gradients (TensorFlow is imported there only).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .shapes import conv_output_size, pads_1d
from .validation import positive_int

if TYPE_CHECKING:
    import numpy as np
    from matplotlib.figure import Figure

__all__ = [
    "MeasuredRF",
    "RFLayer",
    "RFRow",
    "effective_rf_figure",
    "footprint_sizes",
    "keras_chain",
    "measure_receptive_field",
    "receptive_field",
    "receptive_field_figure",
    "receptive_field_frame",
    "receptive_field_growth",
    "receptive_field_recursion",
]

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
    ``input_size × input_size`` input one field covers, ``min(r, n)² / n²``. ``path``: the
    layers from the input up to this one (what :meth:`bounds` follows back).
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
    path: tuple[RFLayer, ...] = field(default=(), repr=False)

    def bounds(self, index: int, input_size: int | None = None) -> tuple[int, int]:
        """First and last input pixel of unit ``index``'s field.

        Without ``input_size``: the theoretical field ``start + i·jump ± (size − 1)/2``, which
        may reach past the image into the padding (negative indices, or indices >= n).

        With ``input_size`` n: the first and last pixel *of the image* that can change the unit.
        The field is followed back layer by layer through ``path``, and at every layer it is
        cut to that layer's real input (0 … n_l − 1). A pixel that only padding windows would
        reach is excluded, so the bounds can be narrower than ``size`` on either side. E.g. a
        1×1 conv with stride 2 on 32 pixels reads pixels 0, 2, …, 30 only: a 'same' 5×5 conv
        after it reaches pixel 30 at most, never 31. (Rows built by hand without ``path``
        are only clipped to 0 … n − 1.)
        """
        centre = self.start + index * self.jump
        first, last = centre - (self.size - 1) / 2, centre + (self.size - 1) / 2
        first, last = int(math.ceil(first)), int(math.floor(last))
        if input_size is None:
            return first, last
        n = positive_int("input_size", input_size)
        if not self.path:
            return max(first, 0), min(last, n - 1)
        return _reachable(self.path, index, n)


def _reachable(path: Sequence[RFLayer], index: int, n: int) -> tuple[int, int]:
    """First and last input pixel that unit ``index`` of the last layer of ``path`` reads.

    Follows the units back layer by layer on inputs of their true length (n, then each layer's
    output length): unit o of a layer reads input positions ``o·s − p_before + d·u``,
    u = 0 … k − 1, and only those in 0 … n_in − 1 exist.
    """
    sizes, pads = [n], []
    for layer in path:
        out = conv_output_size(sizes[-1], layer.effective_kernel, layer.stride, layer.padding)
        sizes.append(out.size)
        pads.append(out.pad_before)
    if not 0 <= index < sizes[-1]:
        raise ValueError(f"index must be between 0 and {sizes[-1] - 1}, got {index}")
    units = {index}
    for layer, pad, n_in in zip(reversed(path), reversed(pads), reversed(sizes[:-1]),
                                strict=True):
        units = {o * layer.stride - pad + layer.dilation * u
                 for o in units for u in range(layer.kernel_size)}
        units = {i for i in units if 0 <= i < n_in}
        if not units:
            raise ValueError(f"unit {index} of {path[-1].name!r} reads padding only")
    return min(units), max(units)


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
    positive_int(f"kernel_size of layer {i + 1}", layer.kernel_size)
    positive_int(f"stride of layer {i + 1}", layer.stride)
    positive_int(f"dilation of layer {i + 1}", layer.dilation)
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
    return pads_1d(1 << 30, k, layer.stride, padding)[0], None




def receptive_field_recursion(
    layers: Sequence[RFLayer], input_size: int | None = None
) -> list[RFRow]:
    """The receptive-field recursion, one :class:`RFRow` per layer (see the module docstring).

    r, j, start = 1, 1, 0; for every layer: r += (k_eff − 1)·j; start += ((k_eff − 1)/2 − p)·j;
    j *= s. ``input_size`` (None: unknown) gives each layer's output length, its 'same' padding
    and the coverage ``min(r, n)² / n²``.
    """
    rows, size, jump, start, n = [], 1, 1, 0.0, input_size
    for i, layer in enumerate(layers):
        pad, n = _pad_before(layer, n)
        k = layer.effective_kernel
        start = start + ((k - 1) / 2 - pad) * jump
        size = size + (k - 1) * jump
        jump = jump * layer.stride
        coverage = None if input_size is None else min(size, input_size) ** 2 / input_size**2
        rows.append(RFRow(layer.name, layer.kernel_size, layer.stride, layer.dilation, pad,
                          size, jump, start, n, coverage, tuple(layers[: i + 1])))
    return rows


def keras_chain(
    model: Any, axis: int = 0, up_to: str | None = None, through_merges: bool = False
) -> list[RFLayer]:
    """The chain of Conv/Pool layers of a Keras model, as :class:`RFLayer` specs (one axis).

    Reads ``model.layers`` in order (``axis`` 0 = height, 1 = width) until the first Flatten,
    Dense, global pooling or Reshape layer, or until the layer named ``up_to`` (included).
    Layers that keep the spatial grid (activations, normalisation, dropout) are skipped; every
    layer's kernel, stride, dilation and padding come from its public ``get_config()``.
    A ZeroPadding2D followed by a 'valid' window layer is folded into that layer's padding
    (AlexNet's "pad 2" is ZeroPadding2D(2) + Conv2D 'valid' in Keras); otherwise it stays a
    1-pixel "kernel" that only shifts the start.

    A merge layer (Add, Concatenate, ...) raises ValueError, unless ``through_merges=True``:
    then the chain is the main path of a stack of residual blocks (correct when the skip
    connections hold no window layer, as in EfficientNet's MBConv blocks; a skip connection
    sees a smaller field, never a larger one).
    """
    if axis not in (0, 1):
        raise ValueError(f"axis must be 0 (height) or 1 (width), got {axis!r}")
    if up_to is not None and up_to not in [layer.name for layer in model.layers]:
        raise ValueError(f"model {model.name!r} has no layer {up_to!r}")

    def pick(value: Any) -> int:  # Keras stores (height, width) pairs
        return int(value[axis]) if isinstance(value, (tuple, list)) else int(value)

    layers: list[RFLayer] = []
    pending: RFLayer | None = None  # a ZeroPadding2D waiting for the next window layer
    for layer in model.layers:
        kind = type(layer).__name__
        if kind in _RF_STOP_LAYERS:
            break
        if kind in _RF_MERGE_LAYERS and not through_merges:
            raise ValueError(
                "receptive_field(model) follows a single chain of layers, but the model has a "
                f"merge layer {layer.name!r} ({kind}); pass a list of layers along one path"
            )
        if kind in _RF_WINDOW_LAYERS:
            cfg = layer.get_config()
            if kind == "ZeroPadding2D":
                if pending is not None:
                    layers.append(pending)
                pad = cfg["padding"][axis]
                pending = RFLayer(1, 1, 1, (int(pad[0]), int(pad[1])), layer.name)
            else:
                if kind.endswith("Pooling2D"):
                    kernel = cfg["pool_size"]
                    stride = cfg["strides"] if cfg["strides"] is not None else kernel
                    dilation: Any = 1
                else:
                    kernel, stride = cfg["kernel_size"], cfg["strides"]
                    dilation = cfg["dilation_rate"]
                padding = cfg["padding"]
                if pending is not None and padding == "valid":
                    padding = pending.padding  # ZeroPadding2D + 'valid' window = padded window
                elif pending is not None:
                    layers.append(pending)
                pending = None
                layers.append(RFLayer(pick(kernel), pick(stride), pick(dilation), padding,
                                      layer.name))
        if layer.name == up_to:
            break
    if pending is not None:
        layers.append(pending)
    return layers


def _is_keras_model(value: Any) -> bool:
    return hasattr(value, "layers") and hasattr(value, "get_config")


def _specs(layers: Sequence[Any] | Any, axis: int = 0) -> list[RFLayer]:
    """RFLayer specs from a Keras model or a sequence of RFLayer/tuples."""
    if _is_keras_model(layers):
        return keras_chain(layers, axis)
    if isinstance(layers, (list, tuple)):
        return [_as_rf_layer(spec, i) for i, spec in enumerate(layers)]
    raise ValueError(
        "expected a sequence of layers (kernel_size, stride, dilation, padding) or a Keras "
        f"model, got {type(layers).__name__}"
    )


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
    specs = _specs(layers, axis)
    if _is_keras_model(layers) and input_size is None:
        shape = layers.input_shape if hasattr(layers, "input_shape") else None
        input_size = shape[1 + axis] if shape is not None else None
    if not specs:
        raise ValueError("expected at least one convolution or pooling layer, got none")
    if input_size is not None:
        input_size = positive_int("input_size", input_size)
    return receptive_field_recursion(specs, input_size)



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
    specs = _specs(layers)
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
    import numpy as np
    import tensorflow as tf

    from .probe import get_layer, layer_probe

    target = model.layers[-1] if layer is None else get_layer(model, layer)
    probe = layer_probe(model, target.name)
    out_shape = tuple(target.output.shape)
    if len(out_shape) != 4:
        raise ValueError(f"expected a layer with (batch, H, W, C) output, got {out_shape}")
    if position is None:
        position = (out_shape[1] // 2, out_shape[2] // 2)
    i, j = (int(p) for p in position)
    if not (0 <= i < out_shape[1] and 0 <= j < out_shape[2]):
        raise ValueError(f"position must lie in the {out_shape[1:3]} output, got {position}")
    if inputs is None:
        shape = (positive_int("n_samples", n_samples), *model.input_shape[1:])
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


def dilated_offsets(dilations: Sequence[int]) -> set[int]:
    """Input offsets (one axis, relative to the centre) that reach a unit on top of stacked
    3×3 stride-1 convolutions with these ``dilations``: {0} grown by {−d, 0, d} per layer."""
    offsets = {0}
    for d in dilations:
        d = positive_int("dilation", d)
        offsets = {o + t for o in offsets for t in (-d, 0, d)}
    return offsets


def gridding_holes(dilations: Sequence[int]) -> list[int]:
    """Offsets inside the receptive field ``1 + 2·Σd`` of 3×3 layers with these
    ``dilations`` that no path reaches (gridding), sorted; [] when the field is solid."""
    half = sum(dilations)
    return sorted(set(range(-half, half + 1)) - dilated_offsets(dilations))


# ----------------------------------------------------------------------------- figures (06)
# NumPy and matplotlib are imported inside each figure: the arithmetic above needs neither.
def receptive_field_figure(
    image: np.ndarray,
    gradient: np.ndarray,
    boxes: dict[str, tuple[tuple[int, int], tuple[int, int]]],
    title: str = "",
) -> Figure:
    """An input image and a gradient map side by side, receptive fields drawn on both.

    ``image``: (H, W) or (H, W, 3); ``gradient``: (H, W) |∂ unit / ∂ input| (drawn in a heat
    map); ``boxes``: ``{label: ((first_row, last_row), (first_col, last_col))}``, inclusive
    pixel bounds, each drawn as a rectangle in its own colour.

    Used in notebook 06.
    """
    import matplotlib.pyplot as plt
    import numpy as np

    image, gradient = np.asarray(image), np.asarray(gradient)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    if gradient.shape != image.shape[:2]:
        raise ValueError(f"gradient must have the image's (H, W) = {image.shape[:2]}, "
                         f"got {gradient.shape}")
    colours = ["tab:orange", "tab:cyan", "tab:green", "tab:red"]
    fig, axes = plt.subplots(1, 2, figsize=(7.5, 3.6), layout="constrained")
    axes[0].imshow(image, cmap="gray" if image.ndim == 2 else None)
    axes[0].set_title("input")
    shown = axes[1].imshow(gradient, cmap="magma")
    axes[1].set_title("|∂ unit / ∂ input|")
    fig.colorbar(shown, ax=axes[1], fraction=0.046)
    for (label, (rows, cols)), colour in zip(boxes.items(), colours * 4, strict=False):
        for ax in axes:
            ax.add_patch(plt.Rectangle((cols[0] - 0.5, rows[0] - 0.5), cols[1] - cols[0] + 1,
                                       rows[1] - rows[0] + 1, fill=False, lw=2,
                                       edgecolor=colour, label=label))
    axes[0].legend(loc="upper center", bbox_to_anchor=(1.1, -0.04), ncol=len(boxes),
                   fontsize=8, frameon=False)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    if title:
        fig.suptitle(title)
    return fig


def receptive_field_growth(stacks: dict[str, Sequence[object]], input_size: int | None = None
                           ) -> Figure:
    """Receptive-field size after every layer, one line per stack.

    ``stacks``: ``{label: rows}`` where rows are :class:`RFRow` (from :func:`receptive_field`).
    A dashed line marks ``input_size`` (the whole input) when given.

    Used in notebook 06.
    """
    import matplotlib.pyplot as plt

    if not stacks:
        raise ValueError("receptive_field_growth needs at least one stack, got none")
    fig, ax = plt.subplots(figsize=(6.5, 3.6), layout="constrained")
    for label, rows in stacks.items():
        sizes = [1] + [r.size for r in rows]
        ax.plot(range(len(sizes)), sizes, marker="o", label=label)
    if input_size is not None:
        ax.axhline(input_size, color="0.5", ls="--", lw=1)
        ax.text(0, input_size, f" whole input ({input_size} px)", va="bottom", fontsize=8)
        ax.set_ylim(0, input_size * 1.12)
    ax.set_xlabel("layer (0 = input)")
    ax.set_ylabel("receptive field (pixels per side)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def effective_rf_figure(gradient: np.ndarray, theoretical: int,
                        centre: tuple[int, int] | None = None) -> Figure:
    """The effective receptive field: mean gradient map and its central row vs a Gaussian.

    ``gradient``: (H, W) mean |∂ unit / ∂ input| of one unit; ``theoretical``: the theoretical
    receptive-field size, drawn as a box / band around ``centre`` (row, col) (default: the
    largest gradient). The Gaussian has the mean and standard deviation of the profile along
    the centre row (treated as a distribution).

    Used in notebook 06.
    """
    import matplotlib.pyplot as plt
    import numpy as np

    g = np.asarray(gradient, dtype=float)
    if g.ndim != 2:
        raise ValueError(f"gradient must be (H, W), got shape {g.shape}")
    if centre is None:
        centre = np.unravel_index(np.argmax(g), g.shape)
    profile = g[centre[0]] / g[centre[0]].sum()
    x = np.arange(g.shape[1])
    mean = float((x * profile).sum())
    std = float(np.sqrt(((x - mean) ** 2 * profile).sum()))
    gauss = np.exp(-0.5 * ((x - mean) / std) ** 2)
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), layout="constrained")
    axes[0].imshow(g, cmap="magma")
    half = (theoretical - 1) / 2
    axes[0].add_patch(plt.Rectangle((centre[1] - half - 0.5, centre[0] - half - 0.5),
                                    theoretical, theoretical, fill=False, ec="tab:cyan", lw=2))
    axes[0].set_title("mean |gradient|, theoretical field in cyan")
    axes[0].set_xticks([])
    axes[0].set_yticks([])
    axes[1].bar(x, profile, color="tab:orange", label="central row of the gradient")
    axes[1].plot(x, gauss * profile.max(), color="k", label=f"Gaussian, σ = {std:.1f} px")
    axes[1].axvspan(centre[1] - half, centre[1] + half, color="tab:cyan", alpha=0.15,
                    label=f"theoretical field ({theoretical} px)")
    axes[1].set_xlabel("input column")
    axes[1].legend(fontsize=8)
    return fig
