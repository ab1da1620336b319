"""Cost of a whole Keras model: depth, parameters, multiply–adds and activation memory.

Used in notebook 07 (classic architectures: why VGG is heavy, why Inception's 1×1 bottlenecks
and ResNet's depth pay off) and notebook 04 (:func:`memory_table`: csci e-89's *Memory
Requirements* slide, activation and parameter memory per layer for a mini-batch). The model's
graph is read with public Keras API only (``model.layers``, ``layer.input``, ``layer.output``);
no TensorFlow import here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .shapes import tensor_shape
from .validation import positive_int

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["LayerCost", "MemoryRow", "MemoryTable", "ModelCost", "cost_bars", "layer_costs",
           "memory_table", "model_cost", "top5_error_figure"]

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


def _tensors(value: Any) -> list[Any]:
    """A layer's input/output as a flat list of tensors."""
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _tensors(v)]
    return [value]


def _is_nested_model(layer: Any) -> bool:
    return hasattr(layer, "layers") and hasattr(layer, "inputs")


def layer_costs(model: Any) -> list[LayerCost]:
    """Per-layer :class:`LayerCost` of a built Keras model (nested models are expanded)."""
    rows = []
    for layer in model.layers:
        kind = type(layer).__name__
        if _is_nested_model(layer):
            rows.extend(layer_costs(layer))
            continue
        if kind == "InputLayer":  # the input is counted once by model_cost
            continue
        out_shape = tensor_shape(layer.output)[1:]
        in_shape = tensor_shape(_tensors(layer.input)[0])[1:]
        activations = 0 if kind in _VIEW_LAYERS else math.prod(out_shape)
        rows.append(LayerCost(layer.name, kind, out_shape, int(layer.count_params()),
                              _layer_mult_adds(layer, kind, in_shape, out_shape), activations))
    return rows


def _weighted_depth(model: Any) -> int:
    """Conv/dense layers on the longest input→output path of a (functional or sequential) graph.

    Keras keeps ``model.layers`` in topological order, and the tensor a layer reads
    (``layer.input``) is the very tensor its parent produced (``parent.output``), so the graph
    is rebuilt by matching tensors. A layer input that no layer of the model produced (a
    layer shared between models, a nested model's inner tensors) means the graph cannot be
    read: ValueError.
    """
    depth_of_tensor = {id(t): 0 for t in _tensors(model.inputs)}
    best = 0
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        own = _weighted_depth(layer) if _is_nested_model(layer) else int(
            type(layer).__name__ in _WEIGHTED_KINDS)
        try:
            before = [depth_of_tensor[id(t)] for t in _tensors(layer.input)]
        except KeyError:
            raise ValueError(
                f"cannot read the graph of model {model.name!r}: the input of layer "
                f"{layer.name!r} is not the output of another layer of the model (a layer "
                "shared between models?); model_cost needs a plain Sequential or functional model"
            ) from None
        depth = max(before, default=0) + own
        for t in _tensors(layer.output):
            depth_of_tensor[id(t)] = depth
        best = max(best, depth)
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
    bytes_per_value = positive_int("bytes_per_value", bytes_per_value)
    rows = layer_costs(model)
    n_input = sum(math.prod(tensor_shape(t)[1:]) for t in model.inputs)
    activations = n_input + sum(r.activations for r in rows)
    return ModelCost(model.name, _weighted_depth(model), int(model.count_params()),
                     sum(r.mult_adds for r in rows), activations,
                     activations * bytes_per_value, tuple(rows))


def _itemsize(dtype: Any) -> int:
    """Bytes per value of a Keras/NumPy dtype (``"float32"`` → 4, ``"float16"`` → 2)."""
    import numpy as np

    name = getattr(dtype, "name", dtype)
    return int(np.dtype(str(name).replace("bfloat16", "float16")).itemsize)


@dataclass(frozen=True)
class MemoryRow:
    """Memory of one layer for a mini-batch (see :func:`memory_table`).

    ``activations``: values in the layer's output for ONE image (0 for layers that only view
    their input: Flatten, Dropout, ...); ``activation_bytes`` = batch · activations · bytes per
    value of the output; ``param_bytes`` = Σ over the layer's weights of size · bytes per value.
    """

    name: str
    kind: str
    output_shape: tuple[int, ...]
    activations: int
    activation_bytes: int
    params: int
    param_bytes: int


