"""Notebook 01's exercises: labels in the order they run, and Exercise 1.3 (a linear classifier
built and trained as a one-layer Keras network) on its right answer and its typical mistakes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from course_utils import exercises as ex  # noqa: E402
from course_utils.exercises import nb01, probes  # noqa: E402
from course_utils.exercises.rebuild import rebuild  # noqa: E402

layers = keras.layers
NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "01_feature_extraction.ipynb"


def blobs(n: int = 800, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three well separated classes in 5 features on very different scales (n, 5), (n,)."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 3
    centres = np.array([[0, 0, 0, 0, 0], [3, -3, 2, 0, 1], [-3, 3, 0, 2, -1]], float)
    x = 2 * centres[labels] + rng.normal(size=(n, 5))
    scales, offsets = np.array([100, 50, 1, 0.1, 10]), np.array([1000, -500, 3, 0, 50])
    return (x * scales + offsets).astype(np.float32), labels


X, Y = blobs()


def linear(x: np.ndarray, normalise: bool = True, hidden: int = 0,
           activation: str = "softmax", units: int = 3, name: str | None = None) -> keras.Model:
    """A model of the exercise's form (optionally wrong: no Normalization, a hidden layer, …)."""
    stack: list = [keras.Input(shape=(x.shape[1],))]
    if normalise:
        norm = layers.Normalization()
        norm.adapt(x)  # adapted before the model is built, as students write it
        stack.append(norm)
    if hidden:
        stack.append(layers.Dense(hidden, activation="relu"))
    stack.append(layers.Dense(units, activation=activation))
    return keras.Sequential(stack, name=name)


def fitted(model: keras.Model, x: np.ndarray, y: np.ndarray, epochs: int = 60,
           seed: int = 0) -> keras.Model:
    keras.utils.set_random_seed(seed)
    model.compile(optimizer=keras.optimizers.Adam(1e-2),
                  loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=epochs, batch_size=64, verbose=0)
    return model


def right(x: np.ndarray, y: np.ndarray) -> keras.Model:
    return fitted(linear(x), x, y)


def one_line(capsys) -> str:
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


# --- labels: the exercises run 1.1, 1.2, 1.3, 1.4 -----------------------------------------------

def test_labels_of_the_checks():
    labels = {name: ex.spec(name).exercise for name in
              ("check_bounding_box_height", "check_new_feature", "check_linear_classifier",
               "check_dense_vs_conv")}
    assert labels == {"check_bounding_box_height": "1.1", "check_new_feature": "1.2",
                      "check_linear_classifier": "1.3", "check_dense_vs_conv": "1.4"}


def test_notebook_runs_its_exercises_in_order():
    cells = json.loads(NOTEBOOK.read_text())["cells"]
    headings = [m for c in cells if c["cell_type"] == "markdown"
                for m in re.findall(r"^## Exercise (1\.\d)", "".join(c["source"]), re.M)]
    checks = [m for c in cells if c["cell_type"] == "code"
              for m in re.findall(r"\b(check_\w+)\(", "".join(c["source"]))]
    assert headings == ["1.1", "1.2", "1.3", "1.4"]
    assert [ex.spec(name).exercise for name in checks] == headings


# --- Exercise 1.3 ------------------------------------------------------------------------------

def test_right_answer_passes_near_scikit_learn(capsys):
    assert nb01.check_linear_classifier(right, X, Y) is True
    line = one_line(capsys)
    assert line.startswith("✓ Exercise 1.3: correct (validation accuracy ")
    got, sklearn = map(float, re.findall(r"\d\.\d{3}", line))
    assert got >= sklearn - nb01.LINEAR_MARGIN


def test_linear_baseline_is_scikit_learn_on_the_split():
    accuracy = nb01.linear_baseline(X[:600], Y[:600], X[600:], Y[600:])
    assert 0.9 < accuracy <= 1.0
    shuffled = np.random.default_rng(1).permutation(Y[600:])
    assert nb01.linear_baseline(X[:600], Y[:600], X[600:], shuffled) < 0.6


MISTAKES = [
    (lambda x, y: linear(x), "near chance: did you compile and fit"),
    (lambda x, y: fitted(linear(x, hidden=16), x, y), "2 layers with weights"),
    (lambda x, y: fitted(linear(x, activation="linear"), x, y), "use softmax"),
    (lambda x, y: linear(x, units=2), "expected output shape (None, 3)"),
    (lambda x, y: keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3, "softmax")]),
     "expected input shape (None, 5)"),
    (lambda x, y: None, "did you forget `return`?"),
    (lambda x, y: 0.9, "expected a Keras model, got float"),
]


@pytest.mark.parametrize("wrong, text", MISTAKES, ids=range(len(MISTAKES)))
def test_typical_mistakes_are_named(wrong, text, capsys):
    assert nb01.check_linear_classifier(wrong, X, Y) is False
    line = one_line(capsys)
    assert line.startswith("✗ Exercise 1.3: ") and text in line, line


def test_standardising_outside_the_model_is_named(capsys):
    def outside(x, y):  # StandardScaler before fit: the model then expects standardised inputs
        z = (x - x.mean(axis=0)) / x.std(axis=0)
        return fitted(linear(z, normalise=False), z, y)

    assert nb01.check_linear_classifier(outside, X, Y) is False
    assert "standardise inside the model" in one_line(capsys)


def test_rejects_the_course_builders(capsys):
    from course_utils import models

    assert nb01.check_linear_classifier(lambda x, y: models.mlp_baseline(), X, Y) is False
    assert "that is course_utils.models.mlp_baseline" in one_line(capsys)

    def renamed(x, y):  # the right model under a course builder's name is still not the student's
        return fitted(linear(x, name="lenet5"), x, y)

    assert nb01.check_linear_classifier(renamed, X, Y) is False
    assert "course_utils.models.lenet5" in one_line(capsys)


@pytest.mark.parametrize("build", ["lenet5", "lenet5_insa", "mlp_baseline", "lecture_cnn",
                                   "cifar_slide_cnn", "mini_vgg", "mini_resnet"])
def test_course_model_names_are_known(build):
    from course_utils import models

    assert getattr(models, build)().name in nb01.COURSE_MODELS


def test_stub_fails_cleanly(capsys):
    def stub(x, y):
        raise NotImplementedError

    assert nb01.check_linear_classifier(stub, X, Y) is False
    assert one_line(capsys) == "✗ Exercise 1.3: not implemented yet"


def test_adapted_normalization_survives_the_round_trip():
    model = right(X[:600], Y[:600])
    sent = probes.roundtrip(probes.run("call", lambda: model, [()]))[0]["value"]
    rebuilt = rebuild(sent)
    nb01._load_weights(rebuilt, sent.weights)
    np.testing.assert_allclose(rebuilt.predict(X[600:], verbose=0),
                               model.predict(X[600:], verbose=0), atol=1e-5)


def test_grader_judges_from_data_only():
    spec = ex.spec("check_linear_classifier")
    cases = spec.cases(None, X, Y, nb01.LINEAR_MARGIN)
    outcomes = probes.roundtrip(probes.run(spec.probe, right, cases))
    assert spec.judge(outcomes, cases, (X, Y, nb01.LINEAR_MARGIN)).passed
    forged = [{"value": {"accuracy": 1.0}}]
    assert not spec.judge(forged, cases, (X, Y, nb01.LINEAR_MARGIN)).passed


def test_bad_context_is_a_value_error():
    with pytest.raises(ValueError, match=r"expected features \(N, d\) and labels \(N,\)"):
        nb01.check_linear_classifier(right, X[:, 0], Y)
