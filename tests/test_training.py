"""Training helpers (course_utils.training): run folders, the callbacks factory, fit, history
utilities, the simulated interruption — and that each callback it builds does its job."""

from __future__ import annotations

import csv

import keras
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from course_utils import config, training

PROFILE = config.get_profile("quick")


def tiny_model(lr: float = 0.05, optimizer: str = "sgd") -> keras.Model:
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3, activation="softmax")])
    opt = keras.optimizers.SGD(lr) if optimizer == "sgd" else keras.optimizers.Adam(lr)
    model.compile(optimizer=opt, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def tiny_data(n: int = 64, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    return x, (x[:, 0] > 0).astype(int) + (x[:, 1] > 1).astype(int)


# --- run folders -------------------------------------------------------------------------


def test_run_dir_is_created_fresh(tmp_path):
    run = training.run_dir("demo", root=tmp_path)
    assert run == tmp_path / "demo" and run.is_dir()
    (run / "stale.txt").write_text("old")
    assert training.run_dir("demo", root=tmp_path, fresh=False).joinpath("stale.txt").exists()
    assert list(training.run_dir("demo", root=tmp_path).iterdir()) == []


def test_default_runs_folder_is_the_git_ignored_one():
    assert training.RUNS_DIR.name == "runs"
    ignore = (training.RUNS_DIR.parent / ".gitignore").read_text().split()
    assert "runs/" in ignore


@pytest.mark.parametrize("name", ["", "..", "a/b", "../escape", 3])
def test_run_dir_rejects_anything_but_one_folder_name(tmp_path, name):
    with pytest.raises(ValueError, match="one folder name"):
        training.run_dir(name, root=tmp_path)


# --- callbacks factory -------------------------------------------------------------------


needs_tensorboard = pytest.mark.skipif(not training.tensorboard_available(),
                                       reason="the tensorboard package is not installed")


def test_callbacks_builds_each_name_in_order_with_paths_in_the_run(tmp_path):
    with_tb = training.tensorboard_available()
    names = [n for n in training.CALLBACK_NAMES if n != "tensorboard" or with_tb]
    cbs = {type(cb).__name__: cb for cb in training.callbacks(tmp_path, names)}
    assert list(cbs) == ["EarlyStopping", "ModelCheckpoint", "ReduceLROnPlateau", "CSVLogger",
                         *(["TensorBoard"] if with_tb else []), "BackupAndRestore",
                         "TerminateOnNaN"]
    assert cbs["ModelCheckpoint"].filepath == str(tmp_path / "best.keras")
    assert cbs["CSVLogger"].filename == str(tmp_path / "log.csv")
    assert cbs["BackupAndRestore"].backup_dir == str(tmp_path / "backup")
    assert cbs["EarlyStopping"].restore_best_weights and cbs["ModelCheckpoint"].save_best_only
    if with_tb:
        assert cbs["TensorBoard"].log_dir == str(tmp_path / "logs")


def test_callbacks_defaults_and_mode_follow_the_monitor(tmp_path):
    assert [type(cb).__name__ for cb in training.callbacks(tmp_path)] == [
        "EarlyStopping", "ModelCheckpoint", "CSVLogger", "TerminateOnNaN"]
    es, = training.callbacks(tmp_path, ["early_stopping"], monitor="val_accuracy", patience=5)
    assert es.mode == "max" and es.patience == 5
    es, = training.callbacks(tmp_path, "early_stopping")
    assert es.mode == "min" and es.monitor == "val_loss"


def test_unknown_callback_name_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match=r"unknown callback name\(s\) \['early_stop'\]"):
        training.callbacks(tmp_path, ["early_stop"])
    with pytest.raises(ValueError, match="appear once"):
        training.callbacks(tmp_path, ["checkpoint", "checkpoint"])
    with pytest.raises(ValueError, match="patience"):
        training.callbacks(tmp_path, patience=-1)
    with pytest.raises(ValueError, match="lr_factor"):
        training.callbacks(tmp_path, lr_factor=2.0)
    with pytest.raises(ValueError, match="min_delta"):
        training.callbacks(tmp_path, min_delta=-0.1)


# --- fit ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_fit_uses_the_profile_epochs_and_its_overrides():
    x, y = tiny_data()
    history = training.fit(tiny_model(), x, y, PROFILE)
    assert history.epoch == list(range(PROFILE.epochs))
    history = training.fit(tiny_model(), x, y, PROFILE, epochs=1, batch_size=8,
                           validation_split=0.25)
    assert history.epoch == [0] and "val_loss" in history.history


def test_fit_rejects_bad_input():
    x, y = tiny_data()
    with pytest.raises(ValueError, match="same length"):
        training.fit(tiny_model(), x, y[:10], PROFILE)
    with pytest.raises(ValueError, match="config.Profile"):
        training.fit(tiny_model(), x, y, "quick")
    uncompiled = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3)])
    with pytest.raises(ValueError, match="compile the model"):
        training.fit(uncompiled, x, y, PROFILE)


