"""Training helpers: run folders, callbacks, fit, the one-cycle recipe, history utilities.

Used in notebooks 04, 05, 05b, 08 and 09.

A *run folder* ``runs/<name>/`` (repository root, git-ignored) holds everything one training run
writes: the best checkpoint ``best.keras``, the CSV log ``log.csv``, TensorBoard logs ``logs/``
and the BackupAndRestore folder ``backup/``. :func:`run_dir` empties it first, so two runs of a
notebook leave the same files behind.
"""

from __future__ import annotations

import math
import re
import shutil
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .config import Profile, quiet_tensorflow
from .validation import positive_int, rate

quiet_tensorflow()
import keras  # noqa: E402  (after quieting TensorFlow's C++ logs)

RUNS_DIR = Path(__file__).resolve().parent.parent / "runs"

# The files and folders callbacks() writes inside a run folder.
CHECKPOINT_FILE = "best.keras"
CSV_FILE = "log.csv"
TENSORBOARD_DIR = "logs"
BACKUP_DIR = "backup"

# callbacks() names → the Keras class each builds
CALLBACK_CLASSES = {
    "early_stopping": "EarlyStopping",
    "checkpoint": "ModelCheckpoint",
    "reduce_lr": "ReduceLROnPlateau",
    "csv_logger": "CSVLogger",
    "tensorboard": "TensorBoard",
    "backup": "BackupAndRestore",
    "terminate_on_nan": "TerminateOnNaN",
}
CALLBACK_NAMES = tuple(CALLBACK_CLASSES)
DEFAULT_CALLBACKS = ("early_stopping", "checkpoint", "csv_logger", "terminate_on_nan")

__all__ = [
    "RUNS_DIR",
    "CALLBACK_CLASSES",
    "CALLBACK_NAMES",
    "DEFAULT_CALLBACKS",
    "run_dir",
    "tensorboard_available",
    "callbacks",
    "fit",
    "use_logical_cpus",
    "scale_images",
    "predict_labels",
    "history_dict",
    "best_epoch",
    "lr_drops",
    "SimulatedInterruption",
    "InterruptAtEpoch",
]


def run_dir(name: str, root: str | Path | None = None, fresh: bool = True) -> Path:
    """The run folder ``root/name`` (default root: ``runs/`` in the repository), created.

    ``fresh=True`` deletes whatever an earlier run left there, so the folder's content depends
    only on this run. ``name`` is one folder name: letters, digits, ``-``, ``_`` and ``.``.
    """
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_.-]+", name) or name in (
        ".", ".."
    ):
        raise ValueError(
            f"run name must be one folder name (letters, digits, '-', '_', '.'), got {name!r}"
        )
    path = Path(root if root is not None else RUNS_DIR) / name
    if fresh and path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True, exist_ok=True)
    return path


def tensorboard_available() -> bool:
    """Whether the ``tensorboard`` package (which writes TensorBoard's event files) is installed.

    TensorFlow 2.21 no longer installs it; Keras' TensorBoard callback needs it.
    """
    import importlib.util

    return importlib.util.find_spec("tensorboard") is not None


