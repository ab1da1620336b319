"""What a CNN's units respond to (notebook 10): first-layer filters, feature maps, the receptive
field of a unit, maximally activating patches and patterns made by gradient ascent.

Seed 003 "What do CNN see?": visualise the layers; maximally activating patches ("run many images
through the network, record values of chosen channel, visualize image patches that correspond to
maximal activations"). Seed 004 "What do Convolutional Networks learn?": first-layer filters and,
for each, the patches with the highest activation. Which *pixels* of one image matter to a
prediction (occlusion, Grad-CAM, deletion) is :mod:`course_utils.saliency`.

The measurements take a Keras model whose input is (batch, H, W, C) images.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .probe import cached_probe, get_layer
from .validation import one_image, positive_int

if TYPE_CHECKING:
    from collections.abc import Sequence

    from matplotlib.figure import Figure

__all__ = [
    "Patch",
    "activations",
    "feature_maps",
    "filter_patterns",
    "first_layer_filters",
    "interior_units",
    "max_activating_patches",
    "patches_grid",
    "receptive_field_of",
]


def first_layer_filters(model: Any, layer_name: str | None = None) -> np.ndarray:
    """The kernels of the first Conv2D layer (or ``layer_name``) as images for display.

    Keras kernel (kh, kw, C, n_filters) → (n_filters, kh, kw, C), each filter rescaled on its own
    to [0, 1] by (w − min) / (max − min), so its pattern (not its scale) is visible.
    """
    import keras

    if layer_name is None:
        convs = [layer for layer in model.layers if type(layer) is keras.layers.Conv2D]
        if not convs:
            raise ValueError(f"model {model.name!r} has no Conv2D layer")
        layer = convs[0]
    else:
        layer = get_layer(model, layer_name)
    kernel = np.moveaxis(np.asarray(layer.get_weights()[0]), -1, 0)
    low = kernel.min(axis=(1, 2, 3), keepdims=True)
    high = kernel.max(axis=(1, 2, 3), keepdims=True)
    return (kernel - low) / np.maximum(high - low, 1e-12)


def feature_maps(model: Any, image: Any, layer_names: list[str]) -> dict[str, np.ndarray]:
    """Activations of one image at several layers: {layer name: (H_l, W_l, C_l)}.

    image: (H, W, C) in the units the model expects (0-255 for EfficientNet-Lite0).
    """
    image = one_image(image)
    probe = cached_probe(model, tuple(layer_names))
    maps = probe.predict(image[None].astype("float32"), verbose=0)
    maps = maps if isinstance(maps, (list, tuple)) else [maps]
    return {name: np.asarray(m[0]) for name, m in zip(layer_names, maps, strict=True)}


def activations(model: Any, layer_name: str, images: Any, batch_size: int = 32) -> np.ndarray:
    """The output of ``layer_name`` for a batch: images (N, H, W, C) → (N, h, w, C_l).

    One forward pass serves every channel (e.g. :func:`max_activating_patches` with
    ``activations=``); the probe model is built once per (model, layer).
    """
    images = np.asarray(images, dtype="float32")
    if images.ndim != 4:
        raise ValueError(f"expected images (N, H, W, C), got shape {images.shape}")
    return np.asarray(cached_probe(model, layer_name).predict(images, batch_size=batch_size,
                                                        verbose=0))


def receptive_field_of(model: Any, layer_name: str, input_size: int | None = None) -> Any:
    """Receptive field (size, jump, start; height axis) of one unit of ``layer_name``.

    Reads the model's convolution and pooling layers up to ``layer_name`` with
    :func:`course_utils.receptive_field.keras_chain` (the main path of a chain of residual
    blocks, dilation included; a skip connection sees a smaller field, never a larger one) and
    applies the receptive-field recursion. Returns the last
    :class:`~course_utils.receptive_field.RFRow`: unit i covers input pixels
    ``row.bounds(i, size)``.
    """
    from .receptive_field import keras_chain, receptive_field

    get_layer(model, layer_name)
    if input_size is None:
        input_size = model.input_shape[1]
    if input_size is None:
        raise ValueError("the model's input size is not fixed: pass input_size")
    chain = keras_chain(model, axis=0, up_to=layer_name, through_merges=True)
    if not chain:
        raise ValueError(f"no convolution or pooling layer up to {layer_name!r}")
    return receptive_field(chain, input_size=int(input_size))[-1]


@dataclass(frozen=True)
class Patch:
    """One maximally activating patch: which image, which unit (row, col), its activation, pixels.

    ``pixels``: (size, size, C) crop of the input around the unit's receptive field; the part of
    the field that falls outside the image is filled with grey (127).
    """

    image_index: int
    row: int
    col: int
    activation: float
    pixels: np.ndarray


def _crop(image: np.ndarray, rows: tuple[int, int], cols: tuple[int, int], size: int,
          first: tuple[float, float]) -> np.ndarray:
    """``size`` × ``size`` window whose top-left corner is at ``first``; grey outside the image."""
    out = np.full((size, size, image.shape[2]), 127.0, dtype="float32")
    top, left = int(np.ceil(first[0])), int(np.ceil(first[1]))
    out[rows[0] - top : rows[1] - top + 1, cols[0] - left : cols[1] - left + 1] = (
        image[rows[0] : rows[1] + 1, cols[0] : cols[1] + 1]
    )
    return out


def interior_units(field: Any, input_size: int) -> np.ndarray:
    """Indices of the units (one axis) whose whole receptive field lies inside the image.

    ``field``: an :class:`~course_utils.receptive_field.RFRow` with ``out_size`` (e.g. from
    :func:`receptive_field_of`). Unit i is centred on ``start + i·jump`` and sees
    ``± (size − 1)/2`` pixels around it; it is interior when
    ``start + i·jump − (size − 1)/2 ≥ 0`` and ``start + i·jump + (size − 1)/2 ≤ n − 1``.
    A border unit sees padding (zeros) for part of its field: its activation mixes the image
    with the padding, and a crop of its field would be partly empty. May be empty.
    """
    n = positive_int("input_size", input_size)
    if field.out_size is None:
        raise ValueError("the receptive-field row has no out_size: compute it with input_size")
    centres = field.start + np.arange(field.out_size) * field.jump
    half = (field.size - 1) / 2
    return np.flatnonzero((centres - half >= 0) & (centres + half <= n - 1))


def max_activating_patches(
    model: Any, layer_name: str, images: np.ndarray, channel: int, n_patches: int = 6,
    activations: np.ndarray | None = None, exclude_border: bool = True,
) -> list[Patch]:
    """The ``n_patches`` image patches that activate ``channel`` of ``layer_name`` most.

    images: (N, H, W, C). For each image, the unit (row, col) of the channel's map with the
    largest activation; the images are ranked by it (one patch per image, so the patches show
    ``n_patches`` different examples) and the receptive field of each unit is cropped out.
    ``activations``: the layer's output on ``images`` (N, h, w, C_l), if already computed (one
    forward pass serves every channel). ``exclude_border`` (default): only units whose whole
    receptive field lies inside the image compete (:func:`interior_units`) — a border unit's
    activation partly responds to the zero padding, and its patch would be partly grey.
    """
    images = np.asarray(images, dtype="float32")
    if images.ndim != 4:
        raise ValueError(f"expected images (N, H, W, C), got shape {images.shape}")
    n_channels = get_layer(model, layer_name).output.shape[-1]
    if not 0 <= channel < n_channels:
        raise ValueError(f"channel must be between 0 and {n_channels - 1}, got {channel}")
    if not 1 <= n_patches <= len(images):
        raise ValueError(f"n_patches must be between 1 and {len(images)}, got {n_patches}")
    field = receptive_field_of(model, layer_name, input_size=images.shape[1])
    if activations is None:
        activations = cached_probe(model, layer_name).predict(images, batch_size=32, verbose=0)
    activations = np.asarray(activations)
    if activations.ndim != 4 or len(activations) != len(images):
        raise ValueError(f"activations must be the layer's output (N={len(images)}, h, w, C), "
                         f"got shape {activations.shape}")
    maps = activations[..., channel].astype("float64")  # (N, h, w)
    if exclude_border:
        rows = interior_units(field, images.shape[1])
        cols = interior_units(receptive_field_of(model, layer_name, input_size=images.shape[2])
                              if images.shape[2] != images.shape[1] else field, images.shape[2])
        if rows.size == 0 or cols.size == 0:
            raise ValueError(f"no unit of {layer_name!r} has its whole {field.size}-pixel field "
                             f"inside a {images.shape[1]}×{images.shape[2]} image: use larger "
                             "images or exclude_border=False")
        keep = np.full(maps.shape[1:], -np.inf)
        keep[np.ix_(rows, cols)] = 0.0
        maps = maps + keep
    flat = maps.reshape(len(maps), -1)
    best_unit = flat.argmax(axis=1)
    patches = []
    for index in np.argsort(-flat.max(axis=1), kind="stable")[:n_patches]:
        row, col = np.unravel_index(best_unit[index], maps.shape[1:])
        rows_ = field.bounds(int(row), images.shape[1])
        cols_ = field.bounds(int(col), images.shape[2])
        first = (field.start + row * field.jump - (field.size - 1) / 2,
                 field.start + col * field.jump - (field.size - 1) / 2)
        pixels = _crop(images[index], rows_, cols_, field.size, first)
        patches.append(Patch(int(index), int(row), int(col), float(maps[index, row, col]),
                             pixels))
    return patches


def filter_patterns(
    model: Any, layer_name: str, channels: Any, size: int = 64, steps: int = 20,
    step_size: float = 8.0, seed: int = 0,
) -> np.ndarray:
    """What excites a channel: input images made by gradient ascent (Chollet, *Deep Learning
    with Python*, "Visualizing convnet filters"; Erhan et al. 2009).

    Starts from grey images (127 + small noise) of ``size`` × ``size`` × 3, one per channel of
    ``channels``, and repeats ``steps`` times: x ← x + step_size · g / (std(g) + 1e-8),
    where g = ∂ mean(A_c[interior]) / ∂x is the gradient of channel c's mean activation over
    the units of ``layer_name`` that do not touch the border (two units are dropped on every
    side, as in Chollet's code), then clips x to 0..255. All channels ascend together in one
    batch (one gradient per step). Returns (len(channels), size, size, 3) float32 in 0..255.
    The model must accept ``size`` × ``size`` inputs (e.g. built with input shape
    (None, None, 3)).
    """
    import tensorflow as tf

    channels = [int(c) for c in np.atleast_1d(channels)]
    n_channels = get_layer(model, layer_name).output.shape[-1]
    if not channels or not all(0 <= c < n_channels for c in channels):
        raise ValueError(f"channels must be between 0 and {n_channels - 1}, got {channels}")
    size, steps = positive_int("size", size, minimum=8), positive_int("steps", steps)
    probe = cached_probe(model, layer_name)
    rng = np.random.default_rng(seed)
    x = tf.Variable((127.0 + rng.normal(0, 8, (len(channels), size, size, 3))).astype("float32"))
    pick = tf.one_hot(channels, n_channels)  # (n, C): each image climbs its own channel

    @tf.function
    def ascend() -> None:
        with tf.GradientTape() as tape:
            maps = probe(x, training=False)
            inner = maps[:, 2:-2, 2:-2, :] if maps.shape[1] > 4 and maps.shape[2] > 4 else maps
            score = tf.reduce_sum(tf.reduce_mean(inner, axis=(1, 2)) * pick)
        g = tape.gradient(score, x)
        g = g / (tf.math.reduce_std(g, axis=(1, 2, 3), keepdims=True) + 1e-8)
        x.assign(tf.clip_by_value(x + step_size * g, 0.0, 255.0))

    for _ in range(steps):
        ascend()
    return x.numpy()


# ----------------------------------------------------------------------------- figures (10)
# matplotlib is imported inside the figure: the measurements above are computed without it.
def patches_grid(patches: dict[str, Sequence], size: float = 1.0) -> Figure:
    """Maximally activating patches: one row per channel, its patches ranked left to right.

    ``patches``: {row title: sequence of objects with ``.pixels`` (s, s, C) and ``.activation``}
    (:class:`Patch`).

    Used in notebook 10.
    """
    import matplotlib.pyplot as plt

    from .plotting import fit_width, show_image

    if not patches:
        raise ValueError("expected at least one channel's patches, got none")
    n = max(len(p) for p in patches.values())
    fig, axes = plt.subplots(len(patches), n, squeeze=False, layout="constrained",
                             figsize=fit_width(n, len(patches), size=size, aspect=1.2, extra=0.8))
    for row, (title, items) in zip(axes, patches.items(), strict=True):
        for ax in row:
            ax.axis("off")
        for ax, patch in zip(row, items, strict=False):
            ax.axis("on")
            show_image(ax, patch.pixels, f"{patch.activation:.1f}")
        row[0].set_ylabel(title, fontsize=8)
    return fig