def test_fit_with_a_strategy_builds_and_compiles_inside_its_scope():
    import tensorflow as tf

    strategy = tf.distribute.MirroredStrategy(["/cpu:0"])
    history = training.fit(tiny_model, *tiny_data(), PROFILE, epochs=1, strategy=strategy)
    model = history.model
    assert history.epoch == [0] and np.isfinite(history.history["loss"][0])
    assert isinstance(model.trainable_variables[0].value, tf.distribute.DistributedValues)


def test_fit_with_a_strategy_rejects_bad_input():
    import tensorflow as tf

    x, y = tiny_data()
    strategy = tf.distribute.MirroredStrategy(["/cpu:0"])
    with pytest.raises(ValueError, match="strategy must be a tf.distribute.Strategy, got str"):
        training.fit(tiny_model, x, y, PROFILE, strategy="mirrored")
    with pytest.raises(ValueError, match="pass a function that builds and compiles"):
        training.fit(tiny_model(), x, y, PROFILE, strategy=strategy)
    with pytest.raises(ValueError, match="must return a keras.Model, got NoneType"):
        training.fit(lambda: None, x, y, PROFILE, strategy=strategy)
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        training.use_logical_cpus(0)


TWO_REPLICAS = """
import json, numpy as np
from course_utils import config, training
profile = config.setup(report=False)
devices = training.use_logical_cpus(2)
import keras, tensorflow as tf
strategy = tf.distribute.MirroredStrategy(devices)
def build():
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    return model
rng = np.random.default_rng(0)
x = rng.normal(size=(64, 4)).astype("float32"); y = (x[:, 0] > 0).astype(int)
history = training.fit(build, x, y, profile, epochs=2, batch_size=16, strategy=strategy)
kernel = history.model.trainable_variables[0].value
copies = [np.asarray(v) for v in kernel.values]
try:
    training.use_logical_cpus(3)
    late = "no error"
except RuntimeError as exc:
    late = str(exc)
print(json.dumps({"replicas": strategy.num_replicas_in_sync, "devices": devices,
                  "copies": len(copies), "equal": bool(np.array_equal(copies[0], copies[1])),
                  "loss": history.history["loss"], "late": late}))
"""


@pytest.mark.slow
def test_mirrored_strategy_on_two_logical_cpus_keeps_the_copies_equal():
    import json
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", TWO_REPLICAS], capture_output=True, text=True,
                         timeout=300, env={**__import__("os").environ, "COURSE_PROFILE": "quick"})
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["replicas"] == 2 and len(result["devices"]) == 2
    assert result["copies"] == 2 and result["equal"]
    assert all(np.isfinite(result["loss"]))
    assert "already initialised 2 logical CPU device(s)" in result["late"]


# --- each callback doing its job ---------------------------------------------------------


