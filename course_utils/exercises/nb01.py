"""Checks of notebook 01 (hand-crafted features, a linear classifier built and trained as a
one-layer network, Dense vs Conv2D parameters)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from ..shapes import conv_params, dense_params
from .framework import (
    NotRight,
    Spec,
    array,
    contextual,
    named,
    notebook_data,
    register,
    sandbox_context,
)

# --- the context of notebook 01's checks, as its cells build it ---------------------------------

INK = 127  # a pixel is ink above this (notebook 01's ``INK``)


def shuffled_train(dataset: Any, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A data set's training images (N, 28, 28) and labels (N,) in a fixed random order
    (``np.random.default_rng(seed).permutation``; the offline MNIST file is sorted by class)."""
    order = np.random.default_rng(seed).permutation(len(dataset.y_train))
    return dataset.x_train[order], dataset.y_train[order]


def hand_crafted_features(images: np.ndarray) -> np.ndarray:
    """Notebook 01's 23 hand-crafted features, (N, 28, 28) uint8 → (N, 23) float32: area,
    perimeter, average height, height distribution (4), diagonals (2), row profile (7), column
    profile (7) — the classifier's ``base`` in exercise 1.2 (tests compare them with the
    notebook's cells)."""
    images = np.asarray(images)
    ink = images > INK
    padded = np.pad(ink, ((0, 0), (1, 1), (1, 1)))
    inside = padded[:, :-2, 1:-1] & padded[:, 2:, 1:-1] & padded[:, 1:-1, :-2] & padded[:, 1:-1, 2:]
    nonzero = images > 0
    height = (images / 255 * nonzero).sum(axis=(1, 2)) / np.maximum(nonzero.sum(axis=(1, 2)), 1)
    levels = np.ceil(images / 255 * 4).astype(int)  # 0 = background, 1..4
    counts = np.stack([(levels == k).sum(axis=(1, 2)) for k in range(1, 5)], axis=1)
    rows, cols = np.indices(images.shape[1:])
    bands = (np.abs(rows - cols) <= 1, np.abs(rows + cols - (images.shape[1] - 1)) <= 1)
    parts = [ink.sum(axis=(1, 2))[:, None], (ink & ~inside).sum(axis=(1, 2))[:, None],
             height[:, None], counts / np.maximum(counts.sum(axis=1, keepdims=True), 1),
             np.stack([ink[:, band].sum(axis=1) for band in bands], axis=1),
             ink.sum(axis=2).reshape(len(images), 7, -1).sum(axis=2),
             ink.sum(axis=1).reshape(len(images), 7, -1).sum(axis=2)]
    return np.concatenate(parts, axis=1).astype(np.float32)


def holes(images: np.ndarray) -> np.ndarray:
    """(N, 28, 28) → (N, 1): enclosed background regions (components of pixels ≤ ``INK`` that
    do not touch the border), notebook 01's 24th feature."""
    import scipy.ndimage

    counts = []
    for image in np.asarray(images):
        labels, n = scipy.ndimage.label(image <= INK)
        border = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
        counts.append(n - np.count_nonzero(border))
    return np.array(counts)[:, None]


def bounding_box_height_context(profile: Any = None, source: str = "auto"
                                ) -> tuple[np.ndarray]:
    """Exercise 1.1's context: ``(images,)``, the MNIST test digits (N, 28, 28) uint8 that
    notebook 01 loads (:func:`~.framework.notebook_data`)."""
    return (notebook_data("mnist", profile, source).x_test,)


