"""Classic ImageNet architectures of notebooks 06-07: AlexNet, VGG-16, GoogLeNet, ResNet.

Each builder follows one lecture slide; where Keras ships the same network
(``keras.applications``) the parameter count is equal and unit-tested
(``tests/test_models_classic.py``):

=======================  ==============================================  ==============
builder                  slide                                           parameters
=======================  ==============================================  ==============
``alexnet``              Susto (Padova) "AlexNet — Full (simplified)      62,378,344
                         AlexNet architecture" (227×227, no GPU groups)  (slide: 62.3M)
``alexnet_insa``         Chevallier (INSA Toulouse) "The Rocker: AlexNet  28,054,497
                         (2012)" table (224×224, 17-class head)          (slide: 28,854,497)
``vgg16``                Susto "VGG", Chevallier "VGG-16 (2014)"          138,357,544
                                                                         = Keras VGG16
``inception_module``     Susto "GoogLeNet" (1×1 bottlenecks)              (arguments)
``googlenet``            Szegedy et al. 2015, Table 1, 2 aux heads        6,998,552
                                                                         (+6,379,728 aux)
``resnet50``             Susto "ResNet" (bottleneck blocks)               25,636,712
                                                                         = Keras ResNet50
``mini_vgg``,            small versions trained on real CIFAR-10;         (arguments)
``mini_resnet``          ``residual=False``: the plain networks of the
                         degradation experiment (He et al. 2016)
=======================  ==============================================  ==============

Big models only need their *architecture* for counting parameters, multiply-adds and shapes:
:func:`build_without_weights` builds them without drawing millions of random weights.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..config import quiet_tensorflow

quiet_tensorflow()
import keras  # noqa: E402  (after quieting TensorFlow's C++ logs)
from keras import layers  # noqa: E402

from ..validation import image_input_shape, positive_int, positive_ints  # noqa: E402

__all__ = [
    "ILSVRC_TOP5_ERROR",
    "LocalResponseNormalization",
    "alexnet",
    "alexnet_insa",
    "basic_block",
    "bottleneck_block",
    "build_without_weights",
    "inception_module",
    "inception_module_naive",
    "inception_model",
    "mini_resnet",
    "mini_vgg",
    "paper_weight_decay",
    "resnet50",
    "ten_crops",
    "vgg16",
]

# ImageNet (ILSVRC) classification winners, top-5 error in % — the bar chart of Susto's (Padova)
# "An overview on the most famous architectures … Winners:" slides (an image in the deck,
# reproduced from Stanford CS231n, which the deck cites). Rows: (year, entry, layers, error);
# layers = None for the pre-CNN entries; "Human" is Russakovsky et al. (2015), year of the study.
ILSVRC_TOP5_ERROR: tuple[tuple[int, str, int | None, float], ...] = (
    (2010, "Lin et al.", None, 28.2),
    (2011, "Sánchez & Perronnin", None, 25.8),
    (2012, "AlexNet", 8, 16.4),
    (2013, "ZFNet", 8, 11.7),
    (2014, "VGG", 19, 7.3),
    (2014, "GoogLeNet", 22, 6.7),
    (2015, "ResNet", 152, 3.57),
    (2016, "Shao et al.", 152, 2.99),
    (2017, "SENet", 152, 2.25),
)
HUMAN_TOP5_ERROR = 5.1  # Russakovsky et al. (2015), the annotator of the CS231n chart
__all__.append("HUMAN_TOP5_ERROR")


# --- helpers -----------------------------------------------------------------------------


def build_without_weights(builder: Callable[..., keras.Model], *args: Any,
                          **kwargs: Any) -> keras.Model:
    """Build ``builder(*args, **kwargs)`` without drawing its random initial weights.

    Keras creates every variable inside a ``keras.StatelessScope(initialize_variables=False)``
    and skips the initialisation, so a 138M-parameter VGG-16 is built in a fraction of a second.
    The result has the full architecture (``summary()``, ``count_params()``, layer shapes) but
    no weight values: use it to count and draw, never to predict or train.

    Keras remembers such variables in its per-thread state and would initialise them when the
    next scope closes (drawing all the weights after all); the model is therefore built in a
    worker thread, whose state ends with it. Public Keras API only. Layers that the builder
    leaves unnamed get names counted in that thread (``conv2d``, ``conv2d_1``, ...).
    """
    import threading

    result: dict[str, Any] = {}

    def build() -> None:
        try:
            with keras.StatelessScope(initialize_variables=False):
                result["model"] = builder(*args, **kwargs)
        except BaseException as error:  # re-raised in the caller's thread
            result["error"] = error

    worker = threading.Thread(target=build, name="build_without_weights")
    worker.start()
    worker.join()
    if "error" in result:
        raise result["error"]
    return result["model"]


def paper_weight_decay(weight_decay: float) -> keras.regularizers.L2 | None:
    """The papers' weight decay ``wd`` as a Keras kernel regularizer: ``L2(wd / 2)``.

    AlexNet (Krizhevsky et al. 2012, §5) and ResNet (He et al. 2016, §3.4) add ``wd · w`` to
    each weight's gradient *before* the momentum step: ``v ← μ·v − lr·(∂L/∂w + wd·w)``. Keras'
    ``L2(l)`` adds ``l · Σ w²`` to the loss, whose gradient is ``2·l·w``, so the papers'
    ``wd`` is ``L2(wd / 2)``. (Keras' ``SGD(weight_decay=wd)`` is different: it shrinks
    ``w -= lr·wd·w`` outside the momentum, about ``1/(1 − μ)`` = 10× weaker at μ = 0.9.)
    ``weight_decay=0`` returns None (no regularizer).
    """
    if not isinstance(weight_decay, (int, float)) or isinstance(weight_decay, bool) \
            or not weight_decay >= 0:
        raise ValueError(f"weight_decay must be a number >= 0, got {weight_decay!r}")
    return keras.regularizers.L2(weight_decay / 2) if weight_decay else None


@keras.saving.register_keras_serializable(package="course_utils")
class LocalResponseNormalization(layers.Layer):
    """AlexNet's "NORM" layer (Krizhevsky et al. 2012, §3.3); no trainable parameters.

    ``b[..., c] = a[..., c] / (k + α · Σ_{c' = c−n/2}^{c+n/2} a[..., c']²)^β`` with the paper's
    ``n = 5`` neighbouring channels (``depth_radius = 2``), ``k = 2``, ``α = 1e-4``, ``β = 0.75``.
    (Susto's deck lists it as "Layer normalization"; it is *local response* normalization.)
    """

    def __init__(self, depth_radius: int = 2, bias: float = 2.0, alpha: float = 1e-4,
                 beta: float = 0.75, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.depth_radius, self.bias, self.alpha, self.beta = depth_radius, bias, alpha, beta

    def call(self, inputs: Any) -> Any:
        import tensorflow as tf

        return tf.nn.local_response_normalization(
            inputs, self.depth_radius, self.bias, self.alpha, self.beta
        )

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "depth_radius": self.depth_radius, "bias": self.bias,
                "alpha": self.alpha, "beta": self.beta}


# --- AlexNet ---------------------------------------------------------------------------


def alexnet(
    input_shape: tuple[int, int, int] = (227, 227, 3), n_classes: int = 1000, norm: bool = True,
    dropout: float = 0.5, two_gpus: bool = False, weight_decay: float = 0.0,
) -> keras.Model:
    """AlexNet as on Susto's (Padova) slide "Full (simplified) AlexNet architecture".

    [227×227×3] → CONV1 96 11×11 /4 → [55×55×96] → MAX POOL1 3×3 /2 → [27×27×96] → NORM1 →
    CONV2 256 5×5 pad 2 → [27×27×256] → MAX POOL2 3×3 /2 → [13×13×256] → NORM2 →
    CONV3 384 3×3 pad 1 → CONV4 384 3×3 pad 1 → CONV5 256 3×3 pad 1 → [13×13×256] →
    MAX POOL3 3×3 /2 → [6×6×256] → FC6 4096 → FC7 4096 → FC8 ``n_classes`` (softmax).

    "Simplified": one tower instead of the paper's two GPU halves (no channel groups), so
    conv2/4/5 see all channels: 62,378,344 parameters for 1000 classes. ``two_gpus=True``
    splits conv2, conv4 and conv5 into 2 groups as in the paper (each half sees only the
    channels on its own GPU): 60,965,224 parameters. ``norm`` adds the local-response-
    normalization layers, ``dropout`` the paper's dropout after FC6 and FC7.

    AlexNet's training tricks (Krizhevsky et al. 2012) and where they are:

    - ReLU (§3.1): ``activation="relu"`` on conv1-conv5, fc6 and fc7;
    - local response normalization (§3.3): ``norm1``, ``norm2``
      (:class:`LocalResponseNormalization`);
    - overlapping pooling (§3.4): ``pool1``-``pool3``, 3×3 windows with stride 2;
    - dropout (§4.2): ``dropout_fc6``, ``dropout_fc7`` (rate ``dropout``, 0.5 in the paper);
    - data augmentation (§4.1: random crops, flips, PCA colour jitter) acts on the training
      images, not in the network: see :func:`course_utils.models.augmentation`; test-time
      10-crop averaging (§4.1): :func:`ten_crops`.

    ``weight_decay``: the paper's 0.0005 (§5) as an L2 regularizer on every kernel
    (:func:`paper_weight_decay`); 0 = none.
    """
    shape = image_input_shape(input_shape, 67, "alexnet")
    reg = {"kernel_regularizer": paper_weight_decay(weight_decay)}
    n_classes = positive_int("n_classes", n_classes, 2)
    inputs = keras.Input(shape=shape, name="image")
    x = layers.Conv2D(96, 11, strides=4, activation="relu", name="conv1", **reg)(inputs)
    x = layers.MaxPooling2D(pool_size=3, strides=2, name="pool1")(x)
    if norm:
        x = LocalResponseNormalization(name="norm1")(x)
    x = layers.ZeroPadding2D(2, name="pad2")(x)
    groups = 2 if two_gpus else 1
    x = layers.Conv2D(256, 5, activation="relu", groups=groups, name="conv2", **reg)(x)
    x = layers.MaxPooling2D(pool_size=3, strides=2, name="pool2")(x)
    if norm:
        x = LocalResponseNormalization(name="norm2")(x)
    for name, filters, g in (("conv3", 384, 1), ("conv4", 384, groups), ("conv5", 256, groups)):
        x = layers.ZeroPadding2D(1, name=f"pad{name[-1]}")(x)
        x = layers.Conv2D(filters, 3, activation="relu", groups=g, name=name, **reg)(x)
    x = layers.MaxPooling2D(pool_size=3, strides=2, name="pool3")(x)
    x = layers.Flatten(name="flatten")(x)
    for name in ("fc6", "fc7"):
        x = layers.Dense(4096, activation="relu", name=name, **reg)(x)
        if dropout:
            x = layers.Dropout(dropout, name=f"dropout_{name}")(x)
    outputs = layers.Dense(n_classes, activation="softmax", name="fc8", **reg)(x)
    return keras.Model(inputs, outputs, name="alexnet_2gpu" if two_gpus else "alexnet")


def ten_crops(images: Any, size: int) -> Any:
    """AlexNet's test-time augmentation (Krizhevsky et al. 2012, §4.1): the four corner and the
    centre ``size``×``size`` patches of each image and their horizontal reflections.

    ``images``: (N, H, W, C) array with H, W >= ``size``. Returns (N, 10, size, size, C):
    crops 0-4 = top-left, top-right, bottom-left, bottom-right, centre; crops 5-9 = the same
    crops mirrored left-right. The network's prediction is the mean of its softmax outputs
    over the ten crops.
    """
    import numpy as np

    images = np.asarray(images)
    size = positive_int("size", size)
    if images.ndim != 4 or images.shape[1] < size or images.shape[2] < size:
        raise ValueError(f"ten_crops: expected images of shape (N, H, W, C) with H, W >= {size}, "
                         f"got shape {images.shape}")
    h, w = images.shape[1:3]
    top, left = (h - size) // 2, (w - size) // 2
    corners = [(0, 0), (0, w - size), (h - size, 0), (h - size, w - size), (top, left)]
    crops = np.stack([images[:, i:i + size, j:j + size] for i, j in corners], axis=1)
    return np.concatenate([crops, crops[:, :, :, ::-1]], axis=1)


def alexnet_insa(input_shape: tuple[int, int, int] = (224, 224, 3),
                 n_classes: int = 17) -> keras.Model:
    """The Keras "AlexNet" whose summary Chevallier's deck (INSA Toulouse) prints
    ("The Rocker: AlexNet (2012)").

    Reconstructed from the table's shapes and parameter counts: Conv2D(96, 11×11, /4) →
    [54×54×96] → MaxPool 2×2 → Conv2D(256, 11×11) → [17×17×256] → MaxPool 2×2 → Conv2D(384, 3×3)
    → Conv2D(384, 3×3) → Conv2D(256, 3×3) → [2×2×256] → MaxPool 2×2 → Flatten (256) →
    Dense 4096 → Dropout → Dense 4096 → Dropout → Dense 1000 → Dropout → Dense(n_classes).
    All convolutions 'valid': on 224 pixels this is *not* the 55 → 27 → 13 of the paper.
    """
    shape = image_input_shape(input_shape, 195, "alexnet_insa")
    n_classes = positive_int("n_classes", n_classes, 2)
    stack: list[Any] = [
        keras.Input(shape=shape),
        layers.Conv2D(96, 11, strides=4, activation="relu", name="conv2d"),
        layers.MaxPooling2D(pool_size=2, name="max_pooling2d"),
        layers.Conv2D(256, 11, activation="relu", name="conv2d_1"),
        layers.MaxPooling2D(pool_size=2, name="max_pooling2d_1"),
        layers.Conv2D(384, 3, activation="relu", name="conv2d_2"),
        layers.Conv2D(384, 3, activation="relu", name="conv2d_3"),
        layers.Conv2D(256, 3, activation="relu", name="conv2d_4"),
        layers.MaxPooling2D(pool_size=2, name="max_pooling2d_2"),
        layers.Flatten(name="flatten"),
    ]
    for i, units in enumerate((4096, 4096, 1000)):
        suffix = f"_{i}" if i else ""
        stack += [layers.Dense(units, activation="relu", name=f"dense{suffix}"),
                  layers.Dropout(0.4, name=f"dropout{suffix}")]
    stack.append(layers.Dense(n_classes, activation="softmax", name="dense_3"))
    return keras.Sequential(stack, name="alexnet_insa")


# --- VGG -------------------------------------------------------------------------------

VGG16_BLOCKS: tuple[tuple[int, int], ...] = ((2, 64), (2, 128), (3, 256), (3, 512), (3, 512))
__all__.append("VGG16_BLOCKS")


def vgg_block(x: Any, n_convs: int, filters: int, name: str) -> Any:
    """``n_convs`` × Conv2D(filters, 3×3, same, relu) then MaxPooling2D(2×2): halves the side."""
    for i in range(1, n_convs + 1):
        x = layers.Conv2D(filters, 3, padding="same", activation="relu",
                          name=f"{name}_conv{i}")(x)
    return layers.MaxPooling2D(pool_size=2, name=f"{name}_pool")(x)


__all__.append("vgg_block")


def vgg16(input_shape: tuple[int, int, int] = (224, 224, 3), n_classes: int = 1000,
          include_top: bool = True) -> keras.Model:
    """VGG-16 (Simonyan & Zisserman 2014): 13 conv 3×3 layers in 5 blocks + 3 dense layers.

    Blocks of (2, 2, 3, 3, 3) convolutions with 64, 128, 256, 512, 512 filters, each ending in a
    2×2 max-pool: 224 → 112 → 56 → 28 → 14 → 7; then Flatten (7·7·512 = 25,088) →
    Dense 4096 → Dense 4096 → Dense ``n_classes``. Same layers and names as
    ``keras.applications.VGG16`` (138,357,544 parameters with 1000 classes).
    """
    shape = image_input_shape(input_shape, 32, "vgg16")
    n_classes = positive_int("n_classes", n_classes, 2)
    inputs = keras.Input(shape=shape, name="input_layer")
    x = inputs
    for b, (n_convs, filters) in enumerate(VGG16_BLOCKS, start=1):
        x = vgg_block(x, n_convs, filters, f"block{b}")
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        x = layers.Dense(n_classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, x, name="vgg16")


# --- Inception -------------------------------------------------------------------------


def inception_module_naive(x: Any, f1: int, f3: int, f5: int, name: str = "naive") -> Any:
    """Naive Inception module (Susto's "GoogLeNet" slide): parallel 1×1, 3×3, 5×5 conv + 3×3 pool.

    All branches keep H×W ('same'); their outputs are concatenated along the channels:
    ``f1 + f3 + f5 + C_in`` channels (the pooling branch passes all input channels on).
    """
    b1 = layers.Conv2D(f1, 1, padding="same", activation="relu", name=f"{name}_1x1")(x)
    b3 = layers.Conv2D(f3, 3, padding="same", activation="relu", name=f"{name}_3x3")(x)
    b5 = layers.Conv2D(f5, 5, padding="same", activation="relu", name=f"{name}_5x5")(x)
    bp = layers.MaxPooling2D(pool_size=3, strides=1, padding="same", name=f"{name}_pool")(x)
    return layers.Concatenate(name=f"{name}_concat")([b1, b3, b5, bp])


def inception_module(
    x: Any, f1: int, f3_reduce: int, f3: int, f5_reduce: int, f5: int, pool_proj: int,
    name: str = "inception",
) -> Any:
    """Inception module with 1×1 bottlenecks (Szegedy et al. 2015; Susto's "GoogLeNet" slide).

    Branches: 1×1 conv (f1); 1×1 conv (f3_reduce) → 3×3 conv (f3); 1×1 conv (f5_reduce) →
    5×5 conv (f5); 3×3 max-pool → 1×1 conv (pool_proj). The 1×1 convolutions project the
    input depth down before the expensive 3×3/5×5 convolutions. Output channels:
    ``f1 + f3 + f5 + pool_proj``.
    """
    def conv(filters: int, kernel: int, branch: str, t: Any) -> Any:
        return layers.Conv2D(filters, kernel, padding="same", activation="relu",
                             name=f"{name}_{branch}")(t)

    b1 = conv(f1, 1, "1x1", x)
    b3 = conv(f3, 3, "3x3", conv(f3_reduce, 1, "3x3_reduce", x))
    b5 = conv(f5, 5, "5x5", conv(f5_reduce, 1, "5x5_reduce", x))
    bp = layers.MaxPooling2D(pool_size=3, strides=1, padding="same", name=f"{name}_pool")(x)
    bp = conv(pool_proj, 1, "pool_proj", bp)
    return layers.Concatenate(name=f"{name}_concat")([b1, b3, b5, bp])


def inception_model(input_shape: tuple[int, int, int] = (28, 28, 256),
                    bottleneck: bool = True) -> keras.Model:
    """One Inception module on its own, with the numbers of Susto's "Conv Ops" slides.

    Input 28×28×256. Naive (``bottleneck=False``): 1×1 conv 128, 3×3 conv 192, 5×5 conv 96,
    3×3 pool → 28×28×672. With bottlenecks: 1×1 conv 128; 1×1 conv 64 → 3×3 conv 192;
    1×1 conv 64 → 5×5 conv 96; pool → 1×1 conv 64 → 28×28×480.
    """
    shape = image_input_shape(input_shape, 1, "inception_model")
    inputs = keras.Input(shape=shape, name="feature_maps")
    if bottleneck:
        outputs = inception_module(inputs, 128, 64, 192, 64, 96, 64)
    else:
        outputs = inception_module_naive(inputs, 128, 192, 96)
    return keras.Model(inputs, outputs,
                       name="inception_bottleneck" if bottleneck else "inception_naive")


# GoogLeNet's nine Inception modules (Szegedy et al. 2015, Table 1): name → (#1×1, #3×3 reduce,
# #3×3, #5×5 reduce, #5×5, pool proj); "pool" marks the 3×3/2 max-pools between the stages.
GOOGLENET_MODULES: tuple[tuple[str, tuple[int, int, int, int, int, int] | None], ...] = (
    ("3a", (64, 96, 128, 16, 32, 32)), ("3b", (128, 128, 192, 32, 96, 64)), ("pool", None),
    ("4a", (192, 96, 208, 16, 48, 64)), ("4b", (160, 112, 224, 24, 64, 64)),
    ("4c", (128, 128, 256, 24, 64, 64)), ("4d", (112, 144, 288, 32, 64, 64)),
    ("4e", (256, 160, 320, 32, 128, 128)), ("pool", None),
    ("5a", (256, 160, 320, 32, 128, 128)), ("5b", (384, 192, 384, 48, 128, 128)),
)
__all__.append("GOOGLENET_MODULES")

# Table 1's "params" column (thousands of weights, K = 1024, biases not counted) per row.
GOOGLENET_TABLE1_PARAMS_K: dict[str, float] = {
    "conv1": 2.7, "conv2": 112, "3a": 159, "3b": 380, "4a": 364, "4b": 437, "4c": 463,
    "4d": 580, "4e": 840, "5a": 1072, "5b": 1388, "linear": 1000,
}
__all__.append("GOOGLENET_TABLE1_PARAMS_K")


def googlenet_aux_head(x: Any, n_classes: int, name: str) -> Any:
    """GoogLeNet's auxiliary classifier (Szegedy et al. 2015, §5), on the output of 4a or 4d.

    AveragePooling 5×5 /3 (14×14 → 4×4) → Conv2D(128, 1×1, ReLU) → Flatten (2,048) →
    Dense(1024, ReLU) → Dropout(0.7) → Dense(``n_classes``, softmax). Used only in training:
    its loss is added to the main loss with weight 0.3; at inference it is discarded.
    """
    x = layers.AveragePooling2D(pool_size=5, strides=3, name=f"{name}_pool")(x)
    x = layers.Conv2D(128, 1, activation="relu", name=f"{name}_conv")(x)
    x = layers.Flatten(name=f"{name}_flatten")(x)
    x = layers.Dense(1024, activation="relu", name=f"{name}_fc")(x)
    x = layers.Dropout(0.7, name=f"{name}_dropout")(x)
    return layers.Dense(n_classes, activation="softmax", name=f"{name}_output")(x)


__all__.append("googlenet_aux_head")


def googlenet(input_shape: tuple[int, int, int] = (224, 224, 3), n_classes: int = 1000,
              aux: bool = True, lrn: bool = True) -> keras.Model:
    """GoogLeNet / Inception v1 (Szegedy et al. 2015, Table 1 and Fig. 3), all convs with ReLU.

    [224×224×3] → conv 7×7/2, 64 → [112×112×64] → max-pool 3×3/2 → [56×56×64] → LRN →
    conv 1×1, 64 → conv 3×3, 192 → LRN → max-pool 3×3/2 → [28×28×192] → inception 3a, 3b →
    max-pool → [14×14×480] → 4a … 4e → max-pool → [7×7×832] → 5a, 5b → [7×7×1024] →
    global average pool 7×7 → dropout 40 % → Dense ``n_classes`` (softmax). 'same' padding
    everywhere, as Table 1's output sizes require; the modules are :func:`inception_module`
    with the numbers of :data:`GOOGLENET_MODULES`.

    ``aux=True`` adds the two auxiliary classifiers (:func:`googlenet_aux_head`) on 4a and 4d:
    the model then has three outputs ``[main, aux1, aux2]`` (train with loss weights
    ``[1, 0.3, 0.3]``; predict with the main one). ``lrn`` adds the two local-response-
    normalization layers of Fig. 3 (no parameters).
    """
    # the aux heads pool 5×5 over a side of ⌈side/16⌉: at least 5, i.e. side >= 65
    shape = image_input_shape(input_shape, 65 if aux else 32, "googlenet")
    n_classes = positive_int("n_classes", n_classes, 2)
    inputs = keras.Input(shape=shape, name="image")
    x = layers.Conv2D(64, 7, strides=2, padding="same", activation="relu", name="conv1")(inputs)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool1")(x)
    if lrn:
        x = LocalResponseNormalization(name="norm1")(x)
    x = layers.Conv2D(64, 1, activation="relu", name="conv2_reduce")(x)
    x = layers.Conv2D(192, 3, padding="same", activation="relu", name="conv2")(x)
    if lrn:
        x = LocalResponseNormalization(name="norm2")(x)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool2")(x)
    heads = []
    n_pools = 2
    for name, filters in GOOGLENET_MODULES:
        if filters is None:
            n_pools += 1
            x = layers.MaxPooling2D(3, strides=2, padding="same", name=f"pool{n_pools}")(x)
            continue
        x = inception_module(x, *filters, name=f"inception_{name}")
        if aux and name in ("4a", "4d"):
            heads.append(googlenet_aux_head(x, n_classes, f"aux{len(heads) + 1}"))
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    x = layers.Dropout(0.4, name="dropout")(x)
    outputs = layers.Dense(n_classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, [outputs, *heads] if aux else outputs,
                       name="googlenet" if aux else "googlenet_no_aux")


__all__.append("googlenet")


# --- ResNet ----------------------------------------------------------------------------

_BN_EPSILON = 1.001e-5  # the value keras.applications' ResNets use


def _conv_bn(x: Any, filters: int, kernel: int, stride: int, name: str, relu: bool = True,
             bias: bool = True, bn_momentum: float = 0.99, regularizer: Any = None) -> Any:
    """Conv2D → BatchNormalization (→ ReLU), the unit every ResNet block is made of."""
    x = layers.Conv2D(filters, kernel, strides=stride, padding="same" if kernel > 1 else "valid",
                      use_bias=bias, kernel_regularizer=regularizer, name=f"{name}_conv")(x)
    x = layers.BatchNormalization(momentum=bn_momentum, epsilon=_BN_EPSILON,
                                  name=f"{name}_bn")(x)
    return layers.Activation("relu", name=f"{name}_relu")(x) if relu else x


def basic_block(x: Any, filters: int, stride: int = 1, name: str = "block",
                bn_momentum: float = 0.99, residual: bool = True, regularizer: Any = None) -> Any:
    """ResNet basic block (He et al. 2015, ResNet-18/34): output = ReLU(F(x) + shortcut(x)).

    F = 3×3 conv (stride ``stride``) → BN → ReLU → 3×3 conv → BN. The shortcut is the identity
    when shapes agree, otherwise a 1×1 conv (stride ``stride``) + BN projection.
    Convolutions have no bias (BN's shift β replaces it); ``bn_momentum`` is BatchNorm's
    moving-average momentum (0.9 settles within a few dozen steps of a short training).
    ``residual=False`` drops the shortcut: output = ReLU(F(x)), the two layers of the paper's
    *plain* network (its Fig. 3, middle), for the degradation experiment. ``regularizer``: a
    kernel regularizer for every convolution (e.g. :func:`paper_weight_decay`).
    """
    bn = {"bias": False, "bn_momentum": bn_momentum, "regularizer": regularizer}
    shortcut = x
    if residual and (stride != 1 or x.shape[-1] != filters):
        shortcut = _conv_bn(x, filters, 1, stride, f"{name}_0", relu=False, **bn)
    y = _conv_bn(x, filters, 3, stride, f"{name}_1", **bn)
    y = _conv_bn(y, filters, 3, 1, f"{name}_2", relu=False, **bn)
    if residual:
        y = layers.Add(name=f"{name}_add")([shortcut, y])
    return layers.Activation("relu", name=f"{name}_out")(y)


def bottleneck_block(x: Any, filters: int, stride: int = 1, projection: bool | None = None,
                     name: str = "block") -> Any:
    """ResNet bottleneck block (ResNet-50/101/152; Susto's slide "For ResNet with more than 50
    layers").

    F = 1×1 conv ``filters`` (stride ``stride``) → BN → ReLU → 3×3 conv ``filters`` → BN → ReLU
    → 1×1 conv ``4·filters`` → BN; output = ReLU(F(x) + shortcut(x)). The 1×1 convolutions
    shrink and restore the depth so the 3×3 works on ``filters`` channels only. The shortcut is
    a 1×1 conv (``4·filters``, stride ``stride``) + BN when ``projection`` (default: when the
    shape changes). Layer layout and names as ``keras.applications.ResNet50`` (convs with bias).
    """
    if projection is None:
        projection = stride != 1 or x.shape[-1] != 4 * filters
    shortcut = _conv_bn(x, 4 * filters, 1, stride, f"{name}_0", relu=False) if projection else x
    y = _conv_bn(x, filters, 1, stride, f"{name}_1")
    y = _conv_bn(y, filters, 3, 1, f"{name}_2")
    y = _conv_bn(y, 4 * filters, 1, 1, f"{name}_3", relu=False)
    y = layers.Add(name=f"{name}_add")([shortcut, y])
    return layers.Activation("relu", name=f"{name}_out")(y)


RESNET50_STAGES: tuple[tuple[int, int], ...] = ((64, 3), (128, 4), (256, 6), (512, 3))
__all__.append("RESNET50_STAGES")


def resnet50(input_shape: tuple[int, int, int] = (224, 224, 3),
             n_classes: int = 1000) -> keras.Model:
    """ResNet-50 (He et al. 2015), laid out like ``keras.applications.ResNet50``.

    7×7 conv 64 /2 → BN → ReLU → 3×3 max-pool /2 → 4 stages of bottleneck blocks
    (64, 3), (128, 4), (256, 6), (512, 3) — (filters, blocks); the first block of stages 2-4
    has stride 2 — → global average pooling → Dense ``n_classes``.
    1 + 3·(3+4+6+3) + 1 = 50 weighted layers on the main path; 25,636,712 parameters.
    """
    shape = image_input_shape(input_shape, 32, "resnet50")
    n_classes = positive_int("n_classes", n_classes, 2)
    inputs = keras.Input(shape=shape, name="input_layer")
    x = layers.ZeroPadding2D(3, name="conv1_pad")(inputs)
    x = layers.Conv2D(64, 7, strides=2, name="conv1_conv")(x)
    x = layers.BatchNormalization(epsilon=_BN_EPSILON, name="conv1_bn")(x)
    x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(1, name="pool1_pad")(x)
    x = layers.MaxPooling2D(pool_size=3, strides=2, name="pool1_pool")(x)
    for s, (filters, blocks) in enumerate(RESNET50_STAGES, start=2):
        for b in range(1, blocks + 1):
            stride = 2 if (b == 1 and s > 2) else 1
            x = bottleneck_block(x, filters, stride, projection=(b == 1),
                                 name=f"conv{s}_block{b}")
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    outputs = layers.Dense(n_classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name="resnet50")


# --- small versions for CIFAR-sized images -------------------------------------------------


def mini_vgg(input_shape: tuple[int, int, int] = (32, 32, 3), n_classes: int = 10,
             widths: Sequence[int] = (16, 32), convs_per_block: int = 2) -> keras.Model:
    """A VGG in miniature: VGG blocks (``convs_per_block`` × 3×3 conv + 2×2 max-pool) of
    ``widths`` filters → global average pooling → Dense ``n_classes`` (softmax).

    Global average pooling replaces VGG's huge Flatten → Dense 4096 head.
    """
    widths = positive_ints("mini_vgg: widths", widths)
    positive_int("convs_per_block", convs_per_block)
    shape = image_input_shape(input_shape, 2 ** len(widths), "mini_vgg")
    n_classes = positive_int("n_classes", n_classes, 2)
    inputs = keras.Input(shape=shape, name="image")
    x = layers.Rescaling(1 / 255, name="rescale")(inputs)
    for b, filters in enumerate(widths, start=1):
        x = vgg_block(x, convs_per_block, filters, f"block{b}")
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    outputs = layers.Dense(n_classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name="mini_vgg")


def mini_resnet(input_shape: tuple[int, int, int] = (32, 32, 3), n_classes: int = 10,
                widths: Sequence[int] = (16, 32), blocks_per_stage: int = 1,
                stem_stride: int = 2, residual: bool = True,
                weight_decay: float = 0.0) -> keras.Model:
    """A ResNet in miniature: 3×3 conv stem (stride ``stem_stride``; ResNet-50's stem shrinks
    by 4) → stages of :func:`basic_block` (the first block of every stage after the first has
    stride 2) → global average pooling → Dense.

    Weighted layers on the main path: ``2 + 2·len(widths)·blocks_per_stage`` (He et al.'s
    CIFAR networks: 3 stages, 6n + 2 layers). ``residual=False`` builds the *plain*
    counterpart (same convolutions, no shortcuts), as in the paper's degradation experiment.
    BatchNorm momentum 0.9 (Keras' default 0.99 needs hundreds of steps before its moving
    averages, used at inference, match the data: too slow for a 2-epoch demonstration).
    ``weight_decay``: the paper's decay (1e-4) as an L2 regularizer on every convolution and
    dense kernel (:func:`paper_weight_decay`); 0 = none.
    """
    widths = positive_ints("mini_resnet: widths", widths)
    positive_int("blocks_per_stage", blocks_per_stage)
    positive_int("stem_stride", stem_stride)
    shape = image_input_shape(input_shape, stem_stride * 2 ** (len(widths) - 1), "mini_resnet")
    n_classes = positive_int("n_classes", n_classes, 2)
    inputs = keras.Input(shape=shape, name="image")
    x = layers.Rescaling(1 / 255, name="rescale")(inputs)
    reg = paper_weight_decay(weight_decay)
    x = _conv_bn(x, widths[0], 3, stem_stride, "stem", bias=False, bn_momentum=0.9,
                 regularizer=reg)
    for s, filters in enumerate(widths, start=1):
        for b in range(1, blocks_per_stage + 1):
            stride = 2 if (b == 1 and s > 1) else 1
            x = basic_block(x, filters, stride, name=f"stage{s}_block{b}", bn_momentum=0.9,
                            residual=residual, regularizer=reg)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    outputs = layers.Dense(n_classes, activation="softmax", name="predictions",
                           kernel_regularizer=reg)(x)
    return keras.Model(inputs, outputs, name="mini_resnet" if residual else "mini_plain")