@pytest.mark.skipif(training.tensorboard_available(), reason="tensorboard is installed")
def test_tensorboard_without_its_package_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="needs the tensorboard package"):
        training.callbacks(tmp_path, ["tensorboard"])


@pytest.mark.slow
def test_checkpoint_and_csv_logger_write_their_files(tmp_path):
    x, y = tiny_data(96)
    model = tiny_model()
    cbs = training.callbacks(tmp_path, ["checkpoint", "csv_logger"])
    history = training.fit(model, x, y, PROFILE, epochs=3, batch_size=16, validation_split=0.25,
                           callbacks=cbs)
    best = keras.models.load_model(tmp_path / "best.keras")
    x_val, y_val = x[-24:], y[-24:]
    val_loss = best.evaluate(x_val, y_val, verbose=0)[0]
    assert val_loss == pytest.approx(min(history.history["val_loss"]), rel=1e-4)
    with open(tmp_path / "log.csv", newline="") as f:
        log = list(csv.DictReader(f))
    assert [int(row["epoch"]) for row in log] == [0, 1, 2]
    assert float(log[-1]["loss"]) == pytest.approx(history.history["loss"][-1], rel=1e-5)


@pytest.mark.slow
@needs_tensorboard
def test_tensorboard_writes_event_files(tmp_path):
    x, y = tiny_data(96)
    cbs = training.callbacks(tmp_path, ["tensorboard"])
    training.fit(tiny_model(), x, y, PROFILE, epochs=2, validation_split=0.25, callbacks=cbs)
    events = list((tmp_path / "logs").rglob("events.out.tfevents.*"))
    assert {p.parent.name for p in events} == {"train", "validation"}


@pytest.mark.slow
def test_early_stopping_stops_and_restores_the_best_weights(tmp_path):
    x, y = tiny_data()
    model = tiny_model(lr=0.5)
    # validation labels that training cannot fit: the validation loss soon rises
    x_val, y_val = x[:32], (2 - y[:32])
    es, = training.callbacks(tmp_path, ["early_stopping"], patience=2)
    history = training.fit(model, x, y, PROFILE, epochs=30, batch_size=16,
                           validation_data=(x_val, y_val), callbacks=[es])
    assert 0 < es.stopped_epoch < 29 and len(history.epoch) == es.stopped_epoch + 1
    assert es.best_epoch == training.best_epoch(history)
    restored = model.evaluate(x_val, y_val, verbose=0)[0]
    assert restored == pytest.approx(min(history.history["val_loss"]), rel=1e-4)


@pytest.mark.slow
def test_reduce_lr_lowers_the_rate_and_lr_drops_finds_it(tmp_path):
    x, y = tiny_data()
    x_val, y_val = x[:32], 2 - y[:32]
    model = tiny_model(lr=0.5)
    reduce, = training.callbacks(tmp_path, ["reduce_lr"], lr_factor=0.5, lr_patience=1)
    history = training.fit(model, x, y, PROFILE, epochs=8, batch_size=16,
                           validation_data=(x_val, y_val), callbacks=[reduce])
    lr = history.history["learning_rate"]
    drops = training.lr_drops(history)
    assert drops and lr[0] == pytest.approx(0.5)
    for e in drops:
        assert lr[e + 1] == pytest.approx(lr[e] * 0.5)
    assert float(model.optimizer.learning_rate) < 0.5


@pytest.mark.slow
def test_backup_and_restore_resumes_after_a_simulated_interruption(tmp_path):
    x, y = tiny_data()
    model = tiny_model()
    backup, = training.callbacks(tmp_path, ["backup"])
    with pytest.raises(training.SimulatedInterruption, match="end of epoch 1"):
        training.fit(model, x, y, PROFILE, epochs=4, callbacks=[backup,
                                                                training.InterruptAtEpoch(1)])
    assert sorted(p.name for p in (tmp_path / "backup").iterdir()) == [
        "latest.weights.h5", "training_metadata.json"]
    resumed = training.fit(model, x, y, PROFILE, epochs=4, callbacks=[backup])
    assert resumed.epoch == [2, 3]
    assert not (tmp_path / "backup").exists()  # deleted once training completes