def new_feature_context(profile: Any = None, source: str = "auto"
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exercise 1.2's context: ``(images, labels, base)``, the Fashion-MNIST training images
    (N, 28, 28) and labels (N,) in notebook 01's order (:func:`shuffled_train`, seed 0) and
    their :func:`hand_crafted_features` (N, 23)."""
    images, labels = shuffled_train(notebook_data("fashion_mnist", profile, source))
    return images, labels, hand_crafted_features(images)


def linear_classifier_context(profile: Any = None, source: str = "auto", n: int = 8000
                              ) -> tuple[np.ndarray, np.ndarray]:
    """Exercise 1.3's context: ``(features, labels)``, the final MNIST features of notebook 01
    (hand-crafted + :func:`holes`, which its validation keeps for the digits) of the first
    ``n`` training images in its order, (n, 24) and (n,)."""
    images, labels = shuffled_train(notebook_data("mnist", profile, source))
    images, labels = images[:n], labels[:n]
    return np.hstack([hand_crafted_features(images), holes(images)]), labels



def box_height(images: np.ndarray, threshold: int = 127) -> np.ndarray:
    """(N, H, W) → (N,) rows from the first to the last row holding a pixel > threshold."""
    rows = (np.asarray(images) > threshold).any(axis=2)  # (N, H): row holds ink
    first = rows.argmax(axis=1)
    last = rows.shape[1] - 1 - rows[:, ::-1].argmax(axis=1)
    return np.where(rows.any(axis=1), last - first + 1, 0)


def _bounding_box_height(images: Any) -> Spec:
    images = np.asarray(images)[:500]
    probe = np.concatenate([images, np.zeros((1, *images.shape[1:]), images.dtype)])
    return Spec(
        name="check_bounding_box_height", exercise="1.1", probe="call",
        cases=lambda rng: [(probe,)], reference=box_height, compare=array(), label="", hints=[
            (lambda h, w, im: np.allclose(h, w - 1), "count both rows: last − first + 1"),
            (lambda h, w, im: np.allclose(h, box_height(im.transpose(0, 2, 1))),
             "that is the width: rows are axis 1 of (N, H, W)"),
            (lambda h, w, im: np.allclose(h, box_height(im, 126)), "ink means > 127, not ≥ 127"),
            (lambda h, w, im: np.allclose(h[w > 0], w[w > 0]),
             "an image without ink has height 0"),
        ])


BOUNDING_BOX_HEIGHT = register(contextual(
    "check_bounding_box_height", "1.1", "call", ("images",), _bounding_box_height,
    grading_context=sandbox_context(bounding_box_height_context, "mnist")))


def check_bounding_box_height(fn: Callable[..., Any], images: np.ndarray) -> bool:
    """Exercise 1.1: ``fn(images)`` (N, H, W) uint8 → (N,) rows from the first to the last row
    that holds a pixel > 127 (0 for an empty image)."""
    return BOUNDING_BOX_HEIGHT.run(fn, images)


_DENSE, _CONV = dense_params(32 * 32 * 3, 512), conv_params(3, 3, 3, 32)

DENSE_VS_CONV = register(Spec(
    name="check_dense_vs_conv", exercise="1.4", probe="value", cases=lambda rng: [()],
    reference=lambda: (_DENSE, _CONV), compare=named(("Dense(512)", "Conv2D(32, 3×3)")),
    success=f"{_DENSE:,} vs {_CONV:,}", hints=[
        (lambda a, w: a[0] == _DENSE - 512 or a[1] == _CONV - 32, "did you count the biases?"),
        (lambda a, w: a[0] == dense_params(32 * 32, 512),
         "the flattened image has 32·32·3 inputs"),
        (lambda a, w: a[1] == conv_params(3, 3, 1, 32), "each 3×3 filter spans all 3 channels"),
        (lambda a, w: a[1] > _CONV, "a convolution shares its weights over all positions"),
    ]))


def check_dense_vs_conv(answer: Any) -> bool:
    """Exercise 1.4: (parameters of Dense(512) on a flattened 32×32×3 image, parameters of
    Conv2D(32, 3×3) on the 32×32×3 image)."""
    return DENSE_VS_CONV.run(answer)


def validation_gain(features: np.ndarray, base: np.ndarray, labels: np.ndarray,
                    n_fit: int) -> tuple[float, float]:
    """Validation accuracy of standardised logistic regression on ``base`` (N, d) and on
    ``base`` + ``features`` (N, k): fitted on the first ``n_fit`` rows, scored on the rest."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits

    scores = []
    for x in (base, np.hstack([base, features])):
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=300))
        with threadpool_limits(limits=1), warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(x[:n_fit], labels[:n_fit])
        scores.append(float(model.score(x[n_fit:], labels[n_fit:])))
    return scores[0], scores[1]


