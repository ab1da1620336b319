"""Checks of notebook 04 (LeNet-5 on MNIST: parameters, an MLP baseline, LeNet-5 built and
trained, per-class accuracy)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import training
from ..shapes import conv_params, dense_params
from .framework import (
    BUILD_IT,
    Hint,
    Spec,
    Verdict,
    array,
    contextual,
    named,
    notebook_data,
    register,
    sandbox_context,
)
from .rebuild import facts_of, facts_record, model_facts, rebuild

_NO_INPUT = "start it with keras.Input(shape=(32, 32, 1))"


def _lenet_builders() -> list:
    """The course's LeNet-5 builders: the answer of exercises 4.1 and 4.4."""
    from ..models import lenet5, lenet5_insa

    return [lenet5, lenet5_insa]


def _mlp_builder() -> list:
    """The course's MLP builder: the answer of exercise 4.2."""
    from ..models import mlp_baseline

    return [mlp_baseline]


def lenet5_params(c_in: int, bias: bool = True, flat: int = 400) -> int:
    """LeNet-5 (Boracchi's slides) on a 32×32×c_in input: (5·5·c_in + 1)·6 + 61,550 more;
    ``flat``: the values Flatten passes on (576 when conv1 is padded 'same')."""
    return (conv_params(5, 5, c_in, 6, bias) + conv_params(5, 5, 6, 16, bias)
            + dense_params(flat, 120, bias) + dense_params(120, 84, bias)
            + dense_params(84, 10, bias))


LENET_PARAMS = register(Spec(
    name="check_lenet_params", exercise="4.1", probe="call",
    cases=lambda rng: [(c,) for c in (1, 3, 2, 4, 10)], reference=lenet5_params,
    label="c_in={}", success=f"grey {lenet5_params(1):,}, RGB {lenet5_params(3):,}",
    forbidden=_lenet_builders,
    reuse_hint="count them from the layer shapes: (k·k·c_in + 1)·filters per convolution, "
               "(n_in + 1)·n_out per dense layer", hints=[
        (lambda o, w, c: o == lenet5_params(1), "only the first convolution depends on c_in"),
        (lambda o, w, c: o == lenet5_params(c, bias=False), "did you count the biases?"),
    ]))


def check_lenet_params(fn: Callable[..., Any]) -> bool:
    """Exercise 4.1: ``fn(c_in)`` → trainable parameters of LeNet-5 on a 32×32×c_in input."""
    return LENET_PARAMS.run(fn)


MLPFacts = facts_record("MLPFacts", "input_shape", "output_shape", "dense_units", "parameters")


_MLP = MLPFacts((None, 32, 32, 1), (None, 10), [84, 10], 32 * 32 * 84 + 84 + 84 * 10 + 10)

MLP_BASELINE = register(Spec(
    name="check_mlp_baseline", exercise="4.2", probe="call", cases=lambda rng: [()],
    reference=lambda: _MLP, facts=model_facts(MLPFacts, hint=_NO_INPUT), label="",
    compare=named(("input shape", "output shape", "Dense units", "parameters")),
    success=f"{_MLP.parameters:,} parameters", forbidden=_mlp_builder, reuse_hint=BUILD_IT,
    hints=[
        (lambda m, w: m.input_shape != w.input_shape, "start with keras.Input(shape=(32, 32, 1))"),
        (lambda m, w: m.dense_units != w.dense_units,
         "Dense layers of 84 and 10 units: one hidden, one output"),
    ]))


def check_mlp_baseline(fn: Callable[..., Any]) -> bool:
    """Exercise 4.2: ``fn()`` → a Keras model 32×32×1 → Flatten → Dense(84) → Dense(10)."""
    return MLP_BASELINE.run(fn)


def _per_class_cases(rng: np.random.Generator | None) -> list[tuple[np.ndarray]]:
    rng = rng or np.random.default_rng(4)
    return [(np.array([[5, 1], [2, 2]]),), (rng.integers(1, 30, (10, 10)),),
            (np.diag([3, 4, 5]) + 1,)]


PER_CLASS_ACCURACY = register(Spec(
    name="check_per_class_accuracy", exercise="4.3", probe="call", cases=_per_class_cases,
    reference=lambda cm: np.diag(cm) / cm.sum(axis=1), compare=array(),
    label=lambda cm: f"a {len(cm)}×{len(cm)} matrix", hints=[
        (lambda o, w, cm: np.allclose(o, np.diag(cm) / cm.sum(axis=0)),
         "rows are the true classes: divide by row sums"),
        (lambda o, w, cm: np.allclose(o, np.diag(cm)), "divide by the row sums to get fractions"),
        (lambda o, w, cm: isinstance(o, (float, np.floating)),
         "one value per class, not the overall accuracy"),
    ]))


