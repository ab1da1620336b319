"""What CNNs see (notebook 10): filters, feature maps, maximally activating patches, occlusion
saliency and Grad-CAM.

Seed 003 "What do CNN see?": visualise the layers; maximally activating patches ("run many images
through the network, record values of chosen channel, visualize image patches that correspond to
maximal activations"); saliency maps by occlusion (the African elephant). Seed 004 "What do
Convolutional Networks learn?": first-layer filters and, for each, the patches with the highest
activation. Grad-CAM (Selvaraju et al., ICCV 2017) weights the channels of a convolutional layer
by the mean gradient of the class score.

All functions take a Keras model whose input is (batch, H, W, C) images. Used in notebook 10.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .probe import get_layer, layer_probe
from .validation import positive_int

__all__ = [
    "Patch",
    "feature_maps",
    "first_layer_filters",
    "grad_cam",
    "grad_cam_from",
    "max_activating_patches",
    "occlude",
    "occlusion_map",
    "receptive_field_of",
]

def _check_image(image: Any) -> np.ndarray:
    image = np.asarray(image)
    if image.ndim != 3:
        raise ValueError(f"expected one image (H, W, C), got shape {image.shape}")
    return image


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
    image = _check_image(image)
    probe = layer_probe(model, list(layer_names))
    maps = probe.predict(image[None].astype("float32"), verbose=0)
    maps = maps if isinstance(maps, (list, tuple)) else [maps]
    return {name: np.asarray(m[0]) for name, m in zip(layer_names, maps, strict=True)}


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


def max_activating_patches(
    model: Any, layer_name: str, images: np.ndarray, channel: int, n_patches: int = 6
) -> list[Patch]:
    """The ``n_patches`` image patches that activate ``channel`` of ``layer_name`` most.

    images: (N, H, W, C). For each image, the unit (row, col) of the channel's map with the
    largest activation; the images are ranked by it (one patch per image, so the patches show
    ``n_patches`` different examples) and the receptive field of each unit is cropped out.
    """
    images = np.asarray(images, dtype="float32")
    if images.ndim != 4:
        raise ValueError(f"expected images (N, H, W, C), got shape {images.shape}")
    n_channels = get_layer(model, layer_name).output.shape[-1]
    if not 0 <= channel < n_channels:
        raise ValueError(f"channel must be between 0 and {n_channels - 1}, got {channel}")
    if not 1 <= n_patches <= len(images):
        raise ValueError(f"n_patches must be between 1 and {len(images)}, got {n_patches}")
    probe = layer_probe(model, layer_name)
    maps = probe.predict(images, batch_size=32, verbose=0)[..., channel]  # (N, h, w)
    field = receptive_field_of(model, layer_name, input_size=images.shape[1])
    flat = maps.reshape(len(maps), -1)
    best_unit = flat.argmax(axis=1)
    patches = []
    for index in np.argsort(-flat.max(axis=1), kind="stable")[:n_patches]:
        row, col = np.unravel_index(best_unit[index], maps.shape[1:])
        rows = field.bounds(int(row), images.shape[1])
        cols = field.bounds(int(col), images.shape[2])
        first = (field.start + row * field.jump - (field.size - 1) / 2,
                 field.start + col * field.jump - (field.size - 1) / 2)
        pixels = _crop(images[index], rows, cols, field.size, first)
        patches.append(Patch(int(index), int(row), int(col), float(maps[index, row, col]),
                             pixels))
    return patches


def occlude(image: Any, top: int, left: int, patch_size: int, fill: float = 127.0) -> np.ndarray:
    """A copy of image (H, W, C) with the square [top, top+patch_size) × [left, left+patch_size)
    set to ``fill`` (grey: the normalised input is then about 0). The square may stick out."""
    image = _check_image(image)
    patch_size = positive_int("patch_size", patch_size)
    out = image.astype("float32", copy=True)
    out[max(top, 0) : max(top + patch_size, 0), max(left, 0) : max(left + patch_size, 0)] = fill
    return out


def occlusion_map(
    model: Any,
    image: Any,
    class_index: int,
    patch_size: int,
    stride: int,
    fill: float = 127.0,
    batch_size: int = 64,
) -> np.ndarray:
    """Occlusion saliency (Zeiler & Fergus 2014): the class score with each region hidden.

    A grey ``patch_size`` square slides over image (H, W, C) with ``stride``; entry (i, j) of the
    returned (⌈(H − p)/s⌉ + 1, ⌈(W − p)/s⌉ + 1) map is ``model(occluded image)[class_index]``.
    Where the score drops, the hidden pixels mattered for the class.
    """
    image = _check_image(image)
    if not 1 <= patch_size <= min(image.shape[:2]):
        raise ValueError(f"patch_size must be between 1 and {min(image.shape[:2])}, got "
                         f"{patch_size}")
    stride = positive_int("stride", stride)
    n_rows = -(-(image.shape[0] - patch_size) // stride) + 1
    n_cols = -(-(image.shape[1] - patch_size) // stride) + 1
    batch = np.stack([occlude(image, i * stride, j * stride, patch_size, fill)
                      for i in range(n_rows) for j in range(n_cols)])
    scores = model.predict(batch, batch_size=batch_size, verbose=0)
    n_classes = scores.shape[-1]
    if not 0 <= class_index < n_classes:
        raise ValueError(f"class_index must be between 0 and {n_classes - 1}, got {class_index}")
    return scores[:, class_index].reshape(n_rows, n_cols)


def grad_cam_from(feature_maps: Any, gradients: Any) -> np.ndarray:
    """Grad-CAM map from a layer's maps A (h, w, C) and the score's gradients ∂y/∂A (h, w, C).

    α_c = mean over (h, w) of ∂y/∂A_c (how much channel c matters for the class);
    map = ReLU(Σ_c α_c A_c), divided by its maximum (all zeros stay zeros). Returns (h, w).
    """
    a, g = np.asarray(feature_maps, dtype="float64"), np.asarray(gradients, dtype="float64")
    if a.ndim != 3 or a.shape != g.shape:
        raise ValueError(f"expected feature maps and gradients of the same shape (h, w, C), got "
                         f"{a.shape} and {g.shape}")
    weights = g.mean(axis=(0, 1))
    cam = np.maximum((a * weights).sum(axis=-1), 0.0)
    peak = cam.max()
    return cam / peak if peak > 0 else cam


def grad_cam(model: Any, image: Any, class_index: int, layer_name: str) -> np.ndarray:
    """Grad-CAM of ``class_index`` at the convolutional layer ``layer_name``: (h, w) in [0, 1].

    The score y is the model's output for the class; use logits (EfficientNet-Lite0 with
    ``classifier_activation=None``) as Selvaraju et al. do — after a softmax, the gradients of a
    confident class vanish.
    """
    import tensorflow as tf

    image = _check_image(image)
    probe = layer_probe(model, [layer_name], with_output=True)
    x = tf.convert_to_tensor(image[None].astype("float32"))
    with tf.GradientTape() as tape:
        maps, scores = probe(x, training=False)
        if not 0 <= class_index < scores.shape[-1]:
            raise ValueError(f"class_index must be between 0 and {scores.shape[-1] - 1}, got "
                             f"{class_index}")
        score = scores[:, class_index]
    gradients = tape.gradient(score, maps)
    return grad_cam_from(maps[0].numpy(), gradients[0].numpy())