class FeatureGain(NamedTuple):
    """A new feature (N, k) and the validation accuracy without and with it."""

    values: np.ndarray
    before: float
    after: float


def _feature_values(result: Any, n: int, max_columns: int) -> np.ndarray:
    try:
        values = np.asarray(result, dtype=float)
    except (TypeError, ValueError):
        raise NotRight(f"expected an array (N, k), got {type(result).__name__}") from None
    values = values[:, None] if values.ndim == 1 else values
    if values.ndim != 2 or len(values) != n:
        raise NotRight(f"expected one row per image, (N, k) = ({n}, k), got shape "
                       f"{np.shape(result)}")
    if values.shape[1] > max_columns:
        raise NotRight(f"{values.shape[1]} numbers per image: a hand-crafted feature is a few "
                       f"numbers (at most {max_columns}), not the pixels")
    if not np.all(np.isfinite(values)):
        raise NotRight("your feature holds NaN or inf (an image without ink? divide by "
                       "np.maximum(count, 1))")
    return values


def _repeats(values: np.ndarray, base: np.ndarray) -> bool:
    r = np.corrcoef(np.hstack([values, base]).T)[:values.shape[1], values.shape[1]:]
    return bool(np.all(np.nanmax(np.abs(r), axis=1) > 0.98))


def _new_feature(images: Any, labels: Any, base: Any, min_gain: float = 0.01,
                 max_columns: int = 28) -> Spec:
    images, labels, base = np.asarray(images), np.asarray(labels), np.asarray(base, float)
    if not len(images) == len(labels) == len(base):
        raise ValueError(f"images, labels and base need one row per image, got {len(images)}, "
                         f"{len(labels)} and {len(base)}")
    n_fit = 3 * len(images) // 4

    def gain(result: Any, x: np.ndarray) -> FeatureGain:
        values = _feature_values(result, len(x), max_columns)
        return FeatureGain(values, *validation_gain(values, base, labels, n_fit))

    def compare(got: FeatureGain, want: float, reveal: bool) -> str | None:
        if got.after - got.before >= want:
            return None
        return (f"validation accuracy {got.before:.3f} → {got.after:.3f} "
                f"({got.after - got.before:+.3f}); a useful feature adds at least {want:+.3f}")

    return Spec(
        name="check_new_feature", exercise="1.2", probe="call", cases=lambda rng: [(images,)],
        reference=lambda x: min_gain, facts=gain, compare=compare, label="",
        success=lambda g: f"validation accuracy {g.before:.3f} → {g.after:.3f} with "
                          f"{g.values.shape[1]} more number(s) per image", hints=[
            (lambda g, w, x: bool(np.all(np.ptp(g.values, axis=0) == 0)),
             "your feature has the same value for every image: it cannot tell classes apart"),
            (lambda g, w, x: _repeats(g.values, base),
             "it repeats a feature the classifier already has (correlation > 0.98)"),
            (lambda *_: True, "look at what separates the confused classes (trousers have two "
                              "legs, sandals many straps, bags no sleeves): count or measure it"),
        ])


NEW_FEATURE = register(contextual(
    "check_new_feature", "1.2", "call", ("images", "labels", "base", "min_gain", "max_columns"),
    _new_feature, grading_context=sandbox_context(new_feature_context, "fashion_mnist")))


def check_new_feature(fn: Callable[..., Any], images: np.ndarray, labels: np.ndarray,
                      base: np.ndarray, min_gain: float = 0.01, max_columns: int = 28) -> bool:
    """Exercise 1.2: ``fn(images)`` (N, 28, 28) uint8 → (N, k) new hand-crafted feature(s),
    k ≤ ``max_columns`` (a feature is a few numbers, d ≪ 784). Added to the ``base`` features
    (N, d), it must raise the validation accuracy of the notebook's linear classifier by at
    least ``min_gain``: fitted on the first 3/4 of the training images, scored on the last 1/4
    (a validation split; the test set is not used)."""
    return NEW_FEATURE.run(fn, images, labels, base, min_gain, max_columns)


