"""Record what a training run reached, for the full-profile benchmark table.

A notebook calls :func:`record_result` right after the final test evaluation of a model::

    start = time.perf_counter()
    history = training.fit(model, x_train, y_train, profile)
    seconds = time.perf_counter() - start
    _, test_acc = model.evaluate(x_test, y_test, verbose=0)
    results.record_result("LeNet-5", model, history, test_acc, seconds)

When the environment variable ``COURSE_RESULTS_LOG`` names a file (``cnn-course full-profile``
sets it, one file per notebook), one JSON object per call is appended to it::

    {"model": "LeNet-5", "parameters": 61706, "epochs": 12, "test_accuracy": 0.9912,
     "training_seconds": 301.2, "profile": "full"}

Otherwise nothing is written: a notebook run by hand or by the tests behaves as before.
:func:`read_results` reads such a file back. No TensorFlow import here.
"""

from __future__ import annotations

import json
import math
import os
from numbers import Integral, Real
from pathlib import Path
from typing import Any

RESULTS_ENV = "COURSE_RESULTS_LOG"
FIELDS = ("model", "parameters", "epochs", "test_accuracy", "training_seconds", "profile")


def _count(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 0:
        raise ValueError(f"{name} must be an integer >= 0, got {value!r}")
    return int(value)


def parameter_count(model: Any) -> int:
    """Parameters of ``model``: a Keras model (``count_params()``) or an integer count."""
    if hasattr(model, "count_params"):
        return _count("model.count_params()", model.count_params())
    if isinstance(model, Integral) and not isinstance(model, bool):
        return _count("parameters", model)
    raise ValueError(f"model must be a Keras model or an integer parameter count, got {model!r}")


def epochs_run(history: Any) -> int:
    """Epochs actually trained (EarlyStopping may stop early).

    ``history``: a Keras ``History`` (``len(history.epoch)``), its ``.history`` dict of
    per-epoch lists (length of ``"loss"``), or an integer number of epochs.
    """
    if hasattr(history, "epoch"):
        return _count("len(history.epoch)", len(history.epoch))
    if isinstance(history, dict):
        if "loss" not in history:
            raise ValueError(f"history must have a 'loss' list, got keys {sorted(history)}")
        return _count("len(history['loss'])", len(history["loss"]))
    if isinstance(history, Integral) and not isinstance(history, bool):
        return _count("epochs", history)
    raise ValueError(
        f"history must be a Keras History, its .history dict or an int, got {history!r}"
    )


def record_result(
    model_name: str, model: Any, history: Any, test_accuracy: float, seconds: float
) -> dict[str, Any]:
    """One benchmark row: model name, parameters, epochs, test accuracy, training seconds.

    ``test_accuracy`` in [0, 1]; ``seconds`` >= 0, the wall-clock time of the training run(s)
    that produced the model (not of the evaluation). Appends the row as one JSON line to the
    file named by ``COURSE_RESULTS_LOG`` if that variable is set, and returns it (a dict with
    the keys :data:`FIELDS`; ``profile`` is ``COURSE_PROFILE``, default "full").
    Raises ValueError (naming the argument) for an empty name or an out-of-range number.
    """
    if not isinstance(model_name, str) or not model_name.strip():
        raise ValueError(f"model_name must be a non-empty string, got {model_name!r}")
    if (isinstance(test_accuracy, bool) or not isinstance(test_accuracy, Real)
            or not 0.0 <= float(test_accuracy) <= 1.0):
        raise ValueError(f"test_accuracy must be a number in [0, 1], got {test_accuracy!r}")
    if (isinstance(seconds, bool) or not isinstance(seconds, Real)
            or not math.isfinite(float(seconds)) or float(seconds) < 0):
        raise ValueError(f"seconds must be a finite number >= 0, got {seconds!r}")
    row = {
        "model": model_name.strip(),
        "parameters": parameter_count(model),
        "epochs": epochs_run(history),
        "test_accuracy": round(float(test_accuracy), 4),
        "training_seconds": round(float(seconds), 1),
        "profile": os.environ.get("COURSE_PROFILE", "full").strip().lower() or "full",
    }
    log = os.environ.get(RESULTS_ENV, "").strip()
    if log:
        with open(log, "a", encoding="utf-8") as f:
            f.write(json.dumps(row) + "\n")
    return row


def read_results(path: str | Path) -> list[dict[str, Any]]:
    """The rows :func:`record_result` appended to ``path`` ([] if the file does not exist).

    Raises ValueError naming the line when a line is not a JSON object with :data:`FIELDS`.
    """
    path = Path(path)
    if not path.exists():
        return []
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path} line {number} is not JSON: {exc}") from exc
        if not isinstance(row, dict) or set(FIELDS) - set(row):
            raise ValueError(f"{path} line {number} must be an object with {FIELDS}, got {line!r}")
        rows.append(row)
    return rows