def check_per_class_accuracy(fn: Callable[..., Any]) -> bool:
    """Exercise 4.3: ``fn(cm)`` → (K,) fraction of each true class i predicted correctly,
    ``cm[i, i] / cm[i, :].sum()``, for a (K, K) confusion matrix ``cm``."""
    return PER_CLASS_ACCURACY.run(fn)


# Validation floor of exercise 4.4: the reference LeNet-5 (models.lenet5) trained as the check
# trains reached 0.868, 0.895 and 0.883 with seeds 0, 1, 2 on the quick-profile MNIST split of
# notebook 04 (3,600 fit / 400 validation digits); 0.80 leaves a margin of about 0.07.
# tests/test_exercises_keras.py retrains the three seeds and keeps the floor honest.
LENET_MIN_ACCURACY = 0.80
LENET_TRAIN_EXAMPLES = 3000  # the check trains on at most this many images ...
LENET_VAL_EXAMPLES = 2000  # ... and evaluates on at most this many held-out ones
LENET_EPOCHS = 2
LENET_ROWS = ("conv1", "conv2", "dense 120", "dense 84", "output")


def lenet_validation_accuracy(build: Callable[[], Any], x: np.ndarray, y: np.ndarray,
                              x_val: np.ndarray, y_val: np.ndarray, seed: int = 0) -> float:
    """:func:`training.validation_accuracy` as exercise 4.4 trains: :data:`LENET_EPOCHS`
    epochs on at most :data:`LENET_TRAIN_EXAMPLES` images ``x`` (N, 32, 32, 1), accuracy on at
    most :data:`LENET_VAL_EXAMPLES` held-out ones."""
    return training.validation_accuracy(build, x, y, x_val, y_val, epochs=LENET_EPOCHS,
                                        n_train=LENET_TRAIN_EXAMPLES, n_val=LENET_VAL_EXAMPLES,
                                        seed=seed)


# what exercise 4.4 compares: shapes, parameters and activation of each Conv2D/Dense layer,
# the kinds of its pooling layers (the slide's LeNet-5 averages)
LeNetFacts = facts_record("LeNetFacts", "input_shape", "output_shape", "row_parameters",
                          "activations", "pooling", "parameters")


def _first_wrong_row(got: tuple, want: tuple) -> str:
    if len(got) != len(want):
        return (f"{len(got)} Conv2D/Dense layers, the slide's table has {len(want)} "
                f"({', '.join(LENET_ROWS)})")
    for name, g, w in zip(LENET_ROWS, got, want, strict=True):
        if g != w:
            return f"row {name} has {g:,} parameters, the slide's table {w:,}"
    return "the rows are right"


def _lenet_hints(want: int) -> list[Hint]:
    padded = lenet5_params(1, flat=6 * 6 * 16)
    return [
        (lambda g, w: g.parameters == padded,
         f"{padded:,} parameters instead of {want:,}: conv1 must be padding='valid' "
         "(32 → 28), so Flatten gets 5·5·16 = 400 values"),
        (lambda g, w: g.row_parameters != w.row_parameters,
         lambda g, w: _first_wrong_row(g.row_parameters, w.row_parameters)),
        (lambda g, w: "linear" in g.activations,
         lambda g, w: f"{LENET_ROWS[g.activations.index('linear')]} has no activation: the "
                      "slide uses tanh in the convolutions, relu in the hidden dense layers, "
                      "softmax out"),
        (lambda g, w: g.activations != w.activations,
         "activations: tanh, tanh (convolutions), relu, relu (dense), softmax (output)"),
        (lambda g, w: any("Max" in kind for kind in g.pooling),
         "LeNet-5 on the slides uses average pooling (AveragePooling2D), not max pooling"),
        (lambda g, w: len(g.pooling) != len(w.pooling),
         lambda g, w: f"{len(g.pooling)} pooling layers, the slide's table has "
                      f"{len(w.pooling)} (after each convolution)"),
    ]