@dataclass(frozen=True)
class MemoryTable:
    """:func:`memory_table`'s rows and totals for ``batch_size`` images.

    ``activation_bytes`` counts the input batch plus every row (what the forward pass of a
    training step keeps for the backward pass); ``param_bytes`` the weights once. Training also
    holds one gradient per weight and the optimizer's slots (Adam: 2 per weight, RMSprop: 1,
    plain SGD: 0): :meth:`training_bytes`.
    """

    model_name: str
    batch_size: int
    input_values: int  # per image
    input_bytes: int  # for the batch
    rows: tuple[MemoryRow, ...]

    @property
    def activation_bytes(self) -> int:
        """Input batch + every layer's output for the batch, in bytes."""
        return self.input_bytes + sum(r.activation_bytes for r in self.rows)

    @property
    def param_bytes(self) -> int:
        """All weights once, in bytes."""
        return sum(r.param_bytes for r in self.rows)

    @property
    def params(self) -> int:
        """Number of weights (trainable and not)."""
        return sum(r.params for r in self.rows)

    def training_bytes(self, optimizer_slots: int = 2) -> int:
        """Activations + weights + one gradient per weight + ``optimizer_slots`` values per
        weight (Adam 2, RMSprop 1, SGD 0), at the weights' bytes per value."""
        slots = positive_int("optimizer_slots", optimizer_slots, minimum=0)
        return self.activation_bytes + self.param_bytes * (2 + slots)

    def to_frame(self) -> Any:
        """The rows as a pandas DataFrame (input row first, a total row last; bytes in KiB)."""
        import pandas as pd

        kib = 1024
        rows = [{"layer": "input", "type": "", "output shape": "", "values / image":
                 self.input_values, "activations (KiB)": self.input_bytes / kib,
                 "parameters": 0, "parameters (KiB)": 0.0}]
        rows += [{"layer": r.name, "type": r.kind, "output shape": r.output_shape,
                  "values / image": r.activations, "activations (KiB)": r.activation_bytes / kib,
                  "parameters": r.params, "parameters (KiB)": r.param_bytes / kib}
                 for r in self.rows]
        rows.append({"layer": "total", "type": "", "output shape": "",
                     "values / image": self.input_values + sum(r.activations for r in self.rows),
                     "activations (KiB)": self.activation_bytes / kib, "parameters": self.params,
                     "parameters (KiB)": self.param_bytes / kib})
        return pd.DataFrame(rows).set_index("layer")


def memory_table(model: Any, batch_size: int, bytes_per_value: int | None = None) -> MemoryTable:
    """Activation and parameter memory of every layer of a built Keras model for a mini-batch.

    For each layer (nested models expanded, as :func:`layer_costs`): activation bytes =
    ``batch_size · (values in the output of one image) · b`` and parameter bytes =
    ``(weights) · b``, where ``b`` is the bytes per value — 4 for float32, 2 for float16. With
    ``bytes_per_value=None`` each tensor's own dtype decides (a model built under the
    ``"float16"`` or ``"mixed_float16"`` dtype policy gives 2-byte activations; mixed keeps 4-byte
    weights); an int overrides every dtype.
    """
    if not hasattr(model, "layers") or not getattr(model, "built", False):
        raise ValueError(f"expected a built Keras model, got {type(model).__name__}")
    batch_size = positive_int("batch_size", batch_size)
    if bytes_per_value is not None:
        bytes_per_value = positive_int("bytes_per_value", bytes_per_value)

    def size_of(dtype: Any) -> int:
        return bytes_per_value if bytes_per_value is not None else _itemsize(dtype)

    layers = []

    def collect(m: Any) -> None:
        for layer in m.layers:
            if _is_nested_model(layer):
                collect(layer)
            elif type(layer).__name__ != "InputLayer":
                layers.append(layer)

    collect(model)
    rows = []
    for layer, cost in zip(layers, layer_costs(model), strict=True):
        out = _tensors(layer.output)[0]
        param_bytes = sum(math.prod(w.shape) * size_of(w.dtype) for w in layer.weights)
        rows.append(MemoryRow(cost.name, cost.kind, cost.output_shape, cost.activations,
                              batch_size * cost.activations * size_of(out.dtype),
                              cost.params, int(param_bytes)))
    inputs = _tensors(model.inputs)
    n_input = sum(math.prod(tensor_shape(t)[1:]) for t in inputs)
    input_bytes = batch_size * sum(math.prod(tensor_shape(t)[1:]) * size_of(t.dtype)
                                   for t in inputs)
    return MemoryTable(model.name, batch_size, n_input, input_bytes, tuple(rows))


