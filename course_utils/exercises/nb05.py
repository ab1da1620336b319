"""Checks of notebook 05 (CIFAR-10 CNN and callbacks): early stopping, a learning-rate logger,
the lecture's MNIST CNN without pooling (Chollet's experiment), a callback that stops at a
target."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..training import early_stop_epoch
from .framework import Spec, Verdict, array, named, register
from .rebuild import facts_of, facts_record, model_facts

EARLY_STOP_CASES = [([1.0, 0.8, 0.7, 0.75, 0.72, 0.71, 0.9], 3),
                    ([1.0, 0.8, 0.7, 0.75, 0.69, 0.71, 0.9], 3),
                    ([1.0, 0.9, 0.8, 0.7], 2), ([0.5, 0.6, 0.7, 0.4, 0.8], 1), ([0.5, 0.5, 0.5], 2)]


def _early_stop_cases(rng: np.random.Generator | None) -> list[tuple[list[float], int]]:
    if rng is None:
        return EARLY_STOP_CASES
    return EARLY_STOP_CASES + [(rng.choice([0.5, 0.6, 0.7, 0.8], int(rng.integers(2, 10))).tolist(),
                                int(rng.integers(1, 4))) for _ in range(20)]


def _early_stoppers() -> list:
    """The course's answer to 5.1 and the callback it imitates."""
    import keras

    return [early_stop_epoch, keras.callbacks.EarlyStopping]


EARLY_STOP = register(Spec(
    name="check_early_stop_epoch", exercise="5.1", probe="call", cases=_early_stop_cases,
    reference=early_stop_epoch, label="val_losses {}, patience {}",
    success="{n} runs agree with keras.callbacks.EarlyStopping", forbidden=_early_stoppers,
    reuse_hint="write the loop over the epochs yourself", hints=[
        (lambda o, w, v, p: o == early_stop_epoch(v, p, np.less_equal),
         "an equal loss is no improvement: loss < best"),
        (lambda o, w, v, p: w is not None and o == w + 1, "epochs count from 0, and training "
         "stops as soon as `patience` epochs in a row did not improve"),
        (lambda o, w, v, p: w is None and o == len(v) - 1,
         "return None when EarlyStopping lets every epoch run"),
    ]))


def check_early_stop_epoch(fn: Callable[..., Any]) -> bool:
    """Exercise 5.1: ``fn(val_losses, patience)`` → the epoch (0-based) at which EarlyStopping
    stops, or None when it lets all epochs run."""
    return EARLY_STOP.run(fn)


LR_LOGGER = register(Spec(
    name="check_lr_logger", exercise="5.2", probe="callback",
    cases=lambda rng: [("fit", [], "lr_halving", ["rates"])],
    reference=lambda *_: [0.08, 0.04, 0.02], compare=array(), label="", reveal=False,
    facts=lambda record, *_: record["attributes"].get("rates"),
    success="rates [0.08, 0.04, 0.02] logged", hints=[
        (lambda r, w, *_: r is None,
         "give it a list attribute `rates`: self.rates = [] in __init__"),
        (lambda r, w, *_: len(r) == 0, "append the rate in on_epoch_end"),
        (lambda r, w, *_: len(r) > 3, "once per epoch: on_epoch_end, not on every batch"),
        (lambda r, w, *_: not all(isinstance(v, float) for v in r),
         "append float(self.model.optimizer.learning_rate): the variable itself keeps changing"),
    ]))


def check_lr_logger(callback_class: Any) -> bool:
    """Exercise 5.2: a ``keras.callbacks.Callback`` subclass whose ``rates`` list gets the
    optimizer's learning rate (a float) at the end of every epoch (a 3-epoch fit at 0.08,
    0.04, 0.02)."""
    return LR_LOGGER.run(callback_class)


LayerFacts = facts_record("LayerFacts", "input_shape", "layer_kinds", "output_shape",
                          "parameters")
_NO_POOL_KINDS = ("Conv2D", "Conv2D", "Conv2D", "Flatten", "Dense", "Dense")


def _lecture_builders() -> list:
    """The course's builder of the lecture's MNIST CNN: with it, exercise 5.3 is done for you."""
    from ..models import lecture_cnn

    return [lecture_cnn]


def _pooling_compare(got: tuple, want: tuple, reveal: bool) -> str | None:
    """Input, layers and output shape are named (the exercise states them); the parameter count
    is not given away."""
    if got.input_shape != want.input_shape:
        return f"input shape {got.input_shape}, expected {want.input_shape}"
    if got.layer_kinds != want.layer_kinds:
        return f"layers {list(got.layer_kinds)}, expected {list(want.layer_kinds)}"
    if got.output_shape != want.output_shape:
        return f"output shape {got.output_shape}, expected {want.output_shape}"
    if got.parameters != want.parameters:
        return f"{got.parameters:,} parameters, which is not right yet"
    return None


def _without_pooling() -> tuple:
    """The facts of the lecture's MNIST CNN (notebook 04, ``models.lecture_cnn``) without its two
    MaxPooling2D layers: 320 + 18,496 + 36,928 + (22·22·64 + 1)·64 + 650 parameters."""
    import keras

    layers = keras.layers
    return facts_of(LayerFacts, keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, (3, 3), activation="relu"),
        layers.Conv2D(64, (3, 3), activation="relu"),
        layers.Conv2D(64, (3, 3), activation="relu"),
        layers.Flatten(),
        layers.Dense(64, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ]))


def _kinds_without(kinds: tuple, kind: str) -> tuple:
    return tuple(k for k in kinds if k != kind)


_CONV_AND_OUTPUT = 320 + 18_496 + 36_928 + 650  # the three convolutions and Dense(10)