def callbacks(
    run: str | Path,
    names: Sequence[str] = DEFAULT_CALLBACKS,
    *,
    monitor: str = "val_loss",
    patience: int = 3,
    min_delta: float = 0.0,
    restore_best_weights: bool = True,
    lr_factor: float = 0.5,
    lr_patience: int = 1,
    min_lr: float = 1e-6,
) -> list[keras.callbacks.Callback]:
    """Build the usual Keras callbacks, in the order of ``names``, writing into folder ``run``.

    ``names`` come from :data:`CALLBACK_NAMES`:

    - ``early_stopping``: EarlyStopping(monitor, patience, min_delta, restore_best_weights) —
      stops after ``patience`` epochs without an improvement of at least ``min_delta``
    - ``checkpoint``: ModelCheckpoint(run/best.keras, monitor, save_best_only=True)
    - ``reduce_lr``: ReduceLROnPlateau(monitor, factor=lr_factor, patience=lr_patience, min_lr,
      min_delta)
      — new learning rate = old × lr_factor after ``lr_patience`` epochs without improvement
    - ``csv_logger``: CSVLogger(run/log.csv), one row per epoch
    - ``tensorboard``: TensorBoard(run/logs)
    - ``backup``: BackupAndRestore(run/backup) — resumes an interrupted ``fit``
    - ``terminate_on_nan``: TerminateOnNaN() — stops when the loss becomes NaN or inf

    The mode (min/max) follows ``monitor``: "max" for accuracies, "min" otherwise.
    """
    if isinstance(names, str):
        names = (names,)
    unknown = [n for n in names if n not in CALLBACK_NAMES]
    if unknown:
        raise ValueError(
            f"unknown callback name(s) {unknown}; expected names from {CALLBACK_NAMES}"
        )
    if len(set(names)) != len(names):
        raise ValueError(f"each callback name may appear once, got {list(names)}")
    patience = positive_int("patience", patience, minimum=0)
    if min_delta < 0:
        raise ValueError(f"min_delta must be >= 0, got {min_delta!r}")
    if "tensorboard" in names and not tensorboard_available():
        raise ValueError(
            "the 'tensorboard' callback needs the tensorboard package (pip install tensorboard); "
            "it is not installed here"
        )
    if not 0.0 < lr_factor < 1.0:
        raise ValueError(f"lr_factor must be in (0, 1), got {lr_factor!r}")
    run = Path(run)
    run.mkdir(parents=True, exist_ok=True)
    mode = "max" if "acc" in monitor else "min"

    arguments = {
        "early_stopping": dict(monitor=monitor, mode=mode, patience=patience, min_delta=min_delta,
                               restore_best_weights=restore_best_weights),
        "checkpoint": dict(filepath=str(run / CHECKPOINT_FILE), monitor=monitor, mode=mode,
                           save_best_only=True),
        "reduce_lr": dict(monitor=monitor, mode=mode, factor=lr_factor, patience=lr_patience,
                          min_lr=min_lr, min_delta=min_delta),
        "csv_logger": dict(filename=str(run / CSV_FILE)),
        "tensorboard": dict(log_dir=str(run / TENSORBOARD_DIR)),
        "backup": dict(backup_dir=str(run / BACKUP_DIR)),
        "terminate_on_nan": {},
    }

    def build(name: str) -> keras.callbacks.Callback:
        return getattr(keras.callbacks, CALLBACK_CLASSES[name])(**arguments[name])

    return [build(name) for name in names]


