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


# notebook 09's candidate cuts of EfficientNet-Lite0 (its `cuts`), one chosen on validation
TRANSFER_CUTS = ("block5c_add", "block6d_add", "top_activation")
TRANSFER_NOTE = ("graded on a base cut at one of TRANSFER_CUTS drawn at grading time, not at "
                 "the notebook's CUT: CUT is chosen by training heads on validation features "
                 "of the pretrained EfficientNet-Lite0, which the grader does not repeat (the "
                 "check reads only the base's architecture)")


def transfer_base(model: Any, cut: str) -> Any:
    """Exercise 9.1's base: ``model`` up to its layer ``cut``, then global average pooling
    (``keras.Model`` named ``base_9_1``, made trainable: the student's function must freeze
    it)."""
    import keras

    base = keras.Model(model.input, keras.layers.GlobalAveragePooling2D()(
        model.get_layer(cut).output), name="base_9_1")
    base.trainable = True
    return base


def transfer_head_context(cut: str, model: Any = None, n_classes: int = 10) -> tuple[Any, int]:
    """Exercise 9.1's context: ``(base, n_classes)``, :func:`transfer_base` of ``model``
    (default: EfficientNet-Lite0 for any image size, built without drawing weights — the check
    reads only the architecture) at ``cut``."""
    if model is None:
        from ..models.classic import build_without_weights
        from ..models.efficientnet import efficientnet_lite0

        model = build_without_weights(efficientnet_lite0, weights=None,
                                      input_shape=(None, None, 3))
    return transfer_base(model, cut), n_classes


def _transfer_grading_context(rng: np.random.Generator | None) -> tuple[Any, int]:
    cut = TRANSFER_CUTS[0] if rng is None else str(rng.choice(TRANSFER_CUTS))
    return transfer_head_context(cut)


TRANSFER_HEAD = register(contextual("check_transfer_head", "9.1", "call",
                                    ("base", "n_classes"), _transfer_head,
                                    grading_context=_transfer_grading_context,
                                    grading_note=TRANSFER_NOTE))


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


def _top_k_library() -> list:
    """Library functions that compute top-k accuracy: the answer of exercise 9.2."""
    import keras

    return [keras.metrics.top_k_categorical_accuracy,
            keras.metrics.sparse_top_k_categorical_accuracy,
            keras.metrics.TopKCategoricalAccuracy, keras.metrics.SparseTopKCategoricalAccuracy,
            keras.ops.in_top_k, "sklearn.metrics._ranking.top_k_accuracy_score"]