def _padded_same(parameters: int) -> bool:
    """Whether Dense(64) receives side·side·64 features with a side of 24, 26 or 28: one or more
    convolutions padded 'same' instead of 'valid' (whose last map is 22×22)."""
    return any(parameters == _CONV_AND_OUTPUT + (side * side * 64 + 1) * 64
               for side in (24, 26, 28))


NO_POOLING = register(Spec(
    name="check_no_pooling", exercise="5.3", probe="call", cases=lambda rng: [()],
    reference=_without_pooling, facts=model_facts(LayerFacts), label="",
    compare=_pooling_compare, success="the lecture CNN without pooling, layer for layer",
    forbidden=_lecture_builders, hints=[
        (lambda g, w: g.input_shape != w.input_shape,
         "start with keras.Input(shape=(28, 28, 1)): MNIST digits, one channel"),
        (lambda g, w: "MaxPooling2D" in g.layer_kinds,
         "remove both MaxPooling2D layers (and no other pooling)"),
        (lambda g, w: "Dropout" in g.layer_kinds
         and _kinds_without(g.layer_kinds, "Dropout") == w.layer_kinds,
         "no Dropout: the lecture CNN has none"),
        (lambda g, w: g.layer_kinds != w.layer_kinds
         and g.layer_kinds.count("Conv2D") != 3,
         "keep all three convolutions (32, 64 and 64 filters of 3×3)"),
        (lambda g, w: g.layer_kinds != w.layer_kinds,
         "keep the lecture CNN's head: Flatten → Dense(64) → Dense(10)"),
        (lambda g, w: _padded_same(g.parameters),
         "keep padding='valid' (Keras' default): with 'same' the maps stay 28×28"),
        (lambda g, w: g.parameters != w.parameters,
         "same layers as the lecture CNN: 32, 64, 64 filters of 3×3, Dense(64), Dense(10)"),
    ]))


def check_no_pooling(build_fn: Callable[..., Any]) -> bool:
    """Exercise 5.3: ``build_fn()`` → the lecture's MNIST CNN (notebook 04) without its two
    MaxPooling2D layers: Input (28, 28, 1) → Conv2D 32 3×3 → Conv2D 64 3×3 → Conv2D 64 3×3
    (relu, 'valid') → Flatten → Dense 64 relu → Dense 10 softmax. Built with the layers
    themselves: ``models.lecture_cnn`` is refused."""
    return NO_POOLING.run(build_fn)


def _logs(val_accuracies: Sequence[float]) -> list[dict]:
    return [{"accuracy": 0.99, "loss": 0.1, "val_accuracy": v, "val_loss": 1 - v}
            for v in val_accuracies]


STOP_CASES = [("logs", [target], _logs(vals), ["stopped_epoch"]) for target, vals in
              [(0.8, [0.5, 0.7, 0.85, 0.9]), (0.8, [0.85, 0.9]), (0.95, [0.5, 0.7, 0.9]),
               (0.6, [0.5, 0.6, 0.55, 0.7])]] + [("fit", [0.9], "blobs", [])]


def _first_reaching(driver: str, init: list, logs: list, names: list) -> tuple:
    hits = [e for e, epoch in enumerate(logs) if epoch["val_accuracy"] >= init[0]]
    return hits[:1], hits[0] if hits else None


def _stops_at_target(values: list, cases: list, context: tuple) -> Verdict:
    """Stage 2: in a real fit (two blobs, target 0.9) training stopped before 40 epochs, on the
    first epoch whose validation accuracy reached the target."""
    val = values[-1]["history"]["val_accuracy"]
    stopped = len(val) < 40 and val[-1] >= 0.9 and (len(val) == 1 or val[-2] < 0.9)
    return Verdict(True, "also stops a real fit as soon as val_accuracy ≥ 0.9") if stopped else \
        Verdict(False, "in a real fit it did not stop at the first epoch reaching the target")


def _val_accuracies(logs: list) -> list:
    return [epoch["val_accuracy"] for epoch in logs]


STOP_AT_TARGET = register(Spec(
    name="check_stop_at_target", exercise="5.4", probe="callback",
    cases=lambda rng: STOP_CASES, compared=4, then=_stops_at_target,
    reference=_first_reaching,
    facts=lambda record, *_: (record["stops"], record["attributes"].get("stopped_epoch",
                                                                        "missing")),
    label=lambda d, init, logs, names: f"target {init[0]}, val_accuracy per epoch "
                                       f"{_val_accuracies(logs)}",
    compare=named(("stopped at epochs", "stopped_epoch")), hints=[
        (lambda g, w, d, init, logs, n: g[0] and w[0] and g[0][0] == 0 and w[0][0] > 0,
         "look at logs['val_accuracy'], not the training accuracy"),
        (lambda g, w, d, init, logs, n: g[0] != w[0] and w[0]
         and logs[w[0][0]]["val_accuracy"] == init[0], "reaching the target counts: use >=, not >"),
        (lambda g, w, *_: not g[0] and w[0],
         "set self.model.stop_training = True when the target is reached"),
        (lambda g, w, *_: g[0] == w[0] and g[1] != w[1],
         "store the epoch in self.stopped_epoch (set it to None in __init__)"),
    ]))


def check_stop_at_target(callback_class: Any) -> bool:
    """Exercise 5.4: ``callback_class(target)`` stops training (sets
    ``self.model.stop_training``) at the end of the first epoch whose ``val_accuracy`` is
    ``>= target`` and stores that epoch in ``stopped_epoch`` (None before). Stage 1: fed epoch
    logs; stage 2: a real fit."""
    return STOP_AT_TARGET.run(callback_class)