# ----------------------------------------------------------------------------- figures (07)
# matplotlib is imported inside each figure: reading a model's cost does not need it.
def top5_error_figure(table: Sequence[tuple[int, str, int | None, float]],
                      human: float | None = None) -> Figure:
    """ImageNet (ILSVRC) top-5 error of the winners: one bar per entry, labelled with its depth.

    ``table``: rows ``(year, entry, layers or None, top-5 error %)``; ``human``: a dashed line.

    Used in notebook 07.
    """
    import matplotlib.pyplot as plt

    if not table:
        raise ValueError("top5_error_figure needs at least one row, got none")
    fig, ax = plt.subplots(figsize=(8.5, 3.8), layout="constrained")
    labels = [f"{year}\n{entry}" for year, entry, _, _ in table]
    errors = [row[3] for row in table]
    colours = ["0.6" if layers is None else "tab:blue" for _, _, layers, _ in table]
    bars = ax.bar(range(len(table)), errors, color=colours)
    for bar, (_, _, layers, err) in zip(bars, table, strict=True):
        depth = "shallow" if layers is None else f"{layers} layers"
        ax.text(bar.get_x() + bar.get_width() / 2, err + 0.4, f"{err:g} %\n{depth}",
                ha="center", fontsize=7)
    if human is not None:
        ax.axhline(human, color="tab:red", ls="--", lw=1)
        ax.text(-0.5, human + 0.4, f"human ≈ {human:g} %", color="tab:red", ha="left",
                fontsize=8, bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
    ax.set_xticks(range(len(table)))
    ax.set_xticklabels(labels, fontsize=7)
    ax.set_ylabel("top-5 error (%)")
    ax.set_ylim(0, max(errors) * 1.25)
    ax.set_title("ImageNet classification (ILSVRC) winners")
    return fig


def cost_bars(costs: Sequence[object]) -> Figure:
    """Parameters, multiply–adds and activation memory of several models (log scale).

    ``costs``: :class:`ModelCost` objects, one bar group per model. Each
    bar carries its value; with more than 5 models the values are written upright (room is
    made above the tallest bar) so that neighbouring values do not overlap.

    Used in notebook 07.
    """
    import matplotlib.pyplot as plt

    from .plotting import MAX_WIDTH_IN

    if not costs:
        raise ValueError("cost_bars needs at least one ModelCost, got none")
    upright = len(costs) > 5
    fig, axes = plt.subplots(1, 3, figsize=(MAX_WIDTH_IN, 3.4), layout="constrained")
    names = [c.name for c in costs]
    panels = [("parameters (millions)", [c.params / 1e6 for c in costs]),
              ("multiply–adds per image (billions)", [c.mult_adds / 1e9 for c in costs]),
              ("activations per image (MiB)", [c.activation_bytes / 2**20 for c in costs])]
    for ax, (title, values) in zip(axes, panels, strict=True):
        ax.bar(names, values, color="tab:blue")
        ax.set_title(title, fontsize=9)
        ax.set_xticks(range(len(names)), names, rotation=60, ha="right",
                      rotation_mode="anchor", fontsize=8)
        for i, v in enumerate(values):
            ax.text(i, v * (1.15 if upright else 1.0), f"{v:.3g}", ha="center", va="bottom",
                    fontsize=7, rotation=90 if upright else 0)
        ax.set_yscale("log")
        if upright:  # two decades of head room for the upright values
            ax.set_ylim(top=max(values) * 100)
    return fig
