"""Checks of notebook 00 (set-up: arrays in Keras' layout, class counts)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .framework import Spec, array, contextual, notebook_data, register, sandbox_context


def keras_layout_context(profile: Any = None, source: str = "auto") -> tuple[np.ndarray]:
    """Exercise 0.1's context: ``(images,)``, the training digits (N, 28, 28) uint8 of the
    MNIST notebook 00 loads (:func:`~.framework.notebook_data`) — what the check cell passes
    and a grader rebuilds."""
    return (notebook_data("mnist", profile, source).x_train,)


def class_counts_context(profile: Any = None, source: str = "auto") -> tuple[np.ndarray]:
    """Exercise 0.2's context: ``(labels,)``, the training labels (N,) of the MNIST notebook 00
    loads (:func:`~.framework.notebook_data`)."""
    return (notebook_data("mnist", profile, source).y_train,)


def _keras_layout(images: Any) -> Spec:
    images = np.asarray(images)
    return Spec(
        name="check_keras_layout", exercise="0.1", probe="value", cases=lambda rng: [(images,)],
        reference=lambda im: (im.astype(np.float32) / 255.0)[..., None],
        compare=array(dtype=np.float32), hints=[
            (lambda x, w, im: np.shape(x) == im.shape, "add the channel axis: x[..., np.newaxis]"),
            (lambda x, w, im: np.shape(x) == (len(im), 1, *im.shape[1:]),
             "Keras puts the channels last: (N, H, W, 1)"),
            (lambda x, w, im: np.max(x) > 1, "divide by 255 to get values in [0, 1]"),
        ])


KERAS_LAYOUT = register(contextual("check_keras_layout", "0.1", "value", ("images",),
                                   _keras_layout,
                                   grading_context=sandbox_context(keras_layout_context,
                                                                   "mnist")))


def check_keras_layout(answer: Any, images: np.ndarray) -> bool:
    """Exercise 0.1: ``images`` (N, H, W) uint8 → float32 (N, H, W, 1) with values in [0, 1]."""
    return KERAS_LAYOUT.run(answer, images)


def _class_counts(labels: Any) -> Spec:
    labels = np.asarray(labels)
    return Spec(
        name="check_class_counts", exercise="0.2", probe="value", cases=lambda rng: [(labels,)],
        reference=lambda y: np.bincount(y, minlength=10), compare=array(), hints=[
            (lambda c, w, y: np.size(c) < 10,
             "np.bincount stops at the largest label it sees: pass minlength=10"),
            (lambda c, w, y: np.isclose(np.sum(c), 1), "counts, not fractions"),
        ])


CLASS_COUNTS = register(contextual("check_class_counts", "0.2", "value", ("labels",),
                                   _class_counts,
                                   grading_context=sandbox_context(class_counts_context,
                                                                   "mnist")))


def check_class_counts(answer: Any, labels: np.ndarray) -> bool:
    """Exercise 0.2: the number of examples of each class 0..9 in ``labels`` (N,) → (10,)."""
    return CLASS_COUNTS.run(answer, labels)