# --- Exercise 1.3: the linear classifier as a one-layer network, built and trained ------------

# names of the models course_utils.models builds: a student asked to build reuses none of them
COURSE_MODELS = ("alexnet", "alexnet_2gpu", "alexnet_insa", "augmentation", "cifar_resnet",
                 "cifar_slide_cnn", "efficientnet_lite0", "googlenet", "googlenet_no_aux",
                 "inception_bottleneck", "inception_naive", "lecture_cnn", "lecture_cnn_base",
                 "lenet5", "lenet5_insa", "mini_plain", "mini_resnet", "mini_vgg",
                 "mlp_baseline", "resnet50", "vgg16")
LINEAR_MARGIN = 0.03  # how far below scikit-learn's validation accuracy a trained network may be
_WEIGHTED = ("Dense", "Conv1D", "Conv2D", "EinsumDense")


class LinearFit(NamedTuple):
    """A trained linear classifier's validation accuracy, scikit-learn's on the same split,
    and whether the model standardises its inputs itself (a ``Normalization`` layer)."""

    accuracy: float
    baseline: float
    normalises: bool


def linear_baseline(x_fit: np.ndarray, y_fit: np.ndarray, x_val: np.ndarray,
                    y_val: np.ndarray) -> float:
    """Validation accuracy of the notebook's classifier, standardised logistic regression
    (scikit-learn), fitted on ``x_fit`` (N, d), ``y_fit`` (N,) and scored on ``x_val``,
    ``y_val``."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits

    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=300))
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(x_fit, y_fit)
    return float(model.score(x_val, y_val))


def _linear_model(result: Any, n_features: int, n_classes: int) -> Any:
    """The student's trained model rebuilt with the weights it was sent with; NotRight for a
    course builder, a network that is not one softmax layer, or wrong shapes."""
    from .rebuild import rebuild
    from .wire import KerasConfig

    model = rebuild(result, hint="build it from keras layers")
    if model.name in COURSE_MODELS:
        raise NotRight(f"that is course_utils.models.{model.name}: build your own with "
                       "keras.Sequential, keras.Input and layers.Dense")
    if not isinstance(result, KerasConfig) or result.weights is None:
        raise NotRight("your model's weights did not come back: is it built (keras.Input first)?")
    _load_weights(model, result.weights)
    weighted = [layer for layer in _layers(model) if type(layer).__name__ in _WEIGHTED]
    if len(weighted) != 1:
        raise NotRight(f"{len(weighted)} layers with weights: a linear classifier is one Dense "
                       "layer from the features to the classes, no hidden layer")
    if tuple(model.input_shape) != (None, n_features):
        raise NotRight(f"expected input shape (None, {n_features}) — one row of features — "
                       f"got {tuple(model.input_shape)}")
    if tuple(model.output_shape) != (None, n_classes):
        raise NotRight(f"expected output shape (None, {n_classes}), one probability per class, "
                       f"got {tuple(model.output_shape)}")
    if weighted[0].get_config().get("activation") != "softmax":
        raise NotRight(f"the Dense layer's activation is "
                       f"{weighted[0].get_config().get('activation')!r}: use softmax, so that "
                       "the output is one probability per class")
    return model


def _load_weights(model: Any, weights: list[np.ndarray]) -> None:
    """Give ``model`` the trained ``weights`` (as ``model.get_weights()`` lists them); a weight
    may come back with another shape of the same size. A ``Normalization`` layer standardises
    with copies of its weights made by ``finalize_state()``, so it is called again."""
    variables = model.weights
    if len(variables) != len(weights):
        raise NotRight(f"the model's weights do not fit its layers ({len(weights)} arrays sent, "
                       f"{len(variables)} expected)")
    for variable, value in zip(variables, weights, strict=True):
        value = np.asarray(value)
        if value.size != int(np.prod(variable.shape)):
            raise NotRight(f"the model's weights do not fit its layers ({variable.path}: "
                           f"shape {tuple(variable.shape)}, sent {value.shape})")
        variable.assign(value.reshape(variable.shape))
    for layer in _layers(model):
        if type(layer).__name__ == "Normalization":
            layer.finalize_state()  # its mean and variance are read from the assigned weights


def _layers(model: Any) -> list[Any]:
    from .probes import all_layers

    return all_layers(model)


def _linear_classifier(features: Any, labels: Any, margin: float = LINEAR_MARGIN) -> Spec:
    features, labels = np.asarray(features, np.float32), np.asarray(labels)
    if features.ndim != 2 or len(features) != len(labels):
        raise ValueError(f"expected features (N, d) and labels (N,), got shapes "
                         f"{features.shape} and {labels.shape}")
    n_fit = 3 * len(features) // 4
    x_fit, y_fit, x_val, y_val = features[:n_fit], labels[:n_fit], features[n_fit:], labels[n_fit:]
    n_classes = int(labels.max()) + 1
    baseline = linear_baseline(x_fit, y_fit, x_val, y_val)

    def trained(result: Any, x: np.ndarray, y: np.ndarray) -> LinearFit:
        model = _linear_model(result, x.shape[1], n_classes)
        probabilities = np.asarray(model.predict(x_val, verbose=0))
        accuracy = float((probabilities.argmax(axis=1) == y_val).mean())
        normalises = any(type(layer).__name__ == "Normalization" for layer in _layers(model))
        return LinearFit(accuracy, baseline, normalises)

    def compare(got: LinearFit, want: float, reveal: bool) -> str | None:
        if got.accuracy >= want:
            return None
        return (f"validation accuracy {got.accuracy:.3f}, scikit-learn's logistic regression "
                f"reaches {got.baseline:.3f} on the same split; yours should be within "
                f"{margin:.2f} of it")

    return Spec(
        name="check_linear_classifier", exercise="1.3", probe="call",
        cases=lambda rng: [(x_fit, y_fit)], reference=lambda x, y: baseline - margin,
        facts=trained, compare=compare, label="",
        success=lambda g: f"validation accuracy {g.accuracy:.3f}, scikit-learn's logistic "
                          f"regression {g.baseline:.3f}", hints=[
            (lambda g, w, x, y: not g.normalises,
             "standardise inside the model: a layers.Normalization() adapted to the training "
             "features (the check feeds it raw features, like area ≈ 100 and fractions ≈ 0.5)"),
            (lambda g, w, x, y: g.accuracy < 1.5 / n_classes,
             "near chance: did you compile and fit the model before returning it?"),
            (lambda *_: True, "train longer (more epochs) or with a larger learning rate, e.g. "
                              "Adam(1e-2)"),
        ])


LINEAR_CLASSIFIER = register(contextual(
    "check_linear_classifier", "1.3", "call", ("features", "labels", "margin"),
    _linear_classifier, grading_context=sandbox_context(linear_classifier_context, "mnist")))


def check_linear_classifier(fn: Callable[..., Any], features: np.ndarray, labels: np.ndarray,
                            margin: float = LINEAR_MARGIN) -> bool:
    """Exercise 1.3: ``fn(x, y)`` builds, compiles and trains a linear classifier as a Keras
    network — inputs standardised inside the model, one ``Dense`` layer with softmax from the d
    features to the classes, no hidden layer — on the features ``x`` (n, d) and labels ``y``
    (n,), and returns the trained model. The check calls it on the first 3/4 of ``features``
    (N, d), ``labels`` (N,) and scores the returned model on the last 1/4 (validation; the test
    set is not used): it must come within ``margin`` of scikit-learn's standardised logistic
    regression fitted on the same images. Rejects the course's own builders
    (``course_utils.models``)."""
    return LINEAR_CLASSIFIER.run(fn, features, labels, margin)