@pytest.mark.slow
def test_terminate_on_nan_stops_a_diverging_run(tmp_path):
    x, y = tiny_data(256)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3)])
    model.compile(optimizer=keras.optimizers.SGD(1e3), loss="mse")
    nan, = training.callbacks(tmp_path, ["terminate_on_nan"])
    targets = keras.utils.to_categorical(y, 3) * 1e3
    history = training.fit(model, x, targets, PROFILE, epochs=20, batch_size=8, callbacks=[nan])
    assert len(history.epoch) == 1
    assert not np.isfinite(history.history["loss"][0])


def test_interrupt_at_epoch_rejects_a_bad_epoch():
    with pytest.raises(ValueError, match="epoch must be an integer >= 0"):
        training.InterruptAtEpoch(-1)


# --- data and history helpers ------------------------------------------------------------


def test_scale_images_adds_channels_scales_and_pads():
    x = np.full((2, 28, 28), 255, np.uint8)
    out = training.scale_images(x, pad=2)
    assert out.shape == (2, 32, 32, 1) and out.dtype == np.float32
    assert out[:, 2:30, 2:30].min() == 1.0 and out[:, :2].max() == 0.0 and out[:, :, -2:].max() == 0
    rgb = training.scale_images(np.zeros((3, 32, 32, 3), np.uint8))
    assert rgb.shape == (3, 32, 32, 3)
    with pytest.raises(ValueError, match=r"expected images \(N, H, W\)"):
        training.scale_images(np.zeros((28, 28)))
    with pytest.raises(ValueError, match="pad must be"):
        training.scale_images(x, pad=-1)


def test_predict_labels_is_the_argmax():
    x, _ = tiny_data(10)
    model = tiny_model()
    expected = np.argmax(model.predict(x, verbose=0), axis=1)
    assert np.array_equal(training.predict_labels(model, x), expected)


def test_history_helpers():
    history = {"loss": [1.0, 0.5, 0.6], "val_loss": [1.2, 0.9, 0.9],
               "val_accuracy": [0.5, 0.7, 0.7], "learning_rate": [0.1, 0.1, 0.05]}
    assert training.history_dict(history)["loss"] == [1.0, 0.5, 0.6]
    assert training.best_epoch(history) == 1  # the first of two equal minima
    assert training.best_epoch(history, "val_accuracy") == 1
    assert training.lr_drops(history) == [1]
    with pytest.raises(ValueError, match="history has no 'accuracy'"):
        training.best_epoch(history, "accuracy")
    with pytest.raises(ValueError, match="learning-rate"):
        training.lr_drops({"loss": [1.0]})
    with pytest.raises(ValueError, match="non-empty dict"):
        training.history_dict({})


# --- the one-cycle recipe (notebooks 05 and 05b) -------------------------------------------


@pytest.mark.parametrize(("n_images", "expected"), [(36_000, 256), (12_800, 256), (12_799, 128),
                                                    (3_600, 64), (1_800, 32), (400, 8), (10, 8)])
def test_batch_size_for_keeps_at_least_fifty_steps(n_images, expected):
    batch = training.batch_size_for(n_images)
    assert batch == expected
    assert batch == 8 or n_images / batch >= 50  # the floor of 8 is the only exception


@given(st.integers(1, 10**6))
def test_batch_size_for_is_the_largest_power_of_two_that_keeps_fifty_steps(n_images):
    batch = training.batch_size_for(n_images)
    assert batch in (8, 16, 32, 64, 128, 256)
    assert batch == 8 or n_images / batch >= 50
    assert batch == 256 or n_images / (2 * batch) < 50


