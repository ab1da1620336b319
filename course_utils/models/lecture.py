"""The lecture CNNs of notebooks 04-05: LeNet-5, the csci e-89 MNIST CNN, the CIFAR-10 slide model.

Every builder reproduces one slide's code in Keras 3 style (``keras.Input`` first, explicit
``pool_size``) and gives its layers fixed names, so ``model.summary()`` reads the same in every
run (``course_utils.shapes.layer_table(model)`` recomputes every row). The parameter count
each slide prints is checked in ``tests/test_models_lecture.py``:

=======================  ==========================================  ==========
builder                  slide                                       parameters
=======================  ==========================================  ==========
``lenet5``               PoliMi "LeNet-5 in Keras"                   61,706
``lenet5_insa``          INSA "A Pioneer: LeNet (1998)" (summary)    61,706
``mlp_baseline``         PoliMi "Most of parameters are in MLP"      86,950
``lecture_cnn``          csci e-89 "A Small CNN for Classification   93,322
                         of MNIST Digits" + "Flattening"             (55,744 without head)
``cifar_slide_cnn``      *ConvNets* deck "Example with RGB Images    3,692,938
                         (2/4)"
``cifar_resnet``         not on a slide: a small ResNet; nb 05 and   414,074
                         05b use widths 8–64 (104,514)
=======================  ==========================================  ==========
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..config import quiet_tensorflow

quiet_tensorflow()
import keras  # noqa: E402  (after quieting TensorFlow's C++ logs)
from keras import layers  # noqa: E402

from ..validation import image_input_shape, positive_int, positive_ints, rate  # noqa: E402

__all__ = [
    "DOWNSAMPLING",
    "lenet5",
    "lenet5_insa",
    "mlp_baseline",
    "lecture_cnn",
    "cifar_slide_cnn",
    "augmentation",
    "cifar_resnet",
]




def _check_dropout(dropout: Any, n: int, builder: str) -> tuple[float, ...]:
    """Validate ``n`` dropout rates in [0, 1)."""
    if not isinstance(dropout, (tuple, list)) or len(dropout) != n:
        raise ValueError(f"{builder}: dropout must be {n} rates in [0, 1), got {dropout!r}")
    return tuple(rate(f"{builder}: dropout", r) for r in dropout)


def lenet5(input_shape: tuple[int, int, int] = (32, 32, 1), n_classes: int = 10) -> keras.Model:
    """LeNet-5 exactly as on PoliMi deck, slide "LeNet-5 in Keras" (LeCun et al., 1998).

    Conv2D(6, 5×5, tanh, valid) → AveragePooling2D(2×2) → Conv2D(16, 5×5, tanh, valid) →
    AveragePooling2D(2×2) → Flatten → Dense(120, relu) → Dense(84, relu) →
    Dense(n_classes, softmax).

    Input ``(32, 32, C)`` (MNIST's 28×28 digits padded by 2 pixels on every side); with C = 1 and
    10 classes it has (5·5·1+1)·6 + (5·5·6+1)·16 + (400+1)·120 + (120+1)·84 + (84+1)·10 = 61,706
    parameters. Sides must be >= 16 (the second pooling needs a 2×2 input).
    """
    shape = image_input_shape(input_shape, 16, "lenet5")
    n_classes = positive_int("lenet5: n_classes", n_classes, 2)
    return keras.Sequential(
        [
            keras.Input(shape=shape),
            layers.Conv2D(6, (5, 5), activation="tanh", padding="valid", name="conv1"),
            layers.AveragePooling2D(pool_size=(2, 2), name="pool1"),
            layers.Conv2D(16, (5, 5), activation="tanh", padding="valid", name="conv2"),
            layers.AveragePooling2D(pool_size=(2, 2), name="pool2"),
            layers.Flatten(name="flatten"),
            layers.Dense(120, activation="relu", name="dense1"),
            layers.Dense(84, activation="relu", name="dense2"),
            layers.Dense(n_classes, activation="softmax", name="output"),
        ],
        name="lenet5",
    )


def lenet5_insa(
    input_shape: tuple[int, int, int] = (32, 32, 1), n_classes: int = 10,
    activation: str = "tanh",
) -> keras.Model:
    """LeNet-5 as Chevallier's *Introduction to CNNs* (INSA Toulouse) prints its summary,
    "A Pioneer: LeNet (1998)".

    Conv2D(6, 5×5) → AveragePooling2D(2×2) → Activation → Conv2D(16, 5×5) →
    AveragePooling2D(2×2) → Activation → Conv2D(120, 5×5) (a 1×1×120 output) → Flatten →
    Dense(84) → Dense(n_classes, softmax).

    Same 61,706 parameters as :func:`lenet5` (Boracchi's Keras code), built differently: the
    activation comes *after* the pooling as its own layer, and the 120 units are a 5×5
    convolution over the 5×5×16 maps instead of Flatten → Dense(120) — on a 32×32 input the two
    are the same family of functions (a 5×5 window over a 5×5 map sees all 400 values:
    (5·5·16 + 1)·120 = (400 + 1)·120 = 48,120 weights); on a larger input the convolution slides
    and the Dense layer would not fit. The slide gives no
    activation names beyond "Sigmoid or tanh activation functions"; ``activation`` (default
    ``"tanh"``) is used after each pooling, in Conv2D(120) and in Dense(84). Input sides must be
    >= 32 (three 5×5 convolutions and two poolings).
    """
    shape = image_input_shape(input_shape, 32, "lenet5_insa")
    n_classes = positive_int("lenet5_insa: n_classes", n_classes, 2)
    if activation not in ("tanh", "sigmoid", "relu"):
        raise ValueError(
            f"lenet5_insa: activation must be 'tanh', 'sigmoid' or 'relu', got {activation!r}"
        )
    return keras.Sequential(
        [
            keras.Input(shape=shape),
            layers.Conv2D(6, (5, 5), name="conv1"),
            layers.AveragePooling2D(pool_size=(2, 2), name="pool1"),
            layers.Activation(activation, name="act1"),
            layers.Conv2D(16, (5, 5), name="conv2"),
            layers.AveragePooling2D(pool_size=(2, 2), name="pool2"),
            layers.Activation(activation, name="act2"),
            layers.Conv2D(120, (5, 5), activation=activation, name="conv3"),
            layers.Flatten(name="flatten"),
            layers.Dense(84, activation=activation, name="dense1"),
            layers.Dense(n_classes, activation="softmax", name="output"),
        ],
        name="lenet5_insa",
    )


def mlp_baseline(
    input_shape: tuple[int, int, int] = (32, 32, 1), n_hidden: int = 84, n_classes: int = 10
) -> keras.Model:
    """The MLP that LeNet-5 is compared with, PoliMi deck "Most of parameters are in MLP".

    Flatten (32·32 = 1024 pixels) → Dense(n_hidden = 84, relu) → Dense(n_classes, softmax):
    1024·84 + 84 + 84·10 + 10 = 86,950 parameters for a grey 32×32 input.
    """
    shape = image_input_shape(input_shape, 1, "mlp_baseline")
    n_classes = positive_int("mlp_baseline: n_classes", n_classes, 2)
    n_hidden = positive_int("mlp_baseline: n_hidden", n_hidden)
    return keras.Sequential(
        [
            keras.Input(shape=shape),
            layers.Flatten(name="flatten"),
            layers.Dense(n_hidden, activation="relu", name="hidden"),
            layers.Dense(n_classes, activation="softmax", name="output"),
        ],
        name="mlp_baseline",
    )


DOWNSAMPLING = ("max", "average", "stride")


def lecture_cnn(
    input_shape: tuple[int, int, int] = (28, 28, 1), n_classes: int = 10, head: bool = True,
    downsampling: str = "max",
) -> keras.Model:
    """The csci e-89 MNIST CNN, csci e-89 deck "A Small CNN for Classification of MNIST Digits".

    Conv2D(32, 3×3, relu) → MaxPooling2D(2×2) → Conv2D(64, 3×3, relu) → MaxPooling2D(2×2) →
    Conv2D(64, 3×3, relu), then (``head=True``, slide "Flattening") Flatten → Dense(64, relu) →
    Dense(n_classes, softmax).

    On (28, 28, 1): 320 + 18,496 + 36,928 = 55,744 parameters in the convolutional base and
    36,928 + 650 more in the head: 93,322. Sides must be >= 18.

    ``downsampling`` (one of :data:`DOWNSAMPLING`), for csci e-89's "max pooling tends to work
    better than strides / average pooling": ``"max"`` is the slide's network; ``"average"`` puts
    AveragePooling2D(2×2) in place of each max pooling (same shapes and parameters); ``"stride"``
    has no pooling layer, conv1 and conv2 take stride 2 instead (28 → 13 → 6 → 4 on MNIST: the
    head reads 4×4×64 values, 121,994 parameters in all).
    """
    shape = image_input_shape(input_shape, 18, "lecture_cnn")
    n_classes = positive_int("lecture_cnn: n_classes", n_classes, 2)
    if downsampling not in DOWNSAMPLING:
        raise ValueError(f"lecture_cnn: downsampling must be one of {DOWNSAMPLING}, got "
                         f"{downsampling!r}")
    stride = 2 if downsampling == "stride" else 1
    pool = {"max": layers.MaxPooling2D, "average": layers.AveragePooling2D}.get(downsampling)
    stack: list[Any] = [keras.Input(shape=shape)]
    for i, filters in enumerate((32, 64), start=1):
        stack.append(layers.Conv2D(filters, (3, 3), strides=stride, activation="relu",
                                   name=f"conv{i}"))
        stack += [pool(pool_size=(2, 2), name=f"pool{i}")] if pool else []
    stack.append(layers.Conv2D(64, (3, 3), activation="relu", name="conv3"))
    if head:
        stack += [
            layers.Flatten(name="flatten"),
            layers.Dense(64, activation="relu", name="dense1"),
            layers.Dense(n_classes, activation="softmax", name="output"),
        ]
    return keras.Sequential(stack, name="lecture_cnn" if head else "lecture_cnn_base")


def cifar_slide_cnn(
    input_shape: tuple[int, int, int] = (32, 32, 3),
    n_classes: int = 10,
    dropout: tuple[float, float] = (0.25, 0.5),
    augment: bool = False,
    seed: int | None = None,
) -> keras.Model:
    """The CIFAR-10 network of the anonymous *ConvNets* deck, "Example with RGB Images (2/4)"
    (function ``build``). Used in notebook 05 as the slide model.

    Conv2D(32, 3×3, relu, valid) → MaxPooling2D(2×2) → Dropout(0.25) → Flatten →
    Dense(512, relu) → Dropout(0.5) → Dense(n_classes, softmax).

    On (32, 32, 3): (3·3·3+1)·32 = 896, then 15·15·32 = 7,200 features, (7,200+1)·512 = 3,686,912,
    (512+1)·10 = 5,130: 3,692,938 parameters, 99.8 % of them in the first Dense layer.
    Sides must be >= 4.

    Not on the slide, for the over-fitting experiments of notebook 05: ``dropout`` = the two
    dropout rates (``(0, 0)`` removes both layers) and ``augment=True`` puts
    :func:`augmentation` in front; neither changes the parameter count.
    """
    shape = image_input_shape(input_shape, 4, "cifar_slide_cnn")
    n_classes = positive_int("cifar_slide_cnn: n_classes", n_classes, 2)
    rates = _check_dropout(dropout, 2, "cifar_slide_cnn")
    stack: list[Any] = [keras.Input(shape=shape)]
    if augment:
        stack.append(augmentation(seed=seed))
    stack += [
        layers.Conv2D(32, (3, 3), activation="relu", padding="valid", name="conv1"),
        layers.MaxPooling2D(pool_size=(2, 2), name="pool1"),
        layers.Dropout(rates[0], name="dropout1"),
        layers.Flatten(name="flatten"),
        layers.Dense(512, activation="relu", name="dense1"),
        layers.Dropout(rates[1], name="dropout2"),
        layers.Dense(n_classes, activation="softmax", name="output"),
    ]
    stack = [
        layer for layer in stack if not (isinstance(layer, layers.Dropout) and layer.rate == 0)
    ]
    return keras.Sequential(stack, name="cifar_slide_cnn")


def augmentation(
    flip: str = "horizontal",
    translation: float = 0.1,
    seed: int | None = None,
    fill_mode: str = "reflect",
    interpolation: str = "bilinear",
) -> keras.Sequential:
    """Data-augmentation layers: RandomFlip(flip) → RandomTranslation(±translation of each side).

    Each image of a batch gets its own flip and shift. Active only in training
    (``training=True``); at inference they pass images through unchanged. ``fill_mode``
    ("reflect", "constant" = zeros, "nearest", "wrap") fills the pixels a shift uncovers;
    ``interpolation="nearest"`` keeps pixels sharp (a shift of whole pixels). Susto's AlexNet
    slides (*Machine Learning* Lecture 26, Università di Padova) show flips and crops.
    """
    if flip not in ("horizontal", "vertical", "horizontal_and_vertical"):
        raise ValueError(
            "flip must be 'horizontal', 'vertical' or 'horizontal_and_vertical', "
            f"got {flip!r}"
        )
    translation = rate("translation", translation)
    if fill_mode not in ("reflect", "constant", "nearest", "wrap"):
        raise ValueError(
            f"fill_mode must be 'reflect', 'constant', 'nearest' or 'wrap', got {fill_mode!r}"
        )
    if interpolation not in ("bilinear", "nearest"):
        raise ValueError(f"interpolation must be 'bilinear' or 'nearest', got {interpolation!r}")
    return keras.Sequential(
        [
            layers.RandomFlip(flip, seed=seed, name="random_flip"),
            layers.RandomTranslation(translation, translation, fill_mode=fill_mode,
                                     interpolation=interpolation, seed=seed,
                                     name="random_translation"),
        ],
        name="augmentation",
    )


def _channel_stats(value: Any, name: str, n_channels: int, positive: bool) -> np.ndarray:
    """``value`` as a float array of shape (n_channels,) (finite; > 0 when ``positive``)."""
    try:
        array = np.asarray(value, dtype="float64").reshape(-1)
    except (TypeError, ValueError):
        array = np.array([])
    if array.shape != (n_channels,) or not np.all(np.isfinite(array)) or (
            positive and not np.all(array > 0)):
        kind = "positive numbers" if positive else "numbers"
        raise ValueError(f"cifar_resnet: {name} must be {n_channels} {kind} (one per channel), "
                         f"got {value!r}")
    return array


def cifar_resnet(
    input_shape: tuple[int, int, int] = (32, 32, 3),
    n_classes: int = 10,
    widths: Sequence[int] = (16, 32, 64, 128),
    mean: Sequence[float] | None = None,
    std: Sequence[float] | None = None,
    augment: bool = True,
    translation: float = 0.125,
    batch_norm: bool = True,
    weight_decay: float = 2.5e-4,
    seed: int | None = None,
) -> keras.Model:
    """A small residual CIFAR network (the "ResNet-9" layout of Page's DAWNBench entry, narrow).

    Notebooks 05 (the deeper model) and 05b (its ablation) use ``widths=(8, 16, 32, 64)``:
    104,514 parameters, about 6 million multiply-adds per image. With ``widths = (w0, w1, w2,
    w3)``, on (32, 32, 3):

    ====================================================  ==========  ===================
    stage                                                 output      parameters
    ====================================================  ==========  ===================
    [normalize: (x − mean) / std, per channel]            32×32×3     0 (constants)
    [augmentation: flip, shift ±translation·32 px]        32×32×3     0
    prep: conv(w0)                                        32×32×w0    9·3·w0
    layer1: conv(w1) → MaxPool 2×2                        16×16×w1    9·w0·w1
    layer1 residual: x + conv(w1)(conv(w1)(x))            16×16×w1    2·9·w1·w1
    layer2: conv(w2) → MaxPool 2×2                        8×8×w2      9·w1·w2
    layer3: conv(w3) → MaxPool 2×2                        4×4×w3      9·w2·w3
    layer3 residual: x + conv(w3)(conv(w3)(x))            4×4×w3      2·9·w3·w3
    GlobalMaxPooling → Dense(n_classes, softmax)          n_classes   (w3 + 1)·n_classes
    ====================================================  ==========  ===================

    Every conv is 3×3, ``same``, followed by BatchNormalization (momentum 0.9; 4 numbers per
    channel: γ, β and the two moving statistics) and ReLU; BatchNorm's β replaces the conv
    bias. With ``batch_norm=False`` the convs get a bias (+ c parameters) and no BatchNorm.
    Default widths (16, 32, 64, 128): 414,074 parameters (412,954 trainable); a 32×32 image
    costs about 24 million multiply-adds.

    - ``mean``/``std``: per-channel statistics of the training images (3 numbers each, from
      ``x_train.mean(axis=(0, 1, 2))``/``.std(...)``); ``None`` for both: no normalisation.
    - ``augment``: :func:`augmentation` (horizontal flip, shift up to ``translation`` of each
      side, zeros fill = the mean colour after normalisation, whole-pixel shifts), training only.
    - ``weight_decay``: L2 penalty ``weight_decay · Σ w²`` on every kernel, added to the loss
      (so the reported loss includes it); 0 for none.

    Sides must be >= 8 (three poolings).
    """
    shape = image_input_shape(input_shape, 8, "cifar_resnet")
    n_classes = positive_int("cifar_resnet: n_classes", n_classes, 2)
    widths = positive_ints("cifar_resnet: widths", widths)
    if len(widths) != 4:
        raise ValueError(f"cifar_resnet: widths must be 4 integers (prep, layer1, layer2, layer3), "
                         f"got {widths!r}")
    if (mean is None) != (std is None):
        raise ValueError(f"cifar_resnet: give both mean and std or neither, got mean={mean!r}, "
                         f"std={std!r}")
    if not isinstance(augment, bool) or not isinstance(batch_norm, bool):
        raise ValueError(f"cifar_resnet: augment and batch_norm must be True or False, got "
                         f"{augment!r} and {batch_norm!r}")
    weight_decay = rate("cifar_resnet: weight_decay", weight_decay)
    regularizer = keras.regularizers.L2(weight_decay) if weight_decay > 0 else None

    def conv_bn_relu(x: Any, filters: int, name: str) -> Any:
        x = layers.Conv2D(filters, (3, 3), padding="same", use_bias=not batch_norm,
                          kernel_regularizer=regularizer, name=name)(x)
        if batch_norm:
            x = layers.BatchNormalization(momentum=0.9, name=name + "_bn")(x)
        return layers.ReLU(name=name + "_relu")(x)

    inputs = keras.Input(shape=shape, name="image")
    x = inputs
    if mean is not None:
        m = _channel_stats(mean, "mean", shape[-1], positive=False)
        s = _channel_stats(std, "std", shape[-1], positive=True)
        x = layers.Normalization(mean=m, variance=s**2, name="normalize")(x)
    if augment:
        x = augmentation(translation=translation, seed=seed, fill_mode="constant",
                         interpolation="nearest")(x)
    x = conv_bn_relu(x, widths[0], "prep")
    x = conv_bn_relu(x, widths[1], "layer1")
    x = layers.MaxPooling2D(pool_size=(2, 2), name="layer1_pool")(x)
    r = conv_bn_relu(x, widths[1], "layer1_res1")
    r = conv_bn_relu(r, widths[1], "layer1_res2")
    x = layers.Add(name="layer1_add")([x, r])
    x = conv_bn_relu(x, widths[2], "layer2")
    x = layers.MaxPooling2D(pool_size=(2, 2), name="layer2_pool")(x)
    x = conv_bn_relu(x, widths[3], "layer3")
    x = layers.MaxPooling2D(pool_size=(2, 2), name="layer3_pool")(x)
    r = conv_bn_relu(x, widths[3], "layer3_res1")
    r = conv_bn_relu(r, widths[3], "layer3_res2")
    x = layers.Add(name="layer3_add")([x, r])
    x = layers.GlobalMaxPooling2D(name="global_max_pool")(x)
    outputs = layers.Dense(n_classes, activation="softmax", kernel_regularizer=regularizer,
                           name="output")(x)
    return keras.Model(inputs, outputs, name="cifar_resnet")
