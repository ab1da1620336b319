"""course_utils.results: the rows notebooks record for the full-profile benchmark table."""

import json

import pytest

from course_utils import results


class FakeModel:
    def count_params(self):
        return 61_706


class FakeHistory:
    epoch = [0, 1, 2, 3, 4]  # what keras.callbacks.History keeps: the epochs run


def test_nothing_is_written_without_the_variable(monkeypatch, tmp_path):
    monkeypatch.delenv(results.RESULTS_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    row = results.record_result("LeNet-5", FakeModel(), FakeHistory(), 0.99123, 12.345)
    assert row["parameters"] == 61_706 and row["epochs"] == 5
    assert row["test_accuracy"] == 0.9912 and row["training_seconds"] == 12.3
    assert list(tmp_path.iterdir()) == []


def test_rows_are_appended_as_json_lines(monkeypatch, tmp_path):
    log = tmp_path / "05.jsonl"
    monkeypatch.setenv(results.RESULTS_ENV, str(log))
    monkeypatch.setenv("COURSE_PROFILE", "Full")
    first = results.record_result("slide model", 122_570, {"loss": [2.0, 1.5]}, 0.6451, 60)
    results.record_result(" deeper model ", FakeModel(), 12, 0.85, 540.04)
    lines = log.read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0]) == first == {
        "model": "slide model", "parameters": 122_570, "epochs": 2, "test_accuracy": 0.6451,
        "training_seconds": 60.0, "profile": "full",
    }
    assert results.read_results(log)[1]["model"] == "deeper model"
    assert [r["epochs"] for r in results.read_results(log)] == [2, 12]


@pytest.mark.slow  # fits a model
def test_with_a_real_keras_history(monkeypatch, tmp_path):
    import keras
    import numpy as np

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = np.zeros((8, 3), "float32"), np.zeros(8, "int64")
    history = model.fit(x, y, epochs=3, verbose=0)
    accuracy = model.evaluate(x, y, verbose=0)[1]
    row = results.record_result("tiny", model, history, accuracy, 0.5)
    assert row["parameters"] == 3 * 2 + 2 and row["epochs"] == 3


@pytest.mark.parametrize(
    "args, message",
    [
        (("", 10, 1, 0.5, 1.0), "model_name must be a non-empty string, got ''"),
        (("m", "big", 1, 0.5, 1.0), "model must be a Keras model or an integer parameter count"),
        (("m", -1, 1, 0.5, 1.0), "parameters must be an integer >= 0, got -1"),
        (("m", 10, "x", 0.5, 1.0), "history must be a Keras History, its .history dict or an int"),
        (("m", 10, {"acc": [1]}, 0.5, 1.0), "history must have a 'loss' list, got keys"),
        (("m", 10, 1, 1.5, 1.0), r"test_accuracy must be a number in \[0, 1\], got 1.5"),
        (("m", 10, 1, True, 1.0), r"test_accuracy must be a number in \[0, 1\], got True"),
        (("m", 10, 1, 0.5, -2), "seconds must be a finite number >= 0, got -2"),
        (("m", 10, 1, 0.5, float("nan")), "seconds must be a finite number >= 0, got nan"),
    ],
)
def test_bad_arguments(args, message):
    with pytest.raises(ValueError, match=message):
        results.record_result(*args)


def test_read_results_checks_every_line(tmp_path):
    assert results.read_results(tmp_path / "missing.jsonl") == []
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"model": "m"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="bad.jsonl line 1 must be an object with"):
        results.read_results(bad)
    bad.write_text("\nnot json\n", encoding="utf-8")
    with pytest.raises(ValueError, match="bad.jsonl line 2 is not JSON"):
        results.read_results(bad)