def _lenet_build(x: np.ndarray, y: np.ndarray, x_val: np.ndarray, y_val: np.ndarray,
                 min_accuracy: float = LENET_MIN_ACCURACY) -> Spec:
    from ..models import lenet5

    want = facts_of(LeNetFacts, lenet5())

    def trained(values: list, cases: list, context: tuple) -> Verdict:
        ok, accuracy = training_attempt(values[0], x, y, x_val, y_val)
        if not ok:
            return Verdict(False, f"training your model {accuracy}")
        if not np.isfinite(accuracy) or accuracy < min_accuracy:
            return Verdict(False, f"validation accuracy {accuracy:.3f} after {LENET_EPOCHS} "
                                  f"epochs, below {min_accuracy:.2f}: is the output a softmax "
                                  "over 10 classes and are the inputs scaled to [0, 1]?")
        return Verdict(True, f"validation accuracy {accuracy:.3f} ≥ {min_accuracy:.2f} after "
                             f"{LENET_EPOCHS} epochs on "
                             f"{min(len(x), LENET_TRAIN_EXAMPLES):,} digits")

    return Spec(
        name="check_lenet_build", exercise="4.4", probe="call", cases=lambda rng: [()],
        reference=lambda: want, facts=model_facts(LeNetFacts, hint=_NO_INPUT), label="",
        then=trained,
        compare=named(("input shape", "output shape", "parameters per Conv2D/Dense",
                       "activations", "pooling layers", "total parameters")),
        hints=_lenet_hints(want.parameters), forbidden=_lenet_builders, reuse_hint=BUILD_IT)


def training_attempt(config: Any, x: np.ndarray, y: np.ndarray, x_val: np.ndarray,
                     y_val: np.ndarray) -> tuple[bool, Any]:
    """(True, validation accuracy) of the model ``config`` rebuilt and trained as exercise 4.4
    trains, or (False, "raised X: …")."""
    from .probes import attempt

    return attempt(lenet_validation_accuracy, lambda: rebuild(config), x, y, x_val, y_val)


def lenet_build_context(profile: Any = None, source: str = "auto") -> tuple:
    """Exercise 4.4's context, as its notebook (04b) splits its data: ``(x, y, x_val, y_val,
    min_accuracy)``, the MNIST training digits (:func:`~.framework.notebook_data`) scaled to
    [0, 1] and padded to (N, 32, 32, 1) (``training.scale_images(…, pad=2)``), split 90 / 10 %
    stratified (``train_test_split(…, test_size=0.1, random_state=0)``), and
    :data:`LENET_MIN_ACCURACY`."""
    from sklearn.model_selection import train_test_split

    mnist = notebook_data("mnist", profile, source)
    x_fit, x_val, y_fit, y_val = train_test_split(
        training.scale_images(mnist.x_train, pad=2), mnist.y_train, test_size=0.1,
        stratify=mnist.y_train, random_state=0)
    return x_fit, y_fit, x_val, y_val, LENET_MIN_ACCURACY


LENET_BUILD = register(contextual("check_lenet_build", "4.4", "call",
                                  ("x", "y", "x_val", "y_val", "min_accuracy"), _lenet_build,
                                  forbidden=_lenet_builders,
                                  grading_context=sandbox_context(lenet_build_context, "mnist")))


def check_lenet_build(fn: Callable[..., Any], x: np.ndarray, y: np.ndarray, x_val: np.ndarray,
                      y_val: np.ndarray, min_accuracy: float) -> bool:
    """Exercise 4.4: ``fn()`` builds LeNet-5 from the slide's table (uncompiled): 32×32×1 →
    Conv2D(6, 5×5, tanh, valid) → AveragePooling2D(2×2) → Conv2D(16, 5×5, tanh) →
    AveragePooling2D(2×2) → Flatten → Dense(120, relu) → Dense(84, relu) → Dense(10, softmax),
    61,706 parameters. Stage 0: an answer that is or calls the course's builder
    (``models.lenet5``, ``models.lenet5_insa``) fails. Stage 1, structure: compared with
    :func:`course_utils.models.lenet5` (per-row parameters, activations, pooling kinds — max
    pooling fails —, a hint naming the first wrong row). Stage 2, training:
    the model rebuilt from its config is trained briefly (:func:`lenet_validation_accuracy`)
    and must reach ``min_accuracy`` on the held-out images ``x_val`` (N, 32, 32, 1), ``y_val``
    (N,)."""
    return LENET_BUILD.run(fn, x, y, x_val, y_val, min_accuracy)