def fit(
    model: keras.Model | Callable[[], keras.Model],
    x: np.ndarray,
    y: np.ndarray,
    profile: Profile,
    *,
    epochs: int | None = None,
    batch_size: int | None = None,
    strategy: Any = None,
    **kwargs: Any,
) -> keras.callbacks.History:
    """``model.fit(x, y, ...)`` with the profile's epochs, batch size and verbosity.

    ``epochs``/``batch_size`` override the profile's; other keyword arguments
    (``validation_split``, ``validation_data``, ``callbacks``, ...) go to ``model.fit``.
    ``x``: (N, ...) inputs and ``y``: (N,) or (N, n_classes) targets with the same N.
    Returns the ``History`` (``history.history``: metric name → list, one value per epoch;
    ``history.model``: the trained model).

    ``strategy``: a ``tf.distribute.Strategy``, e.g. ``tf.distribute.MirroredStrategy()`` over
    the GPUs of one machine (Keras 3's ``fit`` fails under ``MultiWorkerMirroredStrategy``,
    keras-team/keras#20585: the README shows a custom training step for several machines). Its
    variables must be
    created inside ``strategy.scope()``, so ``model`` is then a *function without arguments that
    builds and compiles* the model; ``fit`` calls it inside the scope and trains the result. Each
    step splits the global ``batch_size`` over ``strategy.num_replicas_in_sync`` replicas, each
    computes the gradients of its share, and the gradients are summed (all-reduce) before the one
    update every replica applies — the copies stay identical.
    """
    if not isinstance(profile, Profile):
        raise ValueError(f"profile must be a config.Profile, got {type(profile).__name__}")
    if len(x) != len(y):
        raise ValueError(f"x and y must have the same length, got {len(x)} and {len(y)}")
    if strategy is not None:
        import tensorflow as tf

        if not isinstance(strategy, tf.distribute.Strategy):
            raise ValueError(
                f"strategy must be a tf.distribute.Strategy, got {type(strategy).__name__}"
            )
        if isinstance(model, keras.Model) or not callable(model):
            raise ValueError(
                "with a strategy, pass a function that builds and compiles the model (fit calls "
                f"it inside strategy.scope()), got {type(model).__name__}"
            )
        with strategy.scope():
            model = model()
        if not isinstance(model, keras.Model):
            raise ValueError(
                f"the model function must return a keras.Model, got {type(model).__name__}"
            )
    if not getattr(model, "compiled", False):
        raise ValueError("compile the model (model.compile(...)) before fit")
    return model.fit(
        x,
        y,
        epochs=profile.epochs if epochs is None else epochs,
        batch_size=profile.batch_size if batch_size is None else batch_size,
        verbose=kwargs.pop("verbose", profile.verbose),
        **kwargs,
    )


def use_logical_cpus(n: int = 2) -> list[str]:
    """Split the machine's CPU into ``n`` logical TensorFlow devices; returns their names.

    ``tf.distribute.MirroredStrategy(use_logical_cpus(2))`` then trains with two replicas on
    one CPU — the code a machine with several GPUs runs with ``MirroredStrategy()`` (all GPUs).
    TensorFlow fixes its devices when it first uses them (the first tensor, model or
    ``list_logical_devices``), so call this before that: right after ``config.setup()``, which
    imports TensorFlow but initialises no device. Calling it again with the same ``n`` is fine;
    a different ``n`` after initialisation raises RuntimeError (restart the kernel).
    """
    import tensorflow as tf

    n = positive_int("n", n)
    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(n)]
        )
    except RuntimeError:
        devices = tf.config.list_logical_devices("CPU")
        if len(devices) != n:
            raise RuntimeError(
                f"TensorFlow already initialised {len(devices)} logical CPU device(s); "
                f"use_logical_cpus({n}) must run before the first tensor or model is made "
                "(restart the kernel and call it right after config.setup())"
            ) from None
    return [d.name for d in tf.config.list_logical_devices("CPU")]


def batch_size_for(n_images: int, largest: int = 256, min_steps: int = 50) -> int:
    """The batch size of the recipe: the largest power of two ``<= largest`` (at least 8) that
    still gives ``>= min_steps`` batches per epoch of ``n_images`` images.

    ``2 ** clip(floor(log2(n_images / min_steps)), 3, log2(largest))``: a freshly initialised
    network needs a few hundred small steps before it can take large ones, so a small training
    set gets smaller batches. Used in notebooks 05 and 05b.
    """
    n_images = positive_int("n_images", n_images)
    largest = positive_int("largest", largest, minimum=8)
    min_steps = positive_int("min_steps", min_steps)
    return int(min(largest, 2 ** max(3, math.floor(math.log2(n_images / min_steps)))))


def one_cycle(n_steps: int, peak: float) -> keras.optimizers.schedules.LearningRateSchedule:
    """Learning rate of step t (one step = one batch): linear warm-up from ``peak / 10`` to
    ``peak`` over the first ``w = n_steps // 5`` steps, then a cosine down to 0 at ``n_steps``:

        lr(t) = peak/10 + (peak − peak/10) · t / w                  for t < w
        lr(t) = peak · (1 + cos(π · (t − w) / (n_steps − w))) / 2    for w <= t <= n_steps

    (Keras' ``CosineDecay`` with ``warmup_target``.) Needs ``n_steps >= 5``.
    """
    n_steps = positive_int("n_steps", n_steps, minimum=5)
    peak = rate("peak", peak, high=math.inf)
    if peak == 0:
        raise ValueError("peak must be > 0, got 0")
    warmup = n_steps // 5
    return keras.optimizers.schedules.CosineDecay(
        peak / 10, decay_steps=n_steps - warmup, warmup_target=peak, warmup_steps=warmup)