def test_one_cycle_warms_up_then_follows_the_cosine():
    peak, n_steps = 0.2, 100
    schedule = training.one_cycle(n_steps, peak)
    warmup = n_steps // 5
    rates = np.array([float(schedule(t)) for t in range(n_steps + 1)])
    assert rates[0] == pytest.approx(peak / 10)
    assert rates[warmup // 2] == pytest.approx(peak / 10 + (peak - peak / 10) / 2, rel=1e-5)
    assert rates.max() == pytest.approx(peak) and rates.argmax() == warmup
    t = np.arange(warmup, n_steps + 1)
    cosine = peak * (1 + np.cos(np.pi * (t - warmup) / (n_steps - warmup))) / 2
    assert np.allclose(rates[warmup:], cosine, atol=1e-6)
    assert rates[-1] == pytest.approx(0, abs=1e-7)


def test_compile_recipe_sets_optimizer_loss_and_scaled_rate():
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3, activation="softmax")])
    batch, n_steps, schedule = training.compile_recipe(model, n_images=1_800, epochs=3)
    assert (batch, n_steps) == (32, 3 * 57)
    assert isinstance(model.optimizer, keras.optimizers.SGD) and model.optimizer.nesterov
    assert float(schedule(n_steps // 5)) == pytest.approx(0.2 * 32 / 256)
    assert model.loss.get_config()["label_smoothing"] == 0.1
    _, _, constant = training.compile_recipe(model, n_images=1_800, epochs=3, schedule=False)
    assert constant == pytest.approx(0.025)
    x, y = tiny_data(64)
    history = model.fit(x, keras.utils.to_categorical(y, 3), epochs=1, batch_size=32, verbose=0)
    assert np.isfinite(history.history["loss"][0])


@pytest.mark.parametrize(("call", "match"), [
    (lambda: training.batch_size_for(0), "n_images must be"),
    (lambda: training.batch_size_for(100, largest=4), "largest must be"),
    (lambda: training.one_cycle(4, 0.1), "n_steps must be"),
    (lambda: training.one_cycle(100, 0), "peak must be > 0"),
    (lambda: training.one_cycle(100, -1.0), "peak must be"),
    (lambda: training.compile_recipe("model", 100, 1), "model must be a keras.Model"),
    (lambda: training.compile_recipe(tiny_model(), 100, 0), "epochs must be"),
    (lambda: training.compile_recipe(tiny_model(), 100, 1, schedule="yes"), "schedule must be"),
    (lambda: training.compile_recipe(tiny_model(), 100, 1, label_smoothing=1.5),
     "label_smoothing must be"),
])
def test_recipe_helpers_reject_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.slow
def test_restart_retrains_like_a_fresh_model_without_new_tracing():
    x, y = tiny_data(64)
    Y = keras.utils.to_categorical(y, 3)

    def build(seed):
        keras.utils.set_random_seed(seed)
        return keras.Sequential([keras.Input(shape=(4,)),
                                 keras.layers.Dense(3, activation="softmax")])

    def fit(model, seed):
        keras.utils.set_random_seed(seed)
        return model.fit(x, Y, epochs=2, batch_size=16, verbose=0).history["loss"]

    fresh = {}
    for seed in (0, 1):
        model = build(seed)
        training.compile_recipe(model, 64, 2)
        fresh[seed] = fit(model, seed)
    model = build(0)
    training.compile_recipe(model, 64, 2)
    start = training.optimizer_state(model)
    assert float(start[0]) == 0  # the step counter
    fit(model, 0)
    step = model.train_function
    training.restart(model, build(1).get_weights(), start)
    assert int(model.optimizer.iterations.numpy()) == 0
    assert np.allclose(fit(model, 1), fresh[1], rtol=1e-5)
    assert model.train_function is step  # the traced training step was reused


def test_restart_and_optimizer_state_reject_bad_input():
    with pytest.raises(ValueError, match="expected a compiled keras.Model"):
        training.optimizer_state(keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)]))
    model = tiny_model()
    with pytest.raises(ValueError, match="state must hold"):
        training.restart(model, model.get_weights(), [])
    start = training.optimizer_state(model)
    with pytest.raises(ValueError, match="random_layers must hold 0 arrays"):
        training.restart(model, model.get_weights(), start, [np.zeros(2)])