TOP_K = register(Spec(
    name="check_top_k_accuracy", exercise="9.2", probe="call", cases=_top_k_cases,
    reference=top_k_accuracy, compare=number(rtol=1e-6, atol=1e-9), forbidden=_top_k_library,
    reuse_hint="write it yourself: np.argsort gives the k largest",
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


# Data seeds of :func:`_close_case` whose two cuts are so close that the heads of one seed
# choose the other cut than the mean of seeds 0, 1, 2 does: seed 0 alone is wrong on data 4,
# seed 1 alone on data 0, seed 2 alone on data 8 (found by search; tests/test_exercises.py
# asserts the property, so a one-seed `pick_cut` fails whichever seed it uses).
CLOSE_DATA = {0: 4, 1: 0, 2: 8}
_Y_TRAIN, _Y_VAL = np.repeat(np.arange(3), 10), np.repeat(np.arange(3), 30)


def _separated_case(rng: np.random.Generator, good: str, bad: str) -> tuple:
    """'good' — 4 informative features (generalises); 'bad' — a weak signal among 300 noise
    features (fits the training rows perfectly, poor on new rows)."""
    centres = rng.normal(scale=1.5, size=(3, 4))

    def narrow(y: np.ndarray) -> np.ndarray:
        return centres[y] + rng.normal(size=(len(y), 4))

    def wide(y: np.ndarray) -> np.ndarray:
        return np.concatenate([0.2 * centres[y], rng.normal(size=(len(y), 300))], axis=1)

    train = {good: narrow(_Y_TRAIN), bad: wide(_Y_TRAIN)}
    val = {good: narrow(_Y_VAL), bad: wide(_Y_VAL)}
    return dict(sorted(train.items())), _Y_TRAIN, dict(sorted(val.items())), _Y_VAL, 1e-2


def _close_case(data_seed: int) -> tuple:
    """Two cuts of equal quality (4 informative + 8 noise features each): which one is better
    on validation depends on the seed of the heads, so only the mean over seeds decides."""
    rng = np.random.default_rng(data_seed)
    centres = rng.normal(size=(3, 4))

    def features(y: np.ndarray) -> np.ndarray:
        return np.concatenate([centres[y] + rng.normal(size=(len(y), 4)),
                               rng.normal(size=(len(y), 8))], axis=1)

    train = {"block5": features(_Y_TRAIN), "top": features(_Y_TRAIN)}
    val = {"block5": features(_Y_VAL), "top": features(_Y_VAL)}
    return train, _Y_TRAIN, val, _Y_VAL, 1e-2


def _pick_cut_cases(rng: np.random.Generator | None) -> list[tuple]:
    """Two data sets of 3 classes (10 training, 30 validation rows per class) where one cut
    generalises and the other only fits the training rows (the names of the good cut differ
    between them, so no fixed answer passes), then the three :data:`CLOSE_DATA` sets, where the
    heads of any one seed alone choose the wrong cut."""
    rng = rng or np.random.default_rng(93)
    return [_separated_case(rng, "block5", "top"), _separated_case(rng, "top", "block5"),
            *(_close_case(CLOSE_DATA[s]) for s in (0, 1, 2))]


def _score(features: dict, y: np.ndarray, cut: str, evaluate: dict, y_eval: np.ndarray,
           lr: float, seeds: tuple = (0, 1, 2)) -> float:
    """Mean accuracy on ``evaluate[cut]`` of softmax heads trained on ``features[cut]``."""
    from ..transfer import train_softmax_head

    return float(np.mean([train_softmax_head(features[cut], y, lr, seed=s)
                          .accuracy(evaluate[cut], y_eval) for s in seeds]))


def best_cut(train: dict, y_train: np.ndarray, val: dict, y_val: np.ndarray, lr: float,
             seeds: tuple = (0, 1, 2)) -> str:
    """The cut whose heads (``seeds``) have the best mean accuracy on ``val``."""
    return max(train, key=lambda cut: _score(train, y_train, cut, val, y_val, lr, seeds))


def _one_seed(got: Any, want: str, train: dict, y_train: np.ndarray, val: dict,
              y_val: np.ndarray, lr: float) -> bool:
    """True when ``got`` is the cut the heads of a single seed (0, 1 or 2) would choose."""
    return any(got == best_cut(train, y_train, val, y_val, lr, (s,)) for s in (0, 1, 2))


PICK_CUT = register(Spec(
    name="check_pick_cut", exercise="9.3", probe="call", cases=_pick_cut_cases,
    reference=best_cut, label="", success="chosen by the mean validation accuracy of 3 seeds",
    forbidden=lambda: ["course_utils.transfer.validation_grid"],
    reuse_hint="transfer.validation_grid already is this choice: train the heads yourself with "
               "transfer.train_softmax_head",
    hints=[
        (_one_seed, "one seed is not enough: where two cuts are close, the heads of one seed "
                    "can rank them either way; average the validation accuracy of seeds 0, 1, 2"),
        (lambda o, w, train, y_train, val, y_val, lr: o == best_cut(train, y_train, train,
                                                                    y_train, lr),
         "that cut has the best TRAINING accuracy: with many features a head fits 100 training "
         "images perfectly; judge each cut by the accuracy on the validation features"),
        (lambda o, w, train, *_: len({f.shape[1] for f in train.values()}) > 1
         and o == max(train, key=lambda c: train[c].shape[1]),
         "the largest feature vector is not the best by itself: train heads and compare their "
         "validation accuracy"),
    ]))


def check_pick_cut(fn: Any) -> bool:
    """Exercise 9.3 (open): ``fn(train_features, y_train, val_features, y_val, lr)`` returns the
    cut (a key of the dictionaries) whose heads (``transfer.train_softmax_head``, seeds 0, 1,
    2) have the best mean validation accuracy. Five data sets: two where training accuracy or
    the widest features choose wrong, three where the heads of any single seed choose wrong."""
    return PICK_CUT.run(fn)


def _change_cases(rng: np.random.Generator | None) -> list[tuple]:
    """Lists of weight arrays of several shapes and scales, each moved by its own amount, so that
    the mean of per-array ratios, ‖after‖ in the denominator and a missing root all differ from
    the answer."""
    rng = rng or np.random.default_rng(94)
    cases = []
    for shapes, scales, moves in ((((3, 3, 4, 8), (8,)), (1.0, 0.05), (0.1, 0.5)),
                                  (((5,), (2, 3), (1, 1, 6, 4)), (2.0, 0.5, 1.0), (1.0, 0.01, 0.2)),
                                  (((4, 4),), (1.0,), (0.3,))):
        before = [rng.normal(scale=s, size=shape) for shape, s in zip(shapes, scales, strict=True)]
        after = [b + rng.normal(scale=m * s, size=b.shape)
                 for b, s, m in zip(before, scales, moves, strict=True)]
        cases.append((before, after))
    return cases


def _per_array_mean(before: list, after: list) -> float:
    return float(np.mean([np.linalg.norm(np.subtract(a, b)) / np.linalg.norm(b)
                          for b, a in zip(before, after, strict=True)]))


def _course_filter_change() -> list:
    from .. import transfer

    return [transfer.filter_change]


def _relative_change_reference(before: list, after: list) -> float:
    from .. import transfer

    return transfer.filter_change(before, after)


RELATIVE_CHANGE = register(Spec(
    name="check_relative_change", exercise="9.4", probe="call", cases=_change_cases,
    reference=_relative_change_reference, compare=number(rtol=1e-6, atol=1e-12),
    forbidden=_course_filter_change,
    reuse_hint="write it yourself: one sum of squares over all the arrays",
    label=lambda b, a: f"{len(b)} array(s) of shapes {[np.shape(x) for x in b]}", hints=[
        (lambda o, w, b, a: np.isclose(o, _per_array_mean(b, a)),
         "one norm over all arrays together, not the mean of each array's ratio"),
        (lambda o, w, b, a: np.isclose(o, w * np.sqrt(sum(np.sum(np.square(x)) for x in b))
                                       / np.sqrt(sum(np.sum(np.square(x)) for x in a))),
         "divide by the size of the weights BEFORE fine-tuning, ‖W₀‖"),
        (lambda o, w, *_: np.isclose(o, w ** 2), "take the square roots: ‖x‖ = √(Σ x²)"),
    ]))


def check_relative_change(fn: Any) -> bool:
    """Exercise 9.4: ``fn(before, after)`` = ‖after − before‖ / ‖before‖, one Frobenius norm over
    all arrays of the two equally long lists."""
    return RELATIVE_CHANGE.run(fn)