def compile_recipe(
    model: keras.Model,
    n_images: int,
    epochs: int,
    schedule: bool = True,
    peak_per_256: float = 0.2,
    label_smoothing: float = 0.1,
) -> tuple[int, int, Any]:
    """Compile ``model`` with notebook 05's recipe; returns (batch size, number of steps, rate).

    SGD with Nesterov momentum 0.9; batch size :func:`batch_size_for` ``(n_images)``; peak rate
    ``peak_per_256 · batch / 256`` (the linear scaling rule); :func:`one_cycle` over
    ``epochs · ceil(n_images / batch)`` steps, or the constant peak rate (``schedule=False``);
    categorical cross-entropy with ``label_smoothing`` (targets one-hot (N, n_classes)),
    accuracy as metric. The returned rate is the schedule or the constant float.
    Used in notebooks 05 and 05b.
    """
    if not isinstance(model, keras.Model):
        raise ValueError(f"model must be a keras.Model, got {type(model).__name__}")
    epochs = positive_int("epochs", epochs)
    if not isinstance(schedule, bool):
        raise ValueError(f"schedule must be True or False, got {schedule!r}")
    batch_size = batch_size_for(n_images)
    peak = rate("peak_per_256", peak_per_256, high=math.inf) * batch_size / 256
    n_steps = epochs * math.ceil(n_images / batch_size)
    learning_rate = one_cycle(n_steps, peak) if schedule else peak
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate, momentum=0.9, nesterov=True),
        loss=keras.losses.CategoricalCrossentropy(
            label_smoothing=rate("label_smoothing", label_smoothing)),
        metrics=["accuracy"])
    return batch_size, n_steps, learning_rate


def optimizer_state(model: keras.Model) -> list[np.ndarray]:
    """The state of a compiled model's optimizer (step counter, learning rate, momenta...) as
    arrays, building the optimizer first if no step was taken yet; give it to :func:`restart`."""
    if not isinstance(model, keras.Model) or getattr(model, "optimizer", None) is None:
        raise ValueError(f"expected a compiled keras.Model, got {type(model).__name__}")
    if not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)
    return [np.array(v.numpy()) for v in model.optimizer.variables]


def random_layer_state(model: keras.Model) -> list[np.ndarray]:
    """The state of a model's random layers (augmentation, dropout, noise: every variable that is
    not a weight, i.e. their seed generators) as arrays; give a fresh copy's to :func:`restart`."""
    weights = {id(v) for v in model.weights}
    return [np.array(v.numpy()) for v in model.variables if id(v) not in weights]


def restart(model: keras.Model, weights: Sequence[np.ndarray], state: Sequence[np.ndarray],
            random_layers: Sequence[np.ndarray] | None = None) -> None:
    """Put a compiled model back to the start of training without compiling it again.

    ``weights``: a freshly initialised copy's ``get_weights()`` (e.g. built with another seed);
    ``state``: :func:`optimizer_state` taken before the first step; ``random_layers``: that
    copy's :func:`random_layer_state`, so that augmentation and dropout draw as in a fresh model
    (None: they go on from where the last run left them). The next ``fit`` then trains from
    those weights with the schedule at step 0, and reuses the training step Keras already traced
    for this model — a new model would cost a new tracing (seconds on a CPU). Used by
    :func:`seed_runs` (notebooks 04b and 05b) and in notebooks 09 and 09b (fine-tuning and
    training from scratch, run after run).
    """
    model.set_weights(weights)
    variables = model.optimizer.variables
    if len(state) != len(variables):
        raise ValueError(f"state must hold {len(variables)} arrays (optimizer_state(model)), "
                         f"got {len(state)}")
    for variable, value in zip(variables, state, strict=True):
        variable.assign(value)
    if random_layers is not None:
        weight_ids = {id(v) for v in model.weights}
        seeds = [v for v in model.variables if id(v) not in weight_ids]
        if len(random_layers) != len(seeds):
            raise ValueError(f"random_layers must hold {len(seeds)} arrays "
                             f"(random_layer_state of a copy), got {len(random_layers)}")
        for variable, value in zip(seeds, random_layers, strict=True):
            variable.assign(value)