def test_random_layer_state_is_the_seed_state_and_restart_puts_it_back():
    """A model without random layers has none; GaussianNoise has one seed state, which training
    advances and restart(..., random_layers=) sets back to the given copy's."""
    assert training.random_layer_state(tiny_model()) == []
    keras.utils.set_random_seed(0)
    model = noisy_net()
    compile_sgd(model)
    before = training.random_layer_state(model)
    assert len(before) == 1 and before[0].dtype == np.int64
    start = training.optimizer_state(model)
    x, y = tiny_data(32)
    model.fit(x, keras.utils.to_categorical(y, 3), epochs=1, batch_size=16, verbose=0)
    assert not np.array_equal(training.random_layer_state(model)[0], before[0])
    training.restart(model, model.get_weights(), start, before)
    assert np.array_equal(training.random_layer_state(model)[0], before[0])


# --- scoring on clean images (notebook 05, exercise 5.3) ----------------------------------


@pytest.mark.slow
def test_train_and_score_measures_training_accuracy_on_clean_images_in_inference_mode():
    """With Dropout(0.9) fit's running accuracy is measured on dropped-out batches; the training
    accuracy returned is the model's on the clean images, as model.evaluate gives it."""
    x, y = tiny_data(64)
    keras.utils.set_random_seed(0)
    layers = keras.layers
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(16, activation="relu"),
                              layers.Dropout(0.9), layers.Dense(3, activation="softmax")])
    accuracy, correct = training.train_and_score(model, x, y, x[:16], y[:16], epochs=3)
    assert accuracy == pytest.approx(model.evaluate(x, y, verbose=0)[1])
    assert correct.dtype == bool and correct.shape == (16,)
    assert np.array_equal(correct, training.predict_labels(model, x[:16]) == y[:16])


@pytest.mark.slow
def test_compare_models_scores_each_model_on_clean_training_and_validation_images():
    x, y = tiny_data(64)
    table = training.compare_models({"small": tiny_model(), "adam": tiny_model(optimizer="adam")},
                                    x, y, x[:32], y[:32], epochs=1, n_images=48)
    assert list(table.index) == ["small", "adam"]
    assert list(table["parameters"]) == [15, 15]
    assert table[["train accuracy", "val accuracy"]].stack().between(0, 1).all()


def small_net() -> keras.Model:
    return keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(8, activation="relu"),
                             keras.layers.Dense(3, activation="softmax")])


@pytest.mark.slow
def test_seed_runs_each_run_depends_on_its_seed_alone():
    """One compiled model serves every seed, yet a run does not depend on the runs before it:
    seed 1's row is the same whether it runs first or after seed 0, and it is the run of a fresh
    model built, compiled and trained after seeding with 1."""
    x, y = tiny_data(96)
    x_val, y_val = tiny_data(40, seed=1)
    forward = training.seed_runs(small_net, x, y, x_val, y_val, epochs=2, seeds=[0, 1],
                                 batch_size=16)
    backward = training.seed_runs(small_net, x, y, x_val, y_val, epochs=2, seeds=[1, 0],
                                  batch_size=16)
    assert forward.shape == (2, 40) and forward.dtype == bool
    assert np.array_equal(forward, backward[::-1])
    keras.utils.set_random_seed(1)
    fresh = small_net()
    fresh.compile(optimizer=keras.optimizers.RMSprop(), loss="sparse_categorical_crossentropy")
    fresh.fit(x, y, epochs=2, batch_size=16, verbose=0)
    assert np.array_equal(forward[1], training.predict_labels(fresh, x_val) == y_val)


