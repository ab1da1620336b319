"""Checks of notebook 09 (transfer learning): a head on a frozen base, top-k accuracy, where to
cut the network."""

from __future__ import annotations

import json
from typing import Any, NamedTuple

import numpy as np

from .framework import Spec, contextual, named, number, register
from .probes import all_layers
from .rebuild import config_layers, rebuild


class HeadFacts(NamedTuple):
    """What exercise 9.1 compares of a transfer model."""

    output_shape: tuple
    base_frozen: bool
    trainable_parameters: int


def head_facts(got: Any, base: dict, n_classes: int) -> HeadFacts:
    """:class:`HeadFacts` of the model ``got`` rebuilt from its config: the base is frozen
    when no trainable weight of the rebuilt model belongs to a layer of ``base`` (a
    ``{"keras_config": …}`` case)."""
    model = rebuild(got, weights=False)
    base_names = {layer["name"] for layer in config_layers(json.loads(base["keras_config"]))}
    in_base = [layer for layer in all_layers(model) if layer.name in base_names]
    frozen = not any(layer.trainable_weights for layer in in_base)
    return HeadFacts(tuple(model.output_shape), frozen,
                     sum(int(np.prod(w.shape)) for w in model.trainable_weights))


def _transfer_head(base: Any, n_classes: int) -> Spec:
    n_features = int(base.output_shape[-1])
    want = HeadFacts((None, n_classes), True, n_features * n_classes + n_classes)
    # the student's function gets a copy of the base, made trainable: forgetting to freeze fails
    case = ({"keras_config": base.to_json(), "trainable": True}, n_classes)
    return Spec(
        name="check_transfer_head", exercise="9.1", probe="call", cases=lambda rng: [case],
        reference=lambda *_: want, facts=head_facts, label="",
        compare=named(("output shape", "base frozen", "trainable parameters")),
        success=f"{want.trainable_parameters:,} trainable parameters, the base frozen", hints=[
            (lambda o, w, *_: not o.base_frozen, "freeze the base: base.trainable = False"),
            (lambda o, w, *_: o.trainable_parameters > w.trainable_parameters,
             f"a single Dense layer on the {n_features} features"),
        ])


TRANSFER_HEAD = register(contextual("check_transfer_head", "9.1", "call",
                                    ("base", "n_classes"), _transfer_head))


def check_transfer_head(fn: Any, base: Any, n_classes: int) -> bool:
    """Exercise 9.1: ``fn(base, n_classes)`` puts a softmax Dense head on a frozen base: output
    (None, n_classes), trainable parameters D·n_classes + n_classes (D: the base's pooled
    feature size), no trainable weight in the base. ``fn`` gets a trainable copy of ``base``
    (rebuilt from its config; the notebook's network is not touched), so forgetting to freeze
    it fails."""
    return TRANSFER_HEAD.run(fn, base, n_classes)


def top_k_accuracy(probs: np.ndarray, labels: np.ndarray, k: int) -> float:
    """Fraction of rows of ``probs`` (N, K) whose label (N,) is among the k largest."""
    top = np.argsort(-probs, axis=1)[:, :k]
    return float(np.mean([label in row for label, row in zip(labels, top, strict=True)]))


def _top_k_cases(rng: np.random.Generator | None) -> list[tuple]:
    rng = rng or np.random.default_rng(92)
    probs, labels = rng.dirichlet(np.ones(20), size=50), rng.integers(0, 20, size=50)
    return [(probs, labels, k) for k in (1, 5)]


TOP_K = register(Spec(
    name="check_top_k_accuracy", exercise="9.2", probe="call", cases=_top_k_cases,
    reference=top_k_accuracy, compare=number(rtol=1e-6, atol=1e-9),
    label=lambda p, y, k: f"k = {k}", hints=[
        (lambda o, w, *_: np.isclose(o, 100 * w), "a fraction in [0, 1], not a percentage"),
        (lambda o, w, p, y, k: np.isclose(o, top_k_accuracy(-p, y, k)),
         "the k LARGEST probabilities: sort in descending order"),
        (lambda o, w, p, y, k: np.isclose(o, w * len(y)), "divide by the number of rows"),
    ]))


def check_top_k_accuracy(fn: Any) -> bool:
    """Exercise 9.2: ``fn(probs, labels, k)`` = fraction of rows whose label is among the k
    largest probabilities."""
    return TOP_K.run(fn)


def _pick_cut_cases(rng: np.random.Generator | None) -> list[tuple]:
    """Two data sets of 3 classes (10 training, 30 validation rows per class) and two candidate
    cuts each: 'narrow' — 4 informative features (generalises), 'wide' — a weak signal among
    300 noise features (fits the training rows perfectly, poor on new rows). The names of the
    good cut differ between the cases, so no fixed answer passes."""
    rng = rng or np.random.default_rng(93)
    y_train, y_val = np.repeat(np.arange(3), 10), np.repeat(np.arange(3), 30)
    centres = rng.normal(scale=1.5, size=(3, 4))

    def narrow(y: np.ndarray) -> np.ndarray:
        return centres[y] + rng.normal(size=(len(y), 4))

    def wide(y: np.ndarray) -> np.ndarray:
        return np.concatenate([0.2 * centres[y], rng.normal(size=(len(y), 300))], axis=1)

    cases = []
    for good, bad in (("block5", "top"), ("top", "block5")):
        train = {good: narrow(y_train), bad: wide(y_train)}
        val = {good: narrow(y_val), bad: wide(y_val)}
        cases.append((dict(sorted(train.items())), y_train, dict(sorted(val.items())), y_val, 1e-2))
    return cases


def _score(features: dict, y: np.ndarray, cut: str, evaluate: dict, y_eval: np.ndarray,
           lr: float, seeds: tuple = (0, 1, 2)) -> float:
    """Mean accuracy on ``evaluate[cut]`` of softmax heads trained on ``features[cut]``."""
    from ..transfer import train_softmax_head

    return float(np.mean([train_softmax_head(features[cut], y, lr, seed=s)
                          .accuracy(evaluate[cut], y_eval) for s in seeds]))


def best_cut(train: dict, y_train: np.ndarray, val: dict, y_val: np.ndarray, lr: float) -> str:
    """The cut whose heads (seeds 0, 1, 2) have the best mean accuracy on ``val``."""
    return max(train, key=lambda cut: _score(train, y_train, cut, val, y_val, lr))


PICK_CUT = register(Spec(
    name="check_pick_cut", exercise="9.3", probe="call", cases=_pick_cut_cases,
    reference=best_cut, label="", success="chosen by validation accuracy", hints=[
        (lambda o, w, train, y_train, val, y_val, lr: o == best_cut(train, y_train, train,
                                                                    y_train, lr),
         "that cut has the best TRAINING accuracy: with many features a head fits 100 training "
         "images perfectly; judge each cut by the accuracy on the validation features"),
        (lambda o, w, train, *_: o == max(train, key=lambda c: train[c].shape[1]),
         "the largest feature vector is not the best by itself: train heads and compare their "
         "validation accuracy"),
    ]))


def check_pick_cut(fn: Any) -> bool:
    """Exercise 9.3 (open): ``fn(train_features, y_train, val_features, y_val, lr)`` returns the
    cut (a key of the dictionaries) whose heads (``transfer.train_softmax_head``, seeds 0, 1,
    2) have the best mean validation accuracy."""
    return PICK_CUT.run(fn)