def scale_images(x: np.ndarray, pad: int = 0) -> np.ndarray:
    """uint8 images → float32 in [0, 1] with a channel axis, zero-padded by ``pad`` pixels.

    ``x``: (N, H, W) or (N, H, W, C) → (N, H + 2·pad, W + 2·pad, C) with C = 1 for grey images.
    Padding with 0 (black) is how MNIST's 28×28 digits become LeNet-5's 32×32 input.
    """
    x = np.asarray(x)
    if x.ndim == 3:
        x = x[..., np.newaxis]
    if x.ndim != 4:
        raise ValueError(f"expected images (N, H, W) or (N, H, W, C), got shape {x.shape}")
    pad = positive_int("pad", pad, minimum=0)
    scale = 255.0 if x.dtype == np.uint8 else 1.0
    x = x.astype("float32") / scale
    if pad:
        x = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    return x


def predict_labels(model: keras.Model, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Predicted class of each input: argmax of ``model.predict(x)``; (N, ...) → (N,) int."""
    probabilities = model.predict(x, batch_size=batch_size, verbose=0)
    return np.argmax(probabilities, axis=-1)


def history_dict(
    history: keras.callbacks.History | Mapping[str, Sequence[float]],
) -> dict[str, list[float]]:
    """``{metric: [value per epoch]}`` from a Keras ``History`` (its ``.history``) or a mapping.

    The one history reader of the package (:func:`course_utils.plotting.learning_curves` uses
    it too); any object with a ``.history`` mapping is accepted, so a stored log works as well.
    """
    values = getattr(history, "history", history)
    if not isinstance(values, Mapping) or not values:
        raise ValueError(
            "expected a Keras History or a non-empty dict {metric: [value per epoch]}, "
            f"got {type(history).__name__}"
        )
    return {key: [float(v) for v in series] for key, series in values.items()}


def best_epoch(
    history: keras.callbacks.History | Mapping[str, Sequence[float]],
    monitor: str = "val_loss",
) -> int:
    """Index (0-based) of the best epoch of ``monitor``: the minimum, or maximum for accuracies.

    The first best epoch wins ties (as EarlyStopping and ModelCheckpoint keep the first).
    """
    values = history_dict(history)
    if monitor not in values:
        raise ValueError(f"history has no {monitor!r}; it has {sorted(values)}")
    series = np.asarray(values[monitor], dtype=float)
    series = np.where(np.isnan(series), -np.inf if "acc" in monitor else np.inf, series)
    return int(np.argmax(series) if "acc" in monitor else np.argmin(series))


def lr_drops(
    history: keras.callbacks.History | Mapping[str, Sequence[float]],
    key: str = "learning_rate",
) -> list[int]:
    """Epochs (0-based) at whose end the learning rate was lowered (e.g. by ReduceLROnPlateau).

    ReduceLROnPlateau logs under ``learning_rate`` the rate each epoch *ran with*; a lower value
    at epoch ``e`` than at ``e - 1`` means the rate was cut at the end of epoch ``e - 1``, which
    is returned. (A cut at the end of the last epoch is never used, hence never logged.)
    """
    values = history_dict(history)
    if key not in values:
        raise ValueError(
            f"history has no {key!r} (add ReduceLROnPlateau or a learning-rate logger); "
            f"it has {sorted(values)}"
        )
    lr = values[key]
    return [
        e - 1 for e in range(1, len(lr)) if lr[e] < lr[e - 1] and not math.isclose(lr[e], lr[e - 1])
    ]


class SimulatedInterruption(RuntimeError):
    """Raised by :class:`InterruptAtEpoch` to play the part of a crash or a killed job."""


class InterruptAtEpoch(keras.callbacks.Callback):
    """Raise :class:`SimulatedInterruption` at the end of epoch ``epoch`` (0-based).

    Put it *after* ``BackupAndRestore`` in the callbacks list, so the backup of that epoch is
    written before the "crash".
    """

    def __init__(self, epoch: int) -> None:
        super().__init__()
        epoch = positive_int("epoch", epoch, minimum=0)
        self.epoch = epoch

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if epoch == self.epoch:
            raise SimulatedInterruption(f"simulated interruption at the end of epoch {epoch}")


# --- early stopping and short training harnesses (used by the exercise checks) -----------------

def early_stop_epoch(val_losses: Sequence[float], patience: int,
                     improves: Callable[[float, float], bool] = np.less) -> int | None:
    """Epoch (0-based) at which ``keras.callbacks.EarlyStopping(monitor="val_loss",
    patience=patience)`` stops, or None when it lets every epoch run.

    An epoch improves when ``improves(loss, best)`` (``loss < best``); after ``patience`` epochs
    in a row without improvement training stops (Keras never stops at epoch 0).
    """
    patience = positive_int("patience", patience)
    best, wait = np.inf, 0
    for epoch, loss in enumerate(val_losses):
        wait += 1
        if improves(loss, best):
            best, wait = loss, 0
        elif wait >= patience and epoch > 0:
            return epoch
    return None


def _check_split(x: Any, y: Any, x_val: Any, y_val: Any) -> None:
    if len(x) != len(y) or len(x_val) != len(y_val) or not len(x) or not len(x_val):
        raise ValueError(f"expected non-empty x, y and x_val, y_val of equal lengths, got "
                         f"{len(x)}, {len(y)} and {len(x_val)}, {len(y_val)}")


def validation_accuracy(build: Callable[[], keras.Model], x: np.ndarray, y: np.ndarray,
                        x_val: np.ndarray, y_val: np.ndarray, epochs: int, n_train: int,
                        n_val: int, seed: int = 0, batch_size: int = 32) -> float:
    """Build a model with ``build()`` (seeded with ``seed`` first), train it with Adam and sparse
    cross-entropy for ``epochs`` on the first ``n_train`` images of ``x`` (N, H, W, C), ``y``
    (N,); its accuracy on the first ``n_val`` of ``x_val``, ``y_val`` — a validation split,
    never the test set. The same builder and data give the same number on one machine."""
    _check_split(x, y, x_val, y_val)
    keras.utils.set_random_seed(seed)
    model = build()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    n, n_v = min(len(x), n_train), min(len(x_val), n_val)
    model.fit(x[:n], y[:n], epochs=epochs, batch_size=batch_size, verbose=0)
    return float(model.evaluate(x_val[:n_v], y_val[:n_v], verbose=0)[1])


def training_losses(model: keras.Model, x: np.ndarray, y: np.ndarray, epochs: int = 4,
                    learning_rate: float = 0.025, seed: int = 0) -> list[float]:
    """Per-epoch training loss of ``model`` (SGD with momentum 0.9, batches of 64, sparse
    cross-entropy, seeded) on ``x`` (N, ...), ``y`` (N,): does it learn at all?"""
    keras.utils.set_random_seed(seed)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate, momentum=0.9),
                  loss="sparse_categorical_crossentropy")
    history = model.fit(x, y, batch_size=64, epochs=epochs, verbose=0)
    return [float(v) for v in history.history["loss"]]


def compare_on_validation(correct_a: object, correct_b: object, a: str = "A",
                          b: str = "B") -> Any:
    """:func:`course_utils.comparison.compare_on_test_set` for a *design choice*: the same paired
    bootstrap over validation images carved from the training data (the test set decides
    nothing), its method line naming them. ``correct_a, correct_b``: (N,) bool, whether each
    validation image is classified right by A and by B."""
    from .comparison import compare_on_test_set

    return compare_on_test_set(correct_a, correct_b, a, b, images="validation")


def _compile_rmsprop(model: keras.Model) -> None:
    """The training of :func:`train_and_score` and :func:`seed_runs`: RMSprop at Keras' default
    rate, sparse categorical cross-entropy, accuracy as metric."""
    model.compile(optimizer=keras.optimizers.RMSprop(), metrics=["accuracy"],
                  loss="sparse_categorical_crossentropy")


def train_and_score(model: keras.Model, x: np.ndarray, y: np.ndarray, x_val: np.ndarray,
                    y_val: np.ndarray, epochs: int, seed: int = 0,
                    batch_size: int = 64) -> tuple[float, np.ndarray]:
    """Train ``model`` (RMSprop, sparse cross-entropy, seeded with ``seed``) for ``epochs`` on
    ``x`` (N, H, W, C), ``y`` (N,), then score it in inference mode (no dropout, no
    augmentation): returns (training accuracy, correct) — the accuracy ``model.evaluate``
    measures on the clean training images ``x``, not the running accuracy of ``fit`` over
    augmented or dropped-out batches, and ``correct`` (N_val,) bool, whether each validation
    image ``x_val`` is classified right (for :func:`course_utils.comparison.compare_on_test_set`).
    """
    _check_split(x, y, x_val, y_val)
    epochs = positive_int("epochs", epochs)
    keras.utils.set_random_seed(seed)
    _compile_rmsprop(model)
    model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=0)
    _, train_accuracy = model.evaluate(x, y, batch_size=500, verbose=0)
    correct = predict_labels(model, x_val, batch_size=500) == np.asarray(y_val)
    return float(train_accuracy), correct


def seed_runs(build: Callable[[], keras.Model], x: np.ndarray, y: np.ndarray,
              x_val: np.ndarray, y_val: np.ndarray, epochs: int, seeds: Sequence[int],
              batch_size: int = 64,
              compile_model: Callable[[keras.Model], object] | None = None) -> np.ndarray:
    """One training run per seed on one model compiled once: returns (S, N_val) bool, row s
    whether each validation image ``x_val`` is classified right after the run with ``seeds[s]``.

    ``compile_model(model)`` compiles it (default: :func:`train_and_score`'s RMSprop and sparse
    cross-entropy; notebook 05b passes :func:`compile_recipe`); ``y`` is what its loss expects,
    (N,) labels or (N, K) one-hot, ``y_val`` (N_val,) labels. Each run seeds with its seed, takes
    the initial weights and the random layers' state (:func:`random_layer_state`) of a new
    ``build()`` and puts the optimizer back at its first step (:func:`restart`) before ``fit``
    with batches of ``batch_size``: a run depends on its seed alone, and TensorFlow traces the
    training step once instead of once per run (seconds each on a CPU).
    """
    _check_split(x, y, x_val, y_val)
    epochs = positive_int("epochs", epochs)
    seeds = list(seeds)
    if not seeds or not all(isinstance(s, int) and s >= 0 for s in seeds):
        raise ValueError(f"seeds must be a non-empty sequence of non-negative ints, got {seeds!r}")
    compile_model = _compile_rmsprop if compile_model is None else compile_model
    if not callable(compile_model):
        raise ValueError(f"compile_model must be a function of the model, got {compile_model!r}")
    model = build()
    if not isinstance(model, keras.Model):
        raise ValueError(f"build() must return a keras.Model, got {type(model).__name__}")
    compile_model(model)
    start = optimizer_state(model)
    correct = []
    for seed in seeds:
        keras.utils.set_random_seed(seed)
        fresh = build()
        restart(model, fresh.get_weights(), start, random_layer_state(fresh))
        model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=0)
        correct.append(predict_labels(model, x_val, batch_size=500) == np.asarray(y_val))
    return np.array(correct)


def compare_models(models: Mapping[str, keras.Model], x: np.ndarray, y: np.ndarray,
                   x_val: np.ndarray, y_val: np.ndarray, epochs: int = 2, n_images: int = 2000,
                   seed: int = 0, batch_size: int = 128) -> Any:
    """:func:`train_and_score` for each model on the first ``n_images`` of ``x``, ``y``; a pandas
    DataFrame, one row per name: parameters, train accuracy (clean training images, inference
    mode) and val accuracy (on ``x_val``, ``y_val``)."""
    import pandas as pd

    _check_split(x, y, x_val, y_val)
    rows = {}
    for name, model in models.items():
        train_accuracy, correct = train_and_score(model, x[:n_images], y[:n_images], x_val,
                                                  y_val, epochs, seed, batch_size)
        rows[name] = {"parameters": model.count_params(), "train accuracy": train_accuracy,
                      "val accuracy": float(correct.mean())}
    return pd.DataFrame.from_dict(rows, orient="index")


POOLING_ROWS = ("with pooling", "without pooling")


def pooling_experiment(build_fn: Callable[[], Any], x: np.ndarray, y: np.ndarray,
                       x_val: np.ndarray, y_val: np.ndarray, epochs: int = 2,
                       seed: int = 0) -> tuple[Any, Any] | None:
    """Notebook 05, exercise 5.3 — Chollet's experiment: the lecture's MNIST CNN
    (:func:`course_utils.models.lecture_cnn`, three 3×3 convolutions with 2×2 max pooling after
    the first two) against ``build_fn()``, the same network without its pooling layers.

    Each model is built after seeding with ``seed`` and trained by :func:`train_and_score`
    (RMSprop, batches of 64) on ``x`` (N, 28, 28, 1), ``y`` (N,). Returns ``(table,
    comparison)``: a DataFrame with rows :data:`POOLING_ROWS` and columns parameters, last conv
    output (h×w×c), receptive field (side, in input pixels, of one unit of the last convolution:
    :func:`course_utils.receptive_field.receptive_field`), field coverage (share of the input
    one field covers), train accuracy (clean training images) and val accuracy; and
    :func:`compare_on_validation` of the two models' validation results (without − with
    pooling, paired over the validation images). Returns None, with a message,
    while ``build_fn`` does not build a Keras model (an unfinished exercise).
    """
    import pandas as pd

    from .models import lecture_cnn
    from .receptive_field import receptive_field

    _check_split(x, y, x_val, y_val)
    keras.utils.set_random_seed(seed)
    try:
        student = build_fn()
    except Exception as exc:  # noqa: BLE001 - an unfinished exercise: say so, no traceback
        student = f"an error ({type(exc).__name__})"
    if not isinstance(student, keras.Model):
        print(f"✗ nothing to compare yet: build_fn() gave {student!r} (finish Exercise 5.3)")
        return None
    keras.utils.set_random_seed(seed)
    rows, correct = {}, {}
    for name, model in zip(POOLING_ROWS, (lecture_cnn(), student), strict=True):
        last = receptive_field(model)[-1]
        conv = [layer for layer in model.layers if type(layer).__name__ == "Conv2D"][-1]
        train_accuracy, correct[name] = train_and_score(model, x, y, x_val, y_val, epochs, seed)
        rows[name] = {"parameters": model.count_params(),
                      "last conv output": "×".join(map(str, conv.output.shape[1:])),
                      "receptive field": f"{last.size}×{last.size}",
                      "field coverage": last.coverage, "train accuracy": train_accuracy,
                      "val accuracy": float(correct[name].mean())}
    comparison = compare_on_validation(correct["without pooling"], correct["with pooling"],
                                       "without pooling", "with pooling")
    return pd.DataFrame.from_dict(rows, orient="index"), comparison