def noisy_net() -> keras.Model:
    """small_net with a random layer: GaussianNoise draws from its own seed state in training."""
    return keras.Sequential([keras.Input(shape=(4,)), keras.layers.GaussianNoise(0.5),
                             keras.layers.Dense(8, activation="relu"),
                             keras.layers.Dense(3, activation="softmax")])


def compile_sgd(model: keras.Model) -> None:
    model.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.9),
                  loss=keras.losses.CategoricalCrossentropy(label_smoothing=0.1))


@pytest.mark.slow
def test_seed_runs_with_a_random_layer_and_its_own_compile():
    """A random layer's stream restarts with each run too (seed 1 alone = seed 1 after seed 0),
    with the caller's compile and one-hot targets; it is the run of a fresh model."""
    x, y = tiny_data(96)
    x_val, y_val = tiny_data(40, seed=1)
    onehot = keras.utils.to_categorical(y, 3)
    forward = training.seed_runs(noisy_net, x, onehot, x_val, y_val, epochs=2, seeds=[0, 1],
                                 batch_size=16, compile_model=compile_sgd)
    alone = training.seed_runs(noisy_net, x, onehot, x_val, y_val, epochs=2, seeds=[1],
                               batch_size=16, compile_model=compile_sgd)
    assert np.array_equal(forward[1], alone[0])
    keras.utils.set_random_seed(1)
    fresh = noisy_net()
    compile_sgd(fresh)
    fresh.fit(x, onehot, epochs=2, batch_size=16, verbose=0)
    assert np.array_equal(forward[1], training.predict_labels(fresh, x_val) == y_val)


def test_seed_runs_rejects_bad_input():
    x, y = tiny_data(8)
    with pytest.raises(ValueError, match="seeds must be a non-empty sequence"):
        training.seed_runs(small_net, x, y, x, y, epochs=1, seeds=[])
    with pytest.raises(ValueError, match="seeds must be a non-empty sequence"):
        training.seed_runs(small_net, x, y, x, y, epochs=1, seeds=[0, -1])
    with pytest.raises(ValueError, match="epochs must be"):
        training.seed_runs(small_net, x, y, x, y, epochs=0, seeds=[0])
    with pytest.raises(ValueError, match="equal lengths"):
        training.seed_runs(small_net, x, y[:5], x, y, epochs=1, seeds=[0])
    with pytest.raises(ValueError, match="build\\(\\) must return a keras.Model"):
        training.seed_runs(lambda: "model", x, y, x, y, epochs=1, seeds=[0])
    with pytest.raises(ValueError, match="compile_model must be a function of the model"):
        training.seed_runs(small_net, x, y, x, y, epochs=1, seeds=[0], compile_model="sgd")


def test_train_and_score_rejects_bad_input():
    x, y = tiny_data(4)
    with pytest.raises(ValueError, match="equal lengths, got 4, 3 and 4, 4"):
        training.train_and_score(tiny_model(), x, y[:3], x, y, epochs=1)
    with pytest.raises(ValueError, match="epochs must be"):
        training.train_and_score(tiny_model(), x, y, x, y, epochs=0)


def test_compare_on_validation_is_the_paired_bootstrap_naming_validation_images():
    from course_utils import comparison

    a = np.array([True] * 60 + [False] * 40)
    b = np.array([True] * 40 + [False] * 60)
    result = training.compare_on_validation(a, b, "flip average", "one view")
    same = comparison.compare_on_test_set(a, b, "flip average", "one view")
    assert (result.difference, result.low, result.high) == (same.difference, same.low, same.high)
    assert result.verdict == same.verdict == "flip average beats one view"
    assert "over 100 validation images" in result.method and "test" not in result.method
    assert training.compare_on_validation(a, a).verdict == "no clear difference"
    with pytest.raises(ValueError, match="same test images"):
        training.compare_on_validation(a, b[:50])
